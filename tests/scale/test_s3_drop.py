"""A whole drop on the object store: intake (one-shot and resumable), download, deletion,
and the log, with nothing of the envelopes on the drop's disk."""

from __future__ import annotations

import hashlib
import os
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
    # Every envelope is in the bucket, none on the drop's disk (only its key and settings).
    blobs = S3BlobStore(parse_s3_url(s3_env))
    assert set(blobs.digests()) == {hashlib.sha256(e).digest() for e in [*small, big]}
    blobs.close()
    left = sorted(p.name for p in (tmp_path / "d").rglob("*") if p.is_file())
    assert left == ["drop.db", "drop.json", "log.key"], left  # drop.db: init's unused SQLite
