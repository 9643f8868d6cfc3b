"""Every command-line usage error is one line on stderr and exit code 2 (issue 12).

The test walks the real Typer/click command tree, so a command added later is covered
without editing this file: an unknown option, missing required arguments, an unknown
sub-command and a value of the wrong type for every typed option.
"""
from __future__ import annotations

import enum
import typing

import pytest
import typer

from refractor.cli import _register, app, main


def _tree():
    _register()
    root = typer.main.get_command(app)

    def walk(cmd, path):
        yield path, cmd
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    return list(walk(root, []))


TREE = _tree()
COMMANDS = [(p, c) for p, c in TREE if not hasattr(c, "commands")]
GROUPS = [(p, c) for p, c in TREE if hasattr(c, "commands")]


def _one_line_error(capsys, argv: list[str]) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (argv, code, err)
    assert out == "", (argv, out)
    lines = err.strip().splitlines()
    assert len(lines) == 1, (argv, err)
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    return lines[0]


def _ids(items):
    return [" ".join(p) or "refractor" for p, _ in items]


@pytest.mark.parametrize("path, cmd", TREE, ids=_ids(TREE))
def test_unknown_option(capsys, path, cmd):
    line = _one_line_error(capsys, [*path, "--no-such-option-h5"])
    assert line.startswith("error: No such option: --no-such-option-h5")
    assert f"(see '{' '.join(['refractor', *path])} --help')" in line


REQUIRED = [(p, c) for p, c in COMMANDS if any(q.required for q in c.params)]


@pytest.mark.parametrize("path, cmd", REQUIRED, ids=_ids(REQUIRED))
def test_missing_required(capsys, path, cmd):
    line = _one_line_error(capsys, list(path))
    first = next(q for q in cmd.params if q.required)
    assert "Missing" in line
    shown = first.opts[0] if first.param_type_name == "option" else f"'{first.name}'"
    assert shown.lower() in line.lower(), line


@pytest.mark.parametrize("path, cmd", GROUPS, ids=_ids(GROUPS))
def test_unknown_command(capsys, path, cmd):
    line = _one_line_error(capsys, [*path, "no-such-command"])
    assert "No such command 'no-such-command'" in line


def _typed_options():
    out = []
    for path, cmd in COMMANDS:
        for q in cmd.params:
            if q.param_type_name != "option" or getattr(q, "is_flag", False):
                continue
            t = q.type_descriptor.annotation
            args = [a for a in typing.get_args(t) if a is not type(None)]
            t = args[0] if len(args) == 1 else t  # Optional[int] -> int
            if t in (int, float) or (isinstance(t, type) and issubclass(t, enum.Enum)):
                out.append((path, max(q.opts, key=len)))
    return out


TYPED = _typed_options()


def test_typed_options_found():
    # the tree walk sees the options the issue names (a test that cannot silently pass empty)
    assert (["serve"], "--port") in TYPED
    assert (["kb", "export"], "--format") in TYPED
    assert len(TYPED) >= 6


@pytest.mark.parametrize("path, opt", TYPED, ids=[f"{' '.join(p)} {o}" for p, o in TYPED])
def test_bad_typed_value(capsys, path, opt):
    # required positionals are filled so that the bad value is the error reported
    cmd = dict((tuple(p), c) for p, c in COMMANDS)[tuple(path)]
    args = ["x" for q in cmd.params if q.param_type_name == "argument" and q.required]
    line = _one_line_error(capsys, [*path, *args, opt, "not-a-value-h5"])
    assert "Invalid value" in line and opt in line


def test_bare_group_shows_help_and_exits_2(capsys):
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "profile" in out + err  # the help lists the commands


def test_help_and_version_exit_0(capsys):
    assert main(["--help"]) == 0
    assert main(["profile", "--help"]) == 0
    assert main(["--version"]) == 0
