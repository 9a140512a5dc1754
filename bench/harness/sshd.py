"""A throwaway OpenSSH server for the WDT bench, as tests/support/sshd_server
does for the tests: listening only on 127.0.0.1 at a free port, its own host
key and its own client key, public-key login as the current user with that one
key, no passwords, no PAM. Nothing in ~/.ssh is read or written: the client
options (ssh_options()) use -F /dev/null, the generated key and a known_hosts
file of its own, with the host key checked strictly. Everything lives in one
temporary directory, removed by stop()."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

SSHD = "/usr/sbin/sshd"
PRIVSEP_DIR = "/run/sshd"  # sshd's privilege-separation directory on Debian
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def available():
    return (os.access(SSHD, os.X_OK) and shutil.which("ssh-keygen") is not None
            and shutil.which("ssh") is not None)


def _keygen(path, comment):
    r = subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("ssh-keygen %s: %s" % (path, r.stdout))


def _public_key(pub_path):
    with open(pub_path) as f:
        kind, key = f.read().split()[:2]
    return kind + " " + key


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers_ssh(port):
    """Whether 127.0.0.1:port sends an SSH banner (then we say ours and go)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            banner = b""
            while not banner.endswith(b"\n") and len(banner) < 256:
                chunk = s.recv(1)
                if not chunk:
                    break
                banner += chunk
            if not banner.startswith(b"SSH-"):
                return False
            s.sendall(b"SSH-2.0-hotbackup_bench_probe\r\n")
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass
            return True
    except OSError:
        return False


class SshServer:
    """start() brings sshd up (raises RuntimeError with its log if it does not
    answer within ~10 s); stop() ends it (by its pid) and removes its files.
    `path`: PATH for the remote commands (sshd's SetEnv), e.g. with a
    directory holding a `wdt` first."""

    host = "127.0.0.1"

    def __init__(self, path=DEFAULT_PATH):
        self.dir = tempfile.mkdtemp(prefix="hbsshd.", dir="/tmp")  # short paths
        self.path = path
        self.port = 0
        self.process = None

    @property
    def client_key(self):
        return os.path.join(self.dir, "client_key")

    @property
    def known_hosts(self):
        return os.path.join(self.dir, "known_hosts")

    @property
    def log_path(self):
        return os.path.join(self.dir, "sshd.log")

    def ssh_options(self):
        """ssh's options to reach this server: append the destination
        (self.host) and one remote command string."""
        return ["-F", "/dev/null",  # no ~/.ssh/config; also keeps ssh from creating ~/.ssh
                "-p", str(self.port),
                "-i", self.client_key,
                "-o", "IdentitiesOnly=yes",
                "-o", "UserKnownHostsFile=" + self.known_hosts,
                "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=5"]

    def ssh_command(self):
        return ["ssh"] + self.ssh_options()

    def write_ssh_wrapper(self, path):
        """An executable `ssh` at `path` that is ssh with ssh_options() first:
        for a program that runs `ssh <destination> ...` by name."""
        quoted = " ".join("'%s'" % a.replace("'", "'\\''") for a in self.ssh_options())
        with open(path, "w") as f:
            f.write("#!/bin/sh\n# The bench's private sshd (bench/harness/sshd.py); ~/.ssh is "
                    "not used.\nexec /usr/bin/ssh %s \"$@\"\n" % quoted)
        os.chmod(path, 0o755)

    def start(self):
        if not available():
            raise RuntimeError("sshd/ssh-keygen/ssh not installed (openssh-server, "
                               "openssh-client)")
        os.makedirs(PRIVSEP_DIR, mode=0o755, exist_ok=True)
        _keygen(os.path.join(self.dir, "host_key"), "hotbackup-bench-host")
        _keygen(self.client_key, "hotbackup-bench-client")
        authorized = os.path.join(self.dir, "authorized_keys")
        with open(authorized, "w") as f:
            f.write(_public_key(self.client_key + ".pub") + "\n")
        os.chmod(authorized, 0o600)
        # The port was free a moment ago; another process may take it first.
        for _ in range(3):
            self.port = _free_port()
            if self._start_once():
                return
        raise RuntimeError("sshd exited at start on 127.0.0.1:%d: %s" % (self.port,
                                                                           self._log_text()))

    def _log_text(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def _start_once(self):
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as f:
            f.write("ListenAddress 127.0.0.1\n"
                    "Port %d\n"
                    "HostKey %s\n"
                    "AuthorizedKeysFile %s\n"
                    "PidFile %s\n"
                    "PubkeyAuthentication yes\n"
                    "PasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\n"
                    "UsePAM no\n"
                    "StrictModes no\n"
                    "PermitRootLogin prohibit-password\n"
                    "PrintMotd no\n"
                    "SetEnv PATH=%s\n"
                    "LogLevel ERROR\n" % (self.port, os.path.join(self.dir, "host_key"),
                                          os.path.join(self.dir, "authorized_keys"),
                                          os.path.join(self.dir, "sshd.pid"), self.path))
        with open(self.known_hosts, "w") as f:
            f.write("[127.0.0.1]:%d %s\n" % (
                self.port, _public_key(os.path.join(self.dir, "host_key.pub"))))
        with open(self.log_path, "wb") as log_file:
            # In the foreground (-D), logging to the file (-e): we own its pid.
            self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", config],
                                            stdin=subprocess.DEVNULL, stdout=log_file,
                                            stderr=log_file)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:  # bad config, port taken
                self.process = None
                return False
            if _answers_ssh(self.port):
                return True
            time.sleep(0.02)
        self.stop_server()
        raise RuntimeError("sshd did not answer on 127.0.0.1:%d within 10 s: %s" %
                           (self.port, self._log_text()))

    def stop_server(self):
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def stop(self):
        """Ends sshd and removes its directory. Sessions it started live on
        in their own processes: the caller ends those it knows of."""
        self.stop_server()
        shutil.rmtree(self.dir, ignore_errors=True)
