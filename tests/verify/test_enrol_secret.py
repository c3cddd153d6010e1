"""What a court bundle reveals of the invitation: every report used to carry the invitation's
enrolment secret in its signed manifest, and a bundle holds each envelope with its content
key, so anyone with a bundle and the invitation code (taken on its way to the source, or a QR
photo on a seized phone) could tie every report in it to that one person. A report the source
sealed after its handler's reply carries none; only those sealed before it do."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.verify.conftest import DESK_PASS, SRC_PASS, run
from tysha.protocol import ContentSplitter, EnvelopeOpener, Invitation, SlotKey, parse_header


def _manifests(bundle: Path) -> dict[str, object]:
    """Each bundled report's text -> the enrolment field of its signed manifest, read as a
    bundle's holder reads it (its envelope opened with its content key)."""
    out: dict[str, object] = {}
    with zipfile.ZipFile(bundle) as z:
        index = json.loads(z.read("bundle.json"))
        for rid in index["reports"]:
            env = z.read(f"reports/{rid}/envelope.bin")
            key = bytes.fromhex(z.read(f"reports/{rid}/content-key").decode().strip())
            header = parse_header(env)
            sp = ContentSplitter()
            for content in EnvelopeOpener(header, SlotKey(0, key, b"")).body([env[header.size:]]):
                list(sp.feed(content))
            assert sp.manifest is not None
            out[str(sp.manifest.body["text"])] = sp.manifest.enrolment
    return out


def test_a_bundle_of_a_report_sent_after_a_reply_carries_no_enrolment_secret(
    tmp_path: Path,
) -> None:
    from tysha.drop.launcher import threaded_drop

    denv, senv = {"TYSHA_PASSPHRASE": DESK_PASS}, {"TYSHA_PASSPHRASE": SRC_PASS}
    with threaded_drop(tmp_path) as (url, vkey, _data):
        d, vault = str(tmp_path / "desk"), str(tmp_path / "v.vault")
        run("desk", "init", "--desk", d, "--name", "Kherson cell", env=denv)
        code = run("desk", "invite", "--desk", d, "--drop", url, "--drop-key", vkey,
                   env=denv).stdout.strip()  # fmt: skip
        secret = Invitation.from_text(code).secret
        run("source", "init", "--vault", vault, "--size", "8MiB", env=senv)
        run("source", "enroll", "--vault", vault, "--invitation", code, env=senv)
        run("source", "report", "--vault", vault, "--text", "before the reply", "--category",
            "det", env=senv)  # fmt: skip
        run("source", "send", "--vault", vault, "--now", env=senv)
        run("desk", "fetch", "--desk", d, env=denv)
        [first] = json.loads(run("desk", "list", "--desk", d, "--json", env=denv).stdout)
        run("desk", "reply", first["id"], "--desk", d, "--text", "Received.", env=denv)
        replies = json.loads(run("source", "replies", "--vault", vault, "--json",
                                 env=senv).stdout)  # fmt: skip
        assert [r["text"] for r in replies] == ["Received."]
        run("source", "report", "--vault", vault, "--text", "after the reply", "--category",
            "det", env=senv)  # fmt: skip
        run("source", "send", "--vault", vault, "--now", env=senv)
        run("desk", "fetch", "--desk", d, env=denv)
        reports = json.loads(run("desk", "list", "--desk", d, "--json", env=denv).stdout)
        assert {r["text"]: r["trusted"] for r in reports} == {
            "before the reply": True, "after the reply": True}  # fmt: skip
        bundle = tmp_path / "bundle.zip"
        run("desk", "export", "--desk", d, "--out", str(bundle), env=denv)
    assert _manifests(bundle) == {"before the reply": secret, "after the reply": None}
    assert secret not in bundle.read_bytes()  # compressed or not, nowhere else in the clear
    # The bundle verifies as before: the secret was never among what a court checks.
    out = run("verify", str(bundle), "--json", check=False)
    assert out.returncode == 0, out.stdout + out.stderr
