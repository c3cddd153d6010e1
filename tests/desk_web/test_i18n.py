"""Every interface string in the templates has a Ukrainian and a Russian translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tysha.desk.store import STATUSES
from tysha.i18n import catalog, gettext_for

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "tysha" / "desk" / "web" / "templates"


def msgids() -> set[str]:
    found: set[str] = set(STATUSES) | {"low", "medium", "high"}
    for t in TEMPLATES.glob("*.html"):
        text = t.read_text()
        found |= set(re.findall(r'_\("([^"]+)"\)', text))
        found |= set(re.findall(r"_\('([^']+)'\)", text))
    return found


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_every_template_string_is_translated(lang: str) -> None:
    table = catalog(lang)
    missing = sorted(m for m in msgids() if not table.get(m))
    assert not missing, f"{lang} lacks: {missing}"
    assert gettext_for(lang)("Inbox") != "Inbox"
    assert gettext_for("en")("Inbox") == "Inbox"


def test_source_cli_speaks_ukrainian(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("source", "init", "--vault", str(tmp_path / "v"), "--size", "1MiB",
              env={"TYSHA_PASSPHRASE": "a vault passphrase for i18n", "TYSHA_LANG": "uk"})
    assert "сховище готове" in out.stdout
    out = cli("source", "init", "--vault", str(tmp_path / "w"), "--size", "1MiB",
              env={"TYSHA_PASSPHRASE": "a vault passphrase for i18n", "TYSHA_LANG": "ru"})
    assert "хранилище готово" in out.stdout
