"""The web desk under a handler's mistakes and a hostile local client: a request body that
never ends, an error the desk did not expect, stale pages and repeated submits."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import tysha.desk.web.app as web_app
from tysha.desk.web.app import create_app


def _scope(path: str, length: int) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": None, "server": ("127.0.0.1", 8090),
        "headers": [(b"host", b"127.0.0.1:8090"), (b"content-length", str(length).encode()),
                    (b"content-type", b"application/x-www-form-urlencoded")],
    }  # fmt: skip


@pytest.mark.parametrize("dribble", [False, True])
def test_a_body_that_stops_or_dribbles_is_cut_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dribble: bool
) -> None:
    """A client that sent a form's headers and then a few bytes of its body, and no more (or
    a byte now and then), held the web desk's request (and its worker) for good: the desk
    had a deadline for headers only. A body that stops arriving for the idle deadline, or
    is not complete by the total one, is answered 408 and its connection closed, like the
    drop's."""
    monkeypatch.setattr(web_app, "BODY_IDLE_S", 0.3, raising=False)
    monkeypatch.setattr(web_app, "BODY_DEADLINE_S", 0.6, raising=False)
    path = "/login"
    app = create_app(tmp_path)
    never = asyncio.Event()
    first = [{"type": "http.request", "body": b"passphrase=a", "more_body": True}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if first:
            return first.pop()
        if dribble:  # a byte well within the idle deadline, for ever
            await asyncio.sleep(0.05)
            return {"type": "http.request", "body": b"a", "more_body": True}
        await never.wait()  # the client keeps the connection and sends nothing more
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        await asyncio.wait_for(app(_scope(path, 400), receive, send), 10)  # type: ignore[arg-type]

    asyncio.run(run())
    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]
