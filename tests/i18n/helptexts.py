"""Every help text of the ``tysha`` command tree, as msgids (paragraphs, whitespace folded)."""

from __future__ import annotations

from typing import Any

import typer.main


def paragraphs(text: str | None) -> set[str]:
    """The paragraphs of a help text, whitespace folded (as gettext is asked for them)."""
    return {" ".join(p.split()) for p in (text or "").split("\n\n") if p.strip()}


def help_paragraphs(command: Any, default_help: dict[str, str] | None = None) -> set[str]:
    """The help paragraphs of ``command`` and every command under it: its own help and each
    option's, or the option's ``default_help`` where it declares none."""
    found: set[str] = set()

    def add(text: str | None) -> None:
        found.update(paragraphs(text))

    def walk(command: Any) -> None:
        add(command.help)
        for param in getattr(command, "params", []):
            add(getattr(param, "help", None) or (default_help or {}).get(param.name or ""))
        for sub in (getattr(command, "commands", None) or {}).values():
            walk(sub)

    walk(command)
    return found


def help_msgids() -> set[str]:
    from tysha import cli

    # the raw tree, before polish_help composes texts
    found = help_paragraphs(typer.main.get_command(cli.app))
    for text in (*cli._DEFAULT_HELP.values(), cli._PASSPHRASE_NOTE):
        found |= paragraphs(text)
    found |= {"Repeat the option for several.", "Codes: {codes}.",
              "The decoy's own passphrase comes from TYSHA_DECOY_PASSPHRASE.",
              "Show this message and exit.", *cli._TYPER_WORDS.values()}  # fmt: skip
    return found
