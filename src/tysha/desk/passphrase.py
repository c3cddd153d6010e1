"""Generated passphrases for desks, vaults and the demo.

Each word is five letters, consonant-vowel-consonant-vowel-consonant over 16 consonants and
5 vowels: 16·5·16·5·16 = 102,400 words, about 16.6 bits each, drawn uniformly from the OS
random source (rejection sampling, no modulo bias). The default five words give about 83
bits, enough against offline guessing even at Argon2id's cost; the words are pronounceable so
a person can read one out or copy it by hand.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

__all__ = ["ENTROPY_BITS_PER_WORD", "random_passphrase"]

_CONSONANTS = "bdfghjklmnprstvz"
_VOWELS = "aeiou"
ENTROPY_BITS_PER_WORD = math.log2(len(_CONSONANTS) ** 3 * len(_VOWELS) ** 2)


def _uniform(n: int, rand: Callable[[int], bytes]) -> int:
    """A uniform integer in [0, n) from whole random bytes (n < 256)."""
    limit = 256 - 256 % n
    while True:
        b = rand(1)[0]
        if b < limit:
            return b % n


def random_passphrase(words: int = 5, rand: Callable[[int], bytes] = os.urandom) -> str:
    out = []
    for _ in range(words):
        w = ""
        for i in range(5):
            letters = _CONSONANTS if i % 2 == 0 else _VOWELS
            w += letters[_uniform(len(letters), rand)]
        out.append(w)
    return "-".join(out)
