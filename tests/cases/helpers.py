"""Build a desk with reports in it without a drop: the cases code reads only stored reports."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

from tysha.desk.service import Desk
from tysha.desk.store import now_iso
from tysha.protocol import Identity

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
    trusted: bool = False,
) -> str:
    """Store a report as fetch would (the fields the cases code reads).

    By default the report is flagged (no enrolled source: "unknown sender", no verified
    receipt), as a throwaway key's report is. ``trusted=True`` stores one that passes every
    check: on a handler or escrow desk its key (one per ``source_key``) is enrolled through an
    invitation, on an analyst desk it is a share from a pinned handler desk; its receipt holds.
    """
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
    if trusted:
        data["receipt_verified"] = True
        if desk.store.role == "analyst":
            # as fetch stores a share the handler vouched for: both checks, no flags, sealed
            # for this desk (``to``)
            data.update(shared_by="pinned handler desk", handler_checks="capture receipt",
                        handler_flags=[], to=desk.store.public.fingerprint())  # fmt: skip
        else:
            data["source_id"] = _enrolled(desk, source_key or "")
    return desk.store.add_report(os.urandom(32), data)


def escrow_report(
    desk: Desk, ident: Identity, to: str | None = None, receipt: bool = True
) -> tuple[str, str]:
    """A report as an escrow desk's fetch stores it, from ``ident``'s key, which the escrow
    desk takes like every sender (it enrols no one): (report id, source id)."""
    src = desk.store.source_for(ident.public(), None)
    assert src is not None
    data = {"categories": ["det"], "text": "seen", "when": "2026-03-01", "where": "Tokmak",
            "received_at": now_iso(), "attachments": [], "source_key": ident.public().to_text(),
            "source_id": src.id, "source": src.pseudonym, "trusted": True, "to": to,
            "receipt_verified": receipt}  # fmt: skip
    return desk.store.add_report(os.urandom(32), data), src.id


def _enrolled(desk: Desk, label: str) -> str:
    """The id of the source enrolled for ``label`` (the same label, the same source)."""
    seed = hashlib.sha256(b"tysha test source " + label.encode()).digest()
    ident = Identity.generate(lambda n: hashlib.shake_256(seed).digest(n))
    secret = os.urandom(16)
    desk.store.add_invitation(secret, "http://127.0.0.1:1", "test-vkey", "")
    src = desk.store.source_for(ident.public(), secret)
    assert src is not None
    return src.id


def jpeg(img: Any, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()
