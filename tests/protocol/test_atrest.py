"""At-rest sealing (issue 8.3a): vectors, negatives, and byte-compatibility with the desk store
and the source vault as they are today."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import Identity, atrest
from tysha.protocol.stream import CHUNK_SIZE

VEC = Path(__file__).parent.parent / "vectors" / "protocol"


def doc() -> dict[str, Any]:
    return json.loads((VEC / "atrest.json").read_text())


def test_regenerates_byte_for_byte() -> None:
    spec = importlib.util.spec_from_file_location("gen_atrest", VEC / "generate_atrest.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.render() == (VEC / "atrest.json").read_text()
    assert "provenance" in doc()


def test_row_vector_opens_and_negatives_fail() -> None:
    d = doc()["desk"]
    key = bytes.fromhex(d["data_key"])
    sealed = bytes.fromhex(d["row"]["sealed"])
    aad = d["row"]["aad"].encode()
    assert atrest.open_sealed(key, aad, sealed) == d["row"]["plaintext"].encode()
    flipped = bytearray(sealed)
    flipped[30] ^= 0x01
    for k, a, blob in (
        (key, aad, sealed[:-1]),  # truncated
        (key, aad, bytes(flipped)),  # bit flipped
        (os.urandom(32), aad, sealed),  # wrong key
        (key, b"reports:r2", sealed),  # another row
        (atrest.derive_key(bytes(range(64)), b"data", b"tysha-desk-v2\x00\x00\x00"), aad,
         sealed),  # another version's key
    ):
        with pytest.raises(VerificationError):
            atrest.open_sealed(k, a, blob)
    with pytest.raises(ProtocolError):
        atrest.open_sealed(key, aad, sealed[:39])
    with pytest.raises(ProtocolError):
        atrest.seal(key, aad, b"x", b"short nonce")


def test_blob_vectors_and_negatives() -> None:
    d = doc()["desk"]["blob"]
    key = bytes.fromhex(d["key"])
    assert atrest.open_blob(key, bytes.fromhex(d["empty_sealed"]), 0) == b""
    small = bytes.fromhex(d["small_sealed"])
    assert atrest.open_blob(key, small) == b"hello blob"
    big = bytes(i % 251 for i in range(CHUNK_SIZE + 10))
    sealed_big = atrest.seal_blob(key, big)
    import hashlib

    assert hashlib.sha256(sealed_big).hexdigest() == d["big_sealed_sha256"]
    assert atrest.open_blob(key, sealed_big) == big
    with pytest.raises(VerificationError):
        atrest.open_blob(key, sealed_big[: CHUNK_SIZE + 16])  # cut after a whole chunk
    with pytest.raises((VerificationError, ProtocolError)):
        atrest.open_blob(key, sealed_big[:-1])
    with pytest.raises(VerificationError):
        atrest.open_blob(os.urandom(32), small)
    with pytest.raises(VerificationError):
        atrest.open_blob(key, small[:-2] + bytes([small[-2] ^ 1]) + small[-1:])
    with pytest.raises(VerificationError):
        atrest.open_blob(key, b"")


def test_vault_vectors() -> None:
    v = doc()["vault"]
    comp = bytes.fromhex(v["compartment_key"])
    assert atrest.vault_keys(comp) == (bytes.fromhex(v["header_key"]),
                                       bytes.fromhex(v["body_key"]))
    master = bytes.fromhex(v["master"])
    pt = atrest.open_sealed(master, atrest.vault_slot_aad(3), bytes.fromhex(v["slot_sealed"]))
    assert pt == comp + b"\x01" + bytes(7)
    assert len(bytes.fromhex(v["slot_sealed"])) == 80  # the vault's SLOT_SIZE
    with pytest.raises(VerificationError):
        atrest.open_sealed(master, atrest.vault_slot_aad(4), bytes.fromhex(v["slot_sealed"]))


def test_byte_compatible_with_the_desk_store_today() -> None:
    store = pytest.importorskip("tysha.desk.store")
    if not all(hasattr(store, n) for n in ("_kdf", "_seal", "_open")):
        pytest.skip("the desk store already calls tysha.protocol.atrest")
    ident = Identity.generate(os.urandom)
    data_key = store._kdf(ident.sign_seed + ident.clue_secret, b"data")
    assert data_key == atrest.desk_data_key(ident.sign_seed, ident.clue_secret)
    name = os.urandom(16).hex()
    assert store._kdf(data_key, b"blob:" + name.encode()) == atrest.desk_blob_key(data_key, name)
    nonce = os.urandom(24)
    with mock.patch.object(store.os, "urandom", return_value=nonce):
        theirs = store._seal(data_key, b"t:1", b"payload")
    assert theirs == atrest.seal(data_key, b"t:1", b"payload", nonce)
    assert store._open(data_key, b"t:1", atrest.seal(data_key, b"t:1", b"p", nonce)) == b"p"


def test_byte_compatible_with_the_desk_blob_files(tmp_path: Path) -> None:
    store_mod = pytest.importorskip("tysha.desk.store")
    try:
        store_mod.init_desk(tmp_path / "d", "t", "correct horse battery")
    except Exception as exc:  # the store's API moved: nothing to compare with
        pytest.skip(f"desk store API changed: {type(exc).__name__}")
    st = store_mod.DeskStore.open(tmp_path / "d", "correct horse battery")
    try:
        for data in (b"", b"abc", os.urandom(CHUNK_SIZE), os.urandom(CHUNK_SIZE * 2 + 5)):
            w = st.blob_writer()
            w.write(data)
            w.close()
            on_disk = (st.blob_dir / w.name).read_bytes()
            key = atrest.desk_blob_key(st._key, w.name)
            assert atrest.open_blob(key, on_disk, len(data)) == data
            assert st.blob_bytes(w.name, len(data)) == data
            assert atrest.seal_blob(key, data) == on_disk  # deterministic: same bytes
    finally:
        st.close()


def test_byte_compatible_with_the_vault_today() -> None:
    vault = pytest.importorskip("tysha.source.vault")
    if not all(hasattr(vault, n) for n in ("_derive", "_seal", "_open")):
        pytest.skip("the vault already calls tysha.protocol.atrest")
    comp = os.urandom(32)
    assert (vault._derive(comp, b"header"), vault._derive(comp, b"body")) == atrest.vault_keys(comp)
    nonce = os.urandom(24)
    with mock.patch.object(vault.os, "urandom", return_value=nonce):
        theirs = vault._seal(comp, b"tysha-vault-gen\x01\x00", b"x" * 16)
    assert theirs == atrest.seal(comp, atrest.vault_generation_aad(1, 0), b"x" * 16, nonce)
    assert vault._open(comp, b"nope", theirs) is None
