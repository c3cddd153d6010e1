"""The envelope protocol: encoding, keys, KEMs, HPKE, envelopes, clues, wire objects.

Pure: no I/O, no clock, no randomness of its own (``Rand`` is passed in). See the module
docstrings for the RFCs each construction follows.
"""

from tysha.protocol.capture import CaptureAttestation, check_claims, gps_from_exif
from tysha.protocol.cbor import decode as cbor_decode
from tysha.protocol.cbor import encode as cbor_encode
from tysha.protocol.clues import ClueRecord, Scanner, decode_clue_records, encode_clue_records
from tysha.protocol.envelope import (
    CLUE_SIZE,
    ENVELOPE_VERSION,
    MAX_ENVELOPE_SIZE,
    EnvelopeHeader,
    EnvelopeOpener,
    EnvelopeSealer,
    OpenedEnvelope,
    SlotKey,
    deletion_secrets,
    envelope_digest,
    find_slot,
    open_envelope,
    parse_header,
    seal_envelope,
    unwrap_slot,
)
from tysha.protocol.invitation import Invitation
from tysha.protocol.kem import KEM_X25519, KEM_XWING
from tysha.protocol.keys import Identity, PublicIdentity, Rand, sign_message, verify_signature
from tysha.protocol.manifest import Attachment, ContentSplitter, Manifest, frame_content
from tysha.protocol.padding import TEXT_BUCKET, is_valid_padded_length, padded_length, padme
from tysha.protocol.pow import check_pow, solve_pow
from tysha.protocol.receipt import Receipt
from tysha.protocol.sealed_report import (
    AttachmentCheck,
    OpenedReport,
    ReportReader,
    read_report,
)
from tysha.protocol.stream import CHUNK_SIZE

__all__ = [
    "CHUNK_SIZE",
    "CLUE_SIZE",
    "ENVELOPE_VERSION",
    "KEM_X25519",
    "KEM_XWING",
    "MAX_ENVELOPE_SIZE",
    "TEXT_BUCKET",
    "Attachment",
    "AttachmentCheck",
    "CaptureAttestation",
    "ClueRecord",
    "ContentSplitter",
    "EnvelopeHeader",
    "EnvelopeOpener",
    "EnvelopeSealer",
    "Identity",
    "Invitation",
    "Manifest",
    "OpenedEnvelope",
    "OpenedReport",
    "PublicIdentity",
    "Rand",
    "Receipt",
    "ReportReader",
    "Scanner",
    "SlotKey",
    "cbor_decode",
    "cbor_encode",
    "check_claims",
    "check_pow",
    "decode_clue_records",
    "encode_clue_records",
    "envelope_digest",
    "deletion_secrets",
    "find_slot",
    "frame_content",
    "gps_from_exif",
    "is_valid_padded_length",
    "open_envelope",
    "padded_length",
    "padme",
    "parse_header",
    "read_report",
    "seal_envelope",
    "sign_message",
    "solve_pow",
    "unwrap_slot",
    "verify_signature",
]
