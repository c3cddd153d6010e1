"""`tysha demo` shows a case at once: a corroborating source, a suggestion, an incident."""

from __future__ import annotations

from pathlib import Path

from tysha.demo import build
from tysha.desk.service import Desk


def test_demo_builds_an_incident_from_corroborating_sources(tmp_path: Path) -> None:
    procs: list = []
    try:
        info = build(tmp_path, reports=4, quiet=True, procs=procs)
        desk = Desk.open(Path(info["desk"]), info["desk_passphrase"])
        [inc] = desk.incidents()
        assert len(inc["reports"]) == 2 and inc["independent_sources"] == 2
        assert inc["acts"][0]["category"] == "chd" and inc["children"]
        desk.close()
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
