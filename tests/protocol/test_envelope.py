"""Envelopes: round trips, padding, clues, every negative case, flat-memory streaming."""

from __future__ import annotations

import os
import struct
import tracemalloc

import pytest

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import (
    CHUNK_SIZE,
    TEXT_BUCKET,
    ClueRecord,
    EnvelopeOpener,
    EnvelopeSealer,
    Identity,
    Scanner,
    cbor_decode,
    cbor_encode,
    decode_clue_records,
    encode_clue_records,
    envelope_digest,
    open_envelope,
    padme,
    parse_header,
    seal_envelope,
    unwrap_slot,
)
from tysha.protocol.kem import KEM_X25519, KEM_XWING
from tysha.protocol.padding import is_valid_padded_length
from tysha.protocol.stream import StreamOpener, StreamSealer


@pytest.fixture(scope="module")
def people() -> dict[str, Identity]:
    return {n: Identity.generate(os.urandom) for n in ("handler", "escrow", "stranger")}


@pytest.mark.parametrize("kem_id", [KEM_XWING, KEM_X25519])
@pytest.mark.parametrize("size", [0, 1, 5000, TEXT_BUCKET - 8, TEXT_BUCKET, CHUNK_SIZE, 3 * CHUNK_SIZE + 7])
def test_round_trip(kem_id: int, size: int) -> None:
    a = Identity.generate(os.urandom, kem_id)
    b = Identity.generate(os.urandom, kem_id)
    content = os.urandom(size)
    env = seal_envelope(content, [a.public(), b.public()], os.urandom, kem_id)
    h = parse_header(env)
    assert h.envelope_length() == len(env)
    assert is_valid_padded_length(h.length) and h.length >= size + 8
    for who in (a, b):
        opened = open_envelope(env, who)
        assert opened.content == content
    with pytest.raises(VerificationError):
        open_envelope(env, Identity.generate(os.urandom, kem_id))


def test_no_recipient_identifier_and_shuffled(people: dict[str, Identity]) -> None:
    h = people["handler"].public()
    positions = set()
    for _ in range(24):
        env = seal_envelope(b"x", [h], os.urandom)
        for key in (h.sign, h.clue, h.kem[:64], h.kem[-32:], h.fingerprint().encode()):
            assert key not in env
        positions.add(unwrap_slot(parse_header(env), people["handler"]).slot)
    assert positions == {0, 1}  # one real slot padded to two, in random order


def test_text_bucket_hides_length(people: dict[str, Identity]) -> None:
    h = people["handler"].public()
    sizes = {len(seal_envelope(os.urandom(n), [h], os.urandom)) for n in (0, 10, 1000, 8000)}
    assert len(sizes) == 1


def test_padme_values() -> None:
    # PURBs paper, §4: at most floor(log2 floor(log2 L)) + 1 significant bits; overhead <= 12 %.
    assert padme(9000) == 9216
    assert padme(1_000_000) == 1_015_808
    for n in range(TEXT_BUCKET + 1, 2_000_000, 9973):
        p = padme(n)
        assert n <= p <= n * 1.12 and padme(p) == p and is_valid_padded_length(p)


def test_deletion_secret_matches_header(people: dict[str, Identity]) -> None:
    import hashlib

    env = seal_envelope(b"hi", [people["handler"].public(), people["escrow"].public()], os.urandom)
    h = parse_header(env)
    for who in ("handler", "escrow"):
        k = unwrap_slot(h, people[who])
        assert hashlib.sha256(k.deletion_secret).digest() == h.deletion_hashes[k.slot]


def _flip(data: bytes, pos: int) -> bytes:
    b = bytearray(data)
    b[pos] ^= 0x01
    return bytes(b)


def test_negative_cases(people: dict[str, Identity]) -> None:
    me = people["handler"]
    env = seal_envelope(os.urandom(3 * CHUNK_SIZE), [me.public()], os.urandom)
    h = parse_header(env)
    with pytest.raises(ProtocolError):
        open_envelope(env[:-1], me)  # truncated
    with pytest.raises(ProtocolError):
        open_envelope(env[:3], me)
    with pytest.raises(VerificationError):
        open_envelope(_flip(env, len(env) - 5), me)  # body bit flip
    with pytest.raises(VerificationError):
        open_envelope(_flip(env, h.size + CHUNK_SIZE + 20), me)
    slot_pos = env.index(h.slots[0]) + 10
    with pytest.raises(VerificationError):
        open_envelope(_flip(env, slot_pos), me) if unwrap_slot(h, me).slot == 0 else \
            open_envelope(_flip(env, env.index(h.slots[1]) + 10), me)
    clue_pos = env.index(h.clue_pub)
    with pytest.raises(VerificationError):
        open_envelope(_flip(env, clue_pos), me)  # the clue no longer matches
    # wrong version: re-encode the header as version 2
    obj = cbor_decode(h.raw[4:])
    assert isinstance(obj, dict)
    obj[0] = 2
    body = cbor_encode(obj)
    with pytest.raises(ProtocolError, match="version"):
        parse_header(struct.pack(">I", len(body)) + body + env[h.size:])
    # slots swapped between two envelopes are refused (slot AAD binds the header)
    other = seal_envelope(os.urandom(3 * CHUNK_SIZE), [me.public()], os.urandom)
    ho = parse_header(other)
    obj2 = cbor_decode(ho.raw[4:])
    assert isinstance(obj2, dict)
    obj2[4] = list(h.slots)
    obj2[6] = list(h.deletion_hashes)
    obj2[3] = list(h.clues)
    obj2[2] = h.clue_pub
    b2 = cbor_encode(obj2)
    with pytest.raises(VerificationError):
        open_envelope(struct.pack(">I", len(b2)) + b2 + other[ho.size:], me)
    # body appended
    with pytest.raises(ProtocolError):
        open_envelope(env + b"\x00" * 16, me)


def test_stream_negative() -> None:
    key = os.urandom(32)
    s = StreamSealer(key)
    chunks = [s.seal(b"a" * CHUNK_SIZE, False), s.seal(b"b" * CHUNK_SIZE, False), s.seal(b"c", True)]

    def run(cs: list[bytes], lasts: list[bool]) -> None:
        o = StreamOpener(key)
        for c, last in zip(cs, lasts, strict=True):
            o.open(c, last)
        o.finish()

    run(chunks, [False, False, True])
    with pytest.raises(VerificationError):
        run(chunks[:2], [False, False])  # truncated: final chunk missing
    with pytest.raises(VerificationError):
        run([chunks[1], chunks[0], chunks[2]], [False, False, True])  # reordered
    with pytest.raises(VerificationError):
        run(chunks[:2], [False, True])  # non-final chunk presented as final
    with pytest.raises(VerificationError):
        run([chunks[0], _flip(chunks[1], 3), chunks[2]], [False, False, True])
    with pytest.raises(VerificationError):
        o = StreamOpener(os.urandom(32))
        o.open(chunks[0], False)


def test_streaming_flat_memory(people: dict[str, Identity]) -> None:
    me = people["handler"]
    total = 48 * 1024 * 1024
    piece = os.urandom(1 << 20)
    tracemalloc.start()
    sealer = EnvelopeSealer([me.public()], total, os.urandom)
    header = parse_header(sealer.header)
    key = unwrap_slot(header, me)
    opener = EnvelopeOpener(header, key)
    got = 0
    body = sealer.body(piece for _ in range(total // len(piece)))
    for out in opener.body(body):
        got += len(out)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert got == total
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes for a {total}-byte envelope"


def test_clue_listing_and_scanner(people: dict[str, Identity]) -> None:
    me = people["handler"]
    recs = []
    mine = set()
    for i in range(60):
        to = me if i % 7 == 0 else people["stranger"]
        h = parse_header(seal_envelope(b"x", [to.public()], os.urandom))
        recs.append(ClueRecord(i * 3, h.clue_pub, h.clues))
        if to is me:
            mine.add(i * 3)
    data = encode_clue_records(recs, after=-1)
    assert len(data) <= 51 * len(recs)
    back = decode_clue_records(data, after=-1)
    assert back == recs
    hits = Scanner(me.clue_secret, me.public().clue).scan(back)
    assert {r.index for r, _ in hits} == mine
    with pytest.raises(ProtocolError):
        decode_clue_records(data[:-1], after=-1)
    with pytest.raises(ProtocolError):
        decode_clue_records(b"\x80\x00" + data[1:], after=-1)  # non-minimal varint


def test_digest_is_sha256() -> None:
    import hashlib

    assert envelope_digest(b"abc") == hashlib.sha256(b"abc").digest()
