"""Debris collection at scale: it checks blob names against the database in slices and never
loads every live digest into memory (a million envelopes cost the process ~100 MB that way)."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from tysha.drop.launcher import init_data
from tysha.drop.service import DropService, hour_now
from tysha.store.drop_store import IntegrationItem


def test_debris_collection_works_in_slices_without_the_live_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    init_data(tmp_path / "d")
    svc = DropService(tmp_path / "d")
    svc.DEBRIS_SLICE = 3  # several slices with only a dozen blobs
    old = (hour_now() - 5) * 3600.0

    def blob(i: int, when: float = old) -> bytes:
        data = b"blob %d" % i
        d = hashlib.sha256(data).digest()
        src = tmp_path / f"s{i}"
        src.write_bytes(data)
        assert svc.blobs.put_many([(d, src)], mtime=when) == [None]
        return d

    live = [blob(i) for i in range(5)]
    deleted = [blob(i) for i in range(5, 8)]
    orphans = [blob(i) for i in range(8, 12)]
    items = [
        IntegrationItem(d, 6, os.urandom(32), (os.urandom(8),), (os.urandom(32),), hour_now())
        for d in live + deleted
    ]
    idx, _, _ = svc.store.integrate(items, svc._sign)
    for i in idx[5:]:
        svc.store.mark_deleted(i, 0)
    # An orphan younger than the grace period stays (it may be committing).
    young = blob(99, time.time())

    def refuse() -> set[bytes]:
        raise AssertionError("the whole live set was loaded")

    monkeypatch.setattr(svc.store, "live_digests", refuse)
    svc.maintenance()
    assert set(svc.blobs.digests()) == {*live, young}
    assert not set(deleted) & set(svc.blobs.digests())
    assert not set(orphans) & set(svc.blobs.digests())
    svc.store.close()
    svc.blobs.close()
