"""Many processes, one log (issue 13): three drop processes over one PostgreSQL database and
one S3 bucket (SeaweedFS), loaded by several clients while one process and then the one
holding the sequencer lease are SIGKILLed. Every acknowledged receipt must verify against the
final checkpoint, every process must serve the same checkpoint and tiles, and every logged
entry must have its whole envelope behind it."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tysha.drop.launcher import SeaweedFS, free_port, init_data, start_drop, wait_ready
from tysha.errors import TyshaError
from tysha.protocol import Identity, Receipt, seal_envelope
from tysha.tlog import (
    NoteVerifier,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
    verify_tiles_against_checkpoint,
)
from tysha.transport import DropClient

ME = Identity.generate(os.urandom)


class Fleet:
    """Drop processes sharing one database and one bucket, each with its own folder (a copy
    of the log key and settings, as on separate machines)."""

    def __init__(self, tmp: Path, pg: str, blobs: str, seaweed: SeaweedFS) -> None:
        self.tmp, self.pg, self.blobs, self.env = tmp, pg, blobs, seaweed.env()
        self.master = tmp / "master"
        self.vkey = init_data(self.master)
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.urls: dict[int, str] = {}

    def start(self, n: int) -> None:
        data = self.tmp / f"drop{n}"
        if not data.exists():
            data.mkdir()
            for name in ("log.key", "drop.json"):
                shutil.copy2(self.master / name, data / name)
        port = free_port()
        proc = start_drop(
            data, port, self.pg, log=data / "server.log", blobs=self.blobs, env=self.env
        )
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        self.procs[n], self.urls[n] = proc, url

    def kill(self, n: int) -> None:
        self.procs[n].send_signal(signal.SIGKILL)
        self.procs[n].wait()
        del self.urls[n]

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def lease_holder(pg: str, pids: dict[int, int], deadline_s: float = 20) -> int:
    """Which of our processes holds the sequencer's advisory lock right now (polled until one
    is caught inside its integration transaction)."""
    import psycopg

    names = {f"tysha-drop-{pid}": n for n, pid in pids.items()}
    end = time.monotonic() + deadline_s
    with psycopg.connect(pg, autocommit=True) as c:
        while time.monotonic() < end:
            rows = c.execute(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a"
                " ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
            ).fetchall()
            for (name,) in rows:
                if name in names:
                    return names[name]
            time.sleep(0.002)
    raise AssertionError("no drop process was seen holding the sequencer lease")


@pytest.mark.slow
@pytest.mark.postgres
def test_three_processes_one_log_survive_sigkill_of_the_sequencer(
    tmp_path: Path, pg_url: str, s3_env: str, seaweed: SeaweedFS
) -> None:
    fleet = Fleet(tmp_path, pg_url, s3_env, seaweed)
    try:
        for n in range(3):
            fleet.start(n)
        envelopes = [seal_envelope(os.urandom(300), [ME.public()], os.urandom) for _ in range(900)]
        acked: list[tuple[bytes, Receipt]] = []
        stop = threading.Event()
        lock = threading.Lock()
        nxt = iter(range(len(envelopes)))

        def client(k: int) -> None:
            turn = k
            while not stop.is_set():
                with lock:
                    i = next(nxt, None)
                if i is None:
                    return
                for _attempt in range(20):  # a dead process: the next one (same digest)
                    urls = list(fleet.urls.values())
                    url = urls[turn % len(urls)]
                    turn += 1
                    try:
                        with DropClient(url, timeout=30) as c:
                            r = c.upload(envelopes[i])
                    except (TyshaError, httpx.HTTPError, OSError):
                        time.sleep(0.05)
                        continue
                    with lock:
                        acked.append((envelopes[i], r))
                    break

        threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        time.sleep(2)
        fleet.kill(0)  # any process, mid-load
        time.sleep(1)
        holder = lease_holder(pg_url, {n: p.pid for n, p in fleet.procs.items() if n in fleet.urls})
        fleet.kill(holder)  # the one inside its integration transaction
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(60)
        assert len(acked) > 20
        for n in range(3):  # the killed ones come back and join the same log
            if n not in fleet.urls:
                fleet.start(n)

        clients = [DropClient(u) for u in fleet.urls.values()]
        verifier = NoteVerifier.from_vkey(fleet.vkey)
        notes = {c.checkpoint() for c in clients}
        assert len(notes) == 1  # one checkpoint, the same bytes everywhere
        final = open_checkpoint(notes.pop(), verifier)
        fetched: dict[str, bytes] = {}

        def fetch(path: str) -> bytes:
            fetched[path] = clients[0].log_file(path)
            return fetched[path]

        reader = verify_tiles_against_checkpoint(final, fetch)
        for c in clients[1:]:
            for path, data in fetched.items():
                assert c.log_file(path) == data, path
        # Every acknowledged receipt: valid on its own and included in the final tree; its
        # checkpoint consistent with the final one (one proof per checkpoint size, asked once:
        # the receipts of a batch share their checkpoint).
        consistency: dict[int, list[bytes]] = {}
        for env, r in acked:
            digest = hashlib.sha256(env).digest()
            r.verify(fleet.vkey, digest)
            cp = open_checkpoint(r.checkpoint, verifier)
            proof = inclusion_proof(r.index, final.size, reader)
            verify_inclusion(leaf_hash(digest), r.index, final.size, proof, final.root_hash)
            if cp.size not in consistency:
                consistency[cp.size] = clients[len(consistency) % len(clients)].consistency_proof(
                    cp.size, final.size
                )
            verify_consistency(
                cp.size, final.size, cp.root_hash, final.root_hash, consistency[cp.size]
            )
        # Nothing half-visible: every logged entry has its whole envelope, from any process.
        for i in range(final.size):
            data = clients[i % len(clients)].fetch_bytes(i)
            proof = inclusion_proof(i, final.size, reader)
            verify_inclusion(
                leaf_hash(hashlib.sha256(data).digest()), i, final.size, proof, final.root_hash
            )
        assert final.size >= len({hashlib.sha256(e).digest() for e, _ in acked})
        for c in clients:
            c.close()
    finally:
        fleet.stop()
