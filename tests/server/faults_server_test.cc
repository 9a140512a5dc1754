// Faults on a real server with the binlog on: a backup killed with SIGKILL
// leaves its round directory, and the next backup on the same
// --checkpoint_dir removes it by itself and restores identically; two
// backups at once on one directory: the second refused in one line, the
// first unharmed; the server stopped mid-backup; no room for the checkpoint.
#include <signal.h>
#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "hotbackup/server/checkpoint.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"
#include "support/writers.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BackgroundProcess;
using test::BinaryPath;
using test::ProcessResult;
using test::Run;
using test::SandboxServer;
using test::TempDir;

std::unique_ptr<SandboxServer> StartSource() {
  SandboxServer::Settings settings;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1"};
  auto server = std::make_unique<SandboxServer>(settings);
  server->Sql(std::string(
                  "CREATE DATABASE t; USE t; "
                  "CREATE TABLE t.bulk (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=ROCKSDB; "
                  "INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_1_to_60000; "
                  "SET GLOBAL rocksdb_force_flush_memtable_now = 1; ") +
              test::kWritersTableDdl);
  return server;
}

std::vector<std::string> BackupArgs(SandboxServer& server, const std::string& checkpoint_dir,
                                    const std::string& output, const std::string& rate) {
  return {BinaryPath(), "--socket=" + server.socket(), "--checkpoint_dir=" + checkpoint_dir,
          "--avg_mbytes_per_sec=" + rate, "--output=" + output};
}

// Polls until the round directory "1" holds SSTs being sent.
bool WaitForRound(const std::string& checkpoint_dir) {
  return test::WaitForPath(checkpoint_dir + "/1/CURRENT", 30);
}

TEST_CASE("Faults: a backup killed with SIGKILL, then the next backup on the same checkpoint "
          "directory cleans up and restores identically",
          "[server][faults]") {
  std::unique_ptr<SandboxServer> source = StartSource();
  TempDir work;
  const std::string cp = work / "cp";
  // A DBA's entries named like rounds: never ours to remove, killed or not.
  fs::create_directories(cp + "/20241201");
  test::WriteFile(cp + "/123", "a file");
  {
    test::Writers writers(source->socket(), 2);
    BackgroundProcess killed(BackupArgs(*source, cp, work / "killed.tar", "1"));
    REQUIRE(WaitForRound(cp));
    REQUIRE(kill(killed.pid(), SIGKILL) == 0);
    CHECK(killed.Wait() == 128 + SIGKILL);
    writers.Stop();
    REQUIRE(writers.error().empty());
  }
  // What SIGKILL leaves: the round (pinning SSTs) and the unlocked lock file.
  CHECK(fs::exists(cp + "/1"));
  CHECK_FALSE(fs::exists(work / "killed.tar"));

  const std::string checksums = source->Sql("CHECKSUM TABLE t.bulk, t.w EXTENDED");
  ProcessResult r = Run(BackupArgs(*source, cp, work / "next.tar", "500"));
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("Removed " + cp + "/1"));
  CHECK_THAT(r.stderr_text, Catch::Contains("left by an earlier backup that did not finish"));
  CHECK(fs::is_directory(cp + "/20241201"));
  CHECK(test::ReadFile(cp + "/123") == "a file");
  fs::remove_all(cp + "/20241201");
  fs::remove(cp + "/123");
  test::ExpectNoCheckpointLeft(cp);

  ProcessResult e = Run({BinaryPath(), "--extract", "--input=" + (work / "next.tar"),
                         "--backup_dir=" + (work / "restore")});
  REQUIRE(e.exit_code == 0);
  const std::string data = work / "restored/data";
  e = Run({BinaryPath(), "--move_back", "--datadir=" + data, "--rocksdb_datadir=" + data + "/#rocksdb",
           "--rocksdb_waldir=" + data + "/#rocksdb", "--backup_dir=" + (work / "restore")});
  INFO(e.stderr_text);
  REQUIRE(e.exit_code == 0);
  SandboxServer::Settings settings;
  settings.datadir_from = data;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=2"};
  SandboxServer restored(settings);
  CHECK(restored.Sql("CHECKSUM TABLE t.bulk, t.w EXTENDED") == checksums);
}

TEST_CASE("Faults: two backups at once on one checkpoint directory, the second refused in one "
          "line, the first unharmed",
          "[server][faults]") {
  std::unique_ptr<SandboxServer> source = StartSource();
  TempDir work;
  const std::string cp = work / "cp";
  BackgroundProcess first(BackupArgs(*source, cp, work / "first.tar", "4"));
  REQUIRE(WaitForRound(cp));
  ProcessResult second = Run(BackupArgs(*source, cp, work / "second.tar", "500"));
  CHECK(second.exit_code == 1);
  CHECK_THAT(second.stderr_text,
             Catch::Contains("another backup (pid " + std::to_string(first.pid()) + ")"));
  CHECK(test::CountErrorLines(second.stderr_text) == 1);
  CHECK_FALSE(fs::exists(work / "second.tar"));
  INFO(first.StderrText());
  REQUIRE(first.Wait() == 0);
  CHECK_THAT(first.StderrText(), !Catch::Contains("Removed"));
  test::ExpectNoCheckpointLeft(cp);
  ProcessResult v = Run({BinaryPath(), "--verify", "--input=" + (work / "first.tar")});
  INFO(v.stderr_text);
  CHECK(v.exit_code == 0);
}

TEST_CASE("Faults: the server stopped mid-backup, then restarted: one line, nothing left, and the "
          "next backup is whole",
          "[server][faults]") {
  std::unique_ptr<SandboxServer> source = StartSource();
  TempDir work;
  const std::string cp = work / "cp";
  BackgroundProcess backup(BackupArgs(*source, cp, work / "a.tar", "2"));
  REQUIRE(WaitForRound(cp));
  source->Stop();  // a clean shutdown while the first round is being sent
  const int exit_code = backup.Wait();
  const std::string log = backup.StderrText();
  INFO(log);
  CHECK(exit_code == 1);
  CHECK(test::CountErrorLines(log) == 1);
  CHECK_FALSE(fs::exists(work / "a.tar"));
  test::ExpectNoCheckpointLeft(cp);

  // The same datadir started again, and backed up.
  const std::string datadir = work / "data";
  fs::rename(source->datadir(), datadir);
  SandboxServer::Settings settings;
  settings.datadir_from = datadir;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1"};
  SandboxServer restarted(settings);
  ProcessResult r = Run(BackupArgs(restarted, cp, work / "b.tar", "500"));
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  ProcessResult v = Run({BinaryPath(), "--verify", "--input=" + (work / "b.tar")});
  CHECK(v.exit_code == 0);
}

TEST_CASE("Faults: no room for the checkpoint: the server's error in one line, nothing left",
          "[server][faults]") {
  std::unique_ptr<SandboxServer> source = StartSource();
  TempDir work;
  const std::string cp = work / "small";
  fs::create_directories(cp);
  // A 1 MB tmpfs: another filesystem, so RocksDB copies instead of linking.
  if (mount("hotbackup-test", cp.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") != 0) {
    WARN("cannot mount a tmpfs here (needs CAP_SYS_ADMIN): the case is not run");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{cp};
  ProcessResult r = Run(BackupArgs(*source, cp, work / "a.tar", "500"));
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK(test::CountErrorLines(r.stderr_text) == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("checkpoint"));
  CHECK_FALSE(fs::exists(work / "a.tar"));
  test::ExpectNoCheckpointLeft(cp);
  // The server goes on.
  CHECK(test::TrimTrailing(source->Sql("SELECT COUNT(*) FROM t.bulk")) == "60000");
}

}  // namespace
}  // namespace hotbackup
