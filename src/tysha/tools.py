"""Top-level commands for anyone: ``tysha verify``, ``tysha demo``, ``tysha witness``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def verify(
        path: str = typer.Argument(..., metavar="PATH"),
        desk_key: str = typer.Option(
            None, "--desk-key", metavar="KEY", help="The desk's public key or fingerprint."
        ),
        drop_key: list[str] = typer.Option(
            [], "--drop-key", metavar="VKEY", help="A drop's verifier key (repeatable)."
        ),
        accept_flagged: bool = typer.Option(
            False, "--accept-flagged", help="Exit 0 even if reports carry flags."
        ),
        tsa_root: list[str] = typer.Option(
            [], "--tsa-root", metavar="PEM", help="A time-stamping authority's root (repeatable)."
        ),
        witness: list[str] = typer.Option(
            [], "--witness", metavar="VKEY", help="A witness's key (repeatable)."
        ),
        witnesses_needed: int = typer.Option(
            None, "--witnesses-needed", metavar="K", help="How many must cosign (default: all)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """Check a receipt, a courier's receipts file or a court bundle offline (exit 0 only if
        every check holds)."""
        from tysha.verify import verify_path

        verify_path(
            path,
            desk_key,
            drop_key,
            accept_flagged,
            tsa_roots=tsa_root,
            witnesses=witness,
            witnesses_needed=witnesses_needed,
            as_json=as_json,
        )

    @app.command()
    def demo(
        no_serve: bool = typer.Option(False, "--no-serve", help="Stop after fetching (tests, CI)."),
        as_json: bool = typer.Option(
            False, "--json", help="With --no-serve: print a JSON summary."
        ),
        port: int = typer.Option(8090, "--port", help="Web desk port (another if taken)."),
        reports: int = typer.Option(20, "--reports", help="How many sample reports."),
        keep: bool = typer.Option(False, "--keep", help="Keep the demo folder afterwards."),
    ) -> None:
        """Start a drop and a desk, enrol a sample source, send sample reports."""
        from tysha.demo import run_demo

        run_demo(serve=not no_serve, as_json=as_json, port=port, reports=reports, keep=keep)
