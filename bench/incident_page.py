"""The incident page with many supporting reports (issue 12): time to render it, and the
incidents list, in-process (Starlette TestClient), on a desk of ``--reports`` reports.

    python bench/incident_page.py --json [--reports 10000]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
from _common import emit
from starlette.testclient import TestClient

from tysha.desk.service import Desk
from tysha.desk.store import now_iso
from tysha.desk.web.app import create_app

PASS = "bench incident passphrase"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--reports", type=int, default=10_000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "desk"
        Desk.init(d, "Bench", PASS)
        desk = Desk.open(d, PASS)
        t = time.perf_counter()
        ids = []
        for i in range(a.reports):
            data = {"categories": ["det"], "text": "x", "when": "2026-03-01T08:00:00Z",
                    "where": "Vasylivka", "received_at": now_iso(), "attachments": [],
                    "source_key": f"key-{i % 700}", "source_id": None,
                    "source": "Source 1"}  # fmt: skip
            ids.append(desk.store.add_report(os.urandom(32), data))
        fill = time.perf_counter() - t
        iid = desk.create_incident("Ten thousand", ids, "bench")
        desk.add_act(iid, {"category": "det", "reports": ids[:100]}, "bench")
        desk.close()
        with TestClient(create_app(d, port=8090), base_url="http://127.0.0.1:8090") as c:
            c.post("/login", data={"passphrase": PASS})
            times, list_times = [], []
            for _ in range(3):
                t = time.perf_counter()
                r = c.get(f"/incident/{iid}")
                times.append(time.perf_counter() - t)
                t = time.perf_counter()
                c.get("/incidents")
                list_times.append(time.perf_counter() - t)
            assert r.status_code == 200
            k = re.search(r"from (\d+) independent", r.text)
    emit(
        {
            "reports": a.reports,
            "incident_page_ms": round(statistics.median(times) * 1e3, 1),
            "incidents_list_ms": round(statistics.median(list_times) * 1e3, 1),
            "page_kb": round(len(r.content) / 1024, 1),
            "independent_sources": int(k.group(1)) if k else None,
            "fill_s": round(fill, 1),
        },
        a.json,
    )


if __name__ == "__main__":
    main()
