"""Write the Crimean Tatar codename word list from tools/crh_words.txt (issue 11).

    python tools/make_crh_words.py           # writes static/words/words-crh.txt of the page
    python tools/make_crh_words.py --check   # exit 1 if that list differs from the dictionary

tools/crh_words.txt holds one word a line with an English gloss for the reviewer. Every word must
be lower-case Crimean Tatar Latin letters only (a b c ç d e f g ğ h ı i j k l m n ñ o ö p q r s ş
t u ü v y z), NFC, 2 to 14 letters, and distinct from every other word *after* the codename's
folding (tysha.protocol.codename.normalize_codename: ç ğ ı ñ ö ş ü as c g i n o s u), so each
word of a codename carries log2(len(list)) bits however the reporter types it. The list was
written from the engineer's knowledge of the language and needs a native speaker's review.
"""

from __future__ import annotations

import math
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tools" / "crh_words.txt"
OUT = ROOT / "src" / "tysha" / "drop" / "source_page" / "static" / "words" / "words-crh.txt"
ALPHABET = frozenset("abcçdefgğhıijklmnñoöpqrsştuüvyz")
MIN_WORDS = 1024


def words() -> list[str]:
    """The checked words in dictionary order (SystemExit naming the first bad line)."""
    from tysha.protocol.codename import normalize_codename

    out: list[str] = []
    folded: dict[str, str] = {}
    for n, line in enumerate(SOURCE.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        word = line.split("\t", 1)[0]
        if unicodedata.normalize("NFC", word) != word or not set(word) <= ALPHABET:
            raise SystemExit(f"crh_words.txt:{n}: {word!r} is not lower-case crh Latin letters")
        if not 2 <= len(word) <= 14:
            raise SystemExit(f"crh_words.txt:{n}: {word!r} is not 2 to 14 letters")
        key = normalize_codename(word)
        if key in folded:
            raise SystemExit(f"crh_words.txt:{n}: {word!r} folds to {key!r} like {folded[key]!r}")
        folded[key] = word
        out.append(word)
    if len(out) < MIN_WORDS:
        raise SystemExit(f"only {len(out)} words: at least {MIN_WORDS} are needed")
    return out


def render() -> str:
    return "".join(w + "\n" for w in sorted(words()))


def main(argv: list[str]) -> int:
    text = render()
    n = text.count("\n")
    if "--check" in argv:
        if OUT.read_text("utf-8") != text:
            print(f"{OUT.name} differs from tools/crh_words.txt: run tools/make_crh_words.py")
            return 1
        return 0
    OUT.write_text(text, "utf-8")
    print(f"{OUT.name}: {n} words, {math.log2(n):.2f} bits each")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
