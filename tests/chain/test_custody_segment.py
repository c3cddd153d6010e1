"""Issue 14: custody as a Merkle log; a bundle carries only its reports' custody events, each
proved into a desk-signed custody head, and `tysha verify` names a removed, reordered or
altered event. Pure tests first, then a real desk and drop."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.chain.forgery import resign_segment
from tysha.errors import ProtocolError, VerificationError
from tysha.evidence.custody import (
    CustodyEvent,
    build_segment,
    canonical_json,
    custody_origin,
    verify_chain,
    verify_segment,
)
from tysha.protocol import Identity
from tysha.tlog import Checkpoint, NoteSigner, sign_checkpoint

DESK = Identity.generate(lambda n: (b"custody-desk-key" * 8)[:n])
OTHER = Identity.generate(lambda n: (b"another-desk-key" * 8)[:n])


def make_log(plan: list[tuple[str, str | None, dict[str, Any]]]) -> list[dict[str, Any]]:
    """A desk's custody log as the store writes it: hash-chained, per-report links."""
    prev, last, out = bytes(32), {}, []
    for seq, (action, rid, detail) in enumerate(plan):
        link = None if rid is None else last.get(rid, -1)
        ev = CustodyEvent(seq, f"2026-03-01T10:00:{seq:02d}Z", action, rid, detail, prev,
                          report_prev=link).signed(DESK)
        prev = ev.digest()
        if rid is not None:
            last[rid] = seq
        out.append(ev.to_json())
    return out


PLAN: list[tuple[str, str | None, dict[str, Any]]] = [
    ("desk-created", None, {"name": "cell"}),
    ("received", "rA", {"drop": "d"}),
    ("received", "rB", {"drop": "d"}),
    ("qualified", "rB", {"code": "RS 8(2)(b)(xxii)"}),
    ("status", "rA", {"from": "new", "to": "verified"}),
    ("source-enrolled", None, {"source": "s1"}),
    ("qualified", "rA", {"code": "RS 7(1)(i)"}),
    ("annotated", "rB", {"author": "x"}),
    ("export-started", "rA", {"bundle": "a.zip"}),
]
LOG = make_log(PLAN)


def seg_a() -> dict[str, Any]:
    return json.loads(canonical_json(build_segment(LOG, ["rA"], DESK)))


def test_the_whole_log_still_chains_and_the_segment_verifies() -> None:
    verify_chain([CustodyEvent.from_json(e) for e in LOG], DESK.public().sign)
    res = verify_segment(seg_a(), DESK.public(), ["rA"])
    assert res.head.size == len(LOG) and res.head.origin == custody_origin(DESK.public())
    assert res.per_report == {"rA": 4} and res.unlinked == 0


def test_a_segment_holds_nothing_of_other_reports() -> None:
    text = canonical_json(seg_a()).decode()
    for secret in ("rB", "RS 8(2)(b)(xxii)", "source-enrolled", "s1", "desk-created"):
        assert secret not in text


def _edit(fn: Callable[[list[dict[str, Any]]], None]) -> dict[str, Any]:
    doc = seg_a()
    fn(doc["events"])
    return doc


@pytest.mark.parametrize(("name", "edit", "words"), [
    ("removed-middle", lambda evs: evs.pop(1), "event 4 was removed"),
    ("removed-first", lambda evs: evs.pop(0), "event 1 was removed"),
    ("cut-off-the-end", lambda evs: evs.pop(), "its events after event 6 were removed"),
    ("reordered", lambda evs: evs.insert(0, evs.pop(2)), "event 6 is out of order"),
    ("altered-detail", lambda evs: evs[2]["event"]["detail"].update(code="RS 6(a)"),
     "custody event 6 (qualified, report rA) was altered"),
    ("moved", lambda evs: evs[1]["event"].update(seq=3), "custody event 3"),
    ("proof-truncated", lambda evs: evs[0]["proof"].pop(), "custody event 1"),
    ("proof-bit-flipped", lambda evs: evs[0]["proof"].__setitem__(
        0, ("0" if evs[0]["proof"][0][0] != "0" else "1") + evs[0]["proof"][0][1:]),
     "not event 1 of the signed custody head"),
])
def test_removed_reordered_altered_events_are_named(name: str, edit: Any, words: str) -> None:
    with pytest.raises(VerificationError) as e:
        verify_segment(_edit(edit), DESK.public(), ["rA"])
    assert words in e.value.message, (name, e.value.message)


def test_a_resigned_altered_event_is_not_in_the_head() -> None:
    """The desk itself rewriting an event after the head was signed: the event's signature
    holds, its inclusion proof does not."""
    doc = seg_a()
    e = doc["events"][2]["event"]
    ev = CustodyEvent.from_json(e)
    forged = CustodyEvent(ev.seq, ev.at, ev.action, ev.report, {"code": "RS 6(a)"}, ev.prev,
                          report_prev=ev.report_prev).signed(DESK)
    doc["events"][2]["event"] = forged.to_json()
    with pytest.raises(VerificationError, match="not event 6 of the signed custody head"):
        verify_segment(doc, DESK.public(), ["rA"])


def test_another_reports_event_smuggled_in_is_refused() -> None:
    doc = json.loads(canonical_json(build_segment(LOG, ["rA", "rB"], DESK)))
    with pytest.raises(VerificationError, match="not about a report of this bundle"):
        verify_segment(doc, DESK.public(), ["rA"])


def test_head_by_another_key_or_origin_or_version_is_refused() -> None:
    doc = seg_a()
    with pytest.raises(VerificationError, match="custody head is not signed by the desk"):
        verify_segment(doc, OTHER.public(), ["rA"])
    # A head signed by the desk's key but for another origin (another log).
    cp = Checkpoint("tysha.custody/0", 9, bytes(32))
    other_origin = dict(doc, head=sign_checkpoint(cp, NoteSigner("tysha.custody/0",
                                                                 DESK.sign_seed)))
    with pytest.raises(VerificationError):
        verify_segment(other_origin, DESK.public(), ["rA"])
    with pytest.raises(ProtocolError, match="not a custody segment"):
        verify_segment(dict(doc, format="tysha-custody-segment/9"), DESK.public(), ["rA"])
    with pytest.raises(ProtocolError):
        verify_segment([], DESK.public(), ["rA"])
    with pytest.raises(ProtocolError):
        verify_segment(dict(doc, events=[{"event": {"seq": "x"}, "proof": []}]), DESK.public(),
                       ["rA"])


def test_events_from_before_the_link_still_verify() -> None:
    """A desk upgraded mid-log: its older events have no per-report link; they verify by
    inclusion, and the first linked event of a report may start its chain afresh."""
    prev, out = bytes(32), []
    for seq, link in enumerate([None, None, -1, 2]):
        ev = CustodyEvent(seq, "2026-01-01T00:00:00Z", "status" if seq < 3 else "export-started",
                          "rA", {}, prev,
                          report_prev=link).signed(DESK)
        prev = ev.digest()
        out.append(ev.to_json())
    res = verify_segment(json.loads(canonical_json(build_segment(out, ["rA"], DESK))),
                         DESK.public(), ["rA"])
    assert res.unlinked == 2 and res.events == 4


def test_old_events_keep_their_signed_bytes() -> None:
    """An event without the link serialises exactly as before the link existed."""
    ev = CustodyEvent(0, "t", "a", None, {}, bytes(32)).signed(DESK)
    assert "report_prev" not in ev.to_json()
    assert CustodyEvent.from_json(ev.to_json()).body() == ev.body()


# --- a real desk and drop ----------------------------------------------------------------------


def _zip_text(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return b"".join(z.read(n) for n in z.namelist()) + path.read_bytes()


def test_one_report_bundle_discloses_nothing_of_the_others(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    from tests.desk.test_service import _body, _desk, _send
    from tests.verify.conftest import run

    desk, inv = _desk(tmp_path, drop)
    src = Identity.generate(os.urandom)
    _send(drop[0], desk, inv, src, _body(text="first report"))
    _send(drop[0], desk, inv, src, _body(text="second report", categories=["kil"]))
    desk.fetch()
    views = sorted(desk.reports(), key=lambda v: v.text != "first report")
    assert len(views) == 2
    mine, other = (v.id for v in views)
    desk.add_qualification(mine, "RS 7(1)(i)", "medium", "analyst A")
    desk.add_qualification(other, "RS 8(2)(b)(xxii)", "high", "analyst B")
    desk.set_status(other, "verified", "analyst B")
    out = tmp_path / "one.zip"
    assert desk.export(out, [mine]) == 1
    fp = desk.fingerprint
    desk.close()

    blob = _zip_text(out)
    for secret in (other, "RS 8(2)(b)(xxii)", "analyst B", "second report"):
        assert secret.encode() not in blob, secret
    with zipfile.ZipFile(out) as z:
        seg = json.loads(z.read("custody.json"))
    assert {item["event"]["report"] for item in seg["events"]} == {mine}
    actions = [item["event"]["action"] for item in seg["events"]]
    assert "qualified" in actions and "status" not in actions

    r = run("verify", str(out), "--desk-key", fp)
    assert "[7] ok" in r.stdout and "nothing of other reports is carried" in r.stdout
    assert "bundle ok: 1 report verified" in r.stdout

    # A removed event in a bundle re-signed by a forger: named by `tysha verify`.
    from tests.verify.test_fuzz_bundle import FRESH, rebuild

    with zipfile.ZipFile(out) as z:
        m = {n: z.read(n) for n in z.namelist()}
    index = json.loads(m["bundle.json"])
    seg_raw = m["custody.json"]
    for n, drop_it in enumerate(("qualified", "export-started")):
        m["custody.json"] = resign_segment(seg_raw, FRESH, lambda evs, a=drop_it: [
            e for e in evs if e["action"] != a])
        forged = tmp_path / f"forged-{n}.zip"
        with zipfile.ZipFile(forged, "w") as z:
            for name, b in rebuild(m, index).items():
                z.writestr(name, b)
        bad = run("verify", str(forged), check=False)
        assert bad.returncode == 1 and "step 7" in bad.stderr, bad.stderr
        assert "were removed" in bad.stderr or "was removed" in bad.stderr, bad.stderr


def test_a_neighbours_guessed_body_cannot_be_confirmed_from_prev() -> None:
    """Version 2 events link over the previous event's *signed* form: knowing a bundle's event
    and guessing its undisclosed predecessor (action, report id, code) confirms nothing."""
    a = CustodyEvent(0, "t0", "qualified", "rB", {"code": "RS 8(2)(b)(xxii)"}, bytes(32),
                     report_prev=-1, v=2).signed(DESK)
    b = CustodyEvent(1, "t1", "status", "rA", {}, a.prev_for_next(2), report_prev=-1,
                     v=2).signed(DESK)
    guess = CustodyEvent(0, "t0", "qualified", "rB", {"code": "RS 8(2)(b)(xxii)"}, bytes(32),
                         report_prev=-1, v=2)
    assert b.prev != guess.digest() and b.prev == a.link_digest()
    assert verify_chain([a, b], DESK.public().sign) == b.link_digest()
    # The link covers the signature: a re-signed (altered) predecessor breaks it.
    a2 = CustodyEvent(0, "t0", "qualified", "rB", {"code": "RS 6(a)"}, bytes(32),
                      report_prev=-1, v=2).signed(DESK)
    with pytest.raises(VerificationError, match="does not link"):
        verify_chain([a2, b], DESK.public().sign)
    # Version markers are strict.
    with pytest.raises(ProtocolError):
        CustodyEvent.from_json({**b.to_json(), "v": 3})
    with pytest.raises(ProtocolError):
        CustodyEvent.from_json({**b.to_json(), "v": 1})


def test_step_7_does_not_call_custody_complete_where_a_removal_would_not_show() -> None:
    """A desk upgraded mid-log: an event removed among a report's older events (they carry no
    per-report link) is not detectable, and verify still said the events were 'in order and
    complete', adding only that they 'carry no per-report link'. It now says a removal among
    them would not show."""
    from tysha.evidence.bundle import BUNDLE_FORMAT, CUSTODY, BundleVerifier, Step

    prev, out = bytes(32), []
    for seq, link in enumerate([None, None, -1, 2]):
        ev = CustodyEvent(seq, "2026-01-01T00:00:00Z", "status" if seq < 3 else "export-started",
                          "rA", {}, prev, report_prev=link).signed(DESK)
        prev = ev.digest()
        out.append(ev.to_json())
    seg = build_segment(out, ["rA"], DESK)
    seg["events"] = [e for e in seg["events"] if e["event"]["seq"] != 1]  # one removed
    steps: list[Step] = []
    verifier = BundleVerifier(members=None)  # type: ignore[arg-type]
    verifier._step7({CUSTODY: canonical_json(seg)}, DESK.public(), BUNDLE_FORMAT, ["rA"],
                    steps.append)
    line = next(s.text for s in steps if s.status == "ok")
    assert ("1 older events carry no per-report link, so an event removed among them would "
            "not show") in line, line
