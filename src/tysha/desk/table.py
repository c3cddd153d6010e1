"""A generic sealed table: rows of JSON sealed under the desk's data key.

A row is ``(id, enc)`` where ``enc = atrest.seal(key, "<table>:<id>", json)``: the row id is
the associated data, so a row moved to another id or table does not open. Extra clear columns
(a lookup hash, the hour received) are the caller's, in the same SQLite table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

from tysha.desk.atrest import open_sealed, seal
from tysha.errors import VerificationError

__all__ = ["SealedTable"]

T = TypeVar("T")
Db = Callable[[], AbstractContextManager[Any]]


class SealedTable(Generic[T]):
    """Typed access to one table: ``load(id, obj) -> T`` and ``dump(T) -> obj``."""

    def __init__(
        self,
        db: Db,
        key: bytes,
        name: str,
        load: Callable[[str, Any], T],
        dump: Callable[[T], Any],
        id_column: str = "id",
        to_sql: Callable[[str], Any] = str,
        from_sql: Callable[[Any], str] = str,
    ) -> None:
        self._db, self._key, self.name = db, key, name
        self._load, self._dump, self._idc = load, dump, id_column
        # The row id as SQL holds it (text, an integer, a hash) and as the AAD names it.
        self._to_sql, self._from_sql = to_sql, from_sql

    def seal(self, rid: str, obj: Any) -> bytes:
        data = json.dumps(obj, ensure_ascii=False).encode()
        return seal(self._key, f"{self.name}:{rid}".encode(), data)

    def unseal(self, rid: str, enc: bytes) -> Any:
        return json.loads(open_sealed(self._key, f"{self.name}:{rid}".encode(), bytes(enc)))

    def get(self, rid: str) -> T | None:
        with self._db() as db:
            row = db.execute(
                f"SELECT enc FROM {self.name} WHERE {self._idc} = ?", (self._to_sql(rid),)
            ).fetchone()
        return None if row is None else self._load(rid, self.unseal(rid, row[0]))

    def all(self, damaged: list[str] | None = None) -> Iterator[T]:
        """Every row; with ``damaged``, a row that does not open is left out and its id
        added there (one damaged record never hides the others)."""
        with self._db() as db:
            rows = db.execute(f"SELECT {self._idc}, enc FROM {self.name}").fetchall()
        for raw, enc in rows:
            rid = self._from_sql(raw)
            try:
                obj = self.unseal(rid, enc)
            except (VerificationError, ValueError):
                if damaged is None:
                    raise
                damaged.append(rid)
                continue
            yield self._load(rid, obj)

    def insert(self, rid: str, item: T, **clear: Any) -> None:
        cols = ", ".join([self._idc, *clear, "enc"])
        marks = ", ".join("?" * (len(clear) + 2))
        with self._db() as db:
            db.execute(
                f"INSERT INTO {self.name} ({cols}) VALUES ({marks})",
                (self._to_sql(rid), *clear.values(), self.seal(rid, self._dump(item))),
            )

    def put(self, rid: str, item: T) -> None:
        """Insert or replace a row of a table with no clear columns besides its id (a
        REPLACE would empty them: use :meth:`update` for the others)."""
        with self._db() as db:
            db.execute(
                f"INSERT OR REPLACE INTO {self.name} ({self._idc}, enc) VALUES (?, ?)",
                (self._to_sql(rid), self.seal(rid, self._dump(item))),
            )

    def update(self, rid: str, change: Callable[[T], T | None]) -> T | None:
        """Read, change and write one row inside one transaction; None if it is absent."""
        with self._db() as db:
            row = db.execute(
                f"SELECT enc FROM {self.name} WHERE {self._idc} = ?", (self._to_sql(rid),)
            ).fetchone()
            if row is None:
                return None
            item = self._load(rid, self.unseal(rid, row[0]))
            item = change(item) or item
            db.execute(
                f"UPDATE {self.name} SET enc = ? WHERE {self._idc} = ?",
                (self.seal(rid, self._dump(item)), self._to_sql(rid)),
            )
            return item

    def delete(self, rid: str) -> None:
        with self._db() as db:
            db.execute(f"DELETE FROM {self.name} WHERE {self._idc} = ?", (self._to_sql(rid),))
