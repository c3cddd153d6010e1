"""bench/fetch.py runs, breaks the fetch down, and shows the downloads stream."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fetch.py"


def test_fetch_bench_small_run() -> None:
    r = subprocess.run(
        [sys.executable, str(BENCH), "--json", "--total", "300", "--mine", "30", "--big-mib", "24"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    out = json.loads(r.stdout)
    assert out["fetched"] == out["mine"] == 30 and out["errors"] == 0
    assert set(out["seconds"]) >= {"listing", "scan", "download", "proof", "open_store", "delete"}
    assert out["listing_bytes_per_envelope"] <= 64
    assert out["big_fetch_peak_mib"] < 16  # 24 MiB attachment, never whole in memory
