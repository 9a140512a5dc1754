// The binary's command line, without a server: what it accepts, what it
// refuses, and that refusals are one line with the right exit code.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::BinaryPath;
using test::ProcessResult;
using test::Run;
using test::TempDir;

size_t Lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST_CASE("CLI: --help lists every option of the original", "[cli]") {
  TempDir dir;
  ProcessResult r = Run({BinaryPath(), "--help"}, "", dir / "out");
  REQUIRE(r.exit_code == 0);
  std::string help = test::ReadFile(dir / "out");
  for (const char* option :
       {"-i, --interval", "-c, --checkpoint_dir", "-d, --datadir", "-s, --stream", "--destination",
        "--avg_mbytes_per_sec", "--extra_wdt_sender_options", "--extra_wdt_receiver_options",
        "-u, --user", "-p, --password", "-P, --port", "-S, --socket", "-m, --move_back",
        "-r, --rocksdb_datadir", "-w, --rocksdb_waldir", "-b, --backup_dir",
        "-f, --skip_check_frm_timestamp", "-D, --debug_signal_file", "--host", "--defaults_file",
        "--output", "--compress", "--compress_level", "--compress_threads", "--direct_io",
        "/data/mysql/backup/snapshot", "(default: 300)"}) {
    CAPTURE(option);
    CHECK_THAT(help, Catch::Contains(option));
  }
}

TEST_CASE("CLI: --version", "[cli]") {
  TempDir dir;
  ProcessResult r = Run({BinaryPath(), "--version"}, "", dir / "out");
  CHECK(r.exit_code == 0);
  CHECK_THAT(test::ReadFile(dir / "out"), Catch::StartsWith("myrocks_hotbackup "));
}

TEST_CASE("CLI: bad usage is one line and exit 2", "[cli]") {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  std::vector<Case> cases = {
      {{"--no_such_option"}, "no_such_option"},
      {{"--stream=zip"}, "--stream must be tar, xbstream or wdt"},
      {{"--compress=gzip"}, "--compress must be none or zstd"},
      {{"--compress_level=99"}, "--compress_level must be between"},
      {{"--interval=0"}, "--interval must be positive"},
      {{"--interval=abc"}, "abc"},
      {{"--direct_io=maybe"}, "--direct_io must be auto, on or off"},
      {{"--port=70000"}, "--port must be between 1 and 65535"},
      {{"stray"}, "unexpected argument 'stray'"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {BinaryPath()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    ProcessResult r = Run(argv);
    INFO(c.args[0] << ": " << r.stderr_text);
    CHECK(r.exit_code == 2);
    CHECK(Lines(r.stderr_text) == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains(c.message));
  }
}

TEST_CASE("CLI: --stream=wdt is not supported yet, exit 2", "[cli]") {
  ProcessResult r = Run({BinaryPath(), "--stream=wdt", "--destination=host"});
  CHECK(r.exit_code == 2);
  CHECK(Lines(r.stderr_text) == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("--stream=wdt is not supported yet"));
}

TEST_CASE("CLI: refuses to write an archive to a terminal before touching a server", "[cli]") {
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) {
    WARN("no pseudo-terminals here");
    return;
  }
  REQUIRE(grantpt(master) == 0);
  REQUIRE(unlockpt(master) == 0);
  int tty = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(tty >= 0);
  TempDir dir;
  std::string err = dir / "err";
  int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // A socket that does not exist: the terminal check must come first.
  int pid = test::Spawn({BinaryPath(), "--socket=" + dir / "nope.sock", "--checkpoint_dir=" + dir / "cp"},
                        -1, tty, err_fd);
  close(err_fd);
  int rc = test::Wait(pid);
  close(tty);
  close(master);
  std::string text = test::ReadFile(err);
  INFO(text);
  CHECK(rc == 1);
  CHECK_THAT(text, Catch::Contains("stdout is a terminal; refusing to write an archive to it"));
  CHECK_THAT(text, !Catch::Contains("cannot connect"));
}

TEST_CASE("CLI: --move_back without its directories says which are needed", "[cli]") {
  ProcessResult r = Run({BinaryPath(), "--move_back", "--datadir=/tmp/x"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text,
             Catch::Contains("--move_back needs --datadir, --rocksdb_datadir, --rocksdb_waldir and --backup_dir"));
}

TEST_CASE("CLI: --move_back refuses a non-empty target and moves nothing", "[cli]") {
  TempDir dir;
  std::string backup = dir / "backup";
  std::filesystem::create_directories(backup + "/shop");
  test::WriteFile(backup + "/000001.sst", "sst");
  test::WriteFile(backup + "/000002.log", "wal");
  test::WriteFile(backup + "/shop/t.frm", "frm");
  std::filesystem::create_directories(dir / "wal");
  test::WriteFile(dir / "wal/leftover", "x");
  ProcessResult r = Run({BinaryPath(), "--move_back", "--datadir=" + dir / "data",
                         "--rocksdb_datadir=" + dir / "rocks", "--rocksdb_waldir=" + dir / "wal",
                         "--backup_dir=" + backup});
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("--rocksdb_waldir " + dir / "wal" + " is not empty"));
  CHECK(test::ListFiles(backup) == std::vector<std::string>{"000001.sst", "000002.log", "shop/t.frm"});
  CHECK_FALSE(std::filesystem::exists(dir / "data"));
  CHECK_FALSE(std::filesystem::exists(dir / "rocks"));
}

TEST_CASE("CLI: --move_back sends only RocksDB WAL files to the WAL directory", "[cli]") {
  TempDir dir;
  std::string backup = dir / "backup";
  std::filesystem::create_directories(backup + "/shop");
  for (const char* f : {"000012.sst", "000015.log", "MANIFEST-000004", "CURRENT", "OPTIONS-000011",
                        "tc.log", "ddl_recovery.log", "aria_log_control", "shop/t.frm"}) {
    test::WriteFile(backup + "/" + f, f);
  }
  ProcessResult r = Run({BinaryPath(), "--move_back", "--datadir=" + dir / "data",
                         "--rocksdb_datadir=" + dir / "data/#rocksdb", "--rocksdb_waldir=" + dir / "wal",
                         "--backup_dir=" + backup});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK(test::ListFiles(dir / "wal") == std::vector<std::string>{"000015.log"});
  CHECK(test::ListFiles(dir / "data/#rocksdb") ==
        std::vector<std::string>{"000012.sst", "CURRENT", "MANIFEST-000004", "OPTIONS-000011"});
  CHECK(test::ListFiles(dir / "data") ==
        std::vector<std::string>{"#rocksdb/000012.sst", "#rocksdb/CURRENT", "#rocksdb/MANIFEST-000004",
                                 "#rocksdb/OPTIONS-000011", "aria_log_control", "ddl_recovery.log",
                                 "shop/t.frm", "tc.log"});
  CHECK(test::ReadFile(dir / "data/tc.log") == "tc.log");
}

}  // namespace
}  // namespace hotbackup
