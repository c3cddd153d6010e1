"""Durable, logged submissions per second over HTTP on loopback, against the same store and
log without HTTP, measured in the same run.

    python bench/intake.py --json [--seconds S] [--payload BYTES] [--processes N]
        [--concurrency N] [--big-mib M] [--set KEY=JSON]

The load generator sends distinct envelopes of valid form: one real sealed header, and a body
of fresh random bytes each time (the drop checks form, never content, so this is exactly the
work a real envelope costs it). ``--big-mib`` also uploads one envelope of that size in chunks
and reports the server's peak resident memory during that upload.

Side by side in the same run: the durable-append ceiling (payload-sized appends to one file with
an fsync per 256, on the drop's file system, for as long as the drop's load, right before and
right after it, each after a ``sync``), the drop's own CPU per acknowledged submission against
its floor (SHA-256 of the envelope plus one write of it, as the drop writes:
``server_cpu_floor_us``, ``server_cpu_over_floor``), and OnionShare's receive mode on the same
payloads when ``onionshare-cli`` is on PATH (its own virtual environment keeps its pinned Flask
apart from ours: ``python3 -m venv /tmp/os && /tmp/os/bin/pip install onionshare-cli``, then
``PATH=/tmp/os/bin:$PATH`` would also shadow ``python``, so link only the one script:
``mkdir -p /tmp/osbin && ln -s /tmp/os/bin/onionshare-cli /tmp/osbin/`` and run with
``PATH=/tmp/osbin:$PATH``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import _common  # noqa: F401
from _common import emit

from tysha.drop.launcher import free_port, init_data, start_drop, wait_ready
from tysha.protocol import EnvelopeSealer, Identity, parse_header


def latency_ms(latencies: list[float]) -> dict[str, float | None]:
    """Mean, median and 99th percentile of ``latencies`` (seconds), in milliseconds."""
    if not latencies:
        return {"latency_ms_mean": None, "latency_ms_p50": None, "latency_ms_p99": None}
    xs = sorted(latencies)
    return {
        "latency_ms_mean": round(1000 * sum(xs) / len(xs), 1),
        "latency_ms_p50": round(1000 * xs[len(xs) // 2], 1),
        "latency_ms_p99": round(1000 * xs[min(len(xs) - 1, len(xs) * 99 // 100)], 1),
    }


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the drop's worker processes)."""
    total = 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += rss_mb(int(child))
    except OSError:
        pass
    return total


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and all its descendants (live ones)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_s(int(child))
    except (OSError, IndexError, ValueError):
        pass
    return total


def machine_busy() -> tuple[int, int] | None:
    """(busy, total) CPU ticks of the whole machine so far (``/proc/stat``; iowait counts
    as idle), or None where there is no such file."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return sum(ticks) - idle, sum(ticks)


def busy_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    if before is None or after is None or after[1] == before[1]:
        return None
    return round((after[0] - before[0]) / (after[1] - before[1]), 3)


@contextlib.contextmanager
def _appender(
    folder: Path, name: str, record: bytes, direct: bool
) -> Iterator[tuple[int, Callable[[int], object]] | None]:
    """A file ``name`` in ``folder`` (the drop's file system) and ``write(n)``, which writes
    ``record`` to it as the n-th record: appended through the page cache, or with ``direct``
    padded to whole pages and written at ``n`` times that size with ``O_DIRECT``, as the drop's
    segments are written (None where the file system refuses ``O_DIRECT``). The file is
    removed afterwards."""
    import mmap

    path = folder / name
    size = -(-len(record) // 4096) * 4096
    aligned = mmap.mmap(-1, size)  # page-aligned, as O_DIRECT requires
    aligned.write(record)
    try:
        flags = os.O_DIRECT if direct else os.O_APPEND
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | flags, 0o600)
    except (OSError, AttributeError):
        if not direct:
            raise
        yield None
        return

    def write(n: int) -> object:
        return os.pwrite(fd, aligned, n * size) if direct else os.write(fd, record)

    try:
        yield fd, write
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)


def _appends(fd: int, write: Callable[[int], object], seconds: float) -> float:
    """Records per second of ``write(n)`` (the n-th record) to ``fd``, one fsync per 256,
    for ``seconds``."""
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(256):
            write(n)
            n += 1
        os.fsync(fd)
        if time.perf_counter() >= deadline:
            return n / (time.perf_counter() - start)


def _cpu_per_append(fd: int, write: Callable[[int], object], records: int) -> float:
    """This process's CPU microseconds (user + system) per ``write(n)`` to ``fd``, over
    ``records`` of them with one fsync per 256."""
    write(0)  # warm up
    t = time.process_time()
    for n in range(records):
        write(n)
        if n % 256 == 255:
            os.fsync(fd)
    return 1e6 * (time.process_time() - t) / records


def disk_append(folder: Path, payload: int, seconds: float) -> float:
    """The durable-append ceiling: ``payload``-sized records appended to one file in
    ``folder`` (the drop's file system), one fsync per 256 records; records per second."""
    with _appender(folder, "ceiling.bin", os.urandom(payload), direct=False) as file:
        assert file is not None
        return _appends(*file, seconds)


def cpu_floor(folder: Path, envelope: bytes, records: int = 1024) -> dict[str, float | None]:
    """The CPU floor of one acknowledged submission, measured here: this process's CPU time
    (user + system) per envelope to hash it (SHA-256) and to write it once, one fsync per 256
    writes - through the page cache, and with ``O_DIRECT`` (page-aligned, as the drop's
    segments are written; None where the file system refuses it). ``floor_us`` is the hash
    plus the write the drop itself does (``O_DIRECT`` where taken)."""
    t = time.process_time()
    for _ in range(records):
        hashlib.sha256(envelope).digest()
    hash_us = 1e6 * (time.process_time() - t) / records
    with _appender(folder, "floor.bin", envelope, direct=False) as file:
        assert file is not None
        write_us = _cpu_per_append(*file, records)
    direct_us: float | None = None
    with _appender(folder, "floor.bin", envelope, direct=True) as file:
        if file is not None:
            with contextlib.suppress(OSError):
                direct_us = _cpu_per_append(*file, records)
    return {
        "sha256_us": hash_us,
        "write_us": write_us,
        "write_direct_us": direct_us,
        "floor_us": hash_us + (direct_us if direct_us is not None else write_us),
    }


def disk_append_direct(folder: Path, payload: int, seconds: float) -> float | None:
    """The same appends written with ``O_DIRECT`` (past the page cache, as the drop's
    segments are): what the device takes when the kernel's page cache is not the limit.
    None where the file system refuses ``O_DIRECT``."""
    with _appender(folder, "ceiling-direct.bin", os.urandom(payload), direct=True) as file:
        if file is None:
            return None
        try:
            return _appends(*file, seconds)
        except OSError:
            return None


class Bodies:
    def __init__(self, payload: int) -> None:
        me = Identity.generate(os.urandom)
        sealer = EnvelopeSealer([me.public()], payload, os.urandom)
        self.header = sealer.header
        self.body_len = parse_header(sealer.header).body_length()
        self.pool = os.urandom(self.body_len + (1 << 20))
        self.n = 0

    def next(self) -> bytes:
        return b"".join(self.parts())

    def parts(self) -> list[bytes | memoryview]:
        """The next envelope as pieces (no copy of the pool): header, body, counter."""
        self.n += 1
        off = (self.n * 7919) % (1 << 20)
        body = memoryview(self.pool)[off : off + self.body_len - 8]
        return [self.header, body, self.n.to_bytes(8, "big")]


async def load(
    url: str, bodies: Bodies, seconds: float, concurrency: int
) -> tuple[int, int, list[float]]:
    """A lean HTTP/1.1 keep-alive load generator on raw asyncio streams (a Python HTTP client
    library would be the bottleneck on a 2-core machine shared with the server); each request
    goes out as one gathered write of its pieces, without copying the body first. Each of
    ``concurrency`` clients sends its next envelope when the last one is answered (a closed
    loop). Returns the acknowledged count, the errors (answers other than 200, and connections
    the drop closed or reset: the client then connects again) and each acknowledged
    submission's latency in seconds, from its first byte sent to its receipt read."""
    ok = errors = 0
    latencies: list[float] = []
    host, port = url.split("//")[1].split(":")
    clock = time.perf_counter
    deadline = clock() + seconds

    def request(length: int) -> bytes:
        return (
            b"POST /v1/envelopes HTTP/1.1\r\nHost: bench\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Length: "
            + str(length).encode()
            + b"\r\n\r\n"
        )

    async def session() -> None:
        nonlocal ok, errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while clock() < deadline:
                parts = bodies.parts()
                sent = clock()
                writer.writelines([request(sum(len(p) for p in parts)), *parts])
                await writer.drain()
                status = await reader.readline()
                if not status:
                    raise ConnectionResetError("the drop closed the connection")
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                if b" 200 " in status:
                    ok += 1
                    latencies.append(clock() - sent)
                else:
                    errors += 1
        finally:
            writer.close()

    async def worker() -> None:
        nonlocal errors
        while clock() < deadline:
            try:
                await session()
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                await asyncio.sleep(0.01)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok, errors, latencies


async def load_onionshare(url: str, bodies: Bodies, seconds: float, concurrency: int) -> int:
    """The same payloads posted to OnionShare's receive mode (``/upload-ajax``, one
    multipart file each). Its server (werkzeug) speaks HTTP/1.0: a connection per upload."""
    ok = 0
    host, port = url.split("//")[1].split(":")
    deadline = time.perf_counter() + seconds
    boundary = b"tyshabench" + os.urandom(8).hex().encode()

    async def worker() -> None:
        nonlocal ok
        while time.perf_counter() < deadline:
            body = bodies.next()
            form = (
                b"--" + boundary + b"\r\n"
                b'Content-Disposition: form-data; name="file[]"; filename="e'
                + str(bodies.n).encode()
                + b'.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
                + body
                + b"\r\n--" + boundary + b"--\r\n"
            )
            reader, writer = await asyncio.open_connection(host, int(port))
            try:
                writer.write(
                    b"POST /upload-ajax HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n"
                    b"Content-Type: multipart/form-data; boundary=" + boundary
                    + b"\r\nContent-Length: " + str(len(form)).encode() + b"\r\n\r\n" + form
                )
                await writer.drain()
                status = await reader.readline()
                await reader.read()
                if b" 200 " in status:
                    ok += 1
            finally:
                writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


def onionshare(root: Path, bodies: Bodies, seconds: float, concurrency: int) -> float | None:
    """OnionShare receive mode (``onionshare-cli --receive --local-only``, a stub ``tor`` on
    PATH: it is never run in local-only mode) receiving the same payloads; per second."""
    import re
    import subprocess

    exe = shutil.which("onionshare-cli") or str(Path(sys.executable).parent / "onionshare-cli")
    if not Path(exe).exists():
        return None
    stub = root / "stub-bin"
    stub.mkdir(exist_ok=True)
    (stub / "tor").write_text("#!/bin/sh\nexit 0\n")
    (stub / "tor").chmod(0o755)
    received = root / "onionshare-received"
    received.mkdir(exist_ok=True)
    env = dict(os.environ, PATH=f"{stub}:{os.environ.get('PATH', '')}", HOME=str(root))
    out = root / "onionshare.out"
    with open(out, "wb") as log:
        proc = subprocess.Popen(
            [exe, "--receive", "--local-only", "--public", "--data-dir", str(received)],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
    try:
        url = None
        end = time.monotonic() + 30
        while url is None and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.2)
            found = re.search(rb"http://127\.0\.0\.1:\d+", out.read_bytes())
            url = found.group(0).decode() if found else None
        if url is None:
            return None
        time.sleep(0.5)
        ok = asyncio.run(load_onionshare(url, bodies, seconds, concurrency))
        return ok / seconds
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def direct(
    data: Path, bodies: Bodies, seconds: float, concurrency: int
) -> tuple[int, dict[str, float]]:
    """The same store, durable blobs and group-committed log, without HTTP; also where the
    integrator's time went."""
    from tysha.drop.service import DropService

    svc = DropService(data)
    await svc.start()
    done = 0
    deadline = time.perf_counter() + seconds
    try:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                # Exactly the HTTP handler's call, minus HTTP.
                await svc.accept(bodies.next(), None)
                done += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await svc.stop()
    return done, svc.stats


def direct_process(
    data: Path, payload: int, seconds: float, concurrency: int, at: float
) -> tuple[int, dict[str, float]]:
    """One process of the no-HTTP limit; all of them start at the wall-clock time ``at``."""
    bodies = Bodies(payload)
    time.sleep(max(0.0, at - time.time()))
    return asyncio.run(direct(data, bodies, seconds, concurrency))


def direct_limit(
    data: Path, payload: int, seconds: float, concurrency: int, procs: int
) -> tuple[int, dict[str, float]]:
    """As many processes over the one store as the HTTP run had drop processes."""
    import concurrent.futures
    import multiprocessing

    if procs == 1:
        return asyncio.run(direct(data, Bodies(payload), seconds, concurrency))
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(procs, mp_context=ctx) as ex:
        at = time.time() + 3
        runs = [
            ex.submit(direct_process, data, payload, seconds, concurrency // procs, at)
            for _ in range(procs)
        ]
        results = [r.result() for r in runs]
    stats: dict[str, float] = {}
    for _, st in results:
        for k, v in st.items():
            stats[k] = stats.get(k, 0.0) + v
    return sum(n for n, _ in results), stats


def big_upload(url: str, pid: int, mib: int, folder: Path) -> tuple[float, float]:
    from tysha.transport import DropClient

    me = Identity.generate(os.urandom)
    path = folder / "big.env"
    sealer = EnvelopeSealer([me.public()], mib << 20, os.urandom)
    piece = os.urandom(1 << 20)
    with open(path, "wb") as f:
        f.write(sealer.header)
        for c in sealer.body(piece for _ in range(mib)):
            f.write(c)
    peak = [rss_mb(pid)]
    before = peak[0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.05)

    t = threading.Thread(target=sample)
    t.start()
    try:
        with DropClient(url, timeout=600) as c:
            c.upload(path)
    finally:
        stop.set()
        t.join()
        path.unlink()
    return before, peak[0]


def _setting(text: str) -> tuple[str, object]:
    """``KEY=JSON`` of ``--set``, checked as the options are parsed (before any measuring)."""
    key, eq, value = text.partition("=")
    try:
        if key and eq:
            return key, json.loads(value)  # JSON null too: a setting may be "none"
    except json.JSONDecodeError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r}: expected KEY=JSON, e.g. batch_depth=2")


def options(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, with the defaults that follow from it: two drop processes per
    core, and 128 clients per process unless ``--concurrency`` says otherwise."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--payload", type=int, default=65536)
    ap.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="clients, each sending its next envelope when answered (default: 128 per drop "
        "process, what one group commit of a process takes in: with fewer, a 2-core machine "
        "sat idle with every client waiting on a commit, and the rate measured the clients' "
        "number, not the drop)",
    )
    ap.add_argument("--big-mib", type=int, default=0)
    ap.add_argument(
        "--processes",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="drop server processes (drop.json `workers`) over the one store and log "
        "(default: two per core, the drop's fast setting: while one process's batch waits "
        "for the disk, the other's requests use the core; docs/scale.md); the no-HTTP limit "
        "runs as many",
    )
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        type=_setting,
        metavar="KEY=JSON",
        help="another drop.json setting for the HTTP run, e.g. --set batch_depth=2",
    )
    a = ap.parse_args(argv)
    if a.processes < 1:
        ap.error("--processes must be at least 1")
    if a.concurrency is None:
        a.concurrency = 128 * a.processes
    if a.concurrency < 1:
        ap.error("--concurrency must be at least 1")
    return a


def main() -> None:
    a = options()
    root = Path(tempfile.mkdtemp(prefix="tysha-bench-"))
    try:
        emit(run(a, root), a.json)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(a: argparse.Namespace, root: Path) -> dict[str, object]:
    bodies = Bodies(a.payload)
    # The ceiling runs as long as the drop's load, right before and right after it, each
    # after a sync: a short run would measure the burst the device's cache absorbs, and one
    # after the OnionShare run would pay for its unsynced files being written back.
    ceiling_s = max(1.0, a.seconds / 2)
    os.sync()
    disk_before = disk_append(root, a.payload, ceiling_s)
    init_data(root / "http", pow_bits=0)
    conf = root / "http" / "drop.json"
    conf.write_text(
        json.dumps(dict(json.loads(conf.read_text()), workers=a.processes, **dict(a.set)))
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_drop(root / "http", port)
    try:
        wait_ready(url, proc)
        if a.processes > 1:
            time.sleep(2)  # every worker process up, not only the first
        os.sync()
        cpu0 = cpu_s(proc.pid)
        own0, busy0 = time.process_time(), machine_busy()
        ok, errors, latencies = asyncio.run(load(url, bodies, a.seconds / 2, a.concurrency))
        own1, busy1 = time.process_time(), machine_busy()
        cpu1 = cpu_s(proc.pid)
        rss = rss_mb(proc.pid)
        os.sync()
        disk_after = disk_append(root, a.payload, ceiling_s)
        disk_direct = disk_append_direct(root, a.payload, ceiling_s)
        floor = cpu_floor(root, bodies.next())
        big = big_upload(url, proc.pid, a.big_mib, root) if a.big_mib else None
    finally:
        proc.terminate()
        proc.wait(10)
    init_data(root / "direct", pow_bits=0)
    limit, st = direct_limit(root / "direct", a.payload, a.seconds / 2, a.concurrency, a.processes)
    os_rate = onionshare(root, bodies, a.seconds / 4, min(16, a.concurrency))
    disk_rate = (disk_before + disk_after) / 2
    http_rate = ok / (a.seconds / 2)
    limit_rate = limit / (a.seconds / 2)
    batches = st.get("batches") or 1.0
    entries = st.get("entries") or 1.0
    out: dict[str, object] = {
        "payload_bytes": a.payload,
        "envelope_bytes": len(bodies.next()),
        "submissions_per_s": round(http_rate, 1),
        "limit_per_s": round(limit_rate, 1),
        "ratio": round(http_rate / limit_rate, 3) if limit_rate else None,
        "limit_disk_append_per_s": round(disk_rate, 1),
        "limit_disk_append_before_after_per_s": [round(disk_before, 1), round(disk_after, 1)],
        "ratio_disk": round(http_rate / disk_rate, 3) if disk_rate else None,
        "target_ratio_disk": 0.9,
        # Not the ceiling, for context: the same appends past the page cache.
        "disk_append_direct_per_s": None if disk_direct is None else round(disk_direct, 1),
        # The drop's own CPU (every server process) over what it acknowledged: steadier
        # than a rate on a shared machine.
        "server_cpu_us_per_submission": round(1e6 * (cpu1 - cpu0) / ok, 1) if ok else None,
        # Its floor, measured in this run (cpu_floor): SHA-256 of the envelope plus one write
        # of it as the drop writes (O_DIRECT where taken), and the parts.
        "server_cpu_floor_us": round(floor["floor_us"] or 0.0, 1),
        "server_cpu_over_floor": round(1e6 * (cpu1 - cpu0) / ok / floor["floor_us"], 2)
        if ok and floor["floor_us"]
        else None,
        "floor_sha256_us": round(floor["sha256_us"] or 0.0, 1),
        "floor_write_us": round(floor["write_us"] or 0.0, 1),
        "floor_write_direct_us": None
        if floor["write_direct_us"] is None
        else round(floor["write_direct_us"], 1),
        # The load generator's own CPU (this process) per acknowledged submission: on a
        # shared 2-core machine what it spends is taken from the drop.
        "loadgen_cpu_us_per_submission": round(1e6 * (own1 - own0) / ok, 1) if ok else None,
        # How busy the whole machine's CPUs were during the HTTP load (from /proc/stat):
        # near 1.0 the run was CPU-bound; below, requests waited on something else.
        "machine_busy_share": busy_share(busy0, busy1),
        "onionshare_per_s": None if os_rate is None else round(os_rate, 1),
        "ratio_onionshare": round(http_rate / os_rate, 2) if os_rate else None,
        "errors": errors,
        # Each acknowledged submission's time from its first byte sent to its receipt read
        # (a closed loop: a client sends its next envelope when answered).
        **latency_ms(latencies),
        "server_rss_mb": round(rss, 1),
        "concurrency": a.concurrency,
        "processes": a.processes,
        "target_submissions_per_s": 3000,
        "target_ratio": 0.9,
        # Where one group commit's time goes, in the no-HTTP run (per batch, milliseconds):
        # making the blobs durable and moving them in place, the database transaction with
        # the signed checkpoint, the batch's inclusion proofs.
        # Named here because the keys are not: --set applies to the HTTP run only.
        "batch_stats_from": "the no-HTTP run, with drop.json's defaults",
        "batch_entries_mean": round(st.get("entries", 0.0) / batches, 1),
        "batch_blobs_ms": round(1000 * st.get("blobs_s", 0.0) / batches, 2),
        "batch_commit_ms": round(1000 * st.get("commit_s", 0.0) / batches, 2),
        "batch_proofs_ms": round(1000 * st.get("proofs_s", 0.0) / batches, 2),
        # The integrator thread's CPU for the same three steps, per entry (microseconds).
        "entry_blobs_cpu_us": round(1e6 * st.get("blobs_cpu_s", 0.0) / entries, 1),
        "entry_commit_cpu_us": round(1e6 * st.get("commit_cpu_s", 0.0) / entries, 1),
        "entry_proofs_cpu_us": round(1e6 * st.get("proofs_cpu_s", 0.0) / entries, 1),
    }
    if big:
        out["big_upload_mib"] = a.big_mib
        out["big_upload_rss_before_mb"] = round(big[0], 1)
        out["big_upload_rss_peak_mb"] = round(big[1], 1)
    return out


if __name__ == "__main__":
    main()
