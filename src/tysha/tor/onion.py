"""The drop as a v3 onion service: the torrc lines, the key folder, the address.

The service's keys live in the drop's data folder (``<data>/onion``, mode 0700, files 0600), so
the ``.onion`` address stays the same across restarts and machines that move the folder. The
operator's own Tor reads the torrc this module writes (``tysha drop serve --onion`` explains it);
we never run or reconfigure a system Tor.

Single-onion mode (``HiddenServiceSingleHopMode``) makes the service's side of each circuit one
hop: faster, but the drop's own IP address is then visible to its introduction and rendezvous
relays. It suits a drop whose location is public anyway (a clearnet drop also offered as onion);
it is never the default, and a Tor in that mode cannot also be used as a client.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from tysha.errors import BadInput

__all__ = ["ONION_DIR", "onion_address", "onion_torrc", "prepare_onion_dir", "write_onion_torrc"]

ONION_DIR = "onion"


def prepare_onion_dir(data: Path) -> Path:
    """``<data>/onion`` with the modes Tor insists on (0700); existing keys tightened to 0600."""
    hs = Path(data) / ONION_DIR
    hs.mkdir(mode=0o700, exist_ok=True)
    os.chmod(hs, 0o700)
    for f in hs.rglob("*"):
        os.chmod(f, 0o700 if f.is_dir() else 0o600)
    return hs


def onion_torrc(hs_dir: Path, target_port: int, single: bool = False) -> str:
    """The torrc lines that publish ``127.0.0.1:target_port`` as a v3 onion service on port 80."""
    if not 0 < target_port < 65536:
        raise BadInput("the drop's port must be between 1 and 65535")
    conf = (
        f"HiddenServiceDir {Path(hs_dir).resolve()}\n"
        "HiddenServiceVersion 3\n"
        f"HiddenServicePort 80 127.0.0.1:{target_port}\n"
    )
    if single:
        conf += "HiddenServiceNonAnonymousMode 1\nHiddenServiceSingleHopMode 1\nSocksPort 0\n"
    return conf


def write_onion_torrc(data: Path, target_port: int, single: bool = False) -> tuple[Path, str]:
    """Write ``<data>/torrc-onion``; return its path and the text explaining how to use it."""
    hs = prepare_onion_dir(data)
    path = Path(data) / "torrc-onion"
    text = (
        "# Tor configuration publishing this Tysha drop as a v3 onion service.\n"
        "# Add these lines to your Tor's torrc (or: tor -f this-file), then restart Tor.\n"
        "# The service key stays in the folder below: keep it, and the address stays the same.\n"
        + onion_torrc(hs, target_port, single)
    )
    # Whole or not at all: a Tor (or a script) reading the file as it appears must never see it
    # half written; and it is the owner's alone from its first byte (mkstemp makes it 0600).
    # The same recipe as desk/bundle.py's _write_csv (a package this one may not import).
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    mode = "single-onion (fast, NOT location-hidden)" if single else "onion service"
    how = (
        f"{mode}: Tor configuration written to {path}; include it in your Tor's torrc or run"
        f" `tor -f {path}`; the service key lives in {hs} (mode 0700)"
    )
    return path, how


def onion_address(data: Path) -> str | None:
    """The drop's ``http://….onion`` address once Tor has made the key, else None."""
    host = Path(data) / ONION_DIR / "hostname"
    try:
        name = host.read_text().strip()
    except OSError:
        return None
    if not (name.endswith(".onion") and len(name) == 62 and name[:56].isalnum()):
        return None
    return f"http://{name}"
