"""The web desk's login and session against someone at the keyboard or another local process:
guesses sent at once, a session left alone, a browser closed."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tysha.desk.web.app import create_app

from .test_web import BASE


def test_guesses_sent_at_once_are_throttled_like_guesses_in_a_row(desk: dict[str, Any]) -> None:
    """The throttle was read before the passphrase was checked (in a thread, a fraction of a
    second of Argon2id) and written only after: twelve guesses sent together were all checked,
    so a local process could try passphrases as fast as the machine derives keys. While one
    attempt from a bucket is being checked, another from the same bucket waits (429)."""
    app = create_app(desk["desk"], port=8090)

    async def guesses() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
            rs = await asyncio.gather(
                *(c.post("/login", data={"passphrase": f"guess {i}"}) for i in range(12))
            )
        return [r.status_code for r in rs]

    codes = asyncio.run(guesses())
    assert codes.count(401) == 1, codes  # one passphrase checked ...
    assert codes.count(429) == 11, codes  # ... the others told to wait, not checked
