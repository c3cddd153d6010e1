"""The S3 backend on a real S3-compatible server (SeaweedFS): the BlobStore contract, streaming
multipart uploads, resumable uploads shared by several processes, and a drop served on it."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from drop.test_store_contract import check_blob_store

from tysha.drop.uploads import OffsetMismatch, UploadExists
from tysha.errors import ConfigError, NotFound, ProtocolError, StorageError
from tysha.store.s3 import PART_SIZE, S3BlobStore, S3Uploads, parse_s3_url


def test_blob_store_contract_on_s3(s3_env: str, tmp_path: Path) -> None:
    blobs = S3BlobStore(parse_s3_url(s3_env))
    try:
        check_blob_store(blobs, tmp_path)
    finally:
        blobs.close()


@pytest.mark.parametrize(
    "url",
    ["s3:/b/p", "http://bucket/p", "s3://UPPER/p", "s3://b", "s3://bucket/a/../b", "s3://u@bucket/p",
     "s3://bucket/p?x=1", "s3://bucket//p"],
)  # fmt: skip
def test_bad_s3_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        parse_s3_url(url)


def test_good_s3_url() -> None:
    loc = parse_s3_url("s3://my-bucket/drops/one/")
    assert (loc.bucket, loc.prefix) == ("my-bucket", "drops/one/")
    assert parse_s3_url("s3://my-bucket").prefix == ""


def test_unreachable_bucket_is_one_clear_error(
    s3_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs = S3BlobStore(parse_s3_url("s3://no-such-bucket-here/x"))
    with pytest.raises(ConfigError, match="bucket") as err:
        blobs.check()
    assert "no-such-bucket-here" not in str(err.value)  # no names or driver text
    blobs.close()


def test_large_blob_streams_in_parts(s3_env: str, tmp_path: Path) -> None:
    """A blob of 5.5 parts goes up as a multipart upload, one part in memory at a time."""
    blobs = S3BlobStore(parse_s3_url(s3_env))
    src = tmp_path / "big"
    h = hashlib.sha256()
    with open(src, "wb") as f:
        for i in range(44):  # 44 MiB = 5.5 parts of 8 MiB
            piece = bytes([i]) * (1 << 20)
            h.update(piece)
            f.write(piece)
    digest = h.digest()
    size = src.stat().st_size
    tracemalloc.start()
    try:
        assert blobs.put_many([(digest, src)], mtime=3600 * 7) == [None]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * PART_SIZE < size, peak  # parts, never the whole blob
    head = blobs.client.head_object(Bucket=blobs.loc.bucket, Key=blobs.key(digest))
    assert head["ContentLength"] == size
    assert head["ETag"].strip('"').endswith(f"-{-(-size // PART_SIZE)}")  # multipart ETag
    back = hashlib.sha256()
    with blobs.open(digest) as f:
        while piece := f.read(1 << 20):
            back.update(piece)
    assert back.digest() == digest and blobs.mtime(digest) == 3600 * 7
    blobs.close()


def test_s3_uploads_resume_across_instances(s3_env: str, tmp_path: Path) -> None:
    """Two independent instances (as two drop processes) continue one upload."""
    loc = parse_s3_url(s3_env)
    a, b = S3Uploads(S3BlobStore(loc)), S3Uploads(S3BlobStore(loc))
    data = os.urandom(300_000)
    uid = hashlib.sha256(data).hexdigest()
    assert a.create(uid, len(data)).offset == 0
    assert b.create(uid, len(data)).offset == 0  # same length: the same upload
    with pytest.raises(UploadExists):
        b.create(uid, len(data) + 1)
    assert a.append(uid, 0, data[:100_000]).offset == 100_000
    with pytest.raises(OffsetMismatch) as mism:
        b.append(uid, 0, data[:5])
    assert mism.value.offset == 100_000
    assert b.status(uid).offset == 100_000
    assert b.head(uid, 10) == data[:10]
    with pytest.raises(ProtocolError):
        b.append(uid, 100_000, b"x" * 300_000)  # past the announced length
    b.append(uid, 100_000, data[100_000:])
    assert a.totals() == (1, len(data))
    with pytest.raises(OffsetMismatch):
        a.append(uid, 5, b"x")
    size, digest = b.take(uid, tmp_path / "staged")
    assert (size, digest.hex()) == (len(data), uid)
    assert (tmp_path / "staged").read_bytes() == data
    with pytest.raises(NotFound):
        a.take(uid, tmp_path / "again")  # taken once
    with pytest.raises(NotFound):
        a.status(uid)
    assert a.totals() == (0, 0)


def test_s3_upload_chunk_race_takes_exactly_one(s3_env: str) -> None:
    loc = parse_s3_url(s3_env)
    ups = [S3Uploads(S3BlobStore(loc)) for _ in range(6)]
    uid = os.urandom(32).hex()
    ups[0].create(uid, 1000)
    results: list[object] = []
    barrier = threading.Barrier(len(ups))

    def send(i: int) -> None:
        barrier.wait()
        try:
            results.append(ups[i].append(uid, 0, bytes([i]) * (10 + i)))
        except (OffsetMismatch, StorageError) as exc:
            results.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(ups))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [r for r in results if not isinstance(r, Exception)]
    assert len(won) == 1
    assert ups[3].status(uid).offset == won[0].offset  # type: ignore[attr-defined]


def test_s3_upload_wrong_digest_and_expiry(s3_env: str, tmp_path: Path) -> None:
    up = S3Uploads(S3BlobStore(parse_s3_url(s3_env)))
    uid = os.urandom(32).hex()
    up.create(uid, 4)
    up.append(uid, 0, b"abcd")
    with pytest.raises(ProtocolError):
        up.take(uid, tmp_path / "x")
    assert not (tmp_path / "x").exists()
    with pytest.raises(NotFound):
        up.status(uid)
    other = os.urandom(32).hex()
    up.create(other, 10)
    assert up.expire(3600) == 0
    assert up.expire(3600, now=10**10) == 1
    assert up.totals() == (0, 0)


def test_s3_upload_taken_by_a_dead_finisher_can_be_finished_again(
    s3_env: str, tmp_path: Path
) -> None:
    up = S3Uploads(S3BlobStore(parse_s3_url(s3_env)))
    data = os.urandom(1000)
    uid = hashlib.sha256(data).hexdigest()
    up.create(uid, len(data))
    up.append(uid, 0, data)
    # A finish took the bytes and its process died before removing the upload.
    up.client.put_object(Bucket=up.bucket, Key=f"{up.base}{uid}/taken", Body=b"")
    with pytest.raises(NotFound):
        up.take(uid, tmp_path / "a")  # while the taker may still be at work
    up.TAKE_STALE_S = 0.0
    time.sleep(1.1)  # object times have a resolution of one second
    assert up.status(uid).offset == len(data)
    assert up.take(uid, tmp_path / "b") == (len(data), hashlib.sha256(data).digest())
    assert (tmp_path / "b").read_bytes() == data
