"""``tysha witness init|serve`` (../shared/CLI.md, Anyone)."""

from __future__ import annotations

from pathlib import Path

import typer

from tysha.i18n import ngettext

app = typer.Typer(
    no_args_is_help=True,
    help="An independent witness: cosigns a log's checkpoints after checking consistency.",
)


@app.command()
def init(
    data: Path = typer.Option(..., "--data", help="Folder for the witness key and state."),
    name: str = typer.Option(None, "--name", help="The witness's key name (e.g. example.org/w1)."),
) -> None:
    """Create the witness's Ed25519 cosigning key; print its verifier key (vkey)."""
    from tysha.witness.service import init_witness

    typer.echo(init_witness(data, name))


@app.command()
def serve(
    data: Path = typer.Option(
        ..., "--data", help="The witness's folder (`tysha witness init`)."
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8070, "--port"),
    log: list[str] = typer.Option(
        ..., "--log", help="ORIGIN=VKEY of a log to follow; repeat for more logs or keys."
    ),
) -> None:
    """Serve POST /add-checkpoint (C2SP tlog-witness) for the logs given with --log."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from tysha.tlog import NoteVerifier
    from tysha.transport.serving import GuardedHttp, listen, run_server
    from tysha.witness.service import WitnessService, parse_log_option
    from tysha.witness.web import create_app

    logs: dict[str, list[NoteVerifier]] = {}
    for value in log:
        origin, verifier = parse_log_option(value)
        logs.setdefault(origin, []).append(verifier)
    service = WitnessService(data, logs)  # checks the folder, key and state first
    # Bound before anything is said: a busy port or a wrong address is one clear line.
    sock = listen(host, port, backlog=512)
    port = sock.getsockname()[1]
    serving = ngettext(
        "witness {name} following {n} log on port {port}",
        "witness {name} following {n} logs on port {port}",
        len(logs),
    ).format(name=service.name, n=len(logs), port=port)
    # No access log and no proxy headers: client addresses are never recorded.
    config = uvicorn.Config(
        create_app(service),
        access_log=False,
        # Bounded: a flood of connections gets 503s instead of exhausting the process.
        limit_concurrency=512,
        proxy_headers=False,
        log_level="warning",
        server_header=False,
        date_header=False,
        ws="none",  # no WebSocket: an upgrade request is an ordinary request
        # The drop's guards: a deadline and a cap for headers, none of a hostile request logged.
        http=GuardedHttp,
    )
    # Said once the port serves, as the drop and the desk say theirs: a busy port says nothing.
    if not run_server(config, sockets=[sock], on_started=lambda: typer.echo(serving, err=True)):
        raise typer.Exit(STARTUP_FAILURE)
