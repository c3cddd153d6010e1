"""The resumable-upload seam's types, shared by every backend (folder in :mod:`tysha.drop.uploads`,
S3 in :mod:`tysha.store.s3`): where an upload stands, and its two refusals."""

from __future__ import annotations

from dataclasses import dataclass

from tysha.errors import ProtocolError

__all__ = ["OffsetMismatch", "UploadExists", "UploadState"]


@dataclass(frozen=True)
class UploadState:
    upload: str
    offset: int
    length: int


class OffsetMismatch(ProtocolError):
    """The chunk was sent for another offset than where the upload continues."""

    def __init__(self, offset: int) -> None:
        super().__init__("upload continues at another offset")
        self.offset = offset


class UploadExists(ProtocolError):
    """An upload of this digest with another length exists."""
