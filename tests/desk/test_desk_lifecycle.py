"""A desk folder over its life: made whole or not at all, never made anew over a desk, and a
damaged or incomplete one refused in one clear line that changes nothing."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

DESK_PASS = "desk passphrase for tests"
ENV = {"TYSHA_PASSPHRASE": DESK_PASS}


def _init_on_a_full_disk(desk: Path, room: int) -> subprocess.CompletedProcess[str]:
    """``tysha desk init`` in a process that may write only ``room`` bytes to any file (a
    disk that fills up while it writes: writes past it fail with EFBIG)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    return subprocess.run(
        [sys.executable, "-m", "tysha.cli", "desk", "init", "--desk", str(desk), "--name", "O"],
        env={**os.environ, **ENV}, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        preexec_fn=limit, timeout=120, check=False,
    )


def test_an_init_that_fills_the_disk_leaves_no_key_file_and_can_be_run_again(
    tmp_path: Path, cli: Any
) -> None:
    desk = tmp_path / "desk"
    r = _init_on_a_full_disk(desk, 1500)  # room for part of the key file, none for the rest
    assert r.returncode == 1 and r.stdout == "", r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (desk / "desk.json").exists()  # never half a key file that no init replaces
    assert not [p for p in desk.iterdir() if p.name.startswith(".desk.json")]  # nor a part
    assert "ready" in cli("desk", "init", "--desk", desk, "--name", "Olena", env=ENV).stdout
    assert cli("desk", "list", "--desk", desk, "--json", env=ENV).stdout.strip() == "[]"


def test_the_key_file_is_on_disk_before_init_says_the_desk_is_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The identity sealed in desk.json is the only copy of the desk's keys: a power cut after
    init (and the invitations made with it) must not leave an empty or missing key file."""
    from tysha.desk import keyfile
    from tysha.desk.service import Desk

    synced: list[str] = []
    real = keyfile.os.fsync

    def fsync(fd: int) -> None:
        synced.append(Path(f"/proc/self/fd/{fd}").resolve().name)
        real(fd)

    monkeypatch.setattr(keyfile.os, "fsync", fsync)
    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    assert (desk / "desk.json").exists()
    # the file's bytes and then its name in the folder
    assert "desk" in synced and any(n.startswith(".desk.json") or n == "desk.json"
                                    for n in synced), synced
    assert synced.index("desk") > 0
