"""The source library: enrol, capture and seal reports, send them late, read replies.

A front end (this CLI, later a phone app) drives a :class:`SourceDevice`; everything the source
has lives in one :class:`~tysha.source.vault.Vault` compartment. Time and randomness come from
the caller (``clock``, ``rand``) so tests can fix them.
"""

from __future__ import annotations

import hashlib
import math
import mimetypes
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tysha.errors import ConfigError, ProtocolError, TyshaError, VerificationError
from tysha.protocol import (
    Attachment,
    CaptureAttestation,
    ContentSplitter,
    EnvelopeSealer,
    Identity,
    Invitation,
    Manifest,
    Receipt,
    Scanner,
    frame_content,
    open_envelope,
    parse_header,
)
from tysha.source.vault import Compartment, Vault
from tysha.tlog import Checkpoint, NoteVerifier, open_checkpoint, verify_consistency

__all__ = ["CATEGORIES", "SendResult", "SourceDevice", "capture_claims"]

CATEGORIES = (
    "dep",
    "chd",
    "mob",
    "det",
    "tor",
    "fil",
    "sxv",
    "kil",
    "atk",
    "pil",
    "shd",
    "per",
    "other",
)
DEFAULT_MEAN_DELAY = 6 * 3600.0


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def capture_claims(path: Path, data: bytes, clock: Callable[[], float]) -> dict[str, Any]:
    """What the device can say about a file at capture: hash, size, type, times, position."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    claims: dict[str, Any] = {
        "sha256": hashlib.sha256(data).digest(),
        "size": len(data),
        "media_type": media_type,
        "name": path.name,
        "device_time": _iso(clock()),
    }
    claims.update(_exif_claims(path))
    return claims


def _exif_claims(path: Path) -> dict[str, Any]:
    """EXIF DateTimeOriginal and GPS position (micro-degrees), read defensively."""
    out: dict[str, Any] = {}
    try:
        import warnings

        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                exif = im.getexif()
        sub = exif.get_ifd(0x8769)
        dto = sub.get(36867) or exif.get(306)
        if isinstance(dto, str) and dto.strip():
            out["exif_time"] = dto.strip()
        gps = exif.get_ifd(0x8825)
        if gps and 2 in gps and 4 in gps:

            def deg(v: Any, ref: Any, neg: str) -> int:
                d, m, s = (float(x) for x in v)
                val = d + m / 60 + s / 3600
                return int(round((-val if ref == neg else val) * 1_000_000))

            out["exif_gps"] = [deg(gps[2], gps.get(1), "S"), deg(gps[4], gps.get(3), "W")]
    except Exception:  # not an image, or broken EXIF: no claims, never a failure
        return {}
    return out


@dataclass
class SendResult:
    sent: int
    waiting: int
    receipts: list[Receipt]


class SourceDevice:
    """One unlocked vault compartment."""

    def __init__(
        self,
        vault: Vault,
        comp: Compartment,
        clock: Callable[[], float] = time.time,
        rand: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.vault = vault
        self.comp = comp
        self.clock = clock
        self.rand = rand

    @classmethod
    def open(cls, path: Path, passphrase: str, **kw: Any) -> SourceDevice:
        vault = Vault(path)
        return cls(vault, vault.unlock(passphrase), **kw)

    @property
    def state(self) -> dict[str, Any]:
        return self.comp.state

    def save(self) -> None:
        self.vault.save(self.comp)

    # --- enrolment -------------------------------------------------------------------------

    def identity(self) -> Identity:
        raw = self.state.get("identity")
        if not isinstance(raw, bytes):
            raise ConfigError("this vault is not enrolled; run `tysha source enroll` first")
        return Identity.from_bytes(raw)

    def invitation(self) -> Invitation:
        raw = self.state.get("invitation")
        if not isinstance(raw, bytes):
            raise ConfigError("this vault is not enrolled; run `tysha source enroll` first")
        return Invitation.from_bytes(raw, legacy_ok=True)

    def enroll(self, code: str) -> Invitation:
        inv = Invitation.from_text(code)
        NoteVerifier.from_vkey(inv.drop_vkey)  # refuse a malformed drop key now
        if "identity" not in self.state:
            self.state["identity"] = Identity.generate(self.rand).to_bytes()
        self.state["invitation"] = inv.to_bytes()
        self.state.setdefault("outbox", [])
        self.state.setdefault("receipts", [])
        self.state.setdefault("replies", [])
        self.state["cursor"] = -1
        self.state.pop("checkpoint", None)
        self.save()
        return inv

    # --- reports -----------------------------------------------------------------------------

    def report(
        self,
        categories: list[str],
        text: str,
        when: str | None = None,
        where: str | None = None,
        attachments: list[Path] = (),  # type: ignore[assignment]
        mean_delay: float = DEFAULT_MEAN_DELAY,
    ) -> str:
        """Seal a report into the outbox; return its outbox id."""
        cats = [c.lower() for c in categories]
        bad = [c for c in cats if c not in CATEGORIES]
        if bad or not cats:
            raise ConfigError(
                f"unknown category {bad[0] if bad else '(none)'}; "
                f"use one of: {', '.join(CATEGORIES)}"
            )
        if not text.strip():
            raise ConfigError("a report needs some text")
        ident = self.identity()
        inv = self.invitation()
        atts = []
        blobs = []
        for p in attachments:
            path = Path(p)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ConfigError(
                    f"cannot read the attachment {path.name}: {exc.strerror}"
                ) from None
            claims = capture_claims(path, data, self.clock)
            att = CaptureAttestation.create(ident, claims)
            atts.append(
                Attachment(path.name, claims["media_type"], len(data), claims["sha256"], att)
            )
            blobs.append(data)
        now = self.clock()
        body = {
            "categories": cats,
            "text": text,
            "when": when or "",
            "where": where or "",
            "created_at": _iso(now),
        }
        manifest = Manifest("report", ident.public(), body, tuple(atts), inv.secret).signed(ident)
        prefix = frame_content(manifest.to_bytes())
        total = len(prefix) + sum(len(b) for b in blobs)
        sealer = EnvelopeSealer(inv.recipients(), total, self.rand)
        env = sealer.header + b"".join(sealer.body([prefix, *blobs]))
        return self._enqueue(env, now, mean_delay)

    def _enqueue(self, env: bytes, now: float, mean_delay: float) -> str:
        header = parse_header(env)
        u = int.from_bytes(self.rand(7), "big") / float(1 << 56)
        delay = -mean_delay * math.log(1.0 - u) if mean_delay > 0 else 0.0
        item = {
            "id": self.rand(6).hex(),
            "env": env,
            "created": int(now) // 3600 * 3600,
            "due": int(now + delay),
            "bucket": header.length,
        }
        self.state.setdefault("outbox", []).append(item)
        self.save()
        return str(item["id"])

    def outbox(self) -> list[dict[str, Any]]:
        return [
            {"id": i["id"], "size_bucket": i["bucket"], "created_at": _iso(i["created"])}
            for i in self.state.get("outbox", [])
        ]

    def due(self, now: bool = False) -> list[dict[str, Any]]:
        t = self.clock()
        items = [i for i in self.state.get("outbox", []) if now or i["due"] <= t]
        # Random order: the drop must not learn the order of capture.
        keyed = sorted((self.rand(8), n) for n in range(len(items)))
        return [items[n] for _, n in keyed]

    # --- receipts and the log ----------------------------------------------------------------

    def check_receipt(
        self, receipt: Receipt, digest: bytes, consistency: Callable[[int, int], list[bytes]] | None
    ) -> Checkpoint:
        """Verify a receipt against the pinned drop key and the last checkpoint seen."""
        inv = self.invitation()
        cp: Checkpoint = receipt.verify(inv.drop_vkey, digest)
        self.observe_checkpoint(cp, consistency)
        return cp

    def observe_checkpoint(
        self, cp: Checkpoint, consistency: Callable[[int, int], list[bytes]] | None
    ) -> None:
        last = self.state.get("checkpoint")
        if isinstance(last, dict):
            old_size, old_root = int(last["size"]), bytes(last["root"])
            if consistency is None:
                raise VerificationError("cannot check the drop's log against the last checkpoint")
            try:
                if old_size <= cp.size:
                    verify_consistency(
                        old_size, cp.size, old_root, cp.root_hash, consistency(old_size, cp.size)
                    )
                else:
                    verify_consistency(
                        cp.size, old_size, cp.root_hash, old_root, consistency(cp.size, old_size)
                    )
            except VerificationError as exc:
                raise VerificationError(
                    "THE DROP SHOWS A DIFFERENT HISTORY than before (a forked log): "
                    f"{exc.message}. Stop sending to it and tell your handler in person."
                ) from None
        if not isinstance(last, dict) or cp.size >= int(last["size"]):
            self.state["checkpoint"] = {"size": cp.size, "root": cp.root_hash}

    # --- sending -----------------------------------------------------------------------------

    def send(
        self, client: Any, now: bool = False, progress: Callable[[int, int], None] | None = None
    ) -> SendResult:
        """Upload due envelopes; keep only the verified receipt of each."""
        items = self.due(now)
        receipts = []
        for item in items:
            env = bytes(item["env"])
            digest = hashlib.sha256(env).digest()
            receipt = client.upload(env, progress=progress)
            self.check_receipt(receipt, digest, client.consistency_proof)
            self.state["outbox"] = [i for i in self.state["outbox"] if i["id"] != item["id"]]
            self.state.setdefault("receipts", []).append(receipt.to_bytes())
            self.save()
            receipts.append(receipt)
        return SendResult(len(receipts), len(self.state.get("outbox", [])), receipts)

    # --- replies -----------------------------------------------------------------------------

    def fetch_replies(self, client: Any) -> list[dict[str, Any]]:
        """Scan the clue listing after our cursor; open, verify and keep our replies."""
        ident = self.identity()
        inv = self.invitation()
        scanner = Scanner(ident.clue_secret, ident.public().clue)
        cursor = int(self.state.get("cursor", -1))
        new = []
        while True:
            records, next_cursor, _size = client.clues(cursor, 1000)
            for rec, _slot in scanner.scan(records):
                try:
                    reply = self._open_reply(client.fetch_bytes(rec.index), ident, inv)
                except TyshaError:
                    continue  # not a valid reply from our handler: ignore it
                reply["id"] = f"{rec.index}"
                new.append(reply)
                self.state.setdefault("replies", []).append(reply)
                secret = reply.pop("_del")
                try:
                    client.delete(rec.index, secret)
                except TyshaError:
                    pass
            if next_cursor == cursor:
                break
            cursor = next_cursor
        self.state["cursor"] = cursor
        self.save()
        return new

    def _open_reply(self, data: bytes, ident: Identity, inv: Invitation) -> dict[str, Any]:
        opened = open_envelope(data, ident)
        splitter = ContentSplitter()
        list(splitter.feed(opened.content))
        splitter.finish()
        m = splitter.manifest
        assert m is not None
        if m.kind != "reply":
            raise ProtocolError("not a reply")
        if m.sender.sign != inv.handler.sign:
            raise VerificationError("a reply not signed by the pinned handler key")
        return {
            "text": str(m.body.get("text", "")),
            "received_at": _iso(self.clock()),
            "_del": opened.key.deletion_secret,
        }

    def replies(self) -> list[dict[str, Any]]:
        return [
            {"id": r["id"], "text": r["text"], "received_at": r["received_at"]}
            for r in self.state.get("replies", [])
        ]

    # --- courier -----------------------------------------------------------------------------

    def last_checkpoint_size(self) -> int:
        last = self.state.get("checkpoint")
        return int(last["size"]) if isinstance(last, dict) else 0

    def apply_courier_receipts(
        self, receipts: list[Receipt], consistency: list[bytes] | None, new_checkpoint: str
    ) -> int:
        """Verify receipts a courier brought back and drop their envelopes from the outbox."""
        inv = self.invitation()
        cp = open_checkpoint(new_checkpoint, NoteVerifier.from_vkey(inv.drop_vkey))
        proof = list(consistency or [])
        self.observe_checkpoint(cp, lambda old, new: proof)
        by_digest = {
            hashlib.sha256(bytes(i["env"])).digest(): i for i in self.state.get("outbox", [])
        }
        applied = 0
        for r in receipts:
            item = by_digest.get(r.envelope_digest)
            if item is None:
                continue
            got = r.verify(inv.drop_vkey, r.envelope_digest)
            if got.size != cp.size or got.root_hash != cp.root_hash:
                raise VerificationError("a courier receipt refers to another checkpoint")
            self.state["outbox"] = [i for i in self.state["outbox"] if i["id"] != item["id"]]
            self.state.setdefault("receipts", []).append(r.to_bytes())
            applied += 1
        self.save()
        return applied
