"""Reporting: the per-dataset tables, the targets met or missed, and
bench/run's run.md and run.png."""
from harness.cases import BASELINES, CASE_INFO, SERVER_CASES
from harness.common import MB, MIB, log


def fmt_rate(value):
    if value >= 100:
        return "%.0f" % value
    if value >= 10:
        return "%.1f" % value
    return "%.2f" % value


def fmt_ratio(value):
    if value >= 100:
        return "%.0fx" % value
    if value >= 10:
        return "%.1fx" % value
    return "%.2fx" % value


def table_rows(name, data):
    """Markdown rows: case, MB/s, files/s, spread, RSS, out/in, ratios."""
    cases = data["cases"]
    present = [b for b in BASELINES if b in cases and cases[b].get("ok")]
    header = ["case", "n", "MB/s", "files/s", "spread", "others", "peak RSS MiB", "out/in"]
    header += ["x " + b for b in present]
    rows = [header]
    for case, summary in cases.items():
        if data.get("server"):
            text = dict((c, t) for c, _, t in SERVER_CASES)[case]
        else:
            text = CASE_INFO[case][2]
        label = "%s (%s)" % (case, text)
        if not summary.get("ok"):
            rows.append([label, "FAILED"] + [""] * (len(header) - 2))
            continue
        row = [label, str(summary["runs"]), fmt_rate(summary["mb_s"]),
               fmt_rate(summary["files_s"]),
               "%.0f%%" % summary["spread_pct"], "%.0f%%" % summary.get("others_pct_median", 0),
               "%.1f" % summary["rss_mib_max"],
               "%.3f" % (summary["out_bytes"] / data["bytes"])]
        for b in present:
            if b == case:
                row.append("1")
            else:
                row.append(fmt_ratio(cases[b]["wall_median_s"] / summary["wall_median_s"]))
        rows.append(row)
    return rows


def markdown_table(rows):
    lines = ["| " + " | ".join(rows[0]) + " |",
             "|" + "|".join(["---"] + ["--:"] * (len(rows[0]) - 1)) + "|"]
    for r in rows[1:]:
        lines.append("| " + " | ".join(r) + " |")
    return "\n".join(lines)


def print_table(name, data, out):
    noise = data["noise"]
    print("\n### %s: %d files, %.1f MB, medians of up to %d runs" %
          (name, data["files"], data["bytes"] / MB, data["reps"]), file=out)
    print(markdown_table(table_rows(name, data)), file=out)
    print("(others used %.0f%% of the CPUs meanwhile; steal %.1f%%; load %.2f-%.2f)" %
          (noise["others_cpu_pct"], noise["steal_pct"], noise["load1_min"], noise["load1_max"]),
          file=out, flush=True)


TARGET_RSS = 64 * MIB


def ratio(data, ours, base):
    a = data["cases"].get(ours)
    b = data["cases"].get(base)
    if not a or not b or not a.get("ok") or not b.get("ok"):
        return None
    return b["wall_median_s"] / a["wall_median_s"]


def evaluate_targets(results):
    d = results["datasets"]
    targets = []

    def add(text, value, goal, where):
        targets.append({"target": text, "where": where, "value": value, "goal": goal,
                        "met": value is not None and value >= goal})

    for name in ("frm", "frm-xl"):
        if name not in d:
            continue
        if "original" in d[name]["cases"]:
            add("many small files: ours tar vs the original's strategy", ratio(d[name],
                "ours-tar", "original"), 100.0, name)
        add("many small files: ours tar vs GNU tar", ratio(d[name], "ours-tar", "gnu-tar"),
            1.0, name)
    if "server-tables" in d:
        add("many small files, end to end: ours vs the original script",
            ratio(d["server-tables"], "ours-tar", "original"), 100.0, "server-tables")
    if "server-sst" in d and "bsdtar-datadir" in d["server-sst"]["cases"]:
        add("1 GB of SSTs, end to end (server, checkpoints): ours vs bsdtar of the datadir",
            ratio(d["server-sst"], "ours-tar", "bsdtar-datadir"), 1.2, "server-sst")
    for name in ("sst", "sst-xl"):
        if name not in d:
            continue
        if "bsdtar" in d[name]["cases"]:
            add("large files, page cache: ours tar vs bsdtar",
                ratio(d[name], "ours-tar", "bsdtar"), 1.0, name)
        if "mbstream" in d[name]["cases"]:
            add("large files, page cache: ours XBSTREAM vs mbstream -c",
                ratio(d[name], "ours-xbs", "mbstream"), 2.0, name)
        add("O_DIRECT: ours tar vs one dd iflag=direct bs=4M",
            ratio(d[name], "ours-tar-direct", "dd-direct"), 1.5, name)
        if "ours-xbs-direct" in d[name]["cases"]:
            add("O_DIRECT: ours XBSTREAM vs one dd iflag=direct bs=4M",
                ratio(d[name], "ours-xbs-direct", "dd-direct"), 1.5, name)
        if "tar+zstd" in d[name]["cases"]:
            add("zstd -1: ours tar (2 threads) vs tar piped into zstd -1 -T2",
                ratio(d[name], "ours-tar-zstd", "tar+zstd"), 1.3, name)
            add("zstd -1: ours XBSTREAM (2 threads) vs tar piped into zstd -1 -T2",
                ratio(d[name], "ours-xbs-zstd", "tar+zstd"), 1.3, name)
    worst = 0.0
    where = ""
    for name, data in d.items():
        for case, s in data["cases"].items():
            if case.startswith("ours") and s.get("ok") and s["rss_mib_max"] > worst:
                worst = s["rss_mib_max"]
                where = "%s/%s" % (name, case)
    targets.append({"target": "peak RSS of ours at most 64 MiB (every dataset and case)",
                    "where": where, "value": worst, "goal": 64.0, "met": worst <= 64.0,
                    "unit": "MiB"})
    return targets


def targets_markdown(targets):
    lines = ["| target | dataset | measured | goal | |", "|---|---|--:|--:|---|"]
    for t in targets:
        if t.get("unit") == "MiB":
            value = "%.1f MiB" % t["value"]
            goal = "<= %.0f MiB" % t["goal"]
        else:
            value = "n/a" if t["value"] is None else fmt_ratio(t["value"])
            goal = ">= %sx" % ("%g" % t["goal"])
        lines.append("| %s | %s | %s | %s | %s |" % (t["target"], t["where"], value, goal,
                                                    "met" if t["met"] else "**missed**"))
    return "\n".join(lines)


def write_markdown(results, path):
    m = results["machine"]
    out = ["# bench/run results (generated)", "",
           "Machine: %s; %s RAM; %s; kernel %s; %s." % (m["cpu"], m["memory"], m["os"],
                                                       m["kernel"], m["storage"]),
           "Build: %s. Tools: %s." % (m["compiler"], m["tools"]),
           "Run: %s, profile %s, page cache dropped before O_DIRECT cases: %s." %
           (m["date"], results["profile"], "yes" if results.get("drop_caches") else "no"),
           "", "MB/s = dataset bytes (files read) per second of wall time, median of the runs; "
           "n = runs; spread = (slowest - fastest) / median; others = median share of the 2 CPUs "
           "that other processes used during this case's runs; peak RSS = the producer's (sum over a "
           "pipeline's stages); out/in = archive bytes / file bytes; x B = B's median time / "
           "this case's (above 1: faster than B).", ""]
    for name, data in results["datasets"].items():
        noise = data["noise"]
        out.append("## %s: %d files, %.1f MB, medians of up to %d runs" %
                   (name, data["files"], data["bytes"] / MB, data["reps"]))
        out.append("")
        out.append(markdown_table(table_rows(name, data)))
        out.append("")
        out.append("Meanwhile other processes used %.0f%% of the CPUs, steal %.1f%%, "
                   "load average %.2f-%.2f." % (noise["others_cpu_pct"], noise["steal_pct"],
                                               noise["load1_min"], noise["load1_max"]))
        out.append("")
    out.append("## Targets")
    out.append("")
    out.append(targets_markdown(results["targets"]))
    out.append("")
    with open(path, "w") as f:
        f.write("\n".join(out))


def draw_targets(ax, targets, matplotlib):
    """One bar per target: measured / goal (for memory, goal / measured);
    at or right of the line means met."""
    labels, values, colors = [], [], []
    for t in targets:
        if t["value"] is None:
            continue
        if t.get("unit") == "MiB":
            v = t["goal"] / max(t["value"], 1e-9)
            labels.append("RSS <= 64 MiB (%s)" % t["where"])
        else:
            v = t["value"] / t["goal"]
            short = t["target"].split(": ", 1)[-1].replace("piped into", "|")
            labels.append("%s >= %gx (%s)" % (short, t["goal"], t["where"]))
        values.append(v)
        colors.append("#27ae60" if t["met"] else "#e67e22")
    y = list(range(len(labels)))
    ax.barh(y, values, color=colors)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    for yi, v in zip(y, values):
        ax.text(v, yi, " %.2f" % v, va="center", fontsize=7)
    ax.set_title("targets: measured / goal (green: met, orange: missed; the line is the goal)",
                 fontsize=9)
    ax.tick_params(axis="x", labelsize=7)


def write_chart(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        log("bench: matplotlib missing; no chart")
        return False
    names = list(results["datasets"].keys())
    targets = results.get("targets", [])
    heights = [len(results["datasets"][n]["cases"]) for n in names]
    if targets:
        heights.append(len(targets))
    fig, axes = plt.subplots(len(heights), 1,
                             figsize=(11, 0.42 * sum(heights) + 1.2 * len(heights)),
                             gridspec_kw={"height_ratios": heights})
    if len(heights) == 1:
        axes = [axes]
    if targets:
        draw_targets(axes[-1], targets, matplotlib)
    for ax, name in zip(axes, names):
        data = results["datasets"][name]
        small = name in ("frm", "frm-xl", "server-tables")
        labels, values, lo, hi, colors = [], [], [], [], []
        for case, s in data["cases"].items():
            if not s.get("ok"):
                continue
            labels.append(case)
            scale = data["files"] / data["bytes"] * MB if small else 1.0
            v = s["mb_s"] * scale
            values.append(v)
            lo.append(v - s["mb_s_min"] * scale)
            hi.append(s["mb_s_max"] * scale - v)
            if case == "original":
                colors.append("#c0392b")
            elif case.startswith("ours"):
                colors.append("#2471a3")
            elif CASE_INFO.get(case, ("",))[0] == "reference":
                colors.append("#7dcea0")
            else:
                colors.append("#909497")
        y = list(range(len(labels)))
        ax.barh(y, values, xerr=[lo, hi], color=colors, capsize=2)
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=8)
        ax.invert_yaxis()
        if values and max(values) / max(min(values), 1e-9) > 30:
            ax.set_xscale("log")
        for yi, v in zip(y, values):
            ax.text(v, yi, " " + fmt_rate(v), va="center", fontsize=7)
        unit = "files/s" if small else "MB/s"
        ax.set_title("%s: %d files, %.0f MB (%s, medians of up to %d runs; bars: min-max)" %
                     (name, data["files"], data["bytes"] / MB, unit, data["reps"]), fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("myrocks_hotbackup vs the original and the standard tools "
                 "(grey: baselines, red: original, blue: ours, green: reference)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.985))
    fig.savefig(path, dpi=110)
    return True
