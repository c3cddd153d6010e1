"""The pure evidence core: taxonomy, report model, custody chain."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from tysha.errors import ProtocolError, VerificationError
from tysha.evidence.custody import CustodyEvent, canonical_json, verify_chain
from tysha.evidence.report import Act, Event, LegalQualification, event_from_report
from tysha.evidence.taxonomy import (
    CATEGORIES,
    IHL_BASIS,
    QUALIFICATIONS,
    category,
    label,
    qualification,
    qualifications_for,
)
from tysha.protocol import Identity

CODES = ["dep", "chd", "mob", "det", "tor", "fil", "sxv", "kil", "atk", "pil", "shd", "per", "other"]


def test_categories_are_the_cli_codes_with_three_languages() -> None:
    assert [c.code for c in CATEGORIES] == CODES
    for c in CATEGORIES:
        assert c.en and c.uk and c.ru and c.uk != c.en
    assert category("MOB").code == "mob" and category("nonsense").code == "other"
    assert label("det", "uk") == "затримали / зникла людина" and label("det", "fr") == category("det").en
    assert set(IHL_BASIS) == set(CODES)


def test_qualifications_follow_taxonomy_md() -> None:
    codes = {q.code for q in QUALIFICATIONS}
    for must in ("RS 8(2)(a)(v)", "RS 8(2)(b)(xv)", "RS 8(2)(b)(xxvi)", "RS 7(1)(d)", "RS 6(e)",
                 "RS 8(2)(b)(xxii)", "RS 7(1)(g)", "RS 7(1)(f)", "RS 7(1)(i)", "RS 7(1)(h)",
                 "RS 8(2)(a)(i)", "RS 8(2)(b)(ix)", "RS 8(2)(b)(xvi)", "RS 8(2)(b)(xxiii)"):
        assert must in codes
    assert {q.code for q in qualifications_for("fil")} >= {"RS 8(2)(a)(ii)", "RS 8(2)(a)(vii)",
                                                          "RS 8(2)(b)(viii)", "RS 7(1)(e)"}
    assert all(q.categories for q in QUALIFICATIONS)
    assert qualification("CCU 442").verify and not qualification("RS 7(1)(d)").verify
    verify_marked = {b.code for bs in IHL_BASIS.values() for b in bs if b.verify}
    assert {"HR Art. 45", "CRC Arts 7-8", "GC IV Art. 28"} <= verify_marked


def test_report_model_keeps_category_and_qualification_apart() -> None:
    q = LegalQualification("RS 7(1)(i)", "medium", "analyst A", "2026-01-02")
    ev = event_from_report("r1", {"categories": ["fil", "det", "bogus"], "text": "t",
                                   "qualifications": [q.to_json()], "source_id": "s1",
                                   "attachments": [{"sha256": "ab"}]})
    assert ev.categories == ["fil", "det", "other"]
    assert [a.qualifications for a in ev.acts] == [(q,), (q,), ()]
    assert Event.from_json(ev.to_json()) == ev and ev.sources == ("s1",) and ev.evidence == ("ab",)
    ev2 = ev.qualify("det", LegalQualification("RS 8(2)(a)(viii)", "low", "B", "2026-01-03"))
    assert len(ev2.acts[1].qualifications) == 2 and ev2.acts[0] == ev.acts[0]
    with pytest.raises(ProtocolError):
        LegalQualification("RS 99", "low", "A", "d")
    with pytest.raises(ProtocolError):
        LegalQualification("RS 7(1)(i)", "certain", "A", "d")
    with pytest.raises(ProtocolError):
        Act("xyz")
    with pytest.raises(ProtocolError):
        ev.qualify("kil", q)
    assert LegalQualification("CCU 442", "low", "A", "d").unverified_article


def test_custody_chain_detects_edits_drops_and_foreign_keys() -> None:
    desk, other = Identity.generate(os.urandom), Identity.generate(os.urandom)
    evs: list[CustodyEvent] = []
    prev = bytes(32)
    for i, action in enumerate(["received", "verified", "status", "exported"]):
        ev = CustodyEvent(i, f"2026-01-01T00:00:0{i}Z", action, "r1", {"n": i}, prev).signed(desk)
        evs.append(ev)
        prev = ev.digest()
    assert verify_chain(evs, desk.public().sign) == prev
    assert [CustodyEvent.from_json(e.to_json()) for e in evs] == evs
    assert canonical_json({"b": 1, "a": "ї"}) == '{"a":"ї","b":1}'.encode()
    with pytest.raises(VerificationError):
        verify_chain([evs[0], evs[2], evs[3]])
    with pytest.raises(VerificationError):
        verify_chain([evs[0], replace(evs[1], detail={"n": 7}), *evs[2:]])
    with pytest.raises(VerificationError):
        verify_chain(evs, other.public().sign)
    forged = CustodyEvent(1, evs[1].at, "verified", "r1", {"n": 1}, evs[0].digest()).signed(other)
    with pytest.raises(VerificationError):
        verify_chain([evs[0], forged, *evs[2:]], desk.public().sign)
