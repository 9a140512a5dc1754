// The private sshd that WDT mode's tests run the remote receiver through:
// it runs a command on 127.0.0.1, passes its exit code back, and neither the
// client nor the server touches the user's ~/.ssh.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
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
  {
    SshServer server;
    TempDir dir;

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
}

}  // namespace
}  // namespace hotbackup
