"""The source flow from the CLI alone, against a real drop on loopback."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tysha.protocol import Identity, Manifest, frame_content, seal_envelope
from tysha.transport import DropClient, Socks5Transport
from tysha.transport.courier import MAX_RECEIPTS_FILE

from ._inv import make_invitation
from .test_vault import chi_square_ok, no_marker

REAL = "real passphrase 1"
DECOY = "groceries and recipes"


def encodings(s: str) -> list[bytes]:
    raw = s.encode()
    return [raw, s.encode("utf-16-le"), s.encode("utf-16-be"), base64.b64encode(raw),
            base64.urlsafe_b64encode(raw).rstrip(b"="), raw.hex().encode(), raw.hex().upper().encode()]


@pytest.fixture
def enrolled(tmp_path: Path, drop: tuple[str, str, Path], cli: Any) -> dict[str, Any]:
    url, vkey, _ = drop
    handler, escrow = Identity.generate(os.urandom), Identity.generate(os.urandom)
    inv = make_invitation(url, vkey, handler, escrow)
    vault = tmp_path / "phone.vault"
    env = {"TYSHA_PASSPHRASE": REAL, "TYSHA_DECOY_PASSPHRASE": DECOY}
    cli("source", "init", "--vault", str(vault), "--size", "4MiB", env=env)
    out = cli("source", "enroll", "--vault", str(vault), "--invitation", inv.to_text(), env=env)
    assert handler.public().fingerprint() in out.stdout
    return {"url": url, "vkey": vkey, "handler": handler, "escrow": escrow, "inv": inv,
            "vault": vault, "env": env}


def photo(path: Path) -> Path:
    img = Image.new("RGB", (40, 30), (10, 120, 200))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2026:03:01 10:20:30"
    img.save(path, "JPEG", exif=exif)
    return path


def test_capture_drill(tmp_path: Path, enrolled: dict[str, Any], cli: Any) -> None:
    v, env = str(enrolled["vault"]), enrolled["env"]
    text = "Eleven children from school 5 taken by bus to a camp"
    where = "Nova Kakhovka boarding school"
    cli("source", "report", "--vault", v, "--category", "chd", "--category", "dep", "--text", text,
        "--where", where, "--when", "2026-03-01T10:00", "--attach", str(photo(tmp_path / "IMG_1.jpg")),
        env=env)
    out = json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)
    assert len(out) == 1 and set(out[0]) == {"id", "size_bucket", "created_at"}
    r = cli("source", "send", "--vault", v, "--now", env=env)
    assert "sent 1" in r.stdout
    assert json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout) == []
    cli("source", "decoy", "--vault", v, "--note", "milk, bread, apples", env=env)
    data = enrolled["vault"].read_bytes()
    assert len(data) == 4 * 1024 * 1024
    chi_square_ok(data)
    no_marker(data)
    secrets = [text, where, "school 5", enrolled["handler"].public().fingerprint(),
               enrolled["url"], enrolled["url"].split("//")[1], enrolled["vkey"].split("+")[0]]
    for s in secrets:
        for enc in encodings(s):
            assert enc not in data, f"{s!r} is visible in the vault"
    for raw in (enrolled["handler"].public().sign, enrolled["handler"].public().clue):
        assert raw not in data
    decoy_env = dict(env, TYSHA_PASSPHRASE=DECOY)
    assert json.loads(cli("source", "notes", "--vault", v, "--json", env=decoy_env).stdout) == ["milk, bread, apples"]
    assert json.loads(cli("source", "outbox", "--vault", v, "--json", env=decoy_env).stdout) == []
    nope = cli("source", "replies", "--vault", v, "--json", "--offline", env=decoy_env)
    assert json.loads(nope.stdout) == []
    cli("source", "purge", "--vault", v, env=env)
    r = cli("source", "outbox", "--vault", v, "--json", env=env, check=False)
    assert r.returncode == 1 and "opens nothing" in r.stderr
    assert json.loads(cli("source", "notes", "--vault", v, "--json", env=decoy_env).stdout) == ["milk, bread, apples"]
    assert enrolled["vault"].stat().st_size == 4 * 1024 * 1024
    chi_square_ok(enrolled["vault"].read_bytes())


def test_nothing_outside_the_vault(tmp_path: Path, enrolled: dict[str, Any], cli: Any) -> None:
    home, tmpdir = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmpdir.mkdir()
    env = dict(enrolled["env"], HOME=str(home), TMPDIR=str(tmpdir), PYTHONDONTWRITEBYTECODE="1",
               XDG_CACHE_HOME=str(home / ".cache"), XDG_CONFIG_HOME=str(home / ".config"))
    v = str(enrolled["vault"])
    att = photo(tmp_path / "IMG_2.jpg")
    cli("source", "report", "--vault", v, "--category", "det", "--text", "neighbour taken", "--attach", str(att), env=env)
    cli("source", "outbox", "--vault", v, "--json", env=env)
    cli("source", "send", "--vault", v, "--now", env=env)
    cli("source", "replies", "--vault", v, "--json", env=env)
    cli("source", "decoy", "--vault", v, "--note", "x", env=env)
    assert list(home.rglob("*")) == [] and list(tmpdir.rglob("*")) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["home", "tmp", "phone.vault", "IMG_2.jpg", "drop"])


def test_replies_reach_the_source_and_foreign_ones_are_ignored(enrolled: dict[str, Any], cli: Any) -> None:
    v, env = str(enrolled["vault"]), enrolled["env"]
    cli("source", "report", "--vault", v, "--category", "mob", "--text", "summons", env=env)
    cli("source", "send", "--vault", v, "--now", env=env)
    # The handler would learn the source key from the report; here we read it back from the drop.
    from tysha.protocol import ContentSplitter, open_envelope

    with DropClient(enrolled["url"]) as c:
        recs, _, _ = c.clues(-1, 100)
        opened = open_envelope(c.fetch_bytes(recs[0].index), enrolled["handler"])
        sp = ContentSplitter()
        list(sp.feed(opened.content))
        assert sp.manifest is not None
        source_key = sp.manifest.sender
        handler = enrolled["handler"]
        good = Manifest("reply", handler.public(), {"text": "Thank you. Stay safe."}).signed(handler)
        c.upload(seal_envelope(frame_content(good.to_bytes()), [source_key], os.urandom))
        impostor = Identity.generate(os.urandom)
        bad = Manifest("reply", impostor.public(), {"text": "Meet me at the station"}).signed(impostor)
        c.upload(seal_envelope(frame_content(bad.to_bytes()), [source_key], os.urandom))
        for _ in range(30):
            c.upload(seal_envelope(b"noise", [Identity.generate(os.urandom).public()], os.urandom))
    out = json.loads(cli("source", "replies", "--vault", v, "--json", env=env).stdout)
    assert [r["text"] for r in out] == ["Thank you. Stay safe."]
    again = json.loads(cli("source", "replies", "--vault", v, "--json", env=env).stdout)
    assert again == out  # kept in the vault, not fetched twice


def test_courier_round_trip(tmp_path: Path, enrolled: dict[str, Any], cli: Any) -> None:
    v, env = str(enrolled["vault"]), enrolled["env"]
    for i in range(3):
        cli("source", "report", "--vault", v, "--category", "pil", "--text", f"trucks {i}", env=env)
    usb = tmp_path / "usb.bin"
    cli("source", "export", "--vault", v, "--to", str(usb), env=env)
    data = usb.read_bytes()
    assert b"trucks" not in data and enrolled["url"].encode() not in data
    receipts = tmp_path / "receipts.json"
    cli("courier", "deliver", str(usb), "--drop", enrolled["url"], "--receipts", str(receipts))
    doc = json.loads(receipts.read_text())
    doc["receipts"][0]["proof"][0] = "00" * 32
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    bad = cli("source", "import-receipts", "--vault", v, "--from", str(forged), env=env, check=False)
    assert bad.returncode == 1 and "tysha: error" in bad.stderr
    deep = tmp_path / "deep.json"  # nested past the parser's depth: said so, not "a bug"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    bad = cli("source", "import-receipts", "--vault", v, "--from", str(deep), env=env, check=False)
    assert bad.returncode == 1 and "malformed receipts file" in bad.stderr
    assert "internal error" not in bad.stderr
    # A file bigger than any courier's (read whole, it filled the phone's memory) and fields of
    # the wrong type: refused in our words, never the parser's ("string indices must be ...").
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:
        f.truncate(MAX_RECEIPTS_FILE + 1)
    wrong = {"checkpoint": doc["checkpoint"], "consistency": "ab", "receipts": doc["receipts"]}
    (tmp_path / "wrong.json").write_text(json.dumps(wrong))
    (tmp_path / "list.json").write_text(json.dumps([doc]))
    (tmp_path / "nothex.json").write_text(json.dumps({**doc, "consistency": ["zz"]}))
    for name, said in [("huge.json", "larger than any receipts file"),
                       ("wrong.json", "a field has the wrong type"),
                       ("list.json", "not the fields a courier's file has"),
                       ("nothex.json", "a consistency hash is not hex")]:  # fmt: skip
        bad = cli("source", "import-receipts", "--vault", v, "--from", str(tmp_path / name),
                  env=env, check=False)  # fmt: skip
        assert bad.returncode == 1 and f"malformed receipts file: {said}" in bad.stderr, bad.stderr
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 3
    out = cli("source", "import-receipts", "--vault", v, "--from", str(receipts), env=env)
    assert "3 envelopes confirmed" in out.stdout
    assert json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout) == []


class Socks5Proxy:
    """A minimal SOCKS5 proxy (RFC 1928, CONNECT) on loopback, counting connections. It takes
    the username/password a client offers (RFC 1929, Tor's IsolateSOCKSAuth key) and keeps,
    per connection, those credentials and the request lines sent through it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections: list[tuple[str, int]] = []
        #: Per connection: (username:password or None, the requests' first lines).
        self.streams: list[tuple[str | None, list[bytes]]] = []
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, c: socket.socket) -> None:
        try:
            greeting = c.recv(2)  # VER, NMETHODS
            methods = c.recv(greeting[1])
            creds = None
            if 2 in methods:  # username/password
                c.sendall(b"\x05\x02")
                c.recv(1)
                user = c.recv(c.recv(1)[0])
                password = c.recv(c.recv(1)[0])
                creds = (user + b":" + password).decode()
                c.sendall(b"\x01\x00")
            else:
                c.sendall(b"\x05\x00")
            lines: list[bytes] = []
            self.streams.append((creds, lines))
            head = c.recv(4)
            if head[3] == 1:
                host = socket.inet_ntoa(c.recv(4))
            elif head[3] == 3:
                host = c.recv(c.recv(1)[0]).decode()
            else:
                return
            port = struct.unpack(">H", c.recv(2))[0]
            self.connections.append((host, port))
            up = socket.create_connection((host, port))
            c.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", 0))

            def pipe(a: socket.socket, b: socket.socket, seen: list[bytes] | None = None) -> None:
                try:
                    while data := a.recv(65536):
                        if seen is not None:
                            seen.extend(
                                line for line in data.split(b"\r\n")
                                if line.startswith((b"GET /", b"POST /", b"PUT /"))
                            )
                        b.sendall(data)
                except OSError:
                    pass
                finally:
                    for s in (a, b):
                        try:
                            s.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass

            t = threading.Thread(target=pipe, args=(up, c), daemon=True)
            t.start()
            pipe(c, up, lines)
            t.join(5)
            up.close()
        except (OSError, IndexError):
            pass
        finally:
            c.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


def test_upload_through_socks5(enrolled: dict[str, Any]) -> None:
    proxy = Socks5Proxy()
    try:
        url = enrolled["url"]
        e = seal_envelope(b"via tor", [enrolled["handler"].public()], os.urandom)
        with DropClient(url, transport=Socks5Transport(f"socks5://127.0.0.1:{proxy.port}")) as c:
            r = c.upload(e)
        r.verify(enrolled["vkey"])
        port = int(url.rsplit(":", 1)[1])
        assert ("127.0.0.1", port) in proxy.connections
    finally:
        proxy.close()


def test_each_report_leaves_on_its_own_tor_circuit(enrolled: dict[str, Any], cli: Any) -> None:
    """Before, every report due went out in one send over one SOCKS identity, so Tor put them
    on one circuit and the drop (or its exit) saw them arrive together as one person's. Now
    each envelope is uploaded with fresh random SOCKS credentials (Tor's IsolateSOCKSAuth: a
    circuit of its own) on a new connection."""
    v, env = str(enrolled["vault"]), enrolled["env"]
    for i in range(3):
        cli("source", "report", "--vault", v, "--category", "det", "--text", f"r{i}", env=env)
    proxy = Socks5Proxy()
    try:
        r = cli("source", "send", "--vault", v, "--now", "--tor",
                env={**env, "TYSHA_TOR": f"socks5://127.0.0.1:{proxy.port}"})
    finally:
        proxy.close()
    assert "sent 3" in r.stdout
    uploads = [
        (creds, sum(line.startswith(b"POST /v1/envelopes") for line in lines))
        for creds, lines in proxy.streams
        if any(line.startswith(b"POST /v1/envelopes") for line in lines)
    ]
    assert [n for _, n in uploads] == [1, 1, 1], proxy.streams  # one upload per connection
    keys = [creds for creds, _ in uploads]
    assert all(keys) and len(set(keys)) == 3, keys  # each its own isolation key
    # No other stream of the send shares an upload's key either.
    others = [creds for creds, lines in proxy.streams if not any(
        line.startswith(b"POST /v1/envelopes") for line in lines)]
    assert not set(others) & set(keys)


def test_a_courier_delivers_each_envelope_on_its_own_tor_circuit(
    tmp_path: Path, enrolled: dict[str, Any], cli: Any
) -> None:
    """`courier deliver --tor` uploaded a reporter's envelopes, and asked the proofs of their
    log indices, over one SOCKS identity, one circuit: the drop saw them together, as one
    person's. Now each envelope and each proof has a circuit of its own."""
    v, env = str(enrolled["vault"]), enrolled["env"]
    for i in range(3):
        cli("source", "report", "--vault", v, "--category", "det", "--text", f"c{i}", env=env)
    usb = tmp_path / "usb.bin"
    cli("source", "export", "--vault", v, "--to", str(usb), env=env)
    proxy = Socks5Proxy()
    try:
        cli("courier", "deliver", str(usb), "--drop", enrolled["url"], "--tor",
            "--receipts", str(tmp_path / "r.json"),
            env={"TYSHA_TOR": f"socks5://127.0.0.1:{proxy.port}"})
    finally:
        proxy.close()
    uploads = [creds for creds, lines in proxy.streams for line in lines
               if line.startswith(b"POST /v1/envelopes")]  # fmt: skip
    assert len(uploads) == 3 and all(uploads) and len(set(uploads)) == 3, proxy.streams
    # Nor are the proofs of their indices asked together (each names one envelope's entry).
    proofs = [creds for creds, lines in proxy.streams for line in lines
              if line.startswith(b"GET /v1/proof/inclusion")]  # fmt: skip
    assert len(proofs) == 3 and len(set(proofs)) == 3, proxy.streams


def test_a_send_that_stops_midway_says_what_left(enrolled: dict[str, Any], cli: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The drop goes away after the first upload: the reporter is told that one report left
    (its receipt verified) and two wait, not only that the drop cannot be reached."""
    from tysha.errors import TransportError

    v, env = str(enrolled["vault"]), enrolled["env"]
    for i in range(3):
        cli("source", "report", "--vault", v, "--category", "det", "--text", f"r{i}", env=env)
    real = DropClient.upload
    calls = []

    def upload(self: DropClient, envelope: Any, progress: Any = None) -> Any:
        calls.append(1)
        if len(calls) > 1:
            raise TransportError("cannot reach the drop: the connection was reset")
        return real(self, envelope, progress=progress)

    monkeypatch.setattr(DropClient, "upload", upload)
    r = cli("source", "send", "--vault", v, "--now", env=env, check=False)
    assert r.returncode == 1 and "cannot reach the drop" in r.stderr
    assert "sent 1, receipts verified; 2 still waiting" in r.stdout, (r.stdout, r.stderr)
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 2


def test_a_receipt_brought_twice_confirms_one_envelope(tmp_path: Path, enrolled: dict[str, Any],
                                                       cli: Any) -> None:
    """A courier's file naming the same receipt twice (a careless or lying courier) confirms
    that envelope once: the count says how many envelopes the drop's log holds."""
    v, env = str(enrolled["vault"]), enrolled["env"]
    for i in range(2):
        cli("source", "report", "--vault", v, "--category", "pil", "--text", f"carts {i}", env=env)
    usb = tmp_path / "usb.bin"
    cli("source", "export", "--vault", v, "--to", str(usb), env=env)
    receipts = tmp_path / "receipts.json"
    cli("courier", "deliver", str(usb), "--drop", enrolled["url"], "--receipts", str(receipts))
    doc = json.loads(receipts.read_text())
    doc["receipts"] = [doc["receipts"][0]] * 2  # one envelope's receipt, twice
    receipts.write_text(json.dumps(doc))
    out = cli("source", "import-receipts", "--vault", v, "--from", str(receipts), env=env)
    assert "1 envelope confirmed by the drop's log; 1 still waiting" in out.stdout, out.stdout
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1


def test_a_report_written_while_a_send_runs_is_never_lost(enrolled: dict[str, Any], cli: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A send is slow (Tor, a bridge, a large photo): a report written while it runs is either
    kept or refused with a clear error. Before, 'sealed into the outbox' was said and the send,
    saving the state it had read before, then wrote over it: the report was gone."""
    from tysha.errors import StorageError
    from tysha.source.device import SourceDevice
    from tysha.source.vault import Vault

    v, env = str(enrolled["vault"]), enrolled["env"]
    cli("source", "report", "--vault", v, "--category", "det", "--text", "first", env=env)
    real = DropClient.upload
    meanwhile: list[str] = []

    def upload(self: DropClient, envelope: Any, progress: Any = None) -> Any:
        try:  # the reporter writes another report while the upload runs
            SourceDevice.open(Path(v), env["TYSHA_PASSPHRASE"]).report(["det"], "second")
            meanwhile.append("kept")
        except StorageError as exc:
            meanwhile.append(exc.message)
        return real(self, envelope, progress=progress)

    monkeypatch.setattr(DropClient, "upload", upload)
    assert "sent 1" in cli("source", "send", "--vault", v, "--now", env=env).stdout
    waiting = Vault(Path(v)).unlock(env["TYSHA_PASSPHRASE"]).state["outbox"]
    if meanwhile == ["kept"]:
        assert len(waiting) == 1, "the report written during the send was lost"
    else:
        assert "another tysha command is using this vault" in meanwhile[0], meanwhile
        assert waiting == []
    monkeypatch.setattr(DropClient, "upload", real)
    # Once the send has ended, the vault is free again.
    cli("source", "report", "--vault", v, "--category", "det", "--text", "third", env=env)
    out = json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)
    assert len(out) == len(waiting) + 1


def test_the_report_text_can_come_from_standard_input(enrolled: dict[str, Any], cli: Any) -> None:
    """'--text TEXT' typed in a shell stays in its history file (~/.bash_history), in plain text
    beside the vault; '--text -' reads the text from standard input instead."""
    from tysha.protocol import open_envelope
    from tysha.protocol.sealed_report import read_report
    from tysha.source.vault import Vault

    v, env = str(enrolled["vault"]), enrolled["env"]
    said = "Soldiers took the Hrytsenko boy from the market\nat noon, in a white van"
    out = cli("source", "report", "--vault", v, "--category", "chd", "--text", "-", env=env,
              input=said + "\n")
    assert said not in out.stdout + out.stderr
    [item] = Vault(Path(v)).unlock(env["TYSHA_PASSPHRASE"]).state["outbox"]
    opened = open_envelope(bytes(item["env"]), enrolled["handler"])
    report, _ = read_report([opened.content])
    assert report.manifest.body["text"] == said
    empty = cli("source", "report", "--vault", v, "--category", "chd", "--text", "-", env=env,
                input="  \n", check=False)
    assert empty.returncode == 1 and "needs some text" in empty.stderr
    from tysha.source.cli import MAX_TEXT

    huge = cli("source", "report", "--vault", v, "--category", "chd", "--text", "-", env=env,
               input="x" * (MAX_TEXT + 1), check=False)  # fmt: skip
    assert huge.returncode == 1 and "longer than" in huge.stderr, huge.stderr
    assert len(Vault(Path(v)).unlock(env["TYSHA_PASSPHRASE"]).state["outbox"]) == 1  # unchanged


def test_what_the_vault_keeps_of_a_sent_report_is_what_the_readme_says(
        enrolled: dict[str, Any], cli: Any) -> None:
    """Opened with its passphrase (under duress), the vault shows of each sent report its local
    id, the hour it was written and the drop's receipt, never its text; the README said 'only
    receipts', which hid the hour a coercer can set beside a known event."""
    from tysha.source.vault import Vault

    v, env = str(enrolled["vault"]), enrolled["env"]
    cli("source", "report", "--vault", v, "--category", "kil", "--text", "shelling", env=env)
    cli("source", "send", "--vault", v, "--now", env=env)
    state = Vault(Path(v)).unlock(env["TYSHA_PASSPHRASE"]).state
    # "enrol": which invitation's secret it carried, kept until the handler's first reply
    # (tests/source/test_enrol_secret.py).
    assert state["outbox"] == [] and [set(s) for s in state["sent"]] == [
        {"id", "created", "digest", "sent_hour", "enrol"}
    ]
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text().split())
    assert "the hour each was written" in readme
    assert "until its handler's first reply whether it carried the invitation's secret" in readme
    assert "its receipt and digest are forgotten" in readme  # tests/source/test_forget_sends.py


def test_shred_originals_once_each_and_says_its_limits(tmp_path: Path, enrolled: dict[str, Any],
                                                       cli: Any) -> None:
    """`--shred-originals` with the same photo attached twice overwrites and removes it once
    (the second overwrite found it gone and failed the command after "sealed into the outbox",
    so a reporter would write the report again), and says where copies may survive."""
    v, env = str(enrolled["vault"]), enrolled["env"]
    att = photo(tmp_path / "IMG_7.jpg")
    out = cli("source", "report", "--vault", v, "--category", "det", "--text", "x", "--attach",
              str(att), "--attach", str(tmp_path / "." / "IMG_7.jpg"), "--shred-originals",
              env=env)  # fmt: skip
    assert out.returncode == 0 and not att.exists()
    assert "copy-on-write file systems" in out.stdout and "messengers" in out.stdout
    assert len(json.loads(cli("source", "outbox", "--vault", v, "--json", env=env).stdout)) == 1


def test_a_report_written_while_the_phone_clock_ran_years_ahead_leaves_once_it_is_put_right(
    enrolled: dict[str, Any],
) -> None:
    """A phone's clock set wrong (five years ahead) when a report was written, then put right:
    the report's random delay was counted from a time that has not come, so 'source send'
    said 'the next is due in about 1827 days' and kept it on the phone. The clock has gone
    back past the hour the report was made: its random delay now counts from the present (so
    the drop still cannot tie its arrival to its writing), never from years ahead."""
    import time

    from tysha.source.device import SourceDevice

    v, pw = Path(enrolled["vault"]), enrolled["env"]["TYSHA_PASSPHRASE"]
    right = time.time()
    ahead = right + 5 * 365 * 86400
    dev = SourceDevice.open(v, pw, clock=lambda: ahead)
    dev.report(["det"], "written with the clock five years ahead", mean_delay=3600)
    dev.vault.release()
    dev = SourceDevice.open(v, pw, clock=lambda: right)
    try:
        wait = dev.next_due()
        assert wait is not None and wait < 30 * 86400  # its delay (mean one hour), not years
        later = SourceDevice.open  # the same vault, read once the delay has passed
        dev.vault.release()
        dev = later(v, pw, clock=lambda: right + wait + 1)
        assert dev.next_due() == 0 and len(dev.due()) == 1
    finally:
        dev.vault.release()
    # A report written with the clock right still waits for its delay.
    dev = SourceDevice.open(v, pw, clock=lambda: right)
    try:
        dev.state["outbox"] = []
        dev.report(["det"], "written with the clock right", mean_delay=3600)
        dev.state["outbox"][0]["due"] = int(right) + 3600
        assert dev.due() == [] and dev.next_due() == 3600 - (right - int(right))
    finally:
        dev.vault.release()


def test_purge_is_not_refused_while_a_send_holds_the_vault(
    enrolled: dict[str, Any], cli: Any
) -> None:
    """A send over Tor or a bridge holds the vault for minutes; the reporter sees a checkpoint
    ahead and purges. Before, the purge was refused ("another tysha command is using this vault
    right now … nothing was changed": run it again when the send has ended) and the contents
    stayed readable. Now it destroys them at once; the send's later saves are sealed under a
    key no passphrase reaches any more, so they bring nothing back."""
    from tysha.errors import BadPassphrase
    from tysha.source.device import SourceDevice
    from tysha.source.vault import Vault

    v, env = str(enrolled["vault"]), enrolled["env"]
    cli("source", "report", "--vault", v, "--category", "det", "--text", "first", env=env)
    cli("source", "decoy", "--vault", v, "--note", "shopping list", env=env)
    sending = SourceDevice.open(Path(v), env["TYSHA_PASSPHRASE"])  # holds it, as a send does
    try:
        r = cli("source", "purge", "--vault", v, env=env, check=False, process=True)
        assert r.returncode == 0, r.stderr
        sending.state["receipts"] = [b"what the send kept"]
        sending.save()  # the send goes on and saves what it did
    finally:
        sending.vault.release()
    with pytest.raises(BadPassphrase):
        Vault(Path(v)).unlock(env["TYSHA_PASSPHRASE"])
    assert Vault(Path(v)).unlock(env["TYSHA_DECOY_PASSPHRASE"]).state["notes"] == ["shopping list"]
