"""Issue 14, the source's side: `source enroll --witness VKEY … --witnesses-needed K` keeps the
policy in the vault; replies are read only as far as K valid cosignatures of those witnesses
cover a checkpoint consistent with the one verified; a missing witness is named, a fork told."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tysha.drop.witnessing import Witnessing
from tysha.errors import BadInput, ProtocolError, VerificationError
from tysha.protocol import Identity, Manifest, frame_content, seal_envelope
from tysha.source.device import SourceDevice
from tysha.source.vault import Vault
from tysha.tlog import CosignatureSigner, parse_skey
from tysha.witness.testing import MemoryLog

from .test_desk_witnesses import Witnessed, _witnesses, witnessed_drop
from .test_source_withheld import make_invitation


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    with witnessed_drop(tmp_path) as w:
        d = w["drop"]
        handler = Identity.generate(os.urandom)
        vault = Vault.create(tmp_path / "v", 4 * 1024 * 1024)
        dev = SourceDevice(vault, vault.add_compartment("p", 0, {"v": 1, "notes": []}))
        code = make_invitation(d.client.url, d.vkey, handler).to_text()
        yield {**w, "dev": dev, "handler": handler, "code": code}


def _reply(w: dict[str, Any], text: str) -> None:
    handler, dev = w["handler"], w["dev"]
    m = Manifest("reply", handler.public(), {"text": text}).signed(handler)
    env = seal_envelope(frame_content(m.to_bytes()), [dev.identity().public()], os.urandom)
    w["drop"].client.upload(env)


def _client(w: dict[str, Any]) -> Witnessed:
    return Witnessed(w["drop"].client.url, transport=w["drop"].transport)


def _witnessed_one_entry_behind(w: dict[str, Any]) -> SourceDevice:
    """The vault enrolled under a 2-of-2 witness policy, two replies on the drop, and the
    witnesses' cosigned checkpoint the log of the first alone: reading the replies asks the
    drop for the proof from the cosigned tree to the one it shows."""
    dev: SourceDevice = w["dev"]
    dev.set_witness_policy(w["vkeys"], 2)
    dev.enroll(w["code"])
    _reply(w, "first")
    note = Witnessed.cosign()
    Witnessed.cosign = lambda: note  # the witnesses cosigned the log of one entry
    _reply(w, "second")
    return dev


def test_replies_are_read_under_the_witness_policy(world: dict[str, Any]) -> None:
    dev: SourceDevice = world["dev"]
    dev.set_witness_policy(world["vkeys"], 2)
    dev.enroll(world["code"])
    _reply(world, "witnessed reply")
    with _client(world) as c:
        dev.fetch_replies(c)
    assert [r["text"] for r in dev.replies()] == ["witnessed reply"]
    assert dev.witnessed is not None and "accepted: 2 of 2" in dev.witnessed
    assert "w1.example: valid" in dev.witnessed and "w2.example: valid" in dev.witnessed
    # Kept in the vault.
    assert Vault(dev.vault.path).unlock("p").state["witness_policy"]["k"] == 2


def test_a_missing_witness_is_named_and_nothing_is_read(world: dict[str, Any]) -> None:
    dev: SourceDevice = world["dev"]
    stranger = CosignatureSigner("w3.example", b"\x09" * 32).verifier().vkey
    dev.set_witness_policy([world["vkeys"][0], stranger], 2)
    dev.enroll(world["code"])
    _reply(world, "not yet")
    with _client(world) as c, pytest.raises(VerificationError, match="missing: w3.example"):
        dev.fetch_replies(c)
    assert dev.replies() == [] and dev.state["cursor"] == -1


def test_a_fork_shown_to_the_witnesses_is_told(world: dict[str, Any]) -> None:
    dev: SourceDevice = world["dev"]
    _reply_drop = world["drop"]
    fork = MemoryLog(world["origin"])
    fork.signer = parse_skey((_reply_drop.data / "log.key").read_text().strip())
    fork.append(*[f"forged {i}".encode() for i in range(5)])
    services, clients, vkeys = _witnesses(world["tmp"] / "fresh", ["f1", "f2"], world["origin"],
                                          world["log_key"])
    forked = Witnessing(clients, lambda: (fork.size, fork.checkpoint()), fork.proof)
    Witnessed.cosign = forked.cosign_now
    dev.set_witness_policy(vkeys, 2)
    dev.enroll(world["code"])
    _reply(world, "r")
    with _client(world) as c, pytest.raises(VerificationError, match="DIFFERENT HISTORY"):
        dev.fetch_replies(c)
    assert dev.replies() == []
    forked.stop()
    for s in services:
        s.close()


def test_an_unusable_proof_to_the_witnessed_tree_is_no_fork(world: dict[str, Any]) -> None:
    """A malformed answer where the proof from the cosigned tree to the shown one should be
    proves nothing: the source is told so, not told of a fork (the old device said "THE DROP
    SHOWS ITS WITNESSES A DIFFERENT HISTORY ... tell your handler in person")."""
    dev = _witnessed_one_entry_behind(world)

    class Garbled(Witnessed):
        def consistency_proof(self, old: int, new: int) -> list[bytes]:
            raise ProtocolError("the drop's consistency proof answer is malformed")

    with Garbled(world["drop"].client.url, transport=world["drop"].transport) as c:
        with pytest.raises(VerificationError) as caught:
            dev.fetch_replies(c)
    assert "did not prove" in caught.value.message and "is malformed" in caught.value.message
    assert "DIFFERENT HISTORY" not in caught.value.message
    assert dev.replies() == []


@pytest.mark.parametrize("status", [429, 408])
def test_a_busy_answer_to_the_proof_to_the_witnessed_tree_is_no_fork(
    world: dict[str, Any], status: int
) -> None:
    """A proxy in front of the drop answering the proof from the cosigned tree "429 Too Many
    Requests" (or "408") was taken as the drop denying the tree: the source was told "THE
    DROP SHOWS ITS WITNESSES A DIFFERENT HISTORY ... Stop sending to it", and the vault kept
    the drop as forked until a new invitation, handed over in person. A busy answer proves
    nothing: the fetch fails as when the drop is unreachable (try again later), no fork is
    kept, and the replies are read once the drop answers."""
    from tysha.errors import DropRefused, TransportError

    dev = _witnessed_one_entry_behind(world)

    class Busy(Witnessed):
        def consistency_proof(self, old: int, new: int) -> list[bytes]:
            raise DropRefused(f"the drop refused ({status}): no reason given", status=status)

    with Busy(world["drop"].client.url, transport=world["drop"].transport) as c:
        with pytest.raises(TransportError) as caught:
            dev.fetch_replies(c)
    assert "DIFFERENT HISTORY" not in caught.value.message
    assert dev.fork_seen() is None and dev.replies() == []
    with _client(world) as c:  # (read as far as the witnesses cosigned)
        dev.fetch_replies(c)
    assert [r["text"] for r in dev.replies()] == ["first"] and dev.fork_seen() is None


def test_a_bad_policy_is_refused(world: dict[str, Any]) -> None:
    dev: SourceDevice = world["dev"]
    with pytest.raises(BadInput):
        dev.set_witness_policy(world["vkeys"], 3)
    with pytest.raises(BadInput):
        dev.set_witness_policy([world["drop"].vkey], 1)
    assert "witness_policy" not in dev.state


def test_send_checks_the_witnessed_history_after_keeping_its_receipts(
    world: dict[str, Any],
) -> None:
    dev: SourceDevice = world["dev"]
    dev.set_witness_policy(world["vkeys"], 2)
    dev.enroll(world["code"])
    dev.report(["det"], "sent under witnesses", mean_delay=0)
    with _client(world) as c:
        assert dev.send(c, now=True).sent == 1
    assert dev.witnessed is not None and "accepted: 2 of 2" in dev.witnessed
    # A drop showing its (fresh) witnesses another history: told after the receipt is kept.
    fork = MemoryLog(world["origin"])
    fork.signer = parse_skey((world["drop"].data / "log.key").read_text().strip())
    fork.append(*[f"forged {i}".encode() for i in range(9)])
    services, clients, vkeys = _witnesses(world["tmp"] / "fresh", ["f1", "f2"], world["origin"],
                                          world["log_key"])
    forked = Witnessing(clients, lambda: (fork.size, fork.checkpoint()), fork.proof)
    Witnessed.cosign = forked.cosign_now
    dev.set_witness_policy(vkeys, 2)
    dev.report(["det"], "second", mean_delay=0)
    with _client(world) as c, pytest.raises(VerificationError, match="DIFFERENT HISTORY"):
        dev.send(c, now=True)
    assert dev.outbox() == [] and len(dev.state["sent"]) == 2
    forked.stop()
    for s in services:
        s.close()


class _Noted(Witnessed):
    """Notes what is asked of the drop: its HTTP requests and the cosigned checkpoint."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.asked: list[str] = []
        self._http.event_hooks["request"] = [
            lambda r: self.asked.append(f"{r.method} {r.url.path}?{r.url.query.decode()}")]

    def log_file(self, path: str, cap: int | None = None) -> bytes:
        self.asked.append(f"GET /log/{path}")
        return super().log_file(path)


def test_a_source_with_a_witness_policy_asks_what_every_source_asks(
    world: dict[str, Any], tmp_path: Path
) -> None:
    """Only sources enrolled with ``--witness`` asked for the cosigned checkpoint (and the
    proof from it): the drop could tell their visits from all others', and link the visits
    of the few (one cell, often) who have one (THREAT_MODEL A7, A8). Every source now asks
    it, and checks it as far as the drop's own key goes."""
    policy: SourceDevice = world["dev"]
    policy.set_witness_policy(world["vkeys"], 2)
    policy.enroll(world["code"])
    vault = Vault.create(tmp_path / "plain", 4 * 1024 * 1024)
    plain = SourceDevice(vault, vault.add_compartment("p", 0, {"v": 1, "notes": []}))
    plain.enroll(make_invitation(world["drop"].client.url, world["drop"].vkey,
                                 world["handler"]).to_text())
    for dev in (policy, plain):
        dev.report(["det"], "a report", mean_delay=0)
    asked = []
    for dev in (policy, plain):
        with _Noted(world["drop"].client.url, transport=world["drop"].transport) as c:
            dev.send(c, now=True)
            sent = [q for q in c.asked if not q.startswith(("POST /v1/envelopes", "GET /log/tile"))]
        with _Noted(world["drop"].client.url, transport=world["drop"].transport) as c:
            dev.fetch_replies(c)
        asked.append((sent, [q for q in c.asked if not q.startswith("GET /log/tile")]))
        assert dev.listing_problem is None
    assert asked[0] == asked[1]
    assert plain.witnessed is None  # nothing is claimed of witnesses it never asked for


def test_a_fork_in_what_every_source_now_asks_is_told_without_a_policy(
    world: dict[str, Any],
) -> None:
    """The cosigned checkpoint a source without a policy now asks for is checked as far as
    the drop's key goes: a drop-signed checkpoint of another history is a fork, said so."""
    dev: SourceDevice = world["dev"]
    fork = MemoryLog(world["origin"])
    fork.signer = parse_skey((world["drop"].data / "log.key").read_text().strip())
    fork.append(*[f"forged {i}".encode() for i in range(5)])
    Witnessed.cosign = fork.checkpoint  # signed by the drop's key, no witness needed
    dev.enroll(world["code"])
    for n in range(6):  # the drop's own log outgrows the fork: it proves the two differ
        _reply(world, f"r{n}")
    with _client(world) as c, pytest.raises(VerificationError, match="DIFFERENT HISTORY"):
        dev.fetch_replies(c)
    assert dev.witnessed is None
