"""The private Tor network itself: converges, builds circuits, stays on loopback."""

from __future__ import annotations

import http.server
import re
import threading
import time
from collections.abc import Callable, Iterator
from itertools import groupby
from pathlib import Path

import httpx
import pytest

from tysha.tor.network import PrivateTorNetwork
from tysha.transport.client import tls_context

pytestmark = pytest.mark.slow


def _hello_server() -> http.server.ThreadingHTTPServer:
    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = b"hello through tor"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture
def web() -> Iterator[int]:
    srv = _hello_server()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def get_through(
    socks: str, url: str, patience: float = 90.0, fresh_circuits: bool = True,
    logs: tuple[Path, ...] = (), renew: Callable[[], tuple[str, Path]] | None = None,
) -> httpx.Response:
    """A GET through Tor, retried while the young network settles (a fresh consensus can
    briefly lack a usable path); the first answer wins. With ``fresh_circuits`` each retry
    asks for a new circuit (other SOCKS credentials, the client isolates by them) instead of
    waiting on the one that failed. With ``renew``, once half the patience has gone without
    an answer, the client is replaced by a new one (``renew`` starts it and gives its SOCKS
    URL and log), given the whole patience again: a client that once failed to connect to a
    relay - its guard, on a starved machine - counts it down and will not try it again for a
    minute, with five relays in all. On giving up, the tail of each of ``logs`` (the Tor
    nodes' own) goes into the error."""
    start = time.monotonic()
    deadline = start + patience
    attempt = 0
    while True:
        if renew is not None and time.monotonic() > start + patience / 2:
            socks, log = renew()
            logs = (*logs, log)
            renew, deadline = None, time.monotonic() + patience
            attempt = 0
        proxy = socks
        if fresh_circuits and attempt:
            proxy = socks.replace("socks5://", f"socks5://retry{attempt}:x@", 1)
        try:
            with httpx.Client(
                proxy=proxy, timeout=30, trust_env=False, verify=tls_context()
            ) as http:
                return http.get(url)
        except httpx.HTTPError as exc:
            if time.monotonic() > deadline:
                tails = "\n".join(f"--- {p.parent.name}/{p.name}:\n" + _tail(p) for p in logs)
                raise AssertionError(f"no answer through Tor: {exc!r}\n{tails}") from exc
            attempt += 1
            time.sleep(1)


def _tail(path: Path, n: int = 1500) -> str:
    """The start of a node's log (its bootstrap) and its end (why it fails), a line repeated
    right after itself shown once with a count: a failing client repeats one line for minutes."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    runs = [list(run) for _m, run in groupby(lines, key=lambda line: line.split("] ", 1)[-1])]
    joined = "\n".join(run[0] + (f"  (x{len(run)})" if len(run) > 1 else "") for run in runs)
    return joined if len(joined) <= 2 * n else joined[:n] + "\n[...]\n" + joined[-n:]


def test_every_torrc_keeps_the_network_private(tornet: PrivateTorNetwork) -> None:
    for node in tornet.nodes:
        conf = node.torrc.read_text()
        for line in ("TestingTorNetwork 1", "UseDefaultFallbackDirs 0", "ClientUseIPv6 0"):
            assert line in conf, (node.name, line)
        assert conf.count("DirAuthority ") == 3
        # Every address a node names is on loopback.
        for addr in re.findall(r"\b(\d+\.\d+\.\d+\.\d+)\b", conf):
            assert addr == "127.0.0.1", (node.name, addr)
    assert tornet.converged_s > 0


def test_a_client_gets_a_circuit_through_the_exit(tornet: PrivateTorNetwork, web: int) -> None:
    client = tornet.add_client("circuit-client")

    def renew() -> tuple[str, Path]:
        fresh = tornet.add_client("circuit-client-2")
        return tornet.socks_url(fresh), fresh.log

    # The exit's own log says "All routers are down or won't exit" all along (it never
    # chooses itself as an exit): the client's log is the one that tells.
    r = get_through(tornet.socks_url(client), f"http://127.0.0.1:{web}/",
                    logs=(client.log,), renew=renew)
    assert r.status_code == 200 and r.text == "hello through tor"


def test_a_client_gets_a_circuit_through_the_obfs4_bridge(
    tornet: PrivateTorNetwork, web: int, tmp_path: Path
) -> None:
    """Only the bridge is reachable to this client; it reaches an onion service (the bridge
    client uses microdescriptors, which cannot express the exit's loopback-only policy)."""
    from tysha.tor.onion import onion_torrc

    assert tornet.bridge_line.startswith("obfs4 127.0.0.1:")
    hs = tmp_path / "hs"
    hs.mkdir(mode=0o700)
    _node, host = tornet.add_onion_service("webhs", onion_torrc(hs, web), hs)
    client = tornet.add_client("bridge-client", bridge_line=tornet.bridge_line)
    conf = client.torrc.read_text()
    assert "UseBridges 1" in conf and f"Bridge {tornet.bridge_line}" in conf
    r = get_through(tornet.socks_url(client), f"http://{host}/")
    assert r.text == "hello through tor"


# stem 1.8 (the control-port library) calls Thread.setDaemon and leaves sockets to the GC.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_two_drops_never_share_a_circuit(tornet: PrivateTorNetwork) -> None:
    """TorTransport's per-drop SOCKS credentials put two drops on different circuits; the
    same drop keeps its circuit (the control shows Tor would otherwise reuse it)."""
    stem_control = pytest.importorskip("stem.control")
    from tysha.tor.network import free_port
    from tysha.transport import TorTransport

    cport = free_port()
    client = tornet.add_client(
        "isoclient", extra=f"ControlPort 127.0.0.1:{cport}\nCookieAuthentication 1\n"
    )
    servers = [_hello_server(), _hello_server()]
    seen: dict[str, dict[int, set[str]]] = {"plain": {}, "tor": {}}
    count = {"plain": 0, "tor": 0}
    phase = ["plain"]

    def on_stream(ev: object) -> None:
        if getattr(ev, "status", "") == "SUCCEEDED":
            by_port = seen[phase[0]]
            by_port.setdefault(int(ev.target_port), set()).add(ev.circ_id)  # type: ignore[attr-defined]
            count[phase[0]] += 1

    def settle(name: str, streams: int) -> None:
        """Until the controller has reported ``streams`` streams of phase ``name``."""
        deadline = time.monotonic() + 10
        while count[name] < streams and time.monotonic() < deadline:
            time.sleep(0.1)

    def shared(by_port: dict[int, set[str]]) -> set[str]:
        return set.intersection(*(by_port.get(p, set()) for p in ports))

    try:
        with stem_control.Controller.from_port(address="127.0.0.1", port=cport) as ctl:
            ctl.authenticate()
            ctl.add_event_listener(on_stream, stem_control.EventType.STREAM)
            tor = TorTransport(tornet.socks_url(client))
            ports = [s.server_address[1] for s in servers]
            # Control: without credentials Tor reuses one circuit for both servers. It prefers
            # a circuit already in use, but now and then takes another clean one that is ready:
            # the pair is asked again (at most three times) until one circuit carried both.
            for round_no in range(1, 4):
                for port in ports:
                    get_through(tornet.socks_url(client), f"http://127.0.0.1:{port}/",
                                fresh_circuits=False)
                settle("plain", 2 * round_no)
                if shared(seen["plain"]):
                    break
            phase[0] = "tor"
            for _ in range(2):
                for port in ports:
                    url = f"http://127.0.0.1:{port}"
                    with tor.client(url, 60) as http:
                        assert http.get("/").text == "hello through tor"
            settle("tor", 4)
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
        tornet.remove(client)  # its controller owned it; the network goes on for the folder
    assert shared(seen["plain"]), seen  # the control: one shared circuit
    a, b = (seen["tor"].get(p, set()) for p in ports)
    assert a and b and not (a & b), seen
