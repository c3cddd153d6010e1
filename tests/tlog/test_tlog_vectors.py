"""Tysha's own generated vectors: regenerate and compare, so any drift fails CI."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from types import ModuleType

from tysha.tlog import (
    Checkpoint,
    CosignatureVerifier,
    NoteVerifier,
    decode_entry_bundle,
    leaf_hash,
    open_checkpoint,
    parse_skey,
    parse_tile_path,
    root_of,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "tlog"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tlog_generate", VECTORS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_vectors_have_not_drifted() -> None:
    stored = (VECTORS / "generated.json").read_text(encoding="utf-8")
    assert _generator().render() == stored, (
        "tests/vectors/tlog/generated.json is stale or the tlog format changed: "
        "run python tests/vectors/tlog/generate.py only if the change is intended"
    )


def test_generated_vectors_verify_independently() -> None:
    """Check the stored vectors with the verifiers, not just by regeneration."""
    data = json.loads((VECTORS / "generated.json").read_text(encoding="utf-8"))
    assert "generate.py" in data["provenance"]["source"]
    leaves = [leaf_hash(e.encode()) for e in data["entries"]]
    roots = [bytes.fromhex(r) for r in data["roots"]]
    for n, root in enumerate(roots):
        assert root == root_of(leaves[:n])
    for v in data["inclusion"]:
        proof = [bytes.fromhex(p) for p in v["proof"]]
        verify_inclusion(leaves[v["index"]], v["index"], v["size"], proof, roots[v["size"]])
    for v in data["consistency"]:
        proof = [bytes.fromhex(p) for p in v["proof"]]
        old, new = v["old_size"], v["new_size"]
        verify_consistency(old, new, roots[old], roots[new], proof)
    for v in data["tile_paths"]:
        assert parse_tile_path(v["path"]) == (v["level"], v["index"], v["width"], False)
        assert parse_tile_path(v["entries_path"]) == (0, v["index"], v["width"], True)
    bundle = decode_entry_bundle(base64.b64decode(data["entry_bundle"]))
    assert bundle == [e.encode() for e in data["entries"][:5]] + [b""]
    note = data["note"]
    assert parse_skey(note["log_skey"]).vkey == note["log_vkey"]
    cp = open_checkpoint(note["signed_checkpoint"], NoteVerifier.from_vkey(note["log_vkey"]))
    assert cp == Checkpoint.parse(note["checkpoint_body"])
    assert cp.root_hash == roots[cp.size]
    witness = CosignatureVerifier.from_vkey(note["witness_vkey"])
    assert witness.verify_line(cp, note["cosignature_line"]) == note["cosignature_time"]
