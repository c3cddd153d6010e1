"""The Desk service against a real drop: hostile envelopes, a lying drop, the reply outbox,
revoke/restore, one-time codes, id prefixes, errors by meaning."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tysha.desk.service import Desk
from tysha.errors import (
    BadInput,
    BadPassphrase,
    NotAllowed,
    NotFound,
    TransportError,
)
from tysha.protocol import (
    Attachment,
    CaptureAttestation,
    Identity,
    Manifest,
    frame_content,
    seal_envelope,
)
from tysha.protocol import cbor as _cbor
from tysha.transport import DropClient

PASS = "desk passphrase for tests"


def _desk(tmp_path: Path, drop: tuple[str, str, Path], **kw: Any) -> tuple[Desk, Any]:
    url, vkey, _ = drop
    Desk.init(tmp_path / "desk", "Cell", PASS)
    desk = Desk.open(tmp_path / "desk", PASS, **kw)
    return desk, desk.invite(url, vkey)


def _attest(ident: Identity, claims: dict[Any, Any]) -> CaptureAttestation:
    """Sign claims as a source would, bypassing the friendly constructor's checks (an
    attacker holds a key and writes the CBOR it likes)."""
    from tysha.protocol.objects import _ATTEST_DOMAIN

    return CaptureAttestation(claims, ident.public().sign,
                              ident.sign(_ATTEST_DOMAIN, _cbor.encode(claims)))


def _send(url: str, desk: Desk, inv: Any, ident: Identity, body: dict[str, Any],
          files: list[tuple[bytes, dict[Any, Any]]] = ()) -> None:  # type: ignore[assignment]
    atts = []
    for data, extra in files:
        sha = hashlib.sha256(data).digest()
        claims = {"sha256": sha, "size": len(data), "media_type": "image/jpeg", **extra}
        atts.append(Attachment("p.jpg", "image/jpeg", len(data), sha, _attest(ident, claims)))
    m = Manifest("report", ident.public(), body, tuple(atts), inv.secret).signed(ident)
    content = frame_content(m.to_bytes()) + b"".join(d for d, _ in files)
    env = seal_envelope(content, [desk.store.public], os.urandom)
    with DropClient(url) as c:
        c.upload(env)


def _files(root: Path) -> int:
    return sum(1 for p in (root / "blobs").iterdir())


def _body(**kw: Any) -> dict[str, Any]:
    return {"categories": ["det"], "text": "t", "when": "", "where": "", "created_at": "", **kw}


def test_hostile_envelopes_never_block_the_desk(tmp_path: Path, drop: tuple[str, str, Path]) -> None:
    """Issue 9.1: wrong-typed manifest fields and claims, signed and sealed to the desk's real
    key, are quarantined; the good report sent after them arrives; nothing is left behind."""
    url = drop[0]
    desk, inv = _desk(tmp_path, drop)
    ident = Identity.generate(os.urandom)
    for cats in (None, 7, True):
        _send(url, desk, inv, ident, _body(categories=cats))
    _send(url, desk, inv, ident, _body(), [(b"jpeg-ish", {"exif": {b"k": 1}})])  # bytes key, nested
    _send(url, desk, inv, ident, _body(), [(b"jpeg-ish", {b"raw": 1})])  # bytes key, top level
    _send(url, desk, inv, ident, _body(), [(b"jpeg-ish", {"note": [b"\x00\x01"]})])  # bytes value
    _send(url, desk, inv, ident, _body(text=5))
    _send(url, desk, inv, ident, _body(text="the good report"))
    res = desk.fetch()
    texts = sorted(v.text for v in desk.reports())
    assert "the good report" in texts
    # The bytes claim value is kept as hex; the six malformed ones are quarantined.
    assert len(res.quarantined) == 6, res.quarantined
    q = desk.store.quarantined()
    assert len(q) == 6 and all(set(x.to_json()) == {"id", "drop", "index", "digest", "reason", "at"}
                               for x in q)
    assert sum(e["action"] == "quarantined" for e in desk.custody()) == 6
    assert not any("the good report" in json.dumps(x.to_json()) for x in q)  # no plaintext
    # Only the two stored reports' blobs remain (envelope + attachment, envelope), and
    # fetching again neither retries nor grows the folder.
    before = _files(tmp_path / "desk")
    assert before == 3
    again = desk.fetch()
    assert again.new_reports == [] and again.quarantined == [] and again.errors == []
    assert _files(tmp_path / "desk") == before
    desk.close()


class _Lying(DropClient):
    mode = "stall"

    def clues(self, after: int = -1, limit: int = 1000) -> Any:
        records, nxt, size = super().clues(after, limit)
        if self.mode == "stall":
            return [], after, size  # never advances
        if self.mode == "far":
            return [], 10**15, size  # a cursor far past the log
        if self.mode == "omit":
            return records[1:], nxt, size
        return records, nxt, size


def test_lying_listing_cannot_hang_or_push_the_cursor_past_the_log(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """Issue 9.6: a listing that never advances ends the fetch with an error and a custody
    event; a cursor far ahead is never stored past the checkpoint; an honest drop afterwards
    delivers what the stalled one hid."""
    url = drop[0]
    desk, inv = _desk(tmp_path, drop, client_factory=_Lying)
    ident = Identity.generate(os.urandom)
    _send(url, desk, inv, ident, _body(text="hidden while the drop lies"))
    _Lying.mode = "stall"
    res = desk.fetch()
    assert res.new_reports == [] and any("does not advance" in e or "stops at" in e
                                         for e in res.errors)
    assert "listing-anomaly" in [e["action"] for e in desk.custody()]
    assert desk.store.drops()[0].cursor == -1
    _Lying.mode = "honest"
    assert len(desk.fetch().new_reports) == 1
    _send(url, desk, inv, ident, _body(text="second"))
    _Lying.mode = "far"
    desk.fetch()
    d = desk.store.drops()[0]
    assert d.cursor <= d.cp_size - 1
    desk.close()


def test_reply_outbox_survives_an_unreachable_drop(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """Issue 10.5: a reply written while the drop is unreachable is queued, sealed, and sent
    by send_queued (and by fetch) once the drop answers."""
    url = drop[0]
    desk, inv = _desk(tmp_path, drop)
    ident = Identity.generate(os.urandom)
    _send(url, desk, inv, ident, _body(text="needs an answer"))
    desk.fetch()
    rid = desk.reports()[0].id

    class Down(DropClient):
        def upload(self, envelope: Any, progress: Any = None) -> Any:
            raise TransportError("cannot reach the drop: ConnectError")

    offline = Desk(desk.store, client_factory=Down)
    out = offline.reply(rid[:4], "we read you")
    assert not out.sent and "unreachable" in out.error
    assert [q.text for q in offline.outbox()] == ["we read you"]
    # Sealed at rest: the text is not in the database file in clear.
    assert b"we read you" not in (tmp_path / "desk" / "desk.db").read_bytes()
    assert offline.send_queued().left == 1
    sent = desk.send_queued()
    assert len(sent.sent) == 1 and desk.outbox() == []
    r = desk.report(rid)
    assert r.replies[0]["sent_at"] and r.replies[0]["at"].endswith("Z")
    assert r.replies[0]["at"][14:19] != "00:00" or r.replies[0]["at"] == r.replies[0]["sent_at"]
    # The source's key receives it: the envelope in the drop opens with the source key.
    from tysha.protocol import open_envelope

    idx = r.replies[0]["index"]
    with DropClient(url) as c:
        env = c.fetch_bytes(idx)
    opened = open_envelope(env, ident)
    assert b"we read you" in opened.content
    actions = [e["action"] for e in desk.custody(rid)]
    assert "reply-queued" in actions and "replied" in actions
    desk.close()


def test_revoke_restore_totp_prefix_and_errors(tmp_path: Path, drop: tuple[str, str, Path]) -> None:
    url, vkey, _ = drop
    desk, inv = _desk(tmp_path, drop)
    ident = Identity.generate(os.urandom)
    _send(url, desk, inv, ident, _body(text="one"))
    desk.fetch()
    v = desk.reports()[0]
    assert v.trusted
    desk.revoke("Source 1", "phone seized at a checkpoint")
    assert desk.report(v.id).flag_codes == ["revoked-source"]  # taints reports received before
    with pytest.raises(NotAllowed):
        desk.revoke("Source 1")
    desk.restore("Source 1", "phone was returned unopened")
    assert desk.report(v.id).trusted
    details = [e["detail"] for e in desk.custody() if e["action"].startswith("source-")]
    assert [d.get("reason") for d in details[-2:]] == ["phone seized at a checkpoint",
                                                       "phone was returned unopened"]
    # Id prefixes: unambiguous works, unknown is NotFound.
    assert desk.report(v.id[:3]).id == v.id
    with pytest.raises(NotFound):
        desk.report("zzzz")
    with pytest.raises(BadInput):
        desk.report("")
    # TOTP: a code works once; its time step never again (issue 9.7).
    from tysha.desk.service import _totp

    desk.enable_totp()
    secret = bytes.fromhex(desk.store.get_setting("totp"))
    now = 1_800_000_000.0
    code = _totp(secret, int(now // 30))
    assert desk.check_totp(code, now) and not desk.check_totp(code, now)
    assert not desk.check_totp(_totp(secret, int(now // 30) - 1), now)  # older step: refused
    assert desk.check_totp(_totp(secret, int(now // 30) + 1), now + 30)
    assert not desk.check_totp("12345x", now)
    # Errors by meaning.
    desk.close()
    with pytest.raises(BadPassphrase):
        Desk.open(tmp_path / "desk", "not the passphrase")
    with pytest.raises(NotFound):
        Desk.open(tmp_path / "nowhere", PASS)
    with pytest.raises(NotFound):
        Desk.info(tmp_path / "nowhere")
    Desk.init(tmp_path / "escrow", "Escrow", PASS, role="escrow")
    with Desk.open(tmp_path / "escrow", PASS) as escrow, pytest.raises(NotAllowed):
        escrow.invite(url, vkey)
    with pytest.raises(NotAllowed):
        Desk.init(tmp_path / "escrow", "again", PASS)
    with pytest.raises(BadInput):
        Desk.init(tmp_path / "short", "x", "short")
