"""``tysha verify PATH``: check a receipt or a court bundle offline, step by numbered step.

Steps for a bundle (each failure names its step and stops):

1. the zip opens and holds ``bundle.json`` and ``bundle.sig``;
2. ``bundle.sig`` is the desk key's signature over ``bundle.json``;
3. every listed file is present with its SHA-256, and nothing unlisted is present;
4. per report, the envelope's digest is in the drop's log: the checkpoint is signed by the
   drop key the bundle names and the inclusion proof leads to its root;
5. the envelope opens with its content key, and its content is exactly the report's signed
   manifest followed by the attachment files;
6. the manifest's signature by the source key holds, and every attachment matches its
   capture attestation (SHA-256 at capture, signed by the same source key);
7. the custody log's chain and signatures hold under the desk key.

A receipt file is JSON ``{"vkey": …, "receipt": {envelope_digest, index, checkpoint, proof}}``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import typer

from tysha.errors import ProtocolError, TyshaError, VerificationError
from tysha.evidence.custody import CustodyEvent, canonical_json, verify_chain
from tysha.protocol import (
    ContentSplitter,
    EnvelopeOpener,
    PublicIdentity,
    Receipt,
    SlotKey,
    parse_header,
    verify_signature,
)

__all__ = ["verify_bundle", "verify_path", "verify_receipt_file"]


def _step(n: int, what: str) -> None:
    typer.echo(f"  [{n}] ok  {what}")


def verify_receipt_file(path: Path) -> None:
    try:
        doc = json.loads(Path(path).read_text())
        receipt = Receipt.from_json(doc["receipt"])
        vkey = str(doc["vkey"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(f"not a receipt file: {exc}") from None
    cp = receipt.verify(vkey)
    typer.echo(
        f"receipt ok: envelope {receipt.envelope_digest.hex()} is entry {receipt.index} "
        f"of {cp.origin} (tree of {cp.size})"
    )


def verify_bundle(path: Path) -> int:
    # 1
    try:
        z = zipfile.ZipFile(path)
        names = set(z.namelist())
        raw = z.read("bundle.json")
        sig = bytes.fromhex(z.read("bundle.sig").decode())
        index: dict[str, Any] = json.loads(raw)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise VerificationError(f"step 1 (bundle readable): {exc}") from None
    _step(1, "the bundle opens")
    # 2
    try:
        desk = PublicIdentity.from_text(index["desk"]["public_key"])
        verify_signature(desk.sign, b"tysha/v1 bundle", raw, sig)
    except (TyshaError, KeyError, TypeError) as exc:
        msg = exc.message if isinstance(exc, TyshaError) else str(exc)
        raise VerificationError(f"step 2 (desk signature): {msg}") from None
    _step(2, f"signed by desk {index['desk'].get('name')!r}, fingerprint {desk.fingerprint()}")
    # 3
    files: dict[str, str] = index.get("files", {})
    contents: dict[str, bytes] = {}
    for name, want in files.items():
        try:
            data = z.read(name)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise VerificationError(
                f"step 3 (files): {name} is missing or unreadable ({exc})"
            ) from None
        if hashlib.sha256(data).hexdigest() != want:
            raise VerificationError(f"step 3 (files): {name} was altered (SHA-256 differs)")
        contents[name] = data
    extra = names - set(files) - {"bundle.json", "bundle.sig"}
    if extra:
        raise VerificationError(f"step 3 (files): unlisted files present: {sorted(extra)}")
    _step(3, f"{len(files)} files present and unaltered")
    drops: dict[str, str] = index.get("drops", {})
    for rid in index.get("reports", []):
        base = f"reports/{rid}"
        try:
            report = json.loads(contents[f"{base}/report.json"])
            rec_doc = json.loads(contents[f"{base}/receipt.json"])
            envelope = contents[f"{base}/envelope.bin"]
            content_key = bytes.fromhex(contents[f"{base}/content-key"].decode())
        except (KeyError, ValueError) as exc:
            raise VerificationError(f"step 4 (report {rid}): incomplete ({exc})") from None
        # 4
        try:
            if drops.get(report["drop"]) != rec_doc["vkey"]:
                raise VerificationError("the receipt names another drop key than the bundle")
            receipt = Receipt.from_json(rec_doc["receipt"])
            receipt.verify(rec_doc["vkey"], hashlib.sha256(envelope).digest())
        except TyshaError as exc:
            raise VerificationError(f"step 4 (report {rid}, drop log): {exc.message}") from None
        _step(4, f"report {rid}: envelope is entry {receipt.index} of the drop's log")
        # 5
        try:
            header = parse_header(envelope)
            opener = EnvelopeOpener(header, SlotKey(0, content_key, b""))
            splitter = ContentSplitter()
            pieces: dict[int, list[bytes]] = {}
            for content in opener.body([envelope[header.size :]]):
                for ev in splitter.feed(content):
                    if ev[0] == "data":
                        pieces.setdefault(ev[1], []).append(ev[2])
            splitter.finish()
            manifest = splitter.manifest
            assert manifest is not None
        except TyshaError as exc:
            raise VerificationError(f"step 5 (report {rid}, envelope): {exc.message}") from None
        if manifest.to_bytes().hex() != report.get("manifest"):
            raise VerificationError(f"step 5 (report {rid}): the envelope holds another manifest")
        if str(manifest.body.get("text", "")) != report.get("text"):
            raise VerificationError(f"step 5 (report {rid}): report text differs from the envelope")
        atts = report.get("attachments", [])
        for n, a in enumerate(atts):
            orig = b"".join(pieces.get(n, []))
            bundled = [v for k, v in contents.items() if k.startswith(f"{base}/files/{n}-")]
            if len(bundled) != 1 or bundled[0] != orig:
                raise VerificationError(
                    f"step 5 (report {rid}): attachment {a['name']} differs "
                    "from the envelope's original"
                )
        _step(5, f"report {rid}: the envelope re-opens to this report and its {len(atts)} files")
        # 6
        try:
            for n, att in enumerate(manifest.attachments):
                if att.attestation is None:
                    raise VerificationError(f"{att.name} has no capture attestation")
                att.attestation.verify(
                    signer=manifest.sender.sign,
                    original_sha256=hashlib.sha256(b"".join(pieces.get(n, []))).digest(),
                )
        except TyshaError as exc:
            raise VerificationError(f"step 6 (report {rid}, capture): {exc.message}") from None
        _step(
            6,
            f"report {rid}: source signature and capture attestations hold "
            f"(source fingerprint {manifest.sender.fingerprint()})",
        )
    # 7
    try:
        events = [CustodyEvent.from_json(e) for e in json.loads(contents["custody.json"])]
        verify_chain(events, desk.sign)
        if canonical_json([e.to_json() for e in events]) != contents["custody.json"]:
            raise VerificationError("custody.json is not in canonical form")
    except (TyshaError, KeyError, ValueError) as exc:
        msg = exc.message if isinstance(exc, TyshaError) else str(exc)
        raise VerificationError(f"step 7 (custody log): {msg}") from None
    _step(7, f"custody log of {len(events)} events is intact and signed by the desk")
    return len(index.get("reports", []))


def verify_path(path: str) -> None:
    p = Path(path)
    if not p.exists():
        raise ProtocolError(f"{path} does not exist")
    if zipfile.is_zipfile(p):
        n = verify_bundle(p)
        typer.echo(f"bundle ok: {n} reports verified offline")
    else:
        verify_receipt_file(p)
