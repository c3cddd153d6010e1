"""The desk's local store: keys and reports encrypted at rest, in SQLite and a blob folder.

Why encrypted columns and blobs rather than SQLCipher: SQLCipher needs a system library or a
wheel that is not on every machine; per-item AEAD needs only libsodium, keeps each item bound
to its row (the row id is the associated data, so rows cannot be swapped) and lets big
attachments stream through a chunked AEAD instead of living inside the database.

Keys: ``desk.json`` holds the Argon2id salt (libsodium ``crypto_pwhash``, 64 MiB, RFC 9106)
and the handler's :class:`~tysha.protocol.Identity` sealed with XChaCha20-Poly1305 under the
passphrase-derived key. From the identity's seed a separate *data key* is derived with keyed
BLAKE2b (RFC 7693); every row and blob is sealed under it. Without the passphrase nothing in
the desk folder is readable: not report text, not attachment bytes, not source names.

What is stored in clear: row ids (random), the hour a report arrived, opaque blob names.

The API the CLI and the web desk build on (all results are plain dataclasses or dicts)::

    init_desk(dir, name, passphrase, role="handler"|"escrow"|"analyst", escrow_key=None)
    store = DeskStore.open(dir, passphrase)        # ConfigError("wrong desk passphrase")
    store.name, store.role, store.public, store.identity, store.escrow_key
    store.list_reports(category=, status=, since=, until=, search=) -> [Report]  (newest first)
    store.get_report(id) -> Report          # Report.id, .received_at, .data (and r["text"] …)
    store.read_blob(blob, size) -> iterator of decrypted chunks; store.blob_bytes(blob, size)
    store.set_status(id, status, reviewer)  # STATUSES: new → reviewing → verified → escalated
    store.add_qualification(id, code, confidence, reviewer)   # codes: evidence.taxonomy
    store.add_note(id, text, author)        # annotations, encrypted with the report
    store.list_sources() -> [Source]; store.find_source(ref); store.revoke(ref)
    store.set_real_name(source_id, name)    # the protected field; never exported
    store.list_invitations(); store.create_invitation(drop_url, drop_vkey) -> Invitation
    store.fetch() -> FetchResult;  store.reply(id, text) -> receipt dict (sent via the drop)
    store.drops(); store.custody_events(report=None) -> [event dict]
    store.get_setting(k) / set_setting(k, v)  # encrypted key/value (e.g. the TOTP secret)

A report's ``data`` holds: categories, text, when, where, created_at, received_at,
attachments [{name, sha256, size, media_type, blob, capture_verified, claims, attestation}],
capture_verified, receipt_verified, log_consistent, trusted, revoked, source, source_id,
status, qualifications, notes, replies, problems, drop, index, envelope_digest, checkpoint.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nacl.pwhash
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_generichash_blake2b_salt_personal,
)
from nacl.exceptions import CryptoError

from tysha.errors import (
    BadInput,
    BadPassphrase,
    NotAllowed,
    NotFound,
    StorageError,
    VerificationError,
)
from tysha.protocol import Identity, PublicIdentity
from tysha.protocol.stream import CHUNK_SIZE, TAG_SIZE, StreamOpener, StreamSealer

__all__ = ["STATUSES", "DeskStore", "Report", "Source", "init_desk", "now_iso"]

STATUSES = ("new", "reviewing", "verified", "escalated")
KDF_MEM = 64 * 1024 * 1024
KDF_OPS = 2
_PERSON = b"tysha-desk-v1\x00\x00\x00"

_ADJ = (
    "Amber",
    "Birch",
    "Cedar",
    "Dawn",
    "Elm",
    "Fern",
    "Grey",
    "Hazel",
    "Ivy",
    "Juniper",
    "Linden",
    "Maple",
    "North",
    "Oak",
    "Pine",
    "Quiet",
    "River",
    "Sage",
    "Willow",
    "Yarrow",
)
_NOUN = (
    "Fox",
    "Heron",
    "Lark",
    "Owl",
    "Hare",
    "Wren",
    "Stork",
    "Crane",
    "Finch",
    "Swift",
    "Robin",
    "Otter",
    "Lynx",
    "Badger",
    "Falcon",
    "Marten",
    "Swallow",
    "Kestrel",
    "Deer",
    "Bee",
)


def _kdf(key: bytes, label: bytes) -> bytes:
    return bytes(
        crypto_generichash_blake2b_salt_personal(label, digest_size=32, key=key, person=_PERSON)
    )


def _seal(key: bytes, aad: bytes, pt: bytes) -> bytes:
    nonce = os.urandom(24)
    return nonce + bytes(crypto_aead_xchacha20poly1305_ietf_encrypt(pt, aad, nonce, key))


def _open(key: bytes, aad: bytes, blob: bytes) -> bytes:
    try:
        return bytes(crypto_aead_xchacha20poly1305_ietf_decrypt(blob[24:], aad, blob[:24], key))
    except CryptoError:
        raise VerificationError(
            "a stored item does not decrypt: wrong key or corrupted desk"
        ) from None


def _hour(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(t))


def _second(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def now_iso() -> str:
    """Now, UTC, to the second, with its zone (every time the desk stores looks like this)."""
    return _second(time.time())


def init_desk(
    desk_dir: Path, name: str, passphrase: str, role: str = "handler", escrow_key: str | None = None
) -> Identity:
    """Create a desk: keys sealed under ``passphrase`` and an empty store."""
    desk_dir = Path(desk_dir)
    if (desk_dir / "desk.json").exists():
        raise NotAllowed(f"{desk_dir} already holds a desk")
    if not name.strip():
        raise BadInput("give the desk a name")
    if not passphrase or len(passphrase) < 8:
        raise BadInput("choose a desk passphrase of at least 8 characters")
    if escrow_key:
        PublicIdentity.from_text(escrow_key)
    desk_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(desk_dir, 0o700)
    ident = Identity.generate(os.urandom)
    salt = os.urandom(16)
    master = bytes(
        nacl.pwhash.argon2id.kdf(32, passphrase.encode(), salt, opslimit=KDF_OPS, memlimit=KDF_MEM)
    )
    doc = {
        "version": 1,
        "name": name,
        "role": role,
        "public_key": ident.public().to_text(),
        "escrow_key": escrow_key,
        "salt": base64.b64encode(salt).decode(),
        "identity": base64.b64encode(
            _seal(master, b"tysha-desk-identity", ident.to_bytes())
        ).decode(),
    }
    path = desk_dir / "desk.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f, indent=1)
    store = DeskStore.open(desk_dir, passphrase)
    store.custody("desk-created", None, {"name": name, "role": role})
    store.close()
    return ident


def _source_order(s: Source) -> tuple[int, str]:
    head = s.pseudonym.split(" · ")[0].split()
    return (int(head[-1]) if head and head[-1].isdigit() else 1 << 30, s.id)


@dataclass
class Source:
    id: str
    pseudonym: str
    enrolled_at: str
    revoked: bool
    public: PublicIdentity
    real_name: str = ""


@dataclass
class Report:
    id: str
    received_at: str
    data: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


class DeskStore:
    """An unlocked desk. Open with :meth:`open`; every method is safe to call from threads."""

    def __init__(self, desk_dir: Path, meta: dict[str, Any], identity: Identity) -> None:
        self.dir = Path(desk_dir)
        self.meta = meta
        self.identity = identity
        self.public = identity.public()
        self._key = _kdf(identity.sign_seed + identity.clue_secret, b"data")
        self._local = threading.local()
        self._lock = threading.RLock()
        self.blob_dir = self.dir / "blobs"
        self.blob_dir.mkdir(exist_ok=True)
        with self._db() as db:
            db.executescript(
                """
                CREATE TABLE IF NOT EXISTS reports
                    (id TEXT PRIMARY KEY, received TEXT, digest BLOB UNIQUE, enc BLOB);
                CREATE TABLE IF NOT EXISTS sources
                    (id TEXT PRIMARY KEY, sign BLOB UNIQUE, enc BLOB);
                CREATE TABLE IF NOT EXISTS invitations
                    (id TEXT PRIMARY KEY, secret_hash BLOB UNIQUE, enc BLOB);
                CREATE TABLE IF NOT EXISTS drops (url_hash BLOB PRIMARY KEY, enc BLOB);
                CREATE TABLE IF NOT EXISTS custody (seq INTEGER PRIMARY KEY, enc BLOB);
                CREATE TABLE IF NOT EXISTS settings (k TEXT PRIMARY KEY, enc BLOB);
                CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, enc BLOB);
                CREATE TABLE IF NOT EXISTS quarantine (id TEXT PRIMARY KEY, enc BLOB);
                """
            )

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, desk_dir: Path, passphrase: str) -> DeskStore:
        desk_dir = Path(desk_dir)
        try:
            meta = json.loads((desk_dir / "desk.json").read_text())
        except FileNotFoundError:
            raise NotFound(f"{desk_dir} is not a desk; run `tysha desk init` first") from None
        except (OSError, ValueError):
            raise StorageError("cannot read the desk's key file (desk.json)") from None
        salt = base64.b64decode(meta["salt"])
        master = bytes(
            nacl.pwhash.argon2id.kdf(
                32, passphrase.encode(), salt, opslimit=KDF_OPS, memlimit=KDF_MEM
            )
        )
        try:
            raw = _open(master, b"tysha-desk-identity", base64.b64decode(meta["identity"]))
        except VerificationError:
            raise BadPassphrase("wrong desk passphrase") from None
        return cls(desk_dir, meta, Identity.from_bytes(raw))

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.dir / "desk.db", timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        try:
            with self._lock, conn:
                yield conn
        except sqlite3.Error as exc:
            raise StorageError(f"desk database error: {type(exc).__name__}") from exc

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @property
    def name(self) -> str:
        return str(self.meta.get("name", ""))

    @property
    def role(self) -> str:
        return str(self.meta.get("role", "handler"))

    @property
    def escrow_key(self) -> PublicIdentity | None:
        k = self.meta.get("escrow_key")
        return PublicIdentity.from_text(k) if k else None

    # --- sealed JSON rows ------------------------------------------------------------------------

    def _enc(self, table: str, rid: str, obj: Any) -> bytes:
        return _seal(
            self._key, f"{table}:{rid}".encode(), json.dumps(obj, ensure_ascii=False).encode()
        )

    def _dec(self, table: str, rid: str, blob: bytes) -> Any:
        return json.loads(_open(self._key, f"{table}:{rid}".encode(), bytes(blob)))

    # --- settings --------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._db() as db:
            row = db.execute("SELECT enc FROM settings WHERE k = ?", (key,)).fetchone()
        return default if row is None else self._dec("settings", key, row[0])

    def set_setting(self, key: str, value: Any) -> None:
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO settings (k, enc) VALUES (?, ?)",
                (key, self._enc("settings", key, value)),
            )

    # --- drops -----------------------------------------------------------------------------------

    def drops(self) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT url_hash, enc FROM drops").fetchall()
        return [self._dec("drops", bytes(h).hex(), e) for h, e in rows]

    def save_drop(self, drop: dict[str, Any]) -> None:
        h = hashlib.sha256(drop["url"].encode()).digest()
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO drops (url_hash, enc) VALUES (?, ?)",
                (h, self._enc("drops", h.hex(), drop)),
            )

    def add_drop(self, url: str, vkey: str) -> None:
        """Know a drop without making an invitation (the escrow desk's way in)."""
        if self.drop(url) is None:
            self.save_drop(
                {
                    "url": url,
                    "vkey": vkey,
                    "cursor": -1,
                    "cp_size": 0,
                    "cp_root": "",
                    "forked": False,
                }
            )

    def drop(self, url: str) -> dict[str, Any] | None:
        for d in self.drops():
            if d["url"] == url:
                return d
        return None

    # --- invitations -----------------------------------------------------------------------------

    def add_invitation(self, secret: bytes, drop_url: str, drop_vkey: str, text: str) -> str:
        iid = os.urandom(8).hex()
        rec = {
            "id": iid,
            "created_at": now_iso(),
            "drop": drop_url,
            "vkey": drop_vkey,
            "text": text,
            "used": False,
        }
        with self._db() as db:
            db.execute(
                "INSERT INTO invitations (id, secret_hash, enc) VALUES (?, ?, ?)",
                (iid, hashlib.sha256(secret).digest(), self._enc("invitations", iid, rec)),
            )
        if self.drop(drop_url) is None:
            self.save_drop(
                {
                    "url": drop_url,
                    "vkey": drop_vkey,
                    "cursor": -1,
                    "cp_size": 0,
                    "cp_root": "",
                    "forked": False,
                }
            )
        self.custody("invitation-created", None, {"invitation": iid})
        return iid

    def invitation_for_secret(self, secret: bytes) -> dict[str, Any] | None:
        with self._db() as db:
            row = db.execute(
                "SELECT id, enc FROM invitations WHERE secret_hash = ?",
                (hashlib.sha256(secret).digest(),),
            ).fetchone()
        return None if row is None else self._dec("invitations", row[0], row[1])

    def _update_invitation(self, iid: str, **changes: Any) -> None:
        with self._db() as db:
            row = db.execute("SELECT enc FROM invitations WHERE id = ?", (iid,)).fetchone()
            if row is None:
                raise NotFound(f"no invitation {iid!r}")
            d = self._dec("invitations", iid, row[0])
            d.update(changes)
            db.execute(
                "UPDATE invitations SET enc = ? WHERE id = ?",
                (self._enc("invitations", iid, d), iid),
            )

    def list_invitations(self) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT id, enc FROM invitations").fetchall()
        return sorted(
            (self._dec("invitations", i, e) for i, e in rows), key=lambda r: r["created_at"]
        )

    # --- sources ---------------------------------------------------------------------------------

    def source_for(self, public: PublicIdentity, enrolment: bytes | None) -> Source | None:
        """The source with this key; a new pseudonym if its enrolment secret is ours."""
        with self._db() as db:
            row = db.execute(
                "SELECT id, enc FROM sources WHERE sign = ?", (public.sign,)
            ).fetchone()
        if row is not None:
            return self._source(row[0], row[1])
        inv = self.invitation_for_secret(enrolment) if enrolment else None
        if inv is not None and inv.get("source"):
            # One-time: the invitation already enrolled another key. A second key presenting
            # it (a leaked or photographed code) is not a source of this cell.
            self.custody("invitation-reused", None, {"invitation": inv["id"]})
            return None
        if inv is None and self.role != "escrow":
            return None  # not enrolled here: a handler trusts only its own cell
        # The escrow desk holds the organisation's key and enrols no one: every sender
        # whose reports it can open gets a pseudonym of its own.
        with self._db() as db:
            n = db.execute("SELECT COUNT(*) FROM sources").fetchone()[0] + 1
            sid = os.urandom(8).hex()
            pseud = f"Source {n} · {_ADJ[public.sign[0] % 20]} {_NOUN[public.sign[1] % 20]}"
            rec = {
                "pseudonym": pseud,
                "enrolled_at": now_iso(),
                "revoked": False,
                "public": public.to_text(),
                "invitation": inv["id"] if inv else None,
                "real_name": "",
            }
            db.execute(
                "INSERT INTO sources (id, sign, enc) VALUES (?, ?, ?)",
                (sid, public.sign, self._enc("sources", sid, rec)),
            )
        if inv is not None:
            self._update_invitation(inv["id"], used=True, source=sid)
        self.custody("source-enrolled", None, {"source": sid})
        return self.get_source(sid)

    def _source(self, sid: str, enc: bytes) -> Source:
        d = self._dec("sources", sid, enc)
        return Source(
            sid,
            d["pseudonym"],
            d["enrolled_at"],
            bool(d["revoked"]),
            PublicIdentity.from_text(d["public"]),
            d.get("real_name", ""),
        )

    def get_source(self, sid: str) -> Source:
        with self._db() as db:
            row = db.execute("SELECT enc FROM sources WHERE id = ?", (sid,)).fetchone()
        if row is None:
            raise NotFound(f"no source {sid!r}")
        return self._source(sid, row[0])

    def list_sources(self) -> list[Source]:
        with self._db() as db:
            rows = db.execute("SELECT id, enc FROM sources").fetchall()
        return sorted((self._source(i, e) for i, e in rows), key=_source_order)

    def _update_source(self, sid: str, **changes: Any) -> None:
        with self._db() as db:
            row = db.execute("SELECT enc FROM sources WHERE id = ?", (sid,)).fetchone()
            if row is None:
                raise NotFound(f"no source {sid!r}")
            d = self._dec("sources", sid, row[0])
            d.update(changes)
            db.execute(
                "UPDATE sources SET enc = ? WHERE id = ?", (self._enc("sources", sid, d), sid)
            )

    def find_source(self, ref: str) -> Source:
        """A source by id, full pseudonym, "Source 7" or "Amber Fox" (never a guess: a
        reference that fits two sources is refused)."""
        want = " ".join(ref.replace("·", " ").split()).lower()
        sources = self.list_sources()
        for s in sources:
            if ref in (s.id, s.pseudonym):
                return s
        hits = []
        for s in sources:
            number, _, words = s.pseudonym.partition(" · ")
            if want and want in (number.lower(), words.lower(), f"{number} {words}".lower()):
                hits.append(s)
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise BadInput(f"{ref!r} fits {len(hits)} sources; give the number or the id")
        raise NotFound(f"no source matches {ref!r}; see the sources page")

    def revoke(self, ref: str, reason: str = "") -> Source:
        """Mark a source's key compromised; the reason goes into custody (issue 10.6)."""
        s = self.find_source(ref)
        if s.revoked:
            raise NotAllowed(f"{s.pseudonym} is already revoked")
        self._update_source(s.id, revoked=True, revoked_at=now_iso(), revoke_reason=reason)
        self.custody("source-revoked", None, {"source": s.id, "reason": reason})
        return self.get_source(s.id)

    def restore(self, ref: str, reason: str = "") -> Source:
        """Undo a revocation (the key was not compromised after all), recorded in custody."""
        s = self.find_source(ref)
        if not s.revoked:
            raise NotAllowed(f"{s.pseudonym} is not revoked")
        self._update_source(s.id, revoked=False, revoked_at=None, revoke_reason="")
        self.custody("source-restored", None, {"source": s.id, "reason": reason})
        return self.get_source(s.id)

    def set_real_name(self, sid: str, name: str) -> None:
        self._update_source(sid, real_name=name)

    # --- reports ---------------------------------------------------------------------------------

    def has_digest(self, digest: bytes) -> bool:
        with self._db() as db:
            return (
                db.execute("SELECT 1 FROM reports WHERE digest = ?", (digest,)).fetchone()
                is not None
            )

    def add_report(self, digest: bytes, data: dict[str, Any]) -> str:
        rid = os.urandom(6).hex()
        data = dict(data, id=rid)
        data.setdefault("status", "new")
        data.setdefault("qualifications", [])
        data.setdefault("notes", [])
        with self._db() as db:
            db.execute(
                "INSERT INTO reports (id, received, digest, enc) VALUES (?, ?, ?, ?)",
                (rid, data["received_at"], digest, self._enc("reports", rid, data)),
            )
        return rid

    def get_report(self, rid: str) -> Report:
        with self._db() as db:
            row = db.execute("SELECT received, enc FROM reports WHERE id = ?", (rid,)).fetchone()
        if row is None:
            raise NotFound(f"no report {rid!r}")
        return Report(rid, row[0], self._dec("reports", rid, row[1]))

    def report_ids(self) -> list[str]:
        with self._db() as db:
            return [r[0] for r in db.execute("SELECT id FROM reports").fetchall()]

    def _update_report(self, rid: str, data: dict[str, Any]) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE reports SET enc = ? WHERE id = ?", (self._enc("reports", rid, data), rid)
            )

    def list_reports(
        self,
        category: str | None = None,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        search: str | None = None,
    ) -> list[Report]:
        with self._db() as db:
            rows = db.execute(
                "SELECT id, received, enc FROM reports ORDER BY received DESC, id"
            ).fetchall()
        out = []
        needle = (search or "").strip().lower()
        for rid, received, enc in rows:
            d = self._dec("reports", rid, enc)
            if category and category not in d.get("categories", []):
                continue
            if status and d.get("status") != status:
                continue
            day = (d.get("when") or d.get("received_at") or "")[:10]
            if since and day < since:
                continue
            if until and day > until:
                continue
            if (
                needle
                and needle
                not in " ".join(str(d.get(k, "")) for k in ("text", "where", "when")).lower()
            ):
                continue
            out.append(Report(rid, received, d))
        out.sort(key=lambda r: (r.data.get("received_at", r.received_at), r.id), reverse=True)
        return out

    def set_status(self, rid: str, status: str, reviewer: str) -> None:
        if status not in STATUSES:
            raise BadInput(f"status must be one of {', '.join(STATUSES)}")
        r = self.get_report(rid)
        old = r.data.get("status")
        r.data["status"] = status
        self._update_report(rid, r.data)
        self.custody("status", rid, {"from": old, "to": status, "reviewer": reviewer})

    def add_qualification(self, rid: str, code: str, confidence: str, reviewer: str) -> None:
        from tysha.evidence.taxonomy import qualification

        if qualification(code) is None:
            raise BadInput(f"unknown legal qualification {code!r}")
        if confidence not in ("low", "medium", "high"):
            raise BadInput("confidence is low, medium or high")
        r = self.get_report(rid)
        q = {
            "code": code,
            "confidence": confidence,
            "reviewer": reviewer,
            "date": now_iso()[:10],
            "at": now_iso(),
        }
        # Several qualifications per report; the same code again replaces its assessment.
        quals = [x for x in r.data.get("qualifications", []) if x.get("code") != code]
        r.data["qualifications"] = [*quals, q]
        self._update_report(rid, r.data)
        self.custody("qualified", rid, q)

    def remove_qualification(self, rid: str, code: str, reviewer: str) -> None:
        r = self.get_report(rid)
        quals = r.data.get("qualifications", [])
        keep = [x for x in quals if x.get("code") != code]
        if len(keep) == len(quals):
            raise NotFound(f"report {rid} has no qualification {code!r}")
        r.data["qualifications"] = keep
        self._update_report(rid, r.data)
        self.custody("unqualified", rid, {"code": code, "reviewer": reviewer})

    def add_note(self, rid: str, text: str, author: str) -> None:
        r = self.get_report(rid)
        r.data.setdefault("notes", []).append({"text": text, "author": author, "at": now_iso()})
        self._update_report(rid, r.data)
        self.custody("annotated", rid, {"author": author})

    # --- reply outbox (issue 10.5) ---------------------------------------------------------

    def queue_reply(self, rid: str, text: str, written_at: str, drop: str, envelope: bytes) -> str:
        """Keep a sealed reply (and its text) until the drop has logged it."""
        qid = os.urandom(8).hex()
        rec = {
            "id": qid,
            "report": rid,
            "text": text,
            "written_at": written_at,
            "drop": drop,
            "envelope": envelope.hex(),
            "attempts": 0,
            "last_error": "",
        }
        with self._db() as db:
            db.execute(
                "INSERT INTO outbox (id, enc) VALUES (?, ?)", (qid, self._enc("outbox", qid, rec))
            )
        r = self.get_report(rid)
        r.data.setdefault("replies", []).append(
            {"text": text, "at": written_at, "queued": qid, "sent_at": None, "index": None}
        )
        self._update_report(rid, r.data)
        self.custody("reply-queued", rid, {"queued": qid})
        return qid

    def outbox(self) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT id, enc FROM outbox").fetchall()
        return sorted((self._dec("outbox", i, e) for i, e in rows), key=lambda q: q["written_at"])

    def queued_reply(self, qid: str) -> dict[str, Any] | None:
        with self._db() as db:
            row = db.execute("SELECT enc FROM outbox WHERE id = ?", (qid,)).fetchone()
        return None if row is None else dict(self._dec("outbox", qid, row[0]))

    def reply_failed(self, qid: str, error: str) -> None:
        with self._db() as db:
            row = db.execute("SELECT enc FROM outbox WHERE id = ?", (qid,)).fetchone()
            if row is None:
                return
            q = self._dec("outbox", qid, row[0])
            q["attempts"] = int(q.get("attempts", 0)) + 1
            q["last_error"] = error
            db.execute("UPDATE outbox SET enc = ? WHERE id = ?", (self._enc("outbox", qid, q), qid))

    def reply_sent(self, qid: str, index: Any) -> None:
        q = self.queued_reply(qid)
        if q is None:
            return
        rid = q["report"]
        r = self.get_report(rid)
        for rep in r.data.setdefault("replies", []):
            if rep.get("queued") == qid:
                rep.update(sent_at=now_iso(), index=index)
        self._update_report(rid, r.data)
        with self._db() as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (qid,))
        self.custody("replied", rid, {"envelope_index": index})

    # --- quarantine (issue 9.1): what could not be opened, without its content ----------------

    def quarantine(self, drop: str, index: int, digest: str, reason: str) -> str:
        qid = os.urandom(8).hex()
        rec = {"id": qid, "drop": drop, "index": index, "digest": digest, "reason": reason,
               "at": now_iso()}  # fmt: skip
        with self._db() as db:
            db.execute(
                "INSERT INTO quarantine (id, enc) VALUES (?, ?)",
                (qid, self._enc("quarantine", qid, rec)),
            )
        self.custody(
            "quarantined", None, {k: rec[k] for k in ("drop", "index", "digest", "reason")}
        )
        return qid

    def quarantined(self) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT id, enc FROM quarantine").fetchall()
        return sorted((self._dec("quarantine", i, e) for i, e in rows), key=lambda q: q["at"])

    # --- attachment blobs ------------------------------------------------------------------------

    def _blob_key(self, name: str) -> bytes:
        return _kdf(self._key, b"blob:" + name.encode())

    def blob_writer(self) -> BlobWriter:
        return BlobWriter(self)

    def read_blob(self, name: str, size: int | None = None) -> Iterator[bytes]:
        """Decrypt a stored attachment chunk by chunk (``size``: the attachment's length,
        which trims the one-byte marker an empty attachment is stored with)."""
        left = size
        for piece in self._read_blob(name):
            if left is not None:
                piece = piece[:left]
                left -= len(piece)
            if piece:
                yield piece

    def _read_blob(self, name: str) -> Iterator[bytes]:
        path = self._blob_path(name)
        opener = StreamOpener(self._blob_key(name))
        size = path.stat().st_size
        done = 0
        with open(path, "rb") as f:
            while done < size:
                chunk = f.read(CHUNK_SIZE + TAG_SIZE)
                done += len(chunk)
                yield opener.open(chunk, done >= size)
        opener.finish()

    def blob_bytes(self, name: str, size: int | None = None) -> bytes:
        return b"".join(self.read_blob(name, size))

    def delete_blob(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._blob_path(name).unlink()

    def _blob_path(self, name: str) -> Path:
        if not name.isalnum() or len(name) != 32:
            raise StorageError("bad blob name")
        return self.blob_dir / name

    # --- custody log -----------------------------------------------------------------------------

    def custody(self, action: str, report: str | None, detail: dict[str, Any]) -> None:
        """Append a signed, hash-chained custody event (evidence/custody.py)."""
        from tysha.evidence.custody import CustodyEvent

        with self._db() as db:
            # Another process (the web desk while the CLI fetches) may append too: take the
            # write lock before reading the head, so two events never claim one place.
            if not db.in_transaction:
                db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT seq, enc FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
            prev = (
                bytes(32)
                if row is None
                else CustodyEvent.from_json(self._dec("custody", str(row[0]), row[1])).digest()
            )
            seq = 0 if row is None else row[0] + 1
            ev = CustodyEvent(seq, _second(time.time()), action, report, detail, prev).signed(
                self.identity
            )
            db.execute(
                "INSERT INTO custody (seq, enc) VALUES (?, ?)",
                (seq, self._enc("custody", str(seq), ev.to_json())),
            )

    def custody_events(self, report: str | None = None) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT seq, enc FROM custody ORDER BY seq").fetchall()
        evs = [self._dec("custody", str(s), e) for s, e in rows]
        return [e for e in evs if report is None or e.get("report") == report]


class BlobWriter:
    """Encrypt an attachment into the blob folder as it streams in."""

    def __init__(self, store: DeskStore) -> None:
        self.store = store
        self.name = os.urandom(16).hex()
        self._sealer = StreamSealer(store._blob_key(self.name))
        self._path = store._blob_path(self.name)
        self._f = open(self._path, "wb")  # noqa: SIM115
        self._buf = bytearray()
        self._h = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._h.update(data)
        self.size += len(data)
        self._buf += data
        while len(self._buf) > CHUNK_SIZE:
            self._f.write(self._sealer.seal(bytes(self._buf[:CHUNK_SIZE]), False))
            del self._buf[:CHUNK_SIZE]

    def close(self) -> bytes:
        # An empty attachment is stored as one chunk holding a one-byte marker.
        self._f.write(self._sealer.seal(bytes(self._buf) or b"\x00", True))
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()
        return self._h.digest()

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._f.close()
            self._path.unlink()


def blobs_for(store: DeskStore, names: Iterable[str]) -> list[Path]:
    return [store._blob_path(n) for n in names]
