"""A confined child that is given up leaves nothing behind: bubblewrap's jail (the process it
forks, pid 1 of the jail's namespace) is ended with it, even when the timeout comes right
after the start, before that process has asked to die with bubblewrap."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import still_running

from tysha.desk import corroborate
from tysha.desk.web import sanitize

pytestmark = pytest.mark.skipif(not shutil.which("bwrap"), reason="bubblewrap is not installed")


def _left(marker: str) -> list[int]:
    """Live processes whose command line holds ``marker``."""
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmd:
            out.append(int(pid))
    return out


def _reap(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, 9)
        except OSError:
            pass


def test_given_up_video_and_thumbnail_children_leave_no_jail_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    marker = f"tysha-jail-probe-{os.getpid()}"
    jail, bwrap_command = corroborate._jail, sanitize.bwrap_command
    monkeypatch.setattr(corroborate, "_jail", lambda child: jail([*child, marker]))
    monkeypatch.setattr(sanitize, "bwrap_command",
                        lambda bwrap, child: bwrap_command(bwrap, [*child, marker]))  # fmt: skip
    photo = b"\x89PNG\r\n\x1a\n" + bytes(64)
    try:
        # Timeouts from none at all to a few milliseconds: the child is killed while
        # bubblewrap is still setting the jail up, where the old kill left its first process.
        for i in range(40):
            seconds: Any = 0.0005 * (i % 20)
            monkeypatch.setattr(corroborate, "_VIDEO_WALL_S", seconds)
            monkeypatch.setattr(sanitize, "_TIMEOUT", seconds)
            assert corroborate.hash_video(b"\x00" * 4096)[0] in ("timed out", "unreadable")
            assert sanitize.thumbnail(photo) is None
        # A process SIGKILLed a moment ago may take a few milliseconds to go: wait for those.
        left = still_running(_left(marker), timeout=5)
    finally:
        _reap(_left(marker))
    assert left == [], f"{len(left)} jailed processes outlived their timeout"
