#!/usr/bin/env python
"""Measured BCL2-family protein -> BCL2-model prediction -> measured ex vivo response, within CLL.

Data: Lu J, Cannizzaro E, Meier-Abt F, et al. "Multi-omics reveals clinically relevant
proliferative drive associated with mTOR-MYC-OXPHOS activity in chronic lymphocytic
leukemia." Nat Cancer 2021;2(8):853-864, doi:10.1038/s43018-021-00216-6, PMID 34423310
(mofaCLL R package, GPL-3), read from ../shared/validation/cll_mofacll_lu2021: mass-spectrometry
proteomics of 47 CLL patients (log2, QRILC-imputed; ``cll_proteomics_count.csv`` marks what was
detected) and ex vivo viability (fraction of DMSO control) for 63 drugs x 5 concentrations.

One command: ``python benchmarks/validate_cll_mofacll.py``. Every patient here has CLL, so a
disease label carries no information: what is tested is whether the model ranks CLL patients.

1. Each patient's BCL2, BIM (BCL2L11), PUMA (BBC3), BAX and BAK1 protein, relative to the
   cohort median (2^(log2 - median)), multiplies the corresponding level of the model's stated
   reference cell (``refractor.models`` spec ``bcl2``: BCL2-dependent CLL-like cell). MCL1,
   BCL-XL and NOXA were not detected by the proteomics and stay at the reference. BID is not a
   model species (the model's basal activation ``kact0`` stands for tBID and other
   activators); a second run scales ``kact0`` by BID (ASSUMED mapping).
2. ``run_batch`` simulates every patient at the five measured venetoclax concentrations
   (0.64-400 nM); the predicted response is the mean predicted viability, the measured one the
   mean viability over the same five concentrations.
3. Spearman rho (with bootstrap 95 % CI) between predicted and measured response, next to
   baselines computed in the same run on the same patients: BCL2 protein alone, the BCL2/BIM
   ratio, the BCL2 x BIM product (BCL2:BIM priming proxy), treatment history alone
   (pretreated yes/no), and the disease label (constant: undefined).
4. The MCL1 inhibitor A-1210477 (not a model agent) with the model's MCL1-selective agent
   S63845 as a surrogate, and MCL1 itself unmeasured: reported with that caveat.
5. Positive control for the data handling: TP53 mutation / del17p -> resistance to nutlin-3a
   (an MDM2 antagonist that acts through wild-type p53; Vassilev et al., Science 2004,
   doi:10.1126/science.1092472).

Orientation: every predictor is oriented so that a HIGHER value predicts MORE viable cells
(resistance) before any correlation is computed; a positive rho means the predictor works.
BCL2 protein enters with a minus sign (BCL2-dependent CLL cells are venetoclax-sensitive; Del
Gaizo Moore et al., J Clin Invest 2007, PMID 17200714), the BCL2 x BIM product likewise
(more BCL2:BIM complexes = more primed), the BCL2/BIM ratio with a plus sign (BCL2 in excess
of its BIM load buffers the drug), pretreatment with a plus sign.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _validation import VALIDATION, Rho, auroc, rho_difference, spearman  # noqa: E402

CITATION = ("Lu J, Cannizzaro E et al., Multi-omics reveals clinically relevant proliferative drive "
            "... in CLL, Nat Cancer 2021;2(8):853-864, doi:10.1038/s43018-021-00216-6 (PMID 34423310)")
DATA = VALIDATION / "cll_mofacll_lu2021"
#: measured proteins (HGNC) that enter the bcl2 model; the model's own gene -> level table
#: (``ModelSpec.level_parameters``) says which parameter each scales. MCL1, BCL2L1 (BCL-XL) and
#: PMAIP1 (NOXA) were not detected by the proteomics.
PROTEINS = ("BCL2", "BCL2L11", "BBC3", "BAX", "BAK1")
BID_PARAMETER = "kact0"  # basal BAX/BAK activation standing for tBID (models/bcl2.py); ASSUMED map
BOOT = 2000


def load(data: Path = DATA) -> dict[str, pd.DataFrame]:
    """The mofaCLL tables used here."""
    return {
        "prot": pd.read_csv(data / "cll_proteomics_QRILC_log2.csv"),
        "count": pd.read_csv(data / "cll_proteomics_count.csv"),
        "viab": pd.read_csv(data / "cll_drug_viability_long.csv"),
        "gen": pd.read_csv(data / "cll_genetics_unfiltered.csv"),
        "demo": pd.read_csv(data / "cll_demographic.csv"),
    }


def protein_log2(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """patients x proteins: log2 abundance (QRILC-imputed) and a detected (not imputed) mask."""
    genes = [*PROTEINS, "BID"]
    p = tables["prot"].set_index("hgnc_symbol")
    log2 = p.loc[genes, [c for c in p.columns if c.startswith("H")]].T
    c = tables["count"]
    c = c.set_index(c.columns[1])
    detected = c.loc[genes, log2.index].T.notna()
    return log2.astype(float), detected


def response(viab: pd.DataFrame, drug: str) -> pd.Series:
    """patient -> mean viability over the drug's five concentrations (lower = more sensitive)."""
    return viab[viab["Drug"] == drug].groupby("patientID")["normVal"].mean()


def concentrations_nM(viab: pd.DataFrame, drug: str) -> list[float]:
    """The screen's concentrations for ``drug`` (file in uM) in nM, the bcl2 model's dose unit."""
    return [float(c) * 1000.0 for c in sorted(viab.loc[viab["Drug"] == drug, "Concentration"].unique())]


def model_inputs(log2: pd.DataFrame, *, with_bid: bool = False, reference: bool = True) -> pd.DataFrame:
    """One parameter set per patient: the reference cell (or, with ``reference=False``, the
    model's defaults, BCL2 = BCL-XL = MCL1) with the measured relative levels."""
    from refractor.models import get_spec

    spec = get_spec("bcl2")
    ref, _label, _notes = spec.cell_settings(reference=reference)
    table = spec.level_parameters()
    rel = 2.0 ** (log2 - log2.median())
    params = pd.DataFrame(index=log2.index)
    for gene in PROTEINS:
        par = table[gene]
        params[par] = ref.get(par, 1.0) * rel[gene]
    for par, val in ref.items():
        if par not in params:
            params[par] = val
    if with_bid:
        params[BID_PARAMETER] = spec.parameter(BID_PARAMETER).value * rel["BID"]
    return params


def predict(params: pd.DataFrame, agent: str, doses_nM: list[float]) -> pd.Series:
    """Mean predicted viability over ``doses_nM`` at the model's own end time (spec t_end)."""
    from refractor.models import run_batch

    runs = [run_batch("bcl2", params, agent=agent, dose=d, final_only=True, n_jobs=1)
            .set_index("set")["viability"] for d in doses_nM]
    return pd.concat(runs, axis=1).mean(axis=1)


def _mw(a: pd.Series, b: pd.Series) -> float:
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(a, b).pvalue) if len(a) and len(b) else float("nan")


def analyse(tables: dict[str, pd.DataFrame], boot: int = BOOT) -> dict:
    """All figures as a dict (also used by tests/integration/test_validation_cll.py);
    ``boot`` bootstrap resamples for the confidence intervals."""
    log2, detected = protein_log2(tables)
    viab = tables["viab"]
    ven = response(viab, "Venetoclax").reindex(log2.index)
    keep = ven.notna()
    log2, detected, ven = log2[keep], detected[keep], ven[keep]
    pretreat = tables["demo"].set_index("patientID")["pretreat"].reindex(log2.index)
    out: dict = {"n_proteomics": int(len(keep)), "n": int(keep.sum()),
                 "no_viability": sorted(keep.index[~keep]),
                 "detected": detected.sum().astype(int).to_dict()}

    params = model_inputs(log2)
    pred = predict(params, "venetoclax", concentrations_nM(viab, "Venetoclax"))
    pred_bid = predict(model_inputs(log2, with_bid=True), "venetoclax",
                       concentrations_nM(viab, "Venetoclax"))
    pred_defaults = predict(model_inputs(log2, reference=False), "venetoclax",
                            concentrations_nM(viab, "Venetoclax"))
    predictors = {
        "model (5 measured proteins)": pred,
        "model on the defaults cell, not the CLL reference": pred_defaults,
        "model + BID -> kact0 (assumed map)": pred_bid,
        "baseline: BCL2 protein alone (-BCL2)": -log2["BCL2"],
        "baseline: BCL2/BIM ratio (+)": log2["BCL2"] - log2["BCL2L11"],
        "baseline: BCL2 x BIM product (-)": -(log2["BCL2"] + log2["BCL2L11"]),
        "baseline: history only (pretreated = 1)": pretreat,
        "baseline: disease label only (all CLL)": pd.Series(1.0, index=log2.index),
    }
    out["venetoclax"] = {k: spearman(v.to_numpy(), ven.to_numpy(), boot=boot) for k, v in predictors.items()}
    out["venetoclax_diff_vs_bcl2"] = rho_difference(pred.to_numpy(), -log2["BCL2"].to_numpy(),
                                                    ven.to_numpy(), boot=boot)
    both = detected["BCL2L11"] & detected["BBC3"]
    out["venetoclax_detected_only"] = (int(both.sum()), spearman(pred[both], ven[both]),
                                       spearman(-log2["BCL2"][both], ven[both]))
    out["single_proteins"] = {g: spearman(log2[g], ven) for g in log2.columns}
    out["model_vs_protein"] = {g: spearman(log2[g], pred) for g in log2.columns}
    out["pred_range"] = (float(pred.min()), float(pred.median()), float(pred.max()))
    out["meas_range"] = (float(ven.min()), float(ven.median()), float(ven.max()))

    # MCL1 inhibitor A-1210477 (surrogate S63845 in the model; MCL1 itself not measured)
    mcl1i = response(viab, "A-1210477").reindex(log2.index)
    pred_m = predict(params, "s63845", concentrations_nM(viab, "A-1210477"))
    out["a1210477"] = {
        "model surrogate (S63845 at the A-1210477 doses)": spearman(pred_m, mcl1i, boot=boot),
        "baseline: BCL2 protein alone (+BCL2, BIM buffer)": spearman(log2["BCL2"], mcl1i, boot=boot),
        "baseline: history only (pretreated = 1)": spearman(pretreat, mcl1i, boot=boot),
        "baseline: disease label only (all CLL)": spearman(np.ones(len(mcl1i)), mcl1i),
    }
    out["a1210477_pred_range"] = (float(pred_m.min()), float(pred_m.max()))

    # positive control: TP53 -> nutlin-3a, all screened patients with genetics
    gen = tables["gen"].set_index("patientID")
    nut = response(viab, "Nutlin-3a")
    g = gen.reindex(nut.index)
    ctrl = {}
    for feat in ("TP53", "del17p"):
        m = g[feat]
        a, b = nut[m == 1], nut[m == 0]
        ctrl[feat] = {"n_mut": len(a), "med_mut": float(a.median()), "n_wt": len(b),
                      "med_wt": float(b.median()), "p": _mw(a, b),
                      "auroc": auroc(pd.concat([a, b]).to_numpy(), np.r_[np.ones(len(a)), np.zeros(len(b))])}
    aberrant = ((g["TP53"] == 1) | (g["del17p"] == 1))
    known = g["TP53"].notna() & g["del17p"].notna()
    a, b = nut[known & aberrant], nut[known & ~aberrant]
    ctrl["TP53 or del17p"] = {"n_mut": len(a), "med_mut": float(a.median()), "n_wt": len(b),
                              "med_wt": float(b.median()), "p": _mw(a, b),
                              "auroc": auroc(pd.concat([a, b]).to_numpy(), np.r_[np.ones(len(a)), np.zeros(len(b))])}
    out["nutlin"] = ctrl
    return out


def _row(label: str, r: Rho) -> str:
    return f"    {label:<58s} {r.text()}"


def report(fig: dict) -> None:
    print(f"CLL proteomics -> BCL2-family model -> ex vivo response - {CITATION}")
    print(f"{fig['n_proteomics']} patients with proteomics; {fig['n']} also have venetoclax viability "
          f"(no drug data: {', '.join(fig['no_viability']) or 'none'})")
    print("  detected (not imputed) per protein: " +
          ", ".join(f"{g} {n}" for g, n in fig["detected"].items()))
    lo, med, hi = fig["pred_range"]
    mlo, mmed, mhi = fig["meas_range"]
    print(f"  mean viability over the 5 venetoclax doses: predicted {lo:.3f} / {med:.3f} / {hi:.3f}, "
          f"measured {mlo:.3f} / {mmed:.3f} / {mhi:.3f} (min / median / max)")
    print("\n== venetoclax, WITHIN CLL: Spearman(predictor oriented to resistance, measured mean viability)")
    for k, r in fig["venetoclax"].items():
        print(_row(k, r))
    d, dlo, dhi = fig["venetoclax_diff_vs_bcl2"]
    print(f"    model minus BCL2-alone baseline: {d:+.3f} (paired bootstrap 95% CI {dlo:+.2f}..{dhi:+.2f})")
    n, rm, rb = fig["venetoclax_detected_only"]
    print(f"    patients with BIM and PUMA both DETECTED (no imputed value), n = {n}: "
          f"model {rm.text()}; BCL2 alone {rb.text()}")
    print("  descriptive (not a pre-stated predictor): each protein (log2) vs measured viability, and vs the model")
    for g, r in fig["single_proteins"].items():
        print(f"    {g:<8s} vs viability {r.text():<52s} vs model prediction {fig['model_vs_protein'][g].text()}")
    print("\n== MCL1 inhibitor A-1210477, WITHIN CLL (MCL1 not detected by the proteomics: the model's MCL1 "
          "axis is the reference value for everyone)")
    for k, r in fig["a1210477"].items():
        print(_row(k, r))
    plo, phi = fig["a1210477_pred_range"]
    print(f"    predicted mean viability range {plo:.3f}..{phi:.3f}")
    print("\n== positive control for the data handling: TP53 -> nutlin-3a resistance (all screened patients)")
    for feat, c in fig["nutlin"].items():
        print(f"    {feat:<15s} mutated n={c['n_mut']:3d} median viability {c['med_mut']:.3f}  vs  "
              f"wild-type n={c['n_wt']:3d} {c['med_wt']:.3f}; AUROC {c['auroc']:.3f}, Mann-Whitney p = {c['p']:.2g}")
    v = fig["venetoclax"]
    m, b = v["model (5 measured proteins)"], v["baseline: BCL2 protein alone (-BCL2)"]
    beats = m.rho > b.rho and fig["venetoclax_diff_vs_bcl2"][1] > 0
    print(f"""
What this shows: whether measured BCL2-family protein, put through the model, ranks CLL patients'
ex vivo venetoclax response. The model's rho is {m.rho:+.2f} (95% CI {m.lo:+.2f}..{m.hi:+.2f}) against
{b.rho:+.2f} for BCL2 protein alone; the difference {"excludes" if beats else "does not exclude"} zero, so the model
{"beats" if beats else "does NOT demonstrably beat"} the one-protein baseline on {m.n} patients. The disease label cannot rank
patients inside one disease (undefined). What it does NOT show: MCL1 and BCL-XL, the main escape
routes, were not measured; the reference cell's absolute levels and all rate constants are assumed
(models/bcl2.py), nothing was fitted to these data, and proteomics of bulk blood is not the
cell-by-cell protein the model describes. {m.n} patients give wide intervals.""")


def main() -> int:
    if not DATA.is_dir():
        print(f"mofaCLL data not found at {DATA}", file=sys.stderr)
        return 2
    report(analyse(load()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
