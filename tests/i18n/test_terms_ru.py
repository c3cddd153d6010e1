"""The Russian glossary: each key term of the English has one Russian rendering, in the
command line's and web desk's catalog (tysha.po) and on the browser source page
(strings.json) alike.

A reporter who reads "разветвлённый журнал" on the page and "раздвоенная история" in the app,
or "сервер" in one warning and "сервер приёма" in the next, may take them for two different
things; a flag left in English ("FORK:") is not read at all.
"""

from __future__ import annotations

import functools
import json
import re

import pytest

from .extract import SRC, po_catalog

PAGE = SRC / "drop" / "source_page" / "strings.json"


@functools.cache
def catalog() -> tuple[tuple[str, str], ...]:
    """(English, Russian) of every message of the .po, a plural's forms joined."""
    pairs = []
    for m in po_catalog("ru"):
        if not m.id:
            continue
        en = " || ".join(m.id) if isinstance(m.id, tuple) else m.id
        ru = " || ".join(m.string) if isinstance(m.string, tuple) else m.string
        pairs.append((en, ru))
    return tuple(pairs)


@functools.cache
def page() -> tuple[tuple[str, str], ...]:
    """(English, Russian) of every string of the browser source page."""
    strings = json.loads(PAGE.read_text(encoding="utf-8"))
    return tuple((en, strings["ru"][key]) for key, en in strings["en"].items())


def everywhere() -> tuple[tuple[str, str], ...]:
    return catalog() + page()


# term: (where the English uses it, what the Russian must say, what it must not say)
# Words that only name a file, an option, a command or a variable (drop.json, --drop,
# `tysha drop ...`, TYSHA_PASSPHRASE) are not the term: they are taken out of the English first.
TERMS: dict[str, tuple[str, str | None, str | None]] = {
    # a log showing two histories: "разветвлённый журнал", "разветвление"
    "fork": (r"\bfork", r"разветв", r"раздво|FORK"),
    # a drop leaving entries out: "скрывает", "скрыта" (desk fetch's line keeps the marker
    # WITHHELD of docs/CLI.md beside it, in every language)
    "withheld": (r"\bwithh(?:eld|olds?|olding)\b", r"скры", None),
    # the intake server: "сервер приёма" (at least once where the English names it)
    "drop": (r"\bdrops?\b", r"сервер\w* приёма", None),
    # a report: "сообщение"
    "report": (r"\breports?\b", None, r"\bотч[её]т"),
    # enrolling: "подключить"
    "enrol": (r"\benrol", r"подключ", r"регистр|присоедин"),
    # a flag on a report: "отметка", "отмечено" (never "пометка" beside it)
    "flag": (r"\bflag", r"отмет|отмеч", r"помет|помеч"),
    # a report not to be trusted: "недоверенное" (not "недостоверное": false, nor "ненадёжное")
    "untrusted": (r"\buntrusted\b(?!-)", r"недовер", r"недостовер|ненадёжн"),
    # the organisation's escrow desk: "депозитарий" (never "резервное", which is a backup)
    "escrow": (r"\bescrow\b", r"депозитар", r"резервн\w* рабоч"),
    # a desk: "рабочее место" (never "стол")
    "desk": (r"\bdesks?\b", None, r"\bстол(?:а|у|ом|е|ы|ов)?\b"),
    # the custody log's signed head: "вершина журнала хранения"
    "custody head": (r"\bcustody head", r"вершин", r"голов"),
    # a log's origin (its name): "имя журнала", never "происхождение" (a file's provenance)
    "origin": (r"\borigin\b", None, r"происхожден"),
    # sealing a report (to the handler's key): "зашифровать", as the page's "Seal and send"
    # button says it (never "запечатать" in one face and "зашифровать" in the other)
    "seal": (r"\bseal", r"шифр", r"запечат"),
    # a checkpoint its witnesses cosigned: "заверенная контрольная точка"
    "witnessed": (r"\bwitnessed\b", r"заверен", r"засвидетельств"),
    # the person who reports: "источник", as everywhere on the desk (never "репортёр", a
    # journalist: a word that marks its holder where a phone is searched)
    "reporter": (r"\breporters?\b", r"источник", r"репорт"),
    # a passphrase: "парольная фраза" (a database's password stays "пароль")
    "passphrase": (r"\bpassphrases?\b", r"парольн", r"\bпароль(?!н)"),
}


NAMES = re.compile(
    r"`[^`]*`|\{[^}]*\}|%\(\w+\)\w|--[\w-]+|\b\w+\.(?:json|db|pdf|html)\b|\btysha \w+ \w+|\bTYSHA_\w+"
)


def _offenders(term: str, pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    en_re, must, must_not = TERMS[term]
    bad = []
    for en, ru in pairs:
        if not re.search(en_re, NAMES.sub(" ", en), re.IGNORECASE):
            continue
        if must and not re.search(must, ru, re.IGNORECASE):
            bad.append((en, ru))
        elif must_not and re.search(must_not, ru, re.IGNORECASE):
            bad.append((en, ru))
    return bad


@pytest.mark.parametrize("term", sorted(TERMS))
def test_the_catalog_renders_each_term_one_way(term: str) -> None:
    bad = _offenders(term, catalog())
    assert not bad, f"{term}: {len(bad)} messages, e.g. {bad[:3]}"


@pytest.mark.parametrize("term", sorted(TERMS))
def test_the_source_page_renders_each_term_one_way(term: str) -> None:
    bad = _offenders(term, page())
    assert not bad, f"{term}: {len(bad)} strings, e.g. {bad[:3]}"


def test_the_page_calls_the_drop_the_same_in_every_string() -> None:
    """On the page a bare "сервер" beside "сервер приёма" reads as a second server: every
    mention is the full term."""
    bare = [ru for _en, ru in page() if re.search(r"сервер\w*(?!\w)(?! приёма)", ru)]
    assert not bare, bare[:3]


def test_no_term_of_the_occupation_is_used() -> None:
    """Neutral words, not the occupier's official ones ("СВО", "спецоперация", "освобождение",
    "новые регионы", "ДНР"/"ЛНР", "воссоединение", "киевский режим")."""
    banned = re.compile(
        r"\bСВО\b|спецоперац|специальн\w* военн\w* операц|освобожд\w* территори|новы[хе] регион|"
        r"новы[хе] территори|\bДНР\b|\bЛНР\b|воссоедин|киевск\w* режим|новоросс",
        re.IGNORECASE,
    )
    used = [ru for _en, ru in everywhere() if banned.search(ru)]
    assert not used, used[:3]


# Russian words that read as something else to a frightened reader, and what they were meant as.
MISREAD = {
    # a sentence opening "Кто его знает, может читать ответы" reads as the idiom "who knows"
    # (nobody knows); "Любой, кто его знает" is meant
    r"(?:^|[.!?:;]\s+)Кто его знает": "anyone who knows it",
    # "Отпечаток куратора" is the handler's own fingerprint (the finger), not their key's
    "Отпечаток куратора": "the fingerprint of the handler's key",
}


@pytest.mark.parametrize("phrase", sorted(MISREAD))
def test_the_page_says_nothing_that_reads_as_something_else(phrase: str) -> None:
    said = [ru for _en, ru in page() if re.search(phrase, ru)]
    assert not said, f"{phrase!r} ({MISREAD[phrase]}): {said}"


def test_a_count_of_flagged_reports_reads_right_for_21() -> None:
    """Russian takes its first plural form for 1 and for 21, 31, ...: "21 из них отмечено, не
    принимайте его на веру" told the handler to distrust one report of 21. The first form
    says nothing that holds for one only."""
    forms = [m.string[0] for m in po_catalog("ru") if isinstance(m.id, tuple) and "of them flagged" in m.id[0]]
    assert len(forms) == 2 and not [s for s in forms if re.search(r"\bего\b", s)], forms


def test_the_help_names_a_source_as_the_russian_desk_shows_it() -> None:
    """`tysha desk revoke --help` gave "Source 3", "Amber Fox" as examples, which a Russian
    desk never shows: it calls that source «Источник 3 · Янтарь Лис» (either works)."""
    ru = dict(catalog())
    example = ru['"Source 3", "Amber Fox" or the id.']
    shown = [ru["Source {n}"].format(n=3), ru["Amber"], ru["Fox"]]
    assert all(word in example for word in shown), (example, shown)
