"""The web desk: Starlette + Jinja2 (+ htmx for progressive enhancement), on loopback only.

Security posture (THREAT_MODEL, Desk; A8, A9):

* login with the desk passphrase (which opens the encrypted store) and, when enabled, a TOTP
  code (RFC 6238); the session is a random token in an ``HttpOnly; SameSite=Strict`` cookie;
* every POST carries the session's CSRF token; a missing or wrong token is refused (403);
* a strict Content-Security-Policy on every response (no inline script or style, no external
  origin, no framing), ``nosniff``, ``no-referrer``; all assets are served from this package;
* attachments: see :mod:`tysha.desk.web.sanitize` — images only as re-encoded thumbnails made
  in a jailed process, everything else only as a download.
* every page reads without JavaScript; htmx only makes filtering snappier.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tysha.desk.store import STATUSES, DeskStore
from tysha.desk.web.sanitize import sniff, thumbnail
from tysha.errors import ConfigError, TyshaError
from tysha.evidence.taxonomy import CATEGORIES, QUALIFICATIONS, category
from tysha.i18n import LANGUAGES, gettext_for

__all__ = ["CSP", "create_app"]

HERE = Path(__file__).parent
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SESSION_TTL = 8 * 3600


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        return response


def totp_now(secret: bytes, at: float | None = None) -> str:
    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    return (
        TOTP(secret, 6, SHA1(), 30, enforce_key_length=False)
        .generate(int(at if at is not None else time.time()))
        .decode()
    )


def totp_ok(secret: bytes, code: str) -> bool:
    now = time.time()
    return any(hmac.compare_digest(totp_now(secret, now + d), code.strip()) for d in (-30, 0, 30))


def create_app(desk_dir: Path, lang: str = "en") -> Starlette:
    desk_dir = Path(desk_dir)
    sessions: dict[str, dict[str, Any]] = {}
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"])
    )
    failures = {"count": 0, "until": 0.0}

    def session(request: Request) -> dict[str, Any] | None:
        token = request.cookies.get("tysha_session", "")
        s = sessions.get(token)
        if s is None or s["expires"] < time.time():
            sessions.pop(token, None)
            return None
        return s

    def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        s = session(request)
        language = request.query_params.get("lang") or (s or {}).get("lang") or lang
        if language not in LANGUAGES:
            language = "en"
        if s is not None:
            s["lang"] = language
        _ = gettext_for(language)

        def cat_label(code: str) -> str:
            c = category(code)
            return str(getattr(c, language, c.en))

        html = env.get_template(name).render(
            _=_,
            lang=language,
            languages=LANGUAGES,
            session=s,
            csrf=(s or {}).get("csrf", ""),
            categories=CATEGORIES,
            cat_label=cat_label,
            statuses=STATUSES,
            qualifications=QUALIFICATIONS,
            desk_name=(s["store"].name if s else ""),
            **ctx,
        )
        return HTMLResponse(html, status_code=status)

    def need(request: Request) -> dict[str, Any]:
        s = session(request)
        if s is None:
            raise _Redirect("/login")
        return s

    async def form(request: Request, s: dict[str, Any] | None) -> dict[str, str]:
        data = await request.form()
        fields = {k: str(v) for k, v in data.items() if isinstance(v, str)}
        if s is not None and not hmac.compare_digest(fields.get("csrf", ""), s["csrf"]):
            raise _Forbidden()
        return fields

    # --- pages ---------------------------------------------------------------------------

    async def login_page(request: Request) -> Response:
        return render(request, "login.html", error=None)

    async def login(request: Request) -> Response:
        fields = await form(request, None)
        if failures["until"] > time.time():
            return render(request, "login.html", status=429, error="wait")
        try:
            store = DeskStore.open(desk_dir, fields.get("passphrase", ""))
        except ConfigError:
            failures["count"] += 1
            failures["until"] = time.time() + min(30, 2 ** failures["count"] / 4)
            return render(request, "login.html", status=401, error="passphrase")
        secret = store.get_setting("totp")
        if secret and not totp_ok(bytes.fromhex(secret), fields.get("totp", "")):
            failures["count"] += 1
            return render(request, "login.html", status=401, error="totp")
        failures["count"] = 0
        token = secrets.token_urlsafe(32)
        sessions[token] = {
            "store": store,
            "csrf": secrets.token_urlsafe(32),
            "expires": time.time() + SESSION_TTL,
            "lang": fields.get("lang") or lang,
        }
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(
            "tysha_session", token, httponly=True, samesite="strict", path="/", max_age=SESSION_TTL
        )
        return resp

    async def logout(request: Request) -> Response:
        s = need(request)
        await form(request, s)
        sessions.pop(request.cookies.get("tysha_session", ""), None)
        s["store"].close()
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie("tysha_session", path="/")
        return resp

    async def inbox(request: Request) -> Response:
        s = need(request)
        q = request.query_params
        filters = {
            k: (q.get(k) or None) for k in ("category", "status", "since", "until", "search")
        }
        reports = s["store"].list_reports(**filters)
        tpl = "_rows.html" if request.headers.get("HX-Request") else "inbox.html"
        return render(request, tpl, reports=reports, filters=filters)

    def _report(s: dict[str, Any], rid: str) -> Any:
        try:
            return s["store"].get_report(rid)
        except ConfigError:
            raise _NotFound() from None

    async def report_page(request: Request) -> Response:
        s = need(request)
        r = _report(s, request.path_params["rid"])
        kinds = [sniff_label(s["store"], a) for a in r.get("attachments", [])]
        return render(
            request,
            "report.html",
            r=r,
            kinds=kinds,
            custody=s["store"].custody_events(r.id),
            message=request.query_params.get("m"),
        )

    def sniff_label(store: DeskStore, att: dict[str, Any]) -> Any:
        head = b"".join(_take(store.read_blob(att["blob"], att["size"]), 512))
        return sniff(head)

    async def triage(request: Request) -> Response:
        s = need(request)
        fields = await form(request, s)
        rid = request.path_params["rid"]
        _report(s, rid)
        reviewer = fields.get("reviewer") or s["store"].name
        try:
            if fields.get("status"):
                s["store"].set_status(rid, fields["status"], reviewer)
            if fields.get("qualification"):
                s["store"].add_qualification(
                    rid, fields["qualification"], fields.get("confidence", "medium"), reviewer
                )
            if fields.get("note"):
                s["store"].add_note(rid, fields["note"], reviewer)
        except TyshaError as exc:
            return render(request, "error.html", status=400, message=exc.message)
        return RedirectResponse(f"/report/{rid}?m=saved", status_code=303)

    async def reply(request: Request) -> Response:
        from tysha.desk.fetch import send_reply

        s = need(request)
        fields = await form(request, s)
        rid = request.path_params["rid"]
        _report(s, rid)
        try:
            import asyncio

            await asyncio.to_thread(send_reply, s["store"], rid, fields.get("text", ""))
        except TyshaError as exc:
            return render(request, "error.html", status=400, message=exc.message)
        return RedirectResponse(f"/report/{rid}?m=replied", status_code=303)

    def _attachment(request: Request) -> tuple[dict[str, Any], Any, int, dict[str, Any]]:
        """(session, report, index, attachment) named by the URL, or 404."""
        s = need(request)
        r = _report(s, request.path_params["rid"])
        atts = r.get("attachments", [])
        n = int(request.path_params["n"])
        if not 0 <= n < len(atts):
            raise _NotFound()
        return s, r, n, atts[n]

    async def thumb(request: Request) -> Response:
        s, _r, _n, a = _attachment(request)
        if a["size"] > 64 << 20:
            raise _NotFound()
        import asyncio

        data = s["store"].blob_bytes(a["blob"], a["size"])
        png = await asyncio.to_thread(thumbnail, data)
        if png is None:
            raise _NotFound()
        return Response(
            png,
            media_type="image/png",
            headers={"Content-Security-Policy": "default-src 'none'; sandbox"},
        )

    async def download(request: Request) -> Response:
        from starlette.responses import StreamingResponse

        s, r, n, a = _attachment(request)
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in a["name"])[:80] or "file"
        s["store"].custody("exported", r.id, {"attachment": n, "as": "download"})
        return StreamingResponse(
            s["store"].read_blob(a["blob"], a["size"]),
            media_type="application/octet-stream",
            headers={
                "Content-Disposition": f'attachment; filename="{safe}.bin"',
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Content-Length": str(a["size"]),
            },
        )

    async def sources_page(request: Request) -> Response:
        s = need(request)
        return render(request, "sources.html", sources=s["store"].list_sources())

    async def revoke(request: Request) -> Response:
        s = need(request)
        fields = await form(request, s)
        try:
            s["store"].revoke(fields.get("source", ""))
        except TyshaError as exc:
            return render(request, "error.html", status=400, message=exc.message)
        return RedirectResponse("/sources", status_code=303)

    async def set_name(request: Request) -> Response:
        s = need(request)
        fields = await form(request, s)
        try:
            src = s["store"].find_source(fields.get("source", ""))
            s["store"].set_real_name(src.id, fields.get("real_name", "").strip())
        except TyshaError as exc:
            return render(request, "error.html", status=400, message=exc.message)
        return RedirectResponse("/sources", status_code=303)

    async def invitations_page(request: Request) -> Response:
        s = need(request)
        return render(
            request,
            "invitations.html",
            invitations=s["store"].list_invitations(),
            new=None,
            qr=None,
            drops=s["store"].drops(),
        )

    async def invite(request: Request) -> Response:
        import base64
        import io

        from tysha.desk.cli import make_invitation

        s = need(request)
        fields = await form(request, s)
        try:
            inv = make_invitation(s["store"], fields.get("drop", ""), fields.get("drop_key", ""))
        except TyshaError as exc:
            return render(request, "error.html", status=400, message=exc.message)
        import segno

        buf = io.BytesIO()
        segno.make(inv.qr_payload(), error="l", mode="byte", boost_error=False).save(
            buf, kind="png", scale=3, border=4
        )
        qr = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
        return render(
            request,
            "invitations.html",
            invitations=s["store"].list_invitations(),
            new=inv.to_text(),
            qr=qr,
            drops=s["store"].drops(),
        )

    routes = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", inbox, methods=["GET"]),
        Route("/report/{rid:str}", report_page, methods=["GET"]),
        Route("/report/{rid:str}/triage", triage, methods=["POST"]),
        Route("/report/{rid:str}/reply", reply, methods=["POST"]),
        Route("/report/{rid:str}/att/{n:int}/thumb.png", thumb, methods=["GET"]),
        Route("/report/{rid:str}/att/{n:int}/download", download, methods=["GET"]),
        Route("/sources", sources_page, methods=["GET"]),
        Route("/sources/revoke", revoke, methods=["POST"]),
        Route("/sources/name", set_name, methods=["POST"]),
        Route("/invitations", invitations_page, methods=["GET"]),
        Route("/invitations", invite, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    async def on_redirect(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, _Redirect)
        return RedirectResponse(exc.to, status_code=303)

    async def on_forbidden(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", status=403, message="CSRF")

    async def on_not_found(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", status=404, message="404")

    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={
            _Redirect: on_redirect,
            _Forbidden: on_forbidden,
            _NotFound: on_not_found,
            404: on_not_found,
        },
    )


def _take(chunks: Any, n: int) -> list[bytes]:
    out, got = [], 0
    for c in chunks:
        out.append(c)
        got += len(c)
        if got >= n:
            break
    return out


class _Redirect(Exception):
    def __init__(self, to: str) -> None:
        super().__init__(to)
        self.to = to


class _Forbidden(Exception):
    pass


class _NotFound(Exception):
    pass


def random_passphrase() -> str:
    words = (
        "amber",
        "birch",
        "cedar",
        "delta",
        "ember",
        "fjord",
        "grove",
        "harbor",
        "island",
        "jasper",
        "kettle",
        "lantern",
        "meadow",
        "north",
        "orchard",
        "pebble",
        "quarry",
        "river",
        "saffron",
        "timber",
        "umber",
        "valley",
        "willow",
        "yonder",
    )
    return "-".join(words[b % len(words)] for b in os.urandom(5))
