"""The hand-carried path: the export file a courier carries, its delivery, the receipts back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .test_flow import enrolled  # noqa: F401 (a fixture)


def _report(phone: dict[str, Any], cli: Any, n: int = 1) -> None:
    for i in range(n):
        cli("source", "report", "--vault", str(phone["vault"]), "--category", "pil",
            "--text", f"column of trucks {i}", env=phone["env"])


def test_an_interrupted_export_leaves_nothing_behind(tmp_path: Path, enrolled: dict[str, Any],  # noqa: F811
                                                     cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or SIGTERM, a stick pulled out) while the file is written leaves no part file
    beside it: a file named after the export and holding envelopes, found on a searched
    stick, that nothing would ever delete. A part file a killed export left (SIGKILL, a
    power cut) goes at the next export to the same name."""
    _report(enrolled, cli)
    usb = tmp_path / "usb"
    usb.mkdir()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(usb)):
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    r = cli("source", "export", "--vault", str(enrolled["vault"]), "--to", str(usb / "x.bin"),
            env=enrolled["env"], check=False)
    assert r.returncode == 130, (r.stdout, r.stderr)
    assert list(usb.iterdir()) == []
    monkeypatch.setattr(os, "fsync", real_fsync)
    left = usb / ".x.bin.k1ll3d.part"  # what an export killed outright left
    left.write_bytes(os.urandom(5000))
    cli("source", "export", "--vault", str(enrolled["vault"]), "--to", str(usb / "x.bin"),
        env=enrolled["env"])
    assert [p.name for p in usb.iterdir()] == ["x.bin"]


def test_an_export_never_replaces_a_file(tmp_path: Path, enrolled: dict[str, Any],  # noqa: F811
                                         cli: Any) -> None:
    """A name that is already taken (a photo on the stick, an earlier export) is refused, the
    file left as it was: before, it was silently replaced."""
    _report(enrolled, cli)
    taken = tmp_path / "IMG_0001.jpg"
    taken.write_bytes(b"a holiday photo")
    r = cli("source", "export", "--vault", str(enrolled["vault"]), "--to", str(taken),
            env=enrolled["env"], check=False)
    assert r.returncode == 1 and "IMG_0001.jpg already exists; refusing to overwrite it" in r.stderr
    assert taken.read_bytes() == b"a holiday photo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["IMG_0001.jpg", "drop", "phone.vault"]


def _outbox(phone: dict[str, Any]) -> list[bytes]:
    from tysha.source.device import SourceDevice

    dev = SourceDevice.open(phone["vault"], phone["env"]["TYSHA_PASSPHRASE"])
    try:
        return [bytes(i["env"]) for i in dev.state["outbox"]]
    finally:
        dev.vault.release()


def test_the_export_file_looks_like_random_bytes(tmp_path: Path, enrolled: dict[str, Any],  # noqa: F811
                                                 cli: Any) -> None:
    """Nothing in a courier's file is recognisable without knowing Tysha's format: before, its
    first 12 bytes were mostly zeros and a count, and every envelope began with a length and
    the same CBOR header, a signature a forensic scan of a seized stick could look for. And
    its length does not say how many reports it carries: one and three make the same size."""
    from .test_vault import chi_square_ok, no_marker

    v, env = str(enrolled["vault"]), enrolled["env"]
    _report(enrolled, cli)
    cli("source", "export", "--vault", v, "--to", str(tmp_path / "one.bin"), env=env)
    _report(enrolled, cli, 2)
    cli("source", "export", "--vault", v, "--to", str(tmp_path / "three.bin"), env=env)
    one, three = (tmp_path / "one.bin").read_bytes(), (tmp_path / "three.bin").read_bytes()
    assert len(one) == len(three)
    for data in (one, three):
        chi_square_ok(data)
        no_marker(data)
        assert data[:12].count(0) < 6
        for e in _outbox(enrolled):
            assert e[:16] not in data and len(e).to_bytes(8, "big") not in data
    assert one[:32] != three[:32]  # a new seed every time


# --- the export file's format: vectors ------------------------------------------------------

SEED = bytes(range(32))
ENVS = [b"\x01" * 5, b"abc"]


def _seal(inner: bytes, seed: bytes = SEED) -> bytes:
    """Version 2's masking, by pyca cryptography (not the libsodium binding the code uses)."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    return seed + ChaCha20Poly1305(seed).encrypt(bytes(12), inner, b"tysha courier")


def _legacy(envelopes: list[bytes], last_size: int) -> bytes:
    """What version 1 wrote (the writer before version 2, as it was)."""
    import struct

    from tysha.protocol import padme

    body = struct.pack(">QI", last_size, len(envelopes))
    body += b"".join(struct.pack(">Q", len(e)) + e for e in envelopes)
    return body + os.urandom(padme(len(body)) - len(body))


def test_the_aead_is_rfc_8439s() -> None:
    """RFC 8439 §2.8.2's AEAD_CHACHA20_POLY1305 vector, through the binding the code uses."""
    from nacl.bindings import crypto_aead_chacha20poly1305_ietf_encrypt

    pt = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
          b"the future, sunscreen would be it.")
    out = crypto_aead_chacha20poly1305_ietf_encrypt(
        pt, bytes.fromhex("50515253c0c1c2c3c4c5c6c7"), bytes.fromhex("070000004041424344454647"),
        bytes(range(0x80, 0xA0)))
    assert out[:16].hex() == "d31a8d34648e60db7b86afbc53ef7ec2"
    assert out[-16:].hex() == "1ae10b594f09e26a7e902ecbd0600691"


def test_export_vector() -> None:
    import hashlib
    import struct

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

    from tysha.transport.courier import MIN_EXPORT_SIZE, pack_export, unpack_export

    data = pack_export(ENVS, 7, lambda n: SEED)
    assert len(data) == MIN_EXPORT_SIZE == 1 << 20
    assert hashlib.sha256(data).hexdigest() == (
        "38ed3af1833edc7ed82b088a6da395a9d1adc7c47667110b00697617f08a6606")
    assert data[:32] == SEED
    assert data[32:56].hex() == "1ab84231ade6a6d114615c61ad434e27f8b1f3f5e4ac5a5d"
    inner = (struct.pack(">BQI", 2, 7, 2) + struct.pack(">Q", 5) + b"\x01" * 5
             + struct.pack(">Q", 3) + b"abc")
    inner += bytes(len(data) - 48 - len(inner))
    assert data == _seal(inner)  # the same bytes from an independent implementation
    # ... which is the inner bytes XORed with ChaCha20's keystream (RFC 8439 §2.4) under the
    # seed, from block 1 (block 0 keys Poly1305), then the tag.
    stream = Cipher(algorithms.ChaCha20(SEED, (1).to_bytes(4, "little") + bytes(12)), None)
    ks = stream.encryptor().update(bytes(64))
    assert data[32:96] == bytes(a ^ b for a, b in zip(inner[:64], ks, strict=True))
    assert unpack_export(data) == (7, ENVS)
    assert unpack_export(pack_export([], 0)) == (0, [])


@pytest.mark.parametrize(("what", "said"), [
    ("cut by one byte", "not a courier file, or it is damaged"),
    ("cut to 47 bytes", "not a courier file, or it is damaged"),
    ("cut to 11 bytes", "not a courier file (too short)"),
    ("seed bit flipped", "not a courier file, or it is damaged"),
    ("body bit flipped", "not a courier file, or it is damaged"),
    ("tag bit flipped", "not a courier file, or it is damaged"),
    ("version 3", "a format this tysha does not read (version 3); update tysha"),
    ("version 0", "a format this tysha does not read (version 0); update tysha"),
    ("an envelope past the end", "courier file is truncated"),
    ("random bytes", "not a courier file, or it is damaged"),
    ("empty", "not a courier file (too short)"),
])  # fmt: skip
def test_export_negative_vectors(what: str, said: str) -> None:
    import struct

    from tysha.errors import ProtocolError
    from tysha.transport.courier import pack_export, unpack_export

    good = bytearray(pack_export(ENVS, 7, lambda n: SEED))
    bad = {
        "cut by one byte": good[:-1],
        "cut to 47 bytes": good[:47],
        "cut to 11 bytes": good[:11],
        "seed bit flipped": good[:3] + bytes([good[3] ^ 4]) + good[4:],
        "body bit flipped": good[:5000] + bytes([good[5000] ^ 1]) + good[5001:],
        "tag bit flipped": good[:-1] + bytes([good[-1] ^ 0x80]),
        "version 3": _seal(struct.pack(">BQI", 3, 7, 0) + bytes(100)),
        "version 0": _seal(struct.pack(">BQI", 0, 7, 0) + bytes(100)),
        "an envelope past the end": _seal(struct.pack(">BQIQ", 2, 7, 1, 1000) + bytes(100)),
        "random bytes": os.urandom(1 << 20),
        "empty": b"",
    }[what]
    with pytest.raises(ProtocolError) as exc:
        unpack_export(bytes(bad))
    assert said in exc.value.message


def test_a_version_1_file_is_still_read(tmp_path: Path) -> None:
    """An export written before version 2 (a stick made with an older Tysha) is delivered as
    before; bytes that are not exactly one are refused like any other damage."""
    from tysha.errors import ProtocolError
    from tysha.transport.courier import read_export, unpack_export

    for envs in ([], ENVS, [os.urandom(11244) for _ in range(3)]):
        old = tmp_path / "old.bin"
        old.write_bytes(_legacy(envs, 42))
        assert read_export(old) == (42, envs)
    data = _legacy(ENVS, 42)
    for bad in (data + b"\x00", data[:-1], data[:12] + b"\xff" + data[13:]):
        with pytest.raises(ProtocolError, match="not a courier file, or it is damaged"):
            unpack_export(bad)


# --- delivery -------------------------------------------------------------------------------

def test_a_lying_or_refusing_drop_stops_only_its_envelopes(tmp_path: Path,
                                                           enrolled: dict[str, Any],  # noqa: F811
                                                           cli: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The drop refuses one envelope and lies about another (a receipt whose index is another
    envelope's): the others are still delivered, the receipts file holds only the receipts
    that prove their own envelope, the courier is told which were not delivered (exit 1), and
    the source keeps those waiting. Before, the first refusal ended the delivery with no
    receipts file at all, for the envelopes already uploaded as well."""
    import hashlib
    import json

    from tysha.errors import DropRefused
    from tysha.transport import DropClient

    v, env = str(enrolled["vault"]), enrolled["env"]
    _report(enrolled, cli, 4)
    usb = tmp_path / "x.bin"
    cli("source", "export", "--vault", v, "--to", str(usb), env=env)
    envs = _outbox(enrolled)
    real = DropClient.upload

    def upload(self: DropClient, envelope: Any, progress: Any = None) -> Any:
        if envelope == envs[1]:
            raise DropRefused("the drop refused (413): too large", status=413)
        r = real(self, envelope, progress)
        if envelope == envs[2]:  # a receipt that names the envelope, at another's place
            return type(r)(r.envelope_digest, r.index - 1 if r.index else 1, r.checkpoint,
                           r.proof)
        return r

    monkeypatch.setattr(DropClient, "upload", upload)
    receipts = tmp_path / "receipts.json"
    r = cli("courier", "deliver", str(usb), "--drop", enrolled["url"], "--receipts",
            str(receipts), check=False)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "delivered 2 envelopes; receipts in" in r.stdout, r.stdout
    assert "2 not delivered" in r.stderr and "the drop refused (413)" in r.stderr, r.stderr
    assert "does not prove" in r.stderr, r.stderr
    doc = json.loads(receipts.read_text())
    assert sorted(x["envelope_digest"] for x in doc["receipts"]) == sorted(
        hashlib.sha256(e).hexdigest() for e in (envs[0], envs[3]))
    out = cli("source", "import-receipts", "--vault", v, "--from", str(receipts), env=env)
    assert "2 envelopes confirmed by the drop's log; 2 still waiting" in out.stdout, out.stdout


def test_the_receipts_file_is_whole_or_untouched(tmp_path: Path, enrolled: dict[str, Any],  # noqa: F811
                                                 cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A receipts file is replaced only by a whole one: a write that fails midway (a full
    stick) leaves the earlier file as it was and no part file; a delivery that reaches no
    drop leaves it as well. Before, the file was truncated and half-written in place."""
    import errno
    import io

    v, env = str(enrolled["vault"]), enrolled["env"]
    _report(enrolled, cli, 2)
    usb = tmp_path / "stick"
    usb.mkdir()
    cli("source", "export", "--vault", v, "--to", str(usb / "x.bin"), env=env)
    receipts = usb / "x.bin.receipts.json"
    cli("courier", "deliver", str(usb / "x.bin"), "--drop", enrolled["url"])
    before = receipts.read_bytes()
    real_open = io.open

    class Full:
        def __init__(self, f: Any) -> None:
            self.f = f

        def write(self, data: Any) -> int:
            self.f.write(data[: len(data) // 2])
            self.f.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.f, name)

        def __enter__(self) -> Any:
            return self

        def __exit__(self, *exc: object) -> None:
            self.f.close()

    def full_open(file: Any, mode: str = "r", *a: Any, **kw: Any) -> Any:
        f = real_open(file, mode, *a, **kw)
        where = os.readlink(f"/proc/self/fd/{file}") if isinstance(file, int) else str(file)
        return Full(f) if "w" in mode and where.startswith(str(usb)) else f

    monkeypatch.setattr(io, "open", full_open)
    r = cli("courier", "deliver", str(usb / "x.bin"), "--drop", enrolled["url"], check=False)
    monkeypatch.setattr(io, "open", real_open)
    assert r.returncode == 1 and "the disk is full" in r.stderr, (r.stdout, r.stderr)
    assert receipts.read_bytes() == before
    assert sorted(p.name for p in usb.iterdir()) == ["x.bin", "x.bin.receipts.json"]
    dead = socket_port()
    r = cli("courier", "deliver", str(usb / "x.bin"), "--drop", f"http://127.0.0.1:{dead}",
            check=False)
    assert r.returncode == 1 and receipts.read_bytes() == before


def socket_port() -> int:
    """A loopback port nobody listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_reporter_is_told_to_delete_what_was_carried(tmp_path: Path,
                                                         enrolled: dict[str, Any],  # noqa: F811
                                                         cli: Any) -> None:
    """The export file is a Tysha file on the phone (or stick) until it is deleted, and the
    receipts file names the drop's log in plain words: after each step the reporter is told
    to delete it, and why that loses nothing. Before, neither command said so."""
    v, env = str(enrolled["vault"]), enrolled["env"]
    _report(enrolled, cli)
    usb = tmp_path / "x.bin"
    out = cli("source", "export", "--vault", v, "--to", str(usb), env=env).stdout
    assert f"once the courier has it, delete {usb} from this device" in out, out
    assert "the reports stay in the outbox until their receipts come back" in out
    receipts = tmp_path / "back.json"
    cli("courier", "deliver", str(usb), "--drop", enrolled["url"], "--receipts", str(receipts))
    out = cli("source", "import-receipts", "--vault", v, "--from", str(receipts), env=env).stdout
    assert f"delete {receipts}: the vault keeps the receipts it confirmed" in out, out
    uk = cli("source", "export", "--vault", v, "--to", str(tmp_path / "y.bin"),
             env={**env, "TYSHA_LANG": "uk"}).stdout
    assert "видаліть" in uk, uk


def test_a_courier_can_deliver_through_tor(tmp_path: Path, enrolled: dict[str, Any],  # noqa: F811
                                           cli: Any) -> None:
    """A courier often carries the file out of the same occupied town: reaching the drop
    directly names it to the local network (its address, its name in DNS and TLS: THREAT_MODEL
    A3). Before, ``courier deliver`` had no ``--tor`` (only the TYSHA_TOR variable, which a
    courier is not told of). Now ``--tor`` goes through the local Tor, as ``source send``
    does, and never falls back to a direct connection."""
    import socket

    _report(enrolled, cli, 1)
    usb = tmp_path / "x.bin"
    cli("source", "export", "--vault", str(enrolled["vault"]), "--to", str(usb),
        env=enrolled["env"])
    with socket.socket() as s:  # a port where no Tor listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = cli("courier", "deliver", str(usb), "--drop", enrolled["url"], "--tor",
            env={"TYSHA_TOR": f"socks5://127.0.0.1:{port}"}, check=False)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "the proxy (Tor)" in r.stderr and "cannot be reached" in r.stderr, r.stderr
    assert not (tmp_path / "x.bin.receipts.json").exists()
    assert len(_outbox(enrolled)) == 1
