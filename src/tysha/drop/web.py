"""The drop's HTTP face (docs/drop-api.md): intake, the C2SP tiles under /log/, fetch.

Errors map to JSON ``{"error", "detail"}`` in one place (:func:`_error`): ProtocolError → 400,
VerificationError → 403 (bad proof of work, wrong deletion secret) or 400, StorageError → 503.
No handler reads the client address; the server runs without an access log.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from tysha.drop.openapi import OPENAPI
from tysha.drop.service import CHUNK_MAX, MAX_ONESHOT, DropService
from tysha.errors import ProtocolError, StorageError, TyshaError, VerificationError
from tysha.protocol import MAX_ENVELOPE_SIZE, ClueRecord, encode_clue_records
from tysha.protocol.envelope import MAX_HEADER_SIZE
from tysha.tlog import encode_entry_bundle, parse_tile_path, tile_contents

__all__ = ["create_app"]

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


def create_app(service: DropService) -> Starlette:
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
        item = svc.check_form(body[: 4 + MAX_HEADER_SIZE], len(body))
        digest = await _to_thread(_sha256, body)
        svc.check_work(digest, request.query_params.get("pow"))
        existing = await _to_thread(svc.store.index_of, digest)
        if existing is None:
            tmp = svc.temp_path(f"one-{os.urandom(8).hex()}")
            await _write_file(tmp, body)
            await _to_thread(svc.store_blob, digest, tmp)
        receipt = await svc.submit(_with_digest(item, digest))
        return JSONResponse(receipt_json(receipt))

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
        if meta.exists():
            _, known = _meta(digest_hex)
            if known != length:
                raise HTTPProblem(
                    409, "conflict", "an upload of this digest with another length exists"
                )
        else:
            meta.write_text(str(length))
            part.touch()
        return JSONResponse({"upload": digest_hex, "offset": part.stat().st_size, "length": length})

    async def upload_status(request: Request) -> Response:
        uid = request.path_params["upload_id"]
        part, length = _meta(uid)
        return JSONResponse({"upload": uid, "offset": part.stat().st_size, "length": length})

    async def put_chunk(request: Request) -> Response:
        uid = request.path_params["upload_id"]
        part, length = _meta(uid)
        offset = _int_param(request, "offset", lo=0, hi=MAX_ENVELOPE_SIZE)
        current = part.stat().st_size
        if offset != current:
            raise HTTPProblem(409, "offset", "upload continues at another offset", offset=current)
        data = await _read_limited(request, CHUNK_MAX)
        if current + len(data) > length:
            raise HTTPProblem(400, "malformed", "chunk goes past the announced length")
        if current == 0 and data:
            # The header arrives first: refuse an envelope of the wrong form at once.
            with contextlib.suppress(ProtocolError):
                pass
        await _append(part, data)
        return JSONResponse({"upload": uid, "offset": current + len(data), "length": length})

    async def finish_upload(request: Request) -> Response:
        uid = request.path_params["upload_id"]
        part, length = _meta(uid)
        _, meta = _upload_paths(uid)
        size = part.stat().st_size
        if size != length:
            raise HTTPProblem(409, "incomplete", "upload is not complete", offset=size)
        digest = await _to_thread(_hash_file, part)
        try:
            if digest.hex() != uid:
                raise ProtocolError("uploaded bytes do not match the announced digest")
            with part.open("rb") as f:
                head = f.read(4 + MAX_HEADER_SIZE)
            item = svc.check_form(head, size)
        except ProtocolError:
            part.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            raise
        if await _to_thread(svc.store.index_of, digest) is None:
            await _to_thread(svc.store_blob, digest, part)
        else:
            part.unlink(missing_ok=True)
        receipt = await svc.submit(_with_digest(item, digest))
        meta.unlink(missing_ok=True)
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
        path = svc.blobs.path(row.digest)
        if row.gone or not path.exists():
            raise HTTPProblem(410, "gone", "that envelope was deleted or has expired")
        return FileResponse(
            path,
            media_type="application/octet-stream",
            headers={"X-Tysha-Digest": row.digest.hex()},
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

    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: not_allowed, 500: server_error},
    )


def _int_param_path(raw: str) -> int:
    if not re.fullmatch(r"[0-9]{1,18}", raw):
        raise HTTPProblem(404, "not_found", "no envelope at that index")
    return int(raw)


def _with_digest(item: Any, digest: bytes) -> Any:
    from dataclasses import replace

    return replace(item, digest=digest)


async def _to_thread(fn: Any, *args: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(fn, *args)


async def _write_file(path: Path, data: bytes) -> None:
    def write() -> None:
        with open(path, "wb") as f:
            f.write(data)

    await _to_thread(write)


async def _append(path: Path, data: bytes) -> None:
    def append() -> None:
        with open(path, "ab") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    await _to_thread(append)


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _hash_file(path: Path) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.digest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
