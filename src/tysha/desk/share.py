"""Sharing reports de-identified with an analyst desk (issue 12, the analyst compartment).

A handler desk seals chosen reports (or an incident's) to an analyst desk's public key —
exchanged out of band and pinned — as ordinary envelopes through a drop, one envelope per
report, manifest kind ``"share"`` (:mod:`tysha.protocol.manifest`). What goes in:

* the categories, ``when``, ``where`` and ``created_at`` the source gave;
* the free text **only** if the handler approved it (``--text-approved`` or the preview
  answered yes); otherwise no text at all;
* a per-analyst opaque source label: HMAC-SHA-256 (RFC 2104) of the source's public key
  under a 32-byte secret the handler desk keeps for that analyst (sealed in its settings).
  The same source always gets the same label at one analyst, so the analyst can count
  independent sources; two analysts get unrelated labels, so they cannot link theirs;
* the originals, byte for byte, with their SHA-256.

What does not go in: the source's key, its pseudonym or real name, the enrolment secret,
protected incident details, the drop receipts of the source's envelope.

The design question — the originals' capture attestations carry the source key. Sending them
as they are would give every analyst the one identifier the compartment exists to hide (and
let analysts link sources across compartments). So the handler desk does not forward them:
it **re-attests**. For each original it signs, with its own desk key, the original's SHA-256
and the claims *it verified* against the source's signature (size, media type, capture times,
GPS), and the share's body says so (``checks``: what the handler desk's view of the report
says verified, e.g. ``"capture receipt"``; an original whose capture signature did not verify
is not re-attested as verified: ``checks`` then omits ``capture``). The report's flags at the
handler desk (its :class:`~tysha.desk.views.ReportView`, computed now: a source revoked after
intake, a forked log, a reused invitation) go too, as ``flags`` (their codes), so a report
the handler does not trust is not trusted at the analyst either: the analyst desk shows them
as the handler's (``shared-<code>``), and a missing check as not vouched for; a key the latest
share from that handler says is revoked taints every share of that key's label there (a key
revoked after an earlier share: desk/views.py). The analyst desk
verifies the handler's signature over each original (the attestation's signer must be the
share's sender) and records the report as "shared by <handler fingerprint>": the analyst
relies on the handler's word for the capture chain, and a court can ask the handler desk for
the originals' own attestations, which stay in its custody.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tysha.desk.fetch import UnprovenConsistency, check_receipt_log
from tysha.desk.store import DeskStore, now_iso
from tysha.desk.views import report_views
from tysha.errors import (
    BadInput,
    NotAllowed,
    NotFound,
    ProtocolError,
    TransportError,
    TyshaError,
    VerificationError,
)
from tysha.protocol import (
    Attachment,
    CaptureAttestation,
    Manifest,
    PublicIdentity,
    frame_content,
    seal_envelope,
)
from tysha.transport import DropClient

__all__ = [
    "SharePlan",
    "ShareResult",
    "plan_share",
    "reattested_claims",
    "send_share",
    "source_label",
]

#: Capture claims a share may carry (re-attested by the handler): nothing naming the source.
_SHAREABLE_CLAIMS = ("size", "media_type", "device_time", "exif_time", "exif_gps")
#: Keep a share an envelope a drop takes (the originals travel in it).
_MAX_SHARE_BYTES = 256 << 20


def _secret_for(store: DeskStore, analyst: PublicIdentity) -> bytes:
    """The per-analyst label secret, created on first use and kept sealed in the settings."""
    key = f"share_secret:{analyst.fingerprint()}"
    value = store.get_setting(key)
    if isinstance(value, str) and len(value) == 64:
        return bytes.fromhex(value)
    secret = os.urandom(32)
    store.set_setting(key, secret.hex())
    return secret


def source_label(secret: bytes, source_key: str) -> str:
    """HMAC-SHA-256 (RFC 2104) of the source's key text under the analyst's secret."""
    msg = b"tysha/v1 share-label\x00" + source_key.encode()
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


@dataclass
class SharePlan:
    """What will leave the desk, for the preview: one entry per report (``report``, ``body``,
    ``attachments``, ``flags``: the report's flags at this desk, which the body carries, and
    ``claims``: per original, the capture claims re-attested with it)."""

    analyst: PublicIdentity
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ShareResult:
    sent: list[str] = field(default_factory=list)  # report ids
    errors: list[str] = field(default_factory=list)


def plan_share(
    store: DeskStore, analyst_key: str, report_ids: list[str], text_approved: bool
) -> SharePlan:
    """Build the de-identified bodies (nothing sent): what the preview shows."""
    if store.role != "handler":
        raise NotAllowed("only a handler desk shares reports with an analyst")
    try:
        analyst = PublicIdentity.from_text(analyst_key.strip())
    except (ProtocolError, ValueError, AttributeError):
        raise BadInput("that is not a desk's public key") from None
    if analyst == store.public:
        raise BadInput("that is this desk's own key")
    if not report_ids:
        raise BadInput("choose at least one report to share")
    secret = _secret_for(store, analyst)
    plan = SharePlan(analyst)
    reports = [store.get_report(rid) for rid in report_ids]
    # What the handler vouches for is what its own view says now (the one every face shows).
    for report, view in zip(reports, report_views(store, reports), strict=True):
        rid, d = report.id, report.data
        key = d.get("source_key")
        if not isinstance(key, str) or not key:
            raise BadInput(f"report {rid} has no verified source key to label")
        checks = [c for c, ok in (("capture", view.capture_verified),
                                  ("receipt", view.receipt_verified)) if ok]  # fmt: skip
        body: dict[str, Any] = {
            "categories": list(d.get("categories") or []) or ["other"],
            "label": source_label(secret, key),
            "shared_at": now_iso(),
            "checks": " ".join(checks),
            # The analyst it is for, under this desk's signature: re-sealed to another desk
            # (by the analyst, or anyone holding its plaintext), it is refused there.
            "to": analyst.fingerprint(),
        }
        if view.flags:
            body["flags"] = " ".join(view.flag_codes)
        for k in ("when", "where", "created_at"):
            if d.get(k):
                body[k] = str(d[k])
        if text_approved and d.get("text"):
            body["text"] = str(d["text"])
        atts = d.get("attachments", [])
        plan.items.append({"report": rid, "body": body, "attachments": atts,
                           "flags": list(view.flags),
                           "claims": [reattested_claims(a) for a in atts]})  # fmt: skip
    return plan


def reattested_claims(a: dict[str, Any]) -> dict[str, Any]:
    """The source's capture claims this desk re-attests for an original beyond its hash, size
    and type (camera position, camera and device times): only those it verified (a failed
    capture check: none). What the preview shows is what :func:`_envelope` signs."""
    if not a.get("capture_verified"):
        return {}
    src = a.get("claims") or {}
    return {k: src[k] for k in _SHAREABLE_CLAIMS[2:] if k in src}


def _original(store: DeskStore, a: dict[str, Any]) -> bytes:
    data = b"".join(store.read_blob(a["blob"], int(a["size"])))
    if hashlib.sha256(data).hexdigest() != a["sha256"]:
        raise BadInput("an original no longer matches its hash; it is not shared")
    return data


def _envelope(store: DeskStore, item: dict[str, Any], analyst: PublicIdentity) -> bytes:
    atts, blobs, total = [], [], 0
    for n, a in enumerate(item["attachments"]):
        data = _original(store, a)
        total += len(data)
        if total > _MAX_SHARE_BYTES:
            raise BadInput("the originals are too large for one share")
        sha = bytes.fromhex(a["sha256"])
        claims: dict[str, Any] = {"sha256": sha, "size": len(data)}
        # Only what the handler verified is re-attested (a failed capture check: hash only).
        claims |= reattested_claims(a)
        claims["media_type"] = str(a.get("media_type") or "application/octet-stream")
        try:
            att = CaptureAttestation.create(store.identity, claims)
        except ProtocolError:
            att = CaptureAttestation.create(store.identity, {"sha256": sha, "size": len(data)})
        # The file name is the source's: a neutral one goes instead.
        atts.append(Attachment(f"original-{n + 1}", att.claims.get("media_type",
                               "application/octet-stream"), len(data), sha, att))  # fmt: skip
        blobs.append(data)
    m = Manifest("share", store.public, item["body"], tuple(atts)).signed(store.identity)
    content = frame_content(m.to_bytes()) + b"".join(blobs)
    return seal_envelope(content, [analyst], os.urandom)


#: Why nothing is shared through a drop caught forking its log (a gettext msgid).
_FORKED_NO_SHARE = (
    "the drop showed a forked history (different logs to different people): a share through "
    "it may never reach the analyst, so nothing is sent; tell your organisation"
)
#: Why a share the drop took is not said sent (a gettext msgid).
_UNPROVEN_SHARE = (
    "not shared: the drop did not prove its receipt's log consistent with the one this desk "
    "verified (if this persists, the drop may be hiding a fork: tell your organisation)"
)


def send_share(
    store: DeskStore,
    plan: SharePlan,
    drop_url: str | None = None,
    client_factory: Callable[[str], DropClient] = DropClient,
) -> ShareResult:
    """Seal each planned item to the analyst and upload it through a drop the desk watches;
    each one recorded in custody (``shared``: report, analyst fingerprint, drop index). A
    report that cannot be sealed (an original damaged or too large) or sent is named in
    ``errors``; the others still go."""
    drops = store.drops()
    drop = next((d for d in drops if drop_url in (None, d.url)), None)
    if drop is None:
        raise NotFound("no such drop at this desk; watch one first" if drop_url
                       else "this desk watches no drop to share through")  # fmt: skip
    if drop.forked:
        # Another history may be what the analyst is shown: a share "in its log" may never
        # reach it (as no reply goes through a forked drop).
        raise NotAllowed(_FORKED_NO_SHARE)
    res = ShareResult()
    for item in plan.items:
        try:
            env = _envelope(store, item, plan.analyst)
        except TyshaError as exc:  # a damaged or too large original: this report stays here
            res.errors.append(f"report {item['report']}: {exc.message}")
            continue
        digest = hashlib.sha256(env).digest()
        try:
            with client_factory(drop.url) as client:
                receipt = client.upload(env)
                cp = receipt.verify(drop.vkey, digest)
                # The receipt's log must be the one this desk verified (the analyst reads that
                # one): another history is a fork, recorded there, and nothing more goes.
                try:
                    check_receipt_log(store, client, drop, cp, {"share_digest": digest.hex()})
                except VerificationError as exc:
                    res.errors.append(f"report {item['report']}: {exc.message}")
                    return res
        except UnprovenConsistency:
            res.errors.append(f"report {item['report']}: {_UNPROVEN_SHARE}")
            continue
        except TransportError as exc:
            res.errors.append(f"report {item['report']}: {exc.message}")
            continue
        except (ProtocolError, VerificationError) as exc:
            res.errors.append(f"report {item['report']}: the drop's receipt: {exc.message}")
            continue
        index = receipt.to_json().get("index")
        store.custody("shared", item["report"], {
            "analyst": plan.analyst.fingerprint(), "drop": drop.url, "index": index,
            "text": "text" in item["body"], "originals": len(item["attachments"]),
        })  # fmt: skip
        res.sent.append(item["report"])
    return res
