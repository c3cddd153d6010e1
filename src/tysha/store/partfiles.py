"""Part files: a file written under a temporary name beside its target and renamed or linked
into place once whole (a court bundle, a source's vault, a courier's file). Each writer holds
an ``flock`` on its part file for as long as it writes; a part file that no process holds was
left by a writer killed outright (SIGKILL, a power cut) and is deleted by the next writer of
the same target."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from glob import escape as glob_escape
from pathlib import Path

from tysha.errors import ConfigError, StorageError

__all__ = [
    "fsync_path",
    "link_new",
    "remove_stale_parts",
    "replaceable",
    "write_new",
    "write_replacing",
]

#: What ``link`` fails with where the file system has no hard links (FAT and exFAT sticks).
_NO_LINK = {errno.EPERM, errno.EACCES, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


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


def write_new(path: Path, data: bytes) -> None:
    """Write ``data`` as the new file ``path``, never replacing a file there (``ConfigError``).

    Nothing is at ``path`` until it is whole: the bytes go to a part file beside it
    (``.<name>.<random>.part``, mode 0600 from its first byte, ``flock``ed while written),
    flushed to disk and linked into place; the part file is removed however this ends (an
    error, Ctrl-C, SIGTERM), and the part files of ``path`` a writer killed outright left
    are removed first."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise ConfigError(f"{path.name} already exists; refusing to overwrite it")
    _write_whole(path, data, replace=False)


def replaceable(path: Path, magic: bytes, what: str) -> None:
    """Refuse (``ConfigError``) to let an output replace ``path`` unless nothing is there or
    the file there is of the output's own kind (it starts with ``magic``): an output option
    given another file's name - a slip of the tab key to ``desk.json`` or a vault - must not
    write over it. ``what`` names the kind ("a QR code image"). Checked before anything is
    made or recorded; an error reading the file is left to the write, which says it."""
    path = Path(path)
    if not (path.exists() or path.is_symlink()):
        return
    try:
        with open(path, "rb") as f:
            head = f.read(len(magic))
    except OSError:
        return
    if head != magic:
        raise ConfigError(
            f"{path.name} already exists and is not {what}; refusing to overwrite it",
            hint="nothing was written; choose another file name",
        )


def write_replacing(path: Path, data: bytes) -> None:
    """Write ``data`` as the file ``path``, replacing the one there only once the new one is
    whole (a part file renamed over it, as :func:`write_new`): a write that fails or is
    stopped leaves the old file as it was and no part file."""
    _write_whole(Path(path), data, replace=True)


def _write_whole(path: Path, data: bytes, replace: bool) -> None:
    prefix = f".{path.name}."
    remove_stale_parts(path.parent, prefix)
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            fcntl.flock(f, fcntl.LOCK_EX)  # held until the part file is gone
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            if replace:
                os.replace(tmp, path)
            else:
                link_new(Path(tmp), path)
        with contextlib.suppress(OSError):  # the new name itself made durable
            fsync_path(path.parent)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def fsync_path(path: Path, missing_ok: bool = False) -> None:
    """``fsync`` a file or a folder by its path (a folder: the names in it survive a power
    cut). A missing path is ``FileNotFoundError``, or nothing with ``missing_ok``."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        if missing_ok:
            return
        raise
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def link_new(part: Path, path: Path) -> None:
    """Give the whole part file the name ``path`` without ever replacing a file there: a
    hard link, or where the storage has none (FAT and exFAT sticks and cards) a check, then
    a rename. A name in use is ``ConfigError``."""
    try:
        os.link(part, path)
    except FileExistsError:
        raise ConfigError(f"{path.name} already exists; refusing to overwrite it") from None
    except OSError as exc:
        if exc.errno not in _NO_LINK:
            raise
        if path.exists():
            raise ConfigError(f"{path.name} already exists; refusing to overwrite it") from None
        os.rename(part, path)
