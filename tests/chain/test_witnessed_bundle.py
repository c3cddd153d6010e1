"""Issue 14: witnesses in the chain. The drop's witnesses cosign its log (drop/witnessing.py);
the desk keeps the cosigned checkpoint with its custody anchor; `tysha verify --witness …
--witnesses-needed K` says which cosignatures it checked, and a drop that forked is reported."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.desk.test_service import _body, _desk, _send
from tests.verify.conftest import run
from tysha.drop.witnessing import Witnessing
from tysha.errors import VerificationError
from tysha.evidence.anchor import verify_witnessed
from tysha.protocol import Identity
from tysha.tlog import (
    Checkpoint,
    CosignatureSigner,
    NoteVerifier,
    add_signatures,
    inclusion_proof,
    open_checkpoint,
    parse_note,
    parse_skey,
)
from tysha.tlog.witness import WitnessPolicy
from tysha.transport import DropClient
from tysha.witness import WitnessClient
from tysha.witness.service import WitnessService, init_witness
from tysha.witness.testing import MemoryLog
from tysha.witness.web import create_app


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from tysha.drop.launcher import threaded_drop

    tmp = tmp_path_factory.mktemp("witnessed")
    mp = pytest.MonkeyPatch()
    with threaded_drop(tmp) as drop:
        url, vkey, data = drop
        log_key = NoteVerifier.from_vkey(vkey)
        c = DropClient(url)
        origin = open_checkpoint(c.checkpoint(), log_key).origin
        services, clients, wvkeys = [], [], []
        for i in (1, 2):
            wvkeys.append(init_witness(tmp / f"w{i}", f"w{i}.example"))
            services.append(WitnessService(tmp / f"w{i}", {origin: [log_key]}))
            clients.append(WitnessClient("http://testserver", wvkeys[-1],
                                         client=TestClient(create_app(services[-1]))))

        def checkpoint() -> tuple[int, str]:
            note = c.checkpoint()
            return open_checkpoint(note, log_key).size, note

        witnessing = Witnessing(clients, checkpoint, c.consistency_proof)
        # The drop process here predates the integration of drop/witnessing.py into its
        # service, so its /log/checkpoint.cosigned is served from this in-process Witnessing
        # (what the drop's thread does after each batch, run on demand).
        real = DropClient.log_file

        def log_file(self: DropClient, path: str) -> bytes:
            if path == "checkpoint.cosigned":
                note = witnessing.cosign_now()
                return (note or "").encode()
            return real(self, path)

        mp.setattr(DropClient, "log_file", log_file)
        desk, inv = _desk(tmp, drop)
        _send(url, desk, inv, Identity.generate(os.urandom), _body(text="witnessed report"))
        desk.fetch()
        rid = desk.reports()[0].id
        a = desk.anchor()
        assert a["witnessed"] is True
        out = tmp / "witnessed.zip"
        desk.export(out, [rid])
        info = {"out": out, "fp": desk.fingerprint, "vkey": vkey, "wvkeys": wvkeys,
                "origin": origin, "skey": (data / "log.key").read_text().strip(), "rid": rid,
                "identity": desk.store.identity, "tmp": tmp}
        desk.close()
        yield info
        mp.undo()
        c.close()
        for s in services:
            s.close()


def test_verify_says_which_cosignatures_it_checked(witnessed: dict[str, Any]) -> None:
    w = witnessed
    args = ["verify", str(w["out"]), "--desk-key", w["fp"], "--drop-key", w["vkey"]]
    r = run(*args, "--witness", w["wvkeys"][0], "--witness", w["wvkeys"][1],
            "--witnesses-needed", "2")
    line = next(x for x in r.stdout.splitlines() if "witnessed:" in x)
    assert "[7] ok" in line and "accepted: 2 of 2" in line
    assert "w1.example: valid" in line and "w2.example: valid" in line
    assert f"reports {w['rid']} are in the witnessed tree" in line
    # Without --witness the cosigned checkpoint is carried but not taken as checked.
    r = run(*args)
    assert "no --witness given, so its cosignatures were not checked" in r.stdout
    # A witness the drop never asked: the policy is not met, and verify says so.
    stranger = CosignatureSigner("w3.example", b"\x09" * 32).verifier().vkey
    bad = run(*args, "--witness", stranger, check=False)
    assert bad.returncode == 1 and "step 7 (witnesses)" in bad.stderr
    assert "w3.example: missing" in bad.stderr
    usage = run(*args, "--witness", w["wvkeys"][0], "--witnesses-needed", "3", check=False)
    assert usage.returncode != 0 and "between 1 and 1" in usage.stderr


def test_verify_names_the_witnesses_whose_keys_to_pin(witnessed: dict[str, Any]) -> None:
    """Without --witness, step 7 said only that the cosignatures 'were not checked': a court
    did not learn whose keys to obtain to check them. It now names each cosigner as the start
    of its key (name+key id), to compare with the key the witness itself gives."""
    w = witnessed
    args = ["verify", str(w["out"]), "--desk-key", w["fp"], "--drop-key", w["vkey"]]
    r = run(*args)
    starts = ["+".join(k.split("+")[:2]) for k in w["wvkeys"]]
    line = next(x for x in r.stdout.splitlines() if "cosignatures by" in x)
    assert line.startswith("  [7] note") and all(s in line for s in starts), line
    assert "--witness" in line and "never from this bundle" in line, line
    last = r.stdout.strip().splitlines()[-1]  # the closing line a court quotes says it too
    assert "witness cosignatures not checked (no --witness)" in last, last
    # Given one of them, the other is still named; given both, nothing is left to name.
    r = run(*args, "--witness", w["wvkeys"][0])
    line = next(x for x in r.stdout.splitlines() if "cosignatures by" in x)
    assert starts[1] in line and starts[0] not in line, line
    r = run(*args, "--witness", w["wvkeys"][0], "--witness", w["wvkeys"][1])
    assert "cosignatures by" not in r.stdout and "not checked" not in r.stdout.splitlines()[-1]
    uk = run(*args, env={"TYSHA_LANG": "uk"}).stdout
    assert "співпідписи від" in uk and starts[0] in uk, uk


def test_a_forked_drop_is_reported(witnessed: dict[str, Any]) -> None:
    """The drop signs another history (same key) of a larger tree and hands it out as its
    cosigned checkpoint: the witnesses never cosigned it, and the reports' checkpoints are not
    consistent with it."""
    w = witnessed
    with zipfile.ZipFile(w["out"]) as z:
        anchor = json.loads(z.read("anchor.json"))
    signer = parse_skey(w["skey"])
    fork = MemoryLog(w["origin"], b"\x00" * 32)
    fork.signer = signer
    fork.append(*[f"forged {i}".encode() for i in range(40)])
    forged = {"note": fork.checkpoint(), "proofs": {
        k: [h.hex() for h in fork.proof(int(k), fork.size)] for k in anchor["witnessed"]["proofs"]}}
    rec = anchor["receipt"]
    anchor_cp = Checkpoint.parse(parse_note(rec["checkpoint"])[0])
    policy = WitnessPolicy.from_vkeys(w["wvkeys"], 2)
    with pytest.raises(VerificationError, match="NOT accepted"):
        verify_witnessed(forged, w["vkey"], anchor_cp, {}, policy)
    with pytest.raises(VerificationError, match="the drop forked"):
        verify_witnessed(forged, w["vkey"], anchor_cp, {}, None)


def test_the_desk_reports_a_drop_whose_witnessed_tree_is_not_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The desk checks the drop's consistency proofs to the witnessed checkpoint: a drop that
    shows witnesses one history and the desk another is named as forked."""
    from types import SimpleNamespace

    from tysha.desk.anchor import witnessed_checkpoint

    honest = MemoryLog("fork.example/drop", b"\x05" * 32)
    honest.append(b"a", b"b", b"c")
    receipt_cp = honest.checkpoint()
    honest.append(b"d")
    # What the drop had its witnesses cosign: a tree under the same key that ours is not in.
    fork_of_ours = MemoryLog("fork.example/drop", b"\x05" * 32)
    fork_of_ours.append(b"x", b"y", b"z", b"w", b"v")
    w = CosignatureSigner("w.example", b"\x06" * 32)

    def cosigned_by_w(log: MemoryLog) -> str:
        return add_signatures(log.checkpoint(), [w.cosign(log.checkpoint().split("\n\n")[0] + "\n", 1)])

    forked = cosigned_by_w(fork_of_ours)
    monkeypatch.setattr(DropClient, "log_file", lambda self, path: forked.encode())
    monkeypatch.setattr(DropClient, "consistency_proof",
                        lambda self, old, new: fork_of_ours.proof(old, new))
    store = SimpleNamespace(list_reports=lambda: [], get_setting=lambda key, default=None: default)
    with pytest.raises(VerificationError, match="the drop forked"):
        witnessed_checkpoint(store, "http://drop.invalid", honest.vkey,  # type: ignore[arg-type]
                             SimpleNamespace(checkpoint=receipt_cp), 1.0)  # type: ignore[arg-type]
    # The honest extension is accepted (cosigned by a witness).
    cosigned = cosigned_by_w(honest)
    monkeypatch.setattr(DropClient, "log_file", lambda self, path: cosigned.encode())
    monkeypatch.setattr(DropClient, "consistency_proof",
                        lambda self, old, new: honest.proof(old, new))
    got = witnessed_checkpoint(store, "http://drop.invalid", honest.vkey,  # type: ignore[arg-type]
                               SimpleNamespace(checkpoint=receipt_cp), 1.0)  # type: ignore[arg-type]
    assert got is not None and got["proofs"]["3"]


def test_the_desk_keeps_no_witnessed_checkpoint_that_no_witness_cosigned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A drop serving its own checkpoint as ``checkpoint.cosigned`` (no cosignature at all),
    or one the desk's pinned witnesses did not cosign: ``tysha desk anchor`` used to keep it
    and print "the drop's witnessed checkpoint kept". Nothing is kept now, and nothing said."""
    from types import SimpleNamespace

    from tysha.desk.anchor import witnessed_checkpoint

    log = MemoryLog("plain.example/drop", b"\x07" * 32)
    log.append(b"a", b"b")
    receipt = SimpleNamespace(checkpoint=log.checkpoint())
    log.append(b"c")
    body = log.checkpoint().split("\n\n")[0] + "\n"
    served = [log.checkpoint()]
    monkeypatch.setattr(DropClient, "log_file", lambda self, path: served[0].encode())
    monkeypatch.setattr(DropClient, "consistency_proof", lambda self, old, new: log.proof(old, new))
    settings: dict[str, Any] = {}
    store = SimpleNamespace(list_reports=lambda: [],
                            get_setting=lambda key, default=None: settings.get(key, default))
    url = "http://drop.invalid"

    def ask() -> dict[str, Any] | None:
        return witnessed_checkpoint(store, url, log.vkey, receipt, 0.3)  # type: ignore[arg-type]

    assert ask() is None  # the drop's own signature only: not witnessed
    pinned = CosignatureSigner("pinned.example", b"\x08" * 32)
    stranger = CosignatureSigner("stranger.example", b"\x09" * 32)
    served[0] = add_signatures(log.checkpoint(), [stranger.cosign(body, 5)])
    assert ask() is not None  # no policy: a cosignature is carried (verify --witness checks it)
    settings["witness_policy"] = {url: {"witnesses": [pinned.verifier().vkey], "k": 1}}
    assert ask() is None  # the desk's pinned witness did not cosign it
    served[0] = add_signatures(log.checkpoint(), [pinned.cosign(body, 5)])
    got = ask()
    assert got is not None and got["note"] == served[0]


def test_a_tsa_root_given_for_a_bundle_without_a_time_stamp_fails(
    witnessed: dict[str, Any], tmp_path: Any
) -> None:
    """``--tsa-root`` asks verify to check the custody head's RFC 3161 time-stamp; a bundle
    that carries none used to pass (exit 0) without a word about it, as if checked. It fails
    at step 7 now, as ``--witness`` does for a bundle without a witnessed checkpoint."""
    from tests.chain.tsa import some_root_pem

    root = some_root_pem(tmp_path / "root.pem")
    w = witnessed
    with zipfile.ZipFile(w["out"]) as z:
        assert "tsa_token" not in json.loads(z.read("anchor.json"))
    r = run("verify", str(w["out"]), "--desk-key", w["fp"], "--drop-key", w["vkey"],
            "--tsa-root", str(root), check=False)
    assert r.returncode == 1 and "step 7 (time-stamp)" in r.stderr, r.stdout + r.stderr


def test_a_fork_the_anchor_finds_flags_that_drops_reports(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """'desk anchor' found the drop's witnessed tree inconsistent with the tree its reports'
    receipts are in (a fork), said so and logged 'drop-forked' in custody, but never marked the
    drop as forked: the reports stayed unflagged in 'desk list', on the web page and in every
    court bundle exported afterwards, which a court then read as clean. They are flagged
    'log-forked' now, as a fork that 'desk fetch' finds flags them."""
    from tysha.drop.launcher import threaded_drop

    with threaded_drop(tmp_path) as drop:
        url, vkey, data = drop
        desk, inv = _desk(tmp_path, drop)
        _send(url, desk, inv, Identity.generate(os.urandom), _body(text="before the fork"))
        desk.fetch()
        rid = desk.reports()[0].id
        assert not desk.reports()[0].flags
        # The drop hands out, as its cosigned checkpoint, another history under its own key.
        log_key = NoteVerifier.from_vkey(vkey)
        origin = open_checkpoint(DropClient(url).checkpoint(), log_key).origin
        fork = MemoryLog(origin, b"\x00" * 32)
        fork.signer = parse_skey((data / "log.key").read_text().strip())
        fork.append(*[f"forged {i}".encode() for i in range(40)])
        w = CosignatureSigner("w.example", b"\x06" * 32)
        body = fork.checkpoint().split("\n\n")[0] + "\n"
        note = add_signatures(fork.checkpoint(), [w.cosign(body, 1)])
        real = DropClient.log_file
        monkeypatch.setattr(DropClient, "log_file", lambda self, path: note.encode()
                            if path == "checkpoint.cosigned" else real(self, path))
        monkeypatch.setattr(DropClient, "consistency_proof",
                            lambda self, old, new: fork.proof(old, new))
        # Found by the anchor's receipt (its log against the verified one) or the witnessed
        # checkpoint, whichever looks first: the same fork either way.
        with pytest.raises(VerificationError, match="the drop forked|^FORK"):
            desk.anchor()
        assert [f.code for f in desk.reports()[0].flags] == ["log-forked"]
        out = tmp_path / "after-the-fork.zip"
        desk.export(out, [rid])
        with zipfile.ZipFile(out) as z:
            index = json.loads(z.read("bundle.json"))
            readme = z.read("README.txt").decode()
        assert [f["code"] for f in index["flags"][rid]] == ["log-forked"]
        assert "! log-forked:" in readme
        desk.close()


def test_reports_of_another_drop_are_named_as_not_witnessed(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bundle of reports from two drops, anchored (and witnessed) through one: with
    --witness, step 7 said 'accepted ...; the anchor and reports A are in the witnessed tree'
    and nothing of report B, whose log no witness of the bundle saw - a clerk who asked for
    witnessed evidence read the bundle as witnessed. Step 7 now names them."""
    from tysha.drop.launcher import threaded_drop

    with threaded_drop(tmp_path / "d1") as drop1, threaded_drop(tmp_path / "d2") as drop2:
        url1, vkey1, _ = drop1
        url2, vkey2, _ = drop2
        log_key = NoteVerifier.from_vkey(vkey1)
        c1 = DropClient(url1)
        origin = open_checkpoint(c1.checkpoint(), log_key).origin
        wvkey = init_witness(tmp_path / "w", "w.example")
        service = WitnessService(tmp_path / "w", {origin: [log_key]})
        client = WitnessClient("http://testserver", wvkey, client=TestClient(create_app(service)))

        def checkpoint() -> tuple[int, str]:
            note = c1.checkpoint()
            return open_checkpoint(note, log_key).size, note

        witnessing = Witnessing([client], checkpoint, c1.consistency_proof)
        real = DropClient.log_file

        def log_file(self: DropClient, path: str) -> bytes:
            if path == "checkpoint.cosigned" and self.url.rstrip("/") == url1.rstrip("/"):
                return (witnessing.cosign_now() or "").encode()
            return real(self, path)

        monkeypatch.setattr(DropClient, "log_file", log_file)
        desk, inv1 = _desk(tmp_path, drop1)
        inv2 = desk.invite(url2, vkey2)
        _send(url1, desk, inv1, Identity.generate(os.urandom), _body(text="through drop 1"))
        _send(url2, desk, inv2, Identity.generate(os.urandom), _body(text="through drop 2"))
        desk.fetch()
        by_text = {v.text: v.id for v in desk.reports()}
        a = desk.anchor(url1)
        assert a["witnessed"] is True
        out = tmp_path / "two-drops.zip"
        desk.export(out, [by_text["through drop 1"], by_text["through drop 2"]])
        fp = desk.fingerprint
        desk.close()
        c1.close()
        service.close()
    r = run("verify", str(out), "--desk-key", fp, "--drop-key", vkey1, "--drop-key", vkey2,
            "--witness", wvkey, "--accept-flagged")
    line = next(x for x in r.stdout.splitlines() if "witnessed:" in x)
    assert f"reports {by_text['through drop 1']} are in the witnessed tree" in line
    other = by_text["through drop 2"]
    assert (f"[7] note  reports {other} are in another drop's log: the witnessed checkpoint "
            "does not cover them") in r.stdout, r.stdout


def _resign(src: Any, out: Any, identity: Identity, edit: Any, flag: Any = None) -> None:
    """``src`` with its reports edited (``edit(rid, report_json, receipt_json)``) and signed
    again by the desk's own key: README.txt, report.html and the index made consistent."""
    from tests.chain.forgery import page
    from tysha.evidence.bundle import BUNDLE_DOMAIN, Flag, build_index, summary_text
    from tysha.evidence.custody import canonical_json
    from tysha.protocol import sign_message

    with zipfile.ZipFile(src) as z:
        m = {n: z.read(n) for n in z.namelist()}
    index = json.loads(m.pop("bundle.json"))
    m.pop("bundle.sig")
    entries = []
    for rid in index["reports"]:
        rep = json.loads(m[f"reports/{rid}/report.json"])
        rec = json.loads(m[f"reports/{rid}/receipt.json"])
        edit(rid, rep, rec)
        m[f"reports/{rid}/report.json"] = canonical_json(rep)
        m[f"reports/{rid}/receipt.json"] = canonical_json(rec)
        fl = [Flag(f["code"], f["reason"]) for f in index["flags"][rid]]
        entries.append((rid, rep, fl + ([flag] if flag is not None else [])))
    name, fp = index["desk"]["name"], index["desk"]["fingerprint"]
    m["README.txt"] = summary_text(name, fp, index["drops"], entries)
    m["report.html"] = page(m, name, fp, index["drops"], entries, lang=index["lang"])
    m.pop("report.pdf", None)
    files = {n: hashlib.sha256(b).hexdigest() for n, b in m.items()}
    raw = build_index(desk=identity.public(), desk_name=name, drops=index["drops"],
                      reports=index["reports"], flags={r: fl for r, _d, fl in entries},
                      files=files, lang=index["lang"])
    with zipfile.ZipFile(out, "w") as z:
        for n, b in m.items():
            z.writestr(n, b)
        z.writestr("bundle.json", raw)
        z.writestr("bundle.sig", sign_message(identity.sign_seed, BUNDLE_DOMAIN, raw).hex())


def _other_history(
    origin: str, data: Path, vkey: str, digest_hex: str, second: bytes
) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    """Another history of the drop's log, signed with its key: the envelope ``digest_hex`` at
    index 0, then ``second``. Returns what rewrites a bundled report (``report.json`` and its
    receipt record) to its inclusion in that history."""
    fork = MemoryLog(origin, b"\x00" * 32)
    fork.signer = parse_skey((data / "log.key").read_text().strip())
    fork.append(bytes.fromhex(digest_hex), second)
    note = fork.checkpoint()
    proof = [h.hex() for h in inclusion_proof(0, 2, fork.store)]
    cp = open_checkpoint(note, NoteVerifier.from_vkey(vkey))

    def rewrite(rep: dict[str, Any], rec: dict[str, Any]) -> None:
        rec["receipt"].update(checkpoint=note, proof=proof)
        rep.update(checkpoint_note=note, inclusion_proof=proof,
                   checkpoint={"size": 2, "root": cp.root_hash.hex(), "origin": cp.origin})

    return rewrite


def test_a_bundle_whose_reports_show_two_histories_of_the_drops_log_fails(
    tmp_path: Any, drop: tuple[str, str, Any]
) -> None:
    """Two reports of one drop, their receipts in two different trees of the same size, both
    signed by the drop's key: the bundle itself proves the drop forked its log. 'tysha verify'
    said 'ok' for both (each inclusion holds in its own tree) and 'bundle ok'. It now fails
    step 4 naming both reports, unless the desk flagged the fork itself (then FLAG)."""
    url, vkey, data = drop
    desk, inv = _desk(tmp_path, drop)
    ident = Identity.generate(os.urandom)
    _send(url, desk, inv, ident, _body(text="first"))
    _send(url, desk, inv, ident, _body(text="second"))
    desk.fetch()
    genuine = tmp_path / "genuine.zip"
    desk.export(genuine)
    fingerprint, identity = desk.fingerprint, desk.store.identity
    desk.close()
    with zipfile.ZipFile(genuine) as z:
        reps = {rid: json.loads(z.read(f"reports/{rid}/report.json"))
                for rid in json.loads(z.read("bundle.json"))["reports"]}
    first = next(rid for rid, r in reps.items() if r["index"] == 0)
    size = reps[first]["checkpoint"]["size"]
    assert size == 2 and {r["checkpoint"]["size"] for r in reps.values()} == {2}
    # The other history: the first report's envelope, then an entry that is not the second's.
    origin = open_checkpoint(reps[first]["checkpoint_note"], NoteVerifier.from_vkey(vkey)).origin
    receipt = _other_history(origin, data, vkey, reps[first]["envelope_digest"], b"\x01" * 32)

    def forked(rid: str, rep: dict[str, Any], rec: dict[str, Any]) -> None:
        if rid == first:
            receipt(rep, rec)

    out = tmp_path / "forked.zip"
    _resign(genuine, out, identity, forked)
    r = run("verify", str(out), "--desk-key", fingerprint, "--drop-key", vkey, check=False)
    assert r.returncode == 1 and "bundle ok" not in r.stdout, r.stdout
    assert "step 4" in r.stderr and "the drop's log forked" in r.stderr, r.stderr
    assert all(rid in r.stderr for rid in reps), r.stderr
    uk = run("verify", str(out), "--desk-key", fingerprint, env={"TYSHA_LANG": "uk"}, check=False)
    assert uk.returncode == 1 and "журнал сервера прийому розгалузився" in uk.stderr, uk.stderr
    # The desk found the fork itself and flagged its reports: shown, and accepted only as flagged.
    from tysha.evidence.bundle import Flag

    _resign(genuine, out, identity, forked,
            Flag("log-forked", "The drop showed this desk two inconsistent histories of its log."))
    r = run("verify", str(out), "--desk-key", fingerprint, "--drop-key", vkey,
            "--accept-flagged")
    assert "[4] FLAG" in r.stdout and "the drop's log forked" in r.stdout, r.stdout
    assert "bundle ok" in r.stdout


def test_a_report_and_the_anchor_in_two_histories_of_the_drops_log_fail(
    tmp_path: Any, drop: tuple[str, str, Any]
) -> None:
    """A report's receipt in a tree of the same size as the custody anchor's, with another
    root, both signed by the drop's key: the bundle proves the drop forked its log. Without a
    witnessed checkpoint nothing compared the two, and verify said 'bundle ok'. Step 7 now
    fails naming the report."""
    url, vkey, data = drop
    desk, inv = _desk(tmp_path, drop)
    _send(url, desk, inv, Identity.generate(os.urandom), _body(text="first"))
    desk.fetch()
    desk.anchor()
    desk.fetch()
    genuine = tmp_path / "genuine.zip"
    desk.export(genuine)
    fingerprint, identity = desk.fingerprint, desk.store.identity
    desk.close()
    with zipfile.ZipFile(genuine) as z:
        anchor = json.loads(z.read("anchor.json"))
        rid = json.loads(z.read("bundle.json"))["reports"][0]
        rep = json.loads(z.read(f"reports/{rid}/report.json"))
    anchor_cp = open_checkpoint(anchor["receipt"]["checkpoint"], NoteVerifier.from_vkey(vkey))
    assert rep["index"] == 0 and anchor_cp.size == 2 and rep["checkpoint"]["size"] == 1
    receipt = _other_history(  # its second entry is not the anchor's
        anchor_cp.origin, data, vkey, rep["envelope_digest"], b"\x02" * 32
    )

    def forked(_rid: str, rep: dict[str, Any], rec: dict[str, Any]) -> None:
        receipt(rep, rec)

    out = tmp_path / "forked.zip"
    _resign(genuine, out, identity, forked)
    r = run("verify", str(out), "--desk-key", fingerprint, "--drop-key", vkey, check=False)
    assert r.returncode == 1 and "bundle ok" not in r.stdout, r.stdout
    assert "step 7" in r.stderr and "the drop's log forked" in r.stderr and rid in r.stderr, (
        r.stderr)
    uk = run("verify", str(out), "--desk-key", fingerprint, env={"TYSHA_LANG": "uk"}, check=False)
    assert "закріплення журналу зберігання є у двох різних деревах" in uk.stderr, uk.stderr


def test_verify_json_says_whether_the_cosignatures_were_checked(
    witnessed: dict[str, Any],
) -> None:
    """``tysha verify --json`` (its steps those of the transcript, tests/verify): the
    witnessed checkpoint's state, and a policy not met as a failed verdict at step 7."""
    from tests.verify.test_verify_json import same_in_json

    w = witnessed
    args = (str(w["out"]), "--desk-key", w["fp"], "--drop-key", w["vkey"])
    _h, doc, _r = same_in_json(*args, "--witness", w["wvkeys"][0], "--witness", w["wvkeys"][1])
    assert doc["verdict"] == "ok" and doc["keys"]["witnesses"] == "checked"
    assert doc["keys"]["time_stamp"] == "absent"
    _h, doc, _r = same_in_json(*args)
    assert doc["verdict"] == "ok" and doc["keys"]["witnesses"] == "unchecked"
    stranger = CosignatureSigner("w3.example", b"\x09" * 32).verifier().vkey
    _h, doc, r = same_in_json(*args, "--witness", stranger)
    assert r.returncode == 1 and doc["verdict"] == "failed"
    assert doc["error"].startswith("step 7 (witnesses)")


def test_the_readme_says_to_check_the_witnesses_and_older_ones_still_verify(
    witnessed: dict[str, Any],
) -> None:
    """README.txt said to verify with --desk-key and --drop-key only, though this bundle's
    custody anchor carries a witnessed checkpoint whose cosignatures verify leaves unchecked
    without --witness. It now says to add each witness's key (and nothing of --tsa-root: the
    anchor has no time-stamp). An earlier desk's README.txt, without it, still verifies."""
    from tests.chain.forgery import readme_as, with_readme

    w = witnessed
    with zipfile.ZipFile(w["out"]) as z:
        readme = z.read("README.txt").decode()
    assert "--witness WITNESS_VKEY" in readme and "cosigned by witnesses" in readme, readme
    assert "--tsa-root" not in readme
    assert readme.encode() == readme_as(w["out"], (False, True))
    pins = ["--desk-key", w["fp"], "--drop-key", w["vkey"]]
    witnesses = ["--witness", w["wvkeys"][0], "--witness", w["wvkeys"][1]]
    older = with_readme(w["out"], w["tmp"] / "older-readme.zip", w["identity"],
                        readme_as(w["out"], (False, False)))
    with zipfile.ZipFile(older) as z:
        assert b"--witness" not in z.read("README.txt")
    for path in (w["out"], older):
        r = run("verify", str(path), *pins, *witnesses)
        assert "bundle ok" in r.stdout and "[3] ok" in r.stdout, r.stdout
