"""Every CLI command and option is documented in docs/cli.md (generated from the real --help)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "tools" / "gen_cli_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_command_and_option_is_documented():
    tool = _tool()
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = []
    for path, cmd in tool.command_tree():
        if f"## `{path}`" not in doc:
            missing.append(path)
            continue
        section = doc.split(f"## `{path}`", 1)[1].split("\n## ", 1)[0]
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("-") and opt not in section:
                    missing.append(f"{path} {opt}")
    assert not missing, f"undocumented in docs/cli.md (run tools/gen_cli_docs.py): {missing}"


def test_every_command_has_help_text():
    tool = _tool()
    for path, cmd in tool.command_tree():
        if path == "refractor":
            continue
        assert (cmd.help or cmd.short_help or "").strip(), f"{path} has no --help text"
