"""Our own generated envelope vectors: regenerate and compare; open positives, reject negatives."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import Identity, envelope_digest, open_envelope

VEC = Path(__file__).parent.parent / "vectors" / "protocol"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen", VEC / "generate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_regenerates_byte_for_byte() -> None:
    assert _generator().render() == (VEC / "envelope.json").read_text()


def test_positive_and_negative_vectors() -> None:
    doc = json.loads((VEC / "envelope.json").read_text())
    me = Identity.from_bytes(bytes.fromhex(doc["recipient_identity"]))
    stranger = Identity.from_bytes(bytes.fromhex(doc["stranger_identity"]))
    for case in doc["cases"]:
        env = bytes.fromhex(case["envelope"])
        assert envelope_digest(env).hex() == case["digest"]
        assert open_envelope(env, me).content.hex() == case["content"]
        with pytest.raises(VerificationError):
            open_envelope(env, stranger)  # wrong key
        neg = case["negative"] or {"truncated": case["envelope"][:-2]}
        with pytest.raises(ProtocolError):
            open_envelope(bytes.fromhex(neg["truncated"]), me)
        if "bit_flipped" not in neg:
            continue
        with pytest.raises(VerificationError):
            open_envelope(bytes.fromhex(neg["bit_flipped"]), me)
        with pytest.raises(ProtocolError, match="version"):
            open_envelope(bytes.fromhex(neg["wrong_version"]), me)
