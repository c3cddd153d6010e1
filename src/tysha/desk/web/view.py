"""Labels the web desk puts on what :class:`tysha.desk.views.ReportView` says.

The report itself (its flags, trust, log consistency, times) comes from ``desk/views.py``, the
one view every face renders (issue 8); this module only maps its stable codes — flags,
capture-claim keys, custody actions — to short English msgids the templates translate.
A key not listed is shown as it is, isolated.
"""

from __future__ import annotations

__all__ = ["CLAIM_LABELS", "CUSTODY_LABELS", "FLAG_LABELS", "flag_labels_for"]

# Capture-claim keys and custody actions → English msgids (the templates translate them;
# a key not listed is shown as it is, isolated).
CLAIM_LABELS: dict[str, str] = {
    "sha256": "SHA-256 at capture",
    "size": "size at capture",
    "media_type": "file type",
    "name": "file name",
    "device_time": "device clock when attached to the report",
    "exif_time": "camera time (EXIF: its local time, no zone)",
    "exif_gps": "camera position (EXIF)",
}
CUSTODY_LABELS: dict[str, str] = {
    "annotated": "note added",
    "deleted-from-drop": "deleted from the drop",
    "slot-deleted-on-drop": "deleted for this desk; the drop keeps the envelope for its other"
    " recipients or until it expires",
    "desk-created": "desk created",
    "export-started": "export started",
    "exported": "exported",
    "fork-detected": "fork detected",
    "invitation-created": "invitation made",
    "invitation-reused": "invitation reused",
    "invitation-cancelled": "invitation cancelled",
    "invitation-refused": "expired or cancelled invitation presented",
    "invitation-taken": "invitation taken by an enrolled source",
    "qualified": "qualified",
    "received": "received",
    "replied": "replied",
    "reply-queued": "reply queued",
    "listing-anomaly": "drop listing anomaly",
    "withheld-by-drop": "entry withheld by the drop",
    "source-enrolled": "source enrolled",
    "source-restored": "source restored",
    "source-revoked": "source revoked",
    "status": "status changed",
    "totp-enabled": "one-time codes enabled",
    "totp-disabled": "one-time codes disabled",
    "unqualified": "qualification withdrawn",
    "verified": "verified on arrival",
    "provenance-imported": "provenance imported",
    "c2pa-checked": "C2PA manifest checked",
    "c2pa-trust-set": "C2PA trust anchors set",
    "cell-assigned": "source assigned to a cell",
    "custody-anchored": "custody anchored in the drop's log",
    "anchor-every-set": "automatic anchoring after fetch set",
    "custody-restored": "custody found anchored further: restored from an earlier copy",
    "taken-by-another-copy": "entry taken by another copy of this desk",
    "drop-forked": "drop's log forked",
    "handler-pinned": "handler key pinned",
    "incident-created": "incident created",
    "incident-attached": "report attached to an incident",
    "incident-act-edited": "incident act edited",
    "incident-act-qualified": "incident act qualified",
    "protected-released": "protected details released",
    "quarantined": "envelope set aside",
    "shared": "shared with an analyst",
}

# ReportView flag code → a short badge label (the reason sentence comes with the flag).
FLAG_LABELS: dict[str, str] = {
    "unenrolled-source": "unknown sender",
    "invitation-reused": "reused invitation",
    "revoked-source": "revoked key",
    "source-unreadable": "sender's record damaged",
    "drop-unreadable": "drop's record damaged",
    "capture-unverified": "capture not verified",
    "receipt-unverified": "receipt failed",
    "log-forked": "forked log",
    "implausible-claims": "implausible claims",
    "unaddressed-share": "not addressed to this desk",
    # A share on an analyst desk: flagged by the handler desk that shared it.
    "shared-unenrolled-source": "handler: unknown sender",
    "shared-invitation-reused": "handler: reused invitation",
    "shared-revoked-source": "handler: revoked key",
    "shared-capture-unverified": "handler: capture not verified",
    "shared-receipt-unverified": "handler: receipt not verified",
    "shared-log-forked": "handler: forked log",
    "shared-implausible-claims": "handler: implausible claims",
    "shared-other": "handler: flagged",
}


def flag_labels_for(role: str) -> dict[str, str]:
    """:data:`FLAG_LABELS` on a desk of ``role``: an analyst desk's ``unenrolled-source`` is a
    share from a handler desk not pinned there (desk/views.py flag_reasons_for), not an unknown
    sender."""
    if role == "analyst":
        return FLAG_LABELS | {"unenrolled-source": "handler not pinned"}
    return FLAG_LABELS
