"""The new CLI options (docs/CLI.md rows): `desk fetch --witness … --witnesses-needed K` and
`source enroll --witness …`; bad input gets a clear error and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tysha.tlog import CosignatureSigner


def test_desk_fetch_witness_options(tmp_path: Path, cli: Any, drop: tuple[str, str, Path]) -> None:
    url, vkey, _ = drop
    env = {"TYSHA_PASSPHRASE": "desk passphrase for tests"}
    desk = tmp_path / "desk"
    cli("desk", "init", "--desk", str(desk), "--name", "Cell", env=env)
    w1 = CosignatureSigner("w1.example", b"\x01" * 32).verifier().vkey
    bad = cli("desk", "fetch", "--desk", str(desk), "--drop", url, "--drop-key", vkey,
              "--witness", w1, "--witnesses-needed", "2", env=env, check=False)
    assert bad.returncode != 0 and "between 1 and 1" in bad.stderr
    assert "Traceback" not in bad.stderr
    bad = cli("desk", "fetch", "--desk", str(desk), "--drop", url, "--drop-key", vkey,
              "--witness", vkey, env=env, check=False)  # a log key, not a witness key
    assert bad.returncode != 0 and "not a witness verifier key" in bad.stderr
    r = cli("desk", "fetch", "--desk", str(desk), "--json", env=env)  # still no drop known
    assert json.loads(r.stdout)["witnessed"] == {}
    # A policy the drop (without witnesses) cannot meet: nothing taken, exit 1, named.
    r = cli("desk", "fetch", "--desk", str(desk), "--drop", url, "--drop-key", vkey,
            "--witness", w1, "--json", env=env, check=False)
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["unwitnessed"] and "missing: w1.example" in out["unwitnessed"][0]


def test_source_enroll_witness_options(tmp_path: Path, cli: Any) -> None:
    env = {"TYSHA_PASSPHRASE": "crib extending impure explicit powdering dense"}
    v = tmp_path / "v"
    cli("source", "init", "--vault", str(v), "--size", "1MiB", env=env)
    r = cli("source", "enroll", "--vault", str(v), "--invitation", "TYSHA-damaged",
            "--witness", "not-a-key", env=env, check=False)
    assert r.returncode != 0 and "not a witness verifier key" in r.stderr
    assert "Traceback" not in r.stderr
