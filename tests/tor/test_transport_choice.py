"""Transport chosen per address, without Tor running: .onion never direct, no silent fallback,
per-drop SOCKS isolation, the drop's onion torrc and the bridge torrc."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tysha.errors import BadInput, TransportError
from tysha.transport import (
    DirectTransport,
    DropClient,
    Socks5Transport,
    TorTransport,
    is_onion,
    transport_for,
)
from tysha.transport.client import _TOR

ONION = "http://" + "a" * 56 + ".onion"


@pytest.fixture(autouse=True)
def _no_route(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TYSHA_TOR", raising=False)
    monkeypatch.delenv("TYSHA_PROXY", raising=False)
    _TOR.clear()


def test_onion_is_refused_without_tor() -> None:
    assert is_onion(ONION) and is_onion(ONION.upper() + "./x") and not is_onion("http://x.org")
    with pytest.raises(TransportError, match="only through Tor"):
        transport_for(ONION)
    # DropClient keeps the refusal and raises it on use, so a loop over drops goes on.
    c = DropClient(ONION)
    with pytest.raises(TransportError, match="only through Tor"):
        c.info()
    with pytest.raises(TransportError, match="only through Tor"):
        c.clues()
    c.close()


def test_onion_never_goes_through_an_explicit_direct_transport() -> None:
    c = DropClient(ONION, transport=DirectTransport())
    with pytest.raises(TransportError, match="never directly|only through Tor"):
        c.checkpoint()
    c.close()


def test_an_onion_invitation_refuses_clearnet_direct() -> None:
    assert isinstance(transport_for("http://203.0.113.5:8080"), DirectTransport)
    with pytest.raises(TransportError, match="asks for Tor"):
        transport_for("http://203.0.113.5:8080", tor_only=True)


def test_tor_routes_everything_and_isolates_drops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TYSHA_TOR", "socks5://127.0.0.1:9")
    a, b = transport_for(ONION), transport_for("http://drop.example")
    assert isinstance(a, TorTransport) and a is b  # one isolation identity per drop per process
    assert isinstance(transport_for("http://drop.example", tor_only=True), TorTransport)
    ca, cb = a.credentials("x.onion"), a.credentials("drop.example")
    assert ca != cb and a.credentials("x.onion") == ca  # two drops never share a circuit


def _socks_auths(ask: Any) -> list[bytes]:
    """The SOCKS5 username/password messages (RFC 1929) of two connections ``ask(proxy)``
    makes to a proxy that asks for them and then refuses (we only want to see them)."""
    import socket
    import threading

    seen: list[bytes] = []
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)

    def serve() -> None:
        for _ in range(2):
            conn, _ = srv.accept()
            with conn:
                conn.recv(16)
                conn.sendall(b"\x05\x02")  # choose username/password
                seen.append(conn.recv(600))
                conn.sendall(b"\x01\x01")  # and refuse

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    ask(f"socks5://127.0.0.1:{srv.getsockname()[1]}")
    t.join(10)
    srv.close()
    return seen


# httpcore leaves the socket of a refused SOCKS handshake to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_tor_client_sends_its_per_drop_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SOCKS5 username/password (Tor's IsolateSOCKSAuth key) differ per drop host."""
    def ask(proxy: str) -> None:
        tor = TorTransport(proxy)
        for url in (ONION, "http://" + "b" * 56 + ".onion"):
            with DropClient(url, transport=tor) as c, pytest.raises(TransportError):
                c.info()

    seen = _socks_auths(ask)
    assert len(seen) == 2 and seen[0] != seen[1] and all(s.startswith(b"\x01") for s in seen)


# httpcore leaves the socket of a refused SOCKS handshake to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_tor_credentials_do_not_name_the_app() -> None:
    """The SOCKS5 username and password travel in clear to the proxy (RFC 1929), and Tor shows
    them to anything on its control port (SOCKS_USERNAME in circuit events, what a Tor app
    on the phone lists). Before, the username was ``tysha-<hex>``: the app's name wherever
    the proxy is not on the device itself, and in every circuit list (THREAT_MODEL A3, A13).
    Now both are random, nothing the same from one run to the next."""
    def ask(proxy: str) -> None:
        for _ in range(2):  # two processes' worth: a fresh transport each time
            tor = TorTransport(proxy)
            with DropClient(ONION, transport=tor) as c, pytest.raises(TransportError):
                c.info()

    seen = _socks_auths(ask)
    assert len(seen) == 2
    users = []
    for auth in seen:
        assert auth[0] == 1 and b"tysha" not in auth.lower(), auth
        ulen = auth[1]
        users.append(auth[2 : 2 + ulen])
    # Nothing shared between two runs: no fixed prefix that would mark the app.
    assert users[0][:4] != users[1][:4]


def test_proxy_keeps_working(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TYSHA_PROXY", "socks5h://127.0.0.1:9050")
    assert isinstance(transport_for(ONION), Socks5Transport)


def test_onion_torrc_in_the_drop_folder(tmp_path: Path) -> None:
    from tysha.tor.onion import onion_address, onion_torrc, write_onion_torrc

    path, how = write_onion_torrc(tmp_path, 8080)
    text = path.read_text()
    hs = tmp_path / "onion"
    assert f"HiddenServiceDir {hs.resolve()}" in text and "HiddenServicePort 80 127.0.0.1:8080" in text
    assert "SingleHop" not in text and str(path) in how
    assert stat.S_IMODE(hs.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert onion_address(tmp_path) is None  # until Tor made the key
    (hs / "hostname").write_text("b" * 56 + ".onion\n")
    assert onion_address(tmp_path) == "http://" + "b" * 56 + ".onion"
    (hs / "hostname").write_text("evil.example\n")
    assert onion_address(tmp_path) is None
    single = onion_torrc(hs, 8080, single=True)
    assert "HiddenServiceSingleHopMode 1" in single and "HiddenServiceNonAnonymousMode 1" in single
    with pytest.raises(BadInput):
        onion_torrc(hs, 0)


def test_bridge_torrc_refuses_bad_lines(tmp_path: Path) -> None:
    from tysha.tor.client import bridge_torrc

    for bad in (["vanilla 1.2.3.4:1"], ["obfs4 1.2.3.4:1 X\nExitRelay 1"], []):
        with pytest.raises(BadInput):
            bridge_torrc(bad, tmp_path, 9999)


def test_source_send_to_onion_without_tor_keeps_the_outbox(tmp_path: Path, cli: Any) -> None:
    from tysha.drop.launcher import init_data
    from tysha.protocol import Identity, Invitation

    handler = Identity.generate(os.urandom)
    vkey = init_data(tmp_path / "drop", 0)
    inv = Invitation.create((ONION,), vkey, handler, None, os.urandom(16))
    env = {"TYSHA_PASSPHRASE": "a source passphrase"}
    v = str(tmp_path / "s.vault")
    cli("source", "init", "--vault", v, "--size", "4MiB", env=env)
    cli("source", "enroll", "--vault", v, "--invitation", inv.to_text(), env=env)
    cli("source", "report", "--vault", v, "--category", "det", "--text", "x", env=env)
    r = cli("source", "send", "--vault", v, "--now", env=env, check=False)
    assert r.returncode == 1 and "only through Tor" in r.stderr and "Traceback" not in r.stderr
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1


def test_drop_serve_onion_writes_and_explains_its_torrc(tmp_path: Path, cli: Any) -> None:
    """`tysha drop serve --onion` (a real process): the torrc in the drop's folder, the
    explanation on stderr, `drop info` showing the address once Tor made it."""
    import subprocess
    import sys
    import time

    from tysha.drop.launcher import init_data, wait_ready
    from tysha.tor.network import free_port

    data = tmp_path / "drop"
    init_data(data, 0)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "drop", "serve", "--data", str(data), "--port",
         str(port), "--onion"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (data / "torrc-onion").exists() and time.monotonic() < deadline:
            assert proc.poll() is None
            time.sleep(0.1)
        # Serving: the explanation was printed before the server started.
        wait_ready(f"http://127.0.0.1:{port}", proc)  # type: ignore[arg-type]
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    torrc = (data / "torrc-onion").read_text()
    assert f"HiddenServicePort 80 127.0.0.1:{port}" in torrc and "SingleHop" not in torrc
    assert str(data / "torrc-onion") in err and "onion address:" in err
    assert stat.S_IMODE((data / "onion").stat().st_mode) == 0o700
    info = json.loads(cli("drop", "info", "--data", str(data), "--json").stdout)
    assert "onion" not in info  # not published yet
    (data / "onion" / "hostname").write_text("c" * 56 + ".onion\n")
    info = json.loads(cli("drop", "info", "--data", str(data), "--json").stdout)
    assert info["onion"] == "http://" + "c" * 56 + ".onion"


def test_tor_flag_is_for_one_command_only(tmp_path: Path, cli: Any) -> None:
    r = cli("desk", "send", "--desk", str(tmp_path / "nodesk"), "--tor", check=False,
            env={"TYSHA_PASSPHRASE": "x"})
    assert r.returncode != 0
    assert "TYSHA_TOR" not in os.environ


def _enrolled_source(tmp_path: Path, cli: Any, drops: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    from tysha.drop.launcher import init_data
    from tysha.protocol import Identity, Invitation

    vkey = init_data(tmp_path / "drop", 0)
    inv = Invitation.create(drops, vkey, Identity.generate(os.urandom), None, os.urandom(16))
    env = {"TYSHA_PASSPHRASE": "a source passphrase"}
    v = str(tmp_path / "s.vault")
    cli("source", "init", "--vault", v, "--size", "4MiB", env=env)
    cli("source", "enroll", "--vault", v, "--invitation", inv.to_text(), env=env)
    cli("source", "report", "--vault", v, "--category", "det", "--text", "x", env=env)
    return v, env


def test_tor_not_running_keeps_the_outbox(tmp_path: Path, cli: Any) -> None:
    from tysha.tor.network import free_port

    v, env = _enrolled_source(tmp_path, cli, (ONION, "http://" + "d" * 56 + ".onion"))
    dead = f"socks5://127.0.0.1:{free_port()}"  # nothing listens: Tor is not running
    r = cli("source", "send", "--vault", v, "--now", "--tor", env={**env, "TYSHA_TOR": dead},
            check=False)
    assert r.returncode == 1 and "outbox" in r.stderr and "Traceback" not in r.stderr
    assert "127.0.0.1" not in r.stdout
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1


def test_source_tries_the_drops_in_order_and_says_which_answered(
    tmp_path: Path, cli: Any, drop: tuple[str, str, Path]
) -> None:
    """A dead first address, then the live drop: sent, and the output names only the position."""
    from tysha.protocol import Identity, Invitation
    from tysha.tor.network import free_port

    url, vkey, _ = drop
    dead = f"http://127.0.0.1:{free_port()}"
    inv = Invitation.create((dead, url), vkey, Identity.generate(os.urandom), None, os.urandom(16))
    env = {"TYSHA_PASSPHRASE": "a source passphrase"}
    v = str(tmp_path / "s.vault")
    cli("source", "init", "--vault", v, "--size", "4MiB", env=env)
    cli("source", "enroll", "--vault", v, "--invitation", inv.to_text(), env=env)
    cli("source", "report", "--vault", v, "--category", "det", "--text", "x", env=env)
    r = cli("source", "send", "--vault", v, "--now", env=env)
    assert "drop 2 of 2 answered" in r.stderr  # stderr: --json output stays JSON
    assert url not in r.stdout + r.stderr and dead not in r.stdout + r.stderr
    assert json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout) == []


def test_desk_fetch_of_an_onion_drop_without_tor_says_so(tmp_path: Path, cli: Any) -> None:
    from tysha.drop.launcher import init_data

    vkey = init_data(tmp_path / "drop", 0)
    denv = {"TYSHA_PASSPHRASE": "desk passphrase for tests"}
    d = str(tmp_path / "desk")
    cli("desk", "init", "--desk", d, "--name", "Cell", env=denv)
    r = cli("desk", "fetch", "--desk", d, "--drop", ONION, "--drop-key", vkey, env=denv,
            check=False)
    assert r.returncode == 1 and "use --tor" in r.stderr and "Traceback" not in r.stderr


def test_tor_flag_with_an_empty_tysha_tor_never_goes_direct(
    tmp_path: Path, cli: Any, drop: tuple[str, str, Path]
) -> None:
    """``--tor`` while ``TYSHA_TOR`` is set but empty (a wrapper's ``TYSHA_TOR=``): before, the
    source kept the empty value (``setdefault``), found no Tor in it and sent straight to the
    clearnet drop, reporting "sent" - the one thing --tor promises never to do. Now it goes to
    the default Tor (nothing there, or no way to a loopback drop): nothing sent."""
    from tysha.protocol import Identity, Invitation

    url, vkey, _ = drop
    inv = Invitation.create((url,), vkey, Identity.generate(os.urandom), None, os.urandom(16))
    env = {"TYSHA_PASSPHRASE": "a source passphrase"}
    v = str(tmp_path / "s.vault")
    cli("source", "init", "--vault", v, "--size", "4MiB", env=env)
    cli("source", "enroll", "--vault", v, "--invitation", inv.to_text(), env=env)
    cli("source", "report", "--vault", v, "--category", "det", "--text", "x", env=env)
    r = cli("source", "send", "--vault", v, "--now", "--tor", env={**env, "TYSHA_TOR": ""},
            check=False)
    assert r.returncode == 1 and "outbox" in r.stderr and "Traceback" not in r.stderr
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1


def test_desk_tor_flag_puts_back_an_empty_tysha_tor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk's ``--tor`` is for one command: an empty ``TYSHA_TOR`` before it is empty after
    it (before, an in-process caller was left routing every later command through Tor)."""
    from tysha.desk.cli import _with_tor

    seen: list[str | None] = []
    monkeypatch.setenv("TYSHA_TOR", "")
    _with_tor(lambda tor: seen.append(os.environ.get("TYSHA_TOR")))(tor=True)
    assert seen == ["socks5://127.0.0.1:9050"] and os.environ["TYSHA_TOR"] == ""


@pytest.mark.parametrize(
    "url",
    [
        "http://" + "a" * 56 + "\uff0eonion",  # a fullwidth full stop (IDNA: a dot)
        "http://" + "a" * 56 + ".onion\u3002",  # an ideographic full stop at the end
        "http://" + "a" * 56 + ".onion%2e",  # percent-escapes httpx keeps in the host
        "http://" + "a" * 56 + "%2Eonion",
        "http://" + "a" * 56 + ".ONION%20/",
    ],
)
def test_an_onion_address_in_another_spelling_is_never_resolved(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An onion address httpx reads as one (or sends to the resolver as written) while
    urllib's host did not end in ".onion": before, it was taken for clearnet and reached
    directly - a plaintext DNS query naming the onion service (THREAT_MODEL A3) from a source
    whose invitation or --drop held it. Now it is an onion address: through Tor or not at all."""
    import socket

    asked: list[object] = []

    def resolver(host: object, *args: object, **kw: object) -> Any:
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "not here")

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    assert is_onion(url)
    with pytest.raises(TransportError, match="only through Tor"):
        transport_for(url)
    for transport in (None, DirectTransport()):
        with DropClient(url, transport=transport) as c, pytest.raises(TransportError,
                                                                       match="only through Tor"):
            c.info()
    assert asked == []
    assert not is_onion("http://my-onion.example") and not is_onion("http://onion.example")


@pytest.mark.parametrize("bad", ["http://[abc]", "http://drop.example:80O"])
def test_a_malformed_drop_address_is_refused_clearly(bad: str, tmp_path: Path, cli: Any) -> None:
    """A drop address no HTTP client can read (a bracketed host that is no IPv6 address, a
    port with a letter in it). Before: "an unexpected internal error" from the source's send
    (with or without --tor) and the desk's fetch; and the desk had already stored the address,
    so every later fetch failed the same way, from every drop. Now the desk refuses it before
    storing anything, and a client given one refuses it as a route (nothing sent)."""
    from tysha.drop.launcher import init_data

    vkey = init_data(tmp_path / "drop", 0)
    denv = {"TYSHA_PASSPHRASE": "desk passphrase for tests"}
    d = str(tmp_path / "desk")
    cli("desk", "init", "--desk", d, "--name", "Cell", env=denv)
    r = cli("desk", "fetch", "--desk", d, "--drop", bad, "--drop-key", vkey, env=denv, check=False)
    assert r.returncode != 0 and "not a valid URL" in r.stderr and "internal" not in r.stderr
    r = cli("desk", "invite", "--desk", d, "--drop", bad, "--drop-key", vkey, env=denv,
            check=False)
    assert r.returncode != 0 and "not a valid URL" in r.stderr
    r = cli("desk", "fetch", "--desk", d, env=denv, check=False)  # nothing was stored
    assert r.returncode == 0 and "internal" not in r.stderr

    v, env = _enrolled_source(tmp_path / "s", cli, ("http://203.0.113.5:8080",))
    for extra in ([], ["--tor"]):
        r = cli("source", "send", "--vault", v, "--now", "--drop", bad, *extra,
                env={**env, "TYSHA_TOR": "socks5://127.0.0.1:9"}, check=False)
        assert r.returncode == 1 and "not a valid URL" in r.stderr and "outbox" in r.stderr
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1
    with DropClient(bad) as c, pytest.raises(TransportError, match="not a valid URL"):
        c.info()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_tor_port_that_speaks_no_socks_keeps_the_outbox(tmp_path: Path, cli: Any) -> None:
    """``TYSHA_TOR`` naming a port where something else answers (an HTTP proxy, Tor's control
    port, a service that hangs up): socksio's ProtocolError came through httpx unmapped and the
    send ended in "an unexpected internal error". Now: the drop cannot be reached, nothing
    sent, the outbox keeps the report."""
    srv, _hits = _listener(answer=b"HTTP/1.0 400 Bad Request\r\n\r\n")
    v, env = _enrolled_source(tmp_path, cli, (ONION,))
    try:
        r = cli("source", "send", "--vault", v, "--now", "--tor",
                env={**env, "TYSHA_TOR": f"socks5://127.0.0.1:{srv.getsockname()[1]}"},
                check=False)
    finally:
        srv.close()
        _collect_failed_handshakes()
    assert r.returncode == 1 and "outbox" in r.stderr and "internal" not in r.stderr
    assert "the proxy (Tor) refused the connection" in r.stderr and "ProxyError" not in r.stderr
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1


def _collect_failed_handshakes() -> None:
    """httpcore leaves the socket of a failed SOCKS handshake to the garbage collector:
    collect it in the test that made it, where its ResourceWarning is expected (ignored by
    its mark), not in whichever test runs next."""
    import gc

    gc.collect()


def _listener(answer: bytes = b"") -> tuple[Any, list[bytes]]:
    """A loopback socket that records the first bytes of every connection, sends ``answer``
    and hangs up."""
    import socket
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    hits: list[bytes] = []

    def run() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                hits.append(conn.recv(64))
                if answer:
                    conn.sendall(answer)

    threading.Thread(target=run, daemon=True).start()
    return srv, hits


# httpcore leaves the socket of a refused SOCKS handshake to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_time_stamping_authority_is_asked_through_tor_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A desk set to use Tor (``--tor``, ``TYSHA_TOR``) anchors its custody head: the drop was
    reached through Tor, but the RFC 3161 request went straight to the time-stamping
    authority (and honoured HTTP_PROXY-style variables, which nothing else does). Now it takes
    the same route as the drops."""
    from tysha.desk.anchor import request_tsa_token

    socks, socks_hits = _listener()
    tsa, tsa_hits = _listener()
    monkeypatch.setenv("TYSHA_TOR", f"socks5://127.0.0.1:{socks.getsockname()[1]}")
    try:
        with pytest.raises(TransportError, match="cannot be reached"):
            request_tsa_token(f"http://127.0.0.1:{tsa.getsockname()[1]}/tsr", b"head", timeout=5)
    finally:
        socks.close()
        tsa.close()
        _collect_failed_handshakes()
    assert tsa_hits == [] and socks_hits and socks_hits[0].startswith(b"\x05")


def test_a_bridge_line_without_a_bridge_address_is_refused_before_tor_starts(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A --bridge line whose address is missing or no IP:PORT (Tor takes nothing else): before,
    a Tor was started on it, exited on its own torrc, and the source read "the bridge Tor
    stopped" with the hint "try again later" - which never helps. Now the line is refused as
    what it is, before any Tor starts, and the outbox keeps everything."""
    from tysha.tor import client as tor_client
    from tysha.tor.client import bridge_torrc

    for bad in ("obfs4", "obfs4 notanaddress", "obfs4 127.0.0.1:99999 cert=x iat-mode=0",
                "snowflake 127.0.0.1 2B280B23E1107BB62ABFC40DDCC8824814F80A72",
                "obfs4 [2001:db8::zz]:443 cert=x"):
        with pytest.raises(BadInput, match="IP:PORT"):
            bridge_torrc([bad], tmp_path, 9999)
    monkeypatch.setattr(tor_client.shutil, "which", lambda exe: "/usr/bin/" + exe)
    for good in ("obfs4 192.0.2.1:443 0123456789ABCDEF0123456789ABCDEF01234567 cert=x iat-mode=0",
                 "obfs4 [2001:db8::1]:443 cert=x iat-mode=0",
                 "snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 url=https://x"):
        assert f"Bridge {good}\n" in bridge_torrc([good], tmp_path, 9999)

    def no_tor(*args: object, **kw: object) -> None:
        raise AssertionError("a Tor was started for a malformed bridge line")

    v, env = _enrolled_source(tmp_path, cli, (ONION,))
    monkeypatch.setattr(tor_client.subprocess, "Popen", no_tor)
    r = cli("source", "send", "--vault", v, "--now", "--bridge", "obfs4 notanaddress", env=env,
            check=False)
    assert r.returncode != 0 and "IP:PORT" in r.stderr and "Traceback" not in r.stderr
    assert "try again later" not in r.stderr
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1



def test_a_new_circuit_only_through_tor() -> None:
    """DropClient.new_circuit (each envelope of a send): through Tor a new connection with
    fresh random SOCKS credentials, never the drop's own ones again; direct and through a
    plain SOCKS proxy the client is left as it is."""
    for transport in (DirectTransport(), Socks5Transport("socks5://127.0.0.1:9")):
        c = DropClient("http://drop.example", transport=transport)
        http = c._http
        c.new_circuit()
        assert c._http is http
        c.close()
    keys: list[str | None] = []

    class Recording(TorTransport):
        def client(self, base_url: str, timeout: float, isolation: str | None = None) -> Any:
            keys.append(isolation)
            return super().client(base_url, timeout, isolation)

    tor = Recording("socks5://127.0.0.1:9")
    c = DropClient("http://drop.example", transport=tor)
    for _ in range(3):
        before = c._http
        c.new_circuit()
        assert c._http is not before and before.is_closed
    c.close()
    first, *fresh = keys
    assert first is None  # the drop's own isolation key, as before
    assert len(fresh) == 3 and all(fresh) and len(set(fresh)) == 3
    assert tor.credentials("drop.example") not in fresh
