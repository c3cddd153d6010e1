"""`desk fetch` against a drop that lies in one answer (reviewer's points 4-7): a live entry
answered "gone", a refused proof of an entry called deleted, a malformed inclusion proof, a
malformed delete answer. Nothing is lost, nothing genuine is quarantined, the walk goes on.

In-process: a real drop app behind a transport that rewrites chosen answers (no socket)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from tysha.desk.fetch import withheld
from tysha.desk.service import Desk
from tysha.drop.launcher import InProcessDrop, in_process_drop
from tysha.protocol import (
    Identity,
    Manifest,
    frame_content,
    parse_header,
    seal_envelope,
    unwrap_slot,
)
from tysha.protocol.listing import DELETED, ListingRecord
from tysha.transport import DropClient

PASS = "desk passphrase for tests"
Rule = Callable[[httpx.Request], httpx.Response | None]


class _Tamper:
    """The in-process drop's transport, with answers rewritten by path (``rules``)."""

    name = "tamper"

    def __init__(self, real: Any) -> None:
        self.real = real
        self.rules: dict[str, Rule] = {}
        self.prefix_rules: dict[str, Rule] = {}

    def client(self, base_url: str, timeout: float) -> httpx.Client:
        inner = self.real.client(base_url, timeout)

        def handler(request: httpx.Request) -> httpx.Response:
            request.read()
            path = request.url.path
            rule = self.rules.get(path) or next(
                (r for p, r in self.prefix_rules.items() if path.startswith(p)), None
            )
            if rule is not None:
                out = rule(request)
                if out is not None:
                    return out
            r = inner.request(request.method, path, params=request.url.params,
                              content=request.content,
                              headers={"content-type": request.headers.get("content-type", "")})
            return httpx.Response(r.status_code, headers=r.headers, content=r.content)

        return httpx.Client(base_url=base_url, transport=httpx.MockTransport(handler),
                            timeout=timeout)


class _Liar(DropClient):
    """Calls one live entry deleted in its listing."""

    target = -1

    def clues(self, after: int = -1, limit: int = 1000) -> Any:
        recs, cur, size = super().clues(after, limit)
        return [replace(r, state=DELETED)
                if r.index == self.target and isinstance(r, ListingRecord) else r
                for r in recs], cur, size  # fmt: skip


def _sealed_report(text: str, ident: Identity, secret: bytes, to: list[Any]) -> bytes:
    """A report of ``text`` signed by ``ident`` with the invitation's enrolment ``secret``,
    sealed to the keys ``to`` (the desk's, and an escrow's)."""
    body = {"categories": ["det"], "text": text, "when": "", "where": "", "created_at": ""}
    m = Manifest("report", ident.public(), body, (), secret).signed(ident)
    return seal_envelope(frame_content(m.to_bytes()), to, os.urandom)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[InProcessDrop, Desk, _Tamper, Callable[[str], int]]]:
    with in_process_drop(tmp_path / "drop") as d:
        tamper = _Tamper(d.transport)
        _Liar.target = -1
        Desk.init(tmp_path / "desk", "Cell", PASS)
        desk = Desk.open(tmp_path / "desk", PASS,
                         client_factory=lambda url: _Liar(url, transport=tamper))
        inv = desk.invite(d.client.url, d.vkey)
        ident = Identity.generate(os.urandom)

        def report(text: str) -> int:
            return d.client.upload(_sealed_report(text, ident, inv.secret, [desk.store.public])).index

        try:
            yield d, desk, tamper, report
        finally:
            desk.close()


def _texts(desk: Desk) -> list[str]:
    return sorted(v.text for v in desk.reports())


@pytest.mark.parametrize("status", [404, 410])
def test_a_live_entry_answered_gone_is_withheld_not_lost(world: Any, status: int) -> None:
    d, desk, tamper, report = world
    report("r0")
    hidden = report("r1 hidden")
    report("r2")
    tamper.rules[f"/v1/envelopes/{hidden}"] = lambda rq: httpx.Response(
        status, json={"detail": "gone"})
    for _ in range(2):  # every fetch says so, and the cursor never passes it
        res = desk.fetch()
        assert [w.split(": ", 1)[1] for w in res.withheld] == [
            f"entry {hidden} WITHHELD: listed as live, but the drop answers that it is gone"
            f" ({status})"
        ]
        assert res.skipped == 0 and res.quarantined == []
        assert desk.store.drops()[0].cursor == hidden - 1
        assert withheld(desk.store, d.client.url) == {
            hidden: f"listed as live, but the drop answers that it is gone ({status})"
        }
    assert _texts(desk) == ["r0", "r2"]
    actions = [e["action"] for e in desk.custody()]
    assert actions.count("withheld-by-drop") == 1  # a custody event the first time
    tamper.rules.clear()  # the drop turns honest: the entry arrives
    res = desk.fetch()
    assert res.withheld == [] and _texts(desk) == ["r0", "r1 hidden", "r2"]
    assert desk.store.drops()[0].cursor == 2


def test_a_refused_proof_of_an_entry_called_deleted_is_withheld(world: Any) -> None:
    """The old desk let the DropRefused escape: "stopped answering", its cursor stuck."""
    d, desk, tamper, report = world
    report("r0")
    _Liar.target = report("r1 hidden")
    report("r2 after")
    tamper.prefix_rules["/log/tile/"] = lambda rq: httpx.Response(404, json={"detail": "no"})
    res = desk.fetch()
    assert res.errors == [] and res.unreachable == []
    assert len(res.withheld) == 1 and "entry 1 WITHHELD: called deleted" in res.withheld[0]
    assert _texts(desk) == ["r0", "r2 after"]
    assert desk.store.drops()[0].cursor == 0


@pytest.mark.parametrize("answer", [
    httpx.Response(200, content=b"<html>"),
    httpx.Response(200, json={"proof": 5}),
    httpx.Response(200, json={"proof": ["zz"]}),
    httpx.Response(200, json=[1]),
])
def test_a_malformed_inclusion_proof_keeps_the_report_unverified(
    world: Any, answer: httpx.Response
) -> None:
    """Handled as a refused proof: the report is kept, flagged, never quarantined."""
    d, desk, tamper, report = world
    report("genuine")
    tamper.rules["/v1/proof/inclusion"] = lambda rq: httpx.Response(
        answer.status_code, headers=answer.headers, content=answer.content)
    res = desk.fetch()
    assert res.quarantined == [] and desk.quarantined() == []
    assert len(res.new_reports) == 1 and _texts(desk) == ["genuine"]
    assert any("receipt: the drop's inclusion proof answer" in w for w in res.warnings)
    assert desk.store.get_report(res.new_reports[0])["receipt_verified"] is False


@pytest.mark.parametrize("answer", [b"ok", b'{"deleted": "yes"}', b"[]", b"{}"])
def test_a_malformed_delete_answer_never_quarantines_a_stored_report(
    world: Any, answer: bytes
) -> None:
    d, desk, tamper, report = world
    index = report("r0")
    tamper.rules[f"/v1/envelopes/{index}/delete"] = lambda rq: httpx.Response(
        200, content=answer)
    res = desk.fetch()
    assert res.quarantined == [] and desk.quarantined() == []
    assert len(res.new_reports) == 1 and _texts(desk) == ["r0"]
    assert any("stored, but not deleted from the drop" in w for w in res.warnings)
    assert desk.store.drops()[0].cursor == index


@pytest.mark.parametrize("answer", [
    httpx.Response(200, content=b"<html>"),
    httpx.Response(200, json={"proof": 5}),
    httpx.Response(200, json={"proof": ["zz"]}),
])
def test_an_unusable_consistency_proof_is_no_fork_and_nothing_advances(
    world: Any, answer: httpx.Response
) -> None:
    """A malformed consistency proof proves nothing either way: the desk says the
    drop did not prove its log, takes nothing new from it and asks again next time. The old
    desk recorded a fork for good - every report of that drop flagged "log forked" - on one
    garbled answer."""
    d, desk, tamper, report = world
    report("r0")
    assert len(desk.fetch().new_reports) == 1
    seen = desk.store.drops()[0]
    report("r1")
    tamper.rules["/v1/proof/consistency"] = lambda rq: httpx.Response(
        answer.status_code, headers=answer.headers, content=answer.content)
    for _ in range(2):
        res = desk.fetch()
        assert res.forks == [] and res.new_reports == []
        assert len(res.errors) == 1 and "did not prove it consistent with the 1" in res.errors[0]
        assert "may be hiding a fork" in res.errors[0]
        now = desk.store.drops()[0]
        assert not now.forked and (now.cp_size, now.cp_root, now.cursor) == (
            seen.cp_size, seen.cp_root, seen.cursor)
    assert "fork-detected" not in [e["action"] for e in desk.custody()]
    assert all(v.trusted and v.log_consistent for v in desk.reports())
    tamper.rules.clear()  # the drop answers: the fetch goes on where it stopped
    res = desk.fetch()
    assert res.errors == [] and res.forks == [] and _texts(desk) == ["r0", "r1"]


@pytest.mark.parametrize("answer", [
    httpx.Response(200, json={"proof": ["00" * 32]}),
    httpx.Response(404, json={"detail": "no such tree"}),
])
def test_a_consistency_proof_that_fails_to_verify_is_a_fork(
    world: Any, answer: httpx.Response
) -> None:
    """A well-formed proof that does not verify, or a refusal to prove a tree the drop signed,
    is a fork: recorded for good. (The old desk called the refusal "unreachable".)"""
    d, desk, tamper, report = world
    report("r0")
    desk.fetch()
    report("r1")
    tamper.rules["/v1/proof/consistency"] = lambda rq: httpx.Response(
        answer.status_code, headers=answer.headers, content=answer.content)
    res = desk.fetch()
    assert len(res.forks) == 1 and res.forks[0].startswith("FORK")
    assert desk.store.drops()[0].forked
    assert "fork-detected" in [e["action"] for e in desk.custody()]
    assert all(not v.trusted for v in desk.reports())


def test_a_desk_restored_from_a_backup_is_not_told_that_the_drop_deleted_alone(
    tmp_path: Path,
) -> None:
    """A desk deletes its copy on the drop once it has taken a report. Restored from a backup
    made before such a fetch, it found that entry deleted and said "deleted on the drop
    without this desk" - untrue, and a charge against an honest drop: its own copy deleted
    it, with a secret only this desk's key opens. It says now that this desk's secret was
    used, and the two ways that happens (a copy of this desk took it: a restored backup or
    the desk run in two places; or the drop hides it), so the handler knows the report was
    lost with the restore."""
    import shutil

    with in_process_drop(tmp_path / "drop") as d:
        path, backup = tmp_path / "desk", tmp_path / "backup"
        Desk.init(path, "Cell", PASS)

        def opened() -> Desk:
            return Desk.open(path, PASS, client_factory=lambda url: DropClient(
                url, transport=d.transport))  # fmt: skip

        desk = opened()
        inv = desk.invite(d.client.url, d.vkey)
        ident, escrow = Identity.generate(os.urandom), Identity.generate(os.urandom)
        sealed: dict[int, bytes] = {}

        def report(text: str) -> int:
            env = _sealed_report(text, ident, inv.secret, [desk.store.public, escrow.public()])
            index = d.client.upload(env).index
            sealed[index] = env
            return index

        report("r0")
        desk.fetch()
        desk.close()
        shutil.copytree(path, backup)  # last night's backup
        desk = opened()
        lost = report("r1, fetched after the backup")
        assert desk.fetch().withheld == []  # taken: its slot deleted on the drop
        desk.close()
        # The escrow desk takes its copy too: every slot deleted, the envelope gone.
        assert d.client.delete(lost, unwrap_slot(parse_header(sealed[lost]), escrow).deletion_secret)
        shutil.rmtree(path)
        shutil.copytree(backup, path)  # the laptop died; restored
        desk = opened()
        try:
            res = desk.fetch()
            assert len(res.withheld) == 1, res.withheld
            said = res.withheld[0]
            assert f"entry {lost} WITHHELD:" in said and "without this desk" not in said, said
            assert "restored from a backup" in said and "this desk's secret" in said, said
            assert _texts(desk) == ["r0"]
        finally:
            desk.close()


def test_entries_a_restored_desks_lost_copy_took_are_recorded_once_not_withheld_forever(
    tmp_path: Path,
) -> None:
    """Restored from a backup, a desk found the entries its lost copy had taken (and deleted,
    with this desk's secret) WITHHELD on every fetch, and every fetch exited 1, forever: a
    warning that never clears. An entry that arrived in the drop's log before an anchor of
    this desk's own custody that this desk does not hold (signed with its key: proof that a
    copy of it ran there, further than it holds) is now recorded once in custody as taken by
    that copy and no longer reported withheld; one deleted after that anchor is proved by
    nothing and stays WITHHELD."""
    import shutil

    from tysha.drop.launcher import threaded_drop

    with threaded_drop(tmp_path / "d") as (url, vkey, _data):
        client = DropClient(url)
        path, backup = tmp_path / "desk", tmp_path / "backup"
        Desk.init(path, "Cell", PASS)
        desk = Desk.open(path, PASS)
        inv = desk.invite(url, vkey)
        ident, escrow = Identity.generate(os.urandom), Identity.generate(os.urandom)
        sealed: dict[int, bytes] = {}

        def report(text: str) -> int:
            env = _sealed_report(text, ident, inv.secret, [desk.store.public, escrow.public()])
            index = client.upload(env).index
            sealed[index] = env
            return index

        def escrow_takes(index: int) -> None:  # every slot deleted: the envelope gone
            secret = unwrap_slot(parse_header(sealed[index]), escrow).deletion_secret
            assert client.delete(index, secret)

        report("r0")
        desk.fetch()
        desk.close()
        shutil.copytree(path, backup)  # last night's backup
        desk = Desk.open(path, PASS)
        lost = report("r1, fetched after the backup")
        assert desk.fetch().withheld == []
        anchored = desk.anchor()  # its custody, further than the backup's, in the drop's log
        later = report("r2, fetched after the anchor")
        assert desk.fetch().withheld == []
        desk.close()
        escrow_takes(lost)
        escrow_takes(later)
        shutil.rmtree(path)
        shutil.copytree(backup, path)  # the laptop died; restored
        desk = Desk.open(path, PASS)
        try:
            assert lost < anchored["index"] < later
            res = desk.fetch()
            assert [w.split(" WITHHELD:")[0] for w in res.withheld] == [f"{url}: entry {later}"]
            assert "this desk's secret" in res.withheld[0]
            said = [w for w in res.warnings if f"entry {lost}, " in w]
            assert len(said) == 1 and "another copy of this desk" in said[0], res.warnings
            assert f"entry {anchored['index']}" in said[0], said
            took = [e for e in desk.custody() if e["action"] == "taken-by-another-copy"]
            assert [(e["detail"]["index"], e["detail"]["anchor_index"]) for e in took] == [
                (lost, anchored["index"])]  # fmt: skip
            assert took[0]["detail"]["digest"] == hashlib.sha256(sealed[lost]).hexdigest()
            assert set(withheld(desk.store, url)) == {later}
            again = desk.fetch()  # recorded once; the other stays withheld
            assert [w for w in again.warnings if f"entry {lost}, " in w] == []
            assert len(again.withheld) == 1 and f"entry {later} " in again.withheld[0]
            assert len([e for e in desk.custody() if e["action"] == "taken-by-another-copy"]) == 1
            assert _texts(desk) == ["r0"]
        finally:
            desk.close()


def test_a_drop_serving_an_older_checkpoint_than_it_served_before_is_refused_as_shrunk(
    world: Any,
) -> None:
    """A drop that freezes its checkpoint after showing this desk a larger one (the older
    checkpoint consistent with everything) hides what it logged since: the log shrank, a
    fork recorded for good, nothing taken from it."""
    d, desk, tamper, report = world
    report("r0")
    desk.fetch()
    old_note = desk.store.drops()[0].cp_note
    report("r1")
    assert len(desk.fetch().new_reports) == 1
    tamper.rules["/log/checkpoint"] = lambda rq: httpx.Response(200, text=old_note)
    report("r2")
    res = desk.fetch()
    assert res.new_reports == [] and len(res.forks) == 1
    assert res.forks[0].startswith("FORK") and "shrank from 2 to 1" in res.forks[0]
    assert desk.store.drops()[0].forked
    assert "fork-detected" in [e["action"] for e in desk.custody()]


def test_an_envelope_damaged_on_the_drop_is_said_damaged_not_deleted(world: Any) -> None:
    """A record the drop's disk damaged leaves its envelope index while its log entry is live:
    the drop answered 410 "that envelope was deleted or has expired", and the desk said the
    drop calls it gone (as a drop hiding it would). Now the drop answers that its copy is
    damaged (410, error "damaged"), and the desk says so - still WITHHELD (a drop could say
    it to hide an entry), asked for again on every fetch, with what to do."""
    from tysha.errors import DropRefused

    d, desk, tamper, report = world
    report("r0")
    bad = report("r1 damaged")
    digest = d.service.store.envelope(bad).digest
    d.service.blobs.delete(digest)  # as a damaged record leaves the index (segments.py)
    assert not d.service.store.envelope(bad).gone
    with pytest.raises(DropRefused) as refused:
        d.client.fetch_bytes(bad)
    body = refused.value.body
    assert refused.value.status == 410 and body["error"] == "damaged", body
    assert "damaged" in str(body["detail"]) and "deleted" not in str(body["detail"])
    res = desk.fetch()
    [line] = res.withheld
    assert "copy is damaged" in line and "gone" not in line, line
    assert _texts(desk) == ["r0"] and desk.store.drops()[0].cursor == bad - 1
