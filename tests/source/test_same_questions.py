"""Every source asks the drop the same questions (THREAT_MODEL A7, A8): nothing a source asks
names where it stood in the log, so the drop (seized, or run by an insider) cannot link a
source's later visits to its earlier ones, nor to the reports it sent then."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from tysha.protocol import Identity, Manifest, frame_content, seal_envelope
from tysha.source.device import SourceDevice
from tysha.source.vault import Vault
from tysha.transport import DropClient
from tysha.transport.courier import deliver

from ._inv import make_invitation


class Recording(DropClient):
    """A real client that notes every request it makes: method, path and query."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.asked: list[str] = []
        self._http.event_hooks["request"] = [self._note]

    def _note(self, request: httpx.Request) -> None:
        query = request.url.query.decode()
        self.asked.append(f"{request.method} {request.url.path}" + (f"?{query}" if query else ""))

    def named_sizes(self) -> set[int]:
        """Every tree size a consistency question named as the asker's own (``old``)."""
        out: set[int] = set()
        for line in self.asked:
            _, _, query = line.partition("?")
            out.update(int(v) for v in parse_qs(query).get("old", []))
        return out


def _device(tmp_path: Path, name: str, url: str, vkey: str, handler: Identity) -> SourceDevice:
    vault = Vault.create(tmp_path / name, 4 * 1024 * 1024)
    dev = SourceDevice(vault, vault.add_compartment("p", 0, {"v": 1, "notes": []}))
    dev.enroll(make_invitation(url, vkey, handler).to_text())
    return dev


def _send(dev: SourceDevice, url: str, text: str) -> Recording:
    dev.report(["det"], text, mean_delay=0)
    with Recording(url) as c:
        assert dev.send(c, now=True).sent == 1
    return c


def _noise(url: str, n: int) -> None:
    with DropClient(url) as c:
        for _ in range(n):
            c.upload(seal_envelope(b"noise", [Identity.generate(os.urandom).public()], os.urandom))


@pytest.fixture
def two(tmp_path: Path, drop: tuple[str, str, Path]) -> dict[str, Any]:
    url, vkey, _ = drop
    handler = Identity.generate(os.urandom)
    a = _device(tmp_path, "a", url, vkey, handler)
    b = _device(tmp_path, "b", url, vkey, handler)
    _send(a, url, "a neighbour taken at night")  # log entry 0: A's receipt is of size 1
    _send(b, url, "the school closed by soldiers")  # entry 1: B's receipt is of size 2
    _noise(url, 3)
    assert (a.last_checkpoint_size(), b.last_checkpoint_size()) == (1, 2)
    return {"url": url, "a": a, "b": b, "handler": handler}


def test_a_later_visit_never_names_the_sources_earlier_report(two: dict[str, Any]) -> None:
    """The log's size at a source's last receipt is the index of its own report. Before, every
    later visit asked ``/v1/proof/consistency?old=<that size>``: the drop could tie the visit
    (a check for replies, the next report, a courier's delivery) to that report, and so all of
    one person's reports to each other. The source now works the proof out from the log's
    tiles, which every reader of the log fetches alike."""
    url, a, b = two["url"], two["a"], two["b"]
    with Recording(url) as ca:
        a.fetch_replies(ca)
    with Recording(url) as cb:
        b.fetch_replies(cb)
    assert a.listing_problem is None and b.listing_problem is None
    assert ca.asked == cb.asked  # two sources with different histories: the same questions
    assert not ca.named_sizes() and not cb.named_sizes()

    # The next report: its send does not name the size of the receipt before it.
    earlier = a.last_checkpoint_size()
    _noise(url, 1)
    sent = _send(a, url, "a second report")
    assert earlier not in sent.named_sizes() and not sent.named_sizes()

    # A courier's delivery does not name the size the export file carries.
    a.report(["det"], "carried by hand", mean_delay=0)
    last = a.last_checkpoint_size()
    _noise(url, 2)
    envs = [bytes(i["env"]) for i in a.due(now=True)]
    with Recording(url) as courier:
        done = deliver(courier, envs, last)
    assert done.receipts and not done.failed
    assert last not in courier.named_sizes() and not courier.named_sizes()
    # ...and the proof the courier worked out convinces the source at import.
    assert a.apply_courier_receipts(done.receipts, done.consistency, done.checkpoint) == 1
    assert a.outbox() == []


def test_a_reply_check_does_not_say_where_the_last_one_stopped(two: dict[str, Any]) -> None:
    """The listing is the same for every client only if every client asks for the same pages.
    Before, a source asked ``/v1/clues?after=<where it stopped last time>``: a position its
    own (the log's size at its last check, or just before a reply to it that could not be
    read then), so the drop could link its visits. It now asks from the page boundary at or
    before that position, as every source that last looked within the same page does."""
    url, a, b = two["url"], two["a"], two["b"]
    with Recording(url) as c:
        a.fetch_replies(c)  # A looks when the log holds 5 entries
    _noise(url, 2)
    with Recording(url) as c:
        b.fetch_replies(c)  # B when it holds 7
    assert (a.state["cursor"], b.state["cursor"]) == (4, 6)
    _noise(url, 2)
    with Recording(url) as ca:
        a.fetch_replies(ca)
    with Recording(url) as cb:
        b.fetch_replies(cb)
    assert a.listing_problem is None and b.listing_problem is None
    assert ca.asked == cb.asked
    assert [q for q in ca.asked if q.startswith("GET /v1/clues")] == [
        "GET /v1/clues?after=-1&limit=1000&v=2"
    ]


def test_a_reply_read_again_from_the_page_start_is_kept_once(two: dict[str, Any]) -> None:
    """Starting each check at the page boundary reads entries already looked at again: the
    source's own reply among them (its slot deleted by the source when it took it) is neither
    shown twice nor taken for a drop's lie."""
    url, a, handler = two["url"], two["a"], two["handler"]
    reply = Manifest("reply", handler.public(), {"text": "Received. Stay safe."}).signed(handler)
    with DropClient(url) as c:
        c.upload(seal_envelope(frame_content(reply.to_bytes()), [a.identity().public()],
                               os.urandom))
        assert [r["text"] for r in a.fetch_replies(c)] == ["Received. Stay safe."]
    _noise(url, 2)
    for _ in range(2):
        with Recording(url) as c:
            assert a.fetch_replies(c) == []
        assert "GET /v1/clues?after=-1&limit=1000&v=2" in c.asked  # entry 5 is read again
        assert a.listing_problem is None and a.withheld == {}
    assert [r["text"] for r in a.replies()] == ["Received. Stay safe."]


def test_receipts_a_courier_brings_after_an_online_visit_are_no_fork(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """A source exports for a courier, then goes online itself (checks for replies) before
    the courier comes back. The courier's proof starts at the size the export file carried,
    no longer the vault's last checkpoint. Before, the import said "THE DROP SHOWS A
    DIFFERENT HISTORY ... Stop sending to it and tell your handler in person" of an honest
    drop and applied no receipt. Now the proof is checked from the checkpoint it was made
    for (one the vault trusted), the receipts are applied, and the courier's checkpoint is
    checked against the drop's history at the next visit."""
    url, vkey, _ = drop
    a = _device(tmp_path, "a", url, vkey, Identity.generate(os.urandom))
    _send(a, url, "first")
    _noise(url, 2)
    a.report(["det"], "carried by hand", mean_delay=0)
    last = a.last_checkpoint_size()
    envs = [bytes(i["env"]) for i in a.due(now=True)]
    with DropClient(url) as c:
        a.fetch_replies(c)  # online meanwhile: the vault's checkpoint moves on
    assert a.last_checkpoint_size() > last
    _noise(url, 2)
    with DropClient(url) as c:
        done = deliver(c, envs, last)
    assert a.apply_courier_receipts(done.receipts, done.consistency, done.checkpoint) == 1
    assert a.outbox() == []
    with DropClient(url) as c:  # the next visit checks the courier's checkpoint too
        a.fetch_replies(c)
    assert a.listing_problem is None and "unchecked" not in a.state


def test_a_courier_proof_from_no_trusted_checkpoint_is_still_a_fork(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """A proof that links the courier's checkpoint to no checkpoint the vault trusted is
    what a forked log gives: still said loudly, and nothing applied."""
    from tysha.errors import VerificationError

    url, vkey, _ = drop
    a = _device(tmp_path, "a", url, vkey, Identity.generate(os.urandom))
    _send(a, url, "first")
    _noise(url, 2)
    a.report(["det"], "carried by hand", mean_delay=0)
    envs = [bytes(i["env"]) for i in a.due(now=True)]
    with DropClient(url) as c:
        done = deliver(c, envs, a.last_checkpoint_size())
    forged = [bytes(32 - len(h)) + bytes(reversed(h)) for h in done.consistency]
    with pytest.raises(VerificationError, match="DIFFERENT HISTORY"):
        a.apply_courier_receipts(done.receipts, forged, done.checkpoint)
    assert len(a.outbox()) == 1
