"""The drop's HTTP face (docs/drop-api.md): intake, the C2SP tiles under /log/, fetch.

Errors map to JSON ``{"error", "detail"}`` in one place (:func:`_error`): ProtocolError → 400,
VerificationError → 403 (bad proof of work, wrong deletion secret) or 400, StorageError → 503.
No handler reads the client address; the server runs without an access log.

The one hot route, ``POST /v1/envelopes``, is also answered by a thin ASGI front in
:func:`create_app` without Starlette's request/response objects and middleware (a quarter of
the CPU an upload costs in this process); both paths share :func:`_intake` and :func:`_error`,
so they answer the same bytes. Every other request goes to the Starlette app.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, BinaryIO

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tysha.drop import source_page
from tysha.drop.openapi import OPENAPI
from tysha.drop.service import CHUNK_MAX, MAX_ONESHOT, DropService
from tysha.errors import ProtocolError, StorageError, TyshaError, VerificationError
from tysha.protocol import MAX_ENVELOPE_SIZE, ClueRecord, encode_clue_records
from tysha.protocol.envelope import MAX_HEADER_SIZE
from tysha.tlog import encode_entry_bundle, parse_tile_path, tile_contents

__all__ = ["app_from_env", "create_app"]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FULL_TILE_CACHE = "public, max-age=31536000, immutable"
_SHORT_CACHE = "no-cache"


class HTTPProblem(Exception):
    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


def _error(exc: Exception) -> JSONResponse:
    if isinstance(exc, HTTPProblem):
        return JSONResponse(
            {"error": exc.code, "detail": exc.detail, **exc.extra}, status_code=exc.status
        )
    if isinstance(exc, VerificationError):
        return JSONResponse({"error": "forbidden", "detail": exc.message}, status_code=403)
    if isinstance(exc, ProtocolError):
        return JSONResponse({"error": "malformed", "detail": exc.message}, status_code=400)
    if isinstance(exc, StorageError):
        return JSONResponse({"error": "unavailable", "detail": exc.message}, status_code=503)
    assert isinstance(exc, TyshaError)
    return JSONResponse({"error": "refused", "detail": exc.message}, status_code=400)


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
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPProblem(413, "too_large", f"body exceeds {limit} bytes")
    buf = bytearray()
    async for piece in request.stream():
        buf += piece
        if len(buf) > limit:
            raise HTTPProblem(413, "too_large", f"body exceeds {limit} bytes")
    return bytes(buf)


def receipt_json(receipt: Any) -> dict[str, Any]:
    return {"receipt": receipt.to_json()}


def create_app(service: DropService) -> ASGIApp:
    svc = service

    def wrap(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                resp: Response = await handler(request)
                return resp
            except (HTTPProblem, TyshaError) as exc:
                return _error(exc)

        return endpoint

    async def info(request: Request) -> Response:
        size, _ = await _to_thread(svc.checkpoint)
        return JSONResponse(
            {
                "origin": svc.config.origin,
                "vkey": svc.vkey,
                "pow_bits": svc.config.pow_bits,
                "max_oneshot": MAX_ONESHOT,
                "max_envelope": MAX_ENVELOPE_SIZE,
                "chunk_max": CHUNK_MAX,
                "retention_days": svc.config.retention_days,
                "tree_size": size,
            }
        )

    async def post_envelope(request: Request) -> Response:
        body = await _read_limited(request, MAX_ONESHOT)
        return Response(
            await _intake(svc, body, request.query_params.get("pow")),
            media_type="application/json",
        )

    # --- resumable uploads ---------------------------------------------------------------

    def _upload_paths(upload_id: str) -> tuple[Path, Path]:
        if not _HEX64.match(upload_id):
            raise HTTPProblem(404, "not_found", "no such upload")
        return svc.temp_path(f"up-{upload_id}.part"), svc.temp_path(f"up-{upload_id}.meta")

    def _meta(upload_id: str) -> tuple[Path, int]:
        part, meta = _upload_paths(upload_id)
        try:
            length = int(meta.read_text())
        except (OSError, ValueError):
            raise HTTPProblem(
                404, "not_found", "no such upload (finished, discarded or never made)"
            ) from None
        return part, length

    def _offset(part: Path) -> int:
        try:
            return part.stat().st_size
        except FileNotFoundError:  # lost to a failed batch: the client starts over
            part.touch()
            return 0

    locks: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def upload_lock(upload_id: str) -> AsyncIterator[None]:
        """One request at a time per upload in this process (two clients racing on one
        upload would interleave; across processes the digest check at finish catches it)."""
        lock = locks.setdefault(upload_id, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and locks.get(upload_id) is lock:
                del locks[upload_id]

    async def create_upload(request: Request) -> Response:
        try:
            obj = await request.json()
        except ValueError:
            raise HTTPProblem(400, "malformed", "body must be JSON") from None
        if not isinstance(obj, dict):
            raise HTTPProblem(400, "malformed", "body must be a JSON object")
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
        svc.check_work(bytes.fromhex(digest_hex), pow_hex if isinstance(pow_hex, str) else None)
        part, meta = _upload_paths(digest_hex)
        async with upload_lock(digest_hex):
            if meta.exists():
                _, known = _meta(digest_hex)
                if known != length:
                    raise HTTPProblem(
                        409, "conflict", "an upload of this digest with another length exists"
                    )
            else:
                part.touch()
                staged = meta.with_suffix(".new")
                staged.write_text(str(length))
                os.replace(staged, meta)  # the upload exists once its length is whole
            offset = _offset(part)
        return JSONResponse({"upload": digest_hex, "offset": offset, "length": length})

    async def upload_status(request: Request) -> Response:
        uid = request.path_params["upload_id"]
        part, length = _meta(uid)
        return JSONResponse({"upload": uid, "offset": _offset(part), "length": length})

    async def put_chunk(request: Request) -> Response:
        uid = request.path_params["upload_id"]
        part, length = _meta(uid)
        offset = _int_param(request, "offset", lo=0, hi=MAX_ENVELOPE_SIZE)
        async with upload_lock(uid):
            current = _offset(part)
            if offset != current:
                raise HTTPProblem(
                    409, "offset", "upload continues at another offset", offset=current
                )
            data = await _read_limited(request, CHUNK_MAX)
            if current + len(data) > length:
                raise HTTPProblem(400, "malformed", "chunk goes past the announced length")
            if current == 0 and len(data) >= 4:
                # The header comes first: refuse a wrong form at once rather than at finish.
                hlen = int.from_bytes(data[:4], "big")
                if hlen > MAX_HEADER_SIZE:
                    raise ProtocolError(f"envelope header of {hlen} bytes is too large")
                if len(data) >= 4 + hlen:
                    svc.check_form(data[: 4 + hlen], length)
            await _append(part, data)
            return JSONResponse({"upload": uid, "offset": current + len(data), "length": length})

    async def finish_upload(request: Request) -> Response:
        uid = request.path_params["upload_id"]
        part, length = _meta(uid)
        _, meta = _upload_paths(uid)
        async with upload_lock(uid):
            size = _offset(part)
            if size != length:
                raise HTTPProblem(409, "incomplete", "upload is not complete", offset=size)
            digest = await _to_thread(_hash_file, part)
            try:
                if digest.hex() != uid:
                    raise ProtocolError("uploaded bytes do not match the announced digest")
                with part.open("rb") as f:
                    head = f.read(4 + MAX_HEADER_SIZE)
                item = svc.check_form(head, size, digest)
            except ProtocolError:
                part.unlink(missing_ok=True)
                meta.unlink(missing_ok=True)
                raise
            # The integrator moves the part into the blob folder (or drops it when the log
            # already holds this digest); the upload record goes once the receipt exists.
            receipt = await svc.submit(item, temp=part)
            meta.unlink(missing_ok=True)
            part.unlink(missing_ok=True)
        return JSONResponse(receipt_json(receipt))

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
            f = await _to_thread(open, svc.blobs.path(row.digest), "rb")
        except FileNotFoundError:
            raise HTTPProblem(410, "gone", "that envelope was deleted or has expired") from None
        # Streamed from the open file: a delete meanwhile cannot cut the download short.
        return StreamingResponse(
            _stream(f),
            media_type="application/octet-stream",
            headers={"X-Tysha-Digest": row.digest.hex(), "Content-Length": str(row.size)},
        )

    async def delete_envelope(request: Request) -> Response:
        index = _int_param_path(request.path_params["index"])
        try:
            obj = await request.json()
        except ValueError:
            raise HTTPProblem(400, "malformed", "body must be JSON") from None
        secret = obj.get("secret") if isinstance(obj, dict) else None
        if not isinstance(secret, str) or not _HEX64.match(secret):
            raise HTTPProblem(400, "malformed", "secret must be 64 hex characters")
        if await _to_thread(svc.store.envelope, index) is None:
            raise HTTPProblem(404, "not_found", "no envelope at that index")
        done = await _to_thread(svc.delete_slot, index, bytes.fromhex(secret))
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
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == _INTAKE:
            await _fast_intake(svc, scope, receive, send)
        else:
            await inner(scope, receive, send)

    return front


_INTAKE = "/v1/envelopes"
_JSON_HEADERS = [(b"content-type", b"application/json")]


async def _intake(svc: DropService, body: bytes, pow_hex: str | None) -> bytes:
    """One-shot intake (:meth:`DropService.accept`); returns the JSON receipt."""
    receipt = await svc.accept(body, pow_hex)
    return json.dumps(receipt_json(receipt), separators=(",", ":")).encode()


async def _fast_intake(svc: DropService, scope: Scope, receive: Receive, send: Send) -> None:
    """``POST /v1/envelopes`` on bare ASGI (same checks and answers as the Starlette route)."""
    status, payload = 200, b""
    try:
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > MAX_ONESHOT:
                raise HTTPProblem(413, "too_large", f"body exceeds {MAX_ONESHOT} bytes")
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_ONESHOT:
                raise HTTPProblem(413, "too_large", f"body exceeds {MAX_ONESHOT} bytes")
            if not message.get("more_body", False):
                break
        pow_hex = None
        for key, value in urllib.parse.parse_qsl(
            scope["query_string"].decode("latin-1"), keep_blank_values=True
        ):
            if key == "pow":
                pow_hex = value
        payload = await _intake(svc, bytes(body), pow_hex)
    except (HTTPProblem, TyshaError) as exc:
        err = _error(exc)
        status, payload = err.status_code, bytes(err.body)
    except Exception:
        logging.getLogger("tysha.drop").exception("intake failed")
        status, payload = 500, b'{"error":"internal","detail":"internal error"}'
    headers = [*_JSON_HEADERS, (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def app_from_env() -> ASGIApp:
    """The app of one server process among several (``workers`` in drop.json): uvicorn
    imports this factory in each process, given the folder by ``tysha drop serve``."""
    data = os.environ.get("TYSHA_DROP_DATA")
    if not data:
        raise RuntimeError("TYSHA_DROP_DATA is not set; start the drop with `tysha drop serve`")
    return create_app(DropService(Path(data), os.environ.get("TYSHA_DROP_DATABASE") or None))


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


async def _append(path: Path, data: bytes) -> None:
    def append() -> None:
        with open(path, "ab") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    await _to_thread(append)


def _hash_file(path: Path) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.digest()
