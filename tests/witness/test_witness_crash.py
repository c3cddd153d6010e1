"""Crash safety: a real witness process is SIGKILLed at random moments while clients submit
checkpoints from two forked histories of one log (same key).

Afterwards: every cosignature returned verifies; no two of them are for inconsistent
checkpoints (never both branches past the fork point, never two roots for one size); and
after each restart the witness's size is at least the largest it ever cosigned (it never
rolls back what it acknowledged).
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tysha.drop.launcher import free_port
from tysha.tlog import Checkpoint, CosignatureVerifier, open_checkpoint
from tysha.tlog.witness import format_add_checkpoint, parse_size_body
from tysha.transport.client import tls_context
from tysha.witness.service import init_witness
from tysha.witness.testing import MemoryLog, start_witness, wait_witness

# One client for the module's plain requests (each new httpx client loads the CA roots); no
# connection is kept open between them, so none is left open when the tests end.
_NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
_HTTP = httpx.Client(trust_env=False, verify=tls_context(), limits=_NO_KEEPALIVE)

KILLS = int(os.environ.get("TYSHA_WITNESS_CRASH_KILLS", "6"))
ORIGIN = "example.org/crash"
COMMON = 4
LENGTH = 400


@pytest.mark.slow
def test_sigkill_never_yields_inconsistent_cosignatures(tmp_path: Path) -> None:
    data = tmp_path / "w"
    vkey = init_witness(data, "witness.example/crash")
    witness = CosignatureVerifier.from_vkey(vkey)
    a = MemoryLog(ORIGIN, b"\x61" * 32)
    a.append(*[b"common %d" % i for i in range(COMMON)])
    b = a.fork()
    a.append(*[b"A %d" % i for i in range(LENGTH - COMMON)])
    b.append(*[b"B %d" % i for i in range(LENGTH - COMMON)])
    branches = {"A": a, "B": b}
    roots = {name: {s: log.root(s) for s in range(LENGTH + 1)} for name, log in branches.items()}
    notes = {name: {s: log.checkpoint(s) for s in range(LENGTH + 1)} for name, log in branches.items()}
    cosigned: list[tuple[str, int, bytes]] = []  # (branch, size, root) of every 200
    errors: list[BaseException] = []
    lock = threading.Lock()
    log_file = tmp_path / "witness.log"
    rng = random.Random(14)

    for round_no in range(KILLS):
        port = free_port()
        proc = start_witness(data, port, [(ORIGIN, a.vkey)], log_file)
        url = f"http://127.0.0.1:{port}"
        wait_witness(url, proc)
        # The witness never forgets a size it acknowledged (probe: old 0, size 0).
        probe = _HTTP.post(url + "/add-checkpoint", content=format_add_checkpoint(0, [], notes["A"][0]))
        held = 0 if probe.status_code == 200 else parse_size_body(probe.content)
        assert probe.status_code in (200, 409)
        assert held >= max((s for _, s, _ in cosigned), default=0), f"round {round_no}: rolled back"
        stop = threading.Event()

        def client(seed: int, url: str = url, stop: threading.Event = stop) -> None:
            try:
                submit(seed, url, stop)
            except BaseException as exc:  # a failed check in a thread must fail the test
                with lock:
                    errors.append(exc)

        def submit(seed: int, url: str, stop: threading.Event) -> None:
            crng = random.Random(seed)
            known = 0
            with httpx.Client(timeout=5, verify=tls_context()) as http:
                while not stop.is_set():
                    name = "A" if crng.random() < 0.6 else "B"
                    log = branches[name]
                    if known >= LENGTH:
                        return
                    size = min(LENGTH, known + crng.randint(0, 3))
                    proof = log.proof(known, size) if 0 < known < size else []
                    body = format_add_checkpoint(known, proof, notes[name][size])
                    try:
                        r = http.post(url + "/add-checkpoint", content=body)
                    except httpx.HTTPError:
                        time.sleep(0.01)
                        continue
                    if r.status_code == 200:
                        text = notes[name][size] + r.text
                        witness.verify_note(text)  # raises if the cosignature is bad
                        cp = open_checkpoint(text, witness)
                        assert cp == Checkpoint(ORIGIN, size, roots[name][size])
                        with lock:
                            cosigned.append((name, size, roots[name][size]))
                        known = size
                    elif r.status_code == 409 and r.headers["content-type"] == "text/x.tlog.size":
                        held_now = parse_size_body(r.content)
                        known = held_now if held_now != known else known
                    else:
                        assert r.status_code == 422, r.text  # the other branch: refused

        threads = [threading.Thread(target=client, args=(round_no * 10 + i,)) for i in range(3)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 1.2))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join(10)

    assert not errors, errors
    assert len(cosigned) > KILLS  # the test did exercise the witness
    # No two cosigned checkpoints are inconsistent: the smaller one is a prefix of the larger.
    for name1, s1, r1 in cosigned:
        for name2, s2, _ in cosigned:
            if s1 <= s2:
                assert roots[name2][s1] == r1, (name1, s1, name2, s2)
