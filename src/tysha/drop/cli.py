"""``tysha drop init|serve|info`` (../shared/CLI.md, Drop)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tysha.i18n import gettext as _
from tysha.i18n import translate_message

app = typer.Typer(
    no_args_is_help=True, help="The intake server (untrusted; ciphertext and the log)."
)


@app.command()
def init(
    data: Path = typer.Option(..., "--data", help="Folder for the log key and storage."),
    origin: str = typer.Option(None, "--origin", help="The log's name (checkpoint origin)."),
    pow_bits: int = typer.Option(8, "--pow-bits", help="Work bits per 64 KiB unit."),
) -> None:
    """Create the drop's log key and storage; print its verifier key (C2SP vkey)."""
    from tysha.drop.service import init_drop
    from tysha.errors import BadInput

    if not 0 <= pow_bits <= 24:  # before anything is made
        raise BadInput("--pow-bits must be between 0 and 24")
    typer.echo(init_drop(data, origin, pow_bits))


@app.command()
def serve(
    data: Path = typer.Option(..., "--data", help="The drop's folder (`tysha drop init`)."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8080, "--port"),
    database: str = typer.Option(None, "--database", help="postgresql://… instead of SQLite."),
    blobs: str = typer.Option(
        None, "--blobs", help="s3://BUCKET/PREFIX: envelopes in an S3-compatible store."
    ),
    workers: int = typer.Option(None, "--workers", help="Server processes on one log."),
    onion: bool = typer.Option(
        False, "--onion", help="Also publish as a v3 onion service (writes DATA/torrc-onion)."
    ),
    single_onion: bool = typer.Option(
        False,
        "--single-onion",
        help="Onion service in single-hop mode: faster, but the drop's location is NOT hidden.",
    ),
) -> None:
    """Serve the intake API and the log (C2SP tlog-tiles under /log/)."""
    from tysha.drop.server import serve as run_server
    from tysha.drop.service import DropService
    from tysha.errors import BadInput

    if workers is not None and not 1 <= workers <= 256:
        raise BadInput("--workers must be between 1 and 256")
    # Checks the folder, key, database and bucket first.
    service = DropService(data, database, blobs=blobs)
    if workers is not None:
        service.config.workers = workers
    if onion or single_onion:
        from tysha.tor.onion import onion_address, write_onion_torrc

        _path, how = write_onion_torrc(data, port, single=single_onion)
        typer.echo(translate_message(how), err=True)
        address = onion_address(data)
        typer.echo(
            _("onion address: {address}").format(address=address)
            if address
            else _("onion address: made when Tor reads it"),
            err=True,
        )
        if host not in ("127.0.0.1", "::1", "localhost"):
            typer.echo(
                _(
                    "note: the drop also listens on {host}, reachable without Tor; use --host"
                    " 127.0.0.1 for an onion-only drop"
                ).format(host=host),
                err=True,
            )
    run_server(
        service,
        str(Path(data).resolve()),
        database,
        host,
        port,
        lambda line: typer.echo(translate_message(line), err=True),
        blobs=blobs,
    )


@app.command()
def info(
    data: Path = typer.Option(..., "--data", help="The drop's folder (`tysha drop init`)."),
    as_json: bool = typer.Option(False, "--json"),
    database: str = typer.Option(None, "--database", help="postgresql://… instead of SQLite."),
) -> None:
    """The drop's origin, verifier key and current tree."""
    from tysha.drop import source_page
    from tysha.drop.service import DropService
    from tysha.tlog import Checkpoint
    from tysha.tor.onion import onion_address

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
    onion = onion_address(data)
    if onion:  # CLI.md: present once the drop is published as an onion service
        out["onion"] = onion
    service.store.close()
    if as_json:
        typer.echo(json.dumps(out))
    else:
        for k, v in out.items():
            typer.echo(f"{_(k)}: {v}")
