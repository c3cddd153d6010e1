"""Tiled transparency logs (C2SP tlog-tiles): tile paths, tile contents and a tile reader.

C2SP tlog-tiles §Merkle Tree: a tile at level ``L`` with index ``N`` holds up to 256
consecutive hashes of Merkle level ``8 * L`` (tile height 8): the ``i``-th is
``MTH(D[(N*256 + i) * 256**L : (N*256 + i + 1) * 256**L])``, i.e. the node
``(8 * L, N * 256 + i)`` in :mod:`tysha.tlog.merkle` addressing. Paths are
``tile/<L>/<N>[.p/<W>]`` with ``N`` in zero-padded 3-digit groups, all but the last prefixed
with ``x`` (``1234067`` → ``x001/x234/067``); ``.p/<W>`` marks a partial tile of width
``1..255``; the partial tile at level ``L`` of a tree of size ``s`` has width
``floor(s / 256**L) mod 256`` and is absent when that is 0. §Log entries: entry bundles live
at ``tile/entries/<N>[.p/<W>]`` and are entries each prefixed by a big-endian uint16 length.

A client that holds only the log's verifier key checks a log this way: fetch and verify the
checkpoint (:func:`tysha.tlog.note.open_checkpoint`), build a :class:`TileHashReader` for its
size, recompute the root from the tiles and compare (:func:`verify_tiles_against_checkpoint`);
any proof computed from those tiles is then checked against the signed root.

Nothing here does I/O: the reader is handed a ``fetch(path) -> bytes`` callable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from hashlib import sha256 as _sha256

from tysha.errors import ProtocolError, StorageError, VerificationError
from tysha.tlog.merkle import (
    HASH_SIZE,
    HashReader,
    consistency_proof,
    leaf_hash,
    root_at,
    verify_consistency,
)
from tysha.tlog.note import Checkpoint

__all__ = [
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TileHashReader",
    "decode_entry_bundle",
    "encode_entry_bundle",
    "entries_path",
    "parse_tile_path",
    "tile_contents",
    "tile_path",
    "tiles_between",
    "tiles_for_size",
    "verify_checkpoint_consistency",
    "verify_entry_bundle",
    "verify_tiles_against_checkpoint",
]

#: Merkle levels per tile.
TILE_HEIGHT = 8
#: Hashes in a full tile (2 ** TILE_HEIGHT).
TILE_WIDTH = 256
#: The largest entry an entry bundle can carry (uint16 length prefix).
MAX_ENTRY_SIZE = 0xFFFF

_MAX_LEVEL = 63


def _encode_index(index: int) -> str:
    if index < 0:
        raise ValueError("tile index cannot be negative")
    groups: list[str] = []
    n = index
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def _suffix(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width must be 1..{TILE_WIDTH}, got {width}")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``; ValueError for a level, index or width out of range."""
    if not 0 <= level <= _MAX_LEVEL:
        raise ValueError(f"tile level must be 0..{_MAX_LEVEL}, got {level}")
    return f"tile/{level}/{_encode_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """``tile/entries/<N>[.p/<W>]``."""
    return f"tile/entries/{_encode_index(index)}{_suffix(width)}"


_PATH_RE = re.compile(
    r"tile/(?:(?P<entries>entries)|(?P<level>0|[1-9][0-9]?))"
    r"/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def parse_tile_path(path: str) -> tuple[int, int, int, bool]:
    """Parse a canonical tile or entry-bundle path: ``(level, index, width, is_entries)``.

    Entry bundles report level 0. ProtocolError for anything not exactly in canonical form
    (leading zeros, an ``x000/`` lead group, width 0 or ≥ 256, level above 63, ...).
    """
    m = _PATH_RE.fullmatch(path) if path.isascii() else None
    if m is None:
        raise ProtocolError(f"not a canonical tile path: {path[:80]!r}")
    is_entries = m.group("entries") is not None
    level = 0 if is_entries else int(m.group("level"))
    if level > _MAX_LEVEL:
        raise ProtocolError(f"tile level {level} is above {_MAX_LEVEL}")
    index_text = m.group("index")
    if index_text.startswith("x000/"):
        raise ProtocolError(f"tile index in {path!r} has a leading zero group")
    index = int(index_text.replace("x", "").replace("/", ""))
    width_text = m.group("width")
    width = TILE_WIDTH if width_text is None else int(width_text)
    if width_text is not None and width >= TILE_WIDTH:
        raise ProtocolError(f"partial tile width {width} is not 1..{TILE_WIDTH - 1}")
    return level, index, width, is_entries


def _level_count(size: int, level: int) -> int:
    """How many full nodes tile level ``level`` stores for a tree of ``size``."""
    return size >> (TILE_HEIGHT * level)


def tiles_for_size(size: int) -> list[tuple[int, int, int]]:
    """Every tile ``(level, index, width)`` of a tree of ``size``: full, then the partial one.

    Per level: ``count // 256`` full tiles and one partial tile of width ``count % 256`` when
    that is not 0, where ``count = size >> (8 * level)``. Entry bundles mirror level 0.
    """
    if size < 0:
        raise ValueError("tree size cannot be negative")
    out: list[tuple[int, int, int]] = []
    level = 0
    while True:
        count = _level_count(size, level)
        if count == 0:
            break
        full, rem = divmod(count, TILE_WIDTH)
        out.extend((level, i, TILE_WIDTH) for i in range(full))
        if rem:
            out.append((level, full, rem))
        level += 1
    return out


def tiles_between(old_size: int, new_size: int) -> list[tuple[int, int, int]]:
    """The tiles of ``new_size`` whose content is new or grew since ``old_size``.

    What a sequencer writes after integrating leaves ``[old_size, new_size)``.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"cannot go from size {old_size} to {new_size}")
    out: list[tuple[int, int, int]] = []
    level = 0
    while True:
        new_count = _level_count(new_size, level)
        if new_count == 0:
            break
        old_count = _level_count(old_size, level)
        if new_count != old_count:
            first = old_count // TILE_WIDTH
            last_full, rem = divmod(new_count, TILE_WIDTH)
            out.extend((level, i, TILE_WIDTH) for i in range(first, last_full))
            if rem:
                out.append((level, last_full, rem))
        level += 1
    return out


def tile_contents(level: int, index: int, width: int, reader: HashReader) -> bytes:
    """The bytes of tile ``(level, index)`` of ``width`` hashes: nodes at Merkle level 8*level."""
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width must be 1..{TILE_WIDTH}, got {width}")
    merkle_level = TILE_HEIGHT * level
    first = index * TILE_WIDTH
    hashes = reader.read_hashes([(merkle_level, first + i) for i in range(width)])
    if len(hashes) != width:
        raise StorageError(f"the hash store returned {len(hashes)} hashes for {width} nodes")
    return b"".join(hashes)


def encode_entry_bundle(entries: Sequence[bytes]) -> bytes:
    """Entries each prefixed by a big-endian uint16 length (tlog-tiles §Log entries)."""
    if len(entries) > TILE_WIDTH:
        raise ValueError(f"an entry bundle holds at most {TILE_WIDTH} entries")
    parts: list[bytes] = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(f"a log entry is at most {MAX_ENTRY_SIZE} bytes")
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(bytes(entry))
    return b"".join(parts)


def decode_entry_bundle(data: bytes, width: int | None = None) -> list[bytes]:
    """Split an entry bundle; ProtocolError if truncated, too long, or not ``width`` entries."""
    out: list[bytes] = []
    view = memoryview(data)
    pos = 0
    end = len(view)
    while pos < end:
        if len(out) == TILE_WIDTH:
            raise ProtocolError(f"entry bundle has more than {TILE_WIDTH} entries")
        if pos + 2 > end:
            raise ProtocolError("entry bundle is truncated inside a length prefix")
        n = (view[pos] << 8) | view[pos + 1]
        pos += 2
        if pos + n > end:
            raise ProtocolError(
                f"entry bundle is truncated: entry {len(out)} needs {n} bytes, {end - pos} remain"
            )
        out.append(bytes(view[pos : pos + n]))
        pos += n
    if width is not None and len(out) != width:
        raise ProtocolError(f"entry bundle has {len(out)} entries, expected {width}")
    return out


def verify_entry_bundle(entries: Sequence[bytes], index: int, reader: HashReader) -> None:
    """Check that bundle ``index``'s entries hash to the level-0 hashes the reader gives.

    With a :class:`TileHashReader` verified against a checkpoint this proves the entries are
    the log's. VerificationError naming the first entry that differs.
    """
    first = index * TILE_WIDTH
    hashes = reader.read_hashes([(0, first + i) for i in range(len(entries))])
    for i, (entry, want) in enumerate(zip(entries, hashes, strict=True)):
        got = leaf_hash(entry)
        if got != want:
            raise VerificationError(
                f"log entry {first + i} hashes to {got.hex()}, the tree has {want.hex()}"
            )


class TileHashReader:
    """A :class:`~tysha.tlog.merkle.HashReader` answering from tiles of a tree of ``size``.

    ``fetch(path)`` returns the bytes at a tile path (the caller does the HTTP, the disk, the
    cache). A node ``(level, index)`` lives in tile level ``level // 8``: when ``level`` is a
    multiple of 8 it is stored as is; otherwise it is recomputed by hashing the ``2**(level %
    8)`` stored hashes below it inside the tile. The reader asks only for tiles that exist at
    ``size`` (partial ones with their width) and fetches each at most once.

    Hashes are not trusted: compare :func:`~tysha.tlog.merkle.root_at` with a signed root
    (:func:`verify_tiles_against_checkpoint`) or verify proofs against one. Raises
    ProtocolError for a tile of the wrong length and StorageError for a node that does not
    exist at ``size``; errors from ``fetch`` pass through.
    """

    def __init__(self, fetch: Callable[[str], bytes], tree_size: int) -> None:
        if tree_size < 0:
            raise ValueError("tree size cannot be negative")
        self._fetch = fetch
        self._size = tree_size
        self._tiles: dict[tuple[int, int], bytes] = {}

    @property
    def size(self) -> int:
        return self._size

    def _tile(self, tile_level: int, tile_index: int) -> bytes:
        key = (tile_level, tile_index)
        data = self._tiles.get(key)
        if data is not None:
            return data
        count = _level_count(self._size, tile_level)
        width = min(TILE_WIDTH, count - tile_index * TILE_WIDTH)
        if width <= 0:
            raise StorageError(
                f"tile {tile_level}/{tile_index} does not exist in a tree of size {self._size}"
            )
        data = bytes(self._fetch(tile_path(tile_level, tile_index, width)))
        if len(data) != width * HASH_SIZE:
            raise ProtocolError(
                f"tile {tile_path(tile_level, tile_index, width)} is {len(data)} bytes, "
                f"expected {width * HASH_SIZE}"
            )
        self._tiles[key] = data
        return data

    def read_hashes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        out: list[bytes] = []
        size = self._size
        for level, index in nodes:
            if level < 0 or index < 0 or (index + 1) << level > size:
                raise StorageError(
                    f"node ({level}, {index}) is not a full subtree of a tree of size {size}"
                )
            tile_level, height = divmod(level, TILE_HEIGHT)
            # The stored hashes under this node, at Merkle level 8 * tile_level.
            start = index << height
            tile_index, offset = divmod(start, TILE_WIDTH)
            data = self._tile(tile_level, tile_index)
            row = [
                data[i : i + HASH_SIZE]
                for i in range(offset * HASH_SIZE, (offset + (1 << height)) * HASH_SIZE, HASH_SIZE)
            ]
            while len(row) > 1:
                row = [
                    _sha256(b"\x01" + row[i] + row[i + 1]).digest() for i in range(0, len(row), 2)
                ]
            out.append(row[0])
        return out


def verify_tiles_against_checkpoint(
    checkpoint: Checkpoint, fetch: Callable[[str], bytes]
) -> TileHashReader:
    """Recompute the checkpoint's root from its tiles; return the reader for further proofs.

    The checkpoint must already be verified (:func:`~tysha.tlog.note.open_checkpoint`).
    VerificationError if the tiles give another root.
    """
    reader = TileHashReader(fetch, checkpoint.size)
    root = root_at(checkpoint.size, reader)
    if root != checkpoint.root_hash:
        raise VerificationError(
            f"the tiles of {checkpoint.origin} at size {checkpoint.size} give root "
            f"{root.hex()}, the checkpoint says {checkpoint.root_hash.hex()}"
        )
    return reader


def verify_checkpoint_consistency(
    old: Checkpoint, new: Checkpoint, reader: HashReader
) -> list[bytes]:
    """Prove from ``reader`` (tiles of ``new``) that ``new`` extends ``old``; return the proof.

    Both checkpoints must already be verified. VerificationError if they are for different
    logs, if ``new`` is smaller, or if the proof does not link the two roots.
    """
    if old.origin != new.origin:
        raise VerificationError(
            f"checkpoints are for different logs: {old.origin!r} and {new.origin!r}"
        )
    if new.size < old.size:
        raise VerificationError(
            f"the new checkpoint has size {new.size}, smaller than the old {old.size}"
        )
    proof = consistency_proof(old.size, new.size, reader)
    verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    return proof
