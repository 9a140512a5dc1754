"""The WDT bench's private OpenSSH server: scripts/sshd-sandbox, as the
tests' tests/support/sshd_server starts it, in a temporary directory of its
own. Listening only on 127.0.0.1 at a free port, its own host key and its
own client key, public-key login as the current user with that one key, no
passwords, no PAM. Nothing in ~/.ssh is read or written: the client options
(ssh_options(), the script's) use -F /dev/null, the generated key and a
known_hosts file of its own, with the host key checked strictly. stop()
ends sshd and removes the directory; should the bench die first, a watcher
the script leaves behind stops sshd."""
import os
import shutil
import subprocess
import tempfile

from harness.common import REPO

SCRIPT = os.path.join(REPO, "scripts", "sshd-sandbox")
SSHD = "/usr/sbin/sshd"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def available():
    return (os.access(SSHD, os.X_OK) and shutil.which("ssh-keygen") is not None
            and shutil.which("ssh") is not None)


class SshServer:
    """start() brings sshd up (raises RuntimeError with the script's error,
    sshd's log among it, if it does not answer within ~10 s); stop() ends it
    and removes its files. `path`: PATH for the remote commands (sshd's
    SetEnv), e.g. with a directory holding a `wdt` first."""

    host = "127.0.0.1"

    def __init__(self, path=DEFAULT_PATH):
        self.dir = tempfile.mkdtemp(prefix="hbsshd.", dir="/tmp")  # short paths
        self.path = path
        self.port = 0
        self.options = []
        self.started = False

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
        return list(self.options)

    def ssh_command(self):
        return ["ssh"] + self.ssh_options()

    def write_ssh_wrapper(self, path):
        """An executable `ssh` at `path` that is ssh with ssh_options() first
        (the script's): for a program that runs `ssh <destination> ...` by
        name."""
        os.symlink(os.path.join(self.dir, "ssh"), path)

    def start(self):
        if not available():
            raise RuntimeError("sshd/ssh-keygen/ssh not installed (openssh-server, "
                               "openssh-client)")
        self.started = True
        r = subprocess.run([SCRIPT, "start", self.dir, "--path", self.path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RuntimeError("sshd-sandbox start in %s: exit %d: %s" % (
                self.dir, r.returncode, r.stderr[-3000:]))
        with open(os.path.join(self.dir, "env")) as f:
            env = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        self.port = int(env["SSH_PORT"])
        with open(os.path.join(self.dir, "ssh_options")) as f:
            self.options = f.read().splitlines()

    def stop(self):
        """Ends sshd and removes its directory. Sessions it started live on
        in their own processes: the caller ends those it knows of."""
        if self.started:
            subprocess.run([SCRIPT, "stop", self.dir], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)
