"""A browser source's identity, derived from a codename the reporter remembers (issue 11).

A phone keeps nothing, so the reporter's keys come from words they can memorise or write down;
the same codename on any device gives the same pseudonym (reads replies, sends more reports).

    norm   = words of NFKC(codename), lower-cased, "ё" as "е", joined by one space
    master = Argon2id(norm, salt = SHA-256("tysha/v1 codename")[:16],
                      t = 2 passes, m = 19 MiB, p = 1, 32 bytes)            (RFC 9106)
    sub(L) = HKDF-Expand-SHA256(master, "tysha/v1 codename " || L, 32)      (RFC 5869 §2.3)
    sign   = sub("sign")                      Ed25519 seed (RFC 8032)
    kem    = X-Wing DeriveKeyPair(sub("kem")) i.e. seed = SHAKE256(ikm, 32) (kem.XWing)
    clue   = sub("clue")                      X25519 scalar (RFC 7748)

The salt is fixed because nothing may be stored on the phone: the codename itself carries
the entropy: the page draws words until they carry at least 80 bits, 7 from the 7718-word
EFF list (en, crh: 90 bits) or 8 from the page's Ukrainian and Russian lists of about 1100
everyday nouns (81 bits), out of reach of any guessing whatever the KDF's cost. Argon2id adds
cost per guess for a codename a person chose themselves; its parameters are the OWASP
minimum (19 MiB, 2 passes) rather than the vault's 64 MiB because the page runs it in
JavaScript, without a JIT in Tor Browser's "Safer" mode: there 64 MiB took 53 s in headless
Chromium with ``--jitless`` on a server core, and a cheap phone may not grant a tab 64 MiB.
The same function is in the page
(``source_page/static/tysha-core.js``, ``identityFromCodename``); ``tests/vectors/js``
holds vectors both must reproduce. Pure: no randomness, no clock.
"""

from __future__ import annotations

import hashlib
import unicodedata

from tysha.errors import ProtocolError
from tysha.protocol.kem import KEM_XWING, hkdf_expand, kem_for
from tysha.protocol.keys import Identity

__all__ = ["CODENAME_MEM", "CODENAME_OPS", "identity_from_codename", "normalize_codename"]

CODENAME_OPS = 2
CODENAME_MEM = 19 * 1024 * 1024
_SALT = hashlib.sha256(b"tysha/v1 codename").digest()[:16]


def normalize_codename(codename: str) -> str:
    """The form that is hashed: NFKC, lower case, words separated by one space."""
    if not isinstance(codename, str):
        raise ProtocolError("a codename is text")
    # "ё" is written "е" by most people: both give the same keys.
    return " ".join(unicodedata.normalize("NFKC", codename).lower().replace("ё", "е").split())


def identity_from_codename(
    codename: str, ops: int = CODENAME_OPS, mem: int = CODENAME_MEM
) -> Identity:
    """The reporter's identity for ``codename`` (see the module docstring)."""
    from nacl.pwhash import argon2id

    norm = normalize_codename(codename)
    if not norm:
        raise ProtocolError("the codename is empty")
    if len(norm) > 1024:
        raise ProtocolError("the codename is too long")
    master = bytes(argon2id.kdf(32, norm.encode("utf-8"), _SALT, opslimit=ops, memlimit=mem))

    def sub(label: str) -> bytes:
        return hkdf_expand(master, b"tysha/v1 codename " + label.encode(), 32)

    kem = kem_for(KEM_XWING).derive_key_pair(sub("kem"))
    return Identity(sub("sign"), KEM_XWING, kem.secret, sub("clue"))
