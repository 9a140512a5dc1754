// Backups of binlog-enabled servers under live writers: every restore is the
// exact point in time the archive records (its GTID counts the restored
// transactions), starts without --tc-heuristic-recover, and seeds a replica
// that catches up to its primary over 127.0.0.1, by GTID and by file and
// position; a replica's backup with --slave_info seeds another replica of its
// primary. Also the refusals: no RELOAD privilege, a backup lock held by
// someone else.
#include <unistd.h>

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
#include "support/writers.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::ProcessResult;
using test::Run;
using test::SandboxServer;
using test::TempDir;
using test::TrimTrailing;
using test::GtidSequence;
using test::CountWriterTransactions;
using test::kRowsPerTransaction;
using test::Writers;

constexpr int kWriters = 8;

// A primary with the binlog on (ROW), a replication user, a table of bulk
// rows (several SSTs, so the backup runs several rounds) and the writers'
// table.
std::unique_ptr<SandboxServer> StartPrimary(const std::string& log_bin) {
  SandboxServer::Settings settings;
  settings.tcp_port = test::FreeLoopbackPort();
  settings.server_args = {"--log-bin=" + log_bin, "--binlog-format=ROW", "--server-id=1"};
  auto primary = std::make_unique<SandboxServer>(settings);
  primary->Sql(R"(
    CREATE USER repl@'127.0.0.1' IDENTIFIED BY 'replpw';
    GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1';
    CREATE DATABASE t;
    USE t;
    CREATE TABLE t.bulk (id INT PRIMARY KEY, pad VARCHAR(200), KEY (pad(20))) ENGINE=ROCKSDB;
    INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_1_to_60000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
    INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_60001_to_120000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
    CREATE TABLE t.w (writer INT, txn INT, k INT, v VARCHAR(64), PRIMARY KEY (writer, txn, k))
      ENGINE=ROCKSDB;
  )");
  return primary;
}

// Restores `archive` into a new server (a replica-to-be, with a binlog of its
// own and the given server_id): GNU tar or our --extract, then --move_back.
struct Restored {
  std::unique_ptr<SandboxServer> server;
  std::string move_back_log;
  std::string extracted;  // the extracted backup, before move-back
};

Restored RestoreArchive(const std::string& archive, bool with_tar, const TempDir& work,
                        const std::string& tag, int server_id) {
  Restored out;
  std::string extracted = work / ("extracted-" + tag);
  ProcessResult r;
  if (with_tar) {
    fs::create_directories(extracted);
    r = Run({"tar", "-xf", archive, "-C", extracted});
  } else {
    r = Run({BinaryPath(), "--extract", "--backup_dir=" + extracted, "--input=" + archive});
  }
  INFO("extract: " << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  out.extracted = work / ("info-" + tag);
  fs::create_directories(out.extracted);
  for (const char* name : {"xtrabackup_binlog_info", "xtrabackup_slave_info", kManifestPath}) {
    if (fs::exists(extracted + "/" + name)) {
      fs::copy_file(extracted + "/" + name, out.extracted + "/" + name);
    }
  }
  std::string data = work / ("restored-" + tag) + "/data";
  r = Run({BinaryPath(), "--move_back", "--datadir=" + data,
           "--rocksdb_datadir=" + data + "/#rocksdb", "--rocksdb_waldir=" + data + "/#rocksdb",
           "--backup_dir=" + extracted});
  INFO("move_back: " << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  out.move_back_log = r.stderr_text;
  SandboxServer::Settings settings;
  settings.datadir_from = data;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW",
                          "--server-id=" + std::to_string(server_id), "--skip-slave-start"};
  out.server = std::make_unique<SandboxServer>(settings);
  return out;
}

std::string Checksums(SandboxServer& server) {
  return server.Sql("CHECKSUM TABLE t.bulk, t.w EXTENDED");
}

// Points `replica` at `primary` (127.0.0.1), waits until it has applied
// everything the primary has, and checks both hold the same tables.
void ReplicateAndCompare(SandboxServer& replica, SandboxServer& primary,
                         const std::string& position_clause) {
  replica.Sql("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" +
              std::to_string(primary.tcp_port()) +
              ", MASTER_USER='repl', MASTER_PASSWORD='replpw', MASTER_CONNECT_RETRY=1, " +
              position_clause);
  replica.Sql("START SLAVE");
  const std::string target = TrimTrailing(primary.Sql("SELECT @@global.gtid_binlog_pos"));
  std::string waited = TrimTrailing(replica.Sql("SELECT MASTER_GTID_WAIT('" + target + "', 300)"));
  INFO("replica status: " << replica.Sql("SHOW SLAVE STATUS\\G"));
  REQUIRE(waited == "0");
  CHECK(Checksums(replica) == Checksums(primary));
}

// Three backups of a primary under kWriters writers, each restored and
// turned into a replica: by GTID, then by file and position, in turn.
void BackupsUnderWritersSeedReplicas(const std::string& log_bin, bool binlog_in_datadir) {
  std::unique_ptr<SandboxServer> primary = StartPrimary(log_bin);
  const uint64_t baseline = GtidSequence(TrimTrailing(primary->Sql("SELECT @@global.gtid_binlog_pos")));

  for (int attempt = 1; attempt <= 3; ++attempt) {
    INFO("attempt " << attempt);
    TempDir work;
    const std::string archive = work / "backup.tar";
    const bool by_gtid = attempt % 2 == 1;
    Writers writers(primary->socket(), kWriters);
    while (writers.committed() < 50 && writers.error().empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const int committed_before = writers.committed();
    ProcessResult r =
        Run({BinaryPath(), "--socket=" + primary->socket(), "--checkpoint_dir=" + (work / "cp"),
             "--interval=1", "--avg_mbytes_per_sec=8", "--output=" + archive});
    const int committed_after = writers.committed();
    writers.Stop();
    INFO(r.stderr_text);
    REQUIRE(writers.error().empty());
    REQUIRE(r.exit_code == 0);
    CHECK(committed_after > committed_before);  // commits really ran during the backup
    CHECK_THAT(r.stderr_text, Catch::Contains("commits blocked for"));
    // sync_binlog=0 here: the binlog was written back while the stage was held.
    CHECK_THAT(r.stderr_text, Catch::Contains("Binlog: written back"));

    // The server's binlog, its index and replication state never travel.
    for (const std::string& name : test::TarMemberNames(archive)) {
      INFO(name);
      CHECK_FALSE(name.starts_with("mysql-bin"));
      CHECK_FALSE(name.ends_with(".index"));
      CHECK_FALSE(name.ends_with(".info"));
    }
    if (binlog_in_datadir) CHECK(fs::exists(primary->datadir() + "/mysql-bin.index"));

    Restored restored = RestoreArchive(archive, attempt % 2 == 0, work, "r", 10 + attempt);
    // The restore needed no --tc-heuristic-recover: it started. Its data is
    // exactly the recorded position: one writer transaction per GTID.
    const std::string info = test::ReadFile(restored.extracted + "/xtrabackup_binlog_info");
    std::string file, gtid;
    uint64_t position = 0;
    std::istringstream(info) >> file >> position >> gtid;
    INFO("xtrabackup_binlog_info: " << info);
    REQUIRE(file.starts_with("mysql-bin."));
    CHECK(CountWriterTransactions(*restored.server) == GtidSequence(gtid) - baseline);
    CHECK(GtidSequence(gtid) - baseline >= static_cast<uint64_t>(committed_before));
    CHECK(TrimTrailing(restored.server->Sql("SELECT COUNT(*) FROM t.bulk")) == "120000");
    CHECK_THAT(restored.move_back_log, Catch::Contains("SET GLOBAL gtid_slave_pos = '" + gtid));
    CHECK_THAT(restored.move_back_log,
               Catch::Contains("MASTER_LOG_FILE='" + file +
                               "', MASTER_LOG_POS=" + std::to_string(position)));
    Manifest manifest;
    REQUIRE(
        ParseManifest(test::ReadFile(restored.extracted + "/" + kManifestPath), &manifest).ok());
    REQUIRE(manifest.binlog.has_value());
    CHECK(manifest.binlog->consistent);
    CHECK(manifest.binlog->gtid_binlog_pos == gtid);
    CHECK(manifest.binlog->file == file);
    CHECK(manifest.binlog->position == position);
    CHECK(manifest.binlog->server_id == 1);

    if (by_gtid) {
      restored.server->Sql("SET GLOBAL gtid_slave_pos = '" + gtid + "'");
      ReplicateAndCompare(*restored.server, *primary, "MASTER_USE_GTID=slave_pos");
    } else {
      ReplicateAndCompare(
          *restored.server, *primary,
          "MASTER_LOG_FILE='" + file + "', MASTER_LOG_POS=" + std::to_string(position));
    }
  }
}

TEST_CASE(
    "Binlog: backups under writers restore the recorded GTID and seed replicas (binlog "
    "outside the datadir)",
    "[server][binlog]") {
  TempDir binlogs;
  BackupsUnderWritersSeedReplicas(binlogs / "mysql-bin", false);
}

TEST_CASE(
    "Binlog: backups under writers restore the recorded GTID and seed replicas (binlog "
    "inside the datadir)",
    "[server][binlog]") {
  BackupsUnderWritersSeedReplicas("mysql-bin", true);
}

TEST_CASE("Binlog: a replica's backup with --slave_info seeds another replica of its primary",
          "[server][binlog]") {
  TempDir binlogs;
  std::unique_ptr<SandboxServer> primary = StartPrimary(binlogs / "mysql-bin");
  SandboxServer::Settings settings;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=2"};
  SandboxServer replica(settings);
  ReplicateAndCompare(replica, *primary, "MASTER_USE_GTID=slave_pos");

  TempDir work;
  const std::string archive = work / "replica.xbs";
  // Two writers, not kWriters: the replica still applies their transactions
  // throughout its backup (it applies them one at a time, each committed
  // with a sync), while eight built a backlog that both replicas then spent
  // most of the test replaying (CI time).
  Writers writers(primary->socket(), 2);
  while (writers.committed() < 50 && writers.error().empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ProcessResult r =
      Run({BinaryPath(), "--socket=" + replica.socket(), "--checkpoint_dir=" + (work / "cp"),
           "--interval=1", "--avg_mbytes_per_sec=8", "--stream=xbstream", "--slave_info",
           "--output=" + archive});
  writers.Stop();
  INFO(r.stderr_text);
  REQUIRE(writers.error().empty());
  REQUIRE(r.exit_code == 0);

  Restored second = RestoreArchive(archive, false, work, "second", 3);
  const std::string slave_info = test::ReadFile(second.extracted + "/xtrabackup_slave_info");
  INFO("xtrabackup_slave_info: " << slave_info);
  Manifest manifest;
  REQUIRE(ParseManifest(test::ReadFile(second.extracted + "/" + kManifestPath), &manifest).ok());
  REQUIRE(manifest.binlog.has_value());
  REQUIRE(manifest.binlog->source.has_value());
  const ReplicationSource& source = *manifest.binlog->source;
  CHECK(source.master_host == "127.0.0.1");
  CHECK(source.master_port == primary->tcp_port());
  CHECK(source.using_gtid == "Slave_Pos");
  // The data is exactly where the replica was in its primary's binlog.
  const uint64_t baseline_on_primary =
      GtidSequence(source.gtid_slave_pos) - CountWriterTransactions(*second.server);
  CHECK(baseline_on_primary > 0);
  CHECK_THAT(slave_info, Catch::Contains("SET GLOBAL gtid_slave_pos = '" + source.gtid_slave_pos +
                                         "';\nCHANGE MASTER TO master_use_gtid = slave_pos;"));
  CHECK_THAT(second.move_back_log, Catch::Contains("MASTER_HOST='127.0.0.1', MASTER_PORT=" +
                                                   std::to_string(primary->tcp_port())));

  // The statements of xtrabackup_slave_info, as a runbook would run them.
  second.server->Sql("SET GLOBAL gtid_slave_pos = '" + source.gtid_slave_pos + "'");
  ReplicateAndCompare(*second.server, *primary, "MASTER_USE_GTID=slave_pos");
  const std::string target = TrimTrailing(primary->Sql("SELECT @@global.gtid_binlog_pos"));
  REQUIRE(TrimTrailing(replica.Sql("SELECT MASTER_GTID_WAIT('" + target + "', 300)")) == "0");
  CHECK(Checksums(*second.server) == Checksums(replica));
}

TEST_CASE(
    "Binlog: without RELOAD a backup is refused in one line, --no_backup_locks backs up "
    "and says so, and nothing is written to the binlog",
    "[server][binlog]") {
  TempDir binlogs;
  std::unique_ptr<SandboxServer> primary = StartPrimary(binlogs / "mysql-bin");
  primary->Sql(
      "CREATE USER bk@localhost IDENTIFIED BY 'bkpw'; GRANT SUPER, SELECT ON *.* TO "
      "bk@localhost");
  const std::string before = primary->Sql("SHOW MASTER STATUS");
  const std::string gtid_before = primary->Sql("SELECT @@global.gtid_binlog_pos");

  TempDir work;
  setenv("MYSQL_PWD", "bkpw", 1);
  ProcessResult r = Run({BinaryPath(), "--socket=" + primary->socket(), "--user=bk",
                         "--checkpoint_dir=" + (work / "cp"), "--output=" + (work / "a.tar")});
  INFO(r.stderr_text);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("lacks the RELOAD privilege"));
  CHECK_THAT(r.stderr_text, !Catch::Contains("Created checkpoint"));
  CHECK_FALSE(fs::exists(work / "a.tar"));
  CHECK((!fs::exists(work / "cp") || fs::is_empty(work / "cp")));

  r = Run({BinaryPath(), "--socket=" + primary->socket(), "--user=bk", "--no_backup_locks",
           "--checkpoint_dir=" + (work / "cp"), "--output=" + (work / "b.tar")});
  unsetenv("MYSQL_PWD");
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("WARNING --no_backup_locks"));
  std::vector<std::string> names = test::TarMemberNames(work / "b.tar");
  CHECK(std::find(names.begin(), names.end(), "xtrabackup_binlog_info") == names.end());
  TempDir extracted;
  REQUIRE(Run({"tar", "-xf", work / "b.tar", "-C", extracted.path()}).exit_code == 0);
  Manifest manifest;
  REQUIRE(ParseManifest(test::ReadFile(extracted / kManifestPath), &manifest).ok());
  REQUIRE(manifest.binlog.has_value());
  CHECK_FALSE(manifest.binlog->consistent);

  // A backup with the locks (as root) and the two above wrote no event.
  r = Run({BinaryPath(), "--socket=" + primary->socket(), "--checkpoint_dir=" + (work / "cp"),
           "--output=" + (work / "c.tar")});
  REQUIRE(r.exit_code == 0);
  CHECK(primary->Sql("SHOW MASTER STATUS") == before);
  CHECK(primary->Sql("SELECT @@global.gtid_binlog_pos") == gtid_before);

  // README's GRANT for a backup user ("The server and the backup user") is
  // enough for a consistent backup with writers committing, without one
  // warning.
  primary->Sql(
      "CREATE USER backup@localhost IDENTIFIED BY 'backuppw'; GRANT RELOAD, SUPER, BINLOG "
      "MONITOR, SLAVE MONITOR ON *.* TO backup@localhost");
  {
    Writers writers(primary->socket(), 4);
    writers.WaitForCommits(20);
    setenv("MYSQL_PWD", "backuppw", 1);
    r = Run({BinaryPath(), "--socket=" + primary->socket(), "--user=backup",
             "--checkpoint_dir=" + (work / "cp"), "--output=" + (work / "d.tar")});
    unsetenv("MYSQL_PWD");
    writers.Stop();
    CHECK(writers.error().empty());
  }
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, !Catch::Contains("WARNING"));
  TempDir granted;
  REQUIRE(Run({"tar", "-xf", work / "d.tar", "-C", granted.path()}).exit_code == 0);
  Manifest granted_manifest;
  REQUIRE(ParseManifest(test::ReadFile(granted / kManifestPath), &granted_manifest).ok());
  REQUIRE(granted_manifest.binlog.has_value());
  CHECK(granted_manifest.binlog->consistent);
  CHECK(fs::exists(granted / "xtrabackup_binlog_info"));
}

TEST_CASE("Binlog: a backup lock held elsewhere ends the backup after --lock_wait_timeout",
          "[server][binlog]") {
  TempDir binlogs;
  std::unique_ptr<SandboxServer> primary = StartPrimary(binlogs / "mysql-bin");
  // Another backup (mariabackup, say) in its backup stage.
  ConnectionConfig config;
  config.socket = primary->socket();
  MysqlConnection other;
  REQUIRE(other.Connect(config).ok());
  REQUIRE(other.Execute("BACKUP STAGE START").ok());

  TempDir work;
  const auto start = std::chrono::steady_clock::now();
  ProcessResult r = Run({BinaryPath(), "--socket=" + primary->socket(), "--lock_wait_timeout=2",
                         "--checkpoint_dir=" + (work / "cp"), "--output=" + (work / "a.tar")});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(r.stderr_text);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("--lock_wait_timeout=2"));
  CHECK(seconds < 30);  // a hang detector, not a speed check
  CHECK_FALSE(fs::exists(work / "a.tar"));
  CHECK((!fs::exists(work / "cp") || fs::is_empty(work / "cp")));
  REQUIRE(other.Execute("BACKUP STAGE END").ok());
  // The server's commits were never left blocked.
  primary->Sql("INSERT INTO t.w VALUES (99, 1, 1, 'after')");
}

TEST_CASE(
    "Binlog: a table created during the backup is restored with its data and named in a "
    "warning",
    "[server][binlog]") {
  TempDir binlogs;
  std::unique_ptr<SandboxServer> primary = StartPrimary(binlogs / "mysql-bin");
  TempDir work;
  const std::string signal_file = work / "go";
  const std::string archive = work / "a.tar";
  test::BackgroundProcess backup({BinaryPath(), "--socket=" + primary->socket(),
                                  "--checkpoint_dir=" + (work / "cp"), "-f", "-D", signal_file,
                                  "--output=" + archive});
  for (int i = 0; i < 600 && backup.StderrText().find("Waiting until") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  primary->Sql(
      "USE t; CREATE TABLE t.late (id INT PRIMARY KEY, v INT) ENGINE=ROCKSDB; "
      "INSERT INTO t.late SELECT seq, seq * 2 FROM seq_1_to_1000; "
      "RENAME TABLE t.bulk TO t.bulk_renamed");
  test::WriteFile(signal_file, "");
  const int exit_code = backup.Wait();
  const std::string err = backup.StderrText();
  INFO(err);
  REQUIRE(exit_code == 0);
  CHECK_THAT(err, Catch::Contains("Table definitions changed during the backup"));
  CHECK_THAT(err, Catch::Contains("t.late"));
  CHECK_THAT(err, Catch::Contains("t.bulk_renamed"));

  Restored restored = RestoreArchive(archive, true, work, "r", 5);
  CHECK(TrimTrailing(restored.server->Sql("SELECT COUNT(*), SUM(v) FROM t.late")) == "1000\t1001000");
  CHECK(TrimTrailing(restored.server->Sql("SELECT COUNT(*) FROM t.bulk_renamed")) == "120000");
}

}  // namespace
}  // namespace hotbackup
