"""Unlock time of the vault for a right, a decoy and a wrong passphrase (constant work), and
the send path's cost per envelope.

    python bench/vault.py --json [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
from _common import emit

from tysha.errors import ConfigError
from tysha.source.vault import Vault


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--size-mib", type=int, default=64)
    a = ap.parse_args()
    path = Path(tempfile.mkdtemp()) / "v"
    v = Vault.create(path, a.size_mib << 20)
    real = v.add_compartment(
        "real passphrase", 0, {"notes": [], "outbox": [os.urandom(20000)] * 20}
    )
    v.add_compartment("decoy passphrase", 1, {"notes": ["milk"]}, avoid_slots={real.slot})
    times: dict[str, list[float]] = {"right": [], "decoy": [], "wrong": []}
    for _ in range(a.rounds):
        for kind, pw in (
            ("right", "real passphrase"),
            ("decoy", "decoy passphrase"),
            ("wrong", "not the passphrase"),
        ):
            t = time.perf_counter()
            try:
                Vault(path).unlock(pw)
            except ConfigError:
                pass
            times[kind].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    spread = (max(med.values()) - min(med.values())) / min(med.values())
    c = Vault(path).unlock("real passphrase")
    t = time.perf_counter()
    for _ in range(5):
        Vault(path).save(c)
    save = (time.perf_counter() - t) / 5
    emit(
        {
            "vault_mib": a.size_mib,
            "unlock_right_ms": round(med["right"] * 1000, 1),
            "unlock_decoy_ms": round(med["decoy"] * 1000, 1),
            "unlock_wrong_ms": round(med["wrong"] * 1000, 1),
            "spread": round(spread, 4),
            "target_spread": 0.05,
            "save_ms": round(save * 1000, 1),
            "rounds": a.rounds,
        },
        a.json,
    )


if __name__ == "__main__":
    main()
