"""Publishing the log to the object store (C2SP tlog-tiles layout), so that log readers are
served by the store or a CDN in front of it and never load the drop.

After batches commit, one task per drop process writes every tile and entry bundle that the
growth of the tree created (``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>[.p/<W>]``), then the
checkpoint. Every tile file is immutable (a partial tile of width W never changes; the next
width is a new file), so they carry a year-long ``immutable`` cache lifetime; the checkpoint
lives seconds. Tiles go up before the checkpoint that needs them. Several processes may
publish the same files: their bytes are identical (they come from the one database); a
checkpoint is replaced only by a larger one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from tysha.store.drop_store import DropStore
from tysha.tlog import (
    TILE_WIDTH,
    encode_entry_bundle,
    entries_path,
    tile_contents,
    tile_path,
)

__all__ = ["CHECKPOINT_CACHE", "TILE_CACHE", "LogPublisher", "changed_log_files"]

TILE_CACHE = "public, max-age=31536000, immutable"
CHECKPOINT_CACHE = "public, max-age=2"


class LogPublisher(Protocol):
    """What a store that can serve the log offers (:class:`~tysha.store.s3.S3BlobStore`)."""

    def publish(self, path: str, data: bytes, cache_control: str) -> None: ...
    def published_size(self) -> int: ...
    def publish_checkpoint(self, size: int, note: str) -> None: ...


def _changed(old: int, new: int) -> Iterator[tuple[int, int]]:
    """(tile index, width) of the tiles over ``new`` leaves (of one level) that a tree of
    ``old`` leaves did not have."""
    for t in range(old // TILE_WIDTH, -(-new // TILE_WIDTH)):
        width = min(TILE_WIDTH, new - t * TILE_WIDTH)
        if t * TILE_WIDTH + width > old:
            yield t, width


def changed_log_files(old: int, new: int, store: DropStore) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of every entry bundle and tile the tree's growth from ``old`` to ``new``
    leaves created."""
    for t, width in _changed(old, new):
        start = t * TILE_WIDTH
        yield entries_path(t, width), encode_entry_bundle(store.entries(start, start + width))
    level = 0
    while new >> (8 * level):
        for t, width in _changed(old >> (8 * level), new >> (8 * level)):
            yield tile_path(level, t, width), tile_contents(level, t, width, store)
        level += 1
