"""Issue 11: a report says which client sealed it (browser or app); an invitation may carry the
handler's display name, signed, bounded, and refused when it could mislead on screen."""

from __future__ import annotations

import base64
import os

import pytest

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import Identity, Invitation, Manifest, cbor_decode, cbor_encode
from tysha.protocol.invitation import check_handler_name, invitation_check, isolate
from tysha.protocol.manifest import _MANIFEST_DOMAIN, CLIENTS, check_body, client_of

SRC = Identity.generate(os.urandom)
DESK = Identity.generate(os.urandom)
VKEY = "drop+01020304+AQ" + "A" * 42
BODY = {"categories": ["dep"], "text": "t", "created_at": "x"}


def signed_raw(body: object) -> bytes:
    """A correctly signed manifest with any body, as anyone holding a source key can make."""
    fields = {0: 1, 1: "report", 2: SRC.public().to_obj(), 3: body, 4: [], 5: os.urandom(16)}
    fields[6] = SRC.sign(_MANIFEST_DOMAIN, cbor_encode(fields))
    return cbor_encode(fields)


@pytest.mark.parametrize("client", CLIENTS)
def test_client_is_signed_and_read_back(client: str) -> None:
    m = Manifest("report", SRC.public(), {**BODY, "client": client}).signed(SRC)
    back = Manifest.from_bytes(m.to_bytes())
    assert client_of(back.body) == client
    # The field is inside the signature: changing it breaks the manifest.
    obj = cbor_decode(m.to_bytes())
    obj[3]["client"] = "app" if client == "browser" else "browser"
    with pytest.raises(VerificationError):
        Manifest.from_bytes(cbor_encode(obj))


def test_a_manifest_without_client_reads_as_unknown() -> None:
    back = Manifest.from_bytes(signed_raw(BODY))
    assert "client" not in back.body and client_of(back.body) == "unknown"


@pytest.mark.parametrize("value", ["", "Browser", "cli", "browser ", 1, None, ["app"], b"app"])
def test_any_other_client_is_a_protocol_error(value: object) -> None:
    with pytest.raises(ProtocolError):
        Manifest.from_bytes(signed_raw({**BODY, "client": value}))
    with pytest.raises(ProtocolError):
        check_body("report", {**BODY, "client": value})


def test_a_reply_or_share_carries_no_client() -> None:
    with pytest.raises(ProtocolError, match="unknown field"):
        check_body("reply", {"text": "t", "client": "app"})


# --- handler names ------------------------------------------------------------------------------

GOOD_NAMES = ["Олена", "Ayşe Qurtseitova", "مريم", "x" * 64, "A B", "Ёлка"]
BAD_NAMES: list[object] = [
    "", "x" * 65, "a\x00b", "a\nb", "a\tb", "a\u202eb", "a\u2066b", "a\u200bb", "a\u200fb",
    "a\ufeffb", " a", "a ", "a  b", "a\u00a0b", "a\u2028b", "e\u0301", "\ue000", 7, None, b"x",
]


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_acceptable_names(name: str) -> None:
    assert check_handler_name(name) == name


@pytest.mark.parametrize("name", BAD_NAMES)
def test_refused_names(name: object) -> None:
    with pytest.raises(ProtocolError):
        check_handler_name(name)
    if name is None:  # no name at all is fine for an invitation (test_an_unnamed_invitation…)
        return
    with pytest.raises(ProtocolError):
        Invitation.create(("http://d",), VKEY, DESK, None, os.urandom(16),
                          handler_name=name)  # type: ignore[arg-type]


def test_isolate_wraps_in_first_strong_isolate() -> None:
    assert isolate("مريم") == "\u2068مريم\u2069"


def test_named_invitation_round_trips_in_every_form() -> None:
    inv = Invitation.create(("http://d",), VKEY, DESK, None, os.urandom(16),
                            handler_name="Олена Коваль")
    for back in (Invitation.from_text(inv.to_text()), Invitation.from_bytes(inv.to_bytes()),
                 Invitation.from_qr_payload(inv.qr_payload())):
        assert back == inv and back.handler_name == "Олена Коваль"
    assert cbor_decode(inv.to_bytes())[7] == "Олена Коваль"


def test_an_unnamed_invitation_has_no_key_7_and_the_old_signature() -> None:
    inv = Invitation.create(("http://d",), VKEY, DESK, None, os.urandom(16))
    assert 7 not in cbor_decode(inv.to_bytes())
    assert Invitation.from_text(inv.to_text()).handler_name is None


def _code(fields: dict[int, object]) -> str:
    body = base64.b32encode(cbor_encode(fields)).decode().rstrip("=")
    return "TYSHA2:" + body + invitation_check(body)


def test_a_changed_name_breaks_the_signature() -> None:
    inv = Invitation.create(("http://d",), VKEY, DESK, None, os.urandom(16), handler_name="Olena")
    fields = cbor_decode(inv.to_bytes())
    fields[7] = "Oksana"
    with pytest.raises(VerificationError):
        Invitation.from_text(_code(fields))
    # Removing the name from a named invitation breaks it too (the name was signed).
    del fields[7]
    with pytest.raises(VerificationError):
        Invitation.from_text(_code(fields))


@pytest.mark.parametrize("name", ["Olena\u202eKoval", "a" * 65, 5, "a\nb"])
def test_a_signed_but_bad_name_is_refused_as_damaged(name: object) -> None:
    inv = Invitation.create(("http://d",), VKEY, DESK, None, os.urandom(16))
    fields = cbor_decode(inv.to_bytes())
    fields[7] = name
    del fields[6]
    fields[6] = DESK.sign(b"tysha/v2 invitation", cbor_encode(fields))
    with pytest.raises(ProtocolError, match="damaged"):
        Invitation.from_text(_code(fields))
    with pytest.raises(ProtocolError):
        Invitation.from_bytes(cbor_encode(fields))


def test_an_unknown_key_is_still_refused() -> None:
    inv = Invitation.create(("http://d",), VKEY, DESK, None, os.urandom(16))
    fields = cbor_decode(inv.to_bytes())
    fields[8] = "x"
    with pytest.raises(ProtocolError):
        Invitation.from_bytes(cbor_encode(fields))


@pytest.mark.parametrize("to", ["12345 67890 12345 67890 12345 67890"])
def test_a_report_may_name_its_handler_desk(to: str) -> None:
    from tysha.protocol.manifest import addressed_to, check_body

    body = {"categories": ["det"], "text": "seen", "to": to}
    assert check_body("report", body)["to"] == to and addressed_to(body) == to
    assert addressed_to({"categories": ["det"], "text": "seen"}) is None


@pytest.mark.parametrize("to", ["", "12345", "12345 67890 12345 67890 12345 6789x",
                                "12345-67890-12345-67890-12345-67890", "1" * 35, 12345])
def test_a_malformed_handler_fingerprint_is_refused(to: object) -> None:
    from tysha.errors import ProtocolError
    from tysha.protocol.manifest import check_body

    with pytest.raises(ProtocolError):
        check_body("report", {"categories": ["det"], "text": "seen", "to": to})
