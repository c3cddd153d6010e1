"""Fixtures shared by the desk's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def confirms(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """The desk CLI's confirmations (question, --yes) as they are asked, in this process: a
    question without --yes is declined, as a person answering "no" at a terminal would."""
    from tysha.desk import cli as desk_cli
    from tysha.errors import BadInput

    asked: list[tuple[str, bool]] = []

    def decline(question: str, yes: bool) -> None:
        asked.append((question, yes))
        if not yes:
            raise BadInput("not confirmed; nothing changed")

    monkeypatch.setattr(desk_cli, "_confirm", decline)
    return asked
