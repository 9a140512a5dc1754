"""bench/encrypt: the cases (our engine with and without age encryption, and
the stock `age` binary behind it), the one-time decryption check, the
summaries and the tables."""
import filecmp
import os
import subprocess

from harness.common import MB, kill_processes
from harness.stats import Runs, ratio_summary

PROFILES = {
    "full": {"dataset": ["--sst", "16:64"]},   # bench/run's `sst`: 1.07 GB
    "quick": {"dataset": ["--sst", "3:64"]},   # about 200 MB
}

ZSTD1 = ["--format", "xbstream", "--compress", "zstd", "--level", "1", "--threads", "2"]

# key, what it is, the ratio it is reported against (its unencrypted twin).
CASES = [
    ("A", "XBSTREAM, zstd -1, 2 threads (unencrypted)", None),
    ("B", "A + --encrypt_to age1... --encrypt_threads 2", "A"),
    ("C", "A + --encrypt_to age1... --encrypt_threads 0 (sealing in the main thread)", "A"),
    ("D", "A piped into the stock `age -r age1...`", "A"),
    ("E0", "tar, no compression (unencrypted)", None),
    ("E1", "E0 + --encrypt_to age1... --encrypt_threads 2", "E0"),
]
CASE_TEXT = {key: text for key, text, _ in CASES}
CASE_BASE = {key: base for key, _, base in CASES}
# Extra cases for finding out where the time goes (--sweep).
SWEEP_CASES = [
    ("B1", "A + --encrypt_to age1... --encrypt_threads 1", "A"),
    ("B4", "A + --encrypt_to age1... --encrypt_threads 4", "A"),
]
CASE_TEXT.update({key: text for key, text, _ in SWEEP_CASES})
CASE_BASE.update({key: base for key, _, base in SWEEP_CASES})
GOAL = 0.85  # B/A, issue 13


def stages_for(case, tools, recipient):
    ours = [tools.stream_files]
    enc = ["--encrypt_to", recipient]
    table = {
        "A": [ours + ZSTD1 + ["."]],
        "B": [ours + ZSTD1 + enc + ["--encrypt_threads", "2", "."]],
        "B1": [ours + ZSTD1 + enc + ["--encrypt_threads", "1", "."]],
        "B4": [ours + ZSTD1 + enc + ["--encrypt_threads", "4", "."]],
        "C": [ours + ZSTD1 + enc + ["--encrypt_threads", "0", "."]],
        "D": [ours + ZSTD1 + ["."], ["age", "-r", recipient]],
        "E0": [ours + ["--format", "tar", "."]],
        "E1": [ours + ["--format", "tar"] + enc + ["--encrypt_threads", "2", "."]],
    }
    return table[case]


def make_key(workdir):
    """An age key pair in workdir: (identity file, recipient)."""
    key = os.path.join(workdir, "key.txt")
    r = subprocess.run(["age-keygen", "-o", key], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("age-keygen failed: " + r.stdout)
    r = subprocess.run(["age-keygen", "-y", key], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0 or not r.stdout.startswith("age1"):
        raise RuntimeError("age-keygen -y failed: " + r.stderr)
    return key, r.stdout.strip()


def run_pipeline(argvs, cwd, live, stdout=subprocess.DEVNULL):
    """Runs argvs as one pipeline (the last into `stdout`); returns the
    exit codes and the stderr tails. `live` holds the processes meanwhile,
    for the caller's cleanup on Ctrl-C."""
    procs = []
    previous = subprocess.DEVNULL
    for i, argv in enumerate(argvs):
        last = i == len(argvs) - 1
        p = subprocess.Popen(argv, stdin=previous, stdout=stdout if last else subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=cwd)
        live.append(p)
        if previous is not subprocess.DEVNULL:
            previous.close()
        previous = p.stdout
        procs.append(p)
    out = []
    # Each stage's stderr is small (a summary line or an error); reading them
    # in order after the pipeline ends cannot deadlock on a full stderr pipe
    # for these tools, but read them as they end to be safe.
    for p, argv in zip(procs, argvs):
        err = p.stderr.read().decode(errors="replace")
        p.wait()
        live.remove(p)
        out.append((os.path.basename(argv[0]), p.returncode, err.strip()[-400:]))
    return out


def verify(tools, ds, workdir, key, recipient, live):
    """Once: B's stream -> age -d -i key -> zstd -dc -> mbstream -x, every
    file compared with the dataset; E1's -> age -d -> tar -t. Returns a dict
    with ok and a text."""
    target = os.path.join(workdir, "verify-xbs")
    os.makedirs(target)
    try:
        steps = run_pipeline(stages_for("B", tools, recipient) +
                             [["age", "-d", "-i", key], ["zstd", "-dc"],
                              ["mbstream", "-x", "-C", target]], ds.path, live)
        bad = [s for s in steps if s[1] != 0]
        if bad:
            return {"ok": False, "text": "B | age -d | zstd -dc | mbstream -x failed: " +
                    "; ".join("%s exited %d: %s" % s for s in bad)}
        extracted = set()
        for root, _, names in os.walk(target):
            for n in names:
                extracted.add(os.path.relpath(os.path.join(root, n), target))
        missing = [f for f in ds.files if f not in extracted]
        differ = [f for f in ds.files if f in extracted and
                  not filecmp.cmp(os.path.join(ds.path, f), os.path.join(target, f),
                                  shallow=False)]
        extra = sorted(extracted - set(ds.files))
        if missing or differ:
            return {"ok": False, "text": "B decrypted and extracted, but %d files missing, %d "
                    "differ (%s)" % (len(missing), len(differ), ", ".join((missing + differ)[:5]))}
        text = ("B's stream -> `age -d -i key.txt` -> `zstd -dc` -> `mbstream -x`: all %d files "
                "byte-identical to the dataset (plus %s)" % (len(ds.files), ", ".join(extra)
                                                              or "nothing else"))
    finally:
        import shutil
        shutil.rmtree(target, ignore_errors=True)
    listing = os.path.join(workdir, "verify-tar.list")
    with open(listing, "wb") as f:
        steps = run_pipeline(stages_for("E1", tools, recipient) +
                             [["age", "-d", "-i", key], ["tar", "-tf", "-"]], ds.path, live,
                             stdout=f)
    bad = [s for s in steps if s[1] != 0]
    if bad:
        return {"ok": False, "text": text + "; E1 | age -d | tar -t failed: " +
                "; ".join("%s exited %d: %s" % s for s in bad)}
    with open(listing) as f:
        names = set(line.strip() for line in f if line.strip())
    os.unlink(listing)
    missing = [x for x in ds.files if x not in names]
    if missing:
        return {"ok": False, "text": text + "; E1's tar lacks %d files" % len(missing)}
    text += "; E1's stream -> `age -d` -> `tar -t`: all %d files listed" % len(ds.files)
    return {"ok": True, "text": text}


def summarize(runs, nbytes):
    s = Runs(runs)
    if not s.good:
        return s.failure()
    out = s.timing(nbytes)
    out.update({
        "cpu_median_s": s.median("cpu_s"),
        "cpu_min_s": s.min("cpu_s"),
        "cpu_max_s": s.max("cpu_s"),
        "rss_mib_max": s.max("rss_kib") / 1024.0,
        "out_bytes": s.median("out_bytes"),
        "others_pct_median": s.median(lambda r: r.get("others_pct", 0.0)),
        "error": s.first_error(),
    })
    return out


def ratios(runs, case, base, what="wall_s"):
    """Per repetition: base's wall / case's wall (= case's rate / base's);
    with what="cpu_s", base's CPU seconds / case's (input per CPU second,
    relative: the rate ratio when the CPUs are the limit)."""
    out = []
    for a, b in zip(runs[base], runs[case]):
        out.append(a[what] / b[what] if a["ok"] and b["ok"] and b[what] > 0 else None)
    return out


def add_ratios(results):
    """Every encrypted case over its unencrypted twin, per repetition, by
    wall time and by CPU time; and the goal."""
    runs = results["runs"]
    results["ratios"] = {}
    results["cpu_ratios"] = {}
    for k in results["case_order"]:
        base = CASE_BASE[k]
        if base and base in runs:
            results["ratios"][k] = ratio_summary(ratios(runs, k, base))
            results["cpu_ratios"][k] = ratio_summary(ratios(runs, k, base, "cpu_s"))
    g = results["ratios"].get("B")
    results["goal"] = ({"goal": GOAL, "median": g["median"], "min": g["min"], "max": g["max"],
                        "n": len([v for v in g["per_rep"] if v is not None]),
                        "met": g["median"] >= GOAL} if g else {"goal": GOAL, "met": False})


def markdown_tables(results):
    nbytes = results["dataset"]["bytes"]
    cases = results["cases"]
    rows = ["| case | n | MB/s of input, median (min-max) | rate / unencrypted twin, median "
            "(min-max per repetition) | CPU s user+sys, median (min-max) | CPU s per GB of input | "
            "twin's CPU / this CPU, median (min-max) | "
            "out / in | peak RSS MiB | others |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for key in results["case_order"]:
        s = cases[key]
        label = "**%s** %s" % (key, CASE_TEXT[key])
        if not s.get("ok"):
            rows.append("| %s | FAILED: %s | | | | | | | | |" % (label, s.get("error", "")[:200]))
            continue
        r = results["ratios"].get(key)
        ratio = ("%s %.3f (%.3f-%.3f)" % ("x %s:" % CASE_BASE[key], r["median"], r["min"],
                                          r["max"]) if r else "")
        c = results.get("cpu_ratios", {}).get(key)
        cpu_ratio = "%.3f (%.3f-%.3f)" % (c["median"], c["min"], c["max"]) if c else ""
        rows.append("| %s | %d | %.0f (%.0f-%.0f) | %s | %.2f (%.2f-%.2f) | %.2f | %s | %.3f | "
                    "%.1f | %.0f%% |" % (label, s["runs"], s["mb_s"], s["mb_s_min"], s["mb_s_max"],
                                  ratio, s["cpu_median_s"], s["cpu_min_s"], s["cpu_max_s"],
                                  s["cpu_median_s"] / (nbytes / 1e9), cpu_ratio,
                                  s["out_bytes"] / nbytes,
                                  s["rss_mib_max"], s["others_pct_median"]))
    per_rep = ["| repetition | order | A MB/s | B MB/s | **B / A** | C / A | D / A | E1 / E0 | "
               "B / A by CPU | others (A, B) |", "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    runs = results["runs"]
    for i in range(results["reps"]):
        def rate(key):
            r = runs.get(key, [])
            return nbytes / MB / r[i]["wall_s"] if i < len(r) and r[i]["ok"] else None

        def rat(key, table="ratios"):
            v = results.get(table, {}).get(key)
            v = v["per_rep"][i] if v and i < len(v["per_rep"]) else None
            return "%.3f" % v if v is not None else "-"

        a, b = rate("A"), rate("B")
        others = "%.0f%%, %.0f%%" % (runs["A"][i].get("others_pct", 0),
                                     runs["B"][i].get("others_pct", 0))
        per_rep.append("| %d | %s | %s | %s | **%s** | %s | %s | %s | %s | %s |" % (
            i + 1, " ".join(results["orders"][i]), "%.0f" % a if a else "-",
            "%.0f" % b if b else "-", rat("B"), rat("C"), rat("D"), rat("E1"),
            rat("B", "cpu_ratios"), others))
    g = results["goal"]
    goal = ("Goal (issue 13): B / A >= %.2f at zstd -1, 2 threads. Measured: median %.3f, "
            "min-max %.3f-%.3f over %d repetitions: **%s**." % (
                GOAL, g["median"], g["min"], g["max"], g["n"], "met" if g["met"] else "not met")
            if g.get("median") is not None else "Goal: no ratio (a case failed).")
    return "\n".join(rows) + "\n\n" + "\n".join(per_rep) + "\n\n" + goal


def noise_text(results):
    idle = results["idle"]
    ph = results["noise"]
    return ("Other processes used %.0f%% of the CPUs in the 3 s before the run (load %.2f) and "
            "%.0f%% during the repetitions (steal %.1f%%, load %.2f-%.2f); per run, the median "
            "share they took is the `others` column." % (
                idle["others_cpu_pct"], idle["load1_max"], ph["others_cpu_pct"],
                ph["steal_pct"], ph["load1_min"], ph["load1_max"]))


def write_markdown(results, path):
    m = results["machine"]
    d = results["dataset"]
    out = ["# bench/encrypt results (generated)", "",
           "Machine: %s; %s RAM; %s; kernel %s; %s." % (m["cpu"], m["memory"], m.get("os", "?"),
                                                       m["kernel"], m["storage"]),
           "Build: %s. Tools: %s. Run: %s, profile %s, %d repetitions, %.0f s in all." % (
               m["compiler"], results.get("age_version", "?"), m["date"], results["profile"],
               results["reps"], results.get("elapsed_s", 0)),
           "",
           "Dataset: `bench_gen_dataset %s` (bench/run's SST-like set): %d files, %.1f MB, in "
           "the page cache (an untimed read before every run). Every case streams into a pipe "
           "read by `bench_drain`; every repetition runs each case once, in a rotated order. "
           "MB/s = input bytes / wall time. CPU = user + system time of the producer stages "
           "(bench_stream_files, and `age` for D), not of bench_drain." % (
               " ".join(d["args"]), d["files"], d["bytes"] / MB),
           "", noise_text(results), "",
           "Check: " + results["verify"]["text"] + ".", "",
           markdown_tables(results), ""]
    with open(path, "w") as f:
        f.write("\n".join(out))


def kill_all(live):
    kill_processes(live)
    del live[:]
