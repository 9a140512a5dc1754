"""What every part of bench/run shares: the repository paths, the units, the
two run profiles (full and quick), logging, and quiet subprocess runs."""
import os
import subprocess
import sys


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(REPO, "bench")
# Where every harness writes its generated results by default, as
# <harness>.json / .md / .png: a directory of their own, so that no name can
# collide (case-insensitively too) with a script or bench/RESULTS.md.
RESULTS = os.path.join(BENCH, "results")
SANDBOX = os.path.join(REPO, "scripts", "mariadb-sandbox")
# Beside the checkout, else where the shared files live (a worktree elsewhere).
ORIGINAL_SCRIPT = next(
    (p for p in (os.path.normpath(os.path.join(REPO, "..", "shared", "reference",
                                               "myrocks_hotbackup.py")),
                 "/work/shared/reference/myrocks_hotbackup.py") if os.path.exists(p)),
    os.path.normpath(os.path.join(REPO, "..", "shared", "reference", "myrocks_hotbackup.py")))
PYTHON = "/usr/bin/python3"  # Debian's, where python3-mysqldb lives
TIME = "/usr/bin/time"  # GNU time, for the peak RSS of each producer
MB = 1e6
MIB = 1 << 20

PROFILES = {
    "full": {
        "reps": 7,
        "datasets": [
            ("frm", ["--tables", "100:121"]),
            ("sst", ["--sst", "16:64"]),
            ("mix", ["--sst", "6:64", "--wal", "2:32", "--tables", "30:100"]),
            ("sst-xl", ["--sst", "48:64"]),
            ("frm-xl", ["--tables", "400:121"]),
        ],
        "server_tables": (50, 200),    # databases, tables per database
        "server_sst_rows": 1_700_000,  # about 1 GB of SSTs
        "server_reps": 5,
    },
    "quick": {
        "reps": 3,
        "datasets": [
            ("frm", ["--tables", "30:100"]),
            ("sst", ["--sst", "4:64"]),
            ("mix", ["--sst", "2:64", "--wal", "1:16", "--tables", "10:100"]),
            ("sst-xl", ["--sst", "16:64"]),
            ("frm-xl", ["--tables", "120:100"]),
        ],
        "server_tables": (10, 200),
        "server_sst_rows": 400_000,
        "server_reps": 2,
    },
}


def log(message):
    print(message, file=sys.stderr, flush=True)


def run_quiet(argv, **kwargs):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          **kwargs)


def kill_processes(processes):
    """Kills and reaps every process of the list (on failure or Ctrl-C)."""
    for p in processes:
        try:
            p.kill()
            p.wait()
        except OSError:
            pass
