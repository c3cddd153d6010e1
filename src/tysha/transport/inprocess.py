"""A :class:`~tysha.transport.client.Transport` over an ASGI app in this process: no socket,
no child process. Tests (of the drop, the desk and the source) and tools use it to talk to a
real drop app exactly as over HTTP, at a fraction of the cost.

The app runs on its own event loop in a background thread, with its lifespan (the drop's
integrator and maintenance tasks start and stop with it); each request of the synchronous
``httpx.Client`` is handed to ``httpx.ASGITransport`` on that loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import httpx
from starlette.types import ASGIApp, Message

__all__ = ["InProcessTransport"]


class _Lifespan:
    """Drives the ASGI lifespan protocol: startup now, shutdown on :meth:`stop`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.ensure_future(self.app(scope, self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": "lifespan.startup"})
        answer = await self.outbox.get()
        if answer["type"] != "lifespan.startup.complete":
            raise RuntimeError(str(answer.get("message", "the app did not start")))

    async def stop(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.outbox.get(), 30)
        if self.task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self.task, 5)


class _SyncOverAsync(httpx.BaseTransport):
    def __init__(self, owner: InProcessTransport) -> None:
        self.owner = owner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            resp = await self.owner.asgi.handle_async_request(inner)
            data = await resp.aread()
            return resp.status_code, resp.headers.raw, data

        status, headers, data = self.owner.run(call())
        return httpx.Response(status, headers=headers, content=data, request=request)


class InProcessTransport:
    """Serve ``app`` in this process and make clients bound to it (``close`` stops it)."""

    name = "in-process"

    def __init__(self, app: ASGIApp, timeout: float = 120.0) -> None:
        self.app = app
        self.timeout = timeout
        self.asgi = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="in-process-drop", daemon=True
        )
        self._thread.start()
        self._lifespan = _Lifespan(app)
        try:
            self.run(self._lifespan.start())
        except BaseException:
            self._halt()
            raise
        self._closed = False

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.timeout)

    def client(self, base_url: str, timeout: float) -> httpx.Client:
        return httpx.Client(
            base_url=base_url, transport=_SyncOverAsync(self), timeout=timeout, trust_env=False
        )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self.run(self._lifespan.stop())
        self._halt()

    def _halt(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if not self._loop.is_running():
            self._loop.close()
