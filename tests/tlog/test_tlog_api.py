"""The public surface of tysha.tlog, and its purity (no I/O modules imported)."""

from __future__ import annotations

import ast
from pathlib import Path

import tysha.tlog

PUBLIC = {
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "HASH_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Checkpoint",
    "CompactRange",
    "CosignatureSigner",
    "CosignatureVerifier",
    "HashReader",
    "MemoryHashStore",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "TileHashReader",
    "Verifier",
    "add_signatures",
    "consistency_proof",
    "consistency_proof_nodes",
    "decode_entry_bundle",
    "empty_root",
    "encode_entry_bundle",
    "entries_path",
    "generate_skey",
    "inclusion_proof",
    "inclusion_proof_nodes",
    "key_id",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "open_note",
    "parse_note",
    "parse_skey",
    "parse_tile_path",
    "range_nodes",
    "root_at",
    "root_from_inclusion",
    "root_of",
    "sign_checkpoint",
    "sign_note",
    "tile_contents",
    "tile_path",
    "tiles_between",
    "tiles_for_size",
    "verify_checkpoint_consistency",
    "verify_consistency",
    "verify_entry_bundle",
    "verify_inclusion",
    "verify_tiles_against_checkpoint",
}

ALLOWED_IMPORTS = {
    "__future__",
    "base64",
    "binascii",
    "collections.abc",
    "dataclasses",
    "hashlib",
    "re",
    "struct",
    "typing",
    "cryptography.exceptions",
    "cryptography.hazmat.primitives.asymmetric.ed25519",
    "cryptography.hazmat.primitives.serialization",
    "tysha.errors",
    "tysha.tlog.merkle",
    "tysha.tlog.note",
    "tysha.tlog.tiles",
}


def test_all_is_pinned() -> None:
    assert set(tysha.tlog.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(tysha.tlog, name) is not None


def test_tlog_imports_nothing_that_does_io() -> None:
    package = Path(tysha.tlog.__file__).parent
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name in ALLOWED_IMPORTS, f"{source.name} imports {name}"
