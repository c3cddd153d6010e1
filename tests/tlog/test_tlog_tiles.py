"""C2SP tlog-tiles: paths, tile sets, tile contents, entry bundles and the tile reader."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tysha.errors import ProtocolError, StorageError, VerificationError
from tysha.tlog import (
    Checkpoint,
    CompactRange,
    MemoryHashStore,
    NoteSigner,
    TileHashReader,
    consistency_proof,
    decode_entry_bundle,
    encode_entry_bundle,
    entries_path,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    parse_tile_path,
    root_at,
    sign_checkpoint,
    tile_contents,
    tile_path,
    tiles_between,
    tiles_for_size,
    verify_checkpoint_consistency,
    verify_entry_bundle,
    verify_inclusion,
    verify_tiles_against_checkpoint,
)

SIZE = 70_000  # the example size of the spec: three tile levels
ENTRIES = [f"entry {i}".encode() for i in range(SIZE)]


_CHECK_SIZES = (1, 255, 256, 257, 511, 65535, 65536, 65537, 69999, SIZE)


@functools.cache
def _built() -> tuple[MemoryHashStore, dict[int, bytes]]:
    """The tree and its root at each size of ``_CHECK_SIZES`` (and 0), built once per process
    on first use (not at collection: every worker collects this module, few run it)."""
    store = MemoryHashStore()
    compact = CompactRange()
    roots = {0: compact.root()}
    for e in ENTRIES:
        store.add(compact.append(leaf_hash(e)))
        if compact.size in _CHECK_SIZES:
            roots[compact.size] = compact.root()
    return store, roots


def tree_store() -> MemoryHashStore:
    return _built()[0]


def tree_roots() -> dict[int, bytes]:
    return _built()[1]


class TileServer:
    """What a drop would serve for a given tree size, built from the memory store."""

    def __init__(self, size: int) -> None:
        self.files: dict[str, bytes] = {}
        for level, index, width in tiles_for_size(size):
            self.files[tile_path(level, index, width)] = tile_contents(
                level, index, width, tree_store()
            )
        self.fetched: list[str] = []

    def __call__(self, path: str) -> bytes:
        self.fetched.append(path)
        return self.files[path]


# -- paths --------------------------------------------------------------------------------------


def test_paths_from_the_spec() -> None:
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(0, 0) == "tile/0/000"
    assert tile_path(1, 3, 17) == "tile/1/003.p/17"
    assert tile_path(2, 1000) == "tile/2/x001/000"
    assert entries_path(1234067) == "tile/entries/x001/x234/067"
    assert entries_path(0, 5) == "tile/entries/000.p/5"
    for bad in [(-1, 0, 256), (64, 0, 256), (0, -1, 256), (0, 0, 0), (0, 0, 257)]:
        with pytest.raises(ValueError):
            tile_path(*bad)


@given(
    level=st.integers(min_value=0, max_value=63),
    index=st.integers(min_value=0, max_value=10**15),
    width=st.integers(min_value=1, max_value=256),
)
def test_path_round_trip(level: int, index: int, width: int) -> None:
    assert parse_tile_path(tile_path(level, index, width)) == (level, index, width, False)
    assert parse_tile_path(entries_path(index, width)) == (0, index, width, True)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/01",
        "tile/0/0001",
        "tile/00/000",
        "tile/01/000",
        "tile/64/000",
        "tile/0/001/234",
        "tile/0/x000/001",
        "tile/0/x001/x234",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/017",
        "tile/0/000.p/",
        "tile/0/000.p",
        "/tile/0/000",
        "tile/0/000/",
        "tile/entries/000.p/300",
        "tile/entry/000",
        "tile/-1/000",
        "tile/0/\u0661\u0662\u0663",
        "tile/0/000\n",
        "",
    ],
)
def test_non_canonical_paths_rejected(path: str) -> None:
    with pytest.raises(ProtocolError):
        parse_tile_path(path)


@given(st.text(max_size=40))
def test_parse_tile_path_raises_only_protocol_error(text: str) -> None:
    try:
        level, index, width, _ = parse_tile_path(text)
    except ProtocolError:
        return
    assert tile_path(level, index, width) == text or entries_path(index, width) == text


# -- which tiles exist --------------------------------------------------------------------------


def test_tiles_for_size_matches_spec_example() -> None:
    tiles = tiles_for_size(70_000)
    level0 = [t for t in tiles if t[0] == 0]
    assert len([t for t in level0 if t[2] == 256]) == 273
    assert (0, 273, 112) in level0 and len(level0) == 274
    assert [t for t in tiles if t[0] == 1] == [(1, 0, 256), (1, 1, 17)]
    assert [t for t in tiles if t[0] == 2] == [(2, 0, 1)]
    assert tiles_for_size(256) == [(0, 0, 256), (1, 0, 1)]
    assert tiles_for_size(0) == []
    assert tiles_for_size(1) == [(0, 0, 1)]


def test_tiles_between() -> None:
    for old, new in [(0, 1), (0, 300), (255, 256), (256, 257), (1000, 70_000), (70_000, 70_000)]:
        got = tiles_between(old, new)
        old_tiles = {tile_path(*t) for t in tiles_for_size(old)}
        new_tiles = [t for t in tiles_for_size(new) if tile_path(*t) not in old_tiles]
        assert got == new_tiles, (old, new)


def test_tile_contents_are_nodes_at_level_8l() -> None:
    data = tile_contents(1, 0, 256, tree_store())
    assert len(data) == 256 * 32
    assert data[:32] == root_at(256, tree_store())
    assert data[32:64] == tree_store().read_hashes([(8, 1)])[0]
    assert tile_contents(0, 0, 3, tree_store()) == b"".join(leaf_hash(e) for e in ENTRIES[:3])


# -- the reader ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", _CHECK_SIZES)
def test_tile_reader_root_and_proofs_match_memory(size: int) -> None:
    server = TileServer(size)
    reader = TileHashReader(server, size)
    assert root_at(size, reader) == tree_roots()[size]
    for index in sorted({0, 1, size // 3, size // 2, size - 2, size - 1}):
        if 0 <= index < size:
            proof = inclusion_proof(index, size, reader)
            assert proof == inclusion_proof(index, size, tree_store())
            verify_inclusion(leaf_hash(ENTRIES[index]), index, size, proof, tree_roots()[size])
    for old in (1, 255, 256, 257, 65536, 69999):
        if old <= size:
            assert consistency_proof(old, size, reader) == consistency_proof(
                old, size, tree_store()
            )
    # Every path fetched was one the server has at this size, each at most once.
    assert len(server.fetched) == len(set(server.fetched))
    assert set(server.fetched) <= set(server.files)


def test_tile_reader_every_small_size() -> None:
    for size in range(1, 600, 7):
        reader = TileHashReader(TileServer(size), size)
        for index in range(0, size, 13):
            assert inclusion_proof(index, size, reader) == inclusion_proof(
                index, size, tree_store()
            )
        assert root_at(size, reader) == root_at(size, tree_store())


def test_tile_reader_rejects_bad_tiles_and_missing_nodes() -> None:
    server = TileServer(300)
    server.files["tile/0/001.p/44"] = server.files["tile/0/001.p/44"][:-1]
    with pytest.raises(ProtocolError):
        root_at(300, TileHashReader(server, 300))
    reader = TileHashReader(TileServer(300), 300)
    with pytest.raises(StorageError):
        reader.read_hashes([(0, 300)])
    with pytest.raises(StorageError):
        reader.read_hashes([(9, 0)])


def _signed(size: int) -> tuple[NoteSigner, str]:
    signer = NoteSigner("tysha.example/tiles", b"\x07" * 32)
    cp = Checkpoint("tysha.example/tiles", size, tree_roots()[size])
    return signer, sign_checkpoint(cp, signer)


def test_client_verifies_log_with_only_the_vkey() -> None:
    signer, note_65536 = _signed(65536)
    _, note_70000 = _signed(SIZE)
    vkey = signer.vkey
    from tysha.tlog import NoteVerifier

    verifier = NoteVerifier.from_vkey(vkey)
    old = open_checkpoint(note_65536, verifier, origin="tysha.example/tiles")
    new = open_checkpoint(note_70000, verifier)
    reader = verify_tiles_against_checkpoint(new, TileServer(SIZE))
    proof = verify_checkpoint_consistency(old, new, reader)
    assert proof == consistency_proof(65536, SIZE, tree_store())
    # An entry bundle checks against the verified tiles.
    bundle = encode_entry_bundle(ENTRIES[256:512])
    entries = decode_entry_bundle(bundle, 256)
    verify_entry_bundle(entries, 1, reader)
    with pytest.raises(VerificationError):
        verify_entry_bundle([*entries[:5], b"forged", *entries[6:]], 1, reader)


def test_tampered_tile_fails_checkpoint() -> None:
    _, note = _signed(SIZE)
    cp = Checkpoint.parse(note.split("\n\n")[0] + "\n")
    server = TileServer(SIZE)
    data = bytearray(server.files["tile/1/001.p/17"])
    data[40] ^= 1
    server.files["tile/1/001.p/17"] = bytes(data)
    with pytest.raises(VerificationError, match="the checkpoint says"):
        verify_tiles_against_checkpoint(cp, server)
    # A forged older checkpoint is not consistent with the new one.
    forged = Checkpoint(cp.origin, 65536, tree_roots()[65535])
    reader = verify_tiles_against_checkpoint(cp, TileServer(SIZE))
    with pytest.raises(VerificationError):
        verify_checkpoint_consistency(forged, cp, reader)
    with pytest.raises(VerificationError):
        verify_checkpoint_consistency(cp, forged, reader)
    with pytest.raises(VerificationError):
        verify_checkpoint_consistency(Checkpoint("other", 1, tree_roots()[1]), cp, reader)


# -- entry bundles ------------------------------------------------------------------------------


@given(st.lists(st.binary(max_size=300), max_size=40))
@settings(max_examples=60)
def test_entry_bundle_round_trip(entries: list[bytes]) -> None:
    data = encode_entry_bundle(entries)
    assert decode_entry_bundle(data) == entries
    assert decode_entry_bundle(data, len(entries)) == entries
    # Every strict prefix that cuts an entry is truncated.
    boundaries = {0}
    pos = 0
    for e in entries:
        pos += 2 + len(e)
        boundaries.add(pos)
    for cut in range(len(data)):
        if cut in boundaries:
            continue
        with pytest.raises(ProtocolError):
            decode_entry_bundle(data[:cut])


@given(st.binary(max_size=200))
def test_entry_bundle_decode_raises_only_protocol_error(data: bytes) -> None:
    try:
        entries = decode_entry_bundle(data)
    except ProtocolError:
        return
    assert encode_entry_bundle(entries) == data


def test_entry_bundle_limits() -> None:
    assert encode_entry_bundle([b"", b"ab"]) == b"\x00\x00\x00\x02ab"
    with pytest.raises(ProtocolError):
        decode_entry_bundle(b"\x00\x03ab")
    with pytest.raises(ProtocolError):
        decode_entry_bundle(b"\x00")
    with pytest.raises(ProtocolError):
        decode_entry_bundle(b"\x00\x00" * 257)
    with pytest.raises(ProtocolError):
        decode_entry_bundle(b"\x00\x00" * 3, 4)
    with pytest.raises(ValueError):
        encode_entry_bundle([b"x" * 65536])
    with pytest.raises(ValueError):
        encode_entry_bundle([b""] * 257)
