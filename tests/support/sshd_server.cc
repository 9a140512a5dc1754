// A private sshd for the WDT tests. Keys come from ssh-keygen, sshd runs in
// the foreground (-D) logging to a file (-e), so the test owns its pid.
#include "support/sshd_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "support/sandbox_server.h"

namespace hotbackup::test {
namespace {

constexpr char kSshd[] = "/usr/sbin/sshd";
// sshd's privilege-separation directory on Debian; a container may lack it.
constexpr char kPrivsepDir[] = "/run/sshd";

void KeyGen(const std::string& path, const std::string& comment) {
  ProcessResult r = Run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path});
  if (r.exit_code != 0) {
    throw std::runtime_error("ssh-keygen " + path + ": exit " + std::to_string(r.exit_code) + ": " +
                             r.stderr_text);
  }
}

// "type base64" of a .pub file, without its comment.
std::string PublicKey(const std::string& pub_path) {
  std::istringstream in(ReadFile(pub_path));
  std::string type, key;
  if (!(in >> type >> key)) throw std::runtime_error("malformed public key " + pub_path);
  return type + " " + key;
}

// Whether 127.0.0.1:port answers with an SSH identification string. Answers
// with one of its own and closes after sshd does, so sshd sees a client that
// went away after the banner exchange (logged below ERROR) rather than a
// broken exchange (logged as an error).
bool AnswersSsh(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    std::string banner;
    char c;
    pollfd p{fd, POLLIN, 0};
    while (banner.size() < 256 && poll(&p, 1, 2000) == 1 && recv(fd, &c, 1, 0) == 1) {
      banner += c;
      if (c == '\n') break;
    }
    ok = banner.rfind("SSH-", 0) == 0 && banner.back() == '\n';
    if (ok) {
      const char kIdent[] = "SSH-2.0-hotbackup_test_probe\r\n";
      send(fd, kIdent, sizeof(kIdent) - 1, MSG_NOSIGNAL);
      shutdown(fd, SHUT_WR);
      char drain[4096];
      while (poll(&p, 1, 2000) == 1 && recv(fd, drain, sizeof(drain), 0) > 0) {
      }
    }
  }
  close(fd);
  return ok;
}

}  // namespace

bool SshServer::Available() {
  return access(kSshd, X_OK) == 0 && HaveTool("ssh-keygen") && HaveTool("ssh");
}

// Under /tmp whatever TMPDIR says: paths stay short.
SshServer::SshServer() : dir_("/tmp") {
  if (!Available()) throw std::runtime_error("sshd/ssh-keygen/ssh not installed (scripts/setup)");
  if (mkdir(kPrivsepDir, 0755) != 0 && errno != EEXIST) {
    throw std::runtime_error(std::string("mkdir ") + kPrivsepDir + ": " + std::strerror(errno));
  }
  KeyGen(dir_ / "host_key", "hotbackup-test-host");
  KeyGen(client_key(), "hotbackup-test-client");
  WriteFile(dir_ / "authorized_keys", PublicKey(client_key() + ".pub") + "\n");
  chmod((dir_ / "authorized_keys").c_str(), 0600);

  // The port was free a moment ago; another process may take it before sshd
  // binds it, so sshd exiting at once is tried again on another port.
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = FreeLoopbackPort();
    if (Start()) return;
  }
  throw std::runtime_error("sshd exited at start on 127.0.0.1:" + std::to_string(port_) + ": " +
                           ReadFile(sshd_log()));
}

SshServer::~SshServer() { Stop(); }

bool SshServer::Start() {
  std::string config = dir_ / "sshd_config";
  WriteFile(config,
            "ListenAddress 127.0.0.1\n"
            "Port " +
                std::to_string(port_) +
                "\n"
                "HostKey " +
                (dir_ / "host_key") +
                "\n"
                "AuthorizedKeysFile " +
                (dir_ / "authorized_keys") +
                "\n"
                "PidFile " +
                (dir_ / "sshd.pid") +
                "\n"
                "PubkeyAuthentication yes\n"
                "PasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\n"
                "UsePAM no\n"
                "StrictModes no\n"
                "PermitRootLogin prohibit-password\n"
                "PrintMotd no\n"
                "LogLevel ERROR\n");
  WriteFile(known_hosts(),
            "[127.0.0.1]:" + std::to_string(port_) + " " + PublicKey(dir_ / "host_key.pub") + "\n");

  int log_fd = open(sshd_log().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("create " + sshd_log());
  try {
    pid_ = Spawn({kSshd, "-D", "-e", "-f", config}, -1, -1, log_fd);
  } catch (...) {
    close(log_fd);
    throw;
  }
  close(log_fd);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: bad config, port taken
      pid_ = -1;
      return false;
    }
    if (AnswersSsh(port_)) return true;
    usleep(20000);
  }
  Stop();
  throw std::runtime_error("sshd did not answer on 127.0.0.1:" + std::to_string(port_) +
                           " within 10 s: " + ReadFile(sshd_log()));
}

void SshServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  // sshd exits at once on SIGTERM; don't hang a test run if it does not.
  for (int i = 0; i < 250; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    usleep(20000);
  }
  kill(pid_, SIGKILL);
  test::Wait(pid_);
  pid_ = -1;
}

std::vector<std::string> SshServer::SshCommand() const {
  return {"ssh",       "-F",
          "/dev/null",  // no ~/.ssh/config; also keeps ssh from creating ~/.ssh
          "-p",        std::to_string(port_),
          "-i",        client_key(),
          "-o",        "IdentitiesOnly=yes",
          "-o",        "UserKnownHostsFile=" + known_hosts(),
          "-o",        "StrictHostKeyChecking=yes",
          "-o",        "BatchMode=yes",
          "-o",        "ConnectTimeout=5"};
}

}  // namespace hotbackup::test
