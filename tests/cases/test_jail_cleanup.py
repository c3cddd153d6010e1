"""A confined child that is given up leaves nothing behind: bubblewrap's jail (the process it
forks, pid 1 of the jail's namespace) is ended with it, even when the timeout comes right
after the start, before that process has asked to die with bubblewrap."""

from __future__ import annotations

import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import running_with, still_running

from tysha.desk import corroborate
from tysha.desk.web import sanitize

pytestmark = pytest.mark.skipif(not shutil.which("bwrap"), reason="bubblewrap is not installed")


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
        # Timeouts from none at all to some 80 ms, eight children at a time: each is killed
        # at some moment of bubblewrap setting its jail up, where the old kill left the jail's
        # first process behind (holding the child's pipes: a reader of them waited for ever).
        with ThreadPoolExecutor(8) as pool:
            for i in range(20):
                seconds: Any = 0.001 * (2 * i) ** 1.2
                monkeypatch.setattr(corroborate, "_VIDEO_WALL_S", seconds)
                monkeypatch.setattr(sanitize, "_TIMEOUT", seconds)
                videos = [pool.submit(corroborate.hash_video, bytes(4096)) for _ in range(4)]
                thumbs = [pool.submit(sanitize.thumbnail, photo) for _ in range(4)]
                assert all(v.result(timeout=60)[0] in ("timed out", "unreadable") for v in videos)
                for t in thumbs:  # no thumbnail: refused (None), or given up on (timed out)
                    try:
                        assert t.result(timeout=60) is None
                    except sanitize.ThumbnailTimedOut:
                        pass
        # A process SIGKILLed a moment ago may take a few milliseconds to go: wait for those.
        left = still_running(running_with(marker), timeout=5)
    finally:
        _reap(running_with(marker))
    assert left == [], f"{len(left)} jailed processes outlived their timeout"


def test_a_jail_whose_first_process_left_the_group_is_ended_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What bubblewrap does in the moment the old kill lost: its jail's first process has made
    a session of its own and not yet asked to die with bubblewrap. Here a stand-in forks such
    a process (holding the child's pipes) and both sleep: given up, the video child must end
    them both, and the reader of its pipes must not wait for them."""
    marker = f"tysha-jail-session-{os.getpid()}"
    stand_in = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "time.sleep(120)\n"
    )
    monkeypatch.setattr(corroborate, "_jail", lambda child: [sys.executable, "-c", stand_in,
                                                             marker])  # fmt: skip
    monkeypatch.setattr(corroborate, "_VIDEO_WALL_S", 1.0)
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(1) as pool:
            state = pool.submit(corroborate.hash_video, bytes(4096)).result(timeout=60)
        assert state == ("timed out", [])
        assert time.monotonic() - started < 30  # not the 120 s the stand-in sleeps
        left = still_running(running_with(marker), timeout=5)
    finally:
        _reap(running_with(marker))
    assert left == [], f"{len(left)} processes of the jail outlived it"
