// A backup run as root beside the server's unprivileged user (issue 24):
// that user owns the checkpoint directory and swaps the round and staging
// directories for symbolic links to a canary directory while backups run
// (a shell loop run with setpriv as uid 12345); nothing may ever be written
// into the canary, and each backup succeeds or fails cleanly. A datadir
// file that is a symbolic link to a root-only file is left out with one
// WARN; one to the datadir owner's file is followed. Failed runs leave no
// scratch directory in $TMPDIR.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

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

using test::kServerUser;
using test::SwapperCommand;

bool CanActAsAnotherUser() { return geteuid() == 0 && test::HaveTool("setpriv"); }

TEST_CASE("Security: the server's user swapping round and staging directories for links never "
          "makes a root backup write outside the checkpoint directory",
          "[server][security]") {
  if (!CanActAsAnotherUser()) {
    WARN("not root, or no setpriv: skipped");
    return;
  }
  SandboxServer::Settings settings;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1"};
  SandboxServer server(settings);
  server.Sql(std::string("CREATE DATABASE t; USE t; "
                         "CREATE TABLE t.r (id INT PRIMARY KEY, pad VARCHAR(100)) ENGINE=ROCKSDB; "
                         "INSERT INTO t.r SELECT seq, MD5(seq) FROM seq_1_to_20000; "
                         "CREATE TABLE t.m (id INT PRIMARY KEY) ENGINE=MyISAM; "
                         "INSERT INTO t.m VALUES (1),(2); ") +
             test::kWritersTableDdl);
  TempDir work;
  // The server's user must reach its checkpoint directory.
  REQUIRE(chmod(work.path().c_str(), 0755) == 0);
  const std::string cp = work / "cp";
  const std::string canary = work / "canary";
  fs::create_directories(cp);
  fs::create_directories(canary);
  REQUIRE(chown(cp.c_str(), kServerUser, kServerUser) == 0);
  REQUIRE(chown(canary.c_str(), kServerUser, kServerUser) == 0);
  test::Writers writers(server.socket(), 2);
  BackgroundProcess swapper(SwapperCommand(cp, canary));
  int succeeded = 0;
  for (int i = 0; i < 4; ++i) {
    const std::string out = work / ("b" + std::to_string(i) + ".tar");
    ProcessResult r = Run({BinaryPath(), "--socket=" + server.socket(), "--checkpoint_dir=" + cp,
                           "--output=" + out, "--interval=1"});
    INFO(r.stderr_text);
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    if (r.exit_code == 0) {
      ++succeeded;
      CHECK(fs::exists(out));
    } else {
      CHECK(test::CountErrorLines(r.stderr_text) == 1);
      CHECK_FALSE(fs::exists(out));
    }
    CHECK(fs::is_empty(canary));
  }
  kill(swapper.pid(), SIGKILL);
  swapper.Wait();
  writers.Stop();
  // The swapper was at work: it moved directories away, and none holds
  // anything of ours.
  CHECK(test::ExpectMovedDirectoriesHoldNothingOfOurs(cp) > 0);
  CHECK(fs::is_empty(canary));
  INFO("backups that succeeded: " << succeeded);
}

TEST_CASE("Security: a datadir symlink to a file its owner does not own is left out with one "
          "WARN, one to the owner's file is followed",
          "[server][security]") {
  if (geteuid() != 0) {
    WARN("not root: skipped");
    return;
  }
  SandboxServer server;
  server.Sql("CREATE DATABASE t; CREATE TABLE t.r (id INT PRIMARY KEY) ENGINE=ROCKSDB; "
             "INSERT INTO t.r VALUES (1);");
  TempDir work;
  // The datadir belongs to the server's user; root's secret does not.
  REQUIRE(chown(server.datadir().c_str(), kServerUser, kServerUser) == 0);
  test::WriteFile(work / "secret", "ROOT-ONLY-SECRET");
  chmod((work / "secret").c_str(), 0600);
  test::WriteFile(work / "owned", "the server user's own file");
  REQUIRE(chown((work / "owned").c_str(), kServerUser, kServerUser) == 0);
  fs::create_symlink(work / "secret", server.datadir() + "/t/leak.frm");
  fs::create_symlink(work / "secret", server.datadir() + "/top_leak");
  fs::create_symlink(work / "owned", server.datadir() + "/t/fine.opt");
  ProcessResult r = Run({BinaryPath(), "--socket=" + server.socket(),
                         "--checkpoint_dir=" + work / "cp", "--output=" + work / "b.tar"});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  for (const char* leak : {"/t/leak.frm", "/top_leak"}) {
    CHECK_THAT(r.stderr_text, Catch::Contains("WARNING " + server.datadir() + leak +
                                              " is a symbolic link to a file owned by uid 0"));
  }
  const std::vector<std::string> names = test::TarMemberNames(work / "b.tar");
  CHECK(std::find(names.begin(), names.end(), "t/leak.frm") == names.end());
  CHECK(std::find(names.begin(), names.end(), "top_leak") == names.end());
  CHECK(std::find(names.begin(), names.end(), "t/fine.opt") != names.end());
  CHECK(test::ReadFile(work / "b.tar").find("ROOT-ONLY-SECRET") == std::string::npos);
}

TEST_CASE("Security: failed runs leave nothing in $TMPDIR", "[server][security]") {
  TempDir work;
  const std::string tmp = work / "tmp";
  fs::create_directories(tmp);
  const std::string env_tmp = "TMPDIR=" + tmp;
  std::vector<std::vector<std::string>> runs = {
      // The server unreachable.
      {"env", env_tmp, BinaryPath(), "--socket=" + work / "no-such-socket",
       "--checkpoint_dir=" + work / "cp", "--output=" + work / "a.tar"},
      // A refused option.
      {"env", env_tmp, BinaryPath(), "--stream=bogus", "--checkpoint_dir=" + work / "cp"},
      // No wdt here.
      {"env", env_tmp, BinaryPath(), "--stream=wdt", "--destination=localhost",
       "--backup_dir=" + work / "r", "--wdt_path=" + work / "no-wdt",
       "--socket=" + work / "no-such-socket", "--checkpoint_dir=" + work / "cp"},
  };
  SandboxServer server;
  // A reachable server and a wdt here, then no way to the destination.
  const std::string wdt = test::WdtBinary();
  if (access(wdt.c_str(), X_OK) == 0) {
    runs.push_back({"env", env_tmp, BinaryPath(), "--stream=wdt", "--destination=127.0.0.1",
                    "--backup_dir=" + work / "r", "--wdt_path=" + wdt, "--ssh_command=false",
                    "--socket=" + server.socket(), "--checkpoint_dir=" + work / "cp"});
  }
  for (const auto& argv : runs) {
    ProcessResult r = Run(argv);
    INFO(r.stderr_text);
    CHECK(r.exit_code != 0);
    CHECK(fs::is_empty(tmp));
  }
}

}  // namespace
}  // namespace hotbackup
