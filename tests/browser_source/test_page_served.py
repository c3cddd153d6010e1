"""How the drop serves the browser source page (in process; no browser): headers, SRI, the
static allow-list, languages, translations, the bundle digest (issue 11)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tysha.drop import source_page
from tysha.drop.service import DropService, init_drop
from tysha.drop.web import create_app

STATIC = source_page.STATIC


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    init_drop(tmp_path / "d", "tysha.test/drop", 0)
    svc = DropService(tmp_path / "d")
    with TestClient(create_app(svc)) as c:
        yield c


def test_page_headers_are_strict(client: TestClient) -> None:
    for path in ("/", "/source", "/source/", "/source/en/", "/source/crh/"):
        r = client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "connect-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe" not in csp and "http" not in csp  # no inline code, no other origin
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "set-cookie" not in r.headers


def test_every_script_and_style_has_sri_matching_the_served_bytes(client: TestClient) -> None:
    html = client.get("/").text
    tags = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"[^>]*integrity="([^"]+)"',
                      html)
    assert {t[0] for t in tags} == {"/source/static/vendor/noble.js",
                                    "/source/static/core.js", "/source/static/app.js",
                                    "/source/static/page.css"}
    for url, sri in tags:
        body = client.get(url).content
        assert sri == "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    # The only inline <script> is JSON data, which a CSP without 'unsafe-inline' never runs.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [' type="application/json" id="tysha-data"']
    assert "style=" not in html and " on" not in re.sub(r"<script[^>]*>.*?</script>", "", html)


def test_no_third_party_origin_anywhere_in_the_page() -> None:
    for path in [*STATIC.rglob("*.js"), *STATIC.rglob("*.css")]:
        if "vendor" in path.parts:
            continue
        text = path.read_text("utf-8")
        assert not re.search(r"https?://", text), path
    for name in ("app.js", "worker.js"):
        text = (STATIC / name).read_text("utf-8")
        for banned in ("localStorage", "sessionStorage", "indexedDB", "document.cookie",
                       "serviceWorker", "caches."):
            assert banned not in text, (name, banned)


def test_static_files_are_an_allow_list(client: TestClient) -> None:
    r = client.get("/source/static/app.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    # Not kept in the phone's browser cache, where it would show the phone visited a drop.
    assert r.headers["cache-control"] == "no-store"
    for bad in ("/source/static/../__init__.py", "/source/static/%2e%2e/strings.json",
                "/source/static/nothing.js", "/source/static/", "/source/xx/",
                "/source/static/vendor/../../__init__.py"):
        r = client.get(bad)
        assert r.status_code == 404, bad
        assert "Traceback" not in r.text and "/" not in r.json()["detail"]


def test_language_follows_accept_language_with_a_visible_switch(client: TestClient) -> None:
    cases = {"uk-UA,uk;q=0.9": "uk", "ru-RU": "ru", "crh": "crh", "en-GB,en;q=0.8": "en",
             "de-DE,de;q=0.9": "uk", "de, en;q=0.5, ru;q=0.7": "ru", "": "uk",
             "en;q=0, ru;q=0.1": "ru", "x" * 5000: "uk", "en;q=abc": "uk"}
    for header, want in cases.items():
        assert source_page.choose_lang(header) == want, header
        r = client.get("/", headers={"accept-language": header})
        assert f'<html lang="{want}">' in r.text
        for code in source_page.LANGS:
            assert f'href="/source/{code}/"' in r.text


def test_the_sizes_of_the_page_and_its_word_list_do_not_tell_the_language(
    client: TestClient,
) -> None:
    """A network observer (THREAT_MODEL A3, A7) sees only how many bytes a drop sends, over
    HTTPS or Tor. Before, the page in Crimean Tatar was 14,404 bytes, in Russian 19,579, and
    the codename word lists 8,066 (crh), 13,338 (uk), 13,692 (ru) and 61,708 (en) bytes: the
    sizes alone told which language the reporter reads, in Crimea a narrow and persecuted
    group. Every language's page, and every language's word list, is now one size; the page
    reads the same words (trailing empty lines are dropped) and the SRI names the bytes
    served."""
    pages = {lang: client.get(f"/source/{lang}/") for lang in source_page.LANGS}
    pages["/"] = client.get("/", headers={"accept-language": "crh"})
    assert len({len(r.content) for r in pages.values()}) == 1, {
        k: len(r.content) for k, r in pages.items()}
    # The answer's head too (over HTTPS its bytes are counted with the body's).
    heads = {k: sum(len(n) + len(v) for n, v in r.headers.raw if n.lower() != b"date")
             for k, r in pages.items()}
    assert len(set(heads.values())) == 1, heads
    lists = {}
    for lang in source_page.LANGS:
        html = pages[lang].text
        assert f'<html lang="{lang}">' in html
        data = json.loads(re.search(r'id="tysha-data">(.*?)</script>', html, re.S).group(1))
        body = client.get("/source/static/" + data["words"]).content
        assert data["words_sri"] == "sha384-" + base64.b64encode(
            hashlib.sha384(body).digest()).decode()
        # What the page makes of it: split on newlines, empty lines dropped.
        read = [w for w in body.decode("utf-8").split("\n") if w]
        assert read == (STATIC / source_page.WORDS[lang]).read_text("utf-8").split()
        lists[lang] = len(body)
    assert len(set(lists.values())) == 1, lists


def test_every_string_is_translated_in_every_language() -> None:
    strings = json.loads((source_page.HERE / "strings.json").read_text("utf-8"))
    assert set(strings) == set(source_page.LANGS)
    keys = set(strings["en"])
    for lang in source_page.LANGS:
        assert set(strings[lang]) == keys, lang
        for k, v in strings[lang].items():
            assert v.strip(), (lang, k)
            if lang != "en" and k not in ("lang_label",):
                assert v != strings["en"][k], (lang, k)  # really translated
        assert strings[lang]["received"].count("{hour}") == 1
        assert strings[lang]["received"].count("{n}") == 1
    from tysha.evidence.taxonomy import CATEGORIES

    assert set(source_page.CRH_CATEGORIES) == {c.code for c in CATEGORIES}


def test_the_page_lists_the_cli_categories_in_plain_words(client: TestClient) -> None:
    from tysha.evidence.taxonomy import CATEGORIES, label

    html = client.get("/source/uk/").text
    for c in CATEGORIES:
        assert f'value="{c.code}"' in html
        assert label(c.code, "uk") in html


def test_noscript_explains_in_the_readers_language(client: TestClient) -> None:
    for lang in source_page.LANGS:
        html = client.get(f"/source/{lang}/").text
        noscript = html.split("<noscript>")[1].split("</noscript>")[0]
        strings = json.loads((source_page.HERE / "strings.json").read_text("utf-8"))[lang]
        assert strings["noscript_body"].split("“")[0].replace("'", "&#x27;") in noscript
        assert 'id="app" hidden' in html  # the form appears only when the script runs


def test_the_tor_browser_advice_says_the_security_level_is_for_every_site() -> None:
    """Tor Browser's security level is one setting for every site (its shield icon and its
    settings change the global level). The page without JavaScript told the reporter to
    choose "Standard" "for this site only": she would believe every other site she opened
    stayed at "Safest" while all of them ran scripts. Every language now says the level
    applies to every site and to switch it back as soon as the report is sent."""
    strings = json.loads((source_page.HERE / "strings.json").read_text("utf-8"))
    per_site = {"en": "for this site only", "uk": "лише для цього сайту",
                "ru": "только для этого сайта", "crh": "tek bu sayt içün «Standart»"}
    every_site = {"en": "applies to every site", "uk": "діє для всіх сайтів",
                  "ru": "действует для всех сайтов", "crh": "bütün saytlar içün"}
    assert set(per_site) == set(source_page.LANGS)
    for lang in source_page.LANGS:
        body = strings[lang]["noscript_body"]
        assert per_site[lang] not in body, lang
        assert every_site[lang] in body, lang


def test_bundle_digest_names_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d1 = source_page.bundle_digest()
    assert re.fullmatch(r"[0-9a-f]{64}", d1)
    import shutil

    copy = tmp_path / "page"
    shutil.copytree(source_page.HERE, copy)
    monkeypatch.setattr(source_page, "HERE", copy)
    monkeypatch.setattr(source_page, "STATIC", copy / "static")
    source_page.bundle_digest.cache_clear()
    source_page._sri.cache_clear()
    try:
        assert source_page.bundle_digest() == d1
        source_page.bundle_digest.cache_clear()
        (copy / "static" / "app.js").write_bytes((copy / "static" / "app.js").read_bytes() + b" ")
        assert source_page.bundle_digest() != d1
    finally:
        source_page.bundle_digest.cache_clear()
        source_page._sri.cache_clear()


def test_drop_info_prints_the_page_digest(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    init_drop(tmp_path / "d", "tysha.test/drop", 0)
    out = json.loads(cli("drop", "info", "--data", str(tmp_path / "d"), "--json").stdout)
    assert out["source_page_sha256"] == source_page.bundle_digest()


def test_api_answers_are_never_cached_and_carry_no_referrer(client: TestClient) -> None:
    for path in ("/v1/info", "/v1/clues", "/v1/envelopes/0", "/nothing"):
        r = client.get(path)
        assert r.headers["cache-control"] == "no-store", path
        assert r.headers["referrer-policy"] == "no-referrer", path
    assert client.get("/log/checkpoint").headers["cache-control"] == "no-cache"  # its own
    r = client.post("/", content=b"x")
    assert r.status_code == 405 and r.json()["error"] == "method"
    for path in ("/source/nothing", "/sourcex", "/source/static/app.js/x"):
        r = client.get(path)
        assert r.status_code in (404,), path
    assert client.get("/sourcex").json()["error"] == "not_found"


def test_codename_word_lists() -> None:
    import math
    import unicodedata

    from tysha.protocol.codename import normalize_codename

    alphabets = {"uk": "абвгдежзийклмнопрстуфхцчшщьюяєії", "ru": "абвгдежзийклмнопрстуфхцчшщъыьэюя",
                 "en": "abcdefghijklmnopqrstuvwxyz-", "crh": "abcçdefgğhıijklmnñoöpqrsştuüvyz"}
    bits = {}
    for lang, rel in source_page.WORDS.items():
        words = (STATIC / rel).read_text("utf-8").split("\n")
        assert words[-1] == "" and all(words[:-1])
        words = words[:-1]
        assert len(words) == len(set(words)) >= 1024, lang
        # Distinct as the codename hashes them (crh letters folded), so no word is worth less.
        assert len({normalize_codename(w) for w in words}) == len(words), lang
        for w in words:
            assert set(w) <= set(alphabets[lang]), (lang, w)
            assert w == unicodedata.normalize("NFKC", w) and w == w.lower()
            if lang != "crh":
                assert normalize_codename(w) == w
        count = math.ceil(source_page.CODENAME_BITS[lang] / math.log2(len(words)))
        bits[lang] = count * math.log2(len(words))
        assert bits[lang] >= 80 and count <= 9, lang
    # Crimean Tatar has its own list (no longer the English one) and gives no fewer bits.
    assert source_page.WORDS["crh"] == "words/words-crh.txt"
    assert bits["crh"] >= max(bits.values()) - 1e-9


def test_crh_word_list_is_made_from_the_dictionary() -> None:
    import subprocess
    import sys

    tool = source_page.HERE.parents[3] / "tools" / "make_crh_words.py"
    done = subprocess.run([sys.executable, str(tool), "--check"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_crh_codename_typed_without_its_letters_gives_the_same_keys() -> None:
    from tysha.protocol.codename import identity_from_codename, normalize_codename

    assert normalize_codename("Çeşme  QIRLANĞIÇ ñ İş") == "cesme qirlangic n is"
    cheap = {"ops": 1, "mem": 8192}
    a = identity_from_codename("çeşme özen quyaş", **cheap).public()
    assert a == identity_from_codename("CESME OZEN QUYAS", **cheap).public()
    assert a != identity_from_codename("cesme ozen quyas kün", **cheap).public()


def test_english_codename_list_leaves_out_words_of_war_and_prison() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "vendor_js", source_page.HERE.parents[3] / "tools" / "vendor_js.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    words = set((STATIC / "vendor" / "words-en.txt").read_text().split())
    assert len(words) == 7776 - len(mod.DENY)
    assert not words & mod.DENY
    assert not words & {"army", "prison", "tank", "bomb", "gun"}


def test_every_field_keeps_its_value_out_of_the_browsers_saved_state(client: TestClient) -> None:
    # A browser saves form fields into its session files and autofill database unless they say
    # autocomplete="off" (tests/browser_source/test_source_page.py shows it on a real profile).
    for lang in source_page.LANGS:
        html = client.get(f"/source/{lang}/").text
        fields = re.findall(r"<(?:input|textarea)\b[^>]*>", html)
        assert len(fields) > 10
        assert [f for f in fields if 'autocomplete="off"' not in f] == [], lang


def test_the_history_keeps_no_title_that_says_what_the_page_is_for(client: TestClient) -> None:
    """A page's <title> is what the browser's history, its list of tabs and the phone's recent
    apps keep of it once the tab is closed, for whoever searches the phone. It was the page's
    heading ("Send a report safely", "Надіслати повідомлення безпечно"…). Now it is a
    neutral word in the reader's language; the heading on the page still says what it is for."""
    import html

    strings = json.loads((source_page.HERE / "strings.json").read_text("utf-8"))
    for lang in source_page.LANGS:
        page = client.get(f"/source/{lang}/").text
        found = re.search(r"<title>(.*?)</title>", page)
        assert found is not None
        title = html.unescape(found.group(1))
        heading = strings[lang]["title"]
        assert f"<h1>{html.escape(heading)}</h1>" in page
        words = set(re.findall(r"\w+", heading.lower()))
        assert title.strip() and not words & set(re.findall(r"\w+", title.lower())), (lang, title)
