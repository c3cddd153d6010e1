"""The hand-carried path: the export file a courier carries, its delivery, the receipts back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .test_flow import enrolled  # noqa: F401 (a fixture)


def _report(phone: dict[str, Any], cli: Any, n: int = 1) -> None:
    for i in range(n):
        cli("source", "report", "--vault", str(phone["vault"]), "--category", "pil",
            "--text", f"column of trucks {i}", env=phone["env"])


def test_an_interrupted_export_leaves_nothing_behind(tmp_path: Path, enrolled: dict[str, Any],  # noqa: F811
                                                     cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or SIGTERM, a stick pulled out) while the file is written leaves no part file
    beside it: a file named after the export and holding envelopes, found on a searched
    stick, that nothing would ever delete. A part file a killed export left (SIGKILL, a
    power cut) goes at the next export to the same name."""
    _report(enrolled, cli)
    usb = tmp_path / "usb"
    usb.mkdir()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(usb)):
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    r = cli("source", "export", "--vault", str(enrolled["vault"]), "--to", str(usb / "x.bin"),
            env=enrolled["env"], check=False)
    assert r.returncode == 130, (r.stdout, r.stderr)
    assert list(usb.iterdir()) == []
    monkeypatch.setattr(os, "fsync", real_fsync)
    left = usb / ".x.bin.k1ll3d.part"  # what an export killed outright left
    left.write_bytes(os.urandom(5000))
    cli("source", "export", "--vault", str(enrolled["vault"]), "--to", str(usb / "x.bin"),
        env=enrolled["env"])
    assert [p.name for p in usb.iterdir()] == ["x.bin"]


def test_an_export_never_replaces_a_file(tmp_path: Path, enrolled: dict[str, Any],  # noqa: F811
                                         cli: Any) -> None:
    """A name that is already taken (a photo on the stick, an earlier export) is refused, the
    file left as it was: before, it was silently replaced."""
    _report(enrolled, cli)
    taken = tmp_path / "IMG_0001.jpg"
    taken.write_bytes(b"a holiday photo")
    r = cli("source", "export", "--vault", str(enrolled["vault"]), "--to", str(taken),
            env=enrolled["env"], check=False)
    assert r.returncode == 1 and "IMG_0001.jpg already exists; refusing to overwrite it" in r.stderr
    assert taken.read_bytes() == b"a holiday photo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["IMG_0001.jpg", "drop", "phone.vault"]
