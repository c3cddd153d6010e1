"""End to end through the private Tor network: the drop as an onion service, a source through
Tor's SOCKS port and another through the obfs4 bridge, the desk fetching and replying via Tor."""

from __future__ import annotations

import json
import os
import re
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from tysha.drop.launcher import run_drop
from tysha.tor.network import PrivateTorNetwork
from tysha.tor.onion import onion_address, write_onion_torrc

pytestmark = pytest.mark.slow

DESK_PASS = "desk passphrase for tor tests"
SRC_PASS = "source passphrase over tor"


def _no_client_address(data: Path, skip: set[str]) -> None:
    """No IP address in any file the drop keeps (its log, database, blobs) except the onion
    configuration, which names its own loopback target."""
    for f in data.rglob("*"):
        if not f.is_file() or f.name in skip or "onion" in f.relative_to(data).parts:
            continue
        raw = f.read_bytes()
        assert not re.search(rb"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", raw), f


def test_onion_drop_sources_via_tor_and_bridge_desk_replies(
    tornet: PrivateTorNetwork, tmp_path: Path, cli: Any
) -> None:
    figures: dict[str, float] = {"converge_s": round(tornet.converged_s, 1)}
    with run_drop(tmp_path) as (url, vkey, data):
        port = int(url.rsplit(":", 1)[1])
        # What `tysha drop serve --onion` writes, read by a Tor of the private network.
        torrc, how = write_onion_torrc(data, port)
        assert "HiddenServiceDir" in how or str(torrc) in how
        hs = data / "onion"
        _hs_node, host = tornet.add_onion_service("drophs", torrc.read_text(), hs)
        assert stat.S_IMODE(hs.stat().st_mode) == 0o700
        assert all(stat.S_IMODE(f.stat().st_mode) & 0o077 == 0 for f in hs.iterdir() if f.is_file())
        onion = onion_address(data)
        assert onion == f"http://{host}" and host.endswith(".onion")
        info = json.loads(cli("drop", "info", "--data", str(data), "--json").stdout)
        assert info["onion"] == onion

        client = tornet.add_client("sourcetor")
        tor_env = {"TYSHA_TOR": tornet.socks_url(client)}
        desk = tmp_path / "desk"
        denv = {"TYSHA_PASSPHRASE": DESK_PASS}
        cli("desk", "init", "--desk", str(desk), "--name", "Tor cell", env=denv)
        code = cli("desk", "invite", "--desk", str(desk), "--drop", onion, "--drop-key", vkey,
                   env=denv).stdout.strip()
        code2 = cli("desk", "invite", "--desk", str(desk), "--drop", onion, "--drop-key", vkey,
                    env=denv).stdout.strip()
        senv = {"TYSHA_PASSPHRASE": SRC_PASS}
        vaults = []
        for name, inv in (("tor", code), ("bridge", code2)):
            v = tmp_path / f"{name}.vault"
            cli("source", "init", "--vault", str(v), "--size", "4MiB", env=senv)
            cli("source", "enroll", "--vault", str(v), "--invitation", inv, env=senv)
            cli("source", "report", "--vault", str(v), "--category", "det", "--text",
                f"report sent over {name}", env=senv)
            vaults.append(v)

        # Without Tor the onion drop is refused and the outbox keeps the report.
        r = cli("source", "send", "--vault", str(vaults[0]), "--now", env=senv, check=False)
        assert r.returncode == 1 and "only through Tor" in r.stderr
        assert len(json.loads(cli("source", "outbox", "--vault", str(vaults[0]), "--json",
                                  env=senv).stdout)) == 1

        t = time.monotonic()
        cli("source", "send", "--vault", str(vaults[0]), "--now", "--tor", env={**senv, **tor_env})
        figures["send_onion_s"] = round(time.monotonic() - t, 2)

        # The second source starts its own Tor that reaches the network only through the bridge.
        extra = tmp_path / "private.torrc"
        extra.write_text(tornet.private_torrc())
        tmp = tmp_path / "tmp"  # where its Tor's folder is made
        tmp.mkdir()
        t = time.monotonic()
        cli("source", "send", "--vault", str(vaults[1]), "--now", "--bridge", tornet.bridge_line,
            env={**senv, "TYSHA_TOR_TORRC": str(extra), "TMPDIR": str(tmp)}, process=True)
        figures["send_bridge_incl_tor_start_s"] = round(time.monotonic() - t, 2)
        # The source's own Tor (and its obfs4proxy) ended with the command.
        for pid in os.listdir("/proc"):
            if pid.isdigit() and int(pid) not in tornet.pids():
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                assert str(tmp).encode() not in cmd, cmd
        assert list(tmp.iterdir()) == []
        for v in vaults:
            assert json.loads(cli("source", "outbox", "--vault", str(v), "--json",
                                  env=senv).stdout) == []

        out = json.loads(cli("desk", "fetch", "--desk", str(desk), "--json", "--tor",
                             env={**denv, **tor_env}).stdout)
        assert out["new"] == 2 and out["unreachable"] == []
        reports = json.loads(cli("desk", "list", "--desk", str(desk), "--json", env=denv).stdout)
        assert sorted(r["text"] for r in reports) == ["report sent over bridge", "report sent over tor"]
        assert all(r["receipt_verified"] and r["trusted"] for r in reports)
        rid = next(r["id"] for r in reports if r["text"] == "report sent over tor")
        cli("desk", "reply", rid, "--desk", str(desk), "--text", "Received via onion.", "--tor",
            env={**denv, **tor_env})
        got = json.loads(cli("source", "replies", "--vault", str(vaults[0]), "--json", "--tor",
                             env={**senv, **tor_env}).stdout)
        assert [g["text"] for g in got] == ["Received via onion."]

        # An onion invitation never lets its source reach a clearnet address directly.
        cli("source", "report", "--vault", str(vaults[0]), "--category", "det", "--text", "more",
            env=senv)
        r = cli("source", "send", "--vault", str(vaults[0]), "--now", "--drop", url, env=senv,
                check=False)
        assert r.returncode == 1 and "asks for Tor" in r.stderr
        # Direct, for the figures (same machine, same run): a source invited to the clearnet
        # address of the same drop.
        code3 = cli("desk", "invite", "--desk", str(desk), "--drop", url, "--drop-key", vkey,
                    env=denv).stdout.strip()
        v3 = str(tmp_path / "direct.vault")
        cli("source", "init", "--vault", v3, "--size", "4MiB", env=senv)
        cli("source", "enroll", "--vault", v3, "--invitation", code3, env=senv)
        cli("source", "report", "--vault", v3, "--category", "det", "--text", "direct", env=senv)
        t = time.monotonic()
        cli("source", "send", "--vault", v3, "--now", env=senv)
        figures["send_direct_s"] = round(time.monotonic() - t, 2)
        _no_client_address(data, {"torrc-onion"})
        log = (data / "server.log").read_text(errors="replace") if (data / "server.log").exists() else ""
        assert not re.search(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d+\b.*(GET|POST)", log)
    out_dir = Path(os.environ.get("TYSHA_ARTIFACTS", tmp_path))
    (out_dir / "tor-figures.json").write_text(json.dumps(figures))
    print(json.dumps(figures))
