"""The error tree (STYLE.md): one root, five families, a message a person can act on."""

from __future__ import annotations

import pytest

from tysha import errors


@pytest.mark.parametrize("cls", [errors.ProtocolError, errors.VerificationError, errors.StorageError,
                                 errors.TransportError, errors.ConfigError])
def test_family(cls: type[errors.TyshaError]) -> None:
    assert issubclass(cls, errors.TyshaError)
    e = cls("the thing failed")
    assert e.message == "the thing failed"
    assert e.diagnostics().startswith("the thing failed (") and cls.hint in e.diagnostics()
    assert cls("x", hint="do y").diagnostics() == "x (do y)"


def test_cli_turns_errors_into_one_line(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = cli("drop", "info", "--data", str(tmp_path / "nothing"), "--json", check=False)
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tysha: error:") and "Traceback" not in r.stderr
    r2 = cli("drop", "nonsense", check=False)
    assert r2.returncode == 2
