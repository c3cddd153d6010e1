"""Pin the public surface: a change to it must be deliberate."""

from __future__ import annotations

import tysha
import tysha.protocol
import tysha.tlog


def test_protocol_all() -> None:
    assert sorted(tysha.protocol.__all__) == sorted([
        "CHUNK_SIZE", "CLUE_SIZE", "ENVELOPE_VERSION", "KEM_X25519", "KEM_XWING", "MAX_ENVELOPE_SIZE",
        "TEXT_BUCKET", "Attachment", "AttachmentCheck", "CaptureAttestation", "ClueRecord", "ContentSplitter",
        "EnvelopeHeader", "EnvelopeOpener", "EnvelopeSealer", "Identity", "Invitation", "Manifest",
        "OpenedEnvelope", "OpenedReport", "PublicIdentity", "Rand", "Receipt", "ReportReader", "Scanner", "SlotKey", "cbor_decode",
        "cbor_encode", "check_claims", "check_pow", "decode_clue_records", "encode_clue_records", "envelope_digest",
        "deletion_secrets", "find_slot", "frame_content", "gps_from_exif", "is_valid_padded_length", "open_envelope", "padded_length",
        "padme", "parse_header", "read_report", "seal_envelope", "sign_message", "solve_pow", "unwrap_slot",
        "verify_signature"])
    for name in tysha.protocol.__all__:
        assert hasattr(tysha.protocol, name)


def test_root_all() -> None:
    assert sorted(tysha.__all__) == sorted([
        "ConfigError", "ProtocolError", "StorageError", "TransportError", "TyshaError",
        "VerificationError", "__version__"])
