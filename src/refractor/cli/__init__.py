"""The ``refractor`` command line: a thin shell over the library.

Every command lives in a ``_<area>.py`` module beside this one and only parses arguments,
calls one library function and renders its result. Errors are mapped to exit codes here,
in one place:

====  ===============================================
0     success
1     unexpected internal error (a bug: please report)
2     bad input (file, line and problem are printed)
3     knowledge base invalid
4     id not found in the knowledge base
5     model could not be built or simulated
====  ===============================================
"""
from __future__ import annotations

import sys

import typer

from refractor.errors import RefractorError

app = typer.Typer(
    name="refractor",
    help="Explain and predict drug resistance in blood cancers (research use only; "
    "never a treatment recommendation).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


_REGISTERED: list[bool] = []  # main() may run many times in one process (tests): register once


def _register() -> None:
    if _REGISTERED:
        return
    _REGISTERED.append(True)
    from refractor.cli import _cohort, _kb, _models, _profile, _serve

    app.add_typer(_kb.app, name="kb")
    _profile.register(app)
    _models.register(app)
    _serve.register(app)
    _cohort.register(app)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        from refractor import __version__

        typer.echo(__version__)
        raise typer.Exit(0)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    _register()
    try:
        rv = app(args=argv, standalone_mode=False)
    except RefractorError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 130
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
