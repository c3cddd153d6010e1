"""The source under interruption and scarcity: a cut connection, a killed command, a full
disk, a vault made by a newer Tysha."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tysha.errors import TransportError
from tysha.transport import DropClient

from .test_flow import enrolled  # noqa: F401  (the fixture)
from .test_lying_drop import send_report_and_reply, world  # noqa: F401  (world: the fixture)


def _link_breaking_after(monkeypatch: pytest.MonkeyPatch, limit: int) -> list[int]:
    """Requests to the drop over a link that breaks once ``limit`` bytes went over one
    connection; the caller sets the count (``[0]``) back to 0 for each new try."""
    real = DropClient._request
    carried = [0]

    def request(self: DropClient, method: str, path: str, **kw: Any) -> httpx.Response:
        body = kw.get("content") or b""
        if carried[0] + len(body) > limit:
            raise TransportError("cannot reach the drop: the connection was reset")
        carried[0] += len(body)
        return real(self, method, path, **kw)

    monkeypatch.setattr(DropClient, "_request", request)
    return carried


def _vault_with_a_big_photo(
    tmp_path: Path, enrolled: dict[str, Any], cli: Any  # noqa: F811
) -> tuple[str, dict[str, str]]:
    """A vault of 8 MiB (it holds one 2.5 MiB photo), enrolled, with one report carrying a
    2.5 MiB photo in its outbox: (the vault's path, the environment)."""
    env = enrolled["env"]
    bigger = tmp_path / "big.vault"
    cli("source", "init", "--vault", str(bigger), "--size", "8MiB", env=env)
    cli("source", "enroll", "--vault", str(bigger), "--invitation", enrolled["inv"].to_text(),
        env=env)
    photo = tmp_path / "video.bin"
    photo.write_bytes(os.urandom(5 << 19))
    cli("source", "report", "--vault", str(bigger), "--category", "atk", "--text", "shelling",
        "--attach", str(photo), env=env)
    return str(bigger), env


def test_a_photo_cut_off_midway_gets_through_a_little_more_each_time(
    tmp_path: Path, enrolled: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """A bad connection breaks after about 1.5 MiB each time it is tried. A 2.5 MiB photo went
    as one piece of the drop's chunk size (4 MiB) and was cut every time, each attempt from
    zero: it never left. Each send now keeps what got through and the photo arrives."""
    v, env = _vault_with_a_big_photo(tmp_path, enrolled, cli)
    carried = _link_breaking_after(monkeypatch, 3 << 19)  # after 1.5 MiB
    sent = False
    for _attempt in range(6):
        carried[0] = 0  # the next try of the reporter, on a new connection
        r = cli("source", "send", "--vault", v, "--now", env=env, check=False)
        if r.returncode == 0:
            sent = True
            break
        assert "everything stays in the outbox" in r.stderr or "cannot reach" in r.stderr, r.stderr
        assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1
    assert sent, "the photo never got through"
    assert "sent 1, receipts verified; 0 still waiting" in r.stdout, r.stdout


def test_a_vault_of_a_newer_tysha_is_refused_and_left_alone(
    enrolled: dict[str, Any], cli: Any  # noqa: F811
) -> None:
    """A phone restored from an older backup of the app meets a vault a newer Tysha wrote.
    Before, this Tysha read it as its own and wrote its own idea of the state back over it
    (a report, a send). It is now refused in plain words before anything is written, as a
    newer desk is; destroying it (purge) still works."""
    from tysha.source.device import SourceDevice

    v, env = str(enrolled["vault"]), enrolled["env"]
    cli("source", "report", "--vault", v, "--category", "det", "--text", "first", env=env)
    dev = SourceDevice.open(Path(v), env["TYSHA_PASSPHRASE"])
    dev.state["v"] = 2  # what a later format would say
    dev.save()
    dev.vault.release()
    before = Path(v).read_bytes()
    for args in (["report", "--category", "det", "--text", "second"], ["send", "--now"],
                 ["outbox"], ["notes", "--add", "x"], ["decoy", "--note", "recipes"]):
        r = cli("source", args[0], "--vault", v, *args[1:], env=env, check=False)
        assert r.returncode == 1, (args, r.stdout)
        assert "this vault was written by a newer Tysha" in r.stderr, r.stderr
        assert "sealed" not in r.stdout
    assert Path(v).read_bytes() == before
    cli("source", "purge", "--vault", v, env=env)


def test_a_send_whose_vault_cannot_be_saved_claims_only_what_it_kept(
    enrolled: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The phone's storage is full (or the command is stopped) right after a report reached the
    drop, before the vault recorded it. Before, the reporter read "sent 1, receipts verified;
    0 still waiting" next to "the disk is full ... nothing was changed", while the vault still
    had it waiting (the next send said "sent 1" again). Now only what the vault kept is
    claimed; the next send confirms it once, and the drop holds it once."""
    import errno

    from tysha.source.vault import Vault

    v, env = str(enrolled["vault"]), enrolled["env"]
    for i in range(2):
        cli("source", "report", "--vault", v, "--category", "det", "--text", f"r{i}", env=env)
    real = Vault.save
    saves = [0]

    def save(self: Vault, comp: Any) -> None:
        saves[0] += 1
        if saves[0] > 1:  # the first report's receipt is kept, then the card is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(self, comp)

    monkeypatch.setattr(Vault, "save", save)
    r = cli("source", "send", "--vault", v, "--now", env=env, check=False)
    monkeypatch.setattr(Vault, "save", real)
    assert r.returncode == 1 and "the disk is full" in r.stderr, r.stderr
    waiting = len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout))
    assert waiting == 1
    assert r.stdout.strip() == "sent 1, receipts verified; 1 still waiting", r.stdout
    r = cli("source", "send", "--vault", v, "--now", env=env)
    assert "sent 1, receipts verified; 0 still waiting" in r.stdout
    with DropClient(enrolled["url"]) as c:
        assert c.info()["tree_size"] == 2


def test_a_video_larger_than_the_vault_is_refused_before_it_is_read(
    tmp_path: Path, enrolled: dict[str, Any], cli: Any  # noqa: F811
) -> None:
    """A 4 MiB vault and a 40 MiB video. Before, the whole video was read, hashed and sealed
    in memory (several copies of it: what gets a cheap phone's app killed) and only then
    "the vault is full" was said. It is now said before the file is read, with the same
    numbers, and the vault is unchanged."""
    import tracemalloc

    v, env = str(enrolled["vault"]), enrolled["env"]
    video = tmp_path / "clip.mp4"
    with open(video, "wb") as f:
        f.truncate(40 << 20)
    before = Path(v).read_bytes()
    tracemalloc.start()
    try:
        r = cli("source", "report", "--vault", v, "--category", "atk", "--text", "shelling",
                "--attach", str(video), env=env, check=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.returncode == 1 and "the vault is full: this needs" in r.stderr, r.stderr
    assert "send what waits, or make a larger vault" in r.stderr
    assert "sealed" not in r.stdout
    assert peak < 8 << 20, peak
    assert Path(v).read_bytes() == before


@pytest.mark.parametrize(("err", "said"), [
    ("ENOSPC", "the disk is full"),
    ("EIO", "Input/output error"),
])
def test_a_report_the_card_cannot_take_says_so_and_keeps_the_vault(
    enrolled: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    err: str, said: str,
) -> None:
    """A full or failing memory card while a report is saved. Before, a failing card (EIO)
    was "the system refused the operation on ? — check the path": no word of the vault or of
    what was kept. Now the vault is named, the cause said, and that the save before is kept;
    the vault still opens with what it held."""
    import errno

    v, env = str(enrolled["vault"]), enrolled["env"]
    cli("source", "report", "--vault", v, "--category", "det", "--text", "first", env=env)
    real = os.fsync
    code = getattr(errno, err)

    def fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", fsync)
    r = cli("source", "report", "--vault", v, "--category", "det", "--text", "second", env=env,
            check=False)
    monkeypatch.setattr(os, "fsync", real)
    assert r.returncode == 1 and "sealed" not in r.stdout
    assert said in r.stderr and "phone.vault" in r.stderr and "?" not in r.stderr, r.stderr
    assert "the save before is kept" in r.stderr, r.stderr
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1


def test_a_photo_under_a_mib_also_goes_in_pieces(
    tmp_path: Path, enrolled: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """Up to the drop's one-shot limit (1 MiB) an envelope went as one request: a connection
    that breaks every 640 KiB never got a 700 KB photo through. It now goes in pieces too."""
    v, env = str(enrolled["vault"]), enrolled["env"]
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(os.urandom(700_000))
    cli("source", "report", "--vault", v, "--category", "atk", "--text", "shelling",
        "--attach", str(photo), env=env)
    carried = _link_breaking_after(monkeypatch, 640 << 10)  # after 640 KiB
    for _attempt in range(4):
        carried[0] = 0
        r = cli("source", "send", "--vault", v, "--now", env=env, check=False)
        if r.returncode == 0:
            break
    assert "sent 1, receipts verified; 0 still waiting" in r.stdout, (r.stdout, r.stderr)


def test_an_original_that_cannot_be_shredded_stops_neither_the_others_nor_the_truth(
    tmp_path: Path, enrolled: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """`--shred-originals` with two photos, the first on storage this app may only read (a
    gallery's, a read-only card). Before, the command failed at the first one: the second
    was never overwritten, nothing said so, and the error did not say the report was sealed
    (a reporter told "error" writes it again: two reports). Now every original is tried,
    and the error says the report is sealed and which originals are still there."""
    import errno

    from tysha.errors import StorageError
    from tysha.source import shred as shredding

    v, env = str(enrolled["vault"]), enrolled["env"]
    first, second = tmp_path / "IMG_1.jpg", tmp_path / "IMG_2.jpg"
    first.write_bytes(b"\xff\xd8 one")
    second.write_bytes(b"\xff\xd8 two")
    real = shredding.shred

    def shred(path: Path) -> None:
        if path.name == first.name:
            raise StorageError(f"could not overwrite {path.name}: {os.strerror(errno.EROFS)}")
        real(path)

    monkeypatch.setattr(shredding, "shred", shred)
    r = cli("source", "report", "--vault", v, "--category", "det", "--text", "x", "--attach",
            str(first), "--attach", str(second), "--shred-originals", env=env, check=False)
    assert r.returncode == 1
    assert not second.exists() and first.exists()
    assert "sealed into the outbox" in r.stdout
    assert "the report is sealed" in r.stderr and "IMG_1.jpg" in r.stderr, r.stderr
    assert "IMG_2.jpg" not in r.stderr
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1


def test_a_clock_set_a_year_ahead_then_corrected_does_not_hold_reports_for_a_year(
    enrolled: dict[str, Any],  # noqa: F811
) -> None:
    """The phone's clock was a year ahead when the reports were written (a battery change, a
    wrong year typed in), then corrected. Before, each waited for its random delay counted
    from the wrong clock: `send` said "the next is due in about 366 days" and sent nothing
    for a year. A report written "in the future" now waits its delay from now."""
    from tysha.source.device import SourceDevice

    v, env = Path(enrolled["vault"]), enrolled["env"]
    now = 1_790_000_000.0
    ahead = now + 366 * 86400
    dev = SourceDevice.open(v, env["TYSHA_PASSPHRASE"], clock=lambda: ahead)
    for i in range(3):
        dev.report(["det"], f"r{i}", mean_delay=6 * 3600)
    dev.vault.release()
    dev = SourceDevice.open(v, env["TYSHA_PASSPHRASE"], clock=lambda: now)
    wait = dev.next_due()
    assert wait is not None and wait < 30 * 86400, wait / 86400
    later = SourceDevice(dev.vault, dev.comp, clock=lambda: now + 60 * 86400)
    assert len(later.due()) == 3  # two months on, every one is due
    dev.vault.release()
    again = SourceDevice.open(v, env["TYSHA_PASSPHRASE"], clock=lambda: now + 3600)
    assert again.next_due() is not None and again.next_due() <= wait  # kept, not moved on
    again.vault.release()


def test_replies_kept_are_shown_while_the_drop_is_unreachable(
    enrolled: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The drop has been unreachable for days and the reporter wants to read the handler's
    last answer again. Before, `source replies` showed nothing, only "cannot reach the drop
    ...; nothing was sent, everything stays in the outbox" (a check for replies sends
    nothing). Now the replies kept in the vault are shown, and the error says that new ones
    could not be checked."""
    from tysha.source.device import SourceDevice

    v, env = str(enrolled["vault"]), enrolled["env"]
    dev = SourceDevice.open(Path(v), env["TYSHA_PASSPHRASE"])
    dev.state.setdefault("replies", []).append(
        {"id": "7", "text": "Stay safe.", "received_at": "2026-03-02T10:00:00Z",
         "in_reply_to": None})
    dev.save()
    dev.vault.release()

    def unreachable(self: DropClient) -> dict[str, Any]:
        raise TransportError("cannot reach the drop: the connection could not be made")

    monkeypatch.setattr(DropClient, "info", unreachable)
    r = cli("source", "replies", "--vault", v, env=env, check=False)
    assert r.returncode == 1
    assert "Stay safe." in r.stdout, (r.stdout, r.stderr)
    assert "outbox" not in r.stderr and "nothing was sent" not in r.stderr, r.stderr
    assert "cannot reach the drop" in r.stderr and "new replies" in r.stderr, r.stderr
    r = cli("source", "replies", "--vault", v, "--json", env=env, check=False)
    assert r.returncode == 1 and [x["text"] for x in json.loads(r.stdout)] == ["Stay safe."]


def test_a_reply_read_before_the_connection_broke_is_kept(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The connection breaks in the middle of a check for replies, after the handler's reply
    was read. Before, nothing of that check was saved: the reply shown was not in the vault
    (and `replies` now says those shown are the ones kept). It is kept; the listing is read
    again from where it was next time, and the reply is not read twice."""
    from tysha.source import device as device_mod
    from tysha.source.device import SourceDevice
    from tysha.source.vault import Vault

    w = world
    send_report_and_reply(w)
    dev = w["dev"]
    monkeypatch.setattr(device_mod, "CLUE_PAGE", 1)

    class Breaking(DropClient):
        pages = 0

        def audited_page(self, *a: Any, **kw: Any) -> Any:
            Breaking.pages += 1
            if Breaking.pages > 2:  # the reply is at index 1: read on page 2
                raise TransportError("cannot reach the drop: it stopped answering (timed out)")
            return super().audited_page(*a, **kw)

    with Breaking(w["url"]) as c, pytest.raises(TransportError):
        dev.fetch_replies(c)
    kept = Vault(dev.vault.path).unlock("p").state
    assert [r["text"] for r in kept.get("replies", [])] == ["Received. Stay safe."]
    again = SourceDevice(dev.vault, Vault(dev.vault.path).unlock("p"))
    with DropClient(w["url"]) as c:
        assert again.fetch_replies(c) == []
    assert [r["text"] for r in again.replies()] == ["Received. Stay safe."]


@pytest.mark.parametrize("fails_at", [1, 2])
def test_a_purge_the_card_cuts_short_says_what_to_do(
    enrolled: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    fails_at: int,
) -> None:
    """A purge on a failing or full card. Before, it said "the system refused the operation
    on ? — check the path", or for a full card "nothing was changed", which may be false:
    the keys may already be overwritten. It now says the purge did not finish and that
    running it again tells: if the passphrase then opens nothing, the contents are gone."""
    import errno

    v, env = str(enrolled["vault"]), enrolled["env"]
    real = os.fsync
    calls = [0]

    def fsync(fd: int) -> None:
        calls[0] += 1
        if calls[0] == fails_at:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    r = cli("source", "purge", "--vault", v, env=env, check=False)
    monkeypatch.setattr(os, "fsync", real)
    assert r.returncode == 1 and "done" not in r.stdout
    assert "purge" in r.stderr and "phone.vault" in r.stderr and "?" not in r.stderr, r.stderr
    assert "nothing was changed" not in r.stderr
    assert "run it again" in r.stderr, r.stderr
    cli("source", "purge", "--vault", v, env=env, check=False)
    gone = cli("source", "outbox", "--vault", v, env=env, check=False)
    assert gone.returncode == 1 and "opens nothing" in gone.stderr


def test_a_lost_answer_to_the_last_step_does_not_send_the_photo_again(
    tmp_path: Path, enrolled: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """Every piece of a 2.5 MiB photo reached the drop, which logged it, but its answer to the
    last step was lost (Tor dropped the circuit while the drop was committing). Before, the
    next send uploaded the whole photo again from zero; now it asks for the receipt first
    and sends nothing again, and the drop holds the report once."""
    v, env = _vault_with_a_big_photo(tmp_path, enrolled, cli)
    real = DropClient._request
    carried = [0]
    lose = [True]

    def request(self: DropClient, method: str, path: str, **kw: Any) -> httpx.Response:
        carried[0] += len(kw.get("content") or b"")
        r = real(self, method, path, **kw)
        if path.endswith("/finish") and lose[0] and r.status_code == 200:
            raise TransportError("cannot reach the drop: it stopped answering (timed out)")
        return r

    monkeypatch.setattr(DropClient, "_request", request)
    r = cli("source", "send", "--vault", v, "--now", env=env, check=False)
    assert r.returncode == 1 and "cannot reach the drop" in r.stderr
    lose[0], carried[0] = False, 0
    r = cli("source", "send", "--vault", v, "--now", env=env)
    assert "sent 1, receipts verified; 0 still waiting" in r.stdout
    assert carried[0] == 0, carried[0]
    with DropClient(enrolled["url"]) as c:
        assert c.info()["tree_size"] == 1


def test_hour_kept_times_are_shown_as_the_hour_they_mean(
    enrolled: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The vault keeps its times to the hour (by design), but `source outbox` and `source
    replies` printed them as 2026-03-02T10:00:00Z, which reads as an exact time. They say the
    hour: 2026-03-02 10:00–11:00 UTC; --json stays as CLI.md gives it."""
    import re

    from tysha.source.device import SourceDevice

    v, env = str(enrolled["vault"]), enrolled["env"]
    cli("source", "report", "--vault", v, "--category", "det", "--text", "taken", env=env)
    dev = SourceDevice.open(Path(v), env["TYSHA_PASSPHRASE"])
    dev.state.setdefault("replies", []).append(
        {"id": "7", "text": "Stay safe.", "received_at": "2026-03-02T23:00:00Z",
         "written_at": "2026-03-02T22:47:13Z", "in_reply_to": None})
    dev.save()
    dev.vault.release()
    monkeypatch.setattr(DropClient, "info", lambda self: (_ for _ in ()).throw(
        TransportError("cannot reach the drop: the connection could not be made")))

    created = json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00Z", created["created_at"])  # CLI.md's form
    out = cli("source", "outbox", "--vault", v, env=env).stdout
    h = int(created["created_at"][11:13])
    assert f"{created['created_at'][:10]} {h:02d}:00–{(h + 1) % 24:02d}:00 UTC" in out, out
    assert ":00:00Z" not in out, out

    r = cli("source", "replies", "--vault", v, env=env, check=False)
    assert "[2026-03-02 23:00–00:00 UTC]" in r.stdout and "2026-03-02 22:47 UTC" in r.stdout, r.stdout
    assert ":00:00Z" not in r.stdout and "22:47:13Z" not in r.stdout, r.stdout
    r = cli("source", "replies", "--vault", v, "--json", env=env, check=False)
    assert json.loads(r.stdout)[0]["received_at"] == "2026-03-02T23:00:00Z"


def test_a_source_command_that_crashes_leaves_no_core_file(
    enrolled: dict[str, Any], tmp_path: Path  # noqa: F811
) -> None:
    """A source command that crashes (a native library fed a hostile photo, SIGABRT) had the
    core limit of its shell: where cores are kept (a laptop whose shell allows them,
    systemd-coredump), the memory image - the passphrase, the vault's keys, the report being
    written - landed on disk. Every source command now sets its core limit to zero first."""
    import fcntl
    import resource
    import signal
    import subprocess
    import sys
    import time

    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    if hard != resource.RLIM_INFINITY and hard < 64 << 20:
        pytest.skip("cores are not allowed here, so none can be shown to be avoided")

    def allow_cores() -> None:
        resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))

    cwd = tmp_path / "cwd"
    cwd.mkdir()
    v = enrolled["vault"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "source", "report", "--vault", str(v),
         "--category", "det", "--text", "-"],
        cwd=cwd, env={**os.environ, **enrolled["env"]}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=allow_cores,
    )  # fmt: skip
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"they took him at night")
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        with open(v, "rb") as f:
            while True:  # the command holds the vault: it has started and is at work
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(f, fcntl.LOCK_UN)
                except BlockingIOError:
                    break
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.01)
        proc.send_signal(signal.SIGABRT)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGABRT
    assert list(cwd.iterdir()) == []
