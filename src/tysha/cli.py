"""The ``tysha`` command (../shared/CLI.md is the contract).

Exit codes: 0 success, 1 a user-facing error (one line on stderr, no traceback), 2 bad usage.
Each application contributes a Typer sub-app; this module only assembles them and maps errors.
"""

from __future__ import annotations

import sys

import typer

from tysha.errors import TyshaError

app = typer.Typer(
    name="tysha",
    help="Tysha: secure documentation of abuses — source, drop, desk, courier, verification.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from tysha.desk.cli import app as desk_app
    from tysha.drop.cli import app as drop_app
    from tysha.source.cli import app as source_app
    from tysha.source.cli import courier_app

    app.add_typer(
        drop_app, name="drop", help="The intake server (untrusted; ciphertext and the log)."
    )
    app.add_typer(desk_app, name="desk", help="A handler's workstation (trusted; holds keys).")
    app.add_typer(source_app, name="source", help="A reporter's device (one vault file).")
    app.add_typer(courier_app, name="courier", help="Carry ciphertext to a drop.")
    from tysha.witness.cli import app as witness_app

    app.add_typer(
        witness_app, name="witness", help="An independent witness cosigning a log's checkpoints."
    )
    from tysha import tools

    tools.register(app)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn errors into one line and an exit code.

    Usage errors are Typer's (exit 2); a ``TyshaError`` becomes one line on stderr and exit 1.
    """
    try:
        app(args=argv, prog_name="tysha")
    except TyshaError as exc:
        print(f"tysha: error: {exc.diagnostics()}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("tysha: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
