"""Crash test: a real drop under a stream of uploads is SIGKILLed at random moments.

After each restart: every acknowledged receipt verifies against the new checkpoint, the new
checkpoint is consistent with every earlier one, and no half-written envelope is visible.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tysha.drop.launcher import free_port, init_data, start_drop, wait_ready
from tysha.errors import TyshaError
from tysha.protocol import Identity, Receipt, parse_header, seal_envelope
from tysha.tlog import (
    Checkpoint,
    NoteVerifier,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from tysha.transport import DropClient
from tysha.transport.client import tls_context

# One client for the module's plain requests (each new httpx client loads the CA roots); no
# connection is kept open between them, so none is left open when the tests end.
_NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
_HTTP = httpx.Client(trust_env=False, verify=tls_context(), limits=_NO_KEEPALIVE)

KILLS = int(os.environ.get("TYSHA_CRASH_KILLS", "8"))  # more: TYSHA_CRASH_KILLS=100


@pytest.mark.slow
def test_sigkill_during_uploads(tmp_path: Path) -> None:
    data = tmp_path / "drop"
    vkey = init_data(data, pow_bits=0)
    verifier = NoteVerifier.from_vkey(vkey)
    me = Identity.generate(os.urandom)
    pool = [seal_envelope(os.urandom(random.randrange(10, 20000)), [me.public()], os.urandom)
            for _ in range(60)]
    acked: list[Receipt] = []
    seen: list[Checkpoint] = []
    verified = 0  # acked[:verified] were proven included in an earlier round
    rng = random.Random(7)
    for round_no in range(KILLS):
        port = free_port()
        proc = start_drop(data, port)
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        # 1. Everything acknowledged before still verifies; the log only grew. A receipt
        #    checked under an earlier checkpoint stays included in every checkpoint consistent
        #    with that one, so each round proves the receipts acknowledged since the last
        #    round and the consistency of the last checkpoint with this one (the chain of
        #    consistency proofs covers all the earlier ones).
        cp = open_checkpoint(_HTTP.get(url + "/log/checkpoint").text, verifier)
        with DropClient(url) as c:
            for r in acked[verified:]:
                verify_inclusion(leaf_hash(r.envelope_digest), r.index, cp.size,
                                 c.inclusion_proof(r.index, cp.size), cp.root_hash)
            verified = len(acked)
            if seen:
                old = seen[-1]
                verify_consistency(old.size, cp.size, old.root_hash, cp.root_hash,
                                   c.consistency_proof(old.size, cp.size))
            # 2. No half-written envelope is visible: every listed one is whole and logged
            #    (those listed since the last round; the earlier ones were checked then).
            after = seen[-1].size - 1 if seen else -1
            records, _, _ = c.clues(after, 10000)
            for rec in records:
                blob = c.fetch_bytes(rec.index)
                assert parse_header(blob).envelope_length() == len(blob)
                digest = hashlib.sha256(blob).digest()
                verify_inclusion(leaf_hash(digest), rec.index, cp.size,
                                 c.inclusion_proof(rec.index, cp.size), cp.root_hash)
        seen.append(cp)
        # 3. Upload from several threads, then kill the drop at a random moment.
        stop = threading.Event()
        lock = threading.Lock()

        def worker(seed: int, url: str = url, stop: threading.Event = stop,
                   lock: threading.Lock = lock) -> None:
            wrng = random.Random(seed)
            with DropClient(url, timeout=5) as c:
                while not stop.is_set():
                    e = fresh() if wrng.random() < 0.7 else wrng.choice(pool)
                    try:
                        r = c.upload(e)
                    except TyshaError:
                        return
                    r.verify(vkey, hashlib.sha256(e).digest())
                    with lock:
                        acked.append(r)

        def fresh() -> bytes:
            return seal_envelope(os.urandom(64), [me.public()], os.urandom)

        threads = [threading.Thread(target=worker, args=(round_no * 10 + i,)) for i in range(4)]
        for t in threads:
            t.start()
        # Kill at a random moment once this round has acknowledged something (on a loaded
        # machine a fixed delay could kill the drop before any upload got through).
        before, deadline = len(acked), time.monotonic() + 30
        while len(acked) == before and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join(10)
    assert len(acked) > KILLS  # uploads really happened between the kills
    # The last round's receipts too: after one more start, every one verifies.
    port = free_port()
    proc = start_drop(data, port)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        cp = open_checkpoint(_HTTP.get(url + "/log/checkpoint").text, verifier)
        with DropClient(url) as c:
            verify_consistency(seen[-1].size, cp.size, seen[-1].root_hash, cp.root_hash,
                               c.consistency_proof(seen[-1].size, cp.size))
            for r in acked[verified:]:
                verify_inclusion(leaf_hash(r.envelope_digest), r.index, cp.size,
                                 c.inclusion_proof(r.index, cp.size), cp.root_hash)
    finally:
        proc.kill()
        proc.wait()
