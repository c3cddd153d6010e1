"""Ports for the servers we start (Tor nodes, a bridge client, drops) come from below the
kernel's ephemeral range, so no outgoing connection on the machine can take one between the
choice and the server's bind."""

from __future__ import annotations

import random
import socket

import pytest

from tysha.tor import client as ports_of

ROOM = ports_of._ephemeral_start() - 1024 >= 1000  # Linux's default range starts at 32768


@pytest.mark.skipif(not ROOM, reason="this machine's ephemeral range leaves no room below it")
def test_ports_are_below_the_ephemeral_range_free_and_never_given_twice() -> None:
    start = ports_of._ephemeral_start()
    ports = [ports_of.free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert all(max(1024, start - 12_000) <= p < start for p in ports), (start, ports)
    for port in ports[:5]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))  # free: nothing was left listening on it


def test_a_port_in_use_is_never_given(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        # The range is made to hold the busy port, and the first five picks land on it.
        monkeypatch.setattr(ports_of, "_ephemeral_start", lambda: taken + 1)
        real = random.SystemRandom()
        picks = [taken] * 5

        class Pick:
            def randrange(self, a: int, b: int) -> int:
                return picks.pop() if picks else real.randrange(a, b)

        monkeypatch.setattr(ports_of.random, "SystemRandom", Pick)
        got = ports_of.free_port()
        assert not picks  # it did try the busy port, five times
    assert got != taken and got < taken + 1
