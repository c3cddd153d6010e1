"""RFC 6962 / RFC 9162 Merkle tree: reference vectors, exhaustive proofs, negative cases."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tysha.errors import StorageError, VerificationError
from tysha.tlog import (
    CompactRange,
    MemoryHashStore,
    consistency_proof,
    consistency_proof_nodes,
    empty_root,
    inclusion_proof,
    inclusion_proof_nodes,
    leaf_hash,
    node_hash,
    range_nodes,
    root_at,
    root_from_inclusion,
    root_of,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "tlog"
RFC = json.loads((VECTORS / "rfc6962.json").read_text(encoding="utf-8"))
RFC_LEAVES = [bytes.fromhex(x) for x in RFC["leaves"]]
RFC_ROOTS = [bytes.fromhex(x) for x in RFC["roots"]]

N = 300  # exhaustive range for proofs


def _h(values: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def build(leaves: Sequence[bytes]) -> tuple[MemoryHashStore, list[bytes]]:
    """A store holding every full node, and the root after each append (roots[n])."""
    store = MemoryHashStore()
    compact = CompactRange()
    roots = [compact.root()]
    for h in leaves:
        store.add(compact.append(h))
        roots.append(compact.root())
    return store, roots


RFC_STORE, _ = build([leaf_hash(x) for x in RFC_LEAVES])
BIG_LEAVES = [leaf_hash(i.to_bytes(4, "big")) for i in range(N)]
BIG_STORE, BIG_ROOTS = build(BIG_LEAVES)


class CheckingReader:
    """Counts read_hashes calls and fails if a node outside a tree of `size` is asked for."""

    def __init__(self, inner: MemoryHashStore, size: int) -> None:
        self.inner = inner
        self.size = size
        self.calls = 0

    def read_hashes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        self.calls += 1
        for level, index in nodes:
            assert level >= 0 and index >= 0
            assert (index + 1) << level <= self.size, (level, index, self.size)
        return self.inner.read_hashes(nodes)


# -- RFC 6962 reference vectors -----------------------------------------------------------------


def test_empty_root_and_hash_primitives() -> None:
    assert empty_root() == RFC_ROOTS[0]
    assert root_of([]) == RFC_ROOTS[0]
    assert leaf_hash(b"") == RFC_ROOTS[1]
    assert node_hash(leaf_hash(b""), leaf_hash(b"\x00")) == RFC_ROOTS[2]


@pytest.mark.parametrize("size", range(0, 9))
def test_rfc6962_roots(size: int) -> None:
    hashes = [leaf_hash(x) for x in RFC_LEAVES[:size]]
    assert root_of(hashes) == RFC_ROOTS[size]
    compact = CompactRange()
    for h in hashes:
        compact.append(h)
    assert compact.root() == RFC_ROOTS[size]
    assert root_at(size, RFC_STORE) == RFC_ROOTS[size]


@pytest.mark.parametrize("vec", RFC["inclusion"], ids=lambda v: f"{v['index']}-{v['size']}")
def test_rfc6962_inclusion(vec: dict[str, object]) -> None:
    index, size = int(vec["index"]), int(vec["size"])  # type: ignore[call-overload]
    want = _h(vec["proof"])  # type: ignore[arg-type]
    assert inclusion_proof(index, size, RFC_STORE) == want
    leaf = leaf_hash(RFC_LEAVES[index])
    verify_inclusion(leaf, index, size, want, RFC_ROOTS[size])
    assert root_from_inclusion(leaf, index, size, want) == RFC_ROOTS[size]


@pytest.mark.parametrize(
    "vec", RFC["consistency"], ids=lambda v: f"{v['old_size']}-{v['new_size']}"
)
def test_rfc6962_consistency(vec: dict[str, object]) -> None:
    old, new = int(vec["old_size"]), int(vec["new_size"])  # type: ignore[call-overload]
    want = _h(vec["proof"])  # type: ignore[arg-type]
    assert consistency_proof(old, new, RFC_STORE) == want
    verify_consistency(old, new, RFC_ROOTS[old], RFC_ROOTS[new], want)


# -- exhaustive properties ----------------------------------------------------------------------


def test_roots_match_reference_for_every_size() -> None:
    for size in range(N + 1):
        assert BIG_ROOTS[size] == root_at(size, BIG_STORE)
    for size in (0, 1, 2, 3, 5, 64, 127, 255, 256, 257, 300):
        assert BIG_ROOTS[size] == root_of(BIG_LEAVES[:size])


def test_every_inclusion_proof_verifies() -> None:
    for size in range(1, N + 1):
        root = BIG_ROOTS[size]
        for index in range(size):
            reader = CheckingReader(BIG_STORE, size)
            proof = inclusion_proof(index, size, reader)
            assert reader.calls == (1 if size > 1 else 0)
            verify_inclusion(BIG_LEAVES[index], index, size, proof, root)


def test_every_consistency_proof_verifies() -> None:
    for new in range(0, N + 1):
        for old in range(0, new + 1):
            reader = CheckingReader(BIG_STORE, new)
            proof = consistency_proof(old, new, reader)
            assert reader.calls <= 1
            verify_consistency(old, new, BIG_ROOTS[old], BIG_ROOTS[new], proof)


def test_layouts_use_only_existing_full_nodes() -> None:
    for size in range(1, 130):
        for index in range(size):
            for element in inclusion_proof_nodes(index, size):
                for level, node in element:
                    assert (node + 1) << level <= size
        for old in range(size + 1):
            for element in consistency_proof_nodes(old, size):
                for level, node in element:
                    assert (node + 1) << level <= size


def test_range_nodes() -> None:
    assert range_nodes(0, 11) == [(3, 0), (1, 4), (0, 10)]
    assert range_nodes(8, 11) == [(1, 4), (0, 10)]
    assert range_nodes(5, 5) == []
    with pytest.raises(ValueError):
        range_nodes(1, 4)


# -- negative cases -----------------------------------------------------------------------------


def _flip(value: bytes, bit: int) -> bytes:
    b = bytearray(value)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


@given(
    size=st.integers(min_value=1, max_value=N),
    data=st.data(),
)
@settings(max_examples=150, deadline=None)
def test_inclusion_bit_flips_fail(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    proof = inclusion_proof(index, size, BIG_STORE)
    root, leaf = BIG_ROOTS[size], BIG_LEAVES[index]
    verify_inclusion(leaf, index, size, proof, root)
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = _flip(bad[i], bit)
        with pytest.raises(VerificationError):
            verify_inclusion(leaf, index, size, bad, root)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf, index, size, proof, _flip(root, bit))
    with pytest.raises(VerificationError):
        verify_inclusion(_flip(leaf, bit), index, size, proof, root)


@given(new=st.integers(min_value=2, max_value=N), data=st.data())
@settings(max_examples=150, deadline=None)
def test_consistency_bit_flips_fail(new: int, data: st.DataObject) -> None:
    old = data.draw(st.integers(min_value=1, max_value=new - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    proof = consistency_proof(old, new, BIG_STORE)
    r_old, r_new = BIG_ROOTS[old], BIG_ROOTS[new]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = _flip(bad[i], bit)
        with pytest.raises(VerificationError):
            verify_consistency(old, new, r_old, r_new, bad)
    with pytest.raises(VerificationError):
        verify_consistency(old, new, _flip(r_old, bit), r_new, proof)
    with pytest.raises(VerificationError):
        verify_consistency(old, new, r_old, _flip(r_new, bit), proof)


def test_inclusion_negative_vectors() -> None:
    """Corruptions in the style of the CT test suite, for every RFC vector with a proof."""
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    for vec in RFC["inclusion"]:
        index, size = vec["index"], vec["size"]
        proof = _h(vec["proof"])
        root, leaf = RFC_ROOTS[size], leaf_hash(RFC_LEAVES[index])
        probes: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
            (index + 1, size, leaf, root, proof),
            (index, size * 2, leaf, root, proof),
            (index, size, some, root, proof),
            (index, size, leaf, empty_root(), proof),
            (index, size, leaf, some, proof),
            (index, size, leaf, root, [*proof, root]),  # extended
            (index, size, leaf, root, [root, *proof]),  # preceding garbage
            (index, size, leaf, root, [*proof, b""]),
        ]
        if index > 0:
            probes.append((index - 1, size, leaf, root, proof))
        if size > 1:
            probes.append((index, size // 2 or 1, leaf, root, proof))
        if proof:
            probes.append((index, size, leaf, root, proof[:-1]))  # truncated
        if len(proof) > 1:
            probes.append((index, size, leaf, root, list(reversed(proof))))  # swapped
            probes.append((index, size, leaf, root, [proof[0], some, *proof[1:]]))
        for i, s, lf, rt, pr in probes:
            if (i, s, lf, rt, pr) == (index, size, leaf, root, proof):
                continue
            with pytest.raises(VerificationError):
                verify_inclusion(lf, i, s, pr, rt)


def test_consistency_negative_vectors() -> None:
    for vec in RFC["consistency"]:
        old, new = vec["old_size"], vec["new_size"]
        proof = _h(vec["proof"])
        if not proof:
            continue
        r1, r2 = RFC_ROOTS[old], RFC_ROOTS[new]
        probes: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
            (old - 1, new, r1, r2, proof),
            (old + 1, new, r1, r2, proof),
            (old ^ 2, new, r1, r2, proof),
            (old, new * 2, r1, r2, proof),
            (old, new // 2, r1, r2, proof),
            (old, new, r2, r1, proof),  # swapped roots
            (old, new, r1, r2, []),
            (old, new, r1, r2, [*proof, r1]),
            (old, new, r1, r2, [*proof, r2]),
            (old, new, r1, r2, [r1, *proof]),
            (old, new, r1, r2, [proof[0], *proof]),
            (old, new, r1, r2, proof[:-1]),
            (old, new, r1, r2, list(reversed(proof))),
        ]
        for o, n, a, b, p in probes:
            with pytest.raises(VerificationError):
                verify_consistency(o, n, a, b, p)


def test_consistency_trivial_cases() -> None:
    r = BIG_ROOTS
    verify_consistency(0, 0, empty_root(), empty_root(), [])
    verify_consistency(0, 5, empty_root(), r[5], [])
    verify_consistency(5, 5, r[5], r[5], [])
    with pytest.raises(VerificationError):
        verify_consistency(5, 5, r[5], r[6], [])
    with pytest.raises(VerificationError):
        verify_consistency(5, 5, r[5], r[5], [r[1]])
    with pytest.raises(VerificationError):
        verify_consistency(0, 5, r[3], r[5], [])
    with pytest.raises(VerificationError):
        verify_consistency(6, 5, r[6], r[5], [])
    with pytest.raises(VerificationError):
        verify_consistency(1, 2, b"short", r[2], [])


def test_inclusion_out_of_range() -> None:
    h = BIG_LEAVES[0]
    for index, size in [(0, 0), (1, 0), (1, 1), (2, 1), (-1, 4)]:
        with pytest.raises(VerificationError):
            verify_inclusion(h, index, size, [], h)
    with pytest.raises(VerificationError, match="expected"):
        verify_inclusion(h, 0, 1, [], b"\x00" * 31)
    with pytest.raises(ValueError):
        inclusion_proof(5, 5, BIG_STORE)
    with pytest.raises(ValueError):
        consistency_proof(6, 5, BIG_STORE)


def test_error_message_says_expected_and_found() -> None:
    proof = inclusion_proof(3, 10, BIG_STORE)
    with pytest.raises(VerificationError) as err:
        verify_inclusion(BIG_LEAVES[3], 3, 10, proof, BIG_ROOTS[9])
    assert BIG_ROOTS[9].hex() in str(err.value)
    with pytest.raises(VerificationError, match="has 3 hashes, expected 4"):
        verify_inclusion(BIG_LEAVES[3], 3, 10, proof[:-1], BIG_ROOTS[10])


# -- compact range and store --------------------------------------------------------------------


def test_compact_range_emits_every_full_node() -> None:
    compact = CompactRange()
    seen: dict[tuple[int, int], bytes] = {}
    for i, h in enumerate(BIG_LEAVES[:64]):
        nodes = compact.append(h)
        assert nodes[0] == (0, i, h)
        for level, index, value in nodes:
            seen[(level, index)] = value
    # Every full node of a 64-leaf tree appeared exactly with its reference hash.
    for level in range(7):
        for index in range(64 >> level):
            width = 1 << level
            want = root_of(BIG_LEAVES[index * width : (index + 1) * width])
            assert seen.pop((level, index)) == want
    assert not seen


def test_compact_range_restore_and_extend() -> None:
    a = CompactRange()
    a.extend(BIG_LEAVES[:77])
    assert a.size == 77
    assert len(a.border()) == bin(77).count("1")
    assert a.border_nodes() == range_nodes(0, 77)
    assert a.border() == BIG_STORE.read_hashes(a.border_nodes())
    b = CompactRange(77, a.border())
    c = a.copy()
    new_b = [b.append(h) for h in BIG_LEAVES[77:200]]
    new_c = c.extend(BIG_LEAVES[77:200])
    assert [n for group in new_b for n in group] == new_c
    assert b.root() == c.root() == BIG_ROOTS[200]
    with pytest.raises(ValueError):
        CompactRange(3, [BIG_LEAVES[0]])
    with pytest.raises(ValueError):
        CompactRange(1, [b"x"])


def test_memory_store_missing_and_conflicts() -> None:
    store = MemoryHashStore()
    compact = CompactRange()
    for h in BIG_LEAVES[:5]:
        store.add(compact.append(h))
    assert store.size_hint() == 5
    with pytest.raises(StorageError):
        store.read_hashes([(0, 5)])
    with pytest.raises(StorageError):
        inclusion_proof(0, 8, store)
    with pytest.raises(StorageError):
        store.add([(0, 1, BIG_LEAVES[7])])
    store.add([(0, 1, BIG_LEAVES[1])])  # same value again is fine
    # Out-of-order additions are kept and close the gap later.
    store.add([(0, 7, BIG_LEAVES[7])])
    assert store.read_hashes([(0, 7)]) == [BIG_LEAVES[7]]
    store.add([(0, 5, BIG_LEAVES[5]), (0, 6, BIG_LEAVES[6])])
    assert store.size_hint() == 8
    with pytest.raises(StorageError):
        store.add([(0, 9, b"short")])


@given(
    index=st.integers(min_value=-3, max_value=N + 3),
    size=st.integers(min_value=-3, max_value=N + 3),
    proof=st.lists(st.binary(min_size=30, max_size=33), max_size=12),
    leaf=st.binary(min_size=31, max_size=33),
    root=st.binary(min_size=31, max_size=33),
)
@settings(max_examples=300)
def test_arbitrary_inclusion_input_raises_only_verification_error(
    index: int, size: int, proof: list[bytes], leaf: bytes, root: bytes
) -> None:
    with pytest.raises(VerificationError):
        verify_inclusion(leaf, index, size, proof, root)


@given(
    old=st.integers(min_value=-3, max_value=N + 3),
    new=st.integers(min_value=-3, max_value=N + 3),
    proof=st.lists(st.binary(min_size=31, max_size=33), max_size=12),
    use_real_roots=st.booleans(),
)
@settings(max_examples=300)
def test_arbitrary_consistency_input_raises_only_verification_error(
    old: int, new: int, proof: list[bytes], use_real_roots: bool
) -> None:
    def pick(n: int) -> bytes:
        return BIG_ROOTS[n] if use_real_roots and 0 <= n <= N else b"\x55" * 32

    try:
        verify_consistency(old, new, pick(old), pick(new), proof)
    except VerificationError:
        return
    # Only the trivially consistent cases may pass with made-up proofs.
    assert not proof and (old == 0 or old == new)


def test_bad_inputs_to_store_and_range() -> None:
    with pytest.raises(StorageError):
        BIG_STORE.read_hashes([(0, -1)])
    with pytest.raises(StorageError):
        BIG_STORE.read_hashes([(-1, 0)])
    compact = CompactRange()
    with pytest.raises(ValueError):
        compact.append(b"short")
    compact.extend(BIG_LEAVES[:3])
    with pytest.raises(ValueError):
        compact.extend([BIG_LEAVES[3], b"short"])
    assert compact.size == 3 and compact.root() == BIG_ROOTS[3]


def test_consistency_between_two_trees_goes_from_the_smaller_either_way() -> None:
    """``verify_consistency_between`` asks for the proof from the smaller tree to the larger,
    whichever is given first, and refuses two trees that are not one history."""
    asked: list[tuple[int, int]] = []

    def proof(old: int, new: int) -> list[bytes]:
        asked.append((old, new))
        return consistency_proof(old, new, RFC_STORE)

    from tysha.tlog.merkle import verify_consistency_between

    verify_consistency_between(3, RFC_ROOTS[3], 7, RFC_ROOTS[7], proof)
    verify_consistency_between(7, RFC_ROOTS[7], 3, RFC_ROOTS[3], proof)
    verify_consistency_between(5, RFC_ROOTS[5], 5, RFC_ROOTS[5], proof)
    assert asked == [(3, 7), (3, 7), (5, 5)]
    with pytest.raises(VerificationError):
        verify_consistency_between(7, RFC_ROOTS[6], 3, RFC_ROOTS[3], proof)
    with pytest.raises(VerificationError):
        verify_consistency_between(4, RFC_ROOTS[4], 4, RFC_ROOTS[5], proof)
