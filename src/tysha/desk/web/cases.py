"""The web desk's case pages (issue 12): incidents, suggestions, a timeline and a map.

Every page is readable without JavaScript: the timeline is a sorted list with a static SVG,
the map a static SVG drawn here from the offline Natural Earth outline shipped in
``static/map/outline.json`` (no tile server: nothing leaves the desk). Nothing on these pages
hashes photos (that is ``desk fetch`` / ``desk corroborate`` on the CLI).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Awaitable, Callable
from functools import cache
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tysha.desk.service import Desk
from tysha.desk.web import once as one_time
from tysha.errors import NotFound, TyshaError

__all__ = ["case_routes", "map_svg", "sri", "timeline_svg"]

STATIC = Path(__file__).parent / "static"
OUTLINE = STATIC / "map" / "outline.json"
_W, _H = 800, 560
SHOWN = 300  # reports listed on an incident page; the rest are counted and reachable by id


@cache
def sri(rel: str) -> str:
    """The Subresource Integrity value (sha384) of a file the desk serves under /static/,
    from the shipped bytes (so a page names exactly the script the package carries)."""
    data = (STATIC / rel).read_bytes()
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


@cache
def _outline() -> list[list[tuple[float, float]]]:
    try:
        data = json.loads(OUTLINE.read_text())
    except (OSError, ValueError):
        return []
    rings = []
    for c in data.get("countries", []):
        for ring in c.get("rings", []):
            kept: list[tuple[float, float]] = []
            for x, y in ring:  # thin to ~3 km steps: an outline, not a survey
                if not kept or abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= 0.03:
                    kept.append((float(x), float(y)))
            rings.append(kept)
    return rings


def map_svg(points: list[dict[str, Any]]) -> str:
    """An equirectangular map around the points (Ukraine when there are none): outlines,
    then each point as a circle of its precision (a city-level place is an area, not a pin)
    and a dot sized by its number of reports: a filled dot for a report, a ring for an
    incident's act (told apart by shape, not only by colour)."""
    if points:
        lats = [p["lat_e6"] / 1e6 for p in points]
        lons = [p["lon_e6"] / 1e6 for p in points]
        # At least 8° × 5° around the points: enough of the outline to say where this is.
        cx, cy = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
        hw, hh = (
            max(4.0, (max(lons) - min(lons)) / 2 + 0.5),
            max(2.5, (max(lats) - min(lats)) / 2 + 0.5),
        )
        x0, x1, y0, y1 = cx - hw, cx + hw, cy - hh, cy + hh
    else:
        x0, y0, x1, y1 = 22.0, 44.0, 41.0, 53.0
    kx = math.cos(math.radians((y0 + y1) / 2))
    scale = min(_W / ((x1 - x0) * kx), _H / (y1 - y0))

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (lon - x0) * kx * scale, (y1 - lat) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" class="map" '
        f'aria-hidden="true"><rect width="{_W}" height="{_H}" fill="#eef3f6"/>'
    ]
    for ring in _outline():
        if not any(x0 - 5 <= x <= x1 + 5 and y0 - 5 <= y <= y1 + 5 for x, y in ring):
            continue
        d = " ".join(f"{a:.1f},{b:.1f}" for a, b in (xy(x, y) for x, y in ring))
        parts.append(f'<polygon points="{d}" fill="#fbfaf7" stroke="#9aa" stroke-width="0.7"/>')
    for p in points:
        cx, cy = xy(p["lon_e6"] / 1e6, p["lat_e6"] / 1e6)
        r_area = p["precision_m"] / 111_000 * scale  # metres → degrees of latitude → px
        dot = 3 + 2 * math.sqrt(max(1, int(p["reports"])))
        colour = "#a33" if p["kind"] == "act" else "#246"
        if p["precision_m"] >= 1000 or r_area > dot:
            # A place known to a km or worse is an area, drawn as one even when it is small.
            r_area = max(r_area, dot + 4)
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r_area:.1f}" fill="{colour}" '
                'fill-opacity="0.15" stroke-dasharray="3 2" '
                f'stroke="{colour}"/>'
            )
        hollow = ' fill-opacity="0.2" stroke-width="3" stroke="' + colour + '"'
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{dot:.1f}" fill="{colour}"'
            + (hollow if p["kind"] == "act" else ' fill-opacity="0.8"') + "/>"
        )
    parts.append("</svg>")
    return "".join(parts)


def timeline_svg(items: list[dict[str, Any]]) -> str:
    """Items on a time axis: reports below the line, incident acts above."""
    times = [i["at"] for i in items if i["at"]]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} 90" class="timeline" '
        f'aria-hidden="true"><line x1="20" y1="45" x2="{_W - 20}" y2="45" stroke="#9aa"/>'
    ]
    if times:
        lo, hi = min(times), max(times)
        span = max(1, _days(hi) - _days(lo))
        for i in items:
            if not i["at"]:
                continue
            x = 20 + (_W - 40) * (_days(i["at"]) - _days(lo)) / span
            y, colour = (30, "#a33") if i["kind"] == "act" else (60, "#246")
            parts.append(f'<circle cx="{x:.1f}" cy="{y}" r="4" fill="{colour}"/>')
        parts.append(f'<text x="20" y="85" font-size="11">{escape(lo[:10])}</text>')
        parts.append(
            f'<text x="{_W - 20}" y="85" font-size="11" text-anchor="end">{escape(hi[:10])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _days(iso: str) -> float:
    """Days since 0001-01-01 of an ISO date or time (only for drawing; never stored)."""
    from datetime import date

    try:
        d = date.fromisoformat(iso[:10]).toordinal()
    except ValueError:
        return 0.0
    hh = int(iso[11:13]) if len(iso) >= 13 and iso[11:13].isascii() and iso[11:13].isdigit() else 0
    mm = int(iso[14:16]) if len(iso) >= 16 and iso[14:16].isascii() and iso[14:16].isdigit() else 0
    return d + hh / 24 + mm / 1440


Page = Callable[[Request], Awaitable[Response]]


def case_routes(
    need: Callable[[Request], dict[str, Any]],
    render: Callable[..., Response],
    form: Callable[[Request, dict[str, Any] | None], Awaitable[dict[str, Any]]],
    not_found: type[Exception],
) -> list[Route]:
    """The routes, built on the app's session, rendering and CSRF-checked form helpers."""

    def refused(request: Request, exc: TyshaError) -> Response:
        return render(request, "error.html", status=400, message=exc.message)

    def reviewer(desk: Desk, fields: dict[str, Any]) -> str:
        return str(fields.get("reviewer") or desk.name).strip()[:200]

    def repeated(s: dict[str, Any], fields: dict[str, Any]) -> Response | None:
        """The same form again (a double click, the page sent again): where the first one
        led, and nothing recorded twice (an act twice would count its victims twice). The
        actions here run without awaiting, so the first one's outcome is kept after it."""
        url = one_time.result(s, str(fields.get("once", "")))
        return RedirectResponse(url, status_code=303) if url else None

    def done(s: dict[str, Any], fields: dict[str, Any], url: str) -> Response:
        one_time.keep(s, str(fields.get("once", "")), url)
        return RedirectResponse(url, status_code=303)

    def ids(text: Any) -> list[str]:
        return [t for t in str(text or "").replace(",", " ").split() if t][:1000]

    async def incidents_page(request: Request) -> Response:
        s = need(request)
        return render(request, "incidents.html", incidents=s["desk"].incidents())

    async def create(request: Request) -> Response:
        s = need(request)
        fields = await form(request, s)
        if (again := repeated(s, fields)) is not None:
            return again
        desk: Desk = s["desk"]
        try:
            iid = desk.create_incident(
                str(fields.get("title", "")), ids(fields.get("reports")), reviewer(desk, fields)
            )
        except NotFound:
            raise not_found() from None
        except TyshaError as exc:
            return refused(request, exc)
        return done(s, fields, f"/incident/{iid}")

    def _incident(desk: Desk, iid: str) -> Any:
        try:
            return desk.incident_summary(iid), desk.incident(iid)
        except NotFound:
            raise not_found() from None

    async def incident_page(request: Request) -> Response:
        s = need(request)
        desk: Desk = s["desk"]
        summary, inc = _incident(desk, request.path_params["iid"])
        edit = request.query_params.get("act", "")
        act = next((a for a in inc.acts if a.id == edit), None)
        return render(
            request,
            "incident.html",
            i=summary,
            inc=inc,
            cells=desk.incident_cells(inc.id),
            act_flags={a: f for (_i, a), f in desk.act_flags([inc]).items()},
            edit=act,
            reports=desk.incident_reports(inc.id, SHOWN),
            message=request.query_params.get("m"),
        )

    async def act(request: Request) -> Response:
        s = need(request)
        fields = await form(request, s)
        if (again := repeated(s, fields)) is not None:
            return again
        desk: Desk = s["desk"]
        iid = request.path_params["iid"]
        _incident(desk, iid)
        data = {
            k: fields.get(k)
            for k in (
                "category",
                "start",
                "end",
                "place",
                "lat",
                "lon",
                "precision_m",
                "victims",
                "children",
                "unit",
                "insignia",
                "vehicles",
                "rank",
            )
        }
        listed = [r for r in fields.get("reports[]", []) if r]
        data["reports"] = listed + ids(fields.get("act_reports"))  # beyond the listed ones, by id
        ages, sexes = fields.get("age_group[]", []), fields.get("sex[]", [])
        notes = fields.get("victim_note[]", [])
        data["protected"] = [
            {
                "age_group": a or "unknown",
                "sex": (sexes[n] if n < len(sexes) else "") or "unknown",
                "note": notes[n] if n < len(notes) else "",
            }
            for n, a in enumerate(ages)
            if a or (n < len(notes) and notes[n]) or (n < len(sexes) and sexes[n])
        ]
        try:
            desk.add_act(iid, data, reviewer(desk, fields), str(fields.get("act_id") or "") or None)
        except NotFound:
            raise not_found() from None
        except TyshaError as exc:
            return refused(request, exc)
        return done(s, fields, f"/incident/{iid}?m=saved")

    async def attach(request: Request) -> Response:
        s = need(request)
        fields = await form(request, s)
        if (again := repeated(s, fields)) is not None:
            return again
        desk: Desk = s["desk"]
        iid = request.path_params["iid"]
        try:
            desk.attach_reports(iid, ids(fields.get("reports")), reviewer(desk, fields))
        except NotFound:
            raise not_found() from None
        except TyshaError as exc:
            return refused(request, exc)
        return done(s, fields, f"/incident/{iid}?m=saved")

    async def qualify(request: Request) -> Response:
        s = need(request)
        fields = await form(request, s)
        if (again := repeated(s, fields)) is not None:
            return again
        desk: Desk = s["desk"]
        iid = request.path_params["iid"]
        try:
            desk.qualify_act(
                iid,
                str(fields.get("act_id", "")),
                str(fields.get("code", "")),
                str(fields.get("confidence", "medium")),
                reviewer(desk, fields),
            )
        except NotFound:
            raise not_found() from None
        except TyshaError as exc:
            return refused(request, exc)
        return done(s, fields, f"/incident/{iid}?m=saved")

    async def suggestions_page(request: Request) -> Response:
        s = need(request)
        try:
            out = s["desk"].corroborate()  # reads the stored index: no hashing here
        except TyshaError as exc:
            return refused(request, exc)
        return render(request, "suggestions.html", s=out)

    def _filters(request: Request) -> dict[str, str | None]:
        q = request.query_params
        return {
            k: (q.get(k) or None)
            for k in ("category", "status", "since", "until", "place", "qualification")
        }

    def _items(desk: Desk, f: dict[str, str | None]) -> list[dict[str, Any]]:
        """Reports and incident acts matching the filters, oldest first (timeline and map)."""
        views = desk.reports(
            category=f["category"], status=f["status"], since=f["since"], until=f["until"]
        )
        place, qual = (f["place"] or "").lower(), f["qualification"]
        items: list[dict[str, Any]] = []
        for v in views:
            if place and place not in v.where.lower():
                continue
            if qual and qual not in {q.get("code") for q in v.qualifications}:
                continue
            items.append(
                {
                    "kind": "report",
                    "at": v.event_time or v.received_at,
                    "id": v.id,
                    "category": (v.categories or ["other"])[0],
                    "label": v.where,
                    "href": f"/report/{v.id}",
                    "flags": v.flags,
                }
            )
        incidents = [desk.incident(i["id"]) for i in desk.incidents()]
        flags = desk.act_flags(incidents)
        for inc in incidents:
            for a in inc.acts:
                if f["category"] and a.category != f["category"]:
                    continue
                if place and place not in a.place.name.lower():
                    continue
                if qual and qual not in {q.code for q in a.qualifications}:
                    continue
                at = a.when.start
                if (f["since"] and at[:10] < f["since"]) or (f["until"] and at[:10] > f["until"]):
                    continue
                items.append(
                    {
                        "kind": "act",
                        "at": at,
                        "id": inc.id,
                        "act": a.id,
                        "category": a.category,
                        "label": inc.title,
                        "href": f"/incident/{inc.id}",
                        "flags": flags[(inc.id, a.id)],
                    }
                )
        items.sort(key=lambda i: (i["at"] or "~", i["id"]))
        return items

    def _query(f: dict[str, str | None]) -> str:
        return urlencode({k: v for k, v in f.items() if v})

    async def timeline_page(request: Request) -> Response:
        s = need(request)
        f = _filters(request)
        try:
            items = _items(s["desk"], f)
        except TyshaError as exc:
            return refused(request, exc)
        return render(
            request, "timeline.html", items=items, filters=f, svg=timeline_svg(items),
            query=_query(f),
        )

    async def map_page(request: Request) -> Response:
        s = need(request)
        desk: Desk = s["desk"]
        f = _filters(request)
        pts = desk.places()
        if any(f.values()):
            # The timeline's filters: a point is shown when its report (or its incident's
            # act, matched by category, place, time and qualification) is.
            try:
                keep = {(i["kind"], i["id"]) for i in _items(desk, f)}
            except TyshaError as exc:
                return refused(request, exc)
            pts = [p for p in pts if (p["kind"], p["id"]) in keep]
        pts.sort(key=lambda p: (-p["reports"], p["id"]))
        return render(
            request, "map.html", points=pts, svg=map_svg(pts), filters=f, query=_query(f),
            sri=sri,
        )

    return [
        Route("/incidents", incidents_page, methods=["GET"]),
        Route("/incidents", create, methods=["POST"]),
        Route("/incident/{iid:str}", incident_page, methods=["GET"]),
        Route("/incident/{iid:str}/act", act, methods=["POST"]),
        Route("/incident/{iid:str}/attach", attach, methods=["POST"]),
        Route("/incident/{iid:str}/qualify", qualify, methods=["POST"]),
        Route("/suggestions", suggestions_page, methods=["GET"]),
        Route("/timeline", timeline_page, methods=["GET"]),
        Route("/map", map_page, methods=["GET"]),
    ]
