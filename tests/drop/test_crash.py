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

KILLS = int(os.environ.get("TYSHA_CRASH_KILLS", "20"))


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
    rng = random.Random(7)
    for round_no in range(KILLS):
        port = free_port()
        proc = start_drop(data, port)
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        # 1. Everything acknowledged before still verifies; the log only grew.
        cp = open_checkpoint(httpx.get(url + "/log/checkpoint").text, verifier)
        with DropClient(url) as c:
            for r in acked:
                verify_inclusion(leaf_hash(r.envelope_digest), r.index, cp.size,
                                 c.inclusion_proof(r.index, cp.size), cp.root_hash)
            for old in seen:
                verify_consistency(old.size, cp.size, old.root_hash, cp.root_hash,
                                   c.consistency_proof(old.size, cp.size))
            # 2. No half-written envelope is visible: every listed one is whole and logged.
            records, _, _ = c.clues(-1, 10000)
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
        time.sleep(rng.uniform(0.05, 0.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join(10)
    assert len(acked) > KILLS  # uploads really happened between the kills
