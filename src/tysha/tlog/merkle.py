"""RFC 6962 / RFC 9162 Merkle tree: hashing, compact ranges, proofs and their verification.

Hashing is RFC 9162 §2.1.1 (the same as RFC 6962 §2.1): ``MTH({}) = SHA-256()``, a leaf is
``SHA-256(0x00 || entry)`` and an interior node ``SHA-256(0x01 || left || right)``, where the
left subtree of a tree of ``n > 1`` leaves holds the largest power of two smaller than ``n``.

Node addressing. Every hash a log stores is a *full* subtree: the node ``(level, index)`` is
the Merkle Tree Hash of leaves ``[index * 2**level, (index + 1) * 2**level)``. Full nodes never
change once written, so a drop can keep them in tiles (C2SP tlog-tiles) or a database. Nodes on
the ragged right edge of a tree (RFC 9162 §2.1.3.1 ``MTH(D[k:n])`` for a non-power-of-two
range) are never stored: the provers here compute them from full nodes, so they only ask a
:class:`HashReader` for ``(level, index)`` pairs that exist in a tree of the requested size.

Proofs are produced in RFC 9162 order (§2.1.3.1 inclusion ``PATH``, §2.1.4.1 consistency
``SUBPROOF``) and verified with the algorithms of §2.1.3.2 and §2.1.4.2; a failed check raises
:class:`~tysha.errors.VerificationError` saying what was expected and what was found.

Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256 as _sha256
from typing import Protocol

from tysha.errors import StorageError, VerificationError

__all__ = [
    "HASH_SIZE",
    "CompactRange",
    "HashReader",
    "MemoryHashStore",
    "consistency_proof",
    "consistency_proof_nodes",
    "empty_root",
    "inclusion_proof",
    "inclusion_proof_nodes",
    "leaf_hash",
    "node_hash",
    "range_nodes",
    "root_at",
    "root_from_inclusion",
    "root_of",
    "verify_consistency",
    "verify_consistency_between",
    "verify_inclusion",
]

#: Size in bytes of every hash in the tree (SHA-256).
HASH_SIZE = 32

_EMPTY_ROOT = _sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``SHA-256(0x00 || entry)``."""
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``SHA-256(0x01 || left || right)``."""
    return _sha256(b"\x01" + left + right).digest()


def empty_root() -> bytes:
    """The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1)."""
    return _EMPTY_ROOT


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """Reference Merkle Tree Hash of a list of leaf hashes, by the recursive definition.

    Slow (it recurses on slices) and meant for tests: RFC 9162 §2.1.1 word for word.
    """
    n = len(leaf_hashes)
    if n == 0:
        return _EMPTY_ROOT
    if n == 1:
        return bytes(leaf_hashes[0])
    k = 1 << ((n - 1).bit_length() - 1)  # largest power of two smaller than n
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


class HashReader(Protocol):
    """Where provers read full-subtree hashes from.

    ``read_hashes`` returns the hashes of the nodes ``(level, index)`` in the order asked. A
    store that lacks a node raises :class:`~tysha.errors.StorageError` (the provers only ask
    for nodes that exist in the tree size they were given, so a missing node means the store
    is behind or damaged). A reader over data fetched from elsewhere (tiles) may also raise
    :class:`~tysha.errors.ProtocolError` for malformed data, or let its fetcher's
    :class:`~tysha.errors.TransportError` through. It never needs to check the hashes: a
    proof built from wrong hashes fails verification against a signed root.
    """

    def read_hashes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]: ...


def _rewrite_message(level: int, index: int) -> str:
    return f"node ({level}, {index}) is already stored with another hash"


class MemoryHashStore:
    """An in-memory :class:`HashReader` for tests, benchmarks and the desk.

    Nodes are kept per level in a list indexed by node index (compact for the in-order
    stream :meth:`CompactRange.append` emits); nodes added out of order go into a side map.
    Adding a node that is already present with a different hash raises StorageError: full
    nodes are immutable.
    """

    __slots__ = ("_levels", "_sparse")

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = []
        self._sparse: dict[tuple[int, int], bytes] = {}

    def add(self, nodes: Iterable[tuple[int, int, bytes]]) -> None:
        """Store nodes given as ``(level, index, hash)``."""
        levels = self._levels
        for level, index, value in nodes:
            if not 0 <= level < 64 or index < 0 or len(value) != HASH_SIZE:
                raise StorageError(f"cannot store node ({level}, {index}) of {len(value)} bytes")
            while len(levels) <= level:
                levels.append([])
            row = levels[level]
            if index == len(row):
                row.append(value)
                sparse = self._sparse
                if sparse:
                    # Pull in any nodes that were waiting for this gap to close.
                    nxt = sparse.pop((level, index + 1), None)
                    while nxt is not None:
                        row.append(nxt)
                        nxt = sparse.pop((level, len(row)), None)
            elif index < len(row):
                if row[index] != value:
                    raise StorageError(_rewrite_message(level, index))
            else:
                old = self._sparse.setdefault((level, index), value)
                if old != value:
                    raise StorageError(_rewrite_message(level, index))

    def read_hashes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        levels = self._levels
        out: list[bytes] = []
        add = out.append
        try:
            for level, index in nodes:
                if index < 0 or level < 0:
                    raise IndexError
                add(levels[level][index])
            return out
        except IndexError:
            pass
        out = []
        for level, index in nodes:
            if 0 <= level < len(levels) and 0 <= index < len(levels[level]):
                out.append(levels[level][index])
                continue
            value = self._sparse.get((level, index))
            if value is None:
                raise StorageError(f"the hash store has no node ({level}, {index})")
            out.append(value)
        return out

    def size_hint(self) -> int:
        """Number of leaves stored contiguously from index 0."""
        return len(self._levels[0]) if self._levels else 0


class CompactRange:
    """The right border of a tree ``[0, size)``: one hash per set bit of ``size``.

    ``hashes`` lists the full subtrees that make up ``[0, size)``, largest (leftmost) first:
    for ``size = 0b1011`` these are the nodes ``(3, 0)``, ``(1, 4)`` and ``(0, 10)``. That is
    all a sequencer needs to keep (O(log n) memory) to go on appending and to know the root;
    a restart restores it from the store with :func:`range_nodes` ``(0, size)``.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0:
            raise ValueError("a compact range cannot have a negative size")
        if len(hashes) != size.bit_count():
            raise ValueError(
                f"a compact range of size {size} has {size.bit_count()} border hashes, "
                f"{len(hashes)} were given"
            )
        for value in hashes:
            if len(value) != HASH_SIZE:
                raise ValueError(f"border hashes are {HASH_SIZE} bytes, got {len(value)}")
        self._size = size
        self._hashes = [bytes(h) for h in hashes]

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return every node it completes as ``(level, index, hash)``.

        The first item is always the leaf itself at level 0; the others are the parents it
        closes, bottom up. A store persists them all so provers can later read them.
        """
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(leaf)}")
        index = self._size
        out = [(0, index, leaf)]
        if index & 1:
            hashes = self._hashes
            pop = hashes.pop
            level = 0
            value = leaf
            while index & 1:
                value = _sha256(b"\x01" + pop() + value).digest()
                index >>= 1
                level += 1
                out.append((level, index, value))
            hashes.append(value)
        else:
            self._hashes.append(leaf)
        self._size += 1
        return out

    def extend(self, leaves: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
        """Append many leaf hashes; return all the nodes they complete, in order.

        All or nothing: if a leaf is not 32 bytes, ValueError and the range is unchanged.
        """
        out: list[tuple[int, int, bytes]] = []
        add = out.append
        hashes = self._hashes
        push = hashes.append
        pop = hashes.pop
        index = self._size
        saved = list(hashes)
        for leaf in leaves:
            if len(leaf) != HASH_SIZE:
                hashes[:] = saved  # all or nothing: the caller persists no partial batch
                raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(leaf)}")
            add((0, index, leaf))
            if index & 1:
                level = 0
                value = leaf
                i = index
                while i & 1:
                    value = _sha256(b"\x01" + pop() + value).digest()
                    i >>= 1
                    level += 1
                    add((level, i, value))
                push(value)
            else:
                push(leaf)
            index += 1
        self._size = index
        return out

    def root(self) -> bytes:
        """The Merkle Tree Hash of ``[0, size)``: the border folded from the right."""
        hashes = self._hashes
        if not hashes:
            return _EMPTY_ROOT
        value = hashes[-1]
        for left in reversed(hashes[:-1]):
            value = _sha256(b"\x01" + left + value).digest()
        return value

    def border(self) -> list[bytes]:
        """The border hashes, largest subtree first (what ``CompactRange(size, ...)`` takes)."""
        return list(self._hashes)

    def border_nodes(self) -> list[tuple[int, int]]:
        """The ``(level, index)`` of each border hash, in the order of :meth:`border`."""
        return range_nodes(0, self._size)

    def copy(self) -> CompactRange:
        return CompactRange(self._size, self._hashes)


# -- node layout -------------------------------------------------------------------------------


def range_nodes(begin: int, end: int) -> list[tuple[int, int]]:
    """Full nodes that make up ``[begin, end)``, left to right, when ``begin`` is aligned.

    ``begin`` must be a multiple of the largest power of two not above ``end - begin`` (true of
    every range a proof needs); the nodes then shrink left to right and the range's Merkle Tree
    Hash is their fold from the right (RFC 9162 §2.1.1 splits off the largest power of two).
    """
    if not 0 <= begin <= end:
        raise ValueError(f"bad range [{begin}, {end})")
    out: list[tuple[int, int]] = []
    span = end - begin
    pos = begin
    level = span.bit_length() - 1
    while level >= 0:
        width = 1 << level
        if span & width:
            if pos & (width - 1):
                raise ValueError(f"range [{begin}, {end}) is not aligned")
            out.append((level, pos >> level))
            pos += width
        level -= 1
    return out


# A proof element is one full node (the common case) or a ragged-edge range of full nodes.
_Element = list[tuple[int, int]]


def inclusion_proof_nodes(index: int, size: int) -> list[_Element]:
    """The layout of RFC 9162 §2.1.3.1 ``PATH(index, D[0:size])``, leaf side first.

    Each element is the list of full nodes whose right fold is that proof hash. Levels below
    ``inner`` (where ``index`` and ``size - 1`` share their ancestor) take the sibling at each
    level; the sibling at level ``inner - 1`` may run past the end of the tree and is then the
    ragged range up to ``size``. Above ``inner``, ``index`` lies on the right border of the
    left part and each set bit contributes its left sibling.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    inner = (index ^ (size - 1)).bit_length()
    out: list[_Element] = []
    for level in range(inner - 1):
        out.append([(level, (index >> level) ^ 1)])
    if inner:
        level = inner - 1
        sibling = (index >> level) ^ 1
        start = sibling << level
        if start + (1 << level) <= size:
            out.append([(level, sibling)])
        else:
            out.append(range_nodes(start, size))
    rest = index >> inner
    level = inner
    while rest:
        if rest & 1:
            out.append([(level, (rest ^ 1))])
        rest >>= 1
        level += 1
    return out


def consistency_proof_nodes(old_size: int, new_size: int) -> list[_Element]:
    """The layout of RFC 9162 §2.1.4.1 ``PROOF(m, D[0:n])`` as full-node elements."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size == 0 or old_size == new_size:
        return []
    # SUBPROOF(m, D[start:end], b) unrolled: each step adds one element *after* the
    # recursive part, so collect outermost first and reverse at the end.
    rev: list[_Element] = []
    start, end, m, whole = 0, new_size, old_size, True
    while True:
        span = end - start
        if m == span:
            if not whole:
                rev.append(range_nodes(start, end))
            break
        k = 1 << ((span - 1).bit_length() - 1)
        if m <= k:
            rev.append(range_nodes(start + k, end))
            end = start + k
        else:
            rev.append(range_nodes(start, start + k))
            start += k
            m -= k
            whole = False
    rev.reverse()
    return rev


def _fold(hashes: list[bytes]) -> bytes:
    value = hashes[-1]
    for i in range(len(hashes) - 2, -1, -1):
        value = _sha256(b"\x01" + hashes[i] + value).digest()
    return value


def _materialise(layout: list[_Element], reader: HashReader) -> list[bytes]:
    flat = [node for element in layout for node in element]
    hashes = reader.read_hashes(flat)
    if len(hashes) != len(flat):
        raise StorageError(f"the hash store returned {len(hashes)} hashes for {len(flat)} nodes")
    out: list[bytes] = []
    pos = 0
    for element in layout:
        n = len(element)
        if n == 1:
            out.append(hashes[pos])
        else:
            out.append(_fold(hashes[pos : pos + n]))
        pos += n
    return out


def inclusion_proof(index: int, size: int, reader: HashReader) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves (RFC 9162 §2.1.3.1).

    Reads every node it needs in one ``read_hashes`` call.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    if size == 1:
        return []
    inner = (index ^ (size - 1)).bit_length()
    top = inner - 1
    if inner == 0 or (((index >> top) ^ 1) + 1) << top <= size:
        # Fast path: every element is a single full node.
        nodes = [(level, (index >> level) ^ 1) for level in range(inner)]
        rest = index >> inner
        level = inner
        while rest:
            if rest & 1:
                nodes.append((level, rest ^ 1))
            rest >>= 1
            level += 1
        hashes = reader.read_hashes(nodes)
        if len(hashes) != len(nodes):
            raise StorageError(
                f"the hash store returned {len(hashes)} hashes for {len(nodes)} nodes"
            )
        return hashes
    return _materialise(inclusion_proof_nodes(index, size), reader)


def consistency_proof(old_size: int, new_size: int, reader: HashReader) -> list[bytes]:
    """The consistency proof from ``old_size`` to ``new_size`` (RFC 9162 §2.1.4.1)."""
    layout = consistency_proof_nodes(old_size, new_size)
    if not layout:
        return []
    return _materialise(layout, reader)


def root_at(size: int, reader: HashReader) -> bytes:
    """The Merkle Tree Hash of the first ``size`` leaves, from full nodes only."""
    if size < 0:
        raise ValueError("tree size cannot be negative")
    if size == 0:
        return _EMPTY_ROOT
    nodes = range_nodes(0, size)
    hashes = reader.read_hashes(nodes)
    if len(hashes) != len(nodes):
        raise StorageError(f"the hash store returned {len(hashes)} hashes for {len(nodes)} nodes")
    return _fold(hashes)


# -- verification ------------------------------------------------------------------------------


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise VerificationError(f"{what} is {len(value)} bytes, expected {HASH_SIZE}")


def root_from_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for ``leaf_hash`` at ``index`` (RFC 9162 §2.1.3.2).

    Raises VerificationError when the proof cannot be a proof for that position: wrong number
    of hashes, a hash of the wrong length, or an index outside the tree.
    """
    if size <= 0 or not 0 <= index < size:
        raise VerificationError(f"leaf index {index} is not in a tree of size {size}")
    _check_hash("the leaf hash", leaf_hash)
    # The RFC loop walks (fn, sn) up the tree; equivalently, the first `inner` hashes sit on
    # the side given by the bits of `index`, and the rest are left siblings on the border.
    inner = (index ^ (size - 1)).bit_length()
    expected = inner + (index >> inner).bit_count()
    if len(proof) != expected:
        raise VerificationError(
            f"inclusion proof for leaf {index} in a tree of size {size} has {len(proof)} "
            f"hashes, expected {expected}"
        )
    value = leaf_hash
    for i, sibling in enumerate(proof):
        if len(sibling) != HASH_SIZE:
            raise VerificationError(
                f"inclusion proof hash {i} is {len(sibling)} bytes, expected {HASH_SIZE}"
            )
        if i < inner and not (index >> i) & 1:
            value = _sha256(b"\x01" + value + sibling).digest()
        else:
            value = _sha256(b"\x01" + sibling + value).digest()
    return value


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``.

    RFC 9162 §2.1.3.2. Raises VerificationError on any mismatch; returns nothing.
    """
    _check_hash("the root", root)
    computed = root_from_inclusion(leaf_hash, index, size, proof)
    if computed != root:
        raise VerificationError(
            f"inclusion proof for leaf {index} in a tree of size {size} leads to root "
            f"{computed.hex()}, expected {root.hex()}"
        )


def _consistency_length_error(old_size: int, new_size: int, found: int) -> VerificationError:
    # The RFC loop's (fn, sn) walk does not depend on the hashes, so the length is fixed by
    # the two sizes; say which it should have been.
    expected = len(consistency_proof_nodes(old_size, new_size))
    return VerificationError(
        f"consistency proof from size {old_size} to {new_size} has {found} hashes, "
        f"expected {expected}"
    )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree ``(new_size, new_root)`` extends ``(old_size, old_root)``.

    RFC 9162 §2.1.4.2, plus the trivial cases: equal sizes need an empty proof and equal
    roots; from the empty tree (whose root must be SHA-256 of nothing) any tree is consistent
    with an empty proof. Raises VerificationError on any mismatch.
    """
    _check_hash("the old root", old_root)
    _check_hash("the new root", new_root)
    if old_size < 0 or new_size < old_size:
        raise VerificationError(
            f"a tree of size {new_size} cannot extend a tree of size {old_size}"
        )
    for i, value in enumerate(proof):
        if len(value) != HASH_SIZE:
            raise VerificationError(
                f"consistency proof hash {i} is {len(value)} bytes, expected {HASH_SIZE}"
            )
    if old_size == 0 or old_size == new_size:
        if proof:
            raise VerificationError(
                f"consistency proof from size {old_size} to {new_size} has {len(proof)} "
                "hashes, expected 0"
            )
        if old_size == 0:
            if old_root != _EMPTY_ROOT:
                raise VerificationError(
                    f"the root of the empty tree is {_EMPTY_ROOT.hex()}, found {old_root.hex()}"
                )
        elif old_root != new_root:
            raise VerificationError(
                f"trees of the same size {old_size} have different roots: "
                f"{old_root.hex()} and {new_root.hex()}"
            )
        return
    # RFC 9162 §2.1.4.2, step by step.
    path = list(proof)
    # 2. If first is an exact power of 2, prepend first_hash to the path.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    if not path:
        raise _consistency_length_error(old_size, new_size, 0)
    # 3-4. fn = first - 1, sn = second - 1; shift both right while LSB(fn) is set.
    fn = old_size - 1
    sn = new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. Both running hashes start at the first path element.
    fr = sr = path[0]
    # 6. Walk the rest of the path.
    for c in path[1:]:
        if sn == 0:
            raise _consistency_length_error(old_size, new_size, len(proof))
        if fn & 1 or fn == sn:
            fr = _sha256(b"\x01" + c + fr).digest()
            sr = _sha256(b"\x01" + c + sr).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _sha256(b"\x01" + sr + c).digest()
        fn >>= 1
        sn >>= 1
    # 7. fr must equal first_hash, sr second_hash, and sn must have reached 0.
    if sn != 0:
        raise _consistency_length_error(old_size, new_size, len(proof))
    if fr != old_root:
        raise VerificationError(
            f"consistency proof from size {old_size} to {new_size} leads to old root "
            f"{fr.hex()}, expected {old_root.hex()}"
        )
    if sr != new_root:
        raise VerificationError(
            f"consistency proof from size {old_size} to {new_size} leads to new root "
            f"{sr.hex()}, expected {new_root.hex()}"
        )


def verify_consistency_between(
    size_a: int,
    root_a: bytes,
    size_b: int,
    root_b: bytes,
    proof: Callable[[int, int], Sequence[bytes]],
) -> None:
    """Check that the trees ``(size_a, root_a)`` and ``(size_b, root_b)`` are one history,
    whichever is larger: :func:`verify_consistency` from the smaller to the larger, with the
    proof ``proof(smaller, larger)`` gives (a client asks its log for it; passed in, so no I/O
    happens here). Raises VerificationError on any mismatch."""
    if size_a <= size_b:
        verify_consistency(size_a, size_b, root_a, root_b, proof(size_a, size_b))
    else:
        verify_consistency(size_b, size_a, root_b, root_a, proof(size_b, size_a))
