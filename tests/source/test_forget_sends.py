"""What a forced unlock of the vault (THREAT_MODEL A12) finds of reports sent long ago: the
vault keeps a sent report's receipt and digest (which name its entry in the drop's log) only
as long as the drop keeps the envelope (its retention, 90 days unless it announced another),
counted from the hour it was sent; after that a reply that answers it still says which report
in words (its outbox id and the hour it was written), not by digest."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

from tysha.protocol import Identity, Manifest, frame_content, seal_envelope
from tysha.source.device import SourceDevice
from tysha.source.vault import Vault
from tysha.transport import DropClient

from ._inv import make_invitation

DAY = 86400


def _world(tmp_path: Path, url: str, vkey: str) -> tuple[Vault, SourceDevice, Identity]:
    handler = Identity.generate(os.urandom)
    vault = Vault.create(tmp_path / "v", 4 * 1024 * 1024)
    comp = vault.add_compartment("p", 0, {"v": 1, "notes": []})
    dev = SourceDevice(vault, comp)
    dev.enroll(make_invitation(url, vkey, handler).to_text())
    return vault, dev, handler


def _traces(state: Any, digests: list[bytes]) -> list[str]:
    """Where a digest is still found in the vault's state (raw or as hex)."""
    found = []

    def walk(v: Any, where: str) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, f"{where}.{k}")
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                walk(x, f"{where}[{i}]")
        elif isinstance(v, (bytes, bytearray)):
            if any(d in bytes(v) for d in digests):
                found.append(where)
        elif isinstance(v, str) and any(d.hex() in v for d in digests):
            found.append(where)

    walk(state, "state")
    return found


def test_a_sent_reports_receipt_and_digest_are_forgotten_after_the_drops_retention(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """Before, the vault kept every sent report's receipt (digest, log index, checkpoint) and
    its digest in the sent list for ever: a forced unlock tied the reporter to those log
    entries years later. Now they go once the drop's retention has passed since the send;
    the reply that answered the report still names it (outbox id, hour written)."""
    url, vkey, _ = drop
    vault, dev, handler = _world(tmp_path, url, vkey)
    rid = dev.report(["det"], "a neighbour taken at night", mean_delay=0)
    env = bytes(dev.state["outbox"][0]["env"])
    digest = hashlib.sha256(env).digest()
    with DropClient(url) as c:
        dev.send(c, now=True)
        body = {"text": "Received. Stay safe.", "in_reply_to": digest.hex()}
        reply = Manifest("reply", handler.public(), body).signed(handler)
        c.upload(seal_envelope(frame_content(reply.to_bytes()), [dev.identity().public()], os.urandom))
        dev.fetch_replies(c)
        dev.save()
    answered = dev.replies()[0]["in_reply_to"]
    assert answered is not None and answered["id"] == rid
    # The drop said 90 days.
    assert dev.state["drop_retention_hours"] == 90 * 24

    def reopened(days: float) -> SourceDevice:
        comp = Vault(vault.path).unlock("p")
        return SourceDevice(Vault(vault.path), comp, clock=lambda: time.time() + days * DAY)

    # While the drop may still hold the envelope, everything stays.
    soon = reopened(89)
    assert _traces(soon.state, [digest])
    assert len(soon.state["sent"]) == 1 and len(soon.state["receipts"]) == 1
    assert soon.forgotten == 0

    later = reopened(91)
    assert later.state["sent"] == [] and later.state["receipts"] == []
    assert later.forgotten == 2  # the sent report's digest, and the reply's naming it
    assert _traces(later.state, [digest]) == []
    # The reply still says which report it answers, in the words outbox showed.
    assert later.replies()[0]["in_reply_to"] == answered
    later.save()
    # Kept so: opened again (at the real time) nothing of it comes back.
    again = SourceDevice(Vault(vault.path), Vault(vault.path).unlock("p"))
    assert _traces(again.state, [digest]) == [] and again.state["sent"] == []
    assert again.replies()[0]["in_reply_to"] == answered


def test_any_source_command_keeps_them_forgotten(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any
) -> None:
    """Forgotten on opening is saved at once (`source outbox` saves nothing else), so the
    file on the phone no longer holds them; a report sent before the vault kept the hour of
    sending is judged by the hour it was written."""
    url, vkey, _ = drop
    vault, dev, _handler = _world(tmp_path, url, vkey)
    for text in ("first", "second"):
        dev.report(["det"], text, mean_delay=0)
    digest = {i["id"]: hashlib.sha256(bytes(i["env"])).digest() for i in dev.state["outbox"]}
    with DropClient(url) as c:
        dev.send(c, now=True)
    old, recent = dev.state["sent"]
    old.pop("sent_hour", None)  # as a vault of before kept it
    old["created"] -= 91 * DAY
    dev.save()
    out = cli("source", "outbox", "--vault", str(vault.path), env={"TYSHA_PASSPHRASE": "p"})
    assert "0 waiting" in out.stdout
    state = Vault(vault.path).unlock("p").state
    assert _traces(state, [digest[old["id"]]]) == []
    assert [s["id"] for s in state["sent"]] == [recent["id"]] and len(state["receipts"]) == 1
    assert _traces(state, [digest[recent["id"]]])  # the recent one stays


def test_a_reply_naming_no_report_of_this_vault_keeps_no_digest(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """A reply whose digest names no report in the sent list (one forgotten before the reply
    came) kept that digest, shown with no report: a log entry's digest for a coercer. It is
    forgotten as the reply is kept; the reply still says it names no report."""
    url, vkey, _ = drop
    vault, dev, handler = _world(tmp_path, url, vkey)
    elsewhere = hashlib.sha256(b"a report this vault no longer remembers").digest()
    with DropClient(url) as c:
        body = {"text": "About your report of March.", "in_reply_to": elsewhere.hex()}
        reply = Manifest("reply", handler.public(), body).signed(handler)
        c.upload(seal_envelope(frame_content(reply.to_bytes()), [dev.identity().public()], os.urandom))
        dev.fetch_replies(c)
        dev.save()
    assert dev.replies()[0]["in_reply_to"] is None
    # Not kept even until the next opening: the vault as saved by that fetch.
    again = SourceDevice(Vault(vault.path), Vault(vault.path).unlock("p"))
    assert _traces(again.state, [elsewhere]) == []
    assert dev.forgotten == 1 and again.forgotten == 0
    assert again.replies()[0]["in_reply_to"] is None
    assert again.replies()[0]["text"] == "About your report of March."
