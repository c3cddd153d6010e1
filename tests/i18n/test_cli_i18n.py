"""Every message the command line shows is translated into uk, ru and crh (issue 10): the
msgids are found by an AST walk of the CLI modules (tests/i18n/extract.py), so a message added
without a translation fails here; and real commands run under TYSHA_LANG speak that language."""

from __future__ import annotations

import functools
import html
import json
import re
import string
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tysha import cli as cli_module
from tysha import errors, verify
from tysha.drop.launcher import threaded_drop
from tysha.i18n import LANGUAGES, translate_message, translations
from tysha.protocol import invitation
from tysha.source import device, vault

from .extract import (
    RAISING_MODULES,
    SRC,
    Found,
    extract,
    po_catalog,
    queue_reasons,
    raised,
    reported,
)

TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


@functools.cache
def found() -> Found:
    """The CLI's msgids (parsed on first use, not at collection: every worker collects this
    module)."""
    return extract()


@functools.cache
def hints() -> frozenset[str]:
    """The hints the services raise with."""
    return frozenset(extract(RAISING_MODULES).singular)


# msgids the CLI passes through _() as variables: roles, `info` keys, step statuses, the
# passphrase kinds, describe_error's OS and codec phrases, the error families' hints.
EXTRA = (
    {"handler", "escrow", "analyst", "name", "role", "fingerprint", "public_key", "origin",
     "vkey", "tree_size", "root_hash", "source_page_sha256", "onion", "vault passphrase",
     "decoy passphrase", "when", "where", "status", "trusted", "categories", "received",
     "source", "capture verified", "receipt verified", "log consistent", "drop",
     "envelope sha-256"}
    | set(verify.STEP_STATUSES)
    | {phrase for pair in cli_module._ERRNO.values() for phrase in pair}
    | set(cli_module._CODEC)
    | {cls.hint for cls in vars(errors).values() if isinstance(cls, type) and getattr(cls, "hint", "")}
    | {vault.NOTHING_OPENS, vault.NOTHING_OPENS_HINT, vault.NO_ROOM, device.WHEN_FORMS}
    | {invitation.DAMAGED, invitation.OLD_FORMAT}
    | {device.coarse_wait(s) for s in (0, 1800)}
)  # fmt: skip
# Words that are the same in a language (an identifier, a status code).
SAME = {"ID"}


def fields(text: str) -> set[str]:
    return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None}


def test_the_walk_finds_the_cli_messages() -> None:
    # The walk itself works: a known message of each module is found (so an empty walk fails).
    assert "no reports" in found().singular  # desk/cli.py
    assert "onion address: made when Tor reads it" in found().singular  # drop/cli.py
    assert ("{n} reply sent", "{n} replies sent") in found().plural
    assert ("witness {name} following {n} log on port {port}",
            "witness {name} following {n} logs on port {port}") in found().plural  # fmt: skip
    assert "nothing to send: the outbox is empty." in found().singular  # source/cli.py
    assert any(m.startswith("bundle ok") for m, _p in found().plural)  # verify.py
    assert "no report V1x" in raised()  # desk/service.py, an f-string rendered with samples
    assert len(found().singular) > 80 and len(raised()) > 50


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_cli_message_is_translated(lang: str) -> None:
    tr = translations(lang)
    bad = []
    for msgid in sorted(found().singular | hints() | EXTRA):
        out = tr.singular.get(msgid, "")
        if not out.strip():
            bad.append(("missing", msgid))
        elif fields(out) != fields(msgid):
            bad.append(("placeholders differ", msgid, out))
        elif out == msgid and msgid not in SAME and re.search(r"[a-z]{3}", msgid):
            bad.append(("same as English", msgid))
    assert not bad, f"{lang}: {bad}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_cli_plural_has_every_form(lang: str) -> None:
    tr = translations(lang)
    needed = {"uk": 3, "ru": 3, "crh": 2}[lang]
    bad = []
    for singular, plural in sorted(found().plural):
        forms = tr.plural.get(singular)
        if not forms or len(forms) != needed or not all(forms):
            bad.append(("forms", singular))
            continue
        if any(fields(f) != fields(plural) for f in forms):
            bad.append(("placeholders differ", singular))
    assert not bad, f"{lang}: {bad}"
    # the forms follow the language's rule
    if lang == "uk":
        assert [tr.ngettext("{n} reply sent", "{n} replies sent", n).format(n=n)
                for n in (1, 3, 5, 21)] == ["надіслано 1 відповідь", "надіслано 3 відповіді",
                                           "надіслано 5 відповідей", "надіслано 21 відповідь"]  # fmt: skip
    if lang == "ru":
        assert tr.ngettext("wrote {n} envelope", "wrote {n} envelopes", 2).format(n=2) == (
            "записано 2 конверта"
        )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_raised_error_is_translated(lang: str) -> None:
    untranslated = sorted(m for m in raised() if translate_message(m, lang) == m)
    assert not untranslated, f"{lang}: {untranslated}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_fetch_warning_is_translated(lang: str) -> None:
    # desk fetch's warnings and WITHHELD lines (found by the walk of desk/fetch.py), translated
    # at the face; the contract's marker WITHHELD stays in every language (docs/CLI.md).
    found = reported()
    assert "omitted from the listing" in found and len(found) > 12  # the walk reaches them
    untranslated = sorted(m for m in found if translate_message(m, lang) == m)
    assert not untranslated, f"{lang}: {untranslated}"
    withheld = "http://d: entry 5 WITHHELD: omitted from the listing"
    assert "WITHHELD" in translate_message(withheld, lang)
    assert "omitted" not in translate_message(withheld, lang)
    assert all(translate_message(m, "en") == m for m in found)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_reason_a_reply_stays_queued_is_translated(lang: str) -> None:
    """`desk reply` says why a reply was queued, not sent ("the drop is unreachable", "the drop
    refused the reply (413)", a receipt that does not verify): those reasons had no msgid, so
    a handler working in Ukrainian read "відповідь поставлено в чергу, ще не надіслано (the
    drop is unreachable; the reply stays queued)"."""
    reasons = queue_reasons()
    assert len(reasons) >= 4 and any("unreachable" in m for m in reasons)
    untranslated = sorted(m for m in reasons if translate_message(m, lang) == m)
    assert not untranslated, f"{lang}: {untranslated}"
    why = "the drop refused the reply (413)"
    assert "(413)" in translate_message(why, lang) and "refused" not in translate_message(why, lang)


def test_english_errors_are_unchanged() -> None:
    for m in raised():
        assert translate_message(m, "en") == m


def test_template_translation_keeps_the_values() -> None:
    assert translate_message("no report 'ab12'", "uk") == "немає повідомлення 'ab12'"
    assert translate_message("/x/y does not exist", "ru") == "/x/y не существует"
    # a field holding a message is itself translated; a value that is data is not
    assert translate_message("report 3 has no attachment 7", "crh") == "3 haberinde 7 ilâvesi yoq"
    assert translate_message("something no catalog holds", "uk") == "something no catalog holds"
    # lines other layers format: the drop server's, the source device's coarse waits
    assert translate_message("drop tysha.test/drop serving on port 8080", "uk") == (
        "сервер прийому tysha.test/drop працює на порту 8080"
    )
    assert translate_message("in about 5 hours", "ru") == "примерно через 5 ч"
    # a field used twice must match the same value twice
    how = ("onion service: Tor configuration written to /d/t; include it in your Tor's torrc or"
           " run `tor -f /d/t`; the service key lives in /d/hs (mode 0700)")  # fmt: skip
    assert translate_message(how, "crh").startswith("onion hizmeti: Tor ayarları /d/t faylına")
    # adjacent fields: the tail after "{size}" is its own message, translated in turn
    witnessed = ("witnessed: accepted: 2 of 2 required witness cosignatures valid; the anchor and"
                 " reports ab are in the witnessed tree of 5; not yet covered: reports ef")  # fmt: skip
    assert translate_message(witnessed, "uk").endswith(
        "є в засвідченому дереві розміром 5; ще не охоплено: повідомлення ef"
    )
    other = how.replace("-f /d/t", "-f /elsewhere")
    assert translate_message(other, "crh") == other


@pytest.mark.parametrize("lang", ["en", *TRANSLATED])
def test_every_catalog_states_its_plural_rule(lang: str) -> None:
    """A catalog without a ``Plural-Forms`` header is picked up with a guessed rule, and
    ``msgfmt -c`` refuses it as an error: each one names its number of forms and the rule."""
    po = Path(cli_module.__file__).parent / "locale" / lang / "LC_MESSAGES" / "tysha.po"
    header = po.read_text(encoding="utf-8").split("\n\n", 1)[0]
    rule = re.search(r'"Plural-Forms: nplurals=(\d+); plural=[^"]+;\\n"', header)
    assert rule, f"{lang}: no Plural-Forms in the header"
    assert int(rule.group(1)) == {"en": 2, "uk": 3, "ru": 3, "crh": 2}[lang]


def test_the_four_catalogs_hold_the_same_strings_each_translated() -> None:
    """The .po files are the source of the translations (edited by hand, no generator):
    a string added to one catalog and forgotten in another, or left with an empty msgstr,
    would show English to a reporter who chose their own language."""
    ids: dict[str, set[object]] = {}
    for lang in LANGUAGES:
        catalog = po_catalog(lang)
        ids[lang] = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
        if lang != "en":
            empty = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
            assert not empty, f"{lang}: untranslated {empty[:3]}"
    for lang in TRANSLATED:
        assert ids[lang] == ids["en"], (
            f"{lang}: missing {sorted(map(str, ids['en'] - ids[lang]))[:3]}, "
            f"extra {sorted(map(str, ids[lang] - ids['en']))[:3]}"
        )
    assert not (Path(cli_module.__file__).parents[2] / "tools" / "make_po.py").exists(), (
        "a generator would overwrite the hand-kept catalogs"
    )


def test_the_crh_catalog_asks_for_a_native_review() -> None:
    po = Path(cli_module.__file__).parent / "locale" / "crh" / "LC_MESSAGES" / "tysha.po"
    head = po.read_text(encoding="utf-8")[:600]
    assert "needs a native reviewer" in head and "NEEDS NATIVE REVIEW" in head


# --- real commands ----------------------------------------------------------------------------

DESK_PASS = "desk passphrase for tests"
SRC_PASS = "source passphrase for tests"
CYRILLIC = re.compile(r"[а-яіїєґё]", re.IGNORECASE)
# Words of each language that the checked outputs must contain (a real translation, not English).
MARKERS = {"uk": "повідомлен", "ru": "сообщени", "crh": "haber"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from tests.conftest import tysha

    tmp = tmp_path_factory.mktemp("i18n")
    with threaded_drop(tmp / "drop") as (url, vkey, data):
        desk, vault = tmp / "desk", tmp / "v.vault"
        denv = {"TYSHA_PASSPHRASE": DESK_PASS, "TYSHA_LANG": "en"}
        senv = {"TYSHA_PASSPHRASE": SRC_PASS, "TYSHA_LANG": "en"}
        tysha("desk", "init", "--desk", desk, "--name", "cell", env=denv)
        code = tysha("desk", "invite", "--desk", desk, "--drop", url, "--drop-key", vkey,
                     env=denv).stdout.strip()  # fmt: skip
        tysha("source", "init", "--vault", vault, "--size", "8MiB", env=senv)
        tysha("source", "enroll", "--vault", vault, "--invitation", code, env=senv)
        tysha("source", "report", "--vault", vault, "--text", "checkpoint search", "--category",
              "det", env=senv)  # fmt: skip
        tysha("source", "send", "--vault", vault, "--now", env=senv)
        tysha("desk", "fetch", "--desk", desk, env=denv)
        bundle = tmp / "b.zip"
        tysha("desk", "export", "--desk", desk, "--out", bundle, env=denv)
        rid = json.loads(tysha("desk", "list", "--desk", desk, "--json", env=denv).stdout)[0]["id"]
        tampered = tmp / "tampered.zip"  # one bit of the envelope flipped
        with zipfile.ZipFile(bundle) as z, zipfile.ZipFile(tampered, "w") as out:
            for name in z.namelist():
                data_ = z.read(name)
                if name.endswith("envelope.bin"):
                    data_ = data_[:-1] + bytes([data_[-1] ^ 1])
                out.writestr(name, data_)
        yield {"desk": desk, "vault": vault, "data": data, "bundle": bundle, "rid": rid,
               "tmp": tmp, "url": url, "tampered": tampered}  # fmt: skip


def run(lang: str, *args: Any, check: bool = True) -> Any:
    from tests.conftest import tysha

    secret = SRC_PASS if args[0] == "source" else DESK_PASS
    env = {"TYSHA_PASSPHRASE": secret, "TYSHA_LANG": lang}
    return tysha(*args, env=env, check=check)


def english_words(text: str) -> list[str]:
    """Words of the English interface still present (ids, paths, hashes and codes aside)."""
    known = {"reports", "report", "received", "status", "verified", "offline", "bundle",
             "trusted", "categories", "custody", "flags", "envelope", "drop", "fingerprint",
             "does", "exist", "check", "spelling", "signed", "entry", "members", "origin",
             "tree", "size", "hash", "replies", "waiting", "nothing", "sealed", "step",
             "files", "altered", "differs", "trust"}  # fmt: skip
    text = re.sub(r"\S*[/.=]\S*|--\S+", " ", text)  # paths, addresses, keys, data, options
    return sorted({w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in known})


@pytest.mark.parametrize("lang", TRANSLATED)
def test_real_commands_speak_the_language(world: dict[str, Any], lang: str) -> None:
    w = world
    listed = run(lang, "desk", "list", "--desk", w["desk"]).stdout
    header = listed.splitlines()[0]
    assert "RECEIVED" not in header and "STATUS" not in header, header
    shown = run(lang, "desk", "show", w["rid"], "--desk", w["desk"]).stdout
    fields_part = shown.split("\n\n")[0]  # the labelled fields, before the report's own text
    assert MARKERS[lang] in shown.lower() and not english_words(fields_part), fields_part
    assert "Source 1" not in shown and "Quiet" not in shown
    checked = run(lang, "verify", str(w["bundle"])).stdout
    last = checked.strip().splitlines()[-1]
    assert MARKERS[lang] in last and not english_words(last), last
    # the numbered steps are translated, statuses and sentences ([8] quotes the desk's data)
    assert "] ok " not in checked and "UNPINNED" not in checked
    steps = [ln for ln in checked.splitlines() if ln.startswith("  [") and "[8]" not in ln]
    assert len(steps) >= 8 and not [ln for ln in steps if english_words(ln)], steps
    info = run(lang, "drop", "info", "--data", w["data"]).stdout
    assert "tree_size" not in info and "root_hash" not in info
    # an error: one line, in the language, what happened and what to do
    err = run(lang, "desk", "show", "nosuchid", "--desk", w["desk"], check=False)
    assert err.returncode == 1 and len(err.stderr.strip().splitlines()) == 1
    line = err.stderr
    assert not english_words(line.removeprefix("tysha: error: ")), line
    refused = run(lang, "verify", str(w["tampered"]), check=False)
    step = {"uk": "крок 3 (файли)", "ru": "шаг 3 (файлы)", "crh": "3-nci adım (fayllar)"}[lang]
    assert refused.returncode == 1 and step in refused.stderr, refused.stderr
    assert not english_words(refused.stderr.removeprefix("tysha: error: ")), refused.stderr
    missing = run(lang, "verify", str(w["tmp"] / "absent.zip"), check=False)
    assert missing.returncode == 1 and not english_words(missing.stderr.split(": ", 2)[-1])
    if lang in ("uk", "ru"):
        assert CYRILLIC.search(listed + shown + checked + info + line)
    outbox = run(lang, "source", "send", "--vault", w["vault"]).stdout
    assert outbox.strip() and not english_words(outbox), outbox


def test_english_output_is_unchanged(world: dict[str, Any]) -> None:
    w = world
    listed = run("en", "desk", "list", "--desk", w["desk"]).stdout
    assert listed.startswith("ID            RECEIVED")
    shown = run("en", "desk", "show", w["rid"], "--desk", w["desk"]).stdout
    assert "  trusted:           yes" in shown and "  custody:" in shown
    checked = run("en", "verify", str(w["bundle"])).stdout
    assert "bundle ok: 1 report verified offline; desk key UNPINNED (fingerprint " in checked
    assert "  [1] ok  the bundle opens (" in checked
    err = run("en", "desk", "show", "nosuchid", "--desk", w["desk"], check=False)
    assert err.stderr.startswith("tysha: error: no report 'nosuchid'"), err.stderr
    refused = run("en", "verify", str(w["tampered"]), check=False).stderr
    assert refused.startswith("tysha: error: step 3 (files): reports/") and (
        "envelope.bin was altered (SHA-256 differs)" in refused
    ), refused


@pytest.mark.parametrize(("lang", "expected"), [
    ("uk", "статус має бути одним із: new"),
    ("ru", "статус должен быть одним из: new"),
    ("crh", "al bulardan biri olmalı: new"),
    ("en", "status must be one of new"),
])  # fmt: skip
def test_web_desk_shows_service_errors_in_the_handlers_language(
    world: dict[str, Any], lang: str, expected: str
) -> None:
    from starlette.testclient import TestClient

    from tysha.desk.web.app import create_app

    app = create_app(world["desk"], port=8090)
    with TestClient(app, base_url="http://127.0.0.1:8090") as c:
        r = c.post("/login", data={"passphrase": DESK_PASS, "lang": lang}, follow_redirects=False)
        assert r.status_code == 303
        page = c.get("/", params={"status": "bogus", "lang": lang})
    assert page.status_code == 400
    assert expected in html.unescape(page.text), page.text


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_help_text_is_translated(lang: str) -> None:
    from .helptexts import help_msgids

    found = help_msgids()
    assert "The vault file." in found and len(found) > 100  # the walk reaches every command
    tr = translations(lang)
    missing = sorted(m for m in found if not tr.singular.get(m) or tr.singular[m] == m)
    assert not missing, f"{lang}: {missing}"
    assert not [m for m in found if fields(tr.singular[m]) != fields(m)]


@pytest.mark.parametrize(("lang", "words"), [
    ("uk", ("Запечатати повідомлення у вихідні", "Коди:", "Парольну фразу запитують")),
    ("ru", ("Зашифровать сообщение и сохранить в исходящих", "Коды:", "Парольную фразу запрашивают")),
    ("crh", ("Haberni çıqış qutusına mühürlemek", "Kodlar:", "Parol ibaresi terminalde")),
    ("en", ("Seal a report into the outbox", "Codes:", "The passphrase is asked")),
])  # fmt: skip
def test_help_speaks_the_language(lang: str, words: tuple[str, ...]) -> None:
    from tests.conftest import tysha

    out = tysha("source", "report", "--help", env={"TYSHA_LANG": lang, "COLUMNS": "400"}).stdout
    folded = " ".join(out.replace("│", " ").split())
    for w in words:
        assert w in folded, (w, out)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_an_error_that_says_what_to_do_gets_no_second_hint(lang: str) -> None:
    # "…; run `tysha desk init` first" already says what to do, in every language: no hint is
    # added (it used to be decided on the translated text, so only English was spared).
    exc = errors.NotFound("/x/desk is not a desk; run `tysha desk init` first")
    line = _describe(exc, lang)
    assert line == translate_message(exc.message, lang) != exc.message, line
    assert "tysha desk init" in line and "/x/desk" in line


def _describe(exc: BaseException, lang: str) -> str:
    import os

    old = os.environ.get("TYSHA_LANG")
    os.environ["TYSHA_LANG"] = lang
    try:
        return cli_module.describe_error(exc)
    finally:
        if old is None:
            os.environ.pop("TYSHA_LANG", None)
        else:
            os.environ["TYSHA_LANG"] = old


def _record(kind: str, **kw: Any) -> Any:
    from types import SimpleNamespace

    base = {"kind": kind, "state": "valid", "signer": "Cam", "issuer": "Iss",
            "claim_generator": "gen 1", "signed_at": None, "signer_fingerprint": "AB12",
            "signature_ok": True, "source_file": "p.json", "errors": ["x failed"],
            "highlights": lambda: {"Location.Latitude": "46.6"}}  # fmt: skip
    base.update(kw)
    return SimpleNamespace(**base)


def test_provenance_lines_speak_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    # desk show / import-proofmode: the labels, the state and "(no time-stamp)" are translated,
    # the values (signer, key, claim keys) are kept; English stays as other tests parse it.
    from tysha.desk.cli import _provenance_lines

    recs = [_record("c2pa"), _record("proofmode", state="untrusted-signer", signature_ok=False)]
    monkeypatch.setenv("TYSHA_LANG", "en")
    en = _provenance_lines(recs)
    assert en[0].strip() == ("C2PA: VALID  signer Cam, issuer Iss, made by gen 1, signed "
                             "(no time-stamp)")  # fmt: skip
    assert en[3].strip() == (
        "ProofMode: UNTRUSTED-SIGNER  signer key AB12 (Cam), signature NOT ok, from p.json"
    )
    monkeypatch.setenv("TYSHA_LANG", "uk")
    uk = "\n".join(_provenance_lines(recs))
    assert "C2PA: ДІЙСНИЙ  підписант Cam, видавець Iss" in uk and "(без позначки часу)" in uk
    assert "ключ підписанта AB12 (Cam), підпис НЕДІЙСНИЙ, з p.json" in uk
    assert "Location.Latitude (як заявлено): 46.6" in uk
    for english in ("signer", "issuer", "made by", "as claimed", "reason:", "VALID"):
        assert english not in uk


def test_carried_provenance_is_translated_part_by_part(monkeypatch: pytest.MonkeyPatch) -> None:
    line = ("report ab12: c2pa invalid, signed by unknown signer [FF00], issuer X, "
            "made by cam 1.0, signed at 2026-01-01T10:00Z, attachment 0 sha256 abcdef")  # fmt: skip
    monkeypatch.setenv("TYSHA_LANG", "en")
    assert verify._carried(line) == line
    monkeypatch.setenv("TYSHA_LANG", "ru")
    assert verify._carried(line) == (
        "сообщение ab12: c2pa недействителен, подписал неизвестный подписант [FF00], "
        "издатель X, создано cam 1.0, подписано 2026-01-01T10:00Z, вложение 0 sha256 abcdef"
    )


def test_capture_claim_keys_are_labelled_in_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    # desk show names a capture claim as the web desk does; English keeps the bare key.
    from tysha.desk.cli import _claim_key

    monkeypatch.setenv("TYSHA_LANG", "en")
    assert _claim_key("exif_gps") == "exif_gps" and _claim_key("other_key") == "other_key"
    monkeypatch.setenv("TYSHA_LANG", "uk")
    assert _claim_key("exif_gps") == "місце камери (EXIF)"
    assert _claim_key("other_key") == "other_key"  # an unknown key is data, shown as is


def test_every_custody_action_the_desk_records_has_a_translated_label() -> None:
    # Every action the desk writes to custody (found in its source) is named in each language
    # (desk show and the web desk's custody list), not shown as its English code.
    from tysha.desk.web.view import CUSTODY_LABELS

    actions: set[str] = set()
    for path in (SRC / "desk").glob("*.py"):
        actions |= set(re.findall(r'custody\(\s*"([a-z0-9-]+)"', path.read_text()))
    # and those written through a constant (`store.custody(EXPORT_ACTION, …)`): "export-started"
    # showed as its English code in `desk show` whatever the language
    actions |= set(re.findall(r'^[A-Z_]+_ACTION = "([a-z0-9-]+)"',
                              (SRC / "evidence" / "custody.py").read_text(), re.MULTILINE))
    assert {"received", "shared", "handler-pinned", "export-started"} <= actions
    missing = sorted(a for a in actions if a not in CUSTODY_LABELS)
    assert not missing, missing
    for lang in TRANSLATED:
        tr = translations(lang)
        bad = [a for a in actions if tr.gettext(CUSTODY_LABELS[a]) == CUSTODY_LABELS[a]]
        assert not bad, (lang, bad)


@pytest.mark.parametrize(
    ("lang", "verified", "failed"),
    [("en", "verified", "NOT verified"), ("uk", "перевірено", "НЕ перевірено"),
     ("ru", "проверено", "НЕ проверена"), ("crh", "teşkerildi", "TEŞKERİLMEDİ")],
)  # fmt: skip
def test_a_failed_capture_check_reads_as_failed(lang: str, verified: str, failed: str) -> None:
    """`desk show`'s "capture …" state of an attachment: the crh catalogue said "teşkerilmedi
    DEGİL" ("not not-checked"), a double negation that a reader takes for verified."""
    tr = translations(lang)
    assert (tr.gettext("verified"), tr.gettext("NOT verified")) == (verified, failed)


@pytest.mark.parametrize("value", ["ua", "UA", "ua_UA.UTF-8", "uk", "uk_UA.UTF-8"])
def test_ukraine_country_code_chooses_ukrainian(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # TYSHA_LANG=ua (Ukraine's country code, not its language's) silently gave English.
    from tests.conftest import tysha
    from tysha.i18n import language_from_env

    monkeypatch.delenv("LANG", raising=False)
    monkeypatch.setenv("TYSHA_LANG", value)
    assert language_from_env() == "uk"
    out = tysha("source", "report", "--help", env={"TYSHA_LANG": value, "COLUMNS": "400"}).stdout
    assert "Запечатати повідомлення у вихідні" in " ".join(out.replace("│", " ").split()), out
