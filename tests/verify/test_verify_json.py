"""``tysha verify --json``: one JSON document a court's or analyst's tooling can read, made from
the same lines the human transcript prints, so the two never disagree (docs/CLI.md)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from tests.verify.conftest import run
from tests.verify.test_verify_cli import OTHER_DROP, forge, members
from tysha.evidence.visible import visible
from tysha.verify import STEP_STATUSES


def _human_lines(stdout: str) -> tuple[list[tuple[int | None, str, str]], str | None]:
    """The human transcript as (number, status, text) lines and its closing line (None when
    the command failed before one)."""
    lines: list[tuple[int | None, str, str]] = []
    closing = None
    for raw in stdout.splitlines():
        if not raw.startswith("  "):
            closing = raw
            continue
        rest, number = raw[2:], None
        if rest.startswith("["):
            head, rest = rest[1:].split("] ", 1)
            number = int(head)
        status = next(s for s in STEP_STATUSES if rest.startswith(s + "  "))
        lines.append((number, status, rest[len(status) + 2 :]))
    return lines, closing


def same_in_json(*args: str) -> tuple[Any, dict[str, Any], Any]:
    """``tysha verify ARGS`` twice, as a person and as tooling: the human run, the JSON
    document, the JSON run."""
    human = run("verify", *args, check=False)
    machine = run("verify", *args, "--json", check=False)
    doc = json.loads(machine.stdout)  # one JSON document on stdout, nothing else there
    lines, closing = _human_lines(human.stdout)
    shown = [(s["number"], s["status"], visible(s["message"])) for s in doc["steps"]]
    assert shown == lines, (human.stdout, doc["steps"])
    assert machine.returncode == human.returncode == doc["exit_code"]
    assert (doc["summary"] is None) == (closing is None)
    if closing is not None:
        assert visible(doc["summary"]) == closing
    # A failure is said on stderr as before, and in the document.
    assert machine.stderr == human.stderr
    assert (doc["error"] is None) == (human.returncode == 0)
    if doc["error"] is not None:
        assert doc["error"] in human.stderr
    return human, doc, machine


def _tampered(world: dict[str, Any], out: Path) -> Path:
    """The genuine bundle with one attachment's bytes changed (re-zipped as the desk does)."""
    m = members(world["genuine"])
    name = next(n for n in m if "/files/" in n)
    m[name] = m[name][:-1] + bytes([m[name][-1] ^ 1])
    with zipfile.ZipFile(out, "w") as z:
        for n, b in m.items():
            z.writestr(n, b)
    return out


def test_json_and_human_output_carry_the_same_steps_and_exit_code(
    world: dict[str, Any],
) -> None:
    fp, vkey = world["info"]["fingerprint"], world["vkey"]
    tmp = world["tmp"]
    receipt = tmp / "json-one-receipt.json"
    rid = json.loads(members(world["genuine"])["bundle.json"])["reports"][0]
    receipt.write_bytes(members(world["genuine"])[f"reports/{rid}/receipt.json"])
    forged = tmp / "json-forged.zip"
    forge(world["genuine"], forged)
    bad_receipts = tmp / "json-bad-receipts.json"
    doc = json.loads(world["receipts"].read_text())
    doc["receipts"][1]["proof"][0] = "00" * 32
    bad_receipts.write_text(json.dumps(doc))

    # Valid and pinned.
    _h, doc, r = same_in_json(str(world["genuine"]), "--desk-key", fp, "--drop-key", vkey)
    assert r.returncode == 0 and doc["verdict"] == "ok" and doc["path_kind"] == "bundle"
    assert doc["keys"]["desk"] == {"fingerprint": fp, "pinned": True}
    assert doc["keys"]["drop"] == {vkey: True}
    assert doc["reports"] == doc["verified"] == 1 and doc["flagged_reports"] == []
    assert {s["number"] for s in doc["steps"]} == set(range(1, 9))
    assert "UNPINNED" not in {s["status"] for s in doc["steps"]}

    # Valid, nothing pinned.
    _h, doc, r = same_in_json(str(world["genuine"]))
    assert r.returncode == 0 and doc["verdict"] == "ok"
    assert doc["keys"]["desk"] == {"fingerprint": fp, "pinned": False}
    assert doc["keys"]["drop"] == {vkey: False}
    unpinned = {s["number"] for s in doc["steps"] if s["status"] == "UNPINNED"}
    assert {2, 4} <= unpinned and "desk key UNPINNED" in doc["summary"]

    # Flagged: exit 1 unless accepted; every check held.
    _h, doc, r = same_in_json(str(world["flagged"]), "--desk-key", fp, "--drop-key", vkey)
    assert r.returncode == 1 and doc["verdict"] == "flagged" and doc["summary"] is None
    assert doc["flagged_reports"] and "--accept-flagged" in doc["error"]
    assert any(s["status"] == "FLAG" and s["number"] == 8 for s in doc["steps"])
    _h, doc, r = same_in_json(str(world["flagged"]), "--desk-key", fp, "--drop-key", vkey,
                       "--accept-flagged")
    assert r.returncode == 0 and doc["verdict"] == "ok" and doc["flagged_reports"]

    # Tampered: an attachment changed (step 3 fails; what held before it is listed).
    _h, doc, r = same_in_json(str(_tampered(world, tmp / "json-tampered.zip")), "--desk-key", fp)
    assert r.returncode == 1 and doc["verdict"] == "failed"
    assert doc["error"].startswith("step 3 ") and doc["verified"] == 0
    assert [s["number"] for s in doc["steps"]] == [1, 2]

    # Re-signed by another key, the desk's pinned: step 2 fails, naming the signer.
    _h, doc, r = same_in_json(str(forged), "--desk-key", fp)
    assert r.returncode == 1 and doc["verdict"] == "failed"
    assert doc["error"].startswith("step 2 ") and doc["keys"]["desk"]["pinned"] is False
    assert doc["keys"]["desk"]["fingerprint"] not in (None, fp)

    # A wrong drop pin: step 4 fails.
    _h, doc, r = same_in_json(str(world["genuine"]), "--drop-key", OTHER_DROP)
    assert r.returncode == 1 and doc["error"].startswith("step 4 ")

    # A receipt file, unpinned and pinned.
    _h, doc, r = same_in_json(str(receipt))
    assert r.returncode == 0 and doc["path_kind"] == "receipt" and doc["verdict"] == "ok"
    assert doc["keys"] == {"drop": {vkey: False}}
    assert [(s["number"], s["status"]) for s in doc["steps"]] == [(None, "UNPINNED")]
    assert doc["summary"].startswith("receipt ok: ")
    _h, doc, r = same_in_json(str(receipt), "--drop-key", vkey)
    assert r.returncode == 0 and doc["keys"] == {"drop": {vkey: True}} and doc["steps"] == []

    # A courier's receipts file, good and with one forged proof.
    _h, doc, r = same_in_json(str(world["receipts"]), "--drop-key", vkey)
    assert r.returncode == 0 and doc["path_kind"] == "receipts"
    assert [s["status"] for s in doc["steps"]] == ["ok", "ok", "note"]
    _h, doc, r = same_in_json(str(bad_receipts), "--drop-key", vkey)
    assert r.returncode == 1 and doc["verdict"] == "failed" and doc["summary"] is None
    assert [s["status"] for s in doc["steps"]] == ["ok", "FAILED"]
    assert "1 of 2 receipts" in doc["error"]


def test_json_stays_english_where_the_terminal_is_translated(world: dict[str, Any]) -> None:
    """The person reads their language; the document keeps the English words and statuses,
    line for line the same steps."""
    env = {"TYSHA_LANG": "uk"}
    human = run("verify", str(world["genuine"]), env=env)
    doc = json.loads(run("verify", str(world["genuine"]), "--json", env=env).stdout)
    english = json.loads(run("verify", str(world["genuine"]), "--json").stdout)
    assert doc == english
    lines = [ln for ln in human.stdout.splitlines() if ln.startswith("  [")]
    assert [int(ln[3 : ln.index("]")]) for ln in lines] == [s["number"] for s in doc["steps"]]
    assert "bundle ok" not in human.stdout and doc["summary"].startswith("bundle ok: 1 report")


def test_wrong_options_print_no_json_document(world: dict[str, Any]) -> None:
    """Options that cannot be used are refused before any check, with no document: exit 1 and
    the one line on stderr, as without --json."""
    receipt_args = (str(world["receipts"]), "--desk-key", world["info"]["fingerprint"])
    for args in (receipt_args, (str(world["tmp"] / "nope.zip"),)):
        r = run("verify", *args, "--json", check=False)
        assert r.returncode == 1 and r.stdout == "" and r.stderr
