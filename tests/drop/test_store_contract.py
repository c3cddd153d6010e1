"""One contract, every backend: SQLite + files (always) and PostgreSQL (marker ``postgres``)."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tysha.errors import NotFound, StorageError
from tysha.store.drop_store import (
    _SCHEMA_V1,
    SCHEMA_VERSION,
    BlobStore,
    DropStore,
    EnvelopeRow,
    FolderBlobStore,
    IntegrationItem,
    MemoryBlobStore,
    PostgresDropStore,
    SQLiteDropStore,
)
from tysha.store.segments import SegmentBlobStore
from tysha.tlog import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    root_at,
    sign_checkpoint,
    verify_inclusion,
)

SIGNER = NoteSigner("contract.test/log", bytes(range(32)))


def sign(size: int, root: bytes) -> str:
    return sign_checkpoint(Checkpoint("contract.test/log", size, root), SIGNER)


def item(digest: bytes | None = None, hour: int = 1000) -> IntegrationItem:
    return IntegrationItem(digest or os.urandom(32), 9000, os.urandom(32),
                           (os.urandom(8), os.urandom(8)), (os.urandom(32), os.urandom(32)), hour)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DropStore]:
    if request.param == "sqlite":
        s: DropStore = SQLiteDropStore(tmp_path / "drop.db")
    else:
        url = request.getfixturevalue("pg_schema")
        s = PostgresDropStore(url)
    yield s
    s.close()


def test_integrate_assigns_indices_and_signs(store: DropStore) -> None:
    items = [item() for _ in range(10)]
    idx, size, note = store.integrate(items, sign)
    assert idx == list(range(10)) and size == 10
    cp = open_checkpoint(note, NoteVerifier.from_vkey(SIGNER.vkey))
    assert cp.size == 10 and cp.root_hash == root_at(10, store)
    for i, it in enumerate(items):
        verify_inclusion(leaf_hash(it.digest), i, 10, inclusion_proof(i, 10, store), cp.root_hash)
    assert store.checkpoint() == (10, note)


def test_duplicates_keep_their_index(store: DropStore) -> None:
    a, b = item(), item()
    store.integrate([a, b], sign)
    idx, size, _ = store.integrate([item(b.digest), item(), item(a.digest)], sign)
    assert idx == [1, 2, 0] and size == 3
    idx2, size2, _ = store.integrate([item(a.digest), item(a.digest)], sign)
    assert idx2 == [0, 0] and size2 == 3
    assert store.index_of(b.digest) == 1 and store.index_of(os.urandom(32)) is None


def test_integrate_gives_the_nodes_that_prove_its_batch(store: DropStore) -> None:
    """The nodes ``integrate`` hands back prove each leaf it appended exactly as the store
    does, whatever the batch's start and length (ragged edges, a perfect tree, one leaf);
    a digest logged before is not provable from them (its proof is read: drop.service),
    and a batch that fails gives none."""
    from tysha.drop.service import _Prefetched, inclusion_proofs

    size = 0
    for n in (1, 3, 4, 1, 7, 16, 5, 27, 64):
        items = [item() for _ in range(n)]
        nodes: dict[tuple[int, int], bytes] = {}
        idx, new_size, _ = store.integrate(items, sign, nodes)
        assert idx == list(range(size, size + n)) and new_size == size + n
        held = _Prefetched(nodes)
        for i in idx:
            assert inclusion_proof(i, new_size, held) == inclusion_proof(i, new_size, store)
        assert inclusion_proofs(idx, new_size, store, nodes) == inclusion_proofs(
            idx, new_size, store
        )
        size = new_size
    old = store.entries(0, 1)[0]
    nodes = {}
    idx, size, _ = store.integrate([item(old), item()], sign, nodes)
    assert idx == [0, size - 1]
    with pytest.raises(StorageError):
        inclusion_proof(0, size, _Prefetched(nodes))
    assert inclusion_proofs(idx, size, store, nodes) == {
        i: inclusion_proof(i, size, store) for i in idx
    }

    def boom(size: int, root: bytes) -> str:
        raise StorageError("signer unavailable")

    nodes = {}
    with pytest.raises(StorageError):
        store.integrate([item()], boom, nodes)
    assert nodes == {}


def test_listing_entries_deletion_expiry(store: DropStore) -> None:
    items = [item(hour=1000 + i) for i in range(6)]
    store.integrate(items, sign)
    rows, cursor = store.listing(-1, 4)
    assert [r.index for r in rows] == [0, 1, 2, 3] and cursor == 3
    rows, cursor = store.listing(3, 100)
    assert [r.index for r in rows] == [4, 5] and cursor == 5
    assert store.entries(2, 5) == [it.digest for it in items[2:5]]
    assert store.mark_deleted(1, 0) is False
    assert store.mark_deleted(1, 1) is True
    rows, _ = store.listing(-1, 100)
    assert 1 not in [r.index for r in rows]
    gone = store.expire(1003)
    assert sorted(gone) == sorted(it.digest for i, it in enumerate(items) if i in (0, 2))
    assert {r.index for r in store.listing(-1, 100)[0]} == {3, 4, 5}
    assert store.live_digests() == {items[i].digest for i in (3, 4, 5)}
    with pytest.raises(StorageError):
        store.mark_deleted(99, 0)


def test_missing_node_is_storage_error(store: DropStore) -> None:
    with pytest.raises(StorageError):
        store.read_hashes([(0, 5)])


def test_failed_integration_changes_nothing(store: DropStore) -> None:
    store.integrate([item()], sign)

    def boom(size: int, root: bytes) -> str:
        raise StorageError("signer unavailable")

    with pytest.raises(StorageError):
        store.integrate([item(), item()], boom)
    assert store.checkpoint()[0] == 1
    assert store.listing(-1, 10)[1] == 0


def test_blob_folder_containment(tmp_path: Path) -> None:
    blobs = FolderBlobStore(tmp_path / "blobs")
    d = os.urandom(32)
    src = tmp_path / "x"
    src.write_bytes(b"data")
    blobs.put_file(d, src)
    assert blobs.path(d).read_bytes() == b"data" and list(blobs.digests()) == [d]
    with pytest.raises(StorageError):
        blobs.path(b"../../etc/passwd")
    blobs.delete(d)
    assert list(blobs.digests()) == []


def test_blob_batches_racing_on_new_folders(tmp_path: Path) -> None:
    """Concurrent batches (or drop processes) may create the same two-hex folder at once."""
    import concurrent.futures as cf

    blobs = FolderBlobStore(tmp_path / "blobs")
    results: list[StorageError | None] = []
    for prefix in (bytes([b]) for b in os.urandom(6)):

        def batch(n: int, prefix: bytes = prefix) -> list[StorageError | None]:
            moves = []
            for i in range(12):
                src = tmp_path / f"src-{prefix.hex()}-{n}-{i}"
                src.write_bytes(b"x" * i)
                moves.append((prefix + os.urandom(31), src))
            return blobs.put_many(moves, mtime=3600.0 * 480000)

        with cf.ThreadPoolExecutor(8) as ex:
            results += [r for rs in ex.map(batch, range(16)) for r in rs]
    assert results == [None] * len(results)
    assert len(set(blobs.digests())) == len(results)
    assert {p.stat().st_mtime for p in (tmp_path / "blobs").rglob("*") if p.is_file()} == {3600.0 * 480000}
    blobs.close()


# --- schema versions (issue 8): an old database is migrated, a newer one refused ---------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """(open a store, run raw SQL on the same database) for each backend."""
    if request.param == "sqlite":
        import sqlite3

        path = tmp_path / "drop.db"

        def raw_sqlite(sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as c:
                return c.execute(sql.replace("%s", "?"), args).fetchall()

        yield (lambda: SQLiteDropStore(path)), raw_sqlite
    else:
        import psycopg

        url = request.getfixturevalue("pg_schema")

        def raw_pg(sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
            with psycopg.connect(url, autocommit=True) as c:
                cur = c.execute(sql.replace("BLOB", "BYTEA"), args)
                return cur.fetchall() if cur.description else []

        yield (lambda: PostgresDropStore(url)), raw_pg


def test_old_schema_is_migrated_and_newer_is_refused(opener: tuple[Any, Any]) -> None:
    open_store, raw = opener
    # A database as drops made it before schema versions existed (version 1), with data.
    for stmt in _SCHEMA_V1:
        raw(stmt.replace("BYTEA", "BLOB"))
    raw("INSERT INTO state (k, v) VALUES ('tree', %s)", (b"\xa0",))
    s = open_store()
    try:
        assert s.schema_version() == SCHEMA_VERSION
    finally:
        s.close()
    assert raw("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    assert raw("SELECT k FROM state") == [("tree",)]  # data kept
    s = open_store()  # opening again changes nothing
    s.close()
    assert raw("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    raw("UPDATE schema_version SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StorageError, match="newer"):
        open_store()
    assert raw("SELECT version FROM schema_version") == [(SCHEMA_VERSION + 1,)]


# --- blob stores (issue 8): one contract, every backend; bytes in and out, no paths ------


@pytest.fixture(params=["memory", "folder", "segment"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    b: BlobStore
    if request.param == "memory":
        b = MemoryBlobStore()
    elif request.param == "folder":
        b = FolderBlobStore(tmp_path / "blobs")
    else:
        b = SegmentBlobStore(tmp_path / "blobs")
    yield b
    b.close()


def test_blob_store_contract(blobs: BlobStore, tmp_path: Path) -> None:
    check_blob_store(blobs, tmp_path)


def check_blob_store(blobs: BlobStore, tmp_path: Path) -> None:
    """The contract every BlobStore passes (tests/scale runs it on a real S3 server)."""
    staged = []
    for i in range(10):
        f = tmp_path / f"staged-{i}"
        f.write_bytes(bytes([i]) * (i * 1000 + 1))
        staged.append((hashlib.sha256(f.read_bytes()).digest(), f))
    missing = (os.urandom(32), tmp_path / "never-written")
    errors = blobs.put_many([*staged, missing], mtime=3600 * 500)
    assert errors[:10] == [None] * 10 and isinstance(errors[10], StorageError)
    assert not any(f.exists() for _, f in staged)  # taken over
    blobs.sync([d for d, _ in staged])
    for i, (d, _) in enumerate(staged):
        assert blobs.exists(d) and blobs.mtime(d) == 3600 * 500
        with blobs.open(d) as f:
            assert f.read() == bytes([i]) * (i * 1000 + 1)
    assert set(blobs.digests()) == {d for d, _ in staged}
    reader = blobs.open(staged[0][0])
    blobs.delete(staged[0][0])
    blobs.delete(staged[0][0])  # twice is fine
    assert reader.read() == b"\x00"  # an open stream survives a delete
    reader.close()
    assert not blobs.exists(staged[0][0]) and blobs.mtime(staged[0][0]) is None
    with pytest.raises(NotFound):
        blobs.open(staged[0][0])
    for bad in (b"", b"x" * 31, "ab" * 32):
        with pytest.raises(StorageError):
            blobs.exists(bad)  # type: ignore[arg-type]
    # A body handed over in memory (a one-shot envelope), and one already held.
    body = os.urandom(70_000)
    d = hashlib.sha256(body).digest()
    assert blobs.put_many([(d, body)], mtime=3600 * 501) == [None]
    assert blobs.put_many([(d, body)], mtime=3600 * 501) == [None]  # twice is fine
    with blobs.open(d) as f:
        assert f.read() == body
    assert blobs.mtime(d) == 3600 * 501
    blobs.delete_many([d, staged[2][0], os.urandom(32)])  # expiry; an unknown digest is fine
    assert not blobs.exists(d) and not blobs.exists(staged[2][0]) and blobs.exists(staged[3][0])
    assert not hasattr(BlobStore, "path")  # the seam hands out bytes, never a path


def test_read_hashes_runs_and_singles(store: DropStore) -> None:
    """Tiles read runs of consecutive nodes by range; proofs read scattered ones; a node
    missing from either kind is a StorageError."""
    items = [item() for _ in range(40)]
    store.integrate(items, sign)
    leaves = [(0, i) for i in range(40)]
    assert store.read_hashes(leaves) == [leaf_hash(it.digest) for it in items]
    mixed = [(0, 39), (1, 3), (0, 2), *[(0, i) for i in range(10, 30)], (0, 2)]
    got = store.read_hashes(mixed)
    assert got[0] == leaf_hash(items[39].digest) and got[2] == got[-1]
    assert got[3:-1] == [leaf_hash(it.digest) for it in items[10:30]]
    with pytest.raises(StorageError):
        store.read_hashes([(0, i) for i in range(30, 41)])  # a run running past the log


def test_a_row_knows_which_slot_a_secret_opens_and_whether_every_one_was_shown() -> None:
    """What the delete route and ``DropService.delete_slot`` both ask of a row."""
    secrets = [os.urandom(32) for _ in range(3)]
    hashes = tuple(hashlib.sha256(s).digest() for s in secrets)

    def row(mask: int) -> EnvelopeRow:
        return EnvelopeRow(7, bytes(32), 100, bytes(32), (bytes(8),) * 3, hashes, mask, 1, False)

    assert [row(0).slot_of(s) for s in secrets] == [0, 1, 2]
    assert row(0).slot_of(os.urandom(32)) is None
    assert row(0).slot_of(hashes[0]) is None  # the hash itself is not the secret
    assert not row(0b011).every_slot_deleted and row(0b111).every_slot_deleted
