"""Behaviour of the cereblon molecular-glue model against published biology.

References (each test names its own):
- potency order of IKZF1/3 degradation: Bjorklund et al. Leukemia 2020
  doi:10.1038/s41375-019-0620-8 (iberdomide degrades Ikaros/Aiolos faster than pomalidomide;
  lenalidomide and pomalidomide bind CRBN with ~3 uM affinity), Hansen et al. J Med Chem 2020
  (CC-92480 more potent than iberdomide), seed 003 (CELMoDs > IMiDs).
- CK1a: Kronke et al. Nature 2015 doi:10.1038/nature14610 (lenalidomide, not pomalidomide).
- resistance mechanisms: seed 003_24478cfc54fb994d (CRBN low / exon-10 splicing / COP9 2q37
  loss / IKZF degron mutation / RUNX shielding / competing substrates / ETV4 plasticity).
- hook effect and cooperativity: degrader_ternary_stx (NanoBRET ACBI1, Bartlett et al.-type
  kinetic proofreading configs).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from refractor.models.glue import SPEC, glue_model

DOSES = list(np.logspace(-5, 2, 15))  # uM


@pytest.fixture(scope="module")
def m():
    return glue_model()


def _dc50(m, agent, readout="IKZF1_rel", **kw):
    return m.dose_response(agent=agent, doses=DOSES, readout=readout, t_end=24, **kw)


@pytest.mark.parametrize("readout", ["IKZF1_rel", "IKZF3_rel"])
def test_ikzf_dc50_order(m, readout):
    # mezigdomide < iberdomide < pomalidomide <= lenalidomide < thalidomide (Bjorklund 2020;
    # Hansen 2020; seed 003)
    dc = {a: _dc50(m, a, readout).dc50 for a in
          ["mezigdomide", "iberdomide", "pomalidomide", "lenalidomide", "thalidomide"]}
    assert all(math.isfinite(v) for v in dc.values())
    assert dc["mezigdomide"] < dc["iberdomide"] < dc["pomalidomide"]
    assert dc["pomalidomide"] <= dc["lenalidomide"] < dc["thalidomide"]


def test_catalytic_amplification(m):
    # one CRBN molecule degrades many substrate molecules (event-driven pharmacology; glue
    # degraders act catalytically, seed 003/004)
    r = m.simulate(agent="lenalidomide", dose=3.0, t_end=24)
    assert r.final("substrate_per_crbn") > 5.0
    r = m.simulate(agent="mezigdomide", dose=0.01, t_end=24)
    assert r.final("substrate_per_crbn") > 5.0


def test_low_crbn_hurts_weak_binder_far_more(m):
    # seed 003: CELMoDs (higher CRBN affinity) keep working when CRBN falls after lenalidomide
    def shift(agent):
        base = m.dose_response(agent=agent, doses=DOSES)
        low = m.dose_response(agent=agent, doses=DOSES, perturbations={"crbn_low": 0.1})
        assert math.isfinite(base.ic50)
        return (low.ic50 if math.isfinite(low.ic50) else math.inf) / base.ic50
    assert shift("lenalidomide") > 10 * shift("mezigdomide")
    assert math.isfinite(shift("mezigdomide"))


@pytest.mark.parametrize("pert", [
    {"crbn_exon10": 0.5}, {"crbn_exon10": 0.9}, {"cop9_loss": 0.3}, {"ikzf_degron": 0.5},
    {"runx_shielding": 0.7},
])
def test_mechanisms_cause_resistance(m, pert):
    # seed 003: each mechanism reduces lenalidomide effect (IKZF1 degradation and viability)
    base_d = _dc50(m, "lenalidomide")
    base_v = m.dose_response(agent="lenalidomide", doses=DOSES)
    d = _dc50(m, "lenalidomide", perturbations=pert)
    v = m.dose_response(agent="lenalidomide", doses=DOSES, perturbations=pert)
    assert d.dmax < base_d.dmax - 0.05 or d.dc50 > 1.5 * base_d.dc50
    assert v.emax < base_v.emax - 0.1 or not (v.ic50 <= 2 * base_v.ic50)


def test_rising_exon10_fraction_is_graded(m):
    # seed 003: higher exon-10-skipped fraction, more resistance
    dmax = [_dc50(m, "lenalidomide", perturbations={"crbn_exon10": f}).dmax
            for f in (0.0, 0.3, 0.6, 0.9)]
    assert all(a > b for a, b in zip(dmax, dmax[1:]))


def test_ck1a_degraded_more_by_lenalidomide_than_pomalidomide(m):
    # Kronke et al. Nature 2015 (doi:10.1038/nature14610)
    len_ = _dc50(m, "lenalidomide", "CK1A_rel")
    pom = _dc50(m, "pomalidomide", "CK1A_rel")
    assert len_.dmax > pom.dmax + 0.2


def test_competing_substrate_reduces_ikzf_degradation(m):
    # seed 003: competing CRBN substrates lower IKZF1/3 degradation
    for agent, dose in (("lenalidomide", 0.5), ("mezigdomide", 0.0003)):
        base = m.simulate(agent=agent, dose=dose, t_end=24).final("IKZF1_rel")
        comp = m.simulate(agent=agent, dose=dose, t_end=24,
                          perturbations={"competing_substrates": 20}).final("IKZF1_rel")
        assert (1 - comp) < (1 - base) - 0.02


def test_irf4_myc_uncoupling_keeps_viability_despite_degradation(m):
    # seed 003: ETV4 keeps MYC although Ikaros/Aiolos are degraded
    base = m.simulate(agent="pomalidomide", dose=1.0)
    unc = m.simulate(agent="pomalidomide", dose=1.0, perturbations=["irf4_myc_uncoupling"])
    assert unc.final("IKZF1_rel") == pytest.approx(base.final("IKZF1_rel"), rel=1e-6)
    assert unc.final("MYC") > base.final("MYC") + 0.3
    assert unc.final("viability") > base.final("viability") + 0.2


def test_protac_hook_effect(m):
    # bifunctional degraders lose activity at high dose (hook effect; degrader_ternary_stx)
    doses = list(np.logspace(-4, 4, 17))
    d = m.dose_response(agent="cdk6-protac", doses=doses, readout="TGT_rel", t_end=24)
    assert "hook" in d.flags
    assert d.frame.effect.iloc[-1] < 0.5 * d.dmax
    assert doses[0] < d.dose_at_emax < doses[-1]
    # molecular glues do not hook in this range
    g = m.dose_response(agent="pomalidomide", doses=doses, readout="IKZF1_rel", t_end=24)
    assert "hook" not in g.flags


def test_protac_cooperativity(m):
    # higher ternary cooperativity -> deeper degradation, lower DC50, wider window
    doses = list(np.logspace(-4, 4, 17))
    out = [m.dose_response(agent="cdk6-protac", doses=doses, readout="TGT_rel", t_end=24,
                           set={"alpha_TGT": a}) for a in (1.0, 10.0, 100.0)]
    assert out[0].dmax < out[1].dmax < out[2].dmax
    assert out[0].dc50 > out[1].dc50 > out[2].dc50
    widths = [int((o.frame.effect > 0.5 * o.dmax).sum()) for o in out]
    assert widths[0] <= widths[1] <= widths[2] and widths[0] < widths[2]


def test_protac_ternary_maximum_is_the_analytic_hook_point(m):
    """Three-body binding, non-depleting limit: the ternary complex of a bifunctional degrader
    peaks at dose sqrt(Kd_E3 x Kd_target) whatever the cooperativity (the hook point). With
    degradation switched off the refined maximum of the simulated curve must sit there (the
    dose grid only brackets it). Kd values of the ACBI1 configs (degrader_ternary_stx)."""
    kd_e3, kd_t = 0.0694, 9.26
    for alpha in (1.0, 26.0):
        dr = m.dose_response(agent="cdk6-protac", doses=list(np.logspace(-5, 2, 15)),
                             readout="ternary_TGT",
                             set={"Kd_crbn": kd_e3, "KdB_TGT": kd_t, "alpha_TGT": alpha,
                                  "kub": 0.0, "CRBN0": 0.1, "TGT_0": 0.1, "kdeg_TGT": 0.0})
        assert dr.dose_at_emax == pytest.approx(math.sqrt(kd_e3 * kd_t), rel=0.01)
