"""Every help text of the ``tysha`` command tree, as msgids (paragraphs, whitespace folded)."""

from __future__ import annotations

from typing import Any

import typer.main


def help_msgids() -> set[str]:
    from tysha import cli

    found: set[str] = set()

    def add(text: str | None) -> None:
        for paragraph in (text or "").split("\n\n"):
            if paragraph.strip():
                found.add(" ".join(paragraph.split()))

    def walk(command: Any) -> None:
        add(command.help)
        for param in getattr(command, "params", []):
            add(getattr(param, "help", None))
        for sub in (getattr(command, "commands", None) or {}).values():
            walk(sub)

    walk(typer.main.get_command(cli.app))  # the raw tree, before polish_help composes texts
    for text in cli._DEFAULT_HELP.values():
        add(text)
    add(cli._PASSPHRASE_NOTE)
    found |= {"Repeat the option for several.", "Codes: {codes}.",
              "The decoy's own passphrase comes from TYSHA_DECOY_PASSPHRASE.",
              "Show this message and exit.", *cli._TYPER_WORDS.values()}  # fmt: skip
    return found
