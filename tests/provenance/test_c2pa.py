"""C2PA manifests: photos signed here (a test CA and an ES256 leaf made with pyca/cryptography,
signed with c2pa-python), sent by a source, fetched through a real drop, shown by `desk show`,
the web report page and `tysha verify`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.provenance.helpers import (
    Bundle,
    SigningCA,
    c2pa_sign,
    flip_pixels,
    make_ca,
    pgp_key,
    photo,
    proofmode_bundle,
    sha,
)
from tysha.desk.provenance import c2pa_check
from tysha.evidence.provenance import c2pa_media_type, c2pa_record

DESK_PASS = "provenance desk passphrase"
SRC_PASS = "provenance source passphrase"


@pytest.fixture(scope="module")
def ca() -> SigningCA:
    return make_ca()


@pytest.fixture(scope="module")
def signed(ca: SigningCA) -> bytes:
    return c2pa_sign(photo(3, (96, 64)), ca)


def test_states_of_a_signed_photo(ca: SigningCA, signed: bytes) -> None:
    trust = ca.ca_pem.decode()
    untrusted = c2pa_check(signed, "image/jpeg", attachment=0)
    assert untrusted.state == "untrusted-signer" and untrusted.signature_ok
    assert untrusted.errors == ("signature valid, signer not in the desk's trust list",)
    assert untrusted.signer == "Tysha test camera" and untrusted.issuer == "Tysha test"
    assert untrusted.claim_generator == "tysha-test-camera 1.0"
    assert untrusted.claims["actions"] == "c2pa.created" and untrusted.media_sha256 == sha(signed)
    good = c2pa_check(signed, "image/jpeg", trust_pem=trust)
    assert good.state == "valid" and good.errors == ()
    # Another CA in the trust list: the signature holds, the signer is not trusted.
    other = c2pa_check(signed, "image/jpeg", trust_pem=make_ca("Elsewhere").ca_pem.decode())
    assert other.state in ("untrusted-signer", "invalid") and other.state != "valid"
    bad = c2pa_check(flip_pixels(signed), "image/jpeg", trust_pem=trust)
    assert bad.state == "invalid"
    assert any(e.startswith("assertion.dataHash.mismatch") for e in bad.errors), bad.errors
    assert c2pa_check(photo(4), "image/jpeg").state == "absent"
    # PNG too (its manifest in a caBX chunk)
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(buf, "PNG")
    png = c2pa_sign(buf.getvalue(), ca, "x.png", "image/png")
    assert c2pa_media_type(png[:16]) == "image/png"
    assert c2pa_check(png, "image/png", trust_pem=trust).state == "valid"
    assert c2pa_check(b"\xff\xd8\xff" + b"x" * 200, "image/jpeg").state == "absent"
    # A manifest cut short is a manifest that cannot be read: invalid, never a traceback.
    cut = c2pa_check(signed[: len(signed) // 2], "image/jpeg", trust_pem=trust)
    assert cut.state == "invalid" and cut.errors
    # A camera-signed photo whose manifest segments were moved out of APP11 (mangled on the
    # way): the reader finds no manifest, but the file carries the C2PA label. "absent" showed
    # nothing at all, as for any plain photo; it is "invalid", with the reason.
    moved = c2pa_check(signed.replace(b"\xff\xeb", b"\xff\xec"), "image/jpeg", trust_pem=trust)
    assert moved.state == "invalid", moved
    assert moved.errors == ("the manifest cannot be read: the file carries the C2PA label, "
                            "but no manifest the reader can find",)  # fmt: skip


def test_media_type_by_content() -> None:
    assert c2pa_media_type(photo(1)[:16]) == "image/jpeg"
    assert c2pa_media_type(b"\x89PNG\r\n\x1a\n" + b"\0" * 8) == "image/png"
    assert c2pa_media_type(b"\0\0\0\x18ftypmp42" + b"\0" * 4) == "video/mp4"
    assert c2pa_media_type(b"<html>") is None and c2pa_media_type(b"") is None


def test_mapping_of_hostile_reader_output() -> None:
    # Whatever shape the library's JSON has, the mapping gives a record and never raises.
    for manifest, results in ((None, None), ({"signature_info": "x"}, {"activeManifest": 3}),
                              ({"claim_generator_info": [5], "assertions": [None, {"label": 1}]},
                               {"activeManifest": {"failure": [None, {"code": "x"}]}})):
        r = c2pa_record(media_sha256="", attachment=None, state="Invalid", manifest=manifest,
                        results=results)
        assert r.state == "invalid"
    assert c2pa_record(media_sha256="", attachment=None, state="Trusted", manifest={},
                       results={"activeManifest": {"failure": [{"code": "claimSignature.mismatch"}]}}
                       ).state == "invalid"
    assert c2pa_record(media_sha256="", attachment=None, state=None, manifest=None, results=None,
                       error="absent").state == "absent"


def _fetch_desk(tmp_path: Path, drop: tuple[str, str, Path], cli: Any, ca: SigningCA,
                files: dict[str, bytes]) -> tuple[Path, str, dict[str, str]]:
    url, vkey, _ = drop
    desk = tmp_path / "desk"
    denv, senv = {"TYSHA_PASSPHRASE": DESK_PASS}, {"TYSHA_PASSPHRASE": SRC_PASS}
    cli("desk", "init", "--desk", str(desk), "--name", "Provenance cell", env=denv)
    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(ca.ca_pem)
    assert "1 C2PA trust anchor" in cli("desk", "c2pa-trust", "--desk", str(desk), str(anchors),
                                        env=denv).stdout
    code = cli("desk", "invite", "--desk", str(desk), "--drop", url, "--drop-key", vkey,
               env=denv).stdout.strip()
    vault = tmp_path / "v.vault"
    cli("source", "init", "--vault", str(vault), "--size", "8MiB", env=senv)
    cli("source", "enroll", "--vault", str(vault), "--invitation", code, env=senv)
    args = ["source", "report", "--vault", str(vault), "--category", "fil", "--text",
            "Photos of the shelling", "--where", "market"]
    for name, data in files.items():
        p = tmp_path / name
        p.write_bytes(data)
        args += ["--attach", str(p)]
    cli(*args, env=senv)
    cli("source", "send", "--vault", str(vault), "--now", env=senv)
    cli("desk", "fetch", "--desk", str(desk), env=denv)
    listing = json.loads(cli("desk", "list", "--desk", str(desk), "--json", env=denv).stdout)
    rows = listing["reports"] if isinstance(listing, dict) else listing
    return desk, rows[0]["id"], denv


def test_fetch_checks_c2pa_show_web_bundle(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any, ca: SigningCA, signed: bytes
) -> None:
    tampered = flip_pixels(c2pa_sign(photo(5, (96, 64)), ca, "other.jpg"))
    plain = photo(6)
    desk, rid, denv = _fetch_desk(tmp_path, drop, cli, ca, {
        "signed.jpg": signed, "tampered.jpg": tampered, "plain.jpg": plain})

    # desk show: per attachment the state, issuer, claim generator, reason
    shown = cli("desk", "show", "--desk", str(desk), rid, env=denv).stdout
    att = {int(n): block for n, block in re.findall(r"attachment (\d+): (.*?)(?=\n  attachment |\n  custody:)",
                                                    shown, re.S)}
    assert "C2PA: VALID  signer Tysha test camera, issuer Tysha test, made by tysha-test-camera 1.0" in att[0]
    assert "C2PA: INVALID" in att[1] and "reason: assertion.dataHash.mismatch" in att[1]
    assert "C2PA" not in att[2]  # no manifest: nothing recorded
    doc = json.loads(cli("desk", "show", "--desk", str(desk), rid, "--json", env=denv).stdout)
    assert [(p["attachment"], p["state"]) for p in doc["provenance"]] == [(0, "valid"), (1, "invalid")]
    checked = [e["detail"] for e in doc["custody"] if e["action"] == "c2pa-checked"]
    assert [(d["attachment"], d["state"]) for d in checked] == [(0, "valid"), (1, "invalid")]
    # The report itself is not flagged by provenance: the source's capture signature holds.
    assert doc["capture_verified"] is True
    # ... but no list says of it that all its checks passed (the inbox said "✓ all checks
    # passed", desk list "-" as for a clean report): a credential that does not hold is said.
    row = next(ln for ln in cli("desk", "list", "--desk", str(desk), env=denv).stdout.splitlines()
               if rid[:8] in ln)
    assert "- (credential invalid)" in row
    listed = json.loads(cli("desk", "list", "--desk", str(desk), "--json", env=denv).stdout)
    assert [r["capture_credentials"] for r in listed if r["id"] == rid] == [["invalid"]]
    assert doc["flag_codes"] == [] and "capture_credentials" in doc

    # a ProofMode bundle about the plain photo, through the web upload form
    key = pgp_key()
    zipped = proofmode_bundle(plain, key).zip()
    from starlette.testclient import TestClient

    from tysha.desk.web.app import create_app

    with TestClient(create_app(desk, port=8090), base_url="http://127.0.0.1:8090") as c:
        assert c.post("/login", data={"passphrase": DESK_PASS}, follow_redirects=False).status_code == 303
        page = c.get(f"/report/{rid}").text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert page.count('data-kind="c2pa"') == 2
        assert 'data-kind="c2pa" data-state="valid"' in page
        assert 'data-kind="c2pa" data-state="invalid"' in page and "assertion.dataHash.mismatch" in page
        assert "Tysha test camera" in page and "tysha-test-camera 1.0" in page
        assert 'action="/report/' + rid + '/provenance"' in page
        inbox = c.get("/").text
        assert "capture credential invalid" in inbox and "all checks passed" not in inbox
        # a forged CSRF token changes nothing
        r = c.post(f"/report/{rid}/provenance", data={"csrf": "forged"},
                   files={"bundle": ("proof.zip", zipped, "application/zip")})
        assert r.status_code == 403
        assert 'data-kind="proofmode"' not in c.get(f"/report/{rid}").text
        # not a zip: a clear message, nothing imported
        r = c.post(f"/report/{rid}/provenance", data={"csrf": token},
                   files={"bundle": ("proof.zip", b"PK\x03\x04broken", "application/zip")})
        assert r.status_code == 400 and "Not imported:" in r.text and "not a readable zip" in r.text
        r = c.post(f"/report/{rid}/provenance", data={"csrf": token},
                   files={"bundle": ("proof.zip", zipped, "application/zip")}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/report/{rid}?m=provenance-valid"
        page = c.get(r.headers["location"]).text
        assert "The ProofMode bundle was imported and verified." in page
        assert 'data-kind="proofmode" data-state="valid"' in page and "46.6354" in page
    # every language: the provenance blocks and the form are translated
    from tests.desk_web.test_i18n import english_leaks

    for lang, word in (("uk", "Маніфест C2PA"), ("ru", "Манифест C2PA"), ("crh", "C2PA manifesti")):
        with TestClient(create_app(desk, port=8090), base_url="http://127.0.0.1:8090") as c:
            r = c.post("/login", data={"passphrase": DESK_PASS, "lang": lang}, follow_redirects=False)
            assert r.status_code == 303
            page = c.get(f"/report/{rid}?m=provenance-invalid").text
            assert word in page and 'data-kind="proofmode"' in page
            assert english_leaks(page, lang) == [], lang

    # the court bundle carries the records; `tysha verify` prints them, and still verifies
    out = tmp_path / "bundle.zip"
    cli("desk", "export", "--desk", str(desk), "--out", str(out), rid, env=denv)
    v = cli("verify", str(out), check=False)
    assert "Traceback" not in v.stderr
    carried = [ln for ln in v.stdout.splitlines() if "carried provenance" in ln]
    assert len(carried) == 3, v.stdout
    assert any("c2pa valid" in ln and "attachment 0" in ln for ln in carried)
    assert any("c2pa invalid" in ln and "dataHash.mismatch" in ln for ln in carried)
    assert any("proofmode valid" in ln and "attachment 2" in ln for ln in carried)
    assert v.returncode == 0, v.stdout + v.stderr
    # The readable report.html (regenerated and compared by verify) has the provenance table.
    import zipfile

    with zipfile.ZipFile(out) as z:
        page = z.read("report.html").decode()
        readme = z.read("README.txt").decode()
    assert readme.count("Provenance (desk's record): ") == 3 and "proofmode valid" in readme
    with zipfile.ZipFile(out) as z:
        report = json.loads(z.read(f"reports/{rid}/report.json"))
    assert "Provenance (ProofMode, C2PA), as the desk read it" in page
    assert "assertion.dataHash.mismatch" in page and "46.6354" in page
    assert [p["state"] for p in report["provenance"]] == ["valid", "invalid", "valid"]


def test_stored_attachments_checked_streaming(tmp_path: Path, ca: SigningCA, signed: bytes,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.cases.helpers import add_report, make_desk
    from tysha.desk import provenance
    from tysha.protocol.stream import CHUNK_SIZE

    desk = make_desk(tmp_path)
    # The manifest-store UUID straddling two encrypted chunks, in a file that is no real JPEG:
    # found by the streaming scan, then the library says what it is (never a traceback).
    straddle = b"\xff\xd8\xff" + b"\0" * (CHUNK_SIZE - 11) + provenance.C2PA_UUID + b"\0" * 100
    rid = add_report(desk, None, photos=(signed, photo(9), straddle, b"not a photo"))
    desk.set_c2pa_trust(ca.ca_pem)
    found = {r.attachment: r for r in provenance.check_attachments(desk.store, rid)}
    assert set(found) == {0, 2}
    assert found[0].state == "valid"
    assert found[2].state in ("invalid", "absent")
    actions = [e["action"] for e in desk.custody(rid)]
    assert actions.count("c2pa-checked") == len(found)
    assert "c2pa-trust-set" in [e["action"] for e in desk.custody()]
    # Larger than the desk holds in memory: recorded as unchecked, with the reason.
    monkeypatch.setattr(provenance, "C2PA_MAX_BYTES", 1000)
    [big] = [r for r in provenance.check_attachments(desk.store, rid) if r.attachment == 0]
    assert big.state == "unchecked" and "larger than the desk checks" in big.errors[0]
    # Bad trust anchors are refused and change nothing.
    from tysha.errors import BadInput

    with pytest.raises(BadInput):
        desk.set_c2pa_trust(b"not a certificate")
    assert desk.store.get_setting(provenance.TRUST_SETTING) == ca.ca_pem.decode()


def test_mutated_inputs_never_raise(tmp_path: Path, ca: SigningCA, signed: bytes) -> None:
    """Byte flips and cuts of a signed photo and of a ProofMode zip: a state or a TyshaError,
    never another exception (seeded: the same cases every run)."""
    import io
    import random

    from tests.cases.helpers import add_report, make_desk
    from tysha.errors import TyshaError

    rng = random.Random(14)
    trust = ca.ca_pem.decode()

    def mutate(data: bytes) -> bytes:
        b = bytearray(data)
        if rng.random() < 0.2:
            return bytes(b[: rng.randrange(len(b))])
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)

    states = set()
    for _ in range(150):
        states.add(c2pa_check(mutate(signed), "image/jpeg", trust_pem=trust).state)
    assert "invalid" in states  # the mutations did reach the manifest checks

    media = photo(60)
    desk = make_desk(tmp_path)
    rid = add_report(desk, None, photos=(media,))
    bundle = proofmode_bundle(media, pgp_key())
    zipped = bundle.zip()
    outcomes: dict[str, int] = {}
    for i in range(120):
        if i % 2:  # the archive's bytes
            raw = mutate(zipped)
        else:  # one member's content, zipped anew (past the checksums, to the checks)
            name = rng.choice(sorted(bundle.files))
            raw = Bundle({**bundle.files, name: mutate(bundle.files[name])}).zip()
        try:
            recs = desk.import_proofmode(rid, io.BytesIO(raw), "m.zip")
            key = "records:" + ",".join(sorted(r.state for r in recs))
        except TyshaError as exc:
            key = type(exc).__name__
        outcomes[key] = outcomes.get(key, 0) + 1
    assert "records:invalid" in outcomes and "ProtocolError" in outcomes, outcomes


def test_without_the_libraries_a_clear_state_or_error(signed: bytes, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    import sys

    from tests.cases.helpers import add_report, make_desk
    from tysha.errors import ConfigError

    desk = make_desk(tmp_path)
    rid = add_report(desk, None, photos=(signed,))
    zipped = proofmode_bundle(signed, pgp_key()).zip()
    monkeypatch.setitem(sys.modules, "c2pa", None)  # import fails as with a broken wheel
    monkeypatch.setitem(sys.modules, "pgpy", None)
    r = c2pa_check(signed, "image/jpeg")
    assert r.state == "unchecked" and "does not load" in r.errors[0]
    import io

    with pytest.raises(ConfigError, match="pgpy"):
        desk.import_proofmode(rid, io.BytesIO(zipped), "p.zip")
    assert desk.store.get_report(rid).data.get("provenance") is None
