"""The witness's HTTP face: ``POST /add-checkpoint`` (C2SP tlog-witness) and nothing else.

The body is read with a cap while it streams (a declared or actual size above
:data:`~tysha.tlog.witness.MAX_ADD_CHECKPOINT_SIZE` gets 413 before more is read) and must
arrive within :data:`READ_TIMEOUT` (else 408: a stalled upload holds nothing for long); the
decision runs in a worker thread because it commits to disk. Answers are short text, never
internal details; a failure to commit is 503 (nothing was cosigned), never a cosignature.
"""

from __future__ import annotations

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from tysha.errors import StorageError
from tysha.tlog.witness import MAX_ADD_CHECKPOINT_SIZE
from tysha.witness.service import TEXT, Answer, WitnessService

__all__ = ["READ_TIMEOUT", "create_app"]

#: Seconds a client gets to send its whole body: a stalled upload is cut off (408).
READ_TIMEOUT = 30.0


class _TooLarge(Exception):
    pass


async def _read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    buf = bytearray()
    async for piece in request.stream():
        buf += piece
        if len(buf) > limit:
            raise _TooLarge
    return bytes(buf)


def _response(answer: Answer) -> Response:
    # The exact media type (Starlette would append a charset to text/x.tlog.size).
    return Response(
        answer.body, status_code=answer.status, headers={"content-type": answer.content_type}
    )


def create_app(service: WitnessService, *, read_timeout: float = READ_TIMEOUT) -> Starlette:
    async def add_checkpoint(request: Request) -> Response:
        body = b""
        try:
            with anyio.move_on_after(read_timeout) as scope:
                body = await _read_capped(request, MAX_ADD_CHECKPOINT_SIZE)
            if scope.cancelled_caught:
                return _response(Answer.text(408, "the request body came too slowly"))
        except _TooLarge:
            return _response(Answer.text(413, f"the body exceeds {MAX_ADD_CHECKPOINT_SIZE} bytes"))
        except ClientDisconnect:
            return _response(Answer.text(400, "the request body was cut short"))
        try:
            answer = await run_in_threadpool(service.add_checkpoint, body)
        except StorageError:
            answer = Answer.text(503, "the witness cannot store its state now; try again later")
        return _response(answer)

    async def index(request: Request) -> Response:
        # Who this is, so an operator can check a witness by its vkey (not a trust anchor).
        return Response(f"tlog-witness {service.vkey}\n", media_type=TEXT)

    return Starlette(
        routes=[
            Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
            Route("/", index, methods=["GET"]),
        ]
    )
