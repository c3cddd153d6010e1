"""``POST /v1/envelopes`` answered by the server's HTTP protocol class (issue 13, a leaner
request path): over real sockets to a drop served on loopback, the same guards and the same
answers as the ASGI route, and uvicorn's keep-alive and pipelining still hold around it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tysha.drop.launcher import in_process_drop, init_data
from tysha.drop.server import GuardedHttpTools, serve_in_thread
from tysha.drop.service import DropConfig, DropService
from tysha.protocol import Identity, seal_envelope

ME = Identity.generate(os.urandom)


def envelope(n: int = 3000) -> bytes:
    return seal_envelope(os.urandom(n), [ME.public()], os.urandom)


class Served:
    def __init__(self, svc: DropService, port: int) -> None:
        self.svc, self.port = svc, port

    def connect(self) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.settimeout(10)
        return s


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    init_data(tmp_path / "d")
    cfg = DropConfig.load(tmp_path / "d")
    cfg.body_idle_s = 0.4
    cfg.save(tmp_path / "d")
    svc = DropService(tmp_path / "d")
    calls: list[str] = []
    begin = GuardedHttpTools._begin_intake

    def counting(self: GuardedHttpTools, *a: Any) -> None:
        calls.append("protocol")
        begin(self, *a)

    monkeypatch.setattr(GuardedHttpTools, "_begin_intake", counting)
    with serve_in_thread(svc) as port:
        yield Served(svc, port)
    # Every intake request of these tests went through the protocol's own path.
    assert calls


def post(body: bytes, extra: bytes = b"") -> bytes:
    return (b"POST /v1/envelopes HTTP/1.1\r\nHost: drop\r\nContent-Length: %d\r\n" % len(body)
            + extra + b"\r\n" + body)


def read_response(f: Any) -> tuple[int, dict[bytes, bytes], bytes]:
    status = f.readline()
    assert status.startswith(b"HTTP/1.1 "), status
    headers: dict[bytes, bytes] = {}
    while (line := f.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    body = f.read(int(headers.get(b"content-length", b"0")))
    return int(status.split()[1]), headers, body


def closed(s: socket.socket) -> bool:
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, TimeoutError):
        return True


def test_receipts_and_refusals_are_the_asgi_routes_bytes(served: Served, tmp_path: Path) -> None:
    """A refusal is the same bytes, and a receipt the same shape, on the protocol path and
    on the ASGI route (another drop, served in process): one mapping of errors for both."""
    bad = envelope()[:-1]
    good = envelope()
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(post(bad))
        status, headers, body = read_response(f)
        s.sendall(post(good))
        status2, _, body2 = read_response(f)
    assert status == 400 and headers[b"content-type"] == b"application/json"
    assert status2 == 200
    receipt = json.loads(body2)["receipt"]
    assert receipt["envelope_digest"] == hashlib.sha256(good).hexdigest()
    with in_process_drop(tmp_path / "asgi") as d:
        same = d.client._http.post("/v1/envelopes", content=bad)
        other = d.client._http.post("/v1/envelopes", content=good)
    assert same.status_code == 400 and same.content == body
    assert other.status_code == 200
    assert json.loads(other.content).keys() == json.loads(body2).keys()
    assert json.loads(other.content)["receipt"].keys() == receipt.keys()


def test_keep_alive_and_pipelining_keep_answers_in_order(served: Served) -> None:
    """Three submissions and a GET written at once on one connection: four answers, in
    the order asked, and the connection stays open; ``Connection: close`` closes it."""
    envs = [envelope(), envelope(), b"not an envelope"]
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(b"".join(post(e) for e in envs)
                  + b"GET /v1/info HTTP/1.1\r\nHost: drop\r\n\r\n")
        answers = [read_response(f) for _ in range(4)]
        assert [a[0] for a in answers] == [200, 200, 400, 200]
        digests = [json.loads(a[2])["receipt"]["envelope_digest"] for a in answers[:2]]
        assert digests == [hashlib.sha256(e).hexdigest() for e in envs[:2]]
        assert "log" in json.loads(answers[3][2]) or answers[3][2]  # /v1/info answered
        s.sendall(post(envelope(), b"Connection: close\r\n"))
        status, headers, _ = read_response(f)
        assert status == 200 and headers[b"connection"] == b"close"
        assert closed(s)


def test_announced_too_large_is_refused_before_the_body(served: Served) -> None:
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(b"POST /v1/envelopes HTTP/1.1\r\nHost: drop\r\n"
                  b"Content-Length: 536870912\r\n\r\n")
        status, headers, body = read_response(f)
        assert status == 413 and json.loads(body)["error"] == "too_large"
        assert headers[b"connection"] == b"close" and closed(s)
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(b"POST /v1/envelopes HTTP/1.1\r\nHost: drop\r\nContent-Length: 12x\r\n\r\n")
        status, _, _ = read_response(f)
        assert status in (400, 413)


def test_unannounced_body_past_the_limit_is_cut_off(served: Served) -> None:
    """Chunked, never ending: 413 once the route's limit is passed, then the connection is
    closed; the server held at most the limit."""
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(b"POST /v1/envelopes HTTP/1.1\r\nHost: drop\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % (256 << 10) + b"\0" * (256 << 10) + b"\r\n"
        try:
            for _ in range(64):  # 16 MiB offered
                s.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, _, body = read_response(f)
        assert status == 413 and json.loads(body)["error"] == "too_large"


def test_stalled_body_gets_408_and_the_drop_goes_on(served: Served) -> None:
    whole = envelope()
    with served.connect() as stalled, stalled.makefile("rb") as f:
        stalled.sendall(post(whole)[: -1000])  # then nothing more
        start = time.monotonic()
        status, headers, body = read_response(f)
        assert status == 408 and json.loads(body)["error"] == "timeout"
        assert time.monotonic() - start < 5 and closed(stalled)
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(post(whole))
        assert read_response(f)[0] == 200


def test_a_slow_but_steady_body_is_not_cut_off(served: Served) -> None:
    """The idle deadline is between pieces, not for the whole body."""
    data = post(envelope(3000))
    with served.connect() as s, s.makefile("rb") as f:
        for i in range(0, len(data), 800):
            s.sendall(data[i : i + 800])
            time.sleep(0.1)  # 0.1 s between pieces, 0.4 s allowed, ~1 s in all
        assert read_response(f)[0] == 200


def test_expect_100_continue(served: Served) -> None:
    e = envelope()
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(b"POST /v1/envelopes HTTP/1.1\r\nHost: drop\r\nExpect: 100-continue\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(e))
        assert f.readline() == b"HTTP/1.1 100 Continue\r\n" and f.readline() == b"\r\n"
        s.sendall(e)
        assert read_response(f)[0] == 200


def test_storage_failure_is_503_with_retry_after(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*a: Any, **k: Any) -> Any:
        raise OSError("disk on fire: /secret/path")

    monkeypatch.setattr(served.svc.store, "integrate", broken)
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(post(envelope()))
        status, headers, body = read_response(f)
    assert status == 503 and headers[b"retry-after"] == b"5"
    assert b"secret" not in body and b"fire" not in body


def test_a_client_gone_before_its_receipt_harms_no_one(served: Served) -> None:
    for _ in range(5):
        s = served.connect()
        s.sendall(post(envelope()))
        s.close()  # gone while the batch commits
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(post(envelope()))
        assert read_response(f)[0] == 200


def test_a_websocket_upgrade_is_answered_as_plain_http(tmp_path: Path) -> None:
    """The drop speaks no WebSocket: an upgrade request is an ordinary request to uvicorn
    (``ws="none"``), answered like any other. (With uvicorn's default, a handshake library
    ran on it and answered 403 with a ``Date`` header the drop's answers never carry: code an
    attacker could reach for nothing, and a mark that tells this server from others.)"""
    init_data(tmp_path / "d")
    svc = DropService(tmp_path / "d")
    upgrade = (b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
    answers = []
    with serve_in_thread(svc) as port:
        for extra in (b"", upgrade):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(b"GET /v1/info HTTP/1.1\r\nHost: drop\r\n" + extra + b"\r\n")
                answers.append(read_response(s.makefile("rb")))
    (plain_status, plain_headers, plain_body), (status, headers, body) = answers
    assert plain_status == 200 and json.loads(plain_body)["origin"]
    assert (status, body) == (plain_status, plain_body)
    assert set(headers) == set(plain_headers) and b"date" not in headers


def test_headers_past_the_cap_are_refused_with_431(served: Served) -> None:
    """httptools keeps whatever a header brings (uvicorn's cap is for h11 only): 64 MiB of
    headers were read and answered 200. Past 16 KiB now: 431 and the connection closed."""
    from tysha.drop.server import MAX_HEADER_BYTES

    fill = b"".join(b"X-Fill-%d: %s\r\n" % (i, b"a" * 1000) for i in range(20))
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(b"GET /v1/info HTTP/1.1\r\nHost: drop\r\n" + fill + b"\r\n")
        status, _, body = read_response(f)
        assert status == 431 and json.loads(body)["error"] == "too_large" and closed(s)
    with served.connect() as s:  # one header line that never ends: cut off near the cap
        s.sendall(b"GET /v1/info HTTP/1.1\r\nHost: drop\r\nX-Long: ")
        sent = 0
        with contextlib.suppress(OSError):
            while sent < 8 << 20:
                s.sendall(b"a" * 65536)
                sent += 65536
        assert sent < 8 << 20 and s.recv(64).startswith(b"HTTP/1.1 431 ")
    small = b"X-Fill: " + b"a" * (MAX_HEADER_BYTES // 2) + b"\r\n"
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(post(envelope(), small))  # under the cap: served
        assert read_response(f)[0] == 200


def test_a_pipelined_request_keeps_its_body_deadlines(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The header deadline, armed as an answer completes, was for the next request even when
    that one's headers were already read (pipelined): its slow but steady body was cut off
    when the deadline passed. It keeps the body's own deadlines (idle 0.4 s here)."""
    monkeypatch.setattr(GuardedHttpTools, "header_timeout", 0.6)
    body = envelope()
    pieces = [body[i : i + 600] for i in range(0, len(body), 600)]
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(b"GET /v1/info HTTP/1.1\r\nHost: drop\r\n\r\n"
                  + b"POST /v1/envelopes HTTP/1.1\r\nHost: drop\r\nContent-Length: %d\r\n\r\n"
                  % len(body))  # fmt: skip
        assert read_response(f)[0] == 200
        for piece in pieces:  # ~1.5 s in all, past the header deadline, never idle 0.4 s
            time.sleep(0.25)
            s.sendall(piece)
        status, _, answer = read_response(f)
        assert status == 200 and "receipt" in json.loads(answer)


def test_a_get_with_a_chunked_body_is_refused_before_its_answer(served: Served) -> None:
    """A GET takes no body. A chunked one (no Content-Length to refuse it by) reached the body
    guard only once a streamed download had begun: '200 OK' with its length, then nothing."""
    env = envelope(600_000)
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(post(env))
        assert read_response(f)[0] == 200
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(b"GET /v1/envelopes/0 HTTP/1.1\r\nHost: drop\r\nTransfer-Encoding: chunked\r\n"
                  b"\r\n5\r\nhello\r\n0\r\n\r\n")  # fmt: skip
        time.sleep(0.3)  # a slow reader: the download would be under way
        status, _, body = read_response(f)
        assert status == 413 and json.loads(body)["error"] == "too_large"
    with served.connect() as s, s.makefile("rb") as f:
        s.sendall(b"GET /v1/envelopes/0 HTTP/1.1\r\nHost: drop\r\n\r\n")
        status, _, body = read_response(f)
        assert status == 200 and body == env


def test_a_client_that_never_reads_its_answers_is_let_go(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Downloads asked for and never read (pipelined, a receive window of almost nothing)
    held their connection, an open file and a place under ``max_connections`` for good: a
    few such clients made the drop answer 503 to everyone. Writing blocked for
    ``body_idle_s`` now ends the connection; a slow but steady reader gets every byte."""
    init_data(tmp_path / "d")
    cfg = DropConfig.load(tmp_path / "d")
    cfg.body_idle_s = 1.0  # wide enough for the steady reader on a loaded machine
    cfg.save(tmp_path / "d")
    svc = DropService(tmp_path / "d")
    big = envelope(900_000)
    whole = 8 * len(big)

    def drain(s: socket.socket, pause: float) -> int:
        got = 0
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            while got < whole and (piece := s.recv(64 << 10)):
                got += len(piece)
                time.sleep(pause)
        return got

    with serve_in_thread(svc) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(post(big))
            index = json.loads(read_response(s.makefile("rb"))[2])["receipt"]["index"]
        ask = b"GET /v1/envelopes/%d HTTP/1.1\r\nHost: drop\r\n\r\n" % index
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        with stuck:
            stuck.connect(("127.0.0.1", port))
            stuck.settimeout(10)
            stuck.sendall(ask * 8)
            time.sleep(3.0)  # three times body_idle_s without reading a byte
            assert drain(stuck, 0) < whole
        with socket.create_connection(("127.0.0.1", port), timeout=10) as steady:
            steady.sendall(ask * 8)
            assert drain(steady, 0.01) >= whole  # 64 KiB per 10 ms: never blocked for 1 s
    # The answer cut off ends quietly (no traceback of a write to a closed connection).
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
