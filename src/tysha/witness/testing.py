"""A small in-memory log and a real witness process, for tests, benchmarks and demos."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tysha.tlog import (
    Checkpoint,
    CompactRange,
    MemoryHashStore,
    NoteSigner,
    consistency_proof,
    leaf_hash,
    root_at,
    sign_checkpoint,
)
from tysha.transport.client import wait_answering

__all__ = ["MemoryLog", "start_witness", "wait_witness"]


class MemoryLog:
    """A log kept in memory: entries, checkpoints at any past size and consistency proofs.

    ``fork()`` copies it, so two histories can grow under one key (a forking log).
    """

    def __init__(self, origin: str, seed: bytes | None = None) -> None:
        self.origin = origin
        self.signer = NoteSigner(origin, seed if seed is not None else os.urandom(32))
        self.store = MemoryHashStore()
        self.range = CompactRange()
        self._leaves: list[bytes] = []

    @property
    def vkey(self) -> str:
        return self.signer.vkey

    @property
    def size(self) -> int:
        return self.range.size

    def append(self, *entries: bytes) -> int:
        for entry in entries:
            h = leaf_hash(entry)
            self._leaves.append(h)
            self.store.add(self.range.append(h))
        return self.size

    def root(self, size: int | None = None) -> bytes:
        return root_at(self.size if size is None else size, self.store)

    def checkpoint(self, size: int | None = None) -> str:
        size = self.size if size is None else size
        return sign_checkpoint(Checkpoint(self.origin, size, self.root(size)), self.signer)

    def proof(self, old_size: int, new_size: int) -> list[bytes]:
        return consistency_proof(old_size, new_size, self.store)

    def fork(self) -> MemoryLog:
        """Another history with the same key and the same entries so far."""
        other = MemoryLog.__new__(MemoryLog)
        other.origin, other.signer = self.origin, self.signer
        other.store, other.range, other._leaves = MemoryHashStore(), CompactRange(), []
        for h in self._leaves:
            other._leaves.append(h)
            other.store.add(other.range.append(h))
        return other


def wait_witness(
    url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30
) -> None:
    wait_answering(url + "/", proc, "witness", timeout)


def start_witness(
    data_dir: Path, port: int, logs: list[tuple[str, str]], log_file: Path | None = None
) -> subprocess.Popen[bytes]:
    """``tysha witness serve`` as a child process following ``logs`` (origin, vkey)."""
    cmd = [
        sys.executable,
        "-m",
        "tysha.cli",
        "witness",
        "serve",
        "--data",
        str(data_dir),
        "--port",
        str(port),
    ]
    for origin, vkey in logs:
        cmd += ["--log", f"{origin}={vkey}"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if log_file is None:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    with open(log_file, "ab") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=out, env=env)
