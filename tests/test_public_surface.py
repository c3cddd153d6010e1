"""Pin the public surfaces (``__all__``) of the pure core (issue 8.3d).

A change here is a change to what other parts and other projects import: make it on purpose,
update this list in the same commit, and say so in the commit message.
"""

from __future__ import annotations

import importlib

import pytest

SURFACES = {
    "tysha.protocol": [
    "Attachment", "AttachmentCheck", "CHUNK_SIZE", "CLUE_SIZE", "CaptureAttestation",
    "ClueRecord", "ContentSplitter", "ENVELOPE_VERSION", "EnvelopeHeader", "EnvelopeOpener",
    "EnvelopeSealer", "Identity", "Invitation", "KEM_X25519", "KEM_XWING", "MAX_ENVELOPE_SIZE",
    "Manifest", "OpenedEnvelope", "OpenedReport", "PublicIdentity", "Rand", "Receipt",
    "ReportReader", "Scanner", "SlotKey", "TEXT_BUCKET", "cbor_decode", "cbor_encode",
    "check_claims", "check_pow", "decode_clue_records", "deletion_secrets",
    "encode_clue_records", "envelope_digest", "find_slot", "frame_content", "gps_from_exif", "is_valid_padded_length",
    "open_envelope", "padded_length", "padme", "parse_header", "read_report", "seal_envelope",
    "sign_message", "solve_pow", "unwrap_slot", "verify_signature",
],
    "tysha.protocol.objects": [
    "Attachment", "CaptureAttestation", "ContentSplitter", "Invitation", "MAX_MANIFEST",
    "Manifest", "Receipt", "attachments_total", "check_claims", "frame_content",
    "gps_from_exif",
],
    "tysha.protocol.atrest": [
    "BlobSealer", "DESK_IDENTITY_AAD", "DESK_PERSON", "NONCE_SIZE", "OVERHEAD", "VAULT_PERSON",
    "derive_key", "desk_blob_key", "desk_data_key", "open_blob", "open_blob_chunks",
    "open_sealed", "passphrase_key", "seal", "seal_blob", "vault_body_aad",
    "vault_generation_aad", "vault_keys", "vault_slot_aad", "vault_slot_plaintext",
],
    "tysha.tlog": [
    "ALG_COSIGNATURE_V1", "ALG_ED25519", "Checkpoint", "CompactRange", "CosignatureSigner",
    "CosignatureVerifier", "HASH_SIZE", "HashReader", "MemoryHashStore", "NoteSignature",
    "NoteSigner", "NoteVerifier", "TILE_HEIGHT", "TILE_WIDTH", "TileHashReader", "Verifier",
    "add_signatures", "consistency_proof", "consistency_proof_nodes", "decode_entry_bundle",
    "empty_root", "encode_entry_bundle", "entries_path", "generate_skey", "inclusion_proof",
    "inclusion_proof_nodes", "key_id", "leaf_hash", "node_hash", "open_checkpoint", "open_note",
    "parse_note", "parse_skey", "parse_tile_path", "range_nodes", "root_at",
    "root_from_inclusion", "root_of", "sign_checkpoint", "sign_note", "tile_contents",
    "tile_path", "tiles_between", "tiles_for_size", "verify_checkpoint_consistency",
    "verify_consistency", "verify_entry_bundle", "verify_inclusion",
    "verify_tiles_against_checkpoint",
],
}


@pytest.mark.parametrize("module", sorted(SURFACES))
def test_public_surface_is_pinned(module: str) -> None:
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == SURFACES[module]
    assert len(set(mod.__all__)) == len(mod.__all__)
    for name in mod.__all__:
        assert getattr(mod, name, None) is not None, f"{module}.{name} is listed but missing"


def test_objects_is_the_same_objects_as_the_split_modules() -> None:
    from tysha import protocol
    from tysha.protocol import capture, invitation, manifest, objects, receipt

    assert objects.Invitation is invitation.Invitation is protocol.Invitation
    assert objects.Manifest is manifest.Manifest is protocol.Manifest
    assert objects.CaptureAttestation is capture.CaptureAttestation
    assert objects.Receipt is receipt.Receipt is protocol.Receipt
