"""Issue 9.14: one broken EXIF value drops only that claim, never the others."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, TiffImagePlugin

from tysha.source.device import _exif_claims


def _photo(path: Path, lat: tuple[object, ...]) -> Path:
    im = Image.new("RGB", (16, 16), (120, 30, 30))
    exif = im.getexif()
    exif[306] = "2026:11:28 09:15:00"
    r = TiffImagePlugin.IFDRational
    exif[0x8825] = {1: "N", 2: lat, 3: "E", 4: (r(33, 1), r(30, 1), r(0, 1))}
    im.save(path, "JPEG", exif=exif)
    return path


def test_good_gps_and_time_are_claimed(tmp_path: Path) -> None:
    r = TiffImagePlugin.IFDRational
    claims = _exif_claims(_photo(tmp_path / "a.jpg", (r(46, 1), r(38, 1), r(0, 1))))
    assert claims["exif_time"] == "2026:11:28 09:15:00"
    assert claims["exif_gps"] == [46_633_333, 33_500_000]


def test_a_nan_rational_drops_only_the_position(tmp_path: Path) -> None:
    r = TiffImagePlugin.IFDRational
    claims = _exif_claims(_photo(tmp_path / "b.jpg", (r(46, 0), r(38, 1), r(0, 1))))
    assert "exif_gps" not in claims
    assert claims["exif_time"] == "2026:11:28 09:15:00"
