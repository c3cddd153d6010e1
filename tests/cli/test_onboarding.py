"""The first hour of each kind of user on a fresh machine: things done twice, in the wrong
order or with a typo. Each message says what happened and what to do next, in the user's
language, and never suggests an unsafe step."""

from __future__ import annotations

import getpass
import io
import json
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from tysha.cli import describe_error
from tysha.errors import (
    BadInput,
    ConfigError,
    NotAllowed,
    NotFound,
    ProtocolError,
    StorageError,
    TyshaError,
)
from tysha.i18n import translate_message
from tysha.witness.service import parse_log_option

from .test_errors_cli import DESK_PASS, one_clear_line

VAULT_PASS = "sunflower tram violet harbour"


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_second_init_says_the_old_one_is_kept_and_what_to_do(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A second init over an existing desk ended '— this desk's role or the item's state does
    # not allow it', over a drop, a witness or a vault '— check the command's options and
    # environment variables': neither says that nothing was touched nor what to do instead.
    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": DESK_PASS}
    desk, drop, witness = tmp_path / "desk", tmp_path / "drop", tmp_path / "witness"
    vault = tmp_path / "notes.bin"
    inits = [
        ["desk", "init", "--desk", str(desk), "--name", "Cell 3"],
        ["drop", "init", "--data", str(drop)],
        ["witness", "init", "--data", str(witness)],
        ["source", "init", "--vault", str(vault), "--size", "1MiB"],
    ]
    for argv in inits:
        cli(*argv, env={**env, "TYSHA_PASSPHRASE": VAULT_PASS if "source" in argv else DESK_PASS})
    before = {p: sorted(x.read_bytes() for x in p.rglob("*") if x.is_file()) if p.is_dir()
              else p.read_bytes() for p in (desk, drop, witness, vault)}  # fmt: skip
    for argv in inits:
        line = one_clear_line(cli(*argv, env=env, check=False))
        for family in (NotAllowed.hint, ConfigError.hint):
            assert translate_message(family, lang) not in line, line
        hint = line.split(" — ", 1)[1]
        if lang == "en":
            assert "nothing was changed" in hint and "another" in hint, line
            assert argv[2] in hint, line  # how to use the one that is there
        else:
            words = re.sub(r"`[^`]*`|--[a-z-]+", "", hint)  # commands and options stay
            assert re.search("[а-яіїєґ]", words) and not re.search("[A-Za-z]", words), line
    after = {p: sorted(x.read_bytes() for x in p.rglob("*") if x.is_file()) if p.is_dir()
             else p.read_bytes() for p in (desk, drop, witness, vault)}  # fmt: skip
    assert after == before


# Typos and missing pieces, each as a person makes them on a first run: Typer (and the click
# it carries) words these in English, whatever the language.
ENGLISH = re.compile(
    r"\b(?:no|such|option|command|missing|argument|invalid|value|for|try|help|error|usage|"
    r"requires|unexpected|extra|did|you|mean|possible|not|valid|give|exactly|one)\b",
    re.IGNORECASE,
)
USAGE_MISTAKES = [
    ["desk", "init", "--dsk", "./desk", "--name", "Cell 3"],  # a typo in an option
    ["desk", "init", "--desk", "./desk"],  # a missing option
    ["desk", "fecth", "--desk", "./desk"],  # a typo in a command
    ["deks", "init"],  # a typo in a group
    ["verify"],  # a missing argument
    ["desk", "serve", "--desk", "./desk", "--port", "eighty"],  # not a number
    ["desk", "init", "--desk"],  # an option without its value
    ["drop", "init", "--data", "./drop", "extra"],  # one word too many
    ["source", "enroll", "--vault", "notes.bin"],  # neither --invitation nor --qr
]


@pytest.mark.parametrize("lang", ["uk", "ru", "crh"])
@pytest.mark.parametrize("argv", USAGE_MISTAKES, ids=[" ".join(a) for a in USAGE_MISTAKES])
def test_a_usage_mistake_is_told_in_the_users_language(
    lang: str, argv: list[str], tmp_path: Path, cli: Any
) -> None:
    r = cli(*argv, env={"TYSHA_LANG": lang}, check=False, cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == "", (r.returncode, r.stdout, r.stderr)
    assert "Usage:" not in r.stderr and "Error" not in r.stderr, r.stderr
    lines = [line.strip(" │╭╮╰╯─") for line in r.stderr.splitlines() if line.strip(" │╭╮╰╯─")]
    if lines[0].startswith("tysha") or " tysha " in lines[0]:  # the usage line, when there is one
        assert lines[0].startswith(translate_message("Usage:", lang) + " tysha "), lines[0]
        lines = lines[1:]
    # Beyond what the person typed (quoted back), commands, options and placeholders: their
    # language, no English word.
    said = re.sub(r"'[^']*'|`[^`]*`|--?[a-z-]+|\b[A-Z][A-Z0-9_.-]+\b|\btysha\b", "", " ".join(lines))
    for word in argv:
        said = said.replace(word, "")
    assert said.strip() and not ENGLISH.search(said), r.stderr
    if lang != "crh":  # Cyrillic
        assert not re.search(r"[A-Za-z]{3,}", said), r.stderr


@pytest.mark.parametrize("lang", ["uk", "ru", "crh"])
def test_help_says_usage_in_the_users_language(lang: str, cli: Any) -> None:
    out = cli("desk", "init", "--help", env={"TYSHA_LANG": lang}).stdout
    assert translate_message("Usage:", lang) + " tysha desk init" in out, out
    assert "Usage:" not in out


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_the_cancel_command_invite_prints_runs_as_written(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # `desk invite` said '(cancel it unused: tysha desk invitations --cancel ID)': run as
    # written, that command stopped at "Missing option '--desk'" - and a handler who has just
    # seen the code photographed is the one in a hurry.
    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": DESK_PASS}
    desk = tmp_path / "my desks" / "cell 3"
    vkey = cli("drop", "init", "--data", str(tmp_path / "drop"), env=env).stdout.strip()
    cli("desk", "init", "--desk", str(desk), "--name", "Cell 3", env=env)
    r = cli("desk", "invite", "--desk", str(desk), "--drop", "http://127.0.0.1:9",
            "--drop-key", vkey, env=env)  # fmt: skip
    command = re.search(r"tysha (desk invitations [^)]*)\)", r.stderr)
    assert command, r.stderr
    out = cli(*shlex.split(command.group(1)), env=env)
    assert out.returncode == 0
    listed = json.loads(cli("desk", "invitations", "--desk", str(desk), "--json", env=env).stdout)
    assert [i["state"] for i in listed] == ["cancelled"], listed


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_writing_into_a_missing_folder_names_the_folder(
    lang: str, tmp_path: Path, cli: Any, drop: tuple[str, str, Path]
) -> None:
    # `desk export --out /media/usb/case.zip` with the stick not mounted said 'cannot write
    # the bundle: bundle does not exist' - a word of the message taken for the missing path.
    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": DESK_PASS}
    desk = desk_with_a_report(tmp_path, cli, drop)
    missing = tmp_path / "usb-stick"
    line = one_clear_line(cli("desk", "export", "--desk", str(desk), "--out",
                              str(missing / "case.zip"), env=env, check=False))  # fmt: skip
    said = translate_message("{path} does not exist", lang).format(path=missing)
    assert said in line and "bundle does not exist" not in line, line
    assert translate_message("check the path and its spelling", lang) in line, line
    assert not missing.exists()


def test_an_export_into_a_missing_folder_records_nothing_in_custody(
    tmp_path: Path, cli: Any, drop: tuple[str, str, Path]
) -> None:
    # Each `desk export --out` into a folder that is not there (a typo, a stick not mounted)
    # left an "export started" event per report in the custody log, evidence of exports that
    # never were, before failing; the folder is now checked first.
    env = {"TYSHA_PASSPHRASE": DESK_PASS}
    desk = desk_with_a_report(tmp_path, cli, drop)
    (rid,) = [r["id"] for r in json.loads(cli("desk", "list", "--desk", str(desk), "--json",
                                              env=env).stdout)]  # fmt: skip
    before = json.loads(cli("desk", "show", "--desk", str(desk), rid, "--json", env=env).stdout)
    r = cli("desk", "export", "--desk", str(desk), "--out", str(tmp_path / "usb" / "case.zip"),
            env=env, check=False)  # fmt: skip
    assert r.returncode == 1
    after = json.loads(cli("desk", "show", "--desk", str(desk), rid, "--json", env=env).stdout)
    assert after.get("custody") == before.get("custody") and "custody" in before, after


def desk_with_a_report(tmp_path: Path, cli: Any, drop: tuple[str, str, Path]) -> Path:
    """A desk that has fetched one report from an enrolled source, through ``drop``."""
    url, vkey, _data = drop
    denv = {"TYSHA_PASSPHRASE": DESK_PASS}
    senv = {"TYSHA_PASSPHRASE": VAULT_PASS}
    desk, vault = tmp_path / "desk", str(tmp_path / "notes.bin")
    cli("desk", "init", "--desk", str(desk), "--name", "Cell 3", env=denv)
    code = cli("desk", "invite", "--desk", str(desk), "--drop", url, "--drop-key", vkey,
               env=denv).stdout.strip()  # fmt: skip
    cli("source", "init", "--vault", vault, "--size", "1MiB", env=senv)
    cli("source", "enroll", "--vault", vault, "--invitation", code, env=senv)
    cli("source", "report", "--vault", vault, "--category", "det", "--text", "at the school",
        env=senv)  # fmt: skip
    cli("source", "send", "--vault", vault, "--now", env=senv)
    cli("desk", "fetch", "--desk", str(desk), env=denv)
    return desk


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_export_and_fetch_on_a_new_desk_say_what_comes_first(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A handler trying the commands in the README's order on a desk with no invitation yet:
    # `desk export` ended 'no reports to export — check the command's options and environment
    # variables', and `desk fetch` said 'scanned 0 envelopes, 0 new reports' as if it had
    # asked a drop, when the desk knew none.
    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": DESK_PASS}
    desk = str(tmp_path / "desk")
    cli("desk", "init", "--desk", desk, "--name", "Cell 3", env=env)
    for argv in (["export", "--out", str(tmp_path / "case.zip")],
                 ["export-uwazi", "--out", str(tmp_path / "uwazi")]):  # fmt: skip
        line = one_clear_line(cli("desk", *argv, "--desk", desk, env=env, check=False))
        assert translate_message(ConfigError.hint, lang) not in line, line
        assert "`tysha desk fetch`" in line, line
    fetched = cli("desk", "fetch", "--desk", desk, env=env)
    assert "`tysha desk invite`" in fetched.stdout + fetched.stderr, fetched
    assert "--drop" in fetched.stdout + fetched.stderr, fetched
    summary = json.loads(cli("desk", "fetch", "--desk", desk, "--json", env=env).stdout)
    assert summary["scanned"] == 0  # --json stays one document


def test_english_help_keeps_each_paragraph_whole(cli: Any) -> None:
    # In English (the docstrings as written) every paragraph after the first broke where the
    # source's line ended: 'keeps the policy "K' / 'of these' / 'witnesses" for…', and the
    # command lists ('tysha --help', 'tysha desk --help') broke mid-sentence the same way;
    # the translations, one line each, read whole.
    env = {"TYSHA_LANG": "en", "COLUMNS": "400"}
    fetch = cli("desk", "fetch", "--help", env=env).stdout
    assert 'keeps the policy "K of these witnesses" for' in fetch, fetch
    assert "misbehaves, withholds entries or lacks the required cosignatures" in fetch, fetch
    desk = cli("desk", "--help", env=env).stdout
    assert "if the drop is unreachable it stays queued" in desk, desk
    root = cli("--help", env=env).stdout
    assert "offline (exit 0 only if every check holds)" in root, root


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_server_on_a_busy_port_says_so_in_one_line(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A second server started on a port another program holds: the witness printed uvicorn's
    # 'ERROR:    [Errno 98] error while attempting to bind on address …' and exited 3, the
    # drop ended '— check the command's options and environment variables'; each now says the
    # port is busy and to choose another with --port (exit 1, one line, the user's language).
    import socket

    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": DESK_PASS}
    vkey = cli("drop", "init", "--data", str(tmp_path / "drop"), env=env).stdout.strip()
    cli("witness", "init", "--data", str(tmp_path / "w"), env=env)
    cli("desk", "init", "--desk", str(tmp_path / "desk"), "--name", "Cell 3", env=env)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        for argv in (["drop", "serve", "--data", str(tmp_path / "drop")],
                     ["witness", "serve", "--data", str(tmp_path / "w"),
                      "--log", f"{vkey.split('+')[0]}={vkey}"],
                     ["desk", "serve", "--desk", str(tmp_path / "desk")]):  # fmt: skip
            line = one_clear_line(cli(*argv, "--port", port, env=env, check=False))
            assert port in line and "--port" in line, line
            assert translate_message(ConfigError.hint, lang) not in line, line
            if lang == "uk":
                assert re.search("[а-яіїєґ]{4}", line), line


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_verify_on_the_wrong_file_tells_the_clerk_what_to_give(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A clerk given the wrong file (the drop's key, a vault, a report's photo) was told '— the
    # data is malformed, truncated or from an incompatible version', as if the right file were
    # damaged; a bundle cut short in copying said 'copy the bundle again — the data is
    # malformed, truncated…', two pieces of advice.
    env = {"TYSHA_LANG": lang}
    text, binary, cut = tmp_path / "vkey.txt", tmp_path / "notes.bin", tmp_path / "case.zip"
    text.write_text("tysha.drop/0749299292d9+17006b7e+AbFNAS5\n")
    binary.write_bytes(bytes(range(256)) * 8)
    cut.write_bytes(b"PK\x03\x04" + bytes(500))
    malformed = translate_message(ProtocolError.hint, lang)
    for wrong in (text, binary):
        line = one_clear_line(cli("verify", str(wrong), env=env, check=False))
        assert malformed not in line, line
        assert translate_message(WRONG_FILE, lang) in line, line
    line = one_clear_line(cli("verify", str(cut), env=env, check=False))
    assert malformed not in line and line.count(" — ") == 0, line


WRONG_FILE = "give the court bundle (.zip), receipt or receipts file you were given to check"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_mistyped_new_passphrase_says_to_run_the_command_again(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a terminal, a new desk's or vault's passphrase typed differently the second time
    # ended '— see the command's --help for the accepted forms' (the desk) or '— check the
    # command's options and environment variables' (the vault); a desk passphrase too short,
    # after typing it twice, '— see the command's --help…' as well. None says what to do.
    from tysha.desk import cli as desk_cli
    from tysha.desk.keyfile import new_keyfile
    from tysha.source import cli as source_cli

    monkeypatch.setenv("TYSHA_LANG", lang)
    monkeypatch.delenv("TYSHA_PASSPHRASE", raising=False)
    monkeypatch.setattr(sys, "stdin", _Tty())
    typed = iter(["orchard lantern copper seventeen", "orchard lantern copper sixteen"] * 3)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(typed))
    failures = []
    for reader, attempt in (("desk", lambda: desk_cli.passphrase(confirm=True)),
                            ("source", lambda: source_cli._passphrase(confirm=True)),
                            ("source", lambda: source_cli._new_passphrase(
                                "TYSHA_PASSPHRASE", "vault passphrase")),
                            ("desk", lambda: new_keyfile("Cell 3", "short", "handler"))):  # fmt: skip
        with pytest.raises(TyshaError) as failed:
            attempt()
        failures.append(describe_error(failed.value, reader))
    for line in failures:
        for family in (BadInput.hint, ConfigError.hint):
            assert translate_message(family, lang) not in line, line
        hint = line.split(" — ", 1)[1]
        assert ("nothing was changed; run the command again" if lang == "en"
                else "нічого не змінено; виконайте команду ще раз") in hint, line  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_send_with_the_drop_down_says_once_that_nothing_is_lost(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A reporter whose drop was down read 'cannot reach the drop: …; nothing was sent,
    # everything stays in the outbox — the drop may be unreachable; nothing was lost, try
    # again later': the same reassurance twice in one line, on a phone's narrow screen.
    denv = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": DESK_PASS}
    senv = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": VAULT_PASS}
    vkey = cli("drop", "init", "--data", str(tmp_path / "drop"), env=denv).stdout.strip()
    desk, vault = str(tmp_path / "desk"), str(tmp_path / "notes.bin")
    cli("desk", "init", "--desk", desk, "--name", "Cell 3", env=denv)
    code = cli("desk", "invite", "--desk", desk, "--drop", "http://127.0.0.1:9", "--drop-key",
               vkey, env=denv).stdout.strip()  # fmt: skip
    cli("source", "init", "--vault", vault, "--size", "1MiB", env=senv)
    cli("source", "enroll", "--vault", vault, "--invitation", code, env=senv)
    cli("source", "report", "--vault", vault, "--category", "det", "--text", "x", env=senv)
    line = one_clear_line(cli("source", "send", "--vault", vault, "--now", env=senv,
                              check=False))  # fmt: skip
    assert translate_message("the drop may be unreachable; nothing was lost, try again later",
                             lang) not in line, line  # fmt: skip
    assert line.endswith(" — " + translate_message("try again later", lang)), line


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_courier_with_an_empty_file_is_told_there_is_nothing_to_deliver(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A source whose outbox was empty can still export a file (as big as any other); the
    # courier carrying it ran `courier deliver` and got nothing at all: no line, exit 0, no
    # receipts - as if the drop had taken it silently.
    senv = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": VAULT_PASS}
    vault, carried = str(tmp_path / "notes.bin"), tmp_path / "x.bin"
    cli("source", "init", "--vault", vault, "--size", "1MiB", env=senv)
    cli("source", "export", "--vault", vault, "--to", str(carried), env=senv)
    r = cli("courier", "deliver", str(carried), "--drop", "http://127.0.0.1:9",
            env={"TYSHA_LANG": lang})  # fmt: skip
    said = translate_message("this file holds no envelope: there is nothing to deliver", lang)
    assert r.stdout.strip() == said, r
    assert not Path(str(carried) + ".receipts.json").exists()


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_missing_folder_is_named_whatever_word_ends_the_message(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # `source init --vault /media/usb/notes.bin` with the stick not mounted said 'cannot
    # create the vault: vault does not exist': the message's last word, taken for the path.
    missing = tmp_path / "usb-stick"
    r = cli("source", "init", "--vault", str(missing / "notes.bin"), "--size", "1MiB",
            env={"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": VAULT_PASS}, check=False)  # fmt: skip
    line = one_clear_line(r)
    said = translate_message("{path} does not exist", lang)
    assert said.format(path=missing) in line and said.format(path="vault") not in line, line
    assert not missing.exists()


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_a_damaged_invitation_is_explained_in_the_users_language(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A reporter enrolling from a code cut short in copying, or from something that is not a
    # code, read 'це запрошення пошкоджене або неповне (this invitation code is damaged (a
    # character is missing, changed or swapped); ask the handler to send it again); …': the
    # reason, the part that says what went wrong, in English (the invitation module's words
    # were in no catalog).
    denv = {"TYSHA_PASSPHRASE": DESK_PASS}
    senv = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": VAULT_PASS}
    vkey = cli("drop", "init", "--data", str(tmp_path / "drop"), env=denv).stdout.strip()
    desk, vault = str(tmp_path / "desk"), str(tmp_path / "notes.bin")
    cli("desk", "init", "--desk", desk, "--name", "Cell 3", env=denv)
    code = cli("desk", "invite", "--desk", desk, "--drop", "http://127.0.0.1:9", "--drop-key",
               vkey, env=denv).stdout.strip()  # fmt: skip
    cli("source", "init", "--vault", vault, "--size", "1MiB", env=senv)
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    for argv in (["--invitation", code[:-5]], ["--invitation", "hello"],
                 ["--invitation", "TYSHA1:ABCDEFGH"], ["--qr", str(photo)]):  # fmt: skip
        line = one_clear_line(cli("source", "enroll", "--vault", vault, *argv, env=senv,
                                  check=False))  # fmt: skip
        words = re.sub(r"TYSHA\d:?|Tysha|--[a-z]+|\bQR\b|photo\.png", "",
                       line.removeprefix("tysha: error: "))
        assert not re.search(r"[A-Za-z]{3,}", words), line


@pytest.mark.parametrize("lang", ["uk", "ru", "crh"])
def test_a_mistyped_drop_key_is_told_to_the_clerk_in_their_language(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # `tysha verify FILE --drop-key <a typo>` said '--drop-key 'nonsense' is not a drop key
    # (`tysha drop info --json` gives it as "vkey")' in English whatever the language.
    receipts = tmp_path / "receipts.json"
    receipts.write_text("{}")
    line = one_clear_line(cli("verify", str(receipts), "--drop-key", "nonsense",
                              env={"TYSHA_LANG": lang}, check=False))  # fmt: skip
    english = 'is not a drop key (`tysha drop info --json` gives it as "vkey")'
    assert "'nonsense'" in line and english not in line, line
    assert translate_message(f"--drop-key 'nonsense' {english}", lang) in line, line


@pytest.mark.parametrize("lang", ["uk", "ru", "crh"])
def test_a_mistyped_log_key_is_explained_in_the_users_language(
    lang: str, tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A witness's operator pasting a log's key with a piece missing or mistyped read why in
    # English whatever the language ('журнал --log a: a verifier key has the form <name>+<key
    # id>+<base64 key>'): the signed-note key parser's words were in no catalog.
    env = {"TYSHA_LANG": lang}
    vkey = cli("drop", "init", "--data", str(tmp_path / "drop"), env=env).stdout.strip()
    cli("witness", "init", "--data", str(tmp_path / "w"), env=env)
    name, key_id, key = vkey.split("+", 2)
    for i, bad in enumerate((f"{name}+{key}", f"{name}+ZZ+{key}", f"{name}+{key_id}+{key[:-3]}!!",
                f"{name}+{key_id}+{key[:-6]}", f"{name}x+{key_id}+{key}",
                f"+{key_id}+{key}", f"{name}+{key_id}+AA==")):  # fmt: skip
        if i == 0:  # the first: the real command, in its own process
            line = one_clear_line(cli("witness", "serve", "--data", str(tmp_path / "w"),
                                      "--log", f"{name}={bad}", env=env, check=False))  # fmt: skip
        else:  # the others: the same parser and the same rendering as `tysha` prints, here
            monkeypatch.setenv("TYSHA_LANG", lang)
            with pytest.raises(TyshaError) as caught:
                parse_log_option(f"{name}={bad}")
            line = "tysha: error: " + describe_error(caught.value)
        said = line.removeprefix("tysha: error: ").replace(name, "").replace(key_id, "")
        said = re.sub(r"--[a-z]+|<[^>]*>|Ed25519|base64|'[^']*'", "", said)
        assert not re.search(r"\b(?:key|is|the|not|has|form|does|match|digits|short)\b",
                             said), line  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_key_file_overwritten_with_binary_is_said_damaged(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A desk.json overwritten with binary (an image written over it by mistake) read 'the file
    # is not text (it holds binary data) — give the file the command expects': it names no
    # file, and the desk folder is what the handler gave. The README promises that a damaged
    # key file is said so, with the way out: restore the folder from the backup.
    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": DESK_PASS}
    desk = tmp_path / "desk"
    cli("desk", "init", "--desk", str(desk), "--name", "Cell 3", env=env)
    (desk / "desk.json").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" + bytes(100))
    for argv in (["list"], ["info"]):
        line = one_clear_line(cli("desk", *argv, "--desk", str(desk), env=env, check=False))
        assert translate_message("the desk's key file (desk.json) is damaged", lang) in line, line
        assert translate_message("restore desk.json from your backup", lang) in line, line


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_an_output_option_never_replaces_another_kind_of_file(
    lang: str, tmp_path: Path, cli: Any, drop: tuple[str, str, Path]
) -> None:
    # `desk invite --qr desk/desk.json` (a slip of the tab key) wrote the QR code's PNG over
    # the desk's key file - the only copy of its keys - and exited 0; `desk export --out`
    # likewise replaced whatever file it was given (a vault, the key file) with a zip. Each
    # output now replaces only a file of its own kind (an earlier QR code, an earlier bundle).
    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": DESK_PASS}
    desk = desk_with_a_report(tmp_path, cli, drop)
    url, vkey, _data = drop
    keyfile, vault = desk / "desk.json", tmp_path / "notes.bin"
    kept = {p: p.read_bytes() for p in (keyfile, vault)}
    invitations = cli("desk", "invitations", "--desk", str(desk), "--json", env=env).stdout
    for target in (keyfile, vault):
        line = one_clear_line(cli("desk", "invite", "--desk", str(desk), "--drop", url,
                                  "--drop-key", vkey, "--qr", str(target), env=env,
                                  check=False))  # fmt: skip
        assert target.name in line, line
        line = one_clear_line(cli("desk", "export", "--desk", str(desk), "--out", str(target),
                                  env=env, check=False))  # fmt: skip
        assert target.name in line, line
    assert {p: p.read_bytes() for p in kept} == kept
    # no invitation was made for a QR code that could not be written
    assert cli("desk", "invitations", "--desk", str(desk), "--json", env=env).stdout == invitations
    # an earlier QR code and an earlier bundle are replaced, as before
    qr, bundle = tmp_path / "invite.png", tmp_path / "case.zip"
    for _ in range(2):
        cli("desk", "invite", "--desk", str(desk), "--drop", url, "--drop-key", vkey, "--qr",
            str(qr), env=env)  # fmt: skip
        cli("desk", "export", "--desk", str(desk), "--out", str(bundle), env=env)
    assert qr.read_bytes().startswith(b"\x89PNG") and bundle.read_bytes().startswith(b"PK")


def test_a_courier_never_writes_receipts_over_another_file(
    tmp_path: Path, cli: Any, drop: tuple[str, str, Path]
) -> None:
    # `courier deliver x.bin --receipts notes.bin` (on a phone that is a courier too) wrote
    # the receipts over the vault. It now refuses before uploading anything, and replaces
    # only an earlier receipts file.
    url, vkey, _data = drop
    denv, senv = {"TYSHA_PASSPHRASE": DESK_PASS}, {"TYSHA_PASSPHRASE": VAULT_PASS}
    desk, vault, carried = str(tmp_path / "desk"), tmp_path / "notes.bin", tmp_path / "x.bin"
    cli("desk", "init", "--desk", desk, "--name", "Cell 3", env=denv)
    code = cli("desk", "invite", "--desk", desk, "--drop", url, "--drop-key", vkey,
               env=denv).stdout.strip()  # fmt: skip
    cli("source", "init", "--vault", str(vault), "--size", "1MiB", env=senv)
    cli("source", "enroll", "--vault", str(vault), "--invitation", code, env=senv)
    cli("source", "report", "--vault", str(vault), "--category", "det", "--text", "x", env=senv)
    cli("source", "export", "--vault", str(vault), "--to", str(carried), env=senv)
    kept = vault.read_bytes()
    line = one_clear_line(cli("courier", "deliver", str(carried), "--drop", url, "--receipts",
                              str(vault), check=False))  # fmt: skip
    assert "notes.bin" in line and vault.read_bytes() == kept, line
    assert json.loads(cli("drop", "info", "--data", str(_data), "--json").stdout)["tree_size"] == 0
    receipts = tmp_path / "r.json"
    for _ in range(2):  # an earlier receipts file is replaced
        cli("courier", "deliver", str(carried), "--drop", url, "--receipts", str(receipts))
    cli("source", "import-receipts", "--vault", str(vault), "--from", str(receipts), env=senv)


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_cancelling_an_invitation_twice_or_a_mistyped_one_says_what_to_do(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A second `desk invitations --cancel ID` ended '— this desk's role or the item's state
    # does not allow it', and a mistyped id '— check the name or id (the list command shows
    # what exists)': `desk list` lists reports, not invitations.
    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": DESK_PASS}
    desk = str(tmp_path / "desk")
    vkey = cli("drop", "init", "--data", str(tmp_path / "drop"), env=env).stdout.strip()
    cli("desk", "init", "--desk", desk, "--name", "Cell 3", env=env)
    cli("desk", "invite", "--desk", desk, "--drop", "http://127.0.0.1:9", "--drop-key", vkey,
        env=env)  # fmt: skip
    iid = json.loads(cli("desk", "invitations", "--desk", desk, "--json", env=env).stdout)[0]["id"]
    cli("desk", "invitations", "--desk", desk, "--cancel", iid, env=env)
    again = one_clear_line(cli("desk", "invitations", "--desk", desk, "--cancel", iid, env=env,
                               check=False))  # fmt: skip
    assert translate_message(NotAllowed.hint, lang) not in again, again
    assert translate_message("nothing to do: a first report under it enrols no one",
                             lang) in again, again  # fmt: skip
    typo = one_clear_line(cli("desk", "invitations", "--desk", desk, "--cancel", iid[:-1] + "x",
                              env=env, check=False))  # fmt: skip
    assert translate_message(NotFound.hint, lang) not in typo and "`tysha desk invitations`" in typo


def test_an_invitation_whose_qr_code_could_not_be_written_is_not_left_open(
    tmp_path: Path, cli: Any
) -> None:
    # `desk invite --qr /media/usb/invite.png` with the stick not mounted failed after making
    # the invitation: its code was never shown to anyone, yet it stayed open for 14 days,
    # enrolling whoever sent a first report under it.
    env = {"TYSHA_PASSPHRASE": DESK_PASS}
    desk = str(tmp_path / "desk")
    vkey = cli("drop", "init", "--data", str(tmp_path / "drop"), env=env).stdout.strip()
    cli("desk", "init", "--desk", desk, "--name", "Cell 3", env=env)
    r = cli("desk", "invite", "--desk", desk, "--drop", "http://127.0.0.1:9", "--drop-key", vkey,
            "--qr", str(tmp_path / "usb-stick" / "invite.png"), env=env, check=False)  # fmt: skip
    one_clear_line(r)
    made = json.loads(cli("desk", "invitations", "--desk", desk, "--json", env=env).stdout)
    assert [i["state"] for i in made if i["state"] != "cancelled"] == [], made


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_report_too_big_for_the_vault_is_not_blamed_on_the_passphrase(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A photo too big for a small vault ended '…; send what waits, or make a larger vault —
    # check the path, free disk space and the passphrase': neither the path, the disk nor the
    # passphrase had anything to do with it.
    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": VAULT_PASS}
    vault, photo = tmp_path / "notes.bin", tmp_path / "IMG_0042.jpg"
    enrolled(tmp_path, cli, vault)
    photo.write_bytes(os.urandom(2 << 20))
    before = vault.read_bytes()
    line = one_clear_line(cli("source", "report", "--vault", str(vault), "--category", "det",
                              "--text", "x", "--attach", str(photo), env=env, check=False))
    assert translate_message(StorageError.hint, lang) not in line, line
    assert line.endswith(" — " + translate_message("nothing was changed", lang)), line
    assert vault.read_bytes() == before


def enrolled(tmp_path: Path, cli: Any, vault: Path) -> None:
    """A 1 MiB vault at ``vault``, enrolled by a desk of a drop that is not running."""
    denv, senv = {"TYSHA_PASSPHRASE": DESK_PASS}, {"TYSHA_PASSPHRASE": VAULT_PASS}
    vkey = cli("drop", "init", "--data", str(tmp_path / "drop"), env=denv).stdout.strip()
    desk = str(tmp_path / "desk")
    cli("desk", "init", "--desk", desk, "--name", "Cell 3", env=denv)
    code = cli("desk", "invite", "--desk", desk, "--drop", "http://127.0.0.1:9", "--drop-key",
               vkey, env=denv).stdout.strip()  # fmt: skip
    cli("source", "init", "--vault", str(vault), "--size", "1MiB", env=senv)
    cli("source", "enroll", "--vault", str(vault), "--invitation", code, env=senv)


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_an_invitation_made_with_another_drops_key_is_explained(
    lang: str, tmp_path: Path, cli: Any, drop: tuple[str, str, Path]
) -> None:
    # A handler who gave `desk invite` the key of another drop (two drops set up in the first
    # hour): `desk fetch` said 'the note has no signature by a known key: expected one of …,
    # found …' - in English whatever the language, with no word of the --drop-key that is the
    # likely cause - and the reporter's send said the same, in English.
    url, _vkey, _data = drop
    other = cli("drop", "init", "--data", str(tmp_path / "other-drop")).stdout.strip()
    denv = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": DESK_PASS}
    senv = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": VAULT_PASS}
    desk, vault = str(tmp_path / "desk"), str(tmp_path / "notes.bin")
    cli("desk", "init", "--desk", desk, "--name", "Cell 3", env=denv)
    code = cli("desk", "invite", "--desk", desk, "--drop", url, "--drop-key", other,
               env=denv).stdout.strip()  # fmt: skip
    r = cli("desk", "fetch", "--desk", desk, env=denv, check=False)
    assert r.returncode == 1 and r.stderr.count("tysha: error: ") == 1, r.stderr
    fetched = r.stderr.strip().splitlines()[-1]
    assert "`tysha drop info --json`" in fetched and "--drop-key" in fetched, fetched
    cli("source", "init", "--vault", vault, "--size", "1MiB", env=senv)
    cli("source", "enroll", "--vault", vault, "--invitation", code, env=senv)
    cli("source", "report", "--vault", vault, "--category", "det", "--text", "x", env=senv)
    sent = one_clear_line(cli("source", "send", "--vault", vault, "--now", env=senv, check=False))
    for line in (fetched, sent):
        assert "the note has no signature" not in line or lang == "en", line
        if lang == "uk":
            words = re.sub(r"tysha\.\w+/\S+|`[^`]*`|--[a-z-]+|https?://\S+|tysha|\"vkey\"", "",
                           line.removeprefix("tysha: error: "))
            assert line.count(" — ") <= 1, line
            assert not re.search(r"[A-Za-z]{3,}", words), line


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_source_command_before_init_names_the_command_that_makes_a_vault(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A reporter's first command, before `source init`, ended '… does not exist — check the
    # path and its spelling', where the desk's and the drop's say which command makes one.
    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": VAULT_PASS}
    for argv in (["enroll", "--invitation", "TYSHA2:AAAA"], ["send", "--now"], ["outbox"]):
        line = one_clear_line(cli("source", argv[0], "--vault", str(tmp_path / "notes.bin"),
                                  *argv[1:], env=env, check=False))  # fmt: skip
        assert "`tysha source init`" in line.split(" — ", 1)[1], line
    assert not (tmp_path / "notes.bin").exists()


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_desk_and_a_drop_never_share_a_folder(lang: str, tmp_path: Path, cli: Any) -> None:
    # `drop init --data ./desk` (a tab completion one folder off) made the untrusted server's
    # log key, database and uploads inside the handler's desk folder - its blobs/ shared - and
    # `desk init` did the same in a drop's folder; a backup of the desk then carried the drop.
    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": DESK_PASS}
    desk, drop = tmp_path / "desk", tmp_path / "drop"
    cli("desk", "init", "--desk", str(desk), "--name", "Cell 3", env=env)
    cli("drop", "init", "--data", str(drop), env=env)
    before = {p: sorted(x.name for x in p.iterdir()) for p in (desk, drop)}
    for argv in (["drop", "init", "--data", str(desk)],
                 ["desk", "init", "--desk", str(drop), "--name", "Cell 4"]):  # fmt: skip
        line = one_clear_line(cli(*argv, env=env, check=False))
        assert translate_message("nothing was changed; choose another folder", lang) in line
    assert {p: sorted(x.name for x in p.iterdir()) for p in (desk, drop)} == before


def test_every_option_says_what_it_is_for() -> None:
    # A first reader of `tysha source send --help` saw `--now` with nothing beside it (CLI.md:
    # "skips the random delay (tests, demos)"), `source init --help` a bare `--size`, `source
    # export --help` a bare `--to`, `courier deliver --help` a bare `--receipts`, and the
    # drop's, the witness's and several desk commands' options the same.
    from tysha.cli import _command

    bare = []
    pending = [([], _command())]
    while pending:
        path, command = pending.pop()
        subcommands = getattr(command, "commands", None)
        if subcommands:
            pending += [([*path, n], c) for n, c in subcommands.items()]
            continue
        bare += [f"tysha {' '.join(path)} {p.opts[0]}" for p in command.params
                 if p.param_type_name == "option" and not (p.help or "").strip()]  # fmt: skip
    assert not bare, bare


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_help_shows_no_docstring_markup(lang: str, cli: Any) -> None:
    # Help texts come from docstrings, whose ``--witness VKEY`` reached the screen with its
    # doubled backquotes ('With ``--witness VKEY … [--witnesses-needed K]`` the desk keeps…').
    for argv in (["desk", "fetch"], ["source", "send"], ["source", "enroll"]):
        out = cli(*argv, "--help", env={"TYSHA_LANG": lang, "COLUMNS": "200"}).stdout
        assert "``" not in out, out


def test_serving_the_web_desk_on_a_wildcard_is_not_told_to_add_the_flag(
    tmp_path: Path, cli: Any
) -> None:
    # `desk serve --host 0.0.0.0` said to pass --i-know-this-is-exposed; with it, the command
    # then refused the wildcard anyway. The refusal that holds is said first.
    env = {"TYSHA_LANG": "en", "TYSHA_PASSPHRASE": DESK_PASS}
    desk = str(tmp_path / "desk")
    cli("desk", "init", "--desk", desk, "--name", "Cell 3", env=env)
    for host in ("0.0.0.0", "::"):
        line = one_clear_line(cli("desk", "serve", "--desk", desk, "--host", host, env=env,
                                  check=False))  # fmt: skip
        assert "wildcard" in line and "--i-know-this-is-exposed" not in line, line


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_drop_operators_mistyped_storage_url_is_explained(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # A drop operator's first `drop serve --database …` read 'database error: OperationalError
    # — check the path, free disk space and the passphrase' when PostgreSQL was not there (a
    # driver's class name, and a passphrase the drop does not have), and '--database takes a
    # postgresql:// URL' / '--blobs takes an s3://BUCKET/PREFIX URL' in English whatever the
    # language, the first with the same wrong hint.
    env = {"TYSHA_LANG": lang}
    data = str(tmp_path / "drop")
    cli("drop", "init", "--data", data, env=env)
    lines = [
        one_clear_line(cli("drop", "serve", "--data", data, "--port", "0", *opt, env=env,
                           check=False))  # fmt: skip
        for opt in (["--database", "garbage"], ["--blobs", "garbage"],
                    ["--database", "postgresql://nobody@127.0.0.1:1/none"])  # fmt: skip
    ]
    for line in lines:
        assert translate_message(StorageError.hint, lang) not in line, line
        assert not re.search(r"\b[A-Z][a-z]+[A-Z][A-Za-z]*Error\b", line), line
        if lang == "uk":
            words = re.sub(r"--[a-z]+|postgresql://\S*|s3://\S+|tysha|PostgreSQL|\b[A-Z0-9/]{2,}\b", "",
                           line.removeprefix("tysha: error: "))  # fmt: skip
            assert not re.search(r"[A-Za-z]{3,}", words), line
    assert "--database" in lines[2], lines[2]


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_send_through_a_tor_that_is_not_running_says_so(
    lang: str, tmp_path: Path, cli: Any
) -> None:
    # `source send --tor` with no Tor running said 'cannot reach the drop: the connection could
    # not be made', as if the drop were down: the reporter waits for a drop that is fine, when
    # it is Tor on the phone that is not started.
    vault = tmp_path / "notes.bin"
    enrolled(tmp_path, cli, vault)
    env = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": VAULT_PASS,
           "TYSHA_TOR": "socks5://127.0.0.1:7"}  # nothing listens there  # fmt: skip
    cli("source", "report", "--vault", str(vault), "--category", "det", "--text", "x", env=env)
    line = one_clear_line(cli("source", "send", "--vault", str(vault), "--now", "--tor", env=env,
                              check=False))  # fmt: skip
    assert "127.0.0.1:7" in line and "TYSHA_TOR" in line, line
    said = translate_message("the connection could not be made", lang)
    assert said not in line, line


@pytest.mark.parametrize("lang", ["en", "uk", "ru", "crh"])
def test_a_damaged_invitation_says_what_to_do_once(lang: str, tmp_path: Path, cli: Any) -> None:
    # A reporter read 'this invitation is damaged or incomplete (this invitation code is
    # damaged (…); ask the handler to send it again); nothing was changed — ask your handler
    # for the code again, or copy it again whole': the same advice twice, in two forms.
    import dataclasses

    from tysha.protocol import invitation

    denv = {"TYSHA_PASSPHRASE": DESK_PASS}
    senv = {"TYSHA_LANG": lang, "TYSHA_PASSPHRASE": VAULT_PASS}
    vkey = cli("drop", "init", "--data", str(tmp_path / "drop"), env=denv).stdout.strip()
    desk, vault = str(tmp_path / "desk"), str(tmp_path / "notes.bin")
    cli("desk", "init", "--desk", desk, "--name", "Cell 3", env=denv)
    code = cli("desk", "invite", "--desk", desk, "--drop", "http://127.0.0.1:9", "--drop-key",
               vkey, env=denv).stdout.strip()  # fmt: skip
    cli("source", "init", "--vault", vault, "--size", "1MiB", env=senv)
    inv = invitation.Invitation.from_text(code)
    forged = dataclasses.replace(inv, drops=("http://127.0.0.1:8",)).to_text()
    outer = translate_message("ask your contact for the code again, or copy it again whole", lang)
    for bad, says in ((code[:-5], invitation.DAMAGED), ("TYSHA1:ABCDEFGH", invitation.OLD_FORMAT),
                      (forged, "this invitation's signature does not match your contact's key "
                       "inside it: it was altered or not made by that desk; do not use it, and "
                       "ask your contact in person")):  # fmt: skip
        r = cli("source", "enroll", "--vault", vault, "--invitation", bad, env=senv, check=False)
        line = one_clear_line(r)
        assert translate_message(says, lang) in line, line
        assert outer not in line, line
        assert line.endswith(translate_message("nothing was changed", lang)), line
        if lang == "en":
            assert line.count("damaged") <= 1 and line.count("ask") == 1, line
