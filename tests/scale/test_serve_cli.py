"""``tysha drop serve --blobs … --workers …``: a bad setting is one line and exit 1, before
anything listens; a good one serves from the bucket."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tysha.drop.launcher import SeaweedFS, free_port, init_data, wait_ready
from tysha.protocol import Identity, seal_envelope
from tysha.store.s3 import S3BlobStore, parse_s3_url
from tysha.transport.client import tls_context

# One client for the module's plain requests (each new httpx client loads the CA roots); no
# connection is kept open between them, so none is left open when the tests end.
_NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
_HTTP = httpx.Client(trust_env=False, verify=tls_context(), limits=_NO_KEEPALIVE)


def serve(data: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "drop", "serve", "--data", str(data), *extra],
        env=dict(os.environ, **(env or {})),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--blobs", "http://not-s3/x"], "s3://"),
        (["--blobs", "s3://no-such-bucket-anywhere/p"], "bucket"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_bad_blobs_or_workers_is_one_line(
    tmp_path: Path, seaweed: SeaweedFS, args: list[str], needle: str
) -> None:
    init_data(tmp_path / "d")
    p = serve(tmp_path / "d", "--port", str(free_port()), *args, env=seaweed.env())
    out, err = p.communicate(timeout=60)
    assert p.returncode == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], err
    assert "Traceback" not in err and "botocore" not in err


def test_serve_with_blobs_and_workers(tmp_path: Path, seaweed: SeaweedFS, s3_env: str) -> None:
    init_data(tmp_path / "d")
    port = free_port()
    p = serve(tmp_path / "d", "--port", str(port), "--blobs", s3_env, "--workers", "2")
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url)
        env = seal_envelope(b"to the bucket", [Identity.generate(os.urandom).public()], os.urandom)
        r = _HTTP.post(url + "/v1/envelopes", content=env, timeout=30)
        assert r.status_code == 200, r.text
        digest = hashlib.sha256(env).digest()
        blobs = S3BlobStore(parse_s3_url(s3_env))
        assert blobs.exists(digest)
        blobs.close()
        assert not (tmp_path / "d" / "blobs").exists() or not any(
            (tmp_path / "d" / "blobs").rglob("*")
        )
    finally:
        p.terminate()
        p.communicate(timeout=30)
