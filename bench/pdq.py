"""Near-duplicate photos (issue 12): PDQ hashing speed, query time at a million hashes, index
memory, and precision/recall on generated photos.

    python bench/pdq.py --json [--seconds 4] [--hashes 1000000] [--originals 60]

photos_per_s: 1024×768 JPEGs hashed (8 dihedral PDQ hashes each) by a pool of one worker per
core, the way ``desk fetch`` does it. query_ms_at_1m: one 256-bit hash against the multi-index
holding ``--hashes`` random hashes (the median of 200 queries); query_8_ms_at_1m: a photo's
8 dihedral hashes. recall/precision: copies (re-encoded, resized, rotated, mirrored, trimmed)
against unrelated photos; cropped (5 % each side) is reported apart: PDQ is not crop-robust.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import _common  # noqa: F401
import numpy as np
from _common import emit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' photo generator

from tests.cases.photos import encode, scene, variants  # noqa: E402
from tysha.desk.corroborate import hash_photo  # noqa: E402
from tysha.evidence.corroboration import PDQ_MIN_QUALITY, HashIndex  # noqa: E402


def throughput(seconds: float) -> float:
    photos = [encode(scene(s, 1024, 768)) for s in range(16)]
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(hash_photo, photos[:workers]))  # start the workers
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            list(pool.map(hash_photo, photos, chunksize=4))
            done += len(photos)
        return done / (time.perf_counter() - start)


def query_times(n: int) -> tuple[float, float, float, float]:
    rng = np.random.default_rng(1)
    rows = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    t = time.perf_counter()
    ix = HashIndex(rows)
    build = time.perf_counter() - t
    mb = (ix._main.nbytes + ix._words.nbytes + ix._order.nbytes + ix._start.nbytes) / 2**20
    qs = [rng.integers(0, 256, 32, dtype=np.uint8).tobytes() for _ in range(200)]
    one = []
    for q in qs:
        t = time.perf_counter()
        ix.query(q)
        one.append(time.perf_counter() - t)
    eight = []
    for i in range(0, 200, 8):
        t = time.perf_counter()
        ix.query_dihedral(qs[i : i + 8])
        eight.append(time.perf_counter() - t)
    return statistics.median(one) * 1e3, statistics.median(eight) * 1e3, mb, build


def quality(originals: int) -> dict[str, float]:
    jobs = []
    for s in range(originals):
        img = scene(s)
        jobs.append(("original", s, encode(img)))
        jobs += [(k, s, d) for k, d in variants(img).items()]
    jobs += [("unrelated", s, encode(scene(100_000 + s))) for s in range(originals)]
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        hashed = list(pool.map(hash_photo, [d for _k, _s, d in jobs], chunksize=16))
    orig = [(s, h) for (k, s, _d), h in zip(jobs, hashed, strict=True)
            if k == "original" and h and h[1] >= PDQ_MIN_QUALITY]  # fmt: skip
    ix = HashIndex(np.array([np.frombuffer(h[0][0], np.uint8) for _s, h in orig]))
    owner = [s for s, _h in orig]
    tp = fn = fp = crop_tp = crop_n = 0
    for (kind, s, _d), h in zip(jobs, hashed, strict=True):
        if kind == "original" or not h or h[1] < PDQ_MIN_QUALITY:
            continue
        found = {owner[p] for p, _ in ix.query_dihedral(h[0])}
        if kind == "unrelated":
            fp += len(found)
        elif kind == "cropped":
            crop_n += 1
            crop_tp += s in found
            fp += len(found - {s})
        else:
            tp += s in found
            fn += s not in found
            fp += len(found - {s})
    return {
        "photos": len(jobs),
        "recall": tp / max(1, tp + fn),
        "precision": tp / max(1, tp + fp),
        "recall_cropped_5pct": crop_tp / max(1, crop_n),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--hashes", type=int, default=1_000_000)
    ap.add_argument("--originals", type=int, default=60)
    a = ap.parse_args()
    one, eight, mb, build = query_times(a.hashes)
    q = quality(a.originals)
    emit(
        {
            "photos_per_s": round(throughput(a.seconds), 1),
            "workers": os.cpu_count(),
            "query_ms_at_1m": round(one, 3),
            "query_8_ms_at_1m": round(eight, 3),
            "index_mb": round(mb, 1),
            "index_build_s": round(build, 2),
            "hashes": a.hashes,
            **{k: round(v, 4) if isinstance(v, float) else v for k, v in q.items()},
        },
        a.json,
    )


if __name__ == "__main__":
    main()
