"""The taxonomy of abuses (../shared/TAXONOMY.md): reported categories and legal qualifications.

Two layers, never merged: what the source ticked (plain words, their language) and the legal
qualification an analyst adds at the desk (Rome Statute article, confidence, reviewer, date).
Articles TAXONOMY.md marks [verify] carry ``verify=True`` and are shown as unverified.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CATEGORIES",
    "CROSS_CUTTING",
    "IHL_BASIS",
    "QUALIFICATIONS",
    "Basis",
    "Category",
    "Qualification",
    "category",
    "label",
    "qualification",
    "qualifications_for",
]


@dataclass(frozen=True)
class Category:
    code: str
    en: str
    uk: str
    ru: str


@dataclass(frozen=True)
class Qualification:
    code: str
    label: str
    categories: tuple[str, ...]
    verify: bool = False


CATEGORIES: tuple[Category, ...] = (
    Category("dep", "taken away / deported", "вивезли / депортували", "вывезли / депортировали"),
    Category(
        "chd",
        "children taken to a camp or away",
        "дітей вивезли до табору чи деінде",
        "детей вывезли в лагерь или куда-то",
    ),
    Category(
        "mob", "forced to join the army", "примусили піти до армії", "заставили пойти в армию"
    ),
    Category(
        "det", "detained / disappeared", "затримали / зникла людина", "задержали / пропал человек"
    ),
    Category("tor", "beaten or tortured", "били чи катували", "били или пытали"),
    Category(
        "fil",
        "filtration / checkpoint search",
        "фільтрація / обшук на блокпосту",
        "фильтрация / обыск на блокпосту",
    ),
    Category("sxv", "sexual violence", "сексуальне насильство", "сексуальное насилие"),
    Category("kil", "someone was killed", "когось убили", "кого-то убили"),
    Category(
        "atk",
        "attack on civilians or a school, hospital, church",
        "напад на цивільних, школу, лікарню, церкву",
        "нападение на гражданских, школу, больницу, церковь",
    ),
    Category(
        "pil",
        "property taken or destroyed",
        "майно забрали чи знищили",
        "имущество забрали или уничтожили",
    ),
    Category(
        "shd", "people used as shields", "людей використали як щит", "людей использовали как щит"
    ),
    Category(
        "per",
        "forced passport, language, schooling",
        "примусовий паспорт, мова, школа",
        "принудительный паспорт, язык, школа",
    ),
    Category("other", "something else", "інше", "другое"),
)

_BY_CODE = {c.code: c for c in CATEGORIES}

QUALIFICATIONS: tuple[Qualification, ...] = (
    Qualification(
        "RS 8(2)(a)(v)", "compelling a protected person to serve in hostile forces", ("mob",)
    ),
    Qualification(
        "RS 8(2)(b)(xv)",
        "compelling nationals to take part in operations against their country",
        ("mob",),
    ),
    Qualification(
        "RS 8(2)(b)(xxvi)", "conscripting or enlisting children under 15", ("mob", "chd")
    ),
    Qualification(
        "RS 8(2)(a)(vii)",
        "unlawful deportation, transfer or confinement",
        ("dep", "chd", "det", "fil"),
    ),
    Qualification(
        "RS 8(2)(b)(viii)",
        "deportation or transfer of the population of occupied territory",
        ("dep", "chd", "fil"),
    ),
    Qualification(
        "RS 7(1)(d)",
        "deportation or forcible transfer (crime against humanity)",
        ("dep", "chd", "fil"),
    ),
    Qualification("RS 6(e)", "genocide: forcibly transferring children of the group", ("chd",)),
    Qualification("RS 8(2)(b)(xxii)", "rape, sexual slavery and other sexual violence", ("sxv",)),
    Qualification("RS 7(1)(g)", "sexual violence (crime against humanity)", ("sxv",)),
    Qualification("RS 8(2)(a)(ii)", "torture or inhuman treatment", ("tor", "fil")),
    Qualification("RS 8(2)(a)(iii)", "wilfully causing great suffering", ("tor",)),
    Qualification("RS 8(2)(b)(xxi)", "outrages upon personal dignity", ("tor", "fil")),
    Qualification("RS 7(1)(f)", "torture (crime against humanity)", ("tor", "fil")),
    Qualification("RS 7(1)(k)", "other inhumane acts", ("tor", "mob")),
    Qualification("RS 8(2)(a)(vi)", "denial of a fair trial", ("det",)),
    Qualification("RS 8(2)(a)(viii)", "taking of hostages", ("det",)),
    Qualification("RS 7(1)(e)", "imprisonment or severe deprivation of liberty", ("det", "fil")),
    Qualification("RS 7(1)(i)", "enforced disappearance", ("det", "fil")),
    Qualification("RS 7(1)(h)", "persecution (with another listed act)", ("per", "fil")),
    Qualification("RS 8(2)(a)(i)", "wilful killing", ("kil",)),
    Qualification("RS 7(1)(a)", "murder (crime against humanity)", ("kil",)),
    Qualification("RS 8(2)(b)(i)", "attacks on civilians", ("atk",)),
    Qualification("RS 8(2)(b)(ii)", "attacks on civilian objects", ("atk",)),
    Qualification("RS 8(2)(b)(iv)", "disproportionate attack", ("atk",)),
    Qualification(
        "RS 8(2)(b)(ix)",
        "attacks on religious, educational, medical buildings, monuments",
        ("atk",),
    ),
    Qualification(
        "RS 8(2)(a)(iv)", "extensive destruction and appropriation of property", ("pil",)
    ),
    Qualification("RS 8(2)(b)(xiii)", "destroying or seizing the enemy's property", ("pil",)),
    Qualification("RS 8(2)(b)(xvi)", "pillaging", ("pil",)),
    Qualification("RS 8(2)(b)(xxiii)", "using protected persons as shields", ("shd",)),
    Qualification(
        "CCU 438",
        "violation of the laws and customs of war (Criminal Code of Ukraine)",
        ("dep", "chd", "mob", "det", "tor", "fil", "sxv", "kil", "atk", "pil", "shd", "per"),
    ),
    Qualification("CCU 442", "genocide (Criminal Code of Ukraine)", ("chd",), verify=True),
)

_QUAL = {q.code: q for q in QUALIFICATIONS}


def category(code: str) -> Category:
    try:
        return _BY_CODE[code.lower()]
    except KeyError:
        return _BY_CODE["other"]


def qualification(code: str) -> Qualification | None:
    return _QUAL.get(code)


def qualifications_for(code: str) -> tuple[Qualification, ...]:
    """The legal qualifications an analyst may consider for a reported category (a hint
    list, never applied automatically: qualifying is the analyst's decision)."""
    code = code.lower()
    return tuple(q for q in QUALIFICATIONS if code in q.categories)


def label(code: str, lang: str = "en") -> str:
    """A category's plain words in ``lang`` (``en``, ``uk`` or ``ru``; English otherwise)."""
    c = category(code)
    return str(getattr(c, lang, c.en)) if lang in ("en", "uk", "ru") else c.en


@dataclass(frozen=True)
class Basis:
    """A rule of international humanitarian law behind a category (TAXONOMY.md, IHL basis).
    ``verify=True``: TAXONOMY.md marks the article [verify]; show it as unverified."""

    code: str
    verify: bool = False


IHL_BASIS: dict[str, tuple[Basis, ...]] = {
    "mob": (
        Basis("GC IV Art. 51"),
        Basis("GC IV Art. 50"),
        Basis("HR Art. 45", verify=True),
        Basis("CCU Art. 438"),
    ),
    "dep": (Basis("GC IV Art. 49"),),
    "chd": (Basis("GC IV Art. 50"), Basis("CRC Arts 7-8", verify=True)),
    "sxv": (Basis("GC IV Art. 27"),),
    "tor": (Basis("GC IV Arts 31-32", verify=True), Basis("CAT")),
    "det": (
        Basis("GC IV Arts 42-43, 78", verify=True),
        Basis("GC IV Art. 147"),
    ),
    "fil": (Basis("GC IV Art. 27"), Basis("GC IV Art. 49"), Basis("GC IV Art. 78")),
    "kil": (Basis("GC IV Art. 32"), Basis("GC IV Art. 147")),
    "atk": (Basis("AP I"),),
    "pil": (Basis("GC IV Arts 33, 53", verify=True),),
    "shd": (Basis("GC IV Art. 28", verify=True),),
    "per": (Basis("HR Art. 45", verify=True),),
    "other": (),
}

#: Cross-cutting legal elements an analyst records beside the qualifications (TAXONOMY.md).
CROSS_CUTTING: tuple[tuple[str, str], ...] = (
    ("RS 25(3)(a)-(d)", "modes of liability"),
    ("RS 28", "command / superior responsibility"),
    ("RS 30", "mental element"),
    ("RS 7(1)/(2)(a)", "contextual element: widespread or systematic attack on civilians"),
)
