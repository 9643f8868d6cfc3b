"""``refractor kb ...``: knowledge-base commands (work in progress)."""
import typer

app = typer.Typer(help="Query and validate the knowledge base.", no_args_is_help=True)
