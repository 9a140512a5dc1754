"""Setup before a run: the Debian packages the harness needs (only those
missing), the CMake build of the targets it runs, and where those are."""
import os
import sys

from harness.common import REPO, log, run_quiet


# What bench/run needs beyond scripts/setup.
RUN_PACKAGES = ["python3-mysqldb", "python3-matplotlib", "libarchive-tools", "mariadb-backup",
                "zstd", "tar", "util-linux", "time"]


def ensure_packages(wanted=RUN_PACKAGES):
    setup = os.path.join(REPO, "scripts", "setup")
    if os.access(setup, os.X_OK):
        r = run_quiet([setup])
        if r.returncode != 0:
            sys.exit("bench: scripts/setup failed:\n" + r.stdout)
    missing = []
    for p in wanted:
        r = run_quiet(["dpkg-query", "-W", "-f=${Status}", p])
        if r.stdout.strip() != "install ok installed":
            missing.append(p)
    if not missing:
        return
    log("bench: installing " + " ".join(missing))
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = run_quiet(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
                  env=env)
    if r.returncode != 0:
        run_quiet(sudo + ["apt-get", "update", "-qq"], env=env)
        r = run_quiet(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"]
                      + missing, env=env)
    if r.returncode != 0:
        sys.exit("bench: apt-get install failed:\n" + r.stdout[-3000:])


# What bench/run runs; bench/commit_latency builds its own list.
RUN_TARGETS = ["myrocks_hotbackup", "bench_stream_files", "bench_drain", "bench_gen_dataset"]


def build(build_dir, targets=RUN_TARGETS):
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        r = run_quiet(["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release"])
        if r.returncode != 0:
            sys.exit("bench: cmake configure failed:\n" + r.stdout[-3000:])
    r = run_quiet(["cmake", "--build", build_dir, "-j", str(os.cpu_count() or 2), "--target"]
                  + targets)
    if r.returncode != 0:
        sys.exit("bench: build failed:\n" + r.stdout[-5000:])


class Tools:
    def __init__(self, build_dir, targets=RUN_TARGETS):
        self.binary = os.path.join(build_dir, "myrocks_hotbackup")
        self.stream_files = os.path.join(build_dir, "bench", "bench_stream_files")
        self.drain = os.path.join(build_dir, "bench", "bench_drain")
        self.gen = os.path.join(build_dir, "bench", "bench_gen_dataset")
        self.commit_latency = os.path.join(build_dir, "bench", "bench_commit_latency")
        paths = {"myrocks_hotbackup": self.binary, "bench_stream_files": self.stream_files,
                 "bench_drain": self.drain, "bench_gen_dataset": self.gen,
                 "bench_commit_latency": self.commit_latency}
        for path in (paths[t] for t in targets):
            if not os.access(path, os.X_OK):
                sys.exit("bench: missing %s (build it, or drop --no-build)" % path)
