"""Best-effort overwrite of an original file the user attached.

On flash storage (phones, USB sticks, SSDs) the controller remaps blocks, so old copies may
survive an overwrite; we say so to the user. Still worth doing: it defeats a plain file browser
and most quick forensic tools.
"""

from __future__ import annotations

import os
from pathlib import Path

from tysha.errors import StorageError

__all__ = ["shred"]


def shred(path: Path) -> None:
    try:
        size = path.stat().st_size
        with open(path, "r+b") as f:
            left = size
            while left:
                n = min(left, 1 << 20)
                f.write(os.urandom(n))
                left -= n
            f.flush()
            os.fsync(f.fileno())
        path.unlink()
    except OSError as exc:
        raise StorageError(f"could not overwrite {path.name}: {exc.strerror}") from None
