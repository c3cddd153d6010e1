"""The segment blob store (issue 13): crash-ish cases, erasure, expiry by whole segments,
older per-digest blobs, several writers. The shared contract is in test_store_contract."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import struct
import sys
from pathlib import Path
from typing import Any

import pytest

from tysha.errors import NotFound
from tysha.store.drop_store import FolderBlobStore
from tysha.store.segments import HEAD, MAGIC, SegmentBlobStore

HOUR = 3600.0 * 490_000


def body(i: int, n: int = 5000) -> tuple[bytes, bytes]:
    data = (b"envelope %06d " % i) * (n // 16)
    return hashlib.sha256(data).digest(), data


def segments(root: Path) -> list[Path]:
    return sorted((root / "segments").glob("*.seg"))


def read_all(store: SegmentBlobStore, digest: bytes) -> bytes:
    with store.open(digest) as f:
        return f.read()


def test_one_segment_for_many_envelopes_and_bounded_reads(tmp_path: Path) -> None:
    s = SegmentBlobStore(tmp_path)
    items = [body(i) for i in range(200)]
    assert s.put_many(items, mtime=HOUR) == [None] * 200
    assert len(segments(tmp_path)) == 1  # no file per envelope
    assert [p for p in tmp_path.iterdir() if p.name != "segments"] == []
    for d, data in items[::37]:
        with s.open(d) as f:
            assert f.read(10) == data[:10]
            assert f.read() == data[10:]
            assert f.read() == b""  # the view ends at the record, not at the segment
    assert segments(tmp_path)[0].stat().st_mtime == HOUR
    s.close()


def test_segments_roll_by_hour_and_size(tmp_path: Path) -> None:
    s = SegmentBlobStore(tmp_path)
    s.SEGMENT_MAX = 20_000
    s.put_many([body(i) for i in range(3)], mtime=HOUR)  # 15 KB: still one segment
    s.put_many([body(i) for i in range(3, 6)], mtime=HOUR)  # past 20 KB at the start of the next
    s.put_many([body(6)], mtime=HOUR)
    s.put_many([body(7)], mtime=HOUR + 3600)
    names = [p.name for p in segments(tmp_path)]
    assert len(names) == 3
    h = int(HOUR // 3600)
    assert [n.split("-")[0] for n in names] == [f"{h:010d}"] * 2 + [f"{h + 1:010d}"]
    assert all(read_all(s, body(i)[0]) == body(i)[1] for i in range(8))
    s.close()


def test_batches_are_written_page_aligned_past_the_page_cache(tmp_path: Path) -> None:
    """Each batch is one page-aligned write (O_DIRECT where the file system takes it, as
    ext4 on this machine does), padded with a filler record that a rescan steps over: the
    rebuilt index holds exactly the envelopes, and nothing is cut away as torn."""
    import fcntl

    s = SegmentBlobStore(tmp_path)
    first = [body(i, 4000 + 37 * i) for i in range(5)]
    second = [body(i, 9000 + 11 * i) for i in range(5, 12)]
    s.put_many(first, mtime=HOUR)
    seg = segments(tmp_path)[0]
    after_first = seg.stat().st_size
    s.put_many(second, mtime=HOUR)
    size = seg.stat().st_size
    assert after_first % 4096 == 0 and size % 4096 == 0 and size > after_first
    assert s._writer is not None
    if os.environ.get("TYSHA_TEST_DIRECT_IO", "1") == "1" and _takes_direct(tmp_path):
        assert fcntl.fcntl(s._writer.fd, fcntl.F_GETFL) & os.O_DIRECT
    s.close()
    for f in (tmp_path / "segments").glob("index.db*"):
        f.unlink()
    s = SegmentBlobStore(tmp_path)
    assert seg.stat().st_size == size  # filler records are not a torn tail
    assert set(s.digests()) == {d for d, _ in first + second}
    assert all(read_all(s, d) == data for d, data in first + second)
    s.close()


def _takes_direct(folder: Path) -> bool:
    try:
        fd = os.open(folder / "probe", os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
    except OSError:
        return False
    os.close(fd)
    (folder / "probe").unlink()
    return True


def test_without_direct_io_the_same_aligned_writes_go_through_the_page_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system that refuses O_DIRECT (tmpfs) at open, or only at the first write."""
    import errno
    import fcntl

    real_open = os.open

    def refusing_open(path: Any, flags: int, *args: Any) -> int:
        if flags & os.O_DIRECT:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    s = SegmentBlobStore(tmp_path / "a")
    items = [body(i) for i in range(4)]
    assert s.put_many(items, mtime=HOUR) == [None] * 4
    assert s._writer is not None
    assert not fcntl.fcntl(s._writer.fd, fcntl.F_GETFL) & os.O_DIRECT
    assert all(read_all(s, d) == data for d, data in items)
    s.close()
    monkeypatch.setattr(os, "open", real_open)

    real_pwrite = os.pwrite

    def refusing_pwrite(fd: int, data: Any, off: int) -> int:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_pwrite(fd, data, off)

    monkeypatch.setattr(os, "pwrite", refusing_pwrite)
    s = SegmentBlobStore(tmp_path / "b")
    assert s.put_many(items, mtime=HOUR) == [None] * 4
    assert all(read_all(s, d) == data for d, data in items)
    s.close()


def test_a_failed_batch_write_fails_the_whole_batch_and_leaves_no_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk in the middle of a batch: every envelope of that batch (and a twin of
    one of them) is refused with "out of storage", the segment is cut back to where the
    batch began, nothing is indexed, a staging file stays for its upload to retry; the next
    batch is stored."""
    import errno

    s = SegmentBlobStore(tmp_path)
    s.put_many([body(0)], mtime=HOUR)
    seg = segments(tmp_path)[0]
    before = seg.stat().st_size
    staged = tmp_path / "staged"
    big = body(9, 9 << 20)  # a resumable upload's staging file, larger than the 8 MiB buffer
    staged.write_bytes(big[1])
    real_pwrite = os.pwrite
    calls = {"n": 0}

    def full_disk(fd: int, data: Any, off: int) -> int:
        calls["n"] += 1
        if calls["n"] >= 2:  # the first 8 MiB of the batch are written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_pwrite(fd, data, off)

    monkeypatch.setattr(os, "pwrite", full_disk)
    batch = [body(1), body(2), (big[0], staged), body(1)]
    errors = s.put_many(batch, mtime=HOUR)
    monkeypatch.setattr(os, "pwrite", real_pwrite)
    assert [e is not None and "out of storage" in str(e) for e in errors] == [True] * 4
    assert calls["n"] == 2 and seg.stat().st_size == before
    assert not any(s.exists(d) for d, _ in batch)
    assert staged.exists()
    assert s.put_many([body(1), (big[0], staged)], mtime=HOUR) == [None, None]
    assert read_all(s, big[0]) == big[1] and not staged.exists()
    s.close()


def test_torn_last_record_is_cut_and_never_served(tmp_path: Path) -> None:
    s = SegmentBlobStore(tmp_path)
    items = [body(i) for i in range(5)]
    s.put_many(items, mtime=HOUR)
    s.close()
    seg = segments(tmp_path)[0]
    good = seg.stat().st_size
    d, data = body(99)
    with open(seg, "ab") as f:  # a crash in the middle of the next batch's write
        f.write(HEAD.pack(MAGIC, len(data), d) + data[:1000])
    s = SegmentBlobStore(tmp_path)
    assert seg.stat().st_size == good
    assert not s.exists(d)
    with pytest.raises(NotFound):
        s.open(d)
    assert all(read_all(s, dd) == data for dd, data in items)
    assert s.put_many([(d, data)], mtime=HOUR) == [None]
    assert read_all(s, d) == data
    s.close()


def test_record_with_wrong_digest_is_skipped_and_the_whole_record_after_it_kept(
    tmp_path: Path,
) -> None:
    """A record whose bytes do not hash to its digest is never served; a whole record after
    it that does is kept (one the log never took is debris that maintenance removes), and so
    nothing is cut off the segment."""
    s = SegmentBlobStore(tmp_path)
    s.put_many([body(1)], mtime=HOUR)
    s.close()
    seg = segments(tmp_path)[0]
    d, data = body(2)
    with open(seg, "ab") as f:  # whole length, wrong bytes (a torn page inside)
        f.write(HEAD.pack(MAGIC, len(data), d) + data[:-1] + b"!")
        f.write(HEAD.pack(MAGIC, 3, hashlib.sha256(b"abc").digest()) + b"abc")
    size = seg.stat().st_size
    s = SegmentBlobStore(tmp_path)
    assert seg.stat().st_size == size and not s.exists(d)
    with pytest.raises(NotFound):
        s.open(d)
    assert read_all(s, hashlib.sha256(b"abc").digest()) == b"abc"
    assert read_all(s, body(1)[0]) == body(1)[1]
    s.close()


def test_lost_index_is_rebuilt_from_the_segments(tmp_path: Path) -> None:
    s = SegmentBlobStore(tmp_path)
    items = [body(i) for i in range(30)]
    s.put_many(items[:20], mtime=HOUR)
    s.put_many(items[20:], mtime=HOUR + 3600)
    gone = items[3][0]
    s.delete(gone)
    s.close()
    for f in (tmp_path / "segments").glob("index.db*"):
        f.unlink()
    s = SegmentBlobStore(tmp_path)
    assert set(s.digests()) == {d for d, _ in items} - {gone}  # an erased record stays erased
    assert all(read_all(s, d) == data for d, data in items if d != gone)
    assert s.mtime(items[25][0]) == HOUR + 3600
    s.close()


def test_deletion_overwrites_the_bytes(tmp_path: Path) -> None:
    s = SegmentBlobStore(tmp_path)
    secret = b"SECRET-REPORT-" * 1000
    d = hashlib.sha256(secret).digest()
    keep = body(1)
    s.put_many([keep, (d, secret), body(2)], mtime=HOUR)
    seg = segments(tmp_path)[0]
    assert b"SECRET-REPORT-" in seg.read_bytes()
    s.delete(d)
    raw = seg.read_bytes()
    assert b"SECRET" not in raw and d not in raw  # neither the body nor its name
    assert seg.stat().st_size == len(raw) and len(raw) > len(secret)  # in place, no rewrite
    assert not s.exists(d) and read_all(s, keep[0]) == keep[1]
    s.close()


def test_erasure_waits_for_an_open_download(tmp_path: Path) -> None:
    s = SegmentBlobStore(tmp_path)
    d, data = body(5, 600_000)
    s.put_many([(d, data), body(6)], mtime=HOUR)
    reader = s.open(d)
    first = reader.read(1000)
    s.delete(d)
    with pytest.raises(NotFound):
        s.open(d)
    assert first + reader.read() == data  # not cut short, not zeros
    reader.close()
    assert b"envelope 000005" not in segments(tmp_path)[0].read_bytes()  # erased at close
    s.close()


def test_expiry_unlinks_whole_segments(tmp_path: Path) -> None:
    s = SegmentBlobStore(tmp_path)
    old = [body(i) for i in range(10)]
    new = [body(i) for i in range(10, 13)]
    s.put_many(old, mtime=HOUR)
    s.put_many(new, mtime=HOUR + 3600)  # the writer moved on: the old hour's segment is idle
    before = segments(tmp_path)
    assert len(before) == 2
    s.delete_many(d for d, _ in old)
    assert segments(tmp_path) == before[1:]
    assert not any(s.exists(d) for d, _ in old)
    # The segment being appended to stays even when emptied (its writer holds it).
    s.delete_many(d for d, _ in new)
    assert segments(tmp_path) == before[1:]
    assert s.put_many([body(20)], mtime=HOUR + 3600) == [None]
    assert read_all(s, body(20)[0]) == body(20)[1]
    s.close()


def test_a_live_writers_segment_is_left_alone(tmp_path: Path) -> None:
    """Another drop process (here: another store over the same folder) must not cut the
    segment a live writer is appending to; after that writer is gone, its torn tail goes."""
    a = SegmentBlobStore(tmp_path)
    a.put_many([body(1)], mtime=HOUR)
    seg = segments(tmp_path)[0]
    with open(seg, "ab") as f:  # a's next record, half written
        f.write(struct.pack(">4sQ", MAGIC, 5000) + b"x" * 100)
    size = seg.stat().st_size
    b = SegmentBlobStore(tmp_path)
    assert seg.stat().st_size == size
    assert b.put_many([body(2)], mtime=HOUR) == [None]
    assert len(segments(tmp_path)) == 2  # b writes a segment of its own
    assert read_all(b, body(1)[0]) == body(1)[1] and read_all(a, body(2)[0]) == body(2)[1]
    a.close()
    b.close()
    c = SegmentBlobStore(tmp_path)
    assert seg.stat().st_size < size
    assert read_all(c, body(1)[0]) == body(1)[1]
    c.close()


def test_older_per_digest_blobs_are_still_served(tmp_path: Path) -> None:
    old = FolderBlobStore(tmp_path)
    d, data = body(7)
    src = tmp_path / "staged"
    src.write_bytes(data)
    assert old.put_many([(d, src)], mtime=HOUR) == [None]
    old.close()
    s = SegmentBlobStore(tmp_path)
    assert s.exists(d) and read_all(s, d) == data and s.mtime(d) == HOUR
    assert list(s.digests()) == [d]
    s.delete(d)
    assert not s.exists(d) and not list(tmp_path.rglob(d.hex()[2:]))
    s.close()


def test_resumable_upload_file_is_copied_in(tmp_path: Path) -> None:
    s = SegmentBlobStore(tmp_path)
    data = os.urandom(3 << 20)  # larger than one copy piece
    d = hashlib.sha256(data).digest()
    src = tmp_path / "fin"
    src.write_bytes(data)
    missing = (os.urandom(32), tmp_path / "never")
    out = s.put_many([(d, src), missing], mtime=HOUR)
    assert out[0] is None and out[1] is not None and not src.exists()
    assert read_all(s, d) == data
    s.close()


def test_index_is_on_disk(tmp_path: Path) -> None:
    s = SegmentBlobStore(tmp_path)
    items = [body(i, 100) for i in range(1000)]
    s.put_many(items, mtime=HOUR)
    s.close()
    with sqlite3.connect(tmp_path / "segments" / "index.db") as db:
        assert db.execute("SELECT count(*) FROM blobs").fetchone() == (1000,)


def test_drop_intake_keeps_no_file_per_envelope_and_deletion_erases(tmp_path: Path) -> None:
    """Through the drop's service: one-shot bodies go straight into a segment (no staging
    file), and the last slot's deletion secret overwrites the envelope's bytes on disk."""
    import asyncio

    from tysha.drop.service import DropService, init_drop
    from tysha.protocol import Identity, parse_header, seal_envelope, unwrap_slot

    init_drop(tmp_path / "d", "segments.test", 0)
    a, b = Identity.generate(os.urandom), Identity.generate(os.urandom)
    envs = [seal_envelope(os.urandom(3000), [a.public(), b.public()], os.urandom) for _ in range(6)]
    svc = DropService(tmp_path / "d")
    staged: list[str] = []

    async def go() -> list[int]:
        await svc.start()
        try:
            rs = await asyncio.gather(*(svc.accept(e, None) for e in envs))
            staged.extend(p.name for p in svc.uploads_dir.iterdir())
            return [r.index for r in rs]
        finally:
            await svc.stop()

    indices = asyncio.run(go())
    assert staged == []
    segs = segments(tmp_path / "d" / "blobs")
    assert len(segs) == 1
    raw = segs[0].read_bytes()
    assert all(e in raw for e in envs)
    svc = DropService(tmp_path / "d")
    target = envs[2]
    idx = indices[2]
    header = parse_header(target)
    assert svc.delete_slot(idx, unwrap_slot(header, a).deletion_secret) is False
    assert target in segs[0].read_bytes()  # one slot left: the envelope stays
    assert svc.delete_slot(idx, unwrap_slot(header, b).deletion_secret) is True
    raw = segs[0].read_bytes()
    assert target[-2000:] not in raw and hashlib.sha256(target).digest() not in raw
    assert all(e in raw for e in envs if e != target)
    with svc.blobs.open(hashlib.sha256(envs[3]).digest()) as f:
        assert f.read() == envs[3]
    svc.store.close()
    svc.blobs.close()


def test_failed_fsync_abandons_the_segment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a failed fdatasync nothing more is appended to that segment (its page cache may
    have lost the batch); the next open rescans its tail, so those records become debris."""
    from tysha.errors import StorageError

    s = SegmentBlobStore(tmp_path)
    s.put_many([body(1)], mtime=HOUR)
    real = os.fdatasync

    def failing(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fdatasync", failing)
    with pytest.raises(StorageError):
        s.put_many([body(2)], mtime=HOUR)
    monkeypatch.setattr(os, "fdatasync", real)
    assert not s.exists(body(2)[0])
    assert s.put_many([body(3)], mtime=HOUR) == [None]
    assert len(segments(tmp_path)) == 2  # a fresh segment after the failure
    s.close()
    s = SegmentBlobStore(tmp_path)  # the failed batch's whole record is found as debris
    assert s.exists(body(2)[0]) and set(s.digests()) == {body(i)[0] for i in (1, 2, 3)}
    s.close()



def _open_and_close(root: str, barrier: Any) -> None:
    barrier.wait()
    try:
        SegmentBlobStore(Path(root)).close()
    except Exception as exc:
        print(repr(exc), file=sys.stderr)
        os._exit(1)  # the test reads the exit code
    os._exit(0)


def test_drop_processes_opening_a_new_folder_at_once_all_open_it(tmp_path: Path) -> None:
    """Several drop processes start together on a new folder (``drop serve --workers N``):
    SQLite refuses the WAL switch and table creation at once, without its busy timeout, to all
    but one; each store must wait its turn instead of failing to start."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    for i in range(12):
        barrier = ctx.Barrier(4)
        procs = [ctx.Process(target=_open_and_close, args=(str(tmp_path / f"d{i}"), barrier))
                 for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert [p.exitcode for p in procs] == [0, 0, 0, 0], i


def _index_lost(root: Path, how: str, seg: Path, since: int) -> None:
    """What a restart finds of the index: none at all (``rebuilt``: deleted, as an operator
    does to rebuild it), or its commits since ``since`` lost (``lost``: they are not fsynced,
    the segments are)."""
    if how == "rebuilt":
        for f in (root / "segments").glob("index.db*"):
            f.unlink()
        return
    db = sqlite3.connect(root / "segments" / "index.db")
    with db:
        db.execute("UPDATE segs SET indexed = ? WHERE name = ?", (since, seg.name))
        db.execute("DELETE FROM blobs WHERE seg = ? AND off > ?", (seg.name, since))
    db.close()


def _damage(seg: Path, at: int, where: str) -> None:
    """One record's bytes on disk go bad: a flipped bit in its body, its length or its magic."""
    offset = {"body": at + 1234, "length": at - HEAD.size + 9, "magic": at - HEAD.size + 2}
    with open(seg, "r+b") as f:
        f.seek(offset[where])
        byte = f.read(1)[0]
        f.seek(offset[where])
        f.write(bytes([byte ^ 0x10]))


@pytest.mark.parametrize("how", ["rebuilt", "lost"])
@pytest.mark.parametrize("where", ["body", "length", "magic"])
def test_a_damaged_record_in_the_middle_loses_no_acknowledged_record_after_it(
    tmp_path: Path, how: str, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    """One unreadable record in the middle of a segment (a flipped bit on disk) and a
    rescan of that segment (the index rebuilt, or its last commits lost): the damaged
    envelope is reported to the operator once and never served; every acknowledged
    envelope after it, in its batch and in later ones, is still served and hashes to its
    digest; nothing is cut off the segment."""
    import logging

    s = SegmentBlobStore(tmp_path)
    batches = [[body(10 * b + i, 3000 + 700 * i) for i in range(5)] for b in range(3)]
    s.put_many(batches[0], mtime=HOUR)
    seg = segments(tmp_path)[0]
    first_end = seg.stat().st_size
    s.put_many(batches[1], mtime=HOUR)
    s.put_many(batches[2], mtime=HOUR)
    bad, _ = batches[1][2]
    where_bad = s._where(bad)
    assert where_bad is not None
    s.close()
    size = seg.stat().st_size
    _damage(seg, where_bad[1], where)
    _index_lost(tmp_path, how, seg, first_end)
    caplog.set_level(logging.WARNING)
    s = SegmentBlobStore(tmp_path)
    assert seg.stat().st_size == size  # nothing acknowledged is cut away
    good = [(d, data) for b in batches for d, data in b if d != bad]
    for d, data in good:
        got = read_all(s, d)
        assert got == data and hashlib.sha256(got).digest() == d
    assert set(s.digests()) == {d for d, _ in good}
    assert not s.exists(bad)
    with pytest.raises(NotFound):
        s.open(bad)
    told = [r.getMessage() for r in caplog.records if r.name == "tysha.drop"]
    assert len(told) == 1 and "damaged" in told[0] and seg.name in told[0], told
    if where != "magic":
        assert bad.hex() in told[0]  # which envelope: its log entry is that digest
    s.close()
    caplog.clear()
    s = SegmentBlobStore(tmp_path)  # told once, not at every start
    assert not [r for r in caplog.records if r.name == "tysha.drop"]
    assert all(read_all(s, d) == data for d, data in good)
    s.close()


def test_a_torn_tail_after_a_damaged_record_is_still_cut(tmp_path: Path) -> None:
    """Damage in the middle does not stop a crashed batch's torn last record being cut off
    (and never served); the verified records between the two are kept."""
    s = SegmentBlobStore(tmp_path)
    items = [body(i) for i in range(6)]
    s.put_many(items, mtime=HOUR)
    bad = items[1][0]
    where_bad = s._where(bad)
    assert where_bad is not None
    s.close()
    seg = segments(tmp_path)[0]
    good = seg.stat().st_size
    _damage(seg, where_bad[1], "body")
    d, data = body(99)
    with open(seg, "ab") as f:  # a crash in the middle of the next batch's write
        f.write(HEAD.pack(MAGIC, len(data), d) + data[:1000])
    _index_lost(tmp_path, "rebuilt", seg, 0)
    s = SegmentBlobStore(tmp_path)
    assert seg.stat().st_size == good
    assert not s.exists(d) and not s.exists(bad)
    assert all(read_all(s, dd) == dt for dd, dt in items if dd != bad)
    s.close()


@pytest.mark.parametrize("half", ["head", "body"])
def test_an_erasure_a_crash_cut_short_is_stepped_over_and_names_nothing(
    tmp_path: Path, half: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A deletion erases the head and then the body; a crash between the two leaves one of
    them. A rebuilt index steps over that record without serving it and keeps every record
    after it, and the operator's log does not name the deleted envelope."""
    import logging

    s = SegmentBlobStore(tmp_path)
    items = [body(i) for i in range(6)]
    s.put_many(items, mtime=HOUR)
    gone, data = items[2]
    where_gone = s._where(gone)
    assert where_gone is not None
    s.close()
    seg = segments(tmp_path)[0]
    size = seg.stat().st_size
    off = where_gone[1]
    with open(seg, "r+b") as f:
        if half == "head":
            f.seek(off - HEAD.size)
            f.write(HEAD.pack(b"TYSD", len(data), bytes(32)))
        else:
            f.seek(off)
            f.write(bytes(len(data)))
    _index_lost(tmp_path, "rebuilt", seg, 0)
    caplog.set_level(logging.WARNING)
    s = SegmentBlobStore(tmp_path)
    assert seg.stat().st_size == size and not s.exists(gone)
    assert all(read_all(s, d) == dt for d, dt in items if d != gone)
    assert not any(gone.hex() in r.getMessage() for r in caplog.records)
    s.close()


def test_an_indexed_record_damaged_on_disk_is_never_served_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A record the index knows whose body then rots on disk (a flipped bit): reading it
    breaks off before its last bytes, so no reader ever holds the whole of wrong bytes as the
    envelope; the operator is told once; from then on it is not held (a later read is "not
    found", a resubmission stores it afresh); its neighbours are served as before."""
    import logging

    from tysha.errors import StorageError

    s = SegmentBlobStore(tmp_path)
    items = [body(i, 600_000 if i == 1 else 5000) for i in range(3)]
    s.put_many(items, mtime=HOUR)
    bad, data = items[1]
    where_bad = s._where(bad)
    assert where_bad is not None
    _damage(segments(tmp_path)[0], where_bad[1], "body")
    caplog.set_level(logging.WARNING)
    got = bytearray()
    with s.open(bad) as f, pytest.raises(StorageError):
        while piece := f.read(65536):
            got += piece
    assert len(got) < len(data)
    assert not s.exists(bad)
    with pytest.raises(NotFound):
        s.open(bad)
    told = [r.getMessage() for r in caplog.records if r.name == "tysha.drop"]
    assert len(told) == 1 and bad.hex() in told[0] and "damaged" in told[0], told
    assert all(read_all(s, d) == dt for d, dt in items if d != bad)
    assert s.put_many([(bad, data)], mtime=HOUR) == [None]
    assert read_all(s, bad) == data
    s.close()


def test_a_download_of_an_envelope_damaged_on_disk_breaks_off_then_is_gone(
    tmp_path: Path,
) -> None:
    """Through a real drop server: the desk's download of an envelope damaged on disk
    breaks off (it never receives bytes its log does not hold, which it would take for a
    drop serving forged envelopes); asked again, the drop answers 410 at once, so the desk
    flags the entry and goes on with later ones instead of retrying this one for ever; the
    source's resubmission makes it whole again."""
    from tysha.drop.launcher import free_port, init_data, start_drop, wait_ready
    from tysha.errors import DropRefused, TransportError
    from tysha.protocol import Identity, seal_envelope
    from tysha.transport import DropClient

    me = Identity.generate(os.urandom)
    env = seal_envelope(os.urandom(300_000), [me.public()], os.urandom)
    data = tmp_path / "drop"
    init_data(data, pow_bits=0)
    port = free_port()
    proc = start_drop(data, port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc)
        with DropClient(url) as c:
            receipt = c.upload(env)
            seg = next((data / "blobs" / "segments").glob("*.seg"))
            at = seg.read_bytes().index(env[:64])
            _damage(seg, at, "body")
            with pytest.raises(TransportError) as broke:
                c.fetch_bytes(receipt.index)
            assert not isinstance(broke.value, DropRefused)
            with pytest.raises(DropRefused) as gone:
                c.fetch_bytes(receipt.index)
            assert gone.value.status == 410
            assert c.upload(env).index == receipt.index
            assert c.fetch_bytes(receipt.index) == env
    finally:
        proc.terminate()
        proc.wait(30)


def _expire_and_die(root: str, digests: list[bytes]) -> None:
    """A drop process expiring envelopes is killed (a restart, a power cut) after the index
    commit that dropped their rows, before it unlinked their emptied segment."""
    s = SegmentBlobStore(Path(root))
    s._drop_if_empty = lambda seg: os._exit(0)  # type: ignore[method-assign]
    s.delete_many(digests)
    os._exit(1)  # not reached: nothing was emptied


def test_a_segment_expiry_emptied_goes_even_when_the_drop_died_before_unlinking_it(
    tmp_path: Path,
) -> None:
    """Expiry removes 90-day-old envelopes by unlinking their emptied segments, one after
    another after the index commit; a drop stopped meanwhile left every segment not yet
    unlinked on disk for good (indexed to its end, no live record: never looked at again),
    its old envelopes past the retention a seized drop is promised to hold. The next open
    unlinks it; a segment still holding a live envelope stays."""
    import multiprocessing as mp

    s = SegmentBlobStore(tmp_path)
    old = [body(i) for i in range(5)]
    s.put_many(old, mtime=HOUR)
    s.put_many([body(9)], mtime=HOUR + 3600)
    s.close()
    before = segments(tmp_path)
    assert len(before) == 2
    p = mp.get_context("fork").Process(
        target=_expire_and_die, args=(str(tmp_path), [d for d, _ in old])
    )
    p.start()
    p.join(60)
    assert p.exitcode == 0
    assert segments(tmp_path) == before  # the emptied segment is still there
    s = SegmentBlobStore(tmp_path)
    assert segments(tmp_path) == before[1:]
    assert not any(s.exists(d) for d, _ in old)
    assert read_all(s, body(9)[0]) == body(9)[1]
    s.close()


def _delete_while_downloaded_and_die(root: str, digest: bytes) -> None:
    """A deletion arrives while a download of the envelope is under way (its erasure waits
    for the download to end); the drop process is killed before that."""
    s = SegmentBlobStore(Path(root))
    reader = s.open(digest)
    reader.read(1000)
    s.delete(digest)
    os._exit(0)


def test_a_deletion_whose_erasure_waited_for_a_download_is_erased_after_a_crash(
    tmp_path: Path,
) -> None:
    """A source's deletion must erase the envelope's bytes. One that waited for an open
    download (anyone may hold one open, for as long as they like) was remembered only in
    the process's memory: the drop killed or restarted meanwhile left the envelope's bytes
    on disk, unindexed, for good. The erasure now waits in the index and the next open
    does it; the other envelopes are untouched."""
    import multiprocessing as mp

    s = SegmentBlobStore(tmp_path)
    secret = b"SECRET-REPORT-" * 5000
    d = hashlib.sha256(secret).digest()
    items = [body(1), (d, secret), body(2)]
    s.put_many(items, mtime=HOUR)
    s.close()
    seg = segments(tmp_path)[0]
    p = mp.get_context("fork").Process(target=_delete_while_downloaded_and_die,
                                       args=(str(tmp_path), d))
    p.start()
    p.join(60)
    assert p.exitcode == 0
    assert b"SECRET-REPORT-" in seg.read_bytes()  # the killed process never erased it
    s = SegmentBlobStore(tmp_path)
    raw = seg.read_bytes()
    assert b"SECRET" not in raw and d not in raw
    assert not s.exists(d)
    assert all(read_all(s, dd) == data for dd, data in items if dd != d)
    s.close()


def test_a_damaged_index_says_it_is_rebuilt_once_deleted(tmp_path: Path) -> None:
    """The envelope index is only an index: the segments hold everything. A damaged one (a
    bad disk block, a file overwritten) stopped the drop with SQLite's words alone, and the
    operator had no way to learn that deleting it was safe and would bring the drop back.
    The refusal names the file, says so, in the operator's language; doing it serves every
    envelope again."""
    from tysha.errors import StorageError
    from tysha.i18n import translate_message

    s = SegmentBlobStore(tmp_path)
    items = [body(i) for i in range(5)]
    s.put_many(items, mtime=HOUR)
    s.close()
    index = tmp_path / "segments" / "index.db"
    index.write_bytes(os.urandom(8192))
    with pytest.raises(StorageError) as refused:
        SegmentBlobStore(tmp_path)
    said = refused.value.message
    assert str(index) in said and "delete" in said and "rebuilt" in said, said
    assert translate_message(said, "uk") != said
    for f in (tmp_path / "segments").glob("index.db*"):
        f.unlink()
    s = SegmentBlobStore(tmp_path)
    assert all(read_all(s, d) == data for d, data in items)
    s.close()


def test_an_envelope_lost_from_a_segment_cut_short_is_told_once_and_answers_damaged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A segment cut short after its records were indexed (file system damage, or the store
    restored from an older copy) loses acknowledged envelopes: the drop answered them 410
    "damaged" and told its operator nothing. Now the operator's log says which log entry is
    missing, once however often it is asked for - its index only, no digest, no address."""
    import logging

    from tysha.drop.launcher import in_process_drop
    from tysha.errors import DropRefused
    from tysha.protocol import Identity, seal_envelope

    me = Identity.generate(os.urandom)
    with in_process_drop(tmp_path / "drop") as d:
        kept = d.client.upload(seal_envelope(os.urandom(200), [me.public()], os.urandom))
        lost_env = seal_envelope(os.urandom(200), [me.public()], os.urandom)
        lost = d.client.upload(lost_env)
        seg = segments(tmp_path / "drop" / "blobs")[0]
        at = seg.read_bytes().index(lost_env[:64])
        with open(seg, "r+b") as f:
            f.truncate(at - HEAD.size)  # the segment ends before the second record
        caplog.set_level(logging.ERROR, logger="tysha.drop")
        for _ in range(3):
            with pytest.raises(DropRefused) as gone:
                d.client.fetch_bytes(lost.index)
            assert gone.value.status == 410 and "damaged" in str(gone.value)
        assert d.client.fetch_bytes(kept.index)
    told = [r.getMessage() for r in caplog.records if r.name == "tysha.drop"]
    assert len(told) == 1 and f"log entry {lost.index} " in told[0], told
    assert lost_env[:32].hex() not in told[0] and "127.0.0.1" not in told[0]
