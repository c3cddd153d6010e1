"""The test runs' cheap Argon2id (tests/_kdf) never reaches the product: a process started
without the test path derives passphrase keys at 2 passes over 64 MiB, and what it makes opens
only at that cost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tysha.errors import BadPassphrase
from tysha.protocol import atrest

PASS = "a passphrase for the cost check"


def _product_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TYSHA_TEST_ARGON2")}
    return env


def test_the_product_cost_is_2_passes_over_64_mib() -> None:
    out = subprocess.run(
        [sys.executable, "-c",
         "from tysha.protocol import atrest; print(atrest.ARGON2_OPS, atrest.ARGON2_MEM)"],
        env=_product_env(), capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", str(64 * 1024 * 1024)]
    # ... and this test process runs at the cheap cost (so the checks below can tell them apart).
    assert (atrest.ARGON2_OPS, atrest.ARGON2_MEM) == (1, 8192)


def test_a_desk_and_a_vault_made_by_the_product_open_only_at_its_cost(tmp_path: Path) -> None:
    from tysha.desk.keyfile import read_keyfile
    from tysha.source.vault import Vault

    env = {**_product_env(), "TYSHA_PASSPHRASE": PASS}
    for argv in (["desk", "init", "--desk", str(tmp_path / "desk"), "--name", "cost check"],
                 ["source", "init", "--vault", str(tmp_path / "v"), "--size", "1MiB"]):
        subprocess.run([sys.executable, "-m", "tysha.cli", *argv], env=env, check=True,
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    kf = read_keyfile(tmp_path / "desk")
    with pytest.raises(BadPassphrase):
        kf.unlock(PASS)  # the cheap cost derives another key
    with pytest.raises(BadPassphrase):
        Vault(tmp_path / "v").unlock(PASS)
    atrest.ARGON2_OPS, atrest.ARGON2_MEM = 2, 64 * 1024 * 1024
    try:
        assert kf.unlock(PASS).public().to_text() == kf.public_key
        Vault(tmp_path / "v").unlock(PASS)
    finally:
        atrest.ARGON2_OPS, atrest.ARGON2_MEM = 1, 8192
