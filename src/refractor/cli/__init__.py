"""The ``refractor`` command line: a thin shell over the library.

Every command lives in a ``_<area>.py`` module beside this one and only parses arguments,
calls one library function and renders its result. Errors are mapped to exit codes here,
in one place:

====  ===============================================
0     success
1     unexpected internal error (a bug: please report), or the operating system refused an
      operation (disk full, permission denied while writing): one line, no traceback
2     bad input or usage (file, line and problem, or the usage error, on one line)
3     knowledge base invalid
4     id not found in the knowledge base
5     model could not be built or simulated
====  ===============================================
"""
from __future__ import annotations

import sys
import warnings
from typing import Callable

import typer

from refractor.errors import RefractorError, RefractorWarning

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
    from refractor.cli import _kb, _models, _profile, _serve

    app.add_typer(_kb.app, name="kb")
    _profile.register(app)
    _models.register(app)
    _serve.register(app)
    __import__("refractor.cli._sensitivity", fromlist=["register"]).register(app)


def _print_version(value: bool) -> None:
    if value:
        from refractor import __version__

        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                 callback=_print_version, is_eager=True),
) -> None:
    """Explain and predict drug resistance in blood cancers."""


def _usage_error_classes() -> tuple[type[BaseException], ...]:
    """Click's exception root and Typer's bundled copy of it (Typer raises the latter)."""
    import click

    classes: list[type[BaseException]] = [click.ClickException]
    try:
        from typer._click.exceptions import ClickException as TyperClickException
    except ImportError:  # pragma: no cover - older Typer uses click itself
        pass
    else:
        classes.append(TyperClickException)
    return tuple(classes)


def usage_message(exc: BaseException) -> str:
    """One line for a command-line usage error: the problem and where to find help."""
    text = " ".join(str(exc.format_message()).split())  # type: ignore[attr-defined]
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        text += f" (see '{ctx.command_path} --help')"
    return f"error: {text}"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code.

    Every usage error (unknown command or option, missing argument, bad value) is one line
    on stderr and exit code 2; a bare group (``refractor``, ``refractor kb``) prints its help
    and exits 2 as click does.
    """
    _register()
    with warnings.catch_warnings():  # restores the previous display when the command ends
        warnings.showwarning = _one_line_warnings(warnings.showwarning)
        return _run(argv)


def _one_line_warnings(previous: Callable[..., None]) -> Callable[..., None]:
    """Refractor's named warnings as one ``warning: ...`` line on stderr; others as before."""

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        if issubclass(category, RefractorWarning):
            typer.secho(f"warning: {message}", err=True, fg=typer.colors.YELLOW)
        else:
            previous(message, category, filename, lineno, file, line)

    return show


def _run(argv: list[str] | None) -> int:
    try:
        rv = app(args=argv, prog_name="refractor", standalone_mode=False)
    except RefractorError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 130
    except OSError as exc:  # the system refused (disk full ...): not the user's input, not a bug
        where = f" ({exc.filename})" if exc.filename else ""
        typer.secho(f"error: {exc.strerror or exc}{where}", err=True, fg=typer.colors.RED)
        return 1
    except _usage_error_classes() as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            text = exc.format_message()  # type: ignore[attr-defined]
            if text:  # Typer's rich help is printed while formatting and returns ""
                typer.echo(text, err=True)
            return 2
        typer.secho(usage_message(exc), err=True, fg=typer.colors.RED)
        code = getattr(exc, "exit_code", 2)
        return 2 if code == 1 else code  # every Click error is a usage error: 2
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
