"""bench/incremental's parts: a server of a few MyRocks tables (one with a
secondary index, one in a column family of its own) bulk-loaded and
compacted as a long-running server's would be, the changes made between two
backups, the LSM tree's shape before and after them, the backups and
extractions timed one process at a time, what an incremental's manifest
says it sent and took from its base, and the tables."""
import json
import os
import random
import re
import resource
import subprocess
import time

from harness.common import MB, kill_processes
from harness.stats import fmt, spread

GB = 1e9

# Rows per table. Payloads are random bytes and their hex text, which the
# SSTs' Snappy compression cannot shrink: bytes on disk follow the row count.
# full: about 1.1 GB of SSTs; quick: about 200 MB.
PROFILES = {
    "full": {"orders": 1_200_000, "events": 700_000, "history": 600_000, "batch": 50_000,
             "reps": 3, "min_sst_bytes": 1.0 * GB},
    "quick": {"orders": 220_000, "events": 130_000, "history": 110_000, "batch": 25_000,
              "reps": 2, "min_sst_bytes": 0},
}
TABLES = ["orders", "events", "history"]

SCHEMA = """
CREATE DATABASE shop;
CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL,
  status TINYINT NOT NULL, amount DECIMAL(12,2) NOT NULL, created DATETIME NOT NULL,
  note VARBINARY(1024), KEY k_customer (customer_id)) ENGINE=ROCKSDB;
CREATE TABLE shop.events (id BIGINT PRIMARY KEY, kind SMALLINT NOT NULL,
  created DATETIME NOT NULL, payload VARBINARY(1024)) ENGINE=ROCKSDB;
CREATE TABLE shop.history (id BIGINT NOT NULL, payload VARBINARY(1024),
  PRIMARY KEY (id) COMMENT 'cfname=cf_history') ENGINE=ROCKSDB;
"""

# The rows of ids lo..hi of each table (also what the changes insert).
ROWS_SELECT = {
    "orders": "SELECT seq, (seq * 7919) %% 100003, seq %% 5, (seq %% 100000) / 100, "
              "TIMESTAMP'2025-01-01 00:00:00' + INTERVAL seq SECOND, "
              "CONCAT(RANDOM_BYTES(100), HEX(RANDOM_BYTES(100))) FROM seq_%d_to_%d",
    "events": "SELECT seq, seq %% 50, TIMESTAMP'2025-01-01 00:00:00' + INTERVAL seq SECOND, "
              "CONCAT(RANDOM_BYTES(150), HEX(RANDOM_BYTES(150))) FROM seq_%d_to_%d",
    "history": "SELECT seq, CONCAT(RANDOM_BYTES(200), HEX(RANDOM_BYTES(200))) "
               "FROM seq_%d_to_%d",
}

# Shares of all rows changed between the backups (5 % in all).
CHANGE_SHARES = {"hot_range": 0.02, "random_updates": 0.02, "inserts": 0.005, "deletes": 0.005}

SST_NAME = re.compile(r"^\d+\.sst$")
SUMMARY = re.compile(r"Backup summary: (\d+) rounds?, (\d+) files \((\d+) SST, (\d+) misc\), "
                     r"([\d.]+) GB read, ([\d.]+) GB written, ([\d.]+) s")
HELD = re.compile(r"Incremental: (\d+) SST files \(([\d.]+) GB\) are held by earlier backups")
TOOK = re.compile(r"Took (\d+) files \(([\d.]+) GB\) of backup .* \((\d+) hard-linked\)")


def load_dataset(sandbox, profile):
    """The tables, bulk-loaded in increasing key ranges (one SST per batch
    and index for the primary keys; the secondary index goes through the
    memtable, as rocksdb_bulk_load_allow_sk is off), kept out of the binlog."""
    sandbox.sql(SCHEMA)
    batch = profile["batch"]
    for table in TABLES:
        rows = profile[table]
        for lo in range(1, rows + 1, batch):
            hi = min(rows, lo + batch - 1)
            sandbox.sql("SET SESSION sql_log_bin=0; SET SESSION rocksdb_bulk_load=1; "
                        "INSERT INTO shop.%s %s; SET SESSION rocksdb_bulk_load=0;" % (
                            table, ROWS_SELECT[table] % (lo, hi)), "shop")


def query_rows(sandbox, text):
    """Rows of a query's tab-separated output, header dropped."""
    return [line.split("\t") for line in sandbox.sql(text).splitlines()[1:]]


def column_families(sandbox):
    return sorted({r[0] for r in query_rows(
        sandbox, "SELECT DISTINCT CF_NAME FROM information_schema.ROCKSDB_CF_OPTIONS;")})


def compact_all(sandbox):
    """A manual compaction of every column family: the data in the last
    level, in target_file_size_base files, as after a long run of
    compactions."""
    for cf in column_families(sandbox):
        sandbox.sql("SET GLOBAL rocksdb_compact_cf = '%s';" % cf)


def sst_files(sandbox):
    d = os.path.join(sandbox.dir, "data", "#rocksdb")
    return {n: os.path.getsize(os.path.join(d, n)) for n in os.listdir(d) if SST_NAME.match(n)}


def wait_settled(sandbox, timeout=600, quiet_s=3.0):
    """Flushes the memtables, then waits until no flush or compaction is
    pending and the set of SSTs has not changed for `quiet_s` seconds; False
    if that did not happen in `timeout` seconds."""
    sandbox.sql("SET GLOBAL rocksdb_force_flush_memtable_now = 1;")
    deadline = time.monotonic() + timeout
    last = None
    since = time.monotonic()
    while time.monotonic() < deadline:
        pending = query_rows(sandbox, "SELECT COUNT(*) FROM information_schema.ROCKSDB_CFSTATS "
                             "WHERE STAT_TYPE IN ('COMPACTION_PENDING', "
                             "'MEM_TABLE_FLUSH_PENDING') AND VALUE <> 0;")[0][0]
        running = query_rows(sandbox, "SHOW GLOBAL STATUS LIKE "
                             "'rocksdb_manual_compactions_running';")
        files = sst_files(sandbox)
        if files != last or pending != "0" or (running and running[0][1] != "0"):
            last = files
            since = time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return True
        time.sleep(0.5)
    return False


def lsm_shape(sandbox):
    """{column family: {level: [files, bytes]}}, levels with files only."""
    shape = {}
    for cf, level, kind, value in query_rows(
            sandbox, "SELECT CF_NAME, LEVEL, TYPE, VALUE FROM "
            "information_schema.ROCKSDB_COMPACTION_STATS WHERE LEVEL <> 'Sum' AND "
            "TYPE IN ('NumFiles', 'SizeBytes');"):
        entry = shape.setdefault(cf, {}).setdefault(level, [0, 0])
        entry[0 if kind == "NumFiles" else 1] = int(float(value))
    return {cf: {lv: v for lv, v in sorted(levels.items()) if v[0] > 0}
            for cf, levels in sorted(shape.items())
            if any(v[0] > 0 for v in levels.values())}


def compaction_counters(sandbox):
    rows = query_rows(sandbox, "SHOW GLOBAL STATUS WHERE Variable_name IN "
                      "('Rocksdb_compact_read_bytes', 'Rocksdb_compact_write_bytes', "
                      "'Rocksdb_flush_write_bytes', 'Rocksdb_bytes_written');")
    return {name.lower(): int(value) for name, value in rows}


def server_settings(sandbox):
    out = {}
    for key, value in zip(["version", "log_bin", "binlog_format", "rocksdb_default_cf_options"],
                          query_rows(sandbox, "SELECT @@version, @@log_bin, @@binlog_format, "
                                     "@@rocksdb_default_cf_options;")[0]):
        out[key] = value
    # The column-family options that decide which files the changes rewrite.
    d = os.path.join(sandbox.dir, "data", "#rocksdb")
    options = sorted(n for n in os.listdir(d) if n.startswith("OPTIONS-"))
    if options:
        with open(os.path.join(d, options[-1])) as f:
            for line in f:
                key, _, value = line.strip().partition("=")
                if key in ("target_file_size_base", "write_buffer_size",
                           "max_bytes_for_level_base", "level0_file_num_compaction_trigger",
                           "level_compaction_dynamic_level_bytes", "compression",
                           "bottommost_compression"):
                    out.setdefault(key, value)  # the first CF's: default
    return out


def make_changes(sandbox, profile, seed=12):
    """About 5 % of all rows, as a day of an application would change them:
    - hot range: the newest orders (a contiguous range at the end of the key
      space) get their status and amount updated;
    - random updates: 2 % of each table's older rows, point updates in
      random order and places (a quarter of the orders' also move to another
      customer: the secondary index changes too);
    - inserts: new orders and events, appended after the highest id;
    - deletes: the oldest history rows purged (a range at the start of its
      key space), and random events deleted.
    Statements of at most 10,000 rows, autocommit, into the binlog."""
    rng = random.Random(seed)
    rows = {t: profile[t] for t in TABLES}
    total = sum(rows.values())
    hot = int(round(CHANGE_SHARES["hot_range"] * total))
    inserts = int(round(CHANGE_SHARES["inserts"] * total))
    deletes = int(round(CHANGE_SHARES["deletes"] * total))
    new_orders = inserts * 6 // 10
    new_events = inserts - new_orders
    purge = deletes * 8 // 10
    event_deletes = deletes - purge
    random_updates = {t: int(round(CHANGE_SHARES["random_updates"] * rows[t])) for t in TABLES}
    hot_lo = rows["orders"] - hot + 1

    picked = {
        "orders": rng.sample(range(1, hot_lo), random_updates["orders"]),
        "history": rng.sample(range(purge + 1, rows["history"] + 1), random_updates["history"]),
    }
    events = rng.sample(range(1, rows["events"] + 1), random_updates["events"] + event_deletes)
    picked["events"] = events[:random_updates["events"]]
    deleted_events = events[random_updates["events"]:]

    stmts = ["USE shop;"]

    def in_lists(ids, size=1000):
        for i in range(0, len(ids), size):
            yield ",".join(str(x) for x in ids[i:i + size])

    for lo in range(hot_lo, rows["orders"] + 1, 10_000):
        stmts.append("UPDATE orders SET status = (status + 1) %% 5, amount = amount + 1 "
                     "WHERE id BETWEEN %d AND %d;" % (lo, min(rows["orders"], lo + 9_999)))
    # Random point updates, the three tables interleaved.
    updates = {
        "orders": "UPDATE orders SET status = (status + 1) %% 5, amount = amount + 0.5, "
                  "customer_id = IF(id %% 4 = 0, (customer_id + 17) %% 100003, customer_id) "
                  "WHERE id IN (%s);",
        "events": "UPDATE events SET kind = kind + 1 WHERE id IN (%s);",
        "history": "UPDATE history SET payload = CONCAT(LEFT(payload, 200), "
                   "HEX(RANDOM_BYTES(200))) WHERE id IN (%s);",
    }
    lists = {t: list(in_lists(picked[t])) for t in TABLES}
    while any(lists.values()):
        for t in TABLES:
            if lists[t]:
                stmts.append(updates[t] % lists[t].pop(0))
    for table, n in (("orders", new_orders), ("events", new_events)):
        for lo in range(rows[table] + 1, rows[table] + n + 1, 10_000):
            hi = min(rows[table] + n, lo + 9_999)
            stmts.append("INSERT INTO %s %s;" % (table, ROWS_SELECT[table] % (lo, hi)))
    for lo in range(1, purge + 1, 10_000):
        stmts.append("DELETE FROM history WHERE id BETWEEN %d AND %d;" % (
            lo, min(purge, lo + 9_999)))
    for ids in in_lists(deleted_events):
        stmts.append("DELETE FROM events WHERE id IN (%s);" % ids)
    sandbox.sql("\n".join(stmts))
    changed = hot + sum(random_updates.values()) + inserts + deletes
    return {
        "rows_before": total,
        "rows_changed": changed,
        "share_pct": 100.0 * changed / total,
        "hot_range_updates": {"table": "orders", "ids": [hot_lo, rows["orders"]], "rows": hot},
        "random_updates": random_updates,
        "random_orders_moving_customer": sum(1 for x in picked["orders"] if x % 4 == 0),
        "inserts": {"orders": new_orders, "events": new_events},
        "deletes": {"history_oldest_range": purge, "events_random": event_deletes},
        "statements": len(stmts) - 1,
    }


def checksums(sandbox):
    out = {}
    for row in query_rows(sandbox, "CHECKSUM TABLE shop.orders, shop.events, shop.history "
                          "EXTENDED;"):
        out[row[0]] = row[1]
    for t in TABLES:
        out["count:" + t] = query_rows(sandbox, "SELECT COUNT(*) FROM shop.%s;" % t)[0][0]
    return out


def manifest_counts(path):
    """What a saved manifest says: SSTs (files, bytes) in this archive and
    held by earlier backups, and the other files."""
    with open(path) as f:
        m = json.load(f)
    c = {"backup_id": m.get("backup_id"), "parent": (m.get("parent") or {}).get("backup_id"),
         "sent_ssts": 0, "sent_sst_bytes": 0, "held_ssts": 0, "held_sst_bytes": 0,
         "other_files": 0, "other_bytes": 0}
    others = []
    for f in m["files"]:
        name = f.get("path") or bytes.fromhex(f["path_hex"]).decode(errors="replace")
        if SST_NAME.match(os.path.basename(name)):
            kind = "held" if f.get("in") else "sent"
            c[kind + "_ssts"] += 1
            c[kind + "_sst_bytes"] += f["size"]
        else:
            c["other_files"] += 1
            c["other_bytes"] += f["size"]
            others.append((f["size"], name))
    c["largest_others"] = [[name, size] for size, name in sorted(others, reverse=True)[:6]]
    return c


class Runner:
    """Runs myrocks_hotbackup one process at a time, timed; keeps the live
    one in `live` for the caller to kill on the way out."""

    def __init__(self, binary, sandbox, workdir):
        self.binary = binary
        self.sandbox = sandbox
        self.workdir = workdir
        self.live = []

    def kill_all(self):
        kill_processes(self.live)
        self.live = []

    def _run(self, argv, what):
        os.sync()  # no writeback of an earlier step during this one
        err_path = os.path.join(self.workdir, "step.err")
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        with open(err_path, "w") as err:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=err)
            self.live.append(p)
            rc = p.wait()
            self.live.remove(p)
        wall = time.monotonic() - start
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(err_path) as f:
            text = f.read()
        if rc != 0:
            raise RuntimeError("%s exited %d: %s\n%s" % (what, rc, " ".join(argv), text[-3000:]))
        return {"wall_s": wall,
                "cpu_s": (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime),
                "log": text}

    def backup(self, name, extra):
        """A backup into workdir/name (kept), its manifest in name.json."""
        out = os.path.join(self.workdir, name)
        manifest = out + ".json"
        for path in (out, manifest):  # an earlier repetition's
            if os.path.exists(path):
                os.unlink(path)
        argv = [self.binary, "--socket=" + self.sandbox.socket, "-u", "root",
                "--checkpoint_dir=" + os.path.join(self.sandbox.dir, "ckpt"),
                "--output=" + out, "--save_manifest=" + manifest] + extra
        r = self._run(argv, "backup " + name)
        r.update({"archive": out, "manifest": manifest, "bytes": os.path.getsize(out),
                  "options": extra})
        r.update(manifest_counts(manifest))
        m = SUMMARY.search(r["log"])
        if m:
            r["rounds"] = int(m.group(1))
            r["files"] = int(m.group(2))
        m = HELD.search(r["log"])
        if m:
            r["log_held_ssts"] = int(m.group(1))
            r["log_held_gb"] = float(m.group(2))
        r["log"] = r["log"][-4000:]
        return r

    def extract(self, archive, target, base=None):
        argv = [self.binary, "--extract", "--input=" + archive, "--backup_dir=" + target]
        if base:
            argv.append("--incremental_base_dir=" + base)
        r = self._run(argv, "extract " + os.path.basename(archive))
        m = TOOK.search(r["log"])
        if m:
            r["base_files"] = int(m.group(1))
            r["base_linked"] = int(m.group(3))
        r["log"] = r["log"][-2000:]
        return r

    def copy_back(self, backup_dir, datadir):
        rocksdb = os.path.join(datadir, "#rocksdb")
        return self._run([self.binary, "--copy_back", "--datadir=" + datadir,
                          "--rocksdb_datadir=" + rocksdb, "--rocksdb_waldir=" + rocksdb,
                          "--backup_dir=" + backup_dir], "copy_back")


def remove_tree(path):
    subprocess.run(["rm", "-rf", "--one-file-system", path], check=False)


# --- summaries and tables ---------------------------------------------------

def summarize(results):
    """Medians (min-max) over the repetitions of every figure the tables show."""
    reps = results["backup_reps"]
    s = {}
    for key in ("full", "incremental"):
        s[key + "_s"] = spread([r[key]["wall_s"] for r in reps])
        s[key + "_mb"] = spread([r[key]["bytes"] / MB for r in reps])
        s[key + "_cpu_s"] = spread([r[key]["cpu_s"] for r in reps])
    s["bytes_ratio"] = spread([r["incremental"]["bytes"] / r["full"]["bytes"] for r in reps])
    s["time_ratio"] = spread([r["incremental"]["wall_s"] / r["full"]["wall_s"] for r in reps])
    s["held_share"] = spread([
        r["incremental"]["held_sst_bytes"] /
        (r["incremental"]["held_sst_bytes"] + r["incremental"]["sent_sst_bytes"]) for r in reps])
    s["others_cpu_pct"] = spread([r["noise"]["others_cpu_pct"] for r in reps])
    rr = results.get("restore_reps", [])
    if rr:
        s["extract_base_s"] = spread([r["chain"]["base"]["wall_s"] for r in rr])
        s["extract_inc_s"] = spread([r["chain"]["incremental"]["wall_s"] for r in rr])
        s["chain_s"] = spread([r["chain"]["wall_s"] for r in rr])
        s["extract_full_s"] = spread([r["full"]["wall_s"] for r in rr])
        s["chain_ratio"] = spread([r["chain"]["wall_s"] / r["full"]["wall_s"] for r in rr])
        s["inc_step_ratio"] = spread([r["chain"]["incremental"]["wall_s"] / r["full"]["wall_s"]
                                      for r in rr])
        s["restore_others_cpu_pct"] = spread([r["noise"]["others_cpu_pct"] for r in rr])
    return s


def pct(s, digits=1):
    if s is None:
        return "-"
    scaled = {k: 100.0 * v for k, v in s.items()}
    return fmt(scaled, digits) + " %"


def shape_text(shape):
    parts = []
    for cf, levels in shape.items():
        parts.append("%s: %s" % (cf, ", ".join("%s %d files %.0f MB" % (lv, v[0], v[1] / MB)
                                               for lv, v in levels.items())))
    return "; ".join(parts)


def markdown_tables(results):
    s = results["summary"]
    lines = ["Backups of the changed server, side by side: in each repetition an incremental "
             "against the first full backup's manifest and a second full backup, in "
             "alternating order. Ratio = incremental / full of the same repetition; the last "
             "row: the fastest run of each, and their ratio (the machine is shared: the "
             "minimum is the least disturbed).", "",
             "| rep | order | full s | full MB | incremental s | incremental MB | bytes ratio "
             "| time ratio | SSTs held by the base (files, MB, share of SST bytes) | SSTs sent "
             "(files, MB) | others' CPU |",
             "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for i, r in enumerate(results["backup_reps"], 1):
        f, inc = r["full"], r["incremental"]
        held = inc["held_sst_bytes"]
        sst = held + inc["sent_sst_bytes"]
        lines.append("| %d | %s | %.2f | %.1f | %.2f | %.1f | **%.1f %%** | %.1f %% | %d, %.1f, "
                     "%.1f %% | %d, %.1f | %.0f %% |" % (
                         i, " then ".join(r["order"]), f["wall_s"], f["bytes"] / MB,
                         inc["wall_s"], inc["bytes"] / MB, 100.0 * inc["bytes"] / f["bytes"],
                         100.0 * inc["wall_s"] / f["wall_s"], inc["held_ssts"], held / MB,
                         100.0 * held / sst if sst else 0.0, inc["sent_ssts"],
                         inc["sent_sst_bytes"] / MB, r["noise"]["others_cpu_pct"]))
    lines.append("| median (min-max) | | %s | %s | %s | %s | **%s** | %s | %s | | |" % (
        fmt(s["full_s"], 2), fmt(s["full_mb"]), fmt(s["incremental_s"], 2),
        fmt(s["incremental_mb"]), pct(s["bytes_ratio"]), pct(s["time_ratio"]),
        pct(s["held_share"])))
    lines.append("| best (min) | | %.2f | | %.2f | | | %.1f %% | | | |" % (
        s["full_s"]["min"], s["incremental_s"]["min"],
        100.0 * s["incremental_s"]["min"] / s["full_s"]["min"]))
    last = results["backup_reps"][-1]["incremental"]
    lines += ["", "What the incremental sends besides SSTs (every backup sends them): %d files, "
              "%.1f MB; the largest: %s." % (
                  last["other_files"], last["other_bytes"] / MB,
                  ", ".join("%s %.1f MB" % (n, b / MB) for n, b in last["largest_others"][:4]))]
    z = results.get("zstd")
    if z:
        f, inc = z["full"], z["incremental"]
        lines += ["", "The same once with `%s` (%s): full %.2f s, %.1f MB; incremental %.2f s, "
                  "%.1f MB: **%.1f %%** of the bytes, %.1f %% of the time." % (
                      " ".join(z["options"]), " then ".join(z["order"]), f["wall_s"],
                      f["bytes"] / MB, inc["wall_s"], inc["bytes"] / MB,
                      100.0 * inc["bytes"] / f["bytes"], 100.0 * inc["wall_s"] / f["wall_s"])]
    rr = results.get("restore_reps", [])
    if rr:
        lines += ["", "Restores (`--extract`), side by side, alternating order: the chain = "
                  "extract the first full, then the incremental with `--incremental_base_dir` "
                  "(base files hard-linked, every file checked); against extracting the second "
                  "full alone.", "",
                  "| rep | order | extract full 1 s | extract incremental s (base in place) | "
                  "chain s | extract full 2 s | chain / full | incremental step / full | "
                  "hard-linked | others' CPU |",
                  "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for i, r in enumerate(rr, 1):
            c = r["chain"]
            lines.append("| %d | %s | %.2f | %.2f | %.2f | %.2f | **%.2fx** | %.1f %% | %s | "
                         "%.0f %% |" % (
                             i, " then ".join(r["order"]), c["base"]["wall_s"],
                             c["incremental"]["wall_s"], c["wall_s"], r["full"]["wall_s"],
                             c["wall_s"] / r["full"]["wall_s"],
                             100.0 * c["incremental"]["wall_s"] / r["full"]["wall_s"],
                             "%s of %s" % (c["incremental"].get("base_linked", "?"),
                                           c["incremental"].get("base_files", "?")),
                             r["noise"]["others_cpu_pct"]))
        lines.append("| median (min-max) | | %s | %s | %s | %s | **%s** | %s | | |" % (
            fmt(s["extract_base_s"], 2), fmt(s["extract_inc_s"], 2), fmt(s["chain_s"], 2),
            fmt(s["extract_full_s"], 2), fmt(s["chain_ratio"], 2) + "x",
            pct(s["inc_step_ratio"])))
        lines.append("| best (min) | | %.2f | %.2f | %.2f | %.2f | %.2fx | %.1f %% | | |" % (
            s["extract_base_s"]["min"], s["extract_inc_s"]["min"], s["chain_s"]["min"],
            s["extract_full_s"]["min"], s["chain_s"]["min"] / s["extract_full_s"]["min"],
            100.0 * s["extract_inc_s"]["min"] / s["extract_full_s"]["min"]))
    check = results.get("check")
    if check:
        lines += ["", "Check: the chain's result (`--copy_back`, a server started on it) against "
                  "the source at the incremental's point: CHECKSUM TABLE ... EXTENDED and "
                  "COUNT(*) of the three tables %s (copy_back %.1f s)." % (
                      "**equal**" if check["equal"] else "**DIFFERENT**: %s vs %s" % (
                          check["restored"], check["source"]), check["copy_back_s"])]
    return "\n".join(lines)


def dataset_text(results):
    d = results["dataset"]
    c = results["changes"]
    srv = results["server"]
    lsm = results["lsm"]
    survived = lsm["ssts_kept_bytes"] / lsm["ssts_before_bytes"] if lsm["ssts_before_bytes"] else 0
    return "\n".join([
        "Server: MariaDB %s, log_bin=%s, binlog_format=%s, rocksdb_default_cf_options='%s'; "
        "RocksDB defaults: target_file_size_base=%s, write_buffer_size=%s, "
        "max_bytes_for_level_base=%s, level0_file_num_compaction_trigger=%s, "
        "level_compaction_dynamic_level_bytes=%s, compression=%s, bottommost_compression=%s." % (
            srv.get("version"), srv.get("log_bin"), srv.get("binlog_format"),
            srv.get("rocksdb_default_cf_options"), srv.get("target_file_size_base"),
            srv.get("write_buffer_size"), srv.get("max_bytes_for_level_base"),
            srv.get("level0_file_num_compaction_trigger"),
            srv.get("level_compaction_dynamic_level_bytes"), srv.get("compression"),
            srv.get("bottommost_compression")),
        "",
        "Data: shop.orders %d rows (secondary index on customer_id), shop.events %d rows, "
        "shop.history %d rows (column family cf_history); bulk-loaded (rocksdb_bulk_load, out of "
        "the binlog), then every column family compacted (rocksdb_compact_cf): **%.0f MB of "
        "SSTs** in %d files (%s); load %.0f s, compaction %.0f s." % (
            d["rows"]["orders"], d["rows"]["events"], d["rows"]["history"],
            d["sst_bytes"] / MB, d["sst_files"], shape_text(lsm["before"]), d["load_s"],
            d["compact_s"]),
        "",
        "Changes between the backups: %d of %d rows (%.1f %%), %d statements of at most 10,000 "
        "rows, autocommit, into the binlog, %.0f s: hot range = the newest %d orders (ids "
        "%d-%d) updated; random point updates of %s rows (orders, events, history; %d of the "
        "orders also move to another customer, changing the secondary index); %d orders and %d "
        "events inserted after the highest id; the oldest %d history rows purged and %d random "
        "events deleted. Then the memtables flushed and the server left until no flush or "
        "compaction was pending." % (
            c["rows_changed"], c["rows_before"], c["share_pct"], c["statements"], c["seconds"],
            c["hot_range_updates"]["rows"], c["hot_range_updates"]["ids"][0],
            c["hot_range_updates"]["ids"][1],
            "/".join(str(c["random_updates"][t]) for t in TABLES),
            c["random_orders_moving_customer"], c["inserts"]["orders"], c["inserts"]["events"],
            c["deletes"]["history_oldest_range"], c["deletes"]["events_random"]),
        "",
        "LSM after the changes: %s. Compactions meanwhile read %.0f MB and wrote %.0f MB; "
        "flushes wrote %.0f MB. SST files surviving the changes unchanged: %d of %d, %.0f of "
        "%.0f MB (**%.1f %%**); SSTs now %.0f MB in %d files." % (
            shape_text(lsm["after"]), lsm["compact_read_bytes"] / MB,
            lsm["compact_write_bytes"] / MB, lsm["flush_write_bytes"] / MB, lsm["ssts_kept"],
            lsm["ssts_before"], lsm["ssts_kept_bytes"] / MB, lsm["ssts_before_bytes"] / MB,
            100.0 * survived, lsm["ssts_after_bytes"] / MB, lsm["ssts_after"]),
    ])


def write_markdown(results, path):
    m = results["machine"]
    idle = results["idle"]
    f1 = results["full1"]
    out = ["# bench/incremental results (generated)", "",
           "Machine: %s; %s RAM; %s; kernel %s; %s." % (m["cpu"], m["memory"], m.get("os", "?"),
                                                       m["kernel"], m["storage"]),
           "Build: %s. Run: %s, profile %s, %d repetitions, %.0f s in all. Before the run other "
           "processes used %.0f%% of the CPUs (3 s, load %.2f); per repetition, the share they "
           "took is in the tables." % (m["compiler"], m["date"], results["profile"],
                                       results["reps"], results.get("elapsed_s", 0),
                                       idle["others_cpu_pct"], idle["load1_max"]),
           "", dataset_text(results), "",
           "First full backup (before the changes; the base of every incremental): %.2f s, "
           "%.1f MB, %d SSTs. Archives: tar into a file on %s (--output: written, fsynced, "
           "renamed), one round (--interval 300); the SSTs in the page cache." % (
               f1["wall_s"], f1["bytes"] / MB, f1["sent_ssts"], results["params"]["workdir"]),
           "", markdown_tables(results), ""]
    with open(path, "w") as f:
        f.write("\n".join(out))
