"""The web desk (``tysha desk serve``): see :mod:`tysha.desk.web.app`."""

from __future__ import annotations

from pathlib import Path

from tysha.errors import NotFound

__all__ = ["serve"]


def serve(desk: Path, host: str = "127.0.0.1", port: int = 8090, lang: str | None = None) -> None:
    import uvicorn

    from tysha.desk.web.app import create_app
    from tysha.i18n import language_from_env

    if not (Path(desk) / "desk.json").exists():
        raise NotFound(f"{desk} is not a desk; run `tysha desk init` first")
    app = create_app(Path(desk), lang or language_from_env(), host=host, port=port)
    uvicorn.run(
        app, host=host, port=port, access_log=False, log_level="warning", server_header=False,
        ws="none",
    )
