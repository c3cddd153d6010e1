"""Invitations (issue 10.1): signed by the desk, a checksum that catches every typo and swap."""

from __future__ import annotations

import os

import pytest

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import Identity, Invitation, cbor_decode, cbor_encode
from tysha.protocol.invitation import (
    _B32,
    CHECK_CHARS,
    CHECK_PRIME,
    DAMAGED,
    INVITE_PREFIX,
    NEWER_FORMAT,
    OLD_FORMAT,
    invitation_check,
)

VKEY = "drop+01020304+AQ" + "A" * 42


@pytest.fixture(scope="module")
def desk() -> Identity:
    return Identity.generate(os.urandom)


@pytest.fixture(scope="module")
def inv(desk: Identity) -> Invitation:
    escrow = Identity.generate(os.urandom).public()
    return Invitation.create(("http://127.0.0.1:8080",), VKEY, desk, escrow, os.urandom(16))


def test_round_trip_text_binary_qr(inv: Invitation) -> None:
    text = inv.to_text()
    assert text.startswith(INVITE_PREFIX)
    assert Invitation.from_text(text) == inv
    assert Invitation.from_bytes(inv.to_bytes()) == inv
    assert Invitation.from_qr_payload(inv.qr_payload()) == inv
    assert Invitation.from_qr_payload(text.encode()) == inv  # a scanner that returns text
    assert Invitation.from_qr_payload(text) == inv
    # a decoder that returns the byte-mode payload as ISO 8859-1 text
    assert Invitation.from_qr_payload(inv.qr_payload().decode("latin-1")) == inv
    assert len(inv.qr_payload()) <= 2953  # QR version 40-L byte-mode capacity


def test_whitespace_line_breaks_and_case_from_chat_apps_are_tolerated(inv: Invitation) -> None:
    text = inv.to_text()
    wrapped = "\n".join(text[i : i + 61] for i in range(0, len(text), 61))
    assert Invitation.from_text("  " + wrapped + "\r\n\t") == inv
    assert Invitation.from_text(" ".join(text[i : i + 4] for i in range(0, len(text), 4))) == inv
    assert Invitation.from_text("\u00a0" + text.lower() + "\u2028") == inv
    soft = "\u200b".join(text[i : i + 20] for i in range(0, len(text), 20))
    assert Invitation.from_text(soft.replace("A", "A\u00ad", 3) + "\ufeff\u2060") == inv


def _refused_as_damaged(code: str) -> None:
    with pytest.raises(ProtocolError) as e:
        Invitation.from_text(code)
    assert e.value.message in (DAMAGED, OLD_FORMAT) or "not a Tysha invitation" in e.value.message


def test_every_single_character_substitution_is_refused(inv: Invitation) -> None:
    """Exhaustive over positions: a different base32 symbol, and a character outside it."""
    text = inv.to_text()
    for i, ch in enumerate(text):
        if ch in _B32:
            other = _B32[(_B32.index(ch) + 1 + i % 31) % 32]
        else:
            other = "Q" if ch != "Q" else "R"
        _refused_as_damaged(text[:i] + other + text[i + 1 :])
        _refused_as_damaged(text[:i] + "!" + text[i + 1 :])
        _refused_as_damaged(text[:i] + text[i + 1 :])  # a character lost


def test_every_adjacent_transposition_is_refused(inv: Invitation) -> None:
    text = inv.to_text()
    swaps = 0
    for i in range(len(text) - 1):
        if text[i] == text[i + 1]:
            continue  # swapping equal characters changes nothing
        swaps += 1
        _refused_as_damaged(text[:i] + text[i + 1] + text[i] + text[i + 2 :])
    assert swaps > len(text) // 2


def test_checksum_guarantee_holds_for_every_symbol_pair() -> None:
    """The algebra behind the guarantee, checked for every value pair and the boundary."""
    for a in range(32):
        for b in range(32):
            if a != b:
                assert (a - b) % CHECK_PRIME != 0
    # boundary swap missed only if n + 32^(k-1) ≡ 0 (mod p); bodies are far shorter than p
    assert 0 < 100_000 + 32 ** (CHECK_CHARS - 1) < CHECK_PRIME
    assert len(invitation_check("A" * 10)) == CHECK_CHARS
    assert invitation_check("") == "A" * CHECK_CHARS


def test_checksum_vector() -> None:
    # 1*1 + 2*2 + 3*3 = 14 → "AAAAAAO"; and a value that needs all 7 characters.
    assert invitation_check("BCD") == "AAAAAAO"
    assert invitation_check("7" * 1000) == _encode_check(31 * 1000 * 1001 // 2 % CHECK_PRIME)


def _encode_check(c: int) -> str:
    return "".join(_B32[(c >> (5 * (CHECK_CHARS - 1 - k))) & 31] for k in range(CHECK_CHARS))


def test_damaged_message_says_to_ask_again(inv: Invitation) -> None:
    text = inv.to_text()
    with pytest.raises(ProtocolError) as e:
        Invitation.from_text(text[:100] + ("A" if text[100] != "A" else "B") + text[101:])
    assert "damaged" in e.value.diagnostics() and "ask your contact" in e.value.diagnostics()


def test_forged_signature_is_a_verification_error(inv: Invitation) -> None:
    """A well-formed code with the right checksum but a key swapped in (an impostor)."""
    impostor = Identity.generate(os.urandom)
    obj = cbor_decode(inv.to_bytes())
    assert isinstance(obj, dict)
    obj[3] = impostor.public().to_obj()  # keep the old signature
    forged = Invitation._from_fields(obj, inv.signature)
    with pytest.raises(VerificationError):
        Invitation.from_bytes(cbor_encode(obj))
    import base64

    body = base64.b32encode(cbor_encode(obj)).decode().rstrip("=")
    with pytest.raises(VerificationError):
        Invitation.from_text(INVITE_PREFIX + body + invitation_check(body))
    with pytest.raises(VerificationError):
        Invitation.from_qr_payload(b"TY2" + cbor_encode(obj))
    assert forged.handler != inv.handler


def test_signed_by_another_desk_or_unsigned_is_refused(inv: Invitation, desk: Identity) -> None:
    other = Identity.generate(os.urandom)
    with pytest.raises(ProtocolError):
        Invitation(inv.drops, VKEY, inv.handler, None, inv.secret).signed(other)
    unsigned = Invitation(inv.drops, VKEY, inv.handler, None, inv.secret)
    with pytest.raises(ProtocolError):
        unsigned.to_text()
    with pytest.raises(ProtocolError):
        unsigned.qr_payload()


def test_old_format_is_refused_with_a_clear_message(inv: Invitation) -> None:
    import base64

    v1 = Invitation(inv.drops, VKEY, inv.handler, inv.escrow, inv.secret).to_bytes()
    old_text = "TYSHA1:" + base64.urlsafe_b64encode(v1).rstrip(b"=").decode()
    for attempt in (
        lambda: Invitation.from_text(old_text),
        lambda: Invitation.from_bytes(v1),
        lambda: Invitation.from_qr_payload(b"TY1" + v1),
    ):
        with pytest.raises(ProtocolError) as e:
            attempt()
        assert "old invitation format" in e.value.message
    # ... but a vault that enrolled with one still reads it back.
    assert Invitation.from_bytes(v1, legacy_ok=True).secret == inv.secret


def test_not_an_invitation(inv: Invitation) -> None:
    for junk in ("", "hello", "tysha-key1:AAAA", "TYSHA2:", "TYSHA2:" + "A" * 7, 5):
        with pytest.raises(ProtocolError):
            Invitation.from_text(junk)  # type: ignore[arg-type]
    for raw in (b"", b"\xff\xfe", b"TY2", b"TY2\xa0", "TYSHA2:ÄÖ".encode(), "ТУ2", "TY2x", 5):
        with pytest.raises(ProtocolError):
            Invitation.from_qr_payload(raw)


def test_an_invitation_of_a_newer_tysha_says_so_not_damaged(inv: Invitation) -> None:
    """A handler's desk updated, a reporter's app not (sideloaded builds are updated seldom):
    a code of a later format was called damaged ("ask the handler to send it again"), and
    the same code came back damaged, again and again. It says now that a newer Tysha made it
    and what to do, whichever way it arrives (text of a later prefix, the current prefix
    carrying a later version, a QR code)."""
    import base64

    obj = cbor_decode(inv.to_bytes())
    assert isinstance(obj, dict)
    obj[0] = 3
    later = cbor_encode(obj)
    body = base64.b32encode(later).decode().rstrip("=")
    for attempt in (
        lambda: Invitation.from_text("TYSHA3:" + body + invitation_check(body)),
        lambda: Invitation.from_text(INVITE_PREFIX + body + invitation_check(body)),
        lambda: Invitation.from_bytes(later),
        lambda: Invitation.from_qr_payload(b"TY3" + later),
        lambda: Invitation.from_qr_payload(b"TY2" + later),
    ):
        with pytest.raises(ProtocolError) as e:
            attempt()
        assert e.value.message == NEWER_FORMAT, e.value.message
    # A code that only looks like one (letters after TYSHA, a damaged prefix) is still damaged.
    for junk in ("TYSHAX:" + body, "TYSHA:" + body):
        with pytest.raises(ProtocolError) as e:
            Invitation.from_text(junk)
        assert e.value.message == DAMAGED
