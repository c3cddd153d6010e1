"""A request body read under a byte limit and two deadlines, for the apps this package serves
(the drop's routes, the web desk): one implementation of what a hostile client may cost.

A body that grows past ``limit`` or stalls (``idle`` seconds without a piece, or ``deadline``
seconds in all) raises the app's own exception in the handler reading it, so no handler holds
more than its limit or waits forever on a client that sends headers and then dribbles or stops.
Once the body is complete the calls pass through untouched (Starlette waits on them for a
disconnect while a response streams). The deadlines run on the event loop's clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.types import Message, Receive

__all__ = ["BodyGuard"]


class BodyGuard:
    """``receive`` with a byte limit and read deadlines, while the body lasts:
    ``too_large(limit)`` and ``too_slow()`` make the exceptions it raises."""

    def __init__(
        self,
        receive: Receive,
        limit: int,
        idle: float,
        deadline: float,
        too_large: Callable[[int], Exception],
        too_slow: Callable[[], Exception],
    ) -> None:
        self._receive, self._limit, self._idle = receive, limit, idle
        self._too_large, self._too_slow = too_large, too_slow
        self._clock = asyncio.get_running_loop().time
        self._deadline = self._clock() + deadline
        self._seen = 0
        self._done = False

    async def __call__(self) -> Message:
        if self._done:
            return await self._receive()
        wait = min(self._idle, self._deadline - self._clock())
        if wait <= 0:
            raise self._too_slow()
        try:
            # A timeout scope, not wait_for: no task of its own per piece of every body.
            async with asyncio.timeout(wait):
                message = await self._receive()
        except TimeoutError:
            raise self._too_slow() from None
        if message["type"] == "http.request":
            # A body without a length (chunked) is counted as it arrives.
            self._seen += len(message.get("body", b""))
            if self._seen > self._limit:
                raise self._too_large(self._limit)
            if not message.get("more_body", False):
                self._done = True
        else:
            self._done = True
        return message
