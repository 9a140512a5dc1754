"""bench/commit_latency's parts: writers (bench_commit_latency) on a
throwaway server with a binlog, with no backup, with a backup that blocks
commits at each checkpoint and with the same backup under
--no_backup_locks; the backup's log read for its rounds, the writers'
commits matched to them, and the tables."""
import json
import os
import re
import subprocess
import time

from harness.common import MB, SANDBOX, kill_processes
from harness.machine import process_cpu_seconds
from harness.stats import Runs, fmt, spread

CASES = [
    ("none", "no backup"),
    ("locks", "backup, commits blocked at each checkpoint"),
    ("no-locks", "backup --no_backup_locks (no commit blocks)"),
]
CASE_TEXT = dict(CASES)

PROFILES = {
    # Bulk-loaded rows of about 620 bytes (random bytes and their hex, which
    # the SSTs' compression cannot shrink), one SST per batch.
    "full": {"rows": 800_000, "batch": 25_000, "reps": 3},
    "quick": {"rows": 200_000, "batch": 10_000, "reps": 2},
}

# The server: a binlog, as on a primary; durability settings are MariaDB's
# defaults (rocksdb_flush_log_at_trx_commit=1, sync_binlog=0).
SERVER_OPTIONS = ["--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1"]

# The block's window is widened by this much on each side: the backup's log
# has millisecond timestamps, truncated, and the line is written just after
# BACKUP STAGE END returns.
WINDOW_SLACK_S = 0.005

LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{3}) (\w+) (.*)$")
ROUND_LINE = re.compile(r"Round (\d+): commits blocked for ([\d.]+) ms")
CREATING = re.compile(r"Creating checkpoint at .*/(\d+)$")
CREATED = re.compile(r"Created checkpoint at .*/(\d+)$")
SUMMARY = re.compile(r"Backup summary: (\d+) rounds?, .* ([\d.]+) s, ([\d.]+) MB/s")
TABLE_DATA = re.compile(r"MyISAM/Aria/CSV/ARCHIVE table files: (\d+) \(([\d.]+) MB\) copied while "
                        r"written; copied again with their writes blocked: (\d+) \(([\d.]+) MB\) "
                        r"with DDL, (\d+) \(([\d.]+) MB\) with commits")
DDL_BLOCK = re.compile(r"Round (\d+): DDL blocked for ([\d.]+) ms")

# Beside the MyRocks data, with --other_engines: idle MyISAM and Aria tables
# (half the megabytes each) and two small ones written all along by one
# connection (a log table, a counter), as on a mixed server.
OTHER_BUSY_SQL = ("INSERT INTO other.my_busy (v) VALUES (REPEAT('m', 100)); "
                  "INSERT INTO other.ar_busy (v) VALUES (REPEAT('a', 100)); DO SLEEP(0.01);\n")


def load_dataset(sandbox, rows, batch):
    """The data the backup carries: bulk loads of increasing key ranges, kept
    out of the binlog (sql_log_bin=0: only the writers' commits go there)."""
    sandbox.sql("CREATE DATABASE big; CREATE TABLE big.t (id BIGINT PRIMARY KEY, "
                "v VARBINARY(1024)) ENGINE=ROCKSDB;")
    for lo in range(1, rows + 1, batch):
        hi = min(rows, lo + batch - 1)
        sandbox.sql("SET SESSION sql_log_bin=0; SET SESSION rocksdb_bulk_load=1; "
                    "INSERT INTO big.t SELECT seq, CONCAT(RANDOM_BYTES(200), "
                    "HEX(RANDOM_BYTES(200))) FROM seq_%d_to_%d; "
                    "SET SESSION rocksdb_bulk_load=0;" % (lo, hi), "big")


def load_other_engines(sandbox, mb):
    """`mb` MB of idle MyISAM and Aria rows (out of the binlog) and the two
    busy tables."""
    rows = mb * MB // 2 // 1100  # rows of about 1,100 bytes, half in each engine
    sandbox.sql("CREATE DATABASE other;"
                "CREATE TABLE other.my_idle (id INT PRIMARY KEY, v VARBINARY(1100)) ENGINE=MyISAM;"
                "CREATE TABLE other.ar_idle (id INT PRIMARY KEY, v VARBINARY(1100)) ENGINE=Aria;"
                "CREATE TABLE other.my_busy (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(100)) "
                "ENGINE=MyISAM;"
                "CREATE TABLE other.ar_busy (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(100)) "
                "ENGINE=Aria;")
    for table in ("my_idle", "ar_idle"):
        sandbox.sql("SET SESSION sql_log_bin=0; INSERT INTO other.%s SELECT seq, "
                    "CONCAT(RANDOM_BYTES(500), HEX(RANDOM_BYTES(300))) FROM seq_1_to_%d;"
                    % (table, rows), "other")


def other_engines_bytes(sandbox):
    total = 0
    for root, _, names in os.walk(os.path.join(sandbox.dir, "data", "other")):
        for n in names:
            if n.endswith((".MYD", ".MYI", ".MAD", ".MAI")):
                total += os.path.getsize(os.path.join(root, n))
    return total


def server_settings(sandbox):
    out = sandbox.sql("SELECT @@version, @@log_bin, @@binlog_format, @@sync_binlog, "
                      "@@rocksdb_flush_log_at_trx_commit, @@rocksdb_use_direct_reads\\G")
    settings = {}
    for line in out.splitlines():
        if ":" in line and not line.startswith("*"):
            key, value = line.split(":", 1)
            settings[key.strip().lstrip("@")] = value.strip()
    return settings


def rocksdb_bytes(sandbox):
    total = 0
    for root, _, names in os.walk(os.path.join(sandbox.dir, "data", "#rocksdb")):
        for n in names:
            if n.endswith(".sst"):
                total += os.path.getsize(os.path.join(root, n))
    return total


def percentile(sorted_values, p):
    """Nearest rank, as bench_commit_latency computes it."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), int(-(-p * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def latency_stats(values):
    v = sorted(values)
    return {"p50": percentile(v, 50), "p90": percentile(v, 90), "p99": percentile(v, 99),
            "p99.9": percentile(v, 99.9), "max": v[-1] if v else 0.0,
            "mean": sum(v) / len(v) if v else 0.0}


def load_samples(path):
    """(commit_start_unix, commit_ms, txn_ms, thread) per commit."""
    out = []
    with open(path) as f:
        for line in f:
            s, c, t, th = line.split("\t")
            out.append((float(s), float(c), float(t), int(th)))
    return out


def parse_backup_log(text):
    """The backup's log lines as (unix time, message), its rounds (number,
    checkpoint window, commit block), and its summary."""
    events = []
    for line in text.splitlines():
        m = LOG_LINE.match(line)
        if m:
            t = time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")) + \
                int(m.group(2)) / 1000.0
            events.append((t, m.group(4)))
    rounds = {}
    summary = {}
    for t, msg in events:
        m = CREATING.search(msg)
        if m:
            rounds.setdefault(int(m.group(1)), {})["creating"] = t
        m = CREATED.search(msg)
        if m:
            rounds.setdefault(int(m.group(1)), {})["created"] = t
        m = ROUND_LINE.search(msg)
        if m:
            r = rounds.setdefault(int(m.group(1)), {})
            r["blocked_ms"] = float(m.group(2))
            r["logged"] = t
        m = SUMMARY.search(msg)
        if m:
            summary = {"rounds": int(m.group(1)), "seconds": float(m.group(2)),
                       "mb_s": float(m.group(3))}
    out = []
    for n in sorted(rounds):
        r = rounds[n]
        if "creating" not in r or "created" not in r:
            continue
        item = {"round": n, "checkpoint_ms": 1000.0 * (r["created"] - r["creating"])}
        if "blocked_ms" in r:
            # The block starts before "Creating checkpoint" (BACKUP STAGE
            # START, BLOCK_COMMIT) and ends just before the round's line.
            item["blocked_ms"] = r["blocked_ms"]
            item["window"] = (r["logged"] - r["blocked_ms"] / 1000.0 - WINDOW_SLACK_S,
                              r["logged"] + WINDOW_SLACK_S)
        else:
            item["window"] = (r["creating"] - WINDOW_SLACK_S, r["created"] + WINDOW_SLACK_S)
        out.append(item)
    if out:
        out[-1]["last"] = True
    return events, out, summary


def txn_interval(c):
    """[BEGIN, end of COMMIT] of a sample, in Unix seconds."""
    end = c[0] + c[1] / 1000.0
    return end - c[2] / 1000.0, end


def overlaps(c, window):
    start, end = txn_interval(c)
    return start < window[1] and end > window[0]


def clock(t):
    return time.strftime("%H:%M:%S", time.localtime(t)) + ".%03d" % int((t % 1) * 1000)


def describe_moment(c, events, rounds):
    """What the backup was doing while a transaction waited: the round whose
    checkpoint window it overlaps, or the backup's log lines meanwhile, or
    the last one before it."""
    if not events:
        return "no backup"
    for r in rounds:
        if overlaps(c, r["window"]):
            return "round %d%s checkpoint" % (r["round"], " (last)" if r.get("last") else "")
    start, end = txn_interval(c)
    during = [msg for t, msg in events if start <= t <= end + 0.001]
    if during:
        return "during: " + during[0][:70]
    before = [msg for t, msg in events if t < start]
    if before:
        return "after: " + before[-1][:70]
    return "before the backup's first line"


def window_stats(samples, t0, t1, events=None, rounds=None, top=5):
    """The writers over [t0, t1) (transactions whose COMMIT started in it):
    commits/s and latencies; with a backup's rounds, per checkpoint the
    longest COMMIT and the longest transaction overlapping its window, the
    longest outside all of them, and the `top` longest transactions, each
    placed in the backup.

    The checkpoint's block holds writers in their INSERT as well as in their
    COMMIT (a DML statement on the table waits while BACKUP STAGE
    BLOCK_COMMIT is held), so a stall is a long transaction, not always a
    long COMMIT."""
    inside = [c for c in samples if t0 <= c[0] < t1]
    seconds = t1 - t0
    out = {
        "seconds": seconds,
        "commits": len(inside),
        "commits_per_s": len(inside) / seconds if seconds > 0 else 0.0,
        "commit_ms": latency_stats([c[1] for c in inside]),
        "txn_ms": latency_stats([c[2] for c in inside]),
    }
    longest = sorted(inside, key=lambda c: -c[2])[:top]
    out["longest"] = [{"begin": clock(txn_interval(c)[0]), "commit_start": clock(c[0]),
                       "commit_ms": c[1], "txn_ms": c[2], "thread": c[3],
                       "where": describe_moment(c, events or [], rounds or [])}
                      for c in longest]
    if rounds is not None:
        outside = inside
        for r in rounds:
            caught = [c for c in inside if overlaps(c, r["window"])]
            r["txns_caught"] = len(caught)
            r["writers_max_commit_ms"] = max((c[1] for c in caught), default=0.0)
            r["writers_max_txn_ms"] = max((c[2] for c in caught), default=0.0)
            outside = [c for c in outside if not overlaps(c, r["window"])]
        out["outside_max_commit_ms"] = max((c[1] for c in outside), default=0.0)
        out["outside_max_txn_ms"] = max((c[2] for c in outside), default=0.0)
    return out


class LatencyBench:
    """One server, one dataset; runs the cases and keeps every process it
    started in `live`, for the caller to kill on the way out."""

    def __init__(self, tools, sandbox, workdir, args, noise):
        self.tools = tools
        self.sandbox = sandbox
        self.workdir = workdir
        self.args = args
        self.noise = noise
        self.live = []

    def _start(self, argv, stdout, stderr, **kwargs):
        p = subprocess.Popen(argv, stdout=stdout, stderr=stderr, **kwargs)
        self.live.append(p)
        return p

    def _reap(self, p, timeout=None):
        try:
            rc = p.wait(timeout=timeout)
        finally:
            if p.returncode is not None and p in self.live:
                self.live.remove(p)
        return rc

    def kill_all(self):
        kill_processes(self.live)
        self.live = []

    def create_table(self):
        """The writers' table, created before any backup runs (a backup warns
        about DDL while it runs)."""
        p = self._start([self.tools.commit_latency, "--socket", self.sandbox.socket,
                         "--create_table", "--threads", "1", "--duration", "0.2"],
                        subprocess.DEVNULL, subprocess.PIPE)
        _, err = p.communicate()
        self.live.remove(p)
        if p.returncode != 0:
            raise RuntimeError("bench_commit_latency --create_table failed: %s" % err)

    def _backup_argv(self, case):
        argv = [self.tools.binary, "--socket=" + self.sandbox.socket, "-u", "root",
                "--checkpoint_dir=" + os.path.join(self.sandbox.dir, "ckpt"),
                "--interval=%d" % self.args.interval]
        if self.args.rate > 0:
            argv.append("--avg_mbytes_per_sec=%d" % self.args.rate)
        if case == "no-locks":
            argv.append("--no_backup_locks")
        return argv

    def backup(self, case):
        """Runs one backup into the sink; returns (wall seconds, stderr)."""
        err_path = os.path.join(self.workdir, "backup.err")
        out_path = os.path.join(self.workdir, "backup.out")
        argv = self._backup_argv(case)
        start = time.monotonic()
        try:
            with open(err_path, "w") as err:
                if self.args.sink == "file":
                    p = self._start(argv + ["--output=" + out_path], subprocess.DEVNULL, err)
                    rc = self._reap(p)
                else:
                    drain = self._start([self.tools.drain, os.path.join(self.workdir, "count")],
                                        subprocess.DEVNULL, subprocess.DEVNULL,
                                        stdin=subprocess.PIPE)
                    p = self._start(argv, drain.stdin, err)
                    drain.stdin.close()
                    rc = self._reap(p)
                    if self._reap(drain) != 0:
                        raise RuntimeError("bench_drain failed")
            wall = time.monotonic() - start
        finally:
            if os.path.exists(out_path):
                os.unlink(out_path)
        with open(err_path) as f:
            text = f.read()
        if rc != 0:
            raise RuntimeError("myrocks_hotbackup (%s) exited %d:\n%s" % (case, rc, text[-3000:]))
        return wall, text

    def run_case(self, case, seconds):
        """Writers for `seconds` (case none) or for as long as a backup runs;
        statistics over the same window, [start of the backup, its end)."""
        stop = os.path.join(self.workdir, "stop")
        samples = os.path.join(self.workdir, "samples.tsv")
        out_path = os.path.join(self.workdir, "writers.json")
        err_path = os.path.join(self.workdir, "writers.err")
        for path in (stop, samples):
            if os.path.exists(path):
                os.unlink(path)
        os.sync()  # no writeback of the previous case during this one
        pid = self.sandbox.pid()
        server_cpu0 = process_cpu_seconds(pid)
        self.noise.start()
        self.noise.sample_load()
        side = None
        if self.args.other_engines:
            script = os.path.join(self.workdir, "other_busy.sql")
            with open(script, "w") as f:
                f.write(OTHER_BUSY_SQL * 100000)
            with open(script) as f:
                side = self._start([SANDBOX, "sql", self.sandbox.dir], subprocess.DEVNULL,
                                   subprocess.DEVNULL, stdin=f)
        with open(out_path, "w") as out, open(err_path, "w") as err:
            writers = self._start([self.tools.commit_latency, "--socket", self.sandbox.socket,
                                   "--threads", str(self.args.threads), "--rows",
                                   str(self.args.rows), "--stop_file", stop, "--top", "20",
                                   "--samples", samples], out, err)
        try:
            time.sleep(self.args.warmup)
            if writers.poll() is not None:
                raise RuntimeError("bench_commit_latency exited early")
            t0 = time.time()
            text = ""
            wall = None
            if case == "none":
                time.sleep(seconds)
            else:
                wall, text = self.backup(case)
            t1 = time.time()
            self.noise.sample_load()
        finally:
            with open(stop, "w"):
                pass
            if side is not None:
                if side.poll() is not None:
                    raise RuntimeError("the MyISAM/Aria writer exited early")
                side.kill()
                self._reap(side)
        if self._reap(writers, timeout=120) != 0:
            with open(err_path) as f:
                raise RuntimeError("bench_commit_latency failed: " + f.read()[-2000:])
        phase = self.noise.stop(case, process_cpu_seconds(pid) - server_cpu0)
        events, rounds, summary = parse_backup_log(text)
        result = window_stats(load_samples(samples), t0, t1, events,
                              rounds if case != "none" else None)
        with open(out_path) as f:
            # The tool's own summary: the whole run, its 2 s of warm-up too.
            writers_summary = json.load(f)
        result.update({"case": case, "noise": phase, "writers_whole_run": writers_summary})
        if case != "none":
            if case == "locks" and not any("blocked_ms" in r for r in rounds):
                raise RuntimeError("the backup logged no 'commits blocked' line:\n" + text[-3000:])
            result.update({"backup_s": wall, "rounds": rounds, "summary": summary})
            for _, msg in events:
                m = TABLE_DATA.search(msg)
                if m:
                    result["table_data"] = {
                        "first_files": int(m.group(1)), "first_mb": float(m.group(2)),
                        "ddl_files": int(m.group(3)), "ddl_mb": float(m.group(4)),
                        "commit_files": int(m.group(5)), "commit_mb": float(m.group(6))}
                m = DDL_BLOCK.search(msg)
                if m:
                    result["ddl_blocked_ms"] = float(m.group(2))
        return result


def summarize_case(runs):
    """Medians over the repetitions (with min and max); for the backups, the
    checkpoints of every repetition pooled."""
    pick = Runs(runs, good=lambda r: True).spread
    out = {
        "runs": len(runs),
        "commits_per_s": pick(lambda r: r["commits_per_s"]),
        "seconds": pick(lambda r: r["seconds"]),
        "others_cpu_pct": pick(lambda r: r["noise"]["others_cpu_pct"]),
    }
    for key in ("p50", "p90", "p99", "p99.9", "max"):
        out["commit_" + key] = pick(lambda r: r["commit_ms"][key])
        out["txn_" + key] = pick(lambda r: r["txn_ms"][key])
    if runs and "rounds" in runs[0]:
        rounds = [x for r in runs for x in r["rounds"]]
        out["backup_s"] = pick(lambda r: r["backup_s"])
        out["rounds"] = pick(lambda r: len(r["rounds"]))
        out["checkpoints"] = len(rounds)
        out["blocked_ms"] = spread([x["blocked_ms"] for x in rounds if "blocked_ms" in x])
        out["checkpoint_ms"] = spread([x["checkpoint_ms"] for x in rounds])
        out["round_max_txn_ms"] = spread([x["writers_max_txn_ms"] for x in rounds])
        out["round_max_commit_ms"] = spread([x["writers_max_commit_ms"] for x in rounds])
        out["outside_max_txn_ms"] = pick(lambda r: r["outside_max_txn_ms"])
        out["outside_max_commit_ms"] = pick(lambda r: r["outside_max_commit_ms"])
    return out


def fmt_med_max(s, digits=1):
    """median / max"""
    if s is None:
        return "-"
    f = "%%.%df" % digits
    return (f + " / " + f) % (s["median"], s["max"])


def markdown_tables(results):
    cases = results["cases"]
    lines = ["Writers' latency, ms: COMMIT alone, and the whole transaction (BEGIN; INSERT; "
             "COMMIT). Median over the repetitions (min-max).", "",
             "| case | runs | commits/s | COMMIT p50 | p99 | p99.9 | max | BEGIN..COMMIT p50 | "
             "p99 | p99.9 | max | backup s | rounds | others' CPU |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for key, text in CASES:
        s = cases.get(key)
        if not s or not s["runs"]:
            continue
        lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            text, s["runs"], fmt(s["commits_per_s"], 0), fmt(s["commit_p50"], 2),
            fmt(s["commit_p99"]), fmt(s["commit_p99.9"]), fmt(s["commit_max"]),
            fmt(s["txn_p50"], 2), fmt(s["txn_p99"]), fmt(s["txn_p99.9"]), fmt(s["txn_max"]),
            fmt(s.get("backup_s")), fmt(s.get("rounds"), 0),
            fmt(s["others_cpu_pct"], 0) + " %"))
    lines += ["", "Checkpoints (every round of every repetition pooled), median / max, ms: how "
              "long the checkpoint took (from the backup's log), how long commits were blocked "
              "(the backup's own measure), and the writers' longest transaction and longest "
              "COMMIT overlapping that window; then the longest outside every checkpoint "
              "window (per backup run, median / max).", "",
              "| case | checkpoints | checkpoint | commits blocked | longest BEGIN..COMMIT in it "
              "| longest COMMIT in it | longest BEGIN..COMMIT outside | longest COMMIT outside |",
              "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for key in ("locks", "no-locks"):
        s = cases.get(key)
        if not s or not s["runs"]:
            continue
        lines.append("| %s | %d | %s | %s | %s | %s | %s | %s |" % (
            CASE_TEXT[key], s["checkpoints"], fmt_med_max(s["checkpoint_ms"]),
            fmt_med_max(s["blocked_ms"]), fmt_med_max(s["round_max_txn_ms"]),
            fmt_med_max(s["round_max_commit_ms"]), fmt_med_max(s["outside_max_txn_ms"]),
            fmt_med_max(s["outside_max_commit_ms"])))
    return "\n".join(lines)


def detail_tables(results):
    lines = ["Every checkpoint, ms (the last round also copies the table definitions under "
             "the block):", "",
             "| case | rep | round | checkpoint | commits blocked | longest BEGIN..COMMIT in it | "
             "longest COMMIT in it | transactions overlapping |",
             "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for key in ("locks", "no-locks"):
        for rep, run in enumerate(results["runs"].get(key, []), 1):
            for r in run["rounds"]:
                lines.append("| %s | %d | %d%s | %.1f | %s | %.1f | %.1f | %d |" % (
                    key, rep, r["round"], " (last)" if r.get("last") else "", r["checkpoint_ms"],
                    "%.1f" % r["blocked_ms"] if "blocked_ms" in r else "-",
                    r["writers_max_txn_ms"], r["writers_max_commit_ms"], r["txns_caught"]))
            lines.append("| %s | %d | outside | | | %.1f | %.1f | |" % (
                key, rep, run["outside_max_txn_ms"], run["outside_max_commit_ms"]))
    lines += ["", "The three longest transactions of each run, and what the backup was doing:",
              "", "| case | rep | BEGIN..COMMIT ms | COMMIT ms | BEGIN at | where |",
              "|---|--:|--:|--:|---|---|"]
    for key, _ in CASES:
        for rep, run in enumerate(results["runs"].get(key, []), 1):
            for c in run["longest"][:3]:
                lines.append("| %s | %d | %.1f | %.1f | %s | %s |" % (
                    key, rep, c["txn_ms"], c["commit_ms"], c["begin"], c["where"]))
    return "\n".join(lines)


def write_markdown(results, path):
    m = results["machine"]
    p = results["params"]
    s = results["server"]
    idle = results["idle"]
    out = ["# bench/commit_latency results (generated)", "",
           "Machine: %s; %s RAM; %s; kernel %s; %s." % (m["cpu"], m["memory"], m.get("os", "?"),
                                                       m["kernel"], m["storage"]),
           "Build: %s. Run: %s, profile %s, %d repetitions, %.0f s in all. Before the run other "
           "processes used %.0f%% of the CPUs (3 s, load %.2f); per case, the median share "
           "they took is in the table." % (
               m["compiler"], m["date"], results["profile"], results["reps"],
               results.get("elapsed_s", 0), idle["others_cpu_pct"], idle["load1_max"]),
           "",
           "Server: MariaDB %s, log_bin=%s, binlog_format=%s, sync_binlog=%s, "
           "rocksdb_flush_log_at_trx_commit=%s; %.0f MB of SSTs (%d bulk-loaded rows) plus the "
           "writers' table." % (s.get("version", "?"), s.get("log_bin", "?"),
                                s.get("binlog_format", "?"), s.get("sync_binlog", "?"),
                                s.get("rocksdb_flush_log_at_trx_commit", "?"),
                                results["dataset_bytes"] / MB, results["dataset_rows"]),
           "Writers: %d threads, one connection each, back to back: BEGIN; INSERT of %d rows "
           "... ON DUPLICATE KEY UPDATE (each thread its own keys); COMMIT. Backup: "
           "myrocks_hotbackup --interval=%d%s, the archive into %s. Every case's statistics "
           "cover the backup's run (case none: as long as the median backup so far); cases "
           "alternate in a rotated order." % (
               p["threads"], p["rows"], p["interval"],
               " --avg_mbytes_per_sec=%d" % p["rate"] if p["rate"] > 0 else "",
               "a file on " + p["workdir"] + " (deleted after each run)" if p["sink"] == "file"
               else "a pipe (bench_drain)"),
           "", markdown_tables(results), "", detail_tables(results), ""]
    with open(path, "w") as f:
        f.write("\n".join(out))
