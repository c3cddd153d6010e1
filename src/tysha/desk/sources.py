"""Source policy: pseudonyms, their order, and finding a source from what a person types.

A source is known to the desk only by its key and a pseudonym ("Source 7 · Amber Fox"): the
number counts enrolments, the two words come from the key so they stay the same on every
desk that sees that key. A reference a person types must fit exactly one source; a reference
that fits two is refused, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

from tysha.desk.models import Source
from tysha.errors import BadInput, NotFound
from tysha.protocol import PublicIdentity

__all__ = ["find", "pseudonym", "source_order"]

_ADJ = (
    "Amber Birch Cedar Dawn Elm Fern Grey Hazel Ivy Juniper "
    "Linden Maple North Oak Pine Quiet River Sage Willow Yarrow"
).split()
_NOUN = (
    "Fox Heron Lark Owl Hare Wren Stork Crane Finch Swift "
    "Robin Otter Lynx Badger Falcon Marten Swallow Kestrel Deer Bee"
).split()


def pseudonym(number: int, public: PublicIdentity) -> str:
    return f"Source {number} · {_ADJ[public.sign[0] % 20]} {_NOUN[public.sign[1] % 20]}"


def source_order(s: Source) -> tuple[int, str]:
    head = s.pseudonym.split(" · ")[0].split()
    return (int(head[-1]) if head and head[-1].isascii() and head[-1].isdigit() else 1 << 30, s.id)


def _as_read(pseudonym: str) -> list[str]:
    """The pseudonym as each language shows it ("Source 1 · Quiet Badger", "Джерело 1 · Тихий
    Борсук", …): a handler types what the faces showed them."""
    from tysha.desk.views import pseudonym_text
    from tysha.i18n import LANGUAGES, translations

    return list(dict.fromkeys(
        [pseudonym] + [pseudonym_text(pseudonym, translations(lang).gettext) for lang in LANGUAGES]
    ))  # fmt: skip


def find(ref: str, sources: Sequence[Source], words: bool = True) -> Source:
    """A source by id, full pseudonym, "Source 7" or (``words``) "Amber Fox", in any of the
    interface's languages."""
    read = {s.id: _as_read(s.pseudonym) for s in sources}
    for s in sources:
        if ref == s.id or ref in read[s.id]:
            return s
    want = " ".join(ref.replace("·", " ").split()).lower()
    hits = []
    for s in sources:
        fits: tuple[str, ...] = ()
        for pseudonym in read[s.id]:
            number, _, name = pseudonym.partition(" · ")
            fits += (number.lower(), f"{number} {name}".lower())
            fits += (name.lower(),) if words else ()
        if want and want in fits:
            hits.append(s)
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise BadInput(f"{ref!r} fits {len(hits)} sources; give the number or the id")
    raise NotFound(
        f"no source matches {ref!r}",
        hint="`tysha desk show REPORT` names a report's source; the web desk's Sources page "
        "lists every source",
    )
