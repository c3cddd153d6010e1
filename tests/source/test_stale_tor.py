"""A bridge Tor's DataDirectory left in the temporary folder by a send killed outright (SIGKILL:
the phone's system ending the app) is deleted later: at the next bridge send and at the start of
any `tysha source` command. Only folders of this user that no running Tor holds, never another
send's (its Tor holds the lock: tests/tor/test_stopped_send.py checks that with a real Tor),
never a symlink's target."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tysha.tor.client import TOR_DIR_PREFIX, remove_stale_tor_folders


def _folder(base: Path, name: str, lock: bool, age_s: float = 0.0, prefix: str = TOR_DIR_PREFIX) -> Path:
    d = base / (prefix + name)
    d.mkdir()
    # As bridge_torrc writes it: the folder names itself first.
    (d / "torrc").write_text(f"DataDirectory {d}\nBridge obfs4 192.0.2.1:443 ...\n")
    if lock:
        (d / "lock").write_bytes(b"")
    t = time.time() - age_s
    os.utime(d, (t, t))
    return d


def test_only_stale_folders_of_bridge_tors_are_deleted(tmp_path: Path) -> None:
    held = _folder(tmp_path, "held", lock=True)
    unheld = _folder(tmp_path, "unheld", lock=True)
    old_no_lock = _folder(tmp_path, "oldnolock", lock=False, age_s=600)
    starting = _folder(tmp_path, "starting", lock=False, age_s=5)
    other = tmp_path / "not-ours"
    other.mkdir()
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep").write_text("x")
    (tmp_path / (TOR_DIR_PREFIX + "link")).symlink_to(target)
    (tmp_path / (TOR_DIR_PREFIX + "file")).write_text("a file")
    with open(held / "lock", "rb") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running Tor holds it
        assert remove_stale_tor_folders(tmp_path) == 2
        assert held.exists() and starting.exists() and other.exists()
        assert not unheld.exists() and not old_no_lock.exists()
        assert (target / "keep").exists() and (tmp_path / (TOR_DIR_PREFIX + "link")).is_symlink()
    # Once its Tor is gone (the lock released) the held folder is stale too; the starting
    # one is once it is older than a Tor takes to start.
    assert remove_stale_tor_folders(tmp_path) == 1 and not held.exists()
    assert remove_stale_tor_folders(tmp_path, now=time.time() + 600) == 1
    assert not starting.exists()
    assert remove_stale_tor_folders(tmp_path / "missing") == 0


def test_any_source_command_deletes_a_stale_folder(tmp_path: Path, cli: Any) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    stale = _folder(tmp, "killed", lock=True)
    r = cli("source", "outbox", "--vault", str(tmp_path / "none.vault"), check=False,
            env={"TMPDIR": str(tmp), "TYSHA_PASSPHRASE": "x"}, process=True)
    assert r.returncode == 1  # no such vault: the command itself fails, the cleanup ran first
    assert not stale.exists()


def test_a_folder_left_while_the_phones_clock_ran_ahead_is_deleted_once_it_is_put_right(
    tmp_path: Path,
) -> None:
    """A Tor killed before it made its lock file, while the phone's clock read a year ahead:
    the folder's time is then in the future, 'younger than a Tor takes to start' for ever, and
    the folder naming the bridges stayed on the phone for that year."""
    ahead = _folder(tmp_path, "ahead", lock=False, age_s=-365 * 86400)
    assert remove_stale_tor_folders(tmp_path) == 1 and not ahead.exists()


def test_a_bridge_tors_folder_and_command_line_do_not_say_tysha(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A send through a bridge made its Tor's folder "tysha-tor-…" in the temporary folder and
    ran "tor -f /tmp/tysha-tor-…/torrc": a process list looked at on a phone seized during a
    send, or the folder a killed send left (it stays until the next source command, across a
    restart where the temporary folder is on disk, as in Termux), named the app. Now the folder
    is named as any program's temporary folder ("tmp…"), and is told from other programs'
    folders by its torrc, which names the folder itself; folders of the old name still go."""
    import tempfile

    from tysha.tor import client

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setattr(client.shutil, "which", lambda name: f"/usr/bin/{name}")
    started: list[list[str]] = []

    class Tor:  # bootstraps at once; nothing is run
        pid = 0

        def __init__(self, argv: list[str], **kw: Any) -> None:
            started.append(argv)
            (Path(argv[2]).parent / "notice.log").write_text("Bootstrapped 100% (done): Done\n")

        def poll(self) -> int:
            return 0

    monkeypatch.setattr(client.subprocess, "Popen", Tor)
    with client.bridge_client(["obfs4 192.0.2.1:443 cert=AAAA iat-mode=0"]):
        [folder] = list(tmp.iterdir())
        assert "tysha" not in folder.name.lower()
        assert not any("tysha" in arg.lower() for arg in started[0]), started
        # Killed outright here, it is a stale folder the next command deletes.
        assert remove_stale_tor_folders(tmp, now=time.time() + 600) == 1
    assert list(tmp.iterdir()) == []

    # Another program's temporary folders are left alone, a torrc of its own too; a folder of
    # the name bridge Tors had before goes.
    theirs = tmp / "tmpab12cd34"
    theirs.mkdir()
    (theirs / "torrc").write_text(f"DataDirectory {tmp_path}\n")
    plain = tmp / "tmpzz99yy88"
    plain.mkdir()
    (plain / "data").write_text("x")
    old = _folder(tmp, "x1y2z3", lock=False, age_s=600, prefix="tysha-tor-")
    assert remove_stale_tor_folders(tmp, now=time.time() + 600) == 1
    assert not old.exists() and theirs.exists() and plain.exists()
