"""Running the drop's app under uvicorn: bind first, say "serving" only once listening, and
bound what a connection may cost (docs/drop-api.md, "Production").

* The port is bound first (:func:`tysha.transport.serving.listen`), before anything is
  announced: a busy port or a refused address is one clear line (``ConfigError``), never a
  traceback after a premature "serving".
* "serving" is printed once the socket listens and the app's startup (storage, maintenance)
  succeeded - with ``workers > 1``, in every worker process (:class:`_Supervisor`); a
  worker that ends before then stops the drop, with its reason, instead of being started
  again for ever.
* A connection must send its request headers within ``HEADER_TIMEOUT`` seconds of opening (or
  of its previous response): uvicorn has no such timeout, so the HTTP protocol class is
  extended with one (slowloris). Bodies have their own deadlines (``body_idle_s``,
  ``body_deadline_s``, enforced by the app), and so do answers: writing blocked for
  ``body_idle_s`` (a client that stopped reading what it asked for) ends the connection,
  which would otherwise keep its place, its task and an open file for good. Idle keep-alive
  connections close after ``keep_alive_s``; beyond ``max_connections`` concurrent
  connections and requests uvicorn answers 503 at once, before descriptors run out. A
  request's line and headers are capped at ``MAX_HEADER_BYTES`` (16 KiB; 431 and the
  connection closed): httptools, which parses here, keeps whatever a header brings, and
  uvicorn's size setting applies to h11 only.
* The one hot route, ``POST /v1/envelopes``, is answered by the protocol class itself
  (:class:`GuardedHttpTools`, through the app's ``intake`` object,
  :class:`tysha.drop.web.ProtocolIntake`): no ASGI task and no message dictionaries per
  submission. Everything around it stays uvicorn's: parsing, keep-alive and pipelining (a
  request queued behind it waits for its answer), the header deadline, the concurrency
  limit, shutdown. The body is gathered here, bounded by the route's limit, with the same
  idle and total deadlines the app's body guard applies (408), and answered with the same
  bytes as the ASGI route.
* Stop signals end the drop the same way however it runs (docs/CLI.md): one process through
  :func:`tysha.transport.serving.run_server` (handled from before the event loop exists),
  several through :class:`_Supervisor` (SIGHUP stops the workers instead of restarting
  them); either way the signal is raised again at the end, for the CLI's exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, RequestResponseCycle
from uvicorn.supervisors.multiprocess import SIGNALS, Multiprocess

from tysha.drop.service import DropService
from tysha.errors import StorageError
from tysha.transport.serving import (
    HEADER_TIMEOUT,
    MAX_HEADER_BYTES,
    GuardedHttp,
    StartupTraceback,
    listen,
    run_server,
    signals_restored,
)

__all__ = ["HEADER_TIMEOUT", "MAX_HEADER_BYTES", "serve", "serve_in_thread"]

class GuardedHttpTools(GuardedHttp):
    """The drop's HTTP protocol: :class:`~tysha.transport.serving.GuardedHttp` (header
    deadline and cap, slow readers, quiet about hostile requests) answering the intake
    route itself (module docstring; module level: the worker processes of ``workers > 1``
    receive it pickled)."""

    # --- the intake route, answered here (module docstring) ------------------------------

    _fast: _FastRequest | None = None

    def send_idle(self) -> float:
        intake = getattr(self.app, "intake", None)
        return float(intake.idle_s) if intake is not None else self.send_idle_s

    def connection_lost(self, exc: Exception | None) -> None:
        if self._fast is not None:
            self._fast.stop_timer()
        super().connection_lost(exc)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        intake = getattr(self.app, "intake", None)
        if (
            intake is not None
            and app is self.app  # not uvicorn's 503 for too many connections
            and cycle.scope["method"] == "POST"
            and cycle.scope["path"] == intake.path
            and intake.ready
        ):
            self._answering = cycle
            self._begin_intake(cycle, intake)
        else:
            super()._start_asgi_task(cycle, app)

    def _begin_intake(self, cycle: RequestResponseCycle, intake: Any) -> None:
        fast = _FastRequest(self, cycle, intake)
        if intake.announced_too_large(cycle.scope["headers"]):
            fast.refuse(*intake.too_large())  # before a byte is read
            return
        self._fast = fast
        if cycle.waiting_for_100_continue and not self.transport.is_closing():
            cycle.waiting_for_100_continue = False
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if cycle.body:  # a pipelined request: uvicorn gathered its body while it waited
            fast.add(bytes(cycle.body))
            cycle.body = bytearray()
        if not cycle.more_body:
            fast.complete()
        else:
            self.flow.resume_reading()  # uvicorn pauses while a pipelined body waits

    def on_body(self, body: bytes) -> None:
        if self._refused:
            return
        fast = self._fast
        if fast is not None and fast.cycle is self.cycle:
            fast.add(body)
        else:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        fast = self._fast
        if fast is not None and fast.cycle is self.cycle:
            self._header_bytes = 0  # what follows is the next request's line and headers
            self.cycle.more_body = False
            fast.complete()
        else:
            super().on_message_complete()


class _FastRequest:
    """One ``POST /v1/envelopes`` being answered by :class:`GuardedHttpTools`: its body's
    pieces (joined once), its deadlines, and the answer written straight to the transport."""

    def __init__(self, proto: GuardedHttpTools, cycle: RequestResponseCycle, intake: Any) -> None:
        self.proto = proto
        self.cycle = cycle
        self.intake = intake
        self.pieces: list[bytes] = []
        self.size = 0
        self.done = False  # the body is complete or refused: nothing more is gathered
        loop = proto.loop
        now = loop.time()
        self.last = now
        self.deadline = now + intake.deadline_s
        self.timer: asyncio.TimerHandle | None = loop.call_at(
            min(now + intake.idle_s, self.deadline), self._check_time
        )

    def add(self, piece: bytes) -> None:
        if self.done:
            return
        self.size += len(piece)
        if self.size > self.intake.limit:
            self.refuse(*self.intake.too_large(self.intake.limit))
            return
        self.pieces.append(piece)
        self.last = self.proto.loop.time()

    def complete(self) -> None:
        if self.done:
            return
        self.done = True
        self.stop_timer()
        body = self.pieces[0] if len(self.pieces) == 1 else b"".join(self.pieces)
        self.pieces = []
        cycle = self.cycle
        self.intake.answer(body, cycle.scope["query_string"], cycle.scope["headers"], self.reply)

    def _check_time(self) -> None:
        self.timer = None
        if self.done:
            return
        now = self.proto.loop.time()
        if now >= self.deadline or now >= self.last + self.intake.idle_s:
            self.refuse(*self.intake.too_slow())
            return
        self.timer = self.proto.loop.call_at(
            min(self.last + self.intake.idle_s, self.deadline), self._check_time
        )

    def stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def refuse(self, status: int, payload: bytes) -> None:
        """Answer the intake's 413 or 408 before the body is complete, and close the
        connection (the rest of the body is not read)."""
        self.done = True
        self.stop_timer()
        self.pieces = []
        self.reply(status, payload, close=True)

    def reply(self, status: int, payload: bytes, close: bool = False) -> None:
        proto, cycle = self.proto, self.cycle
        if proto._fast is self:
            proto._fast = None
        if cycle.response_complete:
            return
        cycle.response_complete = True
        transport = proto.transport
        if cycle.disconnected or transport.is_closing():
            return
        keep = cycle.keep_alive and not close
        head = [
            STATUS_LINE[status],
            b"content-type: application/json\r\ncontent-length: ",
            str(len(payload)).encode(),
            b"\r\n",
        ]
        if status == 503:
            head.append(b"retry-after: %d\r\n" % self.intake.retry_after_s)
        if not keep:
            head.append(b"connection: close\r\n")
        head.append(b"\r\n")
        transport.write(b"".join(head) + payload)
        if not keep:
            transport.close()
        cycle.on_response()  # keep-alive, the header deadline, a pipelined next request


def serve(
    service: DropService,
    data: str,
    database: str | None,
    host: str,
    port: int,
    announce: Callable[[str], None],
    blobs: str | None = None,
) -> None:
    import uvicorn

    from tysha.drop.web import create_app

    cfg = service.config
    workers = max(1, cfg.workers)
    sock = listen(host, port)
    message = f"drop {cfg.origin} serving on port {sock.getsockname()[1]}" + (
        f" with {workers} processes" if workers > 1 else ""
    )
    options = _options(service)
    if workers == 1:
        config = uvicorn.Config(create_app(service), **options)
        quiet = StartupTraceback()
        uvicorn_log = logging.getLogger("uvicorn.error")
        uvicorn_log.addFilter(quiet)
        try:
            started = run_server(config, sockets=[sock], on_started=lambda: announce(message))
        except SystemExit:  # uvicorn's exit when the app's startup failed
            if service.start_failed is None:
                raise
            started = False
        finally:
            uvicorn_log.removeFilter(quiet)
        if not started and service.start_failed is not None:
            from tysha.drop.web import start_failure

            raise _could_not_start(start_failure(service))
        return
    service.store.close()
    service.blobs.close()
    os.environ["TYSHA_DROP_DATA"] = data
    os.environ["TYSHA_DROP_DATABASE"] = database or ""
    os.environ["TYSHA_DROP_BLOBS"] = blobs or ""
    config = uvicorn.Config("tysha.drop.web:app_from_env", factory=True, workers=workers, **options)
    # The supervisor takes over every signal of uvicorn's SIGNALS as it is made, and puts
    # none back.
    with signals_restored(SIGNALS):
        # "serving" once every worker answers that its startup is done, not before.
        supervisor = _Supervisor(config, sockets=[sock], on_ready=lambda: announce(message))
        supervisor.run()
    if supervisor.stopped_by is not None:
        signal.raise_signal(supervisor.stopped_by)  # the CLI's handler: exit 128 + signal
    ended = supervisor.ended_starting
    if ended is not None and ended != STARTUP_FAILURE:
        raise _could_not_start(
            f"a server process ended while starting (exit code {ended})"
        )
    if ended is not None or any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes):
        # A worker failed to start and every one was stopped: each said why (app_from_env).
        raise _could_not_start("a server process failed to start (its reason is above)")


def _could_not_start(what: str) -> StorageError:
    return StorageError(
        f"the drop could not start: {what}",
        hint="check the drop's data folder and its free space, and the database"
        " given with --database",
    )


#: What stops the supervisor (and, raised again after it, the command).
_STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _Supervisor(Multiprocess):
    """uvicorn's supervisor of the worker processes, stopping as one drop process does
    (docs/CLI.md): SIGHUP - a closed terminal - stops it like SIGTERM (uvicorn would restart
    the workers and go on, with no terminal), and once every worker has ended the first stop
    signal is raised again for the CLI, so the exit code is 128 plus its number, as in the
    single-process drop."""

    stopped_by: int | None = None
    #: The exit code of a worker that ended before every worker had started (the drop
    #: stops: uvicorn would start it again for ever, each time with its traceback).
    ended_starting: int | None = None

    def __init__(
        self, config: Any, sockets: list[Any], on_ready: Callable[[], None]
    ) -> None:
        super().__init__(config, sockets)
        self.on_ready = on_ready
        self.ready = False

    def run(self) -> None:
        """uvicorn's loop, but until every worker has started none is started again: a
        worker that ends meanwhile failed to start, and the drop stops. ``on_ready`` is
        called once all of them answer that their startup is done."""
        self.init_processes()
        while not self.should_exit.wait(0.5 if self.ready else 0.1):
            self.handle_signals()
            if self.ready:
                self.keep_subprocess_alive()
            else:
                self._await_startup()
        self.terminate_all()
        self.join_all()

    def _await_startup(self) -> None:
        for process in self.processes:
            if not process.process.is_alive():
                process.join()
                code = process.exitcode
                self.ended_starting = STARTUP_FAILURE if code is None else code
                self.should_exit.set()
                return
        if all(process.is_ready(timeout=1) for process in self.processes):
            self.ready = True
            self.on_ready()

    def handle_signals(self) -> None:
        for sig in self.signal_queue:
            if self.stopped_by is None and sig in _STOPS:
                self.stopped_by = sig
        super().handle_signals()

    def handle_hup(self) -> None:
        self.should_exit.set()


def _options(service: DropService) -> dict[str, Any]:
    """uvicorn's settings for the drop, whichever way it is run."""
    cfg = service.config
    # No access log: it would record client addresses (THREAT_MODEL A3, A8). No proxy
    # headers either: a forwarded-for address must not even reach the application.
    return dict(
        access_log=False,
        proxy_headers=False,
        log_level="warning",
        server_header=False,
        date_header=False,
        timeout_keep_alive=cfg.keep_alive_s,
        limit_concurrency=cfg.max_connections,
        http=GuardedHttpTools,
        # No WebSocket: an upgrade request is an ordinary request (no handshake code runs).
        ws="none",
    )


@contextlib.contextmanager
def serve_in_thread(service: DropService, host: str = "127.0.0.1") -> Iterator[int]:
    """The same server as :func:`serve` (one process), run on a thread of this process on a
    free port; yields the port once it listens and the app has started, stops it on exit.
    For callers that want a real HTTP server on loopback without a process of its own (tests,
    the demo's helpers); its logging is left to the caller's configuration."""
    import threading

    import uvicorn

    from tysha.drop.web import create_app

    sock = listen(host, 0)
    config = uvicorn.Config(create_app(service), log_config=None, **_options(service))
    server = uvicorn.Server(config)
    failed: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the caller below
            failed.append(exc)

    thread = threading.Thread(target=run, name="tysha-drop", daemon=True)
    thread.start()
    try:
        while not server.started:
            if failed:
                raise failed[0]  # the app's own startup error (storage, configuration)
            if not thread.is_alive():
                raise RuntimeError("the drop's server thread ended before it listened")
            thread.join(0.01)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
