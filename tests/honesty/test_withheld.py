"""A drop that hides entries from its listing is caught (issue 9.6), by the desk and by the
source: an omitted entry, a live one it calls deleted or expired, a substituted digest. Each
is reported as WITHHELD, the stored cursor stays before it, and the other reports still
arrive; once the drop is honest the hidden one arrives too. An honest drop that deleted and
expired entries raises no alarm."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tysha.desk.service import Desk
from tysha.drop.launcher import InProcessDrop, in_process_drop
from tysha.protocol import (
    Identity,
    Manifest,
    frame_content,
    parse_header,
    seal_envelope,
    unwrap_slot,
)
from tysha.protocol.listing import DELETED, EXPIRED, ListingRecord
from tysha.store.drop_store import IntegrationItem
from tysha.transport import DropClient

PASS = "desk passphrase for tests"


class Liar(DropClient):
    """The real client of a real drop app, whose listing is altered on the way in (what a
    compromised drop or an on-path attacker of a plain-HTTP drop can send)."""

    lie = "honest"
    target = -1

    def clues(self, after: int = -1, limit: int = 1000) -> Any:
        records, cursor, size = super().clues(after, limit)
        out = []
        for r in records:
            if r.index != self.target or not isinstance(r, ListingRecord):
                out.append(r)
            elif self.lie == "omit":
                continue
            elif self.lie == "deleted":
                out.append(replace(r, state=DELETED))
            elif self.lie == "expired":
                out.append(replace(r, state=EXPIRED, hour=0))  # "arrived in 1970"
            elif self.lie == "expired-recently":
                out.append(replace(r, state=EXPIRED, hour=_hour()))
            else:
                out.append(r)
        return out, cursor, size

    # "substitute": the listing is honest, but the envelope served at the target index is
    # another one (here: the one at ``instead``), as a drop hiding an entry behind a copy would.
    instead = -1

    def download(self, index: int, sink: Any, progress: Any = None) -> int:
        if self.lie == "substitute" and index == self.target:
            index = self.instead
        return super().download(index, sink, progress)

    def fetch_bytes(self, index: int) -> bytes:
        if self.lie == "substitute" and index == self.target:
            index = self.instead
        return super().fetch_bytes(index)


def _days_pass(service: Any, start: float, days: int) -> None:
    """``days`` pass for the drop from ``start``: its wall clock and its elapsed time move
    together (a wall clock that moved alone would be a clock set ahead, which expiry does
    not follow)."""
    steady = service.steady()
    service.clock = lambda: start + days * 86400
    service.steady = lambda: steady + days * 86400


def _hour() -> int:
    import time

    return int(time.time()) // 3600


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    with in_process_drop(tmp_path / "drop") as d:
        Desk.init(tmp_path / "desk", "Cell", PASS)
        desk = Desk.open(
            tmp_path / "desk", PASS, client_factory=lambda url: Liar(url, transport=d.transport)
        )
        inv = desk.invite(d.client.url, d.vkey)
        try:
            yield {"drop": d, "desk": desk, "inv": inv, "ident": Identity.generate(os.urandom)}
        finally:
            Liar.lie, Liar.target, Liar.instead = "honest", -1, -1
            desk.close()


def _report(w: dict[str, Any], text: str, also: list[Identity] = ()) -> int:  # type: ignore[assignment]
    """Send a report to the desk (and any other recipients); its log index."""
    ident, desk = w["ident"], w["desk"]
    body = {"categories": ["det"], "text": text, "when": "", "where": "", "created_at": ""}
    m = Manifest("report", ident.public(), body, (), w["inv"].secret).signed(ident)
    recipients = [desk.store.public] + [o.public() for o in also]
    env = seal_envelope(frame_content(m.to_bytes()), recipients, os.urandom)
    return int(w["drop"].client.upload(env).index)


def _noise(w: dict[str, Any], n: int) -> None:
    for _ in range(n):
        w["drop"].client.upload(
            seal_envelope(b"noise", [Identity.generate(os.urandom).public()], os.urandom)
        )


def _texts(desk: Desk) -> list[str]:
    return sorted(v.text for v in desk.reports())


@pytest.mark.parametrize("lie", ["omit", "deleted", "expired", "expired-recently", "substitute"])
def test_desk_reports_a_withheld_entry_and_fetches_the_others(
    world: dict[str, Any], lie: str
) -> None:
    desk: Desk = world["desk"]
    _noise(world, 2)
    first = _report(world, "r0")
    hidden = _report(world, "r1 hidden")
    _noise(world, 2)
    _report(world, "r2")
    Liar.lie, Liar.target, Liar.instead = lie, hidden, first
    res = desk.fetch()
    assert _texts(desk) == ["r0", "r2"]  # the others still arrive
    assert len(res.withheld) == 1 and f"entry {hidden} WITHHELD" in res.withheld[0]
    assert desk.store.drops()[0].cursor == hidden - 1  # never past it
    [drop] = desk.drops()
    assert list(drop["withheld"]) == [str(hidden)]
    events = [e for e in desk.custody() if e["action"] == "withheld-by-drop"]
    assert len(events) == 1 and events[0]["detail"]["index"] == hidden
    # Still lying: reported again, recorded once, nothing fetched twice.
    res = desk.fetch()
    assert len(res.withheld) == 1 and res.new_reports == []
    assert len([e for e in desk.custody() if e["action"] == "withheld-by-drop"]) == 1
    # Honest again: the hidden report arrives and the flag goes.
    Liar.lie = "honest"
    res = desk.fetch()
    assert res.withheld == [] and len(res.new_reports) == 1
    assert _texts(desk) == ["r0", "r1 hidden", "r2"]
    assert desk.drops()[0]["withheld"] == {}
    d = desk.store.drops()[0]
    assert d.cursor == d.cp_size - 1


def test_an_omitted_foreign_entry_is_withheld_too(world: dict[str, Any]) -> None:
    """Whose it is cannot be known from an omission: any omitted index is reported."""
    desk: Desk = world["desk"]
    _report(world, "r0")
    _noise(world, 1)
    _report(world, "r1")
    Liar.lie, Liar.target = "omit", 1
    res = desk.fetch()
    assert _texts(desk) == ["r0", "r1"]
    assert [w.split(": ", 1)[1] for w in res.withheld] == [
        "entry 1 WITHHELD: omitted from the listing"
    ]
    assert desk.store.drops()[0].cursor == 0


def test_an_honest_drop_that_deleted_and_expired_entries_raises_no_alarm(
    world: dict[str, Any],
) -> None:
    d: InProcessDrop = world["drop"]
    desk: Desk = world["desk"]
    other, x, y = (Identity.generate(os.urandom) for _ in range(3))
    # A desk made 120 days ago (its key's birth hour, kept as a setting), and two entries
    # that arrived 100 days ago: one for this desk, one for someone else.
    desk.store.set_setting("key_birth_hour", _hour() - 120 * 24)
    old = _hour() - 100 * 24
    for recipients in ([desk.store.public, other.public()], [x.public(), y.public()]):
        env = seal_envelope(b"old", recipients, os.urandom)
        h = parse_header(env)
        tmp = d.data / "old.env"
        tmp.write_bytes(env)
        item = IntegrationItem(hashlib.sha256(env).digest(), len(env), h.clue_pub, h.clues,
                               h.deletion_hashes, old)  # fmt: skip
        d.transport.run(d.service.submit(item, temp=tmp))
    d.service.maintenance()  # past the 90 days: expired
    shared = _report(world, "for the desk and another recipient", also=[other])
    # A foreign envelope whose every slot is deleted by its recipients.
    env = seal_envelope(b"foreign", [x.public(), y.public()], os.urandom)
    foreign = d.client.upload(env).index
    for who in (x, y):
        assert isinstance(d.client.delete(foreign, unwrap_slot(parse_header(env), who).deletion_secret), bool)
    res = world["desk"].fetch()
    assert res.withheld == [] and res.anomalies == [] and res.errors == []
    assert any("expired on the drop before it was fetched" in w for w in res.warnings)
    # The other recipient deletes its slot of the shared report too: the drop drops it.
    raw = d.client.fetch_bytes(shared)
    assert d.client.delete(shared, unwrap_slot(parse_header(raw), other).deletion_secret) is True
    listing, _, _ = d.client.clues(-1, 100)
    states = {r.index: r.state for r in listing if isinstance(r, ListingRecord)}
    assert states == {0: EXPIRED, 1: EXPIRED, shared: DELETED, foreign: DELETED}
    # Read again from the start: deleted by this desk and the other, expired, foreign: honest.
    desk.store.save_drop(replace(desk.store.drops()[0], cursor=-1))
    res = desk.fetch()
    assert res.withheld == [] and res.anomalies == [] and res.new_reports == []
    assert _texts(desk) == ["for the desk and another recipient"]


def test_a_drop_without_the_verifiable_listing_is_said_to_be_unchecked(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older drop answers version 1: reports still arrive, with a warning that omissions
    cannot be seen there."""
    desk: Desk = world["desk"]
    _report(world, "r0")
    from tysha.protocol import decode_clue_records, encode_clue_records

    def v1(self: DropClient, after: int = -1, limit: int = 1000) -> Any:
        records, cursor, size = DropClient.clues(self, after, limit)
        live = [r for r in records if not getattr(r, "gone", False)]
        return decode_clue_records(encode_clue_records(live, after), after), cursor, size

    monkeypatch.setattr(Liar, "clues", v1)
    res = desk.fetch()
    assert _texts(desk) == ["r0"]
    assert any("only the old listing" in w for w in res.warnings)


def test_a_desk_clock_far_behind_is_named_beside_the_expiries_it_makes_look_false(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk's clock reads 2000: every honest expiry looks 'too recent' to it and is
    reported WITHHELD. The drop gives arrival hours ahead of that clock, so the handler is
    told what the desk's clock reads and to set it right; the entry stays withheld."""
    import datetime as dt
    import time
    import types

    import tysha.desk.fetch as fetch_module

    desk: Desk = world["desk"]
    d = world["drop"]
    _noise(world, 1)
    arrived = time.time()
    _days_pass(d.service, arrived, 91)
    d.service.maintenance()
    behind = dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp()
    shim = types.SimpleNamespace(time=lambda: behind, perf_counter=time.perf_counter,
                                 monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(fetch_module, "time", shim)
    res = desk.fetch()
    assert len(res.withheld) == 1
    said = " ".join(res.warnings)
    assert "this desk's clock reads 2000-01-01 00:00 UTC" in said, res.warnings
    from tysha.i18n import translate_message

    uk = translate_message(next(w for w in res.warnings if "clock" in w), "uk")
    assert "годинник цього робочого місця" in uk, uk
