// Test-side handle on scripts/sshd-sandbox, so the tests, the WDT bench and
// anyone at a shell start a private sshd the same way: the script makes the
// keys, starts sshd, waits for its banner and writes what a client needs.
#include "support/sshd_server.h"

#include <unistd.h>

#include <sstream>
#include <stdexcept>

#include "support/sandbox_server.h"

namespace hotbackup::test {
namespace {

constexpr char kSshd[] = "/usr/sbin/sshd";

std::string SshdScript() { return SourceDir() + "/scripts/sshd-sandbox"; }

// The lines of a file the script wrote.
std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace

bool SshServer::Available() {
  return access(kSshd, X_OK) == 0 && HaveTool("ssh-keygen") && HaveTool("ssh");
}

// Under /tmp whatever TMPDIR says: paths stay short, and free of spaces
// (a WDT test joins SshCommand() into one --ssh_command).
SshServer::SshServer() : dir_("/tmp") {
  if (!Available()) throw std::runtime_error("sshd/ssh-keygen/ssh not installed (scripts/setup)");
  // The script picks a free port, and another when that one is taken before
  // sshd binds it.
  ProcessResult r = Run({SshdScript(), "start", dir_.path()});
  if (r.exit_code != 0) {
    throw std::runtime_error("sshd-sandbox start in " + dir_.path() + ": exit " +
                             std::to_string(r.exit_code) + ": " + r.stderr_text);
  }
  // From here on sshd runs: stop it if anything below throws.
  try {
    for (const std::string& line : Lines(dir_ / "env")) {
      const std::string key = "SSH_PORT=";
      if (line.rfind(key, 0) == 0) port_ = std::stoi(line.substr(key.size()));
    }
    ssh_options_ = Lines(dir_ / "ssh_options");
    if (port_ <= 0 || ssh_options_.empty()) {
      throw std::runtime_error("sshd-sandbox wrote an unexpected " + (dir_ / "env") + " or " +
                               (dir_ / "ssh_options"));
    }
  } catch (...) {
    Stop();
    throw;
  }
}

SshServer::~SshServer() { Stop(); }

void SshServer::Stop() { Run({SshdScript(), "stop", dir_.path()}); }

std::vector<std::string> SshServer::SshCommand() const {
  std::vector<std::string> argv = {"ssh"};
  argv.insert(argv.end(), ssh_options_.begin(), ssh_options_.end());
  return argv;
}

}  // namespace hotbackup::test
