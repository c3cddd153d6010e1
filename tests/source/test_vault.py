"""The vault: one fixed-size random-looking file; decoy; purge; crash safety."""

from __future__ import annotations

import fcntl
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tysha.errors import BadPassphrase, ConfigError, StorageError
from tysha.source import vault as vault_module
from tysha.source.vault import NO_ROOM, NOTHING_OPENS, PRIMARY, SECONDARY, Vault

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


# --- the decoy: made only from the real compartment; a replaced one opens nothing --------------

REAL = "real passphrase for decoy tests 42"
DECOYS = ["first decoy passphrase 77 x", "second decoy passphrase 88 y",
          "third decoy passphrase 99 z", "fourth decoy passphrase 11 w"]  # fmt: skip
SECRET = "REAL: names of witnesses"


def _notes(cli: Any, v: Path, passphrase: str) -> Any:
    r = cli("source", "notes", "--vault", v, "--json", env={"TYSHA_PASSPHRASE": passphrase},
            check=False)  # fmt: skip
    return json.loads(r.stdout) if r.returncode == 0 else r.stderr


def _decoy(cli: Any, v: Path, opened_with: str, new: str, check: bool = True) -> Any:
    env = {"TYSHA_PASSPHRASE": opened_with, "TYSHA_DECOY_PASSPHRASE": new}
    return cli("source", "decoy", "--vault", v, "--note", f"list of {new}", env=env, check=check)


def _vault_with_decoy(cli: Any, v: Path) -> None:
    cli("source", "init", "--vault", v, "--size", "2MiB", env={"TYSHA_PASSPHRASE": REAL})
    cli("source", "notes", "--vault", v, "--add", SECRET, env={"TYSHA_PASSPHRASE": REAL})
    _decoy(cli, v, REAL, DECOYS[0])


def test_a_decoy_is_not_made_from_the_decoy_passphrase(tmp_path: Path, cli: Any) -> None:
    # It used to be written over the other compartment, the real one: both its saves were
    # lost and the real passphrase then said "damaged".
    v = tmp_path / "d.vault"
    _vault_with_decoy(cli, v)
    before = v.read_bytes()
    r = _decoy(cli, v, DECOYS[0], DECOYS[1], check=False)
    assert r.returncode == 1
    assert r.stderr == f"tysha: error: {NO_ROOM}\n"  # one sentence, and it names nothing else
    assert v.read_bytes() == before  # nothing written
    assert _notes(cli, v, REAL) == [SECRET]
    assert _notes(cli, v, DECOYS[0]) == [f"list of {DECOYS[0]}"]
    assert NOTHING_OPENS in _notes(cli, v, DECOYS[1])
    # The same answer where no real compartment is left (purged): the refusal can't tell a
    # coercer holding the decoy passphrase whether another compartment is live.
    cli("source", "purge", "--vault", v, env={"TYSHA_PASSPHRASE": REAL})
    assert _decoy(cli, v, DECOYS[0], DECOYS[1], check=False).stderr == r.stderr


def test_replacing_the_decoy_makes_the_old_one_a_wrong_passphrase(tmp_path: Path, cli: Any) -> None:
    # The old decoy's slot used to stay, pointing at overwritten data: its passphrase then
    # said "damaged", which tells a coercer that it once opened something.
    v = tmp_path / "d.vault"
    _vault_with_decoy(cli, v)
    wrong = _notes(cli, v, "never a passphrase of this vault 55")
    assert NOTHING_OPENS in wrong
    for old, new in zip(DECOYS, DECOYS[1:], strict=False):
        _decoy(cli, v, REAL, new)
        assert _notes(cli, v, old) == wrong  # exactly what any wrong passphrase gets
        assert _notes(cli, v, new) == [f"list of {new}"]
        assert _notes(cli, v, REAL) == [SECRET]
    _decoy(cli, v, REAL, DECOYS[-1])  # the same decoy passphrase again, with new notes
    assert _notes(cli, v, DECOYS[-1]) == [f"list of {DECOYS[-1]}"]
    r = _decoy(cli, v, REAL, REAL, check=False)
    assert r.returncode == 1 and "must differ" in r.stderr
    assert _notes(cli, v, REAL) == [SECRET]


def test_a_compartment_is_added_only_where_nothing_live_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "v"
    made = Vault.create(path, SIZE, "real pass", {"notes": ["real"]})
    made.add_compartment("decoy pass", SECONDARY, {"notes": ["decoy"]})
    with pytest.raises(ConfigError, match=re.escape(NO_ROOM)):
        made.add_compartment("other pass", PRIMARY, {})  # its creator knows both are live
    v = Vault(path)  # opened, not created here: what is live can't be read from the file
    real, decoy = v.unlock("real pass"), v.unlock("decoy pass")
    before = path.read_bytes()
    for number, owner in [(PRIMARY, None), (SECONDARY, None), (PRIMARY, decoy),
                          (SECONDARY, decoy), (PRIMARY, real), (2, real)]:  # fmt: skip
        with pytest.raises(ConfigError, match=re.escape(NO_ROOM)):
            v.add_compartment("other pass", number, {}, owner=owner)
    with pytest.raises(ConfigError, match="already in use"):
        v.add_compartment("real pass", SECONDARY, {}, owner=real)
    assert path.read_bytes() == before  # nothing was written by any refusal
    # The primary's holder replaces the decoy, never in the primary's slot or compartment.
    for i in range(10):
        new = v.add_compartment(f"decoy {i}", SECONDARY, {"notes": [str(i)]}, owner=real)
        assert new.slot != real.slot
        assert Vault(path).unlock("real pass").state == {"notes": ["real"]}
        assert Vault(path).unlock(f"decoy {i}").state == {"notes": [str(i)]}
    for gone in ["decoy pass", *(f"decoy {i}" for i in range(9))]:
        with pytest.raises(BadPassphrase):  # not StorageError ("damaged")
            Vault(path).unlock(gone)
    data = path.read_bytes()
    chi_square_ok(data)
    no_marker(data)


# --- creation: nothing at the final name until the vault is whole --------------------------


@pytest.mark.parametrize("where", ["filling", "adding the compartment", "placing"])
def test_an_interrupted_creation_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    path = tmp_path / "v"
    urandom = os.urandom
    megabytes = 0

    def interrupted_fill(n: int) -> bytes:
        nonlocal megabytes
        megabytes += n == 1 << 20
        if megabytes == 3:
            raise KeyboardInterrupt  # what Ctrl-C (and the CLI's SIGTERM handler) raises
        return urandom(n)

    def stopped(*_a: object, **_k: object) -> None:
        raise SystemExit(143)

    if where == "filling":
        monkeypatch.setattr(vault_module.os, "urandom", interrupted_fill)
    elif where == "adding the compartment":
        monkeypatch.setattr(Vault, "add_compartment", stopped)
    else:
        monkeypatch.setattr(vault_module, "_place", stopped)
    with pytest.raises((KeyboardInterrupt, SystemExit)):
        Vault.create(path, 4 * 1024 * 1024, "p", {"n": 1})
    assert list(tmp_path.iterdir()) == []  # no vault, no part file
    monkeypatch.undo()
    Vault.create(path, SIZE, "p", {"n": 1})
    assert Vault(path).unlock("p").state == {"n": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["v"]


def test_creation_never_replaces_a_file_and_clears_a_killed_ones_part(tmp_path: Path) -> None:
    path = tmp_path / "v"
    stale = tmp_path / ".v.k1ll3d.part"  # what a creation killed outright (SIGKILL) left
    stale.write_bytes(os.urandom(4096))
    busy = tmp_path / ".v.bu5y00.part"  # another creation, still filling its part file
    busy.write_bytes(b"")
    with open(busy, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        Vault.create(path, SIZE, "p", {})
        assert sorted(p.name for p in tmp_path.iterdir()) == [busy.name, "v"]
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="already exists"):
        Vault.create(path, SIZE, "q", {})
    with pytest.raises(ConfigError, match="already exists"):  # lost a race: link won't replace
        vault_module._place(busy, path)
    assert path.read_bytes() == before


def test_sigterm_during_init_leaves_no_file_and_init_works_again(tmp_path: Path, cli: Any) -> None:
    # `source init` used to leave the half-filled file at its name: init then refused ("already
    # exists") and every passphrase read as wrong.
    v = tmp_path / "big.vault"
    env = {**os.environ, "TYSHA_PASSPHRASE": REAL}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "source", "init", "--vault", str(v), "--size", "512MiB"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(p.stat().st_size for p in tmp_path.iterdir()):  # filling has begun
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.002)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err  # as CLI.md says: stopped, the half-written file removed
    assert list(tmp_path.iterdir()) == []
    cli("source", "init", "--vault", v, "--size", "1MiB", env={"TYSHA_PASSPHRASE": REAL})
    assert _notes(cli, v, REAL) == []
