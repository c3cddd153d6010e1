"""Tor on a private network on loopback (tysha.tor.network): how long the network takes to
converge, a report's send time through the drop's onion service, through an obfs4 bridge and
direct, in the same run, and the drop's intake rate through Tor.

    python bench/tor.py --json [--reports N] [--seconds S]

Needs Debian's tor and obfs4proxy; everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
from _common import emit

from tysha.drop.launcher import run_drop
from tysha.protocol import Identity, Invitation, seal_envelope
from tysha.source.device import SourceDevice
from tysha.source.vault import Vault
from tysha.tor.network import PrivateTorNetwork
from tysha.tor.onion import onion_address, write_onion_torrc
from tysha.transport import DirectTransport, DropClient, TorTransport, Transport


def _send_ms(root: Path, name: str, url: str, vkey: str, transport: Transport, n: int) -> float:
    h = Identity.generate(os.urandom)
    inv = Invitation.create((url,), vkey, h, None, os.urandom(16))
    v = Vault.create(root / name, 16 << 20)
    v.add_compartment("p", 0, {})
    dev = SourceDevice(v, v.unlock("p"))
    dev.enroll(inv.to_text())
    for i in range(n):
        dev.report(["det"], f"report {i}", mean_delay=0)
    t = time.perf_counter()
    with DropClient(url, transport=transport) as c:
        res = dev.send(c, now=True)
    assert res.sent == n, res
    return (time.perf_counter() - t) / n * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--reports", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=8.0)
    a = ap.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="tysha-torbench-") as tmp,
        PrivateTorNetwork(authorities=3, relays=1, bridge=True) as net,
        run_drop(Path(tmp)) as d,
    ):
        root = Path(tmp)
        url, vkey, data = d
        torrc, _how = write_onion_torrc(data, int(url.rsplit(":", 1)[1]))
        t = time.monotonic()
        net.add_onion_service("drophs", torrc.read_text(), data / "onion")
        onion_up_s = time.monotonic() - t
        onion = onion_address(data)
        assert onion
        t = time.monotonic()
        client = net.add_client("benchclient")
        client_s = time.monotonic() - t
        t = time.monotonic()
        bclient = net.add_client("benchbridge", bridge_line=net.bridge_line)
        bridge_client_s = time.monotonic() - t
        tor, btor = TorTransport(net.socks_url(client)), TorTransport(net.socks_url(bclient))
        with DropClient(onion, transport=tor) as c:  # first circuit and descriptor fetch
            t = time.monotonic()
            c.info()
            first_onion_s = time.monotonic() - t
        with DropClient(onion, transport=btor) as c:
            c.info()
        onion_ms = _send_ms(root, "vo", onion, vkey, tor, a.reports)
        bridge_ms = _send_ms(root, "vb", onion, vkey, btor, a.reports)
        direct_ms = _send_ms(root, "vd", url, vkey, DirectTransport(), a.reports)
        # Intake through Tor: small envelopes, one client, for a few seconds.
        k = Identity.generate(os.urandom).public()
        env = seal_envelope(b"x" * 512, [k], os.urandom)
        n, t = 0, time.perf_counter()
        with DropClient(onion, transport=tor) as c:
            while time.perf_counter() - t < a.seconds:
                c.upload(env)
                n += 1
        rate = n / (time.perf_counter() - t)
    emit(
        {
            "network_converge_s": round(net.converged_s, 1),
            "onion_service_up_s": round(onion_up_s, 1),
            "client_bootstrap_s": round(client_s, 1),
            "bridge_client_bootstrap_s": round(bridge_client_s, 1),
            "first_onion_request_s": round(first_onion_s, 2),
            "send_per_report_ms": {
                "onion": round(onion_ms, 1),
                "onion_via_obfs4_bridge": round(bridge_ms, 1),
                "direct": round(direct_ms, 1),
            },
            "intake_per_s_through_onion_one_client": round(rate, 1),
            "reports": a.reports,
        },
        a.json,
    )


if __name__ == "__main__":
    main()
