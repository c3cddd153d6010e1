"""The web desk with many images in one report (issue 9.15): time to open the report page
(cold: every attachment sniffed; warm: cached) and its capped thumbnails (cold: one jailed
process each; warm: the in-memory cache).

    python bench/web_thumbs.py --json [--images 300]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
from _common import emit
from PIL import Image
from starlette.testclient import TestClient

from tysha.desk.web.app import create_app
from tysha.drop.launcher import run_drop

DESK = {"TYSHA_PASSPHRASE": "bench desk passphrase"}
SRC = {"TYSHA_PASSPHRASE": "bench source passphrase"}


def cli(*args: str, env: dict[str, str]) -> str:
    r = subprocess.run([sys.executable, "-m", "tysha.cli", *args], env=dict(os.environ, **env),
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    return r.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--images", type=int, default=300)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    with run_drop(tmp) as (url, vkey, _):
        desk, vault, files = tmp / "desk", tmp / "v", tmp / "f"
        cli("desk", "init", "--desk", str(desk), "--name", "bench", env=DESK)
        code = cli("desk", "invite", "--desk", str(desk), "--drop", url, "--drop-key", vkey,
                   env=DESK).strip()
        cli("source", "init", "--vault", str(vault), "--size", "32MiB", env=SRC)
        cli("source", "enroll", "--vault", str(vault), "--invitation", code, env=SRC)
        files.mkdir()
        args = ["source", "report", "--vault", str(vault), "--category", "atk", "--text", "imgs"]
        for i in range(a.images):
            p = files / f"img{i}.jpg"
            Image.new("RGB", (8, 8), (i % 256, 0, 0)).save(p, "JPEG")
            args += ["--attach", str(p)]
        cli(*args, env=SRC)
        cli("source", "send", "--vault", str(vault), "--now", env=SRC)
        cli("desk", "fetch", "--desk", str(desk), env=DESK)
        with TestClient(create_app(desk, port=8090), base_url="http://127.0.0.1:8090") as c:
            c.post("/login", data={"passphrase": DESK["TYSHA_PASSPHRASE"]})
            m = re.search(r'href="/report/([0-9a-f]+)"', c.get("/").text)
            assert m is not None
            page_url = f"/report/{m.group(1)}"

            def timed(urls: list[str]) -> float:
                t = time.perf_counter()
                for u in urls:
                    c.get(u)
                return round(time.perf_counter() - t, 3)

            cold = timed([page_url])
            thumbs = re.findall(r'src="(/report/[^"]+thumb.png)"', c.get(page_url).text)
            result = {
                "attachments": a.images,
                "thumbnails_per_view": len(thumbs),
                "page_cold_s": cold,
                "page_warm_s": timed([page_url]),
                "thumbnails_cold_s": timed(thumbs),
                "thumbnails_warm_s": timed(thumbs),
            }
    emit(result, a.json)


if __name__ == "__main__":
    main()
