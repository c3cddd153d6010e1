"""Shared fixtures: deterministic randomness, a real drop on loopback, helpers."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the same examples every time (a red run must be reproducible); developers get fresh
# ones locally. `.ci/run` sets CI=true.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


class DRBG:
    """A deterministic byte source for vectors (SHA-256 in counter mode; tests only)."""

    def __init__(self, seed: bytes | str) -> None:
        self.seed = seed.encode() if isinstance(seed, str) else seed
        self.counter = 0

    def __call__(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        return out[:n]


@pytest.fixture
def drbg() -> Callable[[str], DRBG]:
    return DRBG


@pytest.fixture
def drop(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    from tysha.drop.launcher import run_drop

    with run_drop(tmp_path) as d:
        yield d


def tysha(*args: str, env: dict[str, str] | None = None, check: bool = True,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    r = subprocess.run([sys.executable, "-m", "tysha.cli", *args], env=full_env,
                       capture_output=True, text=True, cwd=cwd, timeout=300)
    if check and r.returncode != 0:
        raise AssertionError(f"tysha {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return tysha
