"""Group commit details: replays after deletion, early refusal of a wrong first chunk, coarse
blob times, periodic expiry, several server processes behind one port."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import hashlib
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from conftest import process_alive, still_running

from tysha.drop.launcher import (
    InProcessDrop,
    free_port,
    in_process_drop,
    init_data,
    run_drop,
    start_drop,
    wait_ready,
)
from tysha.drop.service import DropConfig
from tysha.protocol import Identity, Receipt, parse_header, seal_envelope, unwrap_slot
from tysha.tlog import NoteVerifier, open_checkpoint, verify_tiles_against_checkpoint
from tysha.transport import DropClient
from tysha.transport.client import tls_context

# One client for the module's plain requests (each new httpx client loads the CA roots); no
# connection is kept open between them, so none is left open when the tests end.
_NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
_HTTP = httpx.Client(trust_env=False, verify=tls_context(), limits=_NO_KEEPALIVE)

A, B = Identity.generate(os.urandom), Identity.generate(os.urandom)


def test_deleted_envelope_sent_again_is_not_resurrected(tmp_path: Path) -> None:
    e = seal_envelope(b"to two desks", [A.public(), B.public()], os.urandom)
    digest = hashlib.sha256(e).digest()
    with in_process_drop(tmp_path / "drop") as d:
        c, vkey, data, H = d.client, d.vkey, d.data, d.client._http
        r = c.upload(e)
        h = parse_header(e)
        assert c.delete(r.index, unwrap_slot(h, A).deletion_secret) is False
        assert c.delete(r.index, unwrap_slot(h, B).deletion_secret) is True
        blob = data / "blobs" / digest.hex()[:2] / digest.hex()[2:]
        assert not blob.exists()
        again = c.upload(e)  # a replay: the same leaf, and the bytes stay deleted
        assert again.index == r.index
        again.verify(vkey, digest)
        assert H.get(f"/v1/envelopes/{r.index}").status_code == 410
        assert not blob.exists()
        assert list((data / "uploads").iterdir()) == []
        assert int(H.get("/v1/info").json()["tree_size"]) == 1


def test_wrong_first_chunk_is_refused_at_once(inproc: InProcessDrop) -> None:
    H = inproc.client._http
    e = seal_envelope(os.urandom(300), [A.public()], os.urandom)
    digest = hashlib.sha256(e).hexdigest()
    uid = H.post("/v1/uploads", json={"digest": digest, "length": len(e) + 16}).json()["upload"]
    # The header announces another length than the upload: refused before any byte is kept.
    r = H.put(f"/v1/uploads/{uid}?offset=0", content=e)
    assert r.status_code == 400 and r.json()["error"] == "malformed"
    r = H.put(f"/v1/uploads/{uid}?offset=0", content=b"\xff\xff\xff\xff" + e[4:])
    assert r.status_code == 400
    assert H.get(f"/v1/uploads/{uid}").json()["offset"] == 0


def test_blob_times_are_whole_hours(inproc: InProcessDrop) -> None:
    data = inproc.data
    with inproc.new_client() as c:
        for _ in range(3):
            c.upload(seal_envelope(os.urandom(50), [A.public()], os.urandom))
    # One segment holds the three (no file per envelope); its times tell the hour, no more.
    segs = list((data / "blobs" / "segments").glob("*.seg"))
    assert len(segs) == 1 and len(list(inproc.service.blobs.digests())) == 3
    st = segs[0].stat()
    assert st.st_mtime % 3600 == 0 and st.st_atime % 3600 == 0


def test_expiry_runs_periodically(tmp_path: Path) -> None:
    """Not only at startup: a running drop expires envelopes as time passes (injected clock)."""
    from tysha.drop.service import DropConfig, DropService, init_drop
    from tysha.store.drop_store import IntegrationItem

    init_drop(tmp_path / "d", "periodic.test", 0)
    config = DropConfig.load(tmp_path / "d")
    config.maintenance_s = 0.05
    config.save(tmp_path / "d")
    now = [1_800_000_000.0]
    svc = DropService(tmp_path / "d", clock=lambda: now[0])
    e = seal_envelope(b"expires", [A.public()], os.urandom)
    d = hashlib.sha256(e).digest()
    h = parse_header(e)

    async def go() -> tuple[Receipt, bool, bool]:
        await svc.start()
        try:
            tmp = tmp_path / "t"
            tmp.write_bytes(e)
            r = await svc.submit(
                IntegrationItem(d, len(e), h.clue_pub, h.clues, h.deletion_hashes, int(now[0]) // 3600),
                temp=tmp,
            )
            await asyncio.sleep(0.3)
            kept = svc.blobs.exists(d)
            now[0] += 90 * 86400 + 7200
            deadline = time.monotonic() + 10
            while svc.blobs.exists(d) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return r, kept, svc.blobs.exists(d)
        finally:
            await svc.stop()

    r, kept, still = asyncio.run(go())
    assert r.index == 0 and kept and not still
    svc = DropService(tmp_path / "d", clock=lambda: now[0])
    assert svc.store.listing(-1, 10)[0] == [] and svc.store.checkpoint()[0] == 1
    svc.store.close()


def worker_pids(data: Path) -> list[int]:
    """The worker processes of `tysha drop serve --data DATA` (not its resource tracker)."""
    deadline = time.monotonic() + 20
    while True:
        for proc in Path("/proc").iterdir():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in cmd and str(data).encode() in cmd:
                kids = [
                    int(k)
                    for k in (proc / "task" / proc.name / "children").read_text().split()
                    if b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes()
                ]
                if len(kids) >= 2 or time.monotonic() > deadline:
                    time.sleep(0.5)  # the workers import and open the store
                    return kids
        time.sleep(0.1)


@pytest.mark.slow
def test_two_worker_processes_behind_one_port(tmp_path: Path) -> None:
    """drop.json ``workers``: several server processes, one port, one store, one log."""
    envs = [seal_envelope(os.urandom(200), [A.public()], os.urandom) for _ in range(60)]
    with run_drop(tmp_path, workers=2) as (url, vkey, data):
        assert len(worker_pids(data)) == 2

        def up(e: bytes) -> int:
            with DropClient(url) as c:
                r = c.upload(e)
                r.verify(vkey, hashlib.sha256(e).digest())
                return r.index

        with cf.ThreadPoolExecutor(12) as ex:
            got = list(ex.map(up, envs + envs[:10]))
        assert sorted(set(got)) == list(range(60)) and got[60:] == got[:10]
        cp = open_checkpoint(_HTTP.get(url + "/log/checkpoint").text, NoteVerifier.from_vkey(vkey))
        assert cp.size == 60
        verify_tiles_against_checkpoint(cp, lambda p: _HTTP.get(f"{url}/log/{p}").content)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["SIGTERM", "SIGHUP"]
)
def test_worker_processes_stop_on_a_signal_as_one_process_does(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    """SIGTERM, and SIGHUP (a closed terminal), stop a drop of several processes as they stop
    one (CLI.md): every worker ends, and the exit code is 128 plus the signal. uvicorn's own
    supervisor exited 0 on SIGTERM, and on SIGHUP restarted its workers and went on serving."""
    data = tmp_path / "drop"
    init_data(data)
    config = DropConfig.load(data)
    config.workers = 2
    config.save(data)
    port = free_port()
    proc = start_drop(data, port)
    kids: list[int] = []
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc)
        kids = worker_pids(data)
        assert len(kids) == 2
        proc.send_signal(sig)
        assert proc.wait(30) == code
        assert not still_running(kids)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for k in kids:
            if process_alive(k):
                os.kill(k, signal.SIGKILL)


def test_a_clock_jumping_forward_while_serving_expires_nothing_early(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The drop expires envelopes 90 days after their hour by the wall clock. A clock set a
    hundred days ahead while it ran (a mistyped date, a bad time server, a VM snapshot)
    erased, at the next maintenance pass, every envelope no desk had fetched yet - reports
    whose sources had already deleted their copies on the receipt. Expiry now counts by the
    clock as it ran before a jump it saw (the machine's own elapsed time says how much
    passed), tells the operator once, and follows the clock again once it is set right."""
    import logging

    from tysha.drop.service import DropService, init_drop
    from tysha.store.drop_store import IntegrationItem

    caplog.set_level(logging.INFO)
    init_drop(tmp_path / "d", "clock.test", 0)
    now, ran = [1_800_000_000.0], [5_000.0]  # the wall clock; the machine's elapsed time
    svc = DropService(tmp_path / "d", clock=lambda: now[0], steady=lambda: ran[0])
    e = seal_envelope(b"kept", [A.public()], os.urandom)
    d = hashlib.sha256(e).digest()
    h = parse_header(e)

    async def store() -> None:
        await svc.start()
        try:
            (tmp_path / "t").write_bytes(e)
            await svc.submit(IntegrationItem(d, len(e), h.clue_pub, h.clues, h.deletion_hashes,
                                             int(now[0]) // 3600), temp=tmp_path / "t")
        finally:
            await svc.stop()

    asyncio.run(store())
    svc = DropService(tmp_path / "d", clock=lambda: now[0], steady=lambda: ran[0])
    svc.maintenance()  # a pass of the running drop: where both clocks stand

    def told() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "tysha.drop"]

    def tick(wall: float, elapsed: float) -> bool:
        now[0] += wall
        ran[0] += elapsed
        svc.maintenance()
        return svc.blobs.exists(d)

    assert tick(100 * 86400, 3600)  # set 100 days ahead an hour later: kept
    assert len(told()) == 1 and "clock" in told()[0] and "ahead" in told()[0], told()
    # What arrives meanwhile is stamped by the same clock: not a hundred days ahead of the
    # log (which, once the clock is set right, would hold its stamps for a hundred days).
    e2 = seal_envelope(b"meanwhile", [A.public()], os.urandom)
    assert svc.stage(e2, None).hour == (now[0] - 100 * 86400 + 3600) // 3600
    assert tick(3600, 3600) and len(told()) == 1  # said once
    assert tick(80 * 86400, 80 * 86400)  # 81 days of the envelope's 90 have passed
    caplog.clear()
    assert tick(-100 * 86400, 3600)  # the clock set right: the same envelope, the same age
    assert len(told()) == 1 and "again" in told()[0], told()
    assert not tick(10 * 86400, 10 * 86400)  # 91 days on: expired, as it should be
    svc.store.close()
    svc.blobs.close()


def test_a_clock_behind_the_log_stamps_no_envelope_into_the_past(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A drop restarted on a machine whose clock was a hundred days behind (a dead clock
    battery, a time server not reached yet) stamped new envelopes with that hour; once the
    clock was set right and the drop restarted, expiry found them a hundred days old and
    erased them at once, unfetched. An envelope is never stamped before the newest one in
    the log now, and the operator is told once that the clock is behind."""
    import logging

    from tysha.drop.service import DropService, init_drop

    caplog.set_level(logging.INFO)
    init_drop(tmp_path / "d", "behind.test", 0)
    now = [1_800_000_000.0]

    def stored(text: bytes) -> bytes:
        """An envelope taken in through a started drop (its hour is the drop's to stamp)."""
        svc = DropService(tmp_path / "d", clock=lambda: now[0])
        e = seal_envelope(text, [A.public()], os.urandom)
        (tmp_path / "t").write_bytes(e)

        async def go() -> None:
            await svc.start()
            try:
                await svc.submit(svc.stage(e, None), temp=tmp_path / "t")
            finally:
                await svc.stop()

        asyncio.run(go())
        return hashlib.sha256(e).digest()

    stored(b"first")
    now[0] -= 100 * 86400  # restarted with the clock 100 days behind
    late = stored(b"sent while the clock was behind")
    told = [r.getMessage() for r in caplog.records if r.name == "tysha.drop"]
    assert len(told) == 1 and "behind" in told[0], told
    now[0] += 100 * 86400 + 3600  # set right, restarted
    svc = DropService(tmp_path / "d", clock=lambda: now[0])
    svc.maintenance()
    assert svc.blobs.exists(late), "expired at once, a hundred days early"
    row = svc.store.envelope(1)
    assert row is not None and row.hour == svc.store.envelope(0).hour  # type: ignore[union-attr]
    svc.store.close()
    svc.blobs.close()
