"""Desk actions the web face needs before the ``Desk`` application service has them.

Each function here is written against the store's public API (plus the one private call
marked below) so the integrator can move it into ``tysha.desk.service.Desk`` unchanged and
point the web app at the service. Nothing here renders or knows about HTTP.

* a reply outbox: a reply written while the drop is unreachable is sealed into the desk's
  settings (encrypted at rest like everything else) and sent by the next "fetch now" — it is
  never dropped (issue 10.5);
* revocation with a reason, and its reversal ("restore"), both in the custody log (10.6);
* fetch now: fetch every drop, then send what the outbox holds (10.13).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from tysha.errors import NotFound, TransportError, TyshaError

__all__ = [
    "FetchSummary",
    "create_invitation",
    "fetch_now",
    "outbox",
    "queue_or_send_reply",
    "restore",
    "revoke",
]


def create_invitation(store: Any, drop: str, drop_key: str) -> Any:
    """A one-time invitation (the web face must not import ``desk/cli.py``: issue 8)."""
    from tysha.errors import NotAllowed
    from tysha.protocol import Invitation
    from tysha.tlog import NoteVerifier

    NoteVerifier.from_vkey(drop_key)  # a malformed key is refused before anything is stored
    if store.role != "handler":
        raise NotAllowed("only a handler desk enrols sources")
    secret = os.urandom(16)
    inv = Invitation((drop,), drop_key, store.public, store.escrow_key, secret)
    store.add_invitation(secret, drop, drop_key, inv.to_text())
    return inv

_OUTBOX = "reply_outbox"


def outbox(store: Any, rid: str | None = None) -> list[dict[str, Any]]:
    items = list(store.get_setting(_OUTBOX) or [])
    return [i for i in items if rid is None or i["report"] == rid]


def queue_or_send_reply(store: Any, rid: str, text: str, send: Any) -> str:
    """Send a reply now, or queue it if the drop cannot be reached: "sent" or "queued"."""
    try:
        send(store, rid, text)
        return "sent"
    except TransportError:
        items = outbox(store)
        items.append(
            {
                "id": os.urandom(6).hex(),
                "report": rid,
                "text": text,
                "queued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        )
        store.set_setting(_OUTBOX, items)
        store.custody("reply-queued", rid, {"reason": "drop unreachable"})
        return "queued"


def flush_outbox(store: Any, send: Any) -> tuple[int, int]:
    """Try every queued reply once: (sent, still queued). A failure keeps the item."""
    left, sent = [], 0
    for item in outbox(store):
        try:
            send(store, item["report"], item["text"])
            sent += 1
        except TyshaError:
            left.append(item)
    store.set_setting(_OUTBOX, left)
    return sent, len(left)


@dataclass
class FetchSummary:
    new: int = 0
    warnings: list[str] = field(default_factory=list)
    forks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    replies_sent: int = 0
    replies_queued: int = 0


def fetch_now(store: Any, fetch: Any, send: Any) -> FetchSummary:
    out = FetchSummary()
    try:
        res = fetch(store)
        out.new = len(res.new_reports)
        out.warnings = list(res.warnings)
        out.forks = list(res.forks)
        out.errors = list(res.errors)
    except TyshaError as exc:  # a fork is raised by the log check: keep it loud
        out.forks = [exc.message]
    out.replies_sent, out.replies_queued = flush_outbox(store, send)
    return out


def revoke(store: Any, sid: str, reason: str) -> None:
    s = store.get_source(sid)
    if s.revoked:
        return
    store.revoke(sid)
    store.custody("revocation-reason", None, {"source": sid, "reason": reason})


def restore(store: Any, sid: str, reason: str) -> None:
    s = store.get_source(sid)
    if not s.revoked:
        raise NotFound("this source is not revoked")
    # The store has no public "unrevoke" yet (the Desk service will): the one private call.
    store._update_source(sid, revoked=False)
    store.custody("source-restored", None, {"source": sid, "reason": reason})
