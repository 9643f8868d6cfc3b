"""``refractor models list|show|export-sbml`` and ``refractor simulate`` (thin CLI shell)."""
from __future__ import annotations

import json

import libsbml
import pytest

from refractor.cli import main

from sample_docs import mechanism, sample_doc

AGENT = "trail-based-therapy"


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_models_list_and_show(capsys):
    code, out, _ = run(capsys, "models", "list", "--json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert {"glue", "bcl2", "trail"} <= set(rows)
    assert "casp8_level" in rows["trail"]["perturbations"]
    code, out, _ = run(capsys, "models", "show", "trail")
    assert code == 0 and "PMID 23423320" in out and "DcR_0" in out and "(assumed)" in out


def test_export_sbml_is_valid(capsys, tmp_path):
    target = tmp_path / "trail.xml"
    code, _, _ = run(capsys, "models", "export-sbml", "trail", "-o", str(target))
    assert code == 0
    doc = libsbml.readSBMLFromFile(str(target))
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    assert doc.getModel().getSpecies("PARPC") is not None


def test_simulate_time_course_json_and_tsv(capsys):
    code, out, _ = run(capsys, "simulate", "trail", "--agent", AGENT, "--dose", "50",
                       "--select", "cPARP_frac", "--points", "5", "--t-end", "20000",
                       "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["data"]["time"] == [0.0, 5000.0, 10000.0, 15000.0, 20000.0]
    assert data["data"]["cPARP_frac"][-1] > 0.99  # 50 ng/mL TRAIL kills HeLa (Albeck 2008)
    code, out, _ = run(capsys, "simulate", "trail", "--agent", AGENT, "--dose", "50",
                       "--set", "C8_0=1000", "--select", "cPARP_frac", "--points", "3",
                       "--format", "tsv")
    lines = out.strip().splitlines()
    assert code == 0 and lines[0] == "time\tcPARP_frac" and len(lines) == 4
    assert float(lines[-1].split("\t")[1]) < 0.5  # 5 % caspase-8: no death in 6 h


def test_simulate_dose_range_and_png(capsys, tmp_path):
    code, out, _ = run(capsys, "simulate", "trail", "--agent", AGENT,
                       "--dose-range", "0.1:1000:9", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert 0.5 < data["ic50"] < 50 and data["unit"] == "ng/mL"
    png = tmp_path / "dr.png"
    code, _, _ = run(capsys, "simulate", "trail", "--agent", AGENT, "--dose-range",
                     "0.1:1000:5", "--format", "png", "-o", str(png))
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_simulate_sample(capsys, tmp_path):
    sample = sample_doc([mechanism("casp8-loss"), mechanism("cd38-antigen-loss")], [AGENT],
                        "S9")
    path = tmp_path / "s.json"
    path.write_text(json.dumps(sample))
    code, out, _ = run(capsys, "simulate", "trail", "--sample", str(path), "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert {r["status"] for r in rows} == {"predicted", "not_modelled"}
    pred = next(r for r in rows if r["status"] == "predicted")
    assert pred["ic50_fold"] is None or pred["ic50_fold"] > 2 or pred["emax_shift"] < -0.3


@pytest.mark.parametrize(
    "argv, code",
    [
        (["simulate", "trail", "--agent", AGENT, "--set", "C8_0"], 2),
        (["simulate", "trail", "--agent", AGENT, "--set", "C8_0=abc"], 2),
        (["simulate", "trail", "--agent", AGENT, "--dose-range", "10:1:3"], 2),
        (["simulate", "trail", "--agent", AGENT, "--format", "png"], 2),
        (["simulate", "nope"], 4),
        (["simulate", "trail", "--agent", "aspirin", "--dose", "1"], 2),
        (["simulate", "trail", "--set", "no_such_param=1"], 2),
        (["models", "show", "nope"], 4),
    ],
)
def test_errors_map_to_exit_codes(capsys, argv, code):
    got, _, err = run(capsys, *argv)
    assert got == code and "error" in err


# ---- human-readable output, the reference cell and --sample with --agent/--dose-range --------
# bcl2 reference cell: CLL-like BCL2-dependent (Del Gaizo Moore et al. J Clin Invest 2007,
# PMID 17200714): venetoclax kills it at low nM (Souers et al. Nat Med 2013); BCL2 G101V moves
# the IC50 by ~two orders of magnitude (Blombery et al. Cancer Discov 2019, PMID 30514704).


def test_text_dose_response_has_units_cell_and_assumptions(capsys):
    code, out, _ = run(capsys, "simulate", "bcl2", "--agent", "venetoclax",
                       "--dose-range", "1e-4:10:12")
    assert code == 0
    ic50_line = next(line for line in out.splitlines() if line.startswith("IC50:"))
    value, unit = ic50_line.split()[1:3]
    assert unit == "nM" and 0.1 < float(value) < 10
    assert "cell: CLL-like BCL2-dependent" in out and "17200714" in out
    assert "assumptions:" in out and "(assumed)" in out
    code, out, _ = run(capsys, "simulate", "bcl2", "--agent", "venetoclax",
                       "--dose-range", "1e-4:10:12", "--cell", "defaults", "--format", "json")
    data = json.loads(out)  # the raw defaults are not BCL2-dependent: no kill at <= 10 nM
    assert data["cell"] == "model defaults" and data["ic50"] is None


@pytest.mark.parametrize(
    "model, agent, dose_range",
    [("bcl2", "venetoclax", "1e-4:10:12"), ("glue", "lenalidomide", "1e-3:100:8"),
     ("trail", AGENT, "0.1:1000:8")],
)
def test_dose_range_png_for_every_model(capsys, tmp_path, model, agent, dose_range):
    png = tmp_path / f"{model}.png"
    code, _, _ = run(capsys, "simulate", model, "--agent", agent, "--dose-range", dose_range,
                     "--format", "png", "-o", str(png))
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sample_with_agent_dose_range_text_and_png(capsys, tmp_path):
    sample = sample_doc([mechanism("bcl2-g101v")], ["venetoclax", "navitoclax"], "CLLx")
    path = tmp_path / "s.json"
    path.write_text(json.dumps(sample))
    code, out, _ = run(capsys, "simulate", "bcl2", "--agent", "venetoclax", "--dose-range",
                       "1e-2:1e4:13", "--sample", str(path), "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [r["agent"] for r in rows] == ["venetoclax"]  # --agent restricts
    assert rows[0]["ic50_fold"] >= 50 and "CLL-like" in rows[0]["reference"]
    code, out, _ = run(capsys, "simulate", "bcl2", "--agent", "venetoclax", "--dose-range",
                       "1e-2:1e4:13", "--sample", str(path))
    assert code == 0 and "venetoclax" in out and " nM -> " in out and "reference:" in out
    png = tmp_path / "s.png"
    code, _, _ = run(capsys, "simulate", "bcl2", "--agent", "venetoclax", "--sample", str(path),
                     "--format", "png", "-o", str(png))
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_time_course_shows_the_readout_with_label_and_time_unit(capsys, tmp_path):
    """The default time course shows the readout (viability, with its meaning and unit) and
    the model's one time unit, not the first species by internal id (issue 11)."""
    code, out, _ = run(capsys, "simulate", "bcl2", "--agent", "venetoclax", "--dose", "10",
                       "--points", "5")
    assert code == 0
    assert "readout: viability = surviving fraction of cells" in out
    header = next(line for line in out.splitlines() if line.lstrip().startswith("time ("))
    assert header.split() == ["time", "(h)", "viability"]
    png = tmp_path / "tc.png"
    code, _, _ = run(capsys, "simulate", "trail", "--agent", AGENT, "--dose", "50", "--format",
                     "png", "-o", str(png))
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_time_course_png_axis_labels(monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure

    seen = {}
    orig = matplotlib.figure.Figure.savefig

    def spy(self, *a, **k):
        ax = self.axes[0]
        seen.update(x=ax.get_xlabel(), y=ax.get_ylabel(), lines=[ln.get_label()
                                                                  for ln in ax.lines])
        return orig(self, *a, **k)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", spy)
    assert main(["simulate", "glue", "--agent", "lenalidomide", "--dose", "1", "--format",
                 "png", "-o", str(tmp_path / "g.png")]) == 0
    assert seen["x"] == "time (h)" and seen["lines"] == ["viability"]
    assert seen["y"].startswith("viable cells relative to untreated") and "fraction" in seen["y"]
