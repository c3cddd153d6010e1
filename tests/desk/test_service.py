"""The Desk service against a real drop: hostile envelopes, a lying drop, the reply outbox,
revoke/restore, one-time codes, id prefixes, errors by meaning."""

from __future__ import annotations

import dataclasses
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
    from tysha.protocol.capture import _ATTEST_DOMAIN

    return CaptureAttestation(claims, ident.public().sign,
                              ident.sign(_ATTEST_DOMAIN, _cbor.encode(claims)))


def _send(url: str, desk: Desk, inv: Any, ident: Identity, body: dict[str, Any],
          files: list[tuple[bytes, dict[Any, Any]]] = ()) -> None:  # type: ignore[assignment]
    atts = []
    for data, extra in files:
        sha = hashlib.sha256(data).digest()
        claims = {"sha256": sha, "size": len(data), "media_type": "image/jpeg", **extra}
        atts.append(Attachment("p.jpg", "image/jpeg", len(data), sha, _attest(ident, claims)))
    # Signed as an attacker would: the friendly ``signed()`` refuses a malformed body (the
    # pure core's check), so the signature is made over the raw fields directly.
    from dataclasses import replace

    from tysha.protocol.manifest import _MANIFEST_DOMAIN

    m = Manifest("report", ident.public(), body, tuple(atts), inv.secret)
    m = replace(m, signature=ident.sign(_MANIFEST_DOMAIN, m._signed_fields()))
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
    # Malformed manifests (wrong-typed categories or text, a bytes key among the top-level
    # claims) are quarantined. A wrong-typed claim nested inside a well-formed claim set is
    # dropped by the pure core's check and the report arrives flagged (issue 9.14: keep the
    # rest), as is an unknown claim name holding bytes.
    assert len(res.quarantined) == 5, res.quarantined
    q = desk.store.quarantined()
    assert [x["index"] for x in desk.quarantined()] == [x.index for x in q]
    assert len(q) == 5 and all(set(x.to_json()) == {"id", "drop", "index", "digest", "reason", "at"}
                               for x in q)
    assert sum(e["action"] == "quarantined" for e in desk.custody()) == 5
    assert len(res.new_reports) == 3
    assert sum(any(f.code == "implausible-claims" for f in v.flags) for v in desk.reports()) == 2
    assert not any("the good report" in json.dumps(x.to_json()) for x in q)  # no plaintext
    # Only the three stored reports' blobs remain (two with an attachment), and fetching
    # again neither retries nor grows the folder.
    before = _files(tmp_path / "desk")
    assert before == 5
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
        if self.mode == "creep":
            return [], after + 1, size  # advances one entry a page: thousands of requests
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
    with DropClient(url) as c:  # other people's envelopes first
        for _ in range(6):
            c.upload(seal_envelope(b"x" * 40, [Identity.generate(os.urandom).public()], os.urandom))
    _send(url, desk, inv, ident, _body(text="hidden while the drop lies"))
    _Lying.mode = "stall"
    res = desk.fetch()
    assert res.new_reports == [] and any("does not advance" in e or "stops at" in e
                                         for e in res.errors)
    assert "listing-anomaly" in [e["action"] for e in desk.custody()]
    assert desk.store.drops()[0].cursor == -1
    _Lying.mode = "creep"
    res = desk.fetch()
    assert res.new_reports == [] and any("too slowly" in e for e in res.errors)
    # Three pages, then cut off; the entries it crept over without listing are omissions
    # (issue 9.6, verifiable listing): withheld, and the cursor stays before them.
    assert [w.split(": ")[1] for w in res.withheld] == ["entry 0 WITHHELD", "entry 1 WITHHELD",
                                                        "entry 2 WITHHELD"]
    assert desk.store.drops()[0].cursor == -1
    desk.store.save_drop(dataclasses.replace(desk.store.drops()[0], cursor=-1))
    _Lying.mode = "honest"
    assert len(desk.fetch().new_reports) == 1
    _send(url, desk, inv, ident, _body(text="second"))
    _Lying.mode = "far"
    desk.fetch()
    d = desk.store.drops()[0]
    assert d.cursor <= d.cp_size - 1
    desk.close()


def _a_report_to_answer(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> tuple[str, Desk, str, Identity]:
    """A desk that fetched one report asking for an answer: (the drop's URL, the desk, the
    report id, the source's identity)."""
    url = drop[0]
    desk, inv = _desk(tmp_path, drop)
    ident = Identity.generate(os.urandom)
    _send(url, desk, inv, ident, _body(text="needs an answer"))
    desk.fetch()
    return url, desk, desk.reports()[0].id, ident


def test_reply_outbox_survives_an_unreachable_drop(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """Issue 10.5: a reply written while the drop is unreachable is queued, sealed, and sent
    by send_queued (and by fetch) once the drop answers."""
    url, desk, rid, ident = _a_report_to_answer(tmp_path, drop)

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


def test_the_custody_event_of_a_sent_reply_names_what_the_drop_logged(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """"replied" said only "envelope_index 1": not on which drop, nor which envelope, so no
    one could check it against a log (as "received" can: drop, index, digest). It names the
    drop and the envelope's digest, and the drop's log holds that digest at that index."""
    url, desk, rid, _ident = _a_report_to_answer(tmp_path, drop)
    out = desk.reply(rid, "we read you")
    [event] = [e for e in desk.custody(rid) if e["action"] == "replied"]
    detail = event["detail"]
    assert detail["drop"] == url and detail["envelope_index"] == out.index
    with DropClient(url) as c:
        logged = c.fetch_bytes(out.index)
    assert detail["digest"] == hashlib.sha256(logged).hexdigest()
    desk.close()


def test_no_reply_goes_to_a_key_this_desk_never_enrolled(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """A second key presenting a used invitation (a photographed code: an infiltrator) is kept,
    flagged "not enrolled here", and the handler could still answer it: the reply went to
    whoever held that key, as a revoked one is refused for. Refused, nothing queued or sent."""
    url = drop[0]
    desk, inv = _desk(tmp_path, drop)
    _send(url, desk, inv, Identity.generate(os.urandom), _body(text="needs an answer"))
    desk.fetch()
    [rid] = [r.id for r in desk.reports()]
    _send(url, desk, inv, Identity.generate(os.urandom), _body(text="who else reports here?"))
    desk.fetch()
    [theirs] = [r for r in desk.reports() if r.id != rid]
    assert "invitation-reused" in theirs.flag_codes or "unenrolled-source" in theirs.flag_codes
    with pytest.raises(NotAllowed, match="not enrolled at this desk"):
        desk.reply(theirs.id, "we know; stay safe")
    assert desk.outbox() == []
    assert "reply-queued" not in [e["action"] for e in desk.custody(theirs.id)]
    assert desk.reply(rid, "the enrolled source is answered").sent
    desk.close()


class _FakeIds:
    class store:  # noqa: N801 - stands in for the DeskStore attribute
        ids: list[str] = []

        @classmethod
        def report_ids(cls) -> list[str]:
            return cls.ids

    def __init__(self, ids: list[str]) -> None:
        self.store.ids = ids


def test_revoke_restore_totp_prefix_and_errors(tmp_path: Path, drop: tuple[str, str, Path]) -> None:
    url, vkey, _ = drop
    desk, inv = _desk(tmp_path, drop)
    ident = Identity.generate(os.urandom)
    _send(url, desk, inv, ident, _body(text="one"))
    desk.fetch()
    v = desk.reports()[0]
    assert v.trusted
    _send(url, desk, inv, ident, _body(text="older event", when="2020-05-01T10:00:00+03:00"))
    _send(url, desk, inv, ident, _body(text="newer event", when="2024-05-01"))
    desk.fetch()
    assert [x.text for x in desk.reports(sort="event")] == ["newer event", "older event", "one"]
    assert desk.reports(sort="event")[1].event_time == "2020-05-01T07:00:00Z"
    with pytest.raises(BadInput):
        desk.reports(sort="sideways")
    desk.revoke("Source 1", "phone seized at a checkpoint")
    assert desk.report(v.id).flag_codes == ["revoked-source"]  # taints reports received before
    assert all(not x.trusted for x in desk.reports())
    with pytest.raises(NotAllowed):
        desk.revoke("Source 1")
    desk.restore("Source 1", "phone was returned unopened")
    assert desk.report(v.id).trusted
    details = [e["detail"] for e in desk.custody() if e["action"].startswith("source-")]
    assert [d.get("reason") for d in details[-2:]] == ["phone seized at a checkpoint",
                                                       "phone was returned unopened"]
    # Id prefixes: unambiguous works, ambiguous is BadInput, unknown is NotFound.
    # (The ids are random: the prefixes are computed from the ids there are, never assumed.)
    other = desk.store.add_report(os.urandom(32), {"received_at": "2026-01-01T00:00:00Z"})
    ids = [x.id for x in desk.reports()]
    assert other in ids
    unique = next(v.id[:k] for k in range(1, len(v.id)) if
                  [i for i in ids if i.startswith(v.id[:k])] == [v.id])
    assert desk.report(unique).id == v.id
    common = os.path.commonprefix([v.id, other])
    if common:
        shared = sum(i.startswith(common) for i in ids)
        with pytest.raises(BadInput, match=f"start of {shared} report ids"):
            desk.report(common)
    with pytest.raises(BadInput, match="start of 2 report ids"):
        Desk.resolve(_FakeIds(["ab12", "ab34"]), "ab")  # type: ignore[arg-type]
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


def test_gone_refused_and_failing_downloads(tmp_path: Path, drop: tuple[str, str, Path]) -> None:
    """A live-listed envelope the drop then calls gone (404/410) is WITHHELD (the cursor
    stays before it, it is asked for again); another refusal is quarantined; a drop that
    fails (5xx, unreachable) is retried from that envelope."""
    from tysha.errors import DropRefused

    url = drop[0]

    class Flaky(DropClient):
        answer: dict[int, int] = {}

        def download(self, index: int, sink: Any, progress: Any = None) -> int:
            status = self.answer.get(index)
            if status == 1:  # the envelope, then bytes that never end (here: 1 MiB more)
                import io

                buf = io.BytesIO()
                super().download(index, buf)
                sink.write(buf.getvalue())
                for _ in range(16):
                    sink.write(b"\0" * 65536)
                return 0
            if status == 503:
                raise TransportError("the drop failed (503)")
            if status:
                raise DropRefused(f"refused ({status})", status=status)
            return super().download(index, sink, progress)

    desk, inv = _desk(tmp_path, drop, client_factory=Flaky)
    ident = Identity.generate(os.urandom)
    for n in range(5):
        _send(url, desk, inv, ident, _body(text=f"r{n}"))
    Flaky.answer = {0: 410, 1: 400, 2: 1, 3: 503}
    res = desk.fetch()
    assert res.skipped == 0 and len(res.quarantined) == 2 and res.new_reports == []
    assert "longer than its header says" in res.quarantined[1]
    assert [w.split(": ", 1)[1] for w in res.withheld] == [
        "entry 0 WITHHELD: listed as live, but the drop answers that it is gone (410)"
    ]
    assert desk.store.drops()[0].cursor == -1  # never past the entry called gone
    assert _files(tmp_path / "desk") == 0
    Flaky.answer = {}
    res = desk.fetch()
    # Entry 0 is asked for again (and arrives); the quarantined ones are not taken again.
    assert sorted(v.text for v in desk.reports()) == ["r0", "r3", "r4"]
    assert res.withheld == [] and len(res.quarantined) == 0
    desk.close()


def _a_reply_queued_while_the_drop_is_down(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> tuple[Desk, str, list[bytes], type[DropClient]]:
    """A desk with a report and a reply to it queued while its drop could not be reached:
    (the desk, the report id, the envelopes uploaded since, a client class that records them)."""
    _url, desk, rid, _ident = _a_report_to_answer(tmp_path, drop)
    uploads: list[bytes] = []

    class Down(DropClient):
        def upload(self, envelope: Any, progress: Any = None) -> Any:
            raise TransportError("cannot reach the drop: ConnectError")

    class Counting(DropClient):
        def upload(self, envelope: Any, progress: Any = None) -> Any:
            uploads.append(envelope)
            return super().upload(envelope, progress)

    assert not Desk(desk.store, client_factory=Down).reply(rid, "meet at the old place").sent
    return desk, rid, uploads, Counting


def test_no_reply_goes_to_a_revoked_key(tmp_path: Path, drop: tuple[str, str, Path]) -> None:
    """A key revoked as compromised is held by whoever seized the phone: a reply sealed to it
    is theirs to read. A reply written to it is refused, one queued before the revocation is
    held (not uploaded, the reason kept), and goes once the handler restores the key."""
    desk, rid, uploads, Counting = _a_reply_queued_while_the_drop_is_down(tmp_path, drop)
    desk.revoke("Source 1", "phone seized at a checkpoint")
    online = Desk(desk.store, client_factory=Counting)
    with pytest.raises(NotAllowed, match="revoked"):
        online.reply(rid, "are you safe?")
    res = online.send_queued()
    assert uploads == [] and res.sent == [] and res.left == 0 and res.held == 1
    assert [q.text for q in online.outbox()] == ["meet at the old place"]
    assert online.outbox()[0].last_error and "revoked" in online.outbox()[0].last_error
    assert "are you safe?" not in json.dumps([q.text for q in online.outbox()])
    online.fetch()  # fetch sends the outbox too: still held
    assert uploads == [] and len(online.outbox()) == 1
    # 'desk send' says it is held (not "still queued" for an unreachable drop, no failure).
    from tests.conftest import tysha

    env = {"TYSHA_PASSPHRASE": PASS, "TYSHA_LANG": "en"}
    out = tysha("desk", "send", "--desk", tmp_path / "desk", env=env)
    assert "0 still queued, 1 held: its source's key is revoked" in out.stdout
    out = tysha("desk", "send", "--desk", tmp_path / "desk", "--json", env=env)
    assert json.loads(out.stdout)["held"] == 1 and uploads == []
    online.restore("Source 1", "phone was returned unopened")
    assert online.send_queued().sent == [rid] and len(uploads) == 1
    desk.close()


def test_desk_show_says_a_reply_to_a_revoked_key_is_held_as_the_web_desk_does(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """`desk show` said "(QUEUED)" of a reply held because its source's key was revoked, as if
    the next fetch would send it; the web desk's report page says "held: the key is revoked"."""
    from tests.conftest import tysha

    desk, rid, _uploads, _counting = _a_reply_queued_while_the_drop_is_down(tmp_path, drop)
    desk.revoke("Source 1", "phone seized at a checkpoint")
    desk.close()
    for lang, held in (("en", "held: the key is revoked"), ("uk", "затримано: ключ відкликано")):
        env = {"TYSHA_PASSPHRASE": PASS, "TYSHA_LANG": lang}
        shown = tysha("desk", "show", rid, "--desk", tmp_path / "desk", env=env).stdout
        [line] = [ln for ln in shown.splitlines() if "meet at the old place" in ln]
        assert held in line and "QUEUED" not in line and "У ЧЕРЗІ" not in line, line


def test_no_reply_goes_through_a_drop_known_to_have_forked_its_log(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """A drop caught showing this desk a history inconsistent with the one it saw before is
    flagged forked: fetch takes nothing more from it, yet replies still went through it and
    the handler read "reply sent; in the drop's log at index N", a log the source may never
    be shown. A new reply is refused, a queued one is kept (not uploaded), each saying why."""
    desk, rid, uploads, Counting = _a_reply_queued_while_the_drop_is_down(tmp_path, drop)
    [d] = desk.store.drops()
    desk.store.save_drop(dataclasses.replace(d, forked=True))
    online = Desk(desk.store, client_factory=Counting)
    with pytest.raises(NotAllowed, match="forked"):
        online.reply(rid, "are you safe?")
    res = online.send_queued()
    assert uploads == [] and res.sent == [] and res.left == 1
    assert "forked" in online.outbox()[0].last_error
    assert [q.text for q in online.outbox()] == ["meet at the old place"]
    desk.close()
    from starlette.testclient import TestClient

    from tysha.desk.web.app import create_app

    with TestClient(create_app(tmp_path / "desk", port=8090), base_url="http://127.0.0.1:8090") as c:
        assert c.post("/login", data={"passphrase": PASS}).status_code == 200
        page = c.get(f"/report/{rid}").text
    assert f'action="/report/{rid}/reply"' not in page and 'id="reply-forked"' in page


def _damage_sources(folder: Path) -> None:
    """Flip a bit in every source's sealed record (bit rot, a bad copy)."""
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(folder / "desk.db")) as db, db:
        for sid, enc in db.execute("SELECT id, enc FROM sources").fetchall():
            raw = bytearray(enc)
            raw[40] ^= 1
            db.execute("UPDATE sources SET enc = ? WHERE id = ?", (bytes(raw), sid))


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_reply_held_for_a_damaged_source_record_is_not_said_revoked(
    tmp_path: Path, drop: tuple[str, str, Path], lang: str
) -> None:
    """A source whose record no longer decrypts holds its replies (its revocation cannot be
    read), rightly, but every surface said 'its source's key is revoked': the handler went to
    restore a key nobody revoked, found nothing to restore, and never learnt that a backup
    would send the reply."""
    from tests.conftest import tysha
    from tysha.i18n import translations

    desk, rid, uploads, Counting = _a_reply_queued_while_the_drop_is_down(tmp_path, drop)
    _damage_sources(tmp_path / "desk")
    online = Desk(desk.store, client_factory=Counting)
    with pytest.raises(NotAllowed, match="record of this source is damaged") as refused:
        online.reply(rid, "are you safe?")
    assert "revoked as compromised" not in str(refused.value)
    res = online.send_queued()
    assert uploads == [] and res.held == 1 and res.held_damaged == 1
    (q,) = online.outbox()
    assert "damaged" in q.last_error and "revoked as compromised" not in q.last_error

    env = {"TYSHA_PASSPHRASE": PASS, "TYSHA_LANG": lang}
    out = tysha("desk", "send", "--desk", tmp_path / "desk", env=env).stdout
    tr = translations(lang)
    damaged = tr.ngettext(
        "{n} held: its source's record is damaged (restore the desk folder from your backup to "
        "send it)",
        "{n} held: their sources' records are damaged (restore the desk folder from your "
        "backup to send them)",
        1,
    ).format(n=1)
    revoked = tr.ngettext(
        "{n} held: its source's key is revoked (restore the key to send it)",
        "{n} held: their sources' keys are revoked (restore a key to send its replies)",
        1,
    ).format(n=1)
    assert damaged in out and revoked not in out, out
    assert uploads == []
    desk.close()


def test_a_report_whose_when_is_words_is_filtered_by_the_day_it_was_received(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """The browser page's "when" is a free field ("вчора ввечері"): the date filters compared
    its first ten characters with the dates as text, so a date range that holds the day it
    was received left it out (and a range after it kept it)."""
    import datetime as dt

    url, _vkey, _ = drop
    desk, inv = _desk(tmp_path, drop)
    ident = Identity.generate(os.urandom)
    _send(url, desk, inv, ident, _body(text="words", when="вчора ввечері"))
    _send(url, desk, inv, ident, _body(text="dated", when="2020-05-01T10:00"))
    desk.fetch()
    received = desk.reports(search="words")[0].received_at[:10]
    later = (dt.date.fromisoformat(received) + dt.timedelta(days=1)).isoformat()
    assert [v.text for v in desk.reports(since=received, until=received)] == ["words"]
    assert [v.text for v in desk.reports(since=later)] == []
    assert [v.text for v in desk.reports(until="2020-05-01")] == ["dated"]
    desk.close()
