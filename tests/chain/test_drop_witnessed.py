"""Issue 14: a real drop configured with two real witnesses has each new checkpoint cosigned
after its batches, serves it at /log/checkpoint.cosigned, and never makes a receipt wait."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import httpx
import pytest

from tysha.drop.launcher import free_port, init_data, threaded_drop
from tysha.protocol import Identity, seal_envelope
from tysha.tlog import NoteVerifier
from tysha.tlog.witness import WitnessPolicy, check_witnesses
from tysha.transport import DropClient
from tysha.transport.client import tls_context
from tysha.witness.service import init_witness
from tysha.witness.testing import start_witness, wait_witness

# One client for the module's plain requests (each new httpx client loads the CA roots); no
# connection is kept open between them, so none is left open when the tests end.
_NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
_HTTP = httpx.Client(trust_env=False, verify=tls_context(), limits=_NO_KEEPALIVE)

ORIGIN = "tysha.test/drop"


@pytest.mark.slow
def test_drop_serves_checkpoints_cosigned_by_its_witnesses(tmp_path: Path) -> None:
    data = tmp_path / "drop"
    vkey = init_data(data)
    witnesses, procs = [], []
    try:
        for name in ("w1", "w2"):
            wvkey = init_witness(tmp_path / name, f"witness.test/{name}")
            port = free_port()
            procs.append(start_witness(tmp_path / name, port, [(ORIGIN, vkey)]))
            url = f"http://127.0.0.1:{port}"
            wait_witness(url, procs[-1])
            witnesses.append({"url": url, "vkey": wvkey})
        (data / "witnesses.json").write_text(json.dumps(witnesses))
        me = Identity.generate(os.urandom)
        with threaded_drop(tmp_path, data_dir=data) as (url, _vkey, _), DropClient(url) as c:
            for i in range(3):
                env = seal_envelope(f"report {i}".encode(), [me.public()], os.urandom)
                c.upload(env).verify(vkey, hashlib.sha256(env).digest())
            note = _cosigned(url, size=3)
        policy = WitnessPolicy.from_vkeys([w["vkey"] for w in witnesses], 2)
        result = check_witnesses(note, NoteVerifier.from_vkey(vkey), policy)
        assert result.accepted, result.summary()
    finally:
        for p in procs:
            p.kill()
            p.wait(10)


def _cosigned(url: str, size: int) -> str:
    """The cosigned checkpoint once it covers ``size`` entries (cosigning is asynchronous)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = _HTTP.get(url + "/log/checkpoint.cosigned", timeout=5)
        if r.status_code == 200 and int(r.text.split("\n")[1]) >= size:
            return r.text
        time.sleep(0.2)
    raise AssertionError("no cosigned checkpoint covering the uploads")
