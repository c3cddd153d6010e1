"""The browser page's JavaScript against the Python code (issue 11).

* the vectors tests/js/ checks are what tests/vectors/js/generate.py writes (byte for byte);
* node's test runner passes tests/js/ (JS against Python-made vectors: Python seals, JS opens);
* an envelope sealed by the page's code in node opens in Python, with the capture attestation
  and manifest signature verified (JS seals, Python opens);
* the vendored libraries match their record (tools/vendor_js.py --check).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import cbor
from tysha.protocol.codename import identity_from_codename
from tysha.protocol.envelope import open_envelope
from tysha.protocol.keys import Identity
from tysha.protocol.manifest import client_of
from tysha.protocol.sealed_report import read_report

ROOT = Path(__file__).resolve().parents[2]
VEC = ROOT / "tests" / "vectors" / "js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (JS tests need node 20)")


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("js_vectors", VEC / "generate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _doc() -> dict:  # type: ignore[type-arg]
    return json.loads((VEC / "vectors.json").read_text())


def test_js_vectors_regenerate_byte_for_byte() -> None:
    # X-Wing envelopes draw ML-KEM randomness inside pyca/cryptography: they cannot repeat, so
    # the reply vectors are compared by opening them (below), everything else byte for byte.
    fresh = json.loads(_generator().render())
    stored = _doc()
    fresh.pop("reply")
    stored.pop("reply")
    assert fresh == stored


def test_reply_vectors_open_in_python() -> None:
    doc = _doc()
    c = doc["codenames"][0]
    me = identity_from_codename(c["codename"], ops=c["ops"], mem=c["mem_kib"] * 1024)
    opened = open_envelope(bytes.fromhex(doc["reply"]["envelope"]), me)
    report, _ = read_report([opened.content], kind="reply")
    assert report.manifest.body["text"] == doc["reply"]["text"]


def test_bad_cbor_vectors_are_bad_in_python_too() -> None:
    for bad in _doc()["cbor_bad"]:
        with pytest.raises(ProtocolError):
            cbor.decode(bytes.fromhex(bad))


@needs_node
def test_node_suite_passes() -> None:
    proc = subprocess.run(
        [NODE, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout


@needs_node
def test_js_sealed_report_opens_in_python_for_handler_and_escrow() -> None:
    proc = subprocess.run(
        [NODE, "tests/js/seal_report.mjs"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    env = bytes.fromhex(proc.stdout)
    doc = _doc()
    c = doc["codenames"][0]
    source = identity_from_codename(c["codename"], ops=c["ops"], mem=c["mem_kib"] * 1024)
    for who in ("handler", "escrow"):
        me = Identity.from_bytes(bytes.fromhex(doc["identities"][who]))
        opened = open_envelope(env, me)
        report, files = read_report([opened.content])
        assert report.capture_verified, report.capture_problems
        assert report.manifest.sender == source.public()
        assert report.manifest.enrolment == bytes.fromhex(doc["invitation"]["secret"])
        assert report.manifest.body["categories"] == ["detention"]
        assert client_of(report.manifest.body) == "browser"  # signed by the page (issue 11)
        assert files == [bytes.fromhex(doc["report"]["photo"])]
        assert report.attachments[0].claims["exif_gps"] == [50450000, 30523333]
    stranger = Identity.from_bytes(bytes.fromhex(doc["identities"]["dh_recipient"]))
    with pytest.raises(VerificationError):
        open_envelope(env, stranger)
    flipped = bytearray(env)
    flipped[-20] ^= 1
    me = Identity.from_bytes(bytes.fromhex(doc["identities"]["handler"]))
    with pytest.raises(VerificationError):
        open_envelope(bytes(flipped), me)


def test_vendored_libraries_match_their_record() -> None:
    proc = subprocess.run(
        [sys.executable, "tools/vendor_js.py", "--check"], cwd=ROOT, capture_output=True,
        text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def test_vendor_check_notices_a_changed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("vendor_js", ROOT / "tools" / "vendor_js.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    page = tmp_path / "page"
    shutil.copytree(mod.PAGE / "static" / "vendor", page / "static" / "vendor")
    shutil.copy(mod.RECORD, page / "vendor.lock.json")
    monkeypatch.setattr(mod, "PAGE", page)
    monkeypatch.setattr(mod, "OUT", page / "static" / "vendor")
    monkeypatch.setattr(mod, "RECORD", page / "vendor.lock.json")
    assert mod.check() == []
    target = page / "static" / "vendor" / "noble.js"
    target.write_bytes(target.read_bytes() + b"\n//x")
    assert any("does not match" in p for p in mod.check())


def test_page_work_table_matches_python_work_bits() -> None:
    """tests/js/core.test.mjs checks core.js's workBits against WORK_TABLE; the same
    table must hold for the drop's own work_bits wherever that exists."""
    pow_mod = pytest.importorskip("tysha.protocol.pow")
    work_bits = getattr(pow_mod, "work_bits", None)
    if work_bits is None:
        pytest.skip("this tree's drop prices work per envelope, not per byte")
    text = (ROOT / "tests" / "js" / "core.test.mjs").read_text()
    body = text.split("WORK_TABLE = [", 1)[1].split("];", 1)[0]
    body = body.replace("2 ** 32", str(1 << 32)).replace("10 << 20", str(10 << 20))
    rows = json.loads("[" + body.strip().rstrip(",") + "]")
    assert len(rows) >= 10
    for length, base, unit, load, bits in rows:
        assert work_bits(length, base, unit, load) == bits, (length, base, unit, load)
