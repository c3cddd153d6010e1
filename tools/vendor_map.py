"""Vendor the web desk's offline base map (issue 12): Natural Earth country outlines from the
npm package ``world-atlas`` (ISC; the data is Natural Earth's, public domain), cut to the region
the desk works in, decoded from TopoJSON, rounded to 0.01° and written as plain JSON rings.

    npm pack world-atlas@2.0.2 && python tools/vendor_map.py world-atlas-2.0.2.tgz

No request ever leaves the desk for a map: this file is all the map there is.
"""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "src/tysha/desk/web/static/map/outline.json"
BBOX = (14.0, 40.0, 46.0, 57.0)  # lon min, lat min, lon max, lat max: Ukraine and neighbours


def decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs: delta-encoded integer positions, then the transform (spec §2.1.4)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], refs: list[int]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for r in refs:
        a = arcs[r] if r >= 0 else arcs[~r][::-1]  # a negative index is the reversed arc ~r
        pts.extend(a[1:] if pts else a)
    return pts


def main(tgz: str) -> None:
    with tarfile.open(tgz) as t:
        member = t.extractfile("package/countries-50m.json")
        licence = t.extractfile("package/LICENSE")
        assert member is not None and licence is not None
        topo = json.load(member)
        licence_text = licence.read().decode()
    arcs = decode_arcs(topo)
    out = []
    for g in topo["objects"]["countries"]["geometries"]:
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]] if g["arcs"] else []
        rings = []
        for poly in polys:
            for refs in poly:
                pts = ring(arcs, refs)
                if any(BBOX[0] <= x <= BBOX[2] and BBOX[1] <= y <= BBOX[3] for x, y in pts):
                    rings.append([[round(x, 2), round(y, 2)] for x, y in pts])
        if rings:
            out.append({"name": g["properties"]["name"], "rings": rings})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "source": "world-atlas 2.0.2 countries-50m (npm), from Natural Earth 4.1.0 Admin 0",
        "licence": "Natural Earth: public domain. world-atlas: ISC. " + licence_text.strip(),
        "bbox": BBOX,
        "countries": out,
    }, separators=(",", ":")))  # fmt: skip
    print(f"{OUT}: {len(out)} countries, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
