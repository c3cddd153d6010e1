"""The first hour of each kind of user on a fresh machine: things done twice, in the wrong
order or with a typo. Each message says what happened and what to do next, in the user's
language, and never suggests an unsafe step."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tysha.errors import ConfigError, NotAllowed
from tysha.i18n import translate_message

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
