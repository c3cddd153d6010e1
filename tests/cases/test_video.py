"""Video near-duplicates (issue 12): frames sampled from real videos (encoded here with PyAV:
H.264 in MP4, VP9 in WebM), hashed with PDQ through the photo path, indexed under their
attachment; a photo matching a frame and two videos sharing frames become suggestions; damaged
and hostile files get a clear state and stop nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tysha.desk import corroborate
from tysha.desk.corroborate import MAX_FRAMES, hash_video

from .helpers import PASS, make_desk
from .photos import encode, scene, video


def _add(desk: Any, key: str, data: bytes, name: str, media_type: str) -> str:
    """A report with one attachment of any type (the cases code reads only these fields)."""
    import hashlib
    import os

    from tysha.desk.store import now_iso

    w = desk.store.blob_writer()
    w.write(data)
    w.close()
    att = {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
           "media_type": media_type, "blob": w.name, "capture_verified": False, "claims": {}}  # fmt: skip
    body = {"categories": ["det"], "text": "seen", "when": "", "where": "", "attachments": [att],
            "received_at": now_iso(), "source_key": key, "source_id": None, "source": "S",
            "trusted": True}  # fmt: skip
    return str(desk.store.add_report(os.urandom(32), body))


@pytest.fixture(scope="module")
def clips() -> dict[str, bytes]:
    stills = [scene(300), scene(301), scene(302)]
    original = video(stills, seconds_each=2.0)  # H.264 in MP4, 320×240, 6 s
    return {
        "original": original,
        # Another codec, container and size: a forwarded, re-encoded copy.
        "copy": video(stills, 2.0, codec="libvpx-vp9", container="webm", size=(160, 120)),
        "unrelated": video([scene(310), scene(311)], 2.0, codec="mpeg4"),
        "truncated_mp4": original[: len(original) // 2],
        "truncated_webm": video(stills, 2.0, codec="libvpx-vp9", container="webm")[:9000],
        "garbage": b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64,
    }


def test_frames_are_sampled_each_second_and_at_scene_changes(clips: dict[str, bytes]) -> None:
    state, frames = hash_video(clips["original"])
    assert state == "ok"
    times = [ms for ms, _h, _q in frames]
    assert times == [0, 1000, 2000, 3000, 4000, 5000]
    assert all(len(h) == 8 and all(len(x) == 32 for x in h) for _ms, h, _q in frames)
    # A cut between ticks is sampled too (stills of 1.5 s: cuts at 1.5 s and 3 s).
    state, frames = hash_video(video([scene(1), scene(2), scene(3)], seconds_each=1.5, fps=10))
    times = [ms for ms, _h, _q in frames]
    assert state == "ok" and 1500 in times and 3000 in times and 1000 in times
    assert len(times) <= MAX_FRAMES


def test_a_long_video_is_sampled_evenly_and_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sampler itself, in-process, with a small cap: a 10 s still video and a cap of 4
    gives a frame every 10/4 s; a cap reached stops the decoding."""
    monkeypatch.setattr(corroborate, "MAX_FRAMES", 4)
    got: list[int] = []
    corroborate._sample_frames(video([scene(5)], seconds_each=10.0, fps=2),
                               lambda f: got.append(f[0]))  # fmt: skip
    assert got == [0, 2500, 5000, 7500]
    got.clear()
    corroborate._sample_frames(video([scene(5 + i) for i in range(8)], 1.0, fps=2),
                               lambda f: got.append(f[0]))  # fmt: skip
    assert got == [0, 1000, 2000, 3000]  # cuts every second, capped at 4


def test_damaged_and_hostile_videos_get_a_state(
    clips: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert hash_video(clips["garbage"]) == ("unreadable", [])
    assert hash_video(b"") == ("unreadable", [])
    assert hash_video(clips["truncated_mp4"]) == ("unreadable", [])  # its index was at the end
    state, frames = hash_video(clips["truncated_webm"])  # streamable: what arrived is read
    assert (state, bool(frames)) in {("partial", True), ("ok", True), ("unreadable", False)}
    monkeypatch.setattr(corroborate, "MAX_VIDEO_BYTES", 1000)
    assert hash_video(clips["original"]) == ("too large", [])
    monkeypatch.setattr(corroborate, "MAX_VIDEO_BYTES", 1 << 30)
    monkeypatch.setattr(corroborate, "_VIDEO_WALL_S", 0.01)  # stopped before it decodes
    assert hash_video(clips["original"]) == ("timed out", [])


def test_the_decoder_runs_confined(tmp_path: Path) -> None:
    """The video child's jail, really run: the desk's files and the network are out of reach,
    the Python installation (PyAV, pdqhash) is there."""
    import subprocess
    import sys

    if corroborate.confinement() != "bwrap":
        pytest.skip("bubblewrap is not installed: video decoding has rlimits only")
    secret = tmp_path / "desk-secret"
    secret.write_text("sealed")
    probe = (
        "import socket, sys, av, pdqhash\n"
        "try:\n    open(sys.argv[1]).read(); print('read')\nexcept OSError: print('no file')\n"
        "try:\n    socket.create_connection(('127.0.0.1', 5432), 2); print('net')\n"
        "except OSError: print('no net')\n"
    )
    out = subprocess.run(
        corroborate._jail([sys.executable, "-I", "-c", probe, str(secret)]),
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.split()  # fmt: skip
    assert out == ["no", "file", "no", "net"]


def test_photo_in_a_video_and_videos_sharing_frames_are_suggested(
    tmp_path: Path, clips: dict[str, bytes]
) -> None:
    desk = make_desk(tmp_path)
    ids = {
        "photo": _add(desk, "kA", encode(scene(301), 85), "p.jpg", "image/jpeg"),
        "video": _add(desk, "kB", clips["original"], "clip.mp4", "video/mp4"),
        "copy": _add(desk, "kC", clips["copy"], "clip.webm", "application/octet-stream"),
        "other": _add(desk, "kD", clips["unrelated"], "other.mp4", "video/mp4"),
        "photo_other": _add(desk, "kE", encode(scene(999)), "q.jpg", "image/jpeg"),
        "cut": _add(desk, "kF", clips["truncated_mp4"], "cut.mp4", "video/mp4"),
        "junk": _add(desk, "kG", clips["garbage"], "junk.mov", "video/quicktime"),
    }
    seen: list[tuple[str, int, int]] = []
    assert desk.update_media_index(lambda label, d, t: seen.append((label, d, t))) == 7
    assert seen[-1] == ("hashing photos and videos", 7, 7)
    out = desk.corroborate()
    near = {tuple(n["reports"]): n for n in out["near_duplicates"]}
    p_v = near.pop(tuple(sorted([ids["photo"], ids["video"]])))
    assert p_v["kind"] == "video" and sorted(p_v["attachments"]) == sorted(
        [[ids["photo"], 0], [ids["video"], 0]]
    )
    # The still was on screen from 2 s to 4 s: the frame sampled at 2 s or 3 s is named.
    assert re.search(rf"frame at 00:0[23] of the video in report {ids['video']} matches "
                     rf"the photo in report {ids['photo']}", p_v["why"]), p_v  # fmt: skip
    v_v = near.pop(tuple(sorted([ids["video"], ids["copy"]])))
    assert v_v["kind"] == "video" and v_v["frames"] >= 5 and "share" in v_v["why"]
    p_c = near.pop(tuple(sorted([ids["photo"], ids["copy"]])))  # the photo is in the copy too
    assert p_c["kind"] == "video"
    assert near == {}  # nothing with the unrelated video, the other photo, the damaged files
    index = out["index"]
    assert index["videos"] == 5 and index["photos"] == 2 and index["frames"] == 6 + 6 + 4
    states = {u["report"]: u["state"] for u in index["unreadable"]}
    assert states == {ids["cut"]: "unreadable", ids["junk"]: "unreadable"}
    # Suggestions only: nothing merged; a second run hashes nothing again.
    assert desk.incidents() == [] and desk.update_media_index() == 0


def test_video_matches_on_the_web_and_the_cli(
    tmp_path: Path, clips: dict[str, bytes], cli: Any
) -> None:
    from starlette.testclient import TestClient

    from tysha.desk.web.app import create_app

    desk = make_desk(tmp_path)
    a = _add(desk, "kA", encode(scene(302), 85), "p.jpg", "image/jpeg")
    b = _add(desk, "kB", clips["original"], "clip.mp4", "video/mp4")
    _add(desk, "kF", clips["truncated_mp4"], "cut.mp4", "video/mp4")
    desk.close()
    r = cli("desk", "corroborate", "--desk", tmp_path / "desk", "--json",
            env={"TYSHA_PASSPHRASE": PASS})  # fmt: skip
    [s] = json.loads(r.stdout)["near_duplicates"]
    assert s["reports"] == sorted([a, b]) and re.search("frame at 00:0[45]", s["why"])
    with TestClient(
        create_app(tmp_path / "desk", port=8090), base_url="http://127.0.0.1:8090"
    ) as c:
        assert (
            c.post("/login", data={"passphrase": PASS}, follow_redirects=False).status_code == 303
        )
        page = c.get("/suggestions").text
        uk = c.get("/suggestions?lang=uk").text
    assert re.search("frame at 00:0[45] of a video matches a photo", page)
    assert "videos compared: 2" in page and re.search(r"not fully read", page)
    m = re.search(r"videos compared: 2 \((\d+) (frames?)\)", page)
    assert m and m.group(2) == ("frame" if m.group(1) == "1" else "frames")  # not "1 frames"
    assert re.search("кадр на 00:0[45] відео збігається з фото", uk)
    assert "порівняно відео: 2" in uk and "прочитані не повністю" in uk


def test_big_files_are_handed_to_the_workers_a_few_at_a_time(
    tmp_path: Path, clips: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches are bounded by bytes as well as by count (a desk of videos must not hold them
    all decrypted at once); a video over the size limit is not read and says so."""
    batches: list[int] = []
    real = corroborate.hash_media

    class Pool:  # the real pool's map, counting what each batch holds
        def __init__(self, max_workers: int, mp_context: Any = None) -> None:
            pass

        def __enter__(self) -> Pool:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def map(self, fn: Any, jobs: list[tuple[str, bytes]]) -> list[Any]:
            batches.append(len(jobs))
            return [real(j) for j in jobs]

    monkeypatch.setattr(corroborate, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(corroborate, "_BATCH_BYTES", len(clips["original"]) + 10)
    monkeypatch.setattr(corroborate, "MAX_VIDEO_BYTES", len(clips["original"]) + 10)
    desk = make_desk(tmp_path)
    a = _add(desk, "kA", encode(scene(300), 85), "p.jpg", "image/jpeg")
    b = _add(desk, "kB", clips["original"], "clip.mp4", "video/mp4")
    c = _add(desk, "kC", clips["original"] + bytes(100), "big.mp4", "video/mp4")
    assert desk.update_media_index() == 3
    assert sorted(batches) == [1, 2]  # the video alone fills a batch; the big one is not read
    out = desk.corroborate()
    assert [n["reports"] for n in out["near_duplicates"]] == [sorted([a, b])]
    assert out["index"]["unreadable"] == [{"report": c, "attachment": 0, "state": "too large",
                                           "flags": desk.report(c).flag_codes}]  # fmt: skip


def test_the_video_child_runs_the_running_tysha(tmp_path: Path) -> None:
    """The video child was started as `python -I -m tysha.desk.corroborate`: -I ignores
    PYTHONPATH, so it ran the interpreter's installed Tysha, not the desk's own (another
    version, or none). A copy of this Tysha whose child answers one known frame is run: its
    hash_video must get that frame back."""
    import shutil
    import subprocess
    import sys

    here = Path(corroborate.__file__).resolve().parents[1]
    alt = tmp_path / "alt"
    shutil.copytree(here, alt / "tysha", ignore=shutil.ignore_patterns("__pycache__"))
    mod = alt / "tysha" / "desk" / "corroborate.py"
    text = mod.read_text()
    marker = 'sys.stdout.write(json.dumps([7, -1, ["ab" * 32] * 8]) + "\\n")\n    return 0\n'
    mod.write_text(text.replace("def _child() -> int:", "def _child() -> int:\n    " + marker
                                + "\n\ndef _old_child() -> int:", 1))  # fmt: skip
    program = (f"import sys; sys.path.insert(0, {str(alt)!r}); "
               "from tysha.desk.corroborate import hash_video; print(hash_video(b'x' * 64))")
    r = subprocess.run([sys.executable, "-I", "-c", program], capture_output=True, text=True,
                       timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("('ok', [(7, "), r.stdout
