#!/usr/bin/env python
"""IRF4 <-> MYC loop in myeloma: fit on part of the time courses, predict the held-out rest.

Data: ../shared/validation/mm_irf4_myc_model_mitchell (github SiFTW/MMModel, commit
d0e41a222263ebbbef504e919e50c2c1c78dd6ce, ``DataForFitting_*.csv``): MYC and IRF4 mRNA and
protein (fraction of time 0) at 0, 4, 8, 24 and 48 h in three myeloma lines (H929, KMS,
SKMM-1) after BET inhibitors (JQ1, OTX015), a CBP/EP300 inhibitor (SGC-CBP30), a dual
inhibitor (ISOX-DUAL) and JQ1 + SGC-CBP30. The repository's MATLAB model is not used.

One command: ``python benchmarks/validate_irf4_myc.py``.

Model (ours, hours; every state is relative to its untreated steady state = 1):

    dmM/dt = kmM ((1 - eM) pI^a - mM)     MYC mRNA: IRF4 drives MYC transcription
    dpM/dt = kpM (mM - pM)                MYC protein
    dmI/dt = kmI ((1 - eI) pM^b - mI)     IRF4 mRNA: MYC drives IRF4 transcription
    dpI/dt = kpI (mI - pI)                IRF4 protein

The loop edges are Shaffer et al., Nature 2008;454:226-231, doi:10.1038/nature07064 (MYC is a
direct IRF4 target and IRF4 a direct MYC target in myeloma). The drug switches on at t = 0 and
cuts transcription directly by ``eM`` (MYC; BET inhibition represses MYC transcription: Delmore
et al., Cell 2011;146:904-917, doi:10.1016/j.cell.2011.08.017) and ``eI`` (IRF4). Rates
(kmM, kpM, kmI, kpI, 1/h) and loop strengths (a, b) are shared by all experiments; eM, eI
belong to the drug. Nothing is taken from the data it is scored on:

1. cell-line hold-out: fit on two lines (all drugs), predict the third line for every drug from
   the shared rates and the drug's effects (three folds);
2. time hold-out: fit on 0-8 h of every experiment (drug effects per experiment), predict 24 and
   48 h.

Baselines in the same run: "no dynamics" (every value stays 1), for (1) the mean of the
training lines for the same drug and time (model-free), for (2) the 8-h value carried forward.
Loop variants: the IRF4 -> MYC edge removed (a = 0) and the MYC -> IRF4 edge removed (b = 0).

Order of decline (the KB's contradiction ``ct01-myc-irf4-order``: seed 004 says MYC falls before
IRF4, seed 003 treats IRF4 as upstream of MYC): at the first measured time (4 h) MYC vs IRF4,
mRNA and protein, in each of the 15 experiments, with a sign test. The contradiction is about
IMiDs (IKZF1/3 degradation); these data are BET/CBP inhibitors, which act on transcription
directly, so they speak to the order after BET inhibition, not after an IMiD.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _validation import VALIDATION  # noqa: E402

DATA = VALIDATION / "mm_irf4_myc_model_mitchell"
SOURCE = "github SiFTW/MMModel commit d0e41a222263ebbbef504e919e50c2c1c78dd6ce (DataForFitting_*.csv)"
SPECIES = ["Myc mRNA", "Myc Protein", "IRF4 mRNA", "IRF4 Protein"]  # order of the model states
LINES = ["H929", "KMS", "SKMM-1"]
DT = 0.1  # h, RK4 step (stable while rate x DT < 2.7; rates are bounded at 10/h)
RATE_BOUNDS = (0.01, 10.0)  # 1/h: half-lives between ~4 min and ~70 h
EXP_BOUNDS = (0.0, 3.0)


def load(data: Path = DATA) -> pd.DataFrame:
    """Long table: line, drug, t (h), species, value (fraction of t = 0)."""
    rows = []
    for f in sorted(data.glob("DataForFitting_*.csv")):
        line, drug = f.stem.removeprefix("DataForFitting_").split("_", 1)
        d = pd.read_csv(f)
        for _, r in d.iterrows():
            for s in SPECIES:
                rows.append((line, drug, float(r["Time Raw"]) / 3600.0, s, float(r[s])))
    return pd.DataFrame(rows, columns=["line", "drug", "t", "species", "value"])


def simulate(kmM, kpM, kmI, kpI, a, b, eM, eI, times: np.ndarray) -> np.ndarray:
    """Classical RK4 for N independent parameter rows at once (every argument but ``times`` is
    an array of length N, or a scalar); returns (N, len(times), 4) in SPECIES order."""
    kmM, kpM, kmI, kpI, a, b, eM, eI = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, dtype=float)) for v in (kmM, kpM, kmI, kpI, a, b, eM, eI)))
    y = np.ones((len(eM), 4))
    out = np.empty((len(eM), len(times), 4))

    def f(y):
        mM, pM, mI, pI = y.T
        return np.stack([kmM * ((1 - eM) * np.clip(pI, 1e-9, None) ** a - mM), kpM * (mM - pM),
                         kmI * ((1 - eI) * np.clip(pM, 1e-9, None) ** b - mI), kpI * (mI - pI)],
                        axis=1)

    t = 0.0
    for k, target in enumerate(times):
        while t < target - 1e-9:
            h = min(DT, target - t)
            k1 = f(y)
            k2 = f(y + h / 2 * k1)
            k3 = f(y + h / 2 * k2)
            k4 = f(y + h * k3)
            y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            t += h
        out[:, k] = y
    return out


class Fit:
    """Least-squares fit of shared rates / loop exponents and per-group drug effects.

    Parameter vector: log rates (4), a, b, then (eM, eI) per group. The Jacobian is computed by
    forward differences with every perturbed parameter vector integrated in one vectorised call.
    """

    def __init__(self, data: pd.DataFrame, groups: list[tuple], group_of, *, fix_a=None, fix_b=None):
        self.groups = groups
        self.fix_a, self.fix_b = fix_a, fix_b
        self.exps = sorted(set(zip(data["line"], data["drug"])))
        self.gidx = np.array([groups.index(group_of(e)) for e in self.exps])
        self.times = np.array(sorted(set(data["t"])))
        self.obs = _obs(data, self.exps, self.times)
        self.mask = np.isfinite(self.obs)

    def _rows(self, X: np.ndarray, gidx: np.ndarray) -> tuple:
        """Parameter matrix (R x P) -> per-(row, experiment) arrays of length R * E."""
        R, E = X.shape[0], len(gidx)
        rep = lambda v: np.repeat(v, E)  # noqa: E731
        rates = np.exp(X[:, :4])
        a = np.full(R, self.fix_a) if self.fix_a is not None else X[:, 4]
        b = np.full(R, self.fix_b) if self.fix_b is not None else X[:, 5]
        eff = X[:, 6:].reshape(R, len(self.groups), 2)[:, gidx]  # R x E x 2
        return (rep(rates[:, 0]), rep(rates[:, 1]), rep(rates[:, 2]), rep(rates[:, 3]), rep(a),
                rep(b), eff[..., 0].ravel(), eff[..., 1].ravel())

    def _sim(self, X: np.ndarray, gidx: np.ndarray, times: np.ndarray) -> np.ndarray:
        sim = simulate(*self._rows(X, gidx), times)
        return sim.reshape(X.shape[0], len(gidx), len(times), 4)

    def predict(self, x: np.ndarray, exps: list[tuple], group_of, times: np.ndarray) -> np.ndarray:
        g = np.array([self.groups.index(group_of(e)) for e in exps])
        return self._sim(x[None, :], g, times)[0]

    def unpack(self, x: np.ndarray):
        a = self.fix_a if self.fix_a is not None else x[4]
        b = self.fix_b if self.fix_b is not None else x[5]
        return np.exp(x[:4]), a, b, x[6:].reshape(len(self.groups), 2)

    def run(self) -> np.ndarray:
        from scipy.optimize import least_squares

        obs = np.nan_to_num(self.obs)
        m = self.mask
        P = 6 + 2 * len(self.groups)
        lo = np.r_[[np.log(RATE_BOUNDS[0])] * 4, [EXP_BOUNDS[0]] * 2, [0.0] * (P - 6)]
        hi = np.r_[[np.log(RATE_BOUNDS[1])] * 4, [EXP_BOUNDS[1]] * 2, [0.999] * (P - 6)]

        def resid(x):
            return (self._sim(x[None, :], self.gidx, self.times)[0] - obs)[m]

        def jac(x):
            h = 1e-6 * np.maximum(1.0, np.abs(x))
            step = np.where(x + h > hi, -h, h)
            X = np.vstack([x, x + np.diag(step)])
            sims = self._sim(X, self.gidx, self.times)
            base = sims[0][m]
            return np.stack([(sims[i + 1][m] - base) / step[i] for i in range(P)], axis=1)

        best = None
        for start_rate in (0.1, 1.0):  # two starts: slow and fast turnover
            x0 = np.r_[[np.log(start_rate)] * 4, 1.0, 1.0, [0.5] * (P - 6)]
            r = least_squares(resid, x0, jac=jac, bounds=(lo, hi), x_scale="jac", max_nfev=200)
            if best is None or r.cost < best.cost:
                best = r
        return best.x


def rmse(pred: np.ndarray, obs: np.ndarray) -> float:
    m = np.isfinite(obs)
    return float(np.sqrt(np.mean((pred[m] - obs[m]) ** 2)))


def _obs(data: pd.DataFrame, exps: list[tuple], times: np.ndarray) -> np.ndarray:
    m = np.full((len(exps), len(times), 4), np.nan)
    for i, (line, drug) in enumerate(exps):
        d = data[(data["line"] == line) & (data["drug"] == drug)]
        for j, t in enumerate(times):
            for k, s in enumerate(SPECIES):
                v = d[(d["t"] == t) & (d["species"] == s)]["value"]
                if len(v):
                    m[i, j, k] = float(v.iloc[0])
    return m


def line_holdout(data: pd.DataFrame, variant: dict) -> dict:
    """Three folds: fit on two lines, predict the third. RMSE over post-0 h points."""
    drugs = sorted(set(data["drug"]))
    times = np.array(sorted(set(data["t"])))
    post = times > 0
    out = {"model": [], "no dynamics": [], "training-line mean": [], "per_species": []}
    for held in LINES:
        train = data[data["line"] != held]
        fit = Fit(train, [(d,) for d in drugs], lambda e: (e[1],), **variant)
        x = fit.run()
        exps = [(held, d) for d in drugs]
        obs = _obs(data, exps, times)[:, post]
        pred = fit.predict(x, exps, lambda e: (e[1],), times)[:, post]
        mean = np.stack([_obs(train, [(ln, d) for ln in LINES if ln != held], times).mean(axis=0)
                         for d in drugs])[:, post]
        out["model"].append(rmse(pred, obs))
        out["no dynamics"].append(rmse(np.ones_like(obs), obs))
        out["training-line mean"].append(rmse(mean, obs))
        out["per_species"].append([rmse(pred[..., k], obs[..., k]) for k in range(4)])
    return out


def time_holdout(data: pd.DataFrame, variant: dict) -> dict:
    """Fit 0-8 h (drug effects per experiment), predict 24 and 48 h."""
    exps = sorted(set(zip(data["line"], data["drug"])))
    times = np.array(sorted(set(data["t"])))
    early = data[data["t"] <= 8.0]
    fit = Fit(early, exps, lambda e: e, **variant)
    x = fit.run()
    obs = _obs(data, exps, times)
    pred = fit.predict(x, exps, lambda e: e, times)
    late = times > 8.0
    i8 = int(np.where(times == 8.0)[0][0])
    lvcf = np.repeat(obs[:, i8:i8 + 1], late.sum(), axis=1)
    rates, a, b, _eff = fit.unpack(x)
    return {"model": rmse(pred[:, late], obs[:, late]),
            "no dynamics": rmse(np.ones_like(obs[:, late]), obs[:, late]),
            "8-h value carried forward": rmse(lvcf, obs[:, late]),
            "fit (0-8 h) rmse": rmse(pred[:, ~late], obs[:, ~late]),
            "half-lives h": dict(zip(["MYC mRNA", "MYC protein", "IRF4 mRNA", "IRF4 protein"],
                                     (np.log(2) / rates).round(2).tolist())),
            "a": float(a), "b": float(b)}


def order_of_decline(data: pd.DataFrame) -> dict:
    """At 4 h (first time point): is MYC lower than IRF4? mRNA and protein, per experiment."""
    from scipy.stats import binomtest

    at4 = data[data["t"] == 4.0].pivot_table(index=["line", "drug"], columns="species", values="value")
    out = {}
    for kind in ("mRNA", "Protein"):
        myc, irf4 = at4[f"Myc {kind}"], at4[f"IRF4 {kind}"]
        first = int((myc < irf4).sum())
        n = len(myc)
        out[kind] = {"myc_first": first, "n": n, "median_myc": float(myc.median()),
                     "median_irf4": float(irf4.median()),
                     "p": float(binomtest(first, n, 0.5).pvalue),
                     "by_drug": {d: int((myc.xs(d, level="drug") < irf4.xs(d, level="drug")).sum())
                                 for d in sorted(set(at4.index.get_level_values("drug")))}}
    return out


VARIANTS = {"full loop": {}, "no IRF4 -> MYC edge (a = 0)": {"fix_a": 0.0},
            "no MYC -> IRF4 edge (b = 0)": {"fix_b": 0.0}}


def analyse(data: pd.DataFrame) -> dict:
    """All figures (also used by tests/integration/test_validation_irf4_myc.py)."""
    return {"order": order_of_decline(data),
            "line": {k: line_holdout(data, v) for k, v in VARIANTS.items()},
            "time": {k: time_holdout(data, v) for k, v in VARIANTS.items()}}


def report(fig: dict) -> None:
    print(f"IRF4 <-> MYC loop after BET / CBP inhibition in myeloma lines - {SOURCE}")
    print("RMSE on values relative to t = 0 (lower is better); every figure is on data the fit did not see.")
    print("\n== cell-line hold-out (fit two lines, predict the third; folds: " + ", ".join(LINES) + ")")
    for name, r in fig["line"].items():
        print(f"  {name:<28s} model {np.mean(r['model']):.3f}  (folds " +
              ", ".join(f"{v:.3f}" for v in r["model"]) + ")")
        ps = np.mean(r["per_species"], axis=0)
        print("    per species: " + ", ".join(f"{s} {v:.3f}" for s, v in zip(SPECIES, ps)))
    r = fig["line"]["full loop"]
    print(f"  baseline no dynamics (all 1)    {np.mean(r['no dynamics']):.3f}")
    print(f"  baseline training-line mean     {np.mean(r['training-line mean']):.3f}  (model-free: same drug, same time)")
    print("\n== time hold-out (fit 0-8 h, predict 24 and 48 h)")
    for name, r in fig["time"].items():
        print(f"  {name:<28s} model {r['model']:.3f}  (fit on 0-8 h: {r['fit (0-8 h) rmse']:.3f}); "
              f"a = {r['a']:.2f}, b = {r['b']:.2f}; half-lives (h) {r['half-lives h']}")
    r = fig["time"]["full loop"]
    print(f"  baseline no dynamics (all 1)    {r['no dynamics']:.3f}")
    print(f"  baseline 8-h value carried fwd  {r['8-h value carried forward']:.3f}")
    print("\n== which falls first? value at 4 h, MYC vs IRF4, in 15 experiments (3 lines x 5 treatments)")
    for kind, o in fig["order"].items():
        print(f"  {kind:<8s} MYC lower than IRF4 in {o['myc_first']}/{o['n']} (sign test p = {o['p']:.2g}); "
              f"median at 4 h MYC {o['median_myc']:.2f}, IRF4 {o['median_irf4']:.2f}; by treatment "
              + ", ".join(f"{d} {k}/3" for d, k in o["by_drug"].items()))
    lm, lb = np.mean(fig["line"]["full loop"]["model"]), np.mean(fig["line"]["full loop"]["training-line mean"])
    tm, tb = fig["time"]["full loop"]["model"], fig["time"]["full loop"]["8-h value carried forward"]
    o = fig["order"]
    vals = [np.mean(r["model"]) for r in fig["line"].values()] + [r["model"] for r in fig["time"].values()]
    base = [np.mean(fig["line"]["full loop"]["model"])] * 3 + [fig["time"]["full loop"]["model"]] * 3
    spread = float(np.max(np.abs(np.subtract(vals, base))))
    a_fit = fig["time"]["full loop"]["a"]
    print(f"""
What this shows: predicting a held-out cell line, the loop model's error is {lm:.3f} against {lb:.3f} for the
model-free training-line mean ({"better" if lm < lb else "NOT better"}); predicting 24-48 h from 0-8 h it is {tm:.3f}
against {tb:.3f} for carrying the 8-h value forward ({"better" if tm < tb else "NOT better"}). At 4 h MYC protein is
below IRF4 protein in {o['Protein']['myc_first']}/{o['Protein']['n']} experiments and MYC mRNA below IRF4 mRNA in
{o['mRNA']['myc_first']}/{o['mRNA']['n']}: after BET/CBP inhibition MYC falls first at the protein level, while
IRF4 protein hardly moves in 48 h. Removing either loop edge changes the held-out error by at most
{spread:.3f} (fitted IRF4 -> MYC exponent a = {a_fit:.2f}): these data do not identify the direction of the
IRF4-MYC edge, which the KB therefore keeps open. What it does NOT show: the IMiD case of the contradiction (no IMiD
time course here), IKZF1/3, or viability; 5 time points and 3 lines are few, and the rates are
fitted, not measured.""")


def main() -> int:
    if not DATA.is_dir():
        print(f"data not found at {DATA}", file=sys.stderr)
        return 2
    report(analyse(load()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
