"""Corroboration at the desk: hashing in a pool, persisted sealed, suggestions (never merges),
hostile images, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tysha.desk import corroborate
from tysha.desk.service import Desk

from .helpers import PASS, add_report, make_desk
from .photos import encode, scene, variants


def _desk_with_photos(tmp_path: Path) -> tuple[Desk, dict[str, str]]:
    desk = make_desk(tmp_path)
    a, b = scene(1), scene(2)
    ids = {
        "orig": add_report(desk, "key-A", photos=(encode(a),)),
        "copy": add_report(desk, "key-B", photos=(variants(a)["rotated"],)),
        "same": add_report(desk, "key-C", photos=(encode(a),)),  # byte-identical file
        "other": add_report(desk, "key-D", photos=(encode(b),)),
        "junk": add_report(
            desk, "key-E", photos=(b"\xff\xd8\xff\xe0 not really a jpeg", b"GIF89a" + b"\x00" * 40)
        ),  # fmt: skip
    }
    return desk, ids


def test_suggestions_exact_and_near_duplicates(tmp_path: Path) -> None:
    desk, ids = _desk_with_photos(tmp_path)
    seen: list[tuple[str, int, int]] = []
    assert desk.update_media_index(lambda label, d, t: seen.append((label, d, t))) == 6
    assert seen[-1] == ("hashing photos", 6, 6)
    out = desk.corroborate()
    [exact] = out["exact"]
    assert exact["reports"] == sorted([ids["orig"], ids["same"]])
    near = {tuple(n["reports"]) for n in out["near_duplicates"]}
    pairs = {tuple(sorted(p)) for p in [(ids["orig"], ids["copy"]), (ids["orig"], ids["same"]),
                                        (ids["copy"], ids["same"])]}  # fmt: skip
    assert near == pairs  # the unrelated photo and the junk are in no suggestion
    assert out["index"] == {"photos": 4, "looked_at": 6, "videos": 0, "frames": 0, "unreadable": []}
    # Suggestions only: nothing was merged, deleted or grouped.
    assert len(desk.store.report_ids()) == 5 and desk.incidents() == []
    # Once the reports are one incident, the suggestion is no longer shown.
    desk.create_incident("Same photo", [ids["orig"], ids["copy"], ids["same"]], "H")
    out = desk.corroborate()
    assert out["exact"] == [] and out["near_duplicates"] == []


def test_index_is_persisted_sealed_and_not_rehashed(tmp_path: Path) -> None:
    desk, ids = _desk_with_photos(tmp_path)
    desk.update_media_index()
    raw = (tmp_path / "desk" / corroborate.INDEX_FILE).read_bytes()
    assert corroborate._MAGIC not in raw and ids["orig"].encode() not in raw
    desk.close()
    again = Desk.open(tmp_path / "desk", PASS)
    assert again.update_media_index() == 0  # everything was looked at already
    new = add_report(again, "key-F", photos=(variants(scene(1))["resized"],))
    assert again.update_media_index() == 1
    assert any(new in n["reports"] for n in again.corroborate()["near_duplicates"])


def test_the_web_path_never_hashes(tmp_path: Path) -> None:
    desk, _ids = _desk_with_photos(tmp_path)
    out = desk.corroborate()  # what a web request calls
    assert out["near_duplicates"] == [] and out["index"]["looked_at"] == 0
    assert not (tmp_path / "desk" / corroborate.INDEX_FILE).exists()


def test_clusters_from_reports(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r1 = add_report(desk, "k1", when="2026-03-01T08:00:00Z", gps=(47_000_000, 35_000_000),
                    photos=(encode(scene(5)),))  # fmt: skip
    r2 = add_report(desk, "k2", when="2026-03-01T10:00:00Z", gps=(47_005_000, 35_001_000),
                    photos=(encode(scene(6)),))  # fmt: skip
    r3 = add_report(desk, "k3", categories=("pil",), when="2026-03-01T09:00:00Z",
                    where="Vasylivka")  # fmt: skip
    add_report(desk, "k4", when="garbage <script>", where="Vasylivka")
    [c] = desk.corroborate()["clusters"]
    assert c["reports"] == sorted([r1, r2]) and "within 2 km and 6 h" in c["why"]
    assert r3 not in c["reports"]


def test_cli_corroborate_json(tmp_path: Path, cli: Any) -> None:
    desk, ids = _desk_with_photos(tmp_path)
    desk.close()
    r = cli("desk", "corroborate", "--desk", tmp_path / "desk", "--json",
            env={"TYSHA_PASSPHRASE": PASS})  # fmt: skip
    out = json.loads(r.stdout)
    assert len(out["near_duplicates"]) == 3 and all(s["why"] for s in out["near_duplicates"])
    r = cli("desk", "corroborate", "--desk", tmp_path / "desk", "--no-update",
            env={"TYSHA_PASSPHRASE": PASS})  # fmt: skip
    assert "near-duplicate photos" in r.stdout


def _many_scans(side: int, repeats: int) -> bytes:
    """A progressive JPEG whose last refinement scan is repeated ``repeats`` times: every
    scan is a pass over all the pixels, so a small file takes minutes to decode (a hostile
    source's photo; real ones have about ten scans)."""
    import io
    import struct

    import numpy as np
    from PIL import Image

    small = np.random.default_rng(1).integers(0, 255, (side // 64, side // 64, 3), np.uint8)
    buf = io.BytesIO()
    Image.fromarray(small).resize((side, side)).save(buf, "JPEG", progressive=True)
    data = buf.getvalue()
    i, scans = 2, []
    while data[i + 1] != 0xD9:
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        j = i + 2 + length
        if data[i + 1] == 0xDA:  # a scan: its header, then entropy-coded data to a marker
            while data[j] != 0xFF or data[j + 1] == 0 or 0xD0 <= data[j + 1] <= 0xD7:
                j += 1
            scans.append(data[i:j])
        i = j
    return data[:i] + min(scans[1:], key=len) * repeats + b"\xff\xd9"


def test_a_photo_too_slow_to_decode_is_given_up(monkeypatch: Any) -> None:
    # Before: hashing had no time limit; a 6 MB JPEG of 60,000 scans held `desk fetch` for
    # 8 minutes (the time grows with the file), and was tried again on the next fetch.
    import time

    slow = _many_scans(2048, 6000)
    monkeypatch.setattr(corroborate, "_PHOTO_CPU_S", 0.5, raising=False)
    t = time.monotonic()
    assert corroborate.hash_photo(slow) is None
    assert time.monotonic() - t < 10
    # The limit is per photo: the next one is hashed as before.
    windows = corroborate.hash_photo(encode(scene(1)))
    assert windows is not None and len(windows) == len(corroborate.WINDOWS)


def test_the_workers_that_decode_photos_are_not_forked_from_the_desk() -> None:
    """A crafted photo attacks the worker that decodes it; that worker must not hold a copy of
    the unlocked desk. Forked from the desk (the old pool, Python's default here) its parent
    was the desk process; now each is a fresh interpreter (spawned), and a long TMPDIR, which
    made the fork server's socket path too long to bind, does not stop it."""
    import os
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="t" * 90) as long_tmp:
        old = tempfile.tempdir
        tempfile.tempdir = long_tmp
        try:
            with corroborate.hashing_pool(2) as pool:
                parents = {pool.submit(os.getppid).result() for _ in range(4)}
                cmdline = pool.submit(Path("/proc/self/cmdline").read_bytes).result()
        finally:
            tempfile.tempdir = old
    assert parents == {os.getpid()}  # children of the desk process ...
    assert b"spawn_main" in cmdline  # ... started as fresh interpreters, not forks of it
