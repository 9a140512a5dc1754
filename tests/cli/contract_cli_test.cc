// The command-line contract (issue 25), one test per line of it, through the
// real binary: every usage error exits 2 with exactly one line on stderr,
// names the option, and happens before anything starts. "Before anything
// starts" is checked from outside: the temporary tree the command line
// points into is the same before and after (the checkpoint directory, the
// outputs and the extract target never appear), and --socket names a Unix
// socket this test listens on, which must see no connection (a control
// test shows that a valid command line does connect to it).
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::ProcessResult;
using test::Run;
using test::TempDir;

size_t Lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

// Every path under `root` with its type, to compare a tree before and after.
std::set<std::string> Tree(const std::string& root) {
  std::set<std::string> entries;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(root)) {
    const fs::file_status st = e.symlink_status();
    const char* type = fs::is_directory(st) ? "dir " : fs::is_regular_file(st) ? "file " : "other ";
    entries.insert(type + fs::relative(e.path(), root).string());
  }
  return entries;
}

// A Unix socket in a temporary directory, listened on in a thread that
// accepts every connection, counts it and closes it at once (so a client
// that does connect fails quickly instead of waiting for a greeting).
class UnixListener {
 public:
  explicit UnixListener(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) throw std::runtime_error("socket path too long");
    path.copy(addr.sun_path, path.size());
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd_, 16) != 0) {
      close(fd_);
      throw std::runtime_error("bind/listen " + path);
    }
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 20) <= 0) continue;
        const int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        ++accepted_;
        close(client);
      }
    });
  }
  ~UnixListener() {
    stop_ = true;
    thread_.join();
    close(fd_);
    unlink(path_.c_str());
  }
  UnixListener(const UnixListener&) = delete;
  UnixListener& operator=(const UnixListener&) = delete;
  const std::string& path() const { return path_; }
  int accepted() const { return accepted_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// A temporary tree with the server's socket in it. Backup command lines
// start with Backup(): the socket and a checkpoint directory in the tree.
class Contract {
 public:
  Contract() : listener_(dir_ / "mysqld.sock") {}
  const TempDir& dir() const { return dir_; }
  std::string operator/(const std::string& name) const { return dir_ / name; }
  int accepted() const { return listener_.accepted(); }

  std::vector<std::string> Backup(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {BinaryPath(), "--socket=" + listener_.path(),
                                     "--checkpoint_dir=" + (dir_ / "cp")};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  std::vector<std::string> Binary(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {BinaryPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  // Runs `argv` and checks it is a usage error naming `option` that left the
  // tree as it was and connected to nothing.
  ProcessResult ExpectRefused(const std::vector<std::string>& argv, const std::string& option,
                              const std::string& stdin_path = "") const {
    const std::set<std::string> before = Tree(dir_.path());
    ProcessResult r = Run(argv, stdin_path);
    std::string shown;
    for (size_t i = 1; i < argv.size(); ++i) shown += argv[i] + " ";
    INFO(shown << "-> exit " << r.exit_code << ": " << r.stderr_text);
    CHECK(r.exit_code == 2);
    CHECK(Lines(r.stderr_text) == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains(option));
    CHECK_THAT(r.stderr_text, !Catch::Contains("Starting backup."));
    CHECK_THAT(r.stderr_text, !Catch::Contains("cannot connect"));
    CHECK(accepted() == 0);
    CHECK(Tree(dir_.path()) == before);
    CHECK_FALSE(fs::exists(dir_ / "cp"));
    return r;
  }

 private:
  TempDir dir_;
  UnixListener listener_;
};

TEST_CASE("Contract: control - a valid backup command line does connect to the test's socket",
          "[cli][contract]") {
  Contract c;
  ProcessResult r = Run(c.Backup({}));
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);  // the socket hangs up on the client
  CHECK(c.accepted() >= 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("Starting backup."));
  CHECK_THAT(r.stderr_text, Catch::Contains("cannot connect"));
}

TEST_CASE("Contract: --input and --backup_dir without --extract are refused before connecting",
          "[cli][contract]") {
  Contract c;
  ProcessResult r = c.ExpectRefused(
      c.Backup({"--input=" + (c / "x.xbs"), "--backup_dir=" + (c / "r")}), "--backup_dir");
  CHECK_THAT(r.stderr_text, Catch::Contains("not an option of"));
  CHECK_THAT(r.stderr_text, Catch::Contains("--extract"));  // where it goes
  c.ExpectRefused(c.Backup({"--input=" + (c / "x.xbs")}), "--input");
}

TEST_CASE("Contract: --extract refuses --compress and --output instead of ignoring them",
          "[cli][contract]") {
  Contract c;
  test::WriteFile(c / "in.tar", "");
  const std::vector<std::string> extract = {"--extract", "--input=" + (c / "in.tar"),
                                            "--backup_dir=" + (c / "restore")};
  struct Case {
    std::vector<std::string> args;
    std::string option;
  };
  for (const Case& k : std::vector<Case>{{{"--compress=zstd"}, "--compress"},
                                         {{"--output=" + (c / "out.tar")}, "--output"},
                                         {{"--compress=zstd", "--output=" + (c / "out.tar")},
                                          "is not an option of --extract"}}) {
    std::vector<std::string> args = extract;
    args.insert(args.end(), k.args.begin(), k.args.end());
    ProcessResult r = c.ExpectRefused(c.Binary(args), k.option);
    CHECK_THAT(r.stderr_text, Catch::Contains("--extract"));
  }
}

TEST_CASE("Contract: --extract without --backup_dir is exit 2 in one line", "[cli][contract]") {
  Contract c;
  test::WriteFile(c / "in.tar", "");
  c.ExpectRefused(c.Binary({"--extract"}), "--backup_dir");
  c.ExpectRefused(c.Binary({"--extract", "--input=" + (c / "in.tar")}), "--backup_dir");
}

TEST_CASE("Contract: --move_back and --copy_back without each of their directories are exit 2",
          "[cli][contract]") {
  Contract c;
  fs::create_directories(c / "backup");
  for (const char* mode : {"--move_back", "--copy_back"}) {
    const std::vector<std::string> all = {mode, "--datadir=" + (c / "data"),
                                          "--rocksdb_datadir=" + (c / "data/#rocksdb"),
                                          "--rocksdb_waldir=" + (c / "wal"),
                                          "--backup_dir=" + (c / "backup")};
    for (size_t drop = 1; drop < all.size(); ++drop) {
      std::vector<std::string> args = all;
      const std::string dropped = args[drop].substr(0, args[drop].find('='));
      args.erase(args.begin() + static_cast<long>(drop));
      ProcessResult r = c.ExpectRefused(c.Binary(args), dropped);
      CHECK_THAT(r.stderr_text, Catch::Contains(mode));
    }
    c.ExpectRefused(c.Binary({mode}), "--backup_dir");
  }
}

TEST_CASE("Contract: --stream=wdt without --destination or --backup_dir is exit 2 before "
          "connecting",
          "[cli][contract]") {
  Contract c;
  c.ExpectRefused(c.Backup({"--stream=wdt", "--backup_dir=/received"}), "--destination");
  c.ExpectRefused(c.Backup({"--stream=wdt"}), "--destination");
  c.ExpectRefused(c.Backup({"--stream=wdt", "--destination=backuphost"}), "--backup_dir");
}

TEST_CASE("Contract: a malformed --encrypt_recipient is exit 2 before connecting",
          "[cli][contract]") {
  Contract c;
  for (const char* recipient : {"garbage", "age1", "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"}) {
    c.ExpectRefused(c.Backup({"--encrypt_recipient=" + std::string(recipient),
                              "--output=" + (c / "out.tar")}),
                    "--encrypt_recipient");
  }
}

TEST_CASE("Contract: a passphrase file readable by others is exit 2 before anything starts",
          "[cli][contract]") {
  Contract c;
  const std::string pass = c / "pass";
  test::WriteFile(pass, "correct horse battery staple\n");
  REQUIRE(chmod(pass.c_str(), 0644) == 0);
  test::WriteFile(c / "in.tar", "");
  c.ExpectRefused(c.Backup({"--encrypt_passphrase_file=" + pass, "--output=" + (c / "out.tar")}),
                  "--encrypt_passphrase_file");
  c.ExpectRefused(c.Binary({"--extract", "--input=" + (c / "in.tar"),
                            "--backup_dir=" + (c / "restore"), "--decrypt_passphrase_file=" + pass}),
                  "--decrypt_passphrase_file");
  c.ExpectRefused(
      c.Binary({"--verify", "--input=" + (c / "in.tar"), "--decrypt_passphrase_file=" + pass}),
      "--decrypt_passphrase_file");
}

TEST_CASE("Contract: --output naming a directory is exit 2 before connecting", "[cli][contract]") {
  Contract c;
  fs::create_directories(c / "backups");
  c.ExpectRefused(c.Backup({"--output=" + (c / "backups")}), "--output");
  c.ExpectRefused(c.Backup({"--output=" + (c / "backups/")}), "--output");
}

TEST_CASE("Contract: --output in a missing directory names --output, not a .partial file",
          "[cli][contract]") {
  Contract c;
  for (const std::string& output : {c / "missing/x.tar", std::string("/missing/x")}) {
    ProcessResult r = c.ExpectRefused(c.Backup({"--output=" + output}), "--output");
    CHECK_THAT(r.stderr_text, !Catch::Contains(".partial"));
  }
  CHECK_FALSE(fs::exists(c / "missing"));
}

TEST_CASE("Contract: --incremental_base that does not exist is exit 2 before connecting",
          "[cli][contract]") {
  Contract c;
  c.ExpectRefused(c.Backup({"--incremental_base=" + (c / "nonexistent.manifest.json"),
                            "--output=" + (c / "inc.tar")}),
                  "--incremental_base");
  test::WriteFile(c / "not-a-manifest.json", "{");
  c.ExpectRefused(c.Backup({"--incremental_base=" + (c / "not-a-manifest.json"),
                            "--output=" + (c / "inc.tar")}),
                  "--incremental_base");
}

TEST_CASE("Contract: nothing logs Starting backup. or connects before a refusal",
          "[cli][contract]") {
  Contract c;
  fs::create_directories(c / "backups");
  const std::string pass = c / "pass";
  test::WriteFile(pass, "secret\n");
  REQUIRE(chmod(pass.c_str(), 0640) == 0);
  struct Case {
    std::vector<std::string> args;
    std::string option;
  };
  const std::vector<Case> cases = {
      {{"--encrypt_recipient=garbage"}, "--encrypt_recipient"},
      {{"--encrypt_recipients_file=" + (c / "no-recipients")}, "--encrypt_recipients_file"},
      {{"--encrypt_passphrase_file=" + pass}, "--encrypt_passphrase_file"},
      {{"--output=" + (c / "backups")}, "--output"},
      {{"--output=" + (c / "missing/x.tar")}, "--output"},
      {{"--save_manifest=" + (c / "backups")}, "--save_manifest"},
      {{"--save_manifest=" + (c / "missing/m.json")}, "--save_manifest"},
      {{"--incremental_base=" + (c / "nonexistent")}, "--incremental_base"},
      {{"--compress_level=99"}, "--compress_level"},
      {{"--backup_dir=" + (c / "r")}, "--backup_dir"},
      {{"--stream=wdt", "--destination=backuphost", "--backup_dir=/received",
        "--wdt_path=" + (c / "no-wdt")},
       "--wdt_path"},
      {{"--stream=wdt", "--destination=backuphost", "--backup_dir=/received",
        "--wdt_path=/bin/true", "--ssh_command=/bin/true", "--save_manifest=" + (c / "backups")},
       "--save_manifest"},
  };
  for (const Case& k : cases) c.ExpectRefused(c.Backup(k.args), k.option);
}

TEST_CASE("Contract: --extract and --verify refusals create nothing", "[cli][contract]") {
  Contract c;
  test::WriteFile(c / "in.tar", "");
  fs::create_directories(c / "a-directory");
  struct Case {
    std::vector<std::string> args;
    std::string option;
  };
  const std::string target = "--backup_dir=" + (c / "restore/today");
  const std::vector<Case> cases = {
      {{"--extract", target, "--input=" + (c / "missing.tar")}, "--input"},
      {{"--extract", target, "--input=" + (c / "a-directory")}, "--input"},
      {{"--extract", target, "--input=" + (c / "in.tar"), "--decrypt_identity=" + (c / "no-key")},
       "--decrypt_identity"},
      {{"--extract", target, "--input=" + (c / "in.tar"), "--checkpoint_dir=" + (c / "cp")},
       "--checkpoint_dir"},
      {{"--verify", "--input=" + (c / "missing.tar")}, "--input"},
      {{"--verify", target, "--input=" + (c / "in.tar")}, "--input"},
  };
  for (const Case& k : cases) c.ExpectRefused(c.Binary(k.args), k.option);
}

TEST_CASE("Contract: --help with another error still prints the help, exit 0",
          "[cli][contract]") {
  Contract c;
  fs::create_directories(c / "backups");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--help", "--no_such_option"},
           {"--no_such_option", "-h"},
           {"--interval=abc", "--help"},
           {"--extract", "--help"},
           {"--extract", "--verify", "--help"},
           {"--input=x.xbs", "--backup_dir=/r", "--help"},
           {"--output=" + (c / "backups"), "--help"},
           {"--socket=" + (c / "mysqld.sock"), "--help"}}) {
    TempDir out;
    std::vector<std::string> argv = c.Binary(args);
    ProcessResult r = Run(argv, "", out / "stdout");
    const std::string help = test::ReadFile(out / "stdout");
    INFO(args[0] << " " << args[1] << ": " << r.stderr_text);
    CHECK(r.exit_code == 0);
    CHECK(r.stderr_text.empty());
    CHECK_THAT(help, Catch::Contains("Usage:"));
    CHECK_THAT(help, Catch::Contains("--backup_dir"));
    CHECK(c.accepted() == 0);
  }
}

TEST_CASE("Contract: messages name the option, with ASCII quotes", "[cli][contract]") {
  Contract c;
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"--interval=abc"}, "--interval"},
      {{"--port=abc"}, "--port"},
      {{"--lock_wait_timeout=1x"}, "--lock_wait_timeout"},
      {{"--compress_threads=two"}, "--compress_threads"},
      {{"--avg_mbytes_per_sec=fast"}, "--avg_mbytes_per_sec"},
      {{"--s3_parallel=abc"}, "--s3_parallel"},
      {{"--interval"}, "interval"},
      {{"--no_such_option"}, "'--no_such_option'"},
      {{"-x"}, "'-x'"},
      {{"--compress_level=99"}, "--compress_level"},
      {{"--port=0"}, "--port"},
      {{"--s3_parallel=0"}, "--s3_parallel"},
  };
  for (const Case& k : cases) {
    ProcessResult r = c.ExpectRefused(c.Backup(k.args), k.expected);
    CHECK_THAT(r.stderr_text, !Catch::Contains("failed to parse"));
    CHECK_THAT(r.stderr_text, !Catch::Contains("\u2018"));
    CHECK_THAT(r.stderr_text, !Catch::Contains("\u2019"));
  }
}

TEST_CASE("Contract: --help shows no default of 500 for --avg_mbytes_per_sec",
          "[cli][contract]") {
  TempDir out;
  ProcessResult r = Run({BinaryPath(), "--help"}, "", out / "stdout");
  REQUIRE(r.exit_code == 0);
  const std::string help = test::ReadFile(out / "stdout");
  // An option's entry: from its name to the next line that starts an option.
  auto entry = [&help](const std::string& option) {
    const size_t at = help.find(option + " ");
    REQUIRE(at != std::string::npos);
    size_t end = at;
    while ((end = help.find('\n', end + 1)) != std::string::npos) {
      const size_t text = help.find_first_not_of(' ', end + 1);
      if (text == std::string::npos || help[text] == '-' || help[text] == '\n') break;
    }
    return help.substr(at, end == std::string::npos ? std::string::npos : end - at);
  };
  const std::string avg = entry("--avg_mbytes_per_sec");
  INFO(avg);
  CHECK_THAT(avg, !Catch::Contains("default: 500"));
  CHECK_THAT(entry("--interval"), Catch::Contains("(default: 300)"));  // what a default looks like
}

TEST_CASE("Contract: --extract of an empty stdin leaves no parent of --backup_dir behind",
          "[cli][contract]") {
  Contract c;
  test::WriteFile(c / "empty", "");
  const std::set<std::string> before = Tree(c.dir().path());
  ProcessResult r = Run(c.Binary({"--extract", "--backup_dir=" + (c / "a/b/today")}), c / "empty");
  INFO(r.stderr_text);
  CHECK(r.exit_code != 0);  // not a usage error, but a failure
  CHECK(Lines(r.stderr_text) == 1);
  CHECK_FALSE(fs::exists(c / "a"));
  CHECK(Tree(c.dir().path()) == before);
}

}  // namespace
}  // namespace hotbackup
