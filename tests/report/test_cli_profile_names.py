"""``refractor profile`` flags go through the KB's one name resolver (issue 11, issue 12 --line).

Before: ``--refractory venetoclx`` and ``--refractory Venclexta`` exited 0 with venetoclax
``susceptible`` (the name was dropped). A CLL refractory to venetoclax itself is high-level
venetoclax resistance by the KB rule's convention (rules_bcl2.yaml), so the brand name must give
``high`` and a typo must stop the run (exit 2, no output) with a suggestion.
"""
from __future__ import annotations

import json

import pytest

from refractor.cli import main


def _run(tmp_path, capsys, *args):
    out = tmp_path / "out"
    rc = main(["profile", "--sample", "P1", "--disease", "CLL", *args, "-o", str(out), "-q"])
    return rc, out, capsys.readouterr().err


def test_typo_in_refractory_flag_exits_2_with_suggestion_and_no_output(tmp_path, capsys):
    rc, out, err = _run(tmp_path, capsys, "--refractory", "venetoclx")
    assert rc == 2 and not out.exists()
    assert "--refractory" in err and "unknown agent 'venetoclx'" in err
    assert "did you mean 'venetoclax'" in err


@pytest.mark.parametrize("name", ["Venclexta", "ABT-199", "venetoclax"])
def test_brand_and_code_in_flag_give_venetoclax_high(tmp_path, capsys, name):
    rc, out, _ = _run(tmp_path, capsys, "--refractory", name)
    assert rc == 0
    doc = json.loads((out / "samples" / "P1.json").read_text())
    ven = next(a for a in doc["agents"] if a["agent"] == "venetoclax")
    assert ven["level"] == "high"


def test_unknown_disease_and_prior_flags(tmp_path, capsys):
    out = tmp_path / "o"
    rc = main(["profile", "--sample", "P1", "--disease", "CLLL", "--prior", "venetoclax", "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "--disease" in err and "did you mean 'CLL'" in err and not out.exists()
    rc, _, err = _run(tmp_path, capsys, "--prior", "ibrutinib; zanubrutinb")
    assert rc == 2 and "--prior" in err and "unknown agent 'zanubrutinb'" in err


@pytest.mark.parametrize("line", ["-1", "51"])
def test_line_flag_is_bounded_like_the_clinical_file(tmp_path, capsys, line):
    rc, out, err = _run(tmp_path, capsys, "--refractory", "venetoclax", "--line", line)
    assert rc == 2 and "--line" in err and "0 to 50" in err and not out.exists()


def test_samplesheet_disease_typo_names_sheet_line_and_column(tmp_path, capsys):
    (tmp_path / "clinical.tsv").write_text("sample\trefractory_agents\nA\tlenalidomide\nB\tvenetoclax\n")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("sample,disease,clinical\nA,MM,clinical.tsv\nB,CLLL,clinical.tsv\n")
    out = tmp_path / "o"
    rc = main(["profile", str(sheet), "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert rc == 2 and not out.exists()
    assert f"{sheet}, line 3, column disease" in err and "did you mean 'CLL'" in err
