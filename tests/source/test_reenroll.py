"""A vault enrolled more than once: another handler's code never silently takes over, nothing
sealed for one handler goes to another's drop, and what the vault kept says whose it is."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tysha.errors import NotAllowed
from tysha.protocol import Identity, Manifest, frame_content, seal_envelope
from tysha.source.device import SourceDevice
from tysha.source.vault import Vault
from tysha.tlog.note import NoteSigner
from tysha.transport import DropClient

from ._inv import make_invitation

PASS = "real passphrase 1"


def _device(tmp_path: Path) -> SourceDevice:
    vault = Vault.create(tmp_path / "v", 4 * 1024 * 1024)
    return SourceDevice(vault, vault.add_compartment(PASS, 0, {"v": 1, "notes": []}))


def _kept(tmp_path: Path) -> dict[str, Any]:
    """What the vault file holds (read again from the disk)."""
    return Vault(tmp_path / "v").unlock(PASS).state


def _reported(tmp_path: Path, cli: Any, invitation: Any) -> tuple[str, dict[str, str]]:
    """A new 4 MiB vault enrolled with ``invitation`` and one report waiting in its outbox:
    (its path, the environment with its passphrase)."""
    v, env = str(tmp_path / "phone.vault"), {"TYSHA_PASSPHRASE": PASS}
    cli("source", "init", "--vault", v, "--size", "4MiB", env=env)
    cli("source", "enroll", "--vault", v, "--invitation", invitation.to_text(), env=env)
    cli("source", "report", "--vault", v, "--category", "det", "--text", "taken at night",
        "--mean-delay", "0", env=env)
    return v, env


def _vkey(name: str) -> str:
    return NoteSigner(name, os.urandom(32)).vkey


def test_another_handlers_invitation_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    dev = _device(tmp_path)
    mine, other = Identity.generate(os.urandom), Identity.generate(os.urandom)
    dev.enroll(make_invitation("http://drop-a.example", _vkey("drop-a"), mine).to_text())
    dev.report(["det"], "a neighbour taken at night", mean_delay=0)
    before = copy.deepcopy(dev.state)
    # A code someone else gave, or planted: same form, another desk's keys.
    planted = make_invitation("http://drop-b.example", _vkey("drop-b"), other).to_text()
    with pytest.raises(NotAllowed) as got:
        dev.enroll(planted)
    said = got.value.diagnostics()
    assert other.public().fingerprint() in said and mine.public().fingerprint() in said
    assert "nothing was changed" in said and "--new-handler" in said
    assert "waiting for your contact: 1" in said
    assert dev.state == before and _kept(tmp_path) == before
    assert dev.invitation().handler == mine.public()


def test_switching_handlers_sends_nothing_sealed_for_the_old_one(tmp_path: Path) -> None:
    dev = _device(tmp_path)
    mine, other = Identity.generate(os.urandom), Identity.generate(os.urandom)
    dev.enroll(make_invitation("http://drop-a.example", _vkey("drop-a"), mine).to_text())
    key_before = dev.identity().public()
    waiting = dev.report(["det"], "a neighbour taken at night", mean_delay=0)
    [shown] = dev.outbox()
    dev.enroll(make_invitation("http://drop-b.example", _vkey("drop-b"), other).to_text(),
               new_handler=True)
    assert dev.enrolment == "switched"
    assert dev.invitation().handler == other.public()
    # The old handler's report can't go to the new drop: it leaves the outbox, said, not sent.
    assert dev.outbox() == [] and dev.due(now=True) == []
    assert dev.not_sent == [shown] and shown["id"] == waiting
    # The new handler gets a key of its own: the old desk can't link the two.
    assert dev.identity().public() != key_before
    assert _kept(tmp_path)["outbox"] == [] and dev.state.get("checkpoint") is None


def test_the_same_handlers_invitation_again_is_no_switch(tmp_path: Path) -> None:
    dev = _device(tmp_path)
    mine = Identity.generate(os.urandom)
    vkey = _vkey("drop-a")
    dev.enroll(make_invitation("http://drop-a.example", vkey, mine).to_text())
    assert dev.enrolment == "new"
    key_before = dev.identity().public()
    rid = dev.report(["det"], "a neighbour taken at night", mean_delay=0)
    dev.enroll(make_invitation("http://drop-a2.example", vkey, mine).to_text())
    assert dev.enrolment == "same" and dev.not_sent == []
    assert [i["id"] for i in dev.outbox()] == [rid] and dev.identity().public() == key_before
    assert dev.invitation().drops == ("http://drop-a2.example",)


def test_the_cli_refuses_a_switch_until_told_and_says_what_was_not_sent(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any
) -> None:
    url, vkey, _ = drop
    mine, other = Identity.generate(os.urandom), Identity.generate(os.urandom)
    v, env = _reported(tmp_path, cli, make_invitation(url, vkey, mine))
    cli("source", "send", "--vault", v, "--now", env=env)
    dev = SourceDevice.open(Path(v), PASS)
    try:
        _reply_to(url, dev, mine, bytes(dev.state["sent"][0]["digest"]), "Received. Stay safe.")
    finally:
        dev.vault.release()
    cli("source", "replies", "--vault", v, env=env)
    cli("source", "report", "--vault", v, "--category", "mob", "--text", "summons",
        "--mean-delay", "0", env=env)
    waiting = json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)
    code = make_invitation(url, vkey, other).to_text()
    seen = Vault(Path(v)).unlock(PASS).state["checkpoint"]
    r = cli("source", "enroll", "--vault", v, "--invitation", code, env=env, check=False)
    assert r.returncode == 1 and "another contact" in r.stderr and "--new-handler" in r.stderr
    assert other.public().fingerprint() in r.stderr
    # The documented form, unchanged, still pins a first invitation; the new option switches.
    r = cli("source", "enroll", "--vault", v, "--invitation", code, "--new-handler", env=env)
    assert other.public().fingerprint() in r.stdout
    assert "not sent" in r.stdout and waiting[0]["id"] in r.stdout
    # What switching costs is said: the former handler's later replies can't reach this key.
    assert "a reply your former contact writes from now on does not reach" in r.stdout
    assert json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout) == []
    # The new handler reads the same drop: what the vault verified of its log stays.
    assert Vault(Path(v)).unlock(PASS).state["checkpoint"] == seen
    out = cli("source", "replies", "--vault", v, "--offline", env=env).stdout
    assert "Received. Stay safe." in out
    assert "former contact" in out and mine.public().fingerprint() in out
    shown = json.loads(cli("source", "replies", "--vault", v, "--offline", "--json",
                           env=env).stdout)
    assert [r["handler"] for r in shown] == [mine.public().fingerprint()]
    # Back to the first handler: what waited for it is in the outbox again, and said.
    r = cli("source", "enroll", "--vault", v, "--invitation",
            make_invitation(url, vkey, mine).to_text(), "--new-handler", env=env)
    assert "switched back" in r.stdout and "back in the outbox" in r.stdout
    assert waiting[0]["id"] in r.stdout
    assert json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout) == waiting
    out = cli("source", "replies", "--vault", v, "--offline", env=env).stdout
    assert "former contact" not in out and "Received. Stay safe." in out


def _reply_to(url: str, dev: SourceDevice, handler: Identity, digest: bytes, text: str) -> None:
    body = {"text": text, "in_reply_to": digest.hex()}
    reply = Manifest("reply", handler.public(), body).signed(handler)
    with DropClient(url) as c:
        c.upload(seal_envelope(frame_content(reply.to_bytes()), [dev.identity().public()],
                               os.urandom))


def _answered(
    tmp_path: Path, url: str, vkey: str
) -> tuple[SourceDevice, Identity, list[dict[str, Any]]]:
    """A vault enrolled with a new handler's code at ``url``, one report sent, the handler's
    reply "Received." to it on the drop and read: the vault, the handler, what was read."""
    mine = Identity.generate(os.urandom)
    dev = _device(tmp_path)
    dev.enroll(make_invitation(url, vkey, mine).to_text())
    dev.report(["det"], "a neighbour taken at night", mean_delay=0)
    with DropClient(url) as c:
        dev.send(c, now=True)
        _reply_to(url, dev, mine, bytes(dev.state["sent"][0]["digest"]), "Received.")
        return dev, mine, dev.fetch_replies(c)


def test_the_same_desks_invitation_again_keeps_the_drops_history(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any
) -> None:
    """"Enrol again with the code" (a handler's advice, or a lying drop's) must not wipe what
    the vault saw of the drop's log: a drop that forked its history would no longer be caught."""
    url, vkey, _ = drop
    mine = Identity.generate(os.urandom)
    v, env = _reported(tmp_path, cli, make_invitation(url, vkey, mine))
    cli("source", "send", "--vault", v, "--now", env=env)
    cli("source", "replies", "--vault", v, env=env)
    before = Vault(Path(v)).unlock(PASS).state
    assert isinstance(before["checkpoint"], dict) and before["cursor"] >= 0
    r = cli("source", "enroll", "--vault", v, "--invitation",
            make_invitation(url, vkey, mine).to_text(), env=env)
    after = Vault(Path(v)).unlock(PASS).state
    assert after.get("checkpoint") == before["checkpoint"]
    assert after["cursor"] == before["cursor"]
    assert after["identity"] == before["identity"] and after["sent"] == before["sent"]
    assert "the contact this vault is enrolled with" in r.stdout
    assert mine.public().fingerprint() in r.stdout


def test_after_the_handler_moves_drops_its_replies_there_are_all_read(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """Replies were known by their index in the drop's log: after the handler moved to a new
    drop, a reply there at an index an old reply had was passed over, never shown."""
    from tysha.drop.launcher import threaded_drop

    url, vkey, _ = drop
    dev, mine, read = _answered(tmp_path, url, vkey)
    assert [r["text"] for r in read] == ["Received."]
    [old] = dev.replies()
    (tmp_path / "b").mkdir()
    with threaded_drop(tmp_path / "b") as (url_b, vkey_b, _data):
        dev.enroll(make_invitation(url_b, vkey_b, mine).to_text())
        assert dev.enrolment == "moved" and dev.not_sent == []
        # What the vault learnt of the old drop is not held against the new one.
        for kept in ("checkpoint", "listing_seen", "drop_retention_hours"):
            assert kept not in dev.state, kept
        dev.report(["mob"], "summons at the school", mean_delay=0)
        with DropClient(url_b) as c:
            dev.send(c, now=True)  # index 0 of the new log, as the old report was
            _reply_to(url_b, dev, mine, bytes(dev.state["sent"][1]["digest"]), "Go now.")
            got = dev.fetch_replies(c)
            assert dev.listing_problem is None
        assert [r["id"] for r in got] == [old["id"]]  # the same index, on another log
        assert [r["text"] for r in got] == ["Go now."]
    assert sorted(r["text"] for r in dev.replies()) == ["Go now.", "Received."]


def test_a_drop_that_keeps_another_log_gets_nothing(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any
) -> None:
    """An address that leads to another drop (a mistyped --drop, an invitation made with
    another drop's key) got the report uploaded, and only then did its receipt fail: the
    report sat in a log the handler does not read, and the person read "do not trust"."""
    from tysha.drop.launcher import threaded_drop

    url, vkey, _ = drop
    v, env = _reported(tmp_path, cli, make_invitation(url, vkey, Identity.generate(os.urandom)))
    (tmp_path / "other").mkdir()
    with threaded_drop(tmp_path / "other") as (other, _vkey_other, _data):
        r = cli("source", "send", "--vault", v, "--now", "--drop", other, env=env, check=False)
        with DropClient(other) as c:
            assert c.info()["tree_size"] == 0  # nothing reached the other drop
    assert r.returncode == 1
    assert "not the drop your invitation names" in r.stderr and "outbox" in r.stderr
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1
    # The drop the invitation names still gets it.
    cli("source", "send", "--vault", v, "--now", env=env)
    assert json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout) == []


def test_a_witness_policy_for_the_old_drop_does_not_block_the_new_one(
    tmp_path: Path, cli: Any
) -> None:
    """The handler moved to another drop (the old one seized or blocked): the witnesses pinned
    for the old drop's log stayed required of the new one, so every `source replies` failed
    and no reply was ever read, and no command could remove them. Now the policy goes with the
    old drop, said so, unless witnesses are given again with the new invitation."""
    from tysha.witness.service import init_witness

    mine = Identity.generate(os.urandom)
    w1, w2 = (init_witness(tmp_path / n, f"{n}.example") for n in ("w1", "w2"))
    v, env = str(tmp_path / "phone.vault"), {"TYSHA_PASSPHRASE": PASS}
    policy = lambda: Vault(Path(v)).unlock(PASS).state.get("witness_policy")  # noqa: E731
    cli("source", "init", "--vault", v, "--size", "4MiB", env=env)
    vkey_a = _vkey("drop-a")
    cli("source", "enroll", "--vault", v, "--invitation",
        make_invitation("http://drop-a.example", vkey_a, mine).to_text(),
        "--witness", w1, "--witness", w2, env=env)
    assert policy() == {"witnesses": [w1, w2], "k": 2}
    # The same drop again: the policy stays.
    r = cli("source", "enroll", "--vault", v, "--invitation",
            make_invitation("http://drop-a.example", vkey_a, mine).to_text(), env=env)
    assert policy() == {"witnesses": [w1, w2], "k": 2} and "witness" not in r.stdout
    # Another drop's log, no witnesses given: the old drop's policy is removed, and said.
    r = cli("source", "enroll", "--vault", v, "--invitation",
            make_invitation("http://drop-b.example", _vkey("drop-b"), mine).to_text(),
            env={**env, "TYSHA_LANG": "uk"})
    assert policy() is None
    # Said whole in the person's language ("2 of" was left in English).
    assert "свідки, яких ви вимагали (2 з w1.example, w2.example)" in r.stdout, r.stdout
    assert "--witness" in r.stdout
    # Witnesses given with the new drop's invitation are the new policy.
    cli("source", "enroll", "--vault", v, "--invitation",
        make_invitation("http://drop-c.example", _vkey("drop-c"), mine).to_text(),
        "--witness", w2, env=env)
    assert policy() == {"witnesses": [w2], "k": 1}


def test_receipts_from_another_drop_are_said_to_be_so_and_change_nothing(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any
) -> None:
    """The courier carried the reports to the drop the handler used before it moved (or to
    another drop than the invitation names): importing its receipts said the drop's signature
    did not verify, "do not trust", as for a forgery. Now it says whose they are, that nothing
    was applied and that the reports stay in the outbox for the drop the invitation names."""
    from tysha.drop.launcher import threaded_drop

    url, vkey, _ = drop
    mine = Identity.generate(os.urandom)
    v, env = _reported(tmp_path, cli, make_invitation(url, vkey, mine))
    carried, back = tmp_path / "x.bin", tmp_path / "back.json"
    cli("source", "export", "--vault", v, "--to", str(carried), env=env)
    cli("courier", "deliver", str(carried), "--drop", url, "--receipts", str(back))
    (tmp_path / "b").mkdir()
    with threaded_drop(tmp_path / "b") as (url_b, vkey_b, _data):
        cli("source", "enroll", "--vault", v, "--invitation",
            make_invitation(url_b, vkey_b, mine).to_text(), env=env)
        r = cli("source", "import-receipts", "--vault", v, "--from", str(back), env=env,
                check=False)
        assert r.returncode == 1
        assert "another drop's log than the one your invitation names" in r.stderr, r.stderr
        assert "do not trust" not in r.stderr and "stay in the outbox" in r.stderr
        waiting = json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)
        assert len(waiting) == 1
        # They go to the drop the invitation names now.
        cli("source", "send", "--vault", v, "--now", env=env)
        assert json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout) == []


def test_a_vault_no_report_has_left_is_told_to_send_one_soon(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any
) -> None:
    """The desk enrols a key when its first report arrives, and only while the invitation is
    valid (14 days unless the handler chose otherwise): a reporter who enrolled and waited
    for something to report was, weeks later, an unenrolled stranger to the desk (reports
    flagged untrusted, no reply possible), and was never told to send early."""
    from tysha.desk.store import INVITATION_DAYS

    url, vkey, _ = drop
    mine = Identity.generate(os.urandom)
    v, env = str(tmp_path / "phone.vault"), {"TYSHA_PASSPHRASE": PASS}
    cli("source", "init", "--vault", v, "--size", "4MiB", env=env)
    out = cli("source", "enroll", "--vault", v, "--invitation",
              make_invitation(url, vkey, mine).to_text(), env=env).stdout
    assert "send a first report soon" in out and f"{INVITATION_DAYS} days" in out, out
    # Enrolled again before anything was sent: still said.
    out = cli("source", "enroll", "--vault", v, "--invitation",
              make_invitation(url, vkey, mine).to_text(), env=env).stdout
    assert "send a first report soon" in out
    cli("source", "report", "--vault", v, "--category", "det", "--text", "taken at night",
        "--mean-delay", "0", env=env)
    cli("source", "send", "--vault", v, "--now", env=env)
    out = cli("source", "enroll", "--vault", v, "--invitation",
              make_invitation(url, vkey, mine).to_text(), env=env).stdout
    assert "send a first report soon" not in out
    # A new handler knows nothing of the new key: said again.
    out = cli("source", "enroll", "--vault", v, "--invitation",
              make_invitation(url, vkey, Identity.generate(os.urandom)).to_text(),
              "--new-handler", env=env).stdout
    assert "send a first report soon" in out


def test_replies_from_a_drop_of_another_log_say_what_to_do(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any
) -> None:
    """`source replies` at an address where another drop answers said to try again later,
    which never helps: it now says, as `send` does, to check the address or tell the handler."""
    url, _key, _ = drop
    v, env = str(tmp_path / "phone.vault"), {"TYSHA_PASSPHRASE": PASS}
    cli("source", "init", "--vault", v, "--size", "4MiB", env=env)
    cli("source", "enroll", "--vault", v, "--invitation",
        make_invitation(url, _vkey("another-drop"), Identity.generate(os.urandom)).to_text(),
        env=env)
    r = cli("source", "replies", "--vault", v, env=env, check=False)
    assert r.returncode == 1 and "not the drop your invitation names" in r.stderr, r.stderr
    assert "check the drop's address" in r.stderr and "try again later" not in r.stderr


def test_switching_back_gives_the_former_handler_its_reports_and_key_again(
    tmp_path: Path,
) -> None:
    """A switch made by mistake, or talked into by someone with a planted code, destroyed
    the reports that waited for the real handler (evidence written once), and switching
    back gave the vault yet another key, which that handler's desk does not know (its one
    invitation already used: every later report flagged). Now a switch keeps them aside,
    sent to no one, and enrolling that handler's invitation again brings back its reports
    and its key."""
    dev = _device(tmp_path)
    mine, other = Identity.generate(os.urandom), Identity.generate(os.urandom)
    code_a = make_invitation("http://drop-a.example", _vkey("drop-a"), mine).to_text()
    dev.enroll(code_a)
    key_a = dev.identity().public()
    for_a = dev.report(["det"], "a neighbour taken at night", mean_delay=0)
    env_a = bytes(dev.state["outbox"][0]["env"])
    dev.enroll(make_invitation("http://drop-b.example", _vkey("drop-b"), other).to_text(),
               new_handler=True)
    assert [i["id"] for i in dev.not_sent] == [for_a] and dev.outbox() == []
    for_b = dev.report(["mob"], "summons at the school", mean_delay=0)
    dev.enroll(code_a, new_handler=True)
    assert dev.enrolment == "back" and dev.invitation().handler == mine.public()
    assert dev.identity().public() == key_a
    assert [i["id"] for i in dev.restored] == [for_a]
    assert [i["id"] for i in dev.outbox()] == [for_a]
    assert bytes(dev.state["outbox"][0]["env"]) == env_a
    assert [i["id"] for i in dev.not_sent] == [for_b]
    # Kept in the vault file, not only in this process.
    dev = SourceDevice(dev.vault, Vault(tmp_path / "v").unlock(PASS))
    assert [i["id"] for i in dev.outbox()] == [for_a]


def test_back_with_the_former_handler_its_replies_written_meanwhile_are_read(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """Both handlers read one drop: while the vault reported to the second, the first wrote
    to the key it knows, and the vault's reading of the log went past that reply. Switched
    back, the vault read on from there and never showed it."""
    url, vkey, _ = drop
    mine, other = Identity.generate(os.urandom), Identity.generate(os.urandom)
    dev = _device(tmp_path)
    code_a = make_invitation(url, vkey, mine).to_text()
    dev.enroll(code_a)
    dev.report(["det"], "a neighbour taken at night", mean_delay=0)
    with DropClient(url) as c:
        dev.send(c, now=True)
        digest = bytes(dev.state["sent"][0]["digest"])
        dev.enroll(make_invitation(url, vkey, other).to_text(), new_handler=True)
        _reply_to(url, dev, other, digest, "to the new key")  # so the log has it too
        # The first handler answers the key it knows, after the switch.
        body = {"text": "Do not go home tonight.", "in_reply_to": digest.hex()}
        m = Manifest("reply", mine.public(), body).signed(mine)
        key_a = SourceDevice(dev.vault, Vault(tmp_path / "v").unlock(PASS))
        key_a.state["identity"] = dev.state["held"][0]["identity"]
        c.upload(seal_envelope(frame_content(m.to_bytes()), [key_a.identity().public()],
                               os.urandom))
        dev.fetch_replies(c)  # reads past it (not for the new key)
        assert dev.state["cursor"] >= 2
        dev.enroll(code_a, new_handler=True)
        assert dev.enrolment == "back"
        got = dev.fetch_replies(c)
    assert [r["text"] for r in got] == ["Do not go home tonight."]


def test_replies_from_two_drops_logs_keep_distinct_ids(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any
) -> None:
    """A reply is known by its index in its drop's log: after the handler moved drops, a
    reply from each log at the same index had the same "id" in `source replies --json`, and
    a program keyed on it showed one of the two."""
    from tysha.drop.launcher import threaded_drop

    url, vkey, _ = drop
    dev, mine, _read = _answered(tmp_path, url, vkey)
    (tmp_path / "b").mkdir()
    with threaded_drop(tmp_path / "b") as (url_b, vkey_b, _data):
        dev.enroll(make_invitation(url_b, vkey_b, mine).to_text())
        dev.report(["mob"], "summons at the school", mean_delay=0)
        with DropClient(url_b) as c:
            dev.send(c, now=True)
            _reply_to(url_b, dev, mine, bytes(dev.state["sent"][1]["digest"]), "Go now.")
            dev.fetch_replies(c)
    dev.vault.release()
    shown = json.loads(cli("source", "replies", "--vault", str(tmp_path / "v"), "--offline",
                           "--json", env={"TYSHA_PASSPHRASE": PASS}).stdout)
    assert sorted(r["text"] for r in shown) == ["Go now.", "Received."]
    ids = [r["id"] for r in shown]
    assert len(set(ids)) == 2, ids
    # The current drop's replies keep the id they always had: the log index.
    assert [r["id"] for r in shown if r["text"] == "Go now."] == ["1"]
