"""Two drop processes over one PostgreSQL; the seizure test; schemathesis against /openapi.json."""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
import re
from pathlib import Path

import httpx
import pytest

from tysha.drop.launcher import free_port, init_data, start_drop, wait_ready
from tysha.protocol import Identity, open_envelope, seal_envelope
from tysha.tlog import NoteVerifier, open_checkpoint, verify_tiles_against_checkpoint
from tysha.transport import DropClient
from tysha.transport.client import tls_context

# One client for the module's plain requests (each new httpx client loads the CA roots); no
# connection is kept open between them, so none is left open when the tests end.
_NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
_HTTP = httpx.Client(trust_env=False, verify=tls_context(), limits=_NO_KEEPALIVE)


@pytest.mark.postgres
@pytest.mark.slow
def test_two_drop_processes_one_log(tmp_path: Path, pg_schema: str) -> None:
    data = tmp_path / "drop"
    vkey = init_data(data, pow_bits=0)
    procs, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            p = start_drop(data, port, database=pg_schema, log=tmp_path / f"drop{port}.log")
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, p)
            procs.append(p)
            urls.append(url)
        me = Identity.generate(os.urandom)
        envs = [seal_envelope(os.urandom(100), [me.public()], os.urandom) for _ in range(80)]

        def up(i: int) -> tuple[int, bytes]:
            with DropClient(urls[i % 2]) as c:
                r = c.upload(envs[i])
                r.verify(vkey, hashlib.sha256(envs[i]).digest())
                return r.index, r.envelope_digest

        with cf.ThreadPoolExecutor(8) as ex:
            got = list(ex.map(up, range(80)))
        assert sorted(i for i, _ in got) == list(range(80))  # one sequence, no gap, no twin
        verifier = NoteVerifier.from_vkey(vkey)
        cps = [open_checkpoint(_HTTP.get(u + "/log/checkpoint").text, verifier) for u in urls]
        assert cps[0] == cps[1] and cps[0].size == 80
        for u in urls:
            verify_tiles_against_checkpoint(cps[0], lambda p, u=u: _HTTP.get(f"{u}/log/{p}").content)
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)


def test_seizure_reveals_nothing(tmp_path: Path) -> None:
    """After an end-to-end run, the drop's database, blobs and logs hold no plaintext,
    no recipient key or fingerprint and no IP address."""
    from tysha.drop.launcher import run_drop

    handler, source = Identity.generate(os.urandom), Identity.generate(os.urandom)
    text = "Seizure canary: teacher Olena saw buses at school 7"
    with run_drop(tmp_path) as (url, _vkey, data):
        with DropClient(url) as c:
            e = seal_envelope(text.encode(), [handler.public()], os.urandom)
            r = c.upload(e)
            recs, _, _ = c.clues(-1, 100)
            assert open_envelope(c.fetch_bytes(recs[0].index), handler).content == text.encode()
            assert r.index == 0
            c.upload(seal_envelope(b"reply canary", [source.public()], os.urandom))
    blob = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    needles = [text.encode(), b"reply canary", b"Olena"]
    for ident in (handler, source):
        pub = ident.public()
        needles += [pub.sign, pub.clue, pub.kem[:48], pub.kem[-32:], pub.fingerprint().encode(),
                    pub.to_text().encode()]
    for n in needles:
        assert n not in blob
    assert not re.search(rb"127\.0\.0\.1|::1|\blocalhost\b", blob), "an address was stored"
    assert b"python-httpx" not in blob and b"User-Agent" not in blob


@pytest.mark.slow
def test_schemathesis_finds_no_5xx(drop: tuple[str, str, Path]) -> None:
    import schemathesis
    from hypothesis import HealthCheck, settings

    url, _, _ = drop
    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    failures: list[str] = []
    calls: list[int] = []

    for op in schema.get_all_operations():
        operation = op.ok()

        strategy = operation.as_strategy()
        from hypothesis import given

        @given(case=strategy)
        @settings(max_examples=15, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case):  # type: ignore[no-untyped-def]
            resp = case.call(base_url=url, timeout=10)
            calls.append(resp.status_code)
            if resp.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {resp.status_code}")

        run()
    assert not failures, failures
    assert len(calls) > 100 and any(c < 300 for c in calls) and any(400 <= c < 500 for c in calls)
