"""Running one case: the producer stages as a pipeline into bench_drain,
timed, with the peak RSS of each stage and the CPU others took meanwhile."""
import os
import subprocess
import time

from harness.common import TIME, kill_processes
from harness.machine import children_cpu_seconds, cpu_jiffies


class Runner:
    def __init__(self, tools, tmpdir):
        self.tools = tools
        self.tmpdir = tmpdir
        self.live = []  # processes started and not yet reaped

    def run(self, stages, cwd, env=None):
        """Runs `stages` (argv lists) as a pipeline into bench_drain. Returns
        dict(wall_s, out_bytes, rss_kib (sum over the producer stages), ok,
        error, cpu_s (user + system seconds of the producer stages, with
        their children), drain_cpu_s).

        Each stage runs under GNU time, which reports its peak RSS (with
        that of its descendants): getrusage in this process would not do, as
        a child's high-water mark starts at the RSS of the Python process
        it was forked from."""
        count_path = os.path.join(self.tmpdir, "count")
        err_paths = [os.path.join(self.tmpdir, "stderr.%d" % i) for i in range(len(stages))]
        rss_paths = [os.path.join(self.tmpdir, "rss.%d" % i) for i in range(len(stages))]
        for path in rss_paths:
            if os.path.exists(path):
                os.unlink(path)
        read_end, write_end = os.pipe()
        procs = []
        busy0, _, _ = cpu_jiffies()
        ours0 = children_cpu_seconds()
        start = time.perf_counter()
        try:
            drain = subprocess.Popen([self.tools.drain, count_path], stdin=read_end,
                                     stdout=subprocess.DEVNULL, cwd=self.tmpdir)
            self.live.append(drain)
            os.close(read_end)
            read_end = -1
            previous = subprocess.DEVNULL
            for i, argv in enumerate(stages):
                last = i == len(stages) - 1
                with open(err_paths[i], "wb") as err:
                    timed = [TIME, "-f", "%M", "-o", rss_paths[i]] + argv
                    p = subprocess.Popen(timed, stdin=previous,
                                         stdout=write_end if last else subprocess.PIPE,
                                         stderr=err, cwd=cwd, env=env)
                self.live.append(p)
                if previous is not subprocess.DEVNULL:
                    previous.close()
                previous = p.stdout if not last else None
                procs.append(p)
            os.close(write_end)
            write_end = -1
            rcs = []
            cpu = 0.0
            for p in procs:
                _, status, ru = os.wait4(p.pid, 0)
                p.returncode = os.waitstatus_to_exitcode(status)
                self.live.remove(p)
                rcs.append(p.returncode)
                cpu += ru.ru_utime + ru.ru_stime
            _, status, ru = os.wait4(drain.pid, 0)
            drain_cpu = ru.ru_utime + ru.ru_stime
            drain.returncode = os.waitstatus_to_exitcode(status)
            self.live.remove(drain)
            wall = time.perf_counter() - start
            # What others took of the CPUs during this run: all busy time
            # minus this run's processes (jiffies: 10 ms resolution).
            busy1, _, _ = cpu_jiffies()
            others_s = max(0.0, (busy1 - busy0) / os.sysconf("SC_CLK_TCK")
                           - (children_cpu_seconds() - ours0))
            others_pct = 100.0 * others_s / (wall * (os.cpu_count() or 1))
        finally:
            for fd in (read_end, write_end):
                if fd >= 0:
                    os.close(fd)
        ok = all(rc == 0 for rc in rcs) and drain.returncode == 0
        error = ""
        if not ok:
            tails = []
            for argv, path, rc in zip(stages, err_paths, rcs):
                with open(path, "rb") as f:
                    text = f.read()[-600:].decode(errors="replace")
                tails.append("%s exited %d: %s" % (os.path.basename(argv[0]), rc, text.strip()))
            error = " | ".join(tails)
        rss = 0
        for path in rss_paths:
            try:
                with open(path) as f:
                    rss += int(f.read().split()[-1])
            except (OSError, ValueError, IndexError):
                ok = False
                error += " (no RSS from %s)" % path
        out_bytes = 0
        if drain.returncode == 0:
            with open(count_path) as f:
                out_bytes = int(f.read())
        return {"wall_s": wall, "out_bytes": out_bytes, "rss_kib": rss, "ok": ok,
                "error": error, "others_pct": others_pct, "cpu_s": cpu, "drain_cpu_s": drain_cpu}

    def kill_all(self):
        kill_processes(self.live)
        self.live = []
