"""Statistics of repeated runs, for every harness: the median, min and max
of a figure over the repetitions (spread, Runs), a case's runs summarized
(Runs: which succeeded, the failure record, the first error, MB/s from the
wall times), ratios per repetition (ratio_summary), and "median (min-max)"
as the tables print it (fmt). Each harness says which figures its summary
holds; how they are computed is here, once."""
import statistics

from harness.common import MB


def spread(values):
    """{"median", "min", "max"} of the values that are not None; None when
    there are none."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def ratio_summary(values):
    """spread() of per-repetition ratios (None: that repetition failed), with
    the list itself as "per_rep"; None when every repetition failed."""
    s = spread(values)
    if s is None:
        return None
    s["per_rep"] = values
    return s


def fmt(s, digits=1):
    """A spread as "median (min-max)", or the median alone when min and max
    print the same; "" for None."""
    if s is None:
        return ""
    f = "%%.%df" % digits
    if f % s["min"] == f % s["max"]:
        return f % s["median"]
    return (f + " (" + f + "-" + f + ")") % (s["median"], s["min"], s["max"])


def _ok(run):
    return run["ok"]


class Runs:
    """The runs of one case (dicts with at least "ok", and "error" when not
    ok). `good` (default: ok) picks those the statistics are over. A field
    is a key of the run dict or a function of the run."""

    def __init__(self, runs, good=_ok):
        self.all = list(runs)
        self.good = [r for r in self.all if good(r)]

    def values(self, field):
        """The field of every good run, in order (None where a key is absent)."""
        if callable(field):
            return [field(r) for r in self.good]
        return [r.get(field) for r in self.good]

    def median(self, field):
        return statistics.median(self.values(field))

    def min(self, field):
        return min(self.values(field))

    def max(self, field):
        return max(self.values(field))

    def spread(self, field):
        return spread(self.values(field))

    def failed(self):
        """How many runs failed (not ok)."""
        return len([r for r in self.all if not r["ok"]])

    def first_error(self):
        """The error of the first failed run, or ""."""
        return next((r.get("error", "") for r in self.all if not r["ok"]), "")

    def failure(self, **fields):
        """The summary of a case without a good run: not ok, how many runs,
        `fields`, and the last run's error."""
        out = {"ok": False, "runs": len(self.all)}
        out.update(fields)
        out["error"] = self.all[-1].get("error", "") if self.all else ""
        return out

    def timing(self, nbytes, what="wall_s", wall_range=False):
        """The head of a throughput summary (there must be a good run): ok,
        good runs, failed runs, the median time of `what` (with its min and
        max if `wall_range`), and nbytes in MB per second at the median, the
        slowest and the fastest time."""
        walls = sorted(self.values(what))
        med = statistics.median(walls)
        out = {"ok": True, "runs": len(self.good), "failed": self.failed(),
               "wall_median_s": med}
        if wall_range:
            out["wall_min_s"] = walls[0]
            out["wall_max_s"] = walls[-1]
        mb = nbytes / MB
        out["mb_s"] = mb / med
        out["mb_s_min"] = mb / walls[-1]
        out["mb_s_max"] = mb / walls[0]
        return out
