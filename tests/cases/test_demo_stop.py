"""`tysha demo` stopped by a signal other than Ctrl-C — SIGTERM (a service manager, `timeout`,
`kill`) or SIGHUP (its terminal closed) — stops as Ctrl-C does: its drop and desk server
processes end and its folder, with the demo's desks and vaults, is deleted. Before, SIGTERM
ended the demo's own process at once: three servers kept running and the folder stayed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import process_alive, still_running

from tysha.drop.launcher import free_port


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        out |= {int(c) for c in (task / "children").read_text().split()}
    return out


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_stops_the_demo_as_ctrl_c_does(tmp_path: Path, sig: signal.Signals) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "demo", "--reports", "1", "--port", str(free_port())],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    servers: set[int] = set()
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C stops everything" in line:
                break
        text = "".join(lines)
        assert "Ctrl-C stops everything" in text, text
        [folder] = tmp.glob("tysha-demo-*")
        assert re.search(re.escape(str(folder)) + r"/source\.vault", text)
        servers = _children(proc.pid)
        assert len(servers) >= 3  # the drop and two desk servers
        proc.send_signal(sig)
        proc.wait(30)
        assert proc.returncode == 128 + sig  # as a shell reports a process ended by it
        assert not still_running(servers)
        assert not folder.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in servers:  # what a failing run left running
            if process_alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.stdout is not None:
            proc.stdout.close()
