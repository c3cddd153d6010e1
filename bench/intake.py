"""Durable, logged submissions per second over HTTP on loopback, against the same store and
log without HTTP, measured in the same run.

    python bench/intake.py --json [--seconds S] [--payload BYTES] [--concurrency N] [--big-mib M]

The load generator sends distinct envelopes of valid form: one real sealed header, and a body
of fresh random bytes each time (the drop checks form, never content, so this is exactly the
work a real envelope costs it). ``--big-mib`` also uploads one envelope of that size in chunks
and reports the server's peak resident memory during that upload.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path

import _common  # noqa: F401
from _common import emit

from tysha.drop.testing import free_port, init_data, start_drop, wait_ready
from tysha.protocol import EnvelopeSealer, Identity, parse_header


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Bodies:
    def __init__(self, payload: int) -> None:
        me = Identity.generate(os.urandom)
        sealer = EnvelopeSealer([me.public()], payload, os.urandom)
        self.header = sealer.header
        self.body_len = parse_header(sealer.header).body_length()
        self.pool = os.urandom(self.body_len + (1 << 20))
        self.n = 0

    def next(self) -> bytes:
        self.n += 1
        off = (self.n * 7919) % (1 << 20)
        return self.header + self.pool[off : off + self.body_len - 8] + self.n.to_bytes(8, "big")


async def load(url: str, bodies: Bodies, seconds: float, concurrency: int) -> tuple[int, int]:
    """A lean HTTP/1.1 keep-alive load generator on raw asyncio streams (a Python HTTP client
    library would be the bottleneck on a 2-core machine shared with the server)."""
    ok = errors = 0
    host, port = url.split("//")[1].split(":")
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal ok, errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                body = bodies.next()
                writer.write(
                    b"POST /v1/envelopes HTTP/1.1\r\nHost: bench\r\n"
                    b"Content-Type: application/octet-stream\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\n\r\n"
                    + body
                )
                await writer.drain()
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                if b" 200 " in status:
                    ok += 1
                else:
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok, errors


async def direct(data: Path, bodies: Bodies, seconds: float, concurrency: int) -> int:
    """The same store, blob fsync and group-committed log, without HTTP."""
    from tysha.drop.service import DropService

    svc = DropService(data)
    await svc.start()
    done = 0
    deadline = time.perf_counter() + seconds
    try:

        async def worker(w: int) -> None:
            nonlocal done
            n = 0
            while time.perf_counter() < deadline:
                env = bodies.next()
                item = svc.check_form(env[:70000], len(env))
                digest = hashlib.sha256(env).digest()
                tmp = svc.temp_path(f"bench-{w}-{n}")
                n += 1
                await asyncio.to_thread(tmp.write_bytes, env)
                await asyncio.to_thread(svc.store_blob, digest, tmp)
                from dataclasses import replace

                await svc.submit(replace(item, digest=digest))
                done += 1

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    finally:
        await svc.stop()
    return done


def big_upload(url: str, pid: int, mib: int) -> tuple[float, float]:
    from tysha.transport import DropClient

    me = Identity.generate(os.urandom)
    path = Path(tempfile.mkdtemp()) / "big.env"
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--payload", type=int, default=65536)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--big-mib", type=int, default=0)
    ap.add_argument(
        "--processes",
        type=int,
        default=1,
        help="drop processes over the same store (one log, one sequencer at a time)",
    )
    a = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tysha-bench-"))
    bodies = Bodies(a.payload)
    init_data(root / "http", pow_bits=0)
    procs, urls = [], []
    try:
        for _ in range(a.processes):
            port = free_port()
            procs.append(start_drop(root / "http", port))
            urls.append(f"http://127.0.0.1:{port}")
            wait_ready(urls[-1], procs[-1])
        share = max(1, a.concurrency // a.processes)

        async def run_all() -> list[tuple[int, int]]:
            runs = (load(u, bodies, a.seconds / 2, share) for u in urls)
            return list(await asyncio.gather(*runs))

        results = asyncio.run(run_all())
        ok, errors = sum(r[0] for r in results), sum(r[1] for r in results)
        rss = sum(rss_mb(p.pid) for p in procs)
        big = big_upload(urls[0], procs[0].pid, a.big_mib) if a.big_mib else None
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
    init_data(root / "direct", pow_bits=0)
    limit = asyncio.run(direct(root / "direct", bodies, a.seconds / 2, a.concurrency))
    http_rate = ok / (a.seconds / 2)
    limit_rate = limit / (a.seconds / 2)
    out: dict[str, object] = {
        "payload_bytes": a.payload,
        "envelope_bytes": len(bodies.next()),
        "submissions_per_s": round(http_rate, 1),
        "limit_per_s": round(limit_rate, 1),
        "ratio": round(http_rate / limit_rate, 3) if limit_rate else None,
        "errors": errors,
        "server_rss_mb": round(rss, 1),
        "concurrency": a.concurrency,
        "processes": a.processes,
        "target_submissions_per_s": 3000,
        "target_ratio": 0.9,
    }
    if big:
        out["big_upload_mib"] = a.big_mib
        out["big_upload_rss_before_mb"] = round(big[0], 1)
        out["big_upload_rss_peak_mb"] = round(big[1], 1)
    emit(out, a.json)


if __name__ == "__main__":
    main()
