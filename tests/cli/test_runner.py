"""The ``cli`` fixture runs the CLI in this process by default; nothing leaks between calls.

An in-process call must be indistinguishable from ``python -m tysha.cli`` for what tests look at
(exit code, stdout, stderr), and must leave the test process as it found it: environment,
working directory, umask, locale, signal handlers, root logger.
"""

from __future__ import annotations

import locale
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

# These tests are about the in-process runner itself.
pytestmark = pytest.mark.skipif(os.environ.get("TYSHA_TEST_CLI") == "process",
                                reason="TYSHA_TEST_CLI=process: every call is a real process")


def snapshot() -> dict[str, Any]:
    umask = os.umask(0o022)
    os.umask(umask)
    root = logging.getLogger()
    loggers = {name: (list(lg.handlers), lg.level, lg.propagate)
               for name, lg in logging.Logger.manager.loggerDict.items()
               if isinstance(lg, logging.Logger)}
    return {
        "loggers": loggers,
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "umask": umask,
        "locale": locale.setlocale(locale.LC_ALL),
        "signals": {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)},
        "log": (list(root.handlers), root.level),
        "streams": (sys.stdin, sys.stdout, sys.stderr),
    }


def test_in_process_is_the_default_and_matches_a_real_process(cli: Any, cli_process: Any,
                                                              tmp_path: Path) -> None:
    args = ("drop", "info", "--data", str(tmp_path / "nothing"), "--json")
    here = cli(*args, check=False)
    there = cli_process(*args, check=False)
    assert here.args[0] == "tysha" and there.args[0] == sys.executable  # where each one ran
    assert (here.returncode, here.stdout, here.stderr) == (there.returncode, there.stdout, there.stderr)
    assert here.returncode == 1
    usage = cli("drop", "nonsense", check=False)
    assert usage.returncode == 2 and "nonsense" in usage.stderr


def test_nothing_leaks_between_in_process_calls(cli: Any, tmp_path: Path) -> None:
    before = snapshot()
    work = tmp_path / "work"
    work.mkdir()
    env = {"TYSHA_PASSPHRASE": "orchard lantern copper seventeen", "TYSHA_LANG": "uk",
           "TYSHA_TEST_MARKER": "1"}
    cli("drop", "init", "--data", "relative-drop", cwd=work, env=env)
    cli("desk", "init", "--desk", str(tmp_path / "desk"), "--name", "Cell", env=env)
    assert (work / "relative-drop").is_dir()  # the relative path was taken from cwd=
    after = snapshot()
    # A logger a call created may stay (logging keeps them all), but with no handler on the
    # call's captured streams.
    new = set(after["loggers"]) - set(before["loggers"])
    assert all(after["loggers"][name][0] == [] for name in new)
    after["loggers"] = {k: v for k, v in after["loggers"].items() if k not in new}
    assert after == before
    assert "TYSHA_TEST_MARKER" not in os.environ


def test_the_language_follows_each_call(cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    uk = cli("verify", str(folder), env={"TYSHA_LANG": "uk"}, check=False)
    en = cli("verify", str(folder), env={"TYSHA_LANG": "en"}, check=False)
    again = cli("verify", str(folder), env={"TYSHA_LANG": "uk"}, check=False)
    assert "тека" in uk.stderr and "folder" in en.stderr and "тека" not in en.stderr
    assert again.stderr == uk.stderr


def test_process_level_environment_gets_a_real_process(cli: Any, tmp_path: Path) -> None:
    # HOME/TMPDIR are read once by a running interpreter; a test that sets them asks about a
    # fresh process, so it gets one without saying so.
    r = cli("drop", "info", "--data", str(tmp_path / "x"), "--json",
            env={"TMPDIR": str(tmp_path)}, check=False)
    assert r.args[0] == sys.executable and r.returncode == 1


def test_check_raises_with_the_output(cli: Any, tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="tysha: error"):
        cli("drop", "info", "--data", str(tmp_path / "nothing"), "--json")


def test_servers_run_as_processes(cli: Any, tmp_path: Path) -> None:
    # A server that should fail but does not must hit the timeout, not hang the test run.
    r = cli("drop", "serve", "--data", str(tmp_path / "none"), "--port", "1", check=False)
    assert r.args[0] == sys.executable and r.returncode != 0
    assert cli("drop", "serve", "--help").args[0] == "tysha"
