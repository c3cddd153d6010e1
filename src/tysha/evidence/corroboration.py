"""Corroboration suggestions, the pure part (issue 12): which reports may speak of one event.

Everything here *suggests*; a person confirms a suggestion into an incident. A near-duplicate
is corroboration to review, never a merge or a deletion.

* **PDQ** (Meta's perceptual hash, 256 bits): two photos are near-duplicates when the Hamming
  distance of their hashes is at most :data:`PDQ_MATCH` (31, the threshold Meta's
  ThreatExchange uses), trying all 8 dihedral transforms of the query (rotations and
  mirrors); hashes of quality below :data:`PDQ_MIN_QUALITY` (50: flat or tiny images) are
  ignored, they match everything.
* **Multi-index hashing** (Norouzi, Punjani, Fleet, "Fast search in Hamming space with
  multi-index hashing", CVPR 2012): the 256 bits are cut into 16 chunks of 16 bits; if two
  hashes differ in at most 31 bits, by the pigeonhole principle at least one chunk differs
  in at most ⌊31/16⌋ = 1 bit. Looking up each chunk's value and its 16 one-bit neighbours in
  sorted per-chunk tables finds every true match (exact recall) among few candidates, which
  are then checked by full Hamming distance. That is what keeps a query fast at 10^6 hashes.
* **Crops** (:data:`WINDOWS`): PDQ is not crop-robust by itself. Measured on generated photos, a
  copy with 5 % cut from each side is at distance ~77 from the original (recall 0), while a
  window of the original cut to the *same* box is at distance ~2; a box off by 0.5 % of a side
  gives ~20, off by 2 % gives ~40. So each photo is hashed also on a few canonical sub-windows:
  centre crops keeping 90, 80 and 70 % of each side (a crop of 5, 10, 15 % per side) and
  edge-anchored crops cutting 10 % from one side (top, bottom, left, right). The desk stores all
  of them (at most ``len(WINDOWS)`` = 8 rows per photo: bounded growth), whole images in one
  :class:`HashIndex` and sub-windows in another, and a new photo queries with all 8 dihedral
  hashes of every window. A pair counts when one side of it is a *whole* image (window 0): a new
  whole photo against a stored window catches a new crop of an old photo, a new window against a
  stored whole photo catches an old crop of a new photo (so a new photo's 7 windows search only
  the whole-image index). Window-against-window pairs are never looked for (they would mostly
  match shared backgrounds). Measured on 1,320 generated photos
  (tests/cases/test_near_duplicates.py): recall 1.0 for 5/10/15 % centre crops, 10 % edge crops
  and a 10 % crop rotated and shrunk; ~0.01–0.07 for 7.5 % and 12 % crops, 0 for a 10 % corner
  crop; no false match. What this matches: crops within about ±1 % of a canonical box, combined
  with re-encoding, resizing and any of the 8 rotations/mirrors (a centre crop commutes with
  them; the four edge windows map onto each other). What it does not: arbitrary off-centre
  crops, crops of more than ~15 % per side, crops inside video frames. False positives: every
  extra window is another chance for two unrelated images to meet within 31 bits (up to 8 × 8
  more comparisons per pair). Windows share the quality floor (a flat sky window is ignored),
  and on the generated set no unrelated pair matched; pictures with large uniform areas
  (documents, screenshots, night shots) are where a reviewer should expect false suggestions
  first — hence a suggestion says when a crop made the match ("one a cropped copy") so the
  reviewer looks at the right thing.
* **Video** is compared through the same path: sampled frames are hashed (whole frame only)
  and indexed as rows of their attachment with their time; a photo matching a frame or two
  videos sharing frames become suggestions.
* **Clusters**: reports linked when close in time *and* place (coordinates within a radius,
  or the same place name), and sharing a category or a perpetrator unit; each suggestion says
  why in plain words ("3 reports within 2 km and 6 h, same category").

Pure: no I/O, no clock; arrays come from numpy (computation only).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from tysha.errors import ProtocolError

__all__ = [
    "PDQ_MATCH",
    "PDQ_MIN_QUALITY",
    "WINDOWS",
    "Cluster",
    "Facts",
    "HashIndex",
    "clusters",
    "distance_m",
    "hamming",
    "window_box",
]

PDQ_MATCH = 31
PDQ_MIN_QUALITY = 50
# Sub-windows hashed per photo, as fractions cut from (left, top, right, bottom); 0 is the
# whole image and must stay first (see the module docstring for the method and its limits).
WINDOWS: tuple[tuple[float, float, float, float], ...] = (
    (0.0, 0.0, 0.0, 0.0),
    (0.05, 0.05, 0.05, 0.05),
    (0.10, 0.10, 0.10, 0.10),
    (0.15, 0.15, 0.15, 0.15),
    (0.0, 0.10, 0.0, 0.0),
    (0.0, 0.0, 0.0, 0.10),
    (0.10, 0.0, 0.0, 0.0),
    (0.0, 0.0, 0.10, 0.0),
)
_CHUNKS = 16  # 16 chunks × 16 bits; radius per chunk ⌊31/16⌋ = 1
_FLIPS = np.array([0] + [1 << b for b in range(16)], dtype=np.uint32)


def hamming(a: bytes, b: bytes) -> int:
    if len(a) != 32 or len(b) != 32:
        raise ProtocolError("a PDQ hash is 32 bytes")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def window_box(window: int, width: int, height: int) -> tuple[int, int, int, int]:
    """The pixel box (left, top, right, bottom; right/bottom exclusive) of sub-window
    ``window`` of a ``width`` × ``height`` image. Always non-empty for a non-empty image."""
    if not 0 <= window < len(WINDOWS):
        raise ProtocolError("no such sub-window")
    if width < 1 or height < 1:
        raise ProtocolError("an image has at least one pixel")
    cl, ct, cr, cb = WINDOWS[window]
    left, top = round(width * cl), round(height * ct)
    right, bottom = width - round(width * cr), height - round(height * cb)
    return left, top, max(right, left + 1), max(bottom, top + 1)


def _as_rows(hashes: np.ndarray) -> np.ndarray:
    h = np.ascontiguousarray(hashes, dtype=np.uint8)
    if h.ndim != 2 or h.shape[1] != 32:
        raise ProtocolError("PDQ hashes are rows of 32 bytes")
    return h


class HashIndex:
    """PDQ hashes (rows of 32 bytes) with a multi-index for radius-31 queries.

    New hashes go to a small tail searched exhaustively; :meth:`compact` folds the tail into
    the sorted chunk tables (done automatically when the tail grows past ``tail_max``). The
    tables address every 16-bit chunk value directly (a million entries, 8 MB, whatever the
    number of hashes), so an index of at most ``tail_max`` hashes -- a desk with a few hundred
    photos -- is all tail and never builds them.
    """

    def __init__(self, hashes: np.ndarray | None = None, tail_max: int = 4096) -> None:
        self.tail_max = tail_max
        self._main = np.zeros((0, 32), np.uint8)
        self._tail: list[np.ndarray] = []
        self._tail_n = 0
        self._tail_cache: np.ndarray | None = None
        self._build(self._main)
        if hashes is not None and len(hashes):
            rows = _as_rows(hashes)
            if len(rows) > tail_max:
                self._build(rows)
            else:
                self._tail, self._tail_n = [rows], len(rows)

    def __len__(self) -> int:
        return len(self._main) + self._tail_n

    def _build(self, rows: np.ndarray) -> None:
        self._main = rows
        if not len(rows):  # nothing to look up: no tables (queries skip an empty main part)
            self._words = np.zeros((0, 4), np.uint64)
            self._start = np.zeros(1, np.int64)
            self._order = np.zeros(0, np.int32)
            return
        self._words = rows.view(">u8").astype(np.uint64)
        chunks = rows.view(">u2").astype(np.uint16)  # (n, 16): chunk j = bytes 2j, 2j+1
        order = np.argsort(chunks, axis=0, kind="stable").astype(np.int32)
        keys = np.take_along_axis(chunks, order, axis=0).T.astype(np.uint32)  # (16, n) sorted
        # One flat table of row numbers, chunk by chunk, each chunk's rows by chunk value;
        # ``_start[j << 16 | v]`` is where chunk j's value v begins (direct addressing: a
        # lookup is two array reads, no search).
        flat = ((np.arange(_CHUNKS, dtype=np.uint32)[:, None] << 16) | keys).ravel()
        counts = np.bincount(flat, minlength=_CHUNKS << 16)
        self._start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._order = order.T.ravel()

    def add(self, hashes: np.ndarray) -> range:
        """Append hashes; returns their positions (stable: positions never move)."""
        rows = _as_rows(hashes)
        start = len(self)
        self._tail.append(rows)
        self._tail_n += len(rows)
        self._tail_cache = None
        if self._tail_n > self.tail_max:
            self.compact()
        return range(start, start + len(rows))

    def _tail_words(self) -> np.ndarray:
        """The tail as one array of 64-bit words (joined once after adds, not per query)."""
        if len(self._tail) > 1 or self._tail_cache is None:
            self._tail = [np.concatenate(self._tail)]
            self._tail_cache = self._tail[0].view(">u8").astype(np.uint64)
        return self._tail_cache

    def compact(self) -> None:
        if self._tail:
            self._build(np.concatenate([self._main, *self._tail]))
            self._tail, self._tail_n, self._tail_cache = [], 0, None

    def rows(self) -> np.ndarray:
        """Every hash, in position order (the tail is not folded in: that is for queries)."""
        return np.concatenate([self._main, *self._tail]) if self._tail else self._main

    def query(self, q: bytes, radius: int = PDQ_MATCH) -> list[tuple[int, int]]:
        """Positions within ``radius`` of ``q`` (≤ 31), with their distances, nearest first."""
        if len(q) != 32:
            raise ProtocolError("a PDQ hash is 32 bytes")
        if not 0 <= radius <= PDQ_MATCH:
            raise ProtocolError("the multi-index is built for a radius of at most 31")
        qrow = np.frombuffer(q, np.uint8).reshape(1, 32)
        qwords = qrow.view(">u8").astype(np.uint64)[0]
        out: list[tuple[int, int]] = []
        n = len(self._main)
        if n:
            qchunks = qrow.view(">u2").astype(np.uint32)[0]
            vals = ((np.arange(_CHUNKS, dtype=np.uint32) << 16)[:, None]
                    | (qchunks[:, None] ^ _FLIPS[None, :])).ravel()  # fmt: skip
            lo, hi = self._start[vals], self._start[vals + 1]
            lens = hi - lo
            total = int(lens.sum())
            if total:
                # Concatenated ranges [lo, hi) without a Python loop.
                starts = np.repeat(lo - np.cumsum(lens) + lens, lens)
                # Duplicates among candidates are cheaper to check than to remove first.
                cand = self._order[starts + np.arange(total)]
                d = np.bitwise_count(self._words[cand] ^ qwords).sum(axis=1)
                keep = d <= radius
                out += dict(zip(cand[keep].tolist(), d[keep].tolist(), strict=True)).items()
        if self._tail:
            words = self._tail_words()
            d = np.bitwise_count(words ^ qwords).sum(axis=1)
            idx = np.nonzero(d <= radius)[0]
            out += [(n + int(i), int(d[i])) for i in idx]
        out.sort(key=lambda t: (t[1], t[0]))
        return out

    def query_dihedral(self, qs: Sequence[bytes], radius: int = PDQ_MATCH) -> list[tuple[int, int]]:
        """The best distance per stored hash within ``radius`` of any of ``qs`` (a photo's 8
        dihedral hashes), nearest first: the same answer as :meth:`query` per hash, merged,
        computed in one vectorised pass."""
        if any(len(q) != 32 for q in qs):
            raise ProtocolError("a PDQ hash is 32 bytes")
        if not 0 <= radius <= PDQ_MATCH:
            raise ProtocolError("the multi-index is built for a radius of at most 31")
        if not qs:
            return []
        qrows = np.frombuffer(b"".join(qs), np.uint8).reshape(-1, 32)
        qwords = qrows.view(">u8").astype(np.uint64)  # (Q, 4)
        best: dict[int, int] = {}
        n = len(self._main)
        if n:
            qchunks = qrows.view(">u2").astype(np.uint32)  # (Q, 16)
            chunk_ids = (np.arange(_CHUNKS, dtype=np.uint32) << 16)[None, :, None]
            vals = (chunk_ids | (qchunks[:, :, None] ^ _FLIPS[None, None, :])).reshape(len(qs), -1)
            lo, hi = self._start[vals].ravel(), self._start[vals + 1].ravel()
            lens = hi - lo
            total = int(lens.sum())
            if total:
                starts = np.repeat(lo - np.cumsum(lens) + lens, lens)
                cand = self._order[starts + np.arange(total)]
                qi = np.repeat(np.arange(len(qs)).repeat(vals.shape[1]), lens)
                d = np.bitwise_count(self._words[cand] ^ qwords[qi]).sum(axis=1)
                keep = d <= radius
                for pos, dist in zip(cand[keep].tolist(), d[keep].tolist(), strict=True):
                    if dist < best.get(pos, 257):
                        best[pos] = dist
        if self._tail:
            words = self._tail_words()
            dmin = np.bitwise_count(words[None, :, :] ^ qwords[:, None, :]).sum(axis=2).min(axis=0)
            for i in np.nonzero(dmin <= radius)[0].tolist():
                best[n + i] = int(dmin[i])
        return sorted(best.items(), key=lambda t: (t[1], t[0]))


def distance_m(lat1_e6: int, lon1_e6: int, lat2_e6: int, lon2_e6: int) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius 6,371,008.8 m)."""
    p1, p2 = math.radians(lat1_e6 / 1e6), math.radians(lat2_e6 / 1e6)
    dp, dl = p2 - p1, math.radians((lon2_e6 - lon1_e6) / 1e6)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Facts:
    """What clustering knows of a report (the desk extracts it): seconds since the epoch,
    coordinates in micro-degrees, a normalised place name, categories, perpetrator units;
    ``span_s``: how long after ``when_s`` it may have been (a day for a report that gives
    only its date)."""

    report: str
    when_s: int | None = None
    lat_e6: int | None = None
    lon_e6: int | None = None
    place: str = ""
    categories: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    span_s: int = 0


def _apart_s(a: Facts, b: Facts) -> int:
    """Seconds between two reports' times (0 when their spans meet); both have a time."""
    a0, b0 = a.when_s or 0, b.when_s or 0
    return max(0, b0 - (a0 + a.span_s), a0 - (b0 + b.span_s))


@dataclass(frozen=True)
class Cluster:
    reports: tuple[str, ...]
    reasons: tuple[str, ...]  # codes: "time", "distance", "place", "category", "unit"
    summary: str


def _near(a: Facts, b: Facts, window_s: int, radius_m: int) -> str | None:
    if a.when_s is None or b.when_s is None or _apart_s(a, b) > window_s:
        return None
    if None not in (a.lat_e6, a.lon_e6, b.lat_e6, b.lon_e6):
        if distance_m(a.lat_e6, a.lon_e6, b.lat_e6, b.lon_e6) <= radius_m:  # type: ignore[arg-type]
            return "distance"
    if a.place and a.place == b.place:
        return "place"
    return None


def clusters(
    facts: Iterable[Facts], window_s: int = 6 * 3600, radius_m: int = 2000
) -> list[Cluster]:
    """Groups of ≥ 2 reports, each pair-link close in time and place and sharing a category
    or a unit. Sorted by time so only reports inside the window are compared."""
    items = sorted((f for f in facts if f.when_s is not None), key=lambda f: f.when_s or 0)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    why: dict[int, set[str]] = {}
    for i, a in enumerate(items):
        for j in range(i + 1, len(items)):
            b = items[j]
            if (b.when_s or 0) - (a.when_s or 0) - a.span_s > window_s:
                break  # (sorted by start: every later report starts later still)
            where = _near(a, b, window_s, radius_m)
            if where is None:
                continue
            what = [k for k, s in (("category", a.categories & b.categories),
                                   ("unit", a.units & b.units)) if s]  # fmt: skip
            if not what:
                continue
            ri, rj = find(i), find(j)
            root = min(ri, rj)
            parent[max(ri, rj)] = root
            why.setdefault(root, set()).update(["time", where, *what])
            for r in (ri, rj):
                if r != root:
                    why[root] |= why.pop(r, set())
    groups: dict[int, list[str]] = {}
    for i, f in enumerate(items):
        groups.setdefault(find(i), []).append(f.report)
    out = []
    for root, reps in groups.items():
        if len(reps) < 2:
            continue
        reasons = tuple(sorted(why.get(root, set())))
        parts = [
            f"{len(reps)} reports within {radius_m / 1000:g} km and {window_s / 3600:g} h"
            if "distance" in reasons
            else f"{len(reps)} reports at the same place within {window_s / 3600:g} h"
        ]
        if "category" in reasons:
            parts.append("same category")
        if "unit" in reasons:
            parts.append("same unit")
        out.append(Cluster(tuple(reps), reasons, ", ".join(parts)))
    return out
