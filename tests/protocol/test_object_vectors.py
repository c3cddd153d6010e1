"""Vectors for invitations and manifests (objects.json): positive, negative and hostile."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import Invitation, Manifest, PublicIdentity, read_report
from tysha.protocol.manifest import frame_content

VEC = Path(__file__).parent.parent / "vectors" / "protocol"


def doc() -> dict[str, Any]:
    return json.loads((VEC / "objects.json").read_text())


def test_regenerates_byte_for_byte() -> None:
    spec = importlib.util.spec_from_file_location("gen_objects", VEC / "generate_objects.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.render() == (VEC / "objects.json").read_text()


def test_invitation_vectors() -> None:
    v = doc()["invitation"]
    desk = PublicIdentity.from_text(v["desk_public"])
    inv = Invitation.from_text(v["text"])
    assert inv.handler == desk and desk.fingerprint() == v["fingerprint"]
    assert Invitation.from_bytes(bytes.fromhex(v["binary"])) == inv
    assert Invitation.from_qr_payload(bytes.fromhex(v["qr"])) == inv
    assert inv.to_text() == v["text"]
    n = v["negative"]
    for key in ("damaged_truncated", "damaged_substituted", "damaged_swapped"):
        with pytest.raises(ProtocolError, match="damaged"):
            Invitation.from_text(n[key])
    with pytest.raises(VerificationError):
        Invitation.from_text(n["forged_text"])
    with pytest.raises(VerificationError):
        Invitation.from_bytes(bytes.fromhex(n["bit_flipped_signature_binary"]))
    with pytest.raises(ProtocolError, match="version"):
        Invitation.from_bytes(bytes.fromhex(n["wrong_version_binary"]))
    with pytest.raises(ProtocolError, match="old invitation format"):
        Invitation.from_text(n["old_format_text"])


def test_manifest_vectors() -> None:
    v = doc()["manifest"]
    m = Manifest.from_bytes(bytes.fromhex(v["manifest"]))
    assert m.sender == PublicIdentity.from_text(v["sender_public"])
    opened, files = read_report([frame_content(m.to_bytes()) + bytes.fromhex(v["attachment"])])
    assert opened.capture_verified and files == [bytes.fromhex(v["attachment"])]
    n = v["negative"]
    with pytest.raises(ProtocolError):
        Manifest.from_bytes(bytes.fromhex(n["truncated"]))
    with pytest.raises((ProtocolError, VerificationError)):
        Manifest.from_bytes(bytes.fromhex(n["bit_flipped"]))
    with pytest.raises(VerificationError):
        Manifest.from_bytes(bytes.fromhex(n["wrong_key"]))
    with pytest.raises(ProtocolError, match="version"):
        Manifest.from_bytes(bytes.fromhex(n["wrong_version"]))


@pytest.mark.parametrize("case", sorted(json.loads((VEC / "objects.json").read_text())
                                        ["manifest"]["hostile_protocol_error"]))
def test_hostile_manifest_vectors_are_protocol_errors(case: str) -> None:
    data = bytes.fromhex(doc()["manifest"]["hostile_protocol_error"][case])
    with pytest.raises(ProtocolError):
        Manifest.from_bytes(data)


@pytest.mark.parametrize("case", sorted(json.loads((VEC / "objects.json").read_text())
                                        ["manifest"]["implausible_kept"]))
def test_implausible_claim_vectors_are_dropped_and_flagged(case: str) -> None:
    v = doc()["manifest"]["implausible_kept"][case]
    m = Manifest.from_bytes(bytes.fromhex(v["manifest"]))
    att = m.attachments[0].attestation
    assert att is not None
    assert [d.split(":")[0].strip("'") for d in att.implausible] == v["dropped"]
    assert not set(v["dropped"]) & set(att.claims)
    att.verify(signer=m.sender.sign)
