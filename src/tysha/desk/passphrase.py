"""Generated passphrases for desks and demo vaults (no I/O beyond the OS random source)."""

from __future__ import annotations

import os

__all__ = ["random_passphrase"]

_WORDS = (
    "amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor",
    "island", "jasper", "kettle", "lantern", "meadow", "north", "orchard", "pebble",
    "quarry", "river", "saffron", "timber", "umber", "valley", "willow", "yonder",
)  # fmt: skip


def random_passphrase(words: int = 5) -> str:
    """``words`` words drawn uniformly from 24 (≈4.6 bits each); rejection sampling keeps the
    draw unbiased (256 is not a multiple of 24)."""
    out: list[str] = []
    while len(out) < words:
        b = os.urandom(1)[0]
        if b < 240:  # 240 = 10 × 24
            out.append(_WORDS[b % len(_WORDS)])
    return "-".join(out)
