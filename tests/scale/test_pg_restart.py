"""PostgreSQL restarted under load (issue 13): meanwhile the drop answers 503 with
Retry-After (never a 500, never a receipt it cannot keep) and it recovers by itself."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import httpx
import pytest

from tysha.drop.launcher import run_drop
from tysha.protocol import Identity, Receipt, seal_envelope
from tysha.tlog import (
    NoteVerifier,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    verify_inclusion,
    verify_tiles_against_checkpoint,
)
from tysha.transport.client import tls_context

from .conftest import OwnPostgres

ME = Identity.generate(os.urandom)


@pytest.mark.slow
def test_postgres_restart_mid_load_gives_503_then_recovers(
    tmp_path: Path, own_postgres: OwnPostgres
) -> None:
    envelopes = [seal_envelope(os.urandom(200), [ME.public()], os.urandom) for _ in range(1500)]
    acked: list[tuple[bytes, Receipt]] = []
    statuses: list[tuple[int, str | None]] = []
    stop = threading.Event()
    nxt = iter(envelopes)
    lock = threading.Lock()
    with run_drop(tmp_path, database=own_postgres.url) as (url, vkey, _):

        failures: list[BaseException] = []

        def client() -> None:
            try:
                load()
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)

        def load() -> None:
            with httpx.Client(base_url=url, timeout=30, verify=tls_context()) as h:
                env = None
                while not stop.is_set():
                    if env is None:  # a refused envelope is sent again, as a source would
                        with lock:
                            env = next(nxt, None)
                        if env is None:
                            return
                    try:
                        r = h.post("/v1/envelopes", content=env)
                    except httpx.HTTPError:
                        continue
                    with lock:
                        statuses.append((r.status_code, r.headers.get("retry-after")))
                    if r.status_code == 200:
                        with lock:
                            acked.append((env, Receipt.from_json(r.json()["receipt"])))
                        env = None
                    else:
                        time.sleep(0.05)

        threads = [threading.Thread(target=client) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.5)
            before = len(acked)
            own_postgres.stop()
            time.sleep(2)
            during = len(statuses)
            own_postgres.start()
            # It recovers by itself: new intake is acknowledged again.
            deadline = time.monotonic() + 30
            while len(acked) <= before + 5 and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        assert not failures, failures
        assert before > 0 and len(acked) > before + 5
        codes = {s for s, _ in statuses}
        assert codes <= {200, 503}, codes  # never a 500, never a half answer
        outage = [ra for s, ra in statuses if s == 503]
        assert outage and all(ra is not None and ra.isdigit() for ra in outage)
        assert during > before  # requests were answered during the outage
        verifier = NoteVerifier.from_vkey(vkey)
        # open while the reader fetches tiles lazily
        with httpx.Client(base_url=url, verify=tls_context()) as h:
            final = open_checkpoint(h.get("/log/checkpoint").text, verifier)
            reader = verify_tiles_against_checkpoint(final, lambda p: h.get("/log/" + p).content)
            for env, r in acked:
                d = hashlib.sha256(env).digest()
                r.verify(vkey, d)
                proof = inclusion_proof(r.index, final.size, reader)
                verify_inclusion(leaf_hash(d), r.index, final.size, proof, final.root_hash)
