"""The web desk's share preview (issue 12, the analyst compartment): a handler chooses reports
or an incident and an analyst desk, sees exactly the de-identified content that will be sealed,
ticks the free text it approves, and confirms.

Guarantees:

* nothing is sent from the form or the preview: only the confirmation (a POST with the CSRF
  token) sends, and it sends what the preview showed: the confirmation carries a digest of the
  previewed bodies and originals (:func:`plan_digest`); the plan is rebuilt and refused when it
  no longer matches (a report changed, another analyst key), so nothing unseen leaves;
* free text goes only for the reports whose box the handler ticked on the preview; unticked
  (the default), the body carries no text at all;
* the role is checked in the service (:meth:`Desk.share_choices`, :meth:`Desk.share_plan`): an
  analyst or escrow desk gets 403 on every route here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tysha.desk.service import Desk
from tysha.desk.web.guard import same_text
from tysha.errors import NotFound, TyshaError

__all__ = ["plan_digest", "share_routes"]


def plan_digest(plan: Any) -> str:
    """SHA-256 over what a plan seals: the analyst, each report's body (its share time left
    out: it is stamped when built) and its originals' hashes, in order."""
    items = [
        {
            "report": i["report"],
            "body": {k: v for k, v in i["body"].items() if k != "shared_at"},
            "originals": [a.get("sha256") for a in i["attachments"]],
        }
        for i in plan.items
    ]
    doc = {"analyst": plan.analyst.fingerprint(), "items": items}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def share_routes(
    need: Callable[[Request], dict[str, Any]],
    render: Callable[..., Response],
    form: Callable[[Request, dict[str, Any] | None], Awaitable[dict[str, Any]]],
    not_found: type[Exception],
    once: tuple[Callable[[dict[str, Any], str], bool], Callable[[dict[str, Any], str], None]]
    | None = None,
) -> list[Route]:
    """GET /share (the choice), POST /share/preview, POST /share (confirm and send).

    ``once``: (claim, release) of the app's one-time form tokens: a preview confirmed a
    second time (a reloaded "Shared" page, a second click) sends nothing."""

    def ids(text: Any) -> list[str]:
        return [t for t in str(text or "").replace(",", " ").split() if t][:1000]

    def choice(request: Request, desk: Desk, status: int = 200, **ctx: Any) -> Response:
        return render(request, "share.html", status=status, choices=desk.share_choices(), **ctx)

    def build(desk: Desk, fields: dict[str, Any]) -> Any:
        # Built with every text so the preview can show it; unticked texts are removed
        # before anything is sealed.
        incident = str(fields.get("incident") or "").strip() or None
        try:
            return desk.share_plan(
                str(fields.get("analyst", "")), ids(fields.get("reports")), incident,
                text_approved=True,
            )  # fmt: skip
        except NotFound:
            raise not_found() from None

    async def share_page(request: Request) -> Response:
        s = need(request)
        q = request.query_params
        fields = {"incident": q.get("incident", ""), "reports": q.get("reports", "")}
        return choice(request, s["desk"], fields=fields, repeated=q.get("m") == "repeated")

    async def preview(request: Request) -> Response:
        s = need(request)
        fields = await form(request, s)
        desk: Desk = s["desk"]
        desk.share_choices()  # the role check first: an analyst desk learns nothing here
        try:
            plan = build(desk, fields)
        except TyshaError as exc:
            return choice(request, desk, status=400, fields=fields, error=exc.message)
        return render(
            request, "share_preview.html", plan=plan, digest=plan_digest(plan),
            fields=fields, reports=" ".join(i["report"] for i in plan.items),
        )  # fmt: skip

    async def confirm(request: Request) -> Response:
        s = need(request)
        fields = await form(request, s)
        desk: Desk = s["desk"]
        desk.share_choices()
        try:
            plan = build(desk, fields)
        except TyshaError as exc:
            return choice(request, desk, status=400, fields=fields, error=exc.message)
        if not same_text(str(fields.get("digest", "")), plan_digest(plan)):
            # What would be sealed is not what was shown: show it again, send nothing.
            return render(
                request, "share_preview.html", status=409, plan=plan, digest=plan_digest(plan),
                fields=fields, reports=" ".join(i["report"] for i in plan.items), changed=True,
            )  # fmt: skip
        # This preview confirmed before (a reloaded "Shared" page, a second click while the
        # drop was slow): nothing is sealed or sent again. Claimed before sending, so a
        # second click while the first is sending is caught too.
        token = str(fields.get("once", ""))
        if once is not None and token and not once[0](s, token):
            return RedirectResponse("/share?m=repeated", status_code=303)
        approved = set(fields.get("text[]", []))
        for item in plan.items:
            if item["report"] not in approved:
                item["body"].pop("text", None)
        drop = str(fields.get("drop") or "").strip() or None
        try:
            res = desk.share(plan, drop)
        except TyshaError as exc:
            if once is not None:
                once[1](s, token)  # refused before anything left: the preview may try again
            return choice(request, desk, status=400, fields=fields, error=exc.message)
        return render(
            request, "share_done.html", status=200 if not res.errors else 502, result=res,
            analyst=plan.analyst.fingerprint(),
            with_text=sorted(i["report"] for i in plan.items if "text" in i["body"]),
        )  # fmt: skip

    return [
        Route("/share", share_page, methods=["GET"]),
        Route("/share/preview", preview, methods=["POST"]),
        Route("/share", confirm, methods=["POST"]),
    ]
