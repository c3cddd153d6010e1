"""Every failure is one line: what happened and what to do, in the user's language (issue 10.12).

No Python text reaches a person: no traceback, no "[Errno 21]", no "'utf-8' codec can't
decode…", no exception class names; exit code 1 and nothing on stdout.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tysha.cli import describe_error
from tysha.errors import (
    BadPassphrase,
    ConfigError,
    NotAllowed,
    NotFound,
    ProtocolError,
    StorageError,
)

PYTHON_TEXT = re.compile(
    r"Traceback|\[Errno|codec can't|\b[A-Z][a-z]+(?:[A-Z][a-z]+)*Error\b|\bFile \"|0x[0-9a-f]{2}|"
    r"position \d+|line \d+, in"
)
DESK_PASS = "orchard lantern copper seventeen"


def one_clear_line(r: Any) -> str:
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    line = lines[0]
    assert line.startswith("tysha: error: ")
    assert not PYTHON_TEXT.search(line), line
    return line


@pytest.fixture
def place(tmp_path: Path, cli: Any) -> dict[str, Path]:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    binary = tmp_path / "photo.bin"
    binary.write_bytes(b"\x00\xff\xfe\x89PNG binary")
    desk = tmp_path / "desk"
    cli("desk", "init", "--desk", str(desk), "--name", "Cell", env={"TYSHA_PASSPHRASE": DESK_PASS})
    return {"folder": folder, "binary": binary, "desk": desk, "missing": tmp_path / "missing.zip",
            "root": tmp_path}


# (arguments, what the line must say: a regex, as the raising module may word it either way) —
# one case per kind of mistake a person makes.
CASES: list[tuple[str, Callable[[dict[str, Path]], list[str]], dict[str, str], str]] = [
    ("missing file", lambda p: ["verify", str(p["missing"])], {}, "does not exist"),
    ("folder as file", lambda p: ["verify", str(p["folder"])], {}, "is a folder, not a file|is not a file"),
    ("binary as text", lambda p: ["verify", str(p["binary"])], {}, "not text|not a receipt|neither a bundle nor a receipt"),
    ("missing vault", lambda p: ["source", "outbox", "--vault", str(p["root"] / "nope.bin")],
     {"TYSHA_PASSPHRASE": DESK_PASS}, "does not exist"),
    ("folder as vault", lambda p: ["source", "outbox", "--vault", str(p["folder"])],
     {"TYSHA_PASSPHRASE": DESK_PASS}, "is a folder, not a file|is not a file"),
    ("file as desk", lambda p: ["desk", "list", "--desk", str(p["binary"])],
     {"TYSHA_PASSPHRASE": DESK_PASS}, "file, not a folder|is not a desk"),
    ("missing desk", lambda p: ["desk", "list", "--desk", str(p["root"] / "no-desk")],
     {"TYSHA_PASSPHRASE": DESK_PASS}, "desk init"),
    ("wrong passphrase", lambda p: ["desk", "list", "--desk", str(p["desk"])],
     {"TYSHA_PASSPHRASE": "not the desk passphrase at all"}, "passphrase"),
    ("existing file as drop folder", lambda p: ["drop", "init", "--data", str(p["binary"])], {},
     "already exists"),
    ("missing courier file", lambda p: ["courier", "deliver", str(p["missing"]), "--drop",
                                        "http://127.0.0.1:9"], {}, "does not exist"),
]


@pytest.mark.parametrize(("name", "argv", "env", "says"), CASES, ids=[c[0] for c in CASES])
def test_bad_invocation_gives_one_clear_line(name: str, argv: Callable[[dict[str, Path]], list[str]],
                                             env: dict[str, str], says: str,
                                             place: dict[str, Path], cli: Any) -> None:
    line = one_clear_line(cli(*argv(place), env={"TYSHA_LANG": "en", **env}, check=False))
    assert re.search(says, line), line
    if "desk init" not in line:  # that message already says what to do
        assert " — " in line, f"no hint on what to do: {line}"


def test_hints_fit_the_error_not_the_family(place: dict[str, Path], cli: Any) -> None:
    env = {"TYSHA_LANG": "en"}
    missing = one_clear_line(cli("verify", str(place["missing"]), env=env, check=False))
    wrong = one_clear_line(cli("desk", "list", "--desk", str(place["desk"]), check=False,
                               env={**env, "TYSHA_PASSPHRASE": "not the desk passphrase at all"}))
    # Before: a missing file said "the data is malformed…", a wrong passphrase "check the
    # command's options…" — the family's one hint.
    assert "malformed" not in missing and "check the path" in missing
    assert "list command" not in missing  # a file is not an id
    assert "options" not in wrong and "TYSHA_PASSPHRASE" in wrong


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_errors_speak_the_users_language(lang: str, place: dict[str, Path], cli: Any) -> None:
    # What this module owns is translated whatever the raiser's wording: the explanation of an
    # OS error and the hint. (Messages raised deep in the code are msgids the catalogs translate.)
    for env in ({"TYSHA_LANG": lang}, {"TYSHA_LANG": "", "LANG": f"{lang}_UA.UTF-8"}):
        line = one_clear_line(cli("verify", str(place["folder"]), env=env, check=False))
        hint = line.rsplit(" — ", 1)[1]
        assert re.search("[а-яіїєґ]", hint) and not re.search("[A-Za-z]", hint), line


@pytest.mark.skipif(os.environ.get("TYSHA_TEST_CLI") == "process",
                    reason="the fault is injected into this process")
def test_an_unexpected_failure_is_one_line_without_internals(cli: Any, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import tysha.verify

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("/srv/secret/internal/path")

    monkeypatch.setattr(tysha.verify, "verify_path", broken)
    line = one_clear_line(cli("verify", str(tmp_path), env={"TYSHA_LANG": "en"}, check=False))
    assert "internal error" in line and "TYSHA_DEBUG" in line and "/srv/secret" not in line


@pytest.mark.parametrize(("exc", "says", "hint"), [
    (ProtocolError("not a receipt file: [Errno 21] Is a directory: 'x'"), "x is a folder", "file"),
    (ProtocolError("not a receipt file: 'utf-8' codec can't decode byte 0xff in position 1: "
                   "invalid start byte"), "not text", "expects"),
    (StorageError("cannot read x.bin: No such file or directory"), "x.bin does not exist", "path"),
    (StorageError("cannot write: No space left on device"), "disk is full", "free some disk"),
    (ConfigError("x is not a desk; run `tysha desk init` first"), "desk init", None),
    (BadPassphrase("wrong desk passphrase"), "wrong desk passphrase", "TYSHA_PASSPHRASE"),
    (NotFound("no report 'abc'"), "no report", "list"),
    (NotFound("case.zip does not exist or is not a file"), "case.zip", "check the path"),
    (ConfigError("bad thing", hint="do the specific thing"), "bad thing", "do the specific thing"),
    (IsADirectoryError(21, "Is a directory", "somewhere"), "somewhere is a folder", "file"),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "not text", "expects"),
])
def test_describe_error(exc: BaseException, says: str, hint: str | None,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TYSHA_LANG", "en")
    line = describe_error(exc)
    assert says in line and "\n" not in line and not PYTHON_TEXT.search(line), line
    if hint is None:
        assert " — " not in line
    else:
        assert hint in line.split(" — ", 1)[1]


def test_the_reason_a_raiser_hid_is_still_told(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # `raise StorageError("cannot read the vault x") from None` inside `except OSError` hides why;
    # the person still needs to hear that the file is missing, not "check the passphrase".
    monkeypatch.setenv("TYSHA_LANG", "en")
    try:
        try:
            (tmp_path / "x.bin").open("rb")
        except OSError:
            raise StorageError("cannot read the vault x.bin") from None
    except StorageError as exc:
        line = describe_error(exc)
    assert line.startswith("cannot read the vault x.bin: ") and "does not exist" in line
    assert "passphrase" not in line and not PYTHON_TEXT.search(line)


_HANDLER_HINT = "do not trust this item; keep it aside and tell your contact or auditor"


@pytest.mark.parametrize("lang", ["en", "uk", "ru", "crh"])
@pytest.mark.parametrize("reader", ["desk", "verify", "drop", "witness", None])
def test_only_a_source_is_told_to_tell_its_handler(lang: str, reader: str | None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # A check that failed at the desk (a drop that lies, an export's proof) was hinted 'tell
    # your handler or auditor', to the handler; the court's and the operators' have no handler.
    from tysha.errors import VerificationError
    from tysha.i18n import translate_message

    monkeypatch.setenv("TYSHA_LANG", lang)
    exc = VerificationError("the drop's receipt is for another envelope")
    line = describe_error(exc, reader)
    assert translate_message(_HANDLER_HINT, lang) not in line, line
    hint = line.split(" — ")[-1]
    assert hint == translate_message(
        "do not trust this item; keep it aside and tell your organisation", lang
    ), line
    source = describe_error(exc, "source")
    assert source.endswith(" — " + translate_message(_HANDLER_HINT, lang)), source


@pytest.mark.parametrize("lang", ["en", "uk", "ru", "crh"])
@pytest.mark.parametrize(("reader", "message"), [
    ("desk", "FORK: the drop http://d.example shows a history inconsistent with the one this desk"
             " saw before (the log shrank from 3 to 2 entries). Do not trust it; tell your"
             " organisation."),
    ("source", "THE DROP SHOWS A DIFFERENT HISTORY than before (a forked log): the log shrank."
               " Stop sending to it and tell your contact in person."),
])  # fmt: skip
def test_an_error_that_says_whom_to_tell_gets_no_second_hint(
    lang: str, reader: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each ended '… tell your organisation. — do not trust this item; keep it aside and tell
    # your handler or auditor': two pieces of advice, the second wrong at the desk.
    from tysha.errors import VerificationError
    from tysha.i18n import translate_message

    monkeypatch.setenv("TYSHA_LANG", lang)
    line = describe_error(VerificationError(message), reader)
    assert line == translate_message(message, lang), line


@pytest.mark.skipif(os.environ.get("TYSHA_TEST_CLI") == "process",
                    reason="the fault is injected into this process")
@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_desk_command_never_tells_the_handler_to_tell_a_handler(
    lang: str, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A damaged desk record read 'a stored item does not decrypt: wrong key or corrupted desk —
    # do not trust this item; keep it aside and tell your handler or auditor' at the desk.
    from tysha.desk import atrest
    from tysha.desk import cli as desk_cli
    from tysha.i18n import translate_message

    def damaged(_desk: Path) -> None:
        atrest.open_sealed(bytes(32), b"t:1", bytes(60))

    monkeypatch.setattr(desk_cli, "open_desk", damaged)
    (tmp_path / "desk.json").write_text("{}")
    line = one_clear_line(cli("desk", "list", "--desk", tmp_path, env={"TYSHA_LANG": lang},
                              check=False))  # fmt: skip
    assert translate_message(_HANDLER_HINT, lang) not in line, line
    assert line.endswith(" — " + translate_message("restore the desk folder from your backup",
                                                   lang)), line  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "uk", "ru", "crh"])
@pytest.mark.parametrize("exc", [
    StorageError("the desk's database (desk.db) is missing; nothing was changed: restore the "
                 "desk folder from your backup"),
    NotAllowed("the desk's record of this source is damaged: whether its key is revoked cannot "
               "be read, so nothing is sent to it; restore the desk folder from your backup"),
])  # fmt: skip
def test_an_error_that_says_to_restore_a_backup_gets_no_second_hint(
    lang: str, exc: BaseException, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lost desk.db read '…: restore the desk folder from your backup — check the path, free
    # disk space and the passphrase': the passphrase had nothing to do with it.
    from tysha.i18n import translate_message

    monkeypatch.setenv("TYSHA_LANG", lang)
    assert isinstance(exc, StorageError | NotAllowed)
    assert describe_error(exc, "desk") == translate_message(exc.message, lang)


@pytest.mark.parametrize("lang", ["en", "uk", "ru", "crh"])
@pytest.mark.parametrize("message", [
    "could not reach http://127.0.0.1:9/; nothing was lost, fetch again later",
    "some envelopes could not be fetched; fetch again later",
])  # fmt: skip
def test_a_fetch_that_says_fetch_again_later_gets_no_second_hint(
    lang: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 'desk fetch' with a drop down ended 'could not reach …; nothing was lost, fetch again
    # later — the drop may be unreachable; nothing was lost, try again later' (in uk the same
    # words twice over).
    from tysha.errors import TransportError
    from tysha.i18n import translate_message

    monkeypatch.setenv("TYSHA_LANG", lang)
    line = describe_error(TransportError(message), "desk")
    assert line == translate_message(message, lang) != message or lang == "en", line
    assert " — " not in line, line


@pytest.mark.parametrize("lang", ["en", "uk", "ru", "crh"])
def test_a_drop_that_cannot_be_reached_is_said_without_a_library_name(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A source (or the desk) whose drop was down read 'cannot reach the drop: ConnectError',
    # httpx's class name, in English whatever the language.
    from tysha.errors import TransportError
    from tysha.i18n import translate_message
    from tysha.transport import DropClient

    monkeypatch.setenv("TYSHA_LANG", lang)
    with DropClient("http://127.0.0.1:9/") as c, pytest.raises(TransportError) as refused:
        c.checkpoint()
    for reader in ("source", "desk"):
        line = describe_error(refused.value, reader)
        assert not PYTHON_TEXT.search(line) and "Connect" not in line, line
        assert translate_message("the connection could not be made", lang) in line, line
        if lang in ("uk", "ru"):  # every word in the person's language
            assert not re.search("[A-Za-z]", line), line
