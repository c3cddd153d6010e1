"""The vault: one fixed-size random-looking file; decoy; purge; crash safety."""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tysha.errors import ConfigError, StorageError
from tysha.source.vault import Vault

SIZE = 2 * 1024 * 1024


def chi_square_ok(data: bytes) -> float:
    counts = [0] * 256
    for b in data:
        counts[b] += 1
    exp = len(data) / 256
    chi = sum((c - exp) ** 2 / exp for c in counts)
    # 255 degrees of freedom: mean 255, sd ~22.6; accept within 5 standard deviations
    assert abs(chi - 255) < 5 * math.sqrt(2 * 255), f"chi-square {chi:.1f}"
    return chi


def no_marker(data: bytes) -> None:
    # No fixed marker: no run of zero bytes, no repeated 16-byte block anywhere.
    assert b"\x00" * 16 not in data
    step = 4096
    blocks = {data[i:i + 16] for i in range(0, len(data) - 16, step)}
    assert len(blocks) == len(range(0, len(data) - 16, step))


def test_create_unlock_save_and_size(tmp_path: Path) -> None:
    v = Vault.create(tmp_path / "v", SIZE)
    c = v.add_compartment("right", 0, {"notes": ["a"]})
    assert v.size() == SIZE
    c.state["notes"].append("b")
    v.save(c)
    assert Vault(tmp_path / "v").unlock("right").state["notes"] == ["a", "b"]
    with pytest.raises(ConfigError):
        v.unlock("wrong")
    with pytest.raises(ConfigError):
        v.unlock("")
    with pytest.raises(ConfigError):
        Vault.create(tmp_path / "v", SIZE)
    data = (tmp_path / "v").read_bytes()
    assert len(data) == SIZE
    chi_square_ok(data)
    no_marker(data)


def test_decoy_and_purge(tmp_path: Path) -> None:
    v = Vault.create(tmp_path / "v", SIZE)
    real = v.add_compartment("real pass", 0, {"secret": "report about camp", "notes": []})
    v.add_compartment("decoy pass", 1, {"notes": ["buy bread", "call mum"]}, avoid_slots={real.slot})
    d = v.unlock("decoy pass")
    assert d.state == {"notes": ["buy bread", "call mum"]}  # nothing hints at another compartment
    with pytest.raises(ConfigError):
        v.add_compartment("real pass", 1, {})  # a passphrase is never used twice
    v.purge(v.unlock("real pass"))
    assert v.size() == SIZE
    with pytest.raises(ConfigError):
        v.unlock("real pass")
    assert v.unlock("decoy pass").state["notes"] == ["buy bread", "call mum"]
    data = (tmp_path / "v").read_bytes()
    chi_square_ok(data)
    no_marker(data)


def test_full_vault_is_a_clear_error(tmp_path: Path) -> None:
    v = Vault.create(tmp_path / "v", 1024 * 1024)
    c = v.add_compartment("p", 1, {"blob": b""})
    c.state["blob"] = os.urandom(200 * 1024)
    with pytest.raises(StorageError, match="full"):
        v.save(c)
    assert v.unlock("p").state == {"blob": b""}  # nothing changed


WRITER = r"""
import sys
from tysha.source.vault import Vault
v = Vault(sys.argv[1])
c = v.unlock("p")
print("ready", flush=True)
n = c.state["n"]
while True:
    n += 1
    c.state["n"] = n
    c.state["pad"] = bytes(n % 97) * 3000
    v.save(c)
    print(n, flush=True)
"""


def test_power_cut_leaves_old_or_new_state(tmp_path: Path) -> None:
    path = tmp_path / "v"
    v = Vault.create(path, SIZE)
    v.add_compartment("p", 0, {"n": 0, "pad": b""})
    rng = random.Random(3)
    last_seen = 0
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.01, 0.3))
        os.kill(proc.pid, signal.SIGKILL)
        out = proc.communicate()[0].split()
        acked = int(out[-1]) if out else last_seen
        c = Vault(path).unlock("p")
        # The state is whole, and at least the last completed save (or one beyond it).
        assert c.state["n"] >= acked and c.state["n"] <= acked + 1
        assert c.state["pad"] == bytes(c.state["n"] % 97) * 3000
        last_seen = c.state["n"]
        assert path.stat().st_size == SIZE
    assert last_seen > 0
