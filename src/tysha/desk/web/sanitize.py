"""Hostile attachments: decide what may be shown, and make safe thumbnails in a jail.

An infiltrator can send malware (THREAT_MODEL, Desk). Rules:

* the type is decided by sniffing the bytes, never by the name or the declared type;
* only JPEG, PNG, GIF and WebP are ever shown, and only as a thumbnail *re-encoded* to PNG by
  Pillow in a separate process with a CPU-time limit, an address-space limit and a wall-clock
  timeout, under Pillow's decompression-bomb limit (a JPEG is decoded at a reduced scale: the
  limit counts what is decoded) — a bomb or a parser exploit kills that process, not the desk;
  everything (EXIF, ICC, comments, trailing polyglot bytes) is dropped;
* SVG, HTML, PDF, office files, archives and anything else are never rendered: they are
  offered as a download (``application/octet-stream``, ``Content-Disposition: attachment``,
  a sandboxing CSP) with a warning; archives are not unpacked.

Run as ``python -m tysha.desk.web.sanitize`` it reads an image on stdin and writes the PNG
thumbnail on stdout (that is the jailed child).

Confinement of that child (issue 9.15): where bubblewrap (``bwrap``) is installed the child
runs in new user, network, PID, IPC and UTS namespaces with no network at all and a file
system holding only read-only copies of the Python installation and the package (no home, no
desk, no /tmp of ours); the rlimits and the timeout stay. Where ``bwrap`` is missing the child
still has the rlimits, an empty environment and no input but stdin, but it *could* reach the
network and read files as the desk user: :func:`confinement` says so, and the report page
shows it.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from dataclasses import dataclass

__all__ = ["Kind", "ThumbnailTimedOut", "bwrap_command", "confinement", "sniff", "thumbnail"]

MAX_PIXELS = 40_000_000
JPEG_SCALE = 8  # the most a JPEG's decoder reduces each side by (Pillow's draft mode)
THUMB = 640
_LIMIT_AS = 768 * 1024 * 1024
_LIMIT_CPU = 8
_TIMEOUT = 15


#: ISO base media file brands of still pictures (HEIF/HEIC and AVIF, and their sequences).
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1",
                          b"msf1", b"avif", b"avis"})


@dataclass(frozen=True)
class Kind:
    name: str
    image: bool
    label: str


def sniff(data: bytes) -> Kind:
    head = data[:512]
    if head.startswith(b"\xff\xd8\xff"):
        return Kind("jpeg", True, "JPEG image")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind("png", True, "PNG image")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Kind("gif", True, "GIF image")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind("webp", True, "WebP image")
    if head.startswith(b"%PDF"):
        return Kind("pdf", False, "PDF document")
    if head[:4] in (b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf") or head[:2] == b"\x1f\x8b":
        return Kind("archive", False, "archive or office document")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return Kind("office", False, "old office document")
    low = head.lower().lstrip()
    if b"<svg" in low or low.startswith(b"<?xml"):
        return Kind("svg", False, "SVG/XML document (may contain scripts)")
    if b"<html" in low or b"<script" in low or low.startswith(b"<!doctype"):
        return Kind("html", False, "HTML document (may contain scripts)")
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        # an iPhone's photo (HEIC) or an AVIF: a picture, not a video; Pillow cannot read it
        return Kind("heif", False, "HEIF/AVIF photo: no preview is made of this format")
    if head[4:8] == b"ftyp":
        return Kind("video", False, "video")
    return Kind("binary", False, "unknown file")


def _limits() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (_LIMIT_AS, _LIMIT_AS))
    resource.setrlimit(resource.RLIMIT_CPU, (_LIMIT_CPU, _LIMIT_CPU))


def _read_only_roots() -> list[str]:
    """What the child must see: the interpreter's installation and the package's import path."""
    roots: set[str] = set()
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path):
        if p and os.path.isdir(p):
            roots.add(os.path.realpath(p))
    return sorted(roots)


def bwrap_command(bwrap: str, child: list[str]) -> list[str]:
    """``child`` inside bubblewrap: every namespace unshared (so no network), no capabilities,
    only system libraries and the Python roots mounted read-only, dies with the desk."""
    cmd = [
        bwrap,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop", "ALL",
        "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin",
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        "--setenv", "PYTHONPATH", ":".join(p for p in sys.path if p),
        "--proc", "/proc",
        "--dev", "/dev",
        "--tmpfs", "/tmp",
    ]
    for sys_dir in ("/usr", "/lib", "/lib64", "/bin", "/etc/alternatives", "/etc/ld.so.cache"):
        if os.path.exists(sys_dir):
            cmd += ["--ro-bind", sys_dir, sys_dir]
    for root in _read_only_roots():
        if not root.startswith("/usr/"):
            cmd += ["--ro-bind", root, root]
    return cmd + ["--", *child]


def confinement() -> str:
    """'bwrap' when thumbnails are made in a bubblewrap jail, 'rlimits' when only limited."""
    return "bwrap" if shutil.which("bwrap") else "rlimits"


class ThumbnailTimedOut(Exception):
    """The jailed child did not finish in time: a busy machine as much as a hostile file."""


def thumbnail(data: bytes) -> bytes | None:
    """A safe PNG thumbnail of an image, or None if it cannot be made safely;
    :class:`ThumbnailTimedOut` when the child was stopped for taking too long."""
    if not sniff(data).image:
        return None
    from tysha.desk.corroborate import run_confined, same_tysha

    child = same_tysha("from tysha.desk.web.sanitize import _child; sys.exit(_child())")
    bwrap = shutil.which("bwrap")

    try:
        out, code = run_confined(
            bwrap_command(bwrap, child) if bwrap else child,
            data,
            _TIMEOUT,
            preexec_fn=_limits,
            env={
                "PYTHONDONTWRITEBYTECODE": "1",
                "PATH": "/usr/bin:/bin",
                "PYTHONPATH": ":".join(p for p in sys.path if p),
            },
        )
    except OSError:
        return None
    if code is None:
        raise ThumbnailTimedOut()
    if code != 0 or not out.startswith(b"\x89PNG"):
        return None
    return out


def _child() -> int:  # pragma: no cover - exercised through thumbnail()
    import warnings

    from PIL import Image, ImageOps

    data = sys.stdin.buffer.read()
    # A JPEG is decoded at a reduced scale (draft: down to 1/8 a side), so a phone's 48- or
    # 108-megapixel photo is previewed: its declared size may be up to 64 times the limit, what
    # is decoded is checked against the limit itself once the scale is chosen.
    jpeg = sniff(data).name == "jpeg"
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS * (JPEG_SCALE**2 if jpeg else 1)
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format not in ("JPEG", "PNG", "GIF", "WEBP") or (jpeg != (im.format == "JPEG")):
                return 2
            im.draft("RGB", (THUMB, THUMB))
            if im.size[0] * im.size[1] > MAX_PIXELS:
                return 4
            im.thumbnail((THUMB, THUMB))
            # upright as the camera held it (a phone's portrait photo is stored on its side
            # with an EXIF orientation); the EXIF itself is dropped below
            shown = ImageOps.exif_transpose(im)
            clean = Image.new("RGB", shown.size)
            clean.paste(shown.convert("RGB"))
    except Exception:
        return 3
    out = io.BytesIO()
    clean.save(out, "PNG")
    sys.stdout.buffer.write(out.getvalue())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_child())
