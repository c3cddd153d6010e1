"""Provenance that arrives with a report's media: ProofMode proofs and C2PA manifests.

A report's photos and videos may carry provenance made by someone other than the source's
Tysha app: a **C2PA manifest** embedded in the file (Content Credentials, signed with an X.509
certificate) or a **ProofMode proof bundle** (a zip made by the Guardian Project's ProofMode
app). The desk reads both and keeps what they say as :class:`ProvenanceRecord` entries in the
report (sealed with it), each with a custody event. They are *the signer's claims*: a valid
signature proves who signed which bytes, not that the claims (time, place, device) are true.

ProofMode bundle layout (what :func:`plan_proofmode` expects; names are case-sensitive)::

    <sha256>.proof.json         the proof: one JSON object, "File Hash SHA256" the media's hash
    <sha256>.proof.json.asc     detached OpenPGP signature (RFC 4880 §5.2, ASCII armour §6)
    <sha256>.proof.csv          the same proof as CSV: a header row and one row of values
    <sha256>.proof.csv.asc      its detached signature
    <media file>                optional: the photo or video itself
    <media file>.asc            its detached signature
    pubkey.asc                  the signer's OpenPGP public key (ASCII armour)

The OpenPGP packets are checked by the desk (:mod:`tysha.desk.provenance`), injected here as a
:class:`SignatureCheck`; this module decides what the results mean. A proof is ``valid`` when
every proof file present and the media (when bundled) verify under ``pubkey.asc``, the JSON
and CSV agree on the hash, the hash is the bundled media's SHA-256, and it is the SHA-256 of
one of the report's attachments; ``untrusted-signer`` when the signatures hold but the key is
not the one the desk pinned for it; ``invalid`` otherwise, with every reason in ``errors``.

C2PA (the C2PA 2.x specification, validated by ``c2pa-python``'s Reader) is mapped by
:func:`c2pa_record`: the library's ``Trusted`` is ``valid`` (the signing certificate chains
to a trust anchor the desk configured), ``Valid`` is ``untrusted-signer`` (the signature and
hashes hold, the signer is in no trust list), ``Invalid`` is ``invalid`` with the failure
codes, and no manifest is ``absent``. ``unchecked`` says the desk did not look (too large).

Pure: no I/O, no clock, no randomness (the time of an import is passed in).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tysha.errors import ProtocolError

__all__ = [
    "C2PA_MEDIA",
    "KINDS",
    "MAX_PROOF_FILE",
    "MediaMember",
    "STATES",
    "ProofPlan",
    "ProvenanceRecord",
    "SignatureCheck",
    "assess_proofmode",
    "c2pa_media_type",
    "c2pa_record",
    "parse_proof_csv",
    "parse_proof_json",
    "media_members",
    "plan_proofmode",
    "records_of",
]

KINDS = ("proofmode", "c2pa")
STATES = ("valid", "invalid", "untrusted-signer", "absent", "unchecked")
#: A proof file (JSON, CSV or signature) is a few KiB; anything larger is not one.
MAX_PROOF_FILE = 1 << 20
_MAX_CLAIMS = 200
_MAX_TEXT = 1000
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
#: The media types c2pa-python reads that a report's camera files come in.
C2PA_MEDIA = ("image/jpeg", "image/png", "video/mp4")
#: Claims shown first, by what they say (ProofMode's field names as the app writes them).
_TIME_KEYS = ("Proof Generated", "File Created", "File Modified", "Location.Time")
_PLACE_KEYS = ("Location.Latitude", "Location.Longitude", "Location.Accuracy",
               "Location.Altitude", "Location.Provider")  # fmt: skip
_DEVICE_KEYS = ("DeviceID", "Device.Manufacturer", "Manufacturer", "Hardware", "Model",
                "Device.Model")  # fmt: skip


def _text(value: object, limit: int = _MAX_TEXT) -> str:
    """A claim as one line of bounded text (control characters become spaces)."""
    s = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    s = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in s)
    return s[:limit]


@dataclass(frozen=True)
class ProvenanceRecord:
    """What one provenance source says about one media file, and whether it holds.

    ``state`` is one of :data:`STATES`; ``errors`` name every check that failed (empty when
    valid). ``claims`` are the signer's claims as text, never verified facts. ``attachment``
    is the index of the report's attachment whose SHA-256 is ``media_sha256`` (None: none)."""

    kind: str
    state: str
    media_sha256: str = ""
    attachment: int | None = None
    signer: str = ""
    signer_fingerprint: str = ""
    issuer: str = ""
    claim_generator: str = ""
    signed_at: str = ""
    signature_ok: bool = False
    claims: Mapping[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    source_file: str = ""
    imported_at: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ProtocolError(f"unknown provenance kind {self.kind!r}")
        if self.state not in STATES:
            raise ProtocolError(f"unknown provenance state {self.state!r}")

    def to_json(self) -> dict[str, Any]:
        """The record as the desk stores it (and a bundle's report.json carries it)."""
        return {
            "v": 1,
            "kind": self.kind,
            "state": self.state,
            "media_sha256": self.media_sha256,
            "attachment": self.attachment,
            "signer": self.signer,
            "signer_fingerprint": self.signer_fingerprint,
            "issuer": self.issuer,
            "claim_generator": self.claim_generator,
            "signed_at": self.signed_at,
            "signature_ok": self.signature_ok,
            "claims": dict(self.claims),
            "errors": list(self.errors),
            "source_file": self.source_file,
            "imported_at": self.imported_at,
        }

    @classmethod
    def from_json(cls, obj: object) -> ProvenanceRecord:
        """Read a stored record; anything malformed raises :class:`ProtocolError`."""
        if not isinstance(obj, dict) or obj.get("v") != 1:
            raise ProtocolError("not a provenance record (version 1)")
        att = obj.get("attachment")
        if att is not None and (not isinstance(att, int) or isinstance(att, bool) or att < 0):
            raise ProtocolError("a provenance record's attachment is not an index")
        claims = obj.get("claims", {})
        errors = obj.get("errors", [])
        if not isinstance(claims, dict) or not isinstance(errors, list):
            raise ProtocolError("a provenance record's claims or errors are malformed")
        return cls(
            kind=str(obj.get("kind", "")),
            state=str(obj.get("state", "")),
            media_sha256=_text(obj.get("media_sha256", ""), 64),
            attachment=att,
            signer=_text(obj.get("signer", "")),
            signer_fingerprint=_text(obj.get("signer_fingerprint", "")),
            issuer=_text(obj.get("issuer", "")),
            claim_generator=_text(obj.get("claim_generator", "")),
            signed_at=_text(obj.get("signed_at", "")),
            signature_ok=obj.get("signature_ok") is True,
            claims={_text(k, 200): _text(v) for k, v in list(claims.items())[:_MAX_CLAIMS]},
            errors=tuple(_text(e) for e in errors[:_MAX_CLAIMS]),
            source_file=_text(obj.get("source_file", "")),
            imported_at=_text(obj.get("imported_at", "")),
        )

    def highlights(self) -> dict[str, str]:
        """The time, place and device claims, in that order (what a page shows first)."""
        keys = (*_TIME_KEYS, *_PLACE_KEYS, *_DEVICE_KEYS)
        return {k: self.claims[k] for k in keys if self.claims.get(k)}

    def summary(self) -> str:
        """One line for a terminal or a verification transcript."""
        who = self.signer or "unknown signer"
        if self.signer_fingerprint:
            who += f" [{self.signer_fingerprint}]"
        parts = [f"{self.kind} {self.state}", f"signed by {who}"]
        if self.issuer:
            parts.append(f"issuer {self.issuer}")
        if self.claim_generator:
            parts.append(f"made by {self.claim_generator}")
        if self.signed_at:
            parts.append(f"signed at {self.signed_at}")
        where = f"attachment {self.attachment}" if self.attachment is not None else "no attachment"
        parts.append(f"{where} sha256 {self.media_sha256[:16] or '-'}")
        if self.errors:
            parts.append("; ".join(self.errors))
        return ", ".join(parts)


def records_of(data: Mapping[str, Any]) -> list[ProvenanceRecord]:
    """The provenance records a stored report (or a bundle's report.json) carries; records
    that do not parse are left out (a reader shows what it can, never crashes)."""
    raw = data.get("provenance", [])
    out: list[ProvenanceRecord] = []
    for item in raw if isinstance(raw, list) else []:
        try:
            out.append(ProvenanceRecord.from_json(item))
        except ProtocolError:
            continue
    return out


# --- ProofMode ------------------------------------------------------------------------------


def _proof_fields(obj: Mapping[str, object], what: str) -> dict[str, str]:
    if len(obj) > _MAX_CLAIMS:
        raise ProtocolError(f"{what} has more than {_MAX_CLAIMS} fields")
    out = {_text(k, 200): _text(v) for k, v in obj.items()}
    sha = out.get("File Hash SHA256", "").strip().lower()
    if not _HEX64.match(sha):
        raise ProtocolError(f"{what} has no 'File Hash SHA256' of 64 hex digits")
    out["File Hash SHA256"] = sha
    return out


def parse_proof_json(raw: bytes) -> dict[str, str]:
    """A ProofMode ``.proof.json``: one JSON object of claims; its ``File Hash SHA256``
    (lower-cased) is required. Raises :class:`ProtocolError` on anything else."""
    if len(raw) > MAX_PROOF_FILE:
        raise ProtocolError("the proof JSON is too large")
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProtocolError("the proof JSON does not parse") from None
    if not isinstance(obj, dict):
        raise ProtocolError("the proof JSON is not an object")
    return _proof_fields(obj, "the proof JSON")


def parse_proof_csv(raw: bytes) -> dict[str, str]:
    """A ProofMode ``.proof.csv``: a header row and one row of values (further rows, as an
    older app appended them, must state the same hash). Raises :class:`ProtocolError`."""
    if len(raw) > MAX_PROOF_FILE:
        raise ProtocolError("the proof CSV is too large")
    try:
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        raise ProtocolError("the proof CSV does not parse") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise ProtocolError("the proof CSV has no row of values")
    header = [h.strip() for h in rows[0]]
    first: dict[str, str] | None = None
    for row in rows[1:]:
        if len(row) != len(header):
            raise ProtocolError("a proof CSV row does not match its header")
        fields = _proof_fields(dict(zip(header, row, strict=True)), "the proof CSV")
        if first is None:
            first = fields
        elif fields["File Hash SHA256"] != first["File Hash SHA256"]:
            raise ProtocolError("the proof CSV's rows name different files")
    assert first is not None
    return first


@dataclass(frozen=True)
class ProofPlan:
    """The members of one proof in a bundle (names; None when absent)."""

    sha256: str
    json_name: str | None = None
    json_sig: str | None = None
    csv_name: str | None = None
    csv_sig: str | None = None
    media_name: str | None = None
    media_sig: str | None = None


def plan_proofmode(names: Sequence[str]) -> tuple[str, list[ProofPlan]]:
    """Group a bundle's member names into proofs. Returns (public key member, proofs);
    a bundle without ``pubkey.asc`` or without any proof is refused (:class:`ProtocolError`).
    A media member is any member neither a proof, a signature nor the key; it is paired with
    its proof by hash later (:func:`assess_proofmode`)."""
    base = {n.rsplit("/", 1)[-1]: n for n in names if not n.endswith("/")}
    if len(base) != len([n for n in names if not n.endswith("/")]):
        raise ProtocolError("the bundle holds two members of the same name")
    key = base.get("pubkey.asc")
    if key is None:
        raise ProtocolError("the bundle has no pubkey.asc (the signer's public key)")
    proofs: dict[str, dict[str, str]] = {}
    for short, full in base.items():
        m = re.match(r"^([0-9a-fA-F]{64})\.proof\.(json|csv)(\.asc)?$", short)
        if m:
            slot = f"{m.group(2)}_{'sig' if m.group(3) else 'name'}"
            proofs.setdefault(m.group(1).lower(), {})[slot] = full
    if not proofs:
        raise ProtocolError("the bundle holds no <hash>.proof.json or .proof.csv")
    return key, [ProofPlan(sha256=h, **slots) for h, slots in sorted(proofs.items())]


def media_members(names: Sequence[str]) -> list[str]:
    """The members of a bundle that are neither a proof file, a signature nor the key: the
    media (the caller hashes them and checks their signatures)."""
    key, plans = plan_proofmode(names)
    taken = {key}
    for p in plans:
        taken.update(n for n in (p.json_name, p.json_sig, p.csv_name, p.csv_sig) if n)
    return [n for n in names if n not in taken and not n.endswith((".asc", "/"))]


class SignatureCheck(Protocol):
    """An OpenPGP verifier for one bundle's key (the desk's, over pyca/cryptography)."""

    @property
    def fingerprint(self) -> str:
        """The public key's fingerprint (hex, upper case)."""
        ...

    @property
    def user_id(self) -> str:
        """The key's first user id, as text ("" when it has none)."""
        ...

    def verify(self, data: bytes, signature: bytes) -> str | None:
        """None when ``signature`` (an armoured detached signature) is a good signature over
        ``data`` by this key; otherwise why not."""
        ...


def _signed_member(
    members: Mapping[str, bytes],
    signer: SignatureCheck,
    name: str | None,
    sig: str | None,
    what: str,
    errors: list[str],
) -> tuple[bytes | None, bool]:
    """(the member's bytes or None, whether its detached signature holds); the reason of a
    failure is appended to ``errors``."""
    if name is None:
        return None, True
    data = members.get(name)
    if data is None:
        errors.append(f"{what} is missing")
        return None, False
    if sig is None or sig not in members:
        errors.append(f"{what} is not signed (no .asc)")
        return data, False
    why = signer.verify(data, members[sig])
    if why is not None:
        errors.append(f"{what}: signature does not verify ({why})")
        return data, False
    return data, True


@dataclass(frozen=True)
class MediaMember:
    """A media file in a bundle, as the caller read it: its SHA-256 (hex) and the result of
    checking ``<name>.asc`` over it (None: a good signature; text: why not)."""

    sha256: str
    signed: bool
    signature_problem: str | None = None


def assess_proofmode(
    members: Mapping[str, bytes],
    names: Sequence[str],
    signer: SignatureCheck,
    attachment_sha256: Sequence[str],
    media: Mapping[str, MediaMember],
    *,
    pinned_fingerprint: str | None = None,
    source_file: str = "",
    imported_at: str = "",
) -> list[ProvenanceRecord]:
    """Every proof in a ProofMode bundle, checked, as records (rules: the module docstring).

    ``members``: the bundle's proof files, their signatures and the key, by member name
    (media excluded: they may be large); ``names``: every member name; ``media``: each media
    member, hashed and its signature checked by the caller; ``attachment_sha256``: the
    report's attachments' SHA-256 (hex), in order. Never raises for a bad proof: every
    failure is in the record's ``errors``; only a bundle with no key or no proof at all is
    refused (:class:`ProtocolError`)."""
    _key, plans = plan_proofmode(names)
    media_by_hash = {m.sha256: name for name, m in media.items()}
    proof_hashes = {pl.sha256 for pl in plans}
    strays = sorted(n for n, m in media.items() if m.sha256 not in proof_hashes)
    out = []
    for plan in plans:
        errors: list[str] = []
        claims: dict[str, str] = {}
        sig_ok = True

        parsed: list[dict[str, str]] = []
        for name, sig, what, parse in (
            (plan.json_name, plan.json_sig, "the proof JSON", parse_proof_json),
            (plan.csv_name, plan.csv_sig, "the proof CSV", parse_proof_csv),
        ):
            raw, ok = _signed_member(members, signer, name, sig, what, errors)
            sig_ok = sig_ok and ok
            if raw is None:
                continue
            try:
                parsed.append(parse(raw))
            except ProtocolError as exc:
                errors.append(exc.message)
        if plan.json_name is None and plan.csv_name is None:
            errors.append("only signatures, no proof file")
            sig_ok = False
        for p in parsed:
            claims = {**p, **claims}  # the JSON's wording first, the CSV fills gaps
        hashes = {p["File Hash SHA256"] for p in parsed}
        if len(hashes) > 1:
            errors.append("the proof JSON and CSV name different files")
        sha = next(iter(hashes)) if len(hashes) == 1 else plan.sha256
        if hashes and sha != plan.sha256:
            errors.append("the proof's file hash is not the one its file name states")
        bundled = media_by_hash.get(sha)
        if bundled is not None:
            m = media[bundled]
            if not m.signed:
                errors.append("the bundled media is not signed (no .asc)")
                sig_ok = False
            elif m.signature_problem is not None:
                errors.append(f"the media: signature does not verify ({m.signature_problem})")
                sig_ok = False
        elif strays:
            # Its media is not in the bundle as the proof names it, and a media file is there
            # whose bytes no proof names: altered after signing, or swapped.
            errors.append(
                "the proof's file hash is not the SHA-256 of the bundled media "
                f"({', '.join(strays)})"
            )
        try:
            attachment: int | None = attachment_sha256.index(sha)
        except ValueError:
            attachment = None
            errors.append("the proof's file hash matches none of this report's attachments")
        if errors:
            state = "invalid"
        elif pinned_fingerprint and pinned_fingerprint.upper() != signer.fingerprint.upper():
            state = "untrusted-signer"
            errors.append("the signing key is not the one pinned for this source")
        else:
            state = "valid"
        signed_at = next((claims[k] for k in _TIME_KEYS if claims.get(k)), "")
        out.append(
            ProvenanceRecord(
                kind="proofmode",
                state=state,
                media_sha256=sha,
                attachment=attachment,
                signer=_text(signer.user_id),
                signer_fingerprint=signer.fingerprint,
                claim_generator="ProofMode",
                signed_at=signed_at,
                signature_ok=sig_ok,
                claims=claims,
                errors=tuple(errors),
                source_file=_text(source_file),
                imported_at=imported_at,
            )
        )
    return out


# --- C2PA -----------------------------------------------------------------------------------


def c2pa_media_type(head: bytes) -> str | None:
    """The C2PA-readable media type a file's first bytes show (JPEG, PNG, MP4), else None.
    Decided by content, never by the name or declared type a sender chose."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/mp4"
    return None


def _codes(results: object, bucket: str) -> list[tuple[str, str]]:
    """(code, explanation) pairs of one bucket ("failure", "success") of c2pa's
    ``validation_results`` (active manifest and ingredient deltas)."""
    out: list[tuple[str, str]] = []
    if not isinstance(results, Mapping):
        return out
    active = results.get("activeManifest")
    groups = [active] if isinstance(active, Mapping) else []
    deltas = results.get("ingredientDeltas")
    for d in deltas if isinstance(deltas, list) else []:
        vd = d.get("validationDeltas") if isinstance(d, Mapping) else None
        if isinstance(vd, Mapping):
            groups.append(vd)
    for g in groups:
        items = g.get(bucket)
        for it in items if isinstance(items, list) else []:
            if isinstance(it, Mapping):
                out.append((_text(it.get("code", ""), 200), _text(it.get("explanation", ""))))
    return out


def c2pa_record(
    *,
    media_sha256: str,
    attachment: int | None,
    state: str | None,
    manifest: Mapping[str, Any] | None,
    results: Mapping[str, Any] | None,
    error: str | None = None,
    checked_at: str = "",
) -> ProvenanceRecord:
    """Map what c2pa-python's Reader said about one file into a record.

    ``state``: ``Reader.get_validation_state()`` ("Trusted", "Valid", "Invalid" or None);
    ``manifest``: the active manifest; ``results``: ``get_validation_results()``;
    ``error``: "absent" when the file has no manifest, any other text when the Reader could
    not read the one it has (then the record is ``invalid``)."""
    man = manifest if isinstance(manifest, Mapping) else {}
    sig = man.get("signature_info")
    sig = sig if isinstance(sig, Mapping) else {}
    gen = man.get("claim_generator")
    if not gen:
        info = man.get("claim_generator_info")
        first = info[0] if isinstance(info, list) and info else {}
        if isinstance(first, Mapping):
            gen = " ".join(_text(first.get(k, "")) for k in ("name", "version")).strip()
    claims: dict[str, str] = {}
    if man.get("title"):
        claims["title"] = _text(man["title"])
    for a in man.get("assertions", []) if isinstance(man.get("assertions"), list) else []:
        if isinstance(a, Mapping) and isinstance(a.get("label"), str):
            label = a["label"]
            if label.startswith("c2pa.actions"):
                data = a.get("data")
                acts = data.get("actions", []) if isinstance(data, Mapping) else []
                names = [str(x.get("action", "")) for x in acts if isinstance(x, Mapping)]
                claims["actions"] = _text(", ".join(n for n in names if n))
            elif len(claims) < 20:
                claims[_text(label, 200)] = _text(a.get("data", ""), 300)
    failures = _codes(results, "failure")
    errors: list[str] = []
    if error == "absent" or (error is None and state is None and not man):
        verdict = "absent"
    elif error is not None:
        verdict = "invalid"
        errors.append(f"the manifest cannot be read: {_text(error, 300)}")
    elif state == "Trusted" and not failures:
        verdict = "valid"
    elif state in ("Valid", "Trusted") and not failures:
        verdict = "untrusted-signer"
        errors.append("signature valid, signer not in the desk's trust list")
    else:
        verdict = "invalid"
        errors += [f"{c}: {e}" if e else c for c, e in failures] or [
            f"validation state {state or 'unknown'}"
        ]
    # The claim's signature itself held (the failure, if any, is elsewhere: the media hash).
    signature_ok = verdict in ("valid", "untrusted-signer") or (
        verdict == "invalid"
        and error is None
        and state is not None
        and not any(c.startswith(("claimSignature", "signingCredential")) for c, _ in failures)
    )
    return ProvenanceRecord(
        kind="c2pa",
        state=verdict,
        media_sha256=media_sha256,
        attachment=attachment,
        signer=_text(sig.get("common_name", "")),
        issuer=_text(sig.get("issuer", "")),
        claim_generator=_text(gen or ""),
        signed_at=_text(sig.get("time", "")),
        signature_ok=signature_ok,
        claims=claims,
        errors=tuple(errors),
        imported_at=checked_at,
    )
