"""The web desk (``tysha desk serve``): see :mod:`tysha.desk.web.app`."""

from __future__ import annotations

from pathlib import Path

import typer

from tysha.errors import ConfigError

__all__ = ["register_serve", "serve"]

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def serve(desk: Path, host: str = "127.0.0.1", port: int = 8090, lang: str | None = None) -> None:
    import uvicorn

    from tysha.desk.web.app import create_app
    from tysha.i18n import language_from_env

    if not (Path(desk) / "desk.json").exists():
        raise ConfigError(f"{desk} is not a desk; run `tysha desk init` first")
    app = create_app(Path(desk), lang or language_from_env(), host=host, port=port)
    uvicorn.run(
        app, host=host, port=port, access_log=False, log_level="warning", server_header=False
    )


def register_serve(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_cmd(
        desk: Path = typer.Option(..., "--desk"),
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8090, "--port"),
        exposed: bool = typer.Option(
            False,
            "--i-know-this-is-exposed",
            help="Allow a non-loopback address (not recommended).",
        ),
    ) -> None:
        """The desk's web interface, on loopback."""
        if host not in _LOOPBACK and not exposed:
            raise ConfigError(
                "the web desk binds to loopback only (127.0.0.1); reach it over "
                "an SSH tunnel, or pass --i-know-this-is-exposed"
            )
        typer.echo(f"web desk on http://{host}:{port}/ (Ctrl-C to stop)")
        serve(desk, host, port)
