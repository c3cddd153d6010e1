"""PDQ near-duplicates on generated photos: re-encoded, resized, rotated, mirrored, trimmed (1 %) and cropped (5 %)
copies against unrelated photos (issue 12). Precision and recall are printed (run with -s)
and asserted where PDQ is robust; crops are measured, not promised (PDQ is not crop-robust)."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from tysha.desk.corroborate import hash_photo
from tysha.evidence.corroboration import PDQ_MIN_QUALITY, HashIndex

from .photos import encode, scene, variants

ORIGINALS = 160
UNRELATED = 160  # 160 + 160 × 6 copies + 160 = 1,280 photos


def test_pdq_precision_and_recall_on_1260_generated_photos() -> None:
    jobs: list[tuple[str, int, bytes]] = []
    for s in range(ORIGINALS):
        img = scene(s)
        jobs.append(("original", s, encode(img)))
        jobs += [(kind, s, data) for kind, data in variants(img).items()]
    jobs += [("unrelated", s, encode(scene(100_000 + s))) for s in range(UNRELATED)]
    assert len(jobs) >= 1000
    with ProcessPoolExecutor(2) as pool:
        hashed = list(pool.map(hash_photo, [d for _k, _s, d in jobs], chunksize=32))
    assert all(h is not None for h in hashed)
    orig = [(s, h) for (k, s, _d), h in zip(jobs, hashed, strict=True) if k == "original"]
    usable = [(s, h) for s, h in orig if h and h[1] >= PDQ_MIN_QUALITY]
    ix = HashIndex(np.array([np.frombuffer(h[0][0], np.uint8) for _s, h in usable]))
    owner = [s for s, _h in usable]
    tp, fn, fp = Counter(), Counter(), Counter()
    for (kind, s, _d), h in zip(jobs, hashed, strict=True):
        if kind == "original" or h is None or h[1] < PDQ_MIN_QUALITY:
            continue
        found = {owner[p] for p, _dist in ix.query_dihedral(h[0])}
        if kind != "unrelated":
            (tp if s in found else fn)[kind] += 1
        fp[kind] += len(found - {s}) if kind != "unrelated" else len(found)
    recall = {k: tp[k] / (tp[k] + fn[k]) for k in tp.keys() | fn.keys()}
    matches = sum(tp.values()) + sum(fp.values())
    precision = sum(tp.values()) / matches if matches else 1.0
    print(json.dumps({"photos": len(jobs), "usable_originals": len(usable), "recall": recall,
                      "precision": precision, "false_matches": dict(fp)}))  # fmt: skip
    assert len(usable) >= ORIGINALS * 0.95
    assert sum(fp.values()) == 0 and precision == 1.0
    for kind in ("reencoded", "resized", "rotated", "mirrored", "trimmed"):
        assert recall[kind] >= 0.99, (kind, recall)
