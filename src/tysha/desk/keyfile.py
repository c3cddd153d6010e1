"""The desk's key file, ``desk.json``: the handler's identity sealed under the passphrase.

The passphrase goes through Argon2id (libsodium ``crypto_pwhash``, RFC 9106) with a random
16-byte salt, 64 MiB and 2 passes (:func:`tysha.protocol.atrest.passphrase_key`); the 32-byte
result seals the identity's bytes with :func:`tysha.desk.atrest.seal` under the associated
data ``"tysha-desk-identity"``. Name, role, public key and the escrow key are in clear:
``tysha desk info`` reads them without the passphrase. The file is created 0600 in a 0700
folder, whole and synced to disk, and never overwritten.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tysha.desk.atrest import open_sealed, seal
from tysha.errors import (
    BadInput,
    BadPassphrase,
    ConfigError,
    NotAllowed,
    NotFound,
    ProtocolError,
    StorageError,
    VerificationError,
)
from tysha.protocol import Identity, PublicIdentity
from tysha.protocol.atrest import passphrase_key
from tysha.store.partfiles import write_new

__all__ = [
    "KeyFile",
    "make_desk_folder",
    "new_keyfile",
    "read_keyfile",
    "write_keyfile",
]

_AAD = b"tysha-desk-identity"
ROLES = ("handler", "escrow", "analyst")


@dataclass(frozen=True)
class KeyFile:
    """What ``desk.json`` says, before unlocking."""

    name: str
    role: str
    public_key: str
    escrow_key: str | None
    salt: bytes
    sealed_identity: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "version": KEYFILE_VERSION,
            "name": self.name,
            "role": self.role,
            "public_key": self.public_key,
            "escrow_key": self.escrow_key,
            "salt": base64.b64encode(self.salt).decode(),
            "identity": base64.b64encode(self.sealed_identity).decode(),
        }

    @property
    def public(self) -> PublicIdentity:
        return PublicIdentity.from_text(self.public_key)

    def unlock(self, passphrase: str) -> Identity:
        master = _kdf(passphrase, self.salt)
        try:
            raw = open_sealed(master, _AAD, self.sealed_identity)
        except VerificationError:
            raise BadPassphrase("wrong desk passphrase") from None
        return Identity.from_bytes(raw)


def _kdf(passphrase: str, salt: bytes) -> bytes:
    return passphrase_key(passphrase, salt)


#: The key file format this code reads and writes ("version" in desk.json).
KEYFILE_VERSION = 1
_RESTORE = "restore desk.json from your backup"


def read_keyfile(desk_dir: Path) -> KeyFile:
    path = Path(desk_dir) / "desk.json"
    try:
        raw = path.read_bytes()  # not text: a file of bytes that are not UTF-8 is damaged too
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound(f"{desk_dir} is not a desk; run `tysha desk init` first") from None
    except OSError:
        raise StorageError("cannot read the desk's key file (desk.json)") from None
    damaged = StorageError("the desk's key file (desk.json) is damaged", hint=_RESTORE)
    try:
        doc = json.loads(raw)
    except ValueError:  # cut short, bytes changed: not a wrong passphrase, nor a disk to check
        raise damaged from None
    if not isinstance(doc, dict):
        raise damaged
    version = doc.get("version", KEYFILE_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise damaged
    if version > KEYFILE_VERSION:  # a later format: never unlocked as this one's
        raise StorageError(
            "this desk was written by a newer Tysha; upgrade first",
            hint="open it with the Tysha that wrote it, or a later one",
        )
    try:
        kf = KeyFile(
            name=str(doc["name"]),
            role=str(doc.get("role", "handler")),
            public_key=str(doc["public_key"]),
            escrow_key=doc.get("escrow_key") or None,
            salt=base64.b64decode(doc["salt"], validate=True),
            sealed_identity=base64.b64decode(doc["identity"], validate=True),
        )
        kf.public  # noqa: B018 - parse it now: a damaged file fails here, in one clear line
    except (KeyError, TypeError, ValueError, ProtocolError):
        raise damaged from None
    return kf


def new_keyfile(
    name: str,
    passphrase: str,
    role: str = "handler",
    escrow_key: str | None = None,
    rand: Any = os.urandom,
) -> tuple[KeyFile, Identity]:
    """A new identity and the key file that seals it (checked; nothing written yet)."""
    if role not in ROLES:
        raise BadInput("a desk is a handler, escrow or analyst desk")
    if not name.strip():
        raise BadInput("give the desk a name")
    if not passphrase or len(passphrase) < 8:
        raise BadInput(
            "choose a desk passphrase of at least 8 characters",
            hint="nothing was changed; run the command again",
        )
    if escrow_key:
        try:
            PublicIdentity.from_text(escrow_key)
        except ProtocolError:
            raise BadInput("--escrow-key is not a desk's public key") from None
    ident = Identity.generate(rand)
    salt = rand(16)
    kf = KeyFile(
        name,
        role,
        ident.public().to_text(),
        escrow_key,
        salt,
        seal(_kdf(passphrase, salt), _AAD, ident.to_bytes(), rand),
    )
    return kf, ident


def write_keyfile(desk_dir: Path, kf: KeyFile) -> None:
    """Write ``desk.json`` whole and durably, never over a file there: the identity in it is
    the desk's only copy of its keys, so it is on disk (bytes and name) before anything is
    made with it, and a write stopped midway leaves no key file (store.partfiles)."""
    path = Path(desk_dir) / "desk.json"
    if path.exists() or path.is_symlink():
        raise NotAllowed(
            f"{desk_dir} already holds a desk",
            hint="nothing was changed; use that desk with --desk, or choose another folder for "
            "a new desk",
        )
    try:
        write_new(path, json.dumps(kf.to_json(), indent=1).encode())
    except ConfigError:  # another init took the name first
        raise NotAllowed(
            f"{desk_dir} already holds a desk",
            hint="nothing was changed; use that desk with --desk, or choose another folder for "
            "a new desk",
        ) from None


def make_desk_folder(desk_dir: Path) -> None:
    """The desk folder, 0700 (made if it is not there)."""
    try:
        desk_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(desk_dir, 0o700)
    except OSError:
        raise StorageError(f"cannot create the desk folder {desk_dir.name}") from None
