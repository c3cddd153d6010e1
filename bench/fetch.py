"""The desk's fetch of 10,000 envelopes of which 1,000 are its own, on a real drop over HTTP.

    python bench/fetch.py --json [--total N] [--mine M] [--big-mib B]

Where the time goes is measured inside the fetch itself (``FetchResult.seconds``): checkpoint
and consistency, clue listing, clue scanning, downloading, inclusion proofs, opening and
storing (decrypt, split, verify, re-encrypt into the desk's store), deleting the slots.

The scan must run at the protocol's rate: ``limit_scan_per_s`` is :class:`Scanner` alone over
the same listing with the same key, measured in this run; ``scan_ratio`` is the fetch's scan
rate over it. Downloads must stream: one more envelope carrying a ``--big-mib`` attachment is
fetched under ``tracemalloc`` and ``big_fetch_peak_mib`` is the most Python memory the fetch
held at once (the desk keeps up to 8 MiB of ciphertext in memory before spilling to a
temporary file; the attachment itself never sits whole in memory).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import _common  # noqa: F401
from _common import emit

from tysha.desk.cli import make_invitation
from tysha.desk.fetch import fetch_all
from tysha.desk.store import DeskStore, init_desk
from tysha.drop.launcher import free_port, init_data, start_drop, wait_ready
from tysha.drop.service import DropService
from tysha.protocol import (
    Attachment,
    CaptureAttestation,
    EnvelopeSealer,
    Identity,
    Invitation,
    Manifest,
    Scanner,
    frame_content,
    seal_envelope,
)
from tysha.transport import DropClient


async def populate(data: Path, envelopes: list[bytes]) -> None:
    """Fill the drop's store and log directly (the intake path has its own benchmark)."""
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

        for start in range(0, len(envelopes), 1000):  # in batches, a thousand tasks at a time
            await asyncio.gather(
                *(put(start + i, e) for i, e in enumerate(envelopes[start : start + 1000]))
            )
    finally:
        await svc.stop()


def report(source: Identity, inv: Invitation, n: int) -> bytes:
    body = {"categories": ["det"], "text": f"report {n}", "when": "", "where": "", "created_at": ""}
    m = Manifest("report", source.public(), body, (), inv.secret).signed(source)
    return seal_envelope(frame_content(m.to_bytes()), inv.recipients(), os.urandom)


def big_report(source: Identity, inv: Invitation, mib: int, path: Path) -> None:
    """Seal a report with a ``mib`` MiB attachment straight to a file, never whole in memory."""
    block = os.urandom(1 << 20)

    def content() -> Iterator[bytes]:
        for _ in range(mib):
            yield block

    h = hashlib.sha256()
    for piece in content():
        h.update(piece)
    size = mib << 20
    claims = {"sha256": h.digest(), "size": size, "media_type": "video/mp4", "name": "big.mp4"}
    att = Attachment(
        "big.mp4", "video/mp4", size, h.digest(), CaptureAttestation.create(source, claims)
    )
    body = {"categories": ["atk"], "text": "big", "when": "", "where": "", "created_at": ""}
    m = Manifest("report", source.public(), body, (att,), inv.secret).signed(source)
    prefix = frame_content(m.to_bytes())
    sealer = EnvelopeSealer(inv.recipients(), len(prefix) + size, os.urandom)
    with open(path, "wb") as f:
        f.write(sealer.header)
        for chunk in sealer.body([prefix, *content()]):
            f.write(chunk)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--total", type=int, default=10000)
    ap.add_argument("--mine", type=int, default=1000)
    ap.add_argument("--big-mib", type=int, default=64, help="0 skips the streaming check")
    a = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tysha-fetch-"))
    proc = None
    try:
        vkey = init_data(root / "drop", pow_bits=0)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        init_desk(root / "desk", "Bench cell", "bench passphrase")
        store = DeskStore.open(root / "desk", "bench passphrase")
        inv = make_invitation(store, url, vkey)
        source = Identity.generate(os.urandom)
        strangers = [Identity.generate(os.urandom).public() for _ in range(20)]
        t0 = time.perf_counter()
        step = max(1, a.total // max(1, a.mine))
        envs = []
        mine = 0
        for i in range(a.total):
            if i % step == 0 and mine < a.mine:
                envs.append(report(source, inv, i))
                mine += 1
            else:
                envs.append(seal_envelope(b"foreign", [strangers[i % 20]], os.urandom))
        seal_s = time.perf_counter() - t0
        asyncio.run(populate(root / "drop", envs))
        del envs
        proc = start_drop(root / "drop", port, log=root / "drop.log")
        wait_ready(url, proc)

        res = fetch_all(store)
        fetch_s = sum(res.seconds.values())

        # The protocol's own scan rate, same listing, same key, same run.
        with DropClient(url) as c:
            records, cursor = [], -1
            while True:
                recs, nxt, _ = c.clues(cursor, 5000)
                records += recs
                if nxt == cursor or not recs:
                    break
                cursor = nxt
        scanner = Scanner(store.identity.clue_secret, store.public.clue)
        t = time.perf_counter()
        hits = scanner.scan(records)
        limit_scan_s = time.perf_counter() - t
        assert len(hits) == mine

        scan_rate = res.scanned / max(1e-9, res.seconds["scan"])
        limit_rate = len(records) / max(1e-9, limit_scan_s)
        out: dict[str, object] = {
            "envelopes": a.total,
            "mine": mine,
            "fetched": len(res.new_reports),
            "errors": len(res.errors) + len(res.warnings),
            "fetch_seconds": round(fetch_s, 2),
            "seconds": {k: round(v, 3) for k, v in res.seconds.items()},
            "listing_bytes": res.listing_bytes,
            "listing_bytes_per_envelope": round(res.listing_bytes / max(1, res.scanned), 1),
            "listing_seconds": round(res.seconds["listing"], 3),
            "scan_per_s": round(scan_rate, 1),
            "limit_scan_per_s": round(limit_rate, 1),
            "scan_ratio": round(scan_rate / limit_rate, 3),
            "download_bytes": res.downloaded_bytes,
            "download_open_store_seconds": round(
                sum(res.seconds[k] for k in ("download", "proof", "open_store", "delete")), 2
            ),
            "per_own_envelope_ms": round(
                sum(res.seconds[k] for k in ("download", "proof", "open_store", "delete"))
                / max(1, len(res.new_reports))
                * 1000,
                2,
            ),
            "seal_seconds_setup": round(seal_s, 2),
        }

        if a.big_mib > 0:
            big = root / "big.env"
            big_report(source, inv, a.big_mib, big)
            with DropClient(url) as c:
                c.upload(big)
            big.unlink()
            tracemalloc.start()
            t = time.perf_counter()
            res2 = fetch_all(store)
            big_s = time.perf_counter() - t
            _cur, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            r = store.get_report(res2.new_reports[0])
            assert r["capture_verified"] and r["attachments"][0]["size"] == a.big_mib << 20
            out.update(
                {
                    "big_envelope_mib": a.big_mib,
                    "big_fetch_seconds": round(big_s, 2),
                    "big_fetch_mib_per_s": round(a.big_mib / big_s, 1),
                    "big_fetch_peak_mib": round(peak / (1 << 20), 1),
                }
            )
        store.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)
    emit(out, a.json)


if __name__ == "__main__":
    main()
