"""A lying drop can neither hang `source replies` nor blind the source (issue 9.6), and a reply
says which report it answers (issue 10.13)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from tysha.errors import DropRefused
from tysha.protocol import Identity, Manifest, frame_content, seal_envelope
from tysha.source.device import CLUE_PAGE, SourceDevice
from tysha.source.vault import Vault
from tysha.transport import DropClient

from ._inv import make_invitation


class LyingClient(DropClient):
    """A real client whose clue listing lies in one chosen way; counts the pages asked."""

    def __init__(self, url: str, lie: str) -> None:
        super().__init__(url)
        self.lie = lie
        self.pages = 0

    def clues(self, after: int = -1, limit: int = 1000) -> Any:
        self.pages += 1
        if self.pages > 100_000:
            raise AssertionError("the source never stops asking")
        records, cursor, size = super().clues(after, limit)
        if self.lie == "stuck":
            return records, after, size  # records, but the cursor never moves
        if self.lie == "far-ahead":
            return [], 1_000_000_000_000_000, size
        if self.lie == "creep":
            return [], after + 1, 10**9  # moves by one, forever, with nothing in it
        if self.lie == "backwards":
            return [], after - 5, size
        if self.lie == "outside":
            return records, after + 1, size  # names a page of one, sends them all
        if self.lie == "ahead-of-checkpoint":
            # Honest, on a busy drop: entries arrived after the checkpoint was read.
            return records, cursor + 50, size
        return records, cursor, size


@pytest.fixture
def world(tmp_path: Path, drop: tuple[str, str, Path]) -> dict[str, Any]:
    url, vkey, _ = drop
    handler = Identity.generate(os.urandom)
    vault = Vault.create(tmp_path / "v", 4 * 1024 * 1024)
    comp = vault.add_compartment("p", 0, {"v": 1, "notes": []})
    dev = SourceDevice(vault, comp)
    dev.enroll(make_invitation(url, vkey, handler).to_text())
    return {"url": url, "dev": dev, "handler": handler}


def send_report_and_reply(w: dict[str, Any], text: str = "Received. Stay safe.") -> str:
    dev, handler = w["dev"], w["handler"]
    rid = dev.report(["det"], "a neighbour taken at night", mean_delay=0)
    env = bytes(dev.state["outbox"][0]["env"])
    with DropClient(w["url"]) as c:
        dev.send(c, now=True)
        body = {"text": text, "in_reply_to": hashlib.sha256(env).hexdigest()}
        reply = Manifest("reply", handler.public(), body).signed(handler)
        c.upload(seal_envelope(frame_content(reply.to_bytes()), [dev.identity().public()], os.urandom))
        for _ in range(3):
            c.upload(seal_envelope(b"noise", [Identity.generate(os.urandom).public()], os.urandom))
    return rid


@pytest.mark.parametrize("lie", ["stuck", "far-ahead", "creep", "backwards", "outside"])
def test_a_lying_listing_ends_and_never_pushes_the_cursor_past_the_log(
    world: dict[str, Any], lie: str
) -> None:
    send_report_and_reply(world)
    dev = world["dev"]
    with LyingClient(world["url"], lie) as liar:
        dev.fetch_replies(liar)
        size = dev.last_checkpoint_size()
    assert liar.pages <= 2
    assert dev.listing_problem is not None
    assert -1 <= dev.state["cursor"] <= size - 1
    assert Vault(dev.vault.path).unlock("p").state["cursor"] <= size - 1  # what was saved
    # Once the drop is honest again, replies arrive: the source is not blinded for good.
    handler = world["handler"]
    with DropClient(world["url"]) as honest:
        later = Manifest("reply", handler.public(), {"text": "Later."}).signed(handler)
        honest.upload(
            seal_envelope(frame_content(later.to_bytes()), [dev.identity().public()], os.urandom)
        )
        dev.fetch_replies(honest)
    assert [r["text"] for r in dev.replies()] == ["Received. Stay safe.", "Later."]
    assert dev.listing_problem is None


def test_a_cursor_ahead_of_the_checkpoint_is_normal_and_cut_back(world: dict[str, Any]) -> None:
    send_report_and_reply(world)
    dev = world["dev"]
    with LyingClient(world["url"], "ahead-of-checkpoint") as busy:
        dev.fetch_replies(busy)
    assert dev.listing_problem is None
    assert [r["text"] for r in dev.replies()] == ["Received. Stay safe."]
    assert dev.state["cursor"] == dev.last_checkpoint_size() - 1


def test_a_cursor_poisoned_before_this_check_is_read_again(world: dict[str, Any]) -> None:
    send_report_and_reply(world)
    dev = world["dev"]
    dev.state["cursor"] = 1_000_000_000_000_000  # what a lying drop left in older vaults
    dev.save()
    with DropClient(world["url"]) as c:
        dev.fetch_replies(c)
        dev.fetch_replies(c)  # read twice: kept once
    assert [r["text"] for r in dev.replies()] == ["Received. Stay safe."]
    assert dev.state["cursor"] <= dev.last_checkpoint_size() - 1


def test_pages_are_bounded_by_the_verified_log(world: dict[str, Any]) -> None:
    send_report_and_reply(world)
    dev = world["dev"]
    with LyingClient(world["url"], "honest") as liar:
        dev.fetch_replies(liar)
    # Five entries in the log: one page, not one per entry.
    assert liar.pages == 1 and CLUE_PAGE > 5


def test_a_reply_names_the_report_it_answers(world: dict[str, Any]) -> None:
    rid = send_report_and_reply(world)
    dev = world["dev"]
    with DropClient(world["url"]) as c:
        dev.fetch_replies(c)
    [r] = dev.replies()
    assert r["in_reply_to"]["id"] == rid
    assert r["in_reply_to"]["created_at"].endswith(":00:00Z")  # the hour, as the outbox showed
    assert set(r) == {"id", "text", "received_at", "written_at", "in_reply_to", "handler", "former"}
    assert r["handler"] == world["handler"].public().fingerprint() and r["former"] is False


def test_replies_shows_what_it_has_then_fails_loudly(world: dict[str, Any],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from tysha.errors import VerificationError
    from tysha.source import cli as source_cli

    send_report_and_reply(world)
    dev = world["dev"]
    with DropClient(world["url"]) as c:
        dev.fetch_replies(c)  # one genuine reply is already in the vault
        for _ in range(3):  # the log grows: there is more to list
            c.upload(seal_envelope(b"noise", [Identity.generate(os.urandom).public()], os.urandom))
    monkeypatch.setattr(source_cli, "_drop_client", lambda d, drop, **kw: LyingClient(world["url"], "creep"))
    monkeypatch.setenv("TYSHA_PASSPHRASE", "p")
    result = CliRunner().invoke(source_cli.app, ["replies", "--vault", str(dev.vault.path), "--json"])
    assert isinstance(result.exception, VerificationError)
    assert "not honest about its listing" in result.exception.message
    assert [r["text"] for r in json.loads(result.stdout)] == ["Received. Stay safe."]


class GoneClient(DropClient):
    """A real client whose drop lists a reply as live, then answers 404 for it."""

    gone: set[int] = set()
    refused = 404

    def fetch_bytes(self, index: int) -> bytes:
        from tysha.errors import DropRefused, TransportError

        if index in self.gone:
            if self.refused == 0:
                raise TransportError("cannot reach the drop: ReadTimeout")
            raise DropRefused("the drop refused", status=self.refused, body={})
        return super().fetch_bytes(index)


@pytest.mark.parametrize("refused", [404, 410, 0])
def test_a_live_reply_answered_gone_is_withheld_and_read_again(
    world: dict[str, Any], refused: int
) -> None:
    """Listed live, then 404/410 (or no answer): never passed over. The old device moved its
    cursor past it, and the reply was lost for good."""
    send_report_and_reply(world)
    dev = world["dev"]
    with GoneClient(world["url"]) as c:
        c.gone, c.refused = {1}, refused
        assert dev.fetch_replies(c) == []
        assert dev.state["cursor"] == 0  # before the reply, not past it
        if refused:
            assert dev.withheld == {
                1: f"a reply to you, listed as live, but the drop says it is gone ({refused})"
            }
            assert "withholds entries of its log from you: 1 (" in (dev.listing_problem or "")
        c.gone = set()
        got = dev.fetch_replies(c)
    assert [r["text"] for r in got] == ["Received. Stay safe."]
    assert dev.withheld == {} and dev.state["cursor"] == 4


def test_replies_come_in_the_order_the_handler_wrote_them_not_the_drops(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drop chooses the order of its log: by stalling the handler's first reply (the desk
    keeps it queued) and taking the second, it showed "It is safe now, go home" before "Do not
    go home". The source saw only when it fetched each; the time the handler signed was
    dropped. Each reply now says when the handler wrote it, and they are listed in that order."""
    from typer.testing import CliRunner

    from tysha.source import cli as source_cli

    dev, handler = world["dev"], world["handler"]
    with DropClient(world["url"]) as c:
        for text, at in (("It is safe now, go home.", "2026-11-30T18:00:00Z"),
                         ("Do not go home tonight.", "2026-11-30T09:00:00Z")):
            m = Manifest("reply", handler.public(), {"text": text, "created_at": at}).signed(handler)
            c.upload(seal_envelope(frame_content(m.to_bytes()), [dev.identity().public()], os.urandom))
        dev.fetch_replies(c)
    got = dev.replies()
    assert [(r["text"], r["written_at"]) for r in got] == [
        ("Do not go home tonight.", "2026-11-30T09:00:00Z"),
        ("It is safe now, go home.", "2026-11-30T18:00:00Z"),
    ]
    monkeypatch.setenv("TYSHA_PASSPHRASE", "p")
    out = CliRunner().invoke(source_cli.app, ["replies", "--vault", str(dev.vault.path), "--offline"])
    assert out.exit_code == 0, out.output
    first, second = out.output.splitlines()
    assert "2026-11-30 09:00 UTC" in first and "Do not go home" in first
    assert "2026-11-30 18:00 UTC" in second


class ReplayClient(DropClient):
    """A drop that logs an old reply's envelope again at a later index (an honest drop keeps
    one index per envelope): the listing, the envelope and the log entry at ``copy`` are those
    of ``original``, listed as live, its bytes the copy it kept when the reply was first
    fetched (the source deleted the original: it is gone from the listing and the store)."""

    original = -1
    copy = -1
    kept: dict[int, bytes] = {}

    def _at(self, index: int) -> int:
        return self.original if index == self.copy else index

    def clues(self, after: int = -1, limit: int = 1000) -> Any:
        from dataclasses import replace

        from tysha.protocol.listing import LIVE

        records, cursor, size = super().clues(after, limit)
        if after < self.copy <= cursor:
            [old], _c, _s = super().clues(self.original - 1, 1)
            again = replace(old, index=self.copy, state=LIVE, hour=None)
            records = [again if r.index == self.copy else r for r in records]
        return records, cursor, size

    def fetch_bytes(self, index: int) -> bytes:
        if index == self.copy:
            return self.kept[self.original]
        data = super().fetch_bytes(index)
        self.kept[index] = data
        return data

    def proved_entry(self, index: int, checkpoint: Any) -> bytes:
        return super().proved_entry(self._at(index), checkpoint)


def test_an_old_reply_logged_again_is_not_shown_twice_and_the_replay_is_said(
    world: dict[str, Any],
) -> None:
    """"Come to the station at noon", read last week, served again as a new entry of the log:
    the source kept replies by log index, so it showed the old instruction a second time, as
    just received, and said nothing of the drop's lie."""
    send_report_and_reply(world, "Come to the station at noon.")
    dev = world["dev"]
    ReplayClient.kept = {}
    with ReplayClient(world["url"]) as c:
        dev.fetch_replies(c)  # the drop keeps a copy of what it serves
        c.upload(seal_envelope(b"noise", [Identity.generate(os.urandom).public()], os.urandom))
        size = dev.last_checkpoint_size()
    [first] = dev.replies()
    with DropClient(world["url"]) as c:  # the source deleted it: every slot, it is gone
        with pytest.raises(DropRefused):
            c.fetch_bytes(int(first["id"]))
    with ReplayClient(world["url"]) as replay:
        replay.original, replay.copy = int(first["id"]), size
        assert dev.fetch_replies(replay) == []
    assert [r["text"] for r in dev.replies()] == ["Come to the station at noon."]
    assert dev.listing_problem is not None and f"entry {size}" in dev.listing_problem
    assert "already have again" in dev.listing_problem


def test_replies_kept_in_the_vault_are_shown_when_the_drop_is_unreachable(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a blackout `source replies` said only "cannot reach the drop": the handler's last
    words, kept in the vault, were not shown (only --offline shows them, which the error did
    not name). It shows them, then fails as before."""
    from typer.testing import CliRunner

    from tysha.errors import TransportError
    from tysha.source import cli as source_cli

    send_report_and_reply(world, "Stay away from the bridge.")
    dev = world["dev"]
    with DropClient(world["url"]) as c:
        dev.fetch_replies(c)

    def unreachable(d: Any, drop: Any, **kw: Any) -> Any:
        raise TransportError("cannot reach the drop: ConnectError")

    monkeypatch.setattr(source_cli, "_drop_client", unreachable)
    monkeypatch.setenv("TYSHA_PASSPHRASE", "p")
    for args in (["--json"], []):
        out = CliRunner().invoke(source_cli.app, ["replies", "--vault", str(dev.vault.path), *args])
        assert isinstance(out.exception, TransportError), out.output
        assert "Stay away from the bridge." in out.stdout


class ForgedCheckpoint(DropClient):
    """A drop whose checkpoint's signature does not verify (a drop key that is not the one
    the invitation pinned: an impostor, or a drop that lost its key)."""

    def checkpoint(self) -> str:
        note = super().checkpoint()
        body, sig = note.rsplit(" ", 1)
        return body + " " + sig[:8] + ("A" if sig[8] != "A" else "B") + sig[9:]


def test_replies_kept_in_the_vault_are_shown_when_the_drop_fails_its_check(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drop whose signed checkpoint does not verify is refused (nothing is read from it),
    and the handler's words already kept in the vault, verified when they came, were not
    shown either: they are, then the refusal."""
    from typer.testing import CliRunner

    from tysha.errors import VerificationError
    from tysha.source import cli as source_cli

    send_report_and_reply(world, "Stay away from the bridge.")
    dev = world["dev"]
    with DropClient(world["url"]) as c:
        dev.fetch_replies(c)
    monkeypatch.setattr(source_cli, "_drop_client", lambda d, drop, **kw: ForgedCheckpoint(world["url"]))
    monkeypatch.setenv("TYSHA_PASSPHRASE", "p")
    out = CliRunner().invoke(source_cli.app, ["replies", "--vault", str(dev.vault.path), "--json"])
    assert isinstance(out.exception, VerificationError), (out.exception, out.output)
    assert "Stay away from the bridge." in out.stdout


def test_a_fork_is_remembered_and_nothing_more_is_sent_through_that_drop(
    world: dict[str, Any], drop: tuple[str, str, Path]
) -> None:
    """A drop that showed the source another history once (a checkpoint signed by its key,
    inconsistent with one the vault saw) was caught then - "stop sending to it" - and forgotten:
    once the drop showed the first history again, `source send` sent the next reports to it
    without a word, into a log the handler may never be shown. The vault keeps the fork: no
    report goes through that drop (they stay sealed in the vault) until the source enrols
    with a new invitation, and `source replies` says so every time."""
    from tysha.errors import VerificationError
    from tysha.tlog import Checkpoint, NoteVerifier, open_checkpoint, parse_skey, sign_checkpoint

    url, vkey, data = drop
    dev = world["dev"]
    send_report_and_reply(world)
    signer = parse_skey((data / "log.key").read_text().strip())

    class Forking(DropClient):
        def checkpoint(self) -> str:  # the same size, another root, the drop's own key
            cp = open_checkpoint(super().checkpoint(), NoteVerifier.from_vkey(vkey))
            other = Checkpoint(cp.origin, cp.size, hashlib.sha256(b"another history").digest())
            return sign_checkpoint(other, signer)

    with Forking(url) as c, pytest.raises(VerificationError, match="DIFFERENT HISTORY"):
        dev.fetch_replies(c)
    dev.report(["det"], "a second report", mean_delay=0)
    with DropClient(url) as c:  # the first history again
        size = c.info().get("tree_size")
        with pytest.raises(VerificationError, match="two histories"):
            dev.send(c, now=True)
        assert c.info().get("tree_size") == size  # nothing was uploaded
    assert len(dev.outbox()) == 1
    with DropClient(url) as c:
        dev.fetch_replies(c)  # replies are still read (each is signed by the handler)
    assert dev.listing_problem and "two histories" in dev.listing_problem
    # A new invitation (met in person) starts afresh.
    dev.enroll(make_invitation(url, vkey, world["handler"]).to_text())
    with DropClient(url) as c:
        assert dev.send(c, now=True).sent == 1


def test_the_outbox_says_the_drop_showed_two_histories(
    world: dict[str, Any], drop: tuple[str, str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`source outbox` listed the waiting reports and "1 waiting" and nothing else, though the
    vault remembers that the drop showed two histories of its log and no report will ever go
    through it (send refuses): a reporter who looks there thought they only had to wait. Now
    the human output says it, with the hour, as `send` does; --json keeps its contract."""
    import json

    from typer.testing import CliRunner

    from tysha.errors import VerificationError
    from tysha.source import cli as source_cli
    from tysha.tlog import Checkpoint, NoteVerifier, open_checkpoint, parse_skey, sign_checkpoint

    url, vkey, data = drop
    dev = world["dev"]
    send_report_and_reply(world)
    signer = parse_skey((data / "log.key").read_text().strip())

    class Forking(DropClient):
        def checkpoint(self) -> str:
            cp = open_checkpoint(super().checkpoint(), NoteVerifier.from_vkey(vkey))
            other = Checkpoint(cp.origin, cp.size, hashlib.sha256(b"another history").digest())
            return sign_checkpoint(other, signer)

    monkeypatch.setenv("TYSHA_PASSPHRASE", "p")
    args = ["outbox", "--vault", str(dev.vault.path)]
    dev.report(["det"], "a second report", mean_delay=0)
    dev.save()
    before = CliRunner().invoke(source_cli.app, args)
    assert before.exit_code == 0 and "two histories" not in before.stdout
    with Forking(url) as c, pytest.raises(VerificationError, match="DIFFERENT HISTORY"):
        dev.fetch_replies(c)
    out = CliRunner().invoke(source_cli.app, args)
    assert out.exit_code == 0, out.output
    assert "1 waiting" in out.stdout
    assert f"two histories of its log ({dev.fork_seen()})" in out.stdout
    assert "nothing is sent through it" in out.stdout
    listed = CliRunner().invoke(source_cli.app, [*args, "--json"])
    assert len(json.loads(listed.stdout)) == 1


def test_a_drop_frozen_below_a_tree_it_signed_for_the_source_is_said_until_it_serves_it(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drop that signed a receipt for the source in a log of 6 entries, then keeps serving
    an older checkpoint of 5 (every proof still verifies: an older checkpoint is consistent
    with everything), hides what it logged after it - the reply written since, and the
    reports the source sent from the handler. `source replies` showed what it found and
    exited 0; `source send` said "sent". Now both say the drop serves an old checkpoint
    (exit 1; what was sent is sent, its receipts kept), until it serves a tree at least that
    large."""
    from typer.testing import CliRunner

    from tysha.errors import VerificationError
    from tysha.source import cli as source_cli

    send_report_and_reply(world)
    dev, handler, url = world["dev"], world["handler"], world["url"]
    with DropClient(url) as c:
        old_note = c.checkpoint()  # 5 entries: the report, the reply, three others
        dev.fetch_replies(c)
        assert dev.last_checkpoint_size() == 5
        dev.report(["det"], "a second report", mean_delay=0)
        dev.send(c, now=True)  # its receipt: a log of 6
        assert dev.last_checkpoint_size() == 6
        later = Manifest("reply", handler.public(), {"text": "Second answer."}).signed(handler)
        c.upload(seal_envelope(frame_content(later.to_bytes()), [dev.identity().public()],
                               os.urandom))

    class Frozen(DropClient):
        def checkpoint(self) -> str:
            return old_note

    with Frozen(url) as frozen:
        dev.fetch_replies(frozen)
    assert dev.listing_problem and "old checkpoint" in dev.listing_problem
    assert "5 entries" in dev.listing_problem and "6" in dev.listing_problem
    assert [r["text"] for r in dev.replies()] == ["Received. Stay safe."]
    # Remembered in the vault: `source send` says it too, after sending (receipts kept).
    assert Vault(dev.vault.path).unlock("p").state["log_frozen"] == [5, 6]
    dev.report(["det"], "a third report", mean_delay=0)
    with Frozen(url) as frozen, pytest.raises(VerificationError, match="old checkpoint"):
        dev.send(frozen, now=True)
    assert dev.outbox() == [] and len(dev.state["sent"]) == 3
    # The CLI: `source replies` exits 1 saying it.
    monkeypatch.setattr(source_cli, "_drop_client", lambda d, drop, **kw: Frozen(url))
    monkeypatch.setenv("TYSHA_PASSPHRASE", "p")
    dev.save()
    r = CliRunner().invoke(source_cli.app, ["replies", "--vault", str(dev.vault.path)])
    assert isinstance(r.exception, VerificationError) and "old checkpoint" in r.exception.message
    # The drop serves its real log again: the replies come, nothing is said any more.
    dev = SourceDevice(Vault(dev.vault.path), Vault(dev.vault.path).unlock("p"))
    with DropClient(url) as c:
        dev.fetch_replies(c)
    assert dev.listing_problem is None and "log_frozen" not in dev.state
    assert [r["text"] for r in dev.replies()] == ["Received. Stay safe.", "Second answer."]


def test_a_frozen_drop_is_not_held_against_another_drop_the_source_moves_to(
    world: dict[str, Any]
) -> None:
    """The vault's mark that its drop served an old checkpoint belongs to that drop's log: a
    source enrolled on another drop's log (the old one seized) would have been told after
    every send that the new drop hides its reports."""
    from tysha.tlog import NoteSigner

    dev = world["dev"]
    dev.state["log_frozen"] = [5, 6]
    # The same drop again (met in person): its log still hides entries, the mark stays.
    dev.enroll(make_invitation(world["url"], dev.invitation().drop_vkey,
                               world["handler"]).to_text())
    assert dev.state["log_frozen"] == [5, 6]
    other = NoteSigner("drop-b.example", os.urandom(32)).vkey
    dev.enroll(make_invitation("http://drop-b.example", other, world["handler"]).to_text())
    assert "log_frozen" not in dev.state


def test_a_reply_the_drop_says_its_copy_of_is_damaged_is_said_so(world: dict[str, Any]) -> None:
    """The drop answers 410 "damaged" for a reply its disk lost (drop/web.py): the source was
    told the drop says the reply is gone, as a drop hiding it would. Now it says the drop's
    copy is damaged; still withheld (asked for again next time)."""
    from tysha.errors import DropRefused

    class Damaged(DropClient):
        def fetch_bytes(self, index: int) -> bytes:
            if index == 1:
                raise DropRefused("the drop refused (410)", status=410, body={
                    "error": "damaged",
                    "detail": "the drop's copy of that envelope is damaged or lost"})
            return super().fetch_bytes(index)

    send_report_and_reply(world)
    dev = world["dev"]
    with Damaged(world["url"]) as c:
        assert dev.fetch_replies(c) == []
    assert dev.withheld == {
        1: "a reply to you, listed as live, but the drop says its copy is damaged or lost (410)"
    }
    assert dev.state["cursor"] == 0


def test_a_reply_read_is_gone_from_the_drop_and_not_called_withheld_after(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vault shows the drop its slot's deletion secret and the look-alike's (derived from
    the content key): the reply is gone from the drop, where it stayed until it expired; the
    next look finds it deleted and, the vault holding it, says nothing of it. A vault that
    stops before it has saved the reply deletes nothing: it finds the reply live again."""
    from tysha.protocol.listing import DELETED, LIVE
    from tysha.source.device import SourceDevice

    send_report_and_reply(world, "We have your report.")
    dev = world["dev"]

    def states(c: DropClient) -> list[str]:
        recs, _, _ = c.clues(-1, 100)
        return [str(r.state) for r in recs]

    def stop(self: Any) -> None:
        raise KeyboardInterrupt

    with DropClient(world["url"]) as c:
        before = states(c)
        with monkeypatch.context() as m:
            m.setattr(SourceDevice, "save", stop)
            with pytest.raises(KeyboardInterrupt):
                dev.fetch_replies(c)
        assert states(c) == before and DELETED not in before  # nothing deleted unsaved
        vault = Vault(dev.vault.path)
        again = SourceDevice(vault, vault.unlock("p"))
        [reply] = again.fetch_replies(c)
        assert reply["text"] == "We have your report." and again.listing_problem is None
        index = int(reply["id"])
        after = states(c)
        assert after[index] == DELETED
        assert [x for i, x in enumerate(after) if i != index] == [
            x for i, x in enumerate(before) if i != index
        ]
        assert before[index] == LIVE
        assert again.fetch_replies(c) == []
        assert again.listing_problem is None and again.withheld == {}
        assert [r["text"] for r in again.replies()] == ["We have your report."]
