"""A private Tor network on 127.0.0.1, for tests, benchmarks and the demo (like chutney; our own).

Nothing reaches beyond this machine: every torrc names only our own directory authorities
(``DirAuthority`` on 127.0.0.1, keys from ``tor-gencert``), sets ``UseDefaultFallbackDirs 0``,
``TestingTorNetwork 1`` (short voting intervals, so the network converges in seconds),
``ClientUseIPv6 0`` and binds every port to 127.0.0.1. Every process is started by us, in its own
session, with ``__OwningControllerProcess`` set to this Python process (Tor exits by itself if
we die), and :meth:`PrivateTorNetwork.stop` kills them all.

Layout: ``authorities`` directory authorities (also non-exit relays), ``relays`` middle relays,
one exit that allows only 127.0.0.1, optionally one obfs4 bridge (``obfs4proxy``). Clients and
onion services are added with :meth:`add_client` and :meth:`add_onion_service`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tysha.errors import TransportError
from tysha.tor.client import free_port, stop_group

__all__ = ["PrivateTorNetwork", "TorNode", "free_port", "tor_missing"]

#: Tor options every node of the private network shares (the network's isolation from the world).
_PRIVATE = """\
TestingTorNetwork 1
UseDefaultFallbackDirs 0
ClientUseIPv6 0
ClientUseIPv4 1
RunAsDaemon 0
ShutdownWaitLength 0
SafeLogging 1
AvoidDiskWrites 1
GeoIPFile /nonexistent
GeoIPv6File /nonexistent
TestingV3AuthInitialVotingInterval 5
TestingV3AuthInitialVoteDelay 2
TestingV3AuthInitialDistDelay 2
V3AuthVotingInterval 10
V3AuthVoteDelay 2
V3AuthDistDelay 2
TestingV3AuthVotingStartOffset 0
"""


def tor_missing() -> str | None:
    """Why the private network cannot run here (None when it can)."""
    for tool in ("tor", "tor-gencert"):
        if shutil.which(tool) is None:
            return f"the {tool!r} program is not installed (apt-get install tor)"
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _nickname(name: str) -> str:
    return re.sub("[^A-Za-z0-9]", "", name)[:19] or "node"


@dataclass
class TorNode:
    name: str
    datadir: Path
    torrc: Path
    or_port: int = 0
    dir_port: int = 0
    socks_port: int = 0
    fingerprint: str = ""
    proc: subprocess.Popen[bytes] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def log(self) -> Path:
        return self.datadir / "notice.log"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


class PrivateTorNetwork:
    """Start with :meth:`start` (or as a context manager); everything dies in :meth:`stop`."""

    def __init__(
        self,
        root: Path | None = None,
        authorities: int = 3,
        relays: int = 1,
        bridge: bool = False,
    ) -> None:
        why = tor_missing()
        if why:
            raise TransportError(why)
        if bridge and shutil.which("obfs4proxy") is None:
            raise TransportError("the 'obfs4proxy' program is not installed")
        self._tmp = None if root else tempfile.TemporaryDirectory(prefix="tysha-tornet-")
        self.root = Path(root or self._tmp.name)  # type: ignore[union-attr]
        self.n_auth, self.n_relays, self.want_bridge = authorities, relays, bridge
        self.authorities: list[TorNode] = []
        self.relays: list[TorNode] = []
        self.bridge: TorNode | None = None
        self.bridge_line = ""
        self.nodes: list[TorNode] = []
        self.dir_lines: list[str] = []
        self.converged_s = 0.0

    # --- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> PrivateTorNetwork:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 120.0) -> None:
        """Make keys, write torrcs, start the relays and wait until a consensus lists them."""
        t0 = time.monotonic()
        try:
            # The authorities' keys (and the bridge's identity) are made side by side: each is
            # its own tor-gencert and tor process, ~1 s of CPU apiece, and nothing below needs
            # one before all of them are there.
            nodes = [self._new_node(f"auth{i}", or_port=True, dir_port=True)
                     for i in range(self.n_auth)]
            bridge = self._new_node("bridge0", or_port=True) if self.want_bridge else None
            with ThreadPoolExecutor(max_workers=len(nodes) + 1) as pool:
                lines = pool.map(self._authority_keys, nodes)
                fp = pool.submit(self._relay_fingerprint, bridge) if bridge is not None else None
                self.dir_lines.extend(lines)  # in the authorities' order, whatever finished first
            self.authorities.extend(nodes)
            if bridge is not None and fp is not None:
                bridge.fingerprint = fp.result()
            relays = [f"relay{i}" for i in range(self.n_relays)] + ["exit0"]
            for name in relays:
                self.relays.append(self._new_node(name, or_port=True))
            for node in self.authorities:
                self._write(node, self._authority_conf(node))
            for node in self.relays:
                self._write(node, self._relay_conf(node, exit_=node.name.startswith("exit")))
            for node in self.authorities + self.relays:
                self._launch(node)
            if bridge is not None:
                self._start_bridge(bridge)
            self._wait_consensus(timeout - (time.monotonic() - t0))
        except BaseException:
            self.stop()
            raise
        self.converged_s = time.monotonic() - t0

    def stop(self) -> None:
        for node in reversed(self.nodes):
            self._stop_node(node)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def remove(self, node: TorNode) -> None:
        """Stop one node the caller added (a client, an onion service) and forget it, so the
        rest of the network goes on serving other tests."""
        self._stop_node(node)
        if node in self.nodes:
            self.nodes.remove(node)

    @staticmethod
    def _stop_node(node: TorNode) -> None:
        if node.proc is not None:
            stop_group(node.proc)

    def pids(self) -> list[int]:
        return [n.proc.pid for n in self.nodes if n.proc is not None and n.proc.poll() is None]

    # --- nodes ----------------------------------------------------------------------------------

    def _new_node(self, name: str, or_port: bool = False, dir_port: bool = False) -> TorNode:
        datadir = self.root / name
        datadir.mkdir(mode=0o700, parents=True, exist_ok=True)
        node = TorNode(name, datadir, datadir / "torrc")
        node.or_port = free_port() if or_port else 0
        node.dir_port = free_port() if dir_port else 0
        self.nodes.append(node)
        return node

    def _authority_keys(self, node: TorNode) -> str:
        """Make an authority's keys and relay identity; its ``DirAuthority`` line."""
        keys = node.datadir / "keys"
        keys.mkdir(mode=0o700, exist_ok=True)
        subprocess.run(
            [
                "tor-gencert",
                "--create-identity-key",
                "-m", "12",
                "-a", f"127.0.0.1:{node.dir_port}",
                "-i", str(keys / "authority_identity_key"),
                "-s", str(keys / "authority_signing_key"),
                "-c", str(keys / "authority_certificate"),
                "--passphrase-fd", "0",
            ],
            input=b"\n",
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        cert = (keys / "authority_certificate").read_text()
        v3ident = re.search(r"^fingerprint ([0-9A-F]{40})$", cert, re.M)
        if not v3ident:
            raise TransportError("tor-gencert made no authority certificate")
        node.fingerprint = self._relay_fingerprint(node)
        return (
            f"DirAuthority {node.name} orport={node.or_port} no-v2 v3ident={v3ident.group(1)}"
            f" 127.0.0.1:{node.dir_port} {node.fingerprint}"
        )

    def _relay_fingerprint(self, node: TorNode) -> str:
        """Make the node's relay identity now (``tor --list-fingerprint``), before any torrc."""
        out = subprocess.run(
            [
                "tor", "--list-fingerprint", "--quiet",
                "--DataDirectory", str(node.datadir),
                "--ORPort", f"127.0.0.1:{node.or_port}",
                "--Nickname", node.name,
                "--DirAuthority", "placeholder 127.0.0.1:1 " + "0" * 40,
                "--UseDefaultFallbackDirs", "0",
                "--SocksPort", "0",
                "--Log", "err stderr",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        m = re.search(rb"([0-9A-F]{4}(?: [0-9A-F]{4}){9})", out.stdout)
        if not m:
            raise TransportError("tor printed no fingerprint")
        return m.group(1).decode().replace(" ", "")

    def _common(self, node: TorNode) -> str:
        return (
            _PRIVATE
            + "\n".join(self.dir_lines)
            + f"\nDataDirectory {node.datadir}\nNickname {_nickname(node.name)}\n"
            + f"Log notice file {node.log}\n"
            + f"PidFile {node.datadir / 'pid'}\n"
            + f"__OwningControllerProcess {os.getpid()}\n"
        )

    def _authority_conf(self, node: TorNode) -> str:
        return self._common(node) + (
            f"SocksPort 0\nORPort 127.0.0.1:{node.or_port}\nDirPort 127.0.0.1:{node.dir_port}\n"
            "Address 127.0.0.1\nAssumeReachable 1\nAuthoritativeDirectory 1\n"
            "V3AuthoritativeDirectory 1\nContactInfo tysha-test\nExitPolicy reject *:*\n"
            "TestingDirAuthVoteGuard *\nTestingDirAuthVoteHSDir *\n"
            "TestingDirAuthVoteExit exit0\nV3AuthNIntervalsValid 2\n"
        )

    def _relay_conf(self, node: TorNode, exit_: bool) -> str:
        policy = (
            "ExitRelay 1\nExitPolicyRejectPrivate 0\nExitPolicyRejectLocalInterfaces 0\n"
            "ExitPolicy accept 127.0.0.1:*\nExitPolicy reject *:*\n"
            if exit_
            else "ExitRelay 0\nExitPolicy reject *:*\n"
        )
        return self._common(node) + (
            f"SocksPort 0\nORPort 127.0.0.1:{node.or_port}\nAddress 127.0.0.1\n"
            "AssumeReachable 1\nContactInfo tysha-test\n" + policy
        )

    def _write(self, node: TorNode, conf: str) -> None:
        node.torrc.write_text(conf)
        node.torrc.chmod(0o600)

    def _launch(self, node: TorNode) -> None:
        # What Tor says before its log file is open (a bad torrc) goes here, for the error.
        with open(node.datadir / "stdout.log", "wb") as out:
            self._popen(node, out)

    def _popen(self, node: TorNode, out: IO[bytes]) -> None:
        node.proc = subprocess.Popen(
            ["tor", "-f", str(node.torrc), "--defaults-torrc", "/dev/null"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _start_bridge(self, node: TorNode) -> None:
        pt_port = free_port()
        node.extra["pt_port"] = str(pt_port)
        self._write(
            node,
            self._common(node)
            + (
                f"SocksPort 0\nORPort 127.0.0.1:{node.or_port}\nAddress 127.0.0.1\n"
                "AssumeReachable 1\nBridgeRelay 1\nPublishServerDescriptor 0\n"
                "ExitPolicy reject *:*\nExtORPort auto\n"
                # Serve bridge clients the full descriptors too (they carry the exit's exact
                # loopback policy; see client_conf).
                "FetchUselessDescriptors 1\nDirCache 1\n"
                f"ServerTransportPlugin obfs4 exec {shutil.which('obfs4proxy')}\n"
                f"ServerTransportListenAddr obfs4 127.0.0.1:{pt_port}\n"
            ),
        )
        self._launch(node)
        self.bridge = node

    # --- waiting --------------------------------------------------------------------------------

    def _check_alive(self) -> None:
        for node in self.nodes:
            if node.proc is not None and node.proc.poll() is not None:
                tail = (node.log_text() or _read(node.datadir / "stdout.log"))[-600:]
                raise TransportError(f"tor node {node.name} exited: {tail}")

    def _wait_consensus(self, timeout: float) -> None:
        """Until every authority has a consensus listing every relay, and the bridge its line."""
        deadline = time.monotonic() + max(timeout, 1)
        want = {n.fingerprint for n in self.authorities} | {
            self._fp_later(n, deadline) for n in self.relays
        }
        while True:
            self._check_alive()
            done = all(self._consensus_has(a, want) for a in self.authorities)
            if done and self.bridge is not None:
                done = self._bridge_ready()
            if done:
                return
            if time.monotonic() > deadline:
                raise TransportError("the private Tor network did not converge in time")
            time.sleep(0.5)

    def _fp_later(self, node: TorNode, deadline: float) -> str:
        """A relay's fingerprint, from the file Tor writes when it starts."""
        if not node.fingerprint:
            fp = node.datadir / "fingerprint"
            while not fp.exists():
                self._check_alive()
                if time.monotonic() > deadline:
                    raise TransportError(f"tor node {node.name} made no identity in time")
                time.sleep(0.2)
            node.fingerprint = fp.read_text().split()[-1]
        return node.fingerprint

    def _consensus_has(self, auth: TorNode, want: set[str]) -> bool:
        """The authority's consensus lists every relay as Running, and the exit as Exit."""
        path = auth.datadir / "cached-consensus"
        try:
            text = path.read_text(errors="replace")
        except OSError:
            return False
        import base64

        flags: dict[str, set[str]] = {}
        for m in re.finditer(r"^r \S+ (\S+) .*\n(?:[^rs].*\n)*s (.*)$", text, re.M):
            raw = m.group(1) + "=" * (-len(m.group(1)) % 4)
            with contextlib.suppress(ValueError):
                flags[base64.b64decode(raw).hex().upper()] = set(m.group(2).split())
        if not all("Running" in flags.get(fp, ()) for fp in want):
            return False
        exits = [n.fingerprint for n in self.relays if n.name.startswith("exit")]
        return all("Exit" in flags[fp] for fp in exits)

    def _bridge_ready(self) -> bool:
        assert self.bridge is not None
        line_file = self.bridge.datadir / "pt_state" / "obfs4_bridgeline.txt"
        try:
            text = line_file.read_text()
        except OSError:
            return False
        m = re.search(r"cert=(\S+) iat-mode=(\d)", text)
        if not m or "Bootstrapped 100%" not in self.bridge.log_text():
            return False
        self.bridge_line = (
            f"obfs4 127.0.0.1:{self.bridge.extra['pt_port']} {self.bridge.fingerprint}"
            f" cert={m.group(1)} iat-mode={m.group(2)}"
        )
        return True

    # --- clients and services -------------------------------------------------------------------

    def client_conf(self, node: TorNode, bridge_line: str | None = None) -> str:
        """A client torrc of this network (SOCKS on 127.0.0.1, isolation by SOCKS credentials)."""
        conf = self._common(node) + (
            f"SocksPort 127.0.0.1:{node.socks_port} IsolateSOCKSAuth\nORPort 0\nDirPort 0\n"
            # A fixed, generous circuit build timeout: Tor's learned one shrinks to what an idle
            # loopback network takes, so on a starved machine every build "times out", the
            # client decides its network changed and, for a while, that all routers are down.
            "LearnCircuitBuildTimeout 0\nCircuitBuildTimeout 60\n"
        )
        if not bridge_line:
            # The exit allows only 127.0.0.1, which a microdescriptor's policy summary cannot
            # say; full descriptors carry the exact policy, so clients find the exit. (A
            # bridge client stays on microdescriptors: it reaches onion services only.)
            conf += "UseMicrodescriptors 0\n"
        if bridge_line:
            conf += (
                "UseBridges 1\n"
                f"ClientTransportPlugin obfs4 exec {shutil.which('obfs4proxy')}\n"
                f"Bridge {bridge_line}\n"
            )
        return conf

    def add_client(
        self, name: str, bridge_line: str | None = None, extra: str = "", timeout: float = 90.0
    ) -> TorNode:
        """Start a client (optionally through a bridge); return once it has bootstrapped."""
        node = self._new_node(name)
        node.socks_port = free_port()
        self._write(node, self.client_conf(node, bridge_line) + extra)
        self._launch(node)
        self.wait_bootstrapped(node, timeout)
        return node

    def add_onion_service(
        self, name: str, onion_conf: str, hs_dir: Path, timeout: float = 90.0
    ) -> tuple[TorNode, str]:
        """A Tor of this network that reads ``onion_conf`` (the lines ``tysha drop serve
        --onion`` writes); returns it and the ``.onion`` host name once published."""
        node = self._new_node(name)
        node.socks_port = free_port()
        self._write(node, self.client_conf(node) + onion_conf)
        self._launch(node)
        self.wait_bootstrapped(node, timeout)
        host = Path(hs_dir) / "hostname"
        deadline = time.monotonic() + timeout
        while not host.exists():
            self._check_alive()
            if time.monotonic() > deadline:
                raise TransportError("the onion service made no address")
            time.sleep(0.2)
        return node, host.read_text().strip()

    def private_torrc(self) -> str:
        """The lines that keep any Tor on this network only (for ``TYSHA_TOR_TORRC``)."""
        return _PRIVATE + "\n".join(self.dir_lines) + "\n"

    def wait_bootstrapped(self, node: TorNode, timeout: float = 90.0) -> float:
        t0 = time.monotonic()
        while "Bootstrapped 100%" not in node.log_text():
            self._check_alive()
            if time.monotonic() - t0 > timeout:
                raise TransportError(f"tor client {node.name} did not bootstrap in time")
            time.sleep(0.2)
        return time.monotonic() - t0

    def socks_url(self, node: TorNode) -> str:
        return f"socks5://127.0.0.1:{node.socks_port}"
