"""``refractor models`` and ``refractor simulate`` (work in progress)."""
import typer


def register(app: typer.Typer) -> None:
    return None
