"""A reply's receipt from a drop that lies (THREAT_MODEL.md: the drop is untrusted).

The drop answers a reply's upload with a receipt: a checkpoint it signed and an inclusion proof.
Both verify; what a split view adds is that the checkpoint belongs to another history than the
one this desk verified at fetch: the drop logs the handler's replies in a log it shows the
handler only, and every source sees another. The desk must check the receipt's checkpoint
against the log it verified, record it, and show the fork wherever the reply and its report
appear (CLI and web).

In-process: two drops under one log key (a second history), served at the same address."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tysha.desk.service import Desk
from tysha.drop.launcher import InProcessDrop, in_process_drop
from tysha.protocol import Identity, Manifest, frame_content, seal_envelope
from tysha.transport import DropClient

PASS = "desk passphrase for tests"


class _World:
    def __init__(self, honest: InProcessDrop, forked: InProcessDrop, desk: Desk) -> None:
        self.honest, self.forked, self.desk = honest, forked, desk
        #: The drop the desk reaches now (a drop answering each client as it chooses).
        self.serving = honest
        #: The envelopes of the two reports the desk fetched, in the log's order.
        self.envelopes: list[bytes] = []

    def client(self, url: str) -> DropClient:
        return DropClient(url, transport=self.serving.transport)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[_World]:
    with in_process_drop(tmp_path / "drop") as honest:
        fork_dir = tmp_path / "forked"
        fork_dir.mkdir()
        for name in ("log.key", "drop.json"):
            shutil.copy(honest.data / name, fork_dir / name)
        with in_process_drop(fork_dir) as forked:
            Desk.init(tmp_path / "desk", "Cell", PASS)
            holder: dict[str, _World] = {}
            desk = Desk.open(tmp_path / "desk", PASS,
                             client_factory=lambda url: holder["w"].client(url))
            w = _World(honest, forked, desk)
            holder["w"] = w
            inv = desk.invite(honest.client.url, honest.vkey)
            ident = Identity.generate(os.urandom)
            for text in ("first", "needs an answer"):
                body = {"categories": ["det"], "text": text, "when": "", "where": "",
                        "created_at": ""}
                m = Manifest("report", ident.public(), body, (), inv.secret).signed(ident)
                env = seal_envelope(frame_content(m.to_bytes()), [desk.store.public], os.urandom)
                honest.client.upload(env)
                w.envelopes.append(env)
            assert len(desk.fetch().new_reports) == 2
            # The second history: other entries under the same key.
            for _ in range(3):
                other = Identity.generate(os.urandom).public()
                forked.client.upload(seal_envelope(b"another history", [other], os.urandom))
            try:
                yield w
            finally:
                desk.close()


def _rid(desk: Desk) -> str:
    return next(v.id for v in desk.reports() if v.text == "needs an answer")


def _proofs_answered(world: Any, status: int, body: bytes | None = None) -> Any:
    """A serving whose transport answers every consistency-proof request with ``status`` (and
    ``body``, else a JSON error) and passes everything else to the honest drop."""
    import httpx

    real = world.honest.transport

    class ProofsAnswered:
        name = "proofs-answered"

        def client(self, base_url: str, timeout: float) -> httpx.Client:
            inner = real.client(base_url, timeout)

            def handler(request: httpx.Request) -> httpx.Response:
                request.read()
                if request.url.path == "/v1/proof/consistency":
                    if body is not None:
                        return httpx.Response(status, content=body)
                    return httpx.Response(status, json={"error": "busy"})
                r = inner.request(request.method, request.url.path, params=request.url.params,
                                  content=request.content,
                                  headers={"content-type": request.headers.get("content-type",
                                                                               "")})
                return httpx.Response(r.status_code, headers=r.headers, content=r.content)

            return httpx.Client(base_url=base_url, transport=httpx.MockTransport(handler),
                                timeout=timeout)

    return type("S", (), {"transport": ProofsAnswered()})()


def _shown_line(desk: Path, rid: str, text: str, lang: str = "en") -> str:
    """The one line of `tysha desk show RID` (in ``lang``) that holds ``text``."""
    from tests.conftest import tysha

    env = {"TYSHA_PASSPHRASE": PASS, "TYSHA_LANG": lang}
    [line] = [ln for ln in tysha("desk", "show", rid, "--desk", desk, env=env).stdout.splitlines()
              if text in ln]  # fmt: skip
    return line


def _web_pages(desk: Path, *paths: str) -> list[str]:
    """The web desk's pages at ``paths``, logged in."""
    from starlette.testclient import TestClient

    from tysha.desk.web.app import create_app

    with TestClient(create_app(desk, port=8090), base_url="http://127.0.0.1:8090") as c:
        assert c.post("/login", data={"passphrase": PASS}).status_code == 200
        return [c.get(p).text for p in paths]


def test_a_reply_receipt_from_another_history_is_a_fork_shown_wherever_the_reply_is(
    world: _World, tmp_path: Path
) -> None:
    """Before: the desk took the forked drop's receipt (signed by its key, the proof leading
    to its root) as "reply sent; in the drop's log at index 3", recorded nothing of its
    checkpoint, and went on trusting the drop; the source, shown the other history, never saw
    the reply and nobody learnt why."""
    from tests.conftest import tysha

    desk = world.desk
    rid = _rid(desk)
    world.serving = world.forked
    out = desk.reply(rid, "meet at the old place")
    assert not out.sent and out.forked and out.error.startswith("FORK")
    [d] = desk.store.drops()
    assert d.forked
    # Its checkpoint is recorded: in custody (what a court reads) and on the reply.
    [fork] = [e for e in desk.custody() if e["action"] == "fork-detected"]
    assert fork["detail"]["receipt_checkpoint"]["size"] == 4
    [rep] = desk.store.get_report(rid)["replies"]
    assert rep["sent_at"] is None and rep["receipt_checkpoint"]["size"] == 4
    assert rep["log_consistent"] is False
    # Nothing more goes through that drop; the report (and its neighbour) are flagged.
    assert all(not v.trusted and v.has_flag("log-forked") for v in desk.reports())
    res = desk.send_queued()
    assert res.sent == [] and res.left == 1 and "forked" in res.errors[0]
    desk.close()
    line = _shown_line(tmp_path / "desk", rid, "meet at the old place")
    assert "FORK" in line and "QUEUED" not in line, line
    js = json.loads(tysha("desk", "show", rid, "--desk", tmp_path / "desk", "--json",
                          env={"TYSHA_PASSPHRASE": PASS, "TYSHA_LANG": "en"}).stdout)
    assert js["drop_forked"] is True and js["replies"][0]["log_consistent"] is False
    line = _shown_line(tmp_path / "desk", rid, "meet at the old place", "uk")
    assert "РОЗГАЛУЖЕННЯ" in line, line
    # What the web desk's reply form answers when the drop's receipt is a fork, too.
    page, notice = _web_pages(tmp_path / "desk", f"/report/{rid}", f"/report/{rid}?m=forked")
    assert 'id="reply-fork-notice"' in notice
    assert 'id="reply-forked"' in page
    [item] = [ln for ln in page.split("<li>") if "meet at the old place" in ln]
    assert 'id="reply-fork-' in item and "FORK" in item


def test_the_cli_reply_through_a_split_view_exits_1_saying_fork(
    world: _World, tmp_path: Path
) -> None:
    """`desk reply` printed "reply sent" and exited 0 for a receipt from another history."""
    from tests.conftest import tysha
    from tysha.desk import service

    rid = _rid(world.desk)
    world.desk.close()
    world.serving = world.forked
    orig = service.Desk.open

    def opened(*a: Any, **kw: Any) -> Desk:
        return orig(*a, **kw | {"client_factory": world.client})

    mp = pytest.MonkeyPatch()
    mp.setattr(service.Desk, "open", staticmethod(opened))
    try:
        env = {"TYSHA_PASSPHRASE": PASS, "TYSHA_LANG": "en"}
        r = tysha("desk", "reply", rid, "--desk", tmp_path / "desk", "--text", "hello",
                  env=env, check=False)
    finally:
        mp.undo()
    assert r.returncode == 1 and "FORK" in r.stderr and "reply sent" not in r.stdout


def test_a_consistent_reply_receipt_is_recorded_and_binds_the_next_fetch(
    world: _World, tmp_path: Path
) -> None:
    """An honest drop: the receipt's checkpoint is recorded on the reply. It is ahead of the
    log the desk verified at fetch, so the next fetch's checkpoint must be one history with
    it too: a drop that shows the fetch a log which extends the desk's old one but not the
    one the reply went into is caught (it was not: only the fetched checkpoints were
    compared)."""
    desk = world.desk
    rid = _rid(desk)
    out = desk.reply(rid, "we read you")
    assert out.sent and not out.forked and out.index == 2
    [rep] = desk.store.get_report(rid)["replies"]
    assert rep["receipt_checkpoint"]["size"] == 3 and rep["log_consistent"] is True
    assert not desk.store.drops()[0].forked
    # A third history: the same two reports, then something else where the reply is.
    third = tmp_path / "third"
    third.mkdir()
    for name in ("log.key", "drop.json"):
        shutil.copy(world.honest.data / name, third / name)
    with in_process_drop(third) as other:
        for env in world.envelopes:
            other.client.upload(env)
        other.client.upload(seal_envelope(b"not the reply", [Identity.generate(os.urandom)
                                                             .public()], os.urandom))
        world.serving = other
        res = desk.fetch()
    assert len(res.forks) == 1 and res.forks[0].startswith("FORK")
    assert desk.store.drops()[0].forked
    assert all(v.has_flag("log-forked") for v in desk.reports())


@pytest.mark.parametrize("status", [429, 408])
def test_a_busy_answer_to_a_proof_is_not_taken_for_a_fork(world: _World, status: int) -> None:
    """A proxy in front of the drop answering the desk's request for a consistency proof
    "429 Too Many Requests" (or "408 Request Timeout") was taken as the drop denying a tree
    its key signed: the drop was marked forked for good - every report flagged, every reply
    held, "Do not trust the drop; tell your organisation" - for a rate limit. A busy answer
    proves nothing either way: the reply stays queued (and the fetch does not advance), as
    for a 5xx, and both go through once the drop answers."""

    desk = world.desk
    rid = _rid(desk)
    world.serving = _proofs_answered(world, status)
    out = desk.reply(rid, "we read you")
    assert not out.sent and not out.forked and "could not be checked" in out.error, out.error
    world.honest.client.upload(seal_envelope(b"later", [Identity.generate(os.urandom).public()],
                                             os.urandom))
    res = desk.fetch()
    assert res.forks == [] and not desk.store.drops()[0].forked
    assert not any(v.has_flag("log-forked") for v in desk.reports())
    world.serving = world.honest
    assert desk.send_queued().sent == [rid] and desk.outbox() == []
    assert desk.fetch().forks == [] and not desk.store.drops()[0].forked


def test_a_reply_sent_before_its_drop_showed_a_fork_is_flagged_wherever_it_is_shown(
    world: _World, tmp_path: Path
) -> None:
    """A reply the drop logged consistently, whose drop later showed this desk another
    history: the report said "forked" but the reply itself still read just "sent" in `desk
    show` and on the web report page - a handler reading the reply took it that the source
    had it. Beside the reply both now say its drop has since shown two histories, in the
    handler's language."""
    desk = world.desk
    rid = _rid(desk)
    assert desk.reply(rid, "we read you, stay safe").sent
    world.serving = world.forked
    assert len(desk.fetch().forks) == 1 and desk.store.drops()[0].forked
    desk.close()
    line = _shown_line(tmp_path / "desk", rid, "we read you, stay safe")
    assert "sent " in line and "since shown two histories" in line, line
    line = _shown_line(tmp_path / "desk", rid, "we read you, stay safe", "uk")
    assert "дві історії" in line, line
    [page] = _web_pages(tmp_path / "desk", f"/report/{rid}")
    [item] = [ln for ln in page.split("<li>") if "we read you, stay safe" in ln]
    assert "since shown two histories" in item and 'class="badge bad"' in item, item


def test_desk_show_json_flags_each_reply_sent_before_its_drop_showed_a_fork(
    world: _World, tmp_path: Path
) -> None:
    """`desk show` and the web page say, beside a reply sent before its drop showed this desk
    another history, that the source may never see it; `desk show --json` had only the
    report-level ``drop_forked``, nothing on the reply itself, so a script reading the replies
    took the sent one as delivered. Each reply item now carries ``drop_forked_since_sent``
    (true for exactly those replies; the other keys as before)."""
    from tests.conftest import tysha

    desk = world.desk
    rid = _rid(desk)
    assert desk.reply(rid, "we read you, stay safe").sent
    desk.close()
    env = {"TYSHA_PASSPHRASE": PASS, "TYSHA_LANG": "en"}

    def replies() -> Any:
        out = tysha("desk", "show", rid, "--desk", tmp_path / "desk", "--json", env=env)
        return json.loads(out.stdout)["replies"]

    [before] = replies()
    assert before["drop_forked_since_sent"] is False and before["sent_at"], before
    desk = world.desk = Desk.open(tmp_path / "desk", PASS, client_factory=world.client)
    world.serving = world.forked
    assert len(desk.fetch().forks) == 1 and desk.store.drops()[0].forked
    desk.close()
    [after] = replies()
    assert after["drop_forked_since_sent"] is True, after
    assert {k: v for k, v in after.items() if k != "drop_forked_since_sent"} == {
        k: v for k, v in before.items() if k != "drop_forked_since_sent"}


def test_a_reply_receipt_whose_log_is_not_proved_keeps_the_reply_queued(
    world: _World,
) -> None:
    """A drop that will not prove its receipt's log consistent with the desk's (a garbled
    answer) proves no fork, but the reply is not said sent: it stays queued and is sent again
    (the drop answers with the same entry) until the drop proves it."""
    desk = world.desk
    rid = _rid(desk)
    world.serving = _proofs_answered(world, 200, b"<html>")
    out = desk.reply(rid, "we read you")
    assert not out.sent and not out.forked and "did not prove" in out.error
    assert not desk.store.drops()[0].forked and len(desk.outbox()) == 1
    world.serving = world.honest
    assert desk.send_queued().sent == [rid] and desk.outbox() == []
    [rep] = desk.store.get_report(rid)["replies"]
    assert rep["log_consistent"] is True and rep["index"] == 2


@pytest.mark.parametrize("status", [503, 500])
def test_a_drop_failing_the_proof_of_a_reply_receipt_is_not_said_to_refuse_it(
    world: _World, status: int
) -> None:
    """The drop took the reply and gave a receipt, then answered the desk's request for the
    proof of its log with an error (503: overloaded, restarting): the reply stayed queued,
    but the handler read "the drop refused the reply (503)" - as if the drop had turned it
    down and sending it again were pointless. It now says the receipt could not be checked
    and the reply stays queued to be sent again, in the handler's language."""

    from tysha.i18n import translations

    desk = world.desk
    rid = _rid(desk)
    world.serving = _proofs_answered(world, status)
    out = desk.reply(rid, "we read you")
    assert not out.sent and not out.forked
    assert "refused" not in out.error and str(status) in out.error, out.error
    assert "could not be checked" in out.error and "stays queued" in out.error, out.error
    [q] = desk.outbox()
    assert q.last_error == out.error and not desk.store.drops()[0].forked
    for lang in ("uk", "ru", "crh"):
        said = translations(lang).message(out.error)
        assert said != out.error and str(status) in said, (lang, said)
    world.serving = world.honest
    assert desk.send_queued().sent == [rid] and desk.outbox() == []


def test_a_queued_reply_sent_by_fetch_into_a_split_view_fails_the_fetch_saying_fork(
    world: _World, tmp_path: Path
) -> None:
    """A queued reply that `desk fetch` (or `desk send`) sent into another history was named
    only in the reply's stored error: fetch printed "replies: 0 sent, 1 still queued" and
    exited 0 when nothing else was wrong, and `desk send` said the drop was unreachable-like
    "still queued". Both now say FORK and exit 1; the web inbox shows it with the forks."""
    from tests.conftest import tysha
    from tysha.desk import service
    from tysha.errors import TransportError

    desk = world.desk
    rid = _rid(desk)

    class Down(DropClient):
        def upload(self, envelope: Any, progress: Any = None) -> Any:
            raise TransportError("cannot reach the drop: ConnectError")

    class Split(DropClient):
        """The honest log for everything but uploads, which the other history takes."""

        def upload(self, envelope: Any, progress: Any = None) -> Any:
            with DropClient(self.url, transport=world.forked.transport) as c:
                return c.upload(envelope, progress)

    assert not Desk(desk.store, client_factory=lambda url: Down(url)).reply(rid, "stay home").sent
    res = Desk(desk.store, client_factory=lambda url: Split(url, transport=world.honest
                                                             .transport)).fetch()
    assert res.replies.forks and res.replies.forks[0].startswith("FORK")
    assert res.forks == res.replies.forks  # what fails the fetch (CLI) and the web inbox shows
    desk.close()
    # `desk send` through the split view: exit 1, saying so (the drop is known forked now).
    world.serving = world.forked
    orig = service.Desk.open
    mp = pytest.MonkeyPatch()
    mp.setattr(service.Desk, "open",
               staticmethod(lambda *a, **kw: orig(*a, **kw | {"client_factory": world.client})))
    try:
        env = {"TYSHA_PASSPHRASE": PASS, "TYSHA_LANG": "en"}
        r = tysha("desk", "send", "--desk", tmp_path / "desk", env=env, check=False)
    finally:
        mp.undo()
    assert r.returncode == 1 and "forked" in r.stderr, r.stderr


def test_a_drop_frozen_below_a_reply_receipt_is_withheld_until_it_serves_that_tree(
    world: _World, tmp_path: Path
) -> None:
    """A drop that signed the reply's receipt in a log of 3 entries, then keeps serving the
    old checkpoint of 2 (every proof still verifies: an older checkpoint is consistent with
    everything), hides whatever was logged after it - the reports sent to the desk since.
    Before, `desk fetch` took it without a word (exit 0). Now the drop is flagged withholding,
    custody records it, `desk fetch` exits 1 saying WITHHELD; once the drop serves a tree at
    least that large, the flag goes."""
    from tests.conftest import tysha
    from tysha.desk import service
    from tysha.desk.fetch import withheld

    desk = world.desk
    out = desk.reply(_rid(desk), "we read you")
    assert out.sent and out.index == 2
    [d] = desk.store.drops()
    frozen_note = d.cp_note  # the checkpoint of 2 entries this desk verified at its fetch
    assert d.cp_size == 2

    class Frozen(DropClient):
        def checkpoint(self) -> str:
            return frozen_note

    honest_client = world.client
    world.client = lambda url: Frozen(url, transport=world.serving.transport)  # type: ignore[method-assign]
    res = desk.fetch()
    assert not res.forks
    [line] = res.withheld
    assert "WITHHELD" in line and "receipt" in line and "log of 3;" in line, line
    flags = withheld(desk.store, world.honest.client.url)
    assert list(flags) == [2]
    events = [e for e in desk.custody() if e["action"] == "withheld-by-drop"]
    assert len(events) == 1 and events[0]["detail"]["index"] == 2
    assert desk.drops()[0]["withheld"] == {"2": flags[2]}
    # Said again on every fetch (recorded in custody once), and by the CLI: exit 1.
    assert len(desk.fetch().withheld) == 1
    desk.close()
    orig = service.Desk.open

    def opened(*a: Any, **kw: Any) -> Desk:
        return orig(*a, **kw | {"client_factory": world.client})

    mp = pytest.MonkeyPatch()
    mp.setattr(service.Desk, "open", staticmethod(opened))
    try:
        env = {"TYSHA_PASSPHRASE": PASS, "TYSHA_LANG": "en"}
        r = tysha("desk", "fetch", "--desk", tmp_path / "desk", env=env, check=False)
        assert r.returncode == 1 and "WITHHELD" in r.stderr and "receipt" in r.stderr, r.stderr
        # one entry: said without "1 entries"
        assert "withholds entries of its log from this desk: 1 (see above)" in r.stderr, r.stderr
        uk = tysha("desk", "fetch", "--desk", tmp_path / "desk",
                   env=env | {"TYSHA_LANG": "uk"}, check=False)
        assert uk.returncode == 1 and "квитанц" in uk.stderr, uk.stderr
        # The drop serves its real log again: the flag goes.
        world.client = honest_client  # type: ignore[method-assign]
        r = tysha("desk", "fetch", "--desk", tmp_path / "desk", env=env, check=False)
        assert r.returncode == 0 and "WITHHELD" not in r.stderr, r.stderr
    finally:
        mp.undo()
    desk = Desk.open(tmp_path / "desk", PASS, client_factory=world.client)
    try:
        assert withheld(desk.store, world.honest.client.url) == {}
        assert [e for e in desk.custody() if e["action"] == "withheld-by-drop"] == events
    finally:
        desk.close()
