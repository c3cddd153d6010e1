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
    "Cluster",
    "Facts",
    "HashIndex",
    "clusters",
    "distance_m",
    "hamming",
]

PDQ_MATCH = 31
PDQ_MIN_QUALITY = 50
_CHUNKS = 16  # 16 chunks × 16 bits; radius per chunk ⌊31/16⌋ = 1
_FLIPS = np.array([0] + [1 << b for b in range(16)], dtype=np.uint32)


def hamming(a: bytes, b: bytes) -> int:
    if len(a) != 32 or len(b) != 32:
        raise ProtocolError("a PDQ hash is 32 bytes")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def _as_rows(hashes: np.ndarray) -> np.ndarray:
    h = np.ascontiguousarray(hashes, dtype=np.uint8)
    if h.ndim != 2 or h.shape[1] != 32:
        raise ProtocolError("PDQ hashes are rows of 32 bytes")
    return h


class HashIndex:
    """PDQ hashes (rows of 32 bytes) with a multi-index for radius-31 queries.

    New hashes go to a small tail searched exhaustively; :meth:`compact` folds the tail into
    the sorted chunk tables (done automatically when the tail grows past ``tail_max``).
    """

    def __init__(self, hashes: np.ndarray | None = None, tail_max: int = 4096) -> None:
        self.tail_max = tail_max
        self._main = np.zeros((0, 32), np.uint8)
        self._tail: list[np.ndarray] = []
        self._tail_n = 0
        self._build(self._main)
        if hashes is not None and len(hashes):
            self._build(_as_rows(hashes))

    def __len__(self) -> int:
        return len(self._main) + self._tail_n

    def _build(self, rows: np.ndarray) -> None:
        self._main = rows
        self._words = (
            rows.view(">u8").astype(np.uint64) if len(rows) else np.zeros((0, 4), np.uint64)
        )
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
        if self._tail_n > self.tail_max:
            self.compact()
        return range(start, start + len(rows))

    def compact(self) -> None:
        if self._tail:
            self._build(np.concatenate([self._main, *self._tail]))
            self._tail, self._tail_n = [], 0

    def rows(self) -> np.ndarray:
        self.compact()
        return self._main

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
        base = n
        for rows in self._tail:
            words = rows.view(">u8").astype(np.uint64)
            d = np.bitwise_count(words ^ qwords).sum(axis=1)
            idx = np.nonzero(d <= radius)[0]
            out += [(base + int(i), int(d[i])) for i in idx]
            base += len(rows)
        out.sort(key=lambda t: (t[1], t[0]))
        return out

    def query_dihedral(self, qs: Sequence[bytes], radius: int = PDQ_MATCH) -> list[tuple[int, int]]:
        """The best distance per stored hash over the query's 8 dihedral hashes."""
        best: dict[int, int] = {}
        for q in qs:
            for pos, d in self.query(q, radius):
                if d < best.get(pos, 257):
                    best[pos] = d
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
    coordinates in micro-degrees, a normalised place name, categories, perpetrator units."""

    report: str
    when_s: int | None = None
    lat_e6: int | None = None
    lon_e6: int | None = None
    place: str = ""
    categories: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Cluster:
    reports: tuple[str, ...]
    reasons: tuple[str, ...]  # codes: "time", "distance", "place", "category", "unit"
    summary: str


def _near(a: Facts, b: Facts, window_s: int, radius_m: int) -> str | None:
    if a.when_s is None or b.when_s is None or abs(a.when_s - b.when_s) > window_s:
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
            if (b.when_s or 0) - (a.when_s or 0) > window_s:
                break
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
