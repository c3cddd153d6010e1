"""The client a drop or desk uses to obtain cosignatures, against in-process witnesses."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from tysha.drop.launcher import free_port
from tysha.errors import TransportError, VerificationError
from tysha.tlog import CosignatureSigner, NoteVerifier
from tysha.tlog.witness import WitnessPolicy, check_witnesses
from tysha.witness import WitnessClient, WitnessRefused, cosign_all
from tysha.witness.client import BadWitnessAnswer
from tysha.witness.service import WitnessService, init_witness
from tysha.witness.testing import MemoryLog
from tysha.witness.web import create_app

ORIGIN = "example.org/log"


class Witness:
    def __init__(self, data: Path, name: str, log: MemoryLog) -> None:
        self.vkey = init_witness(data, name)
        self.service = WitnessService(data, {ORIGIN: [NoteVerifier.from_vkey(log.vkey)]},
                                      clock=lambda: 1_800_000_000)
        self.http = TestClient(create_app(self.service))
        self.client = WitnessClient("http://testserver", self.vkey, client=self.http)


@pytest.fixture
def log() -> MemoryLog:
    return MemoryLog(ORIGIN, b"\x33" * 32)


@pytest.fixture
def two(tmp_path: Path, log: MemoryLog) -> Iterator[list[Witness]]:
    ws = [Witness(tmp_path / f"w{i}", f"w{i}.example", log) for i in (1, 2)]
    yield ws
    for w in ws:
        w.service.close()


def test_cosign_learns_the_witness_size_from_409(two: list[Witness], log: MemoryLog) -> None:
    w = two[0].client
    log.append(b"a", b"b", b"c", b"d", b"e")
    first = w.cosign(log.checkpoint(), log.proof)
    assert first.size == 5 and first.timestamp == 1_800_000_000
    log.append(b"f", b"g")
    asked: list[tuple[int, int]] = []

    def source(old: int, new: int) -> list[bytes]:
        asked.append((old, new))
        return log.proof(old, new)

    got = w.cosign(log.checkpoint(), source, known_size=0)  # a wrong guess: learns 5
    assert got.size == 7 and asked == [(5, 7)]
    assert two[0].service.state(ORIGIN)[0] == 7


def test_two_witnesses_refuse_a_forking_log(two: list[Witness], log: MemoryLog) -> None:
    log.append(b"a", b"b", b"c")
    fork = log.fork()
    log.append(b"honest")
    fork.append(b"evil", b"more")
    sizes: dict[str, int] = {}
    note, results = cosign_all(log.checkpoint(), [w.client for w in two], log.proof, sizes)
    assert sizes == {"w1.example": 4, "w2.example": 4}
    policy = WitnessPolicy.from_vkeys([w.vkey for w in two], 2)
    assert check_witnesses(note, NoteVerifier.from_vkey(log.vkey), policy).accepted
    # The other history, with its own valid proofs, is refused by both: a VerificationError
    # (a fork), not a transport hiccup.
    note_b, results_b = cosign_all(fork.checkpoint(), [w.client for w in two], fork.proof, sizes)
    assert all(isinstance(r, VerificationError) for r in results_b.values())
    assert "fork" in str(results_b["w1.example"]) or "not consistent" in str(results_b["w1.example"])
    result = check_witnesses(note_b, NoteVerifier.from_vkey(log.vkey), policy)
    assert not result.accepted and [c.status for c in result.checks] == ["missing", "missing"]
    # Same size (4), other root: also a fork.
    with pytest.raises(VerificationError, match="fork"):
        two[0].client.cosign(fork.checkpoint(4), fork.proof, known_size=4)


def test_refusals_are_typed(two: list[Witness], log: MemoryLog) -> None:
    other = MemoryLog("example.org/unknown")
    other.append(b"x")
    with pytest.raises(WitnessRefused) as e:
        two[0].client.cosign(other.checkpoint(), other.proof)
    assert e.value.status == 404
    impostor = MemoryLog(ORIGIN, b"\x44" * 32)
    impostor.append(b"x")
    with pytest.raises(WitnessRefused) as e:
        two[0].client.cosign(impostor.checkpoint(), impostor.proof)
    assert e.value.status == 403
    log.append(b"a", b"b", b"c")
    two[0].client.cosign(log.checkpoint(), log.proof)
    with pytest.raises(WitnessRefused) as e:  # it cannot go back to an older tree
        two[0].client.cosign(log.checkpoint(2), log.proof)
    assert e.value.status == 409 and e.value.size == 3


def test_unreachable_witness_is_a_transport_error_and_others_still_sign(
    two: list[Witness], log: MemoryLog
) -> None:
    dead = WitnessClient(f"http://127.0.0.1:{free_port()}", two[1].vkey, timeout=2)
    log.append(b"a")
    note, results = cosign_all(log.checkpoint(), [dead, two[0].client], log.proof)
    assert isinstance(results["w2.example"], TransportError)
    assert results["w1.example"].size == 1  # type: ignore[union-attr]
    assert note.count("\u2014 w1.example ") == 1
    dead.close()


def _lying(body: bytes, status: int = 200, ctype: str = "text/plain") -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(
        lambda req: httpx.Response(status, content=body, headers={"content-type": ctype})))


def test_a_lying_witness_is_caught(log: MemoryLog) -> None:
    real = CosignatureSigner("w.example", b"\x55" * 32)
    other = CosignatureSigner("x.example", b"\x56" * 32)
    log.append(b"a", b"b")
    body = log.checkpoint().split("\n\n")[0] + "\n"
    stale = MemoryLog(ORIGIN, b"\x33" * 32)
    stale.append(b"a")
    cases = {
        "garbage": b"hello\n",
        "another key only": other.cosign(body, 1).encode(),
        "cosigns another checkpoint": real.cosign(stale.checkpoint().split("\n\n")[0] + "\n", 1).encode(),
        "no newline": real.cosign(body, 1).encode()[:-1],
    }
    for what, answer in cases.items():
        c = WitnessClient("http://w", real.vkey, client=_lying(answer))
        with pytest.raises(VerificationError):
            c.add_checkpoint(log.checkpoint(), 0, [])
        assert what
    # Lines by unknown keys next to a good one are ignored, not returned.
    mixed = other.cosign(body, 1) + real.cosign(body, 7)
    got = WitnessClient("http://w", real.vkey, client=_lying(mixed.encode())).add_checkpoint(
        log.checkpoint(), 0, [])
    assert got.lines == (real.cosign(body, 7),) and got.timestamp == 7
    # A 409 without a proper size is a refusal, not a crash.
    for answer, ctype in ((b"nope\n", "text/x.tlog.size"), (b"5\n", "text/plain")):
        c = WitnessClient("http://w", real.vkey, client=_lying(answer, 409, ctype))
        with pytest.raises(WitnessRefused):
            c.add_checkpoint(log.checkpoint(), 0, [])
    c = WitnessClient("http://w", real.vkey, client=_lying(b"", 500))
    with pytest.raises(WitnessRefused, match="HTTP 500"):
        c.add_checkpoint(log.checkpoint(), 0, [])


def _raw_witness(answer: Callable[[socket.socket], None]) -> tuple[str, threading.Event]:
    """A witness on loopback that reads a request and answers with ``answer(conn)``."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    done = threading.Event()

    def serve() -> None:
        conn, _ = srv.accept()
        with conn, srv:
            conn.recv(1 << 16)
            with contextlib.suppress(OSError):
                answer(conn)
            done.set()

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{srv.getsockname()[1]}", done


def test_a_witness_cannot_make_the_client_hold_a_huge_answer(log: MemoryLog) -> None:
    """A hostile witness streams a 200 answer of hundreds of megabytes: the client stops
    reading at the protocol's bound (it held them all before, enough to exhaust a drop)."""
    sent = [0]

    def huge(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 400000000\r\n"
                     b"content-type: text/plain\r\n\r\n")
        chunk = b"x" * (1 << 20)
        for _ in range(400):
            conn.sendall(chunk)
            sent[0] += len(chunk)

    url, done = _raw_witness(huge)
    w = CosignatureSigner("w.example", b"\x55" * 32)
    log.append(b"a")
    with WitnessClient(url, w.vkey, timeout=5) as c, pytest.raises(BadWitnessAnswer):
        c.add_checkpoint(log.checkpoint(), 0, [])
    done.wait(10)
    assert sent[0] < 64 << 20  # the client hung up long before the end


def test_a_witness_dripping_its_answer_is_cut_off(log: MemoryLog) -> None:
    """One byte a second never trips a per-read timeout: the whole answer has a deadline, so
    a stalling witness cannot hold the drop's witnessing round (and every other witness)."""

    def drip(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n"
                     b"content-type: text/plain\r\n\r\n")
        for _ in range(100):
            conn.sendall(b"x")
            time.sleep(0.2)

    url, _ = _raw_witness(drip)
    w = CosignatureSigner("w.example", b"\x55" * 32)
    log.append(b"a")
    t = time.monotonic()
    with WitnessClient(url, w.vkey, timeout=1) as c, pytest.raises(TransportError, match="slow"):
        c.add_checkpoint(log.checkpoint(), 0, [])
    assert time.monotonic() - t < 5
