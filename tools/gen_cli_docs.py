"""Regenerate docs/cli.md from the real ``--help`` of every ``refractor`` command.

Run: ``.venv/bin/python tools/gen_cli_docs.py``. ``tests/docs/test_cli_docs.py`` fails when a
command or option exists in the CLI but not in docs/cli.md, so the reference cannot drift.
"""
from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path

import typer.main

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "cli.md"


def command_tree() -> list[tuple[str, object]]:
    """(full command path, click command) for every command, depth first."""
    from refractor import cli

    cli._register()
    root = typer.main.get_command(cli.app)
    out: list[tuple[str, object]] = []

    def walk(prefix: str, cmd) -> None:
        out.append((prefix, cmd))
        if hasattr(cmd, "commands"):
            for name in sorted(cmd.commands):
                walk(f"{prefix} {name}", cmd.commands[name])

    walk("refractor", root)
    return out


def help_text(path: str, cmd) -> str:
    """Plain-text help built from the command's own records (Typer's rich formatter prints to
    the terminal instead of returning text; Typer vendors click, so duck typing is used)."""
    lines = [f"Usage: {path} {' '.join(cmd.collect_usage_pieces(cmd.context_class(cmd)))}".rstrip(), ""]
    if cmd.help:
        lines += [inspect.cleandoc(cmd.help), ""]
    args = [p for p in cmd.params if p.param_type_name == "argument"]
    opts = [p for p in cmd.params if p.param_type_name == "option"]
    if args:
        lines.append("Arguments:")
        lines += [f"  {(a.metavar or a.name.upper()):<28} {getattr(a, 'help', '') or ''}".rstrip() for a in args]
        lines.append("")
    if opts:
        lines.append("Options:")
        for o in opts:
            names = ", ".join(o.opts + o.secondary_opts)
            extra = ""
            if o.default not in (None, False, (), []) and not o.is_flag and not callable(o.default):
                extra = f" [default: {o.default}]"
            lines.append(f"  {names:<28} {(o.help or '').strip()}{extra}".rstrip())
        lines.append("")
    if hasattr(cmd, "commands"):
        lines.append("Commands:")
        for name in sorted(cmd.commands):
            sub = cmd.commands[name]
            lines.append(f"  {name:<28} {(sub.short_help or (sub.help or '').strip().splitlines()[0] if (sub.short_help or sub.help) else '')}".rstrip())
    return "\n".join(lines)


def render() -> str:
    os.environ.setdefault("COLUMNS", "100")
    parts = [
        "# Command-line reference",
        "",
        "Generated from the real `--help` by `tools/gen_cli_docs.py`; do not edit by hand.",
        "Exit codes: 0 ok, 1 internal error or refused by the system, 2 bad input or usage, "
        "3 knowledge base invalid, 4 id not found, 5 model error.",
        "",
    ]
    for path, cmd in command_tree():
        parts += [f"## `{path}`", "", "```text", help_text(path, cmd).rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
