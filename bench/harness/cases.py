"""The cases: which producers are measured on which dataset and on the
servers, the command lines of the file-level ones, the order the cases run
in, and the summary of a case's runs."""
from harness.common import PYTHON
from harness.stats import Runs


# The original's StreamWriter.write, verbatim in effect: one os.system
# ("tar chf - " + name) per file, every archive appended to the same stdout.
ORIGINAL_STRATEGY = r"""
import os, sys
for name in open(sys.argv[1]).read().splitlines():
    rc = os.system("tar chf - " + name)
    if rc != 0:
        sys.exit("tar failed on %s: %d" % (name, rc))
"""

DD_LOOP = 'for f in "$@"; do dd if="$f" iflag=direct bs=4M status=none || exit 1; done'
DD_NULL_LOOP = ('for f in "$@"; do dd if="$f" of=/dev/null iflag=direct bs=4M status=none '
                '|| exit 1; done')

# Case keys, in display order. "kind" is baseline or ours; "direct" cases run
# after the page cache is dropped.
CASES = [
    ("original", "baseline", False, "original's strategy: sh -c \"tar chf - FILE\" per file"),
    ("gnu-tar", "baseline", False, "GNU tar -cf - ."),
    ("bsdtar", "baseline", False, "bsdtar -cf - ."),
    ("mbstream", "baseline", False, "mbstream -c FILES"),
    ("tar+zstd", "baseline", False, "tar -cf - . piped into zstd -1 -T2"),
    ("dd-direct", "baseline", True, "one dd iflag=direct bs=4M per file"),
    ("ours-tar", "ours", False, "ours, tar"),
    ("ours-xbs", "ours", False, "ours, XBSTREAM"),
    ("ours-tar-direct", "ours", True, "ours, tar, O_DIRECT"),
    ("ours-xbs-direct", "ours", True, "ours, XBSTREAM, O_DIRECT"),
    ("ours-tar-zstd", "ours", False, "ours, tar, zstd -1, 2 threads"),
    ("ours-xbs-zstd", "ours", False, "ours, XBSTREAM, zstd -1, 2 threads"),
    ("ours-tar-zstd-t0", "ours", False, "ours, tar, zstd -1, in the main thread"),
    ("device-direct", "reference", True,
     "reference, no pipe: the device alone, dd iflag=direct bs=4M of=/dev/null per file"),
]
CASE_INFO = {key: (kind, direct, text) for key, kind, direct, text in CASES}
BASELINES = ["original", "bsdtar-datadir", "gnu-tar", "bsdtar", "mbstream", "tar+zstd",
             "dd-direct"]

DATASET_CASES = {
    "frm": ["original", "gnu-tar", "bsdtar", "mbstream", "tar+zstd", "ours-tar", "ours-xbs",
            "ours-tar-zstd", "ours-xbs-zstd", "ours-tar-direct", "ours-xbs-direct"],
    "sst": [key for key, _, _, _ in CASES],
    "mix": ["original", "gnu-tar", "bsdtar", "mbstream", "tar+zstd", "ours-tar", "ours-xbs",
            "ours-tar-zstd", "ours-xbs-zstd", "ours-tar-direct", "ours-xbs-direct"],
    "sst-xl": ["gnu-tar", "dd-direct", "ours-tar", "ours-xbs", "ours-tar-direct",
               "ours-tar-zstd", "device-direct"],
    "frm-xl": ["gnu-tar", "ours-tar", "ours-xbs", "ours-tar-zstd", "ours-xbs-zstd"],
}

SERVER_CASES = [
    ("original", "baseline", "the original script (python3, tar chf - per file)"),
    ("bsdtar-datadir", "baseline",
     "bsdtar -cf - of the whole datadir (no server, no checkpoint: the copy alone)"),
    ("ours-tar", "ours", "myrocks_hotbackup"),
    ("ours-xbs", "ours", "myrocks_hotbackup --stream=xbstream"),
    ("ours-tar-zstd", "ours",
     "myrocks_hotbackup --compress=zstd --compress_level=1 --compress_threads=2"),
    ("ours-tar-direct", "ours", "myrocks_hotbackup --direct_io=on"),
]

# The original's strategy takes 6-25 s a run on the small-file datasets and
# varies little (a few %); it runs at most this many times.
ORIGINAL_MAX_RUNS = 3


def stages_for(case, ds, tools):
    ours = [tools.stream_files]
    table = {
        "original": [[PYTHON, "-c", ORIGINAL_STRATEGY, ds.list_path]],
        "gnu-tar": [["tar", "-cf", "-", "."]],
        "bsdtar": [["bsdtar", "-cf", "-", "."]],
        "mbstream": [["mbstream", "-c"] + ds.files],
        "tar+zstd": [["tar", "-cf", "-", "."], ["zstd", "-1", "-T2", "-q", "-c"]],
        "dd-direct": [["bash", "-c", DD_LOOP, "dd-loop"] + ds.files],
        "ours-tar": [ours + ["--format", "tar", "."]],
        "ours-xbs": [ours + ["--format", "xbstream", "."]],
        "ours-tar-direct": [ours + ["--format", "tar", "--direct", "."]],
        "ours-xbs-direct": [ours + ["--format", "xbstream", "--direct", "."]],
        "ours-tar-zstd": [ours + ["--format", "tar", "--compress", "zstd", "--level", "1",
                                  "--threads", "2", "."]],
        "ours-xbs-zstd": [ours + ["--format", "xbstream", "--compress", "zstd", "--level", "1",
                                  "--threads", "2", "."]],
        "ours-tar-zstd-t0": [ours + ["--format", "tar", "--compress", "zstd", "--level", "1",
                                     "--threads", "0", "."]],
        "device-direct": [["bash", "-c", DD_NULL_LOOP, "dd-loop"] + ds.files],
    }
    return table[case]


def rotated(items, k):
    if not items:
        return items
    k %= len(items)
    return items[k:] + items[:k]


def summarize(runs, numerator_bytes, files):
    s = Runs(runs)
    if not s.good:
        return s.failure()
    out = s.timing(numerator_bytes, wall_range=True)
    med = out["wall_median_s"]
    out.update({
        "files_s": files / med,
        "spread_pct": 100.0 * (out["wall_max_s"] - out["wall_min_s"]) / med,
        "rss_mib_max": s.max("rss_kib") / 1024.0,
        "others_pct_median": s.median(lambda r: r.get("others_pct", 0.0)),
        "out_bytes": s.median("out_bytes"),
        "error": s.first_error(),
    })
    return out
