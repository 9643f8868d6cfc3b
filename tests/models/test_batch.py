"""run_batch: many parameter sets, parallel over processes, tidy output.

Checks: agreement with single runs of the same model, conservation of PARP in every set
(EARM: PARP is only cleaved, PARP_total = PARP_0; Albeck et al. PLoS Biol 2008), identical
results for 1 and 2 workers, order and labels, restoration of defaults between calls, and bad
input reported as InputError.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from refractor.errors import InputError
from refractor.models import export_sbml, get_model, run_batch

AGENT = "trail-based-therapy"


@pytest.fixture(scope="module")
def params() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 12
    return pd.DataFrame(
        {"XIAP_0": 1e5 * 2.0 ** rng.uniform(-1, 1, n),
         "Bid_0": 4e4 * 2.0 ** rng.uniform(-1, 1, n),
         "PARP_0": 1e6 * 2.0 ** rng.uniform(-1, 1, n)},
        index=[f"cell{i}" for i in range(n)],
    )


def test_batch_equals_single_runs_and_conserves_parp(params):
    m = get_model("trail")
    sel = ["PARPU", "PARPC", "C3A_PARPU", "cPARP_frac"]
    out = run_batch(m, params, t_end=20_000, points=41, selections=sel, agent=AGENT, dose=50.0,
                    n_jobs=2, chunk_size=5)
    assert list(out.columns) == ["set", "time", *sel]
    assert len(out) == len(params) * 41
    assert list(out["set"].unique()) == list(params.index)
    for label in ("cell0", "cell7", "cell11"):
        single = m.simulate(agent=AGENT, dose=50.0, set=params.loc[label].to_dict(),
                            t_end=20_000, points=41, selections=["cPARP_frac"])
        got = out.loc[out["set"] == label, "cPARP_frac"].to_numpy()
        np.testing.assert_allclose(got, single.frame["cPARP_frac"].to_numpy(), rtol=1e-9,
                                   atol=1e-12)
    total = out["PARPU"] + out["PARPC"] + out["C3A_PARPU"]
    parp0 = out["set"].map(params["PARP_0"])
    np.testing.assert_allclose(total, parp0, rtol=1e-6)


def test_one_and_two_workers_agree_and_progress_is_reported(params):
    seen: list[tuple[int, int]] = []
    a = run_batch("trail", params, t_end=15_000, points=11, n_jobs=1, final_only=True,
                  agent=AGENT, dose=20.0)
    b = run_batch("trail", params, t_end=15_000, points=11, n_jobs=2, final_only=True,
                  agent=AGENT, dose=20.0, chunk_size=3, progress=lambda d, n: seen.append((d, n)))
    pd.testing.assert_frame_equal(a, b)
    assert len(b) == len(params) and list(b.columns) == ["set", "time", "viability"]
    assert seen[-1] == (len(params), len(params)) and len(seen) == 4


def test_defaults_are_restored_between_calls(params):
    m = get_model("trail")
    # an agent not given is absent (untreated), so the agent and its dose are passed explicitly
    run_batch(m, pd.DataFrame({"Bid_0": [1e3]}), t_end=20_000, points=3, n_jobs=1,
              agent=AGENT, dose=50.0)
    out = run_batch(m, pd.DataFrame({"XIAP_0": [1e5]}), t_end=20_000, points=3, n_jobs=1,
                    selections=["cPARP_frac"], final_only=True, agent=AGENT, dose=50.0)
    ref = m.simulate(t_end=20_000, points=3, selections=["cPARP_frac"], agent=AGENT, dose=50.0)
    assert out["cPARP_frac"].iloc[0] == pytest.approx(ref.final("cPARP_frac"), rel=1e-9)
    assert ref.final("cPARP_frac") > 0.99  # Bid_0=1e3 would have blocked MOMP


def test_explicit_times_and_raw_sbml():
    sbml = export_sbml("trail")
    times = [0.0, 1000.0, 9000.0, 12000.0, 20000.0]
    out = run_batch(sbml, pd.DataFrame({"TRAIL": [0.0, 50.0]}), times=times,
                    selections=["cPARP_frac"], n_jobs=1)
    assert out["time"].tolist() == times * 2
    no_ligand = out.loc[out["set"] == 0, "cPARP_frac"]
    assert no_ligand.abs().max() < 1e-9  # no TRAIL, no caspase activity
    assert out.loc[out["set"] == 1, "cPARP_frac"].iloc[-1] > 0.99


@pytest.mark.parametrize(
    "frame, message",
    [
        (pd.DataFrame({"not_a_parameter": [1.0]}), "not_a_parameter"),
        (pd.DataFrame({"Bid_0": [np.nan]}), "non-finite"),
        (pd.DataFrame({"tBid_frac": [1.0]}), "tBid_frac"),  # assignment rule: not settable
    ],
)
def test_bad_input(frame, message):
    with pytest.raises(InputError, match=message):
        run_batch("trail", frame, t_end=100, points=3)


def test_bad_arguments():
    with pytest.raises(InputError, match="DataFrame"):
        run_batch("trail", {"Bid_0": [1.0]}, t_end=100)
    with pytest.raises(InputError, match="times"):
        run_batch("trail", pd.DataFrame({"Bid_0": [1.0]}), times=[1.0, 0.5])


# ---- BCL2 switch: batch runs take the same path as Model.simulate (pre-equilibration) -------
# Cells: BCL2-dependent (CLL-like; Del Gaizo Moore et al. J Clin Invest 2007, PMID 17200714) and
# MCL1-dependent (SUDHL10-like; Cloete et al. npj Syst Biol Appl 2023
# doi:10.1038/s41540-023-00286-5). Venetoclax kills the first and spares the second (Souers et
# al. Nat Med 2013); the model is pre-equilibrated untreated before the drug is added.
BCL2_DEP = {"bcl2_level": 2.0, "mcl1_level": 0.3, "bclxl_level": 0.3}
MCL1_DEP = {"bcl2_level": 0.0, "mcl1_level": 1.5, "bclxl_level": 0.0}


def test_bcl2_batch_equals_simulate_with_pre_equilibration():
    m = get_model("bcl2")
    cells = pd.DataFrame([BCL2_DEP, MCL1_DEP, {"bcl2_level": 1.0, "mcl1_level": 1.0,
                                               "bclxl_level": 0.3}],
                         index=["bcl2_dep", "mcl1_dep", "mixed"])
    for dose in (3.0, 100.0):
        out = run_batch("bcl2", cells, agent="venetoclax", dose=dose, final_only=True,
                        selections=["viability", "BIM"], n_jobs=2, chunk_size=1)
        for label, row in cells.iterrows():
            single = m.simulate(agent="venetoclax", dose=dose, set=row.to_dict(), points=2,
                                selections=["viability", "BIM"])
            got = out.loc[out["set"] == label].iloc[0]
            for col in ("viability", "BIM"):  # equal within the CVODE tolerances (atol 1e-10)
                assert got[col] == pytest.approx(single.final(col), rel=1e-6, abs=1e-8)
    v = out.set_index("set")["viability"]  # 100 nM venetoclax, 24 h
    assert v["bcl2_dep"] < 0.05 and v["mcl1_dep"] > 0.9


def test_bcl2_batch_dose_column_is_zero_during_pre_equilibration():
    """A dose grid given as a column (D_ven, nM) matches simulate(agent, dose) row by row."""
    m = get_model("bcl2")
    doses = [0.0, 1.0, 3.0, 10.0]
    grid = pd.DataFrame({"D_ven": doses, **{k: [v] * 4 for k, v in BCL2_DEP.items()}})
    out = run_batch(m, grid, t_end=24.0, points=5, n_jobs=1)
    assert len(out) == 4 * 5
    final = out[out["time"] == 24.0]["viability"].to_numpy()
    for d, got in zip(doses, final):
        ref = m.simulate(agent="venetoclax", dose=d, set=BCL2_DEP, points=5).final("viability")
        assert got == pytest.approx(ref, rel=1e-6, abs=1e-8)
    assert final[0] > 0.99 and final[-1] < 0.1  # IC50 in the low-nM range (Souers 2013)


def test_backend_is_checked_and_auto_falls_back_without_amici():
    """The default path never needs AMICI; without it 'auto' is libRoadRunner and 'amici' a
    clear ModelError (the AMICI runs themselves: test_batch_amici.py)."""
    import importlib.util

    frame = pd.DataFrame({"Bid_0": [4e4]})
    kw = dict(t_end=20_000, points=3, n_jobs=1, agent=AGENT, dose=50.0, final_only=True)
    with pytest.raises(InputError, match="backend must be one of"):
        run_batch("trail", frame, backend="fast", **kw)
    if importlib.util.find_spec("amici") is not None:
        pytest.skip("AMICI is installed: the fallback cannot be observed here")
    from refractor.errors import ModelError

    with pytest.raises(ModelError, match="not installed"):
        run_batch("trail", frame, backend="amici", **kw)
    auto = run_batch("trail", frame, backend="auto", **kw)
    pd.testing.assert_frame_equal(auto, run_batch("trail", frame, **kw))
    assert auto["viability"].iloc[0] < 0.01  # 50 ng/mL TRAIL kills the EARM cell
