"""A drop that lies in its JSON answers (reviewer's points 1-3): the client raises only typed
Tysha errors, reads no answer without a bound, and never loops on an upload.

In-process: every drop here is an ``httpx.MockTransport`` (no socket)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tysha.errors import ProtocolError, TransportError, TyshaError, VerificationError
from tysha.transport import DropClient

Handler = Callable[[httpx.Request], httpx.Response]


class _Fake:
    name = "fake"

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def client(self, base_url: str, timeout: float) -> httpx.Client:
        return httpx.Client(base_url=base_url, transport=httpx.MockTransport(self.handler))


def _client(handler: Handler) -> DropClient:
    return DropClient("http://x", transport=_Fake(handler))


_HASH = "ab" * 32
_BAD_ANSWERS: list[Any] = [
    b"<html>not json</html>",
    b"\xff\xfe",
    b"[" * 20_000,  # nested past the parser
    [1, 2],
    7,
    None,
    {},
    {"proof": 5},
    {"proof": ["zz"]},
    {"proof": [5]},
    {"proof": ["ab"]},  # not a hash
    {"proof": [_HASH] * 65},  # longer than any proof
    {"deleted": "yes"},
    {"receipt": {"nope": 1}},
    {"receipt": 5},
    {"upload": 5, "offset": 0},
    {"upload": "../envelopes/0/delete", "offset": 0},
    {"upload": "u1", "offset": "0"},
    {"upload": "u1", "offset": -1},
    {"upload": "u1", "offset": True},
]


def _answer(body: Any) -> httpx.Response:
    if isinstance(body, bytes):
        return httpx.Response(200, content=body)
    return httpx.Response(200, json=body)


_INFO = {"pow_bits": 0, "max_oneshot": 1024, "chunk_max": 64 << 10}


@pytest.mark.parametrize("body", _BAD_ANSWERS, ids=range(len(_BAD_ANSWERS)))
def test_every_malformed_answer_is_a_protocol_error(body: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/info" and body is not None:
            return httpx.Response(200, json=_INFO)
        return _answer(body)

    calls: list[Callable[[DropClient], object]] = [
        lambda c: c.inclusion_proof(0, 1),
        lambda c: c.consistency_proof(1, 2),
        lambda c: c.delete(0, b"\x00" * 32),
        lambda c: c.upload(b"\x00" * 100),  # one-shot: the receipt answer
        lambda c: c.upload(b"\x00" * 4096),  # resumable: the upload answer
    ]
    for call in calls:
        c = _client(handler)
        try:
            call(c)
        except ProtocolError as exc:
            assert len(exc.message) < 200  # short, never the drop's words or Python's
        except TyshaError:
            pass  # e.g. a receipt that is well-formed JSON but not a receipt's form
        else:
            pytest.fail(f"a malformed answer was taken: {body!r:.60}")
    # info: anything that is not a JSON object.
    if not isinstance(body, dict):
        with pytest.raises(ProtocolError, match="info"):
            _client(lambda r: _answer(body)).info()


def test_answers_are_read_with_a_bound() -> None:
    """A checkpoint, a cosigned checkpoint, info and proofs that never end: the client stops
    reading after a small cap (the old client held 400 MiB and more)."""
    sent = [0]

    def handler(request: httpx.Request) -> httpx.Response:
        def body() -> Iterator[bytes]:
            for _ in range(6_400):  # 400 MiB if the client kept reading
                sent[0] += 65536
                yield b"[" + b" " * 65535

        return httpx.Response(200, content=body())

    c = _client(handler)
    for call in (
        c.checkpoint,
        lambda: c.log_file("checkpoint.cosigned"),
        c.info,
        lambda: c.inclusion_proof(0, 2),
        lambda: c.consistency_proof(1, 2),
        lambda: c.delete(0, b"\x00" * 32),
    ):
        sent[0] = 0
        with pytest.raises(VerificationError, match="longer answer"):
            call()
        assert sent[0] <= 256 << 10


def _uploading(info: dict[str, Any], chunk_answer: Callable[[int, int], dict[str, Any]],
               ) -> tuple[Callable[[], object], list[int]]:
    puts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/info":
            return httpx.Response(200, json=info)
        if request.url.path == "/v1/uploads":
            return httpx.Response(200, json={"upload": "u1", "offset": 0})
        if request.method == "PUT":
            puts.append(1)
            off = int(request.url.params["offset"])
            return httpx.Response(200, json=chunk_answer(off, len(request.content)))
        return httpx.Response(404, json={})

    c = _client(handler)
    return (lambda: c.upload(b"\x00" * (300 << 10))), puts


def _ends_within(call: Callable[[], object], seconds: float = 10) -> BaseException | None:
    out: list[BaseException | None] = [None]

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out[0] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "the upload never ends"
    return out[0]


@pytest.mark.parametrize("chunk_max", [0, -1, 1, "4096", True, 1.5, 1 << 40])
def test_an_unreasonable_chunk_size_is_refused(chunk_max: Any) -> None:
    info = {"pow_bits": 0, "max_oneshot": 16, "chunk_max": chunk_max}
    call, puts = _uploading(info, lambda off, n: {"offset": off + n})
    exc = _ends_within(call)
    assert isinstance(exc, ProtocolError) and puts == []


@pytest.mark.parametrize(
    "answer",
    [
        lambda off, n: {"offset": off},  # accepted, but no further: looped forever before
        lambda off, n: {"offset": max(0, off - 1)},  # backwards
        lambda off, n: {"offset": 1 << 40},  # past the envelope
        lambda off, n: {"offset": "x"},
        lambda off, n: {},
    ],
    ids=["stall", "backwards", "past-the-end", "not-a-number", "no-offset"],
)
def test_an_accepted_chunk_must_advance(answer: Callable[[int, int], dict[str, Any]]) -> None:
    call, puts = _uploading({"pow_bits": 0, "max_oneshot": 16, "chunk_max": 64 << 10}, answer)
    exc = _ends_within(call)
    assert isinstance(exc, ProtocolError) and len(puts) <= 2


def test_a_drop_that_keeps_rewinding_an_upload_is_left() -> None:
    """409 with an earlier offset after every accepted chunk: bounded, then refused."""
    state = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/info":
            return httpx.Response(200, json={"pow_bits": 0, "max_oneshot": 16,
                                             "chunk_max": 64 << 10})
        if request.url.path == "/v1/uploads":
            return httpx.Response(200, json={"upload": "u1", "offset": 0})
        if request.method == "PUT":
            state["n"] += 1
            off = int(request.url.params["offset"])
            if off > 0:
                return httpx.Response(409, json={"offset": 0})
            return httpx.Response(200, json={"offset": off + len(request.content)})
        return httpx.Response(404, json={})

    c = _client(handler)
    exc = _ends_within(lambda: c.upload(b"\x00" * (300 << 10)))
    assert isinstance(exc, ProtocolError) and state["n"] < 100


def _trickle(n: int, pause: float) -> Iterator[bytes]:
    for _ in range(n):
        time.sleep(pause)
        yield b"x"


@pytest.mark.parametrize("call", [
    lambda c: c.checkpoint(),
    lambda c: c.info(),
    lambda c: c.download(0, io.BytesIO()),
])
def test_a_drop_that_trickles_its_answer_is_given_up(call: Callable[[DropClient], Any]) -> None:
    """Each byte arrives before the read timeout, so only an overall pace stops it: the old
    client waited as long as the drop kept dripping (here the answer would take ~10 min)."""
    c = DropClient("http://x", timeout=0.3,
                   transport=_Fake(lambda rq: httpx.Response(200, content=_trickle(2000, 0.3))))
    t = time.monotonic()
    with pytest.raises(TransportError, match="answers too slowly"):
        call(c)
    assert time.monotonic() - t < 5


def test_an_error_answer_to_a_download_is_read_no_further_than_its_bound() -> None:
    endless = (b"x" * 65536 for _ in range(1 << 20))  # 64 GiB, never all sent
    c = _client(lambda rq: httpx.Response(400, content=endless))
    with pytest.raises(VerificationError, match="longer answer"):
        c.download(0, io.BytesIO())
