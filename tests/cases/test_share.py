"""Issue 12, the analyst compartment: a handler shares reports de-identified with an analyst
desk through a real drop; the analyst fetches and verifies them without learning who the
sources are, and two analysts cannot link their sources."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tysha.desk.service import Desk
from tysha.desk.share import source_label
from tysha.desk.web.app import create_app
from tysha.errors import BadInput, NotAllowed, ProtocolError, VerificationError
from tysha.protocol import (
    Attachment,
    CaptureAttestation,
    EnvelopeOpener,
    Identity,
    Manifest,
    frame_content,
    parse_header,
    seal_envelope,
    unwrap_slot,
)
from tysha.transport import DropClient

PASS = "share test passphrase"
SECRET_TEXT = "my neighbour Petro Hnatiuk saw the column"
CHILD = {"age_group": "child", "sex": "female", "note": "Olena Kovalenko, 9"}


class _Recording(DropClient):
    """A drop client that keeps every envelope it uploads (to grep their plaintext)."""

    sent: list[bytes] = []

    def upload(self, envelope: Any, progress: Any = None) -> Any:
        _Recording.sent.append(bytes(envelope))
        return super().upload(envelope, progress)


def _report(url: str, desk: Desk, inv: Any, ident: Identity, photo: bytes, text: str) -> None:
    sha = hashlib.sha256(photo).digest()
    claims = {"sha256": sha, "size": len(photo), "media_type": "image/jpeg",
              "device_time": "2026-03-01T08:00:00Z", "name": "IMG_0042_petro.jpg"}  # fmt: skip
    att = Attachment("IMG_0042_petro.jpg", "image/jpeg", len(photo), sha,
                     CaptureAttestation.create(ident, claims))  # fmt: skip
    body = {"categories": ["det"], "text": text, "when": "2026-03-01 08:00", "where": "Vasylivka"}
    m = Manifest("report", ident.public(), body, (att,), inv.secret).signed(ident)
    env = seal_envelope(frame_content(m.to_bytes()) + photo, [desk.store.public], os.urandom)
    with DropClient(url) as c:
        c.upload(env)


def _plaintext(env: bytes, analyst: Desk) -> bytes:
    header = parse_header(env)
    key = unwrap_slot(header, analyst.store.identity)
    return b"".join(EnvelopeOpener(header, key).body([env[header.size:]]))


@pytest.fixture
def world(tmp_path: Path, drop: tuple[str, str, Path]) -> dict[str, Any]:
    url, vkey, _ = drop
    Desk.init(tmp_path / "h", "Cell", PASS)
    handler = Desk.open(tmp_path / "h", PASS, client_factory=_Recording)
    inv = handler.invite(url, vkey)
    src_a, src_b = Identity.generate(os.urandom), Identity.generate(os.urandom)
    _report(url, handler, inv, src_a, b"\xff\xd8photo-one" * 50, SECRET_TEXT)
    _report(url, handler, inv, src_a, b"\xff\xd8photo-two" * 50, "second")
    inv2 = handler.invite(url, vkey)
    _report(url, handler, inv2, src_b, b"\xff\xd8photo-three" * 50, "third")
    handler.fetch()
    analysts, dirs = [], []
    for name in ("a1", "a2"):
        Desk.init(tmp_path / name, name, PASS, "analyst")
        a = Desk.open(tmp_path / name, PASS)
        a.watch_drop(url, vkey)
        a.pin_handler(handler.store.public.to_text())
        analysts.append(a)
        dirs.append(tmp_path / name)
    _Recording.sent = []
    return {"handler": handler, "analysts": analysts, "sources": (src_a, src_b), "dirs": dirs,
            "secrets": (inv.secret, inv2.secret)}


def _by_text(desk: Desk) -> dict[str, Any]:
    return {v.text: v for v in desk.reports()}


def test_share_is_de_identified_and_the_analyst_verifies_it(world: dict[str, Any]) -> None:
    handler, (a1, _), (src_a, _) = world["handler"], world["analysts"], world["sources"]
    assert all(sec for sec in world["secrets"])
    reports = _by_text(handler)
    first = reports[SECRET_TEXT]
    iid = handler.create_incident("Column", [first.id], "handler H")
    handler.add_act(iid, {"category": "chd", "victims": "1", "protected": [CHILD],
                          "reports": [first.id]}, "handler H")  # fmt: skip
    plan = handler.share_plan(a1.store.public.to_text(), [], incident=iid)  # text not approved
    res = handler.share(plan)
    assert res.sent == [first.id] and not res.errors
    [env] = _Recording.sent
    plain = _plaintext(env, a1)
    pub = src_a.public()
    for secret in (pub.to_text().encode(), pub.sign, pub.fingerprint().encode(),
                   first.source.encode(), *world["secrets"], b"Olena", b"Kovalenko", b"Petro", b"petro",
                   SECRET_TEXT.encode()):  # fmt: skip
        assert secret not in plain, secret
    m = Manifest.from_bytes(plain[4 : 4 + int.from_bytes(plain[:4], "big")])
    assert m.kind == "share" and m.enrolment is None and "text" not in m.body
    assert m.sender == handler.store.public
    assert all(a.attestation and a.attestation.signer == handler.store.public.sign
               for a in m.attachments)  # fmt: skip
    assert {e["action"] for e in handler.custody(first.id)} >= {"shared"}

    res = a1.fetch()
    assert len(res.new_reports) == 1 and not res.quarantined
    [v] = a1.reports()
    d = a1.store.get_report(v.id).data
    assert d["source_key"] is None and d["source_label"] == m.body["label"]
    assert d["shared_by"] == handler.fingerprint
    assert f"shared by {handler.fingerprint}" in (v.source or "")
    assert d["capture_verified"] and d["trusted"] and d["handler_checks"] == "capture receipt"
    assert v.text == "" and v.where == "Vasylivka"
    assert b"".join(a1.attachment_chunks(v.id, 0)) == b"\xff\xd8photo-one" * 50
    assert d["attachments"][0]["sha256"] == first.attachments[0].sha256
    # The analyst's desk has no sources, replies or invitations, even with a share in it.
    for call in (a1.sources, a1.invitations, lambda: a1.reply(v.id, "hi"),
                 lambda: a1.share_plan(handler.store.public.to_text(), [v.id])):  # fmt: skip
        with pytest.raises(NotAllowed):
            call()


def test_approved_text_goes_and_labels_count_sources_per_analyst(world: dict[str, Any]) -> None:
    handler, (a1, a2) = world["handler"], world["analysts"]
    ids = [v.id for v in handler.reports()]
    for a in (a1, a2):
        handler.share(handler.share_plan(a.store.public.to_text(), ids, text_approved=True))
        assert len(a.fetch().new_reports) == 3
    labels = []
    for a in (a1, a2):
        by = {v.text: a.store.get_report(v.id).data["source_label"] for v in a.reports()}
        assert set(by) == {SECRET_TEXT, "second", "third"}  # approved: the text went
        assert by[SECRET_TEXT] == by["second"] != by["third"]  # same source, same label
        labels.append(by)
        iid = a.create_incident("Case", [v.id for v in a.reports()], "analyst A")
        assert a.incident_summary(iid)["independent_sources"] == 2
    assert not set(labels[0].values()) & set(labels[1].values())  # unlinkable across analysts


def _shared_to_an_unpinned_analyst(
    handler: Desk, tmp_path: Path, drop: tuple[str, str, Path]
) -> tuple[Desk, list[str]]:
    """A new analyst desk ``a3`` that has not pinned ``handler``, after fetching the share of
    the handler's first report: the analyst desk and the ids shared."""
    Desk.init(tmp_path / "a3", "a3", PASS, "analyst")
    a3 = Desk.open(tmp_path / "a3", PASS)
    a3.watch_drop(drop[0], drop[1])
    ids = [v.id for v in handler.reports()][:1]
    handler.share(handler.share_plan(a3.store.public.to_text(), ids))
    a3.fetch()
    return a3, ids


def test_unpinned_handler_is_flagged_and_bad_input_changes_nothing(
    world: dict[str, Any], tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    handler = world["handler"]
    a3, ids = _shared_to_an_unpinned_analyst(handler, tmp_path, drop)
    [v] = a3.reports()
    assert v.flags and not a3.store.get_report(v.id).data["trusted"]
    before = len(handler.custody())
    for bad in ("not a key", handler.store.public.to_text()):
        with pytest.raises(BadInput):
            handler.share_plan(bad, ids)
    with pytest.raises(BadInput):
        handler.share_plan(a3.store.public.to_text(), [])
    assert len(handler.custody()) == before
    # A handler desk ignores shares sent to it; an analyst desk ignores reports.
    with pytest.raises(NotAllowed):
        handler.pin_handler(a3.store.public.to_text())


def test_share_manifest_vectors() -> None:
    """The pure core: a share needs a 64-hex label, refuses an enrolment secret and unknown
    fields, and a bit-flipped share fails its signature."""
    ident = Identity.generate(os.urandom)
    body = {"categories": ["det"], "label": "ab" * 32, "checks": "capture receipt"}
    raw = Manifest("share", ident.public(), body).signed(ident).to_bytes()
    assert Manifest.from_bytes(raw).body == body
    for bad in ({**body, "label": "AB" * 32}, {**body, "label": "ab"}, {**body, "source": "x"},
                {"categories": ["det"]}, {**body, "label": 5}):  # fmt: skip
        with pytest.raises(ProtocolError):
            Manifest("share", ident.public(), bad).signed(ident)
    with_enrolment = Manifest("share", ident.public(), body, (), os.urandom(16)).signed(ident)
    with pytest.raises(ProtocolError):
        Manifest.from_bytes(with_enrolment.to_bytes())
    flipped = bytearray(raw)
    flipped[raw.index(b"capture")] ^= 1
    with pytest.raises(VerificationError):
        Manifest.from_bytes(bytes(flipped))
    # The label: keyed, deterministic, different keys give unrelated labels.
    assert source_label(b"k" * 32, "key") == source_label(b"k" * 32, "key")
    assert source_label(b"k" * 32, "key") != source_label(b"j" * 32, "key")
    assert re.fullmatch(r"[0-9a-f]{64}", source_label(b"k" * 32, "key"))


def test_analyst_web_routes_refuse_sources_replies_invitations(world: dict[str, Any]) -> None:
    handler, (a1, _) = world["handler"], world["analysts"]
    handler.share(handler.share_plan(a1.store.public.to_text(), [handler.reports()[0].id]))
    a1.fetch()
    [v] = a1.reports()
    a1.close()
    with TestClient(create_app(world["dirs"][0], port=8090), base_url="http://127.0.0.1:8090") as c:
        r = c.post("/login", data={"passphrase": PASS}, follow_redirects=False)
        assert r.status_code == 303
        token = re.search(r'name="csrf" value="([^"]+)"', c.get("/").text).group(1)  # type: ignore[union-attr]
        assert c.get(f"/report/{v.id}").status_code == 200
        for path in ("/sources", "/invitations"):
            assert c.get(path).status_code == 403
        r = c.post(f"/report/{v.id}/reply", data={"csrf": token, "text": "hi"})
        assert r.status_code in (400, 403)
        r = c.post("/invitations", data={"csrf": token, "drop": "http://127.0.0.1:1", "drop_key": "x"})
        assert r.status_code in (400, 403)


def test_cli_share_then_analyst_fetch(world: dict[str, Any], tmp_path: Path) -> None:
    """`tysha desk share` without a terminal sends no free text unless --text-approved; usage
    errors change nothing; `tysha desk pin-handler` and `desk fetch` on the analyst side."""
    from tests.conftest import tysha

    handler, (a1, _) = world["handler"], world["analysts"]
    rid = _by_text(handler)[SECRET_TEXT].id
    env = {"TYSHA_PASSPHRASE": PASS}
    hdir, a1dir = tmp_path / "h", world["dirs"][0]
    akey = a1.store.public.to_text()
    r = tysha("desk", "share", "--desk", hdir, "--analyst", akey, env=env, check=False)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    r = tysha("desk", "share", "--desk", hdir, "--analyst", "nonsense", rid, env=env, check=False)
    assert r.returncode == 1 and "public key" in (r.stdout + r.stderr)
    assert not any(e["action"] == "shared" for e in handler.custody())
    r = tysha("desk", "share", "--desk", hdir, "--analyst", akey, rid, env=env)
    assert "1 report shared" in r.stdout and "text" not in r.stdout
    r = tysha("desk", "pin-handler", "--desk", a1dir, handler.store.public.to_text(), env=env)
    assert handler.fingerprint in r.stdout
    a1.close()
    tysha("desk", "fetch", "--desk", a1dir, env=env)
    out = tysha("desk", "list", "--desk", a1dir, "--json", env=env).stdout
    assert SECRET_TEXT not in out and "Vasylivka" in out


def test_analyst_court_bundle_verifies_and_says_whose_word(
    world: dict[str, Any], tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """A shared report exported by the analyst verifies offline, and `tysha verify` says the
    capture chain rests on the handler desk's re-attestation, not the source's signature."""
    from tests.conftest import tysha

    handler, (a1, _) = world["handler"], world["analysts"]
    handler.share(handler.share_plan(a1.store.public.to_text(), [handler.reports()[0].id]))
    a1.fetch()
    [v] = a1.reports()
    assert not v.flags  # pinned handler: no "unenrolled" flag on a share
    assert a1.export(tmp_path / "b.zip") == 1
    r = tysha("verify", tmp_path / "b.zip", "--desk-key", a1.store.public.to_text(),
              "--drop-key", drop[1])  # fmt: skip
    assert f"re-attestations of the originals hold (handler fingerprint {handler.fingerprint})" \
        in r.stdout
    assert "source fingerprint" not in r.stdout and "are the source's" not in r.stdout


def test_a_share_bundle_says_the_handler_desk_signed_it(
    world: dict[str, Any], tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """An analyst's court bundle of a shared report: README.txt said 'The source vouches for
    the text, categories, time, place and attachments' and report.html headed the incident
    'as the source signed it', while the handler desk signed it and the source's signature is
    not in the bundle. Both now say the handler desk signed it (with its fingerprint). A bundle
    an earlier analyst desk exported, its README and page in the source's words (the page also
    claiming an anchor the bundle lacks), still verifies, with step-3 notes saying so."""
    import hashlib
    import html
    import json
    import zipfile

    from tests.conftest import tysha
    from tysha.evidence.bundle import BUNDLE_DOMAIN, custody_by_report, summary_text
    from tysha.evidence.custody import canonical_json
    from tysha.evidence.report_html import render_report_html
    from tysha.protocol import sign_message

    handler, (a1, _) = world["handler"], world["analysts"]
    handler.share(handler.share_plan(a1.store.public.to_text(), [handler.reports()[0].id]))
    a1.fetch()
    out = tmp_path / "b.zip"
    assert a1.export(out) == 1
    with zipfile.ZipFile(out) as z:
        m = {n: z.read(n) for n in z.namelist()}
    readme = m["README.txt"].decode()
    page = html.unescape(m["report.html"].decode())
    fp = handler.fingerprint
    assert "The source vouches for" not in readme
    assert f"Shared by a handler desk, key fingerprint {fp}: it signed" in readme
    assert "the source's own signature is not in this bundle" in readme
    assert "Incident (as the source signed it)" not in page
    assert "Incident (as the handler desk that shared it signed it)" in page
    assert f"<th>Signed by the handler desk that shared it (key fingerprint)</th><td>{fp}</td>" \
        in page
    pins = ("--desk-key", a1.store.public.to_text(), "--drop-key", drop[1])
    r = tysha("verify", out, *pins)
    assert "[3] note" not in r.stdout.replace("[3] note  report.pdf", "")

    # As an earlier analyst desk exported it: the source's words, the page claiming an anchor.
    index = json.loads(m["bundle.json"])
    assert "anchor.json" not in m
    entries = [(rid, json.loads(m[f"reports/{rid}/report.json"]), []) for rid in index["reports"]]
    m["README.txt"] = summary_text(a1.store.name, a1.store.public.fingerprint(), index["drops"],
                                   entries, shares_as_source=True)
    m["report.html"] = render_report_html(
        lang="en", desk_name=a1.store.name, desk_fingerprint=a1.store.public.fingerprint(),
        drops=index["drops"], reports=entries, custody=custody_by_report(m["custody.json"]),
        anchored=True, shares_as_source=True)
    assert "The source vouches for the text," in m["README.txt"].decode()
    assert "Incident (as the source signed it)" in html.unescape(m["report.html"].decode())
    for n in ("README.txt", "report.html"):
        index["files"][n] = hashlib.sha256(m[n]).hexdigest()
    raw = canonical_json(index)
    m["bundle.json"] = raw
    m["bundle.sig"] = sign_message(a1.store.identity.sign_seed, BUNDLE_DOMAIN, raw).hex().encode()
    earlier = tmp_path / "earlier.zip"
    with zipfile.ZipFile(earlier, "w") as z:
        for n, b in m.items():
            z.writestr(n, b)
    r = tysha("verify", earlier, *pins)
    [rid] = index["reports"]
    for name in ("README.txt", "report.html"):
        assert (f"[3] note  {name} says the source vouches for every report's words, as earlier "
                f"desks wrote it: reports {rid} were shared by a handler desk, which signed them; "
                "the source's own signature is not in this bundle (step 6)") in r.stdout
    assert "[3] note  report.html says the custody head is anchored" in r.stdout
    assert "bundle ok: 1 report verified offline" in r.stdout


# --- the handler's flags travel with the share (a reviewer found they did not) ----------------


def _login(desk_dir: Path, **kw: Any) -> tuple[TestClient, str]:
    c = TestClient(create_app(desk_dir, port=8090, **kw), base_url="http://127.0.0.1:8090")
    c.__enter__()
    assert c.post("/login", data={"passphrase": PASS}, follow_redirects=False).status_code == 303
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/").text)
    assert token is not None
    return c, token.group(1)


def test_a_revoked_sources_report_stays_flagged_at_the_analyst(
    world: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report whose source the handler revoked after intake: the flag shows at the handler's
    preview (web and terminal), travels in the share, and the analyst desk shows it as the
    handler's on its report page, in ``desk show`` and ``desk list``: not trusted. Before, the
    share carried only the stored intake checks and the analyst showed it trusted, unflagged."""
    from tests.conftest import tysha
    from tysha.desk.cli import _preview

    handler, (a1, _) = world["handler"], world["analysts"]
    first = _by_text(handler)[SECRET_TEXT]
    [sid] = {s.id for s in handler.sources() if s.pseudonym == first.source}
    handler.revoke(sid, "phone seized")
    assert handler.report(first.id).flag_codes == ["revoked-source"]
    akey = a1.store.public.to_text()

    plan = handler.share_plan(akey, [first.id])
    [item] = plan.items
    assert item["body"]["flags"] == "revoked-source"
    assert item["body"]["checks"] == "capture receipt"  # what the handler's view verified
    assert [f.code for f in item["flags"]] == ["revoked-source"]
    _preview(plan, with_text=False)
    assert "FLAG revoked-source: The sender's key has been revoked" in capsys.readouterr().out

    handler.close()
    c, token = _login(world["dirs"][0].parent / "h", client_factory=_Recording)
    r = c.post("/share/preview", data={"csrf": token, "analyst": akey, "reports": first.id})
    assert r.status_code == 200
    flags = re.search(r'<dd class="share-flags">(.*?)</dd>', r.text, re.S)
    assert flags and "revoked key" in flags.group(1)
    assert "has been revoked as compromised" in flags.group(1)
    fields = {m.group(1): m.group(2) for m in
              re.finditer(r'<input type="hidden" name="([a-z]+)" value="([^"]*)"', r.text)}  # fmt: skip
    r = c.post("/share", data=fields)
    assert r.status_code == 200 and "1 report sealed and sent" in r.text
    c.__exit__(None, None, None)

    res = a1.fetch()
    assert len(res.new_reports) == 1 and not res.quarantined
    [v] = a1.reports()
    assert not v.trusted and v.flag_codes == ["shared-revoked-source"]
    assert "handler desk that shared this report flagged it" in v.flags[0].reason
    d = a1.store.get_report(v.id).data
    assert d["handler_flags"] == ["revoked-source"] and d["trusted"] is False
    a1.close()

    env = {"TYSHA_PASSPHRASE": PASS}
    out = tysha("desk", "show", "--desk", world["dirs"][0], v.id, env=env).stdout
    assert "FLAG shared-revoked-source: The handler desk that shared this report flagged it" in out
    assert re.search(r"trusted:\s+NO", out)
    listed = tysha("desk", "list", "--desk", world["dirs"][0], "--json", env=env).stdout
    assert '"shared-revoked-source"' in listed and '"trusted": false' in listed
    c, _ = _login(world["dirs"][0])
    page = c.get(f"/report/{v.id}").text
    assert "Do not rely on this report" in page and "handler: revoked key" in page
    assert "handler: revoked key" in c.get("/").text  # the inbox row
    c.__exit__(None, None, None)


def _send_share(url: str, handler: Desk, analyst: Desk, body: dict[str, Any]) -> None:
    """A share body exactly as given (not checked on the way out), signed by the handler."""
    from tysha.protocol.manifest import _MANIFEST_DOMAIN

    m = Manifest("share", handler.store.public, body)
    m = Manifest("share", m.sender, body, (), None,
                 handler.store.identity.sign(_MANIFEST_DOMAIN, m._signed_fields()))  # fmt: skip
    env = seal_envelope(frame_content(m.to_bytes()), [analyst.store.public], os.urandom)
    with DropClient(url) as c:
        c.upload(env)


def test_an_old_share_without_flags_still_opens(
    world: dict[str, Any], drop: tuple[str, str, Path]
) -> None:
    """A share from a handler desk before ``flags`` existed opens as before: trusted when its
    ``checks`` vouch for capture and receipt, flagged as the handler's when they do not; a
    record stored before ``handler_flags`` existed reads the same."""
    handler, (a1, _) = world["handler"], world["analysts"]
    old = {"categories": ["det"], "label": "ab" * 32, "shared_at": "2026-03-01T08:00:00Z",
           "to": a1.store.public.fingerprint()}  # (one without ``to``: the test below)
    _send_share(drop[0], handler, a1, {**old, "checks": "capture receipt", "where": "vouched"})
    _send_share(drop[0], handler, a1, {**old, "checks": "capture", "where": "no receipt"})
    res = a1.fetch()
    assert len(res.new_reports) == 2 and not res.quarantined
    by = {v.where: v for v in a1.reports()}
    assert by["vouched"].trusted and not by["vouched"].flags
    assert by["no receipt"].flag_codes == ["shared-receipt-unverified"]
    assert not by["no receipt"].trusted and by["no receipt"].capture_verified
    for v in by.values():
        d = a1.store.get_report(v.id).data
        assert d["handler_flags"] == []
        del d["handler_flags"]
        a1.store._update_report(v.id, d)
        assert a1.report(v.id).flag_codes == v.flag_codes


def test_hostile_share_flags_are_refused_or_flagged_never_trusted(
    world: dict[str, Any], drop: tuple[str, str, Path]
) -> None:
    """``flags`` of the wrong type, malformed, repeated or huge: the manifest is refused (the
    envelope set aside, nothing stored, no crash); a well-formed code this desk does not know
    is kept as ``shared-other``, never dropped: the report is not trusted."""
    handler, (a1, _) = world["handler"], world["analysts"]
    ident = handler.store.identity
    body = {"categories": ["det"], "label": "ab" * 32, "checks": "capture receipt",
            "to": a1.store.public.fingerprint()}  # fmt: skip
    bad_values: list[Any] = [
        5, ["revoked-source"], {"revoked-source": 1}, None, b"revoked-source",
        "x" * 401, " ".join(f"code-{n}" for n in range(17)), "revoked-source revoked-source",
        "Revoked-Source", "revoked-source  log-forked", " revoked-source", "revoked_source",
        "revoked-source\nlog-forked", "r",
    ]  # fmt: skip
    for bad in bad_values:
        with pytest.raises(ProtocolError):
            Manifest("share", ident.public(), {**body, "flags": bad}).signed(ident)
    for ok in ("", "revoked-source log-forked", "a-code-from-a-newer-desk"):
        raw = Manifest("share", ident.public(), {**body, "flags": ok}).signed(ident).to_bytes()
        assert Manifest.from_bytes(raw).body["flags"] == ok

    for bad in bad_values[:3] + ["x" * 5000]:
        _send_share(drop[0], handler, a1, {**body, "flags": bad})
    _send_share(drop[0], handler, a1, {**body, "flags": "made-up-flag revoked-source"})
    res = a1.fetch()
    assert len(res.quarantined) == 4 and len(res.new_reports) == 1
    [v] = a1.reports()
    assert v.flag_codes == ["shared-revoked-source", "shared-other"] and not v.trusted
    assert "for a reason this desk does not know" in v.flags[1].reason


def test_a_share_forwarded_to_another_analyst_is_refused(world: dict[str, Any]) -> None:
    """A share names the analyst desk it was sealed for, under the handler's signature: an
    analyst that re-seals what it received to a second analyst desk (or anyone holding its
    plaintext) cannot make the second desk take it as the pinned handler's share to it.
    Before, the second desk stored it as trusted, "shared by" the handler, with the first
    analyst's label: one source counted as two independent sources, and a text the handler
    approved for one analyst shown at another."""
    handler, (a1, a2) = world["handler"], world["analysts"]
    first = _by_text(handler)[SECRET_TEXT]
    handler.share(handler.share_plan(a1.store.public.to_text(), [first.id], text_approved=True))
    [env] = _Recording.sent
    plain = _plaintext(env, a1)
    m = Manifest.from_bytes(plain[4 : 4 + int.from_bytes(plain[:4], "big")])
    assert m.body["to"] == a1.store.public.fingerprint()
    handler.share(handler.share_plan(a2.store.public.to_text(), [first.id]))
    forwarded = seal_envelope(plain, [a2.store.public], os.urandom)
    with DropClient(handler.drops()[0]["url"]) as c:
        c.upload(forwarded)
    res = a2.fetch()
    assert len(res.new_reports) == 1 and len(res.quarantined) == 1
    assert "another desk" in res.quarantined[0]
    [v] = a2.reports()
    assert v.text == "" and v.trusted
    iid = a2.create_incident("Column", [v.id], "analyst B")
    assert a2.incident_summary(iid)["independent_sources"] == 1


def test_one_report_that_cannot_be_sealed_does_not_stop_the_others(
    world: dict[str, Any],
) -> None:
    """An original that no longer matches its hash (a damaged blob) keeps that one report
    back, named in the errors; the reports before and after it are sent and said to be sent.
    Before, the error ended the share there: the reports already uploaded were in custody as
    shared while the handler was told only that the share failed, and the rest never went."""
    handler, (a1, _) = world["handler"], world["analysts"]
    by = _by_text(handler)
    ids = [by[SECRET_TEXT].id, by["second"].id, by["third"].id]
    d = handler.store.get_report(ids[1]).data
    d["attachments"][0]["sha256"] = "00" * 32
    handler.store._update_report(ids[1], d)
    res = handler.share(handler.share_plan(a1.store.public.to_text(), ids))
    assert res.sent == [ids[0], ids[2]]
    [err] = res.errors
    assert err.startswith(f"report {ids[1]}: ") and "no longer matches its hash" in err
    shared = [e["report"] for e in handler.custody() if e["action"] == "shared"]
    assert sorted(shared) == sorted([ids[0], ids[2]])
    assert len(a1.fetch().new_reports) == 2


def test_cli_share_names_every_report_kept_back(world: dict[str, Any], tmp_path: Path) -> None:
    """`tysha desk share` of three reports, two of them damaged: one is shared, and each of the
    two kept back is named (only the last one was)."""
    from tests.conftest import tysha

    handler, (a1, _) = world["handler"], world["analysts"]
    by = _by_text(handler)
    ids = [by[SECRET_TEXT].id, by["second"].id, by["third"].id]
    for rid in ids[1:]:
        d = handler.store.get_report(rid).data
        d["attachments"][0]["sha256"] = "00" * 32
        handler.store._update_report(rid, d)
    env = {"TYSHA_PASSPHRASE": PASS}
    akey = a1.store.public.to_text()
    r = tysha("desk", "share", "--desk", tmp_path / "h", "--analyst", akey, *ids,
              "--text-approved", env=env, check=False)  # fmt: skip
    assert r.returncode == 1
    assert "1 report shared with their text" in r.stdout, r.stdout
    assert all(f"report {rid}" in r.stderr for rid in ids[1:]), r.stderr



def test_a_revocation_the_handler_shares_later_taints_that_sources_earlier_shares(
    world: dict[str, Any],
) -> None:
    """The analyst holds a share of source A's report, trusted. The handler then revokes A's
    key and shares A's second report, which carries 'revoked-source': the label (A's key, at
    this analyst) is now known revoked, and the earlier share, from the same key, is flagged
    too and no longer counted as an independent source (as the handler's own desk taints
    every earlier report of a revoked key). Before, it stayed trusted beside the flagged one.
    Another source's share and another handler's word are untouched."""
    handler, (a1, _) = world["handler"], world["analysts"]
    by = _by_text(handler)
    akey = a1.store.public.to_text()
    handler.share(handler.share_plan(akey, [by[SECRET_TEXT].id, by["third"].id],
                                     text_approved=True))  # fmt: skip
    a1.fetch()
    assert all(v.trusted for v in a1.reports())
    [sid] = {s.id for s in handler.sources() if s.pseudonym == by["second"].source}
    handler.revoke(sid, "phone seized")
    handler.share(handler.share_plan(akey, [by["second"].id], text_approved=True))
    a1.fetch()
    views = _by_text(a1)
    assert views["second"].flag_codes == ["shared-revoked-source"]
    assert views[SECRET_TEXT].flag_codes == ["shared-revoked-source"]  # the same key, earlier
    assert views["third"].trusted  # another source
    iid = a1.create_incident("Case", [v.id for v in views.values()], "analyst A")
    s = a1.incident_summary(iid)
    assert s["independent_sources"] == 1 and s["flagged_reports"] == 2
    # Restored at the handler and shared again: the latest word of the handler lifts the
    # inferred flag, never the flag a share carried itself.
    handler.restore(sid, "phone returned")
    handler.share(handler.share_plan(akey, [by["second"].id], text_approved=True))
    a1.fetch()
    after = {v.id: v.flag_codes for v in a1.reports()}
    assert after[views[SECRET_TEXT].id] == [] and after[views["second"].id] == [
        "shared-revoked-source"
    ]
    handler.close()
    a1.close()


def test_shares_that_came_before_the_handler_was_pinned_are_trusted_once_it_is(
    world: dict[str, Any], tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """Shares from a handler desk the analyst had not pinned yet are flagged; once the analyst
    pins that key (compared in person), they are that handler's word like every later share:
    the flag said "never enrolled at this desk" for good before, a false statement that also
    kept them out of every count of independent sources."""
    handler = world["handler"]
    Desk.init(tmp_path / "a3", "a3", PASS, "analyst")
    a3 = Desk.open(tmp_path / "a3", PASS)
    a3.watch_drop(drop[0], drop[1])
    ids = [v.id for v in handler.reports()]
    handler.share(handler.share_plan(a3.store.public.to_text(), ids, text_approved=True))
    a3.fetch()
    assert all(v.flag_codes == ["unenrolled-source"] for v in a3.reports())
    a3.pin_handler(handler.store.public.to_text())
    assert all(v.trusted for v in a3.reports())
    iid = a3.create_incident("Case", [v.id for v in a3.reports()], "analyst")
    assert a3.incident_summary(iid)["independent_sources"] == 2
    handler.close()
    a3.close()


def test_the_analyst_desks_report_page_offers_no_reply(world: dict[str, Any]) -> None:
    """An analyst desk's report page offered "Reply to the source" and "Send encrypted reply"
    for a share: an analyst has no source to answer, and the reply was refused after it was
    typed."""
    handler, (a1, _) = world["handler"], world["analysts"]
    handler.share(handler.share_plan(a1.store.public.to_text(), [handler.reports()[0].id]))
    a1.fetch()
    [v] = a1.reports()
    a1.close()
    with TestClient(create_app(world["dirs"][0], port=8090), base_url="http://127.0.0.1:8090") as c:
        assert c.post("/login", data={"passphrase": PASS}, follow_redirects=False).status_code == 303
        page = c.get(f"/report/{v.id}").text
    assert f'action="/report/{v.id}/reply"' not in page and "Reply to the source" not in page
    assert "Custody log" in page


def _forked_drop(tmp_path: Path, data: Path) -> Any:
    """A second history under the drop's own log key (a split view), served on its own port."""
    import shutil

    from tysha.drop.launcher import threaded_drop

    forked = tmp_path / "forked-drop"
    forked.mkdir()
    for name in ("log.key", "drop.json"):
        shutil.copy(data / name, forked / name)
    return threaded_drop(tmp_path / "forked-run", data_dir=forked)


def test_a_share_receipt_from_another_history_is_a_fork_not_shared(
    world: dict[str, Any], tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """A drop that answered a share with a receipt from another history (the handler shown
    one log, the analyst another) had the handler told "shared" and custody say so, though
    the analyst would never see it. The receipt's log is checked against the one the desk
    verified: a fork is recorded (the drop flagged, a custody event), the share is not said
    sent, and nothing more is shared through that drop."""
    handler, (a1, _) = world["handler"], world["analysts"]
    first = _by_text(handler)[SECRET_TEXT]
    with _forked_drop(tmp_path, drop[2]) as (furl, _fvkey, _):
        with DropClient(furl) as c:  # the other history: other entries under the same key
            for _ in range(5):
                c.upload(seal_envelope(b"other history", [Identity.generate(os.urandom).public()],
                                       os.urandom))
        split = Desk(handler.store, client_factory=lambda url: DropClient(furl))
        res = split.share(split.share_plan(a1.store.public.to_text(), [first.id]))
    assert res.sent == [] and len(res.errors) == 1 and "FORK" in res.errors[0], res.errors
    assert handler.store.drops()[0].forked
    actions = [e["action"] for e in handler.custody()]
    assert "fork-detected" in actions and "shared" not in actions
    # Nothing more goes through a drop known to fork its log (none is uploaded).
    _Recording.sent = []
    with pytest.raises(NotAllowed, match="forked"):
        handler.share(handler.share_plan(a1.store.public.to_text(), [first.id]))
    assert _Recording.sent == []


def test_a_share_from_an_unpinned_handler_says_so_not_that_its_source_is_unknown(
    world: dict[str, Any], tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """A share from a handler desk the analyst has not pinned was flagged "The sender's key
    was never enrolled at this desk": the analyst read it as a doubt about the source, when
    what is missing is the analyst's own pin of the handler (and nothing said how to lift it).
    The reason now says the sharing handler desk is not pinned here, and what to do."""
    handler = world["handler"]
    a3, _ids = _shared_to_an_unpinned_analyst(handler, tmp_path, drop)
    handler.close()
    [v] = a3.reports()
    [flag] = v.flags
    assert flag.code == "unenrolled-source"  # the code scripts read is kept
    assert "not pinned at this analyst desk" in flag.reason and "pin-handler" in flag.reason
    a3.close()
    c, _token = _login(tmp_path / "a3")
    page = c.get(f"/report/{v.id}").text
    uk = c.get(f"/report/{v.id}?lang=uk").text
    c.__exit__(None, None, None)
    assert "not pinned at this analyst desk" in page and "never enrolled" not in page
    assert "не закріплене на цьому робочому місці аналітика" in uk and "desk pin-handler" in uk


def test_an_older_share_fetched_late_does_not_lift_a_later_revocation(
    world: dict[str, Any],
    tmp_path: Path,
    drop: tuple[str, str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The handler shares source A's report, then revokes A's key (a seized phone) and shares
    A's next report, flagged. The analyst took "the latest share" to be the last one it
    happened to fetch: the older share arriving after (through another drop fetched later, or
    a slow one) lifted the revocation, and every share of the seized key was trusted again.
    The handler's signed share time decides which word is the latest."""
    from tysha.drop.launcher import threaded_drop

    handler = world["handler"]
    by = _by_text(handler)
    url1, vkey1, _ = drop
    with threaded_drop(tmp_path / "d2") as (url2, vkey2, _d2):
        handler.watch_drop(url2, vkey2)
        Desk.init(tmp_path / "a3", "a3", PASS, "analyst")
        a3 = Desk.open(tmp_path / "a3", PASS)
        a3.pin_handler(handler.store.public.to_text())
        akey = a3.store.public.to_text()
        # The older word (A not revoked) through drop 1, the newer (A revoked) through drop 2,
        # five minutes apart by the handler's clock.
        import tysha.desk.share

        monkeypatch.setattr(tysha.desk.share, "now_iso", lambda: "2026-03-01T10:00:00Z")
        assert handler.share(handler.share_plan(akey, [by[SECRET_TEXT].id]), url1).sent
        [sid] = {s.id for s in handler.sources() if s.pseudonym == by["second"].source}
        handler.revoke(sid, "phone seized")
        monkeypatch.setattr(tysha.desk.share, "now_iso", lambda: "2026-03-01T10:05:00Z")
        assert handler.share(handler.share_plan(akey, [by["second"].id]), url2).sent
        a3.watch_drop(url2, vkey2)
        a3.fetch()  # the newer share first
        a3.watch_drop(url1, vkey1)
        a3.fetch()  # then the older one
        flags = [v.flag_codes for v in a3.reports()]
        a3.close()
    # Both shares are of the seized key: both flagged, the older one by the later word.
    assert flags == [["shared-revoked-source"]] * 2, flags


def test_a_share_naming_no_analyst_is_readable_but_flagged_never_trusted(
    world: dict[str, Any], drop: tuple[str, str, Path]
) -> None:
    """A share without ``to`` (a handler desk from before the field) does not say which analyst
    desk it was sealed for: anyone holding one such share's plaintext (the analyst it went to,
    or whoever took it from there) can seal it again to another analyst desk. Before, every
    analyst desk took it as the pinned handler's share to it, trusted, and counted its label
    as an independent source. Now it opens (old genuine shares stay readable) but is flagged
    ``unaddressed-share`` wherever the report is shown, and counted apart."""
    handler, (a1, a2) = world["handler"], world["analysts"]
    old = {"categories": ["det"], "label": "ab" * 32, "shared_at": "2026-03-01T08:00:00Z",
           "checks": "capture receipt", "where": "Vasylivka"}  # fmt: skip
    _send_share(drop[0], handler, a1, old)  # what the handler sent to the first analyst
    _send_share(drop[0], handler, a2, old)  # the same signed plaintext, sealed to another
    for analyst, folder in zip((a1, a2), world["dirs"], strict=True):
        res = analyst.fetch()
        assert len(res.new_reports) == 1 and not res.quarantined
        [v] = analyst.reports()
        assert v.where == "Vasylivka" and v.flag_codes == ["unaddressed-share"]
        assert not v.trusted and "sealed again" in v.flags[0].reason
        assert not analyst.store.get_report(v.id).data["trusted"]
        iid = analyst.create_incident("Column", [v.id], "analyst")
        summary = analyst.incident_summary(iid)
        assert summary["independent_sources"] == 0 and summary["flagged_reports"] == 1
        assert summary["flag_codes"] == ["unaddressed-share"]
        c, _ = _login(folder)
        assert "not addressed to this desk" in c.get("/").text  # the inbox row
        page = c.get(f"/report/{v.id}").text
        assert "not addressed to this desk" in page and "sealed again" in page
        c.__exit__(None, None, None)
    # A share that names this analyst desk is trusted as before.
    first = _by_text(handler)[SECRET_TEXT]
    handler.share(handler.share_plan(a1.store.public.to_text(), [first.id]))
    [rid] = a1.fetch().new_reports
    assert a1.report(rid).trusted and not a1.report(rid).flags


def test_independent_sources_are_counted_by_handler_and_label(
    world: dict[str, Any], tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """An analyst desk counted an incident's independent sources by the share's label alone:
    two pinned handler desks whose labels were the same (copied, or made to collide) counted
    as one source, what the desk then tells a prosecutor. A label names a source only at the
    handler desk that made it: sources are now counted by (handler desk, label)."""
    handler, (a1, _) = world["handler"], world["analysts"]
    Desk.init(tmp_path / "h2", "Cell 2", PASS)
    other = Desk.open(tmp_path / "h2", PASS)
    a1.pin_handler(other.store.public.to_text())
    body = {"categories": ["det"], "label": "cd" * 32, "shared_at": "2026-03-01T08:00:00Z",
            "checks": "capture receipt", "to": a1.store.public.fingerprint()}  # fmt: skip
    _send_share(drop[0], handler, a1, {**body, "where": "first handler"})
    _send_share(drop[0], other, a1, {**body, "where": "second handler"})
    _send_share(drop[0], handler, a1, {**body, "where": "first handler again"})
    res = a1.fetch()
    assert len(res.new_reports) == 3 and not res.quarantined
    by = {v.where: v for v in a1.reports()}
    assert all(v.trusted for v in by.values())
    both = a1.create_incident("Two handlers", [by["first handler"].id,
                              by["second handler"].id], "analyst")  # fmt: skip
    assert a1.incident_summary(both)["independent_sources"] == 2
    same = a1.create_incident("One handler", [by["first handler"].id,
                              by["first handler again"].id], "analyst")  # fmt: skip
    assert a1.incident_summary(same)["independent_sources"] == 1
    other.close()
