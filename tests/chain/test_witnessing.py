"""Issue 14: the drop asks two witnesses after each batch, off the receipt path, and serves the
cosigned checkpoint; a forking drop is refused by both witnesses and reported."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.witness.test_witness_client import ORIGIN, Witness
from tysha.drop.witnessing import Witnessing, load_witnesses, witnessing_routes
from tysha.errors import ConfigError
from tysha.tlog import NoteVerifier
from tysha.tlog.witness import WitnessPolicy, check_witnesses
from tysha.witness.testing import MemoryLog


@pytest.fixture
def log() -> MemoryLog:
    return MemoryLog(ORIGIN, b"\x44" * 32)


@pytest.fixture
def two(tmp_path: Path, log: MemoryLog) -> Iterator[list[Witness]]:
    ws = [Witness(tmp_path / f"w{i}", f"w{i}.example", log) for i in (1, 2)]
    yield ws
    for w in ws:
        w.service.close()


def _witnessing(log: MemoryLog, two: list[Witness], path: Path | None = None) -> Witnessing:
    return Witnessing([w.client for w in two], lambda: (log.size, log.checkpoint()), log.proof,
                      path)


def test_cosigned_after_each_batch_and_served(tmp_path: Path, log: MemoryLog,
                                             two: list[Witness]) -> None:
    w = _witnessing(log, two, tmp_path / "checkpoint.cosigned")
    app = Starlette(routes=witnessing_routes(w))
    http = TestClient(app)
    assert http.get("/log/checkpoint.cosigned").status_code == 404
    policy = WitnessPolicy.from_vkeys([x.vkey for x in two], 2)
    for batch in range(3):
        log.append(*[f"e{batch}-{i}".encode() for i in range(batch + 2)])
        w.notify()
        w.cosign_now()  # what the thread does; run here so the test is deterministic
        note = http.get("/log/checkpoint.cosigned").text
        res = check_witnesses(note, NoteVerifier.from_vkey(log.vkey), policy)
        res.require()
        assert res.checkpoint.size == log.size and len(res.valid) == 2
    assert not w.forks
    # Nothing to do when the log has not grown; and the note survives a restart.
    rounds = w.rounds
    w.cosign_now()
    assert w.rounds == rounds
    again = _witnessing(log, two, tmp_path / "checkpoint.cosigned")
    assert again.cosigned() == w.cosigned()


def test_two_witnesses_refuse_a_forking_drop_and_it_is_reported(
    log: MemoryLog, two: list[Witness]
) -> None:
    honest = _witnessing(log, two)
    log.append(b"a", b"b", b"c")
    honest.cosign_now()
    # The drop shows another history under the same key to someone else.
    fork = log.fork()
    fork.append(b"evil", b"more")
    log.append(b"d")
    assert honest.cosign_now() is not None  # the witnesses now hold the honest size 4
    liar = Witnessing([w.client for w in two], lambda: (fork.size, fork.checkpoint()), fork.proof)
    liar._sizes = dict(honest._sizes)  # the drop knows what the witnesses hold
    assert liar.cosign_now() is None
    assert set(liar.forks) == {"w1.example", "w2.example"}
    for why in liar.forks.values():
        assert "fork" in why or "not consistent" in why
    # The honest history still gets cosigned.
    log.append(b"e")
    assert honest.cosign_now() is not None and not honest.forks


def test_notify_never_waits_for_a_witness(log: MemoryLog, two: list[Witness]) -> None:
    """The receipt path only sets a flag: with every witness round stuck, notify() returns."""
    release = threading.Event()
    entered = threading.Event()

    def stuck_checkpoint() -> tuple[int, str]:
        entered.set()
        release.wait(30)
        return log.size, log.checkpoint()

    w = Witnessing([x.client for x in two], stuck_checkpoint, log.proof)
    log.append(b"x")
    w.start()
    assert entered.wait(30)
    for _ in range(1000):
        w.notify()  # would hang the test if it waited on the round
    release.set()
    w.stop()


def test_witness_configuration(tmp_path: Path) -> None:
    assert load_witnesses(tmp_path) == []
    (tmp_path / "witnesses.json").write_text('[{"url": "http://w", "vkey": "k"}]')
    assert load_witnesses(tmp_path) == [("http://w", "k")]
    (tmp_path / "witnesses.json").write_text('{"url": 1}')
    with pytest.raises(ConfigError):
        load_witnesses(tmp_path)


def test_a_witness_answering_garbage_is_not_reported_as_a_fork(
    log: MemoryLog, two: list[Witness], caplog: pytest.LogCaptureFixture
) -> None:
    """A witness that answers 200 with junk or a false cosignature misbehaves itself: the drop
    used to record it in ``forks`` and log "refused the log as inconsistent" - telling its
    operator the log had forked when nothing had."""
    import httpx

    from tysha.witness import WitnessClient
    from tysha.witness.client import BadWitnessAnswer

    junk = httpx.Client(transport=httpx.MockTransport(
        lambda req: httpx.Response(200, content=b"hello\n")))
    liar = WitnessClient("http://junk", two[1].vkey, client=junk)
    w = Witnessing([two[0].client, liar], lambda: (log.size, log.checkpoint()), log.proof)
    log.append(b"a", b"b")
    with caplog.at_level("WARNING", logger="tysha.drop.witnessing"):
        assert w.cosign_now() is not None  # the honest witness's cosignature is served
    assert w.forks == {}
    assert isinstance(w.last["w2.example"], BadWitnessAnswer)
    assert "inconsistent" not in caplog.text and "w2.example" in caplog.text


def test_a_witness_gone_or_misbehaving_is_told_once_not_every_round(
    log: MemoryLog, two: list[Witness], caplog: pytest.LogCaptureFixture
) -> None:
    """A witness that could not be reached was never mentioned to the drop's operator (its
    cosignatures were simply missing, and sources with a witness policy stopped trusting
    the drop's receipts); one answering junk got a warning every round - after every batch,
    a line per few submissions. Each is now told once when it begins (naming the witness),
    and once when the witness cosigns again."""
    import httpx

    from tysha.witness import WitnessClient

    down = {"yes": True}

    def flaky(request: httpx.Request) -> httpx.Response:
        if down["yes"]:
            raise httpx.ConnectError("refused", request=request)
        return two[0].http.post(request.url.path, content=request.content,
                                headers=dict(request.headers))  # fmt: skip

    away = WitnessClient("http://away", two[0].vkey,
                         client=httpx.Client(transport=httpx.MockTransport(flaky)))  # fmt: skip
    junk = httpx.Client(transport=httpx.MockTransport(
        lambda req: httpx.Response(200, content=b"hello\n")))
    liar = WitnessClient("http://junk", two[1].vkey, client=junk)
    w = Witnessing([away, liar], lambda: (log.size, log.checkpoint()), log.proof)
    with caplog.at_level("INFO", logger="tysha.drop.witnessing"):
        for batch in range(4):
            log.append(b"batch %d" % batch)
            w.cosign_now()
        lines = [r.getMessage() for r in caplog.records]
        assert len(lines) == 2, lines
        assert any("w1.example" in line and "reached" in line for line in lines)
        assert any("w2.example" in line for line in lines)
        caplog.clear()
        down["yes"] = False
        for batch in range(2):
            log.append(b"later %d" % batch)
            w.cosign_now()
        lines = [r.getMessage() for r in caplog.records]
        assert len(lines) == 1 and "w1.example" in lines[0] and "again" in lines[0], lines


def test_a_witness_restored_from_an_older_state_is_named_not_trusted_again(
    tmp_path: Path, log: MemoryLog, two: list[Witness], caplog: pytest.LogCaptureFixture
) -> None:
    """A witness restarted from an older copy of its state (a backup, a disk snapshot, its
    folder run on a second machine) has forgotten what it cosigned since and can cosign a
    fork of it; it cannot tell by itself. The drop can: it keeps that witness's valid
    cosignature on a larger tree (checkpoint.cosigned). It quietly took the witness's
    smaller size from its 409 and asked again from there; now it refuses to go on with that
    witness, says once why (its state is older than a checkpoint it cosigned), also after
    the drop restarts, and the others cosign as before."""
    import logging
    import shutil

    from tysha.witness.client import WitnessClient, WitnessRefused
    from tysha.witness.service import WitnessService
    from tysha.witness.web import create_app

    kept = tmp_path / "cosigned"
    w1 = two[0]
    w1.service.close()
    shutil.copytree(tmp_path / "w1", tmp_path / "w1-backup")  # its state at size 0
    w1.service = WitnessService(tmp_path / "w1", {ORIGIN: [NoteVerifier.from_vkey(log.vkey)]})
    w1.client = WitnessClient("http://testserver", w1.vkey,
                              client=TestClient(create_app(w1.service)))  # fmt: skip
    log.append(b"a", b"b", b"c")
    w = _witnessing(log, two, kept)
    w.cosign_now()
    assert w1.service.state(ORIGIN)[0] == 3
    w1.service.close()
    shutil.rmtree(tmp_path / "w1")
    shutil.copytree(tmp_path / "w1-backup", tmp_path / "w1")  # restored: it forgot size 3
    w1.service = WitnessService(tmp_path / "w1", {ORIGIN: [NoteVerifier.from_vkey(log.vkey)]})
    w1.client = WitnessClient("http://testserver", w1.vkey,
                              client=TestClient(create_app(w1.service)))  # fmt: skip
    log.append(b"d")
    for drop in (w, _witnessing(log, two, kept)):  # running on, and restarted
        drop.clients[0] = w1.client
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="tysha"):
            note = drop.cosign_now()
            drop.cosign_now()  # said once
            log.append(b"e")
            drop.cosign_now()
        got = drop.last[w1.client.name]
        assert isinstance(got, WitnessRefused), got
        said = [r.getMessage() for r in caplog.records if w1.client.name in r.getMessage()]
        assert len(said) == 1, said
        assert "cosigned size 3" in said[0] and "older copy" in said[0], said
        assert w1.service.state(ORIGIN)[0] == 0  # it cosigned nothing from its old state
        res = check_witnesses(note or "", NoteVerifier.from_vkey(log.vkey),
                              WitnessPolicy.from_vkeys([two[1].vkey], 1))  # fmt: skip
        res.require()
