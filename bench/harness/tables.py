"""bench/tables' parts: a throwaway server with a binlog and many empty
MyRocks tables (production's shape: hundreds of tables per database), its
table cache filled as a busy server's is before every backup, the backups
(ours, and the original script at the smallest size) timed one process at a
time under GNU time, what ours' log says about the DDL block and the table
definitions, the phases of its run from the log's timestamps, and the
tables."""
import os
import re
import signal
import subprocess
import tempfile
import time

from harness.cases import ORIGINAL_MAX_RUNS, rotated
from harness.common import SANDBOX, TIME, log
from harness.latency import SERVER_OPTIONS as BINLOG_OPTIONS
from harness.server import Sandbox, server_stages
from harness.stats import Runs, fmt

# Sizes (tables) and repetitions. The original script runs only at the
# smallest size, at most ORIGINAL_MAX_RUNS times (harness/cases.py).
PROFILES = {
    "full": {"sizes": [5000, 20000, 100000], "reps": 5},
    "quick": {"sizes": [2000, 5000], "reps": 2},
}
TABLES_PER_DB = 500
CREATE_CLIENTS = 4  # concurrent client calls creating the tables, a database each
TABLE_OPEN_CACHE = 2000  # MariaDB's default, given explicitly

# A primary's server: the binlog on (BACKUP STAGE BLOCK_COMMIT then also
# blocks the binlog), fast DDL for the thousands of CREATE TABLEs (it does
# not change how the backup reads), the default table cache.
SERVER_OPTIONS = (BINLOG_OPTIONS + Sandbox.FAST_DDL +
                  ["--table-open-cache=%d" % TABLE_OPEN_CACHE])

CASES = [
    ("ours", "myrocks_hotbackup --output=FILE"),
    ("original", "the original script (python3), its stdout into a file"),
]
CASE_TEXT = dict(CASES)

# ours' log: what it says, if it says it (the binary may change: a missing
# line gives None).
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{3}) (.*)$")
ROUND = re.compile(r"Round (\d+): DDL blocked for ([\d.]+) ms, commits for ([\d.]+) ms of it "
                   r"\(BLOCK_DDL, with the server's table cache flush, took ([\d.]+) ms\)")
DEFINITIONS = re.compile(r"Table definitions: (\d+) files linked and (\d+) copied while DDL ran")
# Since "Definitions held as open descriptors": held open, linked, copied.
DEFINITIONS_HELD = re.compile(r"Table definitions: (\d+) files held open, (\d+) linked and (\d+) "
                              r"copied while DDL ran")
SUMMARY = re.compile(r"Backup summary: .* (\d+) files")
ROUNDS = re.compile(r"Backup summary: (\d+) rounds?")
CREATED = re.compile(r"Created checkpoint at .*/(\d+)$")

# The phases of ours' run, between these lines (the first of each after the
# previous one; the checkpoint: the last round's "Created checkpoint").
PHASES = [
    ("to_misc_s", "start to 'Taking MySQL misc backups..' (connect, the SST rounds)"),
    ("first_pass_s", "the definitions' first pass, while DDL runs (to 'Traversing misc files "
     "from data directory..')"),
    ("blocked_s", "BLOCK_DDL, the second pass, BLOCK_COMMIT, the checkpoint (to the last "
     "'Created checkpoint at')"),
    ("archive_s", "archiving (to 'All Backups Done.')"),
    ("exit_s", "'All Backups Done.' to the process' exit"),
]
PHASE_TEXT = dict(PHASES)


# --- the server -------------------------------------------------------------

def table_names(n):
    """(database, table) of the n tables: TABLES_PER_DB per database."""
    return [("db%04d" % (i // TABLES_PER_DB), "t%03d" % (i % TABLES_PER_DB)) for i in range(n)]


def databases(n):
    return (n + TABLES_PER_DB - 1) // TABLES_PER_DB


def create_tables(sandbox, n):
    """n empty MyRocks tables, out of the binlog: one client call per
    database (its CREATE DATABASE and its tables), CREATE_CLIENTS calls at a
    time. Each CREATE TABLE syncs the server's ddl_recovery.log and
    RocksDB's WAL (whatever the durability options); concurrent clients
    share those syncs, one client alone waits for each (5-10x slower on a
    busy disk). Prints its progress."""
    batches = {}
    for db, table in table_names(n):
        batches.setdefault(db, ["SET SESSION sql_log_bin=0;", "CREATE DATABASE %s;" % db])
        batches[db].append("CREATE TABLE %s.%s (id INT PRIMARY KEY, v VARCHAR(32)) "
                           "ENGINE=ROCKSDB;" % (db, table))
    pending = list(batches.items())
    running = []  # (process, database, output file)
    t0 = time.monotonic()
    done = 0
    last_log = t0
    try:
        while pending or running:
            while pending and len(running) < CREATE_CLIENTS:
                db, stmts = pending.pop(0)
                sql = tempfile.TemporaryFile()
                sql.write(("\n".join(stmts) + "\n").encode())
                sql.seek(0)
                out = tempfile.TemporaryFile()
                p = subprocess.Popen([SANDBOX, "sql", sandbox.dir], stdin=sql, stdout=out,
                                     stderr=subprocess.STDOUT)
                sql.close()
                running.append((p, db, out, len(stmts) - 2))
            time.sleep(0.02)
            for item in list(running):
                p, db, out, tables = item
                if p.poll() is None:
                    continue
                running.remove(item)
                out.seek(0)
                text = out.read().decode(errors="replace")
                out.close()
                if p.returncode != 0:
                    raise RuntimeError("creating the tables of %s failed: %s" % (db, text[-2000:]))
                done += tables
            now = time.monotonic()
            if now - last_log >= 10 or (not pending and not running):
                last_log = now
                log("  created %d of %d tables, %.0f s (%.0f tables/s)" % (
                    done, n, now - t0, done / (now - t0) if now > t0 else 0))
    finally:
        for p, _, out, _ in running:
            try:
                p.kill()
                p.wait()
            except OSError:
                pass
            out.close()
    return time.monotonic() - t0


def query_rows(sandbox, text):
    """Rows of a query's tab-separated output, header dropped."""
    return [line.split("\t") for line in sandbox.sql(text).splitlines()[1:]]


def open_tables(sandbox):
    """Open_tables and Open_table_definitions, from SHOW GLOBAL STATUS."""
    rows = query_rows(sandbox, "SHOW GLOBAL STATUS WHERE Variable_name IN "
                      "('Open_tables', 'Open_table_definitions');")
    return {name.lower(): int(value) for name, value in rows}


def fill_table_cache(sandbox, n):
    """Opens every table once, in one client call, as a busy server has
    them: the table cache holds the last table_open_cache of them. Returns
    the seconds it took."""
    t0 = time.monotonic()
    sandbox.sql("".join("SELECT 1 FROM %s.%s LIMIT 0;\n" % name for name in table_names(n)))
    return time.monotonic() - t0


def server_settings(sandbox):
    keys = ["version", "log_bin", "binlog_format", "table_open_cache",
            "table_open_cache_instances", "table_definition_cache", "open_files_limit"]
    row = query_rows(sandbox, "SELECT " + ", ".join("@@" + k for k in keys) + ";")[0]
    return dict(zip(keys, row))


def server_cpu_seconds(sandbox):
    """The server's user + system CPU seconds (it is not our child)."""
    try:
        with open("/proc/%d/stat" % sandbox.pid()) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, ValueError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- ours' log --------------------------------------------------------------

def log_time(date, millis):
    """Seconds since the epoch of a log line's local time stamp."""
    return time.mktime(time.strptime(date, "%Y-%m-%d %H:%M:%S")) + int(millis) / 1000.0


def parse_log(text, started, ended):
    """The figures ours' log gives (None where a line is missing) and the
    phases of the run: `started` and `ended` are the epoch seconds of the
    process' start and exit."""
    out = {"ddl_blocked_ms": None, "commit_blocked_ms": None, "block_ddl_ms": None,
           "round": None, "rounds": None, "files": None, "defs_held_open": None,
           "defs_linked": None, "defs_copied": None}
    for m in ROUND.finditer(text):  # the last round's
        out["round"] = int(m.group(1))
        out["ddl_blocked_ms"] = float(m.group(2))
        out["commit_blocked_ms"] = float(m.group(3))
        out["block_ddl_ms"] = float(m.group(4))
    m = DEFINITIONS.search(text)
    if m:
        out["defs_linked"] = int(m.group(1))
        out["defs_copied"] = int(m.group(2))
    m = DEFINITIONS_HELD.search(text)
    if m:
        out["defs_held_open"] = int(m.group(1))
        out["defs_linked"] = int(m.group(2))
        out["defs_copied"] = int(m.group(3))
    m = SUMMARY.search(text)
    if m:
        out["files"] = int(m.group(1))
    m = ROUNDS.search(text)
    if m:
        out["rounds"] = int(m.group(1))

    lines = []
    for line in text.splitlines():
        m = LOG_LINE.match(line)
        if m:
            lines.append((log_time(m.group(1), m.group(2)), m.group(3)))

    def first(after, pred):
        for i in range(after, len(lines)):
            if pred(lines[i][1]):
                return i
        return None

    marks = []
    i = first(0, lambda s: "Taking MySQL misc backups.." in s)
    marks.append(i)
    j = first(i, lambda s: "Traversing misc files from data directory.." in s) \
        if i is not None else None
    marks.append(j)
    created = [k for k, (_, s) in enumerate(lines) if CREATED.search(s)]
    k = created[-1] if created and j is not None and created[-1] > j else None
    marks.append(k)
    d = first(k, lambda s: "All Backups Done." in s) if k is not None else None
    marks.append(d)
    stamps = [started] + [lines[x][0] if x is not None else None for x in marks] + [ended]
    phases = {}
    for (key, _), a, b in zip(PHASES, stamps, stamps[1:]):
        phases[key] = max(0.0, b - a) if a is not None and b is not None else None
    out["phases"] = phases
    return out


# --- the runs ---------------------------------------------------------------

class Runner:
    """Runs one backup at a time under GNU time (its peak RSS, with its
    children's), timed; the live one in its own process group, for kill_all
    on the way out."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.live = []
        self.out = os.path.join(workdir, "out.tar")
        self.checkpoint = os.path.join(workdir, "cp")

    def kill_all(self):
        for p in self.live:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                p.wait()
            except OSError:
                pass
        self.live = []

    def clean(self, sandbox):
        """What a run leaves: the archive, the checkpoint directories."""
        if os.path.exists(self.out):
            os.unlink(self.out)
        for path in (self.checkpoint, os.path.join(sandbox.dir, "ckpt-orig")):
            subprocess.run(["rm", "-rf", "--one-file-system", path], check=False)

    def argv(self, case, sandbox, tools, original):
        if case == "ours":
            return [tools.binary, "--socket=" + sandbox.socket, "-u", "root",
                    "--checkpoint_dir=" + self.checkpoint, "--output=" + self.out]
        # As bench/run runs it (harness/server.py), its archive on stdout.
        return server_stages("original", sandbox, tools, original)[0]

    def run(self, case, sandbox, tools, original):
        self.clean(sandbox)
        argv = self.argv(case, sandbox, tools, original)
        err_path = os.path.join(self.workdir, "run.err")
        rss_path = os.path.join(self.workdir, "run.rss")
        if os.path.exists(rss_path):
            os.unlink(rss_path)
        os.sync()  # no writeback of the table cache fill or an earlier run
        with open(err_path, "wb") as err, \
                open(self.out if case == "original" else os.devnull, "wb") as out:
            started = time.time()
            t0 = time.monotonic()
            p = subprocess.Popen([TIME, "-f", "%M", "-o", rss_path] + argv,
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 start_new_session=True)
            self.live.append(p)
            rc = p.wait()
            wall = time.monotonic() - t0
            ended = time.time()
            self.live.remove(p)
        with open(err_path, errors="replace") as f:
            text = f.read()
        rss_kib = None
        try:
            with open(rss_path) as f:
                rss_kib = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
        r = {"case": case, "ok": rc == 0, "wall_s": wall,
             "rss_mib": rss_kib / 1024.0 if rss_kib else None,
             "out_bytes": os.path.getsize(self.out) if os.path.exists(self.out) else 0}
        if rc != 0:
            r["error"] = "exit %d: %s" % (rc, text[-3000:])
        else:
            r["archive_files"] = archive_files(self.out)
        if case == "ours":
            r.update(parse_log(text, started, ended))
        self.clean(sandbox)
        return r


def archive_files(path):
    """Files (not directories) in a tar archive, or several appended (the
    original's: one archive per file)."""
    r = subprocess.run(["tar", "-tif", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    if r.returncode != 0:
        return None
    return sum(1 for line in r.stdout.splitlines() if line and not line.endswith("/"))


# --- summaries and tables ---------------------------------------------------

def summarize_case(runs, n):
    case = Runs(runs)
    s = {"runs": len(case.good), "failed": case.failed()}
    if not case.good:
        return s

    pick = case.spread
    s["wall_s"] = pick("wall_s")
    s["ms_per_table"] = pick(lambda r: 1000.0 * r["wall_s"] / n)
    rss = pick("rss_mib")
    s["rss_mib_max"] = rss["max"] if rss else None
    s["rss_mib"] = rss
    for key in ("ddl_blocked_ms", "block_ddl_ms", "commit_blocked_ms", "open_before",
                "open_after", "open_defs_before", "open_defs_after", "files", "archive_files",
                "defs_held_open", "defs_linked", "defs_copied", "rounds", "fill_s",
                "others_cpu_pct"):
        s[key] = pick(key)
    s["phases"] = {key: pick(lambda r: r.get("phases", {}).get(key)) for key, _ in PHASES}
    return s


def summarize(results):
    """Per size: each case's medians; the original against ours at its size,
    extrapolated (linearly in the tables, through its per-table cost at the
    small size) above it; ours' ms per table at the largest size against the
    smallest."""
    sizes = results["sizes"]
    for entry in sizes:
        n = entry["n"]
        entry["summary"] = {c: summarize_case(entry["runs"][c], n) for c in entry["runs"]}
    ours = [(e["n"], e["summary"]["ours"]) for e in sizes if e["summary"]["ours"].get("runs")]
    base = next((e for e in sizes if e["summary"].get("original", {}).get("runs")), None)
    out = {"ratios": []}
    if base:
        orig = base["summary"]["original"]["wall_s"]["median"]
        per_table = orig / base["n"]
        out["original_n"] = base["n"]
        out["original_ms_per_table"] = 1000.0 * per_table
        for n, s in ours:
            if n < base["n"]:
                continue
            measured = n == base["n"]
            out["ratios"].append({"n": n, "extrapolated": not measured,
                                  "original_s": orig if measured else per_table * n,
                                  "ours_s": s["wall_s"]["median"],
                                  "ratio": (orig if measured else per_table * n) /
                                  s["wall_s"]["median"]})
    if len(ours) >= 2:
        (n0, s0), (n1, s1) = ours[0], ours[-1]
        r = s1["ms_per_table"]["median"] / s0["ms_per_table"]["median"]
        out["flat"] = {"small_n": n0, "large_n": n1, "small_ms": s0["ms_per_table"]["median"],
                       "large_ms": s1["ms_per_table"]["median"], "ratio": r,
                       "flat": r <= FLAT_LIMIT}
    results["summary"] = out
    return out


# Ours' ms per table at the largest size at most this many times that at the
# smallest: "flat".
FLAT_LIMIT = 1.25


def med(s, digits=1):
    if s is None:
        return "-"
    return ("%%.%df" % digits) % s["median"]


def size_table(results):
    lines = ["| tables (databases) | case | runs | wall s, median (min-max) | ms per table | "
             "DDL blocked ms | BLOCK_DDL ms | commits blocked ms | Open_tables before / after | "
             "peak RSS MiB | files | others' CPU |",
             "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for e in results["sizes"]:
        for case, _ in CASES:
            s = e["summary"].get(case)
            if s is None or not (s["runs"] or s["failed"]):
                continue
            if not s["runs"]:
                lines.append("| %d (%d) | %s | 0 of %d | FAILED | | | | | | | | |" % (
                    e["n"], e["databases"], case, s["failed"]))
                continue
            lines.append("| %d (%d) | %s | %d%s | %s | %s | %s | %s | %s | %s / %s | %s | %s | "
                         "%s %% |" % (
                             e["n"], e["databases"], case, s["runs"],
                             " (%d failed)" % s["failed"] if s["failed"] else "",
                             fmt(s["wall_s"], 2), med(s["ms_per_table"], 3),
                             med(s["ddl_blocked_ms"]), med(s["block_ddl_ms"]),
                             med(s["commit_blocked_ms"]), med(s["open_before"], 0),
                             med(s["open_after"], 0),
                             "%.1f" % s["rss_mib_max"] if s["rss_mib_max"] else "-",
                             med(s["files"] if s["files"] else s["archive_files"], 0),
                             med(s["others_cpu_pct"], 0)))
    return "\n".join(lines)


def phase_table(results):
    lines = ["| tables | " + " | ".join(k.replace("_s", " s") for k, _ in PHASES) + " | wall s |",
             "|--:|" + "--:|" * (len(PHASES) + 1)]
    for e in results["sizes"]:
        s = e["summary"].get("ours", {})
        if not s.get("runs"):
            continue
        lines.append("| %d | %s | %s |" % (e["n"], " | ".join(
            med(s["phases"][k], 3) for k, _ in PHASES), med(s["wall_s"], 3)))
    return "\n".join(lines)


def summary_text(results):
    sm = results["summary"]
    out = []
    if "original_n" in sm:
        out.append("The original against ours (median wall times; the original measured at %d "
                   "tables only, %.3f ms per table; above that its time is EXTRAPOLATED "
                   "linearly: that per-table cost times the tables):" % (
                       sm["original_n"], sm["original_ms_per_table"]))
        for r in sm["ratios"]:
            out.append("- %d tables: original %.1f s%s, ours %.2f s: **%.1fx**%s" % (
                r["n"], r["original_s"], " (extrapolated)" if r["extrapolated"] else "",
                r["ours_s"], r["ratio"], " (extrapolated)" if r["extrapolated"] else
                " (measured)"))
    else:
        out.append("The original did not run (or failed): no ratio.")
    f = sm.get("flat")
    if f:
        out.append("Time per table %s: ours' %.3f ms per table at %d tables against %.3f ms at "
                   "%d: **%.2fx** (flat: at most %.2fx)." % (
                       "**flat**" if f["flat"] else "**NOT flat**", f["large_ms"], f["large_n"],
                       f["small_ms"], f["small_n"], f["ratio"], FLAT_LIMIT))
    else:
        out.append("Time per table: one size only, no comparison.")
    return "\n".join(out)


def report_text(results):
    parts = ["Backups of a server with many empty MyRocks tables (%d per database), the binlog "
             "on, table_open_cache %d, the table cache filled before every run (every table "
             "opened once). Median over the repetitions (min-max); peak RSS: the largest; "
             "files: as ours' summary line says (the original: entries in its archive)." % (
                 TABLES_PER_DB, TABLE_OPEN_CACHE), "", size_table(results), "",
             "Ours' phases, from its log's time stamps (median s):", "",
             phase_table(results), ""]
    parts += ["- %s: %s" % (k, t) for k, t in PHASES]
    defs = []
    for e in results["sizes"]:
        o = e["summary"].get("ours", {})
        if o.get("runs"):
            defs.append("%d tables: %s held open, %s linked, %s copied; %s rounds; the table "
                        "cache fill before each run %s s" % (
                            e["n"], med(o.get("defs_held_open"), 0), med(o.get("defs_linked"), 0),
                            med(o.get("defs_copied"), 0), med(o.get("rounds"), 0), med(o.get("fill_s"), 2)))
    if defs:
        parts += ["", "Table definitions while DDL ran, from ours' log (median; - where the "
                  "binary does not say): " + "; ".join(defs) + "."]
    parts += ["", summary_text(results)]
    return "\n".join(parts)


def write_markdown(results, path):
    m = results["machine"]
    idle = results.get("idle", {})
    srv = results.get("server", {})
    out = ["# bench/tables results (generated)", "",
           "Machine: %s; %s RAM; %s; kernel %s; %s." % (m["cpu"], m["memory"], m.get("os", "?"),
                                                       m["kernel"], m["storage"]),
           "Build: %s. Run: %s, profile %s, %d repetitions, %.0f s in all. Before the run other "
           "processes used %.0f%% of the CPUs (3 s, load %.2f)." % (
               m["compiler"], m["date"], results["profile"], results["reps"],
               results.get("elapsed_s", 0), idle.get("others_cpu_pct", 0),
               idle.get("load1_max", 0)),
           "",
           "Server: MariaDB %s, log_bin=%s, binlog_format=%s, table_open_cache=%s (%s "
           "instances), table_definition_cache=%s, open_files_limit=%s; options %s." % (
               srv.get("version"), srv.get("log_bin"), srv.get("binlog_format"),
               srv.get("table_open_cache"), srv.get("table_open_cache_instances"),
               srv.get("table_definition_cache"), srv.get("open_files_limit"),
               " ".join(SERVER_OPTIONS)),
           "Cases: " + "; ".join("`%s` = %s" % (k, t) for k, t in CASES) + ". Each repetition "
           "runs each case once, in rotated order; the original at most %d times, at the "
           "smallest size only. Archives into a file in %s; checkpoints in the same directory." %
           (results.get("original_max_runs", 3), results.get("workdir", "/tmp")),
           "Binary: %s (%s, sha256 %s), run from a copy." % (
               results.get("binary", {}).get("path", "?"), results.get("binary", {}).get(
                   "mtime", "?"), results.get("binary", {}).get("sha256", "?")[:16]),
           "", "Tables created (out of the binlog): " + ", ".join(
               "%d in %.0f s" % (e["n"], e["create_s"]) for e in results["sizes"]) + ".",
           "", report_text(results), ""]
    with open(path, "w") as f:
        f.write("\n".join(out))


def run_line(rep, r):
    if not r["ok"]:
        return "  rep %d %-8s FAILED: %s" % (rep, r["case"], r.get("error", "")[-500:])
    extra = ""
    if r["case"] == "ours":
        extra = ", DDL blocked %s ms (BLOCK_DDL %s ms), commits %s ms, %s files" % (
            r.get("ddl_blocked_ms"), r.get("block_ddl_ms"), r.get("commit_blocked_ms"),
            r.get("files"))
    else:
        extra = ", %s files" % r.get("archive_files")
    return "  rep %d %-8s %7.2f s, %.1f MiB%s; Open_tables %s -> %s" % (
        rep, r["case"], r["wall_s"], r["rss_mib"] or 0, extra, r.get("open_before"),
        r.get("open_after"))


def run_size(n, with_original, tools, original, runner, reps, noise):
    """One size: a server of n tables, each case `reps` times (the original
    at most ORIGINAL_MAX_RUNS), in rotated order, the table cache filled
    before every run. The server is stopped and removed at the end, also on
    failure or Ctrl-C."""
    entry = {"n": n, "databases": databases(n), "runs": {"ours": []}}
    keys = ["ours"]
    if with_original:
        keys.append("original")
        entry["runs"]["original"] = []
    sandbox = Sandbox()
    try:
        log("\n== %d tables in %d databases: starting a server (%s)" % (
            n, databases(n), " ".join(SERVER_OPTIONS)))
        sandbox.start(SERVER_OPTIONS)
        entry["server"] = server_settings(sandbox)
        entry["create_s"] = create_tables(sandbox, n)
        log("== %d tables: %d repetitions of %s%s" % (
            n, reps, " and ".join(keys),
            " (the original at most %d times)" % ORIGINAL_MAX_RUNS if with_original else ""))
        for rep in range(reps):
            for case in rotated(keys, rep):
                if case == "original" and len(entry["runs"][case]) >= ORIGINAL_MAX_RUNS:
                    continue
                fill_s = fill_table_cache(sandbox, n)
                before = open_tables(sandbox)
                noise.start()
                noise.sample_load()
                cpu0 = server_cpu_seconds(sandbox)
                r = runner.run(case, sandbox, tools, original)
                server_cpu = server_cpu_seconds(sandbox) - cpu0
                noise.sample_load()
                phase = noise.stop("%d tables %s rep %d" % (n, case, rep + 1),
                                   extra_ours_seconds=server_cpu)
                after = open_tables(sandbox)
                r.update({"rep": rep + 1, "fill_s": fill_s,
                          "open_before": before.get("open_tables"),
                          "open_after": after.get("open_tables"),
                          "open_defs_before": before.get("open_table_definitions"),
                          "open_defs_after": after.get("open_table_definitions"),
                          "server_cpu_s": server_cpu,
                          "others_cpu_pct": phase["others_cpu_pct"], "noise": phase})
                entry["runs"][case].append(r)
                log(run_line(rep + 1, r))
    finally:
        runner.kill_all()
        stop_sandbox(sandbox)
    return entry


def stop_sandbox(sandbox, wait_s=5.0):
    """Stops and removes the server, also one whose start was interrupted
    (mariadb-sandbox start killed while it waited for the server to answer:
    the server runs on, and writes its pid file soon)."""
    if not sandbox.started and os.path.exists(os.path.join(sandbox.dir, "my.cnf")):
        pid_file = os.path.join(sandbox.dir, "mariadbd.pid")
        deadline = time.monotonic() + wait_s
        while not os.path.exists(pid_file) and time.monotonic() < deadline:
            time.sleep(0.1)
        sandbox.started = os.path.exists(pid_file)
    sandbox.stop_and_remove()

