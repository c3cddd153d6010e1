"""The pure corroboration parts: the PDQ multi-index finds exactly what brute force finds;
clusters by time, place, category and unit."""

from __future__ import annotations

import numpy as np
import pytest

from tysha.errors import ProtocolError
from tysha.evidence.corroboration import Facts, HashIndex, clusters, distance_m, hamming


def _flip(row: np.ndarray, bits: np.ndarray) -> np.ndarray:
    out = row.copy()
    for b in bits:
        out[b // 8] ^= 1 << (b % 8)
    return out


@pytest.mark.parametrize("tail_max", [0, 10_000])  # all in the multi-index / all in the tail
def test_multi_index_equals_brute_force(tail_max: int) -> None:
    rng = np.random.default_rng(7)
    base = rng.integers(0, 256, (3000, 32), dtype=np.uint8)
    # Plant neighbours at every distance around the radius, bits spread over all chunks.
    planted = [_flip(base[i], rng.choice(256, d, replace=False))
               for i, d in enumerate([0, 1, 15, 16, 17, 30, 31, 32, 33, 40])]  # fmt: skip
    rows = np.concatenate([base, np.array(planted)])
    ix = HashIndex(tail_max=tail_max)
    ix.add(rows[:1500])
    ix.add(rows[1500:])
    assert len(ix) == len(rows)
    words = rows.view(">u8").astype(np.uint64)
    for qi in [*range(10), 3000, 3005, 3006, 3007]:
        q = rows[qi].tobytes()
        qw = np.frombuffer(q, ">u8").astype(np.uint64)
        d = np.bitwise_count(words ^ qw).sum(axis=1)
        expect = sorted((int(i), int(d[i])) for i in np.nonzero(d <= 31)[0])
        assert sorted(ix.query(q)) == expect
    # The planted ones: within 31 found, beyond not.
    hits = {p for p, _ in ix.query(base[6].tobytes())}
    assert 3006 in hits and 3007 not in hits and 3008 not in hits


@pytest.mark.parametrize("tail_max", [0, 4096])  # in the multi-index / in the tail
def test_worst_case_bits_all_in_one_chunk_pattern(tail_max: int) -> None:
    """31 flipped bits spread so that 15 chunks differ by 2 and one by 1: still found."""
    rng = np.random.default_rng(3)
    row = rng.integers(0, 256, 32, dtype=np.uint8)
    bits = [c * 16 + k for c in range(15) for k in (0, 9)] + [15 * 16 + 4]
    ix = HashIndex(row.reshape(1, 32), tail_max=tail_max)
    assert ix.query(_flip(row, np.array(bits)).tobytes()) == [(0, 31)]


@pytest.mark.parametrize("tail_max", [0, 4096])
def test_dihedral_query_keeps_the_best_distance(tail_max: int) -> None:
    rng = np.random.default_rng(5)
    rows = rng.integers(0, 256, (5, 32), dtype=np.uint8)
    ix = HashIndex(rows, tail_max=tail_max)
    far = _flip(rows[2], np.arange(0, 20)).tobytes()
    assert ix.query_dihedral([far, rows[2].tobytes()]) == [(2, 0)]


def test_a_small_index_is_all_tail_and_answers_as_the_multi_index() -> None:
    """Up to ``tail_max`` hashes build no chunk tables (8 MB whatever the count); the answers,
    positions and rows are the multi-index's."""
    rng = np.random.default_rng(11)
    rows = rng.integers(0, 256, (200, 32), dtype=np.uint8)
    near = np.array([_flip(rows[i], rng.choice(256, 20, replace=False)) for i in range(5)])
    small, big = HashIndex(rows), HashIndex(rows, tail_max=0)
    assert small._start.size == 1 and big._start.size == (16 << 16) + 1
    for q in [*rows[:5], *near]:
        assert small.query(q.tobytes()) == big.query(q.tobytes())
    assert small.query_dihedral([q.tobytes() for q in near]) == big.query_dihedral(
        [q.tobytes() for q in near])
    assert small.add(near) == big.add(near) == range(200, 205)
    both = np.concatenate([rows, near])
    assert (small.rows() == both).all() and (big.rows() == both).all()
    assert small._start.size == 1  # reading the rows folded nothing in


@pytest.mark.parametrize("bad", [b"", b"x" * 31, b"x" * 33])
def test_bad_hashes_raise_protocol_error(bad: bytes) -> None:
    ix = HashIndex(np.zeros((1, 32), np.uint8))
    with pytest.raises(ProtocolError):
        ix.query(bad)
    with pytest.raises(ProtocolError):
        hamming(bad, bytes(32))
    with pytest.raises(ProtocolError):
        ix.add(np.zeros((2, 31), np.uint8))
    with pytest.raises(ProtocolError):
        ix.query(bytes(32), radius=40)


def test_distance() -> None:
    # Kyiv to Lviv is about 468 km.
    assert 460_000 < distance_m(50_450_100, 30_523_400, 49_839_700, 24_029_700) < 475_000


def test_clusters_need_time_place_and_a_shared_category_or_unit() -> None:
    h = 3600
    f = [
        Facts("a", 0, 47_000_000, 35_000_000, "", frozenset({"det"})),
        Facts("b", 2 * h, 47_010_000, 35_000_000, "", frozenset({"det", "tor"})),  # 1.1 km
        Facts("c", 3 * h, 47_005_000, 35_005_000, "", frozenset({"pil"})),  # other category
        Facts("d", 30 * h, 47_000_000, 35_000_000, "", frozenset({"det"})),  # a day later
        Facts("e", 1 * h, 48_000_000, 35_000_000, "", frozenset({"det"})),  # 111 km away
        Facts("f", 1 * h, None, None, "vasylivka", frozenset({"kil"}), frozenset({"unit 1"})),
        Facts("g", 4 * h, None, None, "vasylivka", frozenset({"atk"}), frozenset({"unit 1"})),
        Facts("h", None, 47_000_000, 35_000_000, "", frozenset({"det"})),  # no time
    ]
    out = {c.reports: c for c in clusters(f)}
    assert set(out) == {("a", "b"), ("f", "g")}
    assert out[("a", "b")].summary == "2 reports within 2 km and 6 h, same category"
    assert out[("f", "g")].summary == "2 reports at the same place within 6 h, same unit"
    assert clusters([]) == []


def test_a_report_that_gives_only_a_day_clusters_with_a_time_on_that_day() -> None:
    """'2026-03-01' (a day, the source knew no hour) was taken as its midnight, so a report
    at 14:00 that day at the same place was 14 hours away and never suggested with it."""
    from tysha.desk.corroborate import _facts

    day = {"when": "2026-03-01", "where": "Vasylivka", "categories": ["det"]}
    at = {"when": "2026-03-01T14:00Z", "where": "vasylivka", "categories": ["det"]}
    later = {"when": "2026-03-02T14:00Z", "where": "vasylivka", "categories": ["det"]}
    facts = [_facts("a", day, set()), _facts("b", at, set()), _facts("c", later, set())]
    assert [c.reports for c in clusters(facts)] == [("a", "b")]
