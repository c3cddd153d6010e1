"""Top-level commands for anyone: ``tysha verify``, ``tysha demo``, ``tysha witness``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def verify(path: str) -> None:
        """Check a receipt or a court bundle offline (exit 0 only if every check holds)."""
        from tysha.verify import verify_path

        verify_path(path)

    @app.command()
    def demo() -> None:
        """Start a drop and a desk, enrol a sample source, send sample reports."""
        from tysha.demo import run_demo

        run_demo()
