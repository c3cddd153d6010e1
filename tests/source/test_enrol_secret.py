"""The invitation's enrolment secret leaves the phone only until the desk has shown it
enrolled this key: every report used to carry it in its signed manifest, so anyone holding a
court bundle (which holds the envelope and its content key) and the invitation code (taken on
its way to the source, or a QR photo on a seized phone) could tie every report to that one
person. Once a reply from the pinned handler, sealed to this key, answers a report that
carried the current invitation's secret, the reports sealed after it carry none."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from tysha.protocol import (
    ContentSplitter,
    Identity,
    Manifest,
    frame_content,
    open_envelope,
    seal_envelope,
)
from tysha.source.device import SourceDevice
from tysha.source.vault import Vault
from tysha.transport import DropClient

from ._inv import make_invitation


def _world(tmp_path: Path, url: str, vkey: str) -> tuple[Vault, SourceDevice, Identity, Any]:
    handler = Identity.generate(os.urandom)
    vault = Vault.create(tmp_path / "v", 4 * 1024 * 1024)
    comp = vault.add_compartment("p", 0, {"v": 1, "notes": []})
    dev = SourceDevice(vault, comp)
    inv = make_invitation(url, vkey, handler)
    dev.enroll(inv.to_text())
    return vault, dev, handler, inv


def _manifest(env: bytes, handler: Identity) -> Manifest:
    sp = ContentSplitter()
    list(sp.feed(open_envelope(env, handler).content))
    assert sp.manifest is not None
    return sp.manifest


def _last(dev: SourceDevice) -> bytes:
    return bytes(dev.state["outbox"][-1]["env"])


def _reply(c: DropClient, signer: Identity, to: Any, answers: bytes | None) -> None:
    body: dict[str, Any] = {"text": "Received. Stay safe."}
    if answers is not None:
        body["in_reply_to"] = answers.hex()
    m = Manifest("reply", signer.public(), body).signed(signer)
    c.upload(seal_envelope(frame_content(m.to_bytes()), [to], os.urandom))


def test_a_report_after_the_handlers_reply_carries_no_enrolment_secret(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    url, vkey, _ = drop
    vault, dev, handler, inv = _world(tmp_path, url, vkey)
    dev.report(["det"], "first: a neighbour taken", mean_delay=0)
    first = _last(dev)
    assert _manifest(first, handler).enrolment == inv.secret  # the desk enrols the key by it
    with DropClient(url) as c:
        dev.send(c, now=True)
        # Before any reply the secret still goes (the first report may be lost or late).
        dev.report(["det"], "second, before a reply", mean_delay=0)
        assert _manifest(_last(dev), handler).enrolment == inv.secret
        # Neither a reply from another key, nor one naming no report, is proof.
        impostor = Identity.generate(os.urandom)
        _reply(c, impostor, dev.identity().public(), hashlib.sha256(first).digest())
        _reply(c, handler, dev.identity().public(), None)
        dev.fetch_replies(c)
        dev.report(["det"], "third, after no proof", mean_delay=0)
        assert _manifest(_last(dev), handler).enrolment == inv.secret
        # The handler's reply to the first report (which carried the secret): proof.
        _reply(c, handler, dev.identity().public(), hashlib.sha256(first).digest())
        assert len(dev.fetch_replies(c)) == 1
    # Which reports carried it is no longer kept (the one still waiting carries it all the same).
    assert [("enrol" in s) for s in [*dev.state["sent"], *dev.state["outbox"]]] == [False] * 3
    assert _manifest(_last(dev), handler).enrolment == inv.secret
    dev.report(["det"], "fourth, after the reply", mean_delay=0)
    assert _manifest(_last(dev), handler).enrolment is None
    # Kept in the vault: the next session sends none either.
    again = SourceDevice(Vault(vault.path), Vault(vault.path).unlock("p"))
    again.report(["det"], "fifth, another day", mean_delay=0)
    assert _manifest(_last(again), handler).enrolment is None


def test_a_new_invitation_is_presented_until_a_reply_answers_a_report_carrying_it(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """Enrolled again with the same handler's new code: a reply to a report of before (the
    old code's) does not show that the desk saw the new one, which would stay open to another
    key (a code photographed at hand-over); reports carry the new secret until one that
    carried it is answered."""
    url, vkey, _ = drop
    _vault, dev, handler, _inv = _world(tmp_path, url, vkey)
    dev.report(["det"], "under the first code", mean_delay=0)
    old = hashlib.sha256(_last(dev)).digest()
    with DropClient(url) as c:
        dev.send(c, now=True)
        new_inv = make_invitation(url, vkey, handler)
        dev.enroll(new_inv.to_text())
        assert dev.enrolment == "same"
        _reply(c, handler, dev.identity().public(), old)
        dev.fetch_replies(c)
        dev.report(["det"], "under the new code", mean_delay=0)
        env = _last(dev)
        assert _manifest(env, handler).enrolment == new_inv.secret
        dev.send(c, now=True)
        _reply(c, handler, dev.identity().public(), hashlib.sha256(env).digest())
        dev.fetch_replies(c)
    dev.report(["det"], "after its answer", mean_delay=0)
    assert _manifest(_last(dev), handler).enrolment is None


def test_a_reply_to_a_report_a_courier_delivered_is_proof_too(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """A report a courier delivered waits in the outbox until its receipts are imported; the
    handler's answer to it is proof all the same."""
    url, vkey, _ = drop
    _vault, dev, handler, _inv = _world(tmp_path, url, vkey)
    dev.report(["det"], "carried by hand", mean_delay=0)
    env = _last(dev)
    with DropClient(url) as c:
        c.upload(env)  # as `courier deliver` does; the vault holds no receipt yet
        _reply(c, handler, dev.identity().public(), hashlib.sha256(env).digest())
        dev.fetch_replies(c)
    dev.report(["det"], "after its answer", mean_delay=0)
    assert _manifest(_last(dev), handler).enrolment is None
