"""Corroboration at the desk: suggestions a person reviews, never automatic merges (issue 12).

* **Exact duplicates**: the same attachment (SHA-256 of the original) in several reports.
* **Near-duplicate photos**: PDQ hashes (``pdqhash``), all 8 dihedral transforms of each new
  photo queried against a multi-index (:class:`tysha.evidence.corroboration.HashIndex`).
  Hashing runs in a worker process pool (:func:`update_index`, called by ``desk fetch`` and
  ``desk corroborate`` on the CLI with a progress bar) — never on a web request: the web desk
  reads only the persisted result.
* **Clusters**: reports close in time and place sharing a category or a perpetrator unit.

The index (hashes, which photo each is, the near-duplicate pairs found) is persisted sealed in
the desk folder (``corroboration.idx``): a PDQ hash could be tested against a known photo,
so it is as private as the photo.
"""

from __future__ import annotations

import json
import os
import re
import struct
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from typing import Any

import numpy as np

from tysha.desk.store import DeskStore
from tysha.errors import StorageError, VerificationError
from tysha.evidence.corroboration import (
    PDQ_MATCH,
    PDQ_MIN_QUALITY,
    Facts,
    HashIndex,
    clusters,
)

__all__ = ["MediaIndex", "hash_photo", "load_index", "suggestions", "update_index"]

INDEX_FILE = "corroboration.idx"
_MAGIC = b"TYCI1\x00"
_MAX_PIXELS = 60_000_000  # a larger "photo" is a decompression bomb, not evidence
# JPEG decodes at 1/2…1/8 scale to at least this size (draft mode): PDQ reduces to 64×64 anyway,
# and resampling again here was measured to cost rotation robustness (distances 30+ vs ≤ 22).
_DRAFT_SIDE = 256
_MAX_SIDE = 1024  # other formats (no draft mode) are reduced to this before hashing


def hash_photo(data: bytes) -> tuple[list[bytes], int] | None:
    """The 8 dihedral PDQ hashes (32 bytes each) of an image and its quality; None if the
    bytes are not an image Pillow reads within the pixel limit. Runs in a worker process."""
    import warnings

    import pdqhash
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = _MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            import io

            with Image.open(io.BytesIO(data)) as src:
                src.draft("RGB", (_DRAFT_SIDE, _DRAFT_SIDE))  # JPEG: decode at reduced scale
                img = src.convert("RGB")
                if max(img.size) > _MAX_SIDE:
                    img.thumbnail((_MAX_SIDE, _MAX_SIDE))
                arr = np.asarray(img)
        vectors, quality = pdqhash.compute_dihedral(arr)
    except Exception:  # noqa: BLE001 — hostile bytes: any failure means "not a photo"
        return None
    return [np.packbits(np.asarray(v, dtype=np.uint8)).tobytes() for v in vectors], int(quality)


class MediaIndex:
    """The persisted state: which attachments were looked at, their hashes, pairs found."""

    def __init__(self) -> None:
        self.seen: set[str] = set()  # "rid/n" looked at (hashed, skipped or unreadable)
        self.items: list[tuple[str, int, int]] = []  # per hash row: report, attachment, quality
        self.pairs: list[tuple[str, int, str, int, int]] = []  # a, n, b, m, distance
        self.index = HashIndex()

    def to_bytes(self) -> bytes:
        meta = json.dumps({"seen": sorted(self.seen), "items": self.items,
                           "pairs": self.pairs}).encode()  # fmt: skip
        return _MAGIC + struct.pack(">Q", len(meta)) + meta + self.index.rows().tobytes()

    @classmethod
    def from_bytes(cls, raw: bytes) -> MediaIndex:
        if not raw.startswith(_MAGIC) or len(raw) < len(_MAGIC) + 8:
            raise StorageError("the corroboration index is damaged; delete it to rebuild")
        (n,) = struct.unpack(">Q", raw[len(_MAGIC) : len(_MAGIC) + 8])
        body = len(_MAGIC) + 8
        try:
            meta = json.loads(raw[body : body + n])
            rows = np.frombuffer(raw[body + n :], np.uint8).reshape(-1, 32)
        except ValueError:
            raise StorageError("the corroboration index is damaged; delete it to rebuild") from None
        mi = cls()
        mi.seen = set(meta["seen"])
        mi.items = [tuple(x) for x in meta["items"]]
        mi.pairs = [tuple(x) for x in meta["pairs"]]
        mi.index = HashIndex(rows.copy())
        return mi


def load_index(store: DeskStore) -> MediaIndex:
    try:
        raw = store.read_sealed_file(INDEX_FILE)
    except VerificationError:
        raise StorageError(
            "the corroboration index does not decrypt; delete it to rebuild"
        ) from None
    return MediaIndex() if raw is None else MediaIndex.from_bytes(raw)


def _pending(store: DeskStore, mi: MediaIndex) -> list[tuple[str, int, str, int]]:
    out = []
    for rid in sorted(store.report_ids()):
        for n, a in enumerate(store.get_report(rid).data.get("attachments", [])):
            key = f"{rid}/{n}"
            if key in mi.seen:
                continue
            if str(a.get("media_type", "")).startswith("image/") and a.get("blob"):
                out.append((rid, n, str(a["blob"]), int(a.get("size") or 0)))
            else:
                mi.seen.add(key)  # not a photo (video frames: not yet sampled)
    return out


def update_index(
    store: DeskStore,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int | None = None,
) -> int:
    """Hash the photos not yet indexed (in a process pool) and record near-duplicate pairs;
    returns how many photos were hashed. Safe to interrupt: the index is written every 64
    batches and at the end, each time whole (atomically replaced)."""
    mi = load_index(store)
    todo = _pending(store, mi)
    done = 0
    if todo:
        workers = workers or os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=workers) as pool:
            # Decrypt here (the key never goes to a worker); hash there, a bounded batch at a
            # time so memory holds a few photos per worker, not the whole desk.
            batch = max(1, workers * 4)
            for start in range(0, len(todo), batch):
                part = todo[start : start + batch]
                datas = [store.blob_bytes(blob, size) for _rid, _n, blob, size in part]
                for (rid, n, _b, _s), res in zip(part, pool.map(hash_photo, datas), strict=True):
                    mi.seen.add(f"{rid}/{n}")
                    done += 1
                    if progress:
                        progress("hashing photos", done, len(todo))
                    if res is None or res[1] < PDQ_MIN_QUALITY:
                        continue  # unreadable or too flat to compare: matches everything
                    hashes, quality = res
                    for pos, dist in mi.index.query_dihedral(hashes, PDQ_MATCH):
                        orid, on, _q = mi.items[pos]
                        if orid != rid:
                            mi.pairs.append((orid, on, rid, n, dist))
                    mi.index.add(np.frombuffer(hashes[0], np.uint8).reshape(1, 32))
                    mi.items.append((rid, n, quality))
                if start // batch % 64 == 63:
                    # A checkpoint now and then: an interrupted first run over a big desk
                    # keeps most of its work.
                    store.write_sealed_file(INDEX_FILE, mi.to_bytes())
    store.write_sealed_file(INDEX_FILE, mi.to_bytes())
    return done


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _seconds(text: str) -> int | None:
    """A report's time as the source gave it (ISO day or time) in seconds, or None."""
    text = text.strip()
    try:
        if _DAY.fullmatch(text):
            t = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        else:
            t = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if t.tzinfo is None:
                t = t.replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(t.timestamp())


def _facts(rid: str, d: dict[str, Any], units: set[str]) -> Facts:
    when = _seconds(str(d.get("when") or ""))
    lat = lon = None
    for a in d.get("attachments", []):
        claims = a.get("claims") or {}
        gps = claims.get("exif_gps")
        if lat is None and isinstance(gps, list) and len(gps) == 2:
            if all(type(x) is int for x in gps):  # the intake checked it; a desk file may lie
                lat, lon = gps[0], gps[1]
        if when is None and isinstance(claims.get("device_time"), str):
            when = _seconds(claims["device_time"])
    return Facts(
        rid, when, lat, lon, " ".join(str(d.get("where") or "").lower().split()),
        frozenset(str(c).lower() for c in d.get("categories", [])), frozenset(units),
    )  # fmt: skip


def suggestions(store: DeskStore) -> dict[str, Any]:
    """Everything the desk suggests, from what is stored (no hashing here: the web face
    calls this on a request)."""
    reports = {rid: store.get_report(rid).data for rid in store.report_ids()}
    incidents = store.incidents()
    grouped = [set(i.reports) for i in incidents]
    units: dict[str, set[str]] = {}
    for inc in incidents:
        for act in inc.acts:
            for rid in act.reports:
                units.setdefault(rid, set()).update(
                    p.unit.strip().lower() for p in act.perpetrators if p.unit.strip()
                )

    def reviewed(ids: set[str]) -> bool:
        return any(ids <= g for g in grouped)  # already one incident: nothing to suggest

    by_sha: dict[str, set[str]] = {}
    for rid, d in reports.items():
        for a in d.get("attachments", []):
            if a.get("sha256"):
                by_sha.setdefault(str(a["sha256"]), set()).add(rid)
    exact = [
        {"kind": "exact", "sha256": sha, "reports": sorted(ids),
         "why": f"the same file (SHA-256) in {len(ids)} reports"}
        for sha, ids in sorted(by_sha.items()) if len(ids) > 1 and not reviewed(ids)
    ]  # fmt: skip
    mi = load_index(store)
    near = []
    for a, n, b, m, dist in mi.pairs:
        if a not in reports or b not in reports or reviewed({a, b}):
            continue
        near.append({"kind": "photo", "reports": sorted([a, b]),
                     "attachments": [[a, n], [b, m]], "distance": dist,
                     "why": f"near-duplicate photos (PDQ distance {dist} of 256)"})  # fmt: skip
    facts = [_facts(rid, d, units.get(rid, set())) for rid, d in reports.items()]
    groups = [
        {"kind": "cluster", "reports": sorted(c.reports), "reasons": list(c.reasons),
         "why": c.summary}
        for c in clusters(facts) if not reviewed(set(c.reports))
    ]  # fmt: skip
    return {
        "exact": exact,
        "near_duplicates": near,
        "clusters": groups,
        "index": {"photos": len(mi.items), "looked_at": len(mi.seen)},
    }
