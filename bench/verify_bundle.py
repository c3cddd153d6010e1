"""Verifying a court bundle of 10,000 reports, and what witnessing adds to a receipt.

    python bench/verify_bundle.py --json [--items N]

The bundle is built in this process the way a desk writes one (each report a real envelope
sealed to the desk, signed by its source, logged in a Merkle log whose checkpoint the drop key
signs, with its inclusion proof; report.json as the desk stores it; a custody segment of two
events per report proved into a signed custody head; README.txt and report.html), written as
a zip, and checked by ``tysha verify``'s own code path (:func:`tysha.verify.verify_bundle`).
Building is not timed as verification (``build_s`` is reported apart).

Witnessing: the drop's receipt path calls only :meth:`Witnessing.notify` (a flag); the
cosigning round runs in a thread. ``receipt_added_ns`` is the mean cost of that call;
``witness_round_ms`` a full round with two in-process witnesses (off the receipt path).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import tempfile
import time
import zipfile
from pathlib import Path

import _common  # noqa: F401
from _common import emit

from tysha.evidence.bundle import (
    BUNDLE_DOMAIN,
    Flag,
    build_index,
    custody_by_report,
    summary_text,
)
from tysha.evidence.custody import CustodyEvent, build_segment, canonical_json
from tysha.evidence.report_html import render_report_html
from tysha.protocol import Identity, Manifest, frame_content, seal_envelope, sign_message
from tysha.protocol.envelope import open_envelope
from tysha.witness.testing import MemoryLog

ORIGIN = "bench.example/drop"


def build(n: int, out: Path) -> tuple[Identity, str, float]:
    t0 = time.perf_counter()
    desk = Identity.generate(os.urandom)
    source = Identity.generate(os.urandom)
    log = MemoryLog(ORIGIN, b"\x11" * 32)
    drop_url = "http://drop.bench.example"
    envelopes: list[tuple[str, bytes, bytes, Manifest]] = []
    for i in range(n):
        body = {
            "categories": ["det"],
            "text": f"report {i}",
            "when": "2026-03-01T05:40:00Z",
            "where": "",
            "created_at": "",
        }
        m = Manifest("report", source.public(), body).signed(source)
        env = seal_envelope(frame_content(m.to_bytes()), [desk.public()], os.urandom)
        key = open_envelope(env, desk).key.content_key
        log.append(hashlib.sha256(env).digest())
        envelopes.append((f"r{i:05d}", env, key, m))
    note = log.checkpoint()
    from tysha.tlog import Checkpoint, inclusion_proof, parse_note

    cp = Checkpoint.parse(parse_note(note)[0])
    events: list[dict[str, object]] = []
    prev, last = bytes(32), {}
    files: dict[str, str] = {}
    public: list[tuple[str, dict[str, object], list[Flag]]] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:

        def put(name: str, data: bytes) -> None:
            z.writestr(name, data)
            files[name] = hashlib.sha256(data).hexdigest()

        for idx, (rid, env, key, m) in enumerate(envelopes):
            digest = hashlib.sha256(env).digest()
            proof = [h.hex() for h in inclusion_proof(idx, log.size, log.store)]
            report = {
                **{k: m.body[k] for k in ("categories", "text", "when", "where", "created_at")},
                "manifest": m.to_bytes().hex(),
                "source_key": m.sender.to_text(),
                "source_fingerprint": m.sender.fingerprint(),
                "attachments": [],
                "envelope_digest": digest.hex(),
                "index": idx,
                "checkpoint_note": note,
                "checkpoint": {"size": cp.size, "root": cp.root_hash.hex(), "origin": cp.origin},
                "drop_vkey": log.vkey,
                "drop": drop_url,
                "inclusion_proof": proof,
                "envelope_size": len(env),
                "status": "new",
            }
            base = f"reports/{rid}"
            put(f"{base}/report.json", canonical_json(report))
            put(f"{base}/envelope.bin", env)
            put(f"{base}/content-key", key.hex().encode())
            receipt = {
                "vkey": log.vkey,
                "receipt": {
                    "envelope_digest": digest.hex(),
                    "index": idx,
                    "checkpoint": note,
                    "proof": proof,
                },
            }
            put(f"{base}/receipt.json", canonical_json(receipt))
            public.append((rid, report, []))
            for action in ("received", "export-started"):
                ev = CustodyEvent(
                    len(events),
                    "2026-03-01T06:00:00Z",
                    action,
                    rid,
                    {},
                    prev,
                    report_prev=last.get(rid, -1),
                ).signed(desk)
                prev = ev.digest()
                last[rid] = ev.seq
                events.append(ev.to_json())
        rids = [r for r, _d, _f in public]
        segment = canonical_json(build_segment(events, rids, desk))
        put("custody.json", segment)
        drops = {drop_url: log.vkey}
        fp = desk.public().fingerprint()
        put("README.txt", summary_text("bench", fp, drops, public))
        seg = custody_by_report(segment)
        put(
            "report.html",
            render_report_html(
                lang="en",
                desk_name="bench",
                desk_fingerprint=fp,
                drops=drops,
                reports=public,
                custody=seg,
            ),
        )
        raw = build_index(
            desk=desk.public(), desk_name="bench", drops=drops, reports=rids, flags={}, files=files
        )
        z.writestr("bundle.json", raw)
        z.writestr("bundle.sig", sign_message(desk.sign_seed, BUNDLE_DOMAIN, raw).hex())
    return desk, log.vkey, time.perf_counter() - t0


def witnessing_figures() -> dict[str, float]:
    from starlette.testclient import TestClient

    from tysha.drop.witnessing import Witnessing
    from tysha.tlog import NoteVerifier
    from tysha.witness import WitnessClient
    from tysha.witness.service import WitnessService, init_witness
    from tysha.witness.web import create_app

    log = MemoryLog(ORIGIN, b"\x22" * 32)
    with tempfile.TemporaryDirectory() as tmp:
        clients, services = [], []
        for i in (1, 2):
            vkey = init_witness(Path(tmp) / f"w{i}", f"w{i}.bench")
            follows = {ORIGIN: [NoteVerifier.from_vkey(log.vkey)]}
            svc = WitnessService(Path(tmp) / f"w{i}", follows)
            services.append(svc)
            clients.append(
                WitnessClient("http://testserver", vkey, client=TestClient(create_app(svc)))
            )
        w = Witnessing(clients, lambda: (log.size, log.checkpoint()), log.proof)
        calls = 200_000
        t = time.perf_counter()
        for _ in range(calls):
            w.notify()
        added_ns = (time.perf_counter() - t) / calls * 1e9
        rounds = 0
        t = time.perf_counter()
        while time.perf_counter() - t < 3.0:
            log.append(os.urandom(32))
            w.cosign_now()
            rounds += 1
        el = time.perf_counter() - t
        for s in services:
            s.close()
    return {
        "receipt_added_ns": round(added_ns, 1),
        "witness_round_ms": round(el / rounds * 1e3, 2),
        "cosignatures_per_s": round(2 * rounds / el, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    from tysha.verify import verify_bundle

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.zip"
        desk, vkey, build_s = build(args.items, out)
        size = out.stat().st_size
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            result = verify_bundle(out, desk.public().fingerprint(), [vkey])
        verify_s = time.perf_counter() - t
    assert result.reports == args.items
    emit(
        {
            "items": args.items,
            "bundle_mib": round(size / (1 << 20), 1),
            "build_s": round(build_s, 2),
            "verify_s": round(verify_s, 2),
            "verify_items_per_s": round(args.items / verify_s, 1),
            **witnessing_figures(),
        },
        args.json,
    )


if __name__ == "__main__":
    main()
