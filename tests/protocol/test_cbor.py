"""Deterministic CBOR (RFC 8949 §4.2.1): Appendix A examples, strictness, cbor2 as an oracle."""

from __future__ import annotations

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tysha.errors import ProtocolError
from tysha.protocol.cbor import decode, encode, encode_bytes_array

# RFC 8949 Appendix A, for the subset Tysha uses.
APPENDIX_A = [
    (0, "00"), (1, "01"), (10, "0a"), (23, "17"), (24, "1818"), (25, "1819"), (100, "1864"),
    (1000, "1903e8"), (1000000, "1a000f4240"), (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"), (-1, "20"), (-10, "29"), (-100, "3863"),
    (-1000, "3903e7"), (False, "f4"), (True, "f5"), (None, "f6"), (b"", "40"),
    (b"\x01\x02\x03\x04", "4401020304"), ("", "60"), ("a", "6161"), ("IETF", "6449455446"),
    ("\"\\", "62225c"), ("\u00fc", "62c3bc"), ("\u6c34", "63e6b0b4"), ([], "80"),
    ([1, 2, 3], "83010203"), ([1, [2, 3], [4, 5]], "8301820203820405"), ({}, "a0"),
    ({1: 2, 3: 4}, "a201020304"), ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
]


@pytest.mark.parametrize("value,hexed", APPENDIX_A)
def test_appendix_a(value: object, hexed: str) -> None:
    assert encode(value).hex() == hexed
    assert decode(bytes.fromhex(hexed)) == value


def test_map_keys_sorted_bytewise() -> None:
    assert encode({"b": 1, "a": 2, 10: 3, 1: 4}).hex() == "a4" + "0104" + "0a03" + "616102" + "616201"


@pytest.mark.parametrize("bad,why", [
    ("1817", "non-shortest 1-byte argument"),
    ("190017", "non-shortest 2-byte argument"),
    ("1a0000ffff", "non-shortest 4-byte argument"),
    ("1b00000000ffffffff", "non-shortest 8-byte argument"),
    ("5f4101ff", "indefinite byte string"),
    ("9f01ff", "indefinite array"),
    ("a201020103", "duplicate key"),
    ("a203040102", "unsorted keys"),
    ("0000", "trailing bytes"),
    ("c11a514b67b0", "tag"),
    ("f93c00", "half float"),
    ("fb3ff199999999999a", "double"),
    ("62c328", "invalid UTF-8"),
    ("5b00000001000000", "oversized length announced"),
    ("44010203", "truncated"),
    ("", "empty"),
    ("a1820102", "array as map key"),
])
def test_rejects(bad: str, why: str) -> None:
    with pytest.raises(ProtocolError):
        decode(bytes.fromhex(bad))


def test_depth_limit() -> None:
    deep = bytes.fromhex("81" * 40 + "00")
    with pytest.raises(ProtocolError):
        decode(deep)
    assert decode(bytes.fromhex("81" * 10 + "00"), max_depth=16) is not None


values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64 - 1) | st.binary(max_size=40)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.integers(-1000, 1000) | st.text(max_size=8), children, max_size=5),
    max_leaves=20,
)


@given(values)
@settings(max_examples=300, deadline=None)
def test_round_trip_and_cbor2_agrees(value: object) -> None:
    data = encode(value)
    assert decode(data, max_depth=64) == value
    assert cbor2.loads(data) == value  # an independent decoder reads the same value
    assert encode(decode(data, max_depth=64)) == data


@given(st.binary(max_size=200))
@settings(max_examples=1500, deadline=None)
def test_arbitrary_bytes_raise_only_protocol_error(data: bytes) -> None:
    try:
        decode(data)
    except ProtocolError:
        pass


@given(st.lists(st.binary(max_size=300), max_size=30))
@settings(max_examples=300, deadline=None)
def test_bytes_array_fast_path_is_encode(items: list[bytes]) -> None:
    assert encode_bytes_array(items) == encode(items)
    assert encode_bytes_array(tuple(items)) == encode(items)


def test_bytes_array_fast_path_long_and_foreign() -> None:
    many = [bytes([i % 256]) * (i % 3) for i in range(300)]  # an array head past 255
    assert encode_bytes_array(many) == encode(many) == cbor2.dumps(many)
    mixed = [b"a", bytearray(b"b"), 7]  # not all bytes: the general encoder's answer
    assert encode_bytes_array(mixed) == encode(mixed)
