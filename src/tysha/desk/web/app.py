"""The web desk: Starlette + Jinja2 (+ htmx for progressive enhancement), on loopback only.

Security posture (THREAT_MODEL, Desk; A8, A9; issue 9 points 7, 9-12, 15):

* login with the desk passphrase (which opens the encrypted store) and, when enabled, a TOTP
  code (RFC 6238) usable once; failures are throttled per browser, not for the whole desk
  (:mod:`tysha.desk.web.guard`); the session is a random token in an ``HttpOnly;
  SameSite=Strict`` cookie, and ends on the server (its desk closed) at logout, after
  ``SESSION_IDLE`` without a request, or ``SESSION_TTL`` after login;
* only the desk's own host names are served (DNS rebinding); a request another site or
  another local port makes (``Sec-Fetch-Site``) is refused; every POST carries our
  ``Origin`` and the session's CSRF token;
* no GET has a side effect: downloading an original (which the custody log records) is a
  POST, and the "exported" event is written only once the last byte was handed over;
* a strict Content-Security-Policy, ``nosniff``, ``no-referrer``, CORP ``same-origin`` on every
  response, error pages included; all assets are served from this package;
* attachments: see :mod:`tysha.desk.web.sanitize` — images only as re-encoded thumbnails made
  in a jailed process (cached, a capped number per view), everything else only as a download;
* every user string is isolated and its control characters shown (:mod:`.display`);
* every page reads without JavaScript; htmx only makes filtering snappier.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tysha.desk.service import STATUSES, Desk, qr_png
from tysha.desk.store import INVITATION_DAYS, MAX_INVITATION_DAYS
from tysha.desk.views import (
    CLIENT_LABELS,
    LOCAL_TIME,
    ReportView,
    flag_reasons_for,
    pseudonym_text,
    zoneless,
)
from tysha.desk.web import once as one_time
from tysha.desk.web.cases import case_routes
from tysha.desk.web.display import plain_name, user_text
from tysha.desk.web.guard import Throttle, allowed_hosts, harden, refusal, same_text, totp_at
from tysha.desk.web.sanitize import Kind, ThumbnailTimedOut, confinement, sniff, thumbnail
from tysha.desk.web.sharing import share_routes
from tysha.desk.web.view import CLAIM_LABELS, CUSTODY_LABELS, flag_labels_for
from tysha.errors import (
    BadInput,
    BadPassphrase,
    ConfigError,
    NotAllowed,
    NotFound,
    ProtocolError,
    StorageError,
    TyshaError,
    VerificationError,
)
from tysha.evidence.taxonomy import CATEGORIES, QUALIFICATIONS, category, qualification
from tysha.evidence.visible import visible
from tysha.i18n import LANGUAGE_NAMES, LANGUAGES, translations
from tysha.transport.bodies import BodyGuard

__all__ = ["CSP", "create_app", "totp_now"]

HERE = Path(__file__).parent
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    # object: the report page's previews without JavaScript (an <object> of a thumbnail shows
    # its fallback, the reason, when the thumbnail is refused; templates/report.html)
    "object-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DOWNLOAD_CSP = "default-src 'none'; sandbox"
SESSION_TTL = 8 * 3600
#: A session without a request for this long ends (someone at a desk the handler walked away from).
SESSION_IDLE = 30 * 60
THUMBS_PER_VIEW = 24
THUMB_CACHE_BYTES = 64 << 20
#: Times a thumbnail that timed out is tried (a busy machine) before it is remembered as one
#: that cannot be made (a file that always times out must not cost every view the timeout).
THUMB_TRIES = 2
MAX_THUMB_INPUT = 64 << 20
DAMAGED = Kind("damaged", False, "missing or damaged in the desk")
# Every form this desk serves fits in far less (a reply is at most 64 KiB of text).
MAX_BODY = 1 << 20
#: A ProofMode bundle upload (desk/provenance.py bounds what is inside it).
MAX_UPLOAD = 256 << 20
#: A request body must keep arriving: at most this many seconds between its pieces and
#: ``BODY_DEADLINE_S`` in all, or it is answered 408 and its connection closed (the drop's
#: deadlines: a client that sends headers and then dribbles, or stops, held a worker for good).
#: The forms whose text a handler must not lose when their session ends: the kept item's name
#: (the report page's ``<name>_text``, or a source's key to revoke or restore) and the form
#: field it is written in.
KEPT_FIELDS = {"reply": "text", "note": "note", "revoke": "reason", "restore": "reason"}
#: Kept items written on a source's confirmation page (``kept_report`` is the source's id).
KEPT_SOURCE = ("revoke", "restore")
BODY_IDLE_S = 30.0
BODY_DEADLINE_S = 600.0


def totp_now(secret: bytes, at: float | None = None) -> str:
    """The current one-time code (tests and the CLI's setup check use it)."""
    return totp_at(secret, int(at if at is not None else time.time()) // 30)


class Guard:
    """Outermost ASGI layer of the app's own stack: refuse foreign hosts, cross-site requests
    and foreign origins before anything runs; put the security headers on every response."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        why = refusal(scope["method"], scope["path"], headers, self.hosts)
        if why is not None:
            resp = PlainTextResponse(
                "unknown host" if why == "host" else "refused: not from this desk",
                status_code=400 if why == "host" else 403,
            )
            harden(resp.headers, CSP)
            await resp(scope, receive, send)
            return

        # A ProofMode bundle (photos and videos inside) is the one larger form.
        limit = MAX_UPLOAD if str(scope.get("path", "")).endswith("/provenance") else MAX_BODY
        declared = headers.get("content-length", "")
        if declared and (not (declared.isascii() and declared.isdigit()) or int(declared) > limit):
            resp = PlainTextResponse("request too large", status_code=413)
            harden(resp.headers, CSP)
            await resp(scope, receive, send)
            return
        # A body must keep arriving, and stay under the limit (counted as it arrives when it
        # has no length), or the request is cut off: 413, or 408 and the connection closed.
        bounded_receive = BodyGuard(
            receive, limit, BODY_IDLE_S, BODY_DEADLINE_S, lambda _n: _TooLarge(), _TooSlow
        )

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                present = {k.lower() for k, _ in raw}
                extra: dict[str, str] = {}
                harden(extra, CSP)
                for k, v in extra.items():
                    kb = k.lower().encode("latin-1")
                    if kb == b"content-security-policy" and kb in present:
                        continue  # a stricter, per-response policy (downloads) stays
                    raw = [(a, b) for a, b in raw if a.lower() != kb]
                    raw.append((kb, v.encode("latin-1")))
                message = dict(message, headers=raw)
            await send(message)

        await self.app(scope, bounded_receive, send_hardened)


class ThumbCache:
    """Thumbnails in memory only (never on disk in clear), least recently used out first."""

    def __init__(self, limit: int = THUMB_CACHE_BYTES) -> None:
        self.limit = limit
        self.items: OrderedDict[str, bytes | None] = OrderedDict()
        self.size = 0
        self.timeouts: dict[str, int] = {}  # not remembered yet: tried again on a later view

    def get(self, key: str) -> tuple[bool, bytes | None]:
        if key not in self.items:
            return False, None
        self.items.move_to_end(key)
        return True, self.items[key]

    def timed_out(self, key: str) -> bool:
        """Count a timeout; True once ``key`` has timed out ``THUMB_TRIES`` times (then it is
        remembered as not readable)."""
        self.timeouts[key] = self.timeouts.get(key, 0) + 1
        if self.timeouts[key] < THUMB_TRIES:
            return False
        self.put(key, None)
        return True

    def put(self, key: str, png: bytes | None) -> None:
        self.timeouts.pop(key, None)
        self.items[key] = png
        self.size += len(png or b"")
        while self.size > self.limit and self.items:
            _k, old = self.items.popitem(last=False)
            self.size -= len(old or b"")


@pass_context
def _fmt_time(ctx: Context, iso: str) -> str:
    """'2026-11-29T23:57:15Z' → '2026-11-29 23:57 UTC' (the zone always shown); a reporter's
    time without a zone → '2026-03-01 10:20 (local time, no zone given)', never UTC."""
    if not iso or len(iso) < 16 or iso[10:11] != "T":
        return iso or "—"
    if zoneless(iso):
        gettext = ctx.get("_") or str
        return f"{iso[:10]} {iso[11:16]} ({gettext(LOCAL_TIME)})"
    zone = iso[19:] if len(iso) > 19 else ""
    zone = zone.lstrip("0123456789.")
    zone = "UTC" if zone in ("Z", "+00:00", "") else zone
    return f"{iso[:10]} {iso[11:16]} {zone}"


@functools.cache
def _templates() -> Environment:
    """The page templates, compiled once per process and shared by every app made in it
    (their settings and filters are the same for all; a Jinja environment renders from
    several threads at once)."""
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"])
    )
    env.filters["u"] = user_text
    # Text a script puts in the page (map-data): the tokens `u` shows, without its markup.
    env.filters["v"] = lambda value: visible(value, keep="\n\t")
    env.filters["t"] = _fmt_time
    return env


def create_app(
    desk_dir: Path,
    lang: str = "en",
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    thumbs_per_view: int = THUMBS_PER_VIEW,
    make_thumbnail: Callable[[bytes], bytes | None] = thumbnail,
    client_factory: Callable[[str], Any] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Starlette:
    """The web desk over ``desk_dir`` (a thin face over :class:`~tysha.desk.service.Desk`).

    ``host``/``port``: the address it is served on; only the loopback names and ``host`` are
    answered, on ``port`` when given (any port otherwise: a rebinding attacker's ``Host`` is
    its own name, never a loopback one). ``client_factory``: the drop transport (tests).
    ``clock``: the monotonic clock that slows down failed logins (tests give their own)."""
    desk_dir = Path(desk_dir)
    sessions: dict[str, dict[str, Any]] = {}
    env = _templates()
    throttle = Throttle(clock=clock)
    thumbs = ThumbCache()
    kinds_cache: dict[str, Any] = {}
    jail = asyncio.Semaphore(2)  # the machine's cores: never 300 jailed processes at once

    def end_session(token: str) -> None:
        s = sessions.pop(token, None)
        if s is not None:
            s["desk"].close()

    def session(request: Request) -> dict[str, Any] | None:
        # Every request first ends the sessions that are over (eight hours since login, or
        # SESSION_IDLE without a request), their desks closed: also those whose cookie never
        # comes back (a browser closed, a tab abandoned).
        now = time.time()
        over = [t for t, x in sessions.items() if min(x["expires"], x["seen"] + SESSION_IDLE) < now]
        for token in over:
            end_session(token)
        s = sessions.get(request.cookies.get("tysha_session", ""))
        if s is not None:
            s["seen"] = now
        return s

    def render(
        request: Request, name: str, status: int = 200, chosen: str = "", **ctx: Any
    ) -> HTMLResponse:
        s = session(request)
        language = request.query_params.get("lang") or chosen or (s or {}).get("lang") or lang
        if language not in LANGUAGES:
            language = "en"
        if s is not None:
            s["lang"] = language
        tr = translations(language)
        _ = tr.gettext
        if isinstance(ctx.get("message"), str):
            # A service error's English text, shown in the handler's language: translated here,
            # at the face, by its msgid template (issue 10); the service has no language.
            ctx["message"] = tr.message(ctx["message"])

        def cat_label(code: str) -> str:
            c = category(code)
            if language in ("uk", "ru"):
                return str(getattr(c, language))
            return _(c.en)

        def qual_label(code: str) -> str:
            q = qualification(code)
            if q is None:
                return code
            text = f"{q.code} — {_(q.label)}"
            return text + (f" ({_('article to be confirmed')})" if q.verify else "")

        def pseudonym(p: str) -> str:
            return pseudonym_text(p, _) if p else "—"

        role = s["desk"].store.role if s else ""
        html = env.get_template(name).render(
            _=_,
            ngettext=tr.ngettext,
            # a service's English line (a fetch's details), in this language by its template
            tm=tr.message,
            lang=language,
            languages=LANGUAGES,
            language_names=LANGUAGE_NAMES,
            session=s,
            csrf=(s or {}).get("csrf", ""),
            # a form that must not act twice carries a fresh token (tysha.desk.web.once)
            once=one_time.fresh,
            categories=CATEGORIES,
            cat_label=cat_label,
            qual_label=qual_label,
            pseudonym=pseudonym,
            statuses=STATUSES,
            qualifications=QUALIFICATIONS,
            # as this desk says a flag where only its code is at hand (an analyst desk's
            # unenrolled-source is an unpinned handler's share: desk/views.py)
            flag_labels=flag_labels_for(role),
            flag_reasons=flag_reasons_for(role),
            client_labels=CLIENT_LABELS,
            claim_labels=CLAIM_LABELS,
            custody_labels=CUSTODY_LABELS,
            desk_name=(s["desk"].name if s else ""),
            **ctx,
        )
        return HTMLResponse(html, status_code=status)

    def need(request: Request) -> dict[str, Any]:
        s = session(request)
        if s is None:
            raise _Redirect("/login")
        return s

    async def form(request: Request, s: dict[str, Any] | None) -> dict[str, Any]:
        data = await request.form()
        fields: dict[str, Any] = {}
        for k, v in data.multi_items():
            if isinstance(v, str):
                fields.setdefault(k, v)
                fields.setdefault(k + "[]", []).append(v)
        if s is not None and not same_text(str(fields.get("csrf", "")), s["csrf"]):
            raise _Forbidden()
        return fields

    # --- login ------------------------------------------------------------------------------

    async def login_page(request: Request) -> Response:
        return render(request, "login.html", error=None)

    def kept_of(fields: dict[str, Any]) -> dict[str, Any]:
        """What the handler wrote when their session had ended (a reply, a triage note), as a
        login form carries it back: only on that page and in that form, never stored."""
        where, text = str(fields.get("kept_report", "")), str(fields.get("kept_text", ""))
        what = fields.get("kept_field")
        if what not in KEPT_FIELDS or not where or not text.strip():
            return {}
        # Whole (MAX_BODY bounds it): a copy cut to the reply limit would be accepted when
        # sent again, its end silently lost.
        return {"kept_report": where, "kept_field": what, "kept_text": text}

    async def written(request: Request, field: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The session and the form of a POST that carries what the handler wrote (``field``).
        When the session has ended, or the form is from an earlier one (its CSRF token), it
        is not acted on and the text is not lost: the login page, the report, or the source's
        confirmation page gives it back unsent (_Kept)."""
        s = session(request)
        fields = await form(request, None)
        if s is not None and same_text(str(fields.get("csrf", "")), s["csrf"]):
            return s, fields
        where = request.path_params["sid" if field in KEPT_SOURCE else "rid"]
        kept = kept_of({"kept_report": where, "kept_field": field,
                        "kept_text": fields.get(KEPT_FIELDS[field], "")})  # fmt: skip
        if not kept:  # nothing written to lose: as any other form
            if s is None:
                raise _Redirect("/login")
            raise _Forbidden()
        if s is None:  # in the language the page was in (its form says), not the desk's
            chosen = str(fields.get("lang") or "")
            raise _Kept(render(request, "login.html", status=401, chosen=chosen, error=None,
                               **kept))  # fmt: skip
        if field in KEPT_SOURCE:
            src = _source(s, where)
            raise _Kept(render(request, "confirm.html", status=403, src=src, action=field,
                               error=False, reason=kept["kept_text"], kept=True))  # fmt: skip
        v = _report(s, kept["kept_report"])
        raise _Kept(report_response(request, s, v, status=403, **kept_page(kept)))

    def kept_page(kept: dict[str, Any]) -> dict[str, Any]:
        """The report page's context that puts a kept text back in its form, unsent."""
        field = kept["kept_field"]
        return {"notice": f"kept-{field}", f"{field}_text": kept["kept_text"]}

    async def login(request: Request) -> Response:
        fields = await form(request, None)
        chosen = str(fields.get("lang") or "")  # the language the login page was shown in
        kept = kept_of(fields)  # a reply or a note written when the session ended
        bucket = throttle.key(request.cookies.get("tysha_device", ""))
        # One attempt per bucket at a time: guesses sent together wait for the first one.
        if not throttle.begin(bucket):
            return render(
                request, "login.html", status=429, chosen=chosen, error="wait", **kept
            )
        try:
            try:
                desk = await asyncio.to_thread(
                    Desk.open, desk_dir, str(fields.get("passphrase", "")), client_factory
                )
            except BadPassphrase:
                throttle.fail(bucket)
                return render(
                    request, "login.html", status=401, chosen=chosen, error="passphrase", **kept
                )
            except TyshaError as exc:  # a damaged or incomplete desk: said, not a 500
                return render(request, "login.html", status=503, chosen=chosen, error="desk",
                              message=exc.message, **kept)  # fmt: skip
            # A code is accepted once: the Desk remembers the last accepted time step (9.7).
            if desk.totp_enabled() and not desk.check_totp(str(fields.get("totp", ""))):
                throttle.fail(bucket)
                desk.close()
                return render(
                    request, "login.html", status=401, chosen=chosen, error="totp", **kept
                )
        finally:
            throttle.end(bucket)
        device = throttle.succeed(bucket)
        token = secrets.token_urlsafe(32)
        chosen = chosen or lang
        sessions[token] = {
            "desk": desk,
            "csrf": secrets.token_urlsafe(32),
            "expires": time.time() + SESSION_TTL,
            "seen": time.time(),
            "lang": chosen if chosen in LANGUAGES else "en",
        }
        to = "/"
        if kept:
            # Back to the report, the text in its form (held in memory until it is shown).
            sessions[token]["kept"] = kept
            to = f"/report/{quote(kept['kept_report'], safe='')}"
            if kept["kept_field"] in KEPT_SOURCE:  # back to the source's confirmation page
                to = f"/sources/{quote(kept['kept_report'], safe='')}/{kept['kept_field']}"
        resp = RedirectResponse(to, status_code=303)
        # No lifetime of its own: the browser forgets it when it closes (the server ends the
        # session by itself, see session()).
        resp.set_cookie("tysha_session", token, httponly=True, samesite="strict", path="/")
        resp.set_cookie(
            "tysha_device", device, httponly=True, samesite="strict", path="/login",
            max_age=180 * 24 * 3600,
        )
        return resp

    async def logout(request: Request) -> Response:
        s = need(request)
        await form(request, s)
        end_session(request.cookies.get("tysha_session", ""))
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie("tysha_session", path="/")
        return resp

    async def keepalive(request: Request) -> Response:
        """A handler typing (static/activity.js posts here at most every few minutes while
        they write): the session counts as in use, so a long reply is not lost to the idle
        timeout. Only the session's own page can post it (CSRF token); nothing else changes."""
        s = need(request)
        await form(request, s)
        return Response(status_code=204)

    # --- inbox ------------------------------------------------------------------------------

    async def inbox(request: Request) -> Response:
        s = need(request)
        q = request.query_params
        filters = {
            k: (q.get(k) or None) for k in ("category", "status", "since", "until", "search")
        }
        sort = q.get("sort") if q.get("sort") in ("received", "event") else "received"
        damaged: list[str] = []  # one damaged record never hides the other reports
        try:
            rows: list[ReportView] = s["desk"].reports(**filters, damaged=damaged)
        except BadInput as exc:
            return render(request, "error.html", status=400, message=exc.message)
        if sort == "event":
            rows.sort(key=lambda v: (v.event_time, v.id), reverse=True)
        else:
            rows.sort(key=lambda v: (v.received_at, v.id), reverse=True)
        tpl = "_rows.html" if request.headers.get("HX-Request") else "inbox.html"
        return render(
            request, tpl, reports=rows, filters=filters, sort=sort, partial=tpl == "_rows.html",
            fetched=s.pop("fetched", None), fetched_flagged=s.pop("fetched_flagged", 0),
            damaged=sorted(damaged),
        )

    def _fetch(desk: Desk) -> tuple[Any, int]:
        """Fetch, and how many of the new reports are flagged (as 'desk fetch' says)."""
        res = desk.fetch()
        return res, len(desk.flagged_among(res.new_reports))

    async def fetch_now(request: Request) -> Response:
        s = need(request)
        await form(request, s)
        try:
            s["fetched"], s["fetched_flagged"] = await asyncio.to_thread(_fetch, s["desk"])
        except TyshaError as exc:
            return render(request, "error.html", status=400, message=exc.message)
        return RedirectResponse("/", status_code=303)

    # --- one report -------------------------------------------------------------------------

    def _report(s: dict[str, Any], rid: str) -> ReportView:
        try:
            view: ReportView = s["desk"].report(rid)
            return view
        except (NotFound, BadInput):
            raise _NotFound() from None

    def kind_of(desk: Desk, v: ReportView, n: int) -> Any:
        a = v.attachments[n]
        key = f"{a.sha256}:{a.size}"  # content-addressed: the same bytes are the same kind
        if key not in kinds_cache:
            try:
                kinds_cache[key] = sniff(desk.attachment_head(v.id, n, 512))
            except (StorageError, VerificationError, ProtocolError):
                # missing from the desk or not decrypting: said on the report, which stays
                # readable (not remembered: a restored desk folder brings it back)
                return DAMAGED
        return kinds_cache[key]

    async def report_page(request: Request) -> Response:
        s = need(request)
        v = _report(s, request.path_params["rid"])
        kept = s.pop("kept", None)
        if kept is not None and kept["kept_report"] == v.id:
            return report_response(request, s, v, **kept_page(kept))
        return report_response(request, s, v)

    def report_response(
        request: Request, s: dict[str, Any], v: ReportView, status: int = 200, **extra: Any
    ) -> Response:
        desk: Desk = s["desk"]
        kinds = [kind_of(desk, v, n) for n in range(len(v.attachments))]
        try:
            limit = max(thumbs_per_view, int(request.query_params.get("thumbs", "0")))
        except ValueError:
            limit = thumbs_per_view
        # An image whose thumbnail cannot be made (too large to read, or already refused by
        # the jail: a bomb, a broken file) is named as such, never shown as a broken <img>.
        unreadable = {
            i for i, (a, k) in enumerate(zip(v.attachments, kinds, strict=True))
            if k.image
            and (a.size > MAX_THUMB_INPUT or thumbs.get(f"{a.sha256}:{a.size}") == (True, None))
        }
        shown, previews = set(), 0
        for i, k in enumerate(kinds):
            if k.image and i not in unreadable and previews < limit:
                shown.add(i)
                previews += 1
        more = sum(1 for k in kinds if k.image) - previews - len(unreadable)
        custody_damaged: list[int] = []  # events that do not decrypt: named, not a failed page
        return render(
            request,
            "report.html",
            status=status,
            r=v,
            kinds=kinds,
            previews=shown,
            unreadable=unreadable,
            more_previews=more,
            next_limit=limit + thumbs_per_view,
            jail=confinement(),
            custody=desk.custody(v.id, custody_damaged),
            custody_damaged=custody_damaged,
            queued=[q for q in desk.outbox() if q.report == v.id],
            # What the last action did (?m=…): a code, never a service message to translate.
            **({"notice": request.query_params.get("m")} | extra),
        )

    async def triage(request: Request) -> Response:
        s, fields = await written(request, "note")
        desk: Desk = s["desk"]
        v = _report(s, request.path_params["rid"])
        reviewer = str(fields.get("reviewer") or desk.name).strip()[:200]
        confidence = str(fields.get("confidence", "medium"))
        have = {q["code"] for q in v.qualifications}
        # The multi-select shows what is applied; what the handler leaves selected stays,
        # what is newly selected is added, what is deselected is withdrawn (in custody).
        # "Applied" is what the page showed (listed in the form), not what is applied now:
        # a page left open while another tab or a colleague triaged must not undo their
        # decision - withdraw what they added, re-apply what they withdrew, put the status
        # back. (A form that does not list them - "1" - compares with what is applied now.)
        want = [c for c in fields.get("qualification[]", []) if c]
        shown = have
        if fields.get("qualifications-shown") == "listed":
            shown = {c for c in fields.get("applied[]", []) if c}
        add = [c for c in want if c not in shown and c not in have]
        withdraw = sorted((have & shown) - set(want)) if "qualifications-shown" in fields else []
        status = str(fields["status"]) if fields.get("status") else None
        if "status-shown" in fields and status == fields["status-shown"]:
            status = None  # left as the page showed it: not a decision about the status
        # The same form again (a double click): it was saved; nothing is recorded twice.
        once = str(fields.get("once", ""))
        if once and not one_time.claim(s, once):
            return RedirectResponse(f"/report/{v.id}?m=saved", status_code=303)
        try:
            # One decision: a refused part (an unknown code, a bad confidence) changes nothing.
            desk.triage(
                v.id, reviewer, status=status, add=add, withdraw=withdraw,
                confidence=confidence, note=str(fields.get("note", "")),
            )  # fmt: skip
        except TyshaError as exc:
            one_time.release(s, once)  # nothing was saved: the same form may try again
            # The report again, the note the handler wrote back in its form, and why (a bare
            # error page lost it: the desk's pages are not kept by the browser).
            return report_response(request, s, v, status=400,
                                   note_text=str(fields.get("note", "")),
                                   triage_error=exc.message)  # fmt: skip
        return RedirectResponse(f"/report/{v.id}?m=saved", status_code=303)

    async def reply(request: Request) -> Response:
        s, fields = await written(request, "reply")
        v = _report(s, request.path_params["rid"])
        text = str(fields.get("text", ""))
        # The same form again (a second click while the drop was slow, a resubmitted page):
        # nothing is sent a second time. Claimed before the send starts, so a click that
        # arrives while the first is still sending is caught too.
        once = str(fields.get("once", ""))
        if once and not one_time.claim(s, once):
            return RedirectResponse(f"/report/{v.id}?m=reply-repeated", status_code=303)
        try:
            outcome = await asyncio.to_thread(s["desk"].reply, v.id, text)
        except TyshaError as exc:
            one_time.release(s, once)  # nothing was sent or queued: the same form may try again
            # Neither sent nor queued (empty, too long, no way back to the source): keep
            # what was typed on the page and say so, and why (as `desk reply` does).
            return report_response(
                request, s, v, status=400, reply_text=text, reply_error=exc.message
            )
        notice = "replied" if outcome.sent else "forked" if outcome.forked else "queued"
        return RedirectResponse(f"/report/{v.id}?m={notice}", status_code=303)

    async def import_provenance(request: Request) -> Response:
        """A ProofMode bundle uploaded for this report (desk/provenance.py does the checks;
        the upload may be larger than other forms: Guard allows MAX_UPLOAD here)."""
        s = need(request)
        async with request.form(max_files=1, max_fields=4) as data:
            if not same_text(str(data.get("csrf", "")), s["csrf"]):
                raise _Forbidden()
            v = _report(s, request.path_params["rid"])
            upload = data.get("bundle")
            if upload is None or isinstance(upload, str):
                return report_response(
                    request, s, v, status=400, provenance_error="no file was chosen"
                )
            name = plain_name(str(upload.filename or "bundle.zip"))[:200]
            try:
                records = await asyncio.to_thread(
                    s["desk"].import_proofmode, v.id, upload.file, name
                )
            except TyshaError as exc:
                return report_response(request, s, v, status=400, provenance_error=exc.message)
        ok = all(r.state == "valid" for r in records)
        return RedirectResponse(
            f"/report/{v.id}?m=provenance-{'valid' if ok else 'invalid'}", status_code=303
        )

    def _attachment(request: Request) -> tuple[dict[str, Any], ReportView, int]:
        """(session, report, index) named by the URL, or 404."""
        s = need(request)
        v = _report(s, request.path_params["rid"])
        n = int(request.path_params["n"])
        if not 0 <= n < len(v.attachments):
            raise _NotFound()
        return s, v, n

    async def thumb(request: Request) -> Response:
        s, v, n = _attachment(request)
        desk: Desk = s["desk"]
        a = v.attachments[n]
        if a.size > MAX_THUMB_INPUT or not kind_of(desk, v, n).image:
            raise _NotFound()
        key = f"{a.sha256}:{a.size}"
        hit, png = thumbs.get(key)
        if not hit:
            data = b"".join(desk.attachment_chunks(v.id, n))
            try:
                async with jail:
                    png = await asyncio.to_thread(make_thumbnail, data)
            except ThumbnailTimedOut:  # a refusal is remembered; a timeout is tried again
                thumbs.timed_out(key)
                raise _NotFound() from None
            thumbs.put(key, png)
        if png is None:
            raise _NotFound()
        return Response(
            png, media_type="image/png", headers={"Content-Security-Policy": DOWNLOAD_CSP}
        )

    async def download(request: Request) -> Response:
        s, v, n = _attachment(request)
        await form(request, s)
        desk: Desk = s["desk"]
        a = v.attachments[n]
        name = plain_name(a.name)
        ascii_name = "".join(
            c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name
        )
        disposition = (
            f'attachment; filename="{ascii_name[:100] or "attachment"}"; '
            f"filename*=UTF-8''{quote(name, safe='')}"
        )
        chunks = desk.attachment_chunks(v.id, n)
        # The first piece before the headers: an attachment missing from the desk or not
        # decrypting is the refused page that says so, not a download cut off at once.
        first = await asyncio.to_thread(next, chunks, None)

        async def body() -> AsyncIterator[bytes]:
            sent = 0
            if first is not None:
                sent += len(first)
                yield first
            while True:
                chunk = await asyncio.to_thread(next, chunks, None)
                if chunk is None:
                    break
                sent += len(chunk)
                yield chunk
            # Control comes back here only after the server took the last chunk: only now is
            # the export a fact the custody log may record (issue 9.9).
            if sent == a.size:
                await asyncio.to_thread(desk.record_export, v.id, n, "download")

        return StreamingResponse(
            body(),
            media_type="application/octet-stream",
            headers={
                "Content-Disposition": disposition,
                "Content-Security-Policy": DOWNLOAD_CSP,
                "Content-Length": str(a.size),
            },
        )

    # --- sources ----------------------------------------------------------------------------

    async def sources_page(request: Request) -> Response:
        s = need(request)
        desk: Desk = s["desk"]
        damaged: list[str] = []  # one damaged record never hides the other sources
        listed = desk.sources(damaged)
        # What the last revoke or restore did (kept in the session, said once: on the page
        # its form redirects to).
        done = s.pop("source_done", None)
        return render(request, "sources.html", sources=listed, cells=desk.cells(),
                      damaged=sorted(damaged), done=done)  # fmt: skip

    async def set_cell(request: Request) -> Response:
        # The escrow desk records which cell a source reports through (issue 12).
        s = need(request)
        fields = await form(request, s)
        try:
            s["desk"].set_cell(str(fields.get("source", "")), str(fields.get("cell", "")))
        except NotAllowed:
            raise  # not an escrow desk: 403
        except TyshaError as exc:
            return render(request, "error.html", status=400, message=exc.message)
        return RedirectResponse("/sources", status_code=303)

    def _source(s: dict[str, Any], sid: str) -> Any:
        if not sid.isalnum():
            raise _NotFound()
        try:
            src = s["desk"].source(sid)
        except ConfigError:
            raise _NotFound() from None
        if src.id != sid:  # only an exact id names a source in a URL
            raise _NotFound()
        return src

    async def confirm_page(request: Request) -> Response:
        s = need(request)
        action = request.path_params["action"]
        if action not in ("revoke", "restore"):
            raise _NotFound()
        src = _source(s, request.path_params["sid"])
        kept = s.pop("kept", None)
        if kept is not None and (kept["kept_field"], kept["kept_report"]) == (action, src.id):
            # The reason written when the session had ended, back in the form, unconfirmed.
            return render(request, "confirm.html", src=src, action=action, error=False,
                          reason=kept["kept_text"], kept=True)  # fmt: skip
        return render(request, "confirm.html", src=src, action=action, error=False)

    async def change_source(request: Request) -> Response:
        action = request.path_params["action"]
        if action not in KEPT_SOURCE:
            raise _NotFound()
        # A reason written when the session had ended is given back, not lost (written()).
        s, fields = await written(request, action)
        src = _source(s, request.path_params["sid"])
        reason = str(fields.get("reason", "")).strip()[:2000]
        if not reason or fields.get("confirm") != "yes":
            # what the handler wrote stays on the page (a reason sent without the tick)
            return render(request, "confirm.html", status=400, src=src, action=action,
                          error=True, reason=reason)  # fmt: skip
        # Already as asked (a double click, the confirmation sent again from an older page):
        # nothing changed or recorded again, and said so - not "refused", which read as if
        # the seized phone's key were not revoked.
        already = bool(src.revoked) == (action == "revoke")
        if not already:
            try:
                (s["desk"].revoke if action == "revoke" else s["desk"].restore)(src.id, reason)
            except TyshaError as exc:
                return render(request, "error.html", status=400, message=exc.message)
        s["source_done"] = {"action": action, "pseudonym": src.pseudonym, "already": already}
        return RedirectResponse("/sources", status_code=303)

    async def set_name(request: Request) -> Response:
        s = need(request)
        fields = await form(request, s)
        try:
            s["desk"].set_real_name(str(fields.get("source", "")), str(fields.get("real_name", "")))
        except TyshaError as exc:
            return render(request, "error.html", status=400, message=exc.message)
        return RedirectResponse("/sources", status_code=303)

    # --- invitations ------------------------------------------------------------------------

    def _invitations(desk: Desk) -> dict[str, Any]:
        # One damaged invitation or drop record never hides the others: named, not a 500.
        damaged: list[str] = []
        damaged_drops: list[str] = []
        return {"invitations": desk.invitations(damaged), "drops": desk.drops(damaged_drops),
                "damaged": sorted(damaged), "damaged_drops": sorted(damaged_drops)}  # fmt: skip

    async def invitations_page(request: Request) -> Response:
        s = need(request)
        # What the last cancel did (kept in the session, said once; ?m= only asks for it).
        done = s.pop("cancelled", None) if request.query_params.get("m") == "cancelled" else None
        return render(request, "invitations.html", new=None, qr=None, cancelled=done,
                      **_invitations(s["desk"]))  # fmt: skip

    def _invitation(desk: Desk, iid: str) -> dict[str, Any]:
        """The invitation named by the URL (by its exact id), or 404."""
        if not iid.isalnum():
            raise _NotFound()
        found = [i for i in desk.invitations() if i["id"] == iid]
        if not found:
            raise _NotFound()
        return found[0]

    async def invite(request: Request) -> Response:
        import base64

        s = need(request)
        fields = await form(request, s)
        # The same form again (a double click, the page sent again): the browser shows only
        # the last answer, so a second invitation would leave the first one unseen and open.
        # The invitation this form made is shown again instead; none is made.
        once = str(fields.get("once", ""))
        try:
            inv = one_time.result(s, once)
            if inv is None:
                days = str(fields.get("valid_days", "")).strip() or str(INVITATION_DAYS)
                if not days.isdecimal() or len(days) > 4:
                    raise BadInput(f"an invitation is valid for 1 to {MAX_INVITATION_DAYS} days")
                inv = s["desk"].invite(str(fields.get("drop", "")),
                                       str(fields.get("drop_key", "")), int(days))  # fmt: skip
                one_time.keep(s, once, inv)
            rec = s["desk"].invitation_of(inv)
        except TyshaError as exc:
            return render(request, "error.html", status=400, message=exc.message)
        if rec.get("state") != "open":  # cancelled (or used) since: not shown as new
            return RedirectResponse("/invitations", status_code=303)
        qr = "data:image/png;base64," + base64.b64encode(qr_png(inv, scale=3)).decode()
        return render(
            request,
            "invitations.html",
            new=inv.to_text(),
            new_name=inv.handler_name or "",  # what the source's page shows (issue 11)
            new_fingerprint=inv.handler.fingerprint(),
            new_expires=rec["expires_at"],
            qr=qr,
            **_invitations(s["desk"]),
        )

    async def cancel_invitation_page(request: Request) -> Response:
        # Cancelling cannot be undone (the source needs a new code, handed over in person):
        # the invitation is shown, and cancelled only once the handler confirms.
        s = need(request)
        inv = _invitation(s["desk"], request.path_params["iid"])
        return render(request, "cancel_invitation.html", inv=inv, error=False)

    async def cancel_invitation(request: Request) -> Response:
        # A leaked or photographed code, unused yet: closed, one commit with its custody.
        s = need(request)
        fields = await form(request, s)
        inv = _invitation(s["desk"], request.path_params["iid"])
        if fields.get("confirm") != "yes":
            return render(request, "cancel_invitation.html", status=400, inv=inv, error=True)
        try:
            s["desk"].cancel_invitation(inv["id"])
        except NotFound:
            raise _NotFound() from None
        except TyshaError as exc:
            return render(request, "error.html", status=400, message=exc.message)
        s["cancelled"] = inv
        return RedirectResponse("/invitations?m=cancelled", status_code=303)

    async def favicon(request: Request) -> Response:
        return FileResponse(HERE / "static" / "favicon.ico", media_type="image/x-icon")

    routes = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/keepalive", keepalive, methods=["POST"]),
        Route("/", inbox, methods=["GET"]),
        Route("/fetch", fetch_now, methods=["POST"]),
        Route("/report/{rid:str}", report_page, methods=["GET"]),
        Route("/report/{rid:str}/triage", triage, methods=["POST"]),
        Route("/report/{rid:str}/reply", reply, methods=["POST"]),
        Route("/report/{rid:str}/provenance", import_provenance, methods=["POST"]),
        Route("/report/{rid:str}/att/{n:int}/thumb.png", thumb, methods=["GET"]),
        Route("/report/{rid:str}/att/{n:int}/download", download, methods=["POST"]),
        Route("/sources", sources_page, methods=["GET"]),
        Route("/sources/{sid:str}/{action:str}", confirm_page, methods=["GET"]),
        Route("/sources/{sid:str}/{action:str}", change_source, methods=["POST"]),
        Route("/sources/name", set_name, methods=["POST"]),
        Route("/sources/cell", set_cell, methods=["POST"]),
        Route("/invitations", invitations_page, methods=["GET"]),
        Route("/invitations", invite, methods=["POST"]),
        Route("/invitations/{iid:str}/cancel", cancel_invitation_page, methods=["GET"]),
        Route("/invitations/{iid:str}/cancel", cancel_invitation, methods=["POST"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        # Cases (issue 12): incidents, suggestions, timeline, map — desk/web/cases.py.
        *case_routes(need, render, form, _NotFound),
        # The share preview (issue 12): desk/web/sharing.py.
        *share_routes(need, render, form, _NotFound, (one_time.claim, one_time.release)),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    async def on_redirect(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, _Redirect)
        return RedirectResponse(exc.to, status_code=303)

    async def on_kept(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, _Kept)
        return exc.page

    async def on_forbidden(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", status=403, message="CSRF")

    async def on_not_found(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", status=404, message="404")

    async def on_not_allowed(request: Request, exc: Exception) -> Response:
        # A role check in the service (an analyst desk has no sources, replies, invitations).
        assert isinstance(exc, NotAllowed)
        return render(request, "error.html", status=403, message=exc.message)

    async def on_desk_error(request: Request, exc: Exception) -> Response:
        # Any other error of the desk's family: a damaged or unreadable item (a sealed record
        # that no longer decrypts, a database the disk cut short) opened by its address. Said
        # in the desk's own words, in the handler's language - a plain "internal error" named
        # nothing, and the rest of the desk still works.
        assert isinstance(exc, TyshaError)
        return render(request, "error.html", status=500, message=exc.message)

    async def on_too_large(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("request too large", status_code=413)

    async def on_too_slow(request: Request, exc: Exception) -> Response:
        # The rest of the body is not waited for: the connection closes after this answer.
        return PlainTextResponse(
            "request body too slow", status_code=408, headers={"Connection": "close"}
        )

    async def on_gone(request: Request, exc: Exception) -> Response:
        # The browser went away mid-body (a tab closed, a lid shut): no one reads this, and it
        # is no error of the desk's to log.
        return PlainTextResponse("request cut short", status_code=400)

    async def on_method(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("method not allowed", status_code=405)

    async def on_error(request: Request, exc: Exception) -> Response:
        # Never the exception's text, on the page or in the log: it may quote a report, name
        # a source or a path (issue 9.9). A short id ties the page to the log's one line.
        error_id = _log_unexpected(exc)
        try:
            resp: Response = render(
                request, "error.html", status=500, message="internal", error_id=error_id
            )
        except Exception:  # noqa: BLE001 - the page itself failed: the id, in plain text
            resp = PlainTextResponse(
                f"internal error {error_id}: the desk could not do this", status_code=500
            )
        harden(resp.headers, CSP)
        return resp

    app = _DeskApp(
        routes=routes,
        exception_handlers={
            _Redirect: on_redirect,
            _Forbidden: on_forbidden,
            _Kept: on_kept,
            _TooLarge: on_too_large,
            _TooSlow: on_too_slow,
            ClientDisconnect: on_gone,
            _NotFound: on_not_found,
            NotFound: on_not_found,
            NotAllowed: on_not_allowed,
            TyshaError: on_desk_error,
            404: on_not_found,
            405: on_method,
            500: on_error,
        },
    )
    # Guard sits inside ServerErrorMiddleware's reach but around everything else; the 500
    # handler hardens its own response because ServerErrorMiddleware is outermost.
    app.add_middleware(Guard, hosts=allowed_hosts(host, port))
    return app


#: Where an unexpected error is said: uvicorn's own logger (the terminal ``desk serve`` runs in).
_LOG = logging.getLogger("uvicorn.error")


def _log_unexpected(exc: BaseException) -> str:
    """Say an unexpected error in one line - a short id and the exception's type, never its
    text or traceback - and return the id (given once per exception: the 500 handler says
    it, and the app's outermost layer does not say it again)."""
    error_id = getattr(exc, "_tysha_error_id", None)
    if isinstance(error_id, str):
        return error_id
    error_id = secrets.token_hex(4)
    with contextlib.suppress(AttributeError, TypeError):
        exc._tysha_error_id = error_id  # type: ignore[attr-defined]
    _LOG.error("web desk: unexpected error %s (%s)", error_id, type(exc).__name__)
    return error_id


class _DeskApp(Starlette):
    """Starlette, whose error middleware answers an unexpected error with the 500 handler's
    page and then raises it again "for the server to log": uvicorn printed the traceback, the
    exception's text with it. The error is said here (:func:`_log_unexpected`) and goes no
    further; the answer, if none had started, is the plain one with the id."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await super().__call__(scope, receive, tracked)
        except Exception as exc:  # noqa: BLE001 - said in one line, without its text
            if scope["type"] != "http":
                raise  # the lifespan's own protocol reports its failures
            error_id = _log_unexpected(exc)
            if not started:
                resp = PlainTextResponse(
                    f"internal error {error_id}: the desk could not do this", status_code=500
                )
                harden(resp.headers, CSP)
                await resp(scope, receive, send)


class _Redirect(Exception):
    def __init__(self, to: str) -> None:
        super().__init__(to)
        self.to = to


class _Forbidden(Exception):
    pass


class _Kept(Exception):
    """A form not acted on, its text given back: ``page`` is the answer."""

    def __init__(self, page: Response) -> None:
        super().__init__("kept")
        self.page = page


class _TooLarge(Exception):
    pass


class _NotFound(Exception):
    pass


class _TooSlow(Exception):
    pass
