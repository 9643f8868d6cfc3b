"""TRAIL extrinsic-apoptosis model (EARM 2.0 M1a, fitted) against the data it must reproduce.

References
----------
* Lopez et al., Mol Syst Biol 2013;9:646 (PMID 23423320): EARM 2.0 M1a, fitted parameters.
* Albeck et al., PLoS Biol 2008;6:e299 (doi:10.1371/journal.pbio.0060299, PMID 19053173):
  IC-RP / IMS-RP / EC-RP reporter trajectories at 50 ng/mL TRAIL; caspase-8 activity sets the
  delay to MOMP; XIAP controls effector-caspase activation.
* Spencer et al., Nature 2009;459:428 (doi:10.1038/nature08012): single-cell GFP-tagged protein
  level vs time to MOMP/death (50 ng/mL TRAIL + CHX). Per xpdata/message.txt the Bid data are
  Fig. 4 of that paper, the Bcl-2 data from the companion modelling paper, Bcl-xL and Bax
  unpublished (shared with EARM). Endogenous levels from the Supplementary captions (Fig.
  S5-S8): Bcl-2 30,000, Bcl-xL 7,700, Bid 28,000, Bax 224,000 molecules per HeLa cell.
* Pan et al., Science 1997 (PMID 9242610): decoy receptor protects from TRAIL.
* Irmler et al., Nature 1997 (doi:10.1038/40657): c-FLIP inhibits death-receptor signalling.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from refractor.models import get_model, run_batch
from refractor.models.trail import SPEC, crossing_time, time_to_momp

VALIDATION = Path(__file__).resolve().parents[2].parent / "shared" / "validation"
EARM = VALIDATION / "earm_trail_sorger"
needs_data = pytest.mark.skipif(not EARM.is_dir(), reason="../shared/validation absent")
AGENT = "trail-based-therapy"

# Spencer 2009 single-cell files: parameter, file, endogenous molecules/cell (Suppl. S5-S8)
SINGLE_CELL = {
    "Bcl2_0": ("5-14-08_NIC_Bcl2_Bclxl_sorted__Bcl2GFPforMatlab.csv", 30_000),
    "BclxL_0": ("5-14-08_NIC_BclxL_realnumbers_sorted__bclxl-gfp_50+_matlab_real_ns.csv", 7_700),
    "Bid_0": ("7-25-08_bid_bax_transienttransfect_realnums__bid50+formatlab.csv", 28_000),
    "Bax_0": ("10-3-07_SR17_Bax-GFP_sorted_1and4_20x_apoptopower__forMatlab_realUnits.csv",
              224_000),
}
INITIALS = ["R_0", "flip_0", "C8_0", "BAR_0", "Apaf_0", "C3_0", "C6_0", "C9_0", "XIAP_0",
            "Bid_0", "Bax_0", "Bak_0", "Bcl2_0", "BclxL_0", "Mcl1_0", "CytoC_0", "Smac_0"]
CENSOR_S = 16 * 3600.0  # the single-cell movies end at 16 h (censored value 16.0 in the files)


@pytest.fixture(scope="module")
def model():
    return get_model("trail")


def _momp(model, **kw) -> float:
    r = model.simulate(agent=AGENT, dose=50.0, t_end=60_000, points=6001,
                       selections=["Smac_release"], **kw)
    return time_to_momp(r.frame)


@needs_data
def test_shipped_antimony_is_the_conversion_of_the_published_files():
    """trail.ant = EARM 2.0 M1a SBML + fitted parameters (clopezx/earm @966c0c73), converted."""
    from refractor.models._earm_convert import convert

    text = convert(EARM / "EARM_2_0_M1a.sbml", EARM / "EARM_2_0_M1a_fitted_params.txt")
    assert text == SPEC.antimony()


@needs_data
def test_reporter_trajectories_match_albeck_2008_data(model):
    """IC-RP and EC-RP at 50 ng/mL TRAIL (Albeck 2008 data used to fit EARM 2.0).

    The model's half-maximal cleavage times must lie inside the band where the measured
    normalised reporter +/- 2 SD crosses 0.5; RMSE of the normalised trajectories < 0.06
    (measured: IC-RP 0.025, EC-RP 0.031). MOMP (IMS-RP step, 9810 s in the data) within 10 %.
    """
    d = pd.read_csv(EARM / "xpdata" / "forfits" / "EC-RP_IMS-RP_IC-RP_data_for_models.csv")
    d.columns = [c.strip().lstrip("#").strip() for c in d.columns]
    t = d["Time"].to_numpy(float)
    r = model.simulate(agent=AGENT, dose=50.0, t_end=float(t.max()), points=int(t.max() / 10) + 1,
                       selections=["tBid_frac", "Smac_release", "cPARP_frac"])
    f = r.frame
    for col, rep in (("tBid_frac", "IC-RP"), ("cPARP_frac", "EC-RP")):
        y = np.interp(t, f["time"], f[col])
        data = d[f"norm_{rep}"].to_numpy(float)
        sd = np.sqrt(d[f"nrm_var_{rep}"].to_numpy(float))
        rmse = float(np.sqrt(np.mean((y - data) ** 2)))
        assert rmse < 0.06, (rep, rmse)
        t50 = crossing_time(f["time"].to_numpy(), f[col].to_numpy(), 0.5)
        lo, hi = crossing_time(t, data + 2 * sd, 0.5), crossing_time(t, data - 2 * sd, 0.5)
        assert lo <= t50 <= hi, (rep, t50, lo, hi)
    t_momp_data = crossing_time(t, d["IMS-RP step"].to_numpy(float), 0.5)
    assert abs(time_to_momp(f) - t_momp_data) < 0.1 * t_momp_data


def _cells(name: str, n: int | None, cv: float, seed: int = 7):
    path, endogenous = SINGLE_CELL[name]
    d = pd.read_csv(EARM / "xpdata" / path)
    if n is not None:  # evenly spaced quantiles of the measured GFP levels
        d = d.sort_values(d.columns[0]).iloc[np.linspace(0, len(d) - 1, n).round().astype(int)]
    gfp = d.iloc[:, 0].to_numpy(float)
    defaults = get_model("trail")._compiled().defaults
    rng = np.random.default_rng(seed)
    sigma = math.sqrt(math.log(1 + cv**2))
    params = pd.DataFrame({k: defaults[k] * np.exp(rng.normal(0, sigma, len(gfp)))
                           for k in INITIALS})
    # GFP-tagged protein adds to the endogenous pool: scale the model's level by the same ratio
    params[name] *= (endogenous + gfp) / endogenous
    return gfp, d.iloc[:, 1].to_numpy(float), params


def _model_momp_h(params: pd.DataFrame) -> np.ndarray:
    out = run_batch("trail", params, t_end=CENSOR_S, points=int(CENSOR_S / 60) + 1,
                    selections=["Smac_release"], agent=AGENT, dose=50.0, n_jobs=2)
    times = [min(crossing_time(g["time"].to_numpy(), g["Smac_release"].to_numpy(), 0.5), CENSOR_S)
             for _, g in out.groupby("set", sort=True)]
    return np.asarray(times) / 3600.0


@needs_data
def test_single_cell_protein_levels_give_the_measured_correlation_signs():
    """Sign of Spearman rho(protein, time to MOMP): measured (Spencer 2009) = model.

    Measured: Bcl-2 +0.76, Bcl-xL +0.79, Bid -0.81, Bax -0.36. Model cells differ only in the
    measured protein (25 cells spanning each measured range), so the sign is the model's.
    """
    for name in SINGLE_CELL:
        gfp_all, t_all, _ = _cells(name, None, 0.0)
        rho_data = spearmanr(gfp_all, t_all).statistic
        gfp, _, params = _cells(name, 25, 0.0)
        rho_model = spearmanr(gfp, _model_momp_h(params)).statistic
        assert np.sign(rho_model) == np.sign(rho_data) != 0, (name, rho_model, rho_data)


@needs_data
@pytest.mark.slow
def test_single_cell_rank_correlation_size_bclxl_and_bid():
    """With cell-to-cell variation of every other protein (log-normal CV 0.25: an assumed,
    typical extrinsic-noise level, not a measured one), the model's rho for Bcl-xL and Bid is
    within 0.2 of the measured rho (measured +0.79 and -0.81; model about +0.77 and -0.82)."""
    for name in ("BclxL_0", "Bid_0"):
        gfp, t, params = _cells(name, None, 0.25)
        rho_data = spearmanr(gfp, t).statistic
        rho_model = spearmanr(gfp, _model_momp_h(params)).statistic
        assert abs(rho_model - rho_data) < 0.2, (name, rho_model, rho_data)


@needs_data
@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "known gap of the fitted EARM 2.0 M1a parameters: Bcl-2 binds tBid/Bax with Kd ~3e6 "
    "molecules/cell (inert), so the model's rho for Bcl-2 is ~0 vs measured +0.76"))
def test_single_cell_rank_correlation_size_bcl2():
    gfp, t, params = _cells("Bcl2_0", None, 0.25)
    rho_model = spearmanr(gfp, _model_momp_h(params)).statistic
    assert abs(rho_model - spearmanr(gfp, t).statistic) < 0.3


def test_caspase8_loss_prevents_momp(model):
    """Caspase-8 activity sets the delay to MOMP (Albeck 2008): less procaspase-8 -> later MOMP,
    5 % procaspase-8 -> no MOMP within 6 h."""
    times = [_momp(model, set={"C8_0": 20_000 * f}) for f in (1.0, 0.5, 0.2)]
    assert times[0] < times[1] < times[2]
    assert _momp(model, perturbations=["casp8_level"]) > 21_600


def test_flip_and_decoy_receptors_delay_momp(model):
    """c-FLIP (Irmler 1997) and decoy receptors (Pan 1997) delay MOMP, monotonically."""
    flip = [_momp(model, perturbations={"flip_level": f}) for f in (1, 10, 100, 1000)]
    assert all(a < b for a, b in zip(flip, flip[1:]))
    assert flip[-1] > 1.3 * flip[0]
    decoy = [_momp(model, perturbations={"decoy_level": n}) for n in (0, 3e3, 3e4, 1e5)]
    assert all(a < b for a, b in zip(decoy, decoy[1:]))
    assert decoy[-1] > 1.2 * decoy[0]


def test_receptor_loss_and_xiap_reduce_death(model):
    """DR4/DR5 loss delays MOMP; XIAP over-expression blocks PARP cleavage after MOMP
    (Albeck 2008: XIAP/Smac partitioning controls effector-caspase activation)."""
    assert _momp(model, perturbations=["dr_level"]) > 1.5 * _momp(model)
    base = model.simulate(agent=AGENT, dose=50.0, selections=["cPARP_frac"]).final("cPARP_frac")
    xiap = model.simulate(agent=AGENT, dose=50.0, perturbations=["xiap_level"],
                          selections=["cPARP_frac"]).final("cPARP_frac")
    assert base > 0.99 and xiap < 0.5


def test_trail_dose_response_and_resistance_shift(model):
    """Viability at 6 h falls with TRAIL dose; caspase-8 loss shifts the IC50 right."""
    doses = list(np.logspace(-1, 4, 16))
    ref = model.dose_response(agent=AGENT, doses=doses)
    assert 0.5 < ref.ic50 < 50 and ref.emax > 0.95  # 50 ng/mL kills HeLa within ~3 h (Albeck)
    res = model.dose_response(agent=AGENT, doses=doses, perturbations={"casp8_level": 0.2})
    assert res.ic50 > 2 * ref.ic50
