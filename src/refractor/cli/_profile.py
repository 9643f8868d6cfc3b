"""``refractor profile`` and ``refractor demo`` (work in progress)."""
import typer


def register(app: typer.Typer) -> None:
    return None
