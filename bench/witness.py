"""Benchmark of the witness (tysha.witness), in process, on one core.

    python bench/witness.py [--json] [--seconds S]

Measures, each for about S seconds (default 3):
- ``cosign_per_s``: the Ed25519 cosignature alone (CosignatureSigner.cosign);
- ``add_checkpoint_per_s``: the whole add-checkpoint decision as the HTTP handler runs it
  (parse, log signature check, consistency proof, SQLite commit with synchronous=FULL, then
  the cosignature), each request extending the log by one entry with a real proof; the
  durable commit (an fsync) is the bound;
- ``http_add_checkpoint_per_s``: the same through the Starlette app (in-process TestClient).

Request bodies are built outside the timed loops. Prints one JSON object with --json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

try:
    import tysha.witness  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tysha.tlog import CosignatureSigner, NoteVerifier  # noqa: E402
from tysha.tlog.witness import format_add_checkpoint  # noqa: E402
from tysha.witness.service import WitnessService, init_witness  # noqa: E402
from tysha.witness.testing import MemoryLog  # noqa: E402

ORIGIN = "bench.example/log"


def _bodies(log: MemoryLog, start: int, count: int) -> list[bytes]:
    log.append(*[b"entry %d" % i for i in range(start, start + count)])
    out = []
    for size in range(start + 1, start + count + 1):
        proof = log.proof(size - 1, size) if size > 1 else []
        out.append(format_add_checkpoint(size - 1, proof, log.checkpoint(size)))
    return out


def _drive(send: Any, log: MemoryLog, seconds: float) -> float:
    done = 0
    elapsed = 0.0
    while elapsed < seconds:
        bodies = _bodies(log, log.size, 200)  # not timed
        start = time.perf_counter()
        for body in bodies:
            status = send(body)
            if status != 200:
                raise SystemExit(f"witness answered {status}")
            done += 1
            if elapsed + time.perf_counter() - start >= seconds:
                break
        elapsed += time.perf_counter() - start
    return done / elapsed


def run(seconds: float) -> dict[str, Any]:
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    signer = CosignatureSigner("bench.example/w", b"\x01" * 32)
    body = "bench.example/log\n123\n" + "A" * 43 + "=\n"
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for t in range(500):
            signer.cosign(body, t)
        n += 500
    cosign_rate = n / (time.perf_counter() - start)

    results: dict[str, Any] = {"cosign_per_s": round(cosign_rate)}
    with tempfile.TemporaryDirectory() as tmp:
        for label in ("add_checkpoint_per_s", "http_add_checkpoint_per_s"):
            data = Path(tmp) / label
            init_witness(data, "bench.example/w")
            log = MemoryLog(ORIGIN, b"\x02" * 32)
            service = WitnessService(data, {ORIGIN: [NoteVerifier.from_vkey(log.vkey)]})
            if label == "add_checkpoint_per_s":
                rate = _drive(lambda b, s=service: s.add_checkpoint(b).status, log, seconds)
            else:
                from starlette.testclient import TestClient

                from tysha.witness.web import create_app

                with TestClient(create_app(service)) as http:
                    rate = _drive(
                        lambda b, h=http: h.post("/add-checkpoint", content=b).status_code,
                        log,
                        seconds,
                    )
            results[label] = round(rate, 1)
            service.close()
    results["durability"] = "sqlite WAL synchronous=FULL (one fsync per cosignature)"
    results["python"] = platform.python_version()
    results["seconds_per_figure"] = seconds
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    result = run(args.seconds)
    if args.json:
        print(json.dumps(result))
    else:
        width = max(len(k) for k in result)
        for k, v in result.items():
            print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
