"""DropClient: the one client of the drop's HTTP API (docs/drop-api.md), for sources and desks.

Transports are plugins behind one small interface, :class:`Transport`: something that makes an
``httpx.Client`` for a base URL. :class:`DirectTransport` talks HTTP(S) directly;
:class:`Socks5Transport` goes through a SOCKS5 proxy (Tor's, typically ``socks5://127.0.0.1:9050``;
with ``socks5h`` semantics the proxy resolves names, so no plaintext DNS names the drop,
THREAT_MODEL A3). Hand-carried files (the courier) live in :mod:`tysha.transport.courier`.

Network failures and 5xx answers raise ``TransportError`` (nothing was acknowledged; retry
later); a refusal (4xx) raises ``ProtocolError`` or ``VerificationError`` with the drop's reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Protocol

import httpx

from tysha.errors import ProtocolError, TransportError, VerificationError
from tysha.protocol import ClueRecord, Receipt, decode_clue_records, solve_pow

__all__ = ["DirectTransport", "DropClient", "Socks5Transport", "Transport"]

Progress = Callable[[int, int], None]


class Transport(Protocol):
    """Makes the HTTP client a DropClient uses."""

    name: str

    def client(self, base_url: str, timeout: float) -> httpx.Client: ...


class DirectTransport:
    name = "direct"

    def client(self, base_url: str, timeout: float) -> httpx.Client:
        return httpx.Client(
            base_url=base_url, timeout=timeout, trust_env=False, headers={"User-Agent": "-"}
        )


class Socks5Transport:
    """Through a SOCKS5 proxy such as Tor's. The proxy resolves the drop's host name."""

    name = "socks5"

    def __init__(self, proxy_url: str) -> None:
        if not proxy_url.startswith(("socks5://", "socks5h://")):
            raise ProtocolError("a SOCKS5 proxy URL starts with socks5:// or socks5h://")
        # httpx's SOCKS support passes host names to the proxy (remote resolution).
        self.proxy_url = proxy_url.replace("socks5h://", "socks5://", 1)

    def client(self, base_url: str, timeout: float) -> httpx.Client:
        return httpx.Client(
            base_url=base_url,
            timeout=timeout,
            trust_env=False,
            proxy=self.proxy_url,
            headers={"User-Agent": "-"},
        )


def transport_from_env() -> Transport:
    """``TYSHA_PROXY=socks5://…`` selects the SOCKS5 transport; otherwise direct."""
    proxy = os.environ.get("TYSHA_PROXY")
    return Socks5Transport(proxy) if proxy else DirectTransport()


class DropClient:
    def __init__(self, url: str, transport: Transport | None = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.transport = transport or transport_from_env()
        self._http = self.transport.client(self.url, timeout)
        self._info: dict[str, Any] | None = None

    def close(self) -> None:
        self._http.close()

    def __del__(self) -> None:  # a forgotten client still closes its connections
        http = self.__dict__.get("_http")
        if http is not None:
            with contextlib.suppress(Exception):
                http.close()

    def __enter__(self) -> DropClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing --------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            resp = self._http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise TransportError(f"cannot reach the drop: {type(exc).__name__}") from None
        self._check(resp)
        return resp

    @staticmethod
    def _check(resp: httpx.Response) -> None:
        if resp.status_code < 400:
            return
        try:
            body = resp.json()
            detail = str(body.get("detail", ""))
        except ValueError:
            body, detail = {}, resp.text[:200]
        if resp.status_code >= 500:
            raise TransportError(f"the drop failed ({resp.status_code}): {detail}")
        if resp.status_code == 403:
            raise VerificationError(f"the drop refused: {detail}")
        err = ProtocolError(f"the drop refused ({resp.status_code}): {detail}")
        err.status = resp.status_code  # type: ignore[attr-defined]
        err.body = body  # type: ignore[attr-defined]
        raise err

    # --- API ---------------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        if self._info is None:
            self._info = dict(self._request("GET", "/v1/info").json())
        return self._info

    def _pow(self, digest: bytes) -> str:
        bits = int(self.info().get("pow_bits", 0))
        return solve_pow(digest, bits).hex() if bits > 0 else ""

    def upload(self, envelope: bytes | Path, progress: Progress | None = None) -> Receipt:
        """Upload an envelope (bytes or a file); one-shot when small, else resumable chunks.

        A chunked upload resumes from the drop's own offset, so calling this again after a
        broken connection sends only what is missing."""
        info = self.info()
        if isinstance(envelope, (bytes, bytearray)):
            data = bytes(envelope)
            total = len(data)
            digest = hashlib.sha256(data).digest()
            opener: Callable[[], IO[bytes]] | None = None
        else:
            path = Path(envelope)
            total = path.stat().st_size
            digest = _hash_file(path)
            data = b""
            opener = lambda: open(path, "rb")  # noqa: E731, SIM115
        pow_hex = self._pow(digest)
        if total <= int(info.get("max_oneshot", 1 << 20)):
            body = data if opener is None else _read_all(opener)
            resp = self._request(
                "POST", "/v1/envelopes", content=body, params={"pow": pow_hex} if pow_hex else None
            )
            if progress:
                progress(total, total)
            return Receipt.from_json(resp.json()["receipt"])
        resp = self._request(
            "POST", "/v1/uploads", json={"digest": digest.hex(), "length": total, "pow": pow_hex}
        )
        uid, offset = resp.json()["upload"], int(resp.json()["offset"])
        chunk = int(info.get("chunk_max", 4 << 20))
        src = opener() if opener else None
        try:
            while offset < total:
                if src is not None:
                    src.seek(offset)
                    piece = src.read(chunk)
                else:
                    piece = data[offset : offset + chunk]
                try:
                    r = self._request(
                        "PUT", f"/v1/uploads/{uid}", params={"offset": offset}, content=piece
                    )
                    offset = int(r.json()["offset"])
                except ProtocolError as exc:
                    if getattr(exc, "status", None) == 409:
                        offset = int(getattr(exc, "body", {}).get("offset", offset))
                        continue
                    raise
                if progress:
                    progress(offset, total)
        finally:
            if src is not None:
                src.close()
        r = self._request("POST", f"/v1/uploads/{uid}/finish")
        return Receipt.from_json(r.json()["receipt"])

    def clues(self, after: int = -1, limit: int = 1000) -> tuple[list[ClueRecord], int, int]:
        """One page of the clue listing: (records, next cursor, tree size)."""
        r = self._request("GET", "/v1/clues", params={"after": after, "limit": limit})
        try:
            cursor = int(r.headers["X-Tysha-Cursor"])
            size = int(r.headers["X-Tysha-Tree-Size"])
        except (KeyError, ValueError):
            raise ProtocolError("the drop's clue listing lacks its cursor headers") from None
        self.bytes_received = getattr(self, "bytes_received", 0) + len(r.content)
        return decode_clue_records(r.content, after=after), cursor, size

    def download(self, index: int, sink: IO[bytes] | Path, progress: Progress | None = None) -> int:
        """Stream the envelope at ``index`` into a file object or path; return its size."""
        try:
            with self._http.stream("GET", f"/v1/envelopes/{index}") as resp:
                if resp.status_code >= 400:
                    resp.read()
                    self._check(resp)
                total = int(resp.headers.get("content-length", 0))
                done = 0
                out = open(sink, "wb") if isinstance(sink, Path) else sink  # noqa: SIM115
                try:
                    for piece in resp.iter_bytes(1 << 16):
                        out.write(piece)
                        done += len(piece)
                        if progress:
                            progress(done, total)
                finally:
                    if isinstance(sink, Path):
                        out.close()
                return done
        except httpx.HTTPError as exc:
            raise TransportError(f"download broke: {type(exc).__name__}") from None

    def fetch_bytes(self, index: int) -> bytes:
        return self._request("GET", f"/v1/envelopes/{index}").content

    def delete(self, index: int, secret: bytes) -> bool:
        r = self._request("POST", f"/v1/envelopes/{index}/delete", json={"secret": secret.hex()})
        return bool(r.json()["deleted"])

    def checkpoint(self) -> str:
        return self._request("GET", "/log/checkpoint").text

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        r = self._request("GET", "/v1/proof/inclusion", params={"index": index, "size": size})
        return [bytes.fromhex(h) for h in r.json()["proof"]]

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        r = self._request("GET", "/v1/proof/consistency", params={"old": old, "new": new})
        return [bytes.fromhex(h) for h in r.json()["proof"]]

    def log_file(self, path: str) -> bytes:
        return self._request("GET", "/log/" + path).content


def _hash_file(path: Path) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.digest()


def _read_all(opener: Callable[[], IO[bytes]]) -> bytes:
    with opener() as f:
        return f.read()
