"""A whole drop on the object store: intake (one-shot and resumable), download, deletion,
and the log, with nothing of the envelopes on the drop's disk."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from tysha.drop.launcher import in_process_drop
from tysha.protocol import Identity, seal_envelope
from tysha.store.s3 import S3BlobStore, parse_s3_url
from tysha.tlog import NoteVerifier, open_checkpoint, verify_tiles_against_checkpoint

ME = Identity.generate(os.urandom)


def test_drop_on_s3_and_postgres_keeps_nothing_on_disk(
    s3_env: str, pg_url: str, tmp_path: Path
) -> None:
    small = [seal_envelope(os.urandom(200 + i), [ME.public()], os.urandom) for i in range(20)]
    big = seal_envelope(os.urandom(3 << 20), [ME.public()], os.urandom)
    with in_process_drop(tmp_path / "d", database=pg_url, blobs=s3_env) as d:
        c = d.client
        receipts = [c.upload(e) for e in small]
        r_big = c.upload(tmp_path / "big" if (tmp_path / "big").write_bytes(big) else big)
        for r, e in zip([*receipts, r_big], [*small, big], strict=True):
            r.verify(d.vkey, hashlib.sha256(e).digest())
        assert c.fetch_bytes(r_big.index) == big
        assert c.fetch_bytes(receipts[3].index) == small[3]
        cp = open_checkpoint(c.checkpoint(), NoteVerifier.from_vkey(d.vkey))
        assert cp.size == 21
        verify_tiles_against_checkpoint(cp, c.log_file)
        # The log is published to the bucket too: a reader needs nothing from the drop.
        pub = S3BlobStore(parse_s3_url(s3_env))
        deadline = time.monotonic() + 20
        while pub.published_size() < 21 and time.monotonic() < deadline:
            time.sleep(0.1)

        def from_bucket(path: str) -> bytes:
            obj = pub.client.get_object(Bucket=pub.loc.bucket, Key=pub._log_key(path))
            if path != "checkpoint":
                assert "immutable" in obj["CacheControl"]
            return bytes(obj["Body"].read())

        published = open_checkpoint(
            from_bucket("checkpoint").decode(), NoteVerifier.from_vkey(d.vkey)
        )
        assert published.size == 21 and published.root_hash == cp.root_hash
        verify_tiles_against_checkpoint(published, from_bucket)
        assert from_bucket("tile/entries/000.p/21") == c.log_file("tile/entries/000.p/21")
        pub.close()
    # Every envelope is in the bucket, none on the drop's disk (only its key and settings).
    blobs = S3BlobStore(parse_s3_url(s3_env))
    assert set(blobs.digests()) == {hashlib.sha256(e).digest() for e in [*small, big]}
    blobs.close()
    left = sorted(p.name for p in (tmp_path / "d").rglob("*") if p.is_file())
    assert left == ["drop.db", "drop.json", "log.key"], left  # drop.db: init's unused SQLite


def test_changed_log_files_cover_growth_exactly(tmp_path: Path) -> None:
    """Growing 0 -> 300 -> 65,800 leaves publishes each new full tile once, each new partial
    width once, and the level-1 and level-2 tiles that appeared; nothing already there."""
    from tysha.drop.publish import changed_log_files
    from tysha.store.drop_store import IntegrationItem, SQLiteDropStore
    from tysha.tlog import tile_contents

    store = SQLiteDropStore(tmp_path / "t.db")

    def sign(size: int, root: bytes) -> str:
        return f"{size}"

    def grow(n: int) -> None:
        items = [
            IntegrationItem(os.urandom(32), 1, b"k" * 32, (b"c" * 8,), (b"d" * 32,), 1)
            for _ in range(n)
        ]
        store.integrate(items, sign)

    grow(300)
    first = dict(changed_log_files(0, 300, store))
    assert sorted(first) == [
        "tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1", "tile/entries/000",
        "tile/entries/001.p/44",
    ]  # fmt: skip
    assert first["tile/0/000"] == tile_contents(0, 0, 256, store)
    grow(65_500)
    second = dict(changed_log_files(300, 65_800, store))
    assert "tile/0/000" not in second and "tile/0/001" in second  # 001 became full
    # 65,800 = 257 full tiles of 256 + 8: level 1 has 257 nodes, level 2 has 1.
    assert {"tile/0/257.p/8", "tile/1/000", "tile/1/001.p/1", "tile/2/000.p/1"} <= set(second)
    assert "tile/1/000.p/1" not in second  # published before; a new width is a new file
    assert sum(p.startswith("tile/0/") for p in second) == 257  # 001..256 full, 257.p/8
    store.close()
