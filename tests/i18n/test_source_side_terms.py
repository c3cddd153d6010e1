"""What a reporter reads never calls the person she reports to a "handler" or a "куратор".

In Ukrainian and Russian "куратор" is the everyday word for an intelligence officer who runs
agents ("мій куратор із СБУ"); "kurator" reads the same in Crimean Tatar, and "handler" is spy
jargon in English. A civilian in occupied territory whose phone is searched at a checkpoint,
showing "Відповідь від вашого куратора" or "Сравните с тем, что сказал ваш куратор", holds what
reads as proof of being an agent. The reporter's surfaces say "your contact" (en, on the browser
source page), "контактна особа" (uk), "контактное лицо" (ru) and "tanış" (crh, "someone you
know") on the browser source page. The handler's own desk keeps its word: its strings are
not the reporter's.
"""

from __future__ import annotations

import json
import re

import pytest

from .extract import SRC

PAGE = SRC / "drop" / "source_page" / "strings.json"

BANNED = re.compile(r"handler|куратор|kurator", re.IGNORECASE)
# the word each language uses instead, wherever the English names the handler
REQUIRED = {"uk": r"контактн\w* особ", "ru": r"контактн\w* лиц", "crh": r"(?i)\btanış"}


def test_no_page_string_names_a_handler() -> None:
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    bad = [(lang, key, text) for lang, strings in page.items()
           for key, text in strings.items() if BANNED.search(text)]  # fmt: skip
    assert not bad, f"{len(bad)} page strings, e.g. {bad[:3]}"


@pytest.mark.parametrize("lang", sorted(REQUIRED))
def test_the_page_names_the_contact_one_way(lang: str) -> None:
    """Where the English page says "your contact", the language says its one chosen word."""
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    named = [k for k, en in page["en"].items() if re.search(r"\bcontact\b", en)]
    assert len(named) >= 20, named  # the word replaced "handler" in 23 strings
    bad = [(k, page[lang][k]) for k in named if not re.search(REQUIRED[lang], page[lang][k])]
    assert not bad, bad[:3]
