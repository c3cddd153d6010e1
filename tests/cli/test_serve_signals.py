"""A server stops on SIGINT/SIGTERM from its first instant, and the command exits as CLI.md says.

``tysha demo`` once hung on a SIGTERM sent right after it printed that it was running: the
line came before uvicorn had installed its stop handlers, and the CLI's handler raised inside
the starting event loop (tysha.transport.serving). These tests send the signal inside that
gap on purpose, and check the exit code of a real serving command: before, ``tysha witness
serve`` ended with 0 on SIGTERM and Ctrl-C, since ``uvicorn.run`` swallows the
``KeyboardInterrupt`` that the CLI turns those into (CLI.md: 143 and 130).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tysha.drop.launcher import free_port
from tysha.tlog import NoteSigner

# A server whose stop signal arrives before uvicorn's handlers exist: Config's loop factory
# is asked for before the event loop (and uvicorn's signal handling) starts.
_EARLY = textwrap.dedent(
    """
    import signal, socket, sys
    import uvicorn
    from tysha.transport.serving import run_server

    SIG = signal.Signals[sys.argv[1]]

    class Stopped(BaseException):
        pass

    def stop(sig, frame):
        raise Stopped(sig)

    signal.signal(signal.SIGTERM, stop)  # as the CLI's handler does
    signal.signal(signal.SIGINT, stop)

    ran = []

    class Early(uvicorn.Config):
        def get_loop_factory(self):
            signal.raise_signal(SIG)  # before uvicorn's own handlers are in place
            return super().get_loop_factory()

        def load(self):  # inside the event loop, where uvicorn's serving starts
            ran.append("loop")
            super().load()

    async def app(scope, receive, send):
        pass

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    said = []
    try:
        run_server(Early(app, lifespan="off", log_level="warning"), sockets=[sock],
                   on_started=lambda: said.append("serving"))
    except Stopped as exc:
        # Raised again only after the server ran its startup and its graceful shutdown;
        # it never said it was serving (it was asked to stop before it did).
        print("stopped", int(exc.args[0]), *ran, *said)
        sys.exit(0)
    print("not stopped")
    sys.exit(1)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_before_uvicorn_handles_signals_stops_the_server(
    sig: signal.Signals,
) -> None:
    r = subprocess.run(
        [sys.executable, "-c", _EARLY, sig.name], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stdout + r.stderr
    # Handled as uvicorn handles it while serving (its event loop ran, and stopped without
    # saying "serving"), then handed to the caller's own handler once the loop was done.
    assert r.stdout.split() == ["stopped", str(int(sig)), "loop"], r.stdout + r.stderr


def _witness(tmp_path: Path) -> tuple[list[str], int]:
    data = tmp_path / "w"
    subprocess.run(
        [sys.executable, "-m", "tysha.cli", "witness", "init", "--data", str(data),
         "--name", "example.org/w"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    vkey = NoteSigner("example.org/log", bytes(32)).vkey
    port = free_port()
    argv = [sys.executable, "-m", "tysha.cli", "witness", "serve", "--data", str(data),
            "--port", str(port), "--log", f"example.org/log={vkey}"]  # fmt: skip
    return argv, port


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"]
)
def test_witness_serve_exits_with_the_signals_code(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    argv, port = _witness(tmp_path)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1", TYSHA_LANG="en"))  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2, trust_env=False)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.1)
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == code, err
        assert "Traceback" not in err
        assert f"following 1 log on port {port}" in err  # said once it served
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.slow
def test_witness_on_a_busy_port_fails_without_saying_it_serves(tmp_path: Path) -> None:
    """The witness says it follows its logs on a port once it serves there, as the drop and
    the desk do: on a port another program holds it says nothing of the kind and fails."""
    import socket

    argv, port = _witness(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, TYSHA_LANG="en"))  # fmt: skip
    # one clear line and exit 1, as the drop's and the desk's (it was uvicorn's 'ERROR: [Errno
    # 98] …' and its exit 3)
    assert done.returncode == 1, done.stderr
    assert "following" not in done.stderr
    assert "Traceback" not in done.stderr and "Errno" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"tysha: error: port {port} is busy: another program is listening there — choose another "
        "with --port, or stop the program that holds it"
    ], done.stderr


@pytest.mark.slow
def test_desk_serve_stops_on_sigterm_while_a_request_hangs(tmp_path: Path, cli: Any) -> None:
    """A request whose body stalls (a browser tab asleep, a half-sent form) kept ``tysha desk
    serve`` from stopping: uvicorn waited for that request to end, for good, so a SIGTERM (a
    shutdown, a service manager) or a Ctrl-C did nothing. It stops within seconds now, with
    the signal's exit code, and without a traceback of the request it cut off."""
    import socket

    from tysha.transport.client import wait_answering

    cli("desk", "init", "--desk", str(tmp_path / "desk"), "--name", "Stopping cell",
        env={"TYSHA_PASSPHRASE": "a desk passphrase for stopping"})  # fmt: skip
    port = free_port()
    out = tmp_path / "serve.log"
    with open(out, "wb") as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tysha.cli", "desk", "serve", "--desk",
             str(tmp_path / "desk"), "--port", str(port)], stdout=f, stderr=f,
        )  # fmt: skip
    try:
        wait_answering(f"http://127.0.0.1:{port}/login", proc, "desk")
        with socket.create_connection(("127.0.0.1", port)) as hanging:
            hanging.sendall(
                b"POST /login HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 40\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n\r\npassphrase=a" % port
            )
            time.sleep(1)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(20) == 128 + signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in out.read_text()  # the request cut off is no error of the desk's
