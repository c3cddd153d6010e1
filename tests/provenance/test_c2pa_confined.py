"""C2PA manifests are read outside the desk process (hostile files): a file crafted to hold
the reader is stopped and recorded as not checked, the report's other files are still
checked, and the desk never holds an attachment whole to have it read."""

from __future__ import annotations

import struct
import sys
import time
from pathlib import Path

import pytest

from tests.cases.helpers import add_report, make_desk
from tests.provenance.helpers import SigningCA, c2pa_sign, make_ca, photo
from tysha.desk import provenance


@pytest.fixture(scope="module")
def ca() -> SigningCA:
    return make_ca()


def slow_mp4(boxes: int) -> bytes:
    """An MP4 of many empty boxes and a box with the C2PA UUID: c2pa-rs reads it in time
    that grows with the square of the boxes (measured: 10 000 boxes 0.9 s, 100 000 boxes
    108 s; a 64 MiB file would take days)."""
    ftyp = struct.pack(">I", 24) + b"ftypmp42" + bytes(4) + b"mp42isom"
    uuid = struct.pack(">I", 8 + 16 + 4 + 100) + b"uuid" + provenance.C2PA_UUID + bytes(104)
    return ftyp + (struct.pack(">I", 8) + b"free") * boxes + uuid


def test_a_file_that_holds_the_reader_is_stopped_and_the_others_checked(
    tmp_path: Path, ca: SigningCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = make_desk(tmp_path)
    signed = c2pa_sign(photo(3, (96, 64)), ca)
    rid = add_report(desk, None, photos=(slow_mp4(60_000), signed))
    desk.set_c2pa_trust(ca.ca_pem)
    monkeypatch.setattr(provenance, "C2PA_FILE_SECONDS", 3, raising=False)
    t = time.monotonic()
    found = {r.attachment: r for r in provenance.check_attachments(desk.store, rid)}
    assert time.monotonic() - t < 30
    assert found[0].state == "unchecked"
    assert "took longer than" in found[0].errors[0]
    assert found[1].state == "valid"
    checked = [e["detail"] for e in desk.custody(rid) if e["action"] == "c2pa-checked"]
    assert [(d["attachment"], d["state"]) for d in checked] == [(0, "unchecked"), (1, "valid")]


def test_the_reader_never_runs_in_the_desk_process(
    tmp_path: Path, ca: SigningCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk process holds the unlocked keys: c2pa-rs (a parser facing hostile files)
    runs in a child, and the desk never holds the attachment whole to hand it over."""
    desk = make_desk(tmp_path)
    signed = c2pa_sign(photo(4, (96, 64)), ca)
    rid = add_report(desk, None, photos=(signed,))
    desk.set_c2pa_trust(ca.ca_pem)
    monkeypatch.setitem(sys.modules, "c2pa", None)  # any use here would fail to import

    def whole(*_a: object, **_k: object) -> bytes:
        raise AssertionError("the attachment was held whole in the desk process")

    monkeypatch.setattr(desk.store, "blob_bytes", whole)
    [rec] = provenance.check_attachments(desk.store, rid)
    assert rec.state == "valid", rec.errors


def test_a_reader_that_dies_is_recorded_as_not_checked(
    tmp_path: Path, ca: SigningCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that crashes or runs out of memory (as a crafted file may make it): the
    file is 'unchecked' with the reason, never 'absent', never a lost report."""
    desk = make_desk(tmp_path)
    rid = add_report(desk, None, photos=(c2pa_sign(photo(5, (96, 64)), ca),))
    monkeypatch.setattr(provenance, "C2PA_CHILD_MEMORY", 16 << 20, raising=False)
    [rec] = provenance.check_attachments(desk.store, rid)
    assert rec.state == "unchecked"
    assert "the C2PA reader stopped" in rec.errors[0]
    assert desk.store.get_report(rid).data["provenance"][0]["state"] == "unchecked"


def test_a_report_of_many_such_files_has_one_time_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thousand crafted files must not hold the fetch a thousand times: after the report's
    budget the rest are recorded as not checked, at once."""
    desk = make_desk(tmp_path)
    rid = add_report(desk, None, photos=(slow_mp4(60_000),) * 4)
    monkeypatch.setattr(provenance, "C2PA_FILE_SECONDS", 2, raising=False)
    monkeypatch.setattr(provenance, "C2PA_REPORT_SECONDS", 3, raising=False)
    t = time.monotonic()
    found = provenance.check_attachments(desk.store, rid)
    assert time.monotonic() - t < 15
    assert [r.state for r in found] == ["unchecked"] * 4
    assert "took longer than 2 s" in found[0].errors[0]
    assert all("the report's files took more than the 3 s" in r.errors[0] for r in found[2:])
