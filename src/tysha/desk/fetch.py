"""Fetch, open, verify and store a desk's envelopes; send replies (DESIGN.md step 6).

For every drop the desk knows: page through the clue listing after the stored cursor, match
clues with the desk's clue key, download matching envelopes *streaming* into a spooled buffer,
open them chunk by chunk straight into encrypted storage, and check, in order:

1. the manifest's signature by the sender's key (``Manifest.from_bytes``);
2. each attachment's SHA-256 against its capture attestation, signed by the same sender;
3. the envelope's inclusion in the drop's log at its index (proof against a checkpoint
   signed by the pinned drop key);
4. the drop's checkpoint is consistent with the last one this desk saw (a fork is reported
   loudly and stops the fetch from that drop).

Then the desk deletes its slot on the drop with the slot's deletion secret. A report from a
revoked source key is stored but flagged and never marked trusted; so is one whose capture
attestation or receipt does not hold (its slot then stays on the drop, as a second copy), and
one whose sender presents an invitation that already enrolled another key.

:class:`FetchResult` carries where the time went (listing, scanning, downloading, opening and
storing, proofs), measured inside the fetch; ``bench/fetch.py`` reports it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tysha.desk.store import DeskStore
from tysha.errors import ProtocolError, TransportError, TyshaError, VerificationError
from tysha.protocol import (
    ContentSplitter,
    EnvelopeOpener,
    Manifest,
    PublicIdentity,
    Scanner,
    frame_content,
    parse_header,
    seal_envelope,
    unwrap_slot,
)
from tysha.protocol.envelope import MAX_HEADER_SIZE
from tysha.tlog import (
    Checkpoint,
    NoteVerifier,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from tysha.transport import DropClient

__all__ = ["FetchResult", "fetch_all", "send_reply"]


@dataclass
class FetchResult:
    scanned: int = 0
    listing_bytes: int = 0
    new_reports: list[str] = field(default_factory=list)
    skipped: int = 0
    forks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    downloaded_bytes: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(
            ("checkpoint", "listing", "scan", "download", "proof", "open_store", "delete"), 0.0
        )
    )

    def _add(self, what: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[what] += now - since
        return now


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _check_log(store: DeskStore, client: DropClient, drop: dict[str, Any]) -> Checkpoint:
    note = client.checkpoint()
    cp = open_checkpoint(note, NoteVerifier.from_vkey(drop["vkey"]))
    drop["cp_note"] = note
    old_size, old_root = int(drop.get("cp_size", 0)), drop.get("cp_root") or ""
    if old_size and old_root:
        root = bytes.fromhex(old_root)
        try:
            if old_size <= cp.size:
                verify_consistency(
                    old_size,
                    cp.size,
                    root,
                    cp.root_hash,
                    client.consistency_proof(old_size, cp.size),
                )
            else:
                raise VerificationError(f"the log shrank from {old_size} to {cp.size} entries")
        except VerificationError as exc:
            drop["forked"] = True
            store.save_drop(drop)
            store.custody("fork-detected", None, {"drop": drop["url"], "detail": exc.message})
            raise VerificationError(
                f"FORK: the drop {drop['url']} shows a history inconsistent with the one this desk "
                f"saw before ({exc.message}). Do not trust it; tell your organisation."
            ) from None
    drop["cp_size"], drop["cp_root"] = cp.size, cp.root_hash.hex()
    store.save_drop(drop)
    return cp


def fetch_all(
    store: DeskStore,
    progress: Callable[[str, int, int], None] | None = None,
    client_factory: Callable[[str], DropClient] = DropClient,
) -> FetchResult:
    result = FetchResult()
    scanner = Scanner(store.identity.clue_secret, store.public.clue)
    for drop in store.drops():
        with client_factory(drop["url"]) as client:
            t = time.perf_counter()
            try:
                cp = _check_log(store, client, drop)
            except VerificationError as exc:
                result.forks.append(exc.message)
                continue
            except TransportError as exc:
                result.errors.append(f"{drop['url']}: {exc.message}")
                continue
            t = result._add("checkpoint", t)
            cursor = int(drop.get("cursor", -1))
            base_bytes = getattr(client, "bytes_received", 0)
            while True:
                t = time.perf_counter()
                records, nxt, _size = client.clues(cursor, 5000)
                t = result._add("listing", t)
                result.scanned += len(records)
                result.listing_bytes += getattr(client, "bytes_received", 0) - base_bytes
                stop = False
                done_upto = cursor
                hits = {rec.index for rec, _ in scanner.scan(records)}
                result._add("scan", t)
                for rec in records:
                    if rec.index >= cp.size:
                        stop = True  # not yet covered by the checkpoint we verified
                        break
                    if rec.index in hits:
                        try:
                            rid = _fetch_one(store, client, drop, rec.index, cp, progress, result)
                        except TransportError as exc:
                            result.errors.append(f"envelope {rec.index}: {exc.message}")
                            stop = True  # retry from here next time: nothing is lost
                            break
                        except TyshaError as exc:
                            result.errors.append(f"envelope {rec.index}: {exc.message}")
                            rid = None
                        if rid:
                            result.new_reports.append(rid)
                        else:
                            result.skipped += 1
                    done_upto = rec.index
                if not stop:
                    done_upto = max(done_upto, min(nxt, cp.size - 1))
                drop["cursor"] = done_upto
                store.save_drop(drop)
                base_bytes = getattr(client, "bytes_received", 0)
                if stop or nxt == cursor:
                    break
                cursor = done_upto
    return result


def _fetch_one(
    store: DeskStore,
    client: DropClient,
    drop: dict[str, Any],
    index: int,
    cp: Checkpoint,
    progress: Callable[[str, int, int], None] | None,
    result: FetchResult | None = None,
) -> str | None:
    result = result or FetchResult()
    t = time.perf_counter()
    # Small envelopes stay in memory; anything bigger streams to a temporary file (ciphertext
    # only), and from there chunk by chunk into encrypted blobs: no attachment is ever held
    # whole in memory.
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
        result.downloaded_bytes += client.download(
            index,
            spool,
            progress=(lambda d, t: progress(f"envelope {index}", d, t)) if progress else None,
        )
        t = result._add("download", t)
        spool.seek(0)
        digest_h = hashlib.sha256()
        head = spool.read(4 + MAX_HEADER_SIZE)
        header = parse_header(head)
        spool.seek(0, os.SEEK_END)
        if spool.tell() != header.envelope_length():
            raise ProtocolError("downloaded envelope has the wrong length")
        spool.seek(0)
        while chunk := spool.read(1 << 20):
            digest_h.update(chunk)
        digest = digest_h.digest()
        if store.has_digest(digest):
            return None
        # 3. receipt: inclusion in the log at this index, under the verified checkpoint. A drop
        # that serves an envelope its log does not hold there is misbehaving: the report is
        # kept (it may be genuine) but flagged, and its slot is left on the drop.
        proof: list[bytes] = []
        receipt_ok, receipt_problem = True, ""
        try:
            proof = client.inclusion_proof(index, cp.size)
            verify_inclusion(leaf_hash(digest), index, cp.size, proof, cp.root_hash)
        except (VerificationError, ProtocolError) as exc:
            receipt_ok, receipt_problem = False, f"receipt: {exc.message}"
        t = result._add("proof", t)
        # Keep the envelope itself (encrypted at rest): a court bundle carries it, with its
        # content key, so anyone can re-derive the report from the logged ciphertext.
        spool.seek(0)
        env_writer = store.blob_writer()
        while piece := spool.read(1 << 20):
            env_writer.write(piece)
        env_writer.close()
        key = unwrap_slot(header, store.identity)
        opener = EnvelopeOpener(header, key)
        splitter = ContentSplitter()
        writers: dict[int, Any] = {}
        blobs: dict[int, tuple[str, bytes, int]] = {}
        spool.seek(header.size)

        def body_pieces() -> Any:
            while piece := spool.read(1 << 20):
                yield piece

        try:
            for content in opener.body(body_pieces()):
                for ev in splitter.feed(content):
                    if ev[0] == "data":
                        if ev[1] not in writers:
                            writers[ev[1]] = store.blob_writer()
                        writers[ev[1]].write(ev[2])
                    elif ev[0] == "end":
                        w = writers.pop(ev[1], None) or store.blob_writer()
                        sha = w.close()
                        blobs[ev[1]] = (w.name, sha, w.size)
            splitter.finish()
        except Exception:
            for w in writers.values():
                w.abort()
            for name, _sha, _size in blobs.values():
                store.delete_blob(name)
            store.delete_blob(env_writer.name)
            raise
    manifest = splitter.manifest
    assert manifest is not None
    if manifest.kind != "report":
        for name, _sha, _size in blobs.values():
            store.delete_blob(name)
        store.delete_blob(env_writer.name)
        return None
    source = store.source_for(manifest.sender, manifest.enrolment)
    capture_ok = True
    attachments = []
    problems = []
    others: list[str] = [receipt_problem] if receipt_problem else []
    if source is None:
        inv = store.invitation_for_secret(manifest.enrolment) if manifest.enrolment else None
        others.append(
            "sender: this invitation already enrolled another key (leaked or reused code)"
            if inv is not None
            else "sender: not enrolled at this desk"
        )
    for n, att in enumerate(manifest.attachments):
        name, sha, size = blobs[n]
        ok = sha == att.sha256 and size == att.size
        try:
            if att.attestation is None:
                raise VerificationError("no capture attestation")
            att.attestation.verify(signer=manifest.sender.sign, original_sha256=sha)
        except VerificationError as exc:
            ok = False
            problems.append(f"{att.name}: {exc.message}")
        capture_ok = capture_ok and ok
        claims = att.attestation.claims if att.attestation else {}
        attachments.append(
            {
                "name": att.name,
                "sha256": sha.hex(),
                "size": size,
                "media_type": att.media_type,
                "blob": name,
                "capture_verified": ok,
                "claims": {k: (v.hex() if isinstance(v, bytes) else v) for k, v in claims.items()},
                "attestation": att.attestation.to_bytes().hex() if att.attestation else None,
            }
        )
    body = manifest.body
    revoked = bool(source and source.revoked)
    data = {
        "categories": [str(c) for c in body.get("categories", [])],
        "text": str(body.get("text", "")),
        "when": str(body.get("when", "")),
        "where": str(body.get("where", "")),
        "created_at": str(body.get("created_at", "")),
        "received_at": _now_iso(),
        "attachments": attachments,
        "capture_verified": capture_ok,
        "capture_problems": problems,
        "receipt_verified": receipt_ok,
        "log_consistent": True,
        "problems": problems + others,
        "checkpoint": {"size": cp.size, "root": cp.root_hash.hex(), "origin": cp.origin},
        "checkpoint_note": drop.get("cp_note", ""),
        "drop_vkey": drop["vkey"],
        "inclusion_proof": [h.hex() for h in proof],
        "envelope_blob": env_writer.name,
        "envelope_size": env_writer.size,
        "content_key": key.content_key.hex(),
        "drop": drop["url"],
        "index": index,
        "envelope_digest": digest.hex(),
        "source_id": source.id if source else None,
        "source": source.pseudonym if source else "unknown (not enrolled here)",
        "source_key": manifest.sender.to_text(),
        "source_fingerprint": manifest.sender.fingerprint(),
        "revoked": revoked,
        "trusted": bool(source) and not revoked and capture_ok and receipt_ok,
        "manifest": manifest.to_bytes().hex(),
    }
    rid = store.add_report(digest, data)
    store.custody("received", rid, {"drop": drop["url"], "index": index, "digest": digest.hex()})
    store.custody(
        "verified",
        rid,
        {
            "capture": capture_ok,
            "receipt": receipt_ok,
            "log_consistent": True,
            "revoked_source": revoked,
        },
    )
    if receipt_problem:
        result.warnings.append(f"envelope {index}: {receipt_problem}")
    t = result._add("open_store", t)
    if receipt_ok:
        try:
            client.delete(index, key.deletion_secret)
            store.custody("deleted-from-drop", rid, {"drop": drop["url"], "index": index})
        except TyshaError:
            pass  # the envelope expires anyway; nothing acknowledged is lost
    result._add("delete", t)
    return rid


def send_reply(
    store: DeskStore, rid: str, text: str, client_factory: Callable[[str], DropClient] = DropClient
) -> dict[str, Any]:
    """Seal a reply to the report's source and upload it through the report's drop."""
    if not text.strip():
        raise ProtocolError("a reply needs some text")
    report = store.get_report(rid)
    recipient = PublicIdentity.from_text(report["source_key"])
    body = {"text": text, "in_reply_to": report["envelope_digest"], "created_at": _now_iso()}
    manifest = Manifest("reply", store.public, body).signed(store.identity)
    env = seal_envelope(frame_content(manifest.to_bytes()), [recipient], os.urandom)
    drop = store.drop(report["drop"])
    if drop is None:
        raise ProtocolError("this report's drop is unknown to the desk")
    with client_factory(drop["url"]) as client:
        receipt = client.upload(env)
        receipt.verify(drop["vkey"], hashlib.sha256(env).digest())
    rec = receipt.to_json()
    store.record_reply(rid, text, rec)
    return rec
