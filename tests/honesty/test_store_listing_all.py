"""`DropStore.listing_all` (the verifiable listing's source): every row, gone ones included,
in both backends (SQLite, and the real PostgreSQL at 127.0.0.1:5432 when it is there)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tysha.store.drop_store import DropStore, IntegrationItem, PostgresDropStore, SQLiteDropStore

PG_URL = os.environ.get("TYSHA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg() -> Iterator[DropStore]:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            pass
    except Exception as exc:  # no server here: said, not counted as a pass
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}")
    import psycopg

    name = "tysha_h_" + os.urandom(6).hex()
    store = PostgresDropStore(PG_URL, schema=name)
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(PG_URL, autocommit=True) as c:
            c.execute(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DropStore]:
    if request.param == "sqlite":
        s = SQLiteDropStore(tmp_path / "drop.db")
        yield s
        s.close()
    else:
        yield from _pg()


def test_listing_all_keeps_gone_rows_and_listing_does_not(store: DropStore) -> None:
    items = [
        IntegrationItem(hashlib.sha256(b"%d" % i).digest(), 10, bytes([i]) * 32,
                        (b"c" * 8, b"d" * 8), (bytes(32), bytes([1]) * 32), 100 + i)
        for i in range(4)
    ]  # fmt: skip
    store.integrate(items, lambda size, root: f"cp {size}")
    store.mark_deleted(1, 0)
    assert store.mark_deleted(1, 1) is True  # every slot: gone (deleted)
    store.mark_deleted(2, 0)  # one slot only: still held
    store.expire(102)  # rows from hours 100 and 101 expire: index 0 (1 is gone already)
    rows, cursor = store.listing_all(-1, 10)
    assert [(r.index, r.gone) for r in rows] == [(0, True), (1, True), (2, False), (3, False)]
    assert cursor == 3 and rows[1].deleted_mask == 3 and rows[0].deleted_mask == 0
    assert rows[0].hour == 100 and rows[0].clue_pub == bytes([0]) * 32
    live, cursor = store.listing(-1, 10)
    assert [r.index for r in live] == [2, 3] and cursor == 3
    rows, cursor = store.listing_all(1, 2)
    assert [r.index for r in rows] == [2, 3] and cursor == 3
    assert store.listing_all(3, 5) == ([], 3)
