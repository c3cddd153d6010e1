"""Interface strings in Ukrainian, Russian, Crimean Tatar and English (gettext catalogs, Babel).

Catalogs are the ``.po`` files under ``tysha/locale/<lang>/LC_MESSAGES/tysha.po``; they are
parsed at run time with Babel's PO reader (no compiled ``.mo`` needed). The language comes
from ``TYSHA_LANG``, then ``LANG``; English is the fallback and the msgids themselves.

Plurals follow each catalog's own ``Plural-Forms`` header (gettext's rule, evaluated with the
standard library's :func:`gettext.c2py`): Ukrainian and Russian have three forms ("1
повідомлення", "3 повідомлення", "5 повідомлень"), English two, Crimean Tatar two with the
same noun in both (a Turkic noun does not change after a numeral: "1 haber", "3 haber").
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "Translations",
    "catalog",
    "gettext_for",
    "language_from_env",
    "ngettext_for",
    "translations",
]

# crh: Crimean Tatar in its Latin script (the official one of the Qırımtatar community).
LANGUAGES = ("en", "uk", "ru", "crh")
_LOCALE = Path(__file__).parent / "locale"


@dataclass
class Translations:
    """One language's catalog: singular messages and plural forms."""

    lang: str
    singular: dict[str, str] = field(default_factory=dict)
    plural: dict[str, tuple[str, ...]] = field(default_factory=dict)
    plural_index: Callable[[int], int] = lambda n: 0 if n == 1 else 1

    def gettext(self, message: str) -> str:
        return self.singular.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.plural.get(singular)
        if not forms:
            return singular if n == 1 else plural
        i = self.plural_index(n)
        return forms[i] if 0 <= i < len(forms) and forms[i] else forms[-1]


@lru_cache(maxsize=8)
def translations(lang: str) -> Translations:
    if lang not in LANGUAGES or lang == "en":
        return Translations("en")
    from babel.messages.pofile import read_po

    with open(_LOCALE / lang / "LC_MESSAGES" / "tysha.po", "rb") as f:
        cat = read_po(f, locale=lang)
    out = Translations(lang, plural_index=_gettext.c2py(cat.plural_expr))
    for m in cat:
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, (tuple, list)):
            strings = tuple(str(s) for s in (m.string or ()))
            if all(strings):
                out.plural[str(m.id[0])] = strings
        elif m.string:
            out.singular[str(m.id)] = str(m.string)
    return out


def catalog(lang: str) -> dict[str, str]:
    """The singular messages of ``lang`` (msgid → translation)."""
    return translations(lang).singular


def gettext_for(lang: str) -> Callable[[str], str]:
    return translations(lang).gettext


def ngettext_for(lang: str) -> Callable[[str, str, int], str]:
    return translations(lang).ngettext


def language_from_env() -> str:
    for var in ("TYSHA_LANG", "LANG"):
        raw = os.environ.get(var, "").lower()
        for value in (raw.split("_")[0].split(".")[0], raw[:2]):
            if value in LANGUAGES:
                return value
    return "en"
