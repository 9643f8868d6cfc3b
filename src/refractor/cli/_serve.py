"""``refractor serve``: run the HTTP API and the web application (uvicorn)."""
from __future__ import annotations

from dataclasses import replace
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
        token_file: Optional[Path] = typer.Option(
            None, "--token-file", help="File holding the bearer token clients must send "
            "(default: $REFRACTOR_API_TOKEN; none on loopback)."),
        no_token: bool = typer.Option(False, "--no-token", help="Allow a non-loopback --host "
                                      "without a token (anyone who can reach it can use it)."),
        workers: Optional[int] = typer.Option(None, "--workers", min=1, max=64,
                                              help="Worker processes for heavy requests (default: $REFRACTOR_WORKERS, else 2)."),
        state_dir: Optional[Path] = typer.Option(
            None, "--state-dir", readable=False,
            help="Folder keeping reports and jobs across restarts, mode 0700 "
            "(default: $REFRACTOR_STATE_DIR, else CACHE/server)."),
    ) -> None:
        """Serve the HTTP API and the web pages (http://HOST:PORT/, API docs at /docs) until interrupted."""
        from refractor.api import create_app
        from refractor.api._server import check_exposure, serve as run
        from refractor.errors import InputError
        from refractor.kb._load import check_data_dir

        settings = kb_settings(kb, data_dir)
        service = settings.limits.service
        if token_file is not None:
            try:
                token = token_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise InputError(f"cannot read the token file: {exc.strerror}", path=token_file) from None
            service = replace(service, token=token or None)
        if workers is not None:
            service = replace(service, workers=workers)
        settings = replace(settings, limits=replace(settings.limits, service=service))
        if state_dir is not None:
            settings = replace(settings, state_dir=state_dir.expanduser())
        check_exposure(host, service.token, no_token)
        check_data_dir(settings.kb_dir)  # a wrong folder fails now, not at the first request
        app = create_app(settings=settings)
        app.state.store.open()  # likewise a state folder that is not ours
        run(app, host=host, port=port)
