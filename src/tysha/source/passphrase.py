"""How hard a vault passphrase is to guess, and generated passphrases (issue 10.8).

A seized vault can be attacked offline: every guess costs one Argon2id (64 MiB, 2 passes), so
an adversary with a large GPU farm tries on the order of 10^5 to 10^6 guesses a second. The
minimum here, an estimated 10^12 guesses, keeps a passphrase out of reach for weeks of such a
farm on average; the generated ones (six words of the EFF long list: 77 bits, about 10^23
guesses) for far longer.

The estimate is zxcvbn's (dictionaries, keyboard patterns, dates, repeats, l33t). It knows
English words and names best; a passphrase in Ukrainian or Russian is judged by its length and
characters only, so it is rated higher than it deserves: say so to users, and prefer the
generated passphrase. Without zxcvbn installed, a documented fallback is used: for each
character, log2 of the size of the character classes present (lower, upper, digits, other,
non-ASCII letters), counting a character that repeats the one before it as nothing, halved to
allow for human patterns; it can't see words or keyboard patterns, so
zxcvbn is a dependency of the source.
"""

from __future__ import annotations

import math
import secrets
from functools import cache

from tysha.errors import BadInput

__all__ = ["MIN_GUESSES_LOG10", "check_strength", "estimate_log10", "generate"]

MIN_GUESSES_LOG10 = 12.0
WORDS = 6
#: zxcvbn refuses longer input (its matching grows fast with length); the first 72
#: characters give a lower bound for a longer passphrase.
_ESTIMATE_CHARS = 72


def estimate_log10(passphrase: str) -> float:
    """log10 of the estimated number of guesses to find ``passphrase``."""
    text = passphrase[:_ESTIMATE_CHARS]
    if not text:
        return 0.0
    try:
        from zxcvbn import zxcvbn
    except ImportError:
        return _fallback_log10(text)
    try:
        return float(zxcvbn(text, user_inputs=["tysha"])["guesses_log10"])
    except (ValueError, KeyError, TypeError):  # a changed zxcvbn must not stop the user
        return _fallback_log10(text)


def _fallback_log10(text: str) -> float:
    pool = 0
    if any(c.islower() and c.isascii() for c in text):
        pool += 26
    if any(c.isupper() and c.isascii() for c in text):
        pool += 26
    if any(c.isdigit() for c in text):
        pool += 10
    if any(not c.isalnum() and c.isascii() for c in text):
        pool += 33
    if any(not c.isascii() for c in text):
        pool += 66  # a Cyrillic alphabet, both cases
    # A character repeating the one before it adds nothing ("aaaa" is one guess away).
    changes = 1 + sum(1 for a, b in zip(text, text[1:], strict=False) if a != b)
    bits = changes * math.log2(max(pool, 2)) / 2
    return bits * math.log10(2)


@cache
def _wordlist() -> tuple[str, ...]:
    """The EFF long word list (7,776 words), as shipped by the ``xkcdpass`` package."""
    try:
        from importlib.resources import files

        text = (files("xkcdpass") / "static" / "eff-long").read_text(encoding="utf-8")
    except (ImportError, OSError, ValueError):
        return ()
    words = tuple(w.strip() for w in text.split() if w.strip().isalpha())
    return words if len(words) >= 4096 else ()


def generate() -> str:
    """A new passphrase: six random words (77 bits), or 16 base32 letters (80 bits) when the
    word list is missing. ``secrets`` draws without bias."""
    words = _wordlist()
    if words:
        return " ".join(words[secrets.randbelow(len(words))] for _ in range(WORDS))
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    chars = "".join(alphabet[secrets.randbelow(len(alphabet))] for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def check_strength(passphrase: str, what: str = "vault passphrase") -> None:
    """Refuse (``BadInput``) a passphrase estimated below ``MIN_GUESSES_LOG10``; the message
    offers a generated one."""
    got = estimate_log10(passphrase)
    if got >= MIN_GUESSES_LOG10:
        return
    raise BadInput(
        f"this {what} is too easy to guess: about 10^{max(0, int(got))} guesses would find it, "
        f"and at least 10^{int(MIN_GUESSES_LOG10)} are needed (a seized vault can be attacked "
        "offline). Use five or six unrelated words, for example this one, made just now: "
        f"{generate()!r}",
        hint="write a new one down until you know it by heart, then destroy the paper",
    )
