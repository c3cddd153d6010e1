"""Issue 14, the desk's side: "k of these witnesses" per drop. With two real witnesses (the
witness service's HTTP app) cosigning a real drop's log, the desk advances only as far as K
valid cosignatures of the pinned witnesses cover a checkpoint consistent with what it verified,
says which it checked, names the missing ones, and reports a drop that had its witnesses
cosign another history (a fork)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tysha.desk.fetch import set_witness_policy
from tysha.desk.service import Desk
from tysha.drop.launcher import in_process_drop
from tysha.drop.witnessing import Witnessing
from tysha.errors import BadInput
from tysha.protocol import Identity, Manifest, frame_content, seal_envelope
from tysha.tlog import CosignatureSigner, NoteVerifier, open_checkpoint, parse_skey
from tysha.transport import DropClient
from tysha.witness import WitnessClient
from tysha.witness.service import WitnessService, init_witness
from tysha.witness.testing import MemoryLog
from tysha.witness.web import create_app

PASS = "desk passphrase for tests"


class Witnessed(DropClient):
    """A client of the real drop whose ``/log/checkpoint.cosigned`` is what ``cosign`` gives
    (the drop's witnessing thread, run on demand; or a forking drop's note)."""

    cosign: Any = None

    def log_file(self, path: str) -> bytes:
        if path == "checkpoint.cosigned" and Witnessed.cosign is not None:
            return (Witnessed.cosign() or "").encode()
        return super().log_file(path)


def _witnesses(tmp: Path, names: list[str], origin: str, log_key: NoteVerifier) -> tuple[list[Any], list[WitnessClient], list[str]]:
    services, clients, vkeys = [], [], []
    for name in names:
        vkeys.append(init_witness(tmp / name, f"{name}.example"))
        services.append(WitnessService(tmp / name, {origin: [log_key]}))
        clients.append(WitnessClient("http://testserver", vkeys[-1],
                                     client=TestClient(create_app(services[-1]))))
    return services, clients, vkeys


@contextlib.contextmanager
def witnessed_drop(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A real drop (in process) whose log two real witnesses, w1 and w2, cosign on demand
    through ``Witnessed``; yields drop, vkeys, origin, log_key and the witnessing."""
    with in_process_drop(tmp_path / "drop") as d:
        log_key = NoteVerifier.from_vkey(d.vkey)
        origin = open_checkpoint(d.client.checkpoint(), log_key).origin
        services, clients, vkeys = _witnesses(tmp_path, ["w1", "w2"], origin, log_key)

        def checkpoint() -> tuple[int, str]:
            note = d.client.checkpoint()
            return open_checkpoint(note, log_key).size, note

        witnessing = Witnessing(clients, checkpoint, d.client.consistency_proof)
        Witnessed.cosign = witnessing.cosign_now
        try:
            yield {"drop": d, "vkeys": vkeys, "origin": origin, "log_key": log_key,
                   "witnessing": witnessing, "tmp": tmp_path}
        finally:
            Witnessed.cosign = None
            witnessing.stop()
            for s in services:
                s.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    with witnessed_drop(tmp_path) as w:
        d = w["drop"]
        Desk.init(tmp_path / "desk", "Cell", PASS)
        desk = Desk.open(tmp_path / "desk", PASS,
                         client_factory=lambda url: Witnessed(url, transport=d.transport))
        try:
            yield {**w, "desk": desk, "inv": desk.invite(d.client.url, d.vkey)}
        finally:
            desk.close()


def _report(w: dict[str, Any], text: str) -> int:
    ident = Identity.generate(os.urandom)
    body = {"categories": ["det"], "text": text, "when": "", "where": "", "created_at": ""}
    m = Manifest("report", ident.public(), body, (), w["inv"].secret).signed(ident)
    env = seal_envelope(frame_content(m.to_bytes()), [w["desk"].store.public], os.urandom)
    return int(w["drop"].client.upload(env).index)


def test_two_witnesses_cosign_and_the_desk_says_which_it_checked(world: dict[str, Any]) -> None:
    desk: Desk = world["desk"]
    url = world["drop"].client.url
    set_witness_policy(desk.store, [url], world["vkeys"], 2)
    _report(world, "witnessed")
    res = desk.fetch()
    assert [v.text for v in desk.reports()] == ["witnessed"]
    assert res.unwitnessed == [] and res.forks == []
    checked = res.witnessed[url]
    assert "accepted: 2 of 2" in checked
    assert "w1.example: valid" in checked and "w2.example: valid" in checked


def test_the_desk_advances_only_as_far_as_the_witnesses_cosigned(world: dict[str, Any]) -> None:
    desk: Desk = world["desk"]
    url = world["drop"].client.url
    set_witness_policy(desk.store, [url], world["vkeys"], 2)
    _report(world, "first")
    note = world["witnessing"].cosign_now()  # the witnesses cosign the log of one entry
    Witnessed.cosign = lambda: note  # and have not answered since
    _report(world, "second, not yet witnessed")
    desk.fetch()
    assert [v.text for v in desk.reports()] == ["first"]
    assert desk.store.drops()[0].cursor == 0
    Witnessed.cosign = world["witnessing"].cosign_now
    desk.fetch()
    assert sorted(v.text for v in desk.reports()) == ["first", "second, not yet witnessed"]


def test_a_policy_not_met_names_the_missing_witnesses_and_takes_nothing(
    world: dict[str, Any],
) -> None:
    desk: Desk = world["desk"]
    url = world["drop"].client.url
    stranger = CosignatureSigner("w3.example", b"\x09" * 32).verifier().vkey
    set_witness_policy(desk.store, [url], [world["vkeys"][0], stranger], 2)
    _report(world, "waits for the witnesses")
    res = desk.fetch()
    assert desk.reports() == []
    [why] = res.unwitnessed
    assert "not advancing" in why and "missing: w3.example" in why
    assert "w1.example: valid" in why
    assert desk.store.drops()[0].cursor == -1
    # One of the two is enough once the policy says so.
    set_witness_policy(desk.store, [url], [world["vkeys"][0], stranger], 1)
    res = desk.fetch()
    assert res.unwitnessed == [] and [v.text for v in desk.reports()] == ["waits for the witnesses"]


def test_a_drop_without_a_cosigned_checkpoint_is_not_followed(world: dict[str, Any]) -> None:
    desk: Desk = world["desk"]
    set_witness_policy(desk.store, [world["drop"].client.url], world["vkeys"], 1)
    Witnessed.cosign = None  # the real drop: no witnesses configured, 404
    _report(world, "r")
    res = desk.fetch()
    assert desk.reports() == [] and "serves no cosigned checkpoint" in res.unwitnessed[0]


def test_a_forking_drop_is_reported(world: dict[str, Any]) -> None:
    """The drop shows the desk one history and has two fresh witnesses cosign another, under
    the same key: every cosignature is valid, but the histories are inconsistent."""
    desk: Desk = world["desk"]
    d = world["drop"]
    _report(world, "r")
    fork = MemoryLog(world["origin"])
    fork.signer = parse_skey((d.data / "log.key").read_text().strip())
    fork.append(*[f"forged {i}".encode() for i in range(5)])
    services, clients, vkeys = _witnesses(world["tmp"] / "fresh", ["f1", "f2"], world["origin"],
                                          world["log_key"])
    forked = Witnessing(clients, lambda: (fork.size, fork.checkpoint()), fork.proof)
    Witnessed.cosign = forked.cosign_now
    set_witness_policy(desk.store, [d.client.url], vkeys, 2)
    res = desk.fetch()
    assert desk.reports() == []
    assert res.forks and res.forks[0].startswith("FORK") and "witnesses" in res.forks[0], res.errors
    assert desk.store.drops()[0].forked
    assert "fork-detected" in [e["action"] for e in desk.custody()]
    forked.stop()
    for s in services:
        s.close()


def test_the_witnesses_refuse_a_fork_of_what_they_cosigned(world: dict[str, Any]) -> None:
    """Witnesses that cosigned the real log refuse the forked one: the forking drop cannot
    show the desk a fork carrying their cosignatures."""
    d = world["drop"]
    _report(world, "r")
    assert world["witnessing"].cosign_now() is not None
    fork = MemoryLog(world["origin"])
    fork.signer = parse_skey((d.data / "log.key").read_text().strip())
    fork.append(*[f"forged {i}".encode() for i in range(5)])
    again = Witnessing(world["witnessing"].clients, lambda: (fork.size, fork.checkpoint()),
                       fork.proof)
    assert again.cosign_now() is None
    assert set(again.forks) == {"w1.example", "w2.example"}


def test_policy_input_is_checked_and_changes_nothing(world: dict[str, Any]) -> None:
    desk: Desk = world["desk"]
    url = world["drop"].client.url
    with pytest.raises(BadInput):
        set_witness_policy(desk.store, [url], world["vkeys"], 3)
    with pytest.raises(BadInput):
        set_witness_policy(desk.store, [url], [world["drop"].vkey], 1)  # a log key, not a witness
    with pytest.raises(BadInput):
        set_witness_policy(desk.store, [url], [], 1)
    assert desk.store.get_setting("witness_policy", {}) == {}
