"""bench/s3: the object-store transfers (issue 15) side by side with the
stock S3 clients: the private radosgw, the cases (ours through
bench_s3_copy, s3cmd, boto3's default TransferConfig), one timed run, the
checks, the summaries and the tables.

Run as a script (`/usr/bin/python3 s3.py boto3 put|get ...`) it is the boto3
client of the boto3 cases: see boto3_main."""
import hashlib
import json
import os
import resource
import socket
import subprocess
import sys
import time

if __name__ != "__main__":
    from harness.common import MB, MIB, REPO, TIME, log
    from harness.machine import cpu_jiffies, process_cpu_seconds
    from harness.stats import Runs, ratio_summary

SANDBOX_SCRIPT = "scripts/s3-sandbox"
BUCKET = "bench"
SOURCE_KEY = "source"  # what every download reads
PORT_TAKEN = 75        # s3-sandbox's exit code when a port was taken

PROFILES = {
    "full": {"size_mib": 1024},
    "quick": {"size_mib": 256},
}

# key, direction, tool, what it is. The main cases, interleaved per repetition.
CASES = [
    ("up-ours", "up", "ours", "bench_s3_copy put --parallel 4 (S3UploadSink: 8 MiB parts, "
                              "4 in flight; the binary's --output=s3://)"),
    ("up-s3cmd", "up", "s3cmd", "s3cmd put (multipart, 15 MiB parts, one at a time)"),
    ("up-boto3", "up", "boto3", "boto3 upload_file, default TransferConfig (8 MiB parts, "
                                "10 threads)"),
    ("down-ours", "down", "ours", "bench_s3_copy get --parallel 4 (S3DownloadSource: 16 MiB "
                                  "ranged GETs, 4 in flight; the binary's --input=s3://)"),
    ("down-s3cmd", "down", "s3cmd", "s3cmd get (one GET)"),
    ("down-boto3", "down", "boto3", "boto3 download_file, default TransferConfig (8 MiB ranged "
                                    "GETs, 10 threads)"),
    # The same downloads into memory the kernel has just freed (see
    # prepare_memory): the other state a download can meet.
    ("down-ours-warm", "down", "ours", "as down-ours, into just-freed memory"),
    ("down-s3cmd-warm", "down", "s3cmd", "as down-s3cmd, into just-freed memory"),
    ("down-boto3-warm", "down", "boto3", "as down-boto3, into just-freed memory"),
]
CASE_INFO = {key: (direction, tool, text) for key, direction, tool, text in CASES}
# The groups compared: ours against the baselines in the same group.
GROUPS = [("up", "upload"), ("down", "download"), ("down-warm", "download, just-freed memory")]
OURS = {"up": "up-ours", "down": "down-ours", "down-warm": "down-ours-warm"}
BASELINES = {"up": ["up-s3cmd", "up-boto3"], "down": ["down-s3cmd", "down-boto3"],
             "down-warm": ["down-s3cmd-warm", "down-boto3-warm"]}


def group_of(case):
    direction = CASE_INFO[case][0]
    return direction + "-warm" if case.endswith("-warm") else direction


def group_case(group, tool):
    return "%s-%s-warm" % (group.split("-")[0], tool) if group.endswith("-warm") else \
        "%s-%s" % (group, tool)


# Seconds every case waits, after the previous one's files are removed, before
# it starts: freed memory goes back to the hypervisor meanwhile (free page
# reporting waits 2 s), so every case starts from the same state.
SETTLE_S = 3.0

# The sweep: ours alone, parallel x part size (upload) and x chunk size
# (download). The binary's defaults: p4 with 8 MiB parts, p4 with 16 MiB
# ranges.
SWEEP_DEFAULT = {"up": "sweep-up-p4-8", "down": "sweep-down-p4-16"}
SWEEP_PARALLEL = [2, 4, 8]
SWEEP_PART_MIB = [8, 16]
SWEEP_CHUNK_MIB = [8, 16]
for _p in SWEEP_PARALLEL:
    for _m in SWEEP_PART_MIB:
        CASE_INFO["sweep-up-p%d-%d" % (_p, _m)] = (
            "up", "ours", "put --parallel %d --part_size_mb %d" % (_p, _m))
for _p in SWEEP_PARALLEL:
    for _m in SWEEP_CHUNK_MIB:
        CASE_INFO["sweep-down-p%d-%d" % (_p, _m)] = (
            "down", "ours", "get --parallel %d --chunk_mb %d" % (_p, _m))
SWEEP_CASES = [k for k in CASE_INFO if k.startswith("sweep-")]


def sweep_params(case):
    _, _, p, m = case.split("-")
    return int(p[1:]), int(m)


# ---------------------------------------------------------------------------
# The boto3 client (a separate process, as s3cmd and bench_s3_copy are).

def boto3_main(argv):
    """s3.py boto3 put FILE BUCKET KEY | get BUCKET KEY FILE, with S3_ENDPOINT
    and the AWS_* credentials in the environment. Prints one JSON line: how
    long the import, the client's creation and the transfer itself took."""
    t0 = time.monotonic()
    import boto3
    t1 = time.monotonic()
    client = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name="us-east-1")
    t2 = time.monotonic()
    if argv[0] == "put":
        client.upload_file(argv[1], argv[2], argv[3])  # the default TransferConfig
    elif argv[0] == "get":
        client.download_file(argv[1], argv[2], argv[3])
    else:
        sys.exit("usage: s3.py boto3 put FILE BUCKET KEY | get BUCKET KEY FILE")
    t3 = time.monotonic()
    print(json.dumps({"import_s": t1 - t0, "client_s": t2 - t1, "transfer_s": t3 - t2}))
    return 0


# ---------------------------------------------------------------------------
# The server.

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sandbox:
    """scripts/s3-sandbox in a directory of ours: a one-node Ceph (memstore
    OSD) with radosgw on free 127.0.0.1 ports."""

    def __init__(self, directory, memstore_bytes):
        self.dir = directory
        self.memstore_bytes = memstore_bytes
        self.script = os.path.join(REPO, SANDBOX_SCRIPT)
        self.started = False
        self.env = {}

    def start(self):
        env = dict(os.environ, S3_SANDBOX_MEMSTORE_BYTES=str(self.memstore_bytes))
        for attempt in range(5):
            ports = [free_port() for _ in range(3)]
            if len(set(ports)) != 3:
                continue
            self.started = True
            r = subprocess.run([self.script, "start", self.dir, "--rgw-port", str(ports[0]),
                                "--mon-port", str(ports[1]), "--mon-port-v1", str(ports[2])],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=env)
            if r.returncode == 0:
                break
            if r.returncode != PORT_TAKEN:
                raise RuntimeError("s3-sandbox start failed:\n" + r.stdout[-3000:])
        else:
            raise RuntimeError("s3-sandbox: no free ports after 5 attempts")
        with open(os.path.join(self.dir, "env")) as f:
            for line in f:
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    self.env[k] = v
        self.endpoint = self.env["S3_ENDPOINT"]
        self.host = self.endpoint.split("://", 1)[1]

    def pids(self):
        """The daemons' pids (radosgw, ceph-osd, ceph-mon), for their CPU."""
        out = {}
        for name in ("rgw", "osd", "mon"):
            try:
                with open(os.path.join(self.dir, "pids", name)) as f:
                    out[name] = int(f.read().strip())
            except (OSError, ValueError):
                pass
        return out

    def cpu_seconds(self):
        """User + system CPU seconds of each daemon so far."""
        return {name: process_cpu_seconds(pid) for name, pid in self.pids().items()}

    def stop(self):
        if self.started:
            subprocess.run([self.script, "stop", self.dir], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            self.started = False

    def versions(self):
        r = subprocess.run(["radosgw", "--version"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        return r.stdout.strip().splitlines()[0] if r.stdout.strip() else "?"


def write_s3cmd_config(path, sandbox):
    with open(path, "w") as f:
        f.write("[default]\n"
                "access_key = %s\n"
                "secret_key = %s\n"
                "host_base = %s\n"
                "host_bucket = %s\n"
                "use_https = False\n"
                "signature_v2 = False\n"
                "bucket_location = us-east-1\n" % (
                    sandbox.env["S3_ACCESS_KEY"], sandbox.env["S3_SECRET_KEY"],
                    sandbox.host, sandbox.host))


def client_env(sandbox, workdir):
    """What every client process gets: the credentials, the endpoint, and no
    user configuration (so boto3's defaults are the defaults)."""
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("AWS_"):
            del env[k]
    env.update({
        "AWS_ACCESS_KEY_ID": sandbox.env["S3_ACCESS_KEY"],
        "AWS_SECRET_ACCESS_KEY": sandbox.env["S3_SECRET_KEY"],
        "AWS_CONFIG_FILE": os.path.join(workdir, "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(workdir, "no-aws-credentials"),
        "AWS_DEFAULT_REGION": "us-east-1",
        "S3_ENDPOINT": sandbox.endpoint,
    })
    return env


def boto3_admin(sandbox):
    """A boto3 client in this process for the untimed chores: the bucket,
    HEAD, DELETE."""
    import boto3
    return boto3.client("s3", endpoint_url=sandbox.endpoint, region_name="us-east-1",
                        aws_access_key_id=sandbox.env["S3_ACCESS_KEY"],
                        aws_secret_access_key=sandbox.env["S3_SECRET_KEY"])


# ---------------------------------------------------------------------------
# Data and checks.

def make_data(path, nbytes):
    """nbytes of incompressible bytes (os.urandom), written once."""
    chunk = 16 * MIB
    with open(path, "wb") as f:
        left = nbytes
        while left > 0:
            n = min(chunk, left)
            f.write(os.urandom(n))
            left -= n
        f.flush()
        os.fsync(f.fileno())


def prepare_memory(case, scratch, nbytes):
    """Puts the kernel's free memory in the same state before every case.
    On VMs whose hypervisor takes back free memory (virtio-balloon free page
    reporting, as on the machines measured), the first write into a page
    handed back costs several times a write into one freed a moment ago:
    a download into the page cache then runs at a fraction of its speed.
    Which state a case met depended on the case before it (a download after
    an upload met reported pages, one after a download the pages that
    download had just freed). So: every case waits SETTLE_S (all freed
    memory reported); a "-warm" case then writes and deletes `nbytes` of
    scratch file first, so that it writes into memory freed just before."""
    time.sleep(SETTLE_S)
    if not case.endswith("-warm"):
        return
    block = b"\0" * (4 * MIB)
    with open(scratch, "wb") as f:
        left = nbytes
        while left > 0:
            left -= f.write(block[:min(left, len(block))])
        f.flush()
        os.fsync(f.fileno())
    os.unlink(scratch)


def warm(path):
    """Reads a file (untimed) so that it is in the page cache."""
    with open(path, "rb") as f:
        while f.read(16 * MIB):
            pass


class EtagChecker:
    """S3's ETag of an object as radosgw computed it from the bytes it
    received: the MD5 of the body for a single PUT, or MD5(MD5(part 1) ...
    MD5(part n)) + "-n" for a multipart upload. Comparing it with the same
    computed locally over the source file checks an upload without reading
    it back."""

    CANDIDATE_PART_MIB = [5, 8, 15, 16, 32, 64]

    def __init__(self, path, nbytes):
        self.path = path
        self.nbytes = nbytes
        self.cache = {}

    def _digests(self, part):
        if part not in self.cache:
            parts = []
            whole = hashlib.md5()
            with open(self.path, "rb") as f:
                while True:
                    data = f.read(part)
                    if not data:
                        break
                    parts.append(hashlib.md5(data).digest())
                    whole.update(data)
            self.cache[part] = (parts, whole.hexdigest())
        return self.cache[part]

    def check(self, etag):
        etag = etag.strip('"')
        if "-" not in etag:
            _, whole = self._digests(16 * MIB)
            return etag == whole, "single PUT, MD5 %s" % ("matches" if etag == whole
                                                          else "differs")
        n = int(etag.split("-")[1])
        for mib in self.CANDIDATE_PART_MIB:
            part = mib * MIB
            if (self.nbytes + part - 1) // part != n:
                continue
            parts, _ = self._digests(part)
            expected = hashlib.md5(b"".join(parts)).hexdigest() + "-%d" % len(parts)
            if expected == etag:
                return True, "%d parts of %d MiB, multipart ETag matches" % (n, mib)
        return False, "multipart ETag %s matches no part size of %s MiB" % (
            etag, self.CANDIDATE_PART_MIB)


def files_equal(a, b):
    return subprocess.run(["cmp", "-s", a, b]).returncode == 0


# ---------------------------------------------------------------------------
# The cases.

class Bench:
    def __init__(self, sandbox, workdir, source, nbytes, bench_s3_copy, parallel):
        self.sandbox = sandbox
        self.workdir = workdir
        self.source = source
        self.nbytes = nbytes
        self.copy = bench_s3_copy
        self.parallel = parallel
        self.env = client_env(sandbox, workdir)
        self.s3cmd_conf = os.path.join(workdir, "s3cmd.conf")
        write_s3cmd_config(self.s3cmd_conf, sandbox)
        self.target = os.path.join(workdir, "download")
        self.admin = boto3_admin(sandbox)
        self.etags = EtagChecker(source, nbytes)
        self.live = []

    def url(self, key):
        return "s3://%s/%s" % (BUCKET, key)

    def setup_bucket(self):
        self.admin.create_bucket(Bucket=BUCKET)
        # The object every download reads: one PUT (a plain MD5 ETag, no
        # part layout of any one tool), by s3cmd, so that s3cmd get also
        # finds its MD5 attribute and checks it as it always does.
        r = subprocess.run(["s3cmd", "-c", self.s3cmd_conf, "--no-progress",
                            "--disable-multipart", "put", self.source, self.url(SOURCE_KEY)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env=self.env)
        if r.returncode != 0:
            raise RuntimeError("s3cmd put of the source object failed: " + r.stdout[-2000:])
        head = self.admin.head_object(Bucket=BUCKET, Key=SOURCE_KEY)
        ok, text = self.etags.check(head["ETag"])
        if not ok or head["ContentLength"] != self.nbytes:
            raise RuntimeError("the source object is wrong: %s, %d bytes" % (
                text, head["ContentLength"]))
        return "s3://%s/%s: one PUT by s3cmd, %d bytes, %s" % (BUCKET, SOURCE_KEY, self.nbytes,
                                                              text)

    def argv(self, case):
        direction, tool, _ = CASE_INFO[case]
        key = "up-" + case
        if case.startswith("sweep-"):
            p, m = sweep_params(case)
            extra = ["--parallel", str(p), "--part_size_mb" if direction == "up" else
                     "--chunk_mb", str(m)]
        else:
            extra = ["--parallel", str(self.parallel)]
        ep = ["--endpoint", self.sandbox.endpoint]
        if tool == "ours":
            if direction == "up":
                return [self.copy, "put", self.source, self.url(key)] + ep + extra
            return [self.copy, "get", self.url(SOURCE_KEY), self.target] + ep + extra
        if tool == "s3cmd":
            base = ["s3cmd", "-c", self.s3cmd_conf, "--no-progress"]
            if direction == "up":
                return base + ["put", self.source, self.url(key)]
            return base + ["get", self.url(SOURCE_KEY), self.target]
        me = os.path.abspath(__file__)
        if direction == "up":
            return ["/usr/bin/python3", me, "boto3", "put", self.source, BUCKET, key]
        return ["/usr/bin/python3", me, "boto3", "get", BUCKET, SOURCE_KEY, self.target]

    def run(self, case, check):
        """One timed run of `case`. Uploads: the source warm in the page
        cache first; the object deleted afterwards (untimed). Downloads: the
        target file absent first; after the client exits, an fsync of it is
        timed too (bench_s3_copy fsyncs its output, the others do not: every
        case ends with the bytes on disk). With `check`, the upload's ETag
        or the downloaded file is compared with the source."""
        direction, tool, _ = CASE_INFO[case]
        key = "up-" + case
        if os.path.exists(self.target):
            os.unlink(self.target)
        prepare_memory(case, os.path.join(self.workdir, "scratch"), self.nbytes)
        if direction == "up":
            warm(self.source)
        argv = self.argv(case)
        rss_path = os.path.join(self.workdir, "rss")
        if os.path.exists(rss_path):
            os.unlink(rss_path)
        err_path = os.path.join(self.workdir, "stderr")
        out_path = os.path.join(self.workdir, "stdout")
        server0 = self.sandbox.cpu_seconds()
        busy0, _, _ = cpu_jiffies()
        with open(err_path, "wb") as err, open(out_path, "wb") as out:
            start = time.perf_counter()
            p = subprocess.Popen([TIME, "-f", "%M", "-o", rss_path] + argv, stdout=out,
                                 stderr=err, env=self.env, cwd=self.workdir)
            self.live.append(p)
            _, status, ru = os.wait4(p.pid, 0)
            proc_s = time.perf_counter() - start
            p.returncode = os.waitstatus_to_exitcode(status)
            self.live.remove(p)
        fsync_s = 0.0
        fsync_user = fsync_sys = 0.0
        if direction == "down" and p.returncode == 0 and os.path.exists(self.target):
            t = time.perf_counter()
            self_ru0 = resource.getrusage(resource.RUSAGE_SELF)
            fd = os.open(self.target, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            fsync_s = time.perf_counter() - t
            self_ru1 = resource.getrusage(resource.RUSAGE_SELF)
            # The writeback an fsync starts runs in the caller's context: in
            # bench_s3_copy's CPU for ours, in this process's for the others.
            fsync_user = self_ru1.ru_utime - self_ru0.ru_utime
            fsync_sys = self_ru1.ru_stime - self_ru0.ru_stime

        wall = proc_s + fsync_s
        busy1, _, _ = cpu_jiffies()
        server1 = self.sandbox.cpu_seconds()
        server = {k: server1.get(k, 0.0) - server0.get(k, 0.0) for k in server0}
        client_cpu = ru.ru_utime + ru.ru_stime + fsync_user + fsync_sys
        all_busy = (busy1 - busy0) / os.sysconf("SC_CLK_TCK")
        others = max(0.0, all_busy - client_cpu - sum(server.values()))
        r = {"ok": p.returncode == 0, "wall_s": wall, "proc_s": proc_s, "fsync_s": fsync_s,
             "cpu_s": client_cpu, "user_s": ru.ru_utime + fsync_user,
             "sys_s": ru.ru_stime + fsync_sys, "fsync_cpu_s": fsync_user + fsync_sys,
             "server_cpu_s": sum(server.values()), "server_cpu": server,
             "others_pct": 100.0 * others / (wall * (os.cpu_count() or 1)), "error": ""}
        try:
            with open(rss_path) as f:
                r["rss_kib"] = int(f.read().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            r["rss_kib"] = 0
        with open(err_path, errors="replace") as f:
            stderr = f.read()
        if not r["ok"]:
            r["error"] = "exit %d: %s" % (p.returncode, stderr.strip()[-400:])
        if tool == "boto3" and r["ok"]:
            with open(out_path) as f:
                try:
                    inner = json.loads(f.read().strip().splitlines()[-1])
                    r.update({"boto3_" + k: v for k, v in inner.items()})
                    # The transfer alone (no interpreter start, import or client
                    # creation), plus the same fsync as every download.
                    r["transfer_s"] = inner["transfer_s"] + fsync_s
                except (ValueError, IndexError, KeyError):
                    pass
        if r["ok"] and check:
            r["check"] = self.check(case, key)
            if not r["check"]["ok"]:
                r["ok"] = False
                r["error"] = "check failed: " + r["check"]["text"]
        if direction == "up":
            try:
                self.admin.delete_object(Bucket=BUCKET, Key=key)
            except Exception as e:  # noqa: BLE001 - the next upload overwrites it anyway
                log("  could not delete %s: %s" % (key, e))
        elif os.path.exists(self.target):
            os.unlink(self.target)
        return r

    def check(self, case, key):
        direction = CASE_INFO[case][0]
        if direction == "up":
            head = self.admin.head_object(Bucket=BUCKET, Key=key)
            ok, text = self.etags.check(head["ETag"])
            if head["ContentLength"] != self.nbytes:
                ok, text = False, "%d bytes stored, not %d" % (head["ContentLength"], self.nbytes)
            return {"ok": ok, "text": text}
        ok = files_equal(self.source, self.target)
        return {"ok": ok, "text": "downloaded file %s the source" % (
            "equals" if ok else "DIFFERS FROM")}

    def kill_all(self):
        for p in self.live:
            try:
                p.kill()
                p.wait()
            except OSError:
                pass
        del self.live[:]


# ---------------------------------------------------------------------------
# Summaries.

def summarize(runs, nbytes, what="wall_s"):
    s = Runs(runs, good=lambda r: r["ok"] and r.get(what))
    if not s.good:
        return s.failure()
    out = s.timing(nbytes, what)
    mb = nbytes / MB
    out.update({
        "cpu_median_s": s.median("cpu_s"),
        "cpu_ms_per_mb": 1000.0 * s.median("cpu_s") / mb,
        "user_ms_per_mb": 1000.0 * s.median("user_s") / mb,
        "sys_ms_per_mb": 1000.0 * s.median("sys_s") / mb,
        "server_cpu_ms_per_mb": 1000.0 * s.median("server_cpu_s") / mb,
        "cpu_util": s.median(lambda r: (r["cpu_s"] + r["server_cpu_s"]) / r["wall_s"]),
        "fsync_median_s": s.median("fsync_s"),
        "rss_mib_max": s.max(lambda r: r.get("rss_kib", 0)) / 1024.0,
        "others_pct_median": s.median("others_pct"),
        "error": s.first_error(),
    })
    return out


def per_rep_ratio(runs, ours, bases, what="wall_s", base_what=None):
    """Per repetition: ours' rate / the best baseline's rate in the same
    repetition (= best baseline's time / ours)."""
    out = []
    base_what = base_what or {}
    for i, r in enumerate(runs[ours]):
        times = []
        for b in bases:
            if i < len(runs[b]) and runs[b][i]["ok"]:
                t = runs[b][i].get(base_what.get(b, what))
                if t:
                    times.append(t)
        out.append(min(times) / r[what] if r["ok"] and times else None)
    return out


def add_ratios(results):
    """Per direction: ours' median rate over the best baseline's median rate
    (the headline), the same per repetition, and the same against boto3's
    transfer alone (no interpreter start, import, client creation): the
    stricter comparison. The goal: at least 1 in both directions."""
    runs = results["runs"]
    cases = results["cases"]
    nbytes = results["data"]["bytes"]
    results["ratios"] = {}
    met = True
    for direction, _ in GROUPS:
        ours = OURS[direction]
        bases = [b for b in BASELINES[direction] if cases.get(b, {}).get("ok")]
        if not cases.get(ours, {}).get("ok") or not bases:
            results["ratios"][direction] = None
            met = False
            continue
        best = max(bases, key=lambda b: cases[b]["mb_s"])
        strict_rates = {b: cases[b]["mb_s"] for b in bases}
        boto3 = group_case(direction, "boto3")
        t = summarize(runs.get(boto3, []), nbytes, "transfer_s")
        if t.get("ok"):
            strict_rates[boto3] = t["mb_s"]
        strict_best = max(strict_rates, key=strict_rates.get)
        entry = {
            "best": best,
            "best_mb_s": cases[best]["mb_s"],
            "ours_mb_s": cases[ours]["mb_s"],
            "ratio": cases[ours]["mb_s"] / cases[best]["mb_s"],
            "per_rep": ratio_summary(per_rep_ratio(runs, ours, bases)),
            "boto3_transfer_only_mb_s": t["mb_s"] if t.get("ok") else None,
            "strict_best": strict_best,
            "strict_ratio": cases[ours]["mb_s"] / strict_rates[strict_best],
            "strict_per_rep": ratio_summary(per_rep_ratio(
                runs, ours, bases, base_what={boto3: "transfer_s"})),
            "cpu": {b: cases[b]["cpu_ms_per_mb"] / cases[ours]["cpu_ms_per_mb"] for b in bases},
        }
        entry["met"] = entry["ratio"] >= 1.0
        entry["strict_met"] = entry["strict_ratio"] >= 1.0
        met = met and entry["met"]
        results["ratios"][direction] = entry
    results["goal"] = {"met": met,
                       "strict_met": all(results["ratios"].get(d) and
                                         results["ratios"][d]["strict_met"]
                                         for d, _ in GROUPS)}


# ---------------------------------------------------------------------------
# Tables.

def fmt_rate(v):
    return "%.0f" % v if v >= 100 else "%.1f" % v


def case_rows(results, keys, ratio_to=None):
    cases = results["cases"]
    rows = ["| case | n | MB/s, median (min-max) | x fastest baseline | client CPU ms/MB "
            "(user+sys) | radosgw+OSD CPU ms/MB | (client+server CPU) / wall | of which fsync s "
            "| peak RSS MiB | others |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for key in keys:
        s = cases.get(key)
        if s is None:
            continue
        _, tool, text = CASE_INFO[key]
        direction = group_of(key)
        label = "**%s** %s" % (key, text)
        if not s.get("ok"):
            rows.append("| %s | FAILED: %s | | | | | | | | |" % (label, s.get("error", "")[:200]))
            continue
        ratio = ""
        r = results.get("ratios", {}).get(direction)
        if r and ratio_to is None:
            ratio = "%.2fx" % (s["mb_s"] / r["best_mb_s"])
            if key == OURS[direction]:
                ratio = "**%s**" % ratio
        elif ratio_to:
            base = cases.get(ratio_to(key))
            if base and base.get("ok"):
                ratio = "%.2fx" % (s["mb_s"] / base["mb_s"])
        rows.append("| %s | %d | %s (%s-%s) | %s | %.2f (%.2f+%.2f) | %.2f | %.2f | %.2f | %.0f "
                    "| %.0f%% |" % (
                        label, s["runs"], fmt_rate(s["mb_s"]), fmt_rate(s["mb_s_min"]),
                        fmt_rate(s["mb_s_max"]), ratio, s["cpu_ms_per_mb"],
                        s["user_ms_per_mb"], s["sys_ms_per_mb"], s["server_cpu_ms_per_mb"],
                        s["cpu_util"], s["fsync_median_s"], s["rss_mib_max"],
                        s["others_pct_median"]))
    return "\n".join(rows)


def headline_rows(results):
    cases = results["cases"]
    rows = ["| direction | ours MB/s | s3cmd MB/s | boto3 MB/s (transfer alone) | ours / fastest "
            "baseline (medians) | per repetition, median (min-max) | ours / fastest, boto3 "
            "counted without its start | client CPU ms/MB: ours, s3cmd, boto3 |",
            "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for direction, name in GROUPS:
        r = results["ratios"].get(direction)
        o, s, b = (cases.get(group_case(direction, t), {}) for t in ("ours", "s3cmd", "boto3"))

        def rate(x):
            return fmt_rate(x["mb_s"]) if x.get("ok") else "failed"

        def cpu(x):
            return "%.2f" % x["cpu_ms_per_mb"] if x.get("ok") else "-"

        if not r:
            rows.append("| %s | %s | %s | %s | n/a | | | |" % (name, rate(o), rate(s), rate(b)))
            continue
        pr = r["per_rep"]
        sp = r["strict_per_rep"]
        rows.append("| %s | %s | %s | %s (%s) | **%.2fx** (vs %s) | %.2fx (%.2f-%.2f) | %.2fx "
                    "(per rep. %.2f, %.2f-%.2f) | %s, %s, %s |" % (
                        name, rate(o), rate(s), rate(b),
                        fmt_rate(r["boto3_transfer_only_mb_s"]) if
                        r["boto3_transfer_only_mb_s"] else "-",
                        r["ratio"], CASE_INFO[r["best"]][1], pr["median"], pr["min"],
                        pr["max"], r["strict_ratio"], sp["median"], sp["min"], sp["max"],
                        cpu(o), cpu(s), cpu(b)))
    return "\n".join(rows)


def per_rep_rows(results, keys):
    runs = results["runs"]
    nbytes = results["data"]["bytes"]
    rows = ["| repetition | order | " + " | ".join(keys) + " |",
            "|--:|---|" + "--:|" * len(keys)]
    for i, order in enumerate(results["orders"]):
        cells = []
        for k in keys:
            r = runs[k][i] if i < len(runs[k]) else None
            cells.append("%.0f" % (nbytes / MB / r["wall_s"]) if r and r["ok"] else "-")
        rows.append("| %d | %s | %s |" % (i + 1, " ".join(order), " | ".join(cells)))
    return "\n".join(rows)


def sweep_rows(results):
    if not results.get("sweep_cases"):
        return ""
    cases = results["cases"]
    out = []
    for direction, what, sizes in (("up", "part size", SWEEP_PART_MIB),
                                   ("down", "chunk size", SWEEP_CHUNK_MIB)):
        default = SWEEP_DEFAULT[direction]
        rows = ["| %s: --parallel \\ %s | " % ("upload" if direction == "up" else "download",
                                               what) +
                " | ".join("%d MiB: MB/s median (min-max), x default, client CPU ms/MB" % m
                           for m in sizes) + " |",
                "|---|" + "--:|" * len(sizes)]
        for p in SWEEP_PARALLEL:
            cells = []
            for m in sizes:
                s = cases.get("sweep-%s-p%d-%d" % (direction, p, m))
                if not s or not s.get("ok"):
                    cells.append("failed" if s else "-")
                    continue
                d = cases.get(default)
                x = s["mb_s"] / d["mb_s"] if d and d.get("ok") else None
                cells.append("%s (%s-%s), %s, %.2f" % (
                    fmt_rate(s["mb_s"]), fmt_rate(s["mb_s_min"]), fmt_rate(s["mb_s_max"]),
                    "%.2fx" % x if x else "-", s["cpu_ms_per_mb"]))
            rows.append("| %d | %s |" % (p, " | ".join(cells)))
        out.append("\n".join(rows))
    return "\n\n".join(out)


def sweep_findings(results):
    """The fastest setting per direction by median, and how it compares with
    the default (SWEEP_DEFAULT) by the per-repetition ratio."""
    if not results.get("sweep_cases"):
        return ""
    cases = results["cases"]
    runs = results["runs"]
    lines = []
    for direction, unit in (("up", "part"), ("down", "chunk")):
        keys = [k for k in results["sweep_cases"] if k.startswith("sweep-%s-" % direction)
                and cases[k].get("ok")]
        if not keys:
            continue
        default = SWEEP_DEFAULT[direction]
        best = max(keys, key=lambda k: cases[k]["mb_s"])
        p, m = sweep_params(best)
        rr = ratio_summary([runs[default][i]["wall_s"] / r["wall_s"]
                            if r["ok"] and runs[default][i]["ok"] else None
                            for i, r in enumerate(runs[best])])
        lines.append("%s: fastest by median --parallel %d with %d MiB %ss, %s MB/s; the default "
                     "(--parallel 4, %d MiB) %s MB/s; fastest / default per repetition %.2f "
                     "(%.2f-%.2f)." % (
                         "Upload" if direction == "up" else "Download", p, m, unit,
                         fmt_rate(cases[best]["mb_s"]), sweep_params(default)[1],
                         fmt_rate(cases[default]["mb_s"]) if cases.get(default, {}).get("ok")
                         else "-", rr["median"] if rr else 0, rr["min"] if rr else 0,
                         rr["max"] if rr else 0))
    return "\n".join(lines)


def noise_text(results):
    idle = results["idle"]
    ph = results["noise"]
    return ("Other processes used %.0f%% of the CPUs in the 3 s before the run (load %.2f) and "
            "%.0f%% during the repetitions (steal %.1f%%, load %.2f-%.2f); per run, the median "
            "share they took is the `others` column (all CPU time minus the client's and the "
            "Ceph daemons')." % (
                idle["others_cpu_pct"], idle["load1_max"], ph["others_cpu_pct"],
                ph["steal_pct"], ph["load1_min"], ph["load1_max"]))


def goal_text(results):
    lines = []
    for direction, name in GROUPS:
        name = name[0].upper() + name[1:]
        r = results["ratios"].get(direction)
        if not r:
            lines.append("%s: no ratio (a case failed)." % name)
            continue
        lines.append("%s: ours %s MB/s, fastest baseline %s %s MB/s: **%.2fx** (%s); per "
                     "repetition %.2f (%.2f-%.2f). Against boto3's transfer alone: %.2fx (%s)." % (
                         name, fmt_rate(r["ours_mb_s"]), r["best"], fmt_rate(r["best_mb_s"]),
                         r["ratio"], "met" if r["met"] else "not met", r["per_rep"]["median"],
                         r["per_rep"]["min"], r["per_rep"]["max"], r["strict_ratio"],
                         "met" if r["strict_met"] else "not met"))
    lines.append("Goal (issue 15): at least the fastest baseline in both directions (downloads "
                 "in both memory states): **%s**." % (
        "met" if results["goal"]["met"] else "not met"))
    return "\n\n".join(lines)


def markdown(results):
    m = results["machine"]
    d = results["data"]
    main = [k for k, _, _, _ in CASES]
    out = ["# bench/s3 results (generated)", "",
           "Machine: %s; %s RAM; %s; kernel %s; %s." % (m["cpu"], m["memory"], m.get("os", "?"),
                                                       m["kernel"], m["storage"]),
           "Build: %s. Server: %s, one node, memstore OSD (objects in RAM), on 127.0.0.1, "
           "sharing the CPUs with the clients. Clients: %s. Run: %s, profile %s, %d "
           "repetitions (sweep: %d), %.0f s in all." % (
               m["compiler"], results["server"], results["clients"], m["date"],
               results["profile"], results["reps"], results.get("sweep_reps", 0),
               results.get("elapsed_s", 0)),
           "",
           "Data: %d bytes (%.0f MiB) of os.urandom (incompressible) in one file on %s, in the "
           "page cache before every upload. Downloads read %s and write `download` in the same "
           "directory (removed between runs). MB/s = 10^6 bytes per second of wall time of the "
           "client process (started to exited: interpreter start included for s3cmd and "
           "boto3), plus for downloads a timed fsync of the file afterwards (bench_s3_copy "
           "fsyncs its output itself; the others do not, so every download ends with the bytes "
           "on disk). `boto3 (transfer alone)` counts only the upload_file / download_file call "
           "(+ the fsync), as reported by the client process itself. Client CPU = user + system "
           "seconds from wait4 (downloads by s3cmd and boto3: plus the harness's own CPU during "
           "the fsync, since writeback runs in the fsync's caller as it does inside "
           "bench_s3_copy); radosgw+OSD CPU = the Ceph daemons' CPU over the same run "
           "(/proc/PID/stat). Each repetition runs every case once, in a rotated order; every "
           "upload's object is deleted after it (untimed). Before every case (untimed): the "
           "previous download removed, then %.0f s of waiting, so that the memory it freed has "
           "gone back to the hypervisor (free page reporting) and every case starts from the "
           "same state; a `-warm` case then writes and deletes a scratch file of the data's "
           "size, so that it writes into memory freed a moment before (the state right after "
           "another large write). On these VMs a write into the page cache costs more in the "
           "first state (`dd` of 1 GiB with fsync, 4 MiB writes: 4.1 s of system time vs 0.5 "
           "s; 1 MiB writes: 1.0 vs 0.4)." % (
               d["bytes"], d["bytes"] / MIB, d["where"], results["source_object"],
               results.get("settle_s", SETTLE_S)),
           "", noise_text(results), "",
           "Checks (first repetition, and the first of every sweep setting): " +
           "; ".join("%s: %s" % (k, v) for k, v in results["checks"].items()) + ".", "",
           "## Headline", "", headline_rows(results), "", goal_text(results), "",
           "## Every case", "", case_rows(results, main), "",
           "## Per repetition (MB/s)", "", per_rep_rows(results, main), ""]
    if results.get("sweep_cases"):
        out += ["## Sweep: ours alone, --parallel x part size / chunk size", "",
                "%d repetitions, every setting once per repetition in a rotated order; x default "
                "= median MB/s over that of the binary's defaults (--parallel 4 with 8 MiB parts "
                "up, 16 MiB ranges down)." %
                results["sweep_reps"], "",
                sweep_rows(results), "", sweep_findings(results), "",
                case_rows(results, results["sweep_cases"], ratio_to=lambda k: SWEEP_DEFAULT[
                    CASE_INFO[k][0]]), ""]
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "boto3":
        sys.exit(boto3_main(sys.argv[2:]))
    sys.exit("usage: s3.py boto3 put FILE BUCKET KEY | get BUCKET KEY FILE")
