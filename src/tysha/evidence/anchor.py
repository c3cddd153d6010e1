"""Custody anchored in the drop's log (and, where configured, by an RFC 3161 time-stamp).

The desk submits its signed custody head (:func:`tysha.evidence.custody.custody_head`) to a drop
as an ordinary envelope sealed to itself, whose content is ``ANCHOR_DOMAIN || 0x00 || head note``;
the drop's receipt then proves that this custody state existed when the drop logged it (and the
drop's witnesses fix that moment for everyone). Where a time-stamping authority is configured,
an RFC 3161 token over the head note (SHA-256 imprint when the desk asks; SHA-384/512 tokens
are accepted) is kept as well.

A bundle carries, in ``anchor.json``, the latest anchored head no larger than its segment's
head::

    {"format": "tysha-custody-anchor/1",
     "head": <custody head note, desk-signed>,
     "envelope": <hex: the envelope exactly as the drop logged it>,
     "content_key": <hex: its content key, to re-open it>,
     "vkey": <the drop's verifier key>,
     "receipt": {envelope_digest, index, checkpoint, proof},
     "consistency": [<hex>...],   RFC 9162 §2.1.4, anchored head -> the segment's head
     "tsa_token": <hex DER TimeStampResp, optional>}

:func:`verify_anchor` checks all of it: the head is the desk's, the envelope is in the drop's
log (under a pinned drop key when given), it re-opens to exactly that head, the segment's head
extends it, and the token's message imprint is SHA-256 of the head (its signature under the
TSA roots the verifier gives). Pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tysha.errors import ProtocolError, TyshaError, VerificationError
from tysha.evidence.custody import custody_origin, custody_verifier
from tysha.protocol import (
    EnvelopeOpener,
    PublicIdentity,
    Receipt,
    SlotKey,
    parse_header,
)
from tysha.tlog import Checkpoint, NoteVerifier, open_checkpoint, verify_consistency
from tysha.tlog.witness import WitnessPolicy, check_witnesses

__all__ = [
    "ANCHOR_DOMAIN",
    "ANCHOR_FIELDS",
    "ANCHOR_FORMAT",
    "AnchorResult",
    "WitnessedResult",
    "anchor_content",
    "verify_anchor",
    "verify_tsa_token",
    "verify_witnessed",
]

ANCHOR_DOMAIN = b"tysha/v1 custody-anchor"
ANCHOR_FORMAT = "tysha-custody-anchor/1"
#: What a kept anchor puts in a bundle's ``anchor.json`` (with ``consistency`` added).
ANCHOR_FIELDS = (
    "format",
    "head",
    "envelope",
    "content_key",
    "vkey",
    "receipt",
    "tsa_token",
    "witnessed",
)
MAX_ANCHOR_ENVELOPE = 1 << 20
# RFC 5754 / NIST hash OIDs a token's message imprint may use.
_TSA_HASHES = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}


def anchor_content(head_note: str) -> bytes:
    """The envelope content that anchors ``head_note``."""
    return ANCHOR_DOMAIN + b"\x00" + head_note.encode("utf-8")


@dataclass(frozen=True)
class AnchorResult:
    head: Checkpoint
    drop_checkpoint: Checkpoint
    index: int
    vkey: str
    drop_pinned: bool
    tsa: str  # "none", "verified <time>", "UNPINNED <time>"


def _der_element(buf: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the DER element at ``pos``, or ValueError:
    a single-byte tag and a definite length within ``end``."""
    if pos + 2 > end or buf[pos] & 0x1F == 0x1F:
        raise ValueError("tag")
    tag, first, at = buf[pos], buf[pos + 1], pos + 2
    if first < 0x80:
        length = first
    elif 0x81 <= first <= 0x84 and at + (first & 0x7F) <= end:
        length = int.from_bytes(buf[at : at + (first & 0x7F)], "big")
        at += first & 0x7F
    else:
        raise ValueError("length")
    if at + length > end:
        raise ValueError("overrun")
    return tag, at, at + length


def _certificates_in_der_order(resp: bytes) -> bytes:
    """``resp`` with its token's SignedData certificates in DER SET OF order.

    A TSA built on OpenSSL sends its own certificate first and then the CAs that issued it (BER
    allows any order; the certificates are outside what the TSA signs), while the token reader
    takes only DER order and called such a token malformed. Sorting the elements keeps every
    length, so nothing else moves. Anything not shaped as expected is returned unchanged (the
    reader then says what is wrong with it)."""
    try:
        _t, at, end = _der_element(resp, 0, len(resp))  # TimeStampResp
        _t, _s, at = _der_element(resp, at, end)  # status
        tag, at, end = _der_element(resp, at, end)  # timeStampToken (ContentInfo)
        _t, _s, at = _der_element(resp, at, end)  # contentType
        tag, at, end = _der_element(resp, at, end)  # [0] EXPLICIT content
        if tag != 0xA0:
            return resp
        tag, at, end = _der_element(resp, at, end)  # SignedData
        for _ in range(3):  # version, digestAlgorithms, encapContentInfo
            _t, _s, at = _der_element(resp, at, end)
        tag, start, stop = _der_element(resp, at, end)
        if tag != 0xA0:  # [0] IMPLICIT certificates
            return resp
        certs, pos = [], start
        while pos < stop:
            _t, _s, nxt = _der_element(resp, pos, stop)
            certs.append(resp[pos:nxt])
            pos = nxt
    except ValueError:
        return resp
    return resp[:start] + b"".join(sorted(certs)) + resp[stop:]


def verify_tsa_token(
    token_der: bytes, data: bytes, roots_pem: Sequence[bytes] = ()
) -> tuple[str, bool]:
    """Check an RFC 3161 response over ``data``: its imprint is the hash of data; with roots, its
    signature chains to one of them. Returns (generation time ISO, verified under a root).

    The path from the TSA's certificate to a root may run through intermediate CAs the token
    carries (untrusted: only to build the path) or certificates given with the roots (a PEM may
    hold several; a root must be self-signed, an intermediate alone is no root)."""
    import rfc3161_client
    from cryptography import x509

    try:
        resp = rfc3161_client.decode_timestamp_response(_certificates_in_der_order(token_der))
        granted = resp.status == rfc3161_client.PKIStatus.GRANTED
        info = resp.tst_info if granted else None
        algo = _TSA_HASHES.get(info.message_imprint.hash_algorithm.dotted_string) if info else None
        imprint = bytes(info.message_imprint.message) if info else b""
        when = info.gen_time.strftime("%Y-%m-%dT%H:%M:%SZ") if info else ""
    except Exception:  # the library raises its own, ValueError and more for bad DER
        raise VerificationError("the time-stamp token is malformed") from None
    if not granted:
        raise VerificationError("the time-stamp token was not granted")
    if algo is None:
        raise VerificationError("the time-stamp token uses an unknown hash")
    if imprint != hashlib.new(algo, data).digest():
        raise VerificationError("the time-stamp token is over other data than the custody head")
    if not roots_pem:
        return when, False
    # All given certificates in one store: a chain may need several of them (a root and the
    # intermediate beside it). The token's own certificates are never put in it.
    given: list[x509.Certificate] = []
    for pem in roots_pem:
        try:
            given += [c for c in x509.load_pem_x509_certificates(pem) if c not in given]
        except ValueError:  # not a PEM certificate: no root
            continue
    try:
        builder = rfc3161_client.VerifierBuilder()
        for cert in given:
            builder = builder.add_root_certificate(cert)
        builder.build().verify_message(resp, data)
    except Exception:  # not under these roots (the library's own errors and ValueError)
        raise VerificationError(
            "the time-stamp token is not signed under a given TSA root"
        ) from None
    return when, True


def verify_anchor(
    doc: Any,
    desk: PublicIdentity,
    segment_head: Checkpoint,
    drop_pins: Sequence[str] = (),
    tsa_roots: Sequence[bytes] = (),
) -> AnchorResult:
    """Check ``anchor.json`` against the bundle's custody segment head; raises
    VerificationError (or ProtocolError if malformed) saying which link fails."""
    if not isinstance(doc, dict) or doc.get("format") != ANCHOR_FORMAT:
        raise ProtocolError("anchor.json is not a custody anchor")
    try:
        note = doc["head"]
        envelope = bytes.fromhex(doc["envelope"])
        content_key = bytes.fromhex(doc["content_key"])
        vkey = doc["vkey"]
        receipt = Receipt.from_json(doc["receipt"])
        consistency = [bytes.fromhex(h) for h in doc["consistency"]]
        token = bytes.fromhex(doc["tsa_token"]) if doc.get("tsa_token") else b""
        if not isinstance(note, str) or not isinstance(vkey, str) or len(content_key) != 32:
            raise TypeError("field")
    except (KeyError, TypeError, ValueError, AttributeError, TyshaError):
        raise ProtocolError("anchor.json is malformed") from None
    if len(envelope) > MAX_ANCHOR_ENVELOPE:
        raise ProtocolError("the anchor envelope is too large")
    try:
        head = open_checkpoint(note, custody_verifier(desk), origin=custody_origin(desk))
    except TyshaError as exc:
        raise VerificationError(
            f"the anchored custody head is not the desk's ({exc.message})"
        ) from None
    if head.size > segment_head.size:
        raise VerificationError("the anchored custody head is newer than the bundle's")
    try:
        verify_consistency(
            head.size, segment_head.size, head.root_hash, segment_head.root_hash, consistency
        )
    except TyshaError:
        raise VerificationError(
            f"the bundle's custody head (log of {segment_head.size}) does not extend the "
            f"anchored one (log of {head.size}): the custody log was rewritten"
        ) from None
    pins = {"".join(p.split()).lower() for p in drop_pins}
    if pins and "".join(vkey.split()).lower() not in pins:
        raise VerificationError(f"the anchor was logged by drop key {vkey!r}, not a pinned one")
    digest = hashlib.sha256(envelope).digest()
    if receipt.envelope_digest != digest:
        raise VerificationError("the anchor's receipt is for another envelope")
    try:
        cp = receipt.verify(vkey, digest)
    except TyshaError as exc:
        raise VerificationError(
            f"the anchor is not proved in the drop's log ({exc.message})"
        ) from None
    try:
        header = parse_header(envelope)
        if header.envelope_length() != len(envelope):
            raise ProtocolError("the anchor envelope does not open with its content key")
        opener = EnvelopeOpener(header, SlotKey(0, content_key, b""))
        content = b"".join(opener.body([envelope[header.size :]]))
    except TyshaError:
        raise VerificationError("the anchor envelope does not open with its content key") from None
    if content != anchor_content(note):
        raise VerificationError("the anchor envelope holds another custody head")
    tsa = "none"
    if token:
        when, rooted = verify_tsa_token(token, note.encode("utf-8"), tsa_roots)
        tsa = f"verified {when}" if rooted else f"UNPINNED {when}"
    return AnchorResult(head, cp, receipt.index, vkey, bool(pins), tsa)


@dataclass(frozen=True)
class WitnessedResult:
    checkpoint: Checkpoint
    summary: str  # which cosignatures were checked (tlog.witness.WitnessPolicyResult.summary)
    covered: list[str]  # report ids proved in the witnessed log
    accepted: bool
    #: Cosigners the policy does not list, as the start of their key (``name+key id``), so a
    #: verifier knows whose keys to obtain to check them (their lines are not checked here).
    unchecked: list[str] = field(default_factory=list)


def verify_witnessed(
    doc: Any,
    vkey: str,
    anchor_cp: Checkpoint,
    report_cps: dict[str, Checkpoint],
    policy: WitnessPolicy | None,
) -> WitnessedResult:
    """The drop's cosigned checkpoint in ``anchor.json``: signed by the drop, the witnesses'
    cosignatures checked against ``policy`` (k of these keys), and consistency proofs from the
    anchor's checkpoint and from each report's (same drop) checkpoint to it. With a policy,
    VerificationError unless it is met and everything is covered."""
    if not isinstance(doc, dict) or not isinstance(doc.get("note"), str):
        raise ProtocolError("the witnessed checkpoint is malformed")
    proofs = doc.get("proofs")
    if not isinstance(proofs, dict):
        raise ProtocolError("the witnessed checkpoint's proofs are malformed")
    log = NoteVerifier.from_vkey(vkey)
    res = check_witnesses(doc["note"], log, policy or WitnessPolicy((), 0), origin=anchor_cp.origin)
    if policy is not None:
        res.require()
    cp = res.checkpoint

    def covers(old: Checkpoint, what: str) -> None:
        if old.size > cp.size:
            raise VerificationError(
                f"the checkpoint of {what} is newer than the witnessed checkpoint"
            )
        try:
            proof = [bytes.fromhex(h) for h in proofs[str(old.size)]]
            verify_consistency(old.size, cp.size, old.root_hash, cp.root_hash, proof)
        except KeyError:
            raise VerificationError(
                f"the checkpoint of {what}: no proof to the witnessed checkpoint"
            ) from None
        except (TypeError, ValueError):
            raise ProtocolError("the witnessed checkpoint's proofs are malformed") from None
        except TyshaError:
            raise VerificationError(
                f"the checkpoint of {what} is not consistent with the witnessed checkpoint: "
                "the drop forked"
            ) from None

    covers(anchor_cp, "the anchor")
    covered = []
    for rid, rcp in report_cps.items():
        try:
            covers(rcp, f"report {rid}")
            covered.append(rid)
        except VerificationError as exc:
            if policy is not None or "forked" in exc.message:
                raise
    unchecked = list(
        dict.fromkeys(f"{c.name}+{c.key_id.hex()}" for c in res.checks if c.status == "other")
    )
    return WitnessedResult(cp, res.summary(), covered, res.accepted, unchecked)
