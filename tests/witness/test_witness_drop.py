"""The client against a real drop's log: its checkpoints and consistency proofs are what a
witness cosigns (the way the drop will call it after each batch)."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.testclient import TestClient

from tysha.protocol import Identity, seal_envelope
from tysha.tlog import NoteVerifier, open_checkpoint
from tysha.tlog.witness import WitnessPolicy, check_witnesses
from tysha.transport import DropClient
from tysha.witness import WitnessClient, cosign_all
from tysha.witness.service import WitnessService, init_witness
from tysha.witness.web import create_app


def test_witnesses_cosign_a_real_drops_checkpoints(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    url, vkey, _ = drop
    log_key = NoteVerifier.from_vkey(vkey)
    me = Identity.generate(os.urandom)
    services, clients, vkeys = [], [], []
    with DropClient(url) as c:
        origin = open_checkpoint(c.checkpoint(), log_key).origin
        for i in (1, 2):
            wvkey = init_witness(tmp_path / f"w{i}", f"w{i}.example")
            svc = WitnessService(tmp_path / f"w{i}", {origin: [log_key]})
            services.append(svc)
            vkeys.append(wvkey)
            clients.append(WitnessClient("http://testserver", wvkey, client=TestClient(create_app(svc))))
        policy = WitnessPolicy.from_vkeys(vkeys, 2)
        sizes: dict[str, int] = {}
        for batch in range(3):
            for _ in range(batch + 1):
                c.upload(seal_envelope(os.urandom(100), [me.public()], os.urandom))
            note = c.checkpoint()
            cosigned, results = cosign_all(note, clients, c.consistency_proof, sizes)
            assert all(not isinstance(r, Exception) for r in results.values()), results
            result = check_witnesses(cosigned, log_key, policy)
            assert result.accepted, result.summary()
            size = open_checkpoint(note, log_key).size
            assert sizes == {"w1.example": size, "w2.example": size}
    for svc in services:
        svc.close()
