// SshServer: a throwaway OpenSSH server for a test, started by
// scripts/sshd-sandbox in a fresh temporary directory (as the benches and
// anyone at a shell start one), listening only on 127.0.0.1 at a free port,
// with its own host key, its own client key and nothing else: no passwords,
// no PAM, public-key login as the current user (root in the tests) with that
// one client key. SshCommand() is an ssh client argv prefix that reaches it
// without reading or writing ~/.ssh and with the host key checked strictly.
// Started by the constructor (which throws std::runtime_error with the
// script's stderr, sshd's log among it, if it does not come up within
// ~10 s); stopped and its files removed by the destructor; should the test
// process die first, a watcher the script leaves behind stops sshd within a
// second.
#ifndef HOTBACKUP_TESTS_SSHD_SERVER_H_
#define HOTBACKUP_TESTS_SSHD_SERVER_H_

#include <string>
#include <vector>

#include "support/test_support.h"

namespace hotbackup::test {

class SshServer {
 public:
  SshServer();
  ~SshServer();
  SshServer(const SshServer&) = delete;
  SshServer& operator=(const SshServer&) = delete;

  // Whether /usr/sbin/sshd, ssh-keygen and ssh are there (scripts/setup
  // installs them); a test without them should WARN and return.
  static bool Available();

  int port() const { return port_; }
  // The address to give ssh as the destination.
  static std::string host() { return "127.0.0.1"; }
  std::string client_key() const { return dir_ / "client_key"; }
  // "[127.0.0.1]:PORT <host public key>", for StrictHostKeyChecking=yes.
  std::string known_hosts() const { return dir_ / "known_hosts"; }
  std::string sshd_log() const { return dir_ / "sshd.log"; }

  // {"ssh", "-F", "/dev/null", "-p", PORT, "-i", KEY, "-o", ...} (the
  // script's ssh_options): append the destination (host()) and the remote
  // command. Remember that ssh joins the remote arguments with spaces and the
  // remote shell parses the result: pass one command string, quoted for a
  // POSIX shell.
  std::vector<std::string> SshCommand() const;

 private:
  void Stop();

  TempDir dir_;
  int port_ = 0;
  std::vector<std::string> ssh_options_;
};

}  // namespace hotbackup::test

#endif  // HOTBACKUP_TESTS_SSHD_SERVER_H_
