"""One Ukrainian word for each key term, in the catalog and on the browser source page.

A reporter or handler who reads "розгалужений журнал" in one warning and "роздвоєна історія" or
an English "FORK:" in the next cannot tell they are the same danger; a report "недостовірне" in
one place and "недовірене" in another reads as two different verdicts. For each term below, every
Ukrainian string whose English names it uses the one chosen rendering (``required``) and none of
the renderings it replaced (``forbidden``), in ``tysha.po`` and in the page's ``strings.json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from .extract import SRC, po_catalog

PAGE = SRC / "drop" / "source_page" / "strings.json"


@dataclass(frozen=True)
class Term:
    name: str
    english: str  # where the English says it
    required: str | None  # the Ukrainian must say this
    forbidden: str | None  # and never this
    # what is cut from the English first: command lines, options and fields are not the term
    ignore: str = r"`[^`]*`|--[\w-]+|\{[^}]*\}|%\(\w+\)\w"


TERMS = (
    # the marker a desk warning starts with: translated like the rest, never left in English
    Term("FORK:", r"^FORK:", r"^РОЗГАЛУЖЕННЯ:", None),
    Term("fork", r"(?i)\bfork", r"(?i)розгалу[жз]", r"(?i)роздвоєн|\bFORK\b"),
    # not trusted is not "unreliable" (ненадійний) nor "not genuine" (недостовірний)
    Term(
        "untrusted", r"(?i)\buntrusted\b", r"(?i)недовірен", r"(?i)недостовірн|ненадійн|не довірен"
    ),
    Term("report", r"(?i)\breports?\b", None, r"(?i)\bзвіт"),
    # the desk's and the vault's secret is a "парольна фраза", as every prompt asks for it; a
    # "пароль" on the login page reads as a different, shorter secret
    Term(
        "passphrase",
        r"(?i)passphrase",
        r"(?i)парольн\w* фраз",
        r"(?i)\bпарол(ь|я|ем|і|ю)\b",
        ignore=r"\bTYSHA_\w+",
    ),
    # the escrow desk is the депозитарій; "резервне робоче місце" is a backup copy of the desk
    Term("escrow", r"(?i)\bescrow\b", r"(?i)депозитар", r"(?i)резервн\w* робоч"),
    # the handler's workstation is the "робоче місце", never a literal "стіл"
    Term("desk", r"(?i)\bdesks?\b", None, r"(?i)\bстіл|\bстол[аіу]\b|\bдеск"),
    # a courier uploads to the drop: "завантажити", never "вивантажити" (to take off, export)
    Term("upload", r"(?i)\bupload", r"(?i)завантаж", r"(?i)вивантаж"),
    Term("hash", r"(?i)\bhash", r"(?i)хеш", r"(?i)\bгеш"),
    Term("custody head", r"(?i)custody head", r"(?i)вершин", r"(?i)\bголов"),
    # a capture attestation is a signature made at capture: засвідчення, not a confirmation
    Term("attestation", r"(?i)attestation", r"(?i)засвідчен", r"(?i)підтвердження зйомки"),
    Term("trust anchor", r"(?i)trust anchor", r"(?i)довірч\w* кор", None),
    Term("enrolment secret", r"(?i)enrolment secret", r"секрет підключення", None),
    # a witness cosigns: співпідпис, never "спільний підпис" in one message and "співпідпис"
    # in the next, nor a bare "підписав" that hides that it is the witness's second signature
    Term("cosign", r"(?i)cosign", r"(?i)співпідпи[сш]", r"(?i)спільн\w* підпис|спільно підпис"),
    # a control character is "керувальний" (it controls the terminal), not "керівний" (leading)
    Term(
        "control character", r"(?i)\bcontrol\b.{0,20}\bcharacter", r"(?i)керувальн", r"(?i)керівн"
    ),
    Term("enrol", r"(?i)\benrol", None, r"(?i)реєстр|приєдна"),
    # the intake server: "сервер прийому", not a bare "сервер" the reader may take for any other
    Term(
        "drop",
        r"(?i)\bdrops?\b",
        r"(?i)сервер\w* прийому",
        r"(?i)дроп",
        ignore=r"`[^`]*`|--[\w-]+|\{[^}]*\}|%\(\w+\)\w|\bdrop\.json\b",
    ),
)


def forms(value: object) -> tuple[str, ...]:
    """A message's id or string as its forms: one for a singular, one per plural form."""
    if isinstance(value, str):
        return (value,)
    assert isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value), value
    return tuple(value)


def po_pairs() -> list[tuple[str, str, str]]:
    """(where, English, Ukrainian) for every form of every message of the uk catalog."""
    out = []
    for m in po_catalog("uk"):
        if not m.id:
            continue
        for form in forms(m.string):
            out.append((f"tysha.po:{m.lineno}", " ".join(forms(m.id)), form))
    return out


def page_pairs() -> list[tuple[str, str, str]]:
    strings = json.loads(PAGE.read_text(encoding="utf-8"))
    return [(f"strings.json:{key}", en, strings["uk"][key]) for key, en in strings["en"].items()]


@pytest.mark.parametrize("term", TERMS, ids=lambda t: t.name)
def test_each_key_term_has_one_ukrainian_rendering(term: Term) -> None:
    named = 0
    wrong = []
    for where, en, uk in po_pairs() + page_pairs():
        if not re.search(term.english, re.sub(term.ignore, "", en)):
            continue
        named += 1
        if (term.required and not re.search(term.required, uk)) or (
            term.forbidden and re.search(term.forbidden, uk)
        ):
            wrong.append(f"{where}: {uk[:120]}")
    assert named, f"no English string names {term.name!r}: the term's pattern is stale"
    assert not wrong, (
        f"{term.name}: {len(wrong)} Ukrainian strings say it otherwise:\n" + "\n".join(wrong)
    )


def test_the_source_page_uses_one_apostrophe() -> None:
    """The page's Ukrainian writes the apostrophe as ’ (U+2019); an ASCII ' in one string
    breaks a search for the word (ім’я) and looks like a typo on a page that asks for trust."""
    uk = json.loads(PAGE.read_text(encoding="utf-8"))["uk"]
    assert not [k for k, v in uk.items() if re.search(r"[а-яіїєґ]'[а-яіїєґ]", v, re.IGNORECASE)]


# Counts the source reads that the English writes without ngettext ("{days} days"): the
# Ukrainian must read right for every number, not only for 5-20 ("3 днів", "21 днів" are wrong).
COUNTED_WITHOUT_PLURAL = {
    "your contact's desk enrols this vault when its first report arrives, and only while the"
    " invitation is valid ({days} days unless your contact said otherwise): send a first report"
    " soon, even a short one.": "days",
    "it serves an old checkpoint of its log ({served} entries), though it signed one of {signed}"
    " for you: what it logged since, replies to you among it, is hidden from you": "served",
    "the drop serves an old checkpoint of its log ({served} entries), though it signed one of"
    " {signed} for you: what it logged since may be hidden from your contact. What was sent is"
    " sent and its receipts are kept; tell your contact in person": "served",
}
# a number directly before a genitive plural noun is right only for the "many" form
_GENITIVE_PLURAL = re.compile(r"\b(\d+) (днів|записів|байтів|повідомлень|конвертів)\b")


def _many(n: int) -> bool:
    return not (n % 10 == 1 and n % 100 != 11) and not (
        2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14
    )


@pytest.mark.parametrize("msgid", sorted(COUNTED_WITHOUT_PLURAL))
def test_a_count_outside_ngettext_reads_right_for_every_number(msgid: str) -> None:
    message = po_catalog("uk").get(msgid)
    assert message is not None, f"not in the catalog: {msgid[:60]}"
    (template,) = forms(message.string)
    field = COUNTED_WITHOUT_PLURAL[msgid]
    for n in (1, 2, 3, 5, 11, 21, 22, 25):
        values = {k: n if k == field else "X" for k in re.findall(r"\{(\w+)\}", template)}
        text = template.format(**values)
        wrong = [m.group(0) for m in _GENITIVE_PLURAL.finditer(text) if not _many(int(m.group(1)))]
        assert not wrong, f"{n}: {wrong} in {text[:100]}"


def test_the_source_argument_help_names_sources_as_the_ukrainian_desk_shows_them() -> None:
    """`desk revoke SOURCE` and `desk restore SOURCE` explain SOURCE by example. The Ukrainian
    desk shows a pseudonym as "Джерело 3 · Бурштин Лис" (tysha.desk.views.pseudonym_text); an
    English "Source 3", "Amber Fox" in the help names nothing the handler ever sees."""

    def uk(msgid: str) -> str:
        message = po_catalog("uk").get(msgid)
        assert message is not None, msgid
        (text,) = forms(message.string)
        return text

    help_text = uk('"Source 3", "Amber Fox" or the id.')
    assert uk("Source {n}").format(n=3) in help_text, help_text
    assert f"{uk('Amber')} {uk('Fox')}" in help_text, help_text
    assert "Source" not in help_text and "Amber" not in help_text, help_text


# Single messages whose Ukrainian said something else than the English (a wrong case that
# changes who does what, a lost word): (msgid, plural form or None, must say, must not say).
FIXED: tuple[tuple[str, int | None, str, str], ...] = (
    # the source's stale-reply warning: "its copy" is the reply's (її), not the drop's (його)
    (
        "a reply to you, listed as live, but the drop says its copy is damaged or lost ({status})",
        None,
        "її копія",
        "його копія",
    ),
    # "the C2PA reader could not be started": the reader is the object (читача), not the subject
    (
        "the C2PA reader could not be started on this machine; not checked",
        None,
        "читача C2PA не вдалося",
        "читач C2PA не вдалося",
    ),
    # an incident's act is a "дія" on every desk page ("Дії", "Додати дію"), not "діяння"
    ("{n} act", 0, "{n} дія", "діяння"),
    # the source help: a "репортер" is a journalist; the person reporting is the source
    ("A reporter's device (one vault file).", None, "джерела", "репортер"),
    # a reply that answers none of this vault's *sent* reports (the word "sent" was lost)
    ("names no report sent from this vault", None, "надісланого", "вказує на повідомлення"),
    # the Tor mode was left in English; the drop's help calls it "однокроковий"
    ("single-onion (fast, NOT location-hidden)", None, "однокроковий", "single"),
    # the handler confirming a share may be a woman: "Я прочитав(-ла)", as "Я впевнений(-а)"
    (
        "I have read this text; it names no one who must stay hidden: send it",
        None,
        "прочитав(-ла)",
        "прочитав цей",
    ),
    # the share page's title: a share is "передано" (as "{n} reports shared", the custody
    # event), not "Надіслано", which the desk says of a reply sent to a source
    ("Shared", None, "Передано", "Надіслано"),
    # "{name} is missing": the missing member is what is lacking (бракує {name})
    ("{name} is missing", None, "бракує {name}", "{name} бракує"),
    # 5+ originals: the participle agrees with the genitive plural
    (
        "{n} original (re-attested by this desk)",
        2,
        "оригіналів (повторно засвідчених",
        "засвідчені",
    ),
)


@pytest.mark.parametrize(
    ("msgid", "form", "says", "not_says"), FIXED, ids=[row[0][:40] for row in FIXED]
)
def test_fixed_messages_say_what_the_english_says(
    msgid: str, form: int | None, says: str, not_says: str
) -> None:
    message = po_catalog("uk").get(msgid)
    assert message is not None, msgid
    text = forms(message.string)[form or 0]
    assert says in text and not_says not in text, text


# The same on the browser source page: (key, must say, must not say).
PAGE_FIXED = (
    # the codename: "learn them" is to learn by heart (запам’ятайте, as `source init` says),
    # not to study (вивчіть)
    ("code_write", "запам’ятайте", "вивчіть"),
)


@pytest.mark.parametrize(("key", "says", "not_says"), PAGE_FIXED)
def test_fixed_page_strings_say_what_the_english_says(key: str, says: str, not_says: str) -> None:
    text = json.loads(PAGE.read_text(encoding="utf-8"))["uk"][key]
    assert says in text and not_says not in text, text
