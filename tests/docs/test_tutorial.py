"""Every `refractor ...` command shown in docs/tutorial.md and docs/howto.md runs (exit 0).

Lines are taken from fenced ```bash blocks; only lines starting with ``refractor `` are run,
in-process through ``refractor.cli.main``, in order, in a temporary directory where
``examples/`` points at the repository's bundled examples. Lines marked ``# needs your data`` (files not shipped) and
``refractor serve`` (runs until interrupted) are not run.
"""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from refractor.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "docs" / "tutorial.md", ROOT / "docs" / "howto.md"]
NEEDS_DATA = "# needs your data"
PATH_FLAGS = {"--data-dir", "--kb", "--maf", "--vcf", "--seg", "--expression", "--junctions",
              "--psi", "--methylation", "--clinical"}


def _bash_lines(path: Path) -> list[tuple[str, int, str]]:
    """(file name, line number, command line) of every `refractor ` line in ```bash blocks."""
    out, in_bash = [], False
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_bash = (not in_bash) and stripped == "```bash"
            continue
        if in_bash and stripped.startswith("refractor "):
            out.append((path.name, no, stripped))
    return out


LINES = [x for p in DOCS for x in _bash_lines(p)]


def _argv(line: str) -> list[str]:
    return shlex.split(line, comments=True)[1:]


def test_docs_show_commands():
    # the docs must keep showing runnable commands, and mark the rest explicitly
    runnable = [x for x in LINES if NEEDS_DATA not in x[2] and not x[2].startswith("refractor serve")]
    assert len(runnable) >= 8, LINES
    for name in ("tutorial.md", "howto.md"):
        assert any(x[0] == name for x in runnable), name


def _run(line: str, cwd: Path, capsys) -> str | None:
    """Run one documented line in-process; None if it exited 0, else the failure text."""
    try:
        code = main(_argv(line))
    except SystemExit as exc:  # Typer/Click may exit instead of returning
        code = exc.code
    out = capsys.readouterr()
    if code not in (0, None):
        return f"{line!r} exited {code}:\n{out.out[-1500:]}\n{out.err[-1500:]}"
    args = _argv(line)
    for flag in ("-o", "--outdir"):  # every output directory named must exist afterwards
        if flag in args and not (cwd / args[args.index(flag) + 1]).exists():
            return f"{line!r}: {args[args.index(flag) + 1]} was not written"
    return None


@pytest.mark.parametrize("doc", [p.name for p in DOCS])
def test_doc_commands_run(doc, tmp_path, monkeypatch, capsys):
    # lines of one document run in order in one directory (a later step may read an earlier
    # step's output, as the tutorial's `simulate --sample` reads `profile`'s JSON)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    failures, ran = [], 0
    for name, no, line in LINES:
        if name != doc or NEEDS_DATA in line or line.startswith("refractor serve"):
            continue
        problem = _run(line, tmp_path, capsys)
        ran += 1
        if problem:
            failures.append(f"{name}:{no}: {problem}")
    assert ran > 0
    assert not failures, "\n".join(failures)
    if doc == "tutorial.md":
        # what the tutorial tells the reader to look at: CLL01 is refractory to venetoclax and
        # carries BCL2 p.G101V (venetoclax resistance, Blombery et al. 2019, PMID 30514704) at
        # VAF 0.08, i.e. in ~16% of the cells (CCF, purity assumed 1): venetoclax `high` through
        # the refractoriness, which shares the target-axis MAX group with the subclonal G101V
        report = json.loads((tmp_path / "refractor-demo/samples/CLL01.json").read_text())
        ven = next(a for a in report["agents"] if a["agent"] == "venetoclax")
        assert ven["level"] == "high" and ven["trace"][0]["status"] == "refractory", ven
        g = next(m for m in report["mechanisms"] if m["mechanism"] == "bcl2-g101v")
        assert g["status"] == "detected" and abs(g["clonal_fraction"] - 2 * 0.0818) < 0.01


def test_needs_data_lines_really_need_data():
    # a line marked `# needs your data` must name a path that is not shipped
    for name, no, line in LINES:
        if NEEDS_DATA not in line:
            continue
        args = _argv(line)
        paths = [a for i, a in enumerate(args) if not a.startswith("-")
                 and (re.search(r"[/.]", a) or (i and args[i - 1] in PATH_FLAGS))]
        shipped = [a for a in paths if (ROOT / a).exists()]
        assert paths and not shipped, f"{name}:{no}: {line}"
