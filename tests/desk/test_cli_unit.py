"""In-process checks of the desk CLI's small decisions (no subprocess, no Argon2id)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tysha.desk import cli
from tysha.errors import BadInput


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_revoke_asks_on_a_terminal_and_not_in_scripts(monkeypatch: Any) -> None:
    asked: list[str] = []

    def no(question: str, default: bool = False) -> bool:
        asked.append(question)
        return False

    monkeypatch.setattr(cli.typer, "confirm", no)
    monkeypatch.setattr(cli.sys, "stdin", _Tty())
    with pytest.raises(BadInput, match="not confirmed"):
        cli._confirm("Revoke Source 1?", yes=False)
    assert asked == ["Revoke Source 1?"]
    cli._confirm("Revoke Source 1?", yes=True)  # --yes: no question
    monkeypatch.setattr(cli.sys, "stdin", io.StringIO())  # a script: CLI.md's form, no prompt
    cli._confirm("Revoke Source 1?", yes=False)
    assert len(asked) == 1


def test_readable_values() -> None:
    assert cli._value_text("exif_gps", [50_450_000, 30_523_000]) == "50.450000, 30.523000"
    assert cli._value_text("capture", True) == "yes" and cli._value_text("x", None) == "-"
    assert cli._value_text("d", {"a": [1, 2]}) == "a 1, 2"
