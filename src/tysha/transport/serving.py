"""Running an HTTP server (uvicorn) to its end in this process, stoppable from its first instant.

uvicorn installs its own SIGINT and SIGTERM handlers only once its event loop runs
(``Server.serve``); it then shuts down gracefully on either and, once its loop is done,
raises the signal again for whatever handler was there before. A signal that arrives in
the moment before - the event loop being made, the app being imported - met the CLI's
handler instead (:class:`tysha.cli.Stopped`, a ``KeyboardInterrupt``), raised wherever the
starting server happened to be, possibly inside its event loop: ``tysha demo``, which said it
was running before its server had started, once did not end within 30 s of a SIGTERM sent
right after that line (a fresh-clone CI run; tests/cases/test_demo_stop.py).

:func:`run_server` closes that gap: from before the loop exists, SIGINT and SIGTERM only ask
the server to stop (uvicorn's own ``handle_exit``); after the loop is closed the first such
signal is raised again, in this thread, for the handler that was in place before - so the
caller's ``finally`` blocks run and the exit code is the signal's, as with uvicorn's own
handling. (SIGHUP reaches it as SIGTERM: the CLI passes it on.)
"""

from __future__ import annotations

import contextlib
import errno
import signal
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from types import FrameType

import uvicorn  # this module is imported only by the commands that serve
from uvicorn.server import HANDLED_SIGNALS  # what uvicorn stops on: SIGINT, SIGTERM

from tysha.errors import ConfigError

__all__ = ["bind", "run_server", "signals_restored"]


class _Server(uvicorn.Server):
    """uvicorn's server, calling ``on_started()`` once the app has started and the socket
    serves - with uvicorn's stop handlers in place, so a caller that stops the server as
    soon as it reads what ``on_started`` says stops a running server."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None] | None) -> None:
        super().__init__(config)
        self.on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.on_started is not None and self.started and not self.should_exit:
            self.on_started()


@contextlib.contextmanager
def signals_restored(signals: Iterable[int]) -> Iterator[None]:
    """Put back, on the way out, the handlers ``signals`` have on the way in: around a server
    (uvicorn's, or its supervisor of worker processes) that installs its own and leaves them."""
    before = {sig: signal.getsignal(sig) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def run_server(
    config: uvicorn.Config,
    sockets: list[socket.socket] | None = None,
    on_started: Callable[[], None] | None = None,
) -> bool:
    """Serve ``config``'s app until the server stops; True if it started serving.

    ``on_started()`` runs once it serves (say "serving" there, not before). On the main
    thread a stop signal at any moment stops the server gracefully and is raised again once
    it has stopped (module docstring). On another thread (tests, the demo's helpers) signals
    are not this function's business: it only runs the server."""
    server = _Server(config, on_started)
    if threading.current_thread() is not threading.main_thread():
        server.run(sockets=sockets)
        return server.started
    caught: list[int] = []

    def stop(sig: int, frame: FrameType | None) -> None:
        # Before uvicorn's handlers are in place, and again when uvicorn hands back the
        # signals it caught: ask the server to stop, remember the first signal.
        if not caught:
            caught.append(sig)
        server.handle_exit(sig, frame)

    with signals_restored(HANDLED_SIGNALS):
        for sig in HANDLED_SIGNALS:
            signal.signal(sig, stop)
        server.run(sockets=sockets)
    if caught:
        signal.raise_signal(caught[0])
    return server.started


def bind(host: str, port: int) -> socket.socket:
    """Bind and listen, or raise one clear ``ConfigError``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except (OverflowError, socket.gaierror):  # gaierror first: it is an OSError too
        sock.close()
        raise ConfigError(f"cannot listen on {host} port {port}: not a valid address") from None
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} is busy: another program is listening there") from None
        if exc.errno == errno.EACCES:
            raise ConfigError(f"not allowed to listen on port {port}") from None
        if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
            raise ConfigError(f"cannot listen on {host}: no such local address") from None
        raise ConfigError(f"cannot listen on port {port}") from None
    sock.set_inheritable(True)
    return sock
