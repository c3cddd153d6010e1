"""What the desk's custody says about the drop's copy of a report is what the drop did.

A report sealed to this desk alone carries a look-alike slot. Its deletion secret was random,
shown to nobody, so the drop kept every such envelope until it expired while custody said
"deleted from the drop". The look-alike's secret is now derived from the content key
(protocol/envelope.py, **Deletion**): the desk shows it with its own and the envelope is gone.
A report with another recipient (an escrow) stays on the drop for it, and custody says that.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tysha.desk.service import Desk
from tysha.drop.launcher import InProcessDrop, in_process_drop
from tysha.protocol import Identity, Manifest, frame_content, parse_header, seal_envelope
from tysha.protocol import envelope as envelope_module
from tysha.protocol.envelope import deletion_secrets, unwrap_slot
from tysha.protocol.listing import DELETED, LIVE
from tysha.transport import DropClient
from tysha.transport.client import DropRefused

PASS = "desk passphrase for tests"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[InProcessDrop, Desk, Callable[[list[Any]], bytes]]]:
    with in_process_drop(tmp_path / "drop") as d:
        Desk.init(tmp_path / "desk", "Cell", PASS)
        desk = Desk.open(tmp_path / "desk", PASS,
                         client_factory=lambda url: DropClient(url, transport=d.transport))
        inv = desk.invite(d.client.url, d.vkey)
        ident = Identity.generate(os.urandom)

        def sealed(to: list[Any]) -> bytes:
            body = {"categories": ["det"], "text": "seen at the school", "when": "",
                    "where": "", "created_at": ""}
            m = Manifest("report", ident.public(), body, (), inv.secret).signed(ident)
            return seal_envelope(frame_content(m.to_bytes()), to, os.urandom)

        try:
            yield d, desk, sealed
        finally:
            desk.close()


def _state(d: InProcessDrop, index: int) -> str:
    recs, _, _ = d.client.clues(index - 1, 1)
    (rec,) = [r for r in recs if r.index == index]
    return str(rec.state)


def _actions(desk: Desk) -> list[str]:
    (view,) = desk.reports()
    return [e["action"] for e in desk.custody(view.id)]


def test_a_report_to_this_desk_alone_is_gone_from_the_drop(world: Any) -> None:
    d, desk, sealed = world
    index = d.client.upload(sealed([desk.store.public])).index
    res = desk.fetch()
    assert res.errors == [] and res.warnings == []
    actions = _actions(desk)
    assert actions.count("deleted-from-drop") == 1 and "slot-deleted-on-drop" not in actions
    assert _state(d, index) == DELETED
    with pytest.raises(DropRefused) as gone:
        d.client.fetch_bytes(index)
    assert gone.value.status == 410


def test_a_report_with_an_escrow_stays_for_it_and_custody_says_so(world: Any) -> None:
    d, desk, sealed = world
    escrow = Identity.generate(os.urandom)
    env = sealed([desk.store.public, escrow.public()])
    index = d.client.upload(env).index
    res = desk.fetch()
    assert res.errors == [] and res.warnings == []
    actions = _actions(desk)
    assert actions.count("slot-deleted-on-drop") == 1 and "deleted-from-drop" not in actions
    assert _state(d, index) == LIVE and d.client.fetch_bytes(index) == env
    # The escrow's own secret takes the last slot: then it is gone.
    header = parse_header(env)
    assert deletion_secrets(header, unwrap_slot(header, escrow)) == [
        unwrap_slot(header, escrow).deletion_secret
    ]
    assert d.client.delete(index, unwrap_slot(header, escrow).deletion_secret) is True
    assert _state(d, index) == DELETED


def test_an_envelope_with_a_random_lookalike_secret_stays_until_it_expires(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As envelopes sealed before look-alike secrets were derived: the desk deletes its slot
    and custody does not claim the envelope is gone."""
    d, desk, sealed = world
    monkeypatch.setattr(envelope_module, "lookalike_deletion_secret", lambda key, k: os.urandom(32))
    env = sealed([desk.store.public])
    monkeypatch.undo()
    index = d.client.upload(env).index
    assert desk.fetch().errors == []
    actions = _actions(desk)
    assert actions.count("slot-deleted-on-drop") == 1 and "deleted-from-drop" not in actions
    assert _state(d, index) == LIVE


def test_the_drop_answers_a_repeated_deletion_as_the_first(world: Any) -> None:
    """A deletion whose answer was lost is shown again: the drop says deleted, not gone (410);
    a secret of none of its slots, or of an expired one, stays 410."""
    d, desk, sealed = world
    me = Identity.generate(os.urandom)
    env = seal_envelope(b"x", [me.public()], os.urandom)
    index = d.client.upload(env).index
    header = parse_header(env)
    own, lookalike = deletion_secrets(header, unwrap_slot(header, me))
    assert d.client.delete(index, own) is False  # the look-alike's slot is left
    assert d.client.delete(index, lookalike) is True
    assert d.client.delete(index, own) is True and d.client.delete(index, lookalike) is True
    with pytest.raises(DropRefused) as other:
        d.client.delete(index, os.urandom(32))
    assert other.value.status == 410
