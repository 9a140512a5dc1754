"""The machine and its noise: a description of the machine for the results,
and how much of the CPUs other processes took while the harness measured."""
import os
import platform
import re
import resource
import time

from harness.common import run_quiet


def first_line(argv):
    try:
        r = run_quiet(argv)
        return r.stdout.strip().splitlines()[0] if r.stdout.strip() else "?"
    except OSError:
        return "not installed"


def describe_machine(workdir, build_dir):
    info = {}
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    info["cpu"] = "%s, %d CPUs" % (model, os.cpu_count() or 0)
    r = run_quiet(["lscpu"])
    for line in r.stdout.splitlines():
        if line.startswith(("Hypervisor vendor", "L2 cache", "L3 cache")):
            key, value = line.split(":", 1)
            info["cpu"] += ", %s %s" % (key.strip(), value.strip())
    with open("/proc/meminfo") as f:
        total = int(f.readline().split()[1]) * 1024
    info["memory"] = "%.1f GiB" % (total / (1 << 30))
    info["kernel"] = platform.release()
    with open("/etc/os-release") as f:
        for line in f:
            if line.startswith("PRETTY_NAME="):
                info["os"] = line.split("=", 1)[1].strip().strip('"')
    fs = run_quiet(["findmnt", "-n", "-o", "FSTYPE", "--target", workdir]).stdout.strip()
    dev = run_quiet(["df", "--output=source", workdir]).stdout.split()[-1]
    info["storage"] = "%s on %s (%s)" % (workdir, dev, fs)
    compiler = "?"
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            cache = f.read()
        m = re.search(r"CMAKE_CXX_COMPILER:\w+=(.*)", cache)
        t = re.search(r"CMAKE_BUILD_TYPE:\w+=(.*)", cache)
        if m:
            compiler = first_line([m.group(1), "--version"])
        if t:
            compiler += ", " + t.group(1) + " build"
    except OSError:
        pass
    info["compiler"] = compiler
    info["tools"] = "; ".join([
        first_line(["tar", "--version"]),
        first_line(["bsdtar", "--version"]),
        "mbstream (mariadb-backup) " + run_quiet(["dpkg-query", "-W", "-f=${Version}",
                                                   "mariadb-backup"]).stdout.strip(),
        first_line(["zstd", "--version"]),
        first_line(["mariadbd", "--version"]),
        "Python " + platform.python_version(),
    ])
    info["date"] = time.strftime("%Y-%m-%d %H:%M %Z")
    return info


def cpu_jiffies():
    """(busy, total) jiffies over all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle, total, fields[7]


def children_cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def process_cpu_seconds(pid):
    """User + system CPU seconds of a process that is not our child (e.g. a
    server that daemonized), from /proc/PID/stat; 0 once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class NoiseMeter:
    """How much of the machine others used while a phase ran: CPU time of all
    processes minus what this harness's children used, and the steal time."""

    def __init__(self):
        self.phases = []

    def start(self):
        self._busy, self._total, self._steal = cpu_jiffies()
        self._ours = children_cpu_seconds()
        self._wall = time.monotonic()
        self._load = []

    def sample_load(self):
        self._load.append(os.getloadavg()[0])

    def stop(self, name, extra_ours_seconds=0.0):
        busy, total, steal = cpu_jiffies()
        hz = os.sysconf("SC_CLK_TCK")
        ncpu = os.cpu_count() or 1
        wall = time.monotonic() - self._wall
        all_busy = (busy - self._busy) / hz
        ours = children_cpu_seconds() - self._ours + extra_ours_seconds
        others = max(0.0, all_busy - ours)
        phase = {
            "phase": name,
            "wall_s": wall,
            "others_cpu_pct": 100.0 * others / (wall * ncpu) if wall > 0 else 0.0,
            "steal_pct": 100.0 * (steal - self._steal) / max(1, total - self._total),
            "load1_min": min(self._load) if self._load else os.getloadavg()[0],
            "load1_max": max(self._load) if self._load else os.getloadavg()[0],
        }
        self.phases.append(phase)
        return phase
