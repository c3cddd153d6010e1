"""The drop's API in process (no socket) and over real HTTP where restarts are the point:
intake, idempotency, the log from /log/ alone, bad input."""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tysha.drop.launcher import InProcessDrop, in_process_drop
from tysha.errors import DropRefused, ProtocolError
from tysha.protocol import (
    Identity,
    Receipt,
    cbor_decode,
    cbor_encode,
    parse_header,
    seal_envelope,
    solve_pow,
)
from tysha.tlog import (
    NoteVerifier,
    open_checkpoint,
    verify_checkpoint_consistency,
    verify_tiles_against_checkpoint,
)
from tysha.transport import DropClient
from tysha.transport.client import tls_context

# One client for the module's plain requests (each new httpx client loads the CA roots); no
# connection is kept open between them, so none is left open when the tests end.
_NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
_HTTP = httpx.Client(trust_env=False, verify=tls_context(), limits=_NO_KEEPALIVE)

ME = Identity.generate(os.urandom)


def env(n: int = 100) -> bytes:
    return seal_envelope(os.urandom(n), [ME.public()], os.urandom)


def tree_size(h: httpx.Client | str) -> int:
    if isinstance(h, str):
        return int(_HTTP.get(h + "/v1/info").json()["tree_size"])
    return int(h.get("/v1/info").json()["tree_size"])


def test_upload_receipt_idempotent_and_log_verifiable_from_tiles_alone(inproc: InProcessDrop) -> None:
    H, vkey = inproc.client._http, inproc.vkey
    c = inproc.client
    envs = [env(i * 50) for i in range(300)]
    receipts = [c.upload(e) for e in envs[:150]]
    verifier = NoteVerifier.from_vkey(vkey)
    first = open_checkpoint(H.get("/log/checkpoint").text, verifier)
    receipts += [c.upload(e) for e in envs[150:]]
    for r, e in zip(receipts, envs, strict=True):
        r.verify(vkey, hashlib.sha256(e).digest())
    again = c.upload(envs[3])
    assert again.index == receipts[3].index and again.envelope_digest == receipts[3].envelope_digest
    assert tree_size(H) == 300
    # An independent client with nothing but the vkey: checkpoint, tiles, consistency.
    second = open_checkpoint(H.get("/log/checkpoint").text, verifier)

    def fetch(path: str) -> bytes:
        r = H.get(f"/log/{path}")
        r.raise_for_status()
        return r.content

    reader = verify_tiles_against_checkpoint(second, fetch)
    verify_checkpoint_consistency(first, second, reader)
    full = H.get("/log/tile/0/000")
    assert "immutable" in full.headers["cache-control"]
    assert len(full.content) == 256 * 32
    bundle = H.get("/log/tile/entries/000")
    assert bundle.status_code == 200 and len(bundle.content) == 256 * 34
    assert H.get("/log/tile/0/001").status_code == 404  # not yet full
    assert H.get("/log/tile/0/001.p/44").status_code == 200


def test_bad_input_gets_4xx_and_changes_nothing(inproc: InProcessDrop) -> None:
    H, data = inproc.client._http, inproc.data
    good = env()
    h = parse_header(good)
    obj = cbor_decode(h.raw[4:])
    assert isinstance(obj, dict)
    noncanon = bytearray(h.raw)
    noncanon[4] = 0xBF  # indefinite-length map
    v2 = dict(obj)
    v2[0] = 2
    b2 = cbor_encode(v2)
    cases = {
        "garbage": os.urandom(5000),
        "empty": b"",
        "truncated": good[:-1],
        "extended": good + b"\x00",
        "non_canonical": bytes(noncanon) + good[h.size:],
        "wrong_version": struct.pack(">I", len(b2)) + b2 + good[h.size:],
        "huge_header_len": b"\xff\xff\xff\xff" + good[4:],
    }
    before = tree_size(H)
    for name, body in cases.items():
        r = H.post("/v1/envelopes", content=body)
        assert 400 <= r.status_code < 500, name
        assert set(r.json()) >= {"error", "detail"}, name
    r = H.post("/v1/envelopes", content=b"\x00" * ((1 << 20) + 10))
    assert r.status_code == 413
    assert tree_size(H) == before
    # Not a byte kept: no segment record, no file (only the empty envelope index).
    kept = [p for p in (data / "blobs").rglob("*") if p.is_file() and not p.name.startswith("index.db")]
    assert kept == []
    assert H.get("/v1/envelopes/999").status_code == 404
    assert H.get("/v1/envelopes/abc").status_code == 404
    assert H.get("/v1/clues?after=x").status_code == 400
    assert H.get("/v1/proof/inclusion?index=5&size=2").status_code == 400
    assert H.get("/log/tile/0/x001").status_code == 404
    assert H.get("/nope").status_code == 404


def test_chunked_upload_resumes_across_restart_and_rejects_wrong_offsets(tmp_path: Path) -> None:
    big = seal_envelope(os.urandom(9 * 1024 * 1024), [ME.public()], os.urandom)
    digest = hashlib.sha256(big).hexdigest()
    with in_process_drop(tmp_path / "drop") as d:
        H, vkey, data = d.client._http, d.vkey, d.data
        r = H.post("/v1/uploads", json={"digest": digest, "length": len(big)})
        uid = r.json()["upload"]
        assert H.put(f"/v1/uploads/{uid}?offset=0", content=big[: 4 << 20]).json()["offset"] == 4 << 20
        wrong = H.put(f"/v1/uploads/{uid}?offset=0", content=big[:100])
        assert wrong.status_code == 409 and wrong.json()["offset"] == 4 << 20
        early = H.post(f"/v1/uploads/{uid}/finish")
        assert early.status_code == 409
    # The drop restarts (a new app and service over the same folder); the client resumes
    # from the drop's own offset.
    with in_process_drop(data) as d2:
        assert d2.client._http.get(f"/v1/uploads/{uid}").json()["offset"] == 4 << 20
        receipt = d2.client.upload(big)
        receipt.verify(vkey, bytes.fromhex(digest))
        with d2.service.blobs.open(bytes.fromhex(digest)) as f:
            assert f.read() == big


def test_chunked_upload_with_wrong_digest_is_discarded(inproc: InProcessDrop) -> None:
    H = inproc.client._http
    e = env()
    fake = hashlib.sha256(b"other").hexdigest()
    uid = H.post("/v1/uploads", json={"digest": fake, "length": len(e)}).json()["upload"]
    H.put(f"/v1/uploads/{uid}?offset=0", content=e)
    r = H.post(f"/v1/uploads/{uid}/finish")
    assert r.status_code == 400
    assert H.get(f"/v1/uploads/{uid}").status_code == 404
    assert tree_size(H) == 0


def test_proof_of_work_and_deletion(tmp_path: Path) -> None:
    with in_process_drop(tmp_path / "drop", pow_bits=12) as drop_:
        H, vkey = drop_.client._http, drop_.vkey
        e = env()
        d = hashlib.sha256(e).digest()
        assert H.post("/v1/envelopes", content=e).status_code == 403
        bad = solve_pow(hashlib.sha256(b"x").digest(), 12).hex()
        assert H.post(f"/v1/envelopes?pow={bad}", content=e).status_code in (403,)
        r = drop_.new_client().upload(e)  # the client solves the work itself
        r.verify(vkey, d)
        with pytest.raises(DropRefused) as refused:
            drop_.new_client().delete(r.index, os.urandom(32))
        assert refused.value.status == 403 and refused.value.body["error"] == "forbidden"
        from tysha.protocol import unwrap_slot

        key = unwrap_slot(parse_header(e), ME)
        assert drop_.new_client().delete(r.index, key.deletion_secret) is False  # the padded slot stays
        assert H.get(f"/v1/envelopes/{r.index}").status_code == 200


def test_expiry_with_injected_clock(tmp_path: Path) -> None:
    import asyncio

    from tysha.drop.service import DropService, init_drop
    from tysha.store.drop_store import IntegrationItem

    init_drop(tmp_path / "d", "expiry.test", 0)
    now = [1_700_000_000.0]
    svc = DropService(tmp_path / "d", clock=lambda: now[0])
    e = env()
    d = hashlib.sha256(e).digest()
    h = parse_header(e)

    async def go() -> Receipt:
        await svc.start()
        (tmp_path / "t").write_bytes(e)
        try:
            return await svc.submit(IntegrationItem(d, len(e), h.clue_pub, h.clues, h.deletion_hashes,
                                                    int(now[0]) // 3600), temp=tmp_path / "t")
        finally:
            await svc.stop()

    asyncio.run(go())
    svc = DropService(tmp_path / "d", clock=lambda: now[0])
    svc.maintenance()
    assert svc.blobs.exists(d)
    now[0] += 91 * 86400
    svc.maintenance()
    assert not svc.blobs.exists(d)
    assert svc.store.listing(-1, 10)[0] == []
    assert svc.store.checkpoint()[0] == 1  # the log keeps the digest forever
    # A desk still asking to delete its slot (an earlier deletion failed) hears that the
    # envelope is gone - 410, as the download says it - not "malformed" (400), which told the
    # desk its own request was wrong.
    from starlette.testclient import TestClient

    from tysha.drop.web import create_app

    with TestClient(create_app(svc), base_url="http://drop.test") as c:
        r = c.post("/v1/envelopes/0/delete", json={"secret": "ab" * 32})
        assert r.status_code == 410 and r.json()["error"] == "gone", r.text
        assert c.get("/v1/envelopes/0").status_code in (404, 410)


def test_info_cli(drop: tuple[str, str, Path], cli) -> None:  # type: ignore[no-untyped-def]
    url, vkey, data = drop
    DropClient(url).upload(env())
    import json

    out = json.loads(cli("drop", "info", "--data", str(data), "--json").stdout)
    assert out["vkey"] == vkey and out["tree_size"] == 1 and len(out["root_hash"]) == 64
    assert set(out) == {"origin", "vkey", "tree_size", "root_hash", "source_page_sha256"}
    r = cli("drop", "init", "--data", str(data), check=False)
    assert r.returncode == 1 and "refusing" in r.stderr
    assert isinstance(subprocess, object) and ProtocolError


def test_stale_partial_uploads_are_collected(tmp_path: Path) -> None:
    from tysha.drop.service import DropService, init_drop

    init_drop(tmp_path / "d", "stale.test", 0)
    svc = DropService(tmp_path / "d")
    up = tmp_path / "d" / "uploads"
    fresh_part, old_part, old_tmp, fresh_tmp = (up / "up-aa.part", up / "up-bb.part",
                                               up / "one-1", up / "one-2")
    for f in (fresh_part, old_part, old_tmp, fresh_tmp):
        f.write_bytes(b"x")
    now = time.time()
    # Abandoned resumable uploads go within hours (upload_expiry_hours, 24 by default), not
    # after the 90 days envelopes are kept.
    os.utime(old_part, (now - 25 * 3600, now - 25 * 3600))
    os.utime(old_tmp, (now - 7200, now - 7200))
    os.utime(fresh_part, (now - 3600, now - 3600))  # an hour offline: kept
    svc.maintenance()
    assert fresh_part.exists() and fresh_tmp.exists()
    assert not old_part.exists() and not old_tmp.exists()
    svc.store.close()


@pytest.mark.parametrize("bad", [["--origin", "bad name"], ["--origin", "a+b"], ["--pow-bits", "99"]])
def test_init_refusal_creates_nothing(tmp_path: Path, cli, bad: list[str]) -> None:  # type: ignore[no-untyped-def]
    """A refused `drop init` leaves no folder and no log key behind (a key left there made the
    folder "already hold a drop", so the corrected command was refused too)."""
    data = tmp_path / "new" / "drop"
    r = cli("drop", "init", "--data", str(data), *bad, check=False)
    assert r.returncode != 0 and ("origin" in r.stderr or "--pow-bits" in r.stderr), r.stderr
    assert "drop.json" not in r.stderr, r.stderr  # there is none yet
    assert not (tmp_path / "new").exists()
    r = cli("drop", "init", "--data", str(data), "--origin", "good.test/drop", check=False)
    assert r.returncode == 0 and (data / "log.key").exists(), r.stderr
