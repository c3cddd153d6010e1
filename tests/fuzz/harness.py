"""Fuzzing harness for every parser an attacker reaches (issue 9, "Also").

Each target is a function from bytes to a parse, the error family it may raise, and seed inputs
that are valid, so mutations reach deep code paths. A case *fails* if the parser raises anything
outside its family (a ``TypeError``, ``KeyError``, ``zlib.error``, a recursion error …).

Mutations: bit flips, interesting bytes, insertions, deletions, duplications, splices of two
seeds, truncation, random bytes, and — for CBOR objects — value-level mutations that replace a
random node with a hostile value of another type and then *re-sign* the manifest or
attestation, so the mutated value passes the signature and reaches the field checks behind it.

Used by ``tests/fuzz/test_fuzz.py`` (bounded, in the normal suite) and ``tools/fuzz.py``
(10^6 cases per parser). Deterministic for a given seed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tysha.errors import ProtocolError, StorageError, VerificationError
from tysha.protocol import (
    Attachment,
    CaptureAttestation,
    Identity,
    Invitation,
    Manifest,
    PublicIdentity,
    Receipt,
    cbor_decode,
    cbor_encode,
    decode_clue_records,
    frame_content,
    open_envelope,
    padme,
    parse_header,
    read_report,
    seal_envelope,
)
from tysha.protocol.capture import _ATTEST_DOMAIN
from tysha.protocol.kem import KEM_X25519
from tysha.protocol.manifest import _MANIFEST_DOMAIN
from tysha.tlog import (
    Checkpoint,
    CompactRange,
    MemoryHashStore,
    NoteSigner,
    NoteVerifier,
    decode_entry_bundle,
    encode_entry_bundle,
    entries_path,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    parse_note,
    parse_tile_path,
    sign_checkpoint,
    tile_path,
)

PV = (ProtocolError, VerificationError)


@dataclass
class Target:
    name: str
    parse: Callable[[bytes], object]
    family: tuple[type[BaseException], ...]
    seeds: list[bytes]
    #: re-sign a structurally mutated CBOR object so it passes the signature check
    resign: Callable[[Any], Any] | None = None


class _World:
    """Keys and valid objects the seeds are built from (deterministic per seed)."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.rand = rng.randbytes
        self.src = Identity.generate(self.rand)
        self.desk = Identity.generate(self.rand, KEM_X25519)  # fast opens for the envelope target
        self.escrow = Identity.generate(self.rand)
        self.data = [b"\xff\xd8\xff jpeg-ish", b"", bytes(range(256)) * 3]
        atts = []
        for i, d in enumerate(self.data):
            claims = {"sha256": hashlib.sha256(d).digest(), "size": len(d),
                      "media_type": "image/jpeg", "name": f"f{i}.jpg",
                      "device_time": "2026-11-29T10:00:00Z", "exif_time": "2026:11:29 09:59:58",
                      "exif_gps": [50450100, 30523400]}
            att = CaptureAttestation.create(self.src, claims)
            atts.append(Attachment(f"f{i}.jpg", "image/jpeg", len(d), claims["sha256"], att))
        body = {"categories": ["dep", "det"], "text": "Колона техніки", "when": "вчора",
                "where": "Kherson", "created_at": "2026-11-29T10:00:00Z"}
        self.manifest = Manifest("report", self.src.public(), body, tuple(atts),
                                 self.rand(16)).signed(self.src)
        self.content = frame_content(self.manifest.to_bytes()) + b"".join(self.data)
        reply = Manifest("reply", self.desk.public(), {"text": "ok", "in_reply_to": "ab" * 32,
                                                       "created_at": "x"}).signed(self.desk)
        self.reply_content = frame_content(reply.to_bytes())
        self.envelope = seal_envelope(self.content, [self.desk.public()], self.rand, KEM_X25519)
        # what a real desk receives: X-Wing slots (ML-KEM randomness comes from pyca)
        self.envelope_xwing = seal_envelope(self.content, [self.src.public()], self.rand)
        signer = NoteSigner("drop.example/fuzz", self.rand(32))
        self.vkey = signer.vkey
        self.verifier = NoteVerifier.from_vkey(signer.vkey)
        store, rng_ = MemoryHashStore(), CompactRange()
        digests = [self.rand(32) for _ in range(9)]
        for d in digests:
            store.add(rng_.append(leaf_hash(d)))
        self.note = sign_checkpoint(Checkpoint("drop.example/fuzz", rng_.size, rng_.root()),
                                    signer)
        self.receipt = Receipt(digests[3], 3, self.note, tuple(inclusion_proof(3, 9, store)))
        self.invitation = Invitation.create(("http://127.0.0.1:8080", "http://x.onion"),
                                            signer.vkey, self.src, self.escrow.public(),
                                            self.rand(16))
        self.bundle = self._bundle()

    def _bundle(self) -> bytes:
        """A small bundle signed by a desk key: what ``tysha verify`` reads first."""
        custody = b"[]"
        index = {"desk": {"public_key": self.desk.public().to_text(), "name": "fuzz"},
                 "files": {"custody.json": hashlib.sha256(custody).hexdigest()},
                 "reports": [], "drops": {}}
        raw = json.dumps(index).encode()
        sig = self.desk.sign(b"tysha/v1 bundle", raw)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("bundle.json", raw)
            z.writestr("bundle.sig", sig.hex())
            z.writestr("custody.json", custody)
        return out.getvalue()

    def resign_manifest(self, obj: Any) -> Any:
        if isinstance(obj, dict) and set(obj) == {0, 1, 2, 3, 4, 5, 6}:
            with contextlib.suppress(ProtocolError):
                fields = {k: v for k, v in obj.items() if k != 6}
                obj[6] = self.src.sign(_MANIFEST_DOMAIN, cbor_encode(fields))
            atts = obj.get(4)
            if isinstance(atts, list):
                for a in atts:
                    if isinstance(a, dict) and isinstance(a.get(4), dict):
                        self.resign_attestation(a[4])
        return obj

    def resign_invitation(self, obj: Any) -> Any:
        if isinstance(obj, dict) and 6 in obj:
            with contextlib.suppress(ProtocolError):
                fields = {k: v for k, v in obj.items() if k != 6}
                obj[6] = self.src.sign(b"tysha/v2 invitation", cbor_encode(fields))
        return obj

    def resign_attestation(self, obj: Any) -> Any:
        if isinstance(obj, dict) and 1 in obj and 3 in obj:
            with contextlib.suppress(ProtocolError):
                obj[3] = self.src.sign(_ATTEST_DOMAIN, cbor_encode(obj[1]))
                obj[2] = self.src.public().sign
        return obj


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="surrogateescape")


class _Files:
    """One scratch file per process for the parsers that take a path."""

    def __init__(self) -> None:
        d = "/dev/shm" if os.path.isdir("/dev/shm") else None
        fd, name = tempfile.mkstemp(prefix="tysha-fuzz-", dir=d)
        os.close(fd)
        self.path = Path(name)

    def write(self, data: bytes) -> Path:
        self.path.write_bytes(data)
        return self.path

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()


def build_targets(seed: int = 1) -> tuple[dict[str, Target], Callable[[], None]]:
    """All fuzz targets; the second value cleans up the scratch file."""
    w = _World(seed)
    _WORLD_CACHE["w"] = w
    files = _Files()

    def courier_export(b: bytes) -> object:
        from tysha.transport.courier import read_export

        return read_export(files.write(b))

    def courier_receipts(b: bytes) -> object:
        from tysha.transport.courier import read_receipts

        return read_receipts(files.write(b))

    def bundle(b: bytes) -> object:
        from tysha.verify import verify_bundle

        # A path, as `tysha verify` gets one (its reader may look at the file before zipfile).
        with contextlib.redirect_stdout(io.StringIO()):
            return verify_bundle(files.write(b))

    def receipt_json(b: bytes) -> object:
        try:
            obj = json.loads(b)
        except (ValueError, RecursionError):
            return None  # not JSON: the caller's JSON reader refuses it first
        return Receipt.from_json(obj)

    def cp_note(b: bytes) -> object:
        parse_note(b)
        return open_checkpoint(b, w.verifier)

    def cp_body(b: bytes) -> object:
        return Checkpoint.parse(_text(b))

    def entry_bundle(b: bytes) -> object:
        return decode_entry_bundle(b)

    receipt_file = json.dumps({"checkpoint": w.note, "consistency": ["00" * 32],
                               "receipts": [w.receipt.to_json()]}).encode()
    from tysha.transport.courier import pack_export

    # Version 1 (unmasked, still read) and version 2 (masked: mutations mostly break its tag).
    export = (len(w.envelope).to_bytes(8, "big") + w.envelope)
    export = (7).to_bytes(8, "big") + (1).to_bytes(4, "big") + export
    export += bytes(padme(len(export)) - len(export))
    export_v2 = pack_export([w.envelope], 7, lambda n: bytes(n))
    targets = [
        Target("cbor", lambda b: cbor_decode(b), (ProtocolError,),
               [w.manifest.to_bytes(), w.receipt.to_bytes(), cbor_encode([1, -1, "x", b"y",
                                                                          {1: None}, True])]),
        Target("envelope_header", parse_header, PV, [w.envelope[:4096], w.envelope]),
        Target("envelope", lambda b: open_envelope(b, w.desk), PV, [w.envelope]),
        Target("envelope_xwing", lambda b: open_envelope(b, w.src), PV, [w.envelope_xwing]),
        Target("manifest", Manifest.from_bytes, PV, [w.manifest.to_bytes()],
               resign=w.resign_manifest),
        Target("content", lambda b: read_report([b]), PV, [w.content, w.reply_content],
               resign=None),
        Target("attestation", CaptureAttestation.from_bytes, PV,
               [a.attestation.to_bytes() for a in w.manifest.attachments if a.attestation],
               resign=w.resign_attestation),
        Target("invitation_text", lambda b: Invitation.from_text(_text(b)), PV,
               [w.invitation.to_text().encode()]),
        Target("invitation_bytes", Invitation.from_bytes, PV, [w.invitation.to_bytes()],
               resign=w.resign_invitation),
        Target("invitation_qr", Invitation.from_qr_payload, PV, [w.invitation.qr_payload()],
               resign=w.resign_invitation),
        Target("public_key", lambda b: PublicIdentity.from_text(_text(b)), PV,
               [w.src.public().to_text().encode()]),
        Target("receipt", Receipt.from_bytes, PV, [w.receipt.to_bytes()]),
        Target("receipt_json", receipt_json, PV, [json.dumps(w.receipt.to_json()).encode()]),
        Target("checkpoint_note", cp_note, PV, [w.note.encode()]),
        Target("checkpoint_body", cp_body, PV, [w.note.split("\n\n")[0].encode() + b"\n"]),
        Target("clue_records", decode_clue_records, PV, [bytes(64), bytes(range(200))]),
        Target("tile_path", lambda b: parse_tile_path(_text(b)), PV,
               [tile_path(1, 1234567).encode(), entries_path(70000).encode(),
                (tile_path(0, 5) + ".p/7").encode()]),
        Target("entry_bundle", entry_bundle, PV,
               [encode_entry_bundle([b"a", b"", bytes(300)]), encode_entry_bundle([b"x"] * 256)]),
        Target("courier_export", courier_export, (*PV, StorageError), [export, export_v2]),
        Target("courier_receipts", courier_receipts, (*PV, StorageError), [receipt_file]),
        Target("bundle", bundle, PV, [w.bundle]),
    ]
    return {t.name: t for t in targets}, files.close


_INTERESTING = [0, 1, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1F, 0x20, 0x3F, 0x40, 0x5F, 0x60, 0x7F,
                0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xF4, 0xF5, 0xF6, 0xF7, 0xF9, 0xFA, 0xFB, 0xFF,
                ord("\n"), ord(" "), ord("+"), ord("="), ord("/"), ord("—") & 0xFF]


def _hostile_value(rng: random.Random, depth: int = 0) -> Any:
    k = rng.randrange(12)
    if k == 0:
        return None
    if k == 1:
        return rng.choice([True, False])
    if k == 2:
        return rng.choice([0, 1, -1, 23, 24, 255, 256, 2**32, 2**63, 2**64 - 1, -(2**64),
                           -(10**9), 10**9, 181_000_001])
    if k == 3:
        return rng.randbytes(rng.choice([0, 1, 16, 31, 32, 33, 64]))
    if k == 4:
        return rng.choice(["", "x", "dep", "DEP", "2026:13:40 99:99:99", "a\x00b", "\u202e",
                           "x" * rng.choice([17, 256, 2000, 40_000]), "image", "2026-11-29"])
    if k == 5 and depth < 3:
        return [_hostile_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if k == 6 and depth < 3:
        return {rng.choice([b"k", "k", 1, -1, "sha256", "exif_gps"]): _hostile_value(rng, depth + 1)}
    if k == 7:
        return [rng.randrange(-(2**40), 2**40), rng.randrange(-(2**40), 2**40)]
    if k == 8:
        return {}
    if k == 9:
        return []
    return rng.randbytes(rng.randrange(8))


def _mutate_value(obj: Any, rng: random.Random) -> Any:
    """Replace, drop or add one random node of a decoded CBOR value."""
    if not isinstance(obj, (list, dict)) or not obj or rng.random() < 0.15:
        return _hostile_value(rng)
    if isinstance(obj, list):
        i = rng.randrange(len(obj))
        obj = list(obj)
        obj[i] = _mutate_value(obj[i], rng)
        return obj
    obj = dict(obj)
    key = rng.choice(list(obj))
    r = rng.random()
    if r < 0.1:
        del obj[key]
    elif r < 0.2:
        obj[rng.choice([b"x", "extra", 99, "exif_time"])] = _hostile_value(rng)
    else:
        obj[key] = _mutate_value(obj[key], rng)
    return obj


def mutate(data: bytes, seeds: list[bytes], rng: random.Random) -> bytes:
    """1 to 4 byte-level mutations of ``data``."""
    b = bytearray(data)
    for _ in range(rng.randrange(1, 5)):
        op = rng.randrange(9)
        n = len(b)
        if op == 0 and n:
            i = rng.randrange(n)
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and n:
            b[rng.randrange(n)] = rng.choice(_INTERESTING)
        elif op == 2:
            i = rng.randrange(n + 1)
            b[i:i] = rng.randbytes(rng.choice([1, 2, 4, 8, 32]))
        elif op == 3 and n:
            i = rng.randrange(n)
            del b[i : i + rng.choice([1, 2, 4, 16, 256])]
        elif op == 4 and n:
            i = rng.randrange(n)
            j = min(n, i + rng.randrange(1, 64))
            b[i:i] = b[i:j]
        elif op == 5:
            other = rng.choice(seeds)
            i = rng.randrange(n + 1)
            j = rng.randrange(len(other) + 1)
            b = b[:i] + bytearray(other[j:])
        elif op == 6 and n:
            del b[rng.randrange(n) :]
        elif op == 7 and n >= 4:
            i = rng.randrange(n - 3)
            b[i : i + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00",
                                      b"\x7f\xff\xff\xff", b"\x00\x10\x00\x01"])
        elif op == 8 and n:
            # change a length-ish byte in the CBOR head range
            i = rng.randrange(n)
            b[i] = (b[i] & 0xE0) | rng.choice([24, 25, 26, 27, 31])
    return bytes(b)


def _structured(t: Target, rng: random.Random) -> bytes | None:
    """A value-level mutation of a CBOR seed (re-signed where the target allows)."""
    seed = rng.choice(t.seeds)
    prefix = b""
    if t.name == "content":
        if len(seed) < 4:
            return None
        n = int.from_bytes(seed[:4], "big")
        body, rest = seed[4 : 4 + n], seed[4 + n :]
        try:
            obj = cbor_decode(body)
        except ProtocolError:
            return None
        new = _mutate_value(obj, rng)
        # keep the manifest signed by the source so the recipe goes past the signature
        resigned = _WORLD_CACHE["w"].resign_manifest(new)
        try:
            enc = cbor_encode(resigned)
        except ProtocolError:
            return None
        return len(enc).to_bytes(4, "big") + enc + rest
    if t.name == "invitation_qr":
        prefix, seed = seed[:3], seed[3:]
    try:
        obj = cbor_decode(seed)
    except ProtocolError:
        return None
    new = _mutate_value(obj, rng)
    if t.resign is not None:
        new = t.resign(new)
    try:
        return prefix + cbor_encode(new)
    except ProtocolError:
        return None


_WORLD_CACHE: dict[str, _World] = {}
_CBOR_TARGETS = {"cbor", "manifest", "content", "attestation", "invitation_bytes",
                 "invitation_qr", "receipt"}


@dataclass
class Stats:
    parser: str
    cases: int = 0
    accepted: int = 0
    refused: int = 0
    failures: int = 0
    seconds: float = 0.0
    distinct: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "parser": self.parser,
            "cases": self.cases,
            "accepted": self.accepted,
            "refused_in_family": self.refused,
            "failures": self.failures,
            "cases_per_s": round(self.cases / self.seconds, 1) if self.seconds else None,
            "seconds": round(self.seconds, 2),
            "distinct_failures": list(self.distinct.values()),
        }


def generate(t: Target, rng: random.Random) -> bytes:
    r = rng.random()
    if r < 0.05:
        return rng.randbytes(rng.randrange(0, 64))
    if r < 0.35 and t.name in _CBOR_TARGETS:
        data = _structured(t, rng)
        if data is not None:
            return data
    return mutate(rng.choice(t.seeds), t.seeds, rng)


def run_one(t: Target, data: bytes, stats: Stats) -> None:
    stats.cases += 1
    try:
        t.parse(data)
    except t.family:
        stats.refused += 1
    except Exception as exc:  # noqa: BLE001 - anything else is exactly what we look for
        stats.failures += 1
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "/tysha/" in f.filename and "/tests/" not in f.filename]
        last = frames[-1]
        where = f"{Path(last.filename).name}:{last.lineno}"
        if ours:
            f = ours[-1]
            where = f"src/tysha/{f.filename.split('/tysha/', 1)[1]}:{f.lineno} ({f.name}) → {where}"
        key = f"{type(exc).__name__}@{where}"
        if key not in stats.distinct and len(stats.distinct) < 20:
            stats.distinct[key] = {"exception": type(exc).__name__, "where": where,
                                   "message": str(exc)[:200], "input_hex": data[:400].hex()}
    else:
        stats.accepted += 1


def fuzz(name: str, targets: dict[str, Target], cases: int, seed: int = 0,
         time_limit: float | None = None) -> Stats:
    t = targets[name]
    rng = random.Random(f"{seed}:{name}")
    stats = Stats(name)
    start = time.perf_counter()
    for seed_input in t.seeds:  # the seeds themselves must parse (or refuse) cleanly
        run_one(t, seed_input, stats)
    while stats.cases < cases:
        run_one(t, generate(t, rng), stats)
        if time_limit is not None and stats.cases % 64 == 0:
            if time.perf_counter() - start > time_limit:
                break
    stats.seconds = time.perf_counter() - start
    return stats


def targets_for(seed: int = 1) -> tuple[dict[str, Target], Callable[[], None]]:
    return build_targets(seed)
