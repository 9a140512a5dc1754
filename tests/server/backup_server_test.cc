// The real binary against a real MariaDB + MyRocks server: backups in every
// format restore to identical tables; multi-round and live-write backups
// are consistent; failures are one clean line with nothing left behind.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/server/checkpoint.h"
#include "hotbackup/server/mysql_connection.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::ProcessResult;
using test::Run;
using test::SandboxServer;
using test::TempDir;
using test::CountErrorLines;
using test::ExpectNoCheckpointLeft;

// Several RocksDB tables with secondary keys; `orders` flushes to an SST of
// more than 10 MiB, so XBSTREAM splits it into several chunks.
void LoadSampleSchema(SandboxServer& server) {
  server.Sql(R"(
    CREATE DATABASE shop;
    USE shop;
    CREATE TABLE orders (id INT PRIMARY KEY, customer INT, amount DECIMAL(10,2),
                         note VARCHAR(200), KEY (customer), KEY (amount)) ENGINE=ROCKSDB;
    INSERT INTO orders SELECT seq, seq % 1000, seq * 1.5, REPEAT(MD5(seq), 4) FROM seq_1_to_200000;
    CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100), email VARCHAR(100),
                            UNIQUE KEY (email)) ENGINE=ROCKSDB;
    INSERT INTO customers SELECT seq, CONCAT('name', seq), CONCAT('u', seq, '@example.com')
      FROM seq_1_to_20000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
    CREATE TABLE events (day DATE, seq INT, kind VARCHAR(20), payload BLOB,
                         PRIMARY KEY (day, seq), KEY (kind)) ENGINE=ROCKSDB;
    INSERT INTO events SELECT '2026-01-01' + INTERVAL (seq % 300) DAY, seq, CONCAT('k', seq % 7),
      RANDOM_BYTES(100) FROM seq_1_to_5000;
    CREATE DATABASE crm;
    CREATE TABLE crm.notes (id BIGINT PRIMARY KEY, body TEXT, KEY (body(10))) ENGINE=ROCKSDB;
    INSERT INTO crm.notes SELECT seq, REPEAT('note ', seq % 50) FROM seq_1_to_3000;
  )");
  // Left in the memtable: a checkpoint must capture it too.
  server.Sql("INSERT INTO shop.customers VALUES (20001, 'not flushed', 'mem@example.com')");
}

// Every stderr line is in the original's format.
void ExpectLogFormat(const std::string& err) {
  static const std::regex kLine(
      R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (INFO|WARNING|ERROR) .*)");
  std::istringstream in(err);
  std::string line;
  while (std::getline(in, line)) {
    INFO("log line: " << line);
    CHECK(std::regex_match(line, kLine));
  }
}

std::vector<std::string> BackupArgs(const SandboxServer& server, const std::string& checkpoint_dir) {
  return {BinaryPath(), "--socket=" + server.socket(), "--checkpoint_dir=" + checkpoint_dir};
}

struct Format {
  const char* stream;
  bool zstd;
};

// Extracts `archive` with the real tools and with our --extract, checks both
// trees are identical, moves ours back into a fresh datadir (so the full
// cycle backup -> --extract -> --move_back is what gets restored), and
// starts a server on it.
std::unique_ptr<SandboxServer> Restore(const std::string& archive, Format format,
                                       const TempDir& work) {
  const std::string tag = std::string(format.stream) + (format.zstd ? "-zstd" : "");
  std::string plain = archive;
  if (format.zstd) {
    plain = archive + ".plain";
    ProcessResult r = Run({"zstd", "-q", "-dc", archive}, "", plain);
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
  }
  std::string theirs = work / ("extracted-by-tool-" + tag);
  fs::create_directories(theirs);
  ProcessResult r = std::string(format.stream) == "tar"
                        ? Run({"tar", "-xf", plain, "-C", theirs})
                        : Run({"mbstream", "-x", "-C", theirs}, plain);
  INFO("extract: " << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.stderr_text.empty());

  std::string ours = work / ("extracted-" + tag);
  r = Run({BinaryPath(), "--extract", "--backup_dir=" + ours}, archive);
  INFO("--extract: " << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  const std::vector<std::string> files = test::ListFiles(ours);
  CHECK(test::ListFiles(theirs) == files);
  CHECK(std::find(files.begin(), files.end(), kManifestPath) != files.end());
  for (const std::string& f : files) {
    INFO(f);
    CHECK(test::ReadFile(ours + "/" + f) == test::ReadFile(theirs + "/" + f));
  }

  std::string target = work / ("restored-" + tag);
  std::string data = target + "/data";
  r = Run({BinaryPath(), "--move_back", "--datadir=" + data, "--rocksdb_datadir=" + data + "/#rocksdb",
           "--rocksdb_waldir=" + data + "/#rocksdb", "--backup_dir=" + ours});
  INFO("move_back: " << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(data + "/" + kManifestPath));
  CHECK_FALSE(fs::exists(data + "/#rocksdb/" + kManifestPath));
  SandboxServer::Settings settings;
  settings.datadir_from = data;
  return std::make_unique<SandboxServer>(settings);
}

TEST_CASE("Server: tar and XBSTREAM, plain and zstd, restore identical tables", "[server]") {
  SandboxServer server;
  LoadSampleSchema(server);
  const std::string before = server.ChecksumRocksDbTables();
  TempDir work;
  // Missing, nested, and with a quote and a space: created by us and
  // escaped in the SQL (two of the original's defects).
  const std::string checkpoint_dir = work / "snap shot's/dir";

  for (Format format : {Format{"tar", false}, Format{"tar", true}, Format{"xbstream", false},
                        Format{"xbstream", true}}) {
    CAPTURE(format.stream, format.zstd);
    std::string archive = work / (std::string("backup.") + format.stream + (format.zstd ? ".zst" : ""));
    std::vector<std::string> args = BackupArgs(server, checkpoint_dir);
    args.push_back(std::string("--stream=") + format.stream);
    args.push_back("--output=" + archive);
    if (format.zstd) {
      args.push_back("--compress=zstd");
      args.push_back("--compress_level=1");
      args.push_back("--compress_threads=2");
    }
    ProcessResult r = Run(args);
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    ExpectLogFormat(r.stderr_text);
    CHECK_THAT(r.stderr_text, Catch::Contains("All Backups Done."));
    // One round sends every SST; the last one adds the definitions and WAL.
    CHECK_THAT(r.stderr_text, Catch::Contains("Backup summary: 2 rounds,"));
    ExpectNoCheckpointLeft(checkpoint_dir);
    if (format.zstd) CHECK(Run({"zstd", "-q", "-t", archive}).exit_code == 0);

    std::unique_ptr<SandboxServer> restored = Restore(archive, format, work);
    CHECK(restored->ChecksumRocksDbTables() == before);
    CHECK(restored->Sql("SELECT name FROM shop.customers WHERE id = 20001") == "not flushed\n");
  }
}

TEST_CASE("Server: a backup forced into several rounds restores identically", "[server]") {
  SandboxServer server;
  LoadSampleSchema(server);
  const std::string before = server.ChecksumRocksDbTables();
  TempDir work;
  const std::string archive = work / "backup.tar";
  std::vector<std::string> args = BackupArgs(server, work / "cp");
  // ~20 MB of SSTs at 8 MB/s with 1-second rounds.
  args.insert(args.end(), {"--interval=1", "--avg_mbytes_per_sec=8", "--output=" + archive});
  auto start = std::chrono::steady_clock::now();
  ProcessResult r = Run(args);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("Snapshot round finished"));
  CHECK_THAT(r.stderr_text, Catch::Contains("Creating checkpoint at " + work / "cp/2"));
  CHECK_THAT(r.stderr_text, Catch::Contains(" rounds, "));
  // The throttle held: 20 MB cannot have gone in much under 2 s.
  CHECK(seconds > 1.5);
  ExpectNoCheckpointLeft(work / "cp");
  std::unique_ptr<SandboxServer> restored = Restore(archive, {"tar", false}, work);
  CHECK(restored->ChecksumRocksDbTables() == before);

  // A backup of the restored server holds one manifest, its own, not also
  // the one the restore left in the datadir.
  const std::string again = work / "again.tar";
  r = Run({BinaryPath(), "--socket=" + restored->socket(), "--checkpoint_dir=" + work / "cp2",
           "--output=" + again});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  const std::string listing = work / "listing";
  REQUIRE(Run({"tar", "-tf", again}, "", listing).exit_code == 0);
  std::string names = test::ReadFile(listing);
  size_t count = 0;
  for (size_t at = names.find(kManifestPath); at != std::string::npos; at = names.find(kManifestPath, at + 1)) ++count;
  CHECK(count == 1);
  CHECK(Run({BinaryPath(), "--verify", "--input=" + again}).exit_code == 0);
}

TEST_CASE("Server: a backup under concurrent inserts restores a consistent prefix", "[server]") {
  SandboxServer server;
  LoadSampleSchema(server);
  server.Sql("CREATE TABLE shop.live (id INT PRIMARY KEY, v VARCHAR(64), KEY (v)) ENGINE=ROCKSDB");

  ConnectionConfig config;
  config.socket = server.socket();
  std::atomic<bool> stop{false};
  std::atomic<int> committed{0};
  std::string writer_error;
  std::thread writer([&] {
    MysqlConnection c;
    Status s = c.Connect(config);
    for (int id = 1; s.ok() && !stop.load(); ++id) {
      s = c.Execute("INSERT INTO shop.live VALUES (" + std::to_string(id) + ", MD5(" +
                    std::to_string(id) + "))");
      if (s.ok()) committed.store(id);
      // New SSTs while the backup runs, so later rounds see new files.
      if (s.ok() && id % 300 == 0) s = c.Execute("SET GLOBAL rocksdb_force_flush_memtable_now = 1");
    }
    if (!s.ok()) writer_error = s.message();
  });
  while (committed.load() < 500) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  TempDir work;
  const std::string archive = work / "backup.xbs";
  const int committed_before = committed.load();
  std::vector<std::string> args = BackupArgs(server, work / "cp");
  args.insert(args.end(), {"--stream=xbstream", "--interval=1", "--avg_mbytes_per_sec=10",
                           "--output=" + archive});
  ProcessResult r = Run(args);
  stop.store(true);
  writer.join();
  INFO(r.stderr_text);
  REQUIRE(writer_error.empty());
  REQUIRE(r.exit_code == 0);
  CHECK(committed.load() > committed_before);  // writes really overlapped the backup

  std::unique_ptr<SandboxServer> restored = Restore(archive, {"xbstream", false}, work);
  std::string check = restored->Sql("CHECK TABLE shop.live, shop.orders, shop.customers");
  CHECK_THAT(check, !Catch::Contains("error") && !Catch::Contains("corrupt"));
  // Every row committed before the backup began, and no gaps: a consistent
  // snapshot of autocommitted sequential inserts is a prefix 1..N.
  std::string stats = restored->Sql("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM shop.live");
  int count = 0, max_id = 0;
  std::istringstream(stats) >> count >> max_id;
  CHECK(count >= committed_before);
  CHECK(count == max_id);
  CHECK(restored->Sql("SELECT COUNT(*) FROM shop.live WHERE CAST(v AS BINARY) <> CAST(MD5(id) AS BINARY)") == "0\n");
}

TEST_CASE("Server: with rocksdb_use_direct_reads=ON, O_DIRECT backups restore", "[server]") {
  SandboxServer::Settings settings;
  settings.direct_reads = true;
  SandboxServer server(settings);
  REQUIRE(server.Sql("SELECT @@global.rocksdb_use_direct_reads") == "1\n");
  LoadSampleSchema(server);
  // Several SSTs of a few MB each, so that direct reads run from one file
  // into the next (ArchiveStream::HintNextFile).
  server.Sql("CREATE TABLE shop.bulk (id INT PRIMARY KEY, v VARBINARY(200)) ENGINE=ROCKSDB");
  for (int part = 0; part < 4; ++part) {
    server.Sql("USE shop; INSERT INTO bulk SELECT seq, RANDOM_BYTES(200) FROM seq_" +
               std::to_string(part * 20000 + 1) + "_to_" + std::to_string(part * 20000 + 20000) +
               "; SET GLOBAL rocksdb_force_flush_memtable_now = 1");
  }
  const std::string before = server.ChecksumRocksDbTables();
  TempDir work;
  for (Format format : {Format{"xbstream", false}, Format{"tar", true}}) {
    CAPTURE(format.stream);
    std::string archive = work / (std::string("backup.") + format.stream);
    std::vector<std::string> args = BackupArgs(server, work / "cp");
    args.push_back(std::string("--stream=") + format.stream);
    args.push_back("--output=" + archive);
    if (format.zstd) args.push_back("--compress=zstd");
    ProcessResult r = Run(args);
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.stderr_text, Catch::Contains("Direct I/O: 1"));
    CHECK_THAT(r.stderr_text, !Catch::Contains("O_DIRECT"));  // no fallback on ext4
    std::unique_ptr<SandboxServer> restored = Restore(archive, format, work);
    CHECK(restored->ChecksumRocksDbTables() == before);
  }
  // And forced off against the server's setting.
  std::vector<std::string> args = BackupArgs(server, work / "cp");
  args.insert(args.end(), {"--direct_io=off", "--output=" + work / "off.tar"});
  ProcessResult r = Run(args);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("Direct I/O: 0"));
}

// A failure: one ERROR line, a non-zero exit, no checkpoint, no archive.
void ExpectCleanFailure(const ProcessResult& r, const std::string& checkpoint_dir,
                        const std::string& archive, const std::string& needle) {
  INFO(r.stderr_text);
  CHECK(r.exit_code != 0);
  CHECK(CountErrorLines(r.stderr_text) == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains(needle));
  ExpectLogFormat(r.stderr_text);
  ExpectNoCheckpointLeft(checkpoint_dir);
  CHECK(test::ListFiles(fs::path(archive).parent_path()).empty());
}

TEST_CASE("Server: a wrong password fails cleanly and is never logged", "[server]") {
  SandboxServer server;
  server.Sql("CREATE USER backup@localhost IDENTIFIED BY 'Right-Pw-1'; "
             "GRANT ALL ON *.* TO backup@localhost");
  TempDir work, out;
  std::vector<std::string> args = BackupArgs(server, work / "cp");
  args.insert(args.end(), {"--user=backup", "--password=Wrong-Pw-2", "--output=" + out / "b.tar"});
  ProcessResult r = Run(args);
  ExpectCleanFailure(r, work / "cp", out / "b.tar", "Access denied for user 'backup'");
  CHECK_THAT(r.stderr_text, Catch::Contains("cannot connect to MySQL at socket " + server.socket()));
  CHECK_THAT(r.stderr_text, !Catch::Contains("Wrong-Pw-2"));
}

TEST_CASE("Server: a missing socket fails cleanly", "[server]") {
  TempDir work, out;
  ProcessResult r = Run({BinaryPath(), "--socket=" + work / "no.sock", "--checkpoint_dir=" + work / "cp",
                         "--output=" + out / "b.tar"});
  ExpectCleanFailure(r, work / "cp", out / "b.tar", "cannot connect to MySQL at socket " + work / "no.sock");
}

TEST_CASE("Server: SIGTERM mid-stream removes the checkpoint and the partial archive", "[server]") {
  SandboxServer server;
  LoadSampleSchema(server);
  TempDir work, out;
  std::vector<std::string> args = BackupArgs(server, work / "cp");
  args.insert(args.end(), {"--avg_mbytes_per_sec=2", "--output=" + out / "b.tar"});
  test::BackgroundProcess backup(args);
  // Wait until it is streaming out of a live checkpoint.
  REQUIRE(test::WaitForPath(work / "cp/1"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(fs::exists(work / "cp/1"));  // still going (about 10 s of SSTs at 2 MB/s)
  kill(backup.pid(), SIGTERM);
  ProcessResult r;
  r.exit_code = backup.Wait();
  r.stderr_text = backup.StderrText();
  CHECK(r.exit_code == 128 + SIGTERM);
  ExpectCleanFailure(r, work / "cp", out / "b.tar", "interrupted by SIGTERM");
}

TEST_CASE("Server: a reader that goes away stops the backup cleanly", "[server]") {
  SandboxServer server;
  LoadSampleSchema(server);
  TempDir work;
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  test::BackgroundProcess backup(BackupArgs(server, work / "cp"), fds[1]);
  close(fds[1]);
  char buf[4096];
  REQUIRE(read(fds[0], buf, sizeof(buf)) > 0);  // it started streaming...
  close(fds[0]);                                // ...and the reader (ssh, say) died
  ProcessResult r;
  r.exit_code = backup.Wait();
  r.stderr_text = backup.StderrText();
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK(CountErrorLines(r.stderr_text) == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("write to stdout (the reading side went away)"));
  ExpectNoCheckpointLeft(work / "cp");
}

TEST_CASE("Server: the password from MYSQL_PWD, option files, and -p wiped from argv",
          "[server]") {
  SandboxServer server;
  LoadSampleSchema(server);
  const std::string password = "S3cret-pw'42";
  server.Sql("CREATE USER backup@localhost IDENTIFIED BY 'S3cret-pw\\'42'; "
             "GRANT ALL ON *.* TO backup@localhost");
  TempDir work;
  const std::string cnf = work / "backup.cnf";
  test::WriteFile(cnf, "# a client option file\n[mysqld]\nuser = nobody\n[client]\nuser = backup\n"
                       "password = \"S3cret-pw'42\"\nsocket = " + server.socket() + "\n");
  REQUIRE(chmod(cnf.c_str(), 0600) == 0);

  // One server for all four ways (CI time: as SECTIONs, each started and
  // loaded a server of its own); each backup has a checkpoint directory and
  // an output of its own, and HOME is put back after ~/.my.cnf so the later
  // ways cannot lean on that file.
  int n = 0;
  for (std::string flag : {"--defaults-file=", "--defaults_file="}) {
    const std::string name = "defaults" + std::to_string(++n);
    ProcessResult r = Run({BinaryPath(), flag + cnf, "--checkpoint_dir=" + work / ("cp-" + name),
                           "--output=" + work / ("b-" + name + ".tar")});
    INFO(flag << ": " << r.stderr_text);
    CHECK(r.exit_code == 0);
  }
  {
    INFO("~/.my.cnf");
    std::string home = work / "home";
    fs::create_directories(home);
    fs::copy_file(cnf, home + "/.my.cnf");
    const char* old_home = getenv("HOME");
    const std::string saved_home = old_home ? old_home : "";
    setenv("HOME", home.c_str(), 1);
    ProcessResult r = Run({BinaryPath(), "--checkpoint_dir=" + work / "cp-home",
                           "--output=" + work / "b-home.tar"});
    if (old_home) {
      setenv("HOME", saved_home.c_str(), 1);
    } else {
      unsetenv("HOME");
    }
    INFO(r.stderr_text);
    CHECK(r.exit_code == 0);
  }
  {
    INFO("MYSQL_PWD");
    setenv("MYSQL_PWD", password.c_str(), 1);
    ProcessResult r = Run({BinaryPath(), "-u", "backup", "-S", server.socket(),
                           "-c", work / "cp-env", "--output=" + work / "b-env.tar"});
    unsetenv("MYSQL_PWD");
    INFO(r.stderr_text);
    CHECK(r.exit_code == 0);
  }
  {
    INFO("-p is wiped from /proc/<pid>/cmdline");
    test::BackgroundProcess backup({BinaryPath(), "-u", "backup", "-p", password, "-S", server.socket(),
                                    "-c", work / "cp-p", "--avg_mbytes_per_sec=4", "--output=" + work / "b-p.tar"});
    REQUIRE(test::WaitForPath(work / "cp-p/1"));
    std::string cmdline = test::ReadFile("/proc/" + std::to_string(backup.pid()) + "/cmdline");
    int rc = backup.Wait();
    INFO(backup.StderrText());
    CHECK(rc == 0);
    CHECK_THAT(cmdline, Catch::Contains("backup"));
    CHECK_THAT(cmdline, !Catch::Contains("S3cret"));
    CHECK_THAT(backup.StderrText(), !Catch::Contains("S3cret"));
  }
  {
    INFO("an option file with a password that others may read is refused");
    REQUIRE(chmod(cnf.c_str(), 0644) == 0);
    ProcessResult r = Run({BinaryPath(), "--defaults-file=" + cnf, "--checkpoint_dir=" + work / "cp-open",
                           "--output=" + work / "b-open.tar"});
    INFO(r.stderr_text);
    CHECK(r.exit_code != 0);
    CHECK(CountErrorLines(r.stderr_text) == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains("chmod 600 " + cnf));
    CHECK_FALSE(fs::exists(work / "b-open.tar"));
  }
}

TEST_CASE("Server: hostile file names in the datadir are archived and run nothing", "[server]") {
  SandboxServer server;
  LoadSampleSchema(server);
  TempDir work;
  const std::string hostile = "x;touch PWNED;.frm";
  test::WriteFile(server.datadir() + "/shop/" + hostile, "not a real frm");
  const std::string archive = work / "b.tar";
  ProcessResult r = Run({BinaryPath(), "--socket=" + server.socket(), "--checkpoint_dir=" + work / "cp",
                         "--output=" + archive});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  std::string listing = work / "listing";
  REQUIRE(Run({"tar", "-tf", archive}, "", listing).exit_code == 0);
  CHECK_THAT(test::ReadFile(listing), Catch::Contains("shop/" + hostile + "\n"));
  CHECK_FALSE(fs::exists("PWNED"));
  CHECK_FALSE(fs::exists(server.datadir() + "/PWNED"));
  CHECK_FALSE(fs::exists(server.datadir() + "/shop/PWNED"));
}

TEST_CASE("Server: an .frm changed during the backup aborts it unless -f", "[server]") {
  SandboxServer server;
  LoadSampleSchema(server);
  TempDir work;
  for (bool skip_check : {false, true}) {
    CAPTURE(skip_check);
    std::string signal_file = work / ("go" + std::to_string(skip_check));
    std::vector<std::string> args = BackupArgs(server, work / "cp");
    args.insert(args.end(), {"--debug_signal_file=" + signal_file, "--output=" + work / "b.tar"});
    if (skip_check) args.push_back("-f");
    test::BackgroundProcess backup(args);
    // -D holds the backup between the RocksDB files and the misc files.
    for (int i = 0; i < 300 && backup.StderrText().find("Waiting until") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE_THAT(backup.StderrText(), Catch::Contains("Waiting until " + signal_file));
    // A schema change, as ALTER TABLE would make it.
    std::string frm = server.datadir() + "/shop/customers.frm";
    timespec later[2] = {{time(nullptr) + 5, 0}, {time(nullptr) + 5, 0}};
    REQUIRE(utimensat(AT_FDCWD, frm.c_str(), later, 0) == 0);
    test::WriteFile(signal_file, "");
    int rc = backup.Wait();
    std::string err = backup.StderrText();
    INFO(err);
    if (skip_check) {
      CHECK(rc == 0);
    } else {
      CHECK(rc == 1);
      CHECK_THAT(err, Catch::Contains("FRM file " + frm + " was updated after starting backups"));
      CHECK_FALSE(fs::exists(work / "b.tar"));
    }
    ExpectNoCheckpointLeft(work / "cp");
  }
}

TEST_CASE("Server: a stale checkpoint from a crashed run is removed in one line, unless a live "
          "backup holds the directory",
          "[server]") {
  SandboxServer server;
  TempDir work;
  fs::create_directories(work / "cp/3");
  test::WriteFile(work / "cp/3/000042.sst", "pinned");
  test::WriteFile(work / "cp/notes.txt", "not a round");
  // What a killed run leaves: its lock file, the journal of its rounds.
  test::WriteFile(work / "cp/" + kCheckpointLockName, "99999\nround 3\n");
  chmod((work / "cp/" + kCheckpointLockName).c_str(), 0600);
  // A DBA's directories named like rounds are not ours to remove.
  fs::create_directories(work / "cp/1");
  fs::create_directories(work / "cp/20241201");
  test::WriteFile(work / "cp/2", "a file");
  ProcessResult r = Run({BinaryPath(), "--socket=" + server.socket(), "--checkpoint_dir=" + work / "cp",
                         "--output=" + work / "b.tar"});
  INFO(r.stderr_text);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("WARNING Removed " + work / "cp/3"));
  CHECK_FALSE(fs::exists(work / "cp/3"));
  CHECK(fs::exists(work / "cp/notes.txt"));
  for (const char* kept : {"cp/1", "cp/20241201", "cp/2"}) CHECK(fs::exists(work / kept));
  CHECK(fs::exists(work / "b.tar"));

  // Another backup holds the lock: its rounds are its own, kept.
  fs::create_directories(work / "cp/4");
  UniqueFd lock(open((work / "cp/" + kCheckpointLockName).c_str(), O_RDWR | O_CREAT, 0640));
  REQUIRE(flock(lock.get(), LOCK_EX) == 0);
  r = Run({BinaryPath(), "--socket=" + server.socket(), "--checkpoint_dir=" + work / "cp",
           "--output=" + work / "c.tar"});
  CHECK(r.exit_code == 1);
  CHECK(CountErrorLines(r.stderr_text) == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("another backup"));
  CHECK(fs::exists(work / "cp/4"));
  CHECK_FALSE(fs::exists(work / "c.tar"));
}

}  // namespace
}  // namespace hotbackup

namespace hotbackup {
namespace {

TEST_CASE("Server: a full disk fails cleanly", "[server]") {
  SandboxServer server;
  LoadSampleSchema(server);
  TempDir work;
  std::vector<std::string> args = BackupArgs(server, work / "cp");
  args.push_back("--output=/dev/full");
  ProcessResult r = Run(args);
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK(CountErrorLines(r.stderr_text) == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("write to /dev/full: No space left on device"));
  ExpectNoCheckpointLeft(work / "cp");
}

TEST_CASE("Server: a server lost mid-backup fails cleanly at the next round", "[server]") {
  SandboxServer server;
  LoadSampleSchema(server);
  TempDir work, out;
  std::vector<std::string> args = BackupArgs(server, work / "cp");
  args.insert(args.end(), {"--interval=1", "--avg_mbytes_per_sec=4", "--output=" + out / "b.tar"});
  test::BackgroundProcess backup(args);
  REQUIRE(test::WaitForPath(work / "cp/1"));
  // Round 1's checkpoint made and its commit block over (the directory
  // appears inside the block; a slow run, under ASan, could lose the server
  // there instead).
  for (int i = 0; i < 200 && backup.StderrText().find("Created checkpoint") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The server dies hard (OOM killer, power button): no shutdown.
  int server_pid = std::stoi(test::ReadFile(server.dir() + "/mariadbd.pid"));
  REQUIRE(kill(server_pid, SIGKILL) == 0);
  ProcessResult r;
  r.exit_code = backup.Wait();
  r.stderr_text = backup.StderrText();
  ExpectCleanFailure(r, work / "cp", out / "b.tar", "cannot connect to MySQL at socket " + server.socket());
}

TEST_CASE("Server: on a terminal, stderr shows a live progress bar", "[server]") {
  test::PseudoTerminal pty;
  if (!pty.ok()) {
    WARN("no pseudo-terminals here");
    return;
  }
  SandboxServer server;
  LoadSampleSchema(server);
  TempDir work;
  std::vector<std::string> args = BackupArgs(server, work / "cp");
  args.insert(args.end(), {"--avg_mbytes_per_sec=16", "--output=" + work / "b.tar"});
  int pid = test::Spawn(args, -1, -1, pty.slave());
  pty.CloseSlave();
  std::string seen;
  char buf[4096];
  for (;;) {
    ssize_t n = read(pty.master(), buf, sizeof(buf));
    if (n <= 0) break;  // EIO once the backup closed its end
    seen.append(buf, static_cast<size_t>(n));
  }
  CHECK(test::Wait(pid) == 0);
  INFO(seen);
  CHECK_THAT(seen, Catch::Contains("\r["));
  CHECK_THAT(seen, Catch::Contains("MB/s  ETA"));
  CHECK_THAT(seen, Catch::Contains("All Backups Done."));
  CHECK_THAT(seen, !Catch::Contains("Backup Progress:"));  // the log line is for logs only
}

}  // namespace
}  // namespace hotbackup

namespace hotbackup {
namespace {

TEST_CASE("Server: over TCP with --host and --port (loopback only)", "[server]") {
  SandboxServer::Settings settings;
  settings.tcp_port = test::FreeLoopbackPort();
  SandboxServer server(settings);
  LoadSampleSchema(server);
  const std::string before = server.ChecksumRocksDbTables();
  TempDir work;
  const std::string port = std::to_string(settings.tcp_port);
  ProcessResult r = Run({BinaryPath(), "--host=127.0.0.1", "-P", port, "-c", work / "cp",
                         "--datadir=" + server.datadir(), "--output=" + work / "b.tar"});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("at 127.0.0.1:" + port));
  std::unique_ptr<SandboxServer> restored = Restore(work / "b.tar", {"tar", false}, work);
  CHECK(restored->ChecksumRocksDbTables() == before);

  // Nothing listens on the next port: a one-line error naming host and port.
  const int closed_port = test::FreeLoopbackPort();
  r = Run({BinaryPath(), "--host=127.0.0.1", "--port=" + std::to_string(closed_port), "-c",
           work / "cp", "--output=" + work / "c.tar"});
  CHECK(r.exit_code == 1);
  CHECK(CountErrorLines(r.stderr_text) == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("cannot connect to MySQL at 127.0.0.1:" +
                                            std::to_string(closed_port) + " as root"));
}

}  // namespace
}  // namespace hotbackup
