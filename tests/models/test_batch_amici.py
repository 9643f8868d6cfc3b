"""run_batch(backend="amici") against the libRoadRunner path on real models.

Both backends integrate the same SBML with CVODE(S) BDF at the same nominal tolerances, so
their outputs agree to the integration error (libRoadRunner's dense finite-difference Jacobian
vs AMICI's symbolic sparse one change the step sequence, not the solution). Biology checked on
the AMICI results: PARP is only cleaved in EARM (PARP_total = PARP_0; Albeck et al. PLoS Biol
2008, PMID 19053173), 50 ng/mL TRAIL kills HeLa-like cells, and venetoclax kills a
BCL2-dependent cell but spares an MCL1-dependent one (Souers et al. Nat Med 2013, PMID
23291630; Cloete et al. npj Syst Biol Appl 2023, doi:10.1038/s41540-023-00286-5).

The module is skipped when the optional AMICI package is absent (``pip install
'refractor[amici]'``); the default backend never needs it (tests in test_batch.py).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("amici")

from refractor.errors import InputError, ModelError, SolverWarning  # noqa: E402
from refractor.models import get_model, run_batch  # noqa: E402
from refractor.models import _amici_build  # noqa: E402
from refractor.models._compile import to_sbml  # noqa: E402

AGENT = "trail-based-therapy"
pytestmark = pytest.mark.slow  # each model is compiled by AMICI once (~15-40 s)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("amici-cache")


def _close(a: pd.DataFrame, b: pd.DataFrame, cols: list[str], rel: float) -> None:
    assert list(a.columns) == list(b.columns)
    assert a["set"].tolist() == b["set"].tolist()
    np.testing.assert_array_equal(a["time"].to_numpy(), b["time"].to_numpy())
    for col in cols:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        scale = max(float(np.abs(y).max()), 1e-300)
        np.testing.assert_allclose(x, y, rtol=rel, atol=rel * scale, err_msg=col)


def test_trail_backends_agree_and_conserve_parp(cache):
    rng = np.random.default_rng(3)
    n = 12
    params = pd.DataFrame(
        {"XIAP_0": 1e5 * 2.0 ** rng.uniform(-1, 1, n),
         "Bid_0": 4e4 * 2.0 ** rng.uniform(-1, 1, n),
         "PARP_0": 1e6 * 2.0 ** rng.uniform(-1, 1, n)},
        index=[f"cell{i}" for i in range(n)],
    )
    sel = ["PARPU", "PARPC", "C3A_PARPU", "cPARP_frac", "PARP_0"]  # species, rule, parameter
    kw = dict(t_end=20_000, points=41, selections=sel, agent=AGENT, dose=50.0)
    ref = run_batch("trail", params, n_jobs=1, **kw)
    got = run_batch("trail", params, n_jobs=2, backend="amici", cache_dir=cache, **kw)
    _close(got, ref, sel, rel=1e-4)
    total = got["PARPU"] + got["PARPC"] + got["C3A_PARPU"]
    np.testing.assert_allclose(total, got["set"].map(params["PARP_0"]), rtol=1e-6)
    final = got[got["time"] == 20_000].set_index("set")["cPARP_frac"]
    assert final.max() > 0.99  # MOMP and full PARP cleavage in most cells at 50 ng/mL
    # the same again from the cache (no compilation), final_only, 1 thread
    again = run_batch("trail", params, n_jobs=1, backend="amici", cache_dir=cache,
                      final_only=True, **kw)
    np.testing.assert_array_equal(again["cPARP_frac"].to_numpy(), final.to_numpy())


BCL2_DEP = {"bcl2_level": 2.0, "mcl1_level": 0.3, "bclxl_level": 0.3}
MCL1_DEP = {"bcl2_level": 0.0, "mcl1_level": 1.5, "bclxl_level": 0.0}


def test_bcl2_pre_equilibration_and_dose_column_agree(cache):
    cells = pd.DataFrame([BCL2_DEP, MCL1_DEP, {"bcl2_level": 1.0, "mcl1_level": 1.0,
                                               "bclxl_level": 0.3}],
                         index=["bcl2_dep", "mcl1_dep", "mixed"])
    kw = dict(agent="venetoclax", dose=100.0, final_only=True, selections=["viability", "BIM"])
    ref = run_batch("bcl2", cells, n_jobs=1, **kw)
    got = run_batch("bcl2", cells, n_jobs=2, backend="amici", cache_dir=cache, **kw)
    _close(got, ref, ["viability", "BIM"], rel=1e-4)
    v = got.set_index("set")["viability"]  # 100 nM venetoclax, 24 h after pre-equilibration
    assert v["bcl2_dep"] < 0.05 and v["mcl1_dep"] > 0.9
    # a dose column (D_ven, nM) is also 0 during pre-equilibration, as on libRoadRunner
    grid = pd.DataFrame({"D_ven": [0.0, 1.0, 3.0, 10.0], **{k: [v] * 4 for k, v in BCL2_DEP.items()}})
    a = run_batch(get_model("bcl2"), grid, t_end=24.0, points=5, n_jobs=1)
    b = run_batch(get_model("bcl2"), grid, t_end=24.0, points=5, n_jobs=1, backend="amici",
                  cache_dir=cache)
    _close(b, a, ["viability"], rel=1e-4)
    final = b[b["time"] == 24.0]["viability"].to_numpy()
    assert final[0] > 0.99 and final[-1] < 0.1  # IC50 in the low-nM range (Souers 2013)


GROWTH = """
model growth
  compartment cell = 1;
  species X in cell;
  X = 1;
  k = 1;
  J0: -> X; k*X;
end
"""


def test_failed_sets_are_nan_and_named_like_on_libroadrunner(cache):
    """X' = kX: k = 1e3 overflows within t = 1 (e^1000), k = 1 does not (X(1) = e)."""
    sbml = to_sbml(GROWTH, "growth")
    params = pd.DataFrame({"k": [1.0, 1e3], "X": [1.0, 2.0]}, index=["ok", "blows_up"])
    outs = {}
    for backend in ("roadrunner", "amici"):
        with pytest.warns(SolverWarning, match=r"failed for 1 parameter set\(s\).*blows_up"):
            outs[backend] = run_batch(sbml, params, t_end=1.0, points=3, n_jobs=1,
                                      selections=["X"], backend=backend, cache_dir=cache)
    for out in outs.values():
        x = out.set_index(["set", "time"])["X"]
        assert x.loc[("ok", 1.0)] == pytest.approx(np.e, rel=1e-6)
        assert np.isnan(x.loc[("blows_up", 1.0)])
    # a species column sets the initial amount on both backends
    again = run_batch(sbml, pd.DataFrame({"X": [2.0]}), t_end=1.0, points=2, n_jobs=1,
                      selections=["X"], backend="amici", cache_dir=cache)
    assert again["X"].iloc[-1] == pytest.approx(2 * np.e, rel=1e-6)


def test_threads_give_the_one_thread_result_including_failures(cache):
    """n_jobs=2 runs blocks of rows on two threads (each with its own model copy): values,
    NaN rows and the failure warning are those of one thread, in row order."""
    import warnings

    sbml = to_sbml(GROWTH, "growth")
    k = np.where(np.arange(40) % 7 == 3, 1e3, np.linspace(0.1, 2.0, 40))  # 6 sets blow up
    params = pd.DataFrame({"k": k, "X": np.linspace(1.0, 3.0, 40)},
                          index=[f"s{i}" for i in range(40)])
    outs, msgs, seen = {}, {}, {}
    for nj in (1, 2):
        steps = []
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            outs[nj] = run_batch(sbml, params, t_end=1.0, points=3, n_jobs=nj, selections=["X"],
                                 backend="amici", cache_dir=cache,
                                 progress=lambda d, n: steps.append((d, n)))
        msgs[nj] = [str(x.message) for x in w if issubclass(x.category, SolverWarning)]
        seen[nj] = steps
    pd.testing.assert_frame_equal(outs[1], outs[2])
    assert msgs[1] == msgs[2] and len(msgs[2]) == 1 and "6 parameter set(s)" in msgs[2][0]
    assert seen[2][-1] == (40, 40) and len(seen[2]) > 1  # progress per block, to the end
    final = outs[2][outs[2]["time"] == 1.0].set_index("set")["X"]
    assert np.isnan(final["s3"]) and final["s0"] == pytest.approx(np.exp(0.1), rel=1e-6)


def test_cached_build_is_verified_before_import(cache):
    sbml = to_sbml(GROWTH, "growth")
    run_batch(sbml, pd.DataFrame({"k": [1.0]}), t_end=1.0, points=2, n_jobs=1,
              backend="amici", cache_dir=cache)
    import amici

    digest = _amici_build.source_digest(sbml, amici.__version__)
    name = f"refractor_{digest.hex()[:16]}"
    folder = cache / "amici" / name
    assert _amici_build.verify(folder, name, digest) is None
    assert "other source" in _amici_build.verify(folder, name, bytes(32))
    target = next(p for p in (folder / name).iterdir() if p.suffix == ".py")
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"\n# changed\n")
        assert "differ from the manifest" in _amici_build.verify(folder, name, digest)
        target.write_bytes(original)
        folder.chmod(0o777)
        assert "writable by other users" in _amici_build.verify(folder, name, digest)
    finally:
        folder.chmod(0o755)
        target.write_bytes(original)
    assert _amici_build.verify(folder, name, digest) is None


EVENTS = """
model pulse
  species X; X = 0;
  k = 1;
  J0: -> X; k;
  E1: at time > 0.5: k = 0;
end
"""


def test_backend_choice(cache):
    sbml = to_sbml(EVENTS, "pulse")
    frame = pd.DataFrame({"k": [2.0]})
    with pytest.raises(ModelError, match="events"):
        run_batch(sbml, frame, t_end=1.0, points=3, backend="amici", cache_dir=cache)
    auto = run_batch(sbml, frame, t_end=1.0, points=3, n_jobs=1, backend="auto",
                     cache_dir=cache, selections=["X"])
    assert auto["X"].iloc[-1] == pytest.approx(1.0, rel=1e-6)  # 2 x 0.5, then no inflow
    with pytest.raises(InputError, match="backend"):
        run_batch(sbml, frame, t_end=1.0, backend="fast")


def test_cache_root_others_may_write_is_refused_and_auto_falls_back(tmp_path):
    """A build in a folder another user may write could be swapped between its check and its
    import (native code): 'amici' refuses it, 'auto' integrates with libRoadRunner instead."""
    sbml = to_sbml(GROWTH.replace("k = 1;", "k = 0.5;"), "growth_half")
    root = tmp_path / "amici"
    root.mkdir()
    root.chmod(0o777)
    frame = pd.DataFrame({"k": [1.0]})
    kw = dict(t_end=1.0, points=2, n_jobs=1, selections=["X"], cache_dir=tmp_path)
    with pytest.raises(ModelError, match="writable by other users"):
        run_batch(sbml, frame, backend="amici", **kw)
    with pytest.warns(SolverWarning, match="using libRoadRunner"):
        out = run_batch(sbml, frame, backend="auto", **kw)
    assert out["X"].iloc[-1] == pytest.approx(np.e, rel=1e-6)  # X' = X from 1 over t = 1
    assert not any(root.iterdir())  # nothing was built there
