"""Bounded fuzzing of every parser an attacker reaches (issue 9, "Also").

Each parser gets deterministic mutation cases (tests/fuzz/harness.py) and Hypothesis cases; any
exception outside the parser's own error family fails. The long run is ``tools/fuzz.py``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import harness

CASES = 2500

# Crashes the fuzzer found in files this part does not own, reported to their owners; the
# test turns green by itself once they are fixed (non-strict xfail).
KNOWN = {
    "bundle": "src/tysha/verify.py verify_bundle lets zipfile's zlib.error, "
              "NotImplementedError and RuntimeError escape on a hostile zip (ZipFile() and "
              "z.read()); owner: verify",
}


@pytest.fixture(scope="module")
def targets() -> Iterator[dict[str, harness.Target]]:
    t, close = harness.targets_for(1)
    yield t
    close()


def _names() -> list[Any]:
    names = ["cbor", "envelope_header", "envelope", "envelope_xwing", "manifest", "content", "attestation",
             "invitation_text", "invitation_bytes", "invitation_qr", "public_key", "receipt",
             "receipt_json", "checkpoint_note", "checkpoint_body", "clue_records", "tile_path",
             "entry_bundle", "courier_export", "courier_receipts", "bundle"]
    return [pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN[n], strict=False))
            if n in KNOWN else n for n in names]


def test_every_target_is_listed(targets: dict[str, harness.Target]) -> None:
    assert sorted(targets) == sorted(p if isinstance(p, str) else p.values[0] for p in _names())


@pytest.mark.parametrize("name", _names())
def test_mutations_raise_only_the_parsers_family(
    name: str, targets: dict[str, harness.Target]
) -> None:
    stats = harness.fuzz(name, targets, CASES, seed=0)
    assert stats.failures == 0, stats.to_json()["distinct_failures"]
    assert stats.cases >= CASES


@pytest.mark.parametrize("name", _names())
def test_hypothesis_inputs_raise_only_the_parsers_family(
    name: str, targets: dict[str, harness.Target]
) -> None:
    t = targets[name]

    @given(data=st.binary(max_size=400) | st.randoms(use_true_random=False).map(
        lambda r: harness.generate(t, random.Random(r.random()))))
    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(data: bytes) -> None:
        try:
            t.parse(data)
        except t.family:
            pass

    check()


def test_mutated_invitation_codes_that_parse_are_the_same_invitation(
    targets: dict[str, harness.Target],
) -> None:
    """What the checksum lets through (case changes, whitespace) must mean the same code."""
    t = targets["invitation_text"]
    original = t.parse(t.seeds[0])
    rng = random.Random(7)
    accepted = 0
    for _ in range(3000):
        data = harness.generate(t, rng)
        try:
            got = t.parse(data)
        except t.family:
            continue
        accepted += 1
        assert got == original
    assert accepted < 300
