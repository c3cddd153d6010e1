"""The benchmarks' own machinery: bench/envelope.py reports both readings of its interleaved
rounds, and bench/intake.py's load generator survives a drop that turns clients away and
reports the latency of what it acknowledged. No figure is asserted: speed is the benchmarks'
business, not the tests'."""

from __future__ import annotations

import asyncio
import importlib
import json
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_module(name: str) -> ModuleType:
    """``bench/<name>.py`` imported as the benchmarks import each other (``bench/`` on the
    path, for their ``_common``)."""
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def intake() -> ModuleType:
    return bench_module("intake")


def test_envelope_bench_reports_totals_and_best_blocks() -> None:
    r = subprocess.run(
        [sys.executable, str(BENCH / "envelope.py"), "--json", "--seconds", "0.6", "--rounds", "3",
         "--payload", "4096"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    out = json.loads(r.stdout)
    for key in ("ratio_primitives", "ratio_primitives_best", "seal_open_best_us",
                "primitives_best_us", "limit_primitives_per_s", "seal_open_per_s"):
        assert math.isfinite(out[key]) and out[key] > 0, key
    # The median round is reported, with every round's, for both readings.
    for key in ("ratio_primitives", "ratio_primitives_best"):
        rounds = out[f"{key}_rounds"]
        assert len(rounds) == 3 and rounds == sorted(rounds)
        assert out[key] == rounds[1]
    assert out["ratio_primitives_best"] == pytest.approx(
        out["primitives_best_us"] / out["seal_open_best_us"], abs=0.002
    )
    assert set(out["primitives_us"]) == {
        "mlkem768_keygen", "mlkem768_2_encaps", "mlkem768_decap", "x25519_7_ops",
        "chacha20poly1305_seal_open", "sha256_envelope",
    }


def test_interleaved_timing_counts_every_call() -> None:
    envelope = bench_module("envelope")
    calls = {"a": 0, "b": 0}

    def a() -> None:
        calls["a"] += 1

    def b() -> None:
        calls["b"] += 1
        sum(range(200))

    total, best = envelope.interleaved_us({"a": a, "b": b}, 0.05, block=0.005)
    assert calls["a"] > 2 and calls["b"] > 2
    for name in ("a", "b"):
        assert 0 < best[name] <= total[name] * (1 + 1e-9)


def test_load_generator_counts_turned_away_clients_and_goes_on(intake: ModuleType) -> None:
    """A server that answers some requests 200, some 503, and closes the connection after
    every third: the load runs to its end, counts each refusal and each closed connection
    as an error, and reports a latency for each 200 only."""

    async def run() -> tuple[int, int, list[float], int]:
        served = 0

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal served
            try:
                while True:
                    length = 0
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    if not line:
                        return
                    await reader.readexactly(length)
                    served += 1
                    if served % 3 == 0:
                        return  # closed without an answer
                    status = b"200 OK" if served % 3 == 1 else b"503 Busy"
                    writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\n\r\n{}")
                    await writer.drain()
            except (ConnectionError, asyncio.IncompleteReadError):
                return
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            ok, errors, latencies = await intake.load(
                f"http://127.0.0.1:{port}", intake.Bodies(1024), 0.4, 4
            )
        finally:
            server.close()
            await server.wait_closed()
        return ok, errors, latencies, served

    ok, errors, latencies, served = asyncio.run(run())
    assert ok > 0 and errors > 0
    assert len(latencies) == ok and all(t > 0 for t in latencies)
    # Every request the server read was acknowledged or counted as an error: none lost.
    assert served - 4 <= ok + errors <= served
    stats = intake.latency_ms(latencies)
    assert 0 < stats["latency_ms_p50"] <= stats["latency_ms_p99"]
    assert intake.latency_ms([]) == {
        "latency_ms_mean": None, "latency_ms_p50": None, "latency_ms_p99": None
    }


def test_intake_defaults_follow_the_processes(
    intake: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two drop processes per core and 128 clients per process unless told: the drop's fast
    setting and what one group commit of a process takes in (docs/scale.md, tenth stop)."""
    monkeypatch.setattr(intake.os, "cpu_count", lambda: 3)
    a = intake.options([])
    assert (a.processes, a.concurrency) == (6, 768)
    a = intake.options(["--processes", "2"])
    assert (a.processes, a.concurrency) == (2, 256)
    a = intake.options(["--processes", "2", "--concurrency", "10"])
    assert (a.processes, a.concurrency) == (2, 10)
    for bad in (["--processes", "0"], ["--concurrency", "0"]):
        with pytest.raises(SystemExit):
            intake.options(bad)
