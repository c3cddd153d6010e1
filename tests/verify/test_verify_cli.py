"""`tysha verify` against bundles and receipts the real desk and courier wrote, and forgeries."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.chain.forgery import page, resign_segment
from tests.verify.conftest import DESK_PASS, run
from tysha.evidence.bundle import (
    BUNDLE_DOMAIN,
    Flag,
    build_index,
    member_name,
    summary_text,
)
from tysha.evidence.custody import canonical_json
from tysha.protocol import Identity, sign_message
from tysha.tlog import NoteSigner

OTHER_DROP = NoteSigner("other.example/drop", b"\x05" * 32).vkey


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def forge(
    src: Path,
    out: Path,
    edit_report: Callable[[dict[str, Any]], None] = lambda r: None,
    edit_custody: bool = False,
    keep_flags: bool = True,
) -> Identity:
    """Re-sign ``src`` with a fresh key after editing its reports, as a careful forger would:
    every hash, the README and the custody chain made consistent again."""
    fresh = Identity.generate(os.urandom)
    m = members(src)
    index = json.loads(m.pop("bundle.json"))
    m.pop("bundle.sig")
    new: dict[str, bytes] = {}
    reports: list[tuple[str, dict[str, Any], list[Flag]]] = []
    flags = {rid: [Flag(f["code"], f["reason"]) for f in fl] if keep_flags else []
             for rid, fl in index["flags"].items()}
    for rid in index["reports"]:
        base = f"reports/{rid}"
        rep = json.loads(m[f"{base}/report.json"])
        old_names = [a["name"] for a in rep["attachments"]]
        edit_report(rep)
        new[f"{base}/report.json"] = canonical_json(rep)
        for part in ("envelope.bin", "content-key", "receipt.json"):
            new[f"{base}/{part}"] = m[f"{base}/{part}"]
        for n, (old, a) in enumerate(zip(old_names, rep["attachments"], strict=True)):
            new[f"{base}/files/{n}-{member_name(a['name'])}"] = m[f"{base}/files/{n}-{member_name(old)}"]
        reports.append((rid, rep, flags[rid]))
    def other_drop(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for e in events:
            if e["action"] == "received":
                e["detail"] = {**e["detail"], "drop": "http://another-drop.example"}
        return events

    new["custody.json"] = resign_segment(m["custody.json"], fresh,
                                         other_drop if edit_custody else lambda evs: evs)
    new["README.txt"] = summary_text("Kherson cell", fresh.public().fingerprint(), index["drops"],
                                     reports)
    new["report.html"] = page(new, "Kherson cell", fresh.public().fingerprint(), index["drops"],
                              reports)
    files = {n: hashlib.sha256(b).hexdigest() for n, b in new.items()}
    raw = build_index(desk=fresh.public(), desk_name="Kherson cell", drops=index["drops"],
                      reports=index["reports"], flags=flags, files=files)
    with zipfile.ZipFile(out, "w") as z:
        for n, b in new.items():
            z.writestr(n, b)
        z.writestr("bundle.json", raw)
        z.writestr("bundle.sig", sign_message(fresh.sign_seed, BUNDLE_DOMAIN, raw).hex())
    return fresh


def the_forgery_of_issue_9_8(rep: dict[str, Any]) -> None:
    """Place, date, categories, attachment names and GPS claims changed."""
    rep["where"] = "Kherson, Ushakova avenue"
    rep["when"] = "2026-02-14T22:00:00Z"
    rep["categories"] = ["kil"]
    for a in rep["attachments"]:
        a["name"] = "evidence-2.jpg"
        a["claims"]["exif_gps"] = [46635000, 32616000]
        a["claims"]["name"] = "evidence-2.jpg"


def test_genuine_bundle_verifies_pinned(world: dict[str, Any]) -> None:
    r = run("verify", str(world["genuine"]), "--desk-key", world["info"]["fingerprint"],
            "--drop-key", world["vkey"])
    out = r.stdout
    assert "bundle ok: 1 report verified offline" in out and "UNPINNED" not in out
    for n in range(1, 8):
        assert f"[{n}] ok" in out
    assert "[8] desk's assertion" in out and "FLAG" not in out
    # The public key text works as a pin as well as the fingerprint.
    r = run("verify", str(world["genuine"]), "--desk-key", world["info"]["public_key"],
            "--drop-key", world["vkey"])
    assert "UNPINNED" not in r.stdout


def test_a_fingerprint_written_with_dashes_pins_as_with_spaces(world: dict[str, Any]) -> None:
    """A clerk who copies the desk's fingerprint as people write it, "94226-79729-…", was
    refused ("--desk-key is the desk's fingerprint (30 digits) or public key"), though the
    same digits with spaces or none pinned. Dashes between its groups are read as spaces; a
    wrong fingerprint written so still fails step 2."""
    fp = world["info"]["fingerprint"]
    r = run("verify", str(world["genuine"]), "--desk-key", fp.replace(" ", "-"),
            "--drop-key", world["vkey"])
    assert "bundle ok: 1 report verified offline" in r.stdout and "UNPINNED" not in r.stdout
    wrong = ("1" if fp[0] != "1" else "2") + fp[1:]
    r = run("verify", str(world["genuine"]), "--desk-key", wrong.replace(" ", "-"),
            "--drop-key", world["vkey"], check=False)
    assert r.returncode == 1 and "step 2 (desk signature)" in r.stderr, (r.stdout, r.stderr)


def test_unpinned_genuine_bundle_says_so(world: dict[str, Any]) -> None:
    r = run("verify", str(world["genuine"]))
    assert "[2] UNPINNED" in r.stdout and world["info"]["fingerprint"] in r.stdout
    assert "[4] UNPINNED" in r.stdout and world["vkey"] in r.stdout
    assert "desk key UNPINNED" in r.stdout.splitlines()[-1]


def test_issue_9_8_resigned_forgery_is_refused(world: dict[str, Any]) -> None:
    forged = world["tmp"] / "forged-9-8.zip"
    fresh = forge(world["genuine"], forged, the_forgery_of_issue_9_8, edit_custody=True)
    r = run("verify", str(forged), check=False)
    assert r.returncode == 1, r.stdout
    assert "bundle ok" not in r.stdout
    assert "[2] UNPINNED" in r.stdout and fresh.public().fingerprint() in r.stdout
    assert "step 5" in r.stderr
    for field in ("categories", "when", "where", "attachment 0 name",
                  "attachment 0 capture claims (time, GPS)", "bundled file of attachment 0"):
        assert field in r.stderr, (field, r.stderr)
    pinned = run("verify", str(forged), "--desk-key", world["info"]["fingerprint"], check=False)
    assert pinned.returncode == 1 and "step 2" in pinned.stderr
    assert "not by the pinned desk key" in pinned.stderr


def test_an_index_naming_another_desks_fingerprint_fails_step_2(world: dict[str, Any]) -> None:
    """A forger re-signs a bundle with a key of their own and leaves the real desk's
    fingerprint in bundle.json's "desk" entry, where a person or a case-management import
    reads it. Unpinned, verify said 'bundle ok' (it printed the signer's fingerprint, never
    comparing it with the one the index states). It now fails step 2 naming both."""
    forged = world["tmp"] / "forged-fingerprint.zip"
    fresh = forge(world["genuine"], forged)
    m = members(forged)
    index = json.loads(m["bundle.json"])
    index["desk"]["fingerprint"] = world["info"]["fingerprint"]
    raw = canonical_json(index)
    m["bundle.json"] = raw
    m["bundle.sig"] = sign_message(fresh.sign_seed, BUNDLE_DOMAIN, raw).hex().encode()
    with zipfile.ZipFile(forged, "w") as z:
        for n, b in m.items():
            z.writestr(n, b)
    r = run("verify", str(forged), check=False)
    assert r.returncode == 1 and "bundle ok" not in r.stdout, r.stdout
    assert "step 2" in r.stderr and world["info"]["fingerprint"] in r.stderr, r.stderr
    assert fresh.public().fingerprint() in r.stderr, r.stderr
    uk = run("verify", str(forged), check=False, env={"TYSHA_LANG": "uk"})
    assert "крок 2" in uk.stderr and "відбиток" in uk.stderr and "names" not in uk.stderr


def test_forged_desk_assertions_show_as_unpinned_and_fail_pinned(world: dict[str, Any]) -> None:
    """What only the desk asserts (status, notes, custody) cannot be checked against the source:
    unpinned it is labelled as the desk's assertion under an UNPINNED key; pinned it fails."""
    forged = world["tmp"] / "forged-desk.zip"

    def desk_only(rep: dict[str, Any]) -> None:
        rep["status"] = "verified"
        rep["notes"] = [{"text": "confirmed by two witnesses", "author": "x", "at": "2026"}]

    forge(world["genuine"], forged, desk_only, edit_custody=True)
    r = run("verify", str(forged))
    assert "[2] UNPINNED" in r.stdout and "desk key UNPINNED" in r.stdout
    assert "[8] desk's assertion" in r.stdout and '"verified"' in r.stdout
    pinned = run("verify", str(forged), "--desk-key", world["info"]["fingerprint"], check=False)
    assert pinned.returncode == 1 and "step 2" in pinned.stderr


def test_wrong_drop_pin_fails_step_4(world: dict[str, Any]) -> None:
    other = run("verify", str(world["genuine"]), "--drop-key", OTHER_DROP,
                check=False)
    assert other.returncode == 1 and "step 4" in other.stderr and "not a pinned one" in other.stderr


def test_flags_are_in_the_summary_and_fail_verify(world: dict[str, Any]) -> None:
    """Issue 10.2. The source's key was revoked after the first report: the desk's view flags
    every report of that key, and the bundle carries it to the summary and to `tysha verify`."""
    m = members(world["flagged"])
    index = json.loads(m["bundle.json"])
    readme = m["README.txt"].decode()
    assert len(index["reports"]) == 2
    for rid in index["reports"]:
        fl = index["flags"][rid]
        assert "revoked-source" in [f["code"] for f in fl]
        section = readme.split(f"Report {rid}")[1].split("\nReport ")[0]
        assert "FLAGS:" in section
        for f in fl:
            assert f"! {f['code']}: {f['reason']}" in section
    before = members(world["genuine"])["README.txt"].decode()
    assert "Flags: none" in before and "FLAGS" not in before
    r = run("verify", str(world["flagged"]), "--desk-key", world["info"]["fingerprint"],
            "--drop-key", world["vkey"], check=False)
    assert r.returncode == 1 and "--accept-flagged" in r.stderr and "bundle ok" not in r.stdout
    for rid in index["reports"]:
        assert f"[8] FLAG  report {rid}: revoked-source" in r.stdout
    ok = run("verify", str(world["flagged"]), "--desk-key", world["info"]["fingerprint"],
             "--drop-key", world["vkey"], "--accept-flagged")
    assert "bundle ok: 2 reports verified offline; 2 flagged reports accepted" in ok.stdout


def test_each_report_json_states_the_flags_the_bundle_carries(world: dict[str, Any]) -> None:
    """report.json is the desk's record of a report, read by whatever imports the bundle: the
    report received before its key was revoked must not say "trusted": true, "revoked": false
    there while the index flags it revoked. Its desk results are the desk's view at export."""
    m = members(world["flagged"])
    index = json.loads(m["bundle.json"])
    for rid in index["reports"]:
        doc = json.loads(m[f"reports/{rid}/report.json"])
        codes = [f["code"] for f in index["flags"][rid]]
        assert doc["trusted"] is False and doc["revoked"] is True, (rid, doc["trusted"])
        assert doc["flag_codes"] == codes
    genuine = members(world["genuine"])
    rid = json.loads(genuine["bundle.json"])["reports"][0]
    doc = json.loads(genuine[f"reports/{rid}/report.json"])
    assert doc["trusted"] is True and doc["revoked"] is False and doc["flag_codes"] == []


def test_summary_cannot_hide_a_flag(world: dict[str, Any]) -> None:
    """A README that leaves a flag out (even re-hashed and re-signed) fails step 3."""
    m = members(world["flagged"])
    index = json.loads(m["bundle.json"])
    readme = m["README.txt"].decode()
    hidden = "\n".join(line for line in readme.splitlines() if "revoked-source" not in line) + "\n"
    m["README.txt"] = hidden.encode()
    index["files"]["README.txt"] = hashlib.sha256(m["README.txt"]).hexdigest()
    fresh = Identity.generate(os.urandom)
    index["desk"] = {"name": "x", "public_key": fresh.public().to_text(),
                     "fingerprint": fresh.public().fingerprint()}
    raw = canonical_json(index)
    m["bundle.json"], m["bundle.sig"] = raw, sign_message(fresh.sign_seed, BUNDLE_DOMAIN, raw).hex().encode()
    bad = world["tmp"] / "hidden-flag.zip"
    with zipfile.ZipFile(bad, "w") as z:
        for n, b in m.items():
            z.writestr(n, b)
    r = run("verify", str(bad), "--accept-flagged", check=False)
    assert r.returncode == 1 and "step 3" in r.stderr and "README.txt" in r.stderr


def _rezip(src: Path, out: Path, before: bytes = b"", between: bytes = b"", after: bytes = b"",
           comment: bytes = b"", edit: Callable[[zipfile.ZipInfo], None] = lambda i: None,
           streamed: bool = False, zip64: bool = False) -> Path:
    """``src``'s members, byte for byte and under the same signature, in an archive that also
    holds something outside them."""
    class Unseekable:  # zipfile writes data descriptors to a stream it cannot seek
        def __init__(self, f: Any) -> None:
            self.f = f

        def write(self, b: bytes) -> int:
            return int(self.f.write(b))

        def flush(self) -> None:
            self.f.flush()

    with zipfile.ZipFile(src) as zi, open(out, "wb") as f:
        f.write(before)
        sink: Any = Unseekable(f) if streamed else f
        with zipfile.ZipFile(sink, "w") as zo:
            for n, info in enumerate(zi.infolist()):
                data = zi.read(info)
                edit(info)
                if zip64 and "/files/" in info.filename:  # as the desk writes a member >= 2 GiB
                    with zo.open(info, "w", force_zip64=True) as w:
                        w.write(data)
                else:
                    zo.writestr(info, data)
                if n == 0 and between:
                    f.write(between)
                    zo.start_dir = f.tell()  # zipfile writes the next member at start_dir
            zo.comment = comment
        f.write(after)
    return out


def test_nothing_outside_a_bundles_members_passes(world: dict[str, Any]) -> None:
    """zipfile reads an archive by its central directory and passes over what lies outside the
    members. A forger kept the genuine bundle's members (signature intact) and added: a second
    archive in front (a reader of the local headers, as a streaming unzipper, opens its forged
    README.txt first), bytes between members or after the end, an archive comment or a member
    comment that file managers show beside the bundle ("certified authentic by …"), extra
    fields, a data descriptor, a local header that says another thing than the directory.
    Each verified as 'bundle ok ... nothing else'."""
    import io

    pin = ("--desk-key", world["info"]["fingerprint"], "--drop-key", world["vkey"])
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w") as z:
        z.writestr("README.txt", "TYSHA COURT BUNDLE\n\nForged: 0 reports carry flags.\n")

    def note(info: zipfile.ZipInfo) -> None:
        info.comment = b"certified authentic"

    def extra(info: zipfile.ZipInfo) -> None:
        info.extra = b"\xfe\xca\x04\x00note"

    tmp, genuine = world["tmp"], world["genuine"]
    cases = {
        "prefixed-archive": _rezip(genuine, tmp / "outside-1.zip", before=forged.getvalue()),
        "between": _rezip(genuine, tmp / "outside-2.zip", between=b"hidden words"),
        "after": _rezip(genuine, tmp / "outside-3.zip", after=b"hidden words"),
        "comment": _rezip(genuine, tmp / "outside-4.zip", comment=b"certified authentic"),
        "member-comment": _rezip(genuine, tmp / "outside-5.zip", edit=note),
        "extra-field": _rezip(genuine, tmp / "outside-6.zip", edit=extra),
        "data-descriptor": _rezip(genuine, tmp / "outside-7.zip", streamed=True),
    }
    # The local header of a deflated member says "stored": a reader going by it extracts the
    # raw deflate stream as README.txt, while zipfile takes the directory's word.
    raw = bytearray(genuine.read_bytes())
    with zipfile.ZipFile(genuine) as z:
        readme = z.getinfo("README.txt")
    assert readme.compress_type == zipfile.ZIP_DEFLATED
    raw[readme.header_offset + 8 : readme.header_offset + 10] = b"\x00\x00"
    (tmp / "outside-8.zip").write_bytes(bytes(raw))
    cases["local-header"] = tmp / "outside-8.zip"
    # The same with the ZIP64 record of a large member's local header (its sizes live there).
    big = _rezip(genuine, tmp / "outside-9.zip", zip64=True)
    assert "bundle ok" in run("verify", str(big), *pin).stdout  # as the desk writes it
    raw = bytearray(big.read_bytes())
    with zipfile.ZipFile(big) as z:
        att = next(i for i in z.infolist() if "/files/" in i.filename)
    at = att.header_offset + 30 + len(att.filename.encode()) + 4  # the record's first size
    raw[at : at + 8] = (att.file_size - 1).to_bytes(8, "little")
    (tmp / "outside-10.zip").write_bytes(bytes(raw))
    cases["local-zip64-sizes"] = tmp / "outside-10.zip"
    plain = _rezip(genuine, tmp / "outside-0.zip")  # the same rewriting, nothing added
    assert "bundle ok" in run("verify", str(plain), *pin).stdout
    for what, path in cases.items():
        assert members(path) == members(genuine), what
        r = run("verify", str(path), *pin, check=False)
        assert r.returncode == 1 and "bundle ok" not in r.stdout, (what, r.stdout)
        assert "step 1 (bundle readable)" in r.stderr, (what, r.stderr)
        assert "not a bundle Tysha writes" in r.stderr, (what, r.stderr)


def test_a_member_extracted_as_a_link_or_a_program_does_not_pass(world: dict[str, Any]) -> None:
    """The zip's Unix mode bits of each member are outside the signed data: a forger kept the
    genuine members and marked an attachment (bytes the source chose) as a symbolic link or an
    executable. It verified as 'bundle ok'; 'unzip' then made a link to wherever those bytes
    point on the clerk's machine, or a program a file manager runs on a double click. Only a
    plain file's modes pass now (the desk writes 0600)."""
    pin = ("--desk-key", world["info"]["fingerprint"], "--drop-key", world["vkey"])
    tmp, genuine = world["tmp"], world["genuine"]
    for n, mode in enumerate((0o120777, 0o100755, 0o104600, 0o040700)):
        def mark(info: zipfile.ZipInfo, mode: int = mode) -> None:
            if "/files/" in info.filename:
                info.external_attr = mode << 16

        path = _rezip(genuine, tmp / f"mode-{n}.zip", edit=mark)
        assert members(path) == members(genuine)
        r = run("verify", str(path), *pin, check=False)
        assert r.returncode == 1 and "bundle ok" not in r.stdout, (oct(mode), r.stdout)
        assert "step 1 (bundle readable)" in r.stderr and "file mode" in r.stderr, r.stderr
    assert "bundle ok" in run("verify", str(_rezip(genuine, tmp / "mode-ok.zip")), *pin).stdout


def test_export_is_private_from_its_first_byte(world: dict[str, Any]) -> None:
    """Issue 9.17: the bundle (and its temporary file while being written) is mode 0600."""
    from tysha.desk.bundle import export_bundle
    from tysha.desk.store import DeskStore

    out_dir = world["tmp"] / "exports"
    out_dir.mkdir(exist_ok=True)
    seen: list[int] = []
    old = os.umask(0o022)
    store = DeskStore.open(world["desk"], DESK_PASS)
    try:
        real = store.read_blob

        def watching(name: str, size: int | None = None) -> Any:
            for p in out_dir.iterdir():
                seen.append(stat.S_IMODE(p.stat().st_mode))
            return real(name, size)

        store.read_blob = watching  # type: ignore[method-assign]
        out = out_dir / "court.zip"
        assert export_bundle(store, out) == 2
    finally:
        store.close()
        os.umask(old)
    assert seen and set(seen) == {0o600}
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in out_dir.iterdir()] == ["court.zip"]


def test_a_bundle_does_not_carry_the_desks_clock_or_time_zone(world: dict[str, Any]) -> None:
    """Each member's zip date was the desk machine's local wall time at export, beside the
    custody events' UTC times: anyone holding the bundle read the handler's time zone (Moscow
    time in occupied territory, Kyiv time elsewhere), which the handler never chose to export.
    Every member now carries the same fixed date, as envelopes and attachments already did."""
    for name in ("genuine", "flagged"):
        with zipfile.ZipFile(world[name]) as z:
            dates = {i.filename: i.date_time for i in z.infolist()}
        assert set(dates.values()) == {(1980, 1, 1, 0, 0, 0)}, dates


def test_a_report_named_twice_is_exported_once(world: dict[str, Any]) -> None:
    """'desk export ID ID' (or the id and a prefix of it) wrote each member of the report twice
    and listed it twice: the desk said 'bundle of 2 reports written' and `tysha verify`
    refused the bundle ('member ... appears twice - do not trust this item'), a genuine bundle
    a court would set aside; the Uwazi export had the report twice. Each report is exported
    once, in the order first named."""
    import csv
    import shutil

    desk = world["tmp"] / "desk-named-twice"
    shutil.copytree(world["desk"], desk)
    rid = json.loads(members(world["genuine"])["bundle.json"])["reports"][0]
    out = world["tmp"] / "named-twice.zip"
    r = run("desk", "export", "--desk", str(desk), "--out", str(out), rid, rid[:6], rid,
            env=world["denv"])
    assert "bundle of 1 report written" in r.stdout, r.stdout
    assert json.loads(members(out)["bundle.json"])["reports"] == [rid]
    # (its source's key has been revoked since the genuine bundle: flagged, and accepted)
    ok = run("verify", str(out), "--desk-key", world["info"]["fingerprint"], "--drop-key",
             world["vkey"], "--accept-flagged")
    assert "bundle ok: 1 report verified offline; 1 flagged report accepted" in ok.stdout
    uwazi = world["tmp"] / "named-twice-uwazi"
    run("desk", "export-uwazi", "--desk", str(desk), "--out", str(uwazi), rid, rid[:6],
        env=world["denv"])
    with open(uwazi / "entities.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert [row[rows[0].index("report_id")] for row in rows[1:]] == [rid]


def test_a_killed_exports_part_file_goes_at_the_next_export(world: dict[str, Any]) -> None:
    """An export killed outright (SIGKILL, a power cut) leaves its part file — readable
    evidence — beside the target; the next export to that name deletes it, unless another
    export is writing it (it holds the file's lock). Other files are never touched."""
    import fcntl

    from tysha.desk.bundle import export_bundle
    from tysha.desk.store import DeskStore

    out_dir = world["tmp"] / "killed-exports"
    out_dir.mkdir()
    killed = out_dir / ".court.zip.abc123.part"
    killed.write_bytes(b"PK half a bundle")
    writing = out_dir / ".court.zip.def456.part"
    writing.write_bytes(b"PK another export")
    others = [out_dir / ".court.zip.part", out_dir / ".other.zip.x.part", out_dir / "court.zip.part"]
    for p in others:
        p.write_bytes(b"not ours")
    store = DeskStore.open(world["desk"], DESK_PASS)
    try:
        with open(writing, "rb") as held:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            assert export_bundle(store, out_dir / "court.zip") == 2
            assert not killed.exists() and writing.exists()
        assert all(p.exists() for p in others)
        # Its writer gone, the other part file goes at the next export too.
        assert export_bundle(store, out_dir / "court.zip") == 2
        assert not writing.exists()
    finally:
        store.close()
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        ["court.zip", *(p.name for p in others)]
    )


def test_single_receipt_file(world: dict[str, Any]) -> None:
    receipt = world["tmp"] / "one-receipt.json"
    rid = json.loads(members(world["genuine"])["bundle.json"])["reports"][0]
    receipt.write_bytes(members(world["genuine"])[f"reports/{rid}/receipt.json"])
    r = run("verify", str(receipt))
    assert "receipt ok" in r.stdout and "UNPINNED" in r.stdout
    r = run("verify", str(receipt), "--drop-key", world["vkey"])
    assert "receipt ok" in r.stdout and "UNPINNED" not in r.stdout
    bad = run("verify", str(receipt), "--drop-key", OTHER_DROP, check=False)
    assert bad.returncode == 1 and "not a pinned one" in bad.stderr


def test_a_tsa_root_given_for_a_receipt_file_fails(world: dict[str, Any]) -> None:
    """``--tsa-root`` asks for an RFC 3161 time-stamp to be checked; only a bundle carries one.
    Given with a receipt or a courier's receipts file it was ignored: 'receipt ok', exit 0, as
    if a time-stamp had been checked. It is refused now, as ``--desk-key`` and ``--witness``
    are for such files, and nothing is checked."""
    from tests.chain.tsa import some_root_pem

    root = some_root_pem(world["tmp"] / "tsa-root.pem")
    receipt = world["tmp"] / "one-receipt-tsa.json"
    rid = json.loads(members(world["genuine"])["bundle.json"])["reports"][0]
    receipt.write_bytes(members(world["genuine"])[f"reports/{rid}/receipt.json"])
    for path in (receipt, world["receipts"]):
        r = run("verify", str(path), "--drop-key", world["vkey"], "--tsa-root", str(root),
                check=False)
        assert r.returncode == 1 and "ok" not in r.stdout, (path.name, r.stdout)
        assert "--tsa-root applies to a court bundle; this is not one" in r.stderr, r.stderr


def test_courier_receipts_file(world: dict[str, Any]) -> None:
    """Issue 10.13: the receipts file a courier brings back is checked against a pinned drop."""
    path = world["receipts"]
    ok = run("verify", str(path), "--drop-key", world["vkey"])
    assert "receipts ok: 2 envelopes are in the drop's log" in ok.stdout
    no_pin = run("verify", str(path), check=False)
    assert no_pin.returncode == 1 and "--drop-key" in no_pin.stderr
    doc = json.loads(path.read_text())
    doc["receipts"][1]["proof"][0] = "00" * 32
    forged = world["tmp"] / "forged-receipts.json"
    forged.write_text(json.dumps(doc))
    bad = run("verify", str(forged), "--drop-key", world["vkey"], check=False)
    assert bad.returncode == 1 and "1 of 2 receipts" in bad.stderr
    assert "FAILED  receipt 2" in bad.stdout


def test_a_receipts_file_with_no_receipt_proves_nothing(world: dict[str, Any]) -> None:
    """A courier's receipts file whose list is empty (a courier writes none such: it writes no
    file when nothing was delivered) closed with 'receipts ok: 0 envelopes are in the drop's
    log', exit 0, and a note about 'this checkpoint' - whose signature nothing had checked (any
    checkpoint text passed). It proves nothing, and says so: exit 1."""
    doc = json.loads(world["receipts"].read_text())
    doc["receipts"] = []
    doc["checkpoint"] = doc["checkpoint"].split("\n\n")[0] + "\n\n— forged.example/drop abcd\n"
    empty = world["tmp"] / "no-receipts.json"
    empty.write_text(json.dumps(doc))
    r = run("verify", str(empty), "--drop-key", world["vkey"], check=False)
    assert r.returncode == 1 and "receipts ok" not in r.stdout, r.stdout
    assert "no-receipts.json holds no receipt: it proves nothing" in r.stderr, r.stderr


def test_a_receipt_listed_twice_is_one_envelope(world: dict[str, Any]) -> None:
    """The closing line counts envelopes, not lines: a receipt repeated (by a careless or
    lying courier) does not make two envelopes of one."""
    doc = json.loads(world["receipts"].read_text())
    doc["receipts"] = [doc["receipts"][0]] * 3
    twice = world["tmp"] / "twice-receipts.json"
    twice.write_text(json.dumps(doc))
    ok = run("verify", str(twice), "--drop-key", world["vkey"])
    assert "receipts ok: 1 envelope is in the drop's log" in ok.stdout, ok.stdout


def test_usage_and_hostile_paths(world: dict[str, Any]) -> None:
    missing = run("verify", str(world["tmp"] / "nope.zip"), check=False)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    junk = world["tmp"] / "junk.bin"
    junk.write_bytes(b"\xff\xfe not json")
    r = run("verify", str(junk), check=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "codec" not in r.stderr
    # JSON nested past the parser's depth: one clear line, not "an unexpected internal error"
    deep = world["tmp"] / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    r = run("verify", str(deep), check=False)
    assert r.returncode == 1 and "deep.json is neither a bundle nor a receipt file" in r.stderr
    assert "internal error" not in r.stderr
    # A bundle cut short (an interrupted copy) is called that, with or without a pin.
    cut = world["tmp"] / "cut.zip"
    cut.write_bytes(world["genuine"].read_bytes()[:40_000])
    for pin in ((), ("--desk-key", world["info"]["fingerprint"])):
        r = run("verify", str(cut), *pin, check=False)
        assert r.returncode == 1 and "cut.zip starts as a bundle (zip) but is cut short" in r.stderr


def _altered(
    world: dict[str, Any],
    name: str,
    change: Callable[[dict[str, Any], dict[str, Any]], None],
    flags: list[dict[str, str]] | None = None,
) -> tuple[Path, str]:
    """The genuine bundle, re-signed (FRESH), its first report's report.json and receipt.json
    changed by ``change(report, receipt)`` and, given ``flags``, those listed for it in the
    index: (its path, the report id)."""
    from tests.verify.test_fuzz_bundle import FRESH, rebuild

    m = members(world["genuine"])
    m["custody.json"] = resign_segment(m["custody.json"], FRESH)
    index = json.loads(m["bundle.json"])
    rid = index["reports"][0]
    rec = json.loads(m[f"reports/{rid}/receipt.json"])
    rep = json.loads(m[f"reports/{rid}/report.json"])
    change(rep, rec)
    m[f"reports/{rid}/receipt.json"] = canonical_json(rec)
    m[f"reports/{rid}/report.json"] = canonical_json(rep)
    if flags is not None:
        index["flags"] = {rid: flags}
    path = world["tmp"] / name
    with zipfile.ZipFile(path, "w") as z:
        for n, b in rebuild(m, index).items():
            z.writestr(n, b)
    return path, rid


def _unproved(
    world: dict[str, Any], flags: list[dict[str, str]], name: str
) -> tuple[Path, str]:
    """:func:`_altered` with the receipt's index moved outside the tree its checkpoint commits
    to (step 4 cannot prove the report) and ``flags`` listed for it."""

    def outside(rep: dict[str, Any], rec: dict[str, Any]) -> None:
        rec["receipt"]["index"] = rep["index"] = 5

    return _altered(world, name, outside, flags)


def test_a_failed_check_the_desk_flagged_itself_is_shown_not_hidden(world: dict[str, Any]) -> None:
    """A report whose receipt does not hold is kept by the desk, flagged: the bundle verifies
    it as FLAG at step 4 (exit 1 unless --accept-flagged). The same failure with no flag
    carried is a failed check, whatever the options."""
    flagged, rid = _unproved(
        world, [{"code": "receipt-unverified", "reason": "The drop's log does not prove it."}],
        "receipt-flagged.zip",
    )
    r = run("verify", str(flagged), check=False)
    assert r.returncode == 1 and f"[4] FLAG  report {rid}: NOT proved" in r.stdout
    ok = run("verify", str(flagged), "--accept-flagged")
    assert "1 flagged report accepted" in ok.stdout
    silent, _ = _unproved(world, [], "receipt-silent.zip")
    bad = run("verify", str(silent), "--accept-flagged", check=False)
    assert bad.returncode == 1 and "step 4" in bad.stderr and "outside" in bad.stderr


def test_a_flagged_report_that_fails_a_check_is_not_counted_as_verified(
    world: dict[str, Any],
) -> None:
    """A report the drop's log does not prove (its receipt's index is outside the tree),
    flagged by the desk: verify refused the bundle saying 'the checks hold', and with
    --accept-flagged closed with 'bundle ok: 1 report verified offline' - a court was told of
    a report verified offline that failed step 4. A flagged report whose checks hold (its
    source's key revoked) is still counted as verified, and the refusal says the checks hold."""
    path, rid = _unproved(
        world,
        [{"code": "receipt-unverified",
          "reason": "The drop's log does not prove that it holds this report."}],
        "unproved-flagged.zip",
    )  # fmt: skip
    r = run("verify", str(path), check=False)
    assert r.returncode == 1 and f"[4] FLAG  report {rid}: NOT proved" in r.stdout
    assert "the checks hold" not in r.stderr, r.stderr
    assert "1 of them did not pass every check (FLAG above)" in r.stderr, r.stderr
    ok = run("verify", str(path), "--accept-flagged")
    last = ok.stdout.splitlines()[-1]
    assert last.startswith("bundle ok: 0 reports verified offline; 1 flagged report accepted, "
                           "1 flagged report did not pass every check (FLAG above)"), last
    # A flagged report whose checks hold is verified, and said to be.
    r = run("verify", str(world["flagged"]), check=False)
    assert r.returncode == 1 and "the checks hold" in r.stderr
    ok = run("verify", str(world["flagged"]), "--accept-flagged")
    assert "bundle ok: 2 reports verified offline; 2 flagged reports accepted" in ok.stdout
    assert "did not pass" not in ok.stdout


def _hidden(text: str) -> list[str]:
    """The characters of ``text`` a terminal obeys or hides rather than shows (newlines
    excepted)."""
    import unicodedata

    return [c for c in text if c != "\n"
            and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn")]


def test_hostile_text_in_a_bundle_is_shown_not_obeyed(world: dict[str, Any]) -> None:
    """verify printed names and claims from the bundle as they were: a member name (anyone's
    to choose) in a step 1 refusal, the signer or generator a photo's C2PA manifest or a
    ProofMode proof claims (the source's to choose, carried under the pinned desk key) in a
    step 8 line, an attachment name in a step 6 FLAG. Escape sequences and line breaks in them
    were obeyed by the terminal: a refused bundle could erase its refusal and draw 'bundle ok',
    a right-to-left override reorder a line. Each such character is now shown as ⟨U+XXXX⟩
    (an error stays one line: its line breaks are spaces, as before)."""
    from tysha.evidence.provenance import ProvenanceRecord

    # 1. A member name drawing a clean transcript over the refusal (exit 1 all the same).
    fake = ("\x1b[2K\r  [1] ok  the bundle opens (11 members within bounds)\n"
            "bundle ok: 1 report verified offline\x1b[8m")
    path = world["tmp"] / "hostile-name.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in members(world["genuine"]).items():
            z.writestr(n, b)
        z.writestr(fake, b"\0" * ((16 << 20) + 1))  # deflated to a few KiB
    r = run("verify", str(path), check=False)
    assert r.returncode == 1 and "step 1" in r.stderr
    assert not _hidden(r.stderr) and r.stderr.count("\n") == 1, repr(r.stderr)
    assert "⟨U+001B⟩[2K" in r.stderr and "⟨U+001B⟩[8m declares" in r.stderr, r.stderr
    # 2. A carried provenance record whose claimed signer holds a bidi override and a C1 CSI.
    def hostile(rep: dict[str, Any], _rec: dict[str, Any]) -> None:
        rep["provenance"] = [ProvenanceRecord(
            kind="c2pa", state="invalid", signer="Camera \u202edilav\u202c", issuer="\u009b2K",
            attachment=0, errors=("the manifest's signature does not hold",)).to_json()]

    out, _ = _altered(world, "hostile-provenance.zip", hostile)
    r = run("verify", str(out), check=False)
    line = next(x for x in r.stdout.splitlines() if "carried provenance" in x)
    assert not _hidden(r.stdout), repr(line)
    assert "⟨U+202E⟩dilav⟨U+202C⟩" in line and "⟨U+009B⟩2K" in line, line


def test_the_page_claims_an_anchor_only_when_the_bundle_has_one(world: dict[str, Any]) -> None:
    """report.html (and the PDF typeset from it) told the court, under 'What each numbered step
    proves', that the custody head 'is anchored in the drop's log' for every bundle, while a
    bundle exported before any 'desk anchor' carries none and step 7 says custody rests on the
    desk's signature alone. The page now says which. A page written by an earlier desk still
    verifies (it is what that desk signed), and step 3 says its claim is not borne out."""
    import html

    from tests.verify.test_fuzz_bundle import FRESH, rebuild
    from tysha.evidence.bundle import custody_by_report
    from tysha.evidence.report_html import render_report_html

    m = members(world["genuine"])
    assert "anchor.json" not in m
    page = html.unescape(m["report.html"].decode())
    assert "which is anchored in the drop's log" not in page
    assert "is not anchored in a drop's log: custody rests on the desk's signature alone" in page
    # An earlier desk's page: the same data, the claim of an anchor.
    m["custody.json"] = resign_segment(m["custody.json"], FRESH)
    index = json.loads(m["bundle.json"])
    out = rebuild(m, index)
    entries = [(rid, json.loads(out[f"reports/{rid}/report.json"]),
                [Flag(f["code"], f["reason"]) for f in index["flags"].get(rid, [])])
               for rid in index["reports"]]
    legacy = render_report_html(lang="en", desk_name="x", desk_fingerprint=FRESH.public().fingerprint(),
                                drops=index["drops"], reports=entries,
                                custody=custody_by_report(out["custody.json"]), anchored=True)
    assert "which is anchored in the drop's log" in html.unescape(legacy.decode())
    out["report.html"] = legacy
    files = {n: hashlib.sha256(b).hexdigest() for n, b in out.items()
             if n not in ("bundle.json", "bundle.sig")}
    raw = build_index(desk=FRESH.public(), desk_name="x", drops=index["drops"],
                      reports=index["reports"], flags={}, files=files)
    out["bundle.json"], out["bundle.sig"] = raw, sign_message(FRESH.sign_seed, BUNDLE_DOMAIN,
                                                              raw).hex().encode()
    path = world["tmp"] / "earlier-page.zip"
    with zipfile.ZipFile(path, "w") as z:
        for n, b in out.items():
            z.writestr(n, b)
    r = run("verify", str(path))
    assert "[3] note  report.html says the custody head is anchored in the drop's log" in r.stdout
    assert "[7] note  the custody head is not anchored" in r.stdout


def test_a_record_whose_problems_are_not_a_list_is_named_not_a_crash(
    world: dict[str, Any],
) -> None:
    """A report.json (signed: by an unpinned key, or a desk of another make) whose 'problems'
    or 'capture_problems' is a number, and whose index lists no flags so that verify reads the
    record's own: verify stopped with 'an unexpected internal error ... this is a bug', naming
    no step and showing no flag. The record's flags are said now (step 8), with what it holds."""

    path, rid = _altered(
        world, "problems-not-a-list.zip",
        lambda rep, _rec: rep.update(problems=5, capture_problems=7, trusted=False,
                                     capture_verified=False),
    )  # fmt: skip
    r = run("verify", str(path), check=False)
    assert "internal error" not in r.stderr, r.stderr
    # The index lists no flag (what README.txt shows): the record's are said, with what it holds.
    assert f"[8] note  report {rid}: its report.json states flags the bundle's signed flag " \
           "list does not carry (capture-unverified: An attachment's capture attestation " \
           "does not verify. (7))" in r.stdout, r.stdout


def test_the_readme_and_verify_agree_on_a_restored_sources_flags(
    world: dict[str, Any], tmp_path: Path
) -> None:
    """A report received while its source's key was revoked, the key restored before export,
    from a desk whose report.json kept the intake's results ("revoked": true): the signed flag
    list is the desk's view at export (none), README.txt and report.html said 'Flags: none',
    and verify fell back to the record's fields and printed 'FLAG revoked-source' and refused
    the bundle as flagged. Verify now reads the list the README shows, and says what the
    record states at step 8."""
    import shutil

    from tysha.desk.store import DeskStore

    desk = tmp_path / "desk"
    shutil.copytree(world["desk"], desk)
    run("desk", "restore", "Source 1", "--desk", str(desk), "--reason", "false alarm",
        env=world["denv"])
    out = tmp_path / "restored.zip"
    run("desk", "export", "--desk", str(desk), "--out", str(out), env=world["denv"])
    m = members(out)
    index = json.loads(m["bundle.json"])
    assert index["flags"] and not any(index["flags"].values())
    store = DeskStore.open(desk, DESK_PASS)
    try:
        seed = store.identity.sign_seed
        intake = {r.id: r.data for r in store.list_reports()}
    finally:
        store.close()
    [rid] = [r for r in index["reports"] if intake[r]["revoked"]]
    # As a desk before report.json stated its view at export wrote it: the intake's results.
    rep = json.loads(m[f"reports/{rid}/report.json"])
    rep.update({k: intake[rid][k] for k in ("trusted", "revoked", "flag_codes")})
    assert rep["revoked"] is True and rep["trusted"] is False
    m[f"reports/{rid}/report.json"] = canonical_json(rep)
    index["files"][f"reports/{rid}/report.json"] = hashlib.sha256(
        m[f"reports/{rid}/report.json"]).hexdigest()
    raw = canonical_json(index)
    m["bundle.json"], m["bundle.sig"] = raw, sign_message(seed, BUNDLE_DOMAIN, raw).hex().encode()
    earlier = tmp_path / "earlier.zip"
    with zipfile.ZipFile(earlier, "w") as z:
        for n, b in m.items():
            z.writestr(n, b)
    readme = m["README.txt"].decode()
    assert f"Report {rid}\n  Flags: none" in readme and "0 carry flags" in readme
    r = run("verify", str(earlier), "--desk-key", world["info"]["fingerprint"],
            "--drop-key", world["vkey"], check=False)
    assert r.returncode == 0 and "FLAG" not in r.stdout, r.stdout + r.stderr
    assert "bundle ok: 2 reports verified offline" in r.stdout
    assert (f"[8] note  report {rid}: its report.json states flags the bundle's signed flag "
            "list does not carry (revoked-source: ") in r.stdout


def test_only_a_share_is_said_to_be_signed_by_a_handler_desk(world: dict[str, Any]) -> None:
    """README.txt and report.html say a report whose report.json names a handler desk's key was
    signed by that desk, not its source: a report its source signed may not be so named (the
    re-derived README would tell the court another signer than the envelope's)."""
    from tests.verify.test_fuzz_bundle import FRESH, rebuild

    m = members(world["genuine"])
    m["custody.json"] = resign_segment(m["custody.json"], FRESH)
    index = json.loads(m["bundle.json"])
    rid = index["reports"][0]
    rep = json.loads(m[f"reports/{rid}/report.json"])
    rep["shared_by_key"] = FRESH.public().to_text()
    m[f"reports/{rid}/report.json"] = canonical_json(rep)
    out = rebuild(m, index)
    assert "Shared by a handler desk" in out["README.txt"].decode()
    path = world["tmp"] / "not-a-share.zip"
    with zipfile.ZipFile(path, "w") as z:
        for n, b in out.items():
            z.writestr(n, b)
    r = run("verify", str(path), check=False)
    assert r.returncode == 1 and "step 5" in r.stderr and "shared_by_key" in r.stderr, r.stderr


def test_receipt_checks_in_process(world: dict[str, Any]) -> None:
    import pytest

    from tysha.errors import BadInput, VerificationError
    from tysha.evidence.receipts import check_courier_receipts, check_receipt
    from tysha.protocol import Receipt
    from tysha.transport.courier import read_receipts

    note, _cons, receipts = read_receipts(world["receipts"])
    checks = check_courier_receipts(note, receipts, [world["vkey"]])
    assert [c.error for c in checks] == [None, None] and checks[0].checkpoint is not None
    with pytest.raises(BadInput):
        check_courier_receipts(note, receipts, [])
    other = Receipt(receipts[0].envelope_digest, receipts[0].index, note + " ", receipts[0].proof)
    assert check_courier_receipts(note, [other], [world["vkey"]])[0].error == (
        "not proved against the file's checkpoint")
    wrong = check_courier_receipts(note, receipts, [OTHER_DROP])
    assert all(c.error for c in wrong)
    assert check_receipt(receipts[0], world["vkey"], [world["vkey"]]).size >= 2
    with pytest.raises(VerificationError, match="not a pinned one"):
        check_receipt(receipts[0], world["vkey"], [OTHER_DROP])


def test_format_1_bundles_still_verify_and_their_flags_come_from_the_records(
        world: dict[str, Any]) -> None:
    """Bundles exported before format 2 (no flag list, no summary) verify under the pinned
    desk key; flags are then derived from each report.json (`revoked`, `trusted`, ...)."""
    from tysha.desk.store import DeskStore

    store = DeskStore.open(world["desk"], DESK_PASS)
    try:
        seed = store.identity.sign_seed
        # Format 1 desks put their whole custody log in the bundle.
        whole_log = canonical_json(store.custody_events())
    finally:
        store.close()
    for src, name in ((world["genuine"], "v1-genuine.zip"), (world["flagged"], "v1-flagged.zip")):
        m = members(src)
        index = json.loads(m.pop("bundle.json"))
        m.pop("bundle.sig")
        m.pop("README.txt")
        for newer in ("report.html", "report.pdf", "anchor.json"):  # format 3 members
            m.pop(newer, None)
            index["files"].pop(newer, None)
        index.pop("lang", None)
        index["format"] = "tysha-bundle/1"
        del index["flags"]
        del index["files"]["README.txt"]
        m["custody.json"] = whole_log
        index["files"]["custody.json"] = hashlib.sha256(whole_log).hexdigest()
        raw = canonical_json(index)
        path = world["tmp"] / name
        with zipfile.ZipFile(path, "w") as z:
            for n, b in m.items():
                z.writestr(n, b)
            z.writestr("bundle.json", raw)
            z.writestr("bundle.sig", sign_message(seed, BUNDLE_DOMAIN, raw).hex())
        r = run("verify", str(path), "--desk-key", world["info"]["fingerprint"],
                "--drop-key", world["vkey"], check=False)
        if src == world["genuine"]:
            assert r.returncode == 0 and "bundle ok: 1 report verified" in r.stdout, r.stderr
        else:
            # Only the report that arrived after the revocation says so in its own record.
            assert r.returncode == 1 and "[8] FLAG" in r.stdout and "revoked-source" in r.stdout


def test_pins_that_are_not_keys_are_named(world: dict[str, Any]) -> None:
    bad = run("verify", str(world["genuine"]), "--drop-key", "other+01234567+AAAA", check=False)
    assert bad.returncode == 1 and "is not a drop key" in bad.stderr
    bad = run("verify", str(world["genuine"]), "--desk-key", "12345", check=False)
    assert bad.returncode == 1 and "fingerprint (30 digits)" in bad.stderr
    bad = run("verify", str(world["receipts"]), "--drop-key", "nonsense", check=False)
    assert bad.returncode == 1 and "is not a drop key" in bad.stderr


def test_a_bundle_carries_no_reply_the_desk_wrote_to_the_source(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """report.json was the desk's whole record but the content key: it carried every reply
    the handler wrote to the source, word for word (a private conversation no court asked
    for, which can name the source or a meeting), and verify printed it at step 8. The
    handler exported reports, not that conversation. The custody segment still records that
    a reply was sent (its envelope's drop entry and digest), never its words."""
    from tests.desk.test_service import _body, _desk, _send

    desk, inv = _desk(tmp_path, drop)
    _send(drop[0], desk, inv, Identity.generate(os.urandom), _body(text="shelling at dawn"))
    desk.fetch()
    rid = desk.reports()[0].id
    secret = "Olena, it is Petro from the market: delete the app after this"
    assert desk.reply(rid, secret).sent
    out = tmp_path / "replied.zip"
    desk.export(out, [rid])
    fingerprint = desk.fingerprint
    desk.close()
    m = members(out)
    assert not any(secret.encode() in b for b in m.values())
    assert "replies" not in json.loads(m[f"reports/{rid}/report.json"])
    assert b'"replied"' in m["custody.json"]  # that it was sent stays in custody
    r = run("verify", str(out), "--desk-key", fingerprint, "--drop-key", drop[1])
    assert "bundle ok" in r.stdout and secret not in r.stdout
