"""``tysha verify PATH``: check a receipt, a courier's receipts file or a court bundle offline.

This module reads files and prints; it decides nothing. The bundle's numbered checks are
:class:`tysha.evidence.bundle.BundleVerifier` (its docstring lists the steps); receipts are
checked by :meth:`tysha.protocol.Receipt.verify`.

Accepted inputs:

- a court bundle (zip), see :mod:`tysha.evidence.bundle`;
- a receipt file: JSON ``{"vkey": …, "receipt": {envelope_digest, index, checkpoint, proof}}``;
- a courier's receipts file (:mod:`tysha.transport.courier`): JSON ``{"checkpoint",
  "consistency", "receipts": [...]}``, which names no drop key, so ``--drop-key`` is required.

Pins: ``--desk-key`` (the desk's public key or fingerprint, as ``tysha desk info --json`` gives
them) and ``--drop-key`` (a drop's verifier key, as ``tysha drop info --json`` gives it). Without
them the key that signed is printed as UNPINNED: a forger can sign with a key of their own.

A bundle's custody anchor (step 7) may carry an RFC 3161 token, checked under ``--tsa-root
PEM`` (else reported UNPINNED; with ``--tsa-root``, a bundle without one fails), and the
drop's witnessed checkpoint, checked against the policy ``--witness VKEY …
[--witnesses-needed K]`` (K of those C2SP tlog-cosignature keys; default all): the line says
which cosignatures were valid, invalid or missing.
"""

from __future__ import annotations

import errno
import json
import os
import struct
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from tysha.errors import (
    BadInput,
    NotFound,
    ProtocolError,
    StorageError,
    VerificationError,
)
from tysha.evidence.bundle import (
    BundleLimits,
    BundleResult,
    BundleVerifier,
    MemberInfo,
    Step,
    check_desk_pin,
)
from tysha.evidence.receipts import check_courier_receipts, check_drop_pins, check_receipt
from tysha.i18n import gettext as _
from tysha.i18n import (
    gettext_for,
    ngettext,
    ngettext_for,
    shown_json,
    translate_message,
    visible,
)
from tysha.protocol import Receipt
from tysha.tlog.witness import WitnessPolicy, pinned_policy

__all__ = ["verify_bundle", "verify_path", "verify_receipt_file"]

MAX_RECEIPT_FILE = 16 << 20  # a courier's file for ~10^4 envelopes is ~10 MB
_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"


# The statuses a step may carry (tysha.evidence.bundle): msgids of the catalogs.
STEP_STATUSES = (
    "ok", "FLAG", "UNPINNED", "note", "desk's assertion", "FAILED", "carried provenance"
)  # fmt: skip


def _say(line: str) -> None:
    """One line of the transcript. What a file holds (names, origins, claims: anyone's to
    choose) is shown, never obeyed by the terminal (:func:`tysha.i18n.visible`)."""
    typer.echo(visible(line))


def _carried(text: str) -> str:
    """A carried provenance line ("report ID: proofmode valid, signed by …, issuer …") in the
    user's language, part by part (its values are kept as they are)."""
    head, sep, rest = text.partition(": ")
    if not sep or not head.startswith("report "):
        return translate_message(text)
    parts = ", ".join(translate_message(p) for p in rest.split(", "))
    return _("report {id}: {detail}").format(id=head.removeprefix("report "), detail=parts)


def _local(step: Step) -> str:
    """A bundle step's words in the user's language (the bundle's own words are English
    msgids, translated here, at the face)."""
    if step.status == "carried provenance":
        return _carried(step.text)
    return translate_message(step.text)


@dataclass(frozen=True)
class Line:
    """One line of the transcript: a bundle's numbered step (``number``), or a receipt
    file's check (no number). ``text`` is English (what ``--json`` gives), ``local`` the
    same words in the user's language (what the terminal shows)."""

    number: int | None
    status: str
    text: str
    local: str


class _both:  # noqa: N801 - read as the gettext functions it stands beside
    """A message in English (for ``--json``) and in the user's language (for the terminal),
    as a pair; named so that the catalogs' check finds its msgids (tests/i18n/extract.py)."""

    @staticmethod
    def gettext(msgid: str) -> tuple[str, str]:
        return msgid, _(msgid)

    @staticmethod
    def ngettext(singular: str, plural: str, n: int) -> tuple[str, str]:
        return (singular if n == 1 else plural), ngettext(singular, plural, n)


def _format(pair: tuple[str, str], **values: Any) -> tuple[str, str]:
    return pair[0].format(**values), pair[1].format(**values)


@dataclass
class Transcript:
    """Where every line of ``tysha verify`` goes: printed as it comes, or (``--json``) kept
    for the one JSON document. Both are made from these same lines, so the two outputs
    cannot disagree."""

    as_json: bool = False
    kind: str | None = None  # "bundle", "receipt" or "receipts" (a courier's file)
    lines: list[Line] = field(default_factory=list)
    summary: str | None = None  # the closing line, English
    #: Each key's state: "desk" (fingerprint, pinned), "drop" (key -> pinned), "time_stamp",
    #: "witnesses" (see :class:`tysha.evidence.bundle.BundleResult`).
    keys: dict[str, Any] = field(default_factory=dict)

    def add(self, number: int | None, status: str, text: str, local: str) -> None:
        self.lines.append(Line(number, status, text, local))
        if not self.as_json:
            where = "" if number is None else f"[{number}] "
            _say(f"  {where}{_(status)}  {local}")

    def step(self, step: Step) -> None:
        self.add(step.number, step.status, step.text, _local(step))

    def close(self, text: str, local: str) -> None:
        self.summary = text
        if not self.as_json:
            _say(local)


def _echo(step: Step) -> None:
    """One numbered step, printed in the user's language."""
    Transcript().step(step)


def _read_json(path: Path) -> Any:
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_RECEIPT_FILE + 1)
    except OSError as exc:
        raise StorageError(f"cannot read {path.name}: {exc.strerror}") from None
    if len(raw) > MAX_RECEIPT_FILE:
        raise ProtocolError(
            f"{path.name} is larger than any receipt file ({MAX_RECEIPT_FILE} bytes)"
        )
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        raise ProtocolError(
            f"{path.name} is neither a bundle nor a receipt file",
            hint="give the court bundle (.zip), receipt or receipts file you were given to check",
        ) from None


def verify_receipt_file(
    path: Path, drop_pins: Sequence[str] = (), out: Transcript | None = None
) -> str:
    """Checks a receipt or a courier's receipts file; returns which ("receipt", "receipts")."""
    out = Transcript() if out is None else out
    doc = _read_json(Path(path))
    if isinstance(doc, dict) and "receipts" in doc and "vkey" not in doc:
        out.kind = "receipts"
        verify_courier_receipts(Path(path), drop_pins, out)
        return "receipts"
    try:
        receipt = Receipt.from_json(doc["receipt"])
        vkey = str(doc["vkey"])
    except (KeyError, TypeError):
        raise ProtocolError(f"{path.name} is not a receipt file") from None
    out.keys = {"drop": {vkey: bool(drop_pins)}}
    cp = check_receipt(receipt, vkey, drop_pins)
    if not drop_pins:
        out.add(
            None,
            "UNPINNED",
            *_format(
                _both.gettext("drop key {vkey} (no --drop-key given: compare it with the drop's)"),
                vkey=vkey,
            ),
        )
    out.close(
        *_format(
            _both.gettext(
                "receipt ok: envelope {digest} is entry {index} of {origin} (tree of {size})"
            ),
            digest=receipt.envelope_digest.hex(),
            index=receipt.index,
            origin=cp.origin,
            size=cp.size,
        )
    )
    return "receipt"


def verify_courier_receipts(
    path: Path, drop_pins: Sequence[str], out: Transcript | None = None
) -> None:
    """Every receipt a courier brought back, against the drop key the user pins."""
    from tysha.transport.courier import read_receipts

    out = Transcript() if out is None else out
    out.keys = {"drop": dict.fromkeys(drop_pins, True)}
    note, consistency, receipts = read_receipts(path)
    if not receipts:  # nothing would check even the checkpoint's signature
        raise VerificationError(f"{path.name} holds no receipt: it proves nothing")
    checks = check_courier_receipts(note, receipts, drop_pins)
    for c in checks:
        if c.error is None:
            out.add(
                None,
                "ok",
                *_format(
                    _both.gettext("envelope {digest} is entry {index}"),
                    digest=c.receipt.envelope_digest.hex(),
                    index=c.receipt.index,
                ),
            )
        else:
            en, local = _format(
                _both.gettext("receipt {position} (entry {index}): {error}"),
                position=c.position,
                index=c.receipt.index,
                error="{error}",
            )
            out.add(
                None,
                "FAILED",
                en.replace("{error}", c.error),
                local.replace("{error}", translate_message(c.error)),
            )
    failed = [c for c in checks if c.error is not None]
    if failed:
        raise VerificationError(
            f"{len(failed)} of {len(receipts)} receipts in {path.name} do not verify"
        )
    cp = next((c.checkpoint for c in checks if c.checkpoint is not None), None)
    where = (
        _format(_both.gettext("of {origin} (tree of {size})"), origin=cp.origin, size=cp.size)
        if cp is not None
        else None
    )
    k = len(consistency)
    out.add(
        None,
        "note",
        *_format(
            _both.ngettext(
                "the consistency proof ({n} hash) links this checkpoint to the source's previous "
                "one; only the source device holds that, so it is checked there",
                "the consistency proof ({n} hashes) links this checkpoint to the source's "
                "previous one; only the source device holds that, so it is checked there",
                k,
            ),
            n=k,
        ),
    )
    # Envelopes, not lines: a receipt the file repeats is one envelope.
    n = len({r.envelope_digest for r in receipts})
    en, local = _both.ngettext(
        "receipts ok: {n} envelope is in the drop's log{where}",
        "receipts ok: {n} envelopes are in the drop's log{where}",
        n,
    )
    out.close(
        en.format(n=n, where="" if where is None else " " + where[0]),
        local.format(n=n, where="" if where is None else " " + where[1]),
    )


class _ZipMembers:
    """The archive's members, read through zipfile (which stops at each declared size)."""

    def __init__(self, z: zipfile.ZipFile) -> None:
        self._z = z
        self._infos = {i.filename: i for i in z.infolist()}

    def names(self) -> list[tuple[str, MemberInfo]]:
        return [(i.filename, MemberInfo(i.file_size, i.compress_size)) for i in self._z.infolist()]

    def read(self, name: str) -> Iterator[bytes]:
        try:
            with self._z.open(self._infos[name]) as f:
                while piece := f.read(1 << 16):
                    yield piece
        except NotImplementedError:
            raise VerificationError(f"{name} uses an unsupported compression") from None
        except RuntimeError:  # zipfile's word for an encrypted member
            raise VerificationError(f"{name} is encrypted") from None
        except (OSError, EOFError):
            raise VerificationError(f"{name} is truncated or unreadable") from None
        except Exception:  # BadZipFile (bad CRC), zlib.error and friends from a hostile stream
            raise VerificationError(f"{name} is damaged (its checksum or structure)") from None


def _declared_members(path: Path) -> int | None:
    """The member count the end-of-central-directory record declares, read before zipfile
    loads the directory (whose size a hostile file chooses). None if it cannot be found."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - (1 << 16) - 22))
        tail = f.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) < at + 22:
        return None
    count = int(struct.unpack("<H", tail[at + 10 : at + 12])[0])
    if count == 0xFFFF:
        z64 = tail.rfind(_EOCD64, 0, at)
        if z64 >= 0 and len(tail) >= z64 + 40:
            return int(struct.unpack("<Q", tail[z64 + 32 : z64 + 40])[0])
        return None
    return count


def _only_zip64(extra: bytes) -> bool:
    """True if ``extra`` holds nothing but ZIP64 size records (what a desk's archive carries)."""
    at = 0
    while at < len(extra):
        if at + 4 > len(extra):
            return False
        tag, size = struct.unpack("<HH", extra[at : at + 4])
        if tag != 0x0001:
            return False
        at += 4 + size
    return at == len(extra)


def _check_layout(path: Path, z: zipfile.ZipFile) -> None:
    """The archive is its members and nothing else: from its first byte, each member's local
    header and data in turn, then the central directory and its end records, with no comment
    and no extra field beyond ZIP64 sizes. zipfile reads an archive by its central directory
    and passes over whatever lies outside the members (bytes before the first, between two,
    after the end; a comment), where a forger can put a second archive, which a reader going by
    the local headers opens instead, or words a file manager shows beside the bundle; a bundle
    the desk writes holds none of them."""
    outside = VerificationError(
        "step 1 (bundle readable): the archive holds bytes outside its members "
        "(not a bundle Tysha writes)"
    )
    if z.comment:
        raise VerificationError(
            "step 1 (bundle readable): the archive carries a comment (not a bundle Tysha writes)"
        )
    infos = sorted(z.infolist(), key=lambda i: i.header_offset)
    with open(path, "rb") as f:
        end = f.seek(0, 2)
        at = 0
        for info in infos:
            if info.header_offset != at:
                raise outside
            f.seek(at)
            head = f.read(30)
            if len(head) < 30 or head[:4] != b"PK\x03\x04":
                raise outside
            flags, method, _t, _d, crc, csize, usize, n, e = struct.unpack(
                "<HHHHIIIHH", head[6:30]
            )
            f.seek(n, 1)
            extra = f.read(e)
            if flags & 0x08 or info.comment or not (_only_zip64(extra) and _only_zip64(info.extra)):
                raise VerificationError(
                    f"step 1 (bundle readable): member {info.filename!r} carries a comment, "
                    "extra fields or a data descriptor (not a bundle Tysha writes)"
                )
            # What 'unzip' makes of it: a plain file (no link, folder, program or set-id bit).
            mode = info.external_attr >> 16
            if mode and ((mode & 0o170000) not in (0, 0o100000) or mode & 0o7111):
                raise VerificationError(
                    f"step 1 (bundle readable): member {info.filename!r} carries a file mode "
                    f"{mode:o} a bundle never has (not a bundle Tysha writes)"
                )
            # What a reader going by the local header takes: the same as the directory says.
            if (csize, usize) == (0xFFFFFFFF, 0xFFFFFFFF) and len(extra) >= 20:
                usize, csize = struct.unpack("<QQ", extra[4:20])  # the ZIP64 record's sizes
            if (method, crc, csize, usize) != (
                info.compress_type, info.CRC, info.compress_size, info.file_size
            ):
                raise VerificationError(
                    f"step 1 (bundle readable): member {info.filename!r} is described one way "
                    "in its own header and another in the directory (not a bundle Tysha writes)"
                )
            at += 30 + n + e + info.compress_size
        if at != z.start_dir:
            raise outside
        f.seek(at)
        for _info in infos:
            head = f.read(46)
            if len(head) < 46 or head[:4] != b"PK\x01\x02":
                raise outside
            n, e, c = struct.unpack("<HHH", head[28:34])
            f.seek(n + e + c, 1)
            at += 46 + n + e + c
        tail = f.read(end - at) if 0 <= end - at <= 1 << 10 else b""
    # The end records: [the ZIP64 end record and its locator,] the end record, no comment.
    if tail[:4] == _EOCD64 and len(tail) >= 12:
        size = 12 + int(struct.unpack("<Q", tail[4:12])[0])
        if tail[size : size + 4] != b"PK\x06\x07":
            raise outside
        tail = tail[size + 20 :]
    if len(tail) != 22 or tail[:4] != _EOCD:
        raise outside


def verify_bundle(
    path: Path,
    desk_pin: str | None = None,
    drop_pins: Sequence[str] = (),
    limits: BundleLimits | None = None,
    tsa_roots: Sequence[bytes] = (),
    witness_policy: WitnessPolicy | None = None,
    on_step: Callable[[Step], None] = _echo,
    result: BundleResult | None = None,
) -> BundleResult:
    limits = limits or BundleLimits()
    try:
        declared = _declared_members(path)
        if declared is not None and declared > limits.max_members:
            raise VerificationError(
                f"step 1 (bundle readable): {declared} members (at most {limits.max_members})"
            )
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, EOFError, ValueError, struct.error):
        raise VerificationError("step 1 (bundle readable): not a readable zip archive") from None
    except NotImplementedError:  # a zip version or compression method zipfile cannot read
        raise VerificationError(
            "step 1 (bundle readable): the archive uses a zip feature this verifier does not "
            "read (not a bundle Tysha writes)"
        ) from None
    with z:
        try:
            _check_layout(path, z)
        except (OSError, struct.error):
            raise VerificationError(
                "step 1 (bundle readable): not a readable zip archive"
            ) from None
        return BundleVerifier(
            _ZipMembers(z),
            desk_pin=desk_pin,
            drop_pins=drop_pins,
            limits=limits,
            tsa_roots=tsa_roots,
            witness_policy=witness_policy,
        ).run(on_step, result)


def verify_path(
    path: str,
    desk_key: str | None = None,
    drop_keys: Sequence[str] = (),
    accept_flagged: bool = False,
    tsa_roots: Sequence[str] = (),
    witnesses: Sequence[str] = (),
    witnesses_needed: int | None = None,
    as_json: bool = False,
) -> None:
    """Checks PATH and prints the transcript; raises (exit 1) unless every check holds. With
    ``as_json``, the same lines as one JSON document (:func:`_document`), printed before the
    failure, if any, is raised: options that cannot be used and a PATH that is no file are
    refused before, with no document."""
    drop_keys = check_drop_pins(drop_keys)
    roots = [_read_pem(r) for r in tsa_roots]
    policy = _witness_policy(witnesses, witnesses_needed)
    if desk_key is not None:
        check_desk_pin(desk_key)
    p = Path(path)
    if not p.is_file():
        # The CLI names these in the user's language (missing / a folder / not a file).
        code = errno.EISDIR if p.is_dir() else errno.ENOENT if not p.exists() else errno.EINVAL
        raise OSError(code, os.strerror(code), str(p))
    try:
        is_zip = zipfile.is_zipfile(p)
        with open(p, "rb") as f:
            zip_head = f.read(4) == b"PK\x03\x04"
    except OSError as exc:
        raise StorageError(f"cannot read {p.name}: {exc.strerror}") from None
    if not is_zip and not zip_head:
        if desk_key:
            raise BadInput("--desk-key applies to a court bundle; this is not one")
        if policy is not None:
            raise BadInput("--witness applies to a court bundle; this is not one")
        if roots:
            raise BadInput("--tsa-root applies to a court bundle; this is not one")
    out = Transcript(as_json=as_json, kind="bundle" if is_zip or zip_head else "receipt")
    state: dict[str, Any] = {"result": None, "accept_flagged": accept_flagged}
    try:
        _verify_file(p, is_zip, desk_key, drop_keys, roots, policy, out, state)
    except Exception as exc:
        if as_json:
            typer.echo(shown_json(_document(out, state, exc)))
        raise
    if as_json:
        typer.echo(shown_json(_document(out, state, None)))


def _verify_file(
    p: Path,
    is_zip: bool,
    desk_key: str | None,
    drop_keys: Sequence[str],
    roots: Sequence[bytes],
    policy: WitnessPolicy | None,
    out: Transcript,
    state: dict[str, Any],
) -> None:
    if not is_zip and out.kind == "bundle":
        # A zip's directory is at its end: a bundle cut short (an interrupted copy) starts
        # as one and has none. Say so, rather than "not a receipt file" or blaming a flag.
        raise ProtocolError(
            f"{p.name} starts as a bundle (zip) but is cut short or damaged: "
            "its directory of files is missing; copy the bundle again"
        )
    if not is_zip:
        verify_receipt_file(p, drop_keys, out)
        return
    result = state["result"] = BundleResult()
    verify_bundle(
        p, desk_key, drop_keys, tsa_roots=roots, witness_policy=policy, on_step=out.step,
        result=result,
    )  # fmt: skip
    state["checked"] = True
    result.verdict(state["accept_flagged"])  # raises unless flagged reports are accepted
    out.close(_verdict(result, gettext_for("en"), ngettext_for("en")), _verdict(result))


def _document(out: Transcript, state: dict[str, Any], exc: Exception | None) -> dict[str, Any]:
    """``tysha verify --json``: the verdict, each key's state and every line, in English.

    ``verdict``: "ok" (exit 0), "flagged" (every check held but reports carry flags and
    ``--accept-flagged`` was not given: exit 1) or "failed" (exit 1, ``error`` says why)."""
    from tysha.errors import TyshaError

    result: BundleResult | None = state["result"]
    keys: dict[str, Any] = dict(out.keys)
    doc: dict[str, Any] = {"path_kind": out.kind}
    if result is not None:
        keys = {
            "desk": {
                "fingerprint": result.desk_fingerprint or None,
                "pinned": result.desk_pinned,
            },
            "drop": dict(result.drop_keys),
            "time_stamp": result.time_stamp,
            "witnesses": result.witnesses,
        }
        doc.update(
            reports=result.reports,
            # Reports every check of which held: none when a check failed.
            verified=result.verified if state.get("checked", False) else 0,
            flagged_reports=result.flagged_reports,
            unproved_reports=sorted(result.unproved),
        )
    # Every check ran (the result is whole) and only the flags were not accepted.
    flagged_only = exc is not None and state.get("checked", False)
    verdict = "ok" if exc is None else "flagged" if flagged_only else "failed"
    error = None
    if exc is not None:
        error = exc.message if isinstance(exc, TyshaError) else str(exc)
    doc.update(
        verdict=verdict,
        exit_code=0 if exc is None else 1,
        keys=keys,
        steps=[
            {"number": line.number, "status": line.status, "message": line.text}
            for line in out.lines
        ],
        summary=out.summary,
        error=error,
    )
    return doc


def _verdict(
    result: BundleResult,
    _: Callable[[str], str] = _,
    ngettext: Callable[[str, str, int], str] = ngettext,
) -> str:
    """:meth:`BundleResult.verdict`'s closing line, in the user's language (the same words
    in English), or in the language of the ``_`` and ``ngettext`` given."""
    flagged = len(result.flagged_reports)
    notes = []
    if flagged:
        notes.append(
            ngettext("{n} flagged report accepted", "{n} flagged reports accepted", flagged).format(
                n=flagged
            )
        )
    if result.unproved:
        notes.append(
            ngettext(
                "{n} flagged report did not pass every check (FLAG above)",
                "{n} flagged reports did not pass every check (FLAG above)",
                len(result.unproved),
            ).format(n=len(result.unproved))
        )
    if not result.desk_pinned:
        notes.append(
            _("desk key UNPINNED (fingerprint {fp})").format(fp=result.desk_fingerprint)
        )
    if not result.drops_pinned:
        notes.append(_("drop key UNPINNED"))
    if result.tsa_unpinned:
        notes.append(_("time-stamp UNPINNED (no --tsa-root)"))
    if result.witnesses_unchecked:
        notes.append(_("witness cosignatures not checked (no --witness)"))
    tail = f"; {', '.join(notes)}" if notes else ""
    line = ngettext(
        "bundle ok: {n} report verified offline", "bundle ok: {n} reports verified offline",
        result.verified,
    ).format(n=result.verified)
    return line + tail


def _witness_policy(vkeys: Sequence[str], k: int | None) -> WitnessPolicy | None:
    """``--witness VKEY … --witnesses-needed K`` (K defaults to all of them), checked as the
    desk and the source check theirs (:func:`tysha.tlog.witness.pinned_policy`)."""
    pinned = pinned_policy(vkeys, k)
    return None if pinned is None else WitnessPolicy.from_vkeys(list(vkeys), pinned["k"])


def _read_pem(path: str) -> bytes:
    """A TSA root certificate file (PEM), read and checked before any bundle is opened."""
    from cryptography import x509

    try:
        with open(path, "rb") as f:
            pem = f.read(1 << 20)
        x509.load_pem_x509_certificate(pem)
    except OSError:
        raise NotFound(f"--tsa-root {Path(path).name} cannot be read") from None
    except ValueError:
        raise BadInput(f"--tsa-root {Path(path).name} is not a PEM certificate") from None
    return pem
