"""The desk once a source stops sending the invitation's secret (after its handler's reply,
tysha source sends none): a report from the enrolled key without it is trusted, from that
same source; a report from a key the desk never enrolled, without a secret, is still kept,
flagged and untrusted, exactly as before."""

from __future__ import annotations

import json
import os
from typing import Any

from tests.desk.test_desk import DESK_PASS, send_report, world  # noqa: F401 - a fixture
from tysha.desk.store import DeskStore
from tysha.protocol import (
    ContentSplitter,
    Identity,
    Invitation,
    Manifest,
    frame_content,
    open_envelope,
    seal_envelope,
)
from tysha.source.vault import Vault
from tysha.transport import DropClient


def test_an_enrolled_key_is_trusted_without_the_secret_and_a_stranger_is_not(
    world: dict[str, Any], cli: Any  # noqa: F811 - the imported fixture
) -> None:
    w = world
    d, denv = str(w["desk"]), w["denv"]
    send_report(w, cli, "first, with the secret", ["det"])
    cli("desk", "fetch", "--desk", d, env=denv)
    [first] = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)
    cli("desk", "reply", first["id"], "--desk", d, "--text", "Received.", env=denv)
    cli("source", "replies", "--vault", str(w["vault"]), "--json", env=w["senv"])
    cli("source", "report", "--vault", str(w["vault"]), "--text", "second, without it",
        "--category", "det", env=w["senv"])  # fmt: skip
    # It really goes without it (its envelope, opened with the desk's key).
    [waiting] = Vault(w["vault"]).unlock(w["senv"]["TYSHA_PASSPHRASE"]).state["outbox"]
    store = DeskStore.open(w["desk"], DESK_PASS)
    sp = ContentSplitter()
    list(sp.feed(open_envelope(bytes(waiting["env"]), store.identity).content))
    store.close()
    assert sp.manifest is not None and sp.manifest.enrolment is None
    cli("source", "send", "--vault", str(w["vault"]), "--now", env=w["senv"])

    # A stranger's key, its report signed and sealed to this desk, with no secret.
    code = cli("desk", "invite", "--desk", d, "--drop", w["url"], "--drop-key", w["vkey"],
               env=denv).stdout.strip()  # fmt: skip
    stranger = Identity.generate(os.urandom)
    body = {"categories": ["det"], "text": "planted, no secret", "client": "app"}
    m = Manifest("report", stranger.public(), body).signed(stranger)
    env = seal_envelope(frame_content(m.to_bytes()), Invitation.from_text(code).recipients(),
                        os.urandom)  # fmt: skip
    with DropClient(w["url"]) as c:
        c.upload(env)
    cli("desk", "fetch", "--desk", d, env=denv, check=False)

    reports = {r["text"]: r for r in json.loads(
        cli("desk", "list", "--desk", d, "--json", env=denv).stdout)}  # fmt: skip
    second = reports["second, without it"]
    assert second["trusted"] is True and second["flag_codes"] == []
    shown = json.loads(cli("desk", "show", second["id"], "--desk", d, "--json", env=denv).stdout)
    assert shown["source"].startswith("Source 1")
    planted = reports["planted, no secret"]
    assert planted["trusted"] is False and planted["flag_codes"] == ["unenrolled-source"]
    shown = json.loads(cli("desk", "show", planted["id"], "--desk", d, "--json", env=denv).stdout)
    assert "sender: not enrolled at this desk" in shown["problems"]
    # Nothing changed for the invitations: the new one still open, the first used by Source 1.
    listed = json.loads(cli("desk", "invitations", "--desk", d, "--json", env=denv).stdout)
    assert [i["state"] for i in listed] == ["used", "open"]
