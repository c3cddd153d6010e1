"""The drop over real HTTP on loopback: intake, idempotency, the log from /log/ alone, bad input."""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tysha.drop.testing import free_port, run_drop, start_drop, wait_ready
from tysha.errors import ProtocolError, VerificationError
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

ME = Identity.generate(os.urandom)


def env(n: int = 100) -> bytes:
    return seal_envelope(os.urandom(n), [ME.public()], os.urandom)


def tree_size(url: str) -> int:
    return int(httpx.get(url + "/v1/info").json()["tree_size"])


def test_upload_receipt_idempotent_and_log_verifiable_from_tiles_alone(drop: tuple[str, str, Path]) -> None:
    url, vkey, _ = drop
    c = DropClient(url)
    envs = [env(i * 50) for i in range(300)]
    receipts = [c.upload(e) for e in envs[:150]]
    verifier = NoteVerifier.from_vkey(vkey)
    first = open_checkpoint(httpx.get(url + "/log/checkpoint").text, verifier)
    receipts += [c.upload(e) for e in envs[150:]]
    for r, e in zip(receipts, envs, strict=True):
        r.verify(vkey, hashlib.sha256(e).digest())
    again = c.upload(envs[3])
    assert again.index == receipts[3].index and again.envelope_digest == receipts[3].envelope_digest
    assert tree_size(url) == 300
    # An independent client with nothing but the vkey: checkpoint, tiles, consistency.
    second = open_checkpoint(httpx.get(url + "/log/checkpoint").text, verifier)

    def fetch(path: str) -> bytes:
        r = httpx.get(f"{url}/log/{path}")
        r.raise_for_status()
        return r.content

    reader = verify_tiles_against_checkpoint(second, fetch)
    verify_checkpoint_consistency(first, second, reader)
    full = httpx.get(f"{url}/log/tile/0/000")
    assert "immutable" in full.headers["cache-control"]
    assert len(full.content) == 256 * 32
    bundle = httpx.get(f"{url}/log/tile/entries/000")
    assert bundle.status_code == 200 and len(bundle.content) == 256 * 34
    assert httpx.get(f"{url}/log/tile/0/001").status_code == 404  # not yet full
    assert httpx.get(f"{url}/log/tile/0/001.p/44").status_code == 200


def test_bad_input_gets_4xx_and_changes_nothing(drop: tuple[str, str, Path]) -> None:
    url, _, data = drop
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
    before = tree_size(url)
    for name, body in cases.items():
        r = httpx.post(url + "/v1/envelopes", content=body)
        assert 400 <= r.status_code < 500, name
        assert set(r.json()) >= {"error", "detail"}, name
    r = httpx.post(url + "/v1/envelopes", content=b"\x00" * ((1 << 20) + 10))
    assert r.status_code == 413
    assert tree_size(url) == before
    assert list((data / "blobs").rglob("*")) == [p for p in (data / "blobs").rglob("*") if p.is_dir()]
    assert httpx.get(url + "/v1/envelopes/999").status_code == 404
    assert httpx.get(url + "/v1/envelopes/abc").status_code == 404
    assert httpx.get(url + "/v1/clues?after=x").status_code == 400
    assert httpx.get(url + "/v1/proof/inclusion?index=5&size=2").status_code == 400
    assert httpx.get(url + "/log/tile/0/x001").status_code == 404
    assert httpx.get(url + "/nope").status_code == 404


def test_chunked_upload_resumes_across_restart_and_rejects_wrong_offsets(tmp_path: Path) -> None:
    big = seal_envelope(os.urandom(9 * 1024 * 1024), [ME.public()], os.urandom)
    digest = hashlib.sha256(big).hexdigest()
    with run_drop(tmp_path) as (url, vkey, data):
        r = httpx.post(url + "/v1/uploads", json={"digest": digest, "length": len(big)})
        uid = r.json()["upload"]
        assert httpx.put(f"{url}/v1/uploads/{uid}?offset=0", content=big[: 4 << 20]).json()["offset"] == 4 << 20
        wrong = httpx.put(f"{url}/v1/uploads/{uid}?offset=0", content=big[:100])
        assert wrong.status_code == 409 and wrong.json()["offset"] == 4 << 20
        early = httpx.post(f"{url}/v1/uploads/{uid}/finish")
        assert early.status_code == 409
    # The drop restarts; the client resumes from the drop's own offset.
    port = free_port()
    proc = start_drop(data, port)
    try:
        url2 = f"http://127.0.0.1:{port}"
        wait_ready(url2, proc)
        assert httpx.get(f"{url2}/v1/uploads/{uid}").json()["offset"] == 4 << 20
        receipt = DropClient(url2).upload(big)
        receipt.verify(vkey, bytes.fromhex(digest))
        assert (data / "blobs" / digest[:2] / digest[2:]).read_bytes() == big
    finally:
        proc.terminate()
        proc.wait(10)


def test_chunked_upload_with_wrong_digest_is_discarded(drop: tuple[str, str, Path]) -> None:
    url, _, _ = drop
    e = env()
    fake = hashlib.sha256(b"other").hexdigest()
    uid = httpx.post(url + "/v1/uploads", json={"digest": fake, "length": len(e)}).json()["upload"]
    httpx.put(f"{url}/v1/uploads/{uid}?offset=0", content=e)
    r = httpx.post(f"{url}/v1/uploads/{uid}/finish")
    assert r.status_code == 400
    assert httpx.get(f"{url}/v1/uploads/{uid}").status_code == 404
    assert tree_size(url) == 0


def test_proof_of_work_and_deletion(tmp_path: Path) -> None:
    with run_drop(tmp_path, pow_bits=12) as (url, vkey, data):
        e = env()
        d = hashlib.sha256(e).digest()
        assert httpx.post(url + "/v1/envelopes", content=e).status_code == 403
        bad = solve_pow(hashlib.sha256(b"x").digest(), 12).hex()
        assert httpx.post(url + f"/v1/envelopes?pow={bad}", content=e).status_code in (403,)
        r = DropClient(url).upload(e)  # the client solves the work itself
        r.verify(vkey, d)
        with pytest.raises(VerificationError):
            DropClient(url).delete(r.index, os.urandom(32))
        from tysha.protocol import unwrap_slot

        key = unwrap_slot(parse_header(e), ME)
        assert DropClient(url).delete(r.index, key.deletion_secret) is False  # the padded slot stays
        assert httpx.get(f"{url}/v1/envelopes/{r.index}").status_code == 200


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
        svc.store_blob(d, tmp_path / "t")
        try:
            return await svc.submit(IntegrationItem(d, len(e), h.clue_pub, h.clues, h.deletion_hashes,
                                                    int(now[0]) // 3600))
        finally:
            await svc.stop()

    asyncio.run(go())
    svc = DropService(tmp_path / "d", clock=lambda: now[0])
    svc.maintenance()
    assert svc.blobs.path(d).exists()
    now[0] += 91 * 86400
    svc.maintenance()
    assert not svc.blobs.path(d).exists()
    assert svc.store.listing(-1, 10)[0] == []
    assert svc.store.checkpoint()[0] == 1  # the log keeps the digest forever


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
    os.utime(old_part, (now - 91 * 86400, now - 91 * 86400))
    os.utime(old_tmp, (now - 7200, now - 7200))
    os.utime(fresh_part, (now - 30 * 86400, now - 30 * 86400))  # days offline: kept
    svc.maintenance()
    assert fresh_part.exists() and fresh_tmp.exists()
    assert not old_part.exists() and not old_tmp.exists()
    svc.store.close()
