"""What the web desk shows about one report, computed (never read back from a stored field).

This is the web face's stand-in for ``tysha.desk.views.ReportView`` until that lands on this
branch: the same shape (``flags: list[Flag(code, reason)]``, ``log_consistent``, ``trusted``,
``received_at`` / ``event_time`` as ISO 8601 with their zone), so the templates do not change
when the integrator swaps it for the desk service's view.

Why computed: a report's stored ``log_consistent`` was written when it arrived; a drop caught
*later* showing a forked history taints everything that came through it (issue 8). Every flag
here is re-derived from the report *and* the current state of its drop and source each time
the page is drawn, so a flag shows wherever the report appears (issue 10.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CLAIM_LABELS",
    "CUSTODY_LABELS",
    "FLAG_LABELS",
    "FLAG_REASONS",
    "Flag",
    "WebReport",
    "report_view",
]

# Capture-claim keys and custody actions → English msgids (the templates translate them;
# a key not listed is shown as it is, isolated).
CLAIM_LABELS: dict[str, str] = {
    "sha256": "SHA-256 at capture",
    "size": "size at capture",
    "media_type": "file type",
    "name": "file name",
    "device_time": "device clock at capture",
    "exif_time": "camera time (EXIF)",
    "exif_gps": "camera position (EXIF)",
}
CUSTODY_LABELS: dict[str, str] = {
    "annotated": "note added",
    "deleted-from-drop": "deleted from the drop",
    "desk-created": "desk created",
    "exported": "exported",
    "fork-detected": "fork detected",
    "invitation-created": "invitation made",
    "invitation-reused": "invitation reused",
    "qualified": "qualified",
    "received": "received",
    "replied": "replied",
    "reply-queued": "reply queued",
    "revocation-reason": "reason for revocation",
    "source-enrolled": "source enrolled",
    "source-restored": "source restored",
    "source-revoked": "source revoked",
    "status": "status changed",
    "totp-enabled": "one-time codes enabled",
    "verified": "verified on arrival",
}

# code → a short badge label (an English msgid).
FLAG_LABELS: dict[str, str] = {
    "forked": "forked log",
    "log-inconsistent": "log inconsistent",
    "capture-failed": "capture not verified",
    "receipt-failed": "receipt failed",
    "revoked": "revoked key",
    "unknown-sender": "unknown sender",
    "untrusted": "untrusted",
}

# code → the reason shown to the handler (an English msgid; the templates translate it).
FLAG_REASONS: dict[str, str] = {
    "forked": "The drop this report came through later showed a forked history: "
    "log consistency FAILED. Do not rely on its receipt; tell your organisation.",
    "log-inconsistent": "The drop's log was not consistent when this report arrived.",
    "capture-failed": "A capture signature or attachment hash did not verify.",
    "receipt-failed": "The drop's receipt for this report did not verify.",
    "revoked": "The sender's key is revoked: it may be in someone else's hands.",
    "unknown-sender": "The sender is not enrolled at this desk (an unknown key, or a "
    "one-time invitation used by a second device).",
    "untrusted": "The desk does not trust this report.",
}


@dataclass(frozen=True)
class Flag:
    code: str
    reason: str


@dataclass
class WebReport:
    id: str
    data: dict[str, Any]
    flags: list[Flag] = field(default_factory=list)
    log_consistent: bool = True
    trusted: bool = False
    received_at: str = ""
    event_time: str = ""

    def __getattr__(self, name: str) -> Any:  # r.text, r.categories … read the stored data
        try:
            return self.__dict__["data"][name]
        except KeyError:
            raise AttributeError(name) from None


def _iso_zone(value: str) -> str:
    """An ISO time that always names its zone (stored times without one are UTC)."""
    v = (value or "").strip()
    if not v:
        return ""
    zoned = v.endswith("Z") or "+" in v[10:] or v[19:20] == "-"
    if len(v) >= 16 and v[10:11] == "T" and not zoned:
        return v + "Z"
    return v


def report_view(store: Any, report: Any, drops: dict[str, dict[str, Any]] | None = None,
                sources: dict[str, Any] | None = None) -> WebReport:
    """The flags and times of ``report`` as of now (``drops``/``sources``: lookups already made
    for a whole inbox, so a page of 1,000 rows does not open each drop and source again)."""
    d = dict(report.data)
    if drops is None:
        drops = {x["url"]: x for x in store.drops()}
    drop = drops.get(d.get("drop") or "")
    forked = bool(drop and drop.get("forked"))
    revoked = bool(d.get("revoked"))
    sid = d.get("source_id")
    if sid:
        src = (sources or {}).get(sid)
        if src is None and sources is None:
            try:
                src = store.get_source(sid)
            except Exception:  # a source row that no longer opens: treat as unknown
                src = None
        revoked = revoked or bool(src is not None and src.revoked)
    codes: list[str] = []
    if forked:
        codes.append("forked")
    elif not d.get("log_consistent", True):
        codes.append("log-inconsistent")
    if not d.get("capture_verified"):
        codes.append("capture-failed")
    if not d.get("receipt_verified"):
        codes.append("receipt-failed")
    if revoked:
        codes.append("revoked")
    if not sid:
        codes.append("unknown-sender")
    log_consistent = bool(d.get("log_consistent", True)) and not forked
    trusted = bool(d.get("trusted")) and not codes
    if not trusted and not codes:
        codes.append("untrusted")
    return WebReport(
        id=report.id,
        data=d,
        flags=[Flag(c, FLAG_REASONS[c]) for c in codes],
        log_consistent=log_consistent,
        trusted=trusted,
        received_at=_iso_zone(d.get("received_at") or report.received_at),
        event_time=_iso_zone(d.get("when") or d.get("created_at") or ""),
    )
