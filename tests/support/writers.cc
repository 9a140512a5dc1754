#include "support/writers.h"

#include <catch2/catch.hpp>
#include <chrono>

#include "hotbackup/server/mysql_connection.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup::test {

Writers::Writers(const std::string& socket, int count) {
  for (int w = 0; w < count; ++w) {
    threads_.emplace_back([this, socket, w] { Write(socket, w); });
  }
}

Writers::~Writers() { Stop(); }

void Writers::Stop() {
  stop_.store(true);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::string Writers::error() {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void Writers::WaitForCommits(int transactions) {
  while (committed() < transactions && error().empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Writers::Write(const std::string& socket, int writer) {
  ConnectionConfig config;
  config.socket = socket;
  MysqlConnection c;
  Status s = c.Connect(config);
  for (int txn = next_txn_base_ + 1; s.ok() && !stop_.load(); ++txn) {
    std::string sql = "INSERT INTO t.w (writer, txn, k, v) VALUES ";
    for (int k = 0; k < kRowsPerTransaction; ++k) {
      sql += (k ? ",(" : "(") + std::to_string(writer) + "," + std::to_string(txn) + "," +
             std::to_string(k) + ",REPEAT('x', 60))";
    }
    s = c.Execute("BEGIN");
    if (s.ok()) s = c.Execute(sql);
    if (s.ok()) s = c.Execute("COMMIT");
    if (s.ok()) committed_.fetch_add(1);
  }
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = s.message();
  }
}

uint64_t CountWriterTransactions(SandboxServer& server) {
  CHECK(TrimTrailing(server.Sql(
            "SELECT COUNT(*) FROM (SELECT writer, txn FROM t.w GROUP BY writer, txn HAVING "
            "COUNT(*) <> " +
            std::to_string(kRowsPerTransaction) + ") partial")) == "0");
  return std::stoull(TrimTrailing(server.Sql("SELECT COUNT(DISTINCT writer, txn) FROM t.w")));
}

}  // namespace hotbackup::test
