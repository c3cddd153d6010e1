"""Issue 9 (the drop): an anonymous client must never exhaust it; issue 8: its seams.

In-process (no socket, no child) unless the claim is about a real process."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tysha.drop.launcher import InProcessDrop, in_process_drop, init_data
from tysha.drop.service import DropConfig, DropService, InsufficientStorage
from tysha.drop.uploads import FolderUploads, OffsetMismatch
from tysha.drop.web import create_app
from tysha.drop.work import WorkPolicy, parse_private_token, work_bits
from tysha.errors import (
    ConfigError,
    DropRefused,
    NotFound,
    StorageError,
    VerificationError,
)
from tysha.protocol import ClueRecord, Identity, encode_clue_records, seal_envelope, solve_pow
from tysha.protocol.envelope import CLUE_SIZE, MIN_SLOTS
from tysha.transport import DropClient
from tysha.transport.client import tls_context

# One client for the module's plain requests (each new httpx client loads the CA roots); no
# connection is kept open between them, so none is left open when the tests end.
_NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
_HTTP = httpx.Client(trust_env=False, verify=tls_context(), limits=_NO_KEEPALIVE)

ME = Identity.generate(os.urandom)


def env(n: int = 100) -> bytes:
    return seal_envelope(os.urandom(n), [ME.public()], os.urandom)


def http(d: InProcessDrop) -> httpx.Client:
    return d.client._http


# --- 9.2: byte limits while reading, read deadlines ----------------------------------------


def _asgi_call(app: Any, method: str, path: str, pieces: Iterator[bytes | None],
               headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, dict[str, Any], int]:
    """Call the ASGI app directly with a body given piece by piece (``None``: stall forever).
    Returns (status, JSON body, bytes the app pulled)."""
    pulled = 0
    out: dict[str, Any] = {}

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        piece = next(pieces, b"")
        if piece is None:
            await asyncio.Event().wait()  # a client that stops sending
        pulled += len(piece)
        return {"type": "http.request", "body": piece, "more_body": bool(piece)}

    async def send(msg: dict[str, Any]) -> None:
        if msg["type"] == "http.response.start":
            out["status"] = msg["status"]
        elif msg["type"] == "http.response.body":
            out["body"] = out.get("body", b"") + msg.get("body", b"")

    scope = {"type": "http", "method": method, "path": path, "query_string": b"",
             "headers": headers or [], "http_version": "1.1", "scheme": "http",
             "server": ("drop", 80), "client": None, "root_path": "", "asgi": {"version": "3.0"}}

    async def go() -> None:
        await asyncio.wait_for(app(scope, receive, send), 20)

    asyncio.run(go())
    return out["status"], json.loads(out["body"]), pulled


@pytest.fixture
def app_svc(tmp_path: Path) -> Iterator[tuple[Any, DropService]]:
    init_data(tmp_path / "d")
    cfg = DropConfig.load(tmp_path / "d")
    cfg.body_idle_s = 0.3
    cfg.save(tmp_path / "d")
    svc = DropService(tmp_path / "d")
    yield create_app(svc), svc
    svc.store.close()


def test_huge_json_body_is_refused_early_and_bounded(app_svc: tuple[Any, DropService]) -> None:
    app, _ = app_svc
    # Announced: refused from the header, before a byte of the body is read.
    big = str(512 << 20).encode()
    for path in ("/v1/uploads", "/v1/envelopes/0/delete", "/v1/envelopes"):
        status, body, pulled = _asgi_call(app, "POST", path, iter([]),
                                          [(b"content-length", big)])
        assert status == 413 and pulled == 0 and body["error"] == "too_large"
    # Not announced (chunked): cut off after the route's limit, not after 512 MiB.
    mib = b"{" + b" " * ((1 << 20) - 1)
    for path in ("/v1/uploads", "/v1/envelopes/0/delete"):
        status, body, pulled = _asgi_call(app, "POST", path, iter([mib] * 512))
        assert status == 413 and pulled <= 1 << 20
    status, _, pulled = _asgi_call(app, "POST", "/v1/envelopes", iter([mib] * 512))
    assert status == 413 and pulled <= 2 << 20
    # A GET takes no body at all.
    status, _, _ = _asgi_call(app, "GET", "/v1/info", iter([]), [(b"content-length", b"10")])
    assert status == 413


def test_json_nested_past_the_parser_is_malformed_not_a_500(app_svc: tuple[Any, DropService]) -> None:
    """Within the 4 KiB bound, 2,000 brackets still nest deeper than json's parser goes
    (RecursionError): a 400 like any other bad JSON, and the drop still takes the next one."""
    app, _ = app_svc
    deep = b"[" * 2000 + b"]" * 2000
    for path in ("/v1/uploads", "/v1/envelopes/0/delete"):
        status, body, _ = _asgi_call(app, "POST", path, iter([deep]))
        assert (status, body["error"]) == (400, "malformed"), (path, status, body)
    status, body, _ = _asgi_call(app, "POST", "/v1/uploads", iter([b'{"digest": 1}']))
    assert (status, body["error"]) == (400, "malformed")


def test_a_body_where_none_is_taken_is_refused_before_the_answer(inproc: InProcessDrop) -> None:
    """A GET with a chunked body (no Content-Length) was let through, and the guard raised
    once a streamed answer had begun: a 200 cut short, a traceback in the log. Now a body is
    refused up front wherever none is taken, as an announced length already was."""
    inproc.client.upload(env())
    for path in ("/v1/envelopes/0", "/v1/info"):
        r = http(inproc).request("GET", path, content=iter([b"x" * 10, b"y" * 10]))
        assert r.request.headers["transfer-encoding"] == "chunked"
        assert (r.status_code, r.json()["error"]) == (413, "too_large")
    r = http(inproc).get("/v1/envelopes/0")
    assert r.status_code == 200 and len(r.content) == int(r.headers["content-length"])


def test_stalled_body_is_cut_off(app_svc: tuple[Any, DropService]) -> None:
    app, _ = app_svc
    for method, path in (("POST", "/v1/uploads"), ("POST", "/v1/envelopes"),
                         ("POST", "/v1/envelopes/0/delete")):
        status, body, _ = _asgi_call(app, method, path, iter([b"{", None]))
        assert status == 408 and body["error"] == "timeout", path


@pytest.mark.slow
def test_real_process_refuses_512_mib_with_bounded_memory(tmp_path: Path) -> None:
    """The claim is about the server process: send 512 MiB chunked and watch its memory."""
    import socket

    from tysha.drop.launcher import run_drop

    with run_drop(tmp_path) as (url, _, _data):
        port = int(url.rsplit(":", 1)[1])
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /v1/uploads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Type: application/json\r\n\r\n")
        chunk = b"%x\r\n" % (1 << 20) + b" " * (1 << 20) + b"\r\n"
        sent = 0
        s.settimeout(0.05)
        answer = b""
        try:
            while sent < 512 << 20:
                try:
                    s.sendall(chunk)
                except OSError:
                    break  # the drop closed the connection: refused
                sent += 1 << 20
                try:
                    answer += s.recv(4096)
                except TimeoutError:
                    continue
                if answer:
                    break
        finally:
            s.close()
        assert b" 413 " in answer.split(b"\r\n", 1)[0] or sent < 64 << 20
        assert sent < 64 << 20  # refused long before 512 MiB
        assert _HTTP.get(url + "/v1/info").status_code == 200
        # Bounded memory: the server holds at most a route's limit per request (before the
        # fix, one such request took it to 1.65 GB).
        assert _server_rss_mb(_data) < 400


def _server_rss_mb(data: Path) -> float:
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in cmd and str(data).encode() in cmd:
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    raise AssertionError("the drop process was not found")


# --- 9.3 and 9.5: work per byte, adaptive; caps; expiry; 507 ------------------------------


def test_work_is_charged_per_byte_and_adapts_to_the_rate() -> None:
    assert work_bits(100, 8, 65536) == 8
    assert work_bits(65536, 8, 65536) == 8
    assert work_bits(65537, 8, 65536) == 9
    assert work_bits(1 << 20, 8, 65536) == 12  # 16 units: 16x the work of one
    assert work_bits(1 << 20, 0, 65536) == 0  # work switched off
    now = [0.0]
    policy = WorkPolicy(8, 65536, target_per_min=1 << 20, clock=lambda: now[0])
    assert policy.required(100) == 8
    for _ in range(64):  # a flood: 64 envelopes of 1 MiB
        policy.admitted(1 << 20)
    assert policy.load_bits() >= 6 and policy.required(100) >= 14
    now[0] += 600  # ten minutes of quiet: back to the base price
    assert policy.required(100) == 8
    for _ in range(1000):  # empty uploads are not free: one unit each
        policy.admitted(0)
    assert policy.load_bits() > 0


def test_drop_refuses_work_for_fewer_bytes_than_announced(tmp_path: Path) -> None:
    with in_process_drop(tmp_path / "d", pow_bits=4) as d:
        digest = os.urandom(32)
        cheap = solve_pow(digest, 4)
        while True:  # a nonce good for one unit but not for the 64 MiB announced
            try:
                from tysha.protocol import check_pow

                check_pow(digest, cheap, 10)
            except VerificationError:
                break
            cheap = solve_pow(digest, 4, int.from_bytes(cheap, "big") + 1)
        r = http(d).post("/v1/uploads", json={"digest": digest.hex(), "length": 64 << 20,
                                             "pow": cheap.hex()})
        assert r.status_code == 403 and r.json()["error"] == "work"
        assert r.json()["pow_bits"] == 4 + 10
        assert list((tmp_path / "d" / "uploads").iterdir()) == []


def test_client_follows_a_rising_price(tmp_path: Path) -> None:
    with in_process_drop(tmp_path / "d", pow_bits=2, pow_target_per_min=1) as d:
        d.client.info()  # the client learns the price while the drop is idle
        d.service.work.admitted(1 << 30)  # then a flood raises it
        assert d.service.work.load_bits() > 0
        receipt = d.client.upload(env())  # refused once (403 work), solved again, accepted
        receipt.verify(d.vkey, receipt.envelope_digest)


def test_anonymous_token_seam(tmp_path: Path) -> None:
    assert parse_private_token('PrivateToken token="AAEC"') == b"\x00\x01\x02"
    assert parse_private_token("Bearer x") is None
    spent: list[bytes] = []

    class OneShot:
        def redeem(self, token: bytes, digest: bytes, length: int) -> bool:
            if token != b"good" or token in spent:
                return False
            spent.append(token)
            return True

    with in_process_drop(tmp_path / "d", pow_bits=12) as d:
        d.service.tokens = OneShot()
        e = env()
        hdr = {"Authorization": "PrivateToken token=Z29vZA"}
        assert http(d).post("/v1/envelopes", content=e, headers=hdr).status_code == 200
        again = http(d).post("/v1/envelopes", content=env(), headers=hdr)  # spent
        assert again.status_code == 403 and again.json()["error"] == "work"


def test_open_uploads_are_capped(tmp_path: Path) -> None:
    with in_process_drop(tmp_path / "d", max_open_uploads=2,
                         max_open_upload_bytes=3 << 20) as d:
        def create(length: int) -> httpx.Response:
            return http(d).post("/v1/uploads", json={"digest": os.urandom(32).hex(),
                                                     "length": length})
        assert create(1 << 20).status_code == 200
        assert create(3 << 20).status_code == 507  # bytes announced over the cap
        assert create(1 << 20).status_code == 200
        r = create(100)
        assert r.status_code == 507 and r.json()["error"] == "insufficient_storage"
        assert len(list((tmp_path / "d" / "uploads").glob("*.meta"))) == 2


def test_an_upload_refused_for_room_costs_no_proof_and_raises_no_price(tmp_path: Path) -> None:
    """With every place taken, a new upload got 507, yet its announced bytes were counted
    against the intake rate and its proof spent: a client announcing large uploads the drop
    refused kept everyone's price up (+1 bit per doubling), and a refused reporter's retry
    'when there is room' was told the proof was spent. A refusal changes nothing now."""
    with in_process_drop(tmp_path / "d", pow_bits=4, max_open_uploads=1,
                         pow_target_per_min=64 << 10) as d:
        svc = d.service

        def create(digest: bytes, length: int) -> httpx.Response:
            bits = svc.work.required(length)
            return http(d).post("/v1/uploads", json={
                "digest": digest.hex(), "length": length,
                "pow": solve_pow(digest, bits).hex()})  # fmt: skip

        first = os.urandom(32)
        assert create(first, 100).status_code == 200
        assert svc.work.load_bits() == 0
        later = os.urandom(32)
        for _ in range(3):
            r = create(os.urandom(32), 1 << 20)  # 1 MiB announced, refused
            assert r.status_code == 507, r.text
        assert svc.work.load_bits() == 0  # before: 6 (3 MiB on a 64 KiB/min target)
        bits = svc.work.required(5000)
        proof = solve_pow(later, bits).hex()
        body = {"digest": later.hex(), "length": 5000, "pow": proof}
        assert http(d).post("/v1/uploads", json=body).status_code == 507
        svc.uploads.discard(first.hex())  # room again
        r = http(d).post("/v1/uploads", json=body)
        assert r.status_code == 200, r.text  # the same proof: it was never spent


def test_the_upload_cap_holds_under_concurrent_creates(tmp_path: Path) -> None:
    """The room check and the creation are one step: 40 creates at once, 5 places, 5 open."""
    with in_process_drop(tmp_path / "d", max_open_uploads=5) as d:
        app = create_app(d.service)
        bodies = [json.dumps({"digest": os.urandom(32).hex(), "length": 1000}).encode()
                  for _ in range(40)]  # fmt: skip

        async def all_at_once() -> list[int]:
            async def one(body: bytes) -> int:
                return (await asyncio.to_thread(_asgi_call, app, "POST", "/v1/uploads",
                                                iter([body])))[0]  # fmt: skip

            return await asyncio.gather(*(one(b) for b in bodies))

        codes = asyncio.run(all_at_once())
        assert sorted(set(codes)) == [200, 507] and codes.count(200) == 5, codes
        assert len(list((tmp_path / "d" / "uploads").glob("*.meta"))) == 5


def test_a_proof_of_work_opens_one_upload(tmp_path: Path) -> None:
    """An upload's digest is a claim until it finishes: one whose bytes do not match is thrown
    away, and the proof that opened it does not open it again (it did, round after round, each
    round's bytes written, synced and hashed). Asking again for an upload still open costs
    nothing; a proof solved anew opens it; the client solves anew by itself."""
    with in_process_drop(tmp_path / "d", pow_bits=6) as d:
        real = env((1 << 20) + 1000)  # past the one-shot size: the client uploads it too
        size = len(real)
        claimed = os.urandom(32)  # the bytes sent will not hash to it
        info = http(d).get("/v1/info").json()
        bits = work_bits(size, info["pow_bits"], info["pow_unit"], info["pow_load_bits"])
        nonce = solve_pow(claimed, bits).hex()
        create = {"digest": claimed.hex(), "length": size, "pow": nonce}
        assert http(d).post("/v1/uploads", json=create).status_code == 200
        assert http(d).post("/v1/uploads", json=create).status_code == 200  # still open: free
        head = int.from_bytes(real[:4], "big")
        junk = real[: 4 + head] + os.urandom(size - 4 - head)
        for off in range(0, size, 1 << 20):
            r = http(d).put(f"/v1/uploads/{claimed.hex()}", params={"offset": off},
                            content=junk[off : off + (1 << 20)])  # fmt: skip
            assert r.status_code == 200, r.text
        r = http(d).post(f"/v1/uploads/{claimed.hex()}/finish")
        assert r.status_code == 400 and "do not match" in r.json()["detail"]
        r = http(d).post("/v1/uploads", json=create)
        assert r.status_code == 403 and r.json()["error"] == "work" and "spent" in r.json()["detail"]
        fresh = solve_pow(claimed, bits, start=1 << 40).hex()
        assert http(d).post("/v1/uploads", json=create | {"pow": fresh}).status_code == 200
        # The client: an upload refused with "spent" is solved again from elsewhere.
        digest = hashlib.sha256(real).digest()
        spent = solve_pow(digest, bits).hex()
        assert http(d).post("/v1/uploads", json={"digest": digest.hex(), "length": size,
                                                 "pow": spent}).status_code == 200  # fmt: skip
        d.service.uploads.discard(digest.hex())
        receipt = d.client.upload(real)
        assert receipt.envelope_digest == digest


def test_507_when_the_disk_is_nearly_full_injected_probe(tmp_path: Path) -> None:
    """The free-space probe is injected here; the tmpfs test below fills a real file system."""
    with in_process_drop(tmp_path / "d") as d:
        d.service.free_space = lambda: 10 << 20  # below min_free_bytes (256 MiB)
        r = http(d).post("/v1/envelopes", content=env())
        assert r.status_code == 507
        r = http(d).post("/v1/uploads", json={"digest": os.urandom(32).hex(), "length": 5000})
        assert r.status_code == 507
        assert d.service.checkpoint()[0] == 0
        assert http(d).get("/v1/clues").status_code == 200  # reading goes on


def test_a_full_drop_says_so_before_the_source_spends_work_or_sends_a_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drop below ``min_free_bytes`` answered 507 only once the source had solved its proof
    of work (seconds to minutes on a phone at a busy drop's price) and sent the whole
    envelope over a watched network. Its info says ``out_of_storage`` now, and the client
    refuses there with the drop's own 507: no work, no upload, the envelope kept."""
    import tysha.transport.client as client_mod
    from tysha.i18n import translate_message

    solved: list[int] = []
    real_solve = client_mod.solve_pow

    def counting(digest: bytes, bits: int, start: int = 0) -> bytes:
        solved.append(bits)
        return real_solve(digest, bits, start)

    monkeypatch.setattr(client_mod, "solve_pow", counting)
    with in_process_drop(tmp_path / "d", pow_bits=12) as d:
        sent: list[str] = []  # what reached intake (a one-shot body, an upload opened)
        for name in ("stage", "open_upload"):
            monkeypatch.setattr(d.service, name, _recording(getattr(d.service, name), sent))
        d.service.free_space = lambda: 10 << 20  # below min_free_bytes (256 MiB)
        assert http(d).get("/v1/info").json()["out_of_storage"] is True
        for envelope in (env(), env(3 << 20)):  # one-shot and resumable
            c = d.new_client()
            with pytest.raises(DropRefused) as refused:
                c.upload(envelope)
            assert refused.value.status == 507
            assert refused.value.body["error"] == "insufficient_storage"
            said = translate_message(refused.value.message, "uk")
            assert said == "на сервері прийому зараз немає місця; нічого не надіслано", said
        assert solved == [] and sent == [], sent
        assert d.service.checkpoint()[0] == 0
        d.service.free_space = lambda: 1 << 40  # space again: the same client sends
        assert http(d).get("/v1/info").json()["out_of_storage"] is False
        assert d.new_client().upload(env()).envelope_digest and solved


def _recording(method: Any, seen: list[str]) -> Any:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        seen.append(method.__name__)
        return method(*args, **kwargs)

    return wrapped


def test_free_space_readings_are_reused_only_far_from_the_limit(tmp_path: Path) -> None:
    """A reading of the free space serves intake for a quarter second, less the bytes accepted
    since, while it stays more than 1 GiB above ``min_free_bytes``; near the limit every
    request reads again, and a stale reading is never used."""
    init_data(tmp_path / "d")
    svc = DropService(tmp_path / "d")
    low = svc.config.min_free_bytes
    reads: list[int] = []
    free = [low + (2 << 30)]

    def probe() -> int:
        reads.append(free[0])
        return free[0]

    svc.free_space = probe
    for _ in range(5):
        svc.check_space(100 << 20)  # 500 MiB in all: still over 1 GiB above the limit
    assert len(reads) == 1
    svc.check_space(600 << 20)  # this one would bring the reading within the margin
    assert len(reads) == 2
    free[0] = low + (300 << 20)
    svc.free_space = probe  # a new probe: no reading of the old one is reused
    svc.check_space(100 << 20)
    svc.check_space(100 << 20)
    assert len(reads) == 4  # near the limit: every request reads
    free[0] = low + (50 << 20)
    with pytest.raises(InsufficientStorage):
        svc.check_space(100 << 20)
    svc.FREE_READING_S = 0.0  # stale at once: read every time
    free[0] = low + (5 << 30)
    n = len(reads)
    svc.check_space(1)
    svc.check_space(1)
    assert len(reads) == n + 2
    svc.store.close()


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip("mounting a small tmpfs is not permitted here (the injected-probe test "
                    "covers 507)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_507_on_a_really_full_small_file_system(small_fs: Path) -> None:
    with in_process_drop(small_fs / "d", min_free_bytes=3 << 20) as d:
        receipts, statuses = [], []
        for _ in range(40):
            r = http(d).post("/v1/envelopes", content=env(900_000))
            statuses.append(r.status_code)
            if r.status_code == 200:
                receipts.append(r.json()["receipt"])
            if r.status_code == 507:
                break
        assert statuses[-1] == 507 and set(statuses) <= {200, 507}, statuses
        assert len(receipts) >= 5
        # Everything acknowledged is still there, and the drop still serves.
        for rec in receipts:
            assert http(d).get(f"/v1/envelopes/{rec['index']}").status_code == 200
        assert d.service.checkpoint()[0] == len(receipts)


def test_abandoned_uploads_expire_in_hours_by_periodic_maintenance(tmp_path: Path) -> None:
    with in_process_drop(tmp_path / "d", upload_expiry_hours=0.0005, maintenance_s=0.2) as d:
        uid = os.urandom(32).hex()
        assert http(d).post("/v1/uploads", json={"digest": uid, "length": 5000}).status_code == 200
        import time

        deadline = time.monotonic() + 10
        while (tmp_path / "d" / "uploads" / f"up-{uid}.meta").exists():
            assert time.monotonic() < deadline, "the upload was never expired"
            time.sleep(0.1)
        assert http(d).get(f"/v1/uploads/{uid}").status_code == 404


def test_header_spanning_two_chunks_is_checked(inproc: InProcessDrop) -> None:
    bad = bytearray(env(5000))
    bad[6] ^= 0xFF  # inside the header's CBOR
    digest = hashlib.sha256(bad).hexdigest()
    c = http(inproc)
    c.post("/v1/uploads", json={"digest": digest, "length": len(bad)})
    assert c.put(f"/v1/uploads/{digest}?offset=0", content=bytes(bad[:3])).status_code == 200
    r = c.put(f"/v1/uploads/{digest}?offset=3", content=bytes(bad[3:]))
    assert r.status_code == 400  # the header is whole in this chunk: checked at once


def test_chunks_trickling_in_are_not_held_in_memory(tmp_path: Path) -> None:
    """A chunk's body was gathered in memory until it was whole: 150 PUTs of 4 MiB less a
    byte to one upload of 100 bytes (one proof of 8 bits), each then stalled, took a drop
    from 46 to 687 MB, and max_connections of them ~2 GB for as long as a byte came every
    body_idle_s. Now a chunk is spooled to an unnamed file past a few hundred KiB, and one
    announced past what the upload still lacks is refused before its body is read."""
    import tracemalloc

    init_data(tmp_path / "d")
    svc = DropService(tmp_path / "d")
    app = create_app(svc)
    digest, small = os.urandom(32).hex(), os.urandom(32).hex()
    svc.open_upload(digest, 8 << 20)
    svc.open_upload(small, 100)
    n, piece = 24, b"\0" * (64 << 10)
    stalled = pulled = 0

    def call(
        headers: list[tuple[bytes, bytes]], pieces: Iterator[bytes], upload: str = digest
    ) -> Any:
        out: dict[str, Any] = {}

        async def receive() -> dict[str, Any]:
            nonlocal stalled, pulled
            p = next(pieces, None)
            if p is None:
                stalled += 1
                await asyncio.Event().wait()  # a client that stops one byte short
            pulled += len(p)
            return {"type": "http.request", "body": p, "more_body": bool(p)}

        async def send(msg: dict[str, Any]) -> None:
            if msg["type"] == "http.response.start":
                out["status"] = msg["status"]

        scope = {"type": "http", "method": "PUT", "path": f"/v1/uploads/{upload}",
                 "query_string": b"offset=0", "headers": headers, "http_version": "1.1",
                 "scheme": "http", "server": ("drop", 80), "client": None, "root_path": "",
                 "asgi": {"version": "3.0"}}
        return app(scope, receive, send), out

    async def go() -> int:
        tracemalloc.start()
        try:
            tasks = [asyncio.create_task(call([], iter([piece] * 63 + [piece[:-1]]))[0])
                     for _ in range(n)]
            for _ in range(1000):
                if stalled == n:
                    break
                await asyncio.sleep(0.01)
            assert stalled == n
            held = tracemalloc.get_traced_memory()[0]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            return held
        finally:
            tracemalloc.stop()

    try:
        held = asyncio.run(go())
        assert held < n << 20, held  # before: n x 4 MiB
        # More than the upload lacks, announced: refused before a byte is read.
        pulled = 0
        coro, out = call([(b"content-length", b"4096")], iter([b"\0" * 4096, b""]), small)
        asyncio.run(coro)
        assert out["status"] == 400 and pulled == 0
    finally:
        svc.store.close()


# --- 9.13: one upload, one request at a time -------------------------------------------


def test_concurrent_chunks_at_one_offset_exactly_one_taken(inproc: InProcessDrop) -> None:
    e = env(300_000)
    digest = hashlib.sha256(e).hexdigest()
    c = http(inproc)
    c.post("/v1/uploads", json={"digest": digest, "length": len(e)})
    results: list[int] = []
    go = threading.Barrier(8)

    def put() -> None:
        client = inproc.new_client()
        go.wait()
        results.append(client._http.put(f"/v1/uploads/{digest}?offset=0",
                                        content=e[:100_000]).status_code)

    threads = [threading.Thread(target=put) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * 7
    assert c.get(f"/v1/uploads/{digest}").json()["offset"] == 100_000


def test_upload_store_serialises_threads(tmp_path: Path) -> None:
    ups = FolderUploads(tmp_path)
    uid = os.urandom(32).hex()
    ups.create(uid, 1000)
    ok, refused = [], []
    go = threading.Barrier(16)

    def one(i: int) -> None:
        go.wait()
        try:
            ok.append(ups.append(uid, 0, bytes([i]) * 10))
        except OffsetMismatch as exc:
            refused.append(exc.offset)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ok) == 1 and refused == [10] * 15
    with pytest.raises(NotFound):
        ups.status("../etc")


def test_concurrent_finish_one_result_no_500_no_path(inproc: InProcessDrop) -> None:
    e = env(200_000)
    digest = hashlib.sha256(e).hexdigest()
    c = http(inproc)
    c.post("/v1/uploads", json={"digest": digest, "length": len(e)})
    c.put(f"/v1/uploads/{digest}?offset=0", content=e)
    answers: list[httpx.Response] = []
    go = threading.Barrier(6)

    def finish() -> None:
        client = inproc.new_client()
        go.wait()
        answers.append(client._http.post(f"/v1/uploads/{digest}/finish"))

    threads = [threading.Thread(target=finish) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["receipt"]["index"] for a in answers}) == 1
    for a in answers:
        assert str(inproc.data) not in a.text and "/" not in a.json().get("detail", "")
    # A finish after the fact still gets the receipt (a client whose answer was lost).
    late = c.post(f"/v1/uploads/{digest}/finish")
    assert late.status_code == 200 and late.json() == answers[0].json()
    assert inproc.service.checkpoint()[0] == 1


# --- issue 8: errors by meaning, no internal text -------------------------------------------


def test_storage_failure_text_never_reaches_a_body(inproc: InProcessDrop) -> None:
    def broken(*a: Any, **k: Any) -> Any:
        raise StorageError(f"database error at {inproc.data}/drop.db: disk I/O error")

    inproc.service.store.integrate = broken  # type: ignore[method-assign]
    r = http(inproc).post("/v1/envelopes", content=env())
    assert r.status_code == 503 and str(inproc.data) not in r.text and "I/O" not in r.text

    def crash(*a: Any, **k: Any) -> Any:
        raise RuntimeError(f"[Errno 5] {inproc.data}/blobs")

    inproc.service.store.integrate = crash  # type: ignore[method-assign]
    r = http(inproc).post("/v1/envelopes", content=env())
    assert r.status_code == 503 and "Errno" not in r.text and str(inproc.data) not in r.text
    inproc.service.store.states = crash  # type: ignore[method-assign]
    inproc.service.store.listing = crash  # type: ignore[method-assign]
    r = http(inproc).get("/v1/clues")
    assert r.status_code == 500 and "Errno" not in r.text and r.json()["error"] == "internal"


def test_client_raises_drop_refused_with_typed_fields(inproc: InProcessDrop) -> None:
    with pytest.raises(DropRefused) as exc:
        inproc.client.inclusion_proof(5, 2)
    assert exc.value.status == 400 and exc.value.body["error"] == "malformed"
    assert "out" in exc.value.message or "outside" in exc.value.message


def test_config_unknown_keys_and_wrong_types_are_errors(tmp_path: Path) -> None:
    init_data(tmp_path / "d")
    obj = json.loads((tmp_path / "d" / "drop.json").read_text())
    for bad, words in (
        ({"pow_bitz": 3, "retention": 1}, "pow_bitz, retention"),
        ({"pow_bits": "8"}, "pow_bits"),
        ({"workers": True}, "workers"),
        ({"retention_days": 0}, "retention_days"),
        ({"max_open_uploads": -1}, "max_open_uploads"),
    ):
        (tmp_path / "d" / "drop.json").write_text(json.dumps(obj | bad))
        with pytest.raises(ConfigError) as exc:
            DropService(tmp_path / "d")
        assert words in exc.value.message
    (tmp_path / "d" / "drop.json").write_text("[1]")
    with pytest.raises(ConfigError):
        DropConfig.load(tmp_path / "d")


# --- 9.6: a lying drop cannot hang or blind a client ---------------------------------------


class _Lying:
    """A drop whose listing answers come from ``pages`` (after -> (indices, cursor))."""

    name = "lying"

    def __init__(self, pages: dict[int, tuple[list[int], int]]) -> None:
        self.pages = pages
        self.calls = 0

    def client(self, base_url: str, timeout: float) -> httpx.Client:
        def handler(request: httpx.Request) -> httpx.Response:
            self.calls += 1
            after = int(request.url.params["after"])
            indices, cursor = self.pages[after]
            recs = [ClueRecord(i, b"\x01" * 32, (b"\x02" * CLUE_SIZE,) * MIN_SLOTS)
                    for i in indices]
            body = encode_clue_records(recs, after=after)  # delta-coded: order by form
            return httpx.Response(200, content=body, headers={
                "X-Tysha-Cursor": str(cursor), "X-Tysha-Tree-Size": "10"})

        return httpx.Client(base_url=base_url, transport=httpx.MockTransport(handler))


def test_listing_refuses_a_cursor_that_stalls_or_runs_ahead() -> None:
    def run(pages: dict[int, tuple[list[int], int]], size: int = 10) -> list[int]:
        seen: list[int] = []
        lying = _Lying(pages)
        for recs, _ in DropClient("http://x", transport=lying).listing(-1, size, limit=5):
            seen += [r.index for r in recs]
        assert lying.calls <= size + 1
        return seen

    assert run({-1: ([0, 2, 4], 4), 4: ([5, 9], 9)}) == [0, 2, 4, 5, 9]  # honest
    with pytest.raises(VerificationError, match="does not advance"):
        run({-1: ([0], 0), 0: ([], 0)})  # stalls: would loop forever
    with pytest.raises(VerificationError, match="runs ahead"):
        run({-1: ([0], 1_000_000_000_000_000)})  # would be persisted, skipping everything
    with pytest.raises(VerificationError):
        run({-1: (list(range(7)), 6)})  # more than the page asked for
    with pytest.raises(VerificationError):
        run({-1: ([3], 2)})  # a record beyond its own cursor


def test_listing_against_a_real_drop(inproc: InProcessDrop) -> None:
    receipts = [inproc.client.upload(env()) for _ in range(7)]
    size = inclusion_size = inproc.service.checkpoint()[0]
    assert size == 7 and len(receipts) == inclusion_size
    pages = list(inproc.client.listing(-1, size, limit=3))
    assert [r.index for recs, _ in pages for r in recs] == list(range(7))
    assert [c for _, c in pages] == [2, 5, 6]


def test_read_deadlines_do_not_cut_downloads_or_quiet_maintenance(tmp_path: Path) -> None:
    with in_process_drop(tmp_path / "d", body_idle_s=0.05, maintenance_s=0.05) as d:
        e = env(3 << 20)
        r = d.client.upload(e)
        calls = []

        def failing() -> None:
            calls.append(1)
            raise RuntimeError("boom")

        d.service.maintenance = failing  # type: ignore[method-assign]
        import io
        import time

        sink = io.BytesIO()
        assert d.client.download(r.index, sink) == len(e) and sink.getvalue() == e
        time.sleep(0.3)
        n = len(calls)
        time.sleep(0.3)
        assert len(calls) > n >= 1  # a failing pass does not stop the next ones


def test_a_lying_drop_cannot_make_a_client_hold_an_endless_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Endless:
        name = "endless"

        def client(self, base_url: str, timeout: float) -> httpx.Client:
            def handler(request: httpx.Request) -> httpx.Response:
                def body() -> Iterator[bytes]:
                    for _ in range(10_000):  # 640 MiB if the client kept reading
                        yield b"\x00" * 65536

                return httpx.Response(200, content=body(), headers={
                    "X-Tysha-Cursor": "5", "X-Tysha-Tree-Size": "10"})

            return httpx.Client(base_url=base_url, transport=httpx.MockTransport(handler))

    c = DropClient("http://x", transport=Endless())
    with pytest.raises(VerificationError, match="longer answer"):
        c.clues(-1, 10)
    import tysha.transport.client as client_mod

    monkeypatch.setattr(client_mod, "MAX_ENVELOPE_SIZE", 1 << 20)
    with pytest.raises(VerificationError):
        c.fetch_bytes(0)
    import io

    with pytest.raises(VerificationError):
        c.download(0, io.BytesIO())
