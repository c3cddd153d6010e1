"""Envelopes: content sealed once, its key wrapped for each recipient, no recipient named.

Wire form (version 1)::

    envelope = u32be(len(header)) || header || body
    header   = deterministic CBOR map {
                 0: 1                      version
                 1: kem_id                 0x647a X-Wing (default) or 0x0020 DHKEM(X25519)
                 2: clue_pub               32-byte X25519 ephemeral public key E
                 3: [clue, ...]            one 8-byte detection clue per slot
                 4: [slot, ...]            HPKE enc || HPKE ct of (content_key || deletion_secret)
                 5: length                 padded payload length L (see padding.py)
                 6: [deletion_hash, ...]   SHA-256 of each slot's deletion secret
               }
    body     = STREAM(payload_key, u64be(len(content)) || content || zero padding to L)

* **Content** is encrypted once under a fresh 32-byte ``content_key``; the STREAM payload key is
  ``HKDF-SHA256(ikm=content_key, salt=SHA-256(header), info="tysha/v1 payload")`` (RFC 5869), so
  the body is bound to every byte of the header.
* **Slots.** For each recipient the 64 bytes ``content_key || deletion_secret`` are sealed with
  HPKE base mode (RFC 9180, :mod:`tysha.protocol.hpke`), ``info = "tysha/v1 slot"`` and
  ``aad = SHA-256(CBOR of header fields 0, 1, 2, 3, 5, 6)``. Slots are padded to at least
  :data:`MIN_SLOTS` with look-alikes and put in a random order. A look-alike's ``enc`` is a
  real encapsulation to a key pair made for it and forgotten (``Kem.lookalike_enc``: an X25519
  key on the curve, ML-KEM-768's compressed coefficients as an encryption gives them), its
  wrapped key random bytes (what ChaCha20-Poly1305 gives under a key nobody has), its clue
  random bytes (a real one is a PRF output), its deletion hash that of a secret derived from
  the content key (:func:`lookalike_deletion_secret`: uniform to all but the recipients, who
  delete it with their own slot, **Deletion**). So neither the clue listing nor the envelope
  itself tells how many slots are real, to the drop or to whoever downloads it
  (``tests/protocol/test_lookalike.py``).
* **Clues.** ``clue_i = BLAKE2b-64(key = X25519(e, C_i), msg = E || C_i,
  personal = "tysha-clue-v1")`` where ``C_i`` is the recipient's clue public key. A recipient
  checks an envelope with one X25519 and one BLAKE2b: compute its own clue and look for it in
  the list. The drop serves only ``E`` and the clues to scanners (see :mod:`.clues`), so
  checking 10,000 foreign envelopes costs about half a megabyte.

What a clue reveals, to whom:

* to the drop, a network observer, a courier: nothing about the recipient (without a clue
  secret key the clue is a pseudorandom function output under a Diffie-Hellman key); only the
  slot count, which is padded (the drop may guess how many slots were real from how
  their deletions come: see **Deletion**);
* to the holder of a clue secret key (the recipient, or whoever seizes its desk or vault):
  which envelopes are addressed to that key — but not their content, which needs the KEM key;
  so clue keys can be handed to a helper that pre-filters without being able to decrypt;
* to a future quantum adversary who recorded the clue lists and knows a recipient's public
  clue key (for example from a seized invitation): which envelopes went to that recipient.
  Contents stay protected by X-Wing; only this link is classical.

* **Deletion.** A recipient that has fetched an envelope may ask the drop to drop its slot by
  showing the slot's deletion secret, and the look-alike slots' too
  (:func:`deletion_secrets`); the drop deletes the stored envelope once every slot's secret
  was shown. So an envelope with one recipient is gone as soon as it deletes; one with
  several, once all of them have. What the drop learns from this: the deletions come from
  one recipient at one time, or from several at their own times - the number of real
  recipients that the look-alikes hide in the envelope itself. (Envelopes sealed before
  look-alike secrets were derived keep a look-alike slot nobody can delete: they live
  until expiry.)
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from nacl.bindings import crypto_scalarmult

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import cbor
from tysha.protocol._libsodium import keyed_blake2b
from tysha.protocol.hpke import open_base, seal_base
from tysha.protocol.kem import (
    KEM_X25519,
    KEM_XWING,
    hkdf_expand,
    hkdf_extract,
    kem_for,
    x25519_public,
)
from tysha.protocol.keys import Identity, PublicIdentity, Rand
from tysha.protocol.padding import is_valid_padded_length, padded_length
from tysha.protocol.stream import CHUNK_SIZE, TAG_SIZE, StreamOpener, StreamSealer

__all__ = [
    "CLUE_SIZE",
    "ENVELOPE_VERSION",
    "MAX_ENVELOPE_SIZE",
    "MIN_SLOTS",
    "EnvelopeHeader",
    "EnvelopeOpener",
    "EnvelopeSealer",
    "OpenedEnvelope",
    "SlotKey",
    "clue_for",
    "deletion_secrets",
    "envelope_digest",
    "find_slot",
    "lookalike_deletion_secret",
    "open_envelope",
    "parse_header",
    "seal_envelope",
    "unwrap_slot",
]

ENVELOPE_VERSION = 1
CLUE_SIZE = 8
MIN_SLOTS = 2
MAX_SLOTS = 16
MAX_HEADER_SIZE = 64 * 1024
#: The largest payload a version-1 envelope may carry (4 GiB).
MAX_PADDED_LENGTH = 1 << 32
MAX_ENVELOPE_SIZE = (
    MAX_PADDED_LENGTH + (MAX_PADDED_LENGTH // CHUNK_SIZE + 1) * TAG_SIZE + (4 + MAX_HEADER_SIZE)
)
_SLOT_INFO = b"tysha/v1 slot"
_PAYLOAD_INFO = b"tysha/v1 payload"
_LOOKALIKE_DELETION_INFO = b"tysha/v1 look-alike deletion"
_CLUE_PERSON = b"tysha-clue-v1\x00\x00\x00"
_WRAPPED = 64
#: Bytes of a slot for each KEM: HPKE enc, then the 64 wrapped bytes sealed with their tag.
_SLOT_LEN = {k: kem_for(k).n_enc + _WRAPPED + TAG_SIZE for k in (KEM_X25519, KEM_XWING)}


def clue_for(shared: bytes, clue_pub: bytes, recipient_clue: bytes) -> bytes:
    """The detection clue for one recipient, from the X25519 shared secret: keyed BLAKE2b
    (RFC 7693) with a personalisation string, by libsodium (the project takes its
    cryptography from libsodium and pyca/cryptography only; ``hashlib.blake2b`` is CPython's
    own). Called through :mod:`._libsodium`, which makes ``nacl.bindings``' argument checks
    once instead of on every call (a clue is computed twice per envelope and once per foreign
    envelope a desk scans); ``tests/protocol/test_hot_path.py`` checks both agree."""
    return keyed_blake2b(clue_pub + recipient_clue, shared, _CLUE_PERSON, CLUE_SIZE)


_x25519_pub = x25519_public


@dataclass(frozen=True)
class EnvelopeHeader:
    """A parsed, form-checked header. ``size`` is the byte length of the header block
    (the 4-byte prefix and the CBOR map)."""

    kem_id: int
    clue_pub: bytes
    clues: tuple[bytes, ...]
    slots: tuple[bytes, ...]
    length: int
    deletion_hashes: tuple[bytes, ...]
    raw: bytes

    @property
    def size(self) -> int:
        return len(self.raw)

    def body_length(self) -> int:
        chunks = -(-self.length // CHUNK_SIZE)
        return self.length + chunks * TAG_SIZE

    def envelope_length(self) -> int:
        return self.size + self.body_length()

    def chunk_lengths(self) -> Iterator[int]:
        """Ciphertext length of each body chunk, in order."""
        full, rest = divmod(self.length, CHUNK_SIZE)
        if rest == 0:
            full, rest = full - 1, CHUNK_SIZE
        for _ in range(full):
            yield CHUNK_SIZE + TAG_SIZE
        yield rest + TAG_SIZE

    def slot_aad(self) -> bytes:
        """SHA-256 of the CBOR of header fields 0, 1, 2, 3, 5 and 6 (the slots' AAD)."""
        slot_len = len(self.slots[0]) if self.slots else 0
        return _aad_from_raw(self.raw, self.kem_id, len(self.slots), slot_len)


def _slot_aad(
    kem_id: int, clue_pub: bytes, clues: Iterable[bytes], length: int, dels: Iterable[bytes]
) -> bytes:
    fields = {0: ENVELOPE_VERSION, 1: kem_id, 2: clue_pub, 3: list(clues), 5: length, 6: list(dels)}
    return hashlib.sha256(cbor.encode(fields)).digest()


def _header_fields(
    kem_id: int, clue_pub: bytes, clues: list[bytes], length: int, dels: list[bytes]
) -> tuple[bytes, bytes, bytes]:
    """The deterministic CBOR of the header map, in three parts: the key-value pairs of keys 0
    to 3, the head of the slots (key 4, then the array head ``0x80 + n``) and the pairs of keys 5
    and 6. ``0xa6``, the first part and the third is the CBOR of the slot AAD map
    (:func:`_slot_aad`); ``0xa7``, the first, the second, the slots and the third is the
    header map. Written at the fixed layout :func:`_parse_fixed` reads (every clue, slot and
    deletion hash has its KEM's size, so each of their heads is the same bytes):
    ``tests/protocol/test_hot_path.py`` checks it against :func:`cbor.encode` of the maps."""
    prefix, _ = _LAYOUT[kem_id]
    arr = _ARRAY_HEADS[len(clues)]
    return (
        prefix[1:] + clue_pub + b"\x03" + arr + b"\x48" + b"\x48".join(clues),
        b"\x04" + arr,
        b"\x05" + cbor.encode(length) + b"\x06" + arr + b"\x58\x20" + b"\x58\x20".join(dels),
    )


def _payload_key(content_key: bytes, header_raw: bytes) -> bytes:
    prk = hkdf_extract(hashlib.sha256(header_raw).digest(), content_key)
    return hkdf_expand(prk, _PAYLOAD_INFO, 32)


def _head_len(arg: int) -> int:
    """Bytes of a deterministic CBOR head with argument ``arg`` (RFC 8949 §4.2.1)."""
    if arg < 24:
        return 1
    return 2 if arg < 0x100 else 3 if arg < 0x10000 else 5 if arg < 1 << 32 else 9


def _aad_from_raw(raw: bytes, kem_id: int, n: int, slot_len: int) -> bytes:
    """:func:`_slot_aad` of a header parsed from ``raw``, without encoding it again.

    ``raw`` (the 4-byte length, then the map) passed the strict decoder, so the map is the
    deterministic encoding of the header: ``0xa7`` then the pairs of keys 0 to 6 in order.
    The AAD map is ``0xa6`` and the same pairs without key 4 (the slots), whose offset and
    length follow from the field sizes alone: key 0 holds 1 (2 bytes with its key), key 1
    the KEM id, key 2 a 32-byte string (35 bytes), key 3 ``n`` clues of 8 bytes, key 4 ``n``
    slots of ``slot_len`` bytes. ``tests/protocol/test_hot_path.py`` checks it against
    :func:`_slot_aad` for both KEMs and every slot count."""
    arr = _head_len(n)
    start = 5 + 2 + 1 + _head_len(kem_id) + 35 + 1 + arr + n * (1 + CLUE_SIZE)
    end = start + 1 + arr + n * (_head_len(slot_len) + slot_len)
    return hashlib.sha256(b"\xa6" + raw[5:start] + raw[end:]).digest()


def parse_header(data: bytes | memoryview) -> EnvelopeHeader:
    """Parse and form-check the header at the start of ``data`` (which may hold more).

    This is all the drop ever checks: version, structure, sizes. Never content. A header as
    sealers write it is read at its fixed layout (:func:`_parse_fixed`); any other bytes go
    through the general CBOR decoder, which decides (:func:`_parse_general`).
    """
    if len(data) < 4:
        raise ProtocolError("envelope is truncated before its header length")
    (hlen,) = struct.unpack(">I", data[:4])
    if hlen > MAX_HEADER_SIZE:
        raise ProtocolError(f"envelope header of {hlen} bytes exceeds {MAX_HEADER_SIZE}")
    if len(data) < 4 + hlen:
        raise ProtocolError("envelope is truncated inside its header")
    raw = bytes(data[: 4 + hlen])
    fixed = _parse_fixed(raw)
    if fixed is not None:
        return fixed
    return _parse_general(raw)


#: For each KEM, the bytes of a header from its map head to the clue key (map of 7 pairs; key
#: 0 with the version 1; key 1 with the KEM id, 0x0020 taking a 1-byte argument and 0x647a a
#: 2-byte one; key 2 with the head of a 32-byte string), and the head of each of its slots (a
#: byte string of ``n_enc + 64 + 16`` bytes: 112 for DHKEM(X25519), 1200 for X-Wing).
_LAYOUT = {
    KEM_X25519: (b"\xa7\x00\x01\x01\x18\x20\x02\x58\x20", b"\x58\x70"),
    KEM_XWING: (b"\xa7\x00\x01\x01\x19\x64\x7a\x02\x58\x20", b"\x59\x04\xb0"),
}
#: The same, found by the head byte of the KEM id (the header's fifth byte).
_LAYOUT_BY_HEAD = {prefix[4:5]: (k, prefix, slot) for k, (prefix, slot) in _LAYOUT.items()}
#: The head of an array of ``n`` items, for every slot count.
_ARRAY_HEADS = {n: bytes((0x80 | n,)) for n in range(MIN_SLOTS, MAX_SLOTS + 1)}


def _parse_fixed(raw: bytes) -> EnvelopeHeader | None:
    """The header of ``raw`` read at the fixed offsets of its one valid layout, or None.

    A valid header is the deterministic CBOR of a map of keys 0 to 6 in order whose values'
    heads are fixed by the KEM and the slot count ``n`` (a single head byte ``0x80 + n``,
    2 <= n <= 16): the version 1, the KEM id, a 32-byte clue key, ``n`` 8-byte clues, ``n``
    slots of the KEM's size, the padded length, ``n`` 32-byte deletion hashes. This reads the
    fields by slicing at those offsets and checks every byte that is not field content; any
    difference (another layout, an error) returns None, and :func:`parse_header` then runs the
    general decoder, which gives the same header or the same error. So this accepts a subset of
    what :func:`_parse_general` accepts, with the same result (``tests/protocol/test_hot_path.py``
    compares the two on valid and mutated headers)."""
    kem = _LAYOUT_BY_HEAD.get(raw[8:9])
    if kem is None:
        return None
    kem_id, prefix, slot_head = kem
    p = len(prefix) + 4
    if raw[4:p] != prefix:
        return None
    clue_pub = raw[p : p + 32]
    p += 32
    head = raw[p : p + 2]
    if len(head) != 2 or head[0] != 3:
        return None
    n = head[1] - 0x80
    if not MIN_SLOTS <= n <= MAX_SLOTS:
        return None
    arr = head[1:]
    p += 2
    end = p + 9 * n
    if raw[p:end:9] != b"\x48" * n:  # each clue: head 0x48 (8-byte string), 8 bytes
        return None
    clues = tuple([raw[q + 1 : q + 9] for q in range(p, end, 9)])
    if raw[end : end + 2] != b"\x04" + arr:
        return None
    p = end + 2
    h = len(slot_head)
    step = h + _SLOT_LEN[kem_id]
    end = p + step * n
    for i in range(h):
        if raw[p + i : end : step] != slot_head[i : i + 1] * n:
            return None
    slots = tuple([raw[q + h : q + step] for q in range(p, end, step)])
    if raw[end : end + 1] != b"\x05":
        return None
    length, p = _fixed_uint(raw, end + 1)
    if p < 0 or raw[p : p + 2] != b"\x06" + arr:
        return None
    p += 2
    end = p + 34 * n
    if end != len(raw) or raw[p:end:34] != b"\x58" * n or raw[p + 1 : end : 34] != b"\x20" * n:
        return None
    if not (0 < length <= MAX_PADDED_LENGTH and is_valid_padded_length(length)):
        return None
    dels = tuple([raw[q + 2 : q + 34] for q in range(p, end, 34)])
    return EnvelopeHeader(kem_id, clue_pub, clues, slots, length, dels, raw)


def _fixed_uint(raw: bytes, p: int) -> tuple[int, int]:
    """The unsigned integer whose deterministic CBOR starts at ``raw[p]`` and the offset after
    it, or ``(-1, -1)`` if there is none (the caller then refuses the layout)."""
    ib = raw[p : p + 1]
    if not ib or ib[0] > 0x1B:
        return -1, -1
    info = ib[0]
    if info < 24:
        return info, p + 1
    size = 1 << (info - 24)
    end = p + 1 + size
    value = int.from_bytes(raw[p + 1 : end], "big")
    if end > len(raw) or _head_len(value) != 1 + size:  # not the shortest form
        return -1, -1
    return value, end


def _parse_general(raw: bytes) -> EnvelopeHeader:
    """:func:`parse_header` through the general CBOR decoder, for any header ``raw``."""
    obj = cbor.decode(raw[4:], max_bytes=MAX_HEADER_SIZE, max_items=MAX_SLOTS + 8, max_depth=3)
    if not isinstance(obj, dict):
        raise ProtocolError("envelope header is not a map")
    version = obj.get(0)
    if version != ENVELOPE_VERSION:
        raise ProtocolError(f"unsupported envelope version {version!r}")
    if set(obj) != {0, 1, 2, 3, 4, 5, 6}:
        raise ProtocolError("envelope header has missing or unknown fields")
    kem_id, clue_pub, clues, slots, length, dels = obj[1], obj[2], obj[3], obj[4], obj[5], obj[6]
    if not isinstance(kem_id, int):
        raise ProtocolError("envelope KEM id is not an integer")
    kem = kem_for(kem_id)
    if not isinstance(clue_pub, bytes) or len(clue_pub) != 32:
        raise ProtocolError("envelope clue key must be 32 bytes")
    if not (isinstance(clues, list) and isinstance(slots, list) and isinstance(dels, list)):
        raise ProtocolError("envelope clues, slots and deletion hashes must be arrays")
    n = len(slots)
    if not MIN_SLOTS <= n <= MAX_SLOTS or len(clues) != n or len(dels) != n:
        raise ProtocolError("envelope must have 2 to 16 slots, each with a clue and a hash")
    slot_len = kem.n_enc + _WRAPPED + TAG_SIZE
    for c in clues:
        if not isinstance(c, bytes) or len(c) != CLUE_SIZE:
            raise ProtocolError(f"each clue must be {CLUE_SIZE} bytes")
    for s in slots:
        if not isinstance(s, bytes) or len(s) != slot_len:
            raise ProtocolError(f"each slot must be {slot_len} bytes for this KEM")
    for d in dels:
        if not isinstance(d, bytes) or len(d) != 32:
            raise ProtocolError("each deletion hash must be 32 bytes")
    if not isinstance(length, int) or not 0 < length <= MAX_PADDED_LENGTH:
        raise ProtocolError("envelope payload length out of range")
    if not is_valid_padded_length(length):
        raise ProtocolError(f"envelope payload length {length} is not a padding bucket")
    # Every element was checked to be bytes above.
    return EnvelopeHeader(
        kem_id,
        clue_pub,
        cast("tuple[bytes, ...]", tuple(clues)),
        cast("tuple[bytes, ...]", tuple(slots)),
        length,
        cast("tuple[bytes, ...]", tuple(dels)),
        raw,
    )


def envelope_digest(data: bytes) -> bytes:
    """The envelope's address and log entry: SHA-256 of all its bytes."""
    return hashlib.sha256(data).digest()


class EnvelopeSealer:
    """Seal ``content_length`` bytes of content for ``recipients`` in flat memory.

    ``header`` is ready at once; feed the content to :meth:`body` in pieces of any size.
    """

    def __init__(
        self,
        recipients: Iterable[PublicIdentity],
        content_length: int,
        rand: Rand,
        kem_id: int = KEM_XWING,
    ) -> None:
        recips = list(recipients)
        if not 1 <= len(recips) <= MAX_SLOTS:
            raise ProtocolError("an envelope needs 1 to 16 recipients")
        if content_length < 0:
            raise ProtocolError("content length must not be negative")
        kem = kem_for(kem_id)
        for r in recips:
            if r.kem_id != kem_id:
                raise ProtocolError("every recipient must use the envelope's KEM")
        self.content_length = content_length
        self.length = padded_length(content_length + 8)
        if self.length > MAX_PADDED_LENGTH:
            raise ProtocolError("content is too large for one envelope")
        content_key = rand(32)
        e = rand(32)
        clue_pub = _x25519_pub(e)
        n = max(MIN_SLOTS, len(recips))
        entries: list[tuple[bytes, bytes, PublicIdentity | None]] = []  # (clue, del_secret, r)
        for r in recips:
            shared = _scalarmult(e, r.clue)
            entries.append((clue_for(shared, clue_pub, r.clue), rand(32), r))
        for k in range(n - len(recips)):
            entries.append((rand(CLUE_SIZE), lookalike_deletion_secret(content_key, k), None))
        _shuffle(entries, rand)
        clues = [c for c, _, _ in entries]
        dels = [hashlib.sha256(d).digest() for _, d, _ in entries]
        first, slots_head, last = _header_fields(kem_id, clue_pub, clues, self.length, dels)
        aad = hashlib.sha256(b"\xa6" + first + last).digest()  # map(6): see the helper
        slots = []
        for _, del_secret, recipient in entries:
            if recipient is None:
                slots.append(kem.lookalike_enc(rand(32)) + rand(_WRAPPED + TAG_SIZE))
            else:
                enc, ct = seal_base(
                    kem_id,
                    recipient.kem,
                    _SLOT_INFO,
                    aad,
                    content_key + del_secret,
                    rand(kem.n_rand),
                )
                slots.append(enc + ct)
        slot_head = _LAYOUT[kem_id][1]
        body = b"".join([b"\xa7", first, slots_head, slot_head, slot_head.join(slots), last])
        self.header = struct.pack(">I", len(body)) + body
        self._stream = StreamSealer(_payload_key(content_key, self.header))
        self._buf = bytearray(struct.pack(">Q", content_length))
        self._fed = 0
        self._emitted = 0

    @property
    def envelope_length(self) -> int:
        chunks = -(-self.length // CHUNK_SIZE)
        return len(self.header) + self.length + chunks * TAG_SIZE

    def body(self, content: Iterable[bytes]) -> Iterator[bytes]:
        """Yield the sealed body chunks for ``content`` (exactly ``content_length`` bytes)."""
        for piece in content:
            self._fed += len(piece)
            if self._fed > self.content_length:
                raise ProtocolError("more content than announced")
            self._buf += piece
            while len(self._buf) > CHUNK_SIZE:
                yield self._emit(bytes(self._buf[:CHUNK_SIZE]))
                del self._buf[:CHUNK_SIZE]
        if self._fed != self.content_length:
            raise ProtocolError("less content than announced")
        remaining = self.length - self._emitted - len(self._buf)
        while True:
            take = min(CHUNK_SIZE - len(self._buf), remaining)
            self._buf += bytes(take)
            remaining -= take
            last = remaining == 0
            if len(self._buf) == CHUNK_SIZE or last:
                yield self._emit(bytes(self._buf), last)
                self._buf.clear()
            if last:
                return

    def seal_whole(self, content: bytes) -> bytes:
        """The whole envelope (header and body) for ``content``, given at once instead of
        through :meth:`body`: the padded payload is laid out once and sealed chunk by chunk
        from a view of it. Byte for byte what :meth:`body` yields after :attr:`header`."""
        if self._fed or self._emitted:
            raise ProtocolError("this sealer has already produced its body")
        n = len(content)
        if n != self.content_length:
            raise ProtocolError("content length differs from the length announced")
        self._fed = n
        # One copy of the content, without first zeroing a buffer for it.
        framed = b"".join((struct.pack(">Q", n), content, bytes(self.length - 8 - n)))
        view = memoryview(framed)
        out = [self.header]
        for start in range(0, self.length, CHUNK_SIZE):
            end = min(start + CHUNK_SIZE, self.length)
            out.append(self._emit(view[start:end], end == self.length))
        return b"".join(out)

    def _emit(self, chunk: bytes | memoryview, last: bool = False) -> bytes:
        self._emitted += len(chunk)
        return self._stream.seal(chunk, last)


def _scalarmult(secret: bytes, public: bytes) -> bytes:
    try:
        return bytes(crypto_scalarmult(secret, public))
    except Exception:  # libsodium refuses low-order points (all-zero output)
        raise VerificationError("clue key agreement failed (invalid public key)") from None


def _shuffle(items: list[tuple[bytes, bytes, PublicIdentity | None]], rand: Rand) -> None:
    """Fisher-Yates with rejection sampling from ``rand`` (no modulo bias)."""
    for i in range(len(items) - 1, 0, -1):
        bound = i + 1
        limit = (1 << 32) - ((1 << 32) % bound)
        while True:
            x = int.from_bytes(rand(4), "big")
            if x < limit:
                break
        j = x % bound
        items[i], items[j] = items[j], items[i]


def seal_envelope(
    content: bytes, recipients: Iterable[PublicIdentity], rand: Rand, kem_id: int = KEM_XWING
) -> bytes:
    """Seal a whole in-memory content (convenience for small envelopes). The same bytes as
    :meth:`EnvelopeSealer.body` gives for it, with fewer copies."""
    sealer = EnvelopeSealer(recipients, len(content), rand, kem_id)
    return sealer.seal_whole(content)


@dataclass(frozen=True)
class SlotKey:
    """What a recipient recovers from its slot."""

    slot: int
    content_key: bytes
    deletion_secret: bytes


def lookalike_deletion_secret(content_key: bytes, k: int) -> bytes:
    """The deletion secret of an envelope's ``k``-th look-alike slot (numbered from 0 as
    they are made, before the slots are shuffled): ``HKDF-SHA256(ikm = content_key, salt =
    none, info = "tysha/v1 look-alike deletion" || u8(k))``, 32 bytes (RFC 5869). Every
    real recipient can work it out once its slot is open, so the envelope can be deleted
    as soon as its real recipients have deleted theirs (module docstring, **Deletion**)."""
    if not 0 <= k < MAX_SLOTS:
        raise ProtocolError("an envelope has at most 16 slots")
    return hkdf_expand(hkdf_extract(b"", content_key), _LOOKALIKE_DELETION_INFO + bytes((k,)), 32)


def deletion_secrets(header: EnvelopeHeader, key: SlotKey) -> list[bytes]:
    """What the holder of ``key`` (its opened slot) can show the drop to delete: its own
    slot's secret first, then the look-alike slots' (:func:`lookalike_deletion_secret`,
    matched against the header's deletion hashes; they are numbered from 0, so the first
    that matches none ends them). An envelope with other real recipients has no look-alike:
    their slots stay theirs to delete. One sealed with random look-alike secrets (before
    they were derived) gives its own secret alone."""
    out = [key.deletion_secret]
    hashes = set(header.deletion_hashes)
    for k in range(len(header.deletion_hashes) - 1):
        secret = lookalike_deletion_secret(key.content_key, k)
        if hashlib.sha256(secret).digest() not in hashes:
            break
        out.append(secret)
    return out


def find_slot(
    clue_pub: bytes, clues: Iterable[bytes], clue_secret: bytes, clue_public: bytes
) -> int | None:
    """The index of the slot whose clue is ours, or None. One X25519 and one BLAKE2b."""
    try:
        shared = bytes(crypto_scalarmult(clue_secret, clue_pub))
    except Exception:
        return None
    mine = clue_for(shared, clue_pub, clue_public)
    for i, c in enumerate(clues):
        if c == mine:
            return i
    return None


def unwrap_slot(header: EnvelopeHeader, identity: Identity, slot: int | None = None) -> SlotKey:
    """Open our slot of ``header``; raise ``VerificationError`` if it is not for us."""
    if slot is None:
        slot = find_slot(
            header.clue_pub, header.clues, identity.clue_secret, identity.public().clue
        )
        if slot is None:
            raise VerificationError("this envelope is not addressed to this key")
    if header.kem_id != identity.kem_id:
        raise VerificationError("this envelope uses a KEM this key does not have")
    kem = kem_for(header.kem_id)
    data = header.slots[slot]
    wrapped = open_base(
        header.kem_id,
        identity.kem_secret,
        data[: kem.n_enc],
        _SLOT_INFO,
        header.slot_aad(),
        data[kem.n_enc :],
    )
    content_key, del_secret = wrapped[:32], wrapped[32:]
    if hashlib.sha256(del_secret).digest() != header.deletion_hashes[slot]:
        raise VerificationError("slot deletion secret does not match the header")
    return SlotKey(slot, content_key, del_secret)


class EnvelopeOpener:
    """Open a body chunk by chunk; yields content with the prefix and padding removed."""

    def __init__(self, header: EnvelopeHeader, key: SlotKey) -> None:
        self.header = header
        self._stream = StreamOpener(_payload_key(key.content_key, header.raw))
        self._lengths = list(header.chunk_lengths())
        self._index = 0
        self._content_left: int | None = None
        self.content_length = -1

    def open_chunk(self, chunk: bytes | memoryview) -> bytes:
        if self._index >= len(self._lengths):
            raise VerificationError("data after the final chunk of the envelope")
        if len(chunk) != self._lengths[self._index]:
            raise ProtocolError("envelope body chunk has the wrong size")
        last = self._index == len(self._lengths) - 1
        self._index += 1
        pt = self._stream.open(chunk, last)
        start = 0
        if self._content_left is None:
            (clen,) = struct.unpack(">Q", pt[:8])
            if clen + 8 > self.header.length:
                raise VerificationError("content length exceeds the padded payload")
            self.content_length = clen
            self._content_left = clen
            start = 8
        end = start + min(len(pt) - start, self._content_left)
        self._content_left -= end - start
        if pt.count(0, end) != len(pt) - end:
            raise VerificationError("envelope padding is not zero")
        return pt if start == 0 and end == len(pt) else pt[start:end]

    def body(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Re-chunk an arbitrary byte stream into body chunks and open them."""
        buf = bytearray()
        sizes = iter(self._lengths[self._index :])
        want = next(sizes, None)
        for piece in chunks:
            buf += piece
            while want is not None and len(buf) >= want:
                yield self.open_chunk(bytes(buf[:want]))
                del buf[:want]
                want = next(sizes, None)
            if want is None and buf:
                raise VerificationError("data after the final chunk of the envelope")
        if want is not None or buf:
            raise VerificationError("envelope body is truncated")
        self.finish()

    def finish(self) -> None:
        self._stream.finish()


@dataclass(frozen=True)
class OpenedEnvelope:
    header: EnvelopeHeader
    key: SlotKey
    content: bytes

    @property
    def deletion_secrets(self) -> list[bytes]:
        """Every secret this recipient can show the drop (:func:`deletion_secrets`)."""
        return deletion_secrets(self.header, self.key)


def open_envelope(data: bytes, identity: Identity) -> OpenedEnvelope:
    """Open a whole in-memory envelope addressed to ``identity``.

    Each body chunk is read through a view of ``data`` and opened straight into its place in
    one buffer of the padded payload; the content is copied out of that buffer once. The same
    checks as :class:`EnvelopeOpener` (chunk order and finality, the length prefix, zero
    padding), made once over the whole payload."""
    header = parse_header(data)
    if len(data) != header.envelope_length():
        raise ProtocolError("envelope length does not match its header")
    key = unwrap_slot(header, identity)
    stream = StreamOpener(_payload_key(key.content_key, header.raw))
    length = header.length
    padded = bytearray(length)  # holds unauthenticated bytes if a chunk fails: never returned
    out = memoryview(padded)
    view = memoryview(data)
    pos = header.size
    for start in range(0, length, CHUNK_SIZE):
        end = min(start + CHUNK_SIZE, length)
        stream.open_into(view[pos : pos + end - start + TAG_SIZE], end == length, out[start:end])
        pos += end - start + TAG_SIZE
    stream.finish()
    (clen,) = struct.unpack_from(">Q", padded)
    if clen + 8 > length:
        raise VerificationError("content length exceeds the padded payload")
    if padded.count(0, 8 + clen) != length - 8 - clen:
        raise VerificationError("envelope padding is not zero")
    return OpenedEnvelope(header, key, bytes(out[8 : 8 + clen]))
