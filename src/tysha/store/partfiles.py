"""Part files: a file written under a temporary name beside its target and renamed or linked
into place once whole (a court bundle, a source's vault). Each writer holds an ``flock`` on
its part file for as long as it writes; a part file that no process holds was left by a writer
killed outright (SIGKILL, a power cut) and is deleted by the next writer of the same target."""

from __future__ import annotations

import contextlib
import fcntl
import os
from glob import escape as glob_escape
from pathlib import Path

__all__ = ["remove_stale_parts"]


def remove_stale_parts(folder: Path, prefix: str) -> None:
    """Delete the files ``<prefix>*.part`` in ``folder`` that are this user's regular files
    and that no process holds locked. Best effort: a folder that can't be listed, or a file
    that can't be opened, is left as it is."""
    with contextlib.suppress(OSError):
        for old in folder.glob(glob_escape(prefix) + "*.part"):
            if old.is_symlink() or not old.is_file() or old.stat().st_uid != os.getuid():
                continue
            with open(old, "rb") as f:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its writer is still at work
                old.unlink()
