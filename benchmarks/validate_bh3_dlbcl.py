"""Validate the BCL2-family model against Cloete et al. 2023 (six DLBCL lines).

Cloete I, et al. Computational modeling of DLBCL predicts response to BH3-mimetics.
npj Syst Biol Appl 2023, doi:10.1038/s41540-023-00286-5. Data: github SiFTW/BH3Models
(commit c7b7e6ab), copied read-only to ../shared/validation/bh3models_dlbcl_cloete2023.

What is compared (printed honestly, nothing fitted to these data):
1. Measured BCL2-family protein levels of each line (western blot densitometry,
   Apoptosis_modelFiles/Bcl2_exp_norm.csv; A1/BFL1 is not in the model and is reported only)
   -> Refractor's predicted response to venetoclax (ABT-199), A-1331852 (BCL-XL) and S63845
   (MCL1) -> compared with the reported dependency of each line. Sources of the reported
   dependency, by strength:
     measured in the folder: U2932 ABT-199 and AZD5991 single-agent viability
       (U2932_synergy_dat.csv) and RC-K8 EC50s (EC50_RCK8.csv);
     Cloete's own (simulated) viability files Viability_<line>.csv (model output of the paper,
       which reports agreement with its in-vitro data) for the other lines -- labelled
       "Cloete model", NOT a measurement.
2. The measured U2932 venetoclax x AZD5991 5x5 viability matrix (nM): Bliss excess from the data
   and from the model at the same doses.

Run:  .venv/bin/python benchmarks/validate_bh3_dlbcl.py [path/to/bh3models_dlbcl_cloete2023]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from refractor.models.bcl2 import SPEC, bcl2_model

HERE = Path(__file__).resolve().parent
DEFAULT = HERE.parent.parent / "shared" / "validation" / "bh3models_dlbcl_cloete2023"
# Cloete's protein names -> HGNC symbols; the model's own gene -> level table does the rest
PROTEIN_MAP = {"Bcl2": "BCL2", "BclxL": "BCL2L1", "Mcl1": "MCL1", "BAK": "BAK1", "BAX": "BAX",
               "BIM": "BCL2L11", "NOXA": "PMAIP1", "PUMA": "BBC3"}
LEVEL_PARAMETERS = SPEC.level_parameters()
AGENTS = {"venetoclax": "ABT199", "a-1331852": "A1331852", "s63845": "S63845"}
DOSES = list(np.logspace(-1, 4, 21))  # nM
KILL_NM = 1000.0  # a mimetic "kills" a line when its IC50 (50 % viability) is <= 1 uM


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig")


def levels_from(path: Path) -> dict[str, dict[str, float]]:
    df = _read(path).set_index("Protein")
    out = {}
    for line in df.columns:
        out[line] = {LEVEL_PARAMETERS[PROTEIN_MAP[p]]: float(df.loc[p, line])
                     for p in PROTEIN_MAP}
    return out


def reported(folder: Path) -> dict[str, tuple[set[str], str]]:
    """Reported killing mimetics per line with the source of the statement."""
    mf = folder / "Apoptosis_modelFiles"
    rep: dict[str, tuple[set[str], str]] = {}
    syn = _read(mf / "Viability_U2932_syn_dat.csv")
    ven1000 = float(syn.loc[syn.Inhib == 1000, "ABT199"].iloc[0])
    azd1000 = float(syn.loc[syn.Inhib == 1000, "AZD5991"].iloc[0])
    rep["U2932"] = ({"venetoclax"} if ven1000 <= 50 else set(),
                    f"measured: ABT-199 1 uM -> {ven1000:.1f} % viable, AZD5991 1 uM -> "
                    f"{azd1000:.1f} % (U2932_synergy_dat.csv)")
    ec = _read(mf / "EC50_RCK8.csv").set_index("Inhibitor")["Raw"]
    kill = {a for a, col in AGENTS.items() if float(ec[col]) * 1000 <= KILL_NM}
    rep["RCK8"] = (kill, "measured EC50 (uM): " + ", ".join(
        f"{c} {float(ec[c]):g}" for c in AGENTS.values()) + " (EC50_RCK8.csv)")
    for line in ("RIVA", "SUDHL8", "SUDHL10", "U2946"):
        v = _read(mf / f"Viability_{line}.csv").set_index("Inhib")
        kill = {a for a, col in AGENTS.items() if col in v.columns and float(v[col].iloc[-1]) <= 50}
        rep[line] = (kill, f"Cloete model (simulated) Viability_{line}.csv at full inhibition")
    return rep


def predict(model, lv: dict[str, float]) -> dict[str, float]:
    return {a: model.dose_response(agent=a, doses=DOSES, set=lv).ic50 for a in AGENTS}


def u2932_matrix(model, lv: dict[str, float], doses: list[float]) -> np.ndarray:
    def v(dv: float, dm: float) -> float:
        return model.simulate(agent="venetoclax", dose=dv, combination={"azd5991": dm}, set=lv,
                              points=2, selections=["viability"]).final("viability")
    v0 = v(0.0, 0.0)
    return np.array([[100 * v(a, b) / v0 for b in doses] for a in doses])


def bliss_excess(mat_pct: np.ndarray) -> np.ndarray:
    f = mat_pct / 100.0
    return 100 * (f[:, [0]] * f[[0], :] - f)  # expected - observed viability, percentage points


def main(folder: Path) -> int:
    t0 = time.perf_counter()
    model = bcl2_model()
    mf = folder / "Apoptosis_modelFiles"
    lv_all = levels_from(mf / "Bcl2_exp_norm.csv")
    a1 = _read(mf / "Bcl2_exp_norm.csv").set_index("Protein").loc["A1"]
    rep = reported(folder)
    print("Cloete et al. 2023 DLBCL lines: predicted vs reported BH3-mimetic sensitivity")
    print(f"(IC50 = nM giving 50 % viability at 24 h; 'kills' = IC50 <= {KILL_NM:g} nM)\n")
    hdr = f"{'line':8s} {'venetoclax':>11s} {'A-1331852':>11s} {'S63845':>11s}  predicted kills"
    print(hdr + "   reported kills   agree  [A1 level, not modelled]")
    agree = 0
    measured_agree, measured_n = 0, 0
    for line, lv in lv_all.items():
        ic = predict(model, lv)
        pred = {a for a, x in ic.items() if np.isfinite(x) and x <= KILL_NM}
        kill, _ = rep[line]
        ok = pred == kill
        agree += ok
        if rep[line][1].startswith("measured"):
            measured_n += 1
            measured_agree += ok
        cells = " ".join(f"{(f'{x:.3g}' if np.isfinite(x) else '>1e4'):>11s}" for x in ic.values())
        print(f"{line:8s} {cells}  {','.join(sorted(pred)) or '-':18s} "
              f"{','.join(sorted(kill)) or '-':16s} {'yes' if ok else 'NO':5s}  [{a1[line]:.3g}]")
    print(f"\nagreement: {agree}/{len(lv_all)} lines, of which only {measured_n} have a MEASURED label: "
          f"{measured_agree}/{measured_n} agree on measured labels; the other "
          f"{agree - measured_agree}/{len(lv_all) - measured_n} agreements are with Cloete's own SIMULATED "
          "viabilities (model vs model, not a validation against data)")
    # robustness: the alternative normalisation shipped with the data (per-protein means)
    alt = _read(mf / "Bcl2_exp_normt_mean.csv").set_index("Cell")
    agree_alt, calls = 0, []
    for line in lv_all:
        lv = {LEVEL_PARAMETERS[PROTEIN_MAP[p]]: float(alt.loc[line, p]) for p in PROTEIN_MAP}
        ic = predict(model, lv)
        pred = {a for a, x in ic.items() if np.isfinite(x) and x <= KILL_NM}
        agree_alt += pred == rep[line][0]
        calls.append(f"{line}: {','.join(sorted(pred)) or '-'}")
    print(f"with Bcl2_exp_normt_mean.csv levels instead: {agree_alt}/{len(lv_all)} "
          f"({'; '.join(calls)})")
    print("sources of 'reported':")
    for line, (_, src) in rep.items():
        print(f"  {line:8s} {src}")

    # --- U2932 venetoclax x AZD5991 matrix ---
    dat = _read(mf / "U2932_synergy_dat.csv")
    doses = [0.0, 1.0, 10.0, 100.0, 1000.0]
    data = dat.iloc[3:8, 1:6].astype(float).to_numpy()  # rows ABT-199, cols AZD5991 (nM)
    sim = u2932_matrix(model, lv_all["U2932"], doses)
    np.set_printoptions(precision=1, suppress=True, linewidth=120)
    print("\nU2932 viability (%), rows venetoclax 0/1/10/100/1000 nM, cols AZD5991 same doses")
    print("measured (Cloete 2023, U2932_synergy_dat.csv):\n", data)
    print("model:\n", sim)
    bd, bm = bliss_excess(data), bliss_excess(sim)
    print("Bliss excess (expected - observed viability, % points), measured:\n", bd)
    print("Bliss excess, model:\n", bm)
    inner = (slice(1, None), slice(1, None))
    print(f"mean Bliss excess over the 16 combination wells: measured {bd[inner].mean():.1f}, "
          f"model {bm[inner].mean():.1f}; max measured {bd.max():.1f}, max model {bm.max():.1f}")
    r = np.corrcoef(data.ravel(), sim.ravel())[0, 1]
    rmse = float(np.sqrt(np.mean((data - sim) ** 2)))
    print(f"viability matrix: Pearson r = {r:.2f}, RMSE = {rmse:.1f} % points")
    print(f"single agents at 1 uM: venetoclax measured {data[4, 0]:.1f} % vs model "
          f"{sim[4, 0]:.1f} %; AZD5991 measured {data[0, 4]:.1f} % vs model {sim[0, 4]:.1f} %")
    print(f"\nrun time {time.perf_counter() - t0:.2f} s")
    return 0


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not path.is_dir():
        print(f"validation folder not found: {path}", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(main(path))
