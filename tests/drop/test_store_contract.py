"""One contract, every backend: SQLite + files (always) and PostgreSQL (marker ``postgres``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tysha.errors import StorageError
from tysha.store.drop_store import (
    DropStore,
    FolderBlobStore,
    IntegrationItem,
    PostgresDropStore,
    SQLiteDropStore,
)
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
