// Servers that hold other engines' tables beside MyRocks, as most MariaDB
// servers that adopt MyRocks do: an InnoDB table with rows is refused before
// anything is written (or, with --allow_partial_backup, left out and named by
// the manifest and every reader); MyISAM and Aria tables written throughout a
// multi-round backup restore at the recorded binlog position, so the restore
// replicates from there without a duplicate key and ends identical to its
// primary.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/server/mysql_connection.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"
#include "support/writers.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::ProcessResult;
using test::Run;
using test::SandboxServer;
using test::TempDir;
using test::TrimTrailing;

constexpr char kMixedTables[] = "mix.my, mix.ar, mix.rr";

// A primary with the binlog on (ROW), a replication user, bulk MyRocks rows
// (several SSTs: several rounds), and one table per engine for the writers.
std::unique_ptr<SandboxServer> StartMixedPrimary() {
  SandboxServer::Settings settings;
  settings.tcp_port = test::FreeLoopbackPort();
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1"};
  auto primary = std::make_unique<SandboxServer>(settings);
  primary->Sql(R"(
    CREATE USER repl@'127.0.0.1' IDENTIFIED BY 'replpw';
    GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1';
    CREATE DATABASE t;
    USE t;
    CREATE TABLE t.bulk (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=ROCKSDB;
    INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_1_to_60000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
    INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_60001_to_120000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
    CREATE DATABASE mix;
    CREATE TABLE mix.my (w INT, n INT, v VARCHAR(64), PRIMARY KEY (w, n)) ENGINE=MyISAM;
    CREATE TABLE mix.ar (w INT, n INT, v VARCHAR(64), PRIMARY KEY (w, n)) ENGINE=Aria;
    CREATE TABLE mix.rr (w INT, n INT, v VARCHAR(64), PRIMARY KEY (w, n)) ENGINE=ROCKSDB;
    INSERT INTO mix.my SELECT 0, seq, MD5(seq) FROM seq_1_to_20000;
    INSERT INTO mix.ar SELECT 0, seq, MD5(seq) FROM seq_1_to_20000;
    INSERT INTO mix.rr SELECT 0, seq, MD5(seq) FROM seq_1_to_20000;
  )");
  primary->Sql(test::kWritersTableDdl);
  return primary;
}

// One connection per table, each inserting rows in autocommit statements
// (one GTID each) into its own keys until stopped.
class EngineWriters {
 public:
  explicit EngineWriters(const std::string& socket) {
    int w = next_writer_.fetch_add(3);  // keys of their own in every object
    for (const char* table : {"mix.my", "mix.ar", "mix.rr"}) {
      threads_.emplace_back([this, socket, table, w] { Write(socket, table, w); });
      ++w;
    }
  }
  ~EngineWriters() { Stop(); }
  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  int statements() const { return statements_.load(); }
  std::string error() {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  void Write(const std::string& socket, const std::string& table, int w) {
    ConnectionConfig config;
    config.socket = socket;
    MysqlConnection c;
    Status s = c.Connect(config);
    for (int n = 1; s.ok() && !stop_; ++n) {
      s = c.Execute("INSERT INTO " + table + " VALUES (" + std::to_string(w) + ", " +
                    std::to_string(n) + ", MD5(" + std::to_string(n) + "))");
      if (s.ok() && n % 7 == 0) {
        s = c.Execute("UPDATE " + table + " SET v = 'updated' WHERE w = 0 AND n = " +
                      std::to_string(n));
      }
      if (s.ok()) ++statements_;
    }
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = table + ": " + s.message();
    }
  }

  static inline std::atomic<int> next_writer_{1};
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> statements_{0};
  std::mutex mu_;
  std::string error_;
};

// --move_back of an extracted backup into a new datadir; the log.
std::string MoveBack(const std::string& extracted, const std::string& data) {
  ProcessResult r = Run({BinaryPath(), "--move_back", "--datadir=" + data,
                         "--rocksdb_datadir=" + data + "/#rocksdb",
                         "--rocksdb_waldir=" + data + "/#rocksdb", "--backup_dir=" + extracted});
  INFO("move_back: " << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  return r.stderr_text;
}

// Replicates from `position_gtid` until the replica has what the primary
// has; fails at once on a replication error (a row copied later than the
// position and applied again: duplicate key).
void CatchUp(SandboxServer& replica, SandboxServer& primary, const std::string& position_gtid) {
  replica.Sql("SET GLOBAL gtid_slave_pos = '" + position_gtid + "'");
  replica.Sql("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" +
              std::to_string(primary.tcp_port()) +
              ", MASTER_USER='repl', MASTER_PASSWORD='replpw', MASTER_CONNECT_RETRY=1, "
              "MASTER_USE_GTID=slave_pos");
  replica.Sql("START SLAVE");
  const std::string target = TrimTrailing(primary.Sql("SELECT @@global.gtid_binlog_pos"));
  ConnectionConfig config;
  config.socket = replica.socket();
  MysqlConnection status_connection;
  REQUIRE(status_connection.Connect(config).ok());
  for (int i = 0; i < 600; ++i) {
    std::vector<MysqlConnection::Row> rows;
    REQUIRE(status_connection.QueryRows("SHOW SLAVE STATUS", &rows).ok());
    REQUIRE(rows.size() == 1);
    INFO("replica: " << rows[0].Get("Last_SQL_Error").value_or(""));
    REQUIRE(rows[0].Get("Last_SQL_Errno").value_or("") == "0");
    if (TrimTrailing(replica.Sql("SELECT MASTER_GTID_WAIT('" + target + "', 0.5)")) == "0") {
      return;
    }
  }
  FAIL("the replica did not catch up in 5 minutes");
}

TEST_CASE("Mixed engines: MyISAM, Aria and MyRocks tables written throughout a multi-round "
          "backup restore at the recorded position and replicate without an error",
          "[server][mixed]") {
  std::unique_ptr<SandboxServer> primary = StartMixedPrimary();
  // A busy server: its table cache holds the tables.
  primary->Sql("SELECT COUNT(*) FROM mix.my; SELECT COUNT(*) FROM mix.ar; "
               "SELECT COUNT(*) FROM mix.rr");
  {
    // Without backup locks nothing holds their writes: copied after the
    // checkpoint as far as they were when opened, and the backup succeeds.
    TempDir work;
    EngineWriters writers(primary->socket());
    while (writers.statements() < 300 && writers.error().empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ProcessResult r = Run({BinaryPath(), "--socket=" + primary->socket(),
                           "--checkpoint_dir=" + (work / "cp"), "--no_backup_locks",
                           "--output=" + (work / "backup.tar")});
    INFO(r.stderr_text);
    CHECK(r.exit_code == 0);
    writers.Stop();
    REQUIRE(writers.error().empty());
  }
  // One stream format: both go through the same stage (a second costs CI a
  // minute under ASan and tests nothing more here).
  for (const char* stream : {"xbstream"}) {
    INFO("stream " << stream);
    TempDir work;
    const std::string archive = work / "backup";
    EngineWriters writers(primary->socket());
    test::Writers rocks(primary->socket(), 2);  // transactions beside them
    while (writers.statements() < 300 && writers.error().empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const int before = writers.statements();
    ProcessResult r = Run({BinaryPath(), "--socket=" + primary->socket(),
                           "--checkpoint_dir=" + (work / "cp"), "--interval=1",
                           "--avg_mbytes_per_sec=8", std::string("--stream=") + stream,
                           "--output=" + archive});
    const int after = writers.statements();
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    CHECK(after > before);  // the tables were written while the backup ran
    CHECK_THAT(r.stderr_text, Catch::Contains("copied again with their writes blocked"));

    const std::string extracted = work / "extracted";
    ProcessResult x = Run({BinaryPath(), "--extract", "--backup_dir=" + extracted,
                           "--input=" + archive});
    INFO("extract: " << x.stderr_text);
    REQUIRE(x.exit_code == 0);
    Manifest manifest;
    REQUIRE(ParseManifest(test::ReadFile(extracted + "/" + kManifestPath), &manifest).ok());
    REQUIRE(manifest.binlog.has_value());
    REQUIRE(manifest.binlog->consistent);
    CHECK(manifest.rounds >= 2);
    CHECK(manifest.left_out.empty());
    const std::string data = work / "restored/data";
    MoveBack(extracted, data);
    SandboxServer::Settings settings;
    settings.datadir_from = data;
    settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=7",
                            "--skip-slave-start"};
    SandboxServer replica(settings);

    writers.Stop();
    rocks.Stop();
    REQUIRE(writers.error().empty());
    REQUIRE(rocks.error().empty());
    CatchUp(replica, *primary, manifest.binlog->gtid_binlog_pos);
    const std::string checksums = std::string("CHECKSUM TABLE ") + kMixedTables + ", t.w EXTENDED";
    CHECK(replica.Sql(checksums) == primary->Sql(checksums));
  }
}

TEST_CASE("Mixed engines: an InnoDB table with rows is refused before anything is written, "
          "and with --allow_partial_backup is left out and named by every reader",
          "[server][mixed]") {
  SandboxServer::Settings settings;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1"};
  SandboxServer server(settings);
  server.Sql(R"(
    CREATE DATABASE t;
    USE t;
    CREATE DATABASE shop;
    CREATE TABLE shop.orders (id INT PRIMARY KEY, v INT) ENGINE=ROCKSDB;
    INSERT INTO shop.orders SELECT seq, seq FROM seq_1_to_1000;
    CREATE TABLE shop.legacy (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
    INSERT INTO shop.legacy SELECT seq, seq FROM seq_1_to_1000;
    CREATE TABLE shop.unused (id INT PRIMARY KEY) ENGINE=InnoDB;
    CREATE TABLE shop.m (id INT PRIMARY KEY, v INT) ENGINE=MyISAM;
    INSERT INTO shop.m SELECT seq, seq FROM seq_1_to_100;
    CREATE TABLE shop.cache (id INT PRIMARY KEY) ENGINE=MEMORY;
    INSERT INTO shop.cache VALUES (1);
  )");
  // A schema whose directory name is encoded ("we@002dird"): InnoDB's
  // dictionary cannot name it, every schema is read.
  server.Sql("CREATE DATABASE `we-ird`; CREATE TABLE `we-ird`.`t-1` (id INT PRIMARY KEY) "
             "ENGINE=InnoDB; INSERT INTO `we-ird`.`t-1` VALUES (1), (2)");
  server.Sql(test::kWritersTableDdl);
  test::Writers writers(server.socket(), 2);
  writers.WaitForCommits(20);

  TempDir work;
  const std::string archive = work / "out/backup.tar";
  fs::create_directories(work / "out");
  ProcessResult r = Run({BinaryPath(), "--socket=" + server.socket(),
                         "--checkpoint_dir=" + (work / "cp"), "--output=" + archive});
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("2 user tables with rows in engines"));
  CHECK_THAT(r.stderr_text, Catch::Contains("shop.legacy (InnoDB, ~"));
  CHECK_THAT(r.stderr_text, Catch::Contains("we-ird.t-1 (InnoDB, ~"));
  CHECK_THAT(r.stderr_text, Catch::Contains("--allow_partial_backup"));
  CHECK_THAT(r.stderr_text, Catch::Contains("mariabackup"));
  // The empty InnoDB table and the MEMORY table are no reason to refuse.
  CHECK_THAT(r.stderr_text, Catch::Contains("1 empty table of engines whose rows it does not copy "
                                            "(shop.unused (InnoDB"));
  CHECK_THAT(r.stderr_text, Catch::Contains("1 MEMORY"));
  CHECK_THAT(r.stderr_text, !Catch::Contains("Creating checkpoint"));
  CHECK(test::CountErrorLines(r.stderr_text) == 1);
  // Nothing left: no archive, no temporary file beside it, no checkpoint.
  CHECK(fs::is_empty(work / "out"));
  test::ExpectNoCheckpointLeft(work / "cp");

  r = Run({BinaryPath(), "--socket=" + server.socket(), "--checkpoint_dir=" + (work / "cp"),
           "--output=" + archive, "--allow_partial_backup"});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("WARN") && Catch::Contains("leaving out 2 user tables "
                                                                      "with rows"));
  writers.Stop();
  REQUIRE(writers.error().empty());
  // The definition travels (the restored server knows the table exists).
  std::vector<std::string> names = test::TarMemberNames(archive);
  CHECK(std::find(names.begin(), names.end(), "shop/legacy.frm") != names.end());

  const char* kPartial = "This backup is partial (--allow_partial_backup): 2 tables are in it "
                         "without their rows: ";
  ProcessResult v = Run({BinaryPath(), "--verify", "--input=" + archive});
  INFO("verify: " << v.stderr_text);
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.stderr_text, Catch::Contains(kPartial));
  const std::string extracted = work / "extracted";
  ProcessResult x =
      Run({BinaryPath(), "--extract", "--backup_dir=" + extracted, "--input=" + archive});
  INFO("extract: " << x.stderr_text);
  REQUIRE(x.exit_code == 0);
  CHECK_THAT(x.stderr_text, Catch::Contains(kPartial));
  ProcessResult vd = Run({BinaryPath(), "--verify", "--backup_dir=" + extracted});
  CHECK_THAT(vd.stderr_text, Catch::Contains(kPartial));
  Manifest manifest;
  REQUIRE(ParseManifest(test::ReadFile(extracted + "/" + kManifestPath), &manifest).ok());
  REQUIRE(manifest.left_out.size() == 2);
  CHECK(manifest.left_out[1].schema == "we-ird");
  CHECK(manifest.left_out[1].table == "t-1");
  CHECK(manifest.left_out[0].schema == "shop");
  CHECK(manifest.left_out[0].table == "legacy");
  CHECK(manifest.left_out[0].engine == "InnoDB");
  CHECK(manifest.left_out[0].rows > 0);
  CHECK(manifest.left_out[0].bytes > 0);
  const std::string data = work / "restored/data";
  CHECK_THAT(MoveBack(extracted, data), Catch::Contains(kPartial));

  // What the backup carried is there; the left-out table has no rows.
  SandboxServer::Settings restored_settings;
  restored_settings.datadir_from = data;
  SandboxServer restored(restored_settings);
  const std::string checksums = "CHECKSUM TABLE shop.orders, shop.m EXTENDED";
  CHECK(restored.Sql(checksums) == server.Sql(checksums));
}

}  // namespace
}  // namespace hotbackup
