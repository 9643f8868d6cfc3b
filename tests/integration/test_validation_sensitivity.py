"""Sensitivity of TCGA-LAML calls to the curator's weights (refractor.interpret.sensitivity).

Data: TCGA-LAML (N Engl J Med 2013;368:2059-74, PMID 23634996) as shipped with maftools
(../shared/validation/tcga_laml_maftools). Biology behind the check: FAB M4/M5 (monocytic) AML
resists venetoclax (Pei et al., Cancer Discov 2020, PMID 31974170), and in the KB it is the
only route to the `monocytic-differentiation` mechanism. So lowering that weight can only
change venetoclax calls of M4/M5 patients, and only towards less resistance; the patient list
is read from the annotation file with pandas, not from Refractor.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
V = ROOT.parent / "shared" / "validation" / "tcga_laml_maftools"

pytestmark = [
    pytest.mark.validation,
    pytest.mark.skipif(not (V / "tcga_laml.maf.gz").is_file(), reason="../shared/validation absent"),
]


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    from refractor.kb import KnowledgeBase

    mod = load_script("benchmarks", "validate_sensitivity")
    kb = KnowledgeBase.load()
    sheet = mod.laml_sheet(tmp_path_factory.mktemp("laml"))
    from refractor.interpret.sensitivity import sensitivity
    from refractor.io import read_samplesheet

    from refractor.interpret._prepare import iter_features

    genes = {getattr(f, "gene", None) for b in kb.biomarkers.values()
             for f in iter_features(b.profile)} - {None}
    return sensitivity(read_samplesheet(sheet, genes=genes), kb, thresholds="none",
                       rules=["venetoclax-bcl2-axis"])


def test_monocytic_weight_moves_only_m4_m5_venetoclax_calls_down(res):
    annot = pd.read_csv(V / "tcga_laml_annot.tsv", sep="\t")
    m45 = set(annot.loc[annot["FAB_classification"].isin(["M4", "M5"]), "Tumor_Sample_Barcode"])
    p = res.perturbations
    row = p[(p["target"] == "venetoclax-bcl2-axis") & (p["detail"] == "max member monocytic-differentiation")
            & (p["direction"] == "-10")]
    assert len(row) == 1
    ch = res.changes[res.changes["perturbation"] == row.index[0]]
    assert len(ch) > 0 and set(ch["agent"]) == {"venetoclax"}
    assert set(ch["sample"]) <= m45
    assert row["less_resistant"].iloc[0] == len(ch) and row["more_resistant"].iloc[0] == 0


def test_fragile_flags_are_consistent(res):
    c = res.calls
    assert len(c) == res.n_calls == c["sample"].nunique() * c["agent"].nunique()
    changed = set(zip(res.changes["sample"], res.changes["agent"]))
    assert set(zip(c.loc[c["fragile"], "sample"], c.loc[c["fragile"], "agent"])) == changed
