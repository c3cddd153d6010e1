"""A browser source's identity, derived from a codename the reporter remembers (issue 11).

A phone keeps nothing, so the reporter's keys come from words they can memorise or write down;
the same codename on any device gives the same pseudonym (reads replies, sends more reports).

    norm   = words of NFKC(codename), lower-cased, "ё" as "е", the Crimean Tatar letters
             ç ğ ı ñ ö ş ü as c g i n o s u (and "i̇", a lower-cased "İ", as "i"),
             joined by one space
    master = Argon2id(norm, salt = SHA-256("tysha/v1 codename")[:16],
                      t = 2 passes, m = 19 MiB, p = 1, 32 bytes)            (RFC 9106)
    sub(L) = HKDF-Expand-SHA256(master, "tysha/v1 codename " || L, 32)      (RFC 5869 §2.3)
    sign   = sub("sign")                      Ed25519 seed (RFC 8032)
    kem    = X-Wing DeriveKeyPair(sub("kem")) i.e. seed = SHAKE256(ikm, 32) (kem.XWing)
    clue   = sub("clue")                      X25519 scalar (RFC 7748)

Folding the Crimean Tatar letters lets a reporter type a crh codename on a keyboard without
them (or with Turkish dotted/dotless i rules); no English, Ukrainian or Russian list word has
these letters, so no codename drawn before the crh list existed changes. The crh list
(``static/words/words-crh.txt``, 1117 words, 10.13 bits each, made by
``tools/make_crh_words.py``) is distinct after folding, and the page draws 9 of its words
(91.2 bits, at least as many as any other list gives: 80.6 uk, 80.5 ru, 90.4 en).

The salt is fixed because nothing may be stored on the phone: the codename itself carries
the entropy: the page draws words until they carry at least 80 bits, 7 from the 7718-word
EFF list (en: 90 bits), 8 from the page's Ukrainian and Russian lists of about 1100
everyday nouns (80.5 bits) or 9 from its Crimean Tatar list (91.2 bits), out of reach of
any guessing whatever the KDF's cost. Argon2id adds cost per guess for a codename a person
chose themselves; its parameters are the OWASP minimum (19 MiB, 2 passes) rather than the
vault's 64 MiB because the page runs it in JavaScript, without a JIT in Tor Browser's
"Safer" mode: there 64 MiB took 53 s in headless Chromium with ``--jitless`` on a server
core, and a cheap phone may not grant a tab 64 MiB. The same function is in the page
(``source_page/static/core.js``, ``identityFromCodename``); ``tests/vectors/js``
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


_FOLD = str.maketrans("çğıñöşü", "cginosu")


def normalize_codename(codename: str) -> str:
    """The form that is hashed: NFKC, lower case, Crimean Tatar letters folded (see the
    module docstring), words separated by one space."""
    if not isinstance(codename, str):
        raise ProtocolError("a codename is text")
    # "ё" is written "е" by most people: both give the same keys. Likewise a Crimean Tatar
    # word typed without its letters: "qırım" and "qirim" are one word.
    low = unicodedata.normalize("NFKC", codename).lower().replace("ё", "е")
    return " ".join(low.replace("i\u0307", "i").translate(_FOLD).split())


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
