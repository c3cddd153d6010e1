"""`source replies` against a drop that hides a reply (issue 9.6): the source is told, its
cursor stays before the hidden entry, the other replies arrive, and once the drop is honest
the hidden reply arrives too."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tysha.drop.launcher import in_process_drop
from tysha.protocol import Identity, Invitation, Manifest, frame_content, seal_envelope
from tysha.source.device import SourceDevice
from tysha.source.vault import Vault
from tysha.transport import DropClient

from .test_withheld import Liar, _days_pass


def make_invitation(url: str, vkey: str, handler: Identity) -> Invitation:
    """A fresh invitation from ``handler`` (signed where the protocol signs invitations)."""
    create = getattr(Invitation, "create", None)
    if create is not None:
        return create((url,), vkey, handler, None, os.urandom(16))  # type: ignore[no-any-return]
    return Invitation((url,), vkey, handler.public(), None, os.urandom(16))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    with in_process_drop(tmp_path / "drop") as d:
        handler = Identity.generate(os.urandom)
        vault = Vault.create(tmp_path / "v", 4 * 1024 * 1024)
        dev = SourceDevice(vault, vault.add_compartment("p", 0, {"v": 1, "notes": []}))
        dev.enroll(make_invitation(d.client.url, d.vkey, handler).to_text())
        try:
            yield {"drop": d, "dev": dev, "handler": handler}
        finally:
            Liar.lie, Liar.target, Liar.instead = "honest", -1, -1


def _reply(w: dict[str, Any], text: str) -> int:
    handler, dev = w["handler"], w["dev"]
    m = Manifest("reply", handler.public(), {"text": text}).signed(handler)
    env = seal_envelope(frame_content(m.to_bytes()), [dev.identity().public()], os.urandom)
    return int(w["drop"].client.upload(env).index)


def _noise(w: dict[str, Any]) -> None:
    w["drop"].client.upload(seal_envelope(b"x", [Identity.generate(os.urandom).public()], os.urandom))


@pytest.mark.parametrize("lie", ["omit", "deleted", "expired", "substitute"])
def test_a_hidden_reply_is_reported_and_arrives_later(world: dict[str, Any], lie: str) -> None:
    dev: SourceDevice = world["dev"]
    _noise(world)
    first = _reply(world, "first")
    hidden = _reply(world, "hidden")
    _noise(world)
    _reply(world, "third")
    Liar.lie, Liar.target, Liar.instead = lie, hidden, first
    with Liar(world["drop"].client.url, transport=world["drop"].transport) as liar:
        dev.fetch_replies(liar)
    assert sorted(r["text"] for r in dev.replies()) == ["first", "third"]
    assert dev.listing_problem is not None and "withholds entries of its log from you: 1 (" in dev.listing_problem
    assert list(dev.withheld) == [hidden]
    assert Vault(dev.vault.path).unlock("p").state["cursor"] == hidden - 1  # what was saved
    Liar.lie = "honest"
    with Liar(world["drop"].client.url, transport=world["drop"].transport) as honest:
        dev.fetch_replies(honest)
    assert sorted(r["text"] for r in dev.replies()) == ["first", "hidden", "third"]
    assert dev.listing_problem is None and dev.withheld == {}
    assert dev.state["cursor"] == dev.last_checkpoint_size() - 1


def test_an_honest_drop_raises_no_alarm(world: dict[str, Any]) -> None:
    dev: SourceDevice = world["dev"]
    _reply(world, "one")
    _noise(world)
    with DropClient(world["drop"].client.url, transport=world["drop"].transport) as c:
        dev.fetch_replies(c)
        dev.fetch_replies(c)
    assert [r["text"] for r in dev.replies()] == ["one"]
    assert dev.listing_problem is None and dev.withheld == {}


def test_a_phone_clock_far_behind_is_named_beside_the_expiries_it_makes_look_false(
    world: dict[str, Any],
) -> None:
    """A phone whose clock reads 2000 (reset by a flat battery) finds every honest expiry on
    the drop 'too recent': it said only that the drop withholds entries. The drop names hours
    ahead of the phone's clock, so the source is told to check it - and the entry is still
    not passed over (the drop might be the liar)."""
    import datetime as dt
    import time

    dev: SourceDevice = world["dev"]
    d = world["drop"]
    _noise(world)
    arrived = time.time()
    _days_pass(d.service, arrived, 91)  # the drop's retention (90 days) is over
    d.service.maintenance()
    dev.clock = lambda: dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp()
    dev.fetch_replies(d.client)
    problem = dev.listing_problem or ""
    assert "this phone's clock" in problem and "2000-01-01 00:00 UTC" in problem, problem
    assert dev.withheld  # still looked at again next time
    from tysha.i18n import translate_message

    uk = translate_message(problem, "uk")
    assert "годинник цього телефона" in uk and "2000-01-01 00:00 UTC" in uk, uk


def test_a_reply_is_kept_with_the_hour_it_was_read_like_every_time_in_the_vault(
    world: dict[str, Any],
) -> None:
    """The vault keeps times to the hour (README: whoever opens it learns little of when):
    a reply's time of reading was kept to the second."""
    import datetime as dt

    dev: SourceDevice = world["dev"]
    _reply(world, "one")
    read = dt.datetime(2026, 12, 1, 11, 37, 12, tzinfo=dt.UTC).timestamp()
    dev.clock = lambda: read
    dev.fetch_replies(world["drop"].client)
    (r,) = dev.replies()
    assert r["received_at"] == "2026-12-01T11:00:00Z"
    assert Vault(dev.vault.path).unlock("p").state["replies"][0]["received_at"].endswith("T11:00:00Z")


def test_a_key_made_while_the_phones_clock_ran_ahead_does_not_turn_an_honest_expiry_into_a_lie(
    tmp_path: Path,
) -> None:
    """Enrolled while the phone's clock read five years ahead, the vault dated its key then.
    The clock put right, a reply to it that expired unread on the drop (honestly, after the
    retention) was 'claimed expired before your key existed': the source was told the drop
    lies and not to rely on it. A kept hour later than the clock now shows the clock has been
    put back; hours read from it are not held against the drop."""
    import time

    real = time.time()
    with in_process_drop(tmp_path / "drop") as d:
        handler = Identity.generate(os.urandom)
        vault = Vault.create(tmp_path / "v", 4 * 1024 * 1024)
        dev = SourceDevice(vault, vault.add_compartment("p", 0, {"v": 1, "notes": []}),
                           clock=lambda: real + 5 * 365 * 86400)
        dev.enroll(make_invitation(d.client.url, d.vkey, handler).to_text())
        w = {"drop": d, "dev": dev, "handler": handler}
        _reply(w, "unread for 91 days")
        _days_pass(d.service, real, 91)
        d.service.maintenance()
        dev.clock = lambda: real + 92 * 86400  # put right
        dev.fetch_replies(d.client)
        assert dev.listing_problem is None and dev.withheld == {}, dev.listing_problem
