"""Crimean Tatar (crh, Latin script) wording: what a reporter in Crimea reads must say what the
English says, and one English key term must read as one crh term in every message, in the
catalog and on the browser source page alike. A native speaker's review is still needed
(test_cli_i18n.py::test_the_crh_catalog_asks_for_a_native_review); these tests keep what a
non-native review fixed from coming back."""

from __future__ import annotations

import functools
import json
import re

import pytest

from .extract import SRC, po_catalog

STRINGS = SRC / "drop" / "source_page" / "strings.json"


@functools.cache
def pairs() -> tuple[tuple[str, str, str], ...]:
    """``(where, English, crh)`` for every crh msgstr (each plural form against its English
    form), every crh string of the source page, and the page's crh category labels."""
    from tysha.drop.source_page import CRH_CATEGORIES
    from tysha.evidence.taxonomy import label

    out: list[tuple[str, str, str]] = []
    for m in po_catalog("crh"):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strs = m.string if isinstance(m.string, tuple) else (m.string,)
        for i, text in enumerate(strs):
            out.append((f"tysha.po {ids[0][:70]!r}", ids[min(i, len(ids) - 1)], text))
    page = json.loads(STRINGS.read_text("utf-8"))
    out += [(f"strings.json {k}", page["en"][k], v) for k, v in page["crh"].items()]
    out += [(f"CRH_CATEGORIES {k}", label(k, "en"), v) for k, v in CRH_CATEGORIES.items()]
    return tuple(out)


def words(text: str) -> list[str]:
    """The words of a text, placeholders, options, paths, file names and code aside."""
    text = re.sub(r"\{[^}]*\}|%\(\w+\)\w|`[^`]*`|--?[\w-]+|\S*\w[/=_.@]\w\S*", " ", text)
    return re.findall(r"[^\W\d_]+", text)


def test_no_cyrillic_letter_in_the_latin_script_text() -> None:
    """crh is shown in Latin script: a Cyrillic letter in it (a script mix, often invisible:
    Cyrillic а, е, о, с look Latin) breaks search and reads as a typo."""
    bad = [(w, s) for w, _en, s in pairs() if re.search(r"[\u0400-\u04ff]", s)]
    assert not bad, bad[:5]


def test_every_letter_is_of_the_crh_latin_alphabet() -> None:
    """The crh Latin alphabet has no x and no w (Russian х is written h: arhiv, hronologiya).
    'blok-postta axtaruv' (Azerbaijani 'search') was the label of a category a source picks,
    and 'sxema' a misspelling; names and terms the English has too (Tor Browser) are kept."""
    bad = []
    for where, en, crh in pairs():
        english = {w.lower() for w in words(en)}
        bad += [
            (where, w) for w in words(crh) if re.search("[xwXW]", w) and w.lower() not in english
        ]
    assert not bad, bad[:5]


# One English key term, one crh rendering: (name, where the English says it (None: every
# message), a rendering that must no longer appear). What a reader misread is in the names.
TERMS = [
    # "drop": 'sunucı' on the source page, 'qabul serveri' in the catalog and on the same page
    # (replies_*): a source told to stop sending to the "qabul serveri" could not tell it was
    # the "sunucı" the page sends to.
    ("drop", None, r"(?i)\bsunucı"),
    # "report": haber (~190 messages) vs rapor/raport (Turkish), bildirim ("notification") and
    # hesabat (Azerbaijani).
    ("report", None, r"(?i)\b(rapor|bildirim|hesabat)"),
    # "receipt": makbuz vs vesiqa, which is the word for "document" ('vesiqalar teşkerildi',
    # "receipts verified", read as "documents checked").
    ("receipt", r"(?i)receipt", r"(?i)vesiqa"),
    ("receipt", None, r"(?i)qabul vesiqa"),
    # the drop's "log": jurnal vs defter ("notebook") on the page and in a third of the catalog.
    ("log", None, r"(?i)\bdefter"),
    # "fork": one root (çatal-), not 'ekige bölün' / 'ayrıldı' ("separated") as well.
    ("fork", r"(?i)fork", r"(?i)ekige bölün|\bayrıldı"),
    ("FORK:", r"^FORK:", r"^FORK:"),
    # "checkpoint" of a log: teşkerüv noqtası, not kontrol / nazaret noqtası as well.
    ("checkpoint", None, r"(?i)\b(kontrol|nazaret) noqta"),
    # "vault": kassa vs saqlayıcı ("storage").
    ("vault", None, r"(?i)\bsaqlayıcı"),
    # "check": teşker-, not Tatar-like tekşir-/tekşer-.
    ("check", None, r"(?i)\btek[sş][ie]r"),
    ("handler", None, r"(?i)kürat|kuratoruñ"),
    ("courier", None, r"\bkurye\b"),
    ("Tysha", None, r"Tışa"),
    ("outbox", None, r"çıqacaqlar"),
    # "revoked": keri alın-, not qaytarıp alın- ("REVOKED" and "Revoke?" read apart).
    ("revoked", r"(?i)revo[kc]", r"(?i)qaytarıp al"),
    # "enrol": qayd et-, not qoşul- ("join") in two of the source's messages, nor qoş- ("add")
    # in the desk's ("only a handler desk enrols sources", "the escrow desk enrols no one").
    ("enrol", r"(?i)\benrol", r"(?i)\bqoş(ul|a\b|maq|may)"),
    # "pinned": bekit-, not bağlan- ("connected": the source read that it had connected).
    ("pinned", r"(?i)\bpinned", r"(?i)bağlan"),
    # "untrusted" after a revocation: işançsız in each of the three messages that say it.
    ("untrusted", r"(?i)flagged as untrusted", r"(?i)işanılmağan"),
    # "anchored" (the custody head in a drop's log): bekit-, not bağla- ("tied, connected").
    ("anchor", r"(?i)anchor", r"(?i)bağla"),
    # "incident" (the desk's case of several reports): hadise, as the web desk's Incidents
    # page; 'vaqia' is the catalog's "event" (Event time, custody events), and `desk
    # incidents` said "{id} vaqiası yaratıldı" for "incident created".
    ("incident", r"(?i)^(?!.*\bevent).*incident", r"(?i)\b(vaqia|adise)"),
    # "time-stamp": vaqıt tamğası, not also vaqıt damğası (Turkish) or vaqıt belgisi ("time
    # flag", where belgi is the catalog's flag).
    ("time-stamp", r"(?i)time-stamp", r"(?i)vaqıt (damğa|belgi)"),
    # "flagged": belgilen-, as the FLAGS column; işaret is also the catalog's "character".
    ("flagged", r"(?i)flag", r"(?i)işaretlen"),
    # "unflagged": 'belgisiz' is "unknown" (the catalog's unknown): "unknown source keys".
    ("unflagged", r"(?i)unflagged", r"(?i)belgisiz"),
    # WITHHELD glossed "(saqlanğan)", "kept, saved": a handler could take the entry for safe.
    ("WITHHELD", r"WITHHELD", r"saqlanğan"),
    # "readable": 'oqulğan' is "that was read" (as on the source page before).
    ("readable", r"(?i)\breadable", r"(?i)oqulğan"),
    # "desk": iş yeri, not masa ("table", the furniture) on the source page and in two
    # messages. "escrow desk": emanet yeri, not "yedek iş yeri" ("backup desk").
    ("desk", None, r"(?i)\bmasa"),
    ("escrow desk", r"(?i)escrow desk", r"(?i)yedek iş yeri"),
    # `desk revoke --help` gave the English pseudonym as the example; the crh desk shows
    # "Menba 3 · Kehribar Tilki" (and accepts it, desk/sources.py find).
    ("pseudonym", r'"Source 3"', r'"Source 3"'),
    # A log "entry": yazı (40 messages), not also "qayd", the catalog's "note" (and "qayd
    # et-", enrol): a source read that the drop says "notes arrived up to {at}".
    ("entry", r"(?i)\bentr(y|ies)\b", r"(?i)\bqayd(?! et)"),
    # A log's "tree": terek, as `tree_size` and the receipts say, not also ağac.
    ("tree", r"(?i)\btree", r"(?i)ağac"),
    # The share's "preview": ög körüniş, not also ögden baquv / ön baquv ("ön": Turkish);
    # an image's preview is a thumbnail (kiçik resim). "capture": çekiliş, not çekim / suret.
    ("preview", None, r"(?i)\b(ön|ögden) baquv"),
    ("capture", r"(?i)capture", r"(?i)\b(çekim|suret)"),
    # A legal "qualification": tasnif (the web desk's form), not also kvalifikatsiya.
    ("qualification", r"(?i)qualif", r"(?i)kvalifik"),
]


def test_a_passphrase_is_parol_ibaresi() -> None:
    """The word passphrase is "parol ibaresi" in every source message; the desk's login said
    "parol" (a password) for the same desk passphrase ("Wrong passphrase." read "Wrong
    password."), and the web desk's exposure warning said the "parol" crosses unencrypted."""
    bad = [(w, s) for w, en, s in pairs()
           if re.search(r"(?i)passphrase", re.sub(r"TYSHA_\w+", "", en))
           and "parol ibare" not in s.lower()]  # fmt: skip
    assert not bad, bad[:3]


@pytest.mark.parametrize(("term", "english", "rendering"), TERMS)
def test_each_key_term_reads_one_way(term: str, english: str | None, rendering: str) -> None:
    bad = [(w, s) for w, en, s in pairs() if (english is None or re.search(english, en))
           and re.search(rendering, s)]  # fmt: skip
    assert not bad, (term, bad[:3])


# Words of neighbouring languages where Crimean Tatar has its own (all of them were in the
# catalog): hiç (Turkish; crh iç, as in the other half of the catalog), qoşumta (Kazan Tatar
# "attachment"; crh ilâve), ilova (Uzbek "app"; crh programma), fotoğraf (Turkish spelling),
# körset- / tengleştir- (Kazan Tatar; crh köster-, teñeştir-), tecrübe (Turkish; crh tecribe),
# durum (Turkish "status"; crh al, as the CLI's STATUS column), tiklen- ("restored"; crh
# keri qaytarıl-, as on the Sources page), alâ ("excellent", where "yet" (ale) was meant),
# dene- / evvel- / degiş- / şahit (Turkish spellings of deñe-, evel-, deñiş-, şaat), başlalma-
# (Turkish başlayama-; crh başlap olama-).
FOREIGN = r"(?i)\b(hiç|qoşumta|ilova|fotoğraf|körset|tengle|tecrübe|durum|tiklen|alâ|dene[ñmn]|evvel|degiş|şahit|başlalma)"


def test_words_of_neighbouring_languages_are_not_used() -> None:
    bad = [(w, m.group(0)) for w, _en, s in pairs() if (m := re.search(FOREIGN, s))]
    assert not bad, bad[:5]


def test_in_person_reads_in_person() -> None:
    """'tell your contact in person' is the one safe channel left when the drop misbehaves:
    'kuratorıñızğa özüñiz aytıñız' ("tell them yourself") does not say face to face."""
    bad = [(w, s) for w, en, s in pairs()
           if re.search(r"in person|face to face", en) and not re.search(r"şahsen|yüzme-yüz", s)]  # fmt: skip
    assert not bad, bad[:3]


def caps(text: str) -> list[str]:
    return re.findall(r"[A-ZÇĞİÑÖŞÜÂ]{3,}", " ".join(words(text)))


def test_a_capitalised_warning_stays_capitalised() -> None:
    """An English NOT or DANGER in capitals is the word a reader must not miss: the source
    page's 'NOT confirmed' (a receipt from a forked log) read 'Tasdıqlanmadı', one lower-case
    word among many."""
    bad = []
    for where, en, crh in pairs():
        shouting = [w for w in caps(en) if w in {"NOT", "DANGER", "WARNING", "NEVER"}]
        if shouting and not caps(crh):
            bad.append((where, crh))
    assert not bad, bad[:3]


def test_the_source_page_says_what_the_english_says() -> None:
    page = json.loads(STRINGS.read_text("utf-8"))["crh"]
    # "at about {hour}:00": 'saat {hour}:00 ögünde' is "before {hour}:00".
    assert "ögünde" not in page["received"] and "taqriben saat {hour}:00" in page["received"]
    # "never receives anything readable": 'oqulğan bir şey' is "something that was read".
    assert "oqulğan bir şey" not in page["noscript_body"]
    assert "oqulıp olğan bir şey" in page["noscript_body"]
    # "(256 MiB in all)" is the limit: 'episi 256 MiB' read "they are 256 MiB in all".
    assert "eñ çoq 256 MiB" in page["err_too_big"]


def test_claims_that_cannot_be_true_do_not_read_as_maybe_true() -> None:
    """The ``implausible-claims`` flag: 'doğru olıp olmağan' reads "whether true or not"
    (olıp-olmağan), far weaker than "cannot be true" (olıp olamağan)."""
    bad = [(w, s) for w, en, s in pairs() if "cannot be true" in en and "olıp olamağan" not in s]
    assert not bad, bad


def test_a_request_to_confirm_does_not_read_do_not_confirm() -> None:
    """After a lost session the web desk said "onı teşkerip tasdıqlamañız içün": the verbal
    noun reads exactly as the imperative "do not confirm"; "tasdıqlamaq içün" cannot."""
    bad = [(w, s) for w, en, s in pairs() if "check and confirm" in en and "tasdıqlamañız" in s]
    assert not bad, bad
