"""The private Tor network on loopback, one for the whole folder (it runs in one worker:
tests/conftest.py); starting it is most of the folder's time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tysha.tor.network import PrivateTorNetwork, tor_missing


@pytest.fixture(scope="package")
def tornet() -> Iterator[PrivateTorNetwork]:
    why = tor_missing()
    if why:
        pytest.skip(f"no private Tor network: {why}")
    net = PrivateTorNetwork(authorities=3, relays=1, bridge=True)
    net.start()
    try:
        yield net
    finally:
        net.stop()
    assert not net.pids()  # every Tor we started is gone
