"""The browser source page (issue 11): static files the drop serves at ``/`` and ``/source/…``.

The page seals reports in the reporter's browser (``static/core.js``, the same envelope
format as :mod:`tysha.protocol`, checked against Python-made vectors by ``tests/js``); the drop
only serves files and never sees plaintext. What this module adds to the drop:

* ``GET /`` and ``GET /source/`` — the page in the language ``Accept-Language`` prefers among
  uk, ru, crh, en (``/source/<lang>/`` chooses one; the page has a visible switch);
* ``GET /source/static/<file>`` — the page's scripts, style, word lists and Web Workers;
* on every response: a strict Content-Security-Policy (no inline script or style,
  ``connect-src 'self'``, no third-party origin), ``Referrer-Policy: no-referrer``,
  ``X-Content-Type-Options: nosniff``, no framing; everything is ``Cache-Control: no-store``,
  the static files too: a phone's browser cache holding ``core.js`` would show whoever
  seizes it that the phone visited a drop (a few hundred KiB more per visit is the price).
  Chromium's code cache still keeps each script's address, past a cleared history: no file
  name says "tysha";
* every ``<script>`` and the style sheet carry Subresource Integrity (sha384 of the shipped
  bytes); :func:`bundle_digest` (``tysha drop info``) names the whole page so a handler can
  tell reporters what to expect.

The drop's own checks on uploads do not change: the page is one more untrusted client.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import mimetypes
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tysha.i18n import LANGUAGE_NAMES

__all__ = ["LANGS", "bundle_digest", "choose_lang", "mount", "render_page", "routes"]

HERE = Path(__file__).parent
STATIC = HERE / "static"
LANGS = ("uk", "ru", "crh", "en")
_NAMES = LANGUAGE_NAMES
_SCRIPTS = ("vendor/noble.js", "core.js", "app.js")
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".txt": "text/plain; charset=utf-8"}

CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), geolocation=(), microphone=(), interest-cohort=()",
}

#: Codename word list per language (Crimean Tatar: tools/make_crh_words.py, Latin letters,
#: distinct after the codename's folding of ç ğ ı ñ ö ş ü).
WORDS = {"uk": "words/words-uk.txt", "ru": "words/words-ru.txt", "crh": "words/words-crh.txt",
         "en": "vendor/words-en.txt"}
#: The page draws ceil(bits / log2(list length)) words: 8 of uk/ru (80.5 bits), 7 of en
#: (90.4 bits), 9 of crh (91.2 bits: no fewer bits than any other language's codename).
CODENAME_BITS = {"uk": 80, "ru": 80, "crh": 90, "en": 80}

#: Crimean Tatar labels for the taxonomy's reported categories (evidence.taxonomy has en/uk/ru).
CRH_CATEGORIES = {
    "dep": "alıp kettiler / sürgün ettiler",
    "chd": "balalarnı lagerge ya da başqa yerge alıp kettiler",
    "mob": "orduğa barmağa mecbur ettiler",
    "det": "tutıp aldılar / insan ğayıp oldı",
    "tor": "urdılar ya da işkence ettiler",
    "fil": "filtratsiya / blok-postta tintüv",
    "sxv": "cinsiy zorbalıq",
    "kil": "birisini öldürdiler",
    "atk": "sivillerge, mektepke, hastahanege, ibadethanege ücüm",
    "pil": "mülkni aldılar ya da yoq ettiler",
    "shd": "insanlarnı qalqan olaraq qullandılar",
    "per": "mecburiy pasport, til, mektep",
    "other": "başqa bir şey",
}


@lru_cache(maxsize=1)
def _strings() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads((HERE / "strings.json").read_text("utf-8"))
    return data


def _categories(lang: str) -> list[dict[str, str]]:
    from tysha.evidence.taxonomy import CATEGORIES, label

    return [
        {"code": c.code, "label": CRH_CATEGORIES[c.code] if lang == "crh" else label(c.code, lang)}
        for c in CATEGORIES
    ]


def choose_lang(accept_language: str | None) -> str:
    """The first of uk, ru, crh, en that ``Accept-Language`` prefers (q-values honoured);
    Ukrainian when none matches."""
    best: tuple[float, int, str] | None = None
    for pos, part in enumerate((accept_language or "")[:1000].split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and q > 0 and (best is None or (q, -pos) > (best[0], best[1])):
            best = (q, -pos, primary)
    return best[2] if best else "uk"


def _file_bytes(rel: str) -> bytes:
    return (STATIC / rel).read_bytes()


#: Sizes are rounded up to this many bytes before they are made equal across languages.
_SIZE_STEP = 1024


def _rounded(n: int) -> int:
    return -(-n // _SIZE_STEP) * _SIZE_STEP


@cache
def _words_size() -> int:
    """The one size every language's word list is served at (the longest, rounded up)."""
    return _rounded(max(len(_file_bytes(rel)) for rel in WORDS.values()))


@cache
def _served(rel: str) -> bytes:
    """A static file as served. A word list is padded with empty lines (the page drops them)
    to the one size of every list: its size would otherwise tell a network observer the
    reporter's language (THREAT_MODEL A3, A7)."""
    data = _file_bytes(rel)
    if rel in WORDS.values():
        data += b"\n" * (_words_size() - len(data))
    return data


@cache
def _sri(rel: str) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(_served(rel)).digest()).decode()


def _static_files() -> list[str]:
    return sorted(str(p.relative_to(STATIC)) for p in STATIC.rglob("*") if p.is_file())


@lru_cache(maxsize=1)
def bundle_digest() -> str:
    """SHA-256 over every file the page is made of (static files, strings, this template),
    as ``name NUL sha256 NL`` lines in name order: what ``tysha drop info`` prints."""
    h = hashlib.sha256()
    entries = [(f"static/{rel}", _file_bytes(rel)) for rel in _static_files()]
    entries += [(name, (HERE / name).read_bytes()) for name in ("strings.json", "__init__.py")]
    for name, data in sorted(entries):
        h.update(name.encode() + b"\0" + hashlib.sha256(data).hexdigest().encode() + b"\n")
    return h.hexdigest()


@cache
def _page_size() -> int:
    """The one size (UTF-8 bytes) of the page in every language: the longest, rounded up."""
    return _rounded(max(len(_unpadded_page(lang).encode()) for lang in LANGS) + len(_PAD_EMPTY))


_PAD_EMPTY = "<!---->\n"


def render_page(lang: str) -> str:
    """The page's HTML in ``lang``, padded (a comment after ``</html>``) to one size for every
    language: a network observer who sees only how many bytes came must not learn the
    reporter's language from it (THREAT_MODEL A3, A7)."""
    page = _unpadded_page(lang)
    return page + "<!--" + " " * (_page_size() - len(page.encode()) - len(_PAD_EMPTY)) + "-->\n"


def _unpadded_page(lang: str) -> str:
    """The page's HTML in ``lang``: no inline script or style; strings travel as JSON data.

    Its ``<title>`` is a neutral word (``doc_title``), not the heading: the title is what the
    browser's history, its tab list and the phone's recent apps keep once the tab is closed."""
    s = _strings()[lang]
    e = html.escape
    words = WORDS[lang]
    data = {"lang": lang, "strings": s, "categories": _categories(lang),
            "words": words, "words_sri": _sri(words), "codename_bits": CODENAME_BITS[lang],
            "qr_sri": _sri("vendor/qr.js")}
    blob = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace("&", "\\u0026")
    switch = " ".join(
        f'<a href="/source/{code}/" lang="{code}"'
        + (' aria-current="page"' if code == lang else "")
        + f">{e(_NAMES[code])}</a>"
        for code in LANGS
    )
    scripts = "\n".join(
        f'<script src="/source/static/{rel}" integrity="{_sri(rel)}" defer></script>'
        for rel in _SCRIPTS
    )
    cats = "\n".join(
        f'<label class="cat"><input type="checkbox" name="cat" value="{e(c["code"])}" '
        f'autocomplete="off"> {e(c["label"])}</label>' for c in _categories(lang)
    )
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{e(s["doc_title"])}</title>
<link rel="stylesheet" href="/source/static/page.css" integrity="{_sri("page.css")}">
<script type="application/json" id="tysha-data">{blob}</script>
{scripts}
</head>
<body>
<header>
<nav class="langs" aria-label="{e(s["lang_label"])}">{switch}</nav>
<h1>{e(s["title"])}</h1>
<p>{e(s["tagline"])}</p>
</header>
<noscript><section class="noscript"><h2>{e(s["noscript_title"])}</h2>
<p>{e(s["noscript_body"])}</p></section></noscript>
<main id="app" hidden>
<section id="enrol">
<h2>{e(s["enrol_h"])}</h2>
<p>{e(s["enrol_intro"])}</p>
<label for="invite">{e(s["enrol_paste_label"])}</label>
<textarea id="invite" rows="4" autocomplete="off" autocapitalize="off"
spellcheck="false"></textarea>
<button type="button" id="enrol-go">{e(s["enrol_button"])}</button>
<label for="qr-file">{e(s["enrol_qr_label"])}</label>
<input type="file" id="qr-file" accept="image/*" autocomplete="off">
<button type="button" id="qr-camera">{e(s["qr_camera"])}</button>
<div id="camera" hidden>
<p>{e(s["qr_camera_hint"])}</p>
<video id="camera-video" muted playsinline></video>
<button type="button" id="qr-camera-stop">{e(s["qr_camera_stop"])}</button>
</div>
<p class="error" id="enrol-error" role="alert" hidden></p>
<div id="enrolled" hidden>
<p>{e(s["enrol_ok"])}</p>
<p id="handler-line" hidden>{e(s["enrol_name"])}: <strong><bdi id="handler-name"></bdi></strong></p>
<p>{e(s["enrol_fp"])}: <strong id="fingerprint" class="digits"></strong></p>
</div>
</section>
<section id="codename">
<h2>{e(s["code_h"])}</h2>
<p>{e(s["code_intro"])}</p>
<button type="button" id="code-new">{e(s["code_new"])}</button>
<button type="button" id="code-have">{e(s["code_have"])}</button>
<div id="code-shown" tabindex="-1" hidden><p>{e(s["code_write"])}</p>
<p class="words" id="code-words"></p></div>
<div id="code-entry" hidden>
<label for="code-input">{e(s["code_input_label"])}</label>
<input type="text" id="code-input" autocomplete="off" autocapitalize="off" spellcheck="false">
<button type="button" id="code-use">{e(s["code_use"])}</button>
</div>
<p id="code-status" role="status"></p>
</section>
<section id="report" hidden>
<h2>{e(s["report_h"])}</h2>
<fieldset><legend>{e(s["cats_label"])}</legend>
{cats}
</fieldset>
<label for="text">{e(s["text_label"])}</label>
<textarea id="text" rows="6" autocomplete="off"></textarea>
<label for="where">{e(s["where_label"])}</label>
<input type="text" id="where" autocomplete="off">
<label for="when">{e(s["when_label"])}</label>
<input type="text" id="when" autocomplete="off">
<label for="files">{e(s["files_label"])}</label>
<input type="file" id="files" multiple autocomplete="off">
<ul id="file-list" aria-live="polite"></ul>
<p class="error" id="report-error" role="alert" hidden></p>
<button type="button" id="send" class="primary">{e(s["send_button"])}</button>
<progress id="progress" max="1" value="0" aria-labelledby="progress-label" hidden></progress>
<p id="progress-label" role="status"></p>
<div id="result" hidden>
<p id="received" class="ok" role="alert"></p>
<details><summary>{e(s["receipt_keep"])}</summary><pre id="receipt"></pre></details>
</div>
</section>
<section id="replies" hidden>
<h2>{e(s["replies_h"])}</h2>
<button type="button" id="replies-go">{e(s["replies_check"])}</button>
<p id="replies-status" role="status"></p>
<div id="reply-list"></div>
</section>
</main>
<footer>
<h2>{e(s["leave_h"])}</h2>
<p>{e(s["leave_body"])}</p>
</footer>
</body>
</html>
"""


def _page_response(lang: str) -> Response:
    return Response(
        render_page(lang),
        media_type="text/html; charset=utf-8",
        # No Content-Language: its length (crh is one letter longer) would undo the padding
        # of the page; the page says its language in <html lang>.
        headers={**SECURITY_HEADERS, "Cache-Control": "no-store", "Vary": "Accept-Language"},
    )


def routes(service: Any = None) -> list[Route]:
    """The page's routes, for the drop's app (``drop/web.py`` adds them to its own)."""
    del service  # the page is static: it talks to the drop's API like any client

    async def page(request: Request) -> Response:
        return _page_response(choose_lang(request.headers.get("accept-language")))

    async def page_lang(request: Request) -> Response:
        lang = request.path_params["lang"]
        if lang not in LANGS:
            return _not_found()
        return _page_response(lang)

    files = set(_static_files())

    async def unknown(request: Request) -> Response:
        return _not_found()

    async def static(request: Request) -> Response:
        rel = request.path_params["path"]
        if rel not in files:  # an allow-list: no path is ever joined from the request
            return _not_found()
        media = _TYPES.get(Path(rel).suffix) or mimetypes.guess_type(rel)[0]
        return Response(
            _served(rel),
            media_type=media or "application/octet-stream",
            headers={**SECURITY_HEADERS, "Cache-Control": "no-store"},  # see the module doc
        )

    return [
        Route("/", page, methods=["GET"]),
        Route("/source", page, methods=["GET"]),
        Route("/source/", page, methods=["GET"]),
        Route("/source/static/{path:path}", static, methods=["GET"]),
        Route("/source/{lang}/", page_lang, methods=["GET"]),
        Route("/{rest:path}", unknown, methods=["GET", "HEAD"]),
    ]


def _is_page_path(path: str) -> bool:
    return path in ("/", "/source") or path.startswith("/source/")


def mount(app: ASGIApp) -> ASGIApp:
    """The drop's app with the page in front (``drop/web.py`` makes this one call).

    Page paths (``/``, ``/source…``) are answered here; everything else goes to ``app``, whose
    responses get ``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer`` unless they
    set their own (the log's tiles and checkpoint do): no HTTP cache keeps an API answer."""
    page = Router(routes=routes())

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if _is_page_path(scope["path"]):
            if scope["method"] not in ("GET", "HEAD"):
                await _not_allowed()(scope, receive, send)
                return
            await page(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {bytes(k).lower() for k, _ in headers}
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                if b"referrer-policy" not in names:
                    headers.append((b"referrer-policy", b"no-referrer"))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return asgi


def _not_allowed() -> Response:
    return Response(
        '{"error": "method", "detail": "method not allowed"}', status_code=405,
        media_type="application/json", headers={**SECURITY_HEADERS, "Cache-Control": "no-store"},
    )


def _not_found() -> Response:
    return Response(
        '{"error": "not_found", "detail": "no such resource"}', status_code=404,
        media_type="application/json", headers={**SECURITY_HEADERS, "Cache-Control": "no-store"},
    )
