"""Issue 14, formats: RFC 8785 canonical JSON with a published JSON Schema, the readable
report page in each bundle (in the team's language, checked by `tysha verify`), and the Uwazi
CSV export read back with csv against the published template."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.desk.test_service import _body, _desk, _send
from tests.verify.conftest import run
from tysha.evidence.custody import canonical_json, es6_number
from tysha.protocol import Identity

DOCS = Path(__file__).parents[2] / "docs" / "schema"


# --- RFC 8785 ------------------------------------------------------------------------------------


def test_rfc8785_example_and_key_order() -> None:
    # RFC 8785 §3.2.2 (the example object) and §3.2.3 (sorting by UTF-16 code units).
    src = ('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
           ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
           ' "literals": [null, true, false]}')
    want = ('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
            '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}')
    assert canonical_json(json.loads(src)).decode() == want
    keys = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001f600": 5, "\x80": 6, "\xf6": 7}
    order = list(json.loads(canonical_json(keys)))
    assert order == ["\r", "1", "\x80", "\xf6", "\u20ac", "\U0001f600", "\ufb33"]


@pytest.mark.parametrize(("bits", "text"), [
    # RFC 8785 Appendix B (IEEE 754 bit pattern -> ECMAScript form)
    ("0000000000000000", "0"), ("8000000000000000", "0"), ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"), ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"), ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"), ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"), ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"), ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"), ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"), ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"), ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"), ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"), ("43143ff3c1cb0959", "1424953923781206.2"),
])
def test_rfc8785_numbers(bits: str, text: str) -> None:
    x = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert es6_number(x) == text
    assert canonical_json([x]) == f"[{text}]".encode()


# --- a desk's exports ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tysha.drop.launcher import threaded_drop

    tmp = tmp_path_factory.mktemp("formats")
    with threaded_drop(tmp) as drop:
        desk, inv = _desk(tmp, drop)
        src = Identity.generate(os.urandom)
        _send(drop[0], desk, inv, src, _body(
            text="=HYPERLINK(\"http://x\") <script>alert(1)</script> shelling of the school",
            when="2026-03-01T05:40:00Z", where="Posad-Pokrovske", categories=["atk", "det"]))
        _send(drop[0], desk, inv, src, _body(text="second | report", categories=["kil"]))
        desk.fetch()
        # The shelling report first.
        ids = [v.id for v in sorted(desk.reports(), key=lambda v: "shelling" not in v.text)]
        desk.add_qualification(ids[0], "RS 7(1)(i)", "medium", "analyst A")
        desk.anchor()
        desk.store.set_setting("lang", "uk")
        out = tmp / "b.zip"
        desk.export(out, [ids[0]])
        desk.export_uwazi(tmp / "uwazi")
        fp = desk.fingerprint
        desk.close()
        yield {"out": out, "uwazi": tmp / "uwazi", "ids": ids, "fp": fp, "tmp": tmp}


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_bundle_json_is_canonical_and_matches_the_published_schema(exported: Any) -> None:
    schema = json.loads((DOCS / "bundle.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    m = _members(exported["out"])
    for name, ref in (("bundle.json", None), ("custody.json", "custody_segment"),
                      ("anchor.json", "anchor")):
        doc = json.loads(m[name])
        assert canonical_json(doc) == m[name], name
        sub = schema if ref is None else {**schema, "$ref": f"#/$defs/{ref}"}
        if ref is not None:
            sub = {"$schema": schema["$schema"], "$defs": schema["$defs"],
                   "$ref": f"#/$defs/{ref}"}
        jsonschema.validate(doc, sub)
    index = json.loads(m["bundle.json"])
    assert index["format"] == "tysha-bundle/3" and index["lang"] == "uk"
    bad = dict(index, format="tysha-bundle/9")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_report_page_is_readable_escaped_in_the_team_language_and_checked(exported: Any) -> None:
    m = _members(exported["out"])
    page = m["report.html"].decode()
    rid = exported["ids"][0]
    report = json.loads(m[f"reports/{rid}/report.json"])
    assert "Судовий пакет" in page and "Як перевірити" in page  # the desk's language: uk
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "default-src 'none'" in page
    assert report["envelope_digest"] in page and report["source_fingerprint"] in page
    for action in ("received", "qualified", "export-started"):
        assert f"<td>{action}</td>" in page
    assert "tysha verify THIS_FILE.zip" in page
    r = run("verify", str(exported["out"]), "--desk-key", exported["fp"])
    assert "[3] ok" in r.stdout
    # The page altered (and the bundle re-hashed and re-signed by the same desk) is refused.
    from tests.verify.test_fuzz_bundle import rebuild

    index = json.loads(m["bundle.json"])
    out = rebuild(m, index)  # re-signed by another key, every member consistent again
    tampered = out["report.html"].replace(b"<h1>", b"<h1>Verified, no flags. ")
    assert tampered != out["report.html"]
    sha = hashlib.sha256(tampered).hexdigest()
    out = rebuild(m, index, edit_index=lambda ix: ix["files"].__setitem__("report.html", sha))
    out["report.html"] = tampered
    forged = exported["tmp"] / "page.zip"
    with zipfile.ZipFile(forged, "w") as z:
        for n, b in out.items():
            z.writestr(n, b)
    bad = run("verify", str(forged), check=False)
    assert bad.returncode == 1 and "step 3" in bad.stderr
    assert "report.html does not match the signed data" in bad.stderr


def test_bundle_carries_the_page_as_pdf(exported: Any) -> None:
    m = _members(exported["out"])
    pdf = m["report.pdf"]
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:]
    r = run("verify", str(exported["out"]), "--desk-key", exported["fp"])
    assert "report.pdf is the desk's typesetting of report.html" in r.stdout


def test_uwazi_csv_reads_back_against_the_template(exported: Any) -> None:
    tpl = json.loads((DOCS / "uwazi-template.json").read_text())
    props = {p["name"]: p for p in tpl["properties"]}
    thesauri: dict[str, set[str]] = {}
    for name in tpl["thesauri"]:
        with open(exported["uwazi"] / "thesauri" / f"{name}.csv", newline="",
                  encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert rows[0] == ["en", "uk", "ru"] and len(rows) - 1 == tpl["thesauri"][name]["values"]
        thesauri[name] = {r[0] for r in rows[1:]}
    with open(exported["uwazi"] / "entities.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and list(rows[0]) == [p["name"] for p in tpl["properties"]]
    by_id = {r["report_id"]: r for r in rows}
    assert set(by_id) == set(exported["ids"])
    for row in rows:
        assert row["title"]
        for name, p in props.items():
            value = row[name]
            if p["type"] in ("select", "multiselect") and value:
                for v in value.split("|"):
                    assert v in thesauri[p["thesaurus"]], (name, v)
            if p["type"] == "date" and value:
                assert re.match(r"^\d{4}-\d{2}-\d{2}", value), (name, value)
            if p["type"] == "geolocation" and value:
                assert re.fullmatch(r"-?\d+\.\d+\|-?\d+\.\d+", value)
    first = by_id[exported["ids"][0]]
    # A formula never reaches a spreadsheet as one; the report's words are otherwise intact.
    assert first["description"].startswith("'=HYPERLINK") and "shelling" in first["description"]
    assert first["legal_qualifications"] == "RS 7(1)(i)"
    assert set(first["categories"].split("|")) >= {"detained / disappeared"}
    # '|' separates Uwazi values: inside a text it is kept (the CSV quotes it).
    assert by_id[exported["ids"][1]]["description"] == "second | report"


def test_uwazi_markdown_cells_make_no_link_image_or_html() -> None:
    """description and attachments are Uwazi markdown: a report's '![](https://…)' became an
    image every analyst's browser fetched from the sender's server on opening the entity
    (telling the sender who looks, and from where), '[verified](…)' a link in the desk's
    voice, '<img …>' HTML. Their brackets are escaped: Uwazi shows the words as written."""
    from tysha.evidence.uwazi import entity_rows

    text = ("see ![x](https://evil.example/p.png) and [verified](https://evil.example/) "
            "<img src=https://evil.example/q.png> \\[kept\\] | pipe")
    rows = entity_rows([("r1", {"text": text, "attachments": [
        {"name": "![a](https://evil.example/a.png)", "size": 1, "sha256": "00"}]}, [])])
    row = dict(zip(rows[0], rows[1], strict=True))
    for cell in (row["description"], row["attachments"]):
        assert not re.search(r"(?<!\\)\]\(|(?<!\\)<", cell), cell  # each one escaped
    assert row["description"] == (
        "see !\\[x\\](https://evil.example/p.png) and \\[verified\\](https://evil.example/) "
        "\\<img src=https://evil.example/q.png> \\\\\\[kept\\\\\\] | pipe")
    assert row["title"] == text[:80]  # a text field: as written (Uwazi shows it as text)
