"""``refractor serve``: run the HTTP API (uvicorn)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to the root CLI."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (127.0.0.1: this machine only)."),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
        data_dir: Optional[Path] = typer.Option(None, "--data-dir", envvar="REFRACTOR_KB_DIR", file_okay=False,
                                                help="Serve the KB in this data directory instead of the packaged one."),
    ) -> None:
        """Serve the HTTP API (OpenAPI docs at /docs) until interrupted."""
        import uvicorn

        from refractor.api import create_app

        uvicorn.run(create_app(data_dir=data_dir), host=host, port=port, log_level="info")
