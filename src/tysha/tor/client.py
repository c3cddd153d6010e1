"""A private Tor client for the source, through bridges with a pluggable transport.

Where Tor itself is blocked the source starts its own Tor, which connects only to the given
bridges through ``obfs4proxy`` (obfs4 lines) or ``snowflake-client`` (snowflake lines), both
Debian packages. The Tor lives only as long as the command: a temporary DataDirectory (removed
afterwards), SOCKS on 127.0.0.1 at a free port, killed on exit. Nothing is sent unless Tor has
fully bootstrapped; otherwise ``TransportError`` and the outbox keeps everything.

``TYSHA_TOR_TORRC`` may name a file of extra torrc lines (the private test network's
``DirAuthority`` lines, for instance).
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tysha.errors import BadInput, TransportError

__all__ = [
    "bridge_client",
    "bridge_torrc",
    "child_environment",
    "free_port",
    "remove_stale_tor_folders",
]

_PLUGINS = {"obfs4": "obfs4proxy", "snowflake": "snowflake-client"}
#: The prefix of a bridge Tor's temporary DataDirectory: tempfile's own, so the folder (and the
#: command line of the Tor running from it) is named as any program's temporary folder is, not
#: after the app, on a phone that may be searched. It is told from other programs' folders by
#: its torrc, whose first line names the folder itself (:func:`bridge_torrc`).
TOR_DIR_PREFIX = "tmp"
#: The prefix such folders had before (one a killed send left is still deleted).
_OLD_PREFIX = "tysha-tor-"
#: A folder without Tor's lock file is taken for a Tor still starting until it is this old.
_STARTING_S = 120.0


def _ephemeral_start() -> int:
    """Where the kernel's range of ports for outgoing connections starts (Linux; 32768 when
    it cannot be read)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_GIVEN: set[int] = set()


def free_port() -> int:
    """A free loopback TCP port for a server this process is about to start (a Tor node, a
    bridge client's SOCKS port, a drop), from just below the kernel's ephemeral range. A port
    the kernel picks (bind to port 0) is free when asked, but any outgoing connection on the
    machine may take it as its local port before the server binds it - a private Tor network
    then died with "Address already in use" (seen with other tests running beside it).
    Ports below the range are never given to outgoing connections; each one is checked free,
    and none is given twice by this process."""
    top = _ephemeral_start()
    bottom = max(1024, top - 12_000)
    pick = random.SystemRandom()
    for _ in range(200 if top - bottom >= 1000 else 0):
        port = pick.randrange(bottom, top)
        if port in _GIVEN:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN.add(port)
        return port
    with socket.socket() as s:  # no room below the range: the kernel's choice
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _is_ip_port(word: str) -> bool:
    """``192.0.2.1:443`` or ``[2001:db8::1]:443``: the only bridge address Tor takes."""
    host, sep, port = word.rpartition(":")
    if not sep or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        return False
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        version = 6
    else:
        version = 4
    try:
        return ipaddress.ip_address(host).version == version
    except ValueError:
        return False


def bridge_torrc(bridges: list[str], datadir: Path, socks_port: int) -> str:
    """The torrc of a bridge-only client; refuses a line whose transport we cannot run. Its
    first line names ``datadir``: that is how a stale folder is known (remove_stale_tor_folders)."""
    if not bridges:
        raise BadInput("give at least one --bridge line")
    used: dict[str, str] = {}
    lines = []
    for b in bridges:
        if any(c in b for c in "\r\n\0") or len(b) > 2000:
            raise BadInput("a --bridge line is one line of text")
        words = b.split()
        kind = words[0] if words else ""
        if kind not in _PLUGINS:
            raise BadInput("a --bridge line starts with obfs4 or snowflake")
        if len(words) < 2 or not _is_ip_port(words[1]):
            # Tor would start, refuse its torrc and stop: say what is wrong before that.
            raise BadInput("a --bridge line names the bridge's IP:PORT after obfs4 or snowflake")
        exe = shutil.which(_PLUGINS[kind])
        if exe is None:
            raise TransportError(f"{_PLUGINS[kind]} is not installed (apt-get install it)")
        used[kind] = exe
        lines.append(f"Bridge {b.strip()}")
    conf = (
        f"DataDirectory {datadir}\nSocksPort 127.0.0.1:{socks_port} IsolateSOCKSAuth\n"
        "UseBridges 1\nClientUseIPv6 0\nRunAsDaemon 0\nSafeLogging 1\nAvoidDiskWrites 1\n"
        f"Log notice file {datadir / 'notice.log'}\n__OwningControllerProcess {os.getpid()}\n"
    )
    conf += "".join(f"ClientTransportPlugin {k} exec {v}\n" for k, v in used.items())
    return conf + "\n".join(lines) + "\n"


def child_environment() -> dict[str, str]:
    """The environment of a process the source starts (its bridge Tor, and through it the
    pluggable transport): this process's, without any ``TYSHA_*`` variable. Those hold the
    passphrases (``TYSHA_PASSPHRASE``, ``TYSHA_DECOY_PASSPHRASE``), which any process of the
    user can read in ``/proc/<pid>/environ`` for as long as the child lives (a Tor may outlive
    a send killed outright for seconds), and name the app on a phone that may be searched.
    What the child needs to run (``PATH``, the language, ``LD_*`` and ``PREFIX`` on Termux) is
    kept."""
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("TYSHA")}


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop a Tor started in its own process group: SIGTERM, then SIGKILL after 5 s."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def remove_stale_tor_folders(tmp: Path | None = None, now: float | None = None) -> int:
    """Delete the DataDirectories that bridge Tors of this user left in ``tmp`` (the temporary
    folder) when their command was killed outright (SIGKILL: the phone's system ending the
    app), where nothing could delete them: a torrc naming the bridges and Tor's state, on a
    phone that may be searched. A folder is a bridge Tor's when its torrc names it first
    (:func:`_bridge_folder`: other programs' temporary folders are left alone). It is stale
    when no Tor holds its lock file (Tor keeps ``lock`` locked with ``flock`` while it runs),
    or, without one, when it is older than a Tor takes to start. Returns how many were
    deleted. The source's CLI runs it at the start of every command (a bridge send included)."""
    base = Path(tmp or tempfile.gettempdir())
    now = time.time() if now is None else now
    removed = 0
    try:
        folders = [
            d
            for prefix in (TOR_DIR_PREFIX, _OLD_PREFIX)
            for d in base.glob(prefix + "*")
            if d.is_dir() and not d.is_symlink()
        ]
    except OSError:
        return 0
    for d in folders:
        try:
            if d.stat().st_uid != os.getuid() or not _bridge_folder(d):
                continue
            lock = d / "lock"
            if lock.exists():
                with open(lock, "rb") as f:
                    try:
                        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # a running Tor (another send) holds it
            elif abs(now - d.stat().st_mtime) < _STARTING_S:
                # A Tor just starting: its lock file is not there yet. (A folder dated well
                # after now was left while the clock ran ahead: not one starting now.)
                continue
            shutil.rmtree(d)
            removed += 1
        except OSError:
            continue
    return removed


def _bridge_folder(d: Path) -> bool:
    """Whether ``d`` is a bridge Tor's DataDirectory: one of the old name, or one whose torrc
    (a regular file) starts with ``DataDirectory`` naming ``d`` itself, as
    :func:`bridge_torrc` writes it."""
    if d.name.startswith(_OLD_PREFIX):
        return True
    torrc = d / "torrc"
    try:
        if torrc.is_symlink() or not torrc.is_file():
            return False
        with open(torrc, "rb") as f:
            first = f.readline(4096).decode("utf-8", "surrogateescape").rstrip("\n")
        key, _, named = first.partition(" ")
        return key == "DataDirectory" and os.path.samefile(named, d)
    except OSError:
        return False


@contextlib.contextmanager
def bridge_client(bridges: list[str], timeout: float = 120.0) -> Iterator[str]:
    """Start a Tor using only ``bridges``; yield its SOCKS URL once bootstrapped."""
    if shutil.which("tor") is None:
        raise TransportError("tor is not installed; nothing was sent")
    with tempfile.TemporaryDirectory(prefix=TOR_DIR_PREFIX) as tmp:
        datadir = Path(tmp)
        os.chmod(datadir, 0o700)
        port = free_port()
        conf = bridge_torrc(bridges, datadir, port)
        extra = os.environ.get("TYSHA_TOR_TORRC")
        if extra:
            try:
                conf += Path(extra).read_text()
            except (OSError, UnicodeError):
                raise BadInput("TYSHA_TOR_TORRC does not name a readable torrc file") from None
        torrc = datadir / "torrc"
        torrc.write_text(conf)
        proc = subprocess.Popen(
            ["tor", "-f", str(torrc), "--defaults-torrc", "/dev/null"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=child_environment(),
        )
        try:
            log = datadir / "notice.log"
            t0 = time.monotonic()
            while True:
                text = log.read_text(errors="replace") if log.exists() else ""
                if "Bootstrapped 100%" in text:
                    break
                if proc.poll() is not None:
                    raise TransportError("the bridge Tor stopped; nothing was sent")
                if time.monotonic() - t0 > timeout:
                    raise TransportError(
                        "could not reach Tor through the bridge; nothing was sent, everything"
                        " stays in the outbox"
                    )
                time.sleep(0.25)
            yield f"socks5://127.0.0.1:{port}"
        finally:
            stop_group(proc)
