"""A drop filled with a million envelopes through its own intake path.

    python bench/million.py --json [--envelopes N] [--database postgresql://…]

The envelopes are real: a few are sealed to a desk's key at the start (X-Wing), and each
submission is one of them with its last 8 bytes (inside the AEAD tag) replaced by its number.
Every one of them passes the drop's form check (header, size bucket, exact length) and has a
digest of its own; the drop cannot tell them from sealed ones, it never holds the keys. They go
through :meth:`DropService.accept` — form, hash, the integrator's group commit (bodies
appended to a segment and made durable with one fdatasync, one transaction of rows, hash nodes
and a signed checkpoint per batch, inclusion proofs) — only the HTTP layer is left out. The
first 10 % are submitted with the drop's clock 91 days back, so they are expired by the
maintenance pass.

Then a real ``tysha drop serve`` process over the same data is measured on loopback (the
figures of ``bench/scale.py``): its RSS, the clue listing for a desk that is up to date and for
one that starts from zero, tiles and checkpoints served per second, bytes per envelope. The
listing of an up-to-date desk is also timed in process at every power of ten during the fill
(``uptodate_ms_at``): it must not grow with the log.

With ``--database`` the rows live in that PostgreSQL database (a schema of its own, dropped at
the end).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
from _common import emit
from scale import serve_and_measure

from tysha.drop.launcher import init_data
from tysha.drop.service import DropConfig, DropService
from tysha.protocol import Identity, open_envelope, parse_header, seal_envelope

#: Envelopes in flight at once (as many HTTP requests would be).
CONCURRENCY = 512
#: Distinct sealed envelopes the submissions are made from.
BASES = 8


class Clock:
    """The drop's clock, set back while the old envelopes are submitted."""

    def __init__(self) -> None:
        self.back = 0.0

    def __call__(self) -> float:
        return time.time() - self.back


def bases(n: int, content: int) -> tuple[list[bytes], Identity]:
    """``n`` real envelopes sealed to one desk; each opens (checked here)."""
    me = Identity.generate(os.urandom)
    out = []
    for i in range(n):
        text = i.to_bytes(4, "big") * (content // 4)
        env = seal_envelope(text, [me.public()], os.urandom)
        assert open_envelope(env, me).content == text
        parse_header(env)
        out.append(env)
    return out, me


def uptodate_ms(svc: DropService, size: int) -> float:
    """Median time of the store's listing query for a desk at the head, in process."""
    times = []
    for _ in range(21):
        t = time.perf_counter()
        svc.store.listing(size - 1, 10_000)
        times.append(time.perf_counter() - t)
    return round(1000 * statistics.median(times), 3)


async def fill(
    svc: DropService, clock: Clock, n: int, envs: list[bytes], progress: bool
) -> dict[str, object]:
    """Submit ``n`` envelopes through :meth:`DropService.accept`, ``CONCURRENCY`` at a time."""
    await svc.start()
    next_i = 0
    done = 0
    old = n // 10
    marks = {10**k for k in range(3, 8) if 10**k <= n} | {n}
    at: dict[str, float] = {}
    cpu0 = time.process_time()
    t0 = time.perf_counter()

    async def worker(stop: int) -> None:
        nonlocal next_i, done
        while next_i < stop:
            i = next_i
            next_i += 1
            body = envs[i % len(envs)][:-8] + i.to_bytes(8, "big")
            r = await svc.accept(body, None)
            assert r.index >= 0
            done += 1

    try:
        # The old tenth first, with the clock 91 days back, then the rest at the real time;
        # the workers stop at each stage's end and at each power of ten (timed there).
        clock.back = (svc.config.retention_days + 1) * 86400.0
        stops = sorted({old, n, *marks, *range(50_000, n, 50_000)} - {0})
        for stop in stops:
            if stop > old:
                clock.back = 0.0
            await asyncio.gather(*(worker(stop) for _ in range(CONCURRENCY)))
            size, _ = svc.checkpoint()
            if size in marks:
                at[str(size)] = uptodate_ms(svc, size)
            if progress:
                now = time.perf_counter()
                print(f"  {size:,} envelopes, {size / (now - t0):,.0f}/s", file=sys.stderr)
    finally:
        await svc.stop()
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    st = svc.stats
    return {
        "fill_s": round(elapsed, 1),
        "fill_per_s": round(done / elapsed, 1),
        "fill_cpu_us_per_envelope": round(1e6 * cpu / max(1, done), 1),
        "batches": int(st["batches"]),
        "batch_entries_mean": round(st["entries"] / max(1, st["batches"]), 1),
        "batch_ms": {
            k: round(1000 * st[k] / max(1, st["batches"]), 2)
            for k in ("blobs_s", "commit_s", "proofs_s")
        },
        "uptodate_ms_at": at,
        "filler_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run(a: argparse.Namespace, root: Path) -> dict[str, object]:
    data = root / "drop"
    init_data(data, pow_bits=0)
    cfg = DropConfig.load(data)
    cfg.maintenance_s = 86400.0 * 30  # no expiry pass while filling; timed below instead
    cfg.save(data)
    database = a.database
    schema = None
    if database:
        import psycopg

        schema = "tysha_million_" + os.urandom(4).hex()
        with psycopg.connect(database, autocommit=True) as c:
            c.execute(f'CREATE SCHEMA "{schema}"')
        database = f"{database}?options=-csearch_path%3D{schema}"
    try:
        envs, _ = bases(BASES, a.content)
        clock = Clock()
        svc = DropService(data, database, clock=clock)
        filled = asyncio.run(fill(svc, clock, a.envelopes, envs, True))
        svc = DropService(data, database, clock=clock)
        size, _ = svc.checkpoint()
        # One maintenance pass as the drop runs it: expiry (rows, then blobs) and debris
        # collection over the whole blob store.
        live_before = svc.store.listing(-1, 1)  # warm the connection
        del live_before
        t = time.perf_counter()
        expire_cutoff = (int(clock()) // 3600) - svc.config.retention_days * 24
        expired_digests = svc.store.expire(expire_cutoff)
        rows_s = time.perf_counter() - t
        svc.blobs.delete_many(expired_digests)  # as maintenance does: whole segments go
        expiry_s = time.perf_counter() - t
        t = time.perf_counter()
        svc.maintenance()  # nothing left to expire: debris collection over every blob
        debris_s = time.perf_counter() - t
        svc.store.close()
        svc.blobs.close()
        served = serve_and_measure(data, database, root, size, a.seconds, timeout=1200)
    finally:
        if schema and a.database and a.keep:
            print(f"schema kept: {schema}", file=sys.stderr)
        elif schema and a.database:
            import psycopg

            with psycopg.connect(a.database, autocommit=True) as c:
                c.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return {
        "envelopes": size,
        "backend": "postgresql" if database else "sqlite",
        "envelope_bytes": len(envs[0]),
        **filled,
        **served.figures(size),
        "target_server_rss_mb": 150,
        "expired": len(expired_digests),
        "expiry_rows_s": round(rows_s, 2),
        "expiry_s": round(expiry_s, 2),
        "debris_scan_s": round(debris_s, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--envelopes", type=int, default=1_000_000)
    ap.add_argument("--content", type=int, default=200, help="plaintext bytes per envelope")
    ap.add_argument("--database", default=None, help="postgresql://… (else SQLite)")
    ap.add_argument("--seconds", type=float, default=3.0, help="tile serving run")
    ap.add_argument(
        "--keep", action="store_true", help="keep the data and the PostgreSQL schema (on stderr)"
    )
    a = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tysha-million-"))
    try:
        emit(run(a, root), a.json)
    finally:
        if a.keep:
            print(f"data kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
