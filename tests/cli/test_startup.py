"""The CLI starts without what most commands never use: Typer's rich help renderer (imported
only to render help or an error, then in the user's language) and the HTTP client (imported
by the commands that talk to a drop or a witness)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tysha.cli import _TYPER_WORDS


def _python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_importing_the_cli_loads_neither_the_help_renderer_nor_the_http_client() -> None:
    out = _python("import sys, tysha.cli; "
                  "print(sorted(m for m in ('typer.rich_utils', 'rich.markdown', 'httpx') "
                  "if m in sys.modules))")
    assert out == "[]"


def test_the_servers_start_without_the_http_client() -> None:
    """A drop (and each of its worker processes) and a witness serve without calling another
    server: what they import to serve does not load httpx (``tysha.transport`` loads its client
    on first use), while the client's names stay importable from the package."""
    out = _python("import sys, tysha.drop.server, tysha.drop.web, tysha.witness.service, "
                  "tysha.witness.web, tysha.transport.serving; print('httpx' in sys.modules); "
                  "from tysha.transport import DropClient; print(DropClient.__module__, "
                  "'httpx' in sys.modules)")
    assert out.splitlines() == ["False", "tysha.transport.client True"]


def test_a_command_parses_its_options_without_pydantic(tmp_path: Path) -> None:
    """Typer 0.29 coerced every option through a pydantic TypeAdapter, importing pydantic on
    each command's start (~0.1 s of CPU; pyproject.toml pins typer below it): a command with a
    path, a text and a number option runs to its end without loading it."""
    argv = ["tysha", "drop", "init", "--data", str(tmp_path / "d"), "--origin", "x.example/log",
            "--pow-bits", "4"]
    code = (f"import sys; sys.argv = {argv!r}\nfrom tysha.cli import main\ntry:\n"
            "    main()\nexcept SystemExit as e:\n    print('exit', e.code)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))")
    out = _python(code)
    assert out.splitlines()[-1] == "[]", out
    assert "exit" not in out or "exit 0" in out, out
    assert (tmp_path / "d" / "drop.json").is_file()


def test_typer_words_are_typers_own_english() -> None:
    """The English the catalogs translate is what Typer itself says (checked in a process
    where no translation was applied)."""
    names = ", ".join(repr(n) for n in _TYPER_WORDS)
    out = _python(f"import typer.rich_utils as r; print([getattr(r, n) for n in ({names},)])")
    assert out == repr(list(_TYPER_WORDS.values()))


def test_help_rendered_after_start_is_in_the_users_language() -> None:
    """The words reach Typer's renderer even though it is imported only when help is drawn."""
    code = ("import os, sys; os.environ['TYSHA_LANG'] = 'uk'; sys.argv = ['tysha', 'desk', "
            "'--help']\nfrom tysha.cli import main\ntry:\n    main()\nexcept SystemExit:\n"
            "    pass")
    out = _python(code)
    assert "Параметри" in out and "Команди" in out and "Options" not in out
