"""Damage to the vault is never silent (issue 10.3), and a wrong passphrase stays deniable."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tysha.errors import BadInput, BadPassphrase, StorageError
from tysha.source.vault import GEN_HEADER, NOTHING_OPENS, Vault, _layout

SIZE = 2 * 1024 * 1024
T0 = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t


def gen_base(path: Path, number: int, g: int) -> int:
    offset, length = _layout(path.stat().st_size)[number]
    return offset + g * (length // 2)


def scribble(path: Path, at: int, n: int = 512) -> None:
    with open(path, "r+b") as f:
        f.seek(at)
        f.write(os.urandom(n))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def three_saves(tmp_path: Path) -> tuple[Path, Any, Clock]:
    """A vault saved at three hours: one report, then (an hour later) a second one."""
    clock = Clock()
    path = tmp_path / "v"
    v = Vault.create(path, SIZE)
    v.clock = clock
    c = v.add_compartment("right passphrase", 0, {"made": 0, "outbox": []})
    clock.t += 3600
    c.state["outbox"].append("report one")
    c.state["made"] = 1
    v.save(c)
    clock.t += 3600
    c.state["outbox"].append("report two")
    c.state["made"] = 2
    v.save(c)
    return path, c, clock


def test_damaged_newest_body_says_which_save_opened_and_what_is_lost(three_saves: Any) -> None:
    path, c, clock = three_saves
    scribble(path, gen_base(path, 0, c.generation) + GEN_HEADER)
    got = Vault(path).unlock("right passphrase")
    assert got.state["outbox"] == ["report one"]  # the previous save, whole
    assert got.damage is not None
    assert "newest save" in got.damage and "damaged" in got.damage
    assert "2026-05-28 22:00 UTC" in got.damage  # when the lost save was made
    assert "previous one, from 2026-05-28 21:00 UTC, was opened" in got.damage
    assert "1 report(s) written since then are lost" in got.damage


def test_the_next_save_repairs_and_the_notice_goes(three_saves: Any) -> None:
    path, c, clock = three_saves
    scribble(path, gen_base(path, 0, c.generation) + GEN_HEADER)
    v = Vault(path)
    got = v.unlock("right passphrase")
    got.state["outbox"].append("report two, written again")
    v.save(got)
    again = Vault(path).unlock("right passphrase")
    assert again.damage is None
    assert again.state["outbox"] == ["report one", "report two, written again"]


def test_damaged_newest_header_is_reported_without_guessing(three_saves: Any) -> None:
    path, c, _ = three_saves
    scribble(path, gen_base(path, 0, c.generation))  # header and the start of the body
    got = Vault(path).unlock("right passphrase")
    assert got.state["outbox"] == ["report one"]
    assert got.damage is not None
    assert "can't be read" in got.damage and "from 2026-05-28 21:00 UTC" in got.damage
    assert "power loss" in got.damage  # both possible causes are named


def test_a_cut_older_save_is_what_a_power_cut_leaves_and_loses_nothing(three_saves: Any) -> None:
    path, c, _ = three_saves
    # The older generation's body broken, its header intact: a save cut short mid-body.
    scribble(path, gen_base(path, 0, 1 - c.generation) + GEN_HEADER)
    got = Vault(path).unlock("right passphrase")
    assert got.state["outbox"] == ["report one", "report two"]
    assert got.damage is None


def test_both_saves_damaged_is_not_called_a_wrong_passphrase(three_saves: Any) -> None:
    path, c, _ = three_saves
    for g in (0, 1):
        scribble(path, gen_base(path, 0, g) + GEN_HEADER)
    with pytest.raises(StorageError, match="passphrase is right, but both saves"):
        Vault(path).unlock("right passphrase")
    # To anyone else the vault still answers exactly as an intact one does.
    with pytest.raises(BadPassphrase) as wrong:
        Vault(path).unlock("some other passphrase")
    assert wrong.value.message == NOTHING_OPENS


def test_damaged_salt_and_wrong_passphrase_are_the_same_answer(three_saves: Any, tmp_path: Path) -> None:
    path, _, _ = three_saves
    intact = tmp_path / "intact"
    intact.write_bytes(path.read_bytes())
    with pytest.raises(BadPassphrase) as wrong:
        Vault(intact).unlock("not the passphrase")
    scribble(path, 0, 16)  # the salt
    with pytest.raises(BadPassphrase) as damaged:
        Vault(path).unlock("right passphrase")
    assert damaged.value.message == wrong.value.message == NOTHING_OPENS
    assert damaged.value.hint == wrong.value.hint
    # ...and the one message names both possibilities.
    assert "not the passphrase" in NOTHING_OPENS and "damaged" in NOTHING_OPENS


@pytest.mark.parametrize("change", [-5, 5, -65536, 65536])
def test_a_file_of_the_wrong_size_is_refused_and_left_alone(three_saves: Any, change: int) -> None:
    path, _, _ = three_saves
    data = path.read_bytes()
    path.write_bytes(data[:change] if change < 0 else data + os.urandom(change))
    before = digest(path)
    with pytest.raises(StorageError, match="cut short or extended"):
        Vault(path).unlock("right passphrase")
    assert digest(path) == before


def test_save_refuses_a_file_whose_size_changed(three_saves: Any) -> None:
    path, _, _ = three_saves
    v = Vault(path)
    c = v.unlock("right passphrase")
    with open(path, "ab") as f:
        f.write(os.urandom(65536))
    before = digest(path)
    c.state["outbox"].append("three")
    with pytest.raises(StorageError, match="cut short or extended|refusing to write"):
        v.save(c)
    assert digest(path) == before


def test_create_refuses_sizes_no_vault_has(tmp_path: Path) -> None:
    for bad in (1024 * 1024 - 65536, 1024 * 1024 + 5, 3 * 1000 * 1000):
        with pytest.raises(BadInput, match="64 KiB"):
            Vault.create(tmp_path / "v", bad)
        assert not (tmp_path / "v").exists()


def test_cli_warns_on_stderr_and_keeps_json_clean(tmp_path: Path, cli: Any) -> None:
    v = tmp_path / "phone.vault"
    env = {"TYSHA_PASSPHRASE": "a passphrase for damage tests"}
    cli("source", "init", "--vault", str(v), "--size", "1MiB", env=env)
    cli("source", "notes", "--vault", str(v), "--add", "one", env=env)
    c = Vault(v).unlock(env["TYSHA_PASSPHRASE"])
    scribble(v, gen_base(v, 0, c.generation) + GEN_HEADER, 64)
    r = cli("source", "notes", "--vault", str(v), "--json", env=env)
    assert json.loads(r.stdout) == []
    assert "WARNING" in r.stderr and "newest save" in r.stderr
    bad = cli("source", "init", "--vault", str(tmp_path / "w"), "--size", "1000001", env=env,
              check=False)
    assert bad.returncode == 1 and "64 KiB" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "w").exists()
    v.write_bytes(v.read_bytes()[:-5])
    cut = cli("source", "outbox", "--vault", str(v), "--json", env=env, check=False)
    assert cut.returncode == 1 and "wrong size" in cut.stderr and cut.stdout == ""


def flip_bit(path: Path, at: int) -> None:
    with open(path, "r+b") as f:
        f.seek(at)
        b = f.read(1)[0]
        f.seek(at)
        f.write(bytes((b ^ 0x10,)))


@pytest.mark.parametrize(("where", "says"), [("body", "newest save"), ("header", "can't be read")])
def test_one_flipped_bit_in_the_newest_save_is_noticed(three_saves: Any, where: str, says: str) -> None:
    path, c, _ = three_saves
    base = gen_base(path, 0, c.generation)
    flip_bit(path, base + (GEN_HEADER + 30 if where == "body" else 30))
    got = Vault(path).unlock("right passphrase")
    assert got.state["outbox"] == ["report one"] and got.damage is not None and says in got.damage


def test_a_vault_of_the_first_format_still_opens(tmp_path: Path) -> None:
    """Older vaults: 7 zero bytes for the size in the slot, 16-byte generation headers."""
    import struct

    from tysha.protocol import cbor_encode
    from tysha.source import vault as vm

    path = tmp_path / "old"
    v = Vault.create(path, SIZE)
    c = v.add_compartment("right passphrase", 0, {"notes": ["new format"]})
    with open(path, "rb") as f:
        salt = f.read(16)
    from tysha.protocol.atrest import passphrase_key

    master = passphrase_key("right passphrase", salt)
    kh, kb = vm._derive(c.key, b"header"), vm._derive(c.key, b"body")
    with open(path, "r+b") as f:
        f.seek(vm.SALT + c.slot * vm.SLOT_SIZE)
        f.write(vm._seal(master, b"tysha-vault-slot" + bytes((c.slot,)), c.key + bytes(8)))
        for g, seq in ((0, 7), (1, 8)):
            base = gen_base(path, 0, g)
            body = vm._seal(kb, b"tysha-vault-body" + bytes((0, g)) + struct.pack(">Q", seq),
                            cbor_encode({"notes": [f"old {seq}"]}))
            head = vm._seal(kh, b"tysha-vault-gen" + bytes((0, g)), struct.pack(">QQ", seq, len(body)))
            assert len(head) == vm.OLD_GEN_HEADER
            f.seek(base)
            f.write(head + body)
    old = Vault(path).unlock("right passphrase")
    assert old.state == {"notes": ["old 8"]} and old.damage is None and old.size == 0
    old.state["notes"].append("saved again")
    Vault(path).save(old)
    assert Vault(path).unlock("right passphrase").state["notes"] == ["old 8", "saved again"]


def _rewrite_saves(path: Path, passphrase: str, header: Any, body: bytes) -> None:
    """Write both saves of the primary compartment anew: ``header(seq, body_len, g)`` is the
    plaintext of each save's header, ``body`` the plaintext of each body."""
    import struct

    from tysha.source import vault as vm

    c = Vault(path).unlock(passphrase)
    kh, kb = vm._derive(c.key, b"header"), vm._derive(c.key, b"body")
    with open(path, "r+b") as f:
        for g, seq in ((0, 7), (1, 8)):
            sealed = vm._seal(kb, b"tysha-vault-body" + bytes((0, g)) + struct.pack(">Q", seq), body)
            head = vm._seal(kh, b"tysha-vault-gen" + bytes((0, g)), header(seq, len(sealed), g))
            f.seek(gen_base(path, 0, g))
            f.write(head + sealed)


def test_a_save_header_carries_a_format_and_a_later_one_is_refused_not_called_damaged(
    tmp_path: Path, cli: Any
) -> None:
    """The save header had no format number: a later Tysha that lays out or encodes a save
    differently could not be told from damage, and this one told the reporter "the passphrase
    is right, but both saves of this vault's contents are damaged" (who may then throw the
    vault away, or write every report again). The header's byte after the saved hour is the
    format now (0 for every vault so far, which is what they hold there, so they open as
    before and the Tysha of before reads what this one writes); a higher one is refused in
    plain words, nothing written, and a purge still destroys it."""
    import struct

    from tysha.source import vault as vm

    path = tmp_path / "phone.vault"
    Vault.create(path, SIZE, "right passphrase", {"v": 1, "notes": ["kept"]})
    # What this Tysha writes: format 0, where every earlier header had the top byte of its
    # count of reports (always 0).
    c = Vault(path).unlock("right passphrase")
    kh = vm._derive(c.key, b"header")
    with open(path, "rb") as f:
        f.seek(gen_base(path, 0, c.generation))
        raw = f.read(vm.GEN_HEADER)
    head = vm._open(kh, b"tysha-vault-gen" + bytes((0, c.generation)), raw)
    assert head is not None and len(head) == 32 and head[24] == 0

    # A later format: the same header, format 1, and a body this Tysha can't decode.
    _rewrite_saves(path, "right passphrase",
                   lambda seq, n, g: struct.pack(">QQQ", seq, n, 1_780_000_000) + bytes((1,))
                   + (3).to_bytes(7, "big"),
                   b"\x28\xb5\x2f\xfd not cbor: a later encoding")  # fmt: skip
    before = digest(path)
    env = {"TYSHA_PASSPHRASE": "right passphrase", "TYSHA_DECOY_PASSPHRASE": "q" * 30}
    for args in (["outbox"], ["notes", "--add", "x"], ["decoy", "--note", "recipes"]):
        r = cli("source", args[0], "--vault", str(path), *args[1:], env=env, check=False)
        assert r.returncode == 1, (args, r.stdout)
        assert "this vault was written by a newer Tysha" in r.stderr, (args, r.stderr)
        assert "damaged" not in r.stderr
    assert digest(path) == before
    cli("source", "purge", "--vault", str(path), env=env)
    with pytest.raises(BadPassphrase):
        Vault(path).unlock("right passphrase")

    # A vault whose headers hold format 0 (every vault so far) opens as before.
    path2 = tmp_path / "older.vault"
    Vault.create(path2, SIZE, "right passphrase", {})
    from tysha.protocol import cbor_encode

    _rewrite_saves(path2, "right passphrase",
                   lambda seq, n, g: struct.pack(">QQQQ", seq, n, 1_780_000_000, 5),
                   cbor_encode({"v": 1, "notes": ["older"], "made": 5}))  # fmt: skip
    r = cli("source", "notes", "--vault", str(path2), env=env)
    assert r.stdout.strip() == "older"


@pytest.mark.parametrize("harm", ["both saves damaged", "cut short", "extended"])
def test_a_damaged_or_resized_vault_is_still_purged(three_saves: Any, cli: Any, harm: str) -> None:
    """The passphrase still opens its slot, so the compartment key is there for whoever is
    made to type it, and most of the ciphertext decrypts with it (only its tags fail). Before,
    purge refused such a vault as unlock does ("both saves … are damaged", "cut short or
    extended … Nothing was read or changed") and left it all readable. Now it destroys it as
    any other: the slot first, then the compartment's area as the vault was made (what of it
    the file still holds); the file keeps the size it has."""
    from tysha.source import vault as vm

    path, c, _ = three_saves
    if harm == "both saves damaged":
        for g in (0, 1):
            scribble(path, gen_base(path, 0, g) + GEN_HEADER)
    elif harm == "cut short":
        path.write_bytes(path.read_bytes()[:-65536])
    else:
        path.write_bytes(path.read_bytes() + os.urandom(5))
    size = path.stat().st_size
    old = path.read_bytes()
    r = cli("source", "purge", "--vault", str(path), env={"TYSHA_PASSPHRASE": "right passphrase"},
            check=False)
    assert r.returncode == 0, r.stderr
    new = path.read_bytes()
    assert len(new) == size
    at = vm.SALT + c.slot * vm.SLOT_SIZE
    assert new[at:at + vm.SLOT_SIZE] != old[at:at + vm.SLOT_SIZE]
    offset, length = _layout(SIZE)[0]
    end = min(offset + length, size)
    same = sum(1 for a, b in zip(old[offset:end], new[offset:end], strict=True) if a == b)
    assert same < (end - offset) / 64  # random bytes over it: 1 in 256 alike by chance
    # Made whole again, the file answers the passphrase as a wrong one.
    path.write_bytes(new[:SIZE] + os.urandom(max(0, SIZE - len(new))))
    with pytest.raises(BadPassphrase):
        Vault(path).unlock("right passphrase")
