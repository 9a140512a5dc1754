"""End to end on real servers: throwaway MariaDB + MyRocks sandboxes, the
original script against myrocks_hotbackup on many tables and on large SSTs."""
import os
import shutil
import subprocess
import sys
import tempfile

from harness.cases import ORIGINAL_MAX_RUNS, SERVER_CASES, rotated, summarize
from harness.common import MB, ORIGINAL_SCRIPT, PYTHON, SANDBOX, log, run_quiet
from harness.report import print_table


class Sandbox:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="hbe.", dir="/tmp")  # short: the socket path
        self.started = False

    @property
    def socket(self):
        return os.path.join(self.dir, "sock")

    # DDL of thousands of tables is fast without a sync per statement; this
    # does not change how the backup reads.
    FAST_DDL = ["--rocksdb-flush-log-at-trx-commit=0", "--innodb-flush-log-at-trx-commit=0",
                "--sync-frm=0"]

    def start(self, options=FAST_DDL):
        """Starts the server with `options` (mariadbd options)."""
        r = run_quiet([SANDBOX, "start", self.dir] + list(options))
        if r.returncode != 0:
            raise RuntimeError("mariadb-sandbox start failed: " + r.stdout[-2000:])
        self.started = True

    def pid(self):
        with open(os.path.join(self.dir, "mariadbd.pid")) as f:
            return int(f.read().split()[0])

    def sql(self, text, database=None):
        argv = [SANDBOX, "sql", self.dir] + ([database] if database else [])
        r = subprocess.run(argv, input=text, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        if r.returncode != 0:
            raise RuntimeError("sql failed: " + r.stdout[-2000:])
        return r.stdout

    def stop_and_remove(self):
        if self.started:
            run_quiet([SANDBOX, "stop", self.dir])
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)


def make_original_copy(tmpdir):
    with open(ORIGINAL_SCRIPT) as f:
        text = f.read()
    fixed = text.replace(".iteritems()", ".items()")
    if fixed == text:
        sys.exit("bench: %s has no iteritems() to fix" % ORIGINAL_SCRIPT)
    path = os.path.join(tmpdir, "myrocks_hotbackup_original.py")
    with open(path, "w") as f:
        f.write(fixed)
    return path


def server_stages(case, sandbox, tools, original):
    common = ["--socket=" + sandbox.socket, "-u", "root"]
    if case == "bsdtar-datadir":
        return [["bsdtar", "-cf", "-", "-C", os.path.join(sandbox.dir, "data"), "."]]
    if case == "original":
        ckpt = os.path.join(sandbox.dir, "ckpt-orig")
        os.makedirs(ckpt, exist_ok=True)  # the original cannot create it
        return [[PYTHON, original, "--checkpoint_dir=" + ckpt] + common]
    ckpt = os.path.join(sandbox.dir, "ckpt-ours")
    extra = {
        "ours-tar": [],
        "ours-xbs": ["--stream=xbstream"],
        "ours-tar-zstd": ["--compress=zstd", "--compress_level=1", "--compress_threads=2"],
        "ours-tar-direct": ["--direct_io=on"],
    }[case]
    return [[tools.binary, "--checkpoint_dir=" + ckpt] + common + extra]


def count_backup_files(sandbox, tools, runner):
    """Files and bytes one backup carries, from a tar listing of ours."""
    listing = os.path.join(runner.tmpdir, "listing.tar")
    ckpt = os.path.join(sandbox.dir, "ckpt-ours")
    with open(listing, "wb") as out, open(os.path.join(runner.tmpdir, "count.err"), "wb") as err:
        r = subprocess.run([tools.binary, "--socket=" + sandbox.socket, "-u", "root",
                            "--checkpoint_dir=" + ckpt], stdout=out, stderr=err)
    if r.returncode != 0:
        raise RuntimeError("myrocks_hotbackup failed while counting files")
    r = run_quiet(["tar", "-tvf", listing])
    files = 0
    size = 0
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 6:
            files += 1
            size += int(parts[2])
    os.unlink(listing)
    return files, size


def run_server_case_set(name, sandbox, tools, runner, original, reps, noise, results):
    files, size = count_backup_files(sandbox, tools, runner)
    log("\n== %s: a backup carries %d files, %.1f MB; %d repetitions" %
        (name, files, size / MB, reps))
    runs = {c: [] for c, _, _ in SERVER_CASES}
    keys = [c for c, _, _ in SERVER_CASES]
    noise.start()
    for rep in range(reps):
        noise.sample_load()
        for case in rotated(keys, rep):
            if case == "original" and len(runs[case]) >= ORIGINAL_MAX_RUNS:
                continue
            r = runner.run(server_stages(case, sandbox, tools, original), sandbox.dir)
            runs[case].append(r)
            log("  rep %d %-18s %7.3f s %s" % (rep + 1, case, r["wall_s"],
                                               "" if r["ok"] else "FAILED: " + r["error"]))
    phase = noise.stop("server:" + name)
    results["datasets"][name] = {
        "files": files,
        "bytes": size,
        "reps": reps,
        "noise": phase,
        "server": True,
        "cases": {c: summarize(runs[c], size, files) for c in keys},
        "runs": runs,
    }
    print_table(name, results["datasets"][name], sys.stdout)


def run_server_cases(tools, runner, profile, noise, results):
    original = make_original_copy(runner.tmpdir)
    dbs, per_db = profile["server_tables"]
    sandbox = Sandbox()
    try:
        log("\n== starting a server and creating %d MyRocks tables" % (dbs * per_db))
        sandbox.start()
        for d in range(dbs):
            stmts = ["CREATE DATABASE s%03d;" % d]
            for t in range(per_db):
                stmts.append("CREATE TABLE s%03d.t%04d (id BIGINT PRIMARY KEY, a VARCHAR(100), "
                             "b INT, c DATETIME, KEY (b)) ENGINE=ROCKSDB;" % (d, t))
            sandbox.sql("\n".join(stmts))
        sandbox.sql("INSERT INTO s000.t0000 SELECT seq, 'x', seq, NOW() FROM seq_1_to_1000;",
                    "s000")
        run_server_case_set("server-tables", sandbox, tools, runner, original,
                            profile["server_reps"], noise, results)
    finally:
        sandbox.stop_and_remove()

    sandbox = Sandbox()
    try:
        rows = profile["server_sst_rows"]
        log("\n== starting a server and bulk-loading %d rows (~%.1f GB of SSTs)" %
            (rows, rows * 620 / 1e9))
        sandbox.start()
        sandbox.sql("CREATE DATABASE big; CREATE TABLE big.t (id BIGINT PRIMARY KEY, "
                    "v VARBINARY(1024)) ENGINE=ROCKSDB;")
        # Bulk loads of increasing key ranges: one SST per batch, as large
        # as RocksDB's compaction output files. Values: random bytes (which
        # the SST's own block compression leaves alone) and their hex text
        # (which it cannot shrink either, but zstd's entropy coder can).
        batch = max(1, rows // 12)
        for lo in range(1, rows + 1, batch):
            hi = min(rows, lo + batch - 1)
            sandbox.sql("SET SESSION rocksdb_bulk_load=1; INSERT INTO big.t SELECT seq, "
                        "CONCAT(RANDOM_BYTES(200), HEX(RANDOM_BYTES(200))) FROM seq_%d_to_%d; "
                        "SET SESSION rocksdb_bulk_load=0;" % (lo, hi), "big")
        os.sync()
        run_server_case_set("server-sst", sandbox, tools, runner, original,
                            profile["server_reps"], noise, results)
    finally:
        sandbox.stop_and_remove()
