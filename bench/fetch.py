"""The desk's fetch of 10,000 envelopes of which 1,000 are its own, on a real drop over HTTP;
and what a source downloads to check for replies among them.

    python bench/fetch.py --json [--total N] [--mine M]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import _common  # noqa: F401
from _common import emit

from tysha.desk.cli import make_invitation
from tysha.desk.fetch import fetch_all
from tysha.desk.store import DeskStore, init_desk
from tysha.drop.service import DropService
from tysha.drop.testing import free_port, init_data, start_drop, wait_ready
from tysha.protocol import Identity, Manifest, Scanner, frame_content, seal_envelope
from tysha.transport import DropClient


async def populate(data: Path, envelopes: list[bytes]) -> None:
    svc = DropService(data)
    await svc.start()
    try:
        sem = asyncio.Semaphore(64)

        async def put(i: int, env: bytes) -> None:
            async with sem:
                d = hashlib.sha256(env).digest()
                item = svc.check_form(env[:70000], len(env))
                tmp = svc.temp_path(f"pop-{i}")
                await asyncio.to_thread(tmp.write_bytes, env)
                await asyncio.to_thread(svc.store_blob, d, tmp)
                await svc.submit(replace(item, digest=d))

        await asyncio.gather(*(put(i, e) for i, e in enumerate(envelopes)))
    finally:
        await svc.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--total", type=int, default=10000)
    ap.add_argument("--mine", type=int, default=1000)
    a = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tysha-fetch-"))
    vkey = init_data(root / "drop", pow_bits=0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    init_desk(root / "desk", "Bench cell", "bench passphrase")
    store = DeskStore.open(root / "desk", "bench passphrase")
    inv = make_invitation(store, url, vkey)
    source = Identity.generate(os.urandom)
    t0 = time.perf_counter()
    envs = []
    strangers = [Identity.generate(os.urandom).public() for _ in range(20)]
    step = a.total // a.mine
    for i in range(a.total):
        if i % step == 0 and len(envs) // step < a.mine:
            m = Manifest(
                "report",
                source.public(),
                {
                    "categories": ["det"],
                    "text": f"report {i}",
                    "when": "",
                    "where": "",
                    "created_at": "",
                },
                (),
                inv.secret,
            ).signed(source)
            envs.append(seal_envelope(frame_content(m.to_bytes()), inv.recipients(), os.urandom))
        else:
            envs.append(seal_envelope(b"foreign", [strangers[i % 20]], os.urandom))
    seal_s = time.perf_counter() - t0
    asyncio.run(populate(root / "drop", envs))
    proc = start_drop(root / "drop", port)
    try:
        wait_ready(url, proc)
        # what a source pays to check for replies: the clue listing only
        with DropClient(url) as c:
            t = time.perf_counter()
            cursor, listing, records = -1, 0, []
            while True:
                recs, nxt, _ = c.clues(cursor, 5000)
                records += recs
                if nxt == cursor:
                    break
                cursor = nxt
            listing = c.bytes_received
            list_s = time.perf_counter() - t
        scanner = Scanner(source.clue_secret, source.public().clue)
        t = time.perf_counter()
        scanner.scan(records)
        scan_s = time.perf_counter() - t
        t = time.perf_counter()
        res = fetch_all(store)
        fetch_s = time.perf_counter() - t
    finally:
        proc.terminate()
        proc.wait(10)
    emit(
        {
            "envelopes": a.total,
            "mine": a.mine,
            "fetched": len(res.new_reports),
            "errors": len(res.errors),
            "fetch_seconds": round(fetch_s, 2),
            "listing_bytes": listing,
            "listing_bytes_per_envelope": round(listing / max(1, len(records)), 1),
            "listing_seconds": round(list_s, 3),
            "scan_seconds": round(scan_s, 3),
            "scan_per_s": round(len(records) / scan_s, 1),
            "download_open_store_seconds": round(fetch_s - list_s - scan_s, 2),
            "per_own_envelope_ms": round((fetch_s - list_s - scan_s) / max(1, a.mine) * 1000, 2),
            "seal_seconds_setup": round(seal_s, 2),
        },
        a.json,
    )
    store.close()


if __name__ == "__main__":
    main()
