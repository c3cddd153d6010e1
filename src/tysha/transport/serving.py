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

The servers that face the network (the drop, the witness) share two more pieces: :func:`bind`,
the port bound before anything says "serving" (a busy port is one clear line), and
:class:`GuardedHttp`, uvicorn's HTTP protocol with the guards ``tysha.drop.server`` describes
(a deadline and a cap for request headers, a deadline for answers left unread, no log line
per hostile request).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import Any

import uvicorn  # this module is imported only by the commands that serve
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.server import HANDLED_SIGNALS  # what uvicorn stops on: SIGINT, SIGTERM

from tysha.errors import ConfigError

__all__ = [
    "HEADER_TIMEOUT",
    "MAX_HEADER_BYTES",
    "GuardedHttp",
    "StartupTraceback",
    "listen",
    "run_server",
    "signals_restored",
]

_OTHER_PORT = "choose another with --port, or stop the program that holds it"


def listen(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A socket bound to ``host``:``port`` and listening (inheritable, for worker processes),
    or one clear ``ConfigError`` saying why not and what to do: bound before anything says
    "serving", by the drop, the witness and the web desk alike."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(backlog)
    except (OverflowError, socket.gaierror):  # gaierror first: it is an OSError too
        sock.close()
        raise ConfigError(
            f"cannot listen on {host} port {port}: not a valid address",
            hint="give --host an address of this machine and --port a number from 1 to 65535",
        ) from None
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} is busy: another program is listening there", hint=_OTHER_PORT
            ) from None
        if exc.errno == errno.EACCES:
            raise ConfigError(
                f"not allowed to listen on port {port}",
                hint="a port below 1024 needs administrator rights: choose another with --port",
            ) from None
        if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
            raise ConfigError(
                f"cannot listen on {host}: no such local address",
                hint="give --host an address of this machine (127.0.0.1: this machine only)",
            ) from None
        raise ConfigError(f"cannot listen on port {port}", hint=_OTHER_PORT) from None
    sock.set_inheritable(True)
    return sock


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


HEADER_TIMEOUT = 10.0
MAX_HEADER_BYTES = 16 << 10


class _ClientFaults(logging.Filter):
    """uvicorn's warnings about one client's request - garbage that does not parse, an
    upgrade asked for (with advice to install the WebSocket support left out on purpose) -
    are a line per request that anyone can send, filling the disk the drop keeps envelopes
    on (a witness its state); the client had its answer. They are dropped. The warning that
    requests beyond the concurrency limit get 503 says something to the operator: at most
    once a minute."""

    QUIET = ("Invalid HTTP request received.", "Unsupported upgrade request.",
             "No supported WebSocket library detected")  # fmt: skip
    BUSY = "Exceeded concurrency limit."
    _said = -60.0

    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        if msg.startswith(self.QUIET):
            return False
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False  # a request cut off by a stop signal's grace period: no traceback
        if msg == self.BUSY:
            now = time.monotonic()
            if now - self._said < 60:
                return False
            self._said = now
        return True


#: The logger of :class:`GuardedHttp` (uvicorn's, filtered: :class:`_ClientFaults`).
_HTTP_LOG = logging.getLogger("uvicorn.error.tysha")
_HTTP_LOG.addFilter(_ClientFaults())


class GuardedHttp(HttpToolsProtocol):
    """uvicorn's HTTP protocol with a deadline and a size cap for each request's headers, a
    deadline for answers the client stopped reading, and no log line per hostile request
    (:class:`_ClientFaults`): for every server of Tysha that faces the network (the drop's
    ``tysha.drop.server.GuardedHttpTools`` extends it; module level: the worker processes of
    ``workers > 1`` receive it pickled). See ``tysha.drop.server`` for the why of each."""

    header_timeout = HEADER_TIMEOUT
    max_header_bytes = MAX_HEADER_BYTES
    #: Bytes received while a request's line and headers were incomplete, counted per piece
    #: read (httptools hands a header over only once it is whole, so a header that never
    #: ends is caught here, to within one read). None while a body is being read.
    _header_bytes: int | None = 0
    #: The line and headers of the request being parsed, as the parser hands them over.
    _header_size = 0
    #: Refused for its headers: whatever the parser still finds in the last read is ignored.
    _refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.logger = _HTTP_LOG
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._header_bytes is not None:
            self._header_bytes += len(data)
        super().data_received(data)
        if (
            self._header_bytes is not None
            and self._header_bytes > self.max_header_bytes
            and not self._refused
        ):
            self._refuse_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_size = 0

    def on_url(self, url: bytes) -> None:
        if self._refused:
            return
        super().on_url(url)
        self._grown(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._refused:
            return
        super().on_header(name, value)
        self._grown(len(name) + len(value) + 4)

    def _grown(self, n: int) -> None:
        self._header_size += n
        if self._header_size > self.max_header_bytes:
            self._refuse_headers()

    def _refuse_headers(self) -> None:
        """431, unless an earlier request's answer is still being made (it would be cut
        into), then close: the rest of what the client sends is not read, and what the
        parser still finds in the last read is ignored."""
        self._refused = True
        self._disarm()
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            payload = b'{"error":"too_large","detail":"request headers are too large"}'
            self.transport.write(
                STATUS_LINE[431]
                + b"content-type: application/json\r\ncontent-length: %d\r\n"
                b"connection: close\r\n\r\n" % len(payload)
                + payload
            )
        self.transport.close()

    def _arm(self) -> None:
        self._waiting_for = self.cycle
        self._header_timer: asyncio.TimerHandle | None = self.loop.call_later(
            self.header_timeout, self._expire
        )

    def _expire(self) -> None:
        # No new request's headers since the timer was armed: drop the connection.
        if self.cycle is self._waiting_for and not self.transport.is_closing():
            self.transport.close()

    def _disarm(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        self._header_bytes = None
        super().on_headers_complete()
        self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._disarm()
        # The deadline is for headers still to come: not when the next request's headers
        # were already read (pipelined; it has just started, or waits its turn), whose body
        # keeps the app's own deadlines.
        if not self.transport.is_closing() and (
            self.cycle is None or self.cycle.response_complete
        ):
            self._arm()

    # --- answers must keep leaving (module docstring) ------------------------------------

    #: Seconds writing may stay blocked (a subclass may take them from its app).
    send_idle_s = 30.0
    _send_timer: asyncio.TimerHandle | None = None
    #: The request being answered (the others read are queued behind it: pipelining).
    _answering: RequestResponseCycle | None = None

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(self.send_idle(), self._send_stalled)

    def send_idle(self) -> float:
        return self.send_idle_s

    def resume_writing(self) -> None:
        self._stop_send_timer()
        super().resume_writing()

    def _send_stalled(self) -> None:
        # Nothing the client asked for has drained since: let it go. abort, not close: close
        # would wait for the unread buffer to be written, which is what never happens.
        self._send_timer = None
        self._gone()
        self.transport.abort()

    def _gone(self) -> None:
        """The answer being written, and the last request read, are for no one any more:
        their next send returns quietly. (uvicorn marks only the last request read, which
        with pipelining is not the one being answered: that one wrote to a closed
        transport and logged a traceback.)"""
        for cycle in (self._answering, self.cycle):
            if cycle is not None and not cycle.response_complete:
                cycle.disconnected = True

    def _stop_send_timer(self) -> None:
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._stop_send_timer()
        self._gone()
        super().connection_lost(exc)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        self._answering = cycle
        super()._start_asgi_task(cycle, app)

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        self._header_bytes = 0  # what follows is the next request's line and headers
        super().on_message_complete()


class StartupTraceback(logging.Filter):
    """For uvicorn's logger: an app whose startup failed is said in one line, not as
    uvicorn's traceback of it (source paths, the error's own text) and "Application startup
    failed. Exiting.". ``say()`` gives that line; without it (or when it gives None) the
    traceback is dropped and the caller says it (the CLI's one line)."""

    def __init__(self, say: Callable[[], str | None] | None = None) -> None:
        super().__init__()
        self.say = say

    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        if msg == "Application startup failed. Exiting.":
            return False
        if msg.startswith("Traceback (most recent call last)"):
            line = self.say() if self.say is not None else None
            if line is None:
                return False
            record.msg, record.args = line, ()
        return True
