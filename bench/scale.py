"""A drop holding many envelopes: memory, clue listing, tile serving, size, expiry.

    python bench/scale.py --json [--envelopes N] [--database postgresql://…] [--body BYTES]

The drop is filled fast through the store API (rows, hash nodes and one signed checkpoint
per 10,000 envelopes in one transaction; blobs appended to the drop's segments, one
``fdatasync`` per hour of each 10,000), then served by a real ``tysha drop serve`` process, which is
measured over HTTP on loopback:

* ``server_rss_mb``: the serving process's resident memory after the measurements below;
* ``listing_uptodate_ms``: one ``GET /v1/clues`` of a desk that is up to date (median);
* ``listing_from_zero_s``: a desk that starts from zero pages through the whole listing;
* ``tiles_per_s``: full tiles and checkpoints served per second (4 keep-alive clients);
* ``bytes_per_envelope``: database plus blob bytes per envelope (also apart);
* ``expiry_s``: one maintenance pass, as the drop runs at startup and every
  ``maintenance_s``: expiring the 10 % of envelopes older than the retention (rows, then
  blobs) and collecting debris over the whole blob store.

With ``--database`` the rows live in that PostgreSQL database (in a schema of its own,
dropped at the end).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import _common  # noqa: F401
from _common import emit

from tysha.drop.launcher import free_port, init_data, start_drop, wait_ready
from tysha.drop.service import DropConfig, DropService, hour_now
from tysha.protocol import Identity, parse_header, seal_envelope
from tysha.store.drop_store import IntegrationItem
from tysha.tlog import TILE_WIDTH, tile_path

BATCH = 10_000


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fill(svc: DropService, n: int, body: int) -> None:
    """``n`` envelopes: the clue material of one real sealed header (the listing costs the
    same for any), distinct random bodies; 10 % of them older than the retention."""
    me = Identity.generate(os.urandom)
    env = seal_envelope(b"x", [me.public()], os.urandom)
    header = parse_header(env)
    now = hour_now()
    old = now - svc.config.retention_days * 24 - 1
    pool = os.urandom(body + (1 << 16))
    blobs = svc.blobs
    for start in range(0, n, BATCH):
        items = []
        bodies: dict[int, list[tuple[bytes, Path | bytes]]] = {old: [], now: []}
        for i in range(start, min(n, start + BATCH)):
            off = (i * 7919) % (1 << 16)
            data = pool[off : off + body - 8] + i.to_bytes(8, "big")
            d = hashlib.sha256(data).digest()
            hour = old if i % 10 == 0 else now
            bodies[hour].append((d, data))
            items.append(
                IntegrationItem(d, len(data), header.clue_pub, header.clues,
                                header.deletion_hashes, hour)
            )  # fmt: skip
        for hour, moves in bodies.items():
            assert blobs.put_many(moves, mtime=hour * 3600.0) == [None] * len(moves)
        svc.store.integrate(items, svc._sign)


def dir_bytes(root: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(root):
        for f in files:
            try:
                total += os.stat(os.path.join(dirpath, f)).st_blocks * 512
            except OSError:
                pass
    return total


def pg_bytes(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as c:
        row = c.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
        ).fetchone()
    return int(row[0]) if row else 0


def measure(url: str, size: int, seconds: float) -> dict[str, float]:
    import httpx

    out: dict[str, float] = {}
    with httpx.Client(base_url=url, timeout=120) as h:
        # Up to date: the desk's cursor is the last index it saw.
        times = []
        for _ in range(50):
            t = time.perf_counter()
            r = h.get("/v1/clues", params={"after": size - 1, "limit": 10000})
            r.raise_for_status()
            times.append(time.perf_counter() - t)
        out["listing_uptodate_ms"] = round(1000 * statistics.median(times), 2)
        t = time.perf_counter()
        after, records, nbytes = -1, 0, 0
        while True:
            r = h.get("/v1/clues", params={"after": after, "limit": 10000})
            r.raise_for_status()
            nbytes += len(r.content)
            cursor = int(r.headers["X-Tysha-Cursor"])
            if cursor == after:
                break
            after = cursor
            records += 1
        out["listing_from_zero_s"] = round(time.perf_counter() - t, 2)
        out["listing_from_zero_mb"] = round(nbytes / 1e6, 1)
    full = size // TILE_WIDTH
    paths = [tile_path(0, i) for i in range(max(1, full))] + ["checkpoint"]
    served = [0]
    stop = time.perf_counter() + seconds

    def reader(k: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as h:
            i = k
            while time.perf_counter() < stop:
                h.get("/log/" + paths[(i * 7919) % len(paths)]).raise_for_status()
                i += 1
                served[0] += 1

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    out["tiles_per_s"] = round(served[0] / (time.perf_counter() - t), 1)
    return out


@dataclass
class Served:
    """What one ``tysha drop serve`` over a filled drop gave (see :func:`serve_and_measure`)."""

    startup_s: float
    stop_s: float
    rss: float
    measured: dict[str, float]
    db: int
    blob: int

    def figures(self, size: int) -> dict[str, object]:
        return {
            "startup_s": round(self.startup_s, 1),
            "server_rss_mb": round(self.rss, 1),
            **self.measured,
            "bytes_per_envelope": round((self.db + self.blob) / size, 1),
            "db_bytes_per_envelope": round(self.db / size, 1),
            "blob_bytes_per_envelope": round(self.blob / size, 1),
        }


def serve_and_measure(data: Path, database: str | None, root: Path, size: int, seconds: float,
                      timeout: float) -> Served:
    """Serve the filled drop with ``tysha drop serve`` on loopback: time its start-up, run
    :func:`measure`, read its RSS, stop it; then the database and blob bytes it keeps."""
    port = free_port()
    proc = start_drop(data, port, database, log=root / "server.log")
    url = f"http://127.0.0.1:{port}"
    try:
        t = time.perf_counter()
        wait_ready(url, proc, timeout=timeout)
        startup_s = time.perf_counter() - t
        measured = measure(url, size, seconds)
        rss = rss_mb(proc.pid)
    finally:
        t = time.perf_counter()
        proc.terminate()
        proc.wait(60)
        stop_s = time.perf_counter() - t
    blob = dir_bytes(data / "blobs")
    db = pg_bytes(database) if database else dir_bytes(data) - blob
    return Served(startup_s, stop_s, rss, measured, db, blob)


def run(a: argparse.Namespace, root: Path) -> dict[str, object]:
    data = root / "drop"
    init_data(data, pow_bits=0)
    cfg = DropConfig.load(data)
    cfg.maintenance_s = 86400.0  # no expiry pass while measuring; timed below instead
    cfg.save(data)
    database = a.database
    schema = None
    if database:
        import psycopg

        schema = "tysha_scale_" + os.urandom(4).hex()
        with psycopg.connect(database, autocommit=True) as c:
            c.execute(f'CREATE SCHEMA "{schema}"')
        database = f"{database}?options=-csearch_path%3D{schema}"
    try:
        svc = DropService(data, database)
        t = time.perf_counter()
        fill(svc, a.envelopes, a.body)
        fill_s = time.perf_counter() - t
        size, _ = svc.checkpoint()
        # One maintenance pass as the drop runs it: expiry (rows, then blobs) and debris
        # collection over the whole blob store.
        t = time.perf_counter()
        live_before = len(svc.store.live_digests())
        svc.maintenance()
        expiry_s = time.perf_counter() - t
        expired = live_before - len(svc.store.live_digests())
        svc.store.close()
        svc.blobs.close()
        served = serve_and_measure(data, database, root, size, a.seconds, timeout=600)
    finally:
        if schema and a.database:
            import psycopg

            with psycopg.connect(a.database, autocommit=True) as c:
                c.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return {
        "envelopes": size,
        "backend": "postgresql" if database else "sqlite",
        "fill_s": round(fill_s, 1),
        **served.figures(size),
        "envelope_body_bytes": a.body,
        "expired": expired,
        "expiry_s": round(expiry_s, 2),
        "target_server_rss_mb": 150,
        "stop_s": round(served.stop_s, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--envelopes", type=int, default=1_000_000)
    ap.add_argument("--body", type=int, default=1024, help="bytes per envelope blob")
    ap.add_argument("--database", default=None, help="postgresql://… (else SQLite)")
    ap.add_argument("--seconds", type=float, default=2.0, help="tile serving run")
    a = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tysha-scale-"))
    try:
        emit(run(a, root), a.json)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
