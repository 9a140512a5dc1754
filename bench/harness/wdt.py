"""What bench/wdt runs: the three ways to put a backup in a directory on
another host (here 127.0.0.1 through the private sshd of harness/sshd.py:
scripts/sshd-sandbox), how each is started and timed, and how its result is
checked complete."""
import os
import shlex
import signal
import subprocess
import sys
import time

from harness.common import MB, ORIGINAL_SCRIPT, PYTHON, REPO
from harness.stats import Runs

CASES = [
    ("ours-wdt", "ours `--stream=wdt`"),
    ("original-wdt", "original `--stream=wdt`"),
    ("ours-tar-ssh", "ours tar `\\| ssh 'tar -x'`"),
]

# wdt's own files in a receiving directory (its resumption log).
WDT_OWN = (".wdt.log",)


def find_wdt(explicit=None):
    """The real wdt, as the tests look for it: --wdt, $HOTBACKUP_WDT, the
    shared tools beside the checkout, /work/shared/tools."""
    candidates = [c for c in (explicit, os.environ.get("HOTBACKUP_WDT")) if c]
    candidates += [os.path.normpath(os.path.join(REPO, "..", "shared", "tools", "wdt", "wdt")),
                   "/work/shared/tools/wdt/wdt"]
    for c in candidates:
        if os.access(c, os.X_OK):
            return os.path.abspath(c)
    sys.exit("bench: no wdt at %s (--wdt or $HOTBACKUP_WDT)" % " or ".join(candidates))


def make_original_wdt_copy(tmpdir):
    """A bench-only copy of the original script that runs under Python 3 in
    WDT mode. Two fixes, nothing else:
      1. `.iteritems()` -> `.items()` (the crash every mode has under Python
         3; harness/server.py's make_original_copy() makes the same one);
      2. the receiver's URL decoded: `remote_process.stdout.readline()` gives
         bytes under Python 3, and the sender was handed `b'wdt://...'`, so
         every round failed and the script retried forever. With both fixed,
         a backup goes through in one round (as the issue reports)."""
    with open(ORIGINAL_SCRIPT) as f:
        text = f.read()
    fixed = text.replace(".iteritems()", ".items()")
    old_url = "wdt_url = remote_process.stdout.readline().strip()"
    new_url = "wdt_url = remote_process.stdout.readline().decode().strip()"
    if fixed == text or text.count(old_url) != 1:
        sys.exit("bench: %s is not the script the two fixes are for" % ORIGINAL_SCRIPT)
    fixed = fixed.replace(old_url, new_url)
    path = os.path.join(tmpdir, "myrocks_hotbackup_original_wdt.py")
    with open(path, "w") as f:
        f.write("# bench copy: Python 3 fixes only (bench/harness/wdt.py)\n" + fixed)
    return path


class WdtWorld:
    """The fixed parts of every run: the server, the sshd, the tools, the
    bin directory (`wdt` symlink, `ssh` wrapper) put first in the original's
    PATH, and the work directory holding checkpoints and destinations."""

    def __init__(self, tools, wdt, sandbox, sshd, workdir, bindir, original, args):
        self.tools = tools
        self.wdt = wdt
        self.sandbox = sandbox
        self.sshd = sshd
        self.workdir = workdir
        self.bindir = bindir
        self.original = original
        self.args = args

    def dest(self, case):
        return os.path.join(self.workdir, "dest-" + case)

    def checkpoint_dir(self, case):
        return os.path.join(self.workdir, "ckpt-" + case)

    def command(self, case):
        """(argv, env) of one backup of `case` into an empty destination."""
        a = self.args
        dest = self.dest(case)
        ckpt = self.checkpoint_dir(case)
        server = ["--socket=" + self.sandbox.socket, "-u", "root"]
        # Whatever a run leaves in $TMPDIR (ours keeps its wdt logs there
        # when a round fails) stays inside the work directory.
        env = dict(os.environ, TMPDIR=self.workdir)
        if case == "ours-wdt":
            argv = [self.tools.binary, "--stream=wdt", "--destination=" + self.sshd.host,
                    "--backup_dir=" + dest, "--wdt_path=" + self.wdt,
                    "--ssh_command=" + " ".join(self.sshd.ssh_command()),
                    "--checkpoint_dir=" + ckpt, "--interval=%d" % a.interval,
                    "--avg_mbytes_per_sec=%d" % a.rate] + server
        elif case == "original-wdt":
            # It runs `ssh <destination> ...` and `wdt` by name: the bin
            # directory's `ssh` wrapper and `wdt` symlink come first.
            env["PATH"] = self.bindir + ":" + env.get("PATH", "/usr/bin:/bin")
            argv = [PYTHON, self.original, "--stream=wdt", "--destination=" + self.sshd.host,
                    "--backup_dir=" + dest, "--checkpoint_dir=" + ckpt,
                    "--interval=%d" % a.interval, "--avg_mbytes_per_sec=%d" % a.rate] + server
        elif case == "ours-tar-ssh":
            producer = [self.tools.binary, "--checkpoint_dir=" + ckpt,
                        "--avg_mbytes_per_sec=%d" % a.rate] + server
            consumer = self.sshd.ssh_command() + [self.sshd.host,
                                                  "tar -x -C " + shlex.quote(dest)]
            argv = ["/bin/bash", "-o", "pipefail", "-c",
                    " ".join(map(shlex.quote, producer)) + " | " +
                    " ".join(map(shlex.quote, consumer))]
        else:
            raise ValueError(case)
        return argv, env

    def prepare(self, case):
        """Empty destination and checkpoint directories (the original cannot
        create its checkpoint directory)."""
        for d in (self.dest(case), self.checkpoint_dir(case)):
            remove_tree(d)
            os.makedirs(d)

    def run(self, case, timeout):
        """One timed backup; returns the run's record (ok, wall_s, bytes...).
        The clock covers the whole command: checkpoint, ssh, the transfer,
        the receiver's end."""
        self.prepare(case)
        argv, env = self.command(case)
        log_path = os.path.join(self.workdir, "%s.log" % case)
        started = time.monotonic()
        with open(log_path, "wb") as log_file:
            p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                                 stderr=log_file, start_new_session=True)
            try:
                code = p.wait(timeout)
            except BaseException:
                kill_group(p)
                kill_mentioning(self.workdir)
                if sys.exc_info()[0] is subprocess.TimeoutExpired:
                    code = None
                else:
                    raise
        wall = time.monotonic() - started
        kill_mentioning(self.dest(case))  # nothing should be left; if so, it goes
        with open(log_path, errors="replace") as f:
            log_text = f.read()
        r = {"ok": False, "wall_s": wall, "exit": code}
        if code is None:
            r["error"] = "timed out after %.0f s" % timeout
        elif code != 0:
            r["error"] = "exit %d: %s" % (code, log_text[-600:])
        else:
            r.update(self.check(case))
        if case != "ours-tar-ssh":  # both WDT modes log each round alike
            r["rounds"] = log_text.count("Starting backup round")
        r["log_tail"] = log_text[-(1500 if r["ok"] else 3000):]
        r["mb_per_s"] = r.get("bytes", 0) / MB / wall if wall > 0 else 0.0
        return r

    def check(self, case):
        """Whether the destination holds a complete backup: every SST of the
        server (name and size; the data is static during the bench), every
        .frm of the server's databases, and for ours (both modes carry our
        manifest) `myrocks_hotbackup --verify --backup_dir=DEST` exits 0."""
        dest = self.dest(case)
        files = tree(dest)
        expected_ssts = sst_map(os.path.join(self.sandbox.dir, "data", "#rocksdb"))
        got_ssts = {os.path.basename(p): s for p, s in files.items() if p.endswith(".sst")}
        problems = []
        if got_ssts != expected_ssts:
            missing = sorted(set(expected_ssts) - set(got_ssts))
            wrong = sorted(n for n in expected_ssts if n in got_ssts and
                           got_ssts[n] != expected_ssts[n])
            problems.append("SSTs: %d missing %s, %d of another size %s, %d extra" % (
                len(missing), missing[:3], len(wrong), wrong[:3],
                len(set(got_ssts) - set(expected_ssts))))
        expected_frm = frm_set(os.path.join(self.sandbox.dir, "data"))
        got_frm = {p for p in files if p.endswith(".frm")}
        if not expected_frm <= got_frm:
            problems.append(".frm missing: %s" % sorted(expected_frm - got_frm)[:5])
        verified = None
        if case in ("ours-wdt", "ours-tar-ssh"):
            v = subprocess.run([self.tools.binary, "--verify", "--backup_dir=" + dest],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            verified = v.returncode == 0
            if not verified:
                problems.append("--verify exit %d: %s" % (v.returncode, v.stdout[-400:]))
        r = {"files": len(files), "bytes": sum(files.values()), "ssts": len(got_ssts),
             "sst_bytes": sum(got_ssts.values()), "frm": len(got_frm), "verified": verified}
        r["ok"] = not problems
        if problems:
            r["error"] = "; ".join(problems)
        return r

    def kill_all(self):
        kill_mentioning(self.workdir)


def tree(root):
    """{relative path: size} of the regular files under root, wdt's own
    resumption log left out."""
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            if n.startswith(WDT_OWN):
                continue
            p = os.path.join(d, n)
            if os.path.isfile(p) and not os.path.islink(p):
                out[os.path.relpath(p, root)] = os.path.getsize(p)
    return out


def sst_map(rocksdb_dir):
    return {n: os.path.getsize(os.path.join(rocksdb_dir, n))
            for n in os.listdir(rocksdb_dir) if n.endswith(".sst")}


def frm_set(datadir):
    """The .frm files of the server's databases, as db/name.frm."""
    out = set()
    for db in os.listdir(datadir):
        d = os.path.join(datadir, db)
        if os.path.isdir(d) and not db.startswith(("#", ".")):
            out.update(os.path.join(db, n) for n in os.listdir(d) if n.endswith(".frm"))
    return out


def remove_tree(path):
    subprocess.run(["rm", "-rf", "--one-file-system", path], check=False)


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        pass


def kill_mentioning(needle):
    """Kills, by pid, every process whose command line mentions `needle` (a
    path of this run's temporary directory): what a run started through the
    sshd (receivers, tar) is not our child and outlives a killed client."""
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except OSError:
            continue
        if needle in cmdline:
            try:
                os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass


def summarize(runs):
    s = Runs(runs)
    if not s.good:
        return s.failure(good=0)
    return {"ok": len(s.good) == len(s.all), "runs": len(s.all), "good": len(s.good),
            "mb_per_s": s.median("mb_per_s"), "mb_per_s_min": s.min("mb_per_s"),
            "mb_per_s_max": s.max("mb_per_s"), "wall_s": s.median("wall_s"),
            "bytes": s.median("bytes"), "files": s.median("files")}


def markdown_table(results):
    cases = results["cases"]
    ours = cases["ours-wdt"]
    lines = ["| case | median MB/s | min-max MB/s | spread | median s | MB at the destination "
             "| files | good runs | ours-wdt / this |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for key, label in CASES:
        c = cases[key]
        if not c.get("good"):
            lines.append("| %s | failed | | | | | | 0/%d | |" % (label, c["runs"]))
            continue
        ratio = ""
        if ours.get("good"):
            ratio = "%.2fx" % (ours["mb_per_s"] / c["mb_per_s"])
        spread = 100.0 * (c["mb_per_s_max"] - c["mb_per_s_min"]) / c["mb_per_s"]
        lines.append("| %s | %.0f | %.0f-%.0f | %.0f %% | %.2f | %.1f | %d | %d/%d | %s |" % (
            label, c["mb_per_s"], c["mb_per_s_min"], c["mb_per_s_max"], spread, c["wall_s"],
            c["bytes"] / MB, c["files"], c["good"], c["runs"], ratio))
    return "\n".join(lines)
