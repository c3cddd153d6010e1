"""Running an HTTP server (uvicorn) to its end in this process, stoppable from its first instant.

uvicorn installs its own SIGINT and SIGTERM handlers only once its event loop runs
(``Server.serve``); it then shuts down gracefully on either and, once its loop is done,
raises the signal again for whatever handler was there before. A signal that arrives in
the moment before - the event loop being made, the app being imported - met the CLI's
handler instead (:class:`tysha.cli.Stopped`, a ``KeyboardInterrupt``), raised inside a
starting event loop, which could then wait forever on tasks nobody ends: ``tysha demo``
hung on a SIGTERM sent right after it said it was running (one run in about a hundred).

:func:`run_server` closes that gap: from before the loop exists, SIGINT and SIGTERM only ask
the server to stop (uvicorn's own ``handle_exit``); after the loop is closed the first such
signal is raised again, in this thread, for the handler that was in place before - so the
caller's ``finally`` blocks run and the exit code is the signal's, as with uvicorn's own
handling. (SIGHUP reaches it as SIGTERM: the CLI passes it on.)
"""

from __future__ import annotations

import signal
import socket
import threading
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn

__all__ = ["STOP_SIGNALS", "run_server"]

#: The signals uvicorn stops on (its ``HANDLED_SIGNALS`` on POSIX).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_server(server: uvicorn.Server, sockets: list[socket.socket] | None = None) -> bool:
    """Run ``server`` until it stops; True if it started serving.

    On the main thread a stop signal at any moment stops the server gracefully and is raised
    again once it has stopped (module docstring). On another thread (tests, the demo's
    helpers) signals are not this function's business: it only runs the server."""
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

    before = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        server.run(sockets=sockets)
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
    if caught:
        signal.raise_signal(caught[0])
    return server.started
