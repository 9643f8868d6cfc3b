"""Report polish: grouped extrapolation warnings, full sample ids on the landscape, and
not-assessable agent calls shown as such in the TSV and HTML."""
from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pandas as pd

from _minikb import make_cohort
from refractor.interpret import ResultWarning, interpret
from refractor.report import write_outputs
from refractor.report._html import group_warnings, render_html
from refractor.report._plots import mechanism_landscape, sample_labels


def _extrapolation(gene: str) -> ResultWarning:
    # structured fields carry the numbers: the report never parses the message
    return ResultWarning("ExtrapolationWarning",
                         f"{gene} expression: only 12 sample(s) with expression (< 20 needed for "
                         f"the cohort P75); used the absolute threshold >= 100 TPM (assumed)",
                         code="expression-cohort-too-small", gene=gene, n_samples=12,
                         n_needed=20)


def test_extrapolation_warnings_grouped_in_one_collapsed_line():
    ws = [_extrapolation(f"G{i}") for i in range(31)] + [ResultWarning("DataWarning", "d")]
    groups, other = group_warnings(ws)
    assert other == [ws[-1]]
    assert len(groups) == 1 and len(groups[0]["items"]) == 31
    assert groups[0]["summary"] == ("31 ExtrapolationWarning(s): absolute thresholds used because "
                                    "the cohort has < 20 samples with expression")
    assert group_warnings([ws[-1]]) == ([], [ws[-1]])


def test_html_collapses_warnings_and_marks_not_assessable(kb, tmp_path):
    # 12 samples with MCL1 expression (< 20 for a percentile: absolute thresholds + warnings) and
    # one MM sample with clinical exposure only (lenalidomide not assessable)
    ids = [f"sample-with-a-long-identifier-{i:02d}" for i in range(12)]
    c = make_cohort([dict(sample=s, disease="AML") for s in ids] + [
        dict(sample="mm-exposed", disease="MM", prior_agents=["lenalidomide"])],
        {**{s: ["expression"] for s in ids}, "mm-exposed": ["history"]},
        expression=[dict(sample=s, gene="MCL1", value=50.0 + i) for i, s in enumerate(ids)])
    r = interpret(c, kb)
    r.warnings.extend(_extrapolation(f"G{i}") for i in range(5))
    html = render_html(r, kb)
    m = re.search(r'<details class="warn-group"><summary class="warn">(.*?)</summary>', html)
    assert m and m.group(1).startswith("5 ExtrapolationWarning(s)")
    assert html.count("<li class=\"warn small\">") == 5  # inside the collapsed group only
    assert '<td class="lv-not_assessable"' in html and ">not assessable</td>" in html
    paths = write_outputs(r, tmp_path / "out", kb=kb)
    tsv = pd.read_csv(paths["levels"], sep="\t", index_col=0)
    assert tsv.loc["mm-exposed", "lenalidomide"] == "not_assessable"
    agents = pd.read_csv(paths["agents"], sep="\t")
    row = agents[(agents["sample"] == "mm-exposed") & (agents["agent"] == "lenalidomide")].iloc[0]
    # one word everywhere (issue 11): level and call both say not_assessable
    assert row["level"] == "not_assessable" and row["call"] == "not_assessable"
    assert not row["assessable"] and row["status"] == "not_assessable"


def test_landscape_labels_full_ids_small_cohorts_none_above_80():
    ids = [f"a-very-long-sample-identifier-{i:03d}" for i in range(81)]
    assert sample_labels(ids[:80]) == ids[:80]  # full ids, never truncated
    assert sample_labels(ids) is None


def test_landscape_figure_grows_to_fit_rotated_ids(kb):
    from matplotlib.image import imread

    def height(ids):
        c = make_cohort([dict(sample=s, disease="AML") for s in ids],
                        {s: ["expression"] for s in ids},
                        expression=[dict(sample=s, gene="MCL1", value=150.0) for s in ids])
        png = base64.b64decode(mechanism_landscape(interpret(c, kb)))
        return imread(io.BytesIO(png)).shape[0]

    short = height([f"S{i}" for i in range(5)])
    long_ = height([f"patient-{i}-with-a-forty-character-identifier" for i in range(5)])
    assert long_ > short + 100  # the rotated ids get room below the heatmap


def test_level_plot_counts_not_assessable_apart_from_susceptible(kb):
    """An agent whose calls are all not assessable must not be drawn as 'susceptible' (green)."""
    from matplotlib.image import imread

    from refractor.report._plots import level_distribution

    c = make_cohort([dict(sample=f"E{i}", disease="MM", prior_agents=["lenalidomide"])
                     for i in range(4)], {f"E{i}": ["history"] for i in range(4)})
    r = interpret(c, kb)
    assert not r.assessable.any()
    img = imread(io.BytesIO(base64.b64decode(level_distribution(r))))[..., :3]
    green = (abs(img[..., 0] - 0x6a / 255) < 0.02) & (abs(img[..., 1] - 0xa8 / 255) < 0.02) & (
        abs(img[..., 2] - 0x4f / 255) < 0.02)
    grey = (abs(img[..., :3] - 0xcc / 255) < 0.02).all(axis=-1)
    # only the legend swatch may be green; the bars are grey
    assert green.sum() < 200 and grey.sum() > 2000


def test_one_sample_report_says_why_it_has_no_plots(kb, tmp_path):
    """One sample: no landscape column, no one-bar distribution (the report's tables hold the
    same calls), and the page says so instead of "No mechanism could be assessed"; two samples
    get both plots."""
    from refractor.io import cohort_from_flags
    from refractor.report import write_outputs

    data = Path(__file__).parents[1] / "data" / "io"
    one = interpret(cohort_from_flags(sample="S1", disease="MM", maf=data / "mini.maf"), kb)
    write_outputs(one, tmp_path / "one", kb=kb)
    html = (tmp_path / "one" / "report.html").read_text()
    assert "data:image/png;base64," not in html
    assert "One sample: its mechanism calls are in the sample's section below" in html
    assert "No mechanism could be assessed" not in html
    two = interpret(_sheet_of_two(data, tmp_path), kb)
    write_outputs(two, tmp_path / "two", kb=kb)
    assert (tmp_path / "two" / "report.html").read_text().count("data:image/png;base64,") == 2


def _sheet_of_two(data, tmp_path):
    from refractor.io import read_samplesheet

    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"sample,disease,maf\nS1,MM,{data / 'mini.maf'}\nS2,MM,{data / 'mini.maf'}\n")
    return read_samplesheet(sheet)
