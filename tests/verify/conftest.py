"""One real world for the verify tests: a drop, a desk, an enrolled source, bundles, receipts.

Built once per package through the real CLI (in-process) (the claims are about what `tysha verify` says of
files the real desk and courier write); each test then forges or checks copies in-process.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

DESK_PASS = "desk passphrase for verify tests"
SRC_PASS = "source passphrase for verify tests"


def run(*args: str, env: dict[str, str] | None = None, check: bool = True,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``tysha ARGS`` through the in-process runner (tests/conftest.py): what is claimed here is
    about the files the desk and courier write, not about their processes."""
    from tests.conftest import tysha

    return tysha(*args, env=env, check=check, cwd=cwd)


def gps_jpeg(path: Path) -> Path:
    im = Image.new("RGB", (40, 30), (10, 20, 30))
    exif = Image.Exif()
    exif[306] = "2026:03:01 10:00:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)})
    im.save(path, "JPEG", exif=exif)
    return path


@pytest.fixture(scope="package")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from tysha.drop.launcher import threaded_drop

    tmp = tmp_path_factory.mktemp("verify-world")
    denv = {"TYSHA_PASSPHRASE": DESK_PASS}
    senv = {"TYSHA_PASSPHRASE": SRC_PASS}
    with threaded_drop(tmp) as (url, vkey, _data):
        desk = tmp / "desk"
        d = str(desk)
        run("desk", "init", "--desk", d, "--name", "Kherson cell", env=denv)
        code = run("desk", "invite", "--desk", d, "--drop", url, "--drop-key", vkey,
                   env=denv).stdout.strip()
        vault = str(tmp / "v.vault")
        run("source", "init", "--vault", vault, "--size", "8MiB", env=senv)
        run("source", "enroll", "--vault", vault, "--invitation", code, env=senv)
        photo = gps_jpeg(tmp / "фото.jpg")
        run("source", "report", "--vault", vault, "--text", "Tanks entered the village at dawn",
            "--category", "atk", "--category", "det", "--when", "2026-03-01T05:40:00Z",
            "--where", "Posad-Pokrovske, school yard", "--attach", str(photo), env=senv)
        run("source", "send", "--vault", vault, "--now", env=senv)
        run("desk", "fetch", "--desk", d, env=denv)
        genuine = tmp / "genuine.zip"
        run("desk", "export", "--desk", d, "--out", str(genuine), env=denv)
        # A flagged report: the source's key is revoked, then it sends again.
        run("desk", "revoke", "Source 1", "--desk", d, env=denv)
        run("source", "report", "--vault", vault, "--text", "after the phone was seized",
            "--category", "per", env=senv)
        run("source", "send", "--vault", vault, "--now", env=senv)
        run("desk", "fetch", "--desk", d, env=denv)
        flagged = tmp / "flagged.zip"
        run("desk", "export", "--desk", d, "--out", str(flagged), env=denv)
        # A courier's receipts file for two envelopes.
        for i in range(2):
            run("source", "report", "--vault", vault, "--text", f"convoy {i}", "--category", "pil",
                env=senv)
        usb = tmp / "usb.bin"
        run("source", "export", "--vault", vault, "--to", str(usb), env=senv)
        receipts = tmp / "receipts.json"
        run("courier", "deliver", str(usb), "--drop", url, "--receipts", str(receipts))
        info = json.loads(run("desk", "info", "--desk", d, "--json").stdout)
        yield {"tmp": tmp, "desk": desk, "denv": denv, "url": url, "vkey": vkey,
               "genuine": genuine, "flagged": flagged, "receipts": receipts, "info": info}
