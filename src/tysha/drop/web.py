"""The drop's HTTP face (docs/drop-api.md): intake, the C2SP tiles under /log/, fetch.

Errors map to JSON ``{"error", "detail"}`` in one place (:func:`_problem`, table in
docs/drop-api.md); only sentences written for clients reach a body, never internal text.
Every request passes a guard first (:class:`_BodyGuard`): the route's byte limit, from
Content-Length and while reading, and read deadlines for the body. No handler reads the
client address; the server runs without an access log.

The one hot route, ``POST /v1/envelopes``, is answered without Starlette twice over: under
the drop's own server by the HTTP protocol class itself (:class:`ProtocolIntake`, called by
``tysha.drop.server.GuardedHttpTools``: no ASGI task or messages per submission), and for any
other ASGI server or an in-process client by a thin ASGI front in :func:`create_app`. All
paths share the checks and the one error mapping (:func:`_problem`), so they answer the same
bytes. Every other request goes to the Starlette app.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import tempfile
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tysha.drop import source_page
from tysha.drop.openapi import OPENAPI
from tysha.drop.service import (
    CHUNK_MAX,
    MAX_ONESHOT,
    Busy,
    DropService,
    InsufficientStorage,
    WorkRequired,
)
from tysha.drop.uploads import OffsetMismatch, UploadExists, UploadState
from tysha.drop.witnessing import witnessing_routes
from tysha.drop.work import parse_private_token
from tysha.errors import (
    NotFound,
    ProtocolError,
    StorageError,
    TyshaError,
    VerificationError,
)
from tysha.protocol import MAX_ENVELOPE_SIZE, ClueRecord, encode_clue_records
from tysha.protocol.envelope import MAX_HEADER_SIZE
from tysha.protocol.listing import (
    DELETED,
    EXPIRED,
    LISTING_VERSION,
    LIVE,
    ListingRecord,
    encode_listing,
)
from tysha.store.drop_store import EnvelopeRow
from tysha.tlog import encode_entry_bundle, parse_tile_path, tile_contents
from tysha.transport.bodies import BodyGuard

__all__ = ["app_from_env", "create_app"]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FULL_TILE_CACHE = "public, max-age=31536000, immutable"
_SHORT_CACHE = "no-cache"


#: Body limits per route (bytes), enforced from Content-Length at once and while reading.
JSON_MAX = 4096
#: A chunk's body is kept in memory up to this size, beyond it in an unnamed file.
CHUNK_SPOOL = 256 << 10


def _body_limit(method: str, path: str) -> int:
    if method == "POST" and path == _INTAKE:
        return MAX_ONESHOT
    if method == "PUT" and path.startswith("/v1/uploads/"):
        return CHUNK_MAX
    if method == "POST":
        return JSON_MAX
    return 0  # nothing else takes a body


class HTTPProblem(Exception):
    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


def _too_large(limit: int | None = None) -> HTTPProblem:
    """413: refused from Content-Length (``limit`` None), or past ``limit`` while reading."""
    detail = "body too large" if limit is None else f"body exceeds {limit} bytes"
    return HTTPProblem(413, "too_large", detail)


def _too_slow() -> HTTPProblem:
    """408: the body stalled or took too long in all."""
    return HTTPProblem(408, "timeout", "the request body arrived too slowly")


def _announced_too_large(headers: Iterable[tuple[bytes, bytes]], limit: int) -> bool:
    """A Content-Length that is not a number or is over ``limit``, or, where no body is
    taken (``limit`` 0), any body announced at all (a chunked one has no Content-Length):
    refused before the body. Without the last, a GET's chunked body reached the guard only
    once the answer had started streaming, which it then cut short."""
    return any(
        (name == b"content-length" and (not value.isdigit() or int(value) > limit))
        or (name == b"transfer-encoding" and limit == 0)
        for name, value in headers
    )


def _problem(exc: BaseException) -> tuple[int, dict[str, Any]]:
    """THE mapping from errors to HTTP (every route and the fast intake path use it).

    Only messages written for clients reach a body: a StorageError (whose text may name
    paths or driver errors) and anything unexpected get fixed words."""
    if isinstance(exc, HTTPProblem):
        return exc.status, {"error": exc.code, "detail": exc.detail, **exc.extra}
    if isinstance(exc, WorkRequired):
        return 403, {"error": "work", "detail": exc.message, "pow_bits": exc.bits}
    if isinstance(exc, VerificationError):
        return 403, {"error": "forbidden", "detail": exc.message}
    if isinstance(exc, OffsetMismatch):
        return 409, {"error": "offset", "detail": exc.message, "offset": exc.offset}
    if isinstance(exc, UploadExists):
        return 409, {"error": "conflict", "detail": exc.message}
    if isinstance(exc, ProtocolError):
        return 400, {"error": "malformed", "detail": exc.message}
    if isinstance(exc, NotFound):
        return 404, {"error": "not_found", "detail": exc.message}
    if isinstance(exc, InsufficientStorage):
        return 507, {"error": "insufficient_storage", "detail": exc.message}
    if isinstance(exc, StorageError):
        return 503, {"error": "unavailable", "detail": Busy().message}
    if isinstance(exc, TyshaError):
        return 400, {"error": "refused", "detail": "the drop refused this request"}
    if isinstance(exc, ClientDisconnect):  # gone mid-body (a lost network): nothing to log
        return 400, {"error": "malformed", "detail": "the request body was cut short"}
    logging.getLogger("tysha.drop").error("unexpected %s", type(exc).__name__)
    return 500, {"error": "internal", "detail": "internal error"}


#: A 503 tells the client when to try again: the drop's database or store is away for
#: seconds (a restart, a failover), and clients must not hammer it meanwhile.
RETRY_AFTER_S = 5


def _error(exc: BaseException) -> JSONResponse:
    status, body = _problem(exc)
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _int_param(
    request: Request, name: str, default: int | None = None, lo: int = 0, hi: int = 1 << 62
) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        if default is None:
            raise HTTPProblem(400, "malformed", f"query parameter {name!r} is required")
        return default
    if not re.fullmatch(r"-?[0-9]{1,19}", raw):
        raise HTTPProblem(400, "malformed", f"query parameter {name!r} must be an integer")
    value = int(raw)
    if not lo <= value <= hi:
        raise HTTPProblem(400, "malformed", f"query parameter {name!r} is out of range")
    return value


async def _read_limited(request: Request, limit: int) -> bytes:
    """The body, at most ``limit`` bytes (the guard in :func:`create_app` also enforces
    the route's limit and the read deadlines on every piece received)."""
    buf = bytearray()
    async for piece in request.stream():
        buf += piece
        if len(buf) > limit:
            raise _too_large(limit)
    return bytes(buf)


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await _read_limited(request, JSON_MAX)
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json parses
        raise HTTPProblem(400, "malformed", "body must be JSON") from None
    if not isinstance(obj, dict):
        raise HTTPProblem(400, "malformed", "body must be a JSON object")
    return obj


def receipt_json(receipt: Any) -> dict[str, Any]:
    return {"receipt": receipt.to_json()}


#: How many log entries found missing from the store one drop process tells (a bound on its
#: memory and on its log when a whole store is gone; the rest answer 410 all the same).
_MISSING_TOLD = 1024


def create_app(service: DropService) -> ASGIApp:
    svc = service
    cfg = svc.config
    missing: set[int] = set()  # live log entries found missing from the store, told once

    def wrap(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                resp: Response = await handler(request)
                return resp
            except Exception as exc:  # one mapping, no internal text (see _problem)
                return _error(exc)

        return endpoint

    async def info(request: Request) -> Response:
        size, _ = await _to_thread(svc.checkpoint)
        return JSONResponse(
            {
                "origin": cfg.origin,
                "vkey": svc.vkey,
                "pow_bits": cfg.pow_bits,
                "pow_unit": cfg.pow_unit,
                "pow_load_bits": svc.work.load_bits() if cfg.pow_bits > 0 else 0,
                "max_oneshot": MAX_ONESHOT,
                "max_envelope": MAX_ENVELOPE_SIZE,
                "chunk_max": CHUNK_MAX,
                "retention_days": cfg.retention_days,
                "upload_expiry_hours": cfg.upload_expiry_hours,
                "tree_size": size,
                # Told before a client spends work or radio time on a 507 (docs/drop-api.md).
                "out_of_storage": await _to_thread(svc.out_of_storage),
            }
        )

    async def post_envelope(request: Request) -> Response:
        # The front below answers POST here before Starlette sees it; the route stays so
        # that the path's other methods get 405, and would answer the same if reached.
        body = await _read_limited(request, MAX_ONESHOT)
        token = parse_private_token(request.headers.get("authorization"))
        receipt = await svc.accept(body, request.query_params.get("pow"), token)
        return Response(_answer(None, receipt)[1], media_type="application/json")

    # --- resumable uploads (tysha.drop.uploads) -------------------------------------------

    finishing: dict[str, asyncio.Future[Any]] = {}

    def _uid(request: Request) -> str:
        uid = str(request.path_params["upload_id"])
        if not _HEX64.match(uid):
            raise HTTPProblem(404, "not_found", "no such upload")
        return uid

    def _state(st: UploadState) -> JSONResponse:
        return JSONResponse({"upload": st.upload, "offset": st.offset, "length": st.length})

    async def create_upload(request: Request) -> Response:
        obj = await _json_body(request)
        digest_hex, length = obj.get("digest"), obj.get("length")
        if not isinstance(digest_hex, str) or not _HEX64.match(digest_hex):
            raise HTTPProblem(400, "malformed", "digest must be 64 lower-case hex characters")
        if (
            not isinstance(length, int)
            or isinstance(length, bool)
            or not 4 < length <= MAX_ENVELOPE_SIZE
        ):
            raise HTTPProblem(400, "malformed", "length is out of range")
        pow_hex = obj.get("pow")
        token = parse_private_token(request.headers.get("authorization"))
        try:
            # Asked again (an answer lost on the way): the work was paid when it opened.
            st = await _to_thread(svc.uploads.status, digest_hex)
        except NotFound:
            # Work for every byte announced, once there is room and before anything is kept
            # for this client; the proof is spent (check_work: an upload thrown away cannot
            # be reopened with it).
            def pay() -> None:
                svc.check_work(
                    bytes.fromhex(digest_hex),
                    pow_hex if isinstance(pow_hex, str) else None,
                    length,
                    token,
                    once=True,
                )

            st = await _to_thread(svc.open_upload, digest_hex, length, pay)
        if st.length != length:
            raise UploadExists("an upload of this digest with another length exists")
        return _state(st)

    async def upload_status(request: Request) -> Response:
        return _state(await _to_thread(svc.uploads.status, _uid(request)))

    async def put_chunk(request: Request) -> Response:
        uid = _uid(request)
        offset = _int_param(request, "offset", lo=0, hi=MAX_ENVELOPE_SIZE)
        st = await _to_thread(svc.uploads.status, uid)
        if offset != st.offset:  # refused before its body is read
            raise OffsetMismatch(st.offset)
        lacking = st.length - offset
        if _announced_too_large(request.headers.raw, lacking):
            raise HTTPProblem(400, "malformed", "chunk goes past the announced length")
        # Spooled, not gathered in memory: a chunk that trickles in (or stalls a byte short)
        # holds at most CHUNK_SPOOL bytes of the drop's memory for its body_deadline_s.
        with await _spool(request, min(CHUNK_MAX, lacking)) as body:
            size = body.seek(0, os.SEEK_END)
            body.seek(0)
            if offset < 4 + MAX_HEADER_SIZE:
                # The header comes first: refuse a wrong form as soon as it is whole.
                first = body.read(4 + MAX_HEADER_SIZE - offset)
                body.seek(0)
                prefix = (await _to_thread(svc.uploads.head, uid, offset)) + first
                if len(prefix) >= 4:
                    hlen = int.from_bytes(prefix[:4], "big")
                    if hlen > MAX_HEADER_SIZE:
                        raise ProtocolError(f"envelope header of {hlen} bytes is too large")
                    if offset < 4 + hlen <= len(prefix):
                        svc.check_form(prefix[: 4 + hlen], st.length)
            svc.check_space(size)
            # Appended under the upload's lock, which re-checks the offset: of two chunks
            # sent at one offset, exactly one is taken. Read back on the worker thread: the
            # whole chunk is in memory only while it is appended.
            return _state(
                await _to_thread(lambda: svc.uploads.append(uid, offset, body.read()))
            )

    async def _spool(request: Request, limit: int) -> tempfile.SpooledTemporaryFile[bytes]:
        """The body, at most ``limit`` bytes (400 past it: more than the upload lacks), in
        memory up to ``CHUNK_SPOOL`` bytes and beyond that in an unnamed file of the
        uploads folder (nothing left behind by a crash)."""
        f = tempfile.SpooledTemporaryFile(max_size=CHUNK_SPOOL, dir=str(svc.uploads_dir))
        try:
            size = 0
            async for piece in request.stream():
                size += len(piece)
                if size > limit:
                    if limit < CHUNK_MAX:
                        raise HTTPProblem(
                            400, "malformed", "chunk goes past the announced length"
                        )
                    raise _too_large(limit)
                f.write(piece)
        except OSError:
            f.close()
            raise Busy() from None
        except BaseException:
            f.close()
            raise
        return f

    async def finish_upload(request: Request) -> Response:
        uid = _uid(request)
        running = finishing.get(uid)
        if running is not None:  # the same finish already under way here: share its result
            return JSONResponse(receipt_json(await asyncio.shield(running)))
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        finishing[uid] = fut
        try:
            receipt = await _finish(uid)
            fut.set_result(receipt)
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # retrieved: a failure no one else awaited is not an error
            raise
        finally:
            del finishing[uid]
        return JSONResponse(receipt_json(receipt))

    async def _finish(uid: str) -> Any:
        staging = svc.temp_path(f"fin-{os.urandom(8).hex()}")
        try:
            size, digest = await _to_thread(svc.uploads.take, uid, staging)
        except NotFound:
            # Finished by another request (or process): the same receipt, if it is logged.
            receipt = await _to_thread(svc.receipt_for, bytes.fromhex(uid))
            if receipt is None:
                raise
            return receipt
        try:
            with open(staging, "rb") as f:
                head = f.read(4 + MAX_HEADER_SIZE)
            item = svc.check_form(head, size, digest)
            # The integrator moves the file into the blob store (or drops it when the log
            # already holds this digest).
            return await svc.submit(item, temp=staging)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise

    # --- the log -------------------------------------------------------------------------

    async def log_checkpoint(request: Request) -> Response:
        _, cp = await _to_thread(svc.checkpoint)
        return Response(
            cp, media_type="text/plain; charset=utf-8", headers={"Cache-Control": _SHORT_CACHE}
        )

    async def log_tile(request: Request) -> Response:
        path = request.path_params["rest"]
        try:
            level, index, width, is_entries = parse_tile_path(path)
        except ProtocolError:
            raise HTTPProblem(404, "not_found", "no such tile") from None
        size, _ = await _to_thread(svc.checkpoint)
        start = index * 256
        level_size = size if is_entries else size >> (8 * level)
        available = min(256, level_size - start)
        if available < width:
            raise HTTPProblem(404, "not_found", "tile not yet in the log")
        if is_entries:
            data = encode_entry_bundle(await _to_thread(svc.store.entries, start, start + width))
        else:
            data = await _to_thread(tile_contents, level, index, width, svc.store)
        cache = _FULL_TILE_CACHE if width == 256 or width < available else _SHORT_CACHE
        return Response(
            data, media_type="application/octet-stream", headers={"Cache-Control": cache}
        )

    async def proof_inclusion(request: Request) -> Response:
        index = _int_param(request, "index")
        size = _int_param(request, "size", lo=1)
        proof = await _to_thread(svc.proof_inclusion, index, size)
        return JSONResponse({"proof": [h.hex() for h in proof]})

    async def proof_consistency(request: Request) -> Response:
        old = _int_param(request, "old")
        new = _int_param(request, "new")
        proof = await _to_thread(svc.proof_consistency, old, new)
        return JSONResponse({"proof": [h.hex() for h in proof]})

    # --- fetch ---------------------------------------------------------------------------

    async def clues(request: Request) -> Response:
        after = _int_param(request, "after", default=-1, lo=-1)
        limit = _int_param(request, "limit", default=1000, lo=1, hi=10000)
        version = _int_param(request, "v", default=1, lo=1, hi=LISTING_VERSION)
        if version == LISTING_VERSION:
            # Contiguous: every index, live or gone, with its digest (protocol/listing.py).
            every, cursor = await _to_thread(svc.store.listing_all, after, limit)
            size, _ = await _to_thread(svc.checkpoint)
            return Response(
                encode_listing([_listing_record(r) for r in every], after=after),
                media_type="application/octet-stream",
                headers={
                    "X-Tysha-Cursor": str(cursor),
                    "X-Tysha-Tree-Size": str(size),
                    "X-Tysha-Listing": str(LISTING_VERSION),
                },
            )
        rows, cursor = await _to_thread(svc.store.listing, after, limit)
        size, _ = await _to_thread(svc.checkpoint)
        records = [ClueRecord(r.index, r.clue_pub, r.clues) for r in rows]
        body = encode_clue_records(records, after=after)
        return Response(
            body,
            media_type="application/octet-stream",
            headers={"X-Tysha-Cursor": str(cursor), "X-Tysha-Tree-Size": str(size)},
        )

    async def get_envelope(request: Request) -> Response:
        index = _int_param_path(request.path_params["index"])
        row = await _to_thread(svc.store.envelope, index)
        if row is None:
            raise HTTPProblem(404, "not_found", "no envelope at that index")
        if row.gone:
            raise HTTPProblem(410, "gone", "that envelope was deleted or has expired")
        try:
            f = await _to_thread(svc.blobs.open, row.digest)
        except NotFound:
            # Live in the log, but not in the store: its record was damaged on disk (it left
            # the index, store/segments.py) or lost. Not "deleted": a desk would take that
            # for the drop hiding it. The operator is told once per entry (a segment cut
            # short or a store restored from an older copy said nothing before).
            if index not in missing and len(missing) < _MISSING_TOLD:
                missing.add(index)
                logging.getLogger("tysha.drop").error(
                    "log entry %d is live but its envelope is missing from the store (lost or"
                    " damaged on disk, or the store restored from an older copy): it answers"
                    " 410 damaged; the source may send it again",
                    index,
                )
            raise HTTPProblem(
                410, "damaged", "the drop's copy of that envelope is damaged or lost"
            ) from None
        # Streamed from the open file: a delete meanwhile cannot cut the download short.
        return StreamingResponse(
            _stream(f),
            media_type="application/octet-stream",
            headers={"X-Tysha-Digest": row.digest.hex(), "Content-Length": str(row.size)},
        )

    async def delete_envelope(request: Request) -> Response:
        index = _int_param_path(request.path_params["index"])
        obj = await _json_body(request)
        secret = obj.get("secret")
        if not isinstance(secret, str) or not _HEX64.match(secret):
            raise HTTPProblem(400, "malformed", "secret must be 64 hex characters")
        shown = bytes.fromhex(secret)
        row = await _to_thread(svc.store.envelope, index)
        if row is None:
            raise HTTPProblem(404, "not_found", "no envelope at that index")
        if row.gone:  # as the download says it (a 400 "malformed" told the desk it erred)
            if row.every_slot_deleted and row.slot_of(shown) is not None:
                # Deleted, and one of its slots' secrets shown again: a recipient whose
                # answer was lost (its process stopped, the network failed) is told what it
                # was told the first time. Expired, or a secret of none of its slots: 410.
                return JSONResponse({"deleted": True})
            raise HTTPProblem(410, "gone", "that envelope was deleted or has expired")
        done = await _to_thread(svc.delete_slot, index, shown)
        return JSONResponse({"deleted": done})

    async def openapi(request: Request) -> Response:
        return JSONResponse(OPENAPI)

    routes = [
        Route("/v1/info", wrap(info), methods=["GET"]),
        Route("/v1/envelopes", wrap(post_envelope), methods=["POST"]),
        Route("/v1/uploads", wrap(create_upload), methods=["POST"]),
        Route("/v1/uploads/{upload_id}", wrap(upload_status), methods=["GET"]),
        Route("/v1/uploads/{upload_id}", wrap(put_chunk), methods=["PUT"]),
        Route("/v1/uploads/{upload_id}/finish", wrap(finish_upload), methods=["POST"]),
        Route("/v1/proof/inclusion", wrap(proof_inclusion), methods=["GET"]),
        Route("/v1/proof/consistency", wrap(proof_consistency), methods=["GET"]),
        Route("/v1/clues", wrap(clues), methods=["GET"]),
        Route("/v1/envelopes/{index}", wrap(get_envelope), methods=["GET"]),
        Route("/v1/envelopes/{index}/delete", wrap(delete_envelope), methods=["POST"]),
        Route("/log/checkpoint", wrap(log_checkpoint), methods=["GET"]),
        # The checkpoint as cosigned by the drop's witnesses (issue 14), before the tile route.
        *witnessing_routes(svc.witnessing),
        Route("/log/{rest:path}", wrap(log_tile), methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await svc.start()
        try:
            yield
        finally:
            await svc.stop()

    async def not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "not_found", "detail": "no such resource"}, status_code=404)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "method", "detail": "method not allowed"}, status_code=405)

    async def server_error(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "internal", "detail": "internal error"}, status_code=500)

    inner: ASGIApp = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: not_allowed, 500: server_error},
    )
    inner = source_page.mount(inner)  # the browser source page (issue 11)

    async def front(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        limit = _body_limit(scope["method"], scope["path"])
        if _announced_too_large(scope["headers"], limit):
            await _send_json(send, *_problem(_too_large()))  # before a byte is read
            return
        guarded = BodyGuard(
            receive, limit, cfg.body_idle_s, cfg.body_deadline_s, _too_large, _too_slow
        )
        if scope["method"] == "POST" and scope["path"] == _INTAKE:
            await _fast_intake(svc, scope, guarded, send)
        else:
            await inner(scope, guarded, send)

    front.intake = ProtocolIntake(svc)  # type: ignore[attr-defined]
    return front


_INTAKE = "/v1/envelopes"
_JSON_HEADERS = [(b"content-type", b"application/json")]


async def _fast_intake(svc: DropService, scope: Scope, receive: Receive, send: Send) -> None:
    """``POST /v1/envelopes`` on bare ASGI (same checks and answers as the Starlette route)."""
    try:
        # Pieces joined once at the end: a body that arrives in one piece is never copied.
        pieces: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            piece = message.get("body", b"")
            pieces.append(piece)
            size += len(piece)
            if size > MAX_ONESHOT:
                raise _too_large(MAX_ONESHOT)
            if not message.get("more_body", False):
                break
        pow_hex, token = _intake_params(scope["query_string"], scope["headers"])
        status, payload = _answer(None, await svc.accept(b"".join(pieces), pow_hex, token))
    except Exception as exc:  # the one mapping (_problem), as on every other route
        status, payload = _answer(exc)
    headers = [*_JSON_HEADERS, (b"content-length", str(len(payload)).encode())]
    if status == 503:
        headers.append((b"retry-after", str(RETRY_AFTER_S).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _intake_params(
    query: bytes, headers: Iterable[tuple[bytes, bytes]]
) -> tuple[str | None, bytes | None]:
    """The intake's proof of work (``?pow=``) and anonymous token (``Authorization``)."""
    pow_hex: str | None = None
    for key, value in urllib.parse.parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if key == "pow":
            pow_hex = value
    token: bytes | None = None
    for name, raw in headers:
        if name == b"authorization":
            token = parse_private_token(raw.decode("latin-1"))
    return pow_hex, token


def _answer(exc: BaseException | None, receipt: Any = None) -> tuple[int, bytes]:
    """The intake's status and JSON body: the receipt, or the error's one mapping."""
    if exc is None:
        return 200, json.dumps(receipt_json(receipt), separators=(",", ":")).encode()
    status, obj = _problem(exc)
    return status, json.dumps(obj, separators=(",", ":")).encode()


class ProtocolIntake:
    """``POST /v1/envelopes`` for the server's HTTP protocol (``drop.server``), without ASGI.

    The protocol gathers the body itself (bounded by :attr:`limit`, with the body deadlines
    of the drop's config) and calls :meth:`answer`; the answer is the same status and bytes
    as the ASGI routes give (same checks, the same :func:`_problem` mapping). It spares each
    submission the ASGI task, the message dictionaries and the response's header checks.
    (Measured with the direct-I/O segments of the same round, the two took the drop's CPU per
    64 KiB submission from ~274 to ~205 us: docs/scale.md.)"""

    path = _INTAKE
    retry_after_s = RETRY_AFTER_S

    def __init__(self, svc: DropService) -> None:
        self.svc = svc
        self.limit = _body_limit("POST", _INTAKE)
        self.idle_s = svc.config.body_idle_s
        self.deadline_s = svc.config.body_deadline_s

    @property
    def ready(self) -> bool:
        return self.svc.accepting

    def announced_too_large(self, headers: Iterable[tuple[bytes, bytes]]) -> bool:
        return _announced_too_large(headers, self.limit)

    @staticmethod
    def too_large(limit: int | None = None) -> tuple[int, bytes]:
        """The 413 the protocol answers itself (:func:`_too_large`): status and body."""
        return _answer(_too_large(limit))

    @staticmethod
    def too_slow() -> tuple[int, bytes]:
        """The 408 the protocol answers itself (:func:`_too_slow`): status and body."""
        return _answer(_too_slow())

    def answer(
        self,
        body: bytes,
        query: bytes,
        headers: list[tuple[bytes, bytes]],
        reply: Callable[[int, bytes], None],
    ) -> None:
        """Check, stage and queue ``body``; ``reply(status, json)`` once its receipt (or
        its refusal) is known: at once for a refusal, else from the event loop later."""
        try:
            pow_hex, token = _intake_params(query, headers)
            task = self.svc.accept_soon(body, pow_hex, token)
        except Exception as exc:
            reply(*_answer(exc))
            return

        def done(f: asyncio.Future[Any]) -> None:
            if f.cancelled():
                reply(*_answer(Busy()))
            elif (exc := f.exception()) is not None:
                reply(*_answer(exc))
            else:
                reply(*_answer(None, f.result()))

        task.add_done_callback(done)


async def _send_json(send: Send, status: int, obj: dict[str, Any]) -> None:
    payload = json.dumps(obj, separators=(",", ":")).encode()
    headers = [
        *_JSON_HEADERS,
        (b"content-length", str(len(payload)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def app_from_env() -> ASGIApp:
    """The app of one server process among several (``workers`` in drop.json): uvicorn
    imports this factory in each process, given the folder by ``tysha drop serve``."""
    from tysha.transport.serving import StartupTraceback

    data = os.environ.get("TYSHA_DROP_DATA")
    if not data:
        raise RuntimeError("TYSHA_DROP_DATA is not set; start the drop with `tysha drop serve`")
    try:
        svc = DropService(
            Path(data),
            os.environ.get("TYSHA_DROP_DATABASE") or None,
            blobs=os.environ.get("TYSHA_DROP_BLOBS") or None,
        )
    except Exception as exc:
        # Said in one line, and the worker ends as one that failed to start (uvicorn's
        # STARTUP_FAILURE): the command stops, rather than starting it again for ever.
        from uvicorn.config import STARTUP_FAILURE

        why = exc.message if isinstance(exc, TyshaError) else type(exc).__name__
        logging.getLogger("uvicorn.error").error("the drop could not start: %s", why)
        raise SystemExit(STARTUP_FAILURE) from None
    # A failed startup is one line of this worker's, not uvicorn's traceback of it; the
    # command then exits with the CLI's line (tysha.drop.server.serve).
    logging.getLogger("uvicorn.error").addFilter(
        StartupTraceback(
            lambda: None
            if svc.start_failed is None
            else f"the drop could not start: {start_failure(svc)}"
        )
    )
    return create_app(svc)


def start_failure(svc: DropService) -> str:
    """Why ``svc`` could not start, in words fit for its operator (no driver text)."""
    failed = svc.start_failed
    return failed.message if isinstance(failed, TyshaError) else type(failed).__name__


def _listing_record(row: EnvelopeRow) -> ListingRecord:
    """A stored row as a version-2 listing record. Gone with every slot's deletion secret
    shown is "deleted"; gone otherwise is "expired" (with its hour: it is past retention)."""
    if not row.gone:
        return ListingRecord(row.index, row.clue_pub, row.clues, LIVE)
    if row.every_slot_deleted:
        return ListingRecord(row.index, row.clue_pub, row.clues, DELETED)
    return ListingRecord(row.index, row.clue_pub, row.clues, EXPIRED, row.hour)


def _int_param_path(raw: str) -> int:
    if not re.fullmatch(r"[0-9]{1,18}", raw):
        raise HTTPProblem(404, "not_found", "no envelope at that index")
    return int(raw)


async def _to_thread(fn: Any, *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


async def _stream(f: BinaryIO, piece: int = 1 << 18) -> AsyncIterator[bytes]:
    try:
        while data := await _to_thread(f.read, piece):
            yield data
    finally:
        f.close()
