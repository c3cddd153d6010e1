"""Serving the web desk: bind and listen first, then say so (issue 10.11).

Shared by ``tysha desk serve`` and ``tysha demo`` so neither face reaches into the other."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tysha.errors import NotFound
from tysha.transport.serving import listen, run_server

__all__ = ["serve_web"]

#: Seconds a stop signal waits for requests still open before they are cut off.
STOP_GRACE_S = 5


def serve_web(
    desk: Path,
    host: str = "127.0.0.1",
    port: int = 8090,
    on_listening: Callable[[], None] | None = None,
) -> None:
    """Serve the web desk until a stop signal; ``on_listening()`` runs once the port listens
    and the app has started (so nothing says "serving" before a busy port or a missing desk
    has failed), with the stop signals already handled (:func:`run_server`)."""
    import uvicorn

    from tysha.desk.web.app import create_app
    from tysha.i18n import language_from_env

    if not (Path(desk) / "desk.json").exists():
        raise NotFound(f"{desk} is not a desk; run `tysha desk init` first")
    web = create_app(Path(desk), language_from_env(), host=host, port=port)
    sock = listen("127.0.0.1" if host == "localhost" else host, port, backlog=128)
    from tysha.transport.serving import GuardedHttp

    # The drop's guarded protocol: a deadline and a cap for headers, slow readers let go,
    # nothing of a hostile request printed to the handler's terminal. A stop signal waits at
    # most a few seconds for requests still open (a stalled form would hold it for good).
    config = uvicorn.Config(
        web, access_log=False, log_level="warning", server_header=False, ws="none",
        http=GuardedHttp, timeout_graceful_shutdown=STOP_GRACE_S,
    )
    run_server(config, sockets=[sock], on_started=on_listening)


