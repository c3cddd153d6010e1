"""A source's send through a bridge, stopped while its own Tor starts: by its terminal closing
(SIGHUP), the Tor's temporary folder — whose torrc names the bridge — is deleted and that Tor ends, as after Ctrl-C; killed outright with its Tor (SIGKILL,
the phone's system ending the app), the folder goes at the next source command. The report
stays in the outbox either way. Before, SIGHUP ended the process at once and left the folder
on the phone (THREAT_MODEL: a phone searched at a checkpoint)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import running_with

from tysha.drop.launcher import free_port, run_drop
from tysha.tor.client import remove_stale_tor_folders
from tysha.tor.network import PrivateTorNetwork

pytestmark = pytest.mark.slow

SRC_PASS = "source passphrase, stopped send"


def _tor_with(datadir: Path) -> list[int]:
    """Tor processes whose command line names ``datadir``'s torrc."""
    return running_with(str(datadir))


def _start_send(tornet: PrivateTorNetwork, tmp_path: Path, cli: Any, url: str, vkey: str,
                tmp: Path) -> tuple[subprocess.Popen[str], Path, Path, dict[str, str]]:
    """An enrolled vault with one report, and its send through a bridge that never answers,
    running until its Tor is up: (process, Tor folder, vault, source environment)."""
    desk = tmp_path / "desk"
    denv = {"TYSHA_PASSPHRASE": "desk passphrase, stopped send"}
    cli("desk", "init", "--desk", str(desk), "--name", "Cell", env=denv)
    code = cli("desk", "invite", "--desk", str(desk), "--drop", url, "--drop-key", vkey,
               env=denv).stdout.strip()
    senv = {"TYSHA_PASSPHRASE": SRC_PASS}
    vault = tmp_path / "s.vault"
    cli("source", "init", "--vault", str(vault), "--size", "4MiB", env=senv)
    cli("source", "enroll", "--vault", str(vault), "--invitation", code, env=senv)
    cli("source", "report", "--vault", str(vault), "--category", "det", "--text", "seen",
        env=senv)
    # The private network's bridge line, at a loopback port where nothing listens: this Tor
    # knows only the private network and never bootstraps, so the signal lands while it starts.
    bridge = re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{free_port()}", tornet.bridge_line)
    extra = tmp_path / "private.torrc"
    extra.write_text(tornet.private_torrc())
    env = dict(os.environ, **senv, TMPDIR=str(tmp), TYSHA_TOR_TORRC=str(extra))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "source", "send", "--vault", str(vault), "--now",
         "--bridge", bridge],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        started = [d for d in tmp.iterdir() if _tor_with(d) and (d / "lock").exists()]
        if started:
            [datadir] = started
            assert "Bridge obfs4" in (datadir / "torrc").read_text()
            # The running Tor holds its folder's lock: another command leaves it alone.
            assert remove_stale_tor_folders(tmp) == 0 and datadir.exists()
            return proc, datadir, vault, senv
        time.sleep(0.1)
    proc.kill()
    _out, err = proc.communicate()
    raise AssertionError(f"no bridge Tor started: {err}")


def _tor_gone(datadir: Path) -> bool:
    """Whether the Tor of ``datadir`` has ended (waiting up to 10 s for it)."""
    deadline = time.monotonic() + 10
    while _tor_with(datadir) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _tor_with(datadir)


@contextlib.contextmanager
def _sending(
    tornet: PrivateTorNetwork, tmp_path: Path, cli: Any
) -> Iterator[tuple[subprocess.Popen[str], Path, Path, dict[str, str], Path]]:
    """A drop, and a send to it whose bridge Tor is up: (process, Tor folder, vault, source
    environment, the send's temporary folder). The process is killed at the end if alive."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with run_drop(tmp_path) as (url, vkey, _data):
        proc, datadir, vault, senv = _start_send(tornet, tmp_path, cli, url, vkey, tmp)
        try:
            yield proc, datadir, vault, senv, tmp
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


def test_sighup_during_the_bridge_tors_start_leaves_no_trace(
    tornet: PrivateTorNetwork, tmp_path: Path, cli: Any
) -> None:
    with _sending(tornet, tmp_path, cli) as (proc, datadir, vault, senv, tmp):
        proc.send_signal(signal.SIGHUP)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 128 + signal.SIGHUP, err
        assert not datadir.exists() and not list(tmp.iterdir())
        assert _tor_gone(datadir)
        outbox = json.loads(cli("source", "outbox", "--vault", str(vault), "--json",
                                env=senv).stdout)
        assert len(outbox) == 1  # nothing was lost


def test_a_killed_sends_tor_folder_goes_at_the_next_source_command(
    tornet: PrivateTorNetwork, tmp_path: Path, cli: Any
) -> None:
    with _sending(tornet, tmp_path, cli) as (proc, datadir, vault, senv, tmp):
        # The app killed outright, its Tor with it: nothing can clean up.
        for pid in [proc.pid, *_tor_with(datadir)]:
            os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        assert _tor_gone(datadir) and datadir.exists()
        r = cli("source", "outbox", "--vault", str(vault), "--json",
                env={**senv, "TMPDIR": str(tmp)}, process=True)
        assert len(json.loads(r.stdout)) == 1  # nothing was lost
        assert not datadir.exists() and not list(tmp.iterdir())
