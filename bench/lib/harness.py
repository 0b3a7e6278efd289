"""Measuring machinery for bench/run: local servers, timed child processes, read-back.

A measured command runs under GNU time, which covers the command and every descendant it
waited for (a shell pipeline included): user + sys CPU seconds and the peak RSS of the
largest single process (%M); wall time is measured around it. A
stream for standard input is fed by a separate `cat` that is not a descendant, so its CPU is
not charged to the client. Server CPU is read from /proc for the server's process trees
before and after each command.
"""
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
GNU_TIME = "/usr/bin/time"
AWS = "/usr/bin/aws"  # Debian's aws cli v2, even when another `aws` comes first on PATH
# radosgw keeps objects in RAM; objects are deleted and collected after each measurement, so
# a few GiB more than the largest object is enough.
MEMSTORE_BYTES = os.environ.get("RGW_MEMSTORE_BYTES", str(10 << 30))


class BenchError(Exception):
    pass


def free_port(span=1):
    """A port P such that P..P+span-1 are free on 127.0.0.1."""
    for _ in range(200):
        port = random.randint(20000, 60000 - span)
        try:
            for p in range(port, port + span):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return port
        except OSError:
            continue
    raise BenchError("no free port range found")


def free_loopback_port_80():
    """An address 127.0.0.X whose port 80 is free, or None when port 80 cannot be bound (not
    root): the aws-c-s3 peers need a server there. A random X, so that two benchmarks on one
    machine do not collide."""
    for _ in range(50):
        address = f"127.0.0.{random.randint(2, 254)}"
        try:
            with socket.socket() as s:
                s.bind((address, 80))
            return address
        except PermissionError:
            return None
        except OSError:
            continue
    return None


def clean_env(extra=None):
    """The environment without variables that change what the tools do (rclone 1.60 fails
    whenever AWS_CA_BUNDLE is set, even for http endpoints; profiles and config files of
    the machine must not leak in)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "RCLONE_", "S3UNLOAD_", "DOMO_"))}
    env.update({"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": ""})
    env.update(extra or {})
    return env


def _proc_table():
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        table[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return table


def tree_cpu_seconds(pids):
    """User + sys CPU seconds of `pids` and all their live descendants."""
    table = _proc_table()
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo, seen = 0, list(pids), set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in table:
            continue
        seen.add(pid)
        total += table[pid][1]
        todo.extend(children.get(pid, []))
    return total / CLK_TCK


class Server:
    """A local S3 server started by scripts/servers (radosgw or Swift s3api). radosgw also
    listens on port 80 of another loopback address when it can (`crt_endpoint`, else None):
    Debian's awscrt 0.16 connects to port 80 whatever the endpoint's port."""

    def __init__(self, kind, work):
        self.kind, self.dir = kind, Path(work) / kind
        span = 2 if kind == "rgw" else 5
        self.port = free_port(span)
        script = ROOT / "scripts" / "servers" / ("start-rgw" if kind == "rgw" else "start-swift")
        crt_address = free_loopback_port_80() if kind == "rgw" else None
        env = {"RGW_MEMSTORE_BYTES": MEMSTORE_BYTES}
        if crt_address:
            env["RGW_EXTRA_ENDPOINT"] = f"{crt_address}:80"
        self.crt_endpoint = f"http://{crt_address}" if crt_address else None
        t = time.monotonic()
        out = subprocess.run([str(script), str(self.dir), str(self.port)], capture_output=True,
                             text=True, env=clean_env(env))
        if out.returncode != 0 or "ready" not in out.stdout:
            self.stop()
            raise BenchError(f"{kind} did not start: {out.stdout[-500:]} {out.stderr[-2000:]}")
        self.start_seconds = time.monotonic() - t
        self._client = None
        self.endpoint = f"http://127.0.0.1:{self.port}"
        if kind == "rgw":
            self.access_key, self.secret = "S3UNLOADTESTKEY0001", "s3unload-test-secret-0001"
        else:
            self.access_key, self.secret = "s3unload:tester", "s3unload-secret"

    def pids(self):
        pids = []
        for f in (self.dir / "run").glob("*.pid"):
            try:
                pids.append(int(f.read_text().strip()))
            except (OSError, ValueError):
                pass
        return pids

    def cpu_seconds(self):
        return tree_cpu_seconds(self.pids())

    def env(self, extra=None):
        e = clean_env({"AWS_ACCESS_KEY_ID": self.access_key,
                       "AWS_SECRET_ACCESS_KEY": self.secret})
        e.update(extra or {})
        return e

    def client(self):
        """A boto3 client for the bench's own bookkeeping (HEAD, DELETE): milliseconds per
        call where an aws cli process takes a second. Read-back stays with the aws cli."""
        if self._client is None:
            import boto3
            self._client = boto3.client("s3", endpoint_url=self.endpoint,
                                        aws_access_key_id=self.access_key,
                                        aws_secret_access_key=self.secret,
                                        region_name="us-east-1")
        return self._client

    def aws(self, *args, **kw):
        return subprocess.run([AWS, "--endpoint-url", self.endpoint, *args], env=self.env(),
                              capture_output=True, check=False, **kw)

    def create_bucket(self, bucket):
        out = self.aws("s3api", "create-bucket", "--bucket", bucket)
        if out.returncode != 0:
            raise BenchError(f"create-bucket {bucket} on {self.kind}: {out.stderr.decode()}")

    def collect_garbage(self):
        """radosgw frees deleted objects only in its garbage collector (hours later by
        default); a full in-memory store makes uploads hang, so collect now."""
        if self.kind != "rgw":
            return
        subprocess.run(["radosgw-admin", "-c", str(self.dir / "ceph.conf"), "gc", "process",
                        "--include-all"], capture_output=True, timeout=300, check=False)

    def stop(self):
        subprocess.run([str(ROOT / "scripts" / "servers" / "stop"), str(self.dir)],
                       capture_output=True, check=False)


class Emulator:
    """domo-emulator with one synthetic dataset; `url` once started."""

    def __init__(self, binary, config, work):
        self.log = open(Path(work) / "emulator.log", "wb")
        self.proc = subprocess.Popen([str(binary), "--config", str(config), "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=self.log)
        self.url = self.proc.stdout.readline().decode().strip()
        if not self.url.startswith("http"):
            self.stop()
            raise BenchError(f"the emulator did not start: see {work}/emulator.log")

    def cpu_seconds(self):
        return tree_cpu_seconds([self.proc.pid])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def measure(argv, env, work, stdin_file=None, stdin_pipe=False, cwd=None, servers=(),
            timeout=1800):
    """Runs argv; returns wall, user, sys, rss_kib, server_cpu, stdout. Raises BenchError on
    a non-zero exit. stdin_file with stdin_pipe=True arrives through a pipe (a stream of
    unknown length); without, as a regular file. Killed after `timeout` seconds."""
    out_path, err_path = Path(work) / "cmd.out", Path(work) / "cmd.err"
    time_path = Path(work) / "cmd.time"
    feeder = None
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        server_before = sum(s.cpu_seconds() for s in servers)
        start = time.monotonic()
        if stdin_file and stdin_pipe:
            feeder = subprocess.Popen(["cat", str(stdin_file)], stdout=subprocess.PIPE)
            stdin = feeder.stdout
        elif stdin_file:
            stdin = open(stdin_file, "rb")
        else:
            stdin = subprocess.DEVNULL
        # GNU time forks the command from a 2 MiB process: a child forked straight from this
        # Python process would carry its RSS into ru_maxrss (the kernel keeps the pre-exec
        # high-water mark), so peak RSS is taken from GNU time, which also sums children.
        proc = subprocess.Popen([GNU_TIME, "-f", "%U %S %M", "-o", str(time_path), *argv],
                                stdin=stdin, stdout=out, stderr=err, env=env, cwd=cwd,
                                start_new_session=True)
        if stdin is not subprocess.DEVNULL:
            stdin.close()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            # A full radosgw store hangs instead of failing: never let one case stall the run.
            os.killpg(proc.pid, signal.SIGKILL)  # GNU time and the command under it
            proc.wait()
            if feeder:
                feeder.kill()
                feeder.wait()
            raise BenchError(f"{' '.join(map(str, argv))[:300]} took over {timeout} s")
        wall = time.monotonic() - start
        server_cpu = sum(s.cpu_seconds() for s in servers) - server_before
    if feeder:
        feeder.wait()
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(map(str, argv))[:300]} exited {proc.returncode}:\n"
                         f"{err_path.read_text(errors='replace')[-3000:]}"
                         f"{out_path.read_text(errors='replace')[-3000:]}")  # --json errors
    user, sys_, rss_kib = time_path.read_text().split()[-3:]
    return {"wall": wall, "user": float(user), "sys": float(sys_), "rss_kib": int(rss_kib),
            "server_cpu": server_cpu, "stdout": out_path.read_text(errors="replace")}


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def read_back(server, bucket, key, size, digest, gunzip=False, decompress=None):
    """Reads s3://bucket/key back with the aws cli; checks its size and the SHA-256 of its
    bytes (of the decompressed bytes with gunzip, or through the `decompress` command, e.g.
    "zstd -dc"). Returns (bytes, lines) of what was compared. Raises BenchError on any
    difference."""
    cmd = f"{AWS} --endpoint-url {server.endpoint} s3 cp s3://{bucket}/{key} -"
    if gunzip:
        decompress = "gzip -dc"
    if decompress:
        cmd += f" | {decompress}"
    proc = subprocess.Popen(["bash", "-o", "pipefail", "-c", cmd], stdout=subprocess.PIPE,
                            env=server.env())
    h, total, lines = hashlib.sha256(), 0, 0
    while chunk := proc.stdout.read(1 << 20):
        h.update(chunk)
        total += len(chunk)
        lines += chunk.count(b"\n")
    if proc.wait() != 0:
        raise BenchError(f"aws s3 cp s3://{bucket}/{key} - failed")
    if size is not None and total != size:
        raise BenchError(f"{key}: {total} bytes read back, {size} sent")
    if digest is not None and h.hexdigest() != digest:
        raise BenchError(f"{key}: read back differs from the source (sha256)")
    return total, lines, h.hexdigest()


READERS = ROOT / "tests" / "readers"  # DuckDB (@duckdb/node-api), installed by scripts/setup
DUCKDB_COUNT = """
import { DuckDBInstance } from '@duckdb/node-api';
const file = process.argv[1].replaceAll("'", "''");
const db = await (await DuckDBInstance.create(':memory:')).connect();
const rows = await db.runAndReadAll(`SELECT count(*) FROM read_parquet('${file}')`);
console.log(String(rows.getRows()[0][0]));
"""


def read_back_parquet_rows(server, bucket, key, work):
    """Reads s3://bucket/key back with the aws cli into a file and returns the number of rows
    DuckDB reads from it (the Parquet reader of the tests, an engine independent of ours).
    Raises BenchError when either fails."""
    path = Path(work) / "read-back.parquet"
    try:
        out = subprocess.run([AWS, "--endpoint-url", server.endpoint, "s3", "cp", "--quiet",
                              f"s3://{bucket}/{key}", str(path)], env=server.env(),
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise BenchError(f"aws s3 cp s3://{bucket}/{key} failed: {out.stderr[-1000:]}")
        if not (READERS / "node_modules" / "@duckdb").is_dir():
            raise BenchError(f"{READERS}/node_modules has no DuckDB: run scripts/setup")
        out = subprocess.run(["node", "--input-type=module", "-e", DUCKDB_COUNT, str(path)],
                             cwd=READERS, capture_output=True, text=True)
        if out.returncode != 0:
            raise BenchError(f"DuckDB could not read s3://{bucket}/{key}: {out.stderr[-1000:]}")
        return int(out.stdout.strip())
    finally:
        path.unlink(missing_ok=True)


def read_back_size(server, bucket, key, size):
    """Checks the stored size of s3://bucket/key (HEAD)."""
    length = server.client().head_object(Bucket=bucket, Key=key)["ContentLength"]
    if length != size:
        raise BenchError(f"{key}: {length} bytes stored, {size} sent")


def delete_object(server, bucket, key):
    server.client().delete_object(Bucket=bucket, Key=key)


def stop_all(things):
    for t in things:
        try:
            t.stop()
        except Exception:  # cleanup goes on for the others
            pass


def make_file(path, size, seed_file=None):
    """`size` bytes of incompressible data (from /dev/urandom, or the start of seed_file)."""
    with open(seed_file or "/dev/urandom", "rb") as src, open(path, "wb") as dst:
        left = size
        while left:
            chunk = src.read(min(left, 8 << 20))
            if not chunk:
                raise BenchError(f"{seed_file} is shorter than {size} bytes")
            dst.write(chunk)
            left -= len(chunk)


def which(name):
    return shutil.which(name) is not None
