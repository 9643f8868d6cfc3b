"""The case table ``bad_inputs/cases.yaml``: each hostile input gives exactly its error (issue 12),
from the reader and through ``refractor profile`` (the same line on stderr, exit code 2, no
output directory: "never a traceback, silent skip or half-written output").

Cases are data (hgvs keeps its test cases in tables the same way): adding a bad input is one
YAML entry naming the reader, the content and the exact expected error.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import yaml

import refractor.io as rio
from refractor.cli import main
from refractor.errors import InputError

CASES = yaml.safe_load((Path(__file__).parent / "bad_inputs" / "cases.yaml").read_text(encoding="utf-8"))


def _content(case: dict) -> bytes:
    text = case["content"].replace("\\t", "\t")
    for key, (char, n) in (case.get("expand") or {}).items():
        text = text.replace("{" + key + "}", char * n)
    data = text.encode("utf-8")
    return gzip.compress(data, mtime=0) if case.get("gzip") else data


def test_case_table_is_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)) >= 15
    for c in CASES:
        assert {"id", "why", "reader", "content", "line", "column"} <= set(c), c["id"]
        assert ("problem" in c) != ("problem_prefix" in c), c["id"]
        assert c["reader"] in rio.__all__, c["id"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_case(tmp_path, monkeypatch, case):
    for var, value in (case.get("env") or {}).items():
        monkeypatch.setenv(var, value)
    p = tmp_path / case.get("name", "input.tsv")
    p.write_bytes(_content(case))
    with pytest.raises(InputError) as e:
        getattr(rio, case["reader"])(p, **(case.get("kwargs") or {}))
    err = e.value
    assert (err.line, err.column) == (case["line"], case["column"])
    if "problem" in case:
        assert err.problem == case["problem"]
    else:
        assert err.problem.startswith(case["problem_prefix"]), err.problem
    assert err.path == str(p)
    assert "\n" not in str(err)  # one line


# reader -> the `refractor profile` flag that reads the same kind of file (None: the SAMPLESHEET)
FLAG = {"read_maf": "--maf", "read_vcf": "--vcf", "read_segments": "--seg", "read_expression": "--expression",
        "read_junctions": "--junctions", "read_psi": "--psi", "read_methylation": "--methylation",
        "read_samplesheet": None}
RUNNABLE = [c for c in CASES if c["reader"] in FLAG]


def test_most_cases_run_through_the_cli():
    assert len(RUNNABLE) >= len(CASES) - 1


@pytest.mark.parametrize("case", RUNNABLE, ids=[c["id"] for c in RUNNABLE])
def test_bad_input_case_through_the_cli(tmp_path, monkeypatch, capsys, case):
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
