// Table definitions of the moment the checkpoint was made, at a cost under
// the DDL block that does not grow with the tables: the server's own
// behaviour the design rests on (definitions are replaced, not rewritten in
// place, except db.opt and ddl_recovery.log), DDL of every kind run between
// the first pass and BLOCK_DDL restored as of the checkpoint (links and, on
// another filesystem, copies), one backup stage per backup whatever the
// rounds, the table cache as the backup found it, and the
// mysql.gtid_slave_pos cache. Servers in production's shape:
// binlog on, writers committing, the table cache full, MyISAM beside MyRocks.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "hotbackup/server/misc_files.h"
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

std::unique_ptr<SandboxServer> StartServer() {
  SandboxServer::Settings settings;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1"};
  auto server = std::make_unique<SandboxServer>(settings);
  server->Sql("CREATE DATABASE t; " + std::string(test::kWritersTableDdl));
  return server;
}

// Opens every table of the server, as a busy server has them open.
void FillTableCache(SandboxServer& server) {
  std::string rows = server.Sql(
      "SELECT CONCAT('SELECT 1 FROM `', TABLE_SCHEMA, '`.`', TABLE_NAME, '` LIMIT 0;') FROM "
      "information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN "
      "('information_schema', 'performance_schema')");
  server.Sql(rows);
}

int OpenTables(SandboxServer& server) {
  std::string row = server.Sql("SHOW GLOBAL STATUS LIKE 'Open_tables'");
  return std::stoi(row.substr(row.find('\t') + 1));
}

// Restores `archive` through our --extract and --move_back into a new
// server, started.
std::unique_ptr<SandboxServer> Restore(const std::string& archive, const TempDir& work,
                                       const std::string& extracted) {
  ProcessResult r = Run({BinaryPath(), "--extract", "--backup_dir=" + extracted, "--input=" + archive});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  const std::string data = work / "restored/data";
  r = Run({BinaryPath(), "--move_back", "--datadir=" + data,
           "--rocksdb_datadir=" + data + "/#rocksdb", "--rocksdb_waldir=" + data + "/#rocksdb",
           "--backup_dir=" + extracted});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  SandboxServer::Settings settings;
  settings.datadir_from = data;
  return std::make_unique<SandboxServer>(settings);
}

struct FileState {
  uint64_t inode = 0;
  int64_t mtime_ns = 0;
  std::string bytes;
};

// Every definition file the backup stages (kDdlBlocked), by path.
std::map<std::string, FileState> Definitions(const std::string& datadir) {
  MiscFileScan scan;
  scan.datadir = datadir;
  scan.skip_directories = {"#rocksdb", ".rocksdb"};
  std::vector<MiscFile> files;
  REQUIRE(ListMiscFiles(scan, &files).ok());
  std::map<std::string, FileState> out;
  for (const MiscFile& f : files) {
    if (f.moment != CopyMoment::kDdlBlocked) continue;
    const std::string path = datadir + "/" + f.relative_path;
    struct stat st;
    if (stat(path.c_str(), &st) != 0) continue;
    out[f.relative_path] = {st.st_ino, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
                            test::ReadFile(path)};
  }
  return out;
}

TEST_CASE("Definitions: the server replaces definition files, and rewrites in place only db.opt "
          "and ddl_recovery.log",
          "[server][definitions]") {
  std::unique_ptr<SandboxServer> server = StartServer();
  server->Sql(R"(
    CREATE DATABASE p;
    USE p;
    CREATE TABLE r (id INT PRIMARY KEY, a INT) ENGINE=ROCKSDB;
    CREATE TABLE i (id INT PRIMARY KEY, a INT) ENGINE=InnoDB;
    CREATE TABLE a (id INT PRIMARY KEY, a INT) ENGINE=Aria;
    CREATE TABLE m (id INT PRIMARY KEY, a INT) ENGINE=MyISAM;
    CREATE TABLE pt (id INT PRIMARY KEY) ENGINE=ROCKSDB PARTITION BY RANGE (id)
      (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20));
    CREATE VIEW v1 AS SELECT 1 AS x;
    CREATE SEQUENCE s1 ENGINE=Aria;
  )");
  // DDL of every kind that leaves the table in place: a rewrite in place of
  // a file the backup links would change the backup after its moment.
  const std::vector<std::string> statements = {
      "ALTER TABLE p.r ADD COLUMN b INT",
      "ALTER TABLE p.r ALTER COLUMN a SET DEFAULT 5",
      "ALTER TABLE p.r COMMENT='x'",
      "ALTER TABLE p.r RENAME COLUMN b TO c",
      "ALTER TABLE p.r ADD INDEX ia (a)",
      "ALTER TABLE p.r AUTO_INCREMENT=10",
      "ALTER TABLE p.r FORCE",
      "ANALYZE TABLE p.r PERSISTENT FOR ALL",
      "TRUNCATE TABLE p.r",
      "ALTER TABLE p.i ADD COLUMN b INT, ALGORITHM=INSTANT",
      "ALTER TABLE p.i ALTER COLUMN a SET DEFAULT 7",
      "ALTER TABLE p.i DROP COLUMN b, ALGORITHM=INSTANT",
      "ALTER TABLE p.i COMMENT='y'",
      "ALTER TABLE p.i AUTO_INCREMENT=10",
      "TRUNCATE TABLE p.i",
      "ALTER TABLE p.a ALTER COLUMN a SET DEFAULT 5",
      "ALTER TABLE p.a AUTO_INCREMENT=10",
      "OPTIMIZE TABLE p.a",
      "ALTER TABLE p.m COMMENT='z'",
      "REPAIR TABLE p.m",
      "ALTER TABLE p.a ENGINE=MyISAM",
      "CREATE TRIGGER p.t1 BEFORE INSERT ON p.r FOR EACH ROW SET NEW.a = 1",
      "CREATE TRIGGER p.t2 AFTER INSERT ON p.r FOR EACH ROW SET @x = 1",
      "DROP TRIGGER p.t2",
      "CREATE OR REPLACE VIEW p.v1 AS SELECT 2 AS x",
      "ALTER VIEW p.v1 AS SELECT 3 AS x",
      "ALTER TABLE p.pt ADD PARTITION (PARTITION p2 VALUES LESS THAN (30))",
      "ALTER TABLE p.pt REORGANIZE PARTITION p2 INTO (PARTITION p2a VALUES LESS THAN (25), "
      "PARTITION p2b VALUES LESS THAN (30))",
      "ALTER TABLE p.pt DROP PARTITION p2a",
      "ALTER TABLE p.pt TRUNCATE PARTITION p0",
      "ALTER TABLE p.pt COMMENT='q'",
      "ALTER SEQUENCE p.s1 RESTART 5",
      "RENAME TABLE p.r TO p.r2",
      "RENAME TABLE p.r2 TO p.r",
      "ALTER DATABASE p COMMENT 'hello'",
      "ALTER DATABASE p CHARACTER SET latin1",
  };
  std::set<std::string> rewritten_in_place;
  for (const std::string& statement : statements) {
    INFO(statement);
    std::map<std::string, FileState> before = Definitions(server->datadir());
    server->Sql(statement);
    for (const auto& [path, after] : Definitions(server->datadir())) {
      auto it = before.find(path);
      if (it == before.end() || it->second.inode != after.inode) continue;  // replaced
      if (it->second.bytes == after.bytes && it->second.mtime_ns == after.mtime_ns) continue;
      INFO(path << " rewritten in place");
      CHECK((path == kDdlRecoveryLog || path.ends_with(".opt")));
      rewritten_in_place.insert(path);
    }
  }
  // The probe sees a rewrite in place where there is one.
  CHECK(rewritten_in_place.count("p/db.opt") == 1);
}

// DDL of every kind between the first pass over the definitions and
// BLOCK_DDL, with writers committing: the restore holds the definitions of
// the checkpoint's moment.
constexpr int kManyTables = 150;

// How the first pass is expected to hold the definitions.
enum class Held { kOpen, kOpenThenLinked, kOpenThenCopied };

void DdlDuringFirstPassIsRestored(const std::string& checkpoint_root, Held expected) {
  std::unique_ptr<SandboxServer> server = StartServer();
  server->Sql(R"(
    CREATE DATABASE d;
    USE d;
    CREATE TABLE keep (id INT PRIMARY KEY, v INT) ENGINE=ROCKSDB;
    INSERT INTO keep SELECT seq, seq FROM seq_1_to_1000;
    CREATE TABLE gone (id INT PRIMARY KEY) ENGINE=ROCKSDB;
    CREATE TABLE old_name (id INT PRIMARY KEY) ENGINE=ROCKSDB;
    INSERT INTO old_name SELECT seq FROM seq_1_to_100;
    CREATE TABLE grows (id INT PRIMARY KEY) ENGINE=ROCKSDB;
    INSERT INTO grows SELECT seq FROM seq_1_to_10;
    CREATE TABLE log (id INT PRIMARY KEY, msg VARCHAR(20)) ENGINE=MyISAM;
    CREATE DATABASE dropped;
    CREATE TABLE dropped.x (id INT PRIMARY KEY) ENGINE=ROCKSDB;
  )");
  std::string many;
  for (int i = 0; i < kManyTables; ++i) {
    many += "CREATE TABLE d.many" + std::to_string(i) + " (id INT PRIMARY KEY) ENGINE=ROCKSDB;\n";
  }
  server->Sql(many);
  FillTableCache(*server);
  test::Writers writers(server->socket(), 2);
  writers.WaitForCommits(20);

  TempDir work;
  const std::string go = work / "go";
  const std::string archive = work / "a.tar";
  setenv("HOTBACKUP_DEBUG_PAUSE_BEFORE_BLOCK_DDL", go.c_str(), 1);
  std::vector<std::string> argv = {BinaryPath(), "--socket=" + server->socket(),
                                   "--checkpoint_dir=" + checkpoint_root, "-f",
                                   "--output=" + archive};
  if (expected != Held::kOpen) {
    // 76 descriptors above the 1024 the backup keeps for itself: the other
    // definitions are linked (or copied, on another filesystem).
    argv.insert(argv.begin(), {"prlimit", "--nofile=1100:1100"});
  }
  test::BackgroundProcess backup(argv);
  unsetenv("HOTBACKUP_DEBUG_PAUSE_BEFORE_BLOCK_DDL");
  for (int i = 0; i < 600 && backup.StderrText().find("Waiting until " + go) == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE_THAT(backup.StderrText(), Catch::Contains("Waiting until " + go));
  // The first pass is staged; DDL still runs.
  server->Sql(R"(
    USE d;
    CREATE TABLE late (id INT PRIMARY KEY, v INT) ENGINE=ROCKSDB;
    INSERT INTO late SELECT seq, seq * 2 FROM seq_1_to_500;
    DROP TABLE gone;
    RENAME TABLE old_name TO new_name;
    ALTER TABLE grows ADD COLUMN extra INT DEFAULT 7;
    CREATE TRIGGER trg BEFORE INSERT ON keep FOR EACH ROW SET NEW.v = NEW.v + 1;
    ALTER DATABASE d CHARACTER SET latin1;
    INSERT INTO log VALUES (1, 'during');
    DROP DATABASE dropped;
    CREATE DATABASE born;
    CREATE TABLE born.y (id INT PRIMARY KEY) ENGINE=ROCKSDB;
    INSERT INTO born.y VALUES (1), (2), (3);
  )");
  test::WriteFile(go, "");
  const int exit_code = backup.Wait();
  writers.Stop();
  const std::string err = backup.StderrText();
  INFO(err);
  REQUIRE(exit_code == 0);
  REQUIRE(writers.error().empty());
  std::smatch m;
  REQUIRE(std::regex_search(
      err, m,
      std::regex(R"((\d+) files held open, (\d+) linked and (\d+) copied while DDL ran; with )"
                 R"(DDL blocked, (\d+) directories listed again and (\d+) files staged again)")));
  const int held_open = std::stoi(m[1]), linked = std::stoi(m[2]), copied = std::stoi(m[3]);
  switch (expected) {
    case Held::kOpen:
      CHECK(held_open > kManyTables);
      CHECK(linked == 0);
      break;
    case Held::kOpenThenLinked:
      CHECK(held_open == 76);
      CHECK(linked > kManyTables - 76);
      break;
    case Held::kOpenThenCopied:
      CHECK(held_open == 76);
      CHECK(linked == 0);
      CHECK(copied > kManyTables - 76);
      break;
  }
  CHECK(std::stoi(m[4]) >= 2);  // d and born, at least
  CHECK(std::stoi(m[5]) >= 4);  // late, new_name, grows, the trigger's files
  CHECK_THAT(err, Catch::Contains("DDL blocked for"));

  // Restored by our --extract and --move_back, started, and read.
  const std::string extracted = work / "extracted";
  std::unique_ptr<SandboxServer> restored_server = Restore(archive, work, extracted);
  SandboxServer& restored = *restored_server;
  const std::string data = work / "restored/data";
  CHECK(TrimTrailing(restored.Sql("SELECT COUNT(*), SUM(v) FROM d.late")) == "500\t250500");
  CHECK(TrimTrailing(restored.Sql("SELECT COUNT(*) FROM d.new_name")) == "100");
  CHECK(TrimTrailing(restored.Sql("SELECT COUNT(*), SUM(extra) FROM d.grows")) == "10\t70");
  CHECK(TrimTrailing(restored.Sql("SELECT COUNT(*) FROM d.keep")) == "1000");
  CHECK(TrimTrailing(restored.Sql("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE "
                                  "TRIGGER_NAME = 'trg'")) == "1");
  CHECK(TrimTrailing(restored.Sql("SELECT DEFAULT_CHARACTER_SET_NAME FROM "
                                  "information_schema.SCHEMATA WHERE SCHEMA_NAME = 'd'")) ==
        "latin1");
  CHECK(TrimTrailing(restored.Sql("SELECT COUNT(*) FROM born.y")) == "3");
  CHECK(TrimTrailing(restored.Sql("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                  "TABLE_SCHEMA IN ('d', 'dropped') AND TABLE_NAME IN "
                                  "('gone', 'old_name', 'x')")) == "0");
  CHECK_FALSE(fs::exists(data + "/dropped"));
  CHECK(TrimTrailing(restored.Sql("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                  "TABLE_SCHEMA = 'd' AND TABLE_NAME LIKE 'many%'")) ==
        std::to_string(kManyTables));
  // The server's log of the stage's DDL is no part of a restore.
  CHECK_FALSE(fs::exists(extracted + "/ddl.log"));
  CHECK(test::CountWriterTransactions(restored) > 0);
  test::ExpectNoCheckpointLeft(checkpoint_root);
}

TEST_CASE("Definitions: DDL of every kind while the first pass holds them is restored as of "
          "the checkpoint",
          "[server][definitions]") {
  TempDir cp;
  DdlDuringFirstPassIsRestored(cp / "cp", Held::kOpen);
}

TEST_CASE("Definitions: past the limit of open files links, and on another filesystem copies, "
          "restored the same",
          "[server][definitions]") {
  if (!test::HaveTool("prlimit")) {
    WARN("no prlimit; skipped");
    return;
  }
  SECTION("links") {
    TempDir cp;
    DdlDuringFirstPassIsRestored(cp / "cp", Held::kOpenThenLinked);
  }
  SECTION("copies") {
    // /dev/shm is tmpfs here, the datadir under /tmp on the root filesystem.
    struct stat shm, tmp;
    if (stat("/dev/shm", &shm) != 0 || stat(TempDir().path().c_str(), &tmp) != 0 ||
        shm.st_dev == tmp.st_dev) {
      WARN("no second filesystem at /dev/shm; skipped");
      return;
    }
    std::string root = "/dev/shm/hotbackup-cp-XXXXXX";
    REQUIRE(mkdtemp(root.data()) != nullptr);
    DdlDuringFirstPassIsRestored(root + "/cp", Held::kOpenThenCopied);
    fs::remove_all(root);
  }
}

TEST_CASE("Definitions: a backup of several rounds takes one backup stage, leaves the table "
          "cache as it found it, and makes the mysql.gtid_slave_pos replacement once per server",
          "[server][definitions]") {
  SandboxServer::Settings settings;
  TempDir logs;
  const std::string general_log = logs / "general.log";
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1",
                          "--general-log=1", "--general-log-file=" + general_log};
  SandboxServer server(settings);
  server.Sql(R"(
    CREATE DATABASE t;
    USE t;
    CREATE TABLE t.bulk (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=ROCKSDB;
    INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_1_to_40000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
    INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_40001_to_80000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
  )");
  std::string small_tables;
  for (int i = 0; i < 200; ++i) {
    small_tables += "CREATE TABLE t.s" + std::to_string(i) + " (id INT PRIMARY KEY) ENGINE=ROCKSDB;\n";
  }
  server.Sql(small_tables);
  FillTableCache(server);
  const int open_before = OpenTables(server);
  CHECK(open_before > 200);

  TempDir work;
  TempDir cache;
  setenv("XDG_CACHE_HOME", cache.path().c_str(), 1);
  auto backup = [&](const std::string& name) {
    // Throttled, so that the 1 s interval ends the first rounds early.
    return Run({BinaryPath(), "--socket=" + server.socket(), "--checkpoint_dir=" + (work / "cp"),
                "--interval=1", "--avg_mbytes_per_sec=4", "--output=" + (work / name)});
  };
  const size_t stages_before = [&] {
    std::string log = test::ReadFile(general_log);
    size_t n = 0;
    for (size_t at = 0; (at = log.find("BACKUP STAGE START", at)) != std::string::npos; ++at) ++n;
    return n;
  }();
  // The first backup held before its last round (-D): the SST rounds took
  // no backup stage, so the server's table cache is as it was.
  const std::string go = work / "go";
  test::BackgroundProcess held({BinaryPath(), "--socket=" + server.socket(),
                                "--checkpoint_dir=" + (work / "cp"), "--interval=1",
                                "--avg_mbytes_per_sec=4", "-D", go, "--output=" + (work / "a.tar")});
  for (int i = 0; i < 1200 && held.StderrText().find("Waiting until " + go) == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE_THAT(held.StderrText(), Catch::Contains("Waiting until " + go));
  CHECK(OpenTables(server) >= open_before);
  test::WriteFile(go, "");
  ProcessResult first;
  first.exit_code = held.Wait();
  first.stderr_text = held.StderrText();
  // The last checkpoint's BLOCK_COMMIT passes through the server's FLUSH
  // stage, which closes the unused tables: the one flush of a backup; the
  // tables open before are opened again after it.
  const int open_after = OpenTables(server);
  INFO("Open_tables before " << open_before << ", after " << open_after);
  CHECK(open_after >= open_before * 9 / 10);
  std::smatch reopened;
  REQUIRE(std::regex_search(first.stderr_text, reopened,
                            std::regex(R"(Table cache: (\d+) of the (\d+) tables)")));
  CHECK(reopened[1] == reopened[2]);
  CHECK(std::stoi(reopened[2]) >= open_before * 9 / 10);
  ProcessResult second = backup("b.tar");
  unsetenv("XDG_CACHE_HOME");
  INFO(first.stderr_text);
  INFO(second.stderr_text);
  REQUIRE(first.exit_code == 0);
  REQUIRE(second.exit_code == 0);
  std::smatch rounds;
  REQUIRE(std::regex_search(first.stderr_text, rounds, std::regex(R"(Backup summary: (\d+) rounds)")));
  CHECK(std::stoi(rounds[1]) >= 3);
  std::string log = test::ReadFile(general_log);
  size_t stages = 0;
  for (size_t at = 0; (at = log.find("BACKUP STAGE START", at)) != std::string::npos; ++at) ++stages;
  CHECK(stages - stages_before == 2);  // one per backup, whatever its rounds
  CHECK_THAT(first.stderr_text, Catch::Contains("made by mariadbd --bootstrap"));
  CHECK_THAT(second.stderr_text, Catch::Contains("(from the cache)"));

  // The replacement from the cache works as the one made anew: the restored
  // server takes a replica's position.
  std::unique_ptr<SandboxServer> restored_server =
      Restore(work / "b.tar", work, work / "extracted");
  SandboxServer& restored = *restored_server;
  restored.Sql("SET GLOBAL gtid_slave_pos = '0-1-5'");
  CHECK(TrimTrailing(restored.Sql("SELECT @@global.gtid_slave_pos")) == "0-1-5");
  CHECK(TrimTrailing(restored.Sql("SELECT COUNT(*) FROM t.bulk")) == "80000");
}

}  // namespace
}  // namespace hotbackup
