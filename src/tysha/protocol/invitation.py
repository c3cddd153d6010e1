"""Invitations: the one-time enrolment code a desk gives a reporter (DESIGN.md, step 1).

An invitation names the drop(s), the drop's log key, the handler's (and escrow's) public
identity and a 16-byte enrolment secret. It is **signed by the desk's Ed25519 identity key**
and the signature is checked on parse against the handler identity carried inside, so the
fingerprint a reporter compares in person also vouches for the rest of the code (issue 10.1).

Binary form (``to_bytes``), deterministic CBOR::

    {0: 2, 1: [drop URL, ...], 2: drop vkey, 3: handler identity, 4: escrow identity | null,
     5: secret (16 bytes), 6: Ed25519 signature, 7: handler name (optional)}

signed over ``"tysha/v2 invitation" || 0x00 || CBOR(every field but 6)``: the handler's display
name (key 7, issue 11) is signed with the rest when present; an invitation made before it
existed has no key 7, and its signed bytes (and so its signature) are unchanged.

Handler name (:func:`check_handler_name`): 1 to 64 characters, NFC, single spaces between
words and none at either end, no control (Cc), format (Cf: the bidirectional overrides and
isolates, zero-width characters), line/paragraph separator, surrogate or private-use
character. Faces show it bidi-isolated (``<bdi>`` on the page, U+2068…U+2069 on a terminal,
:func:`isolate`), so a right-to-left name cannot reorder the fingerprint shown beside it. The
name is only as trustworthy as the fingerprint the reporter compares in person: it is signed
by the key that fingerprint names.

Text form (``to_text``)::

    "TYSHA2:" || BASE32(binary) || CHECK

``BASE32`` is RFC 4648 §6 without padding (upper case; lower case is accepted, so is any
whitespace, line break or invisible format character — zero-width space, soft hyphen, word
joiner — a chat app inserts: all are removed before decoding).
``CHECK`` is 7 base32 characters holding ``C = Σ_{i=1..n} i·v_i mod p`` big-endian, where
``v_i`` ∈ [0, 32) is the value of the i-th base32 character of the body, ``n`` its length and
``p = 2^35 − 31`` (prime). This is the weighted-sum check of ISBN-10 with a larger prime
modulus. **Guarantee** (for bodies of fewer than ``p`` characters, i.e. always):

* any single-character substitution is detected: it changes the sum by ``i·(v' − v)`` and
  neither factor is 0 mod the prime ``p`` (``0 < i < p``, ``0 < |v' − v| < 32 < p``); a
  substitution inside ``CHECK`` changes the written value, which is unique below ``p``;
* any transposition of two adjacent, different characters is detected: inside the body it
  changes the sum by ``v_i − v_{i+1} ≠ 0``; inside ``CHECK`` it changes the written value;
  across the boundary (last body character ↔ first check character) it is missed only if
  ``n + 32^6 ≡ 0 (mod p)``, impossible as ``0 < n + 32^6 < p``;
* any other corruption passes the check with probability about ``2^-35`` — and is then still
  refused by the signature (``VerificationError``).

``tests/protocol/test_invitation.py`` checks both classes exhaustively over every position of
a real code. A damaged code raises ``ProtocolError`` saying so; a bad signature raises
``VerificationError``; a ``TYSHA1:`` code is refused as the old format.

QR form (``qr_payload``): ``b"TY2" || binary`` in byte mode (fits a version-40-L code with an
escrow key). :meth:`Invitation.from_qr_payload` reads that and, as well, the text form's
bytes, so a QR scanner that hands back text works too.
"""

from __future__ import annotations

import base64
import operator
import unicodedata
from dataclasses import dataclass, field

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import _wire, cbor
from tysha.protocol.keys import Identity, PublicIdentity

__all__ = [
    "HANDLER_NAME_MAX",
    "INVITE_PREFIX",
    "Invitation",
    "check_handler_name",
    "invitation_check",
    "isolate",
]

INVITE_PREFIX = "TYSHA2:"
_OLD_PREFIX = "TYSHA1:"
_QR_MAGIC = b"TY2"
_OLD_QR_MAGIC = b"TY1"
_DOMAIN = b"tysha/v2 invitation"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_VALUE = {c: i for i, c in enumerate(_B32)}
_NOT_B32 = str.maketrans("", "", _B32)  # deletes the alphabet: what is left is foreign
_B32_TABLE = bytes(_B32_VALUE.get(chr(b), 0) for b in range(256))
CHECK_PRIME = (1 << 35) - 31
CHECK_CHARS = 7
_MAX_TEXT = 16384

DAMAGED = (
    "this invitation code is damaged (a character is missing, changed or swapped); "
    "ask your contact to send it again"
)
OLD_FORMAT = (
    "this is an old invitation format (TYSHA1) that cannot be checked for damage or forgery; "
    "ask your contact for a new invitation"
)

#: A code of a later format (``TYSHA3:``, a ``TY3`` QR code, or a later version inside): a
#: reporter's app older than the handler's desk, which no retyping or resending mends.
NEWER_FORMAT = (
    "this invitation was made by a newer Tysha than this one; update Tysha, or ask your contact"
    " for a code this version reads"
)
#: The newest invitation format this code reads (key 0 of the map; the prefix's number).
VERSION = 2


def _later(number: bytes) -> bool:
    """Whether ``number`` (the digits of a ``TYSHA<n>:`` or ``TY<n>`` prefix) is a later
    format than this code reads."""
    return number.isdigit() and len(number) < 4 and int(number) > VERSION


def invitation_check(body: str) -> str:
    """The 7 check characters for an upper-case base32 ``body`` (see the module docstring)."""
    values = body.encode("ascii").translate(_B32_TABLE)
    c = sum(map(operator.mul, range(1, len(values) + 1), values)) % CHECK_PRIME
    return "".join(_B32[(c >> (5 * (CHECK_CHARS - 1 - k))) & 31] for k in range(CHECK_CHARS))


def _check_value(check: str) -> int:
    value = 0
    for ch in check:
        value = value * 32 + _B32_VALUE[ch]
    return value


HANDLER_NAME_MAX = 64
# Cc control, Cf format (bidi overrides/isolates, zero-width), Zl/Zp separators, Cs surrogate,
# Co private use: none belongs in a name shown next to a fingerprint.
_NAME_REFUSED = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})


def check_handler_name(name: object) -> str:
    """``name`` if it is an acceptable handler display name (see the module docstring), else
    a ``ProtocolError`` saying why. Pure; the same rule as ``handlerName`` in core.js."""
    if type(name) is not str:
        raise ProtocolError("the contact's name is not text")
    if not 1 <= len(name) <= HANDLER_NAME_MAX:
        raise ProtocolError(f"the contact's name is 1 to {HANDLER_NAME_MAX} characters")
    if any(unicodedata.category(c) in _NAME_REFUSED for c in name):
        raise ProtocolError("the contact's name holds a control or invisible character")
    if name != name.strip(" ") or "  " in name:
        raise ProtocolError("the contact's name has extra spaces")
    if any(c.isspace() and c != " " for c in name):
        raise ProtocolError("the contact's name holds a space other than a plain one")
    if not unicodedata.is_normalized("NFC", name):
        raise ProtocolError("the contact's name is not in Unicode normal form C")
    return name


def isolate(name: str) -> str:
    """``name`` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE, for a terminal: its
    direction cannot spill onto the text around it (a checked name holds no isolate itself)."""
    return "\u2068" + name + "\u2069"


def _damaged() -> ProtocolError:
    return ProtocolError(DAMAGED, hint="")


@dataclass(frozen=True)
class Invitation:
    """A one-time enrolment code, signed by the desk that made it."""

    drops: tuple[str, ...]
    drop_vkey: str
    handler: PublicIdentity
    escrow: PublicIdentity | None
    secret: bytes
    signature: bytes = field(default=b"", compare=False)
    handler_name: str | None = None

    def __post_init__(self) -> None:
        if not self.drops or len(self.drops) > 8:
            raise ProtocolError("an invitation names 1 to 8 drops")
        if len(self.secret) != 16:
            raise ProtocolError("the enrolment secret is 16 bytes")
        if self.handler_name is not None:
            check_handler_name(self.handler_name)

    @classmethod
    def create(
        cls,
        drops: tuple[str, ...],
        drop_vkey: str,
        desk: Identity,
        escrow: PublicIdentity | None,
        secret: bytes,
        handler_name: str | None = None,
    ) -> Invitation:
        """A new invitation to ``desk`` (the handler), signed with its identity key, naming
        the handler as ``handler_name`` when given (checked by :func:`check_handler_name`)."""
        unsigned = cls(tuple(drops), drop_vkey, desk.public(), escrow, secret,
                       handler_name=handler_name)
        return unsigned.signed(desk)

    def signed(self, desk: Identity) -> Invitation:
        if desk.public() != self.handler:
            raise ProtocolError("an invitation is signed by the handler it names")
        sig = desk.sign(_DOMAIN, self._signed_fields())
        return Invitation(self.drops, self.drop_vkey, self.handler, self.escrow, self.secret, sig,
                          self.handler_name)

    def _fields(self, version: int) -> dict[int, object]:
        out: dict[int, object] = {
            0: version,
            1: list(self.drops),
            2: self.drop_vkey,
            3: self.handler.to_obj(),
            4: self.escrow.to_obj() if self.escrow else None,
            5: self.secret,
        }
        if self.handler_name is not None and version >= 2:
            out[7] = self.handler_name
        return out

    def _signed_fields(self) -> bytes:
        return cbor.encode(self._fields(2))

    def verify(self) -> None:
        """Check the desk's signature (``VerificationError`` if it does not hold)."""
        try:
            self.handler.verify(_DOMAIN, self._signed_fields(), self.signature)
        except VerificationError:
            raise VerificationError(
                "this invitation's signature does not match your contact's key inside it: it was "
                "altered or not made by that desk; do not use it, and ask your contact in person",
                hint="",
            ) from None

    def to_bytes(self) -> bytes:
        """The binary form; an unsigned (legacy, already enrolled) one keeps version 1."""
        if not self.signature:
            return cbor.encode(self._fields(1))
        fields = self._fields(2)
        fields[6] = self.signature
        return cbor.encode(fields)

    @classmethod
    def from_bytes(cls, data: bytes, *, legacy_ok: bool = False) -> Invitation:
        """Parse and verify the signature. ``legacy_ok`` accepts an unsigned version-1
        invitation: only for one already stored in a vault at enrolment, never a new code."""
        obj = cbor.decode(data, max_bytes=8192, max_items=16, max_depth=4)
        version = obj.get(0) if isinstance(obj, dict) else None
        if type(version) is int and version > VERSION:
            raise ProtocolError(NEWER_FORMAT, hint="")
        if isinstance(obj, dict) and obj.get(0) == 1 and type(obj.get(0)) is int:
            if not legacy_ok:
                raise ProtocolError(OLD_FORMAT, hint="")
            inv = cls._from_fields(_wire.expect_map(obj, {0, 1, 2, 3, 4, 5}, "invitation"), b"")
            return inv
        keys = {0, 1, 2, 3, 4, 5, 6} | ({7} if isinstance(obj, dict) and 7 in obj else set())
        m = _wire.expect_map(obj, keys, "invitation", version=2)
        inv = cls._from_fields(m, _wire.fixed_bytes(m[6], "invitation signature", 64))
        inv.verify()
        return inv

    @classmethod
    def _from_fields(cls, m: dict[object, object], signature: bytes) -> Invitation:
        drops = _wire.typed(m[1], list, "invitation drops")
        for d in drops:
            _wire.text(d, "drop address", 2048, empty=False)
        escrow = None if m[4] is None else PublicIdentity.from_obj(m[4])
        return cls(
            tuple(drops),
            _wire.text(m[2], "drop key", 1024, empty=False),
            PublicIdentity.from_obj(m[3]),
            escrow,
            _wire.fixed_bytes(m[5], "enrolment secret", 16),
            signature,
            check_handler_name(m[7]) if 7 in m else None,
        )

    def to_text(self) -> str:
        """``TYSHA2:`` + base32 + 7 check characters, on one line."""
        if not self.signature:
            raise ProtocolError("an invitation must be signed before it is given out")
        body = base64.b32encode(self.to_bytes()).decode("ascii").rstrip("=")
        return INVITE_PREFIX + body + invitation_check(body)

    @classmethod
    def from_text(cls, text: str) -> Invitation:
        """Parse a code as pasted: whitespace anywhere is ignored, case does not matter."""
        if not isinstance(text, str):
            raise ProtocolError("an invitation code is text")
        if len(text) > 4 * _MAX_TEXT:
            raise ProtocolError("this is too long to be an invitation code")
        # Chat apps wrap long words with spaces, line breaks, and invisible format characters
        # (zero-width space, soft hyphen, word joiner, BOM): none is part of a code.
        compact = "".join(text.split())
        if not compact.isascii():
            compact = "".join(c for c in compact if unicodedata.category(c) != "Cf")
        if len(compact) > _MAX_TEXT:
            raise ProtocolError("this is too long to be an invitation code")
        upper = compact.upper()
        if upper.startswith(_OLD_PREFIX):
            raise ProtocolError(OLD_FORMAT, hint="")
        # ASCII digits or nothing: a pasted lone surrogate or any other character is no
        # version number (and must not raise past the parser's family).
        number = upper[5:].split(":", 1)[0].encode("ascii", "replace")
        if _later(number) and upper.startswith("TYSHA"):
            raise ProtocolError(NEWER_FORMAT, hint="")
        if not upper.startswith(INVITE_PREFIX):
            if upper.startswith("TYSHA") or upper[:7].count(":") == 1:
                raise _damaged()
            raise ProtocolError(
                f"this is not a Tysha invitation code (a code starts with {INVITE_PREFIX})",
                hint="",
            )
        rest = upper[len(INVITE_PREFIX) :]
        if len(rest) <= CHECK_CHARS or rest.translate(_NOT_B32):
            raise _damaged()
        body, check = rest[:-CHECK_CHARS], rest[-CHECK_CHARS:]
        if _check_value(check) != _check_value(invitation_check(body)):
            raise _damaged()
        try:
            raw = base64.b32decode(body + "=" * (-len(body) % 8))
        except ValueError:
            raise _damaged() from None
        try:
            return cls.from_bytes(raw)
        except VerificationError:
            raise
        except ProtocolError as exc:
            if exc.message in (OLD_FORMAT, NEWER_FORMAT):
                raise
            # The check held, so this is no typo: a malformed code from a broken or hostile
            # maker. Still nothing a reporter can fix but by asking again.
            raise _damaged() from None

    def qr_payload(self) -> bytes:
        """Binary QR payload (byte mode): ``TY2`` then the signed CBOR."""
        if not self.signature:
            raise ProtocolError("an invitation must be signed before it is given out")
        return _QR_MAGIC + self.to_bytes()

    @classmethod
    def from_qr_payload(cls, data: bytes | str) -> Invitation:
        """Read what a QR decoder returns: the binary payload, or the text form.

        Decoders that hand back a byte-mode code as text (zbar, some phone libraries) use
        ISO 8859-1 for it, the QR default: such a ``str`` is turned back into bytes here."""
        if isinstance(data, str):
            if data.lstrip().upper().startswith("TYSHA"):
                return cls.from_text(data)
            try:
                data = data.encode("latin-1")
            except UnicodeEncodeError:
                raise ProtocolError(
                    "this QR code does not hold a Tysha invitation", hint=""
                ) from None
        if not isinstance(data, (bytes, bytearray)):
            raise ProtocolError("a QR payload is bytes")
        data = bytes(data)
        if data.startswith(_QR_MAGIC):
            try:
                return cls.from_bytes(data[len(_QR_MAGIC) :])
            except VerificationError:
                raise
            except ProtocolError as exc:
                if exc.message == NEWER_FORMAT:
                    raise
                raise ProtocolError(
                    "this QR code is damaged or incomplete; scan it again or ask your contact "
                    "for the invitation code as text",
                    hint="",
                ) from None
        if data.startswith(_OLD_QR_MAGIC):
            raise ProtocolError(OLD_FORMAT, hint="")
        if data.startswith(b"TY") and _later(data[2:3]):
            raise ProtocolError(NEWER_FORMAT, hint="")
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise ProtocolError("this QR code does not hold a Tysha invitation", hint="") from None
        return cls.from_text(text)

    def recipients(self) -> list[PublicIdentity]:
        return [self.handler] + ([self.escrow] if self.escrow else [])
