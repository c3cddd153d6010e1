"""The envelope hot path (issue 13) computes the same bytes as the general code it shortcuts.

Each fast path is checked against the slower, plainly specified computation it replaces, with
deterministic randomness so the comparison is byte for byte, and against hostile input where
the shortcut skips a step (padding, truncation, a wrong key).
"""

from __future__ import annotations

import hashlib
import struct
from collections import UserList
from collections.abc import Callable
from types import MappingProxyType

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.bindings import crypto_generichash_blake2b_salt_personal

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import cbor, hpke
from tysha.protocol._libsodium import keyed_blake2b, keyed_blake2b_public
from tysha.protocol.envelope import (
    CLUE_SIZE,
    MAX_SLOTS,
    EnvelopeHeader,
    EnvelopeOpener,
    EnvelopeSealer,
    _parse_fixed,
    _parse_general,
    _slot_aad,
    clue_for,
    open_envelope,
    parse_header,
    seal_envelope,
    unwrap_slot,
)
from tysha.protocol.kem import (
    KEM_X25519,
    KEM_XWING,
    _mlkem_public,
    hkdf_expand,
    kem_for,
    labeled_expand,
    labeled_extract,
)
from tysha.protocol.keys import Identity
from tysha.protocol.stream import CHUNK_SIZE


def drbg(seed: bytes) -> Callable[[int], bytes]:
    """Deterministic bytes (SHAKE-256 of a counter) standing in for ``os.urandom``."""
    counter = [0]

    def rand(n: int) -> bytes:
        counter[0] += 1
        return hashlib.shake_256(seed + counter[0].to_bytes(8, "big")).digest(n)

    return rand


def body_the_long_way(sealer: EnvelopeSealer, content: bytes) -> bytes:
    """The envelope as the streaming interface yields it, in uneven pieces."""
    pieces = [content[i : i + 7001] for i in range(0, len(content), 7001)] or [b""]
    return sealer.header + b"".join(sealer.body(pieces))


SIZES = [0, 1, 8184, 8185, CHUNK_SIZE - 8, CHUNK_SIZE - 7, CHUNK_SIZE, 3 * CHUNK_SIZE + 5]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kem_id", [KEM_XWING, KEM_X25519])
def test_seal_whole_equals_streamed_body(size: int, kem_id: int) -> None:
    me = Identity.generate(drbg(b"id"), kem_id)
    content = hashlib.shake_256(b"content").digest(size) if size else b""
    # The ML-KEM half of X-Wing draws its own randomness: compare bodies under one header.
    a = EnvelopeSealer([me.public()], size, drbg(b"env"), kem_id)
    fast = a.seal_whole(content)
    assert fast[: len(a.header)] == a.header
    b = EnvelopeSealer([me.public()], size, drbg(b"env"), kem_id)
    b.header = a.header
    b._stream = type(b._stream)(_payload_key_of(a, me))
    assert body_the_long_way(b, content) == fast
    assert open_envelope(fast, me).content == content


def _payload_key_of(sealer: EnvelopeSealer, me: Identity) -> bytes:
    from tysha.protocol.envelope import _payload_key

    key = unwrap_slot(parse_header(sealer.header), me)
    return _payload_key(key.content_key, sealer.header)


def test_x25519_envelope_is_fully_deterministic_and_unchanged() -> None:
    """With the X25519 suite every byte comes from ``rand``: two seals agree byte for byte,
    and the whole-content path agrees with the streamed one."""
    me = Identity.generate(drbg(b"x"), KEM_X25519)
    content = b"report " * 3000
    one = seal_envelope(content, [me.public()], drbg(b"e"), KEM_X25519)
    two = body_the_long_way(
        EnvelopeSealer([me.public()], len(content), drbg(b"e"), KEM_X25519), content
    )
    assert one == two


def test_seal_whole_refuses_reuse_and_wrong_length() -> None:
    me = Identity.generate(drbg(b"id"))
    s = EnvelopeSealer([me.public()], 5, drbg(b"e"))
    with pytest.raises(ProtocolError):
        s.seal_whole(b"four")
    s.seal_whole(b"fives")
    with pytest.raises(ProtocolError):
        s.seal_whole(b"fives")


@pytest.mark.parametrize("kem_id", [KEM_XWING, KEM_X25519])
@pytest.mark.parametrize("recipients", [1, 2, 3, 16])
def test_slot_aad_from_raw_header_equals_encoding(kem_id: int, recipients: int) -> None:
    ids = [Identity.generate(drbg(bytes([i])), kem_id) for i in range(recipients)]
    env = seal_envelope(b"x", [i.public() for i in ids], drbg(b"s"), kem_id)
    h = parse_header(env)
    assert len(h.slots) == max(2, recipients)
    assert h.slot_aad() == _slot_aad(h.kem_id, h.clue_pub, h.clues, h.length, h.deletion_hashes)
    for length in (8192, 1 << 20, (1 << 32)):  # length heads of 3, 5 and 9 bytes
        assert _aad_of(h, length) == _slot_aad(
            h.kem_id, h.clue_pub, h.clues, length, h.deletion_hashes
        )


def _aad_of(h: EnvelopeHeader, length: int) -> bytes:
    """The AAD read from a header re-encoded with another payload length."""
    obj = {
        0: 1,
        1: h.kem_id,
        2: h.clue_pub,
        3: list(h.clues),
        4: list(h.slots),
        5: length,
        6: list(h.deletion_hashes),
    }
    body = cbor.encode(obj)
    raw = struct.pack(">I", len(body)) + body
    return EnvelopeHeader(
        h.kem_id, h.clue_pub, h.clues, h.slots, length, h.deletion_hashes, raw
    ).slot_aad()


def test_header_is_the_deterministic_encoding_of_its_fields() -> None:
    me = Identity.generate(drbg(b"id"))
    env = seal_envelope(b"hello", [me.public()], drbg(b"s"))
    h = parse_header(env)
    assert h.raw[4:] == cbor.encode(_fields(h))


def _fields(h: EnvelopeHeader) -> dict[int, object]:
    """The header's map as the general CBOR encoder would be given it."""
    return {0: 1, 1: h.kem_id, 2: h.clue_pub, 3: list(h.clues), 4: list(h.slots), 5: h.length,
            6: list(h.deletion_hashes)}


def test_clue_matches_an_independent_blake2b() -> None:
    """The clue (libsodium) equals keyed, personalised BLAKE2b of the standard library."""
    for i in range(20):
        shared, e, c = (hashlib.sha256(bytes([i, j])).digest() for j in range(3))
        ref = hashlib.blake2b(
            e + c, digest_size=CLUE_SIZE, key=shared, person=b"tysha-clue-v1\x00\x00\x00"
        ).digest()
        assert clue_for(shared, e, c) == ref


def test_open_detects_nonzero_padding_truncation_and_tampering() -> None:
    me = Identity.generate(drbg(b"id"))
    content = b"abc" * 30000  # two chunks, padding in the second
    env = seal_envelope(content, [me.public()], drbg(b"s"))
    assert open_envelope(env, me).content == content
    with pytest.raises(ProtocolError):
        open_envelope(env[:-1], me)
    flipped = bytearray(env)
    flipped[-40] ^= 1
    with pytest.raises(VerificationError):
        open_envelope(bytes(flipped), me)
    other = Identity.generate(drbg(b"other"))
    with pytest.raises(VerificationError):
        open_envelope(env, other)
    # Padding that is not zero, under a valid tag: built with the sealer's own key.
    h = parse_header(env)
    key = unwrap_slot(h, me)
    from tysha.protocol.envelope import _payload_key
    from tysha.protocol.stream import StreamSealer

    stream = StreamSealer(_payload_key(key.content_key, h.raw))
    pad = bytes(h.length - 8 - len(content))
    framed = bytearray(struct.pack(">Q", len(content)) + content + pad)
    framed[-1] = 1
    chunks = [bytes(framed[i : i + CHUNK_SIZE]) for i in range(0, len(framed), CHUNK_SIZE)]
    body = b"".join(stream.seal(c, i == len(chunks) - 1) for i, c in enumerate(chunks))
    with pytest.raises(VerificationError, match="padding"):
        open_envelope(h.raw + body, me)
    # The chunk-by-chunk opener over the same bytes agrees.
    opener = EnvelopeOpener(h, key)
    with pytest.raises(VerificationError, match="padding"):
        b"".join(opener.body([body]))


class _Int(int):
    """An int the encoder's fast path does not take (its type is not exactly int)."""


def general(v: object) -> object:
    """The same value in types that only the encoder's general path handles."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return _Int(v)
    if isinstance(v, bytes):
        return bytearray(v)
    if isinstance(v, (list, tuple)):
        return UserList([general(x) for x in v])
    if isinstance(v, dict):
        return MappingProxyType({general(k): general(x) for k, x in v.items()})
    raise AssertionError(v)


def test_cbor_fast_paths_equal_general_paths() -> None:
    samples: list[object] = [
        0, 23, 24, 255, 256, 65535, 65536, (1 << 32) - 1, 1 << 32, (1 << 64) - 1, -1, -25,
        b"", b"x" * 23, b"x" * 24, b"x" * 255, b"x" * 256, b"x" * 70000,
        True, False, None, "tekst", [1, [2, [3]]], (1, 2), [b"c" * 8, b"d" * 8],
        {0: 1, 5: b"a", 23: [1]}, {24: 0, 3: 1}, {"b": 1, "a": 2, 1: 3}, {6: 0, 0: 0, 4: 0},
    ]  # fmt: skip
    for v in samples:
        assert cbor.encode(v) == cbor.encode(general(v)), v
        back = cbor.decode(cbor.encode(v))
        assert back == (list(v) if isinstance(v, tuple) else v)
    # A short byte string still honours max_bytes and truncation.
    with pytest.raises(ProtocolError):
        cbor.decode(cbor.encode(b"abcdef"), max_bytes=4)
    with pytest.raises(ProtocolError):
        cbor.decode(cbor.encode([b"abcdef"])[:-1])


def test_key_schedule_equals_labeled_composition() -> None:
    for kem_id in (KEM_X25519, KEM_XWING):
        kem = kem_for(kem_id)
        sid = b"HPKE" + struct.pack(">HHH", kem_id, 1, 3)
        for ss in (b"\x01" * 32, hashlib.sha256(b"s").digest()):
            for info in (b"", b"tysha/v1 slot", bytearray(b"info")):
                ctx = hpke.key_schedule(kem, ss, bytes(info))
                psk = labeled_extract(sid, b"", b"psk_id_hash", b"")
                ih = labeled_extract(sid, b"", b"info_hash", bytes(info))
                context = b"\x00" + psk + ih
                secret = labeled_extract(sid, ss, b"secret", b"")
                assert ctx.key == labeled_expand(sid, secret, b"key", context, 32)
                assert ctx.base_nonce == labeled_expand(sid, secret, b"base_nonce", context, 12)
                assert ctx.exporter_secret == labeled_expand(sid, secret, b"exp", context, 32)
                assert ctx.nonce(0) == ctx.base_nonce
                assert ctx.nonce(1) != ctx.base_nonce


def test_hkdf_expand_single_block_equals_pyca() -> None:
    prk = hashlib.sha256(b"prk").digest()
    for length in (1, 12, 31, 32, 33, 64, 100):
        for info in (b"", b"tysha/v1 payload", b"i" * 300):
            ref = HKDFExpand(hashes.SHA256(), length, info).derive(prk)
            assert hkdf_expand(prk, info, length) == ref


def test_mlkem_key_cache_does_not_keep_bad_keys() -> None:
    kem = kem_for(KEM_XWING)
    good = kem.derive_key_pair(b"k" * 32).public
    kem.encap(good, b"r" * 32)
    bad = b"\xff" * 1184 + good[1184:]
    for _ in range(2):
        with pytest.raises(ProtocolError):
            kem.encap(bad, b"r" * 32)
    assert _mlkem_public.cache_info().currsize >= 1
    # bytearray public keys still work (the cache key is made bytes).
    ss, enc = kem.encap(bytearray(good), b"r" * 32)
    assert len(enc) == kem.n_enc


def test_parse_header_from_a_view_equals_from_bytes() -> None:
    """The drop parses a one-shot body's header through a view (no copy of the body)."""
    me = Identity.generate(drbg(b"id"))
    env = seal_envelope(b"view", [me.public()], drbg(b"s"))
    h = parse_header(env)
    v = parse_header(memoryview(env)[: 4 + 65536])
    assert v == h and type(v.raw) is bytes
    with pytest.raises(ProtocolError):
        parse_header(memoryview(env)[: h.size - 1])
    with pytest.raises(ProtocolError):
        parse_header(memoryview(env)[:3])


# The header parser specialised to the envelope's one valid layout (_parse_fixed) reads only
# headers the general CBOR decoder (_parse_general) accepts, with the same result; anything it
# does not recognise goes to the general decoder. And the sealer's direct header encoding
# (_header_fields) is the deterministic CBOR of the fields.


def _outcome(fn: Callable[[bytes], object], raw: bytes) -> object:
    try:
        return fn(raw)
    except (ProtocolError, VerificationError) as exc:
        return (type(exc), str(exc))


def _check_fixed_against_general(raw: bytes) -> bool:
    """Whether the fixed-layout reader took ``raw``; fails if it disagrees with the general
    decoder (accepting what it refuses, or reading other fields) or if ``parse_header``
    answers otherwise than the general decoder."""
    fixed = _parse_fixed(raw)
    general_result = _outcome(_parse_general, raw)
    if fixed is not None:
        assert isinstance(general_result, EnvelopeHeader), general_result
        assert fixed == general_result
    if int.from_bytes(raw[:4], "big") == len(raw) - 4:
        assert _outcome(parse_header, raw) == general_result
    return fixed is not None


def _framed(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


# Content lengths giving each form of the length field's head: 8192 (3 bytes), 67584 (5),
# about 2^31 (5, near the top), and the largest payload, 2^32 (9 bytes).
_LENGTHS = [0, 65536, (1 << 31) - 100, (1 << 32) - 8]


def _header(kem_id: int, recipients: int, content_length: int, seed: bytes = b"h") -> bytes:
    ids = [Identity.generate(drbg(seed + bytes([i])), kem_id) for i in range(recipients)]
    return EnvelopeSealer([i.public() for i in ids], content_length, drbg(seed), kem_id).header


@pytest.mark.parametrize("kem_id", [KEM_XWING, KEM_X25519])
def test_fixed_layout_reads_every_valid_header_like_the_general_decoder(kem_id: int) -> None:
    for recipients in range(1, MAX_SLOTS + 1):
        for content_length in _LENGTHS:
            raw = _header(kem_id, recipients, content_length)
            h = _parse_general(raw)
            assert len(h.slots) == max(2, recipients)
            # Not a fallback: the fast reader itself takes every header a sealer makes.
            assert _check_fixed_against_general(raw)
            # The direct encoding is the deterministic CBOR of the fields.
            assert raw[4:] == cbor.encode(_fields(h))


@pytest.mark.parametrize("kem_id", [KEM_XWING, KEM_X25519])
def test_fixed_layout_every_single_byte_change_agrees_with_the_general_decoder(
    kem_id: int,
) -> None:
    """Every byte of a two-slot header that is structure (heads, keys, lengths) replaced by
    every value or a byte of every value inserted before it; every byte inside a field's
    content (key, clues, slots, hashes: any value is content to both readers) replaced by a
    few values (X-Wing: only every 97th byte of the slots' contents); every byte deleted, and
    the header cut at every byte."""
    raw = _header(kem_id, 1, 100)
    body = raw[4:]
    slot_len = 1200 if kem_id == KEM_XWING else 112
    h = _parse_general(raw)
    slots_at = body.index(h.slots[0])
    skip = range(slots_at, slots_at + 2 * (slot_len + 3)) if kem_id == KEM_XWING else range(0)
    content: set[int] = set()
    for field in (h.clue_pub, *h.clues, *h.slots, *h.deletion_hashes):
        at = body.index(field)
        content.update(range(at, at + len(field)))
    taken = 0
    for pos in range(len(body)):
        if pos in skip and pos % 97:
            continue
        values = (0x00, 0xFF, body[pos] ^ 0x01, body[pos] ^ 0x80) if pos in content else range(256)
        for value in values:
            if value == body[pos]:
                continue
            mutated = body[:pos] + bytes([value]) + body[pos + 1 :]
            taken += _check_fixed_against_general(_framed(mutated))
            taken += _check_fixed_against_general(_framed(body[:pos] + bytes([value]) + body[pos:]))
        taken += _check_fixed_against_general(_framed(body[:pos] + body[pos + 1 :]))
        taken += _check_fixed_against_general(_framed(body[:pos]))
        # A map shorter than the 4-byte prefix says (the readers see only the map).
        taken += _check_fixed_against_general(raw[:4] + body[:pos])
    # Changing a clue, the clue key, a slot's or a hash's content keeps a valid header.
    assert taken > 0


@pytest.mark.parametrize("kem_id", [KEM_XWING, KEM_X25519])
def test_fixed_layout_refuses_non_shortest_lengths_and_bad_buckets(kem_id: int) -> None:
    raw = _header(kem_id, 2, 65536)
    h = _parse_general(raw)
    body = raw[4:]
    length_field = b"\x05" + cbor.encode(h.length) + b"\x06"
    at = body.index(length_field)
    heads = [b"\x1a" + h.length.to_bytes(4, "big"), b"\x1b" + h.length.to_bytes(8, "big")]
    for value in (1, 23, 24, 8191, 8193, h.length - 1, h.length + 1, 1 << 32, (1 << 32) + 1,
                  (1 << 64) - 1, 0):  # fmt: skip
        heads.append(cbor.encode(value))
    heads += [b"\x1c", b"\x1f", b"\x20", b"\x39\x00\x10"]  # reserved, indefinite, negative
    for head in heads:
        mutated = body[: at + 1] + head + body[at + len(length_field) - 1 :]
        took = _check_fixed_against_general(_framed(mutated))
        # Only the shortest form of a padding bucket (the header's own, or 2^32) is read.
        assert took == (head in (cbor.encode(h.length), cbor.encode(1 << 32)))
    assert not _check_fixed_against_general(_framed(body[: at + 1] + b"\x1b"))


@given(
    kem_id=st.sampled_from([KEM_XWING, KEM_X25519]),
    recipients=st.integers(1, 4),
    edits=st.lists(
        st.tuples(st.sampled_from("rid"), st.integers(0, 1 << 16), st.integers(0, 255)),
        min_size=1,
        max_size=4,
    ),
)
@settings(max_examples=400)
def test_fixed_layout_random_edits_agree_with_the_general_decoder(
    kem_id: int, recipients: int, edits: list[tuple[str, int, int]]
) -> None:
    body = bytearray(_header(kem_id, recipients, 100)[4:])
    for op, pos, value in edits:
        pos %= len(body) + 1
        if op == "r" and pos < len(body):
            body[pos] = value
        elif op == "i":
            body.insert(pos, value)
        elif pos < len(body):
            del body[pos]
    _check_fixed_against_general(_framed(bytes(body)))


def test_clue_equals_pynacl_public_binding_for_every_key_length() -> None:
    person = b"tysha-clue-v1\x00\x00\x00"
    for n in range(0, 70):
        key, e, c = hashlib.shake_256(bytes([n])).digest(n), b"E" * 32, bytes(range(32))
        if n <= 64:
            ref = crypto_generichash_blake2b_salt_personal(
                e + c, digest_size=CLUE_SIZE, key=key, person=person
            )
            assert clue_for(key, e, c) == ref
        else:  # libsodium refuses the key (the public binding) and so do we, before any C call
            with pytest.raises(ValueError):
                crypto_generichash_blake2b_salt_personal(
                    e + c, digest_size=CLUE_SIZE, key=key, person=person
                )
            with pytest.raises(ProtocolError, match="at most 64 bytes"):
                clue_for(key, e, c)


@settings(max_examples=200, deadline=None)
@given(
    message=st.binary(max_size=300),
    key=st.binary(max_size=64),
    person=st.binary(min_size=16, max_size=16),
    size=st.integers(1, 64),
)
def test_keyed_blake2b_equals_pynacl_public_binding(
    message: bytes, key: bytes, person: bytes, size: int
) -> None:
    """The direct libsodium call (and its fallback, the public binding) gives what
    ``nacl.bindings`` gives, for any message, key, personalisation and output size libsodium
    accepts."""
    ref = crypto_generichash_blake2b_salt_personal(
        message, digest_size=size, key=key, person=person
    )
    assert keyed_blake2b(message, key, person, size) == ref
    assert keyed_blake2b_public(message, key, person, size) == ref


def test_without_pynacls_cffi_module_the_public_binding_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A PyNaCl that no longer ships ``nacl._sodium`` costs speed, not correctness."""
    import sys

    from tysha.protocol import _libsodium

    monkeypatch.setitem(sys.modules, "nacl._sodium", None)  # import of it raises ImportError
    assert _libsodium._direct() is None


def test_the_clue_takes_the_direct_call_where_pynacl_has_it() -> None:
    """With this PyNaCl the fast path is the one in use (the fallback exists for a PyNaCl
    without ``nacl._sodium``, and gives the same bytes: above)."""
    import nacl._sodium  # noqa: F401  (present in every PyNaCl this package accepts)

    assert keyed_blake2b is not keyed_blake2b_public


@pytest.mark.parametrize(
    ("message", "key", "person", "size"),
    [
        (b"m", b"k" * 32, b"p" * 15, 8),  # short personalisation: libsodium reads 16 bytes
        (b"m", b"k" * 32, b"p" * 17, 8),
        (b"m", b"k" * 65, b"p" * 16, 8),  # a key libsodium refuses
        (b"m", b"k" * 32, b"p" * 16, 0),
        (b"m", b"k" * 32, b"p" * 16, 65),
        (b"m", b"k" * 32, b"p" * 16, 8.0),
        ("m", b"k" * 32, b"p" * 16, 8),  # not bytes: never handed to C
        (b"m", bytearray(32), b"p" * 16, 8),
        (memoryview(b"m"), b"k" * 32, b"p" * 16, 8),
    ],
)
def test_keyed_blake2b_refuses_what_libsodium_would_misread(
    message: object, key: object, person: object, size: object
) -> None:
    for blake2b in (keyed_blake2b, keyed_blake2b_public):
        with pytest.raises(ProtocolError):
            blake2b(message, key, person, size)  # type: ignore[arg-type]


def _streamed(h: EnvelopeHeader, me: Identity, body: bytes) -> object:
    """The content the chunk-by-chunk opener gives for ``body``, or its error."""
    try:
        return b"".join(EnvelopeOpener(h, unwrap_slot(h, me)).body([body]))
    except (ProtocolError, VerificationError) as exc:
        return (type(exc), str(exc))


def _whole(env: bytes, me: Identity) -> object:
    try:
        return open_envelope(env, me).content
    except (ProtocolError, VerificationError) as exc:
        return (type(exc), str(exc))


@pytest.mark.parametrize("size", [0, 100, CHUNK_SIZE - 8, CHUNK_SIZE - 7, 2 * CHUNK_SIZE + 3])
def test_open_into_one_buffer_equals_chunk_by_chunk_opener(size: int) -> None:
    """open_envelope (each chunk decrypted into one payload buffer) against EnvelopeOpener,
    on the envelope and on bodies sealed under the envelope's own payload key but wrong: a
    length prefix past the padded payload, non-zero padding, the final chunk not flagged
    final, a chunk flagged final too early, chunks swapped; and on flipped bytes. Both refuse
    each with the same error."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    from tysha.protocol.envelope import _payload_key
    from tysha.protocol.stream import _nonce

    me = Identity.generate(drbg(b"id"))
    content = hashlib.shake_256(b"c").digest(size) if size else b""
    env = seal_envelope(content, [me.public()], drbg(b"s"))
    h = parse_header(env)
    key = unwrap_slot(h, me)
    assert _whole(env, me) == _streamed(h, me, env[h.size :]) == content
    aead = ChaCha20Poly1305(_payload_key(key.content_key, h.raw))

    def body(
        framed: bytes, lasts: list[bool] | None = None, order: list[int] | None = None
    ) -> bytes:
        chunks = [framed[i : i + CHUNK_SIZE] for i in range(0, len(framed), CHUNK_SIZE)]
        lasts = lasts or [i == len(chunks) - 1 for i in range(len(chunks))]
        sealed = [
            aead.encrypt(_nonce(i, last), c, None)
            for i, (c, last) in enumerate(zip(chunks, lasts, strict=True))
        ]
        return b"".join(sealed[i] for i in (order or range(len(sealed))))

    pad = h.length - 8 - size
    good = struct.pack(">Q", size) + content + bytes(pad)
    n_chunks = -(-h.length // CHUNK_SIZE)
    variants = [
        body(struct.pack(">Q", h.length - 7) + content + bytes(pad)),  # prefix too large
        body(good, lasts=[False] * n_chunks),  # never final
    ]
    if pad:
        variants.append(body(good[:-1] + b"\x01"))  # padding not zero
    if n_chunks > 1:
        variants.append(body(good, lasts=[True] + [False] * (n_chunks - 1)))  # final too early
        variants.append(body(good, order=[1, 0, *range(2, n_chunks)]))  # chunks swapped
    sealed_body = env[h.size :]
    for pos in (0, 7, 8, len(sealed_body) // 2, len(sealed_body) - 17, len(sealed_body) - 1):
        flipped = bytearray(sealed_body)
        flipped[pos] ^= 0x40
        variants.append(bytes(flipped))
    assert body(good) == sealed_body  # the helper seals as the sealer does
    for v in variants:
        whole = _whole(h.raw + v, me)
        assert isinstance(whole, tuple), "a wrong body must not open"
        assert whole == _streamed(h, me, v)
