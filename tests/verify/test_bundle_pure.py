"""tysha.evidence.bundle in-process: the archive is a fake reader, so every hostile shape is cheap."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterable, Iterator

import pytest

from tysha.errors import VerificationError
from tysha.evidence.bundle import (
    BUNDLE_DOMAIN,
    BundleLimits,
    BundleVerifier,
    Flag,
    MemberInfo,
    Step,
    build_index,
    record_flags,
    summary_text,
)
from tysha.evidence.custody import build_segment, canonical_json
from tysha.evidence.report_html import render_report_html
from tysha.protocol import Identity, sign_message


class Fake:
    """Members as (name, declared size, bytes or a piece generator factory)."""

    def __init__(self, members: list[tuple[str, int, object]]) -> None:
        self.members = members

    def names(self) -> list[tuple[str, MemberInfo]]:
        return [(n, MemberInfo(size, size)) for n, size, _ in self.members]

    def read(self, name: str) -> Iterable[bytes]:
        for n, _size, data in self.members:
            if n == name:
                if callable(data):
                    return data()  # type: ignore[no-any-return]
                return [data]  # type: ignore[list-item]
        raise KeyError(name)


def empty_bundle(drbg_seed: bytes = b"k" * 32, extra: dict[str, bytes] | None = None,
                 listed_extra: bool = True) -> tuple[list[tuple[str, int, object]], Identity]:
    ident = Identity.generate(lambda n: (drbg_seed * n)[:n])
    custody = canonical_json(build_segment([], [], ident))
    readme = summary_text("cell", ident.public().fingerprint(), {}, [])
    html = render_report_html(lang="en", desk_name="cell",
                              desk_fingerprint=ident.public().fingerprint(), drops={}, reports=[],
                              custody={}, anchored=False)
    members = {"custody.json": custody, "README.txt": readme, "report.html": html,
               **(extra or {})}
    files = {n: hashlib.sha256(b).hexdigest() for n, b in members.items()
             if listed_extra or n in ("custody.json", "README.txt", "report.html")}
    raw = build_index(desk=ident.public(), desk_name="cell", drops={}, reports=[], flags={},
                      files=files)
    sig = sign_message(ident.sign_seed, BUNDLE_DOMAIN, raw).hex().encode()
    out: list[tuple[str, int, object]] = [(n, len(b), b) for n, b in members.items()]
    out += [("bundle.json", len(raw), raw), ("bundle.sig", len(sig), sig)]
    return out, ident


def verify(members: list[tuple[str, int, object]], **kw: object) -> list[Step]:
    steps: list[Step] = []
    BundleVerifier(Fake(members), **kw).run(steps.append)  # type: ignore[arg-type]
    return steps


def test_a_minimal_bundle_verifies_and_pins() -> None:
    members, ident = empty_bundle()
    steps = verify(members)
    assert [s.number for s in steps if s.status == "ok"] == [1, 3, 7]
    assert any(s.status == "UNPINNED" and ident.public().fingerprint() in s.text for s in steps)
    pinned = verify(members, desk_pin=ident.public().fingerprint().replace(" ", ""))
    assert [s.number for s in pinned if s.status == "ok"] == [1, 2, 3, 7]
    with pytest.raises(VerificationError, match="step 2"):
        verify(members, desk_pin=Identity.generate(lambda n: b"o" * n).public().fingerprint())


@pytest.mark.parametrize(
    ("mutate", "step", "words"),
    [
        (lambda m: m.append(m[0]), "step 1", "appears twice"),
        (lambda m: m.append(("../etc/passwd", 1, b"x")), "step 1", "not allowed"),
        (lambda m: m.append(("/abs", 1, b"x")), "step 1", "not allowed"),
        (lambda m: m.append(("reports/x/report.json", 17 << 20, b"")), "step 1", "declares"),
        (lambda m: m.append(("stray.txt", 1, b"x")), "step 3", "unlisted"),
        (lambda m: m.__setitem__(0, (m[0][0], m[0][1], m[0][2] + b" ")), "step 3",
         "more than its declared size"),
        (lambda m: m.__setitem__(0, (m[0][0], m[0][1] + 5, m[0][2])), "step 3",
         "less than its declared size"),
        (lambda m: m.__setitem__(-1, ("bundle.sig", 128, b"00" * 64)), "step 2", ""),
        (lambda m: m.pop(), "step 1", "bundle.sig is missing"),
    ],
)
def test_hostile_archives(mutate: object, step: str, words: str) -> None:
    members, _ = empty_bundle()
    mutate(members)  # type: ignore[operator]
    with pytest.raises(VerificationError, match=step) as exc:
        verify(members)
    assert words in exc.value.message


def test_a_listed_member_the_format_does_not_define_is_refused() -> None:
    members, _ = empty_bundle(extra={"notes/extra.txt": b"hello"})
    with pytest.raises(VerificationError, match="not a member a bundle holds"):
        verify(members)


def test_member_count_is_bounded() -> None:
    members, _ = empty_bundle()
    with pytest.raises(VerificationError, match="5 members"):
        verify(members, limits=BundleLimits(max_members=3))


def test_record_flags_follow_the_desk_fields() -> None:
    assert record_flags({"trusted": True, "capture_verified": True}) == []
    codes = [f.code for f in record_flags({"revoked": True, "trusted": False,
                                            "receipt_verified": False, "log_consistent": False})]
    assert codes == ["revoked-source", "receipt-unverified", "log-forked"]
    sender = record_flags({"trusted": False, "problems": [
        "sender: this invitation already enrolled another key (leaked or reused code)"]})
    assert sender[0].code == "invitation-reused" and "leaked" in sender[0].reason
    assert Flag.from_json({"code": "x", "reason": "y"}) == Flag("x", "y")


def _zeros(n: int) -> Iterator[bytes]:
    piece = b"\0" * (1 << 16)
    for _ in range(n // len(piece)):
        yield piece


def test_members_are_hashed_as_a_stream() -> None:
    """A 512 MiB member passes through in pieces: peak memory stays far below its size."""
    code = f"""
import hashlib, resource, sys
sys.path.insert(0, {str(__import__('pathlib').Path(__file__).parents[2])!r})
from tests.verify.test_bundle_pure import empty_bundle, verify, _zeros
from tysha.errors import VerificationError
size = 512 << 20
h = hashlib.sha256()
for p in _zeros(size):
    h.update(p)
members, ident = empty_bundle()
# Replace the bundle with one that lists a huge attachment of a report.
from tysha.evidence.bundle import build_index, BUNDLE_DOMAIN, summary_text
from tysha.evidence.custody import canonical_json
from tysha.protocol import sign_message
files = {{"custody.json": hashlib.sha256(b"[]").hexdigest(),
         "reports/r/files/0-big.bin": h.hexdigest()}}
raw = build_index(desk=ident.public(), desk_name="cell", drops={{}}, reports=["r"], flags={{}},
                  files=files)
sig = sign_message(ident.sign_seed, BUNDLE_DOMAIN, raw).hex().encode()
members = [("custody.json", 2, b"[]"), ("reports/r/files/0-big.bin", size, lambda: _zeros(size)),
           ("bundle.json", len(raw), raw), ("bundle.sig", len(sig), sig)]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    verify(members)
except VerificationError as e:
    print(e.message)
print("RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    lines = r.stdout.strip().splitlines()
    assert lines, r.stderr
    # It got past hashing the big member (step 3) and stopped at the missing report parts.
    assert "report r has no report.json" in lines[0], r.stdout + r.stderr
    # Peak memory grew by less than an eighth of the member (it is never held whole).
    assert int(lines[-1].split()[1]) < 64 * 1024


def test_stored_claims_compare_as_the_desk_stores_them() -> None:
    from tysha.evidence.bundle import _jsonable, _same

    assert _jsonable({"sha256": b"\x01\x02", "n": 2**60, "gps": [50450000, 30516667],
                      "deep": {"b": [b"\xff"]}}) == {
        "sha256": "0102", "n": str(2**60), "gps": [50450000, 30516667], "deep": {"b": ["ff"]}}
    assert _same(float("nan"), float("nan"))
    assert not _same(1, True) and not _same("1", 1)
    assert _same(["atk"], None, ["atk"]) and not _same(None, ["atk"])


def test_members_held_in_memory_are_bounded_in_total() -> None:
    members, _ = empty_bundle()
    with pytest.raises(VerificationError, match="step 3.*exceed 10 bytes"):
        verify(members, limits=BundleLimits(max_held=10))
