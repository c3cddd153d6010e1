"""Interface strings in Ukrainian, Russian and English (gettext catalogs, read with Babel).

Catalogs are the ``.po`` files under ``tysha/locale/<lang>/LC_MESSAGES/tysha.po``; they are
parsed at run time with Babel's PO reader (no compiled ``.mo`` needed). The language comes
from ``TYSHA_LANG``, then ``LANG``; English is the fallback and the msgids themselves.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

__all__ = ["LANGUAGES", "catalog", "gettext_for", "language_from_env"]

LANGUAGES = ("en", "uk", "ru")
_LOCALE = Path(__file__).parent / "locale"


@lru_cache(maxsize=8)
def catalog(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES or lang == "en":
        return {}
    from babel.messages.pofile import read_po

    with open(_LOCALE / lang / "LC_MESSAGES" / "tysha.po", "rb") as f:
        cat = read_po(f, locale=lang)
    return {str(m.id): str(m.string) for m in cat if m.id and m.string and not m.fuzzy}


def gettext_for(lang: str) -> Callable[[str], str]:
    table = catalog(lang)

    def gettext(message: str) -> str:
        return table.get(message, message)

    return gettext


def language_from_env() -> str:
    for var in ("TYSHA_LANG", "LANG"):
        value = os.environ.get(var, "")[:2].lower()
        if value in LANGUAGES:
            return value
    return "en"
