"""``tysha drop serve`` (issue 10.11, 9.4): "serving" only once listening, one clear line on
failure, and connections that cannot hold the drop (real processes: the claim is about them)."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tysha.drop.launcher import free_port, init_data, wait_ready


def serve(data: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "drop", "serve", "--data", str(data),
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


def test_busy_port_and_missing_folder_fail_with_one_line(tmp_path: Path) -> None:
    init_data(tmp_path / "d")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        p = serve(tmp_path / "d", port)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "busy" in lines[0] and "serving" not in err, err
    assert "Traceback" not in err and "Errno" not in err
    p = serve(tmp_path / "nowhere", free_port())
    out, err = p.communicate(timeout=60)
    assert p.returncode == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "not a drop folder" in lines[0] and "serving" not in err, err


@pytest.mark.slow
def test_serving_is_printed_once_listening_and_stalled_headers_are_dropped(
    tmp_path: Path,
) -> None:
    init_data(tmp_path / "d")
    port = free_port()
    p = serve(tmp_path / "d", port)
    try:
        assert p.stderr is not None
        ready, _, _ = select.select([p.stderr], [], [], 60)
        assert ready, "the drop never said it was serving"
        line = p.stderr.readline()
        assert "serving on port" in line
        # It said so: it must answer now, without a retry loop.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert s.recv(64).startswith(b"HTTP/1.1 200")
        # A client that opens a connection and sends half a header is cut off.
        from tysha.drop import server

        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"GET /v1/info HTTP/1.1\r\nHost: x\r\n")
            s.settimeout(server.HEADER_TIMEOUT + 20)
            t0 = time.monotonic()
            assert s.recv(64) == b""  # closed by the drop
            assert time.monotonic() - t0 < server.HEADER_TIMEOUT + 15
        wait_ready(f"http://127.0.0.1:{port}", None)
    finally:
        p.terminate()
        p.communicate(timeout=10)  # also closes its pipes


def test_a_drop_that_cannot_start_says_so_in_one_line(tmp_path: Path) -> None:
    """The drop's startup work (expiry and debris collection over its storage) failing - a
    database gone between the check and the start, a disk's I/O error - printed uvicorn's
    "ERROR: Traceback (most recent call last): …" (the drop's source paths, the error's
    text) and "Application startup failed. Exiting.", exit 3; with ``--workers`` a traceback
    per worker, and exit 0 - a drop that never served reported success. It is the CLI's one
    line now, exit 1, with what to check; each worker says why in one line."""
    init_data(tmp_path / "d")
    hook = tmp_path / "hook"
    hook.mkdir()
    # Every process started (the workers too) finds the drop's startup failing.
    (hook / "sitecustomize.py").write_text(
        "import tysha.drop.service as s\n"
        "def bad(self):\n"
        "    raise s.StorageError('database error: OperationalError')\n"
        "s.DropService.maintenance = bad\n"
    )
    path = os.pathsep.join([str(hook), *filter(None, [os.environ.get("PYTHONPATH")])])
    for workers in ([], ["--workers", "2"]):
        p = subprocess.run(
            [sys.executable, "-m", "tysha.cli", "drop", "serve", "--data", str(tmp_path / "d"),
             "--port", str(free_port()), *workers],
            capture_output=True, text=True, timeout=60,
            env=dict(os.environ, PYTHONUNBUFFERED="1", TYSHA_LANG="en", PYTHONPATH=path),
        )  # fmt: skip
        assert p.returncode == 1, p.stderr
        last = p.stderr.strip().splitlines()[-1]
        assert last.startswith("tysha: error: the drop could not start"), p.stderr
        assert "passphrase" not in last and "Traceback" not in p.stderr
        if not workers:
            assert len(p.stderr.strip().splitlines()) == 1 and "serving" not in p.stderr
            assert "database error" in last
        else:
            assert p.stderr.count("could not start: database error") == 2, p.stderr
