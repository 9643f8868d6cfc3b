"""Behaviour of the BCL2-family switch against published biology.

References:
- venetoclax kills BCL2-dependent (BIM:BCL2-primed) cells but not MCL1-dependent ones:
  Souers et al. Nat Med 2013; Cloete et al. npj Syst Biol Appl 2023
  doi:10.1038/s41540-023-00286-5 (SUDHL10/U2946: MCL1 only -> S63845, not ABT-199).
- MCL1 / BCL-XL up-regulation raise the venetoclax IC50 by >= 1 order of magnitude
  (Cloete 2023; seed reviews on venetoclax resistance).
- BCL2 G101V lowers venetoclax affinity ~180-fold (Blombery et al. Cancer Discov 2019
  doi:10.1158/2159-8290.CD-18-1119, PMID 30514704).
- MCL1 has a short protein half-life, 1-4 h (Tron et al. Nat Commun 2018
  doi:10.1038/s41467-018-07551-w); BCL2/BCL-XL are stable (Blood 123(18):2806):
  when synthesis falls (azacitidine), MCL1 falls within hours, BCL2 does not.
- venetoclax + MCL1 inhibitor synergy: Cloete 2023 Fig. 5 (U2932 venetoclax x AZD5991 matrix,
  data in ../shared/validation/bh3models_dlbcl_cloete2023/Apoptosis_modelFiles).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from refractor.models.bcl2 import SPEC, bcl2_model

DOSES = list(np.logspace(-2, 4, 25))  # nM
BCL2_DEP = {"bcl2_level": 2.0, "mcl1_level": 0.3, "bclxl_level": 0.3}
MCL1_DEP = {"bcl2_level": 0.0, "mcl1_level": 1.5, "bclxl_level": 0.0}


@pytest.fixture(scope="module")
def m():
    return bcl2_model()


def test_venetoclax_kills_bcl2_dependent_not_mcl1_dependent(m):
    doses = [d for d in DOSES if d <= 1000]  # clinically achievable range
    b = m.dose_response(agent="venetoclax", doses=doses, set=BCL2_DEP)
    mc = m.dose_response(agent="venetoclax", doses=doses, set=MCL1_DEP)
    assert b.ic50 < 100 and b.emax > 0.9
    assert math.isnan(mc.ic50) and mc.emax < 0.3
    # and the MCL1-dependent cell is killed by an MCL1 inhibitor (Kotschy 2016; Cloete 2023)
    s = m.dose_response(agent="s63845", doses=doses, set=MCL1_DEP)
    assert s.ic50 < 1000 and s.emax > 0.9


def _shift(m, pert, agent="venetoclax"):
    base = m.dose_response(agent=agent, doses=DOSES, set=BCL2_DEP).ic50
    new = m.dose_response(agent=agent, doses=DOSES, set=BCL2_DEP, perturbations=pert).ic50
    return (new if math.isfinite(new) else math.inf) / base


@pytest.mark.parametrize("pert", [["mcl1_up"], ["bclxl_up"]])
def test_antiapoptotic_upregulation_raises_ic50_tenfold_or_more(m, pert):
    assert _shift(m, pert) >= 10


def test_g101v_raises_ic50_by_the_order_of_the_affinity_loss(m):
    s = _shift(m, ["bcl2_g101v"])
    assert 180 / 10 <= s <= 180 * 10  # within one order of magnitude of ~180-fold
    # sonrotoclax is assumed to keep most of its activity on G101V
    assert _shift(m, ["bcl2_g101v"], agent="sonrotoclax") < s / 5


def test_bax_loss_and_bim_loss_cause_resistance(m):
    assert _shift(m, ["bax_loss"]) > 2
    assert _shift(m, ["bim_loss"]) > 2


def test_azacitidine_like_mcl1_reduction_sensitises_mcl1_rich_cells(m):
    cell = {"bcl2_level": 1.5, "mcl1_level": 2.0, "bclxl_level": 0.2}
    base = m.dose_response(agent="venetoclax", doses=DOSES, set=cell)
    aza = m.dose_response(agent="venetoclax", doses=DOSES, set=cell,
                          perturbations=["azacitidine_mcl1_reduction"])
    base_ic50 = base.ic50 if math.isfinite(base.ic50) else math.inf
    assert math.isfinite(aza.ic50) and aza.ic50 < base_ic50 / 2


def test_venetoclax_mcl1_inhibitor_synergy(m):
    # Bliss excess > 0 in a BCL2+MCL1 co-dependent cell (U2932-like, Cloete 2023 Fig. 5)
    cell = {"bcl2_level": 2.37, "mcl1_level": 1.21, "bclxl_level": 0.118, "noxa_level": 1.86}

    def v(dv, dm):
        return m.simulate(agent="venetoclax", dose=dv, combination={"azd5991": dm}, set=cell,
                          points=2, selections=["viability"]).final("viability")

    v0 = v(0, 0)
    grid = [0.0, 1.0, 10.0, 100.0, 1000.0]  # nM, the Cloete U2932 matrix doses
    mat = np.array([[v(a, b) / v0 for b in grid] for a in grid])
    bliss = mat[:, [0]] * mat[[0], :] - mat  # expected (independent) minus observed viability
    assert bliss.max() > 0.2
    assert bliss.min() > -0.05  # never antagonistic


def test_mcl1_turnover_keeps_the_stated_level_and_falls_with_its_half_life(m):
    """Steady state = the stated reference-cell level (MCL1_ref x mcl1_level = 30 nM); halving
    synthesis from time 0 lowers MCL1 to 0.5 + 0.5 exp(-k t) of it (half-life 2 h, within the
    1-4 h of Tron 2018), i.e. ~75 % at 2 h and ~50 % by 24 h; BCL2 stays."""
    cell = {"bcl2_level": 2.0, "mcl1_level": 0.3, "bclxl_level": 0.3}
    ref = m.simulate(set=cell, t_end=24, points=13, selections=["MCL1_total", "B2"])
    assert ref.frame["MCL1_total"].to_numpy() == pytest.approx(30.0, rel=1e-6)
    aza = m.simulate(set=cell, t_end=24, points=13, selections=["MCL1_total"],
                     perturbations=["azacitidine_mcl1_reduction"])
    mcl1 = aza.frame.set_index("time")["MCL1_total"] / 30.0
    k = SPEC.parameter("kdeg_M1").value
    assert math.log(2) / k == pytest.approx(2.0, rel=0.02)
    assert mcl1[2.0] == pytest.approx(0.5 + 0.5 * math.exp(-2 * k), rel=1e-3)
    assert mcl1[24.0] == pytest.approx(0.5, rel=1e-3)
