// Reopening the tables a backup stage's flush closed. See
// table_cache_reload.h for why and when.
#include "hotbackup/server/table_cache_reload.h"

#include <utility>

namespace hotbackup {
namespace {

// Tables per statement: MariaDB joins at most 61.
constexpr size_t kTablesPerStatement = 50;
// Tables in a row that could not be opened before the reload gives up (the
// backup user may lack SELECT).
constexpr size_t kMaxFailuresInARow = 50;
// A table cache of many thousands is not reopened whole: the workload
// reopens what it uses on its own, and the backup should not wait longer.
constexpr auto kMaxReloadTime = std::chrono::seconds(5);

}  // namespace

Status ListOpenTables(MysqlConnection* connection, std::vector<std::string>* tables) {
  std::vector<MysqlConnection::Row> rows;
  HOTBACKUP_RETURN_IF_ERROR(connection->QueryRows("SHOW OPEN TABLES", &rows));
  for (const MysqlConnection::Row& row : rows) {
    std::optional<std::string> db = row.Get("Database");
    std::optional<std::string> table = row.Get("Table");
    if (!db || !table) continue;
    tables->push_back(QuoteIdentifier(*db) + "." + QuoteIdentifier(*table));
  }
  return Status::OK();
}

TableCacheReload::~TableCacheReload() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
}

void TableCacheReload::Start(const ConnectionConfig& config, std::vector<std::string> tables) {
  thread_ = std::thread(&TableCacheReload::Run, this, config, std::move(tables));
}

TableCacheReload::Result TableCacheReload::Finish() {
  if (thread_.joinable()) thread_.join();
  return result_;
}

void TableCacheReload::Run(ConnectionConfig config, std::vector<std::string> tables) {
  const auto start = std::chrono::steady_clock::now();
  result_.tables = tables.size();
  MysqlConnection connection;
  Status s = connection.Connect(config);
  // Never queue behind DDL for long: a table being altered is skipped.
  if (s.ok()) s = connection.Execute("SET SESSION lock_wait_timeout = 1");
  size_t failures_in_a_row = 0;
  auto open = [&connection](const std::vector<std::string>& names, size_t from, size_t count) {
    std::string sql = "SELECT 1 FROM ";
    for (size_t i = from; i < from + count; ++i) sql += (i > from ? ", " : "") + names[i];
    return connection.Execute(sql + " LIMIT 0");
  };
  for (size_t at = 0; s.ok() && at < tables.size() && !stop_; at += kTablesPerStatement) {
    if (std::chrono::steady_clock::now() - start > kMaxReloadTime) {
      s = Status::Aborted("the reload's 5 s were up");
      break;
    }
    const size_t count = std::min(kTablesPerStatement, tables.size() - at);
    if (open(tables, at, count).ok()) {
      result_.reopened += count;
      failures_in_a_row = 0;
      continue;
    }
    // One table of the batch could not be opened: each on its own.
    for (size_t i = at; i < at + count && !stop_; ++i) {
      if (open(tables, i, 1).ok()) {
        ++result_.reopened;
        failures_in_a_row = 0;
      } else if (++failures_in_a_row >= kMaxFailuresInARow) {
        s = Status::Server(std::to_string(kMaxFailuresInARow) +
                           " tables in a row could not be opened (does the backup user lack "
                           "SELECT?)");
        break;
      }
    }
  }
  if (!s.ok()) result_.error = s.message();
  result_.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace hotbackup
