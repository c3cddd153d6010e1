"""Interface strings in Ukrainian, Russian, Crimean Tatar and English (gettext catalogs, Babel).

Catalogs are the ``.po`` files under ``tysha/locale/<lang>/LC_MESSAGES/tysha.po``; they are
parsed at run time with Babel's PO reader (no compiled ``.mo`` needed). The language comes
from ``TYSHA_LANG``, then ``LANG``; English is the fallback and the msgids themselves.

Plurals follow each catalog's own ``Plural-Forms`` header (gettext's rule, evaluated with the
standard library's :func:`gettext.c2py`): Ukrainian and Russian have three forms ("1
повідомлення", "3 повідомлення", "5 повідомлень"), English two, Crimean Tatar two with the
same noun in both (a Turkic noun does not change after a numeral: "1 haber", "3 haber").

The faces translate; services stay English. An error's text was formatted by the service
(``f"no report {ref!r}"``); :func:`translate_message` finds the catalog's msgid template it came
from (``"no report {ref}"``), translates that and puts the values back, so the command line and
the web desk show it in the user's language without the service knowing any language. The
four ``.po`` files are the source: a new string is added to each by hand (``msgfmt -c`` must
pass on each, and ``tests/i18n`` checks that every catalog has every msgid the others have).
"""

from __future__ import annotations

import gettext as _gettext
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tysha.evidence.visible import hidden, visible

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "Translations",
    "catalog",
    "gettext",
    "gettext_for",
    "language_from_env",
    "ngettext",
    "ngettext_for",
    "shown",
    "shown_json",
    "shown_lines",
    "translate_message",
    "translations",
    "visible",
]

# crh: Crimean Tatar in its Latin script (the official one of the Qırımtatar community).
LANGUAGES = ("en", "uk", "ru", "crh")
#: Each language named in itself: how a switch to it is labelled (and read, in its own ``lang``).
LANGUAGE_NAMES = {"en": "English", "uk": "Українська", "ru": "Русский", "crh": "Qırımtatarca"}
_LOCALE = Path(__file__).parent / "locale"


@dataclass
class Translations:
    """One language's catalog: singular messages and plural forms."""

    lang: str
    singular: dict[str, str] = field(default_factory=dict)
    plural: dict[str, tuple[str, ...]] = field(default_factory=dict)
    plural_index: Callable[[int], int] = lambda n: 0 if n == 1 else 1

    templates: list[tuple[re.Pattern[str], str, tuple[str, ...]]] | None = None

    def gettext(self, message: str) -> str:
        return self.singular.get(message, message)

    def message(self, text: str) -> str:
        """``text`` in this language: its own msgid's translation, else the translation of the
        msgid template it was formatted from (``"no report {ref}"`` matches ``"no report
        'ab12'"``), with the same values put back; ``text`` itself when nothing matches."""
        exact = self.singular.get(text)
        if exact is not None:
            return exact
        if self.templates is None:
            self.templates = _templates(self.singular)
        for pattern, translated, names in self.templates:
            m = pattern.fullmatch(text)
            if m is not None:
                values = m.groupdict()
                # a field that holds a message itself (a reason, a hint) is translated too
                return _format(
                    translated,
                    {n: self.message(values[n]) if n in _MESSAGE_FIELDS else values[n]
                     for n in names},
                )
        return text

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


# Fields whose value is itself a message (translated in turn); others hold data, kept as is.
_MESSAGE_FIELDS = frozenset(
    {"reason", "why", "error", "detail", "hint", "what", "state", "forms", "part"}
)
_FIELD = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _templates(singular: dict[str, str]) -> list[tuple[re.Pattern[str], str, tuple[str, ...]]]:
    """The msgids with ``{name}`` fields as patterns, most specific first: those that begin
    with fixed text before those that begin with a field (which could swallow an outer
    message's head, "step 3 (files): {name} was altered"), then the longest fixed text."""
    out: list[tuple[tuple[int, int], re.Pattern[str], str, tuple[str, ...]]] = []
    for msgid, translated in singular.items():
        names = tuple(dict.fromkeys(_FIELD.findall(msgid)))
        if not names:
            continue
        pieces = _FIELD.split(msgid)  # fixed, name, fixed, name, …, fixed
        regex = ""
        seen: set[str] = set()
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                regex += re.escape(piece)
            elif piece in seen:  # a field used twice must hold the same value twice
                regex += f"(?P={piece})"
            else:
                # a field may be empty ("…{detail}"), except one directly followed by another
                # field ("{size}{detail}"), which would otherwise leave its value to the next
                adjacent = i + 2 < len(pieces) and pieces[i + 1] == ""
                regex += f"(?P<{piece}>.+?)" if adjacent else f"(?P<{piece}>.*?)"
                seen.add(piece)
        fixed = sum(len(p) for p in pieces[::2])
        if fixed < 4:  # "{a}: {b}" would match anything
            continue
        rank = (0 if pieces[0] else 1, -fixed)
        out.append((rank, re.compile(regex, re.DOTALL), translated, names))
    out.sort(key=lambda t: t[0])
    return [(p, t, n) for _fixed, p, t, n in out]


def _format(template: str, values: dict[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def gettext(message: str) -> str:
    """``message`` in the user's language (``TYSHA_LANG``, then ``LANG``), read at each call."""
    return translations(language_from_env()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n`` in the user's language (its plural rule)."""
    return translations(language_from_env()).ngettext(singular, plural, n)


def translate_message(text: str, lang: str | None = None) -> str:
    """An already formatted English message (an error's text) in ``lang`` (default: the
    user's), matched against the catalog's msgid templates; unchanged if none matches."""
    return translations(lang or language_from_env()).message(text)


#: Names people give a language by mistake: ``ua`` is Ukraine's country code (Ukrainian is ``uk``).
_LANGUAGE_ALIASES = {"ua": "uk"}


def language_from_env() -> str:
    for var in ("TYSHA_LANG", "LANG"):
        raw = os.environ.get(var, "").lower()
        for value in (raw.split("_")[0].split(".")[0], raw[:2]):
            value = _LANGUAGE_ALIASES.get(value, value)
            if value in LANGUAGES:
                return value
    return "en"


def shown(value: object) -> str:
    """``value`` as one line safe to print on a terminal: each control, format or separator
    character (a newline too, but not a tab) is replaced by a visible ``⟨U+001B⟩`` token, so an
    escape sequence, a carriage return or a right-to-left override in a report, a file name or
    a server's answer can neither rewrite nor reorder what is printed around it, and the
    person sees that it was there (tysha.evidence.visible). For human-readable output only;
    JSON stays exact."""
    return visible(value)


def shown_lines(value: object) -> list[str]:
    """A multi-line text (a report's) as :func:`shown` lines: split at its newlines (CRLF as
    one), every other control character made visible."""
    s = "" if value is None else str(value)
    return [shown(line) for line in s.replace("\r\n", "\n").split("\n")]


def _json_escape(ch: str) -> str:
    n = ord(ch)
    if n > 0xFFFF:  # as a UTF-16 surrogate pair, JSON's only way to escape it
        n -= 0x10000
        return f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}"
    return f"\\u{n:04x}"


def shown_json(value: object) -> str:
    """``value`` as JSON for a terminal: UTF-8 as it is, but every character :func:`shown`
    would make a token as a ``\\u`` escape - json.dumps escapes C0 controls only, so a C1
    CSI (U+009B) or a bidi override reached the terminal raw. Such characters occur only in
    strings, so the document decodes to exactly the same value."""
    text = json.dumps(value, ensure_ascii=False)
    return "".join(_json_escape(c) if hidden(c) else c for c in text)
