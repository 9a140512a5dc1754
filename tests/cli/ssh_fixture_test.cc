// The private sshd that WDT mode's tests run the remote receiver through
// (scripts/sshd-sandbox): it listens on 127.0.0.1 alone, runs a command,
// passes its exit code back, neither the client nor the server touches the
// user's ~/.ssh, and nothing of it runs on once it is stopped.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/sshd_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::ProcessResult;
using test::Run;
using test::SshServer;
using test::TempDir;

// What ~/.ssh holds (names, sizes, mtimes), or "absent".
std::string DotSshListing() {
  namespace fs = std::filesystem;
  const char* home = std::getenv("HOME");
  fs::path dir = fs::path(home && *home ? home : "/root") / ".ssh";
  std::error_code ec;
  if (!fs::exists(dir, ec)) return "absent";
  std::string out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    struct stat st{};
    lstat(e.path().c_str(), &st);
    out += e.path().string() + " " + std::to_string(st.st_size) + " " +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "\n";
  }
  return out;
}

// Port as /proc/net/tcp spells it: 4 hex digits, upper case.
std::string HexPort(int port) {
  char hex[8];
  snprintf(hex, sizeof(hex), "%04X", port);
  return hex;
}

// The local addresses ("0100007F:PORT" is 127.0.0.1:PORT; /proc/net/tcp6
// for IPv6) of the sockets listening on `port`.
std::set<std::string> ListeningOn(int port) {
  std::set<std::string> found;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::istringstream in(test::ReadFile(table));
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      const std::string suffix = ":" + HexPort(port);
      if (state == "0A" && local.size() > suffix.size() &&
          local.compare(local.size() - suffix.size(), suffix.size(), suffix) == 0) {
        found.insert(local);
      }
    }
  }
  return found;
}

// Processes (other than ourselves) whose command line mentions `needle`.
std::vector<std::string> ProcessesMentioning(const std::string& needle) {
  namespace fs = std::filesystem;
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (pid == std::to_string(getpid())) continue;
    std::string cmdline;
    try {
      std::ifstream in(e.path() / "cmdline", std::ios::binary);
      cmdline.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure&) {
      continue;  // gone meanwhile
    }
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (cmdline.find(needle) != std::string::npos) found.push_back(pid + ": " + cmdline);
  }
  return found;
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_CASE("SSH fixture: a private sshd on 127.0.0.1 runs a command with arguments kept apart",
          "[ssh]") {
  if (!SshServer::Available()) {
    WARN("no /usr/sbin/sshd, ssh-keygen or ssh here (scripts/setup installs them): SSH fixture not tested");
    return;
  }
  std::string dot_ssh_before = DotSshListing();
  std::string server_dir;
  {
    SshServer server;
    TempDir dir;
    server_dir = std::filesystem::path(server.client_key()).parent_path().string();
    // 127.0.0.1 alone, no other address, no IPv6.
    CHECK(ListeningOn(server.port()) ==
          std::set<std::string>{"0100007F:" + HexPort(server.port())});

    // One command string, quoted for the remote shell: ssh joins its remote
    // arguments with spaces, so separate argv entries would not stay apart.
    ProcessResult r =
        Run(Concat(server.SshCommand(), {SshServer::host(), "printf '%s|' 'a b' 'c'\\''d'"}), "",
            dir / "out");
    INFO("ssh stderr: " << r.stderr_text);
    INFO("sshd log: " << test::ReadFile(server.sshd_log()));
    REQUIRE(r.exit_code == 0);
    CHECK(test::ReadFile(dir / "out") == "a b|c'd|");

    ProcessResult exit7 = Run(Concat(server.SshCommand(), {SshServer::host(), "exit 7"}));
    INFO("ssh stderr: " << exit7.stderr_text);
    CHECK(exit7.exit_code == 7);
  }
  CHECK(DotSshListing() == dot_ssh_before);
  // sshd and the script's watcher went with the fixture.
  std::vector<std::string> left = ProcessesMentioning(server_dir);
  for (int i = 0; i < 50 && !left.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    left = ProcessesMentioning(server_dir);
  }
  for (const std::string& p : left) FAIL("left running: " << p);
}

}  // namespace
}  // namespace hotbackup
