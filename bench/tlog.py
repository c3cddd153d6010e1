"""Benchmark of the pure transparency-log layer (tysha.tlog) on one core.

    python bench/tlog.py [--json] [--seconds S] [--leaves N]

Builds a tree of N precomputed leaf hashes with CompactRange.append (persisting every completed
node into a MemoryHashStore outside the timed loop), then measures inclusion and consistency
proving against the store and verifying, each for about S seconds. Prints one JSON object with
--json, a short table otherwise; the targets are printed beside the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import tysha.tlog as tlog
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import tysha.tlog as tlog

TARGETS = {
    "target_append_per_s": 600_000,
    "target_inclusion_prove_per_s": 50_000,
    "target_inclusion_verify_per_s": 50_000,
}


def _rate(run: Callable[[int], int], seconds: float) -> float:
    """Call run(batch) repeatedly for about `seconds`; return operations per second."""
    done = 0
    batch = 1000
    start = time.perf_counter()
    while True:
        done += run(batch)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def _index_stream(n: int, count: int, salt: int) -> list[int]:
    # Deterministic spread of indices (a multiplicative walk), not random: no randomness needed.
    step = 2_654_435_761 + salt
    return [(i * step + salt) % n for i in range(count)]


def run(leaves: int, seconds: float) -> dict[str, Any]:
    hashes = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(leaves)]

    # 1. Appends: the sequencer's hot loop, timed alone (the store is filled afterwards).
    compact = tlog.CompactRange()
    append = compact.append
    nodes: list[tuple[int, int, bytes]] = []
    extend_nodes = nodes.extend
    start = time.perf_counter()
    for h in hashes:
        extend_nodes(append(h))
    append_s = time.perf_counter() - start
    root = compact.root()
    store = tlog.MemoryHashStore()
    store.add(nodes)
    del nodes

    # 2. Inclusion proofs for spread indices in the full tree, then their verification.
    probe = _index_stream(leaves, 20_000, 7)
    proofs = {i: tlog.inclusion_proof(i, leaves, store) for i in probe[:2000]}
    pos = 0

    def prove(batch: int) -> int:
        nonlocal pos
        for _ in range(batch):
            tlog.inclusion_proof(probe[pos], leaves, store)
            pos = (pos + 1) % len(probe)
        return batch

    verify_items = [(hashes[i], i, proofs[i]) for i in probe[:2000]]
    vpos = 0

    def verify(batch: int) -> int:
        nonlocal vpos
        for _ in range(batch):
            leaf, index, proof = verify_items[vpos]
            tlog.verify_inclusion(leaf, index, leaves, proof, root)
            vpos = (vpos + 1) % len(verify_items)
        return batch

    # 3. Consistency proofs from spread older sizes to the full tree.
    olds = [1 + i for i in _index_stream(leaves - 1, 2000, 11)]
    old_roots = {m: tlog.root_at(m, store) for m in olds}
    cproofs = {m: tlog.consistency_proof(m, leaves, store) for m in olds}
    cpos = 0

    def cprove(batch: int) -> int:
        nonlocal cpos
        for _ in range(batch):
            tlog.consistency_proof(olds[cpos], leaves, store)
            cpos = (cpos + 1) % len(olds)
        return batch

    cvpos = 0

    def cverify(batch: int) -> int:
        nonlocal cvpos
        for _ in range(batch):
            m = olds[cvpos]
            tlog.verify_consistency(m, leaves, old_roots[m], root, cproofs[m])
            cvpos = (cvpos + 1) % len(olds)
        return batch

    result: dict[str, Any] = {
        "leaves": leaves,
        "seconds_per_figure": seconds,
        "append_per_s": round(leaves / append_s),
        "inclusion_prove_per_s": round(_rate(prove, seconds)),
        "inclusion_verify_per_s": round(_rate(verify, seconds)),
        "consistency_prove_per_s": round(_rate(cprove, seconds)),
        "consistency_verify_per_s": round(_rate(cverify, seconds)),
        **TARGETS,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    result["targets_met"] = all(
        result[name.removeprefix("target_")] >= value for name, value in TARGETS.items()
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measured figure")
    parser.add_argument("--leaves", type=int, default=1_000_000, help="tree size")
    args = parser.parse_args(argv)
    if args.leaves < 2 or args.seconds <= 0:
        parser.error("--leaves must be at least 2 and --seconds positive")
    result = run(args.leaves, args.seconds)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"tysha.tlog benchmark, {result['leaves']:,} leaves, one core")
    for name in (
        "append_per_s",
        "inclusion_prove_per_s",
        "inclusion_verify_per_s",
        "consistency_prove_per_s",
        "consistency_verify_per_s",
    ):
        target = result.get(f"target_{name}")
        shown = f"{target:>12,}" if target else f"{'-':>12}"
        print(f"  {name:<26}{result[name]:>12,}/s   target {shown}")
    print("  targets met" if result["targets_met"] else "  TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
