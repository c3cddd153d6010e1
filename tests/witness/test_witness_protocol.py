"""The witness's add-checkpoint endpoint, in process (C2SP tlog-witness §add-checkpoint)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tysha.errors import BadInput, ConfigError, NotFound
from tysha.tlog import (
    Checkpoint,
    CosignatureVerifier,
    NoteSigner,
    NoteVerifier,
    sign_checkpoint,
    verify_consistency,
)
from tysha.tlog.witness import MAX_ADD_CHECKPOINT_SIZE, format_add_checkpoint
from tysha.witness.service import WitnessService, init_witness, parse_log_option
from tysha.witness.testing import MemoryLog
from tysha.witness.web import create_app

ORIGIN = "example.org/log"
NOW = 1_767_000_000


class Rig:
    def __init__(self, data: Path, log: MemoryLog, clock: Callable[[], float]) -> None:
        self.data = data
        self.log = log
        self.vkey = init_witness(data, "witness.example/w1")
        self.witness = CosignatureVerifier.from_vkey(self.vkey)
        self.clock = clock
        self.open()

    def open(self) -> None:
        self.service = WitnessService(
            self.data, {ORIGIN: [NoteVerifier.from_vkey(self.log.vkey)]}, clock=self.clock
        )
        self.http = TestClient(create_app(self.service))

    def restart(self) -> None:
        self.service.close()
        self.open()

    def post(self, body: bytes) -> tuple[int, str, bytes]:
        r = self.http.post("/add-checkpoint", content=body)
        return r.status_code, r.headers.get("content-type", ""), r.content

    def submit(self, old: int, proof: list[bytes] | None = None, note: str | None = None,
               size: int | None = None) -> tuple[int, str, bytes]:
        note = note if note is not None else self.log.checkpoint(size)
        return self.post(format_add_checkpoint(old, proof or [], note))


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    log = MemoryLog(ORIGIN, b"\x11" * 32)
    r = Rig(tmp_path / "w", log, lambda: NOW)
    yield r
    r.service.close()


def _entries(n: int, tag: str = "e") -> list[bytes]:
    return [f"{tag}{i}".encode() for i in range(n)]


def test_happy_path_cosigns_with_timestamp_and_advances(rig: Rig) -> None:
    rig.log.append(*_entries(5))
    status, ctype, body = rig.submit(0)
    assert status == 200 and ctype.startswith("text/plain")
    note = rig.log.checkpoint()
    assert rig.witness.verify_note(note + body.decode()) == NOW
    assert rig.service.state(ORIGIN) == (5, rig.log.root())
    rig.log.append(*_entries(3, "f"))
    status, _, body = rig.submit(5, rig.log.proof(5, 8))
    assert status == 200
    assert rig.witness.verify_note(rig.log.checkpoint() + body.decode()) == NOW
    assert rig.service.state(ORIGIN) == (8, rig.log.root())
    assert rig.service.latest(ORIGIN) == rig.log.checkpoint()


def test_timestamp_comes_from_the_injected_clock(tmp_path: Path) -> None:
    ticks = iter([1000, 2000])
    log = MemoryLog(ORIGIN)
    r = Rig(tmp_path / "w", log, lambda: next(ticks))
    log.append(b"a")
    _, _, body = r.submit(0)
    assert r.witness.verify_note(log.checkpoint() + body.decode()) == 1000
    _, _, body = r.submit(1)
    assert r.witness.verify_note(log.checkpoint() + body.decode()) == 2000
    r.service.close()


def test_conflict_answers_409_with_the_witness_size(rig: Rig) -> None:
    rig.log.append(*_entries(5))
    assert rig.submit(0)[0] == 200
    rig.log.append(*_entries(4, "g"))
    for wrong_old in (0, 4, 6):
        proof = rig.log.proof(wrong_old, 9) if wrong_old else []
        status, ctype, body = rig.submit(wrong_old, proof)
        assert (status, ctype, body) == (409, "text/x.tlog.size", b"5\n")
    assert rig.service.state(ORIGIN)[0] == 5


def test_bad_consistency_proof_is_422_and_changes_nothing(rig: Rig) -> None:
    rig.log.append(*_entries(5))
    assert rig.submit(0)[0] == 200
    rig.log.append(*_entries(6, "h"))
    proof = rig.log.proof(5, 11)
    flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
    assert rig.submit(5, flipped)[0] == 422
    assert rig.submit(5, proof[:-1])[0] == 422  # truncated
    assert rig.submit(5, [*proof, proof[0]])[0] == 422  # one too many
    assert rig.service.state(ORIGIN)[0] == 5
    kept = rig.service.refused(ORIGIN)
    assert [s for _, s, _, _ in kept] == [422, 422, 422]
    assert rig.submit(5, proof)[0] == 200


def test_first_checkpoint_needs_an_empty_proof(rig: Rig) -> None:
    rig.log.append(*_entries(4))
    assert rig.submit(0, [b"\x00" * 32])[0] == 422
    assert rig.service.state(ORIGIN)[0] == 0


def test_size_zero_checkpoint_must_have_the_empty_root(rig: Rig) -> None:
    bogus = sign_checkpoint(Checkpoint(ORIGIN, 0, b"\x01" * 32), rig.log.signer)
    assert rig.submit(0, note=bogus)[:3] == (409, "text/x.tlog.size", b"0\n")
    assert rig.submit(0, size=0)[0] == 200


def test_unknown_origin_is_404(rig: Rig) -> None:
    other = MemoryLog("example.org/other")
    other.append(b"x")
    assert rig.submit(0, note=other.checkpoint())[0] == 404


def test_no_valid_log_signature_is_403(rig: Rig) -> None:
    rig.log.append(*_entries(3))
    impostor = NoteSigner(ORIGIN, b"\x22" * 32)  # same origin, another key
    cp = Checkpoint(ORIGIN, 3, rig.log.root())
    assert rig.submit(0, note=sign_checkpoint(cp, impostor))[0] == 403
    good = rig.log.checkpoint()
    text, sig = good.split("\n\n")
    raw = bytearray(base64.b64decode(sig.split(" ")[2]))
    raw[-1] ^= 1
    forged = text + "\n\n" + sig.rsplit(" ", 1)[0] + " " + base64.b64encode(raw).decode() + "\n"
    assert rig.submit(0, note=forged)[0] == 403
    tampered = good.replace(base64.b64encode(rig.log.root()).decode(),
                            base64.b64encode(b"\x07" * 32).decode())
    assert rig.submit(0, note=tampered)[0] == 403
    assert rig.service.state(ORIGIN)[0] == 0


def test_old_size_above_checkpoint_size_is_400(rig: Rig) -> None:
    rig.log.append(*_entries(3))
    assert rig.submit(4)[0] == 400


def test_same_size_same_root_is_cosigned_again(rig: Rig) -> None:
    rig.log.append(*_entries(3))
    assert rig.submit(0)[0] == 200
    assert rig.submit(3)[0] == 200
    assert rig.submit(3, [b"\x00" * 32])[0] == 422


def test_restart_keeps_state(rig: Rig) -> None:
    rig.log.append(*_entries(7))
    assert rig.submit(0)[0] == 200
    rig.restart()
    assert rig.service.state(ORIGIN) == (7, rig.log.root())
    assert rig.submit(0)[:3] == (409, "text/x.tlog.size", b"7\n")
    rig.log.append(b"more")
    assert rig.submit(7, rig.log.proof(7, 8))[0] == 200


def test_forking_log_is_refused(rig: Rig) -> None:
    """Two histories under one key: after cosigning one, the witness never cosigns the other."""
    a = rig.log
    a.append(*_entries(4))
    b = a.fork()
    a.append(*_entries(2, "a"))
    b.append(*_entries(3, "b"))
    assert rig.submit(0, note=a.checkpoint())[0] == 200  # A at 6
    # B at 6 has another root: the same size with another root is 409.
    assert rig.submit(6, note=b.checkpoint(6))[0] == 409
    # B at 7 with B's own (valid) proof from 6 does not link to A's root: 422.
    assert rig.submit(6, b.proof(6, 7), note=b.checkpoint(7))[0] == 422
    # B's proof from 4 (common history) does not help: the old size must be the witness's.
    assert rig.submit(4, b.proof(4, 7), note=b.checkpoint(7))[:3] == (409, "text/x.tlog.size", b"6\n")
    assert rig.service.state(ORIGIN) == (6, a.root())
    assert {s for _, s, _, _ in rig.service.refused(ORIGIN)} == {409, 422}
    a.append(b"next")
    assert rig.submit(6, a.proof(6, 7), note=a.checkpoint())[0] == 200


def test_concurrent_requests_never_roll_back(rig: Rig) -> None:
    """tlog-witness: check and persist are atomic (the spec's request A / request B race)."""
    log = rig.log
    log.append(*_entries(3))
    assert rig.submit(0)[0] == 200
    sizes = [3 + k for k in range(1, 25)]
    log.append(*_entries(24, "c"))
    bodies = [format_add_checkpoint(3, log.proof(3, s), log.checkpoint(s)) for s in sizes]
    results: list[tuple[int, int]] = []
    lock = threading.Lock()

    def go(i: int) -> None:
        status = rig.service.add_checkpoint(bodies[i]).status
        with lock:
            results.append((sizes[i], status))

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [s for s, st_ in results if st_ == 200]
    assert len(ok) == 1  # all claimed old size 3: only the first to commit can match
    assert rig.service.state(ORIGIN)[0] == ok[0]
    assert all(st_ == 409 for s, st_ in results if s != ok[0])


def test_commit_failure_is_503_and_nothing_is_cosigned(rig: Rig) -> None:
    rig.log.append(*_entries(2))
    rig.service._db.execute("PRAGMA query_only=ON")  # every write now fails
    status, _, body = rig.submit(0)
    assert status == 503 and b"\xe2\x80\x94" not in body
    rig.service._db.execute("PRAGMA query_only=OFF")
    assert rig.service.state(ORIGIN)[0] == 0


# -- hostile input -------------------------------------------------------------------------


def _good_body(rig: Rig) -> bytes:
    if rig.log.size == 0:
        rig.log.append(*_entries(5))
    return format_add_checkpoint(0, [], rig.log.checkpoint())


MALFORMED = [
    b"",
    b"\n\n",
    b"old\n\n",
    b"old 5",
    b"old -1\n\n",
    b"old 01\n\n",
    b"old 5 \n\n",
    b"new 0\n\n",
    b"old 18446744073709551616\n\n",
    b"old 0\nnot base64!\n\n",
    b"old 0\nAAAA\n\n",  # base64, but not 32 bytes
    b"\xff\xfe old 0\n\n",
    b"old 0\n" + b"\n".join([base64.b64encode(b"\x00" * 32)] * 64) + b"\n\n",
]


@pytest.mark.parametrize("prefix", MALFORMED)
def test_malformed_requests_are_400(rig: Rig, prefix: bytes) -> None:
    note = rig.log.checkpoint().encode()
    for body in (prefix, prefix + note if prefix.endswith(b"\n\n") else prefix):
        assert rig.post(body)[0] == 400


@pytest.mark.parametrize("note", [
    b"example.org/log\n5\n",  # no signatures
    b"example.org/log\nfive\nAAAA\n\n\xe2\x80\x94 x AAAAAAAA\n",
    b"example.org/log\n5\n" + base64.b64encode(b"\x00" * 32) + b"\n\n- x AAAAAAAA\n",
    b"\x00\n5\n\n\xe2\x80\x94 x AAAAAAAA\n",
])
def test_malformed_notes_are_400(rig: Rig, note: bytes) -> None:
    assert rig.post(b"old 0\n\n" + note)[0] == 400


def test_oversized_body_is_413_declared_or_streamed(rig: Rig) -> None:
    big = b"old 0\n\n" + b"x" * (MAX_ADD_CHECKPOINT_SIZE + 1)
    assert rig.post(big)[0] == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: capped while reading
        for _ in range(100):
            yield b"y" * 4096

    r = rig.http.post("/add-checkpoint", content=chunks())
    assert r.status_code == 413


def test_wrong_method_and_path(rig: Rig) -> None:
    assert rig.http.get("/add-checkpoint").status_code == 405
    assert rig.http.post("/nothing", content=b"").status_code == 404
    assert rig.http.get("/").text.startswith("tlog-witness witness.example/w1+")


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_bodies_never_500(rig: Rig, data: st.DataObject) -> None:
    good = _good_body(rig)
    choice = data.draw(st.integers(0, 2))
    if choice == 0:
        body = data.draw(st.binary(max_size=600))
    elif choice == 1:  # flip, cut or splice the good body
        i = data.draw(st.integers(0, len(good) - 1))
        junk = data.draw(st.binary(min_size=0, max_size=8))
        body = good[:i] + junk + good[i + data.draw(st.integers(0, 8)):]
    else:
        body = good[: data.draw(st.integers(0, len(good)))]
    status, _, out = rig.post(body)
    assert status in (200, 400, 403, 404, 409, 413, 422)
    assert b"Traceback" not in out and b"Errno" not in out
    if status == 200:  # whatever was cosigned is consistent with the honest log
        size, root = rig.service.state(ORIGIN)
        verify_consistency(size, rig.log.size, root, rig.log.root(), rig.log.proof(size, rig.log.size))


# -- setup ---------------------------------------------------------------------------------


def test_init_refuses_to_overwrite_and_serve_needs_state(tmp_path: Path) -> None:
    init_witness(tmp_path / "w", "w1")
    with pytest.raises(ConfigError):
        init_witness(tmp_path / "w", "w1")
    (tmp_path / "w" / "witness.db").unlink()
    with pytest.raises(NotFound):
        WitnessService(tmp_path / "w", {ORIGIN: [NoteVerifier.from_vkey(MemoryLog(ORIGIN).vkey)]})
    with pytest.raises(BadInput):
        init_witness(tmp_path / "v", "has space")


def test_serve_refuses_an_empty_or_foreign_state(tmp_path: Path) -> None:
    """A fresh database would make the witness cosign any history again: refuse to start."""
    import shutil
    import sqlite3

    logs = {ORIGIN: [NoteVerifier.from_vkey(MemoryLog(ORIGIN).vkey)]}
    init_witness(tmp_path / "w", "w1")
    (tmp_path / "w" / "witness.db").unlink()
    sqlite3.connect(tmp_path / "w" / "witness.db").close()  # an empty database
    with pytest.raises(ConfigError, match="refusing to start"):
        WitnessService(tmp_path / "w", logs)
    init_witness(tmp_path / "x", "w1")
    init_witness(tmp_path / "y", "w1")
    shutil.copy(tmp_path / "y" / "witness.db", tmp_path / "x" / "witness.db")  # another key's
    with pytest.raises(ConfigError, match="refusing to start"):
        WitnessService(tmp_path / "x", logs)
    (tmp_path / "x" / "witness.db").write_bytes(b"not a database")
    with pytest.raises(ConfigError, match="refusing to start"):
        WitnessService(tmp_path / "x", logs)


def test_log_option_parsing() -> None:
    log = MemoryLog(ORIGIN)
    origin, verifier = parse_log_option(f"{ORIGIN}={log.vkey}")
    assert origin == ORIGIN and verifier.vkey == log.vkey
    for bad in ("", ORIGIN, f"={log.vkey}", f"{ORIGIN}=", f"{ORIGIN}=not+a+vkey", f" {ORIGIN}={log.vkey}"):
        with pytest.raises(BadInput):
            parse_log_option(bad)


def test_cli_init_prints_vkey_and_errors_in_one_line(tmp_path: Path, cli: Callable[..., object]) -> None:
    r = cli("witness", "init", "--data", str(tmp_path / "w"), "--name", "example.org/w")
    vkey = r.stdout.strip()  # type: ignore[attr-defined]
    assert CosignatureVerifier.from_vkey(vkey).name == "example.org/w"
    again = cli("witness", "init", "--data", str(tmp_path / "w"), check=False)
    assert again.returncode == 1 and again.stderr.count("\n") == 1  # type: ignore[attr-defined]
    bad = cli("witness", "serve", "--data", str(tmp_path / "w"), "--log", "nonsense", check=False)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr  # type: ignore[attr-defined]
    assert bad.stderr.startswith("tysha: error: --log")  # type: ignore[attr-defined]


def test_stalled_body_is_cut_off_with_408(rig: Rig) -> None:
    """A client that starts a body and never finishes it gets 408 (ASGI called directly, so
    the stall reaches the app exactly as a slow socket would)."""
    import anyio

    app = create_app(rig.service, read_timeout=0.2)
    sent: list[dict[str, object]] = []
    calls = 0

    async def receive() -> dict[str, object]:
        nonlocal calls
        calls += 1
        if calls == 1:
            return {"type": "http.request", "body": b"old 0\n", "more_body": True}
        await anyio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/add-checkpoint", "raw_path": b"/add-checkpoint",
             "query_string": b"", "headers": [], "http_version": "1.1", "scheme": "http",
             "server": ("testserver", 80), "client": None, "root_path": ""}

    async def main() -> None:
        with anyio.fail_after(10):
            await app(scope, receive, send)

    anyio.run(main)
    assert sent[0]["status"] == 408
    assert rig.service.state(ORIGIN)[0] == 0
