"""A desk full of reports (some of them hostile), served for real."""

from __future__ import annotations

import struct
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import desk_served
from PIL import Image

from tysha.drop.launcher import free_port, wait_ready  # noqa: F401
from tysha.transport.client import tls_context

# One client for the module's plain requests (each new httpx client loads the CA roots); no
# connection is kept open between them, so none is left open when the tests end.
_NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
_HTTP = httpx.Client(trust_env=False, verify=tls_context(), limits=_NO_KEEPALIVE)

DESK_PASS = "web desk passphrase"
SRC_PASS = "web source passphrase"
MARK = "PWNED"
RLO = "\u202e"


def png_bomb() -> bytes:
    """A tiny PNG that declares 50000 x 50000 pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 50001 * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def malicious_corpus(d: Path) -> list[Path]:
    files = {
        "drawing.svg": f'<svg xmlns="http://www.w3.org/2000/svg"><script>document.title="{MARK}";'
                       f'fetch("/{MARK}-svg")</script><rect width="10" height="10"/></svg>'.encode(),
        "page.html": f'<html><body><script>document.title="{MARK}";fetch("/{MARK}-html")</script>'
                     f'<img src=x onerror="fetch(\'/{MARK}-onerror\')"></body></html>'.encode(),
        "photo.jpg": f'<!doctype html><script>document.title="{MARK}"</script>'.encode(),  # fake extension
        "bomb.png": png_bomb(),
        "archive.zip": b"PK\x03\x04" + b"\x00" * 100,
        "report.pdf": b"%PDF-1.4\n1 0 obj<</JS (app.alert(1))>>endobj\n%%EOF",
    }
    out = []
    for name, data in files.items():
        p = d / name
        p.write_bytes(data)
        out.append(p)
    import io

    buf = io.BytesIO()
    Image.new("RGB", (60, 40), (30, 90, 160)).save(buf, "JPEG")
    poly = d / "polyglot.jpg"  # a valid JPEG that is also an HTML page with a script
    poly.write_bytes(buf.getvalue() + f"<html><script>document.title='{MARK}'</script></html>".encode())
    out.append(poly)
    good = d / "street.jpg"
    Image.new("RGB", (300, 200), (120, 160, 90)).save(good, "JPEG")
    out.append(good)
    cyr = d / "фото.jpg"  # a Cyrillic name must download (RFC 6266 filename*)
    Image.new("RGB", (40, 30), (200, 60, 60)).save(cyr, "JPEG")
    out.append(cyr)
    spoof = d / f"invoice{RLO}gpj.exe"  # RIGHT-TO-LEFT OVERRIDE: reads as "invoiceexe.jpg"
    spoof.write_bytes(b"MZ" + b"\x00" * 64)
    out.append(spoof)
    return out


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``tysha ARGS`` in this process (tests/conftest.py runner): the populated desk is about
    what the commands write, not about their processes."""
    from tests.conftest import tysha

    return tysha(*args, env=env)


@pytest.fixture
def populated(tmp_path: Path, drop: tuple[str, str, Path], cli: Any) -> dict[str, Any]:
    return populate(tmp_path, drop, cli)


def populate(tmp_path: Path, drop: tuple[str, str, Path], cli: Any) -> dict[str, Any]:
    url, vkey, _ = drop
    desk = tmp_path / "desk"
    denv, senv = {"TYSHA_PASSPHRASE": DESK_PASS}, {"TYSHA_PASSPHRASE": SRC_PASS}
    cli("desk", "init", "--desk", str(desk), "--name", "Web cell", env=denv)
    code = cli("desk", "invite", "--desk", str(desk), "--drop", url, "--drop-key", vkey, env=denv).stdout.strip()
    vault = tmp_path / "v.vault"
    cli("source", "init", "--vault", str(vault), "--size", "8MiB", env=senv)
    cli("source", "enroll", "--vault", str(vault), "--invitation", code, env=senv)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files = malicious_corpus(corpus)
    args = ["source", "report", "--vault", str(vault), "--category", "fil", "--text",
            "Checkpoint search; files attached", "--where", "bus station"]
    for f in files:
        args += ["--attach", str(f)]
    cli(*args, env=senv)
    cli("source", "report", "--vault", str(vault), "--category", "mob", "--text",
        "Summons in every mailbox", "--where", "river street", "--when", "2026-11-28T14:30:00Z",
        env=senv)
    cli("source", "report", "--vault", str(vault), "--category", "chd", "--text",
        "Children taken to a camp", env=senv)
    cli("source", "send", "--vault", str(vault), "--now", env=senv)
    cli("desk", "fetch", "--desk", str(desk), env=denv)
    return {"desk": desk, "vault": vault, "senv": senv, "denv": denv, "url": url}


@pytest.fixture(scope="session")
def populated_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One populated desk for the in-process tests (each test gets a copy: see ``desk``)."""
    from tysha.drop.launcher import threaded_drop

    tmp = tmp_path_factory.mktemp("web-once")
    with threaded_drop(tmp) as drop:
        yield populate(tmp, drop, _cli)


@pytest.fixture
def desk(populated_once: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """A private copy of the populated desk (no drop needed: tests inject fetch and reply)."""
    import shutil

    copy = tmp_path / "desk-copy"
    shutil.copytree(populated_once["desk"], copy)
    return dict(populated_once, desk=copy)


@pytest.fixture
def served(populated: dict[str, Any], tmp_path: Path) -> Iterator[dict[str, Any]]:
    with desk_served(populated["desk"]) as base:
        yield dict(populated, base=base)
