"""What a reporter reads never calls the person she reports to a "handler" or a "куратор".

In Ukrainian and Russian "куратор" is the everyday word for an intelligence officer who runs
agents ("мій куратор із СБУ"); "kurator" reads the same in Crimean Tatar, and "handler" is spy
jargon in English. A civilian in occupied territory whose phone is searched at a checkpoint,
showing "Відповідь від вашого куратора" or "Сравните с тем, что сказал ваш куратор", holds what
reads as proof of being an agent. The reporter's surfaces say "your contact" (en),
"контактна особа" (uk), "контактное лицо" (ru) and "tanış" (crh, "someone you know"): the
browser source page in every language, and every message `tysha source …` and `tysha courier …`
show, in English (the msgid: "written by your contact {at}") and in each translation (found
below from the code, not listed by hand, so a new message cannot slip by). The handler's own
desk keeps its word: its strings are not the reporter's.

Option names are code, not words: ``--new-handler`` stays as typed.
"""

from __future__ import annotations

import ast
import functools
import json
import re

import pytest

from .extract import SRC, _sample, po_catalog
from .helptexts import help_paragraphs

PAGE = SRC / "drop" / "source_page" / "strings.json"

BANNED = re.compile(r"handler|куратор|kurator", re.IGNORECASE)
# the word each language uses instead, wherever the English names the handler
REQUIRED = {"uk": r"контактн\w* особ", "ru": r"контактн\w* лиц", "crh": r"(?i)\btanış"}
# an option (--new-handler) or a quoted command is typed as it is, in every language
CODE = re.compile(r"``[^`]*``|`[^`]*`|--[\w-]+")
# where an English message names the person a reporter reports to (the desk's own word for
# that person, "handler", is never in one: test_no_source_side_msgid_names_a_handler)
_NAMES_THE_CONTACT = re.compile(r"(?i)\bcontact\b|handler")
# Raised in a module a reporter's commands use, but only on the desk's side: Invitation.signed
# is called by the desk making an invitation (a reporter's code never signs one), so this keeps
# the desk's word. Its uk/ru/crh translations are still checked above.
DESK_SIDE_MSGIDS = frozenset({"an invitation is signed by the handler it names"})

# The modules whose messages a reporter reads: `tysha source …` and `tysha courier …`
# (source/cli.py), the vault and device they drive, the courier file, and the invitation
# parser whose errors `source enroll` shows ("ask the handler to send it again").
SOURCE_MODULES = (
    "source/cli.py",
    "source/device.py",
    "source/vault.py",
    "source/passphrase.py",
    "source/shred.py",
    "transport/courier.py",
    "protocol/invitation.py",
)


def _texts() -> set[str]:
    """Every string literal of the source modules that could be a message (it has a space),
    an f-string rendered with sample values, as extract.py renders raised errors."""
    out: set[str] = set()
    for rel in SOURCE_MODULES:
        for node in ast.walk(ast.parse((SRC / rel).read_text(), rel)):
            if isinstance(node, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                text = _sample(node)
                if text and " " in text.strip():
                    out.add(" ".join(text.split()))
    return out


def _help_texts() -> set[str]:
    """The help paragraphs of `tysha source …` and `tysha courier …`, an option's default help
    (cli._DEFAULT_HELP) where it declares none."""
    import typer.main

    from tysha import cli

    root = typer.main.get_command(cli.app)
    found: set[str] = set()
    for group in ("source", "courier"):
        found |= help_paragraphs(root.commands[group], cli._DEFAULT_HELP)  # type: ignore[attr-defined]
    # the default help of --invitation: only a reporter is given an invitation
    found.add(cli._DEFAULT_HELP["invitation"])
    return found


@functools.cache
def catalog(lang: str) -> dict[str, tuple[str, ...]]:
    """msgid (a plural's singular) → its msgstr forms."""
    out: dict[str, tuple[str, ...]] = {}
    for m in po_catalog(lang):
        if not m.id:
            continue
        mid = m.id if isinstance(m.id, str) else m.id[0]
        forms = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
        out[mid] = tuple(str(form or "") for form in forms)
    return out


@functools.cache
def source_side_msgids() -> frozenset[str]:
    """The catalog's msgids a reporter reads: used as they are in the source modules or their
    help, or the template a raised error's text is formatted from; and the hint
    describe_error gives a source for a failed verification (cli.describe_error tells only
    the source side to tell its handler)."""
    from tysha import errors
    from tysha.i18n import _templates

    texts = _texts()
    helps = _help_texts()
    msgids = set(catalog("uk"))
    out = {m for m in msgids if m in texts or m in helps}
    for pattern, msgid, _names in _templates({m: m for m in msgids - out}):
        if any(pattern.fullmatch(t) for t in texts):
            out.add(msgid)
    out.add(errors.VerificationError.hint)
    return frozenset(out)


def test_the_walk_finds_the_reporters_messages() -> None:
    """The set is found from the code: these must be in it, or the walk is broken."""
    from tysha.protocol import invitation

    found = source_side_msgids()
    for msgid in (
        "written by your contact {at}",  # `source replies`
        "tell your contact in person; don't rely on this drop for replies",
        invitation.DAMAGED,  # raised by the invitation parser
        "the contact's name is 1 to {n} characters",  # raised with a value (a template)
        "Check the drop for replies from your contact and show them.",  # help
        "put back the copy you made before, or tell your contact in person",  # the vault
    ):
        assert msgid in found, msgid


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


@pytest.mark.parametrize("lang", sorted(REQUIRED))
def test_no_source_side_translation_names_a_handler(lang: str) -> None:
    cat = catalog(lang)
    bad = [(msgid, form) for msgid in sorted(source_side_msgids())
           for form in cat.get(msgid, ()) if BANNED.search(CODE.sub(" ", form))]  # fmt: skip
    assert not bad, f"{lang}: {len(bad)} messages, e.g. {bad[:3]}"


@pytest.mark.parametrize("lang", sorted(REQUIRED))
def test_source_side_translations_name_the_contact_one_way(lang: str) -> None:
    """Every source-side message whose English names the handler says the one chosen word
    (not a pronoun alone, nor a second word for the same person)."""
    cat = catalog(lang)
    named = [m for m in source_side_msgids() if _NAMES_THE_CONTACT.search(CODE.sub(" ", m))]
    assert len(named) >= 40, len(named)
    bad = [(msgid, form) for msgid in sorted(named)
           for form in cat.get(msgid, ()) if not re.search(REQUIRED[lang], form)]  # fmt: skip
    assert not bad, f"{lang}: {len(bad)} messages, e.g. {bad[:3]}"


def test_no_source_side_msgid_names_a_handler() -> None:
    """The English a reporter reads (the msgid itself, shown as it is in English) says "your
    contact", never "handler" ("written by your handler", "tell your handler in person", "the
    handler's name") - option names (``--new-handler``) aside."""
    found = source_side_msgids() - DESK_SIDE_MSGIDS
    bad = sorted(m for m in found if BANNED.search(CODE.sub(" ", m)))
    assert not bad, f"{len(bad)} messages, e.g. {bad[:3]}"
    # and the English catalog shows them as they are
    en = catalog("en")
    shown = sorted((m, f) for m in found for f in en.get(m, ()) if BANNED.search(CODE.sub(" ", f)))
    assert not shown, f"en: {len(shown)} translations, e.g. {shown[:3]}"
