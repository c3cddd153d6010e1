from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tysha.drop.launcher import InProcessDrop, in_process_drop

PG_URL = os.environ.get("TYSHA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: no server here
        return f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}"


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh schema; yields a URL whose search_path points at it."""
    reason = pg_available()
    if reason:
        pytest.skip(reason)
    import psycopg

    name = "tysha_t_" + os.urandom(6).hex()
    with psycopg.connect(PG_URL, autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as c:
            c.execute(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture
def inproc(tmp_path: Path) -> Iterator[InProcessDrop]:
    """A drop served in this process (no socket, no child): ``inproc.client`` is a
    DropClient bound to it, ``inproc.service`` its DropService."""
    with in_process_drop(tmp_path / "drop") as d:
        yield d
