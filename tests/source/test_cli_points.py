"""Passphrase strength (10.8), --when forms (10.7), send/replies wording and QR enrolment
(10.13, 10.1), and no bytecode written by the source (9.17)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import segno
from PIL import Image, ImageDraw, ImageFilter

import tysha
from tysha.errors import BadInput
from tysha.protocol import Identity, Invitation
from tysha.source.device import parse_when
from tysha.source.passphrase import MIN_GUESSES_LOG10, check_strength, estimate_log10, generate

from ._inv import make_invitation

PASS = "a passphrase nobody guesses 7"
NOW = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC


# --- 10.8 passphrase strength ------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["p", "password", "12345678", "qwertyuiop", "kyiv2024", "Tr0ub4dor"])
def test_weak_passphrases_are_refused_with_a_generated_one(weak: str) -> None:
    with pytest.raises(BadInput) as e:
        check_strength(weak)
    assert "too easy to guess" in e.value.message and "for example" in e.value.message


def test_long_and_non_latin_passphrases_are_estimated() -> None:
    check_strength("the river bends where the old mill stood " * 5)  # 210 characters
    check_strength("червона калина над тихою водою")
    with pytest.raises(BadInput):
        check_strength("a" * 300)


def test_generated_passphrases_are_strong_and_fresh() -> None:
    seen = {generate() for _ in range(20)}
    assert len(seen) == 20
    for p in seen:
        # Six words of the EFF list; 16 random letters and digits without the word list.
        assert len(p.split()) == 6 or len(p.replace("-", "")) == 16
        assert estimate_log10(p) >= MIN_GUESSES_LOG10 + 2
        check_strength(p)


def test_the_fallback_estimate_without_zxcvbn(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_zxcvbn(name: str, *a: Any, **k: Any) -> Any:
        if name == "zxcvbn":
            raise ImportError(name)
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_zxcvbn)
    for weak in ("p", "password", "12345678", "a" * 300, "Tr0ub4dor"):
        with pytest.raises(BadInput):
            check_strength(weak)
    check_strength("the river bends where the old mill stood")
    check_strength(generate())


def test_init_and_decoy_refuse_a_weak_passphrase(tmp_path: Path, cli: Any) -> None:
    v = tmp_path / "phone.vault"
    r = cli("source", "init", "--vault", str(v), "--size", "1MiB", env={"TYSHA_PASSPHRASE": "p"},
            check=False)
    assert r.returncode == 1 and "too easy to guess" in r.stderr and "Traceback" not in r.stderr
    assert not v.exists()  # nothing was created
    env = {"TYSHA_PASSPHRASE": PASS, "TYSHA_DECOY_PASSPHRASE": "1234"}
    cli("source", "init", "--vault", str(v), "--size", "1MiB", env=env)
    before = v.read_bytes()
    r = cli("source", "decoy", "--vault", str(v), "--note", "milk", env=env, check=False)
    assert r.returncode == 1 and "decoy passphrase is too easy to guess" in r.stderr
    assert v.read_bytes() == before


# --- 10.7 --when -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("2026-03-01", "2026-03-01"),
        ("2026-03-01T10:20", "2026-03-01T10:20"),
        ("2026-03-01 10:20:30", "2026-03-01T10:20:30"),
        ("2026-03-01T10:20Z", "2026-03-01T10:20Z"),
        ("2026-03-01T10:20+03:00", "2026-03-01T10:20+03:00"),
        (" 2026-05-29T12:00-05:00 ", "2026-05-29T12:00-05:00"),
    ],
)
def test_when_accepts_iso_8601_forms(given: str, kept: str) -> None:
    assert parse_when(given, NOW) == kept


@pytest.mark.parametrize(
    "bad",
    ["yesterday", "01.03.2026", "2026-02-30", "2026-03-01T25:00", "2026-3-1", "2026-03-01T10",
     "2026-03-01T10:20+15:00", "2027-01-01", "2026-03-01Z", "вчора"],
)
def test_when_refuses_everything_else_and_names_the_forms(bad: str) -> None:
    with pytest.raises(BadInput) as e:
        parse_when(bad, NOW)
    msg = e.value.message
    assert "2026-03-01T10:20+03:00" in msg or "in the future" in msg


# --- 10.13 send, replies, enroll --qr -----------------------------------------------------------


def invitation() -> tuple[Invitation, Identity]:
    handler = Identity.generate(os.urandom)
    inv = make_invitation("http://127.0.0.1:9", "tysha.test/drop+" + "ab" * 4 + "+" + "A" * 44,
                          handler)
    return inv, handler


def real_invitation(drop: tuple[str, str, Path]) -> tuple[Invitation, Identity]:
    url, vkey, _ = drop
    handler = Identity.generate(os.urandom)
    return make_invitation(url, vkey, handler), handler


def qr_png(payload: bytes, path: Path) -> Path:
    segno.make(payload, error="l", mode="byte", boost_error=False).save(str(path), scale=4, border=4)
    return path


def as_photo(png: Path, out: Path) -> Path:
    """What a phone camera makes of a code on a screen: grey, tilted, soft, JPEG."""
    code = Image.open(png).convert("L")
    canvas = Image.new("L", (code.width + 300, code.height + 300), 190)
    canvas.paste(code, (150, 150))
    photo = canvas.rotate(7, resample=Image.BICUBIC, fillcolor=170)
    photo = photo.filter(ImageFilter.GaussianBlur(0.8)).resize(
        (int(photo.width * 1.3), int(photo.height * 1.3)), Image.BICUBIC
    )
    photo.save(out, "JPEG", quality=70)
    return out


def test_enroll_from_a_photo_of_the_qr_code(tmp_path: Path, cli: Any,
                                            drop: tuple[str, str, Path]) -> None:
    pytest.importorskip("zxingcpp")  # zxing-cpp: a dependency of the source's --qr
    inv, handler = real_invitation(drop)
    v = tmp_path / "phone.vault"
    env = {"TYSHA_PASSPHRASE": PASS}
    cli("source", "init", "--vault", str(v), "--size", "1MiB", env=env)
    photo = as_photo(qr_png(inv.qr_payload(), tmp_path / "code.png"), tmp_path / "IMG_9.jpg")
    out = cli("source", "enroll", "--vault", str(v), "--qr", str(photo), env=env)
    assert handler.public().fingerprint() in out.stdout
    # A QR code someone made of the text form enrols the same way.
    text_qr = tmp_path / "text.png"
    segno.make(inv.to_text(), error="l", boost_error=False).save(str(text_qr), scale=4)
    out = cli("source", "enroll", "--vault", str(v), "--qr", str(text_qr), env=env)
    assert handler.public().fingerprint() in out.stdout


def test_enrolment_leaves_the_invitation_nowhere_unsaid(tmp_path: Path, cli: Any,
                                                       drop: tuple[str, str, Path]) -> None:
    """The invitation names the drop and the handler and carries the enrolment secret. Before,
    the only ways in were a code typed after --invitation (kept in the shell's history file,
    readable beside the vault) and a photo of its QR code, left in the gallery without a
    word. Now '--invitation -' reads the code from standard input (as '--text -' does), and
    an enrolment from a photo says to delete it."""
    pytest.importorskip("zxingcpp")  # zxing-cpp: a dependency of the source's --qr
    inv, handler = real_invitation(drop)
    v = tmp_path / "phone.vault"
    env = {"TYSHA_PASSPHRASE": PASS}
    cli("source", "init", "--vault", str(v), "--size", "1MiB", env=env)
    out = cli("source", "enroll", "--vault", str(v), "--invitation", "-", env=env,
              input=inv.to_text() + "\n")
    assert handler.public().fingerprint() in out.stdout
    photo = as_photo(qr_png(inv.qr_payload(), tmp_path / "code.png"), tmp_path / "IMG_9.jpg")
    out = cli("source", "enroll", "--vault", str(v), "--qr", str(photo), env=env)
    assert handler.public().fingerprint() in out.stdout
    assert f"delete {photo} and every copy of it" in out.stdout, out.stdout
    # Nothing on standard input: refused, nothing pinned.
    cli("source", "init", "--vault", str(tmp_path / "other.vault"), "--size", "1MiB", env=env)
    before = (tmp_path / "other.vault").read_bytes()
    r = cli("source", "enroll", "--vault", str(tmp_path / "other.vault"), "--invitation", "-",
            env=env, input="", check=False)
    assert r.returncode == 1 and "no invitation code came on standard input" in r.stderr
    assert (tmp_path / "other.vault").read_bytes() == before


def test_enroll_refuses_a_damaged_or_missing_code(tmp_path: Path, cli: Any) -> None:
    pytest.importorskip("zxingcpp")  # zxing-cpp: a dependency of the source's --qr
    inv, _ = invitation()
    v = tmp_path / "phone.vault"
    env = {"TYSHA_PASSPHRASE": PASS}
    cli("source", "init", "--vault", str(v), "--size", "1MiB", env=env)
    before = v.read_bytes()
    # A code whose content is cut short: it scans, but is no whole invitation.
    cut = qr_png(inv.qr_payload()[:-12], tmp_path / "cut.png")
    r = cli("source", "enroll", "--vault", str(v), "--qr", str(cut), env=env, check=False)
    assert r.returncode == 1 and "damaged" in r.stderr and "Traceback" not in r.stderr
    # A code with a third of it torn off: nothing can be read.
    torn = qr_png(inv.qr_payload(), tmp_path / "torn.png")
    im = Image.open(torn).convert("L")
    ImageDraw.Draw(im).rectangle((0, 0, im.width, im.height // 3), fill=255)
    im.save(torn)
    r = cli("source", "enroll", "--vault", str(v), "--qr", str(torn), env=env, check=False)
    assert r.returncode == 1 and "no readable QR code" in r.stderr
    # Not an image at all, and a typo in a text code.
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(300))
    r = cli("source", "enroll", "--vault", str(v), "--qr", str(junk), env=env, check=False)
    assert r.returncode == 1 and "not an image" in r.stderr
    text = inv.to_text()
    r = cli("source", "enroll", "--vault", str(v), "--invitation", text[:-9], env=env, check=False)
    assert r.returncode == 1 and "damaged" in r.stderr
    r = cli("source", "enroll", "--vault", str(v), env=env, check=False)
    assert r.returncode == 2  # neither --invitation nor --qr
    assert v.read_bytes() == before  # nothing was pinned


def test_send_with_nothing_due_says_when_coarsely(tmp_path: Path, cli: Any,
                                                  drop: tuple[str, str, Path]) -> None:
    inv, _ = real_invitation(drop)
    v = str(tmp_path / "phone.vault")
    env = {"TYSHA_PASSPHRASE": PASS}
    cli("source", "init", "--vault", v, "--size", "1MiB", env=env)
    cli("source", "enroll", "--vault", v, "--invitation", inv.to_text(), env=env)
    r = cli("source", "send", "--vault", v, env=env)
    assert "outbox is empty" in r.stdout
    cli("source", "report", "--vault", v, "--category", "mob", "--text", "summons",
        "--when", "2026-03-01", "--mean-delay", str(50 * 3600), env=env)
    r = cli("source", "send", "--vault", v, env=env)
    assert "nothing is due yet; 1 waiting, the next is due" in r.stdout
    assert any(w in r.stdout for w in ("hour", "days"))
    assert ":" not in r.stdout.split("due", 1)[1]  # no clock time, only a coarse wait
    bad = cli("source", "report", "--vault", v, "--category", "mob", "--text", "x",
              "--when", "yesterday", env=env, check=False)
    assert bad.returncode == 1 and "accepted forms" in bad.stderr and "2026-03-01T10:20" in bad.stderr
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1


# --- 9.17 no bytecode ---------------------------------------------------------------------------


def test_the_source_writes_no_bytecode(tmp_path: Path) -> None:
    pkg = tmp_path / "site"
    shutil.copytree(Path(tysha.__file__).parent, pkg / "tysha",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    env.update(PYTHONPATH=str(pkg), TYSHA_PASSPHRASE=PASS)

    def run(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "tysha.cli", *args], env=env, cwd=tmp_path,
                       capture_output=True, timeout=120, check=True)

    run("source", "init", "--vault", str(tmp_path / "v"), "--size", "1MiB")
    run("source", "outbox", "--vault", str(tmp_path / "v"), "--json")
    written = sorted(str(p.relative_to(pkg)) for p in pkg.rglob("*.pyc"))
    # Only the package's own __init__ runs before the switch (pip compiles it at install).
    assert all(w.startswith("tysha/__pycache__/__init__.") for w in written), written
    # The check can see bytecode: a desk-side command does write it.
    run("--help")
    assert len(list(pkg.rglob("*.pyc"))) > 5


def test_a_terminal_is_offered_a_generated_passphrase(tmp_path: Path, product_argon2: None) -> None:
    import pty
    import re
    import select

    vault = tmp_path / "phone.vault"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TYSHA_")}
    env["TYSHA_LANG"] = "en"
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real CLI on a terminal
        os.execve(sys.executable, [sys.executable, "-m", "tysha.cli", "source", "init",
                                   "--vault", str(vault), "--size", "1MiB"], env)
    seen = b""

    def expect(pattern: bytes) -> bytes:
        nonlocal seen
        for _ in range(600):
            m = re.search(pattern, seen)
            if m:
                seen = seen[m.end():]
                return m.group(0)
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break
        raise AssertionError(f"never saw {pattern!r}; got {seen!r}")

    try:
        expect(rb"New vault passphrase \(press Enter to get a generated one\): ")
        os.write(fd, b"qwerty\n")  # too weak: explained, and asked again
        expect(rb"too easy to guess[^\n]*for example")
        expect(rb"New vault passphrase")
        os.write(fd, b"\n")  # take a generated one
        shown = expect(rb"Your vault passphrase: [a-z0-9 -]+\r?\n")
        words = shown.split(b": ", 1)[1].strip()
        assert len(words) >= 19
        expect(rb"Again: ")
        os.write(fd, words + b"\n")
        expect(rb"vault ready")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    from tysha.source.vault import Vault

    assert Vault(vault).unlock(words.decode()).state["notes"] == []


def test_a_date_refused_as_future_says_what_the_phones_clock_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A phone whose clock was reset (to 2000, a flat battery) refuses the true date of the
    event as 'in the future': the refusal now says what the clock reads and to put it right,
    in the source's language too."""
    import datetime as dt

    from tysha.cli import describe_error

    reset = dt.datetime(2000, 1, 1, 0, 5, tzinfo=dt.UTC).timestamp()
    with pytest.raises(BadInput) as e:
        parse_when("2026-03-01", reset)
    assert "2000-01-01 00:05 UTC" in (e.value.hint or ""), e.value.hint
    assert "date and time" in describe_error(e.value, "source")
    monkeypatch.setenv("TYSHA_LANG", "uk")
    line = describe_error(e.value, "source")
    assert "2000-01-01 00:05 UTC" in line and "дату й час" in line, line
