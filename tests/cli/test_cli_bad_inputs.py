"""Every case of ``tests/io/bad_inputs/cases.yaml`` through ``refractor profile``: the reader's one
error line on stderr, exit code 2, and no output directory (issue 12: "exit 2 from the CLI ...
never a traceback, silent skip or half-written output")."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import yaml

from refractor.cli import main

CASES = yaml.safe_load((Path(__file__).parents[1] / "io" / "bad_inputs" / "cases.yaml").read_text(encoding="utf-8"))
FLAG = {"read_maf": "--maf", "read_vcf": "--vcf", "read_segments": "--seg", "read_expression": "--expression",
        "read_junctions": "--junctions", "read_samplesheet": None}


def _content(case: dict) -> bytes:
    text = case["content"].replace("\\t", "\t")
    for key, (char, n) in (case.get("expand") or {}).items():
        text = text.replace("{" + key + "}", char * n)
    data = text.encode("utf-8")
    return gzip.compress(data, mtime=0) if case.get("gzip") else data


RUNNABLE = [c for c in CASES if c["reader"] in FLAG]


def test_most_cases_run_through_the_cli():
    assert len(RUNNABLE) >= len(CASES) - 1


@pytest.mark.parametrize("case", RUNNABLE, ids=[c["id"] for c in RUNNABLE])
def test_cli_bad_input(tmp_path, monkeypatch, capsys, case):
    for var, value in (case.get("env") or {}).items():
        monkeypatch.setenv(var, value)
    p = tmp_path / case.get("name", "input.tsv")
    p.write_bytes(_content(case))
    out = tmp_path / "out"
    kwargs = case.get("kwargs") or {}
    flag = FLAG[case["reader"]]
    argv = ["profile", str(p)] if flag is None else ["profile", "--sample", kwargs.get("sample", "S1"),
                                                        "--disease", "MM", flag, str(p)]
    if "build" in kwargs:
        argv += ["--build", kwargs["build"]]
    assert main([*argv, "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in err
    assert case.get("problem", case.get("problem_prefix")) in err
    if case["line"] is not None:
        assert f"{p}, line {case['line']}" in err
    assert not out.exists() and sorted(q.name for q in tmp_path.iterdir()) == [p.name]
