"""Receipts as a courier file or a bundle carries them (JSON) and as the drop sends them (CBOR):
every field is type- and range-checked, and only ProtocolError escapes."""

from __future__ import annotations

import os

import pytest

from tysha.errors import ProtocolError
from tysha.protocol import Receipt, cbor_decode, cbor_encode

GOOD = Receipt(os.urandom(32), 3, "drop.example/x\n9\nAAAA\n\n— sig\n", (os.urandom(32),) * 2)


def test_round_trips() -> None:
    assert Receipt.from_json(GOOD.to_json()) == GOOD
    assert Receipt.from_bytes(GOOD.to_bytes()) == GOOD


@pytest.mark.parametrize("change", [
    {"index": True}, {"index": 1.0}, {"index": "3"}, {"index": -1}, {"index": 2**63},
    {"envelope_digest": "zz" * 32}, {"envelope_digest": "ab" * 31}, {"envelope_digest": 5},
    {"envelope_digest": None}, {"checkpoint": 7}, {"checkpoint": "x" * 20000},
    {"checkpoint": "a\x00b"}, {"proof": "ab"}, {"proof": ["ab" * 32] * 65}, {"proof": [1]},
    {"proof": None}, {"proof": [["ab" * 32]]}, {"extra": 1},
])
def test_hostile_json_is_a_protocol_error(change: dict[str, object]) -> None:
    with pytest.raises(ProtocolError):
        Receipt.from_json({**GOOD.to_json(), **change})


@pytest.mark.parametrize("obj", [None, [], "x", 5, {}, {"index": 1}])
def test_not_a_receipt_object(obj: object) -> None:
    with pytest.raises(ProtocolError):
        Receipt.from_json(obj)


def test_json_error_does_not_leak_python_text() -> None:
    with pytest.raises(ProtocolError) as e:
        Receipt.from_json({**GOOD.to_json(), "envelope_digest": "zz" * 32})
    assert "non-hexadecimal" not in e.value.message and "fromhex" not in e.value.message


@pytest.mark.parametrize("key,value", [(1, b"short"), (2, True), (2, -1), (3, b"cp"),
                                       (4, [b"x"]), (4, [bytes(32)] * 65), (0, 2)])
def test_hostile_cbor_is_a_protocol_error(key: int, value: object) -> None:
    obj = cbor_decode(GOOD.to_bytes())
    assert isinstance(obj, dict)
    obj[key] = value
    with pytest.raises(ProtocolError):
        Receipt.from_bytes(cbor_encode(obj))
