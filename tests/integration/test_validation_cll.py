"""Measured CLL proteomics -> BCL2-family model -> measured ex vivo response (mofaCLL).

Data: Lu J, Cannizzaro E et al., Nat Cancer 2021;2(8):853-864, doi:10.1038/s43018-021-00216-6,
PMID 34423310 (../shared/validation/cll_mofacll_lu2021). The figures (model vs baselines within
CLL) are printed by ``benchmarks/validate_cll_mofacll.py``; these tests check the behaviour the
biology fixes, whatever the fitted-free model's rho turns out to be:

- the data handling: TP53-mutant CLL resists nutlin-3a, an MDM2 antagonist that needs wild-type
  p53 (Vassilev et al., Science 2004, doi:10.1126/science.1092472) - the positive control;
- the model reads the measured protein in the direction the biology gives: more BIM (the
  activator BH3 protein that primes CLL cells; Del Gaizo Moore et al., J Clin Invest 2007,
  PMID 17200714) means more venetoclax killing, i.e. lower predicted viability;
- the disease-label baseline is undefined inside one disease and said to be so.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "validation" / "cll_mofacll_lu2021"

pytestmark = [
    pytest.mark.validation,
    pytest.mark.skipif(not (DATA / "cll_proteomics_QRILC_log2.csv").is_file(),
                       reason="../shared/validation absent"),
]


@pytest.fixture(scope="module")
def fig():
    mod = load_script("benchmarks", "validate_cll_mofacll")
    tables = mod.load(DATA)
    return mod, tables, mod.analyse(tables, boot=200)


def test_tp53_nutlin_positive_control(fig):
    _mod, _tables, f = fig
    tp53 = f["nutlin"]["TP53"]
    assert tp53["n_mut"] >= 20 and tp53["med_mut"] > tp53["med_wt"]
    assert tp53["auroc"] > 0.7 and tp53["p"] < 1e-4


def test_model_reads_bim_as_priming(fig):
    mod, tables, f = fig
    assert f["n"] == 43  # 47 proteomics patients, 4 without drug data (H060, H102, H113, H346)
    assert f["model_vs_protein"]["BCL2L11"].rho < -0.3
    # dose: every patient's predicted viability falls from the lowest to the highest dose
    log2, _det = mod.protein_log2(tables)
    params = mod.model_inputs(log2)
    doses = mod.concentrations_nM(tables["viab"], "Venetoclax")
    low, high = mod.predict(params, "venetoclax", doses[:1]), mod.predict(params, "venetoclax", doses[-1:])
    assert (high < low).all()


def test_label_baseline_is_undefined_within_cll(fig):
    _mod, _tables, f = fig
    label = f["venetoclax"]["baseline: disease label only (all CLL)"]
    assert label.note and label.rho != label.rho  # NaN: a constant cannot rank patients
    model = f["venetoclax"]["model (5 measured proteins)"]
    assert model.n == 43 and model.lo <= model.rho <= model.hi
