"""``refractor serve``: run the HTTP API (uvicorn)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from refractor.cli._settings import KB_HELP, OLD_KB_HELP, kb_settings


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to the root CLI."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (127.0.0.1: this machine only)."),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
        kb: Optional[Path] = typer.Option(None, "--kb", help=KB_HELP, readable=False),
        data_dir: Optional[Path] = typer.Option(None, "--data-dir", hidden=True, readable=False,
                                                help=OLD_KB_HELP),
    ) -> None:
        """Serve the HTTP API (OpenAPI docs at /docs) until interrupted."""
        from refractor.api import create_app
        from refractor.kb._load import check_data_dir

        settings = kb_settings(kb, data_dir)
        check_data_dir(settings.kb_dir)  # a wrong folder fails now, not at the first request
        import uvicorn

        uvicorn.run(create_app(settings=settings), host=host, port=port, log_level="info")
