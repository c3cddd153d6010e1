"""Issue 9.16: a 2 MB bundle made `tysha verify` use 4.25 GB. Real zip bombs, memory measured.

The bombs are written by hand (local headers, central directory) from a deflate stream of
repeated fully-flushed blocks, so a 1 GiB member costs ~1 MB and no time to build. Memory is
measured with ``resource.getrusage`` in a fresh interpreter that runs the CLI entry point.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

GIB = 1 << 30
MIB = 1 << 20
# Growth of peak memory while verifying (the code is imported before measuring): reading a
# 1 GiB member whole cannot fit; before the fix it grew by ~2 GB.
RSS_LIMIT_KB = 128 * 1024


def deflate_zeros(n_mib: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``n_mib`` MiB of zero bytes, and their CRC-32."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"\0" * MIB
    first = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(n_mib):
        crc = zlib.crc32(block, crc)
    return first + again * (n_mib - 1) + c.flush(), crc


def write_zip(path: Path, members: list[tuple[str, int, bytes, int, int]]) -> None:
    """members: (name, method, stored bytes, crc, declared uncompressed size)."""
    out = bytearray()
    central = bytearray()
    for name, method, data, crc, size in members:
        n = name.encode()
        offset = len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc,
                           len(data), size, len(n), 0) + n + data
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21,
                               crc, len(data), size, len(n), 0, 0, 0, 0, 0, offset) + n
    cd_at = len(out)
    out += central
    count = len(members)
    if count > 0xFFFF:  # the ZIP64 end record carries the real count (APPNOTE 4.3.14)
        z64_at = len(out)
        out += struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count,
                           len(central), cd_at)
        out += struct.pack("<4sIQI", b"PK\x06\x07", 0, z64_at, 1)
        count = 0xFFFF
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), cd_at, 0)
    path.write_bytes(bytes(out))


def stored(name: str, data: bytes) -> tuple[str, int, bytes, int, int]:
    return (name, 0, data, zlib.crc32(data), len(data))


def run_verify(path: Path) -> tuple[int, int, str]:
    code = (
        "import resource, sys\n"
        "from tysha.cli import main\n"
        "import tysha.verify, tysha.evidence.bundle, zipfile, json\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "rc = 0\n"
        "try:\n"
        f"    main(['verify', {str(path)!r}])\n"
        "except SystemExit as e:\n"
        "    rc = e.code\n"
        "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, rc)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    rss, rc = r.stdout.strip().splitlines()[-1].split()[1:]
    return int(rc), int(rss), r.stderr


@pytest.fixture(scope="module")
def gib_of_zeros() -> tuple[bytes, int]:
    return deflate_zeros(1024)


def test_bomb_in_the_index_is_refused_before_reading(tmp_path: Path,
                                                     gib_of_zeros: tuple[bytes, int]) -> None:
    data, crc = gib_of_zeros
    assert len(data) < 2 * MIB
    bomb = tmp_path / "bomb.zip"
    write_zip(bomb, [("bundle.json", 8, data, crc, GIB), stored("bundle.sig", b"00" * 64)])
    assert bomb.stat().st_size < 2 * MIB
    rc, rss, err = run_verify(bomb)
    assert rc == 1 and "step 1" in err and "bundle.json declares" in err, err
    assert rss < RSS_LIMIT_KB, rss


def test_lying_declared_size_is_bounded(tmp_path: Path, gib_of_zeros: tuple[bytes, int]) -> None:
    """The central directory says 100 bytes; the stream inflates to 1 GiB."""
    data, crc = gib_of_zeros
    bomb = tmp_path / "liar.zip"
    write_zip(bomb, [("bundle.json", 8, data, crc, 100), stored("bundle.sig", b"00" * 64)])
    rc, rss, err = run_verify(bomb)
    assert rc == 1 and "bundle.json is damaged" in err, err
    assert "Traceback" not in err and "BadZipFile" not in err and "CRC" not in err
    assert rss < RSS_LIMIT_KB, rss


def test_bomb_as_an_attachment_is_refused_by_its_ratio(tmp_path: Path,
                                                       gib_of_zeros: tuple[bytes, int]) -> None:
    data, crc = gib_of_zeros
    index = json.dumps({"format": "tysha-bundle/2", "desk": {"public_key": "x"}, "drops": {},
                        "reports": ["r"], "files": {}}).encode()
    bomb = tmp_path / "attachment-bomb.zip"
    write_zip(bomb, [stored("bundle.json", index), stored("bundle.sig", b"00" * 64),
                     ("reports/r/files/0-photo.jpg", 8, data, crc, GIB)])
    rc, rss, err = run_verify(bomb)
    assert rc == 1 and "compression bomb" in err, err
    assert rss < RSS_LIMIT_KB, rss


def test_too_many_members_refused_before_the_directory_is_loaded(tmp_path: Path) -> None:
    many = tmp_path / "many.zip"
    write_zip(many, [stored(f"m{i}", b"") for i in range(200_001)])
    rc, rss, err = run_verify(many)
    assert rc == 1 and "200001 members" in err, err
    assert rss < RSS_LIMIT_KB, rss
