// The binary's command line, without a server: what it accepts, what it
// refuses, and that refusals are one line with the right exit code.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <sys/stat.h>

#include "hotbackup/archive/checksum.h"
#include "hotbackup/archive/manifest.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::BinaryPath;
using test::ProcessResult;
using test::Run;
using test::TempDir;

size_t Lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// Writes the manifest of the backup directory `dir`: every file in it, with
// its size and checksum, as a backup lists them (--move_back checks it).
// Returns what was written.
std::string WriteManifestOf(const std::string& dir) {
  Manifest manifest = test::TestManifest("tar");
  for (const std::string& path : test::ListFiles(dir)) {
    const std::string data = test::ReadFile(dir + "/" + path);
    FileChecksum sum;
    sum.Update(AsBytes(data.data(), data.size()));
    manifest.files.push_back(ManifestFile{path, data.size(), sum.Digest(), "", ""});
  }
  const std::string json = SerializeManifest(manifest);
  test::WriteFile(dir + "/" + kManifestPath, json);
  return json;
}

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
        "--slave_info", "--no_backup_locks", "--lock_wait_timeout",
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
      {{"--lock_wait_timeout=0"}, "--lock_wait_timeout must be at least 1 second"},
      {{"stray"}, "unexpected argument 'stray'"},
      {{"--verify", "--backup_dir=/tmp/x", "--input=/tmp/y"},
       "--verify checks an archive (--input or stdin) or a directory (--backup_dir), not both"},
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

TEST_CASE("CLI: --stream=wdt without its options or without a local wdt is one line", "[cli]") {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  std::vector<Case> cases = {
      {{"--stream=wdt"}, "--stream=wdt needs --destination"},
      {{"--stream=wdt", "--destination=host"}, "--stream=wdt needs --backup_dir"},
      {{"--stream=wdt", "--destination=host", "--backup_dir=/b", "--wdt_path=/nonexistent/wdt"},
       "/nonexistent/wdt not found or not executable here (--wdt_path)"},
      {{"--stream=wdt", "--destination=host", "--backup_dir=/b", "--wdt_path=/bin/true",
        "--ssh_command=/nonexistent/ssh -p 22"},
       "/nonexistent/ssh not found"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {BinaryPath(), "--socket=/nonexistent/sock"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    ProcessResult r = Run(argv);
    INFO(r.stderr_text);
    CHECK(r.exit_code == 2);
    CHECK(Lines(r.stderr_text) == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains(c.message));
  }
}

TEST_CASE("CLI: refuses to write an archive to a terminal before touching a server", "[cli]") {
  test::PseudoTerminal pty;
  if (!pty.ok()) {
    WARN("no pseudo-terminals here");
    return;
  }
  TempDir dir;
  // A socket that does not exist: the terminal check must come first.
  test::BackgroundProcess backup(
      {BinaryPath(), "--socket=" + dir / "nope.sock", "--checkpoint_dir=" + dir / "cp"}, pty.slave());
  int rc = backup.Wait();
  std::string text = backup.StderrText();
  INFO(text);
  CHECK(rc == 2);
  CHECK_THAT(text, Catch::Contains("stdout is a terminal; refusing to write an archive to it"));
  CHECK_THAT(text, !Catch::Contains("cannot connect"));
}

TEST_CASE("CLI: --move_back without its directories says which are needed", "[cli]") {
  ProcessResult r = Run({BinaryPath(), "--move_back", "--datadir=/tmp/x"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.stderr_text,
             Catch::Contains("--move_back needs --datadir, --rocksdb_datadir, --rocksdb_waldir and --backup_dir"));
}

TEST_CASE("CLI: --verify --backup_dir of a directory that does not exist is one line, exit 1", "[cli]") {
  ProcessResult r = Run({BinaryPath(), "--verify", "--backup_dir=/nonexistent"});
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK(Lines(r.stderr_text) == 1);
  CHECK_THAT(r.stderr_text,
             Catch::Contains("ERROR open backup directory /nonexistent: No such file or directory"));
}

// Every file under `root` with its contents, to compare a tree before and after.
std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> files;
  for (const std::string& f : test::ListFiles(root)) files[f] = test::ReadFile(root + "/" + f);
  return files;
}

TEST_CASE("CLI: --move_back refuses a non-empty target and moves nothing", "[cli]") {
  TempDir dir;
  std::string backup = dir / "backup";
  std::filesystem::create_directories(backup + "/shop");
  test::WriteFile(backup + "/000001.sst", test::RandomBytes(100000, 1));
  test::WriteFile(backup + "/000002.log", "wal");
  test::WriteFile(backup + "/shop/t.frm", "frm");
  std::filesystem::create_directories(dir / "wal");
  test::WriteFile(dir / "wal/leftover", "x");
  const auto backup_before = Snapshot(backup);
  const auto wal_before = Snapshot(dir / "wal");
  for (const char* mode : {"--move_back", "--copy_back"}) {
    ProcessResult r = Run({BinaryPath(), mode, "--datadir=" + dir / "data",
                           "--rocksdb_datadir=" + dir / "rocks", "--rocksdb_waldir=" + dir / "wal",
                           "--backup_dir=" + backup});
    INFO(mode << ": " << r.stderr_text);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains("--rocksdb_waldir " + dir / "wal" + " is not empty"));
    CHECK(Snapshot(backup) == backup_before);
    CHECK(Snapshot(dir / "wal") == wal_before);
    CHECK_FALSE(std::filesystem::exists(dir / "data"));
    CHECK_FALSE(std::filesystem::exists(dir / "rocks"));
  }
}

TEST_CASE("CLI: --move_back sends only RocksDB WAL files to the WAL directory", "[cli]") {
  TempDir dir;
  std::string backup = dir / "backup";
  std::filesystem::create_directories(backup + "/shop");
  for (const char* f : {"000012.sst", "000015.log", "MANIFEST-000004", "CURRENT", "OPTIONS-000011",
                        "tc.log", "ddl_recovery.log", "aria_log_control", "shop/t.frm"}) {
    test::WriteFile(backup + "/" + f, f);
  }
  WriteManifestOf(backup);
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
                                 kManifestPath, "shop/t.frm", "tc.log"});
  CHECK(test::ReadFile(dir / "data/tc.log") == "tc.log");
}

TEST_CASE("CLI: --move_back refuses a backup directory its manifest does not vouch for, unless -f",
          "[cli]") {
  for (const char* mode : {"--move_back", "--copy_back"}) {
    for (const char* kind : {"no manifest", "a file edited"}) {
      CAPTURE(mode, kind);
      TempDir dir;
      const std::string backup = dir / "backup";
      std::filesystem::create_directories(backup + "/shop");
      test::WriteFile(backup + "/000012.sst", "sst");
      test::WriteFile(backup + "/shop/t.frm", "frm");
      const bool edited = std::string(kind) == "a file edited";
      if (edited) {
        WriteManifestOf(backup);
        test::WriteFile(backup + "/shop/t.frm", "FRM");
      }
      const auto before = Snapshot(backup);
      std::vector<std::string> argv = {BinaryPath(), mode, "--datadir=" + dir / "data",
                                       "--rocksdb_datadir=" + dir / "data/#rocksdb",
                                       "--rocksdb_waldir=" + dir / "data/#rocksdb",
                                       "--backup_dir=" + backup};
      ProcessResult r = Run(argv);
      INFO(r.stderr_text);
      CHECK(r.exit_code == 1);
      CHECK(Lines(r.stderr_text) == 1);
      CHECK_THAT(r.stderr_text, Catch::Contains(edited ? "checksum mismatch for shop/t.frm"
                                                       : "has no myrocks_hotbackup_manifest.json"));
      CHECK_THAT(r.stderr_text, Catch::Contains("-f moves it back unchecked"));
      CHECK(Snapshot(backup) == before);
      CHECK_FALSE(std::filesystem::exists(dir / "data"));

      argv.push_back("-f");
      r = Run(argv);
      INFO(r.stderr_text);
      CHECK(r.exit_code == 0);
      const std::string warning = " WARNING " + std::string(mode) + " -f: ";
      const size_t at = r.stderr_text.find(warning);
      CHECK(at != std::string::npos);
      CHECK(r.stderr_text.find(warning, at + 1) == std::string::npos);  // once
      CHECK(test::ReadFile(dir / "data/shop/t.frm") == (edited ? "FRM" : "frm"));
      CHECK(test::ReadFile(dir / "data/#rocksdb/000012.sst") == "sst");
    }
  }
}

}  // namespace
}  // namespace hotbackup

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

// A backup directory with what a real one holds, files of several modes.
std::map<std::string, std::string> MakeBackupDir(const std::string& dir) {
  std::map<std::string, std::string> files = {
      {"000012.sst", test::RandomBytes(300000, 1)}, {"000015.log", "wal"},
      {"MANIFEST-000004", "manifest"},               {"CURRENT", "MANIFEST-000004\n"},
      {"OPTIONS-000011", "options"},                 {"tc.log", "tc"},
      {"shop/orders.frm", "frm"},                    {"shop/db.opt", "opt"},
  };
  for (const auto& [path, data] : files) {
    fs::create_directories(fs::path(dir + "/" + path).parent_path());
    test::WriteFile(dir + "/" + path, data);
  }
  files[kManifestPath] = WriteManifestOf(dir);
  chmod((dir + "/000012.sst").c_str(), 0640);
  chmod((dir + "/shop/orders.frm").c_str(), 0660);
  timespec old[2] = {{1600000000, 0}, {1600000000, 0}};
  utimensat(AT_FDCWD, (dir + "/000012.sst").c_str(), old, 0);
  return files;
}

std::string WhereIs(const std::string& root, const std::string& name) {
  for (const std::string& dir : {"data/#rocksdb/", "wal/", "data/"}) {
    if (fs::exists(root + "/" + dir + name)) return dir;
  }
  return "nowhere";
}

void CheckPlaced(const std::string& root, const std::map<std::string, std::string>& files) {
  CHECK(WhereIs(root, "000012.sst") == "data/#rocksdb/");
  CHECK(WhereIs(root, "MANIFEST-000004") == "data/#rocksdb/");
  CHECK(WhereIs(root, "000015.log") == "wal/");
  CHECK(WhereIs(root, "tc.log") == "data/");
  CHECK(WhereIs(root, "shop/orders.frm") == "data/");
  CHECK(WhereIs(root, "myrocks_hotbackup_manifest.json") == "data/");  // backup metadata
  for (const auto& [path, data] : files) {
    CHECK(test::ReadFile(root + "/" + WhereIs(root, path) + path) == data);
  }
  struct stat st;
  REQUIRE(stat((root + "/data/#rocksdb/000012.sst").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  CHECK(st.st_mtime == 1600000000);
  REQUIRE(stat((root + "/data/shop/orders.frm").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);  // 0660 in the backup: masked (restored_attributes.h)
}

std::vector<std::string> MoveBackArgs(const char* mode, const std::string& root, const std::string& backup) {
  return {BinaryPath(), mode, "--datadir=" + root + "/data", "--rocksdb_datadir=" + root + "/data/#rocksdb",
          "--rocksdb_waldir=" + root + "/wal", "--backup_dir=" + backup};
}

TEST_CASE("CLI: --move_back across filesystems copies, keeps modes, then removes", "[cli]") {
  if (access("/dev/shm", W_OK) != 0) {
    WARN("no /dev/shm: cross-filesystem move-back not exercised");
    return;
  }
  TempDir backup_parent("/dev/shm");  // tmpfs; the targets are on /tmp
  TempDir target;
  const std::string backup = backup_parent / "backup";
  auto files = MakeBackupDir(backup);
  ProcessResult r = Run(MoveBackArgs("--move_back", target.path(), backup));
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CheckPlaced(target.path(), files);
  CHECK(fs::is_empty(backup));
  CHECK_THAT(r.stderr_text, Catch::Contains("were on another filesystem: copied, synced, then removed"));
  CHECK_THAT(r.stderr_text, Catch::Contains("Moved 4 RocksDB files (SST, MANIFEST, CURRENT, OPTIONS)"));
  CHECK_THAT(r.stderr_text, Catch::Contains("Moved 1 RocksDB WAL files"));
  CHECK_THAT(r.stderr_text, Catch::Contains("Moved 3 server files and database directories"));
}

TEST_CASE("CLI: --copy_back leaves the backup directory intact", "[cli]") {
  TempDir work;
  const std::string backup = work / "backup";
  auto files = MakeBackupDir(backup);
  auto before = test::ListFiles(backup);
  ProcessResult r = Run(MoveBackArgs("--copy_back", work / "restored", backup));
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CheckPlaced(work / "restored", files);
  CHECK(test::ListFiles(backup) == before);
  for (const auto& [path, data] : files) CHECK(test::ReadFile(backup + "/" + path) == data);
  CHECK_THAT(r.stderr_text, Catch::Contains("Copied 4 RocksDB files"));
}

}  // namespace
}  // namespace hotbackup
