"""The desk's on-disk format: a desk written before the store was split opens unchanged, and
the at-rest construction has fixed vectors, including negative ones."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tysha.desk import atrest
from tysha.desk.service import Desk
from tysha.errors import VerificationError

OLD = Path(__file__).parent / "vectors" / "desk-v1"


def test_a_desk_written_by_the_previous_store_opens(tmp_path: Path, product_argon2: None) -> None:
    """Made by the store of commit c776ccd (before the split): one source, one invitation, one
    report with an attachment, a status, a note, a reply, a TOTP secret."""
    from tysha.evidence.custody import CustodyEvent, verify_chain

    desk_dir = tmp_path / "desk"
    shutil.copytree(OLD, desk_dir)
    with Desk.open(desk_dir, "old desk passphrase") as desk:
        (v,) = desk.reports()
        assert (v.id, v.text, v.status, v.received_at) == (
            "71763030d004", "old report", "reviewing", "2026-01-02T03:04:05Z")
        assert v.event_time == "2026-01-01T10:00:00" and v.notes[0]["text"] == "old note"
        assert v.replies[0]["text"] == "old reply"
        assert b"".join(desk.attachment_chunks(v.id, 0)) == b"old attachment bytes"
        (s,) = desk.sources()
        assert s.pseudonym == "Source 1 · Yarrow Bee" and not s.revoked
        assert desk.invitations()[0]["used"] is True
        assert desk.totp_enabled()
        events = [CustodyEvent.from_json(e) for e in desk.custody()]
        verify_chain(events, desk.store.public.sign)
        # Writing with the new code keeps the chain and adds the new tables.
        desk.revoke("Source 1", "test")
        assert desk.report(v.id).flag_codes == ["revoked-source"]
        assert desk.outbox() == [] and desk.store.quarantined() == []
        verify_chain([CustodyEvent.from_json(e) for e in desk.custody()], desk.store.public.sign)


KEY = bytes(range(32))
NONCE = bytes(range(100, 124))


def _fixed(n: int) -> bytes:
    assert n == 24
    return NONCE


def test_atrest_vectors_and_negatives() -> None:
    # Our own vectors, generated once with this code and pinned (libsodium computes them).
    sub = atrest.derive(KEY, b"data")
    assert sub.hex() == VECTOR_DERIVE
    # An independent implementation of keyed BLAKE2b (RFC 7693) agrees.
    assert sub == hashlib.blake2b(b"data", key=KEY, person=atrest.PERSON, digest_size=32).digest()
    sealed = atrest.seal(KEY, b"reports:abc", b"report text", _fixed)
    assert sealed.hex() == VECTOR_SEAL
    assert atrest.open_sealed(KEY, b"reports:abc", sealed) == b"report text"
    bad = [
        sealed[:-1],  # truncated
        sealed[:10],  # shorter than nonce + tag
        sealed[:30] + bytes([sealed[30] ^ 1]) + sealed[31:],  # bit-flipped ciphertext
        bytes([sealed[0] ^ 0x80]) + sealed[1:],  # bit-flipped nonce
    ]
    for b in bad:
        with pytest.raises(VerificationError):
            atrest.open_sealed(KEY, b"reports:abc", b)
    with pytest.raises(VerificationError):
        atrest.open_sealed(bytes(32), b"reports:abc", sealed)  # wrong key
    with pytest.raises(VerificationError):
        atrest.open_sealed(KEY, b"reports:abd", sealed)  # moved to another row
    with pytest.raises(VerificationError):
        atrest.open_sealed(KEY, b"sources:abc", sealed)  # moved to another table


VECTOR_DERIVE = "2fccf86a4b89cac91616f50c3caeb28556c685ffedf675482ad90740a1b9014e"
VECTOR_SEAL = (
    "6465666768696a6b6c6d6e6f707172737475767778797a7b"
    "0e1689df8d5aa9f6e248e9fdd63a60343d4f6c07c550fc0cfee5fe"
)


def test_a_one_time_code_is_accepted_once_even_concurrently(tmp_path: Path) -> None:
    """Issue 9.7: the accepted time step is claimed atomically, so two logins racing with
    the same code cannot both pass."""
    import threading

    from tysha.desk.service import _totp

    Desk.init(tmp_path / "d", "Cell", "desk passphrase for tests")
    desk = Desk.open(tmp_path / "d", "desk passphrase for tests")
    desk.enable_totp()
    secret = bytes.fromhex(desk.store.get_setting("totp"))
    now = 1_800_000_000.0
    code = _totp(secret, int(now // 30))
    start = threading.Barrier(8)
    results: list[bool] = []

    def login() -> None:
        start.wait()
        results.append(desk.check_totp(code, now))

    threads = [threading.Thread(target=login) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    desk.close()
