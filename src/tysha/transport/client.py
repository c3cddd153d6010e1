"""DropClient: the one client of the drop's HTTP API (docs/drop-api.md), for sources and desks.

Transports are plugins behind one small interface, :class:`Transport`: something that makes an
``httpx.Client`` for a base URL. :class:`DirectTransport` talks HTTP(S) directly;
:class:`Socks5Transport` goes through a SOCKS5 proxy (Tor's, typically ``socks5://127.0.0.1:9050``;
with ``socks5h`` semantics the proxy resolves names, so no plaintext DNS names the drop,
THREAT_MODEL A3). Hand-carried files (the courier) live in :mod:`tysha.transport.courier`.

Network failures raise ``TransportError`` (nothing was acknowledged; retry later); any answer
with an error status raises :class:`~tysha.errors.DropRefused` (a ``TransportError``) carrying
the HTTP ``status`` and the drop's JSON ``body`` as typed fields. What the drop *says* is
never trusted further than it can be checked: :meth:`DropClient.listing` bounds every page and
refuses a cursor that does not advance or runs past the verified checkpoint
(``VerificationError``), so a lying drop can neither hang a client nor make it skip entries;
:meth:`DropClient.audited_page` also accounts for every index of a page (the verifiable
listing, :mod:`tysha.protocol.listing`), so an omitted entry is named, and
:meth:`DropClient.proved_entry` reads the log's own entry at an index, proved against the
verified root.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import secrets
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol, TypeGuard, TypeVar
from urllib.parse import unquote, urlsplit

import certifi
import httpx
import socksio

from tysha.errors import (
    DropRefused,
    ProtocolError,
    StorageError,
    TransportError,
    VerificationError,
)
from tysha.protocol import ClueRecord, Receipt, decode_clue_records, solve_pow
from tysha.protocol.envelope import CLUE_SIZE, MAX_ENVELOPE_SIZE, MAX_SLOTS
from tysha.protocol.listing import (
    LISTING_VERSION,
    ListingRecord,
    PageAudit,
    audit_page,
    decode_listing,
    proved_entries,
)
from tysha.protocol.listing import RECORD_MAX as LISTING_RECORD_MAX
from tysha.protocol.pow import MAX_TOTAL_BITS, work_bits
from tysha.tlog import (
    TILE_WIDTH,
    Checkpoint,
    TileHashReader,
    consistency_proof,
    decode_entry_bundle,
    entries_path,
)

__all__ = [
    "DirectTransport",
    "DropClient",
    "Socks5Transport",
    "TorTransport",
    "Transport",
    "is_http_url",
    "is_onion",
    "tls_context",
    "wait_answering",
    "transport_for",
]

Progress = Callable[[int, int], None]
_T = TypeVar("_T")

#: What a request raises when the network or the proxy fails: httpx's errors, and socksio's
#: for a "SOCKS proxy" that answers no SOCKS (an HTTP proxy, Tor's control port, a port that
#: hangs up), which httpcore lets through as they are.
NETWORK_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError, socksio.ProtocolError)


class Transport(Protocol):
    """Makes the HTTP client a DropClient uses."""

    name: str

    def client(self, base_url: str, timeout: float) -> httpx.Client: ...


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one TLS context of this process's HTTP clients (drops, witnesses and timestamp
    authorities behind HTTPS): certificate checks against certifi's roots, as httpx does by
    default. Loading those roots costs ~25 ms of CPU, which httpx would pay again for every
    client; an ``SSLContext`` is made to be shared."""
    return ssl.create_default_context(cafile=certifi.where())


def wait_answering(
    url: str, proc: subprocess.Popen[bytes] | None, what: str, timeout: float = 30
) -> None:
    """Poll ``url`` every 50 ms until it answers 200, while ``proc`` (the server started for
    it, if any) lives; ``RuntimeError`` naming ``what`` when it exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    # One client for the whole wait (a client per poll would load the CA roots every 50 ms).
    with httpx.Client(timeout=1, trust_env=False, verify=tls_context()) as http:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}")
            try:
                if http.get(url).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready")


class DirectTransport:
    name = "direct"

    def client(self, base_url: str, timeout: float) -> httpx.Client:
        return httpx.Client(
            base_url=base_url, timeout=timeout, trust_env=False, headers={"User-Agent": "-"},
            verify=tls_context(),
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
            verify=tls_context(),
        )


class TorTransport(Socks5Transport):
    """Through a Tor SOCKS port, with stream isolation per drop.

    Each drop (host and port) gets its own random SOCKS username/password for the life of this
    object; Tor's ``IsolateSOCKSAuth`` (on by default for every SocksPort) then never puts
    streams to two drops on one circuit, so no relay can link a source's use of one drop to
    another."""

    name = "tor"

    def __init__(self, socks_url: str = "socks5://127.0.0.1:9050") -> None:
        super().__init__(socks_url)
        self._creds: dict[str, str] = {}

    def credentials(self, host: str) -> str:
        if host not in self._creds:
            self._creds[host] = secrets.token_hex(20)
        return self._creds[host]

    def client(
        self, base_url: str, timeout: float, isolation: str | None = None
    ) -> httpx.Client:
        """A client for one drop, on that drop's isolation key, or on ``isolation`` (random
        credentials of a circuit of its own, :meth:`DropClient.new_circuit`)."""
        # One drop = one host and port (two drops may share a host name or address).
        token = isolation or self.credentials(urlsplit(base_url).netloc.lower())
        # Random, both of them: they travel in clear to the proxy (RFC 1929) and Tor lists
        # them to its control port (SOCKS_USERNAME), so nothing in them may name the app.
        proxy = httpx.Proxy(self.proxy_url, auth=(token[:16], token[16:]))
        return httpx.Client(
            base_url=base_url,
            timeout=timeout,
            trust_env=False,
            proxy=proxy,
            headers={"User-Agent": "-"},
            verify=tls_context(),
        )


class AnswerTooLong(Exception):
    """Raised by :func:`read_capped`: the answer passed its limit."""


class AnswerTooSlow(Exception):
    """Raised by :func:`read_capped`: the answer came too slowly."""


def read_capped(resp: httpx.Response, limit: int, too_slow: Callable[[int], bool]) -> bytes:
    """The body of a streamed answer, read as it arrives (a per-read timeout alone lets a peer
    drip a byte at a time for ever): :class:`AnswerTooLong` once it passes ``limit`` bytes,
    :class:`AnswerTooSlow` once ``too_slow(bytes so far)`` says so. The caller says what each
    means to a person."""
    buf = bytearray()
    for piece in resp.iter_bytes():
        buf += piece
        if len(buf) > limit:
            raise AnswerTooLong
        if too_slow(len(buf)):
            raise AnswerTooSlow
    return bytes(buf)


def is_onion(url: str) -> bool:
    """Whether ``url`` names an onion service: a name that must never reach a DNS resolver.

    The host is read as httpx, which connects, reads it (IDNA: a fullwidth or ideographic
    full stop is a dot) and as urllib reads it, with percent-escapes undone and trailing
    dots, spaces or other marks ignored: ``x．onion``, ``x.onion%2e`` and ``x%2Eonion`` are
    onion addresses (httpx would hand them to the resolver as they are). A URL neither can
    read is not one (httpx cannot connect to it either)."""
    hosts: list[str] = []
    with contextlib.suppress(ValueError):
        hosts.append(urlsplit(url).hostname or "")
    with contextlib.suppress(httpx.InvalidURL):
        hosts.append(httpx.URL(url).host)
    for host in hosts:
        name = re.sub(r"[^a-z0-9]+$", "", unquote(host).lower())
        if name == "onion" or name.endswith(".onion"):
            return True
    return False


def is_http_url(url: str) -> bool:
    """Whether ``url`` is an http(s) address with a host that the HTTP client (and the
    transports, which read its host with urllib) can read: a bracketed host that is no IPv6
    address, or a port that is no number, is not."""
    try:
        parsed = httpx.URL(url)
        urlsplit(url).port  # noqa: B018 - raises ValueError on what urllib cannot read
    except (httpx.InvalidURL, ValueError):
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)


#: One TorTransport per SOCKS URL per process, so each drop keeps one isolation identity.
_TOR: dict[str, TorTransport] = {}


def tor_from_env() -> TorTransport | None:
    """``TYSHA_TOR=socks5://127.0.0.1:9050`` (set by ``--tor``): the local Tor to use."""
    url = os.environ.get("TYSHA_TOR")
    if not url:
        return None
    if url not in _TOR:
        _TOR[url] = TorTransport(url)
    return _TOR[url]


def transport_for(url: str, tor_only: bool = False) -> Transport:
    """The transport for one drop address; never a silent fallback to a direct connection.

    * a ``.onion`` address only through Tor (``--tor``/``TYSHA_TOR``) or ``TYSHA_PROXY``;
      without either it is refused (``TransportError``: nothing sent, the outbox keeps all);
    * with ``--tor`` every address, clearnet too, goes through Tor;
    * ``tor_only`` (an invitation that lists an onion address asks for Tor): a clearnet
      address is then refused rather than reached directly."""
    tor = tor_from_env()
    if tor is not None:
        return tor
    proxy = os.environ.get("TYSHA_PROXY")
    if proxy:
        return Socks5Transport(proxy)
    if is_onion(url):
        raise TransportError(
            "a .onion drop is reached only through Tor: start Tor and use --tor"
            " (nothing was sent; everything stays in the outbox)"
        )
    if tor_only:
        raise TransportError(
            "this invitation asks for Tor: use --tor (nothing was sent; everything stays"
            " in the outbox)"
        )
    return DirectTransport()


def transport_from_env() -> Transport:
    """``TYSHA_TOR`` (Tor, isolated per drop), else ``TYSHA_PROXY=socks5://…``, else direct."""
    tor = tor_from_env()
    if tor is not None:
        return tor
    proxy = os.environ.get("TYSHA_PROXY")
    return Socks5Transport(proxy) if proxy else DirectTransport()


class DropClient:
    def __init__(self, url: str, transport: Transport | None = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        # A refused route is kept and raised on the first request, so that one drop that
        # cannot be reached this way never stops a loop over several (desk fetch).
        self._refusal: TransportError | None = None
        if transport is not None and is_onion(self.url) and transport.name == "direct":
            self._refusal = TransportError("a .onion drop is reached only through Tor")
        elif transport is None:
            try:
                transport = transport_for(self.url)
            except TransportError as exc:
                self._refusal = exc
        self.transport: Transport = transport or DirectTransport()
        self.timeout = timeout
        if not is_http_url(self.url):
            # No route reaches an address no client can read: refused like a route.
            self._refusal = TransportError("the drop address is not a valid URL")
        self._http = self.transport.client(self.url if self._refusal is None else "", timeout)
        self._info: dict[str, Any] | None = None

    def close(self) -> None:
        self._http.close()

    def __del__(self) -> None:  # a forgotten client still closes its connections
        http = self.__dict__.get("_http")
        if http is not None:
            with contextlib.suppress(Exception):
                http.close()

    def new_circuit(self) -> None:
        """Through Tor: what this client asks from here on goes over a circuit of its own,
        with new random SOCKS credentials (Tor's ``IsolateSOCKSAuth``) on a new connection, so
        it shares no circuit (exit, rendezvous) with what it asked before. A source's send
        does this for each envelope (:meth:`tysha.source.device.Device.send`): the drop does
        not get all of a reporter's reports on one circuit, as one person's. Through any other
        route (direct, a plain SOCKS proxy) nothing changes."""
        if self._refusal is not None or not isinstance(self.transport, TorTransport):
            return
        old = self._http
        self._http = self.transport.client(self.url, self.timeout, secrets.token_hex(20))
        old.close()

    def __enter__(self) -> DropClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing --------------------------------------------------------------------------

    def _guard(self) -> None:
        if self._refusal is not None:
            raise TransportError(self._refusal.message)

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """A request whose answer is small JSON (receipts, upload state, deletions): read
        no further than :data:`_ANSWER_MAX` bytes."""
        return self._bounded(path, _ANSWER_MAX, method=method, **kw)

    @staticmethod
    def _check(resp: httpx.Response) -> None:
        if resp.status_code < 400:
            return
        body: dict[str, object] = {}
        try:
            obj = json.loads(resp.content)
        except (ValueError, RecursionError):
            obj = None
        if isinstance(obj, dict):
            body = obj
        # The drop is untrusted: its words reach a person only as one short printable line.
        detail = "".join(c for c in str(body.get("detail", ""))[:200] if c.isprintable())
        raise DropRefused(
            f"the drop refused ({resp.status_code}): {detail or 'no reason given'}",
            status=resp.status_code,
            body=body,
        )

    # --- API ---------------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        if self._info is None:
            resp = self._bounded("/v1/info", _ANSWER_MAX)
            self._info = _parse(resp, "info", dict)
        return self._info

    def _pow(self, digest: bytes, length: int, bits: int | None = None, fresh: bool = True) -> str:
        """Work for ``length`` bytes at the drop's published price (:mod:`tysha.drop.work`),
        or at ``bits`` when the drop asked for more since (its load rose)."""
        if bits is None:
            info = self.info()
            base, unit, load = (
                _int_field(info, "pow_bits"),
                _int_field(info, "pow_unit", 1 << 16),
                _int_field(info, "pow_load_bits"),
            )
            bits = work_bits(length, base, unit, load)
        if not 0 <= bits <= MAX_TOTAL_BITS:  # a lying drop must not make us spin for hours
            raise VerificationError(f"the drop asks for an unreasonable proof of work ({bits})")
        # Asked again: the first nonce may be one the drop counts as spent (an upload it threw
        # away), so the search starts somewhere else.
        start = 0 if fresh else secrets.randbits(48)
        return solve_pow(digest, bits, start).hex() if bits > 0 else ""

    def _check_room(self) -> None:
        """Refuse as the drop's 507 would when its info says it is out of storage (a stale
        "out" is read again once: space may have been freed since)."""
        if self.info().get("out_of_storage") is not True:
            return
        self._info = None
        if self.info().get("out_of_storage") is True:
            raise DropRefused(
                "the drop is out of storage now; nothing was sent",
                status=507,
                body={"error": "insufficient_storage"},
            )

    def _with_work(
        self, digest: bytes, length: int, send: Callable[[str], httpx.Response]
    ) -> httpx.Response:
        """Send with work; when the drop's price rose meanwhile, solve once more for it.
        A drop whose info says it is out of storage is not sent to: it would answer 507
        only after the work was done and the envelope sent."""
        self._check_room()
        try:
            return send(self._pow(digest, length))
        except DropRefused as exc:
            asked = exc.body.get("pow_bits")
            if exc.status != 403 or exc.body.get("error") != "work" or not isinstance(asked, int):
                raise
            return send(self._pow(digest, length, asked, fresh=False))

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
        # One request only for what a chunk would carry: a larger envelope cut off midway
        # keeps, in resumable pieces, what got through.
        if total <= min(_int_field(info, "max_oneshot", 1 << 20), _CHUNK_SEND):
            body = data if opener is None else _read_all(opener)
            resp = self._with_work(
                digest,
                total,
                lambda pow_hex: self._request(
                    "POST",
                    "/v1/envelopes",
                    content=body,
                    params={"pow": pow_hex} if pow_hex else None,
                ),
            )
            if progress:
                progress(total, total)
            return _parse(resp, "upload", lambda obj: Receipt.from_json(obj["receipt"]))
        done = self._finished(digest)
        if done is not None:
            return done
        resp = self._with_work(
            digest,
            total,
            lambda pow_hex: self._request(
                "POST",
                "/v1/uploads",
                json={"digest": digest.hex(), "length": total, "pow": pow_hex},
            ),
        )
        uid, offset = _parse(
            resp, "upload", lambda obj: (obj["upload"], _offset(obj["offset"], total))
        )
        if not isinstance(uid, str) or not _UPLOAD_ID.fullmatch(uid):
            raise ProtocolError("the drop's upload answer names no valid upload")
        chunk = _int_field(info, "chunk_max", 4 << 20)
        if not _CHUNK_MIN <= chunk <= _CHUNK_MAX:
            # 0 would loop forever, a few bytes nearly so: the drop's word is not taken.
            raise ProtocolError(f"the drop asks for an unreasonable chunk size ({chunk})")
        # A chunk cut off midway is sent again whole: never more than _CHUNK_SEND at a time,
        # so a connection that breaks every few MiB still gets a large photo through.
        chunk = min(chunk, _CHUNK_SEND)
        src = opener() if opener else None
        # Every accepted chunk advances; a drop that keeps rewinding us (409 with an earlier
        # offset) gets twice the chunks the envelope needs, and a few more, then no more.
        budget = 2 * (-(-total // chunk)) + 16
        try:
            while offset < total:
                budget -= 1
                if budget < 0:
                    raise ProtocolError("the drop keeps rewinding this upload; stopped")
                if src is not None:
                    src.seek(offset)
                    piece = src.read(chunk)
                else:
                    piece = data[offset : offset + chunk]
                try:
                    r = self._request(
                        "PUT", f"/v1/uploads/{uid}", params={"offset": offset}, content=piece
                    )
                    told_ok = _parse(r, "upload chunk", lambda obj: _offset(obj["offset"], total))
                    if told_ok <= offset:
                        # Accepted, yet no further: a drop that says so would loop us forever.
                        raise ProtocolError(
                            "the drop accepted a chunk but its offset did not advance"
                        )
                    offset = told_ok
                except DropRefused as exc:
                    told = exc.body.get("offset")
                    if exc.status != 409 or not _is_offset(told, total):
                        raise
                    if told == offset:  # a drop that repeats itself would loop us forever
                        raise
                    offset = told
                    continue
                if progress:
                    progress(offset, total)
        finally:
            if src is not None:
                src.close()
        r = self._request("POST", f"/v1/uploads/{uid}/finish")
        return _parse(r, "upload finish", lambda obj: Receipt.from_json(obj["receipt"]))

    def _finished(self, digest: bytes) -> Receipt | None:
        """The receipt of an upload an earlier try sent whole (or the drop logged) when only
        the answer to its last step was lost, without sending it again; None otherwise (no
        such upload, or not all of it: it is resumed)."""
        try:
            r = self._request("POST", f"/v1/uploads/{digest.hex()}/finish")
            return _parse(r, "upload finish", lambda obj: Receipt.from_json(obj["receipt"]))
        except DropRefused as exc:
            if (exc.status or 500) >= 500:
                raise
            return None
        except ProtocolError:
            return None

    #: The most records one listing page may hold, whatever the drop sends.
    PAGE_MAX = 10000

    def audited_page(
        self,
        after: int,
        checkpoint: Checkpoint,
        limit: int = 1000,
        *,
        now_hour: int,
        retention_hours: int,
        fresh_from: int | None = None,
        fresh_hour: int | None = None,
    ) -> tuple[PageAudit, int]:
        """One page of the listing after ``after``, every index of it accounted for against a
        checkpoint the caller has VERIFIED (signature and consistency): ``(audit, end)``.

        ``end`` is the last index the page covers (never at or past ``checkpoint.size``);
        every index in ``(after, end]`` is either in ``audit.records`` or in
        ``audit.problems`` (omitted, falsely expired: see
        :func:`tysha.protocol.listing.audit_page`). ``VerificationError`` (and nothing
        usable) when the page cannot be checked: a cursor that does not advance, runs
        backwards or names records outside its page, a page larger than asked. A drop
        without the verifiable listing (version 1) gives an audit with ``verifiable`` False:
        omissions cannot be seen there (the caller says so).
        """
        size = checkpoint.size
        last = size - 1
        if not -1 <= after < last:
            raise VerificationError("nothing of the verified log is left after that cursor")
        limit = max(1, min(limit, self.PAGE_MAX))
        records, nxt, _size = self.clues(after, limit)
        if nxt <= after:
            raise VerificationError(
                "the drop's listing cursor does not advance (it stops short of the verified log)"
            )
        if len(records) > limit or nxt - after > limit:
            raise VerificationError("the drop sent a listing page larger than asked")
        if any(not after < r.index <= nxt for r in records):
            raise VerificationError("the drop's listing holds records outside the page it names")
        # Entries after the verified checkpoint wait for the next one (never reported, and
        # never a cursor past it: nothing is skipped once the drop turns honest).
        end = min(nxt, last)
        covered = [r for r in records if r.index <= end]
        if not all(isinstance(r, ListingRecord) for r in covered):
            legacy = [ListingRecord(r.index, r.clue_pub, r.clues) for r in covered]
            return PageAudit(records=legacy, verifiable=False), end
        audit = audit_page(
            [r for r in covered if isinstance(r, ListingRecord)],
            after,
            end,
            size,
            now_hour,
            retention_hours,
            fresh_from,
            fresh_hour,
        )
        return audit, end

    def tile_reader(self, size: int) -> TileHashReader:
        """The drop's hash tiles for a tree of ``size`` (untrusted until a root is compared)."""
        return TileHashReader(lambda path: self._bounded("/log/" + path, _TILE_MAX).content, size)

    def proved_entry(self, index: int, checkpoint: Checkpoint) -> bytes:
        """The log's entry (the envelope digest) at ``index``, proved against a VERIFIED
        checkpoint: its entry bundle, with the rest of the tree from the drop's tiles, must
        give the checkpoint's root (``VerificationError`` otherwise). Bundles are kept per
        client, so the entries of one tile cost one request."""
        size = checkpoint.size
        if not 0 <= index < size:
            raise VerificationError(f"entry {index} is not in the verified log ({size})")
        tile = index // TILE_WIDTH
        cache: dict[tuple[int, bytes, int], list[bytes]] = self.__dict__.setdefault(
            "_entries", {}
        )
        key = (size, checkpoint.root_hash, tile)
        if key not in cache:
            width = min(TILE_WIDTH, size - tile * TILE_WIDTH)
            data = self._bounded("/log/" + entries_path(tile, width), _BUNDLE_MAX).content
            try:
                bundle = decode_entry_bundle(data, width)
            except ProtocolError as exc:
                raise VerificationError(f"the drop's entry bundle is malformed: {exc}") from None
            cache[key] = proved_entries(
                size, checkpoint.root_hash, tile * TILE_WIDTH, bundle, self.tile_reader(size)
            )
        return cache[key][index - tile * TILE_WIDTH]

    def listing(
        self, after: int, verified_size: int, limit: int = 1000
    ) -> Iterator[tuple[list[ClueRecord], int]]:
        """The clue listing after ``after``, page by page, checked against a checkpoint the
        caller has VERIFIED (signature and consistency) of ``verified_size`` entries.

        Yields ``(records, cursor)``; persist ``cursor`` only after handling ``records``.
        Every page is checked before it is yielded, and ``VerificationError`` is raised
        (nothing of that page yielded) when the drop lies:

        * the cursor does not strictly advance on a non-empty answer, or moves backwards;
        * the cursor, or a record's index, is at or beyond ``verified_size`` (entries not
          covered by the verified checkpoint are never reported, and a cursor past it is
          never handed out, so nothing is skipped once the drop turns honest);
        * a record's index is not in ``(after, cursor]``, or indices do not increase;
        * a page holds more than ``limit`` records.

        It stops when the cursor reaches ``verified_size - 1``; a drop cannot keep a client
        looping (every page advances, and there are at most ``verified_size`` entries). A
        saved cursor at or past ``verified_size`` yields nothing: clamp it to
        ``verified_size - 1`` before calling. This checks the cursor only: omitted and
        what a record stands for is checked by :meth:`audited_page` and :meth:`proved_entry`."""
        limit = max(1, min(limit, self.PAGE_MAX))
        cursor = after
        while cursor < verified_size - 1:
            records, nxt, _size = self.clues(cursor, limit)
            if nxt < cursor:
                raise VerificationError("the drop's listing cursor went backwards")
            if nxt >= verified_size:
                raise VerificationError(
                    f"the drop's listing cursor ({nxt}) runs ahead of the verified log"
                    f" ({verified_size} entries)"
                )
            if len(records) > limit:
                raise VerificationError("the drop sent a listing page larger than asked")
            last = cursor
            for rec in records:
                if not last < rec.index <= nxt:
                    raise VerificationError("the drop's listing is out of order or out of range")
                last = rec.index
            if nxt == cursor:
                # The verified checkpoint covers entries up to verified_size - 1, and the
                # drop's own log only grows: an honest listing always gets there.
                raise VerificationError(
                    "the drop's listing cursor does not advance (it stops short of the"
                    " verified log)"
                )
            yield records, nxt
            cursor = nxt

    def _bounded(self, path: str, cap: int, method: str = "GET", **kw: Any) -> httpx.Response:
        """A request (GET unless told) whose answer may not exceed ``cap`` bytes (a lying
        drop cannot make a client hold or wait for an endless answer)."""
        self._guard()
        try:
            with self._http.stream(method, path, **kw) as resp:
                limit = cap if resp.status_code < 400 else 1 << 16
                body = self._read_capped(resp, limit)
            # The body is decoded already: a Content-Encoding kept would decode it again.
            headers = [(k, v) for k, v in resp.headers.multi_items()
                       if k.lower() != "content-encoding"]  # fmt: skip
            out = httpx.Response(resp.status_code, headers=headers, content=body)
        except NETWORK_ERRORS as exc:
            raise TransportError(f"cannot reach the drop: {self._failure(exc)}") from None
        self._check(out)
        return out

    def _failure(self, exc: Exception) -> str:
        """:func:`_kind`, except that through a proxy a connection that cannot be made is the
        proxy's (the drop's own failures come back as the proxy's refusal): most often Tor
        not started on the device, said as such - not a drop to wait for."""
        proxy = getattr(self.transport, "proxy_url", None)
        if proxy and isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            where = urlsplit(proxy)
            return (
                f"the proxy (Tor) at {where.hostname}:{where.port} cannot be reached; start "
                "Tor, or check TYSHA_TOR and TYSHA_PROXY"
            )
        return _kind(exc)

    def _paced(self, start: float, done: int) -> None:
        """Raise TransportError when an answer of ``done`` bytes so far has taken longer than
        the timeout plus what :data:`_MIN_RATE` allows: the timeout alone bounds each read,
        so a drop trickling a byte now and then would hold the client forever."""
        if time.monotonic() - start > self.timeout + done / _MIN_RATE:
            raise TransportError("the drop answers too slowly (under 1 KiB/s); try again later")

    def _read_capped(self, resp: httpx.Response, limit: int) -> bytes:
        """The body of ``resp``: at most ``limit`` bytes, at the pace :meth:`_paced` asks."""
        start = time.monotonic()

        def too_slow(done: int) -> bool:
            self._paced(start, done)  # raises TransportError, which says why
            return False

        try:
            return read_capped(resp, limit, too_slow)
        except AnswerTooLong:
            raise VerificationError(
                "the drop sent a longer answer than the protocol allows"
            ) from None

    def clues(self, after: int = -1, limit: int = 1000) -> tuple[list[ClueRecord], int, int]:
        """One page of the clue listing: (records, next cursor, tree size).

        Asks for the verifiable listing (version 2: every index, live or gone, as
        :class:`~tysha.protocol.listing.ListingRecord`); a drop that does not serve it
        answers version 1 (live :class:`ClueRecord` only), and ``listing_version`` says
        which one came."""
        limit = max(1, min(int(limit), self.PAGE_MAX))
        r = self._bounded(
            "/v1/clues",
            limit * LISTING_RECORD_MAX + 64,
            params={"after": after, "limit": limit, "v": LISTING_VERSION},
        )
        try:
            cursor = int(r.headers["X-Tysha-Cursor"])
            size = int(r.headers["X-Tysha-Tree-Size"])
        except (KeyError, ValueError):
            raise ProtocolError("the drop's clue listing lacks its cursor headers") from None
        self.bytes_received = getattr(self, "bytes_received", 0) + len(r.content)
        if r.headers.get("X-Tysha-Listing") == str(LISTING_VERSION):
            self.listing_version = LISTING_VERSION
            return list(decode_listing(r.content, after=after)), cursor, size
        self.listing_version = 1
        if len(r.content) > limit * _RECORD_MAX + 64:
            raise VerificationError("the drop sent a longer answer than the protocol allows")
        return decode_clue_records(r.content, after=after), cursor, size

    def download(self, index: int, sink: IO[bytes] | Path, progress: Progress | None = None) -> int:
        """Stream the envelope at ``index`` into a file object or path; return its size."""
        self._guard()
        try:
            with self._http.stream("GET", f"/v1/envelopes/{index}") as resp:
                if resp.status_code >= 400:
                    body = self._read_capped(resp, 1 << 16)
                    self._check(httpx.Response(resp.status_code, content=body))
                start = time.monotonic()
                length = resp.headers.get("content-length", "")
                total = int(length) if length.isascii() and length.isdigit() else 0
                done = 0
                out = open(sink, "wb") if isinstance(sink, Path) else sink  # noqa: SIM115
                try:
                    for piece in resp.iter_bytes():
                        done += len(piece)
                        if done > MAX_ENVELOPE_SIZE:
                            raise VerificationError(
                                "the drop sent more bytes than an envelope can have"
                            )
                        out.write(piece)
                        self._paced(start, done)
                        if progress:
                            progress(done, total)
                finally:
                    if isinstance(sink, Path):
                        out.close()
                return done
        except NETWORK_ERRORS as exc:
            raise TransportError(f"download broke: {self._failure(exc)}") from None

    def fetch_bytes(self, index: int) -> bytes:
        return self._bounded(f"/v1/envelopes/{index}", MAX_ENVELOPE_SIZE).content

    def delete(self, index: int, secret: bytes) -> bool:
        r = self._request("POST", f"/v1/envelopes/{index}/delete", json={"secret": secret.hex()})
        return _parse(r, "delete", lambda obj: _flag(obj["deleted"]))

    def checkpoint(self) -> str:
        """The drop's checkpoint note (untrusted until its signature is checked)."""
        return self._bounded("/log/checkpoint", _NOTE_MAX).text

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        r = self._bounded(
            "/v1/proof/inclusion", _PROOF_ANSWER_MAX, params={"index": index, "size": size}
        )
        return _parse(r, "inclusion proof", lambda obj: _hashes(obj["proof"]))

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        r = self._bounded(
            "/v1/proof/consistency", _PROOF_ANSWER_MAX, params={"old": old, "new": new}
        )
        return _parse(r, "consistency proof", lambda obj: _hashes(obj["proof"]))

    def tiled_consistency(self, old: int, new: int) -> list[bytes]:
        """A consistency proof from ``old`` to ``new``, worked out here from the log's hash
        tiles at ``new`` (untrusted: verify it against both roots, as any proof).

        A source's ``old`` is the log's size at its last receipt, that is the index of its
        own last report: asked of the drop (``/v1/proof/consistency?old=…``) it would tie
        every later visit to that report (THREAT_MODEL A7, A8). The tiles read are those every
        reader of the log at ``new`` reads, and one tile of 256 entries around ``old`` (the
        level-0 tile holding its edge, unless ``old`` falls in the tiles read anyway), so
        the drop learns at most that ``old`` lies within those 256 entries."""
        if not 0 <= old <= new:
            raise VerificationError(f"no consistency from a tree of {old} to one of {new}")
        if old in (0, new):
            return []
        try:
            return consistency_proof(old, new, self.tile_reader(new))
        except StorageError as exc:  # a node the tiles of a tree of that size cannot hold
            raise VerificationError(f"the drop's log tiles are unusable: {exc.message}") from None

    def log_file(self, path: str, cap: int | None = None) -> bytes:
        """A small file of the drop's log directory (the cosigned checkpoint: a note with
        its cosignatures), read no further than ``cap`` (default :data:`_NOTE_MAX`)."""
        return self._bounded("/log/" + path, _NOTE_MAX if cap is None else cap).content


#: The most bytes one listing record can take (index delta, key, slot count, clues).
_RECORD_MAX = 10 + 32 + 2 + MAX_SLOTS * CLUE_SIZE
#: A hash tile (256 hashes) and an entry bundle (256 digests with their length prefixes).
_TILE_MAX = TILE_WIDTH * 32
_BUNDLE_MAX = TILE_WIDTH * (2 + 32)


#: A checkpoint note, cosignatures included; a JSON answer (info, receipt, upload state);
#: a proof answer (at most 64 hashes of 64 hex digits, quoted, with its JSON around).
_NOTE_MAX = 64 << 10
#: The slowest average pace (bytes per second) at which an answer is still awaited once the
#: client's timeout has passed; Tor at its worst is far faster.
_MIN_RATE = 1024
_ANSWER_MAX = 64 << 10
_MAX_PROOF = 64
_PROOF_ANSWER_MAX = _MAX_PROOF * (64 + 4) + 1024
#: The chunk sizes of a resumable upload a client accepts from a drop's info.
_CHUNK_MIN, _CHUNK_MAX = 64 << 10, 64 << 20
#: The most a chunk carries, whatever the drop allows: what a cut connection makes it send again.
_CHUNK_SEND = 512 << 10
_UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


#: What a person is told of a network failure, by httpx's exception (the most specific first):
#: plain words the catalogs translate, never the library's class names.
_KINDS: tuple[tuple[type[Exception] | tuple[type[Exception], ...], str], ...] = (
    ((httpx.ProxyError, socksio.ProtocolError), "the proxy (Tor) refused the connection"),
    (httpx.ConnectTimeout, "the connection timed out"),
    (httpx.ConnectError, "the connection could not be made"),
    (httpx.TimeoutException, "it stopped answering (timed out)"),
    ((httpx.NetworkError, httpx.RemoteProtocolError), "the connection broke"),
)


def _kind(exc: Exception) -> str:
    """What a person sees for a network failure: plain words, in the catalogs (a proxy that
    speaks no SOCKS is the proxy's refusal, as httpx names a SOCKS refusal)."""
    for types, words in _KINDS:
        if isinstance(exc, types):
            return words
    return "the network failed"


def _parse(resp: httpx.Response, what: str, read: Callable[[Any], _T]) -> _T:
    """The one reader of the drop's JSON answers: ``read`` takes the parsed JSON (an object,
    else ProtocolError) to what the caller wants. Whatever the drop sent, only a
    ``TyshaError`` comes out (a malformed answer: ``ProtocolError`` naming ``what``, never
    the drop's words or Python's)."""
    try:
        obj = json.loads(resp.content)
    except (ValueError, RecursionError):
        raise ProtocolError(f"the drop's {what} answer is not JSON") from None
    if not isinstance(obj, dict):
        raise ProtocolError(f"the drop's {what} answer is not a JSON object")
    try:
        return read(obj)
    except KeyError:
        raise ProtocolError(f"the drop's {what} answer lacks a field") from None
    except (TypeError, ValueError, AttributeError, IndexError, RecursionError):
        raise ProtocolError(f"the drop's {what} answer is malformed") from None


def _hashes(value: Any) -> list[bytes]:
    """A proof: a list of at most :data:`_MAX_PROOF` hashes, each 64 hex digits."""
    if not isinstance(value, list) or len(value) > _MAX_PROOF:
        raise ValueError("not a list of hashes")
    out = []
    for h in value:
        if not isinstance(h, str) or len(h) != 64:
            raise ValueError("not a hash")
        out.append(bytes.fromhex(h))
    return out


def _is_offset(value: object, total: int) -> TypeGuard[int]:
    """An offset into an upload of ``total`` bytes (a whole number, never a bool)."""
    return type(value) is int and 0 <= value <= total


def _offset(value: Any, total: int) -> int:
    if not _is_offset(value, total):
        raise ValueError("not an offset of this upload")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("not a boolean")
    return value


def _int_field(info: dict[str, Any], name: str, default: int = 0) -> int:
    value = info.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProtocolError(f"the drop's info has a bad {name!r}")
    return value


def _hash_file(path: Path) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.digest()


def _read_all(opener: Callable[[], IO[bytes]]) -> bytes:
    with opener() as f:
        return f.read()
