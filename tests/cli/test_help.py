"""``--help`` speaks to a person (issue 10.13): placeholders, not Python types; the category
codes where a category is asked; the passphrase variables where a passphrase is needed."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main

from tysha.cli import app
from tysha.evidence.taxonomy import CATEGORIES


def flat(text: str) -> str:
    """Help text without the panel borders and line breaks, so wrapped phrases read whole."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


PYTHON_TYPE = re.compile(r"<(?:bool|str|int|float|path|list\[[^\]]*\]|Path|[a-z_]+)>")


def commands() -> list[tuple[list[str], Any]]:
    found: list[tuple[list[str], Any]] = [([], typer.main.get_command(app))]
    i = 0
    while i < len(found):
        path, command = found[i]
        for name, sub in (getattr(command, "commands", None) or {}).items():
            found.append(([*path, name], sub))
        i += 1
    return found


ALL = commands()


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=[" ".join(p) or "tysha" for p, _ in ALL])
def test_help_has_no_python_types(path: list[str], cli: Any) -> None:
    r = cli(*path, "--help", env={"TYSHA_LANG": "en", "COLUMNS": "100"})
    assert r.returncode == 0
    assert not PYTHON_TYPE.search(r.stdout), PYTHON_TYPE.findall(r.stdout)
    params = {p.name for p in dict(ALL_BY_NAME)[" ".join(path)].params} if path else set()
    if params & {"vault", "desk"}:
        assert "TYSHA_PASSPHRASE" in r.stdout, f"tysha {' '.join(path)} --help"
    if "category" in params:
        for c in CATEGORIES:
            assert f"{c.code} (" in flat(r.stdout), c.code


ALL_BY_NAME = [(" ".join(p), c) for p, c in ALL]


def test_root_help_names_the_environment(cli: Any) -> None:
    out = flat(cli("--help", env={"COLUMNS": "100"}).stdout)
    for variable in ("TYSHA_PASSPHRASE", "TYSHA_DECOY_PASSPHRASE", "TYSHA_LANG"):
        assert variable in out


def test_placeholders_say_what_to_give(cli: Any) -> None:
    out = flat(cli("source", "report", "--help", env={"COLUMNS": "100"}).stdout)
    assert "--vault FILE" in out and "--category CODE" in out and "--attach FILE" in out
    assert "Repeat the option for several" in out
    # A flag takes no value, and says none.
    assert re.search(r"--shred-originals\s+Best-effort", out)
    desk = flat(cli("desk", "list", "--help", env={"COLUMNS": "100"}).stdout)
    assert "--desk FOLDER" in desk and "chd (" in desk


def test_category_codes_in_the_users_language(cli: Any) -> None:
    out = flat(cli("source", "report", "--help", env={"TYSHA_LANG": "uk", "COLUMNS": "100"}).stdout)
    chd = next(c for c in CATEGORIES if c.code == "chd")
    assert f"chd ({chd.uk})" in out


def test_help_is_the_same_on_every_call(cli: Any) -> None:
    # polish_help edits the freshly built command; a second call must not add the notes twice.
    first = cli("source", "report", "--help", env={"COLUMNS": "100"}).stdout
    second = cli("source", "report", "--help", env={"COLUMNS": "100"}).stdout
    assert first == second and flat(first).count("Repeat the option for several") == 2
