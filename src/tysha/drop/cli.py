"""``tysha drop init|serve|info`` (../shared/CLI.md, Drop)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(
    no_args_is_help=True, help="The intake server (untrusted; ciphertext and the log)."
)


@app.command()
def init(
    data: Path = typer.Option(..., "--data", help="Folder for the log key and storage."),
    origin: str = typer.Option(None, "--origin", help="The log's name (checkpoint origin)."),
    pow_bits: int = typer.Option(8, "--pow-bits", help="Proof-of-work difficulty per envelope."),
) -> None:
    """Create the drop's log key and storage; print its verifier key (C2SP vkey)."""
    from tysha.drop.service import init_drop

    typer.echo(init_drop(data, origin, pow_bits))


@app.command()
def serve(
    data: Path = typer.Option(..., "--data"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8080, "--port"),
    database: str = typer.Option(None, "--database", help="postgresql://… instead of SQLite."),
) -> None:
    """Serve the intake API and the log (C2SP tlog-tiles under /log/)."""
    import os

    import uvicorn

    from tysha.drop.service import DropService
    from tysha.drop.web import create_app

    service = DropService(data, database)  # checks the folder, key and database first
    workers = max(1, service.config.workers)
    # No address in the log, not even our own (THREAT_MODEL "Drop": no IP addresses in logs).
    typer.echo(
        f"drop {service.config.origin} serving on port {port}"
        + (f" with {workers} processes" if workers > 1 else ""),
        err=True,
    )
    # No access log: it would record client addresses (THREAT_MODEL A3, A8). No proxy
    # headers either: a forwarded-for address must not even reach the application.
    options: dict[str, object] = dict(
        host=host,
        port=port,
        access_log=False,
        proxy_headers=False,
        log_level="warning",
        server_header=False,
        date_header=False,
    )
    if workers == 1:
        uvicorn.run(create_app(service), **options)  # type: ignore[arg-type]
        return
    service.store.close()
    service.blobs.close()
    os.environ["TYSHA_DROP_DATA"] = str(Path(data).resolve())
    os.environ["TYSHA_DROP_DATABASE"] = database or ""
    uvicorn.run(
        "tysha.drop.web:app_from_env",
        factory=True,
        workers=workers,
        **options,  # type: ignore[arg-type]
    )


@app.command()
def info(
    data: Path = typer.Option(..., "--data"),
    as_json: bool = typer.Option(False, "--json"),
    database: str = typer.Option(None, "--database"),
) -> None:
    """The drop's origin, verifier key and current tree."""
    from tysha.drop import source_page
    from tysha.drop.service import DropService
    from tysha.tlog import Checkpoint

    service = DropService(data, database)
    size, note = service.checkpoint()
    cp = Checkpoint.parse(note.split("\n\n", 1)[0] + "\n")
    out = {
        "origin": service.config.origin,
        "vkey": service.vkey,
        "tree_size": size,
        "root_hash": cp.root_hash.hex(),
        "source_page_sha256": source_page.bundle_digest(),
    }
    service.store.close()
    if as_json:
        typer.echo(json.dumps(out))
    else:
        for k, v in out.items():
            typer.echo(f"{k}: {v}")
