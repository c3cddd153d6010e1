"""Build a desk with reports in it without a drop: the cases code reads only stored reports."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

from tysha.desk.service import Desk
from tysha.desk.store import now_iso

PASS = "cases test passphrase"


def make_desk(tmp_path: Path, role: str = "handler") -> Desk:
    Desk.init(tmp_path / "desk", "Cell", PASS, role)
    return Desk.open(tmp_path / "desk", PASS)


def add_report(
    desk: Desk,
    source_key: str | None,
    *,
    categories: tuple[str, ...] = ("det",),
    when: str = "",
    where: str = "",
    photos: tuple[bytes, ...] = (),
    gps: tuple[int, int] | None = None,
) -> str:
    """Store a report as fetch would (the fields the cases code reads)."""
    atts: list[dict[str, Any]] = []
    for data in photos:
        w = desk.store.blob_writer()
        w.write(data)
        w.close()
        claims: dict[str, Any] = {"size": len(data)}
        if gps:
            claims["exif_gps"] = list(gps)
        atts.append({"name": "p.jpg", "sha256": hashlib.sha256(data).hexdigest(),
                     "size": len(data), "media_type": "image/jpeg", "blob": w.name,
                     "capture_verified": True, "claims": claims})  # fmt: skip
    data = {"categories": list(categories), "text": "seen", "when": when, "where": where,
            "received_at": now_iso(), "attachments": atts, "source_key": source_key,
            "source_id": None, "source": "Source 1", "trusted": True}  # fmt: skip
    return desk.store.add_report(os.urandom(32), data)


def jpeg(img: Any, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()
