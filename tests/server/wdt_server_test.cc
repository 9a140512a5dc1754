// WDT mode against the real wdt (../shared/tools/wdt) on both sides, the
// receiver reached over a private sshd on 127.0.0.1: a backup of a live,
// binlog-enabled server restores identical tables; failures (ssh refused,
// wdt missing here or there, rounds that never resume, SIGTERM) are one line
// each, quickly, with no checkpoint and no wdt or ssh process left behind.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <thread>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/server/mysql_connection.h"
#include "support/sandbox_server.h"
#include "support/sshd_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::WdtBinary;
using test::ProcessResult;
using test::Run;
using test::SandboxServer;
using test::SshServer;
using test::TempDir;
using test::GtidSequence;
using test::CountErrorLines;
using test::TrimTrailing;
using test::ExpectNoCheckpointLeft;

// Whether the real wdt and an sshd are here; if not the test says why.
bool WdtAvailable() {
  if (access(WdtBinary().c_str(), X_OK) != 0) {
    WARN("skipped: no wdt at " << WdtBinary() << " (../shared/tools/wdt or $HOTBACKUP_WDT)");
    return false;
  }
  if (Run({WdtBinary(), "--version"}).exit_code != 0) {
    WARN("skipped: " << WdtBinary() << " does not run (scripts/setup installs its libraries)");
    return false;
  }
  if (!SshServer::Available()) {
    WARN("skipped: no sshd/ssh here (scripts/setup installs openssh-server)");
    return false;
  }
  return true;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Processes whose command line mentions `needle` (wdt and ssh of a backup
// name its receiving directory), other than ourselves.
std::vector<std::string> ProcessesMentioning(const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (pid == std::to_string(getpid())) continue;
    // Read directly: the process may be gone by now. Gone between the open
    // and the read, the read fails with ESRCH, which std::filebuf throws.
    std::string cmdline;
    try {
      std::ifstream in(e.path() / "cmdline", std::ios::binary);
      cmdline.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure&) {
      continue;
    }
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (cmdline.find(needle) != std::string::npos) found.push_back(pid + ": " + cmdline);
  }
  return found;
}

// No process mentioning `needle` within a few seconds (a remote side's
// watchdog needs a moment to notice its connection went).
void ExpectNoProcessLeft(const std::string& needle) {
  std::vector<std::string> left;
  for (int i = 0; i < 100; ++i) {
    left = ProcessesMentioning(needle);
    if (left.empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const std::string& p : left) FAIL("left running: " << p);
}

std::unique_ptr<SandboxServer> StartServer() {
  SandboxServer::Settings settings;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1"};
  auto server = std::make_unique<SandboxServer>(settings);
  server->Sql(R"(
    CREATE DATABASE t;
    USE t;
    CREATE TABLE t.bulk (id INT PRIMARY KEY, pad VARCHAR(200), KEY (pad(20))) ENGINE=ROCKSDB;
    INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_1_to_60000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
    INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_60001_to_120000;
    CREATE TABLE t.w (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64)) ENGINE=ROCKSDB;
  )");
  return server;
}

std::vector<std::string> WdtArgs(const SandboxServer& server, const SshServer& ssh,
                                 const std::string& receive_dir, const std::string& checkpoints) {
  return {BinaryPath(),
          "--socket=" + server.socket(),
          "--stream=wdt",
          "--destination=" + SshServer::host(),
          "--backup_dir=" + receive_dir,
          "--wdt_path=" + WdtBinary(),
          "--ssh_command=" + Join(ssh.SshCommand()),
          "--checkpoint_dir=" + checkpoints};
}

// One test's world: an sshd, a server, and a work directory holding the
// receiving directory and the checkpoints.
struct WdtSetup {
  explicit WdtSetup(const std::string& receive_name = "recv")
      : server(StartServer()), receive_dir(work / receive_name) {}
  std::vector<std::string> Args() const { return WdtArgs(*server, ssh, receive_dir, work / "cp"); }
  void ExpectNothingLeft() const {
    ExpectNoCheckpointLeft(work / "cp");
    ExpectNoProcessLeft(receive_dir);
  }

  SshServer ssh;
  std::unique_ptr<SandboxServer> server;
  TempDir work;
  std::string receive_dir;
};

TEST_CASE(
    "WDT: a live server backed up in several resumed rounds by the real wdt over ssh "
    "restores identically",
    "[server][wdt]") {
  if (!WdtAvailable()) return;
  SshServer ssh;
  std::unique_ptr<SandboxServer> server = StartServer();
  TempDir work;
  // A space and a quote in the remote path: it must reach wdt as one word.
  const std::string receive_dir = work / "received it's here";

  const std::string before = TrimTrailing(server->Sql("SELECT @@global.gtid_binlog_pos"));
  const uint64_t baseline = GtidSequence(before);
  ConnectionConfig config;
  config.socket = server->socket();
  std::atomic<bool> stop{false};
  std::atomic<int> committed{0};
  std::thread writer([&] {
    MysqlConnection c;
    Status s = c.Connect(config);
    while (s.ok() && !stop.load()) {
      s = c.Execute("INSERT INTO t.w (v) VALUES (MD5(RAND()))");
      if (s.ok()) committed.fetch_add(1);
    }
  });
  while (committed.load() < 50) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::vector<std::string> args = WdtArgs(*server, ssh, receive_dir, work / "cp");
  // Throttled so that a round's interval ends mid-transfer: several rounds.
  // wdt's throttle allows bursts; at 2 MB/s two rounds of 2 s cannot carry
  // the 10 MB even so, however slow the machine.
  args.insert(args.end(), {"--interval=2", "--avg_mbytes_per_sec=2",
                            "--save_manifest=" + (work / "saved.json")});
  ProcessResult r = Run(args);
  stop.store(true);
  writer.join();
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("Finished myrocks backup using WDT"));
  CHECK_THAT(r.stderr_text, Catch::Contains("commits blocked for"));
  // Later rounds resumed what earlier ones left at the destination.
  CHECK_THAT(r.stderr_text, Catch::Contains("Round 2 did not complete"));
  CHECK(std::regex_search(
      r.stderr_text,
      std::regex(R"(Round [2-9] did not complete .* (0\.0[1-9]|0\.[1-9]|[1-9])[0-9.]* MB kept)")));
  ExpectNoCheckpointLeft(work / "cp");
  ExpectNoProcessLeft(receive_dir);

  // The received directory is a complete backup: its manifest checks out.
  ProcessResult verify = Run({BinaryPath(), "--verify", "--backup_dir=" + receive_dir});
  INFO(verify.stderr_text);
  CHECK(verify.exit_code == 0);
  CHECK(fs::exists(receive_dir + "/.wdt.log"));
  Manifest manifest;
  REQUIRE(ParseManifest(test::ReadFile(receive_dir + "/" + kManifestPath), &manifest).ok());
  CHECK(manifest.stream == "wdt");
  // --save_manifest: the received manifest, byte for byte; SSTs keyed for
  // a later incremental.
  CHECK(test::ReadFile(work / "saved.json") == test::ReadFile(receive_dir + "/" + kManifestPath));
  size_t keyed_ssts = 0;
  for (const ManifestFile& f : manifest.files) keyed_ssts += f.path.ends_with(".sst") && !f.sst.empty();
  CHECK(keyed_ssts > 0);
  REQUIRE(manifest.binlog.has_value());
  CHECK(manifest.binlog->consistent);
  const std::string binlog_info = test::ReadFile(receive_dir + "/xtrabackup_binlog_info");

  std::string data = work / "restored/data";
  ProcessResult moved = Run(
      {BinaryPath(), "--move_back", "--datadir=" + data, "--rocksdb_datadir=" + data + "/#rocksdb",
       "--rocksdb_waldir=" + data + "/#rocksdb", "--backup_dir=" + receive_dir});
  INFO(moved.stderr_text);
  REQUIRE(moved.exit_code == 0);
  CHECK_FALSE(fs::exists(data + "/.wdt.log"));
  CHECK_FALSE(fs::exists(data + "/#rocksdb/.wdt.log"));
  SandboxServer::Settings settings;
  settings.datadir_from = data;
  settings.server_args = {"--skip-slave-start"};
  SandboxServer restored(settings);
  CHECK(restored.Sql("CHECKSUM TABLE t.bulk EXTENDED") ==
        server->Sql("CHECKSUM TABLE t.bulk EXTENDED"));
  // The writer's rows up to the recorded position, no gap: one GTID each.
  std::string gtid;
  std::istringstream(binlog_info) >> gtid >> gtid >> gtid;
  const uint64_t rows = std::stoull(TrimTrailing(restored.Sql("SELECT COUNT(*) FROM t.w")));
  CHECK(rows == std::stoull(TrimTrailing(restored.Sql("SELECT COALESCE(MAX(id), 0) FROM t.w"))));
  CHECK(rows >= 50);
  CHECK(rows == GtidSequence(gtid) - baseline);
  CHECK(rows < static_cast<uint64_t>(committed.load()) + 1);
}

// The rounds' "MB kept from earlier rounds", in order.
std::vector<double> KeptPerRound(const std::string& log) {
  std::vector<double> kept;
  static const std::regex kKept(R"(Round \d+ did not complete .* ([0-9.]+) MB kept)");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), kKept); it != std::sregex_iterator();
       ++it) {
    kept.push_back(std::stod((*it)[1].str()));
  }
  return kept;
}

TEST_CASE("WDT: a sender in block mode (MariaDB's wdt test) resumes round over round from wdt's "
          "transfer log and restores identically",
          "[server][wdt]") {
  if (!WdtAvailable()) return;
  WdtSetup setup;
  // A checkpoint several rounds big: about 40 MB.
  setup.server->Sql("USE t; INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM "
                    "seq_120001_to_400000; SET GLOBAL rocksdb_force_flush_memtable_now = 1");
  // As mysql-test's rocksdb_hotbackup.wdt: 1 MiB blocks on the sender, a
  // round shorter than the transfer. wdt's 8 connections share the rate:
  // a round must carry more than a block on each for any block to land.
  std::vector<std::string> args = setup.Args();
  args.insert(args.end(), {"--interval=3", "--avg_mbytes_per_sec=6",
                           "--extra_wdt_sender_options=--block_size_mbytes=1"});
  ProcessResult r = Run(args);
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("rounds resume from wdt's transfer log"));
  const std::vector<double> kept = KeptPerRound(r.stderr_text);
  REQUIRE(kept.size() >= 2);
  for (size_t i = 1; i < kept.size(); ++i) CHECK(kept[i] > kept[i - 1]);
  setup.ExpectNothingLeft();
  ProcessResult verify = Run({BinaryPath(), "--verify", "--backup_dir=" + setup.receive_dir});
  INFO(verify.stderr_text);
  CHECK(verify.exit_code == 0);
  std::string data = setup.work / "restored/data";
  ProcessResult moved = Run({BinaryPath(), "--move_back", "--datadir=" + data,
                             "--rocksdb_datadir=" + data + "/#rocksdb",
                             "--rocksdb_waldir=" + data + "/#rocksdb",
                             "--backup_dir=" + setup.receive_dir});
  INFO(moved.stderr_text);
  REQUIRE(moved.exit_code == 0);
  SandboxServer::Settings settings;
  settings.datadir_from = data;
  SandboxServer restored(settings);
  CHECK(restored.Sql("CHECKSUM TABLE t.bulk EXTENDED") ==
        setup.server->Sql("CHECKSUM TABLE t.bulk EXTENDED"));
}

TEST_CASE("WDT: extra options that cannot resume are refused before the first checkpoint",
          "[server][wdt]") {
  if (!WdtAvailable()) return;
  WdtSetup setup;
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--extra_wdt_sender_options=-block_size_mbytes 4",
                                 "--extra_wdt_receiver_options=-resume_using_dir_tree"},
        std::vector<std::string>{"--extra_wdt_sender_options=-enable_download_resumption=false"}}) {
    std::vector<std::string> args = setup.Args();
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = Run(args);
    INFO(r.stderr_text);
    CHECK(r.exit_code == 2);  // a usage error: refused before anything started
    CHECK(CountErrorLines(r.stderr_text) == 1);
    CHECK_THAT(r.stderr_text, !Catch::Contains("Creating checkpoint"));
    CHECK_THAT(r.stderr_text, !Catch::Contains("Starting backup."));
    setup.ExpectNothingLeft();
  }
}

TEST_CASE("WDT: ssh refused, wdt missing here or there, a receiver out of reach: one line, quickly",
          "[server][wdt]") {
  if (!WdtAvailable()) return;
  WdtSetup setup;

  // Nothing listens on this port.
  std::vector<std::string> refused = setup.ssh.SshCommand();
  for (size_t i = 0; i + 1 < refused.size(); ++i) {
    if (refused[i] == "-p") refused[i + 1] = std::to_string(test::FreeLoopbackPort());
  }
  // A wdt found in this process's PATH only, under a name no host has
  // (a wdt installed system-wide, as in /usr/local/bin on any WDT user's
  // host, must not make the remote side find one).
  TempDir bin;
  const std::string wdt_name = "wdt-here-only-" + std::to_string(getpid());
  fs::create_symlink(WdtBinary(), bin / wdt_name);
  const std::string path = getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin";

  struct Case {
    const char* what;
    std::vector<std::string> args;
    std::string message;
    int exit_code = 1;  // 2: refused before anything started
  };
  std::vector<std::string> base = setup.Args();
  std::vector<Case> cases = {
      {"ssh refused", {"--ssh_command=" + Join(refused)}, "ssh to 127.0.0.1 failed"},
      {"no wdt here",
       {"--wdt_path=" + (setup.work / "no-wdt")},
       "not found or not executable here",
       2},
      {"no wdt there", {"--wdt_path=" + wdt_name}, "no " + wdt_name + " to run on 127.0.0.1"},
      // A destination directory that cannot be made: nothing is removed
      // anywhere else (the preparation stops at its first failure).
      // A receiver whose URL names a host this side cannot reach.
      {"receiver unreachable",
       {"--extra_wdt_receiver_options=-hostname nonexistent.invalid"},
       "the wdt sender could not connect to the receiver on 127.0.0.1"},
      {"bad destination",
       {"--backup_dir=" + (setup.work / "a-file/recv")},
       "preparing " + (setup.work / "a-file/recv") + " on 127.0.0.1 failed"},
  };
  test::WriteFile(setup.work / "a-file", "not a directory");
  for (const Case& c : cases) {
    INFO(c.what);
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    setenv("PATH", (bin.path() + ":" + path).c_str(), 1);
    const auto start = std::chrono::steady_clock::now();
    ProcessResult r = Run(argv);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    setenv("PATH", path.c_str(), 1);
    INFO(r.stderr_text);
    CHECK(r.exit_code == c.exit_code);
    CHECK(CountErrorLines(r.stderr_text) == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains(c.message));
    CHECK(seconds < 10);
    setup.ExpectNothingLeft();
  }
}

TEST_CASE("WDT: rounds that leave next to nothing at the destination end the backup in one line",
          "[server][wdt]") {
  if (!WdtAvailable()) return;
  WdtSetup setup;
  // A link too slow for any round to leave more than a few KB (wdt's own
  // rate limit, given last, wins): the original looped forever here.
  std::vector<std::string> args = setup.Args();
  args.insert(args.end(), {"--interval=2", "--extra_wdt_sender_options=-avg_mbytes_per_sec 0.01"});
  ProcessResult r = Run(args);
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("rounds in a row left nothing at the destination"));
  CHECK_THAT(r.stderr_text, Catch::Contains("Round 2 did not complete"));
  CHECK_THAT(r.stderr_text, !Catch::Contains("Round 8 "));
  setup.ExpectNothingLeft();
}

TEST_CASE("WDT: SIGTERM mid-transfer exits 143 and leaves no checkpoint, wdt or ssh",
          "[server][wdt]") {
  if (!WdtAvailable()) return;
  WdtSetup setup;
  std::vector<std::string> args = setup.Args();
  args.insert(args.end(), {"--interval=60", "--avg_mbytes_per_sec=1"});
  test::BackgroundProcess backup(args);
  // The sender reads the checkpoint through an inherited descriptor
  // ("-directory /proc/self/fd/N"); it is told apart from other tests'
  // senders by the recovery id, this server's datadir.
  const std::string sender_directory = "-recovery_id " + setup.server->datadir() + " ";
  // Until the transfer is under way: wdt processes naming the directory.
  bool transferring = false;
  for (int i = 0; i < 300 && !transferring; ++i) {
    transferring = !ProcessesMentioning("-directory " + setup.receive_dir).empty() &&
                   !ProcessesMentioning(sender_directory).empty();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(backup.StderrText());
  REQUIRE(transferring);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(backup.pid(), SIGTERM);
  CHECK(backup.Wait() == 143);
  CHECK_THAT(backup.StderrText(), Catch::Contains("ERROR"));
  setup.ExpectNothingLeft();
  ExpectNoProcessLeft(sender_directory);
  ExpectNoProcessLeft(setup.receive_dir);
}

TEST_CASE("WDT: the server's user swapping round and staging directories for links never makes "
          "a root backup write outside the checkpoint directory",
          "[server][wdt][security]") {
  if (!WdtAvailable() || geteuid() != 0 || !test::HaveTool("setpriv")) return;
  WdtSetup setup;
  // The server's user owns the checkpoint directory (and reaches it).
  REQUIRE(chmod(setup.work.path().c_str(), 0755) == 0);
  const std::string cp = setup.work / "cp";
  const std::string canary = setup.work / "canary";
  fs::create_directories(cp);
  fs::create_directories(canary);
  REQUIRE(chown(cp.c_str(), test::kServerUser, test::kServerUser) == 0);
  REQUIRE(chown(canary.c_str(), test::kServerUser, test::kServerUser) == 0);
  test::BackgroundProcess swapper(test::SwapperCommand(cp, canary));
  for (int i = 0; i < 2; ++i) {
    ProcessResult r = Run(setup.Args());
    INFO(r.stderr_text);
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    if (r.exit_code == 1) CHECK(CountErrorLines(r.stderr_text) == 1);
    CHECK(fs::is_empty(canary));
  }
  kill(swapper.pid(), SIGKILL);
  swapper.Wait();
  CHECK(test::ExpectMovedDirectoriesHoldNothingOfOurs(cp) > 0);
  CHECK(fs::is_empty(canary));
  ExpectNoProcessLeft(setup.receive_dir);
}

}  // namespace
}  // namespace hotbackup
