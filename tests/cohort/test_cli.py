"""`refractor cohort ...` commands, in-process."""
from __future__ import annotations

import json

from pathlib import Path

import jsonschema
import pyarrow.parquet as pq

from refractor.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_run_writes_parquet_summary_and_html(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["cohort", "run", "optimismm-len-pretreated", "--out", str(out), "--n", "300",
                 "--workers", "1", "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    schema = json.loads((ROOT / "docs/schemas/cohort-summary.schema.json").read_text())
    jsonschema.validate(summary, schema)
    assert schema == json.loads((ROOT / "src/refractor/cohort/data/summary.schema.json").read_text())
    assert summary["schema"] == "refractor.cohort.summary" and summary["version"] == 1
    assert [a["name"] for a in summary["arms"]] == ["PVd", "Vd"]
    first = summary["arms"][0]["lines"][0]
    assert set(first["pfs"]) >= {"median", "median_low", "median_high", "at_risk"}
    assert summary["comparisons"][0]["hazard_ratio"]["low"] <= summary["comparisons"][0]["hazard_ratio"]["hr"]
    ev = pq.read_table(out / "events.parquet").to_pandas()
    assert len(ev) == 600 and set(ev["arm"]) == {"PVd", "Vd"}
    traj = pq.read_table(out / "trajectories.parquet")
    assert traj.num_rows == 600 * 61
    html = (out / "report.html").read_text()
    assert html.count("<svg") >= 3 and "Research use only" in html
    assert "target optimismm-vd-median" in capsys.readouterr().out


def test_list_show_and_calibrate(tmp_path, capsys):
    assert main(["cohort", "list", "--json"]) == 0
    names = [r["name"] for r in json.loads(capsys.readouterr().out)]
    assert "stratus-pd-after-len" in names
    assert main(["cohort", "show", "stratus-pd-after-len"]) == 0
    assert "ref:003-22" in capsys.readouterr().out
    cal = tmp_path / "cal.json"
    assert main(["cohort", "calibrate", "--n", "100", "--max-evals", "2", "--out", str(cal), "--quiet"]) == 0
    rec = json.loads(cal.read_text())
    assert rec["kb_hash"] and len(rec["holdout"]) >= 2 and rec["fit"]
    assert all(r["use"] == "holdout" for r in rec["holdout"])
