#!/usr/bin/env python
"""Score Refractor's venetoclax (and navitoclax) calls against measured ex vivo response (PACE).

Data: Dietrich S, Oles M, Lu J, et al. "Drug-perturbation-based stratification of blood
cancer." J Clin Invest 2018;128(1):427-445, doi:10.1172/JCI93801, PMID 29227286 (PACE:
primary blood-cancer samples x 64 drugs x 5 concentrations; BloodCancerMultiOmics2017 R
package, LGPL >= 3), read from ../shared/validation/cll_pace_bcmo2017.

One command: ``python benchmarks/validate_pace_venetoclax.py``. The patients' data are
converted into Refractor's STANDARD input files in a temporary directory and run through the
real pipeline (``read_samplesheet`` -> ``interpret``), exactly as a user would:

- MAF: one row per mutated gene per patient (``pace_mutCOM_binary.csv``, value 1). Gene-level:
  ``Variant_Classification`` ``Targeted_Region`` (a GDC MAF value meaning "consequence not
  given"; Refractor maps it to ``other``) and empty ``HGVSp_Short``, except TP53 and BRAF, whose
  protein changes are in ``pace_mutCOM_tp53_braf_details.csv`` (one row per change; class from
  the HGVS: ``fs`` -> Frame_Shift_Del (del vs ins unknown; both are frameshifts), ``*`` ->
  Nonsense_Mutation, otherwise Missense_Mutation). A patient counts as sequenced (variant data
  assessed) when any gene column is not NA.
- Segments: del17p13 (FISH/array) as one segment over chr17:1..TP53 end + 1 Mb (GRCh38
  coordinates of TP53 from ``refractor.reference``) with log2 ratio -1.0 (one copy lost,
  assumed clonal) or 0.0 when del17p13 = 0; no segment row when del17p13 is NA.
- Clinical TSV: disease from ``Diagnosis`` mapped to KB disease codes (``DISEASE_MAP``),
  subtype ``t(11;14)`` where flagged.

Response: mean viability (fraction of DMSO control) over the 5 concentrations of venetoclax
(``D_081``) and navitoclax (``D_001``), both 0.004, 0.016, 0.063, 0.25 and 1 uM
(pace_concentrations_uM.csv); lower = more sensitive. Printed:
n per disease; Spearman rho between score and mean viability (all, CLL only); AUROC of the
score for "resistant" (viability above the cohort median); level distribution by disease;
the lineage check (CLL/MCL sensitive vs T-PLL/healthy resistant: median viability per group
in the data vs the model's median score per group); and, for interpretation, whether the
genetic lesions present in the data (TP53 mutation, del17p) separate CLL responses.

Baselines, in the same run and on the same patients (issue 11: a score must beat what the
disease label and the treatment history give for free):

- disease label only, prior knowledge: 0 for the BCL2-dependent lineages CLL and MCL, 1 for
  every other diagnosis (the lineage fact the KB's ``lineage-bcl2-dependence`` encodes);
- disease label only, fitted: each patient gets the median viability of its diagnosis,
  in-sample (an optimistic upper bound for any predictor that sees only the label);
- history only: pretreated before sampling (1) or not (0). PACE records this for CLL only,
  as ``IC50beforeTreatment`` (TRUE = sample taken before any treatment; the package vignette
  codes "treated before sampling" as ``ifelse(IC50beforeTreatment, 0, 1)``).

Each is reported over all patients, WITHIN CLL, and as a partial rank correlation given the
diagnosis (ranks with the diagnosis means removed): a predictor that is constant inside every
diagnosis has no partial correlation, however high its overall rho.
"""
from __future__ import annotations

import re
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _validation import partial_spearman  # noqa: E402
from _validation import spearman as _rho  # noqa: E402

CITATION = ("Dietrich S et al., Drug-perturbation-based stratification of blood cancer, "
            "J Clin Invest 2018;128(1):427-445, doi:10.1172/JCI93801 (PMID 29227286)")
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "validation" / "cll_pace_bcmo2017"
DRUGS = {"venetoclax": "D_081", "navitoclax": "D_001"}

# PACE Diagnosis -> KB disease code (src/refractor/kb/data/diseases/). Codes the KB has: CLL,
# MCL, MZL, FL, AML, TCL (T-cell lymphoma), B-NEOPLASM (group). PACE entities the KB does not
# name get the nearest KB parent (assumed mapping): LPL, B-PLL, HCL, HCL-V -> B-NEOPLASM;
# T-PLL, Sezary, PTCL-NOS -> TCL (mature T-cell neoplasms). Healthy donor mononuclear cells
# (hMNC) have no disease: the KB's NORMAL entry (no disease-restricted rule applies to it; an
# unknown disease name is an input error).
DISEASE_MAP = {
    "CLL": "CLL", "MCL": "MCL", "MZL": "MZL", "FL": "FL", "AML": "AML",
    "LPL": "B-NEOPLASM", "B-PLL": "B-NEOPLASM", "HCL": "B-NEOPLASM", "HCL-V": "B-NEOPLASM",
    "T-PLL": "TCL", "Sezary": "TCL", "PTCL-NOS": "TCL", "hMNC": "NORMAL",
}
# Columns of pace_mutCOM_binary.csv that are copy-number / structural features, not genes.
NON_GENE = {"gain2p25.3", "gain3q26", "del6p21.2", "del6q21", "del8p12", "gain8q24", "del9p21.3",
            "del11q22.3", "trisomy12", "del13q14_any", "del13q14_bi", "del13q14_mono",
            "del14q24.3", "del15q15.1", "del17p13", "del18p11.3", "trisomy19", "Chromothripsis",
            "gain14q32", "gain18q21", "t(11;14)", "inv(14)", "t(14;14)"}
DEL17P_LOG2 = -1.0   # log2(1/2): one of two copies lost, assumed clonal
_HGVS = re.compile(r"^p\.[A-Z*]\d+")


def load(data: Path = DATA) -> dict[str, pd.DataFrame]:
    """The PACE tables used here."""
    return {
        "meta": pd.read_csv(data / "pace_patient_meta.csv"),
        "mut": pd.read_csv(data / "pace_mutCOM_binary.csv"),
        "details": pd.read_csv(data / "pace_mutCOM_tp53_braf_details.csv"),
        "viab": pd.read_csv(data / "pace_drug_viability_long.csv"),
    }


def response(viab: pd.DataFrame) -> pd.DataFrame:
    """patient x drug: mean viability over the 5 concentrations (fraction of DMSO control)."""
    v = viab[viab["drug_id"].isin(DRUGS.values())]
    out = v.groupby(["patient_id", "drug_id"])["viability"].mean().unstack()
    return out.rename(columns={d: k for k, d in DRUGS.items()})


def _class_of(change: str) -> str:
    if "fs" in change:
        return "Frame_Shift_Del"
    if change.endswith("*"):
        return "Nonsense_Mutation"
    return "Missense_Mutation"


def _changes(cell) -> list[str]:
    """``"p.Y234C; p.Y234*;  p.R248W"`` -> protein changes (``wt``/NA/genomic -> [])."""
    if not isinstance(cell, str):
        return []
    return [p.strip() for p in cell.split(";") if _HGVS.match(p.strip())]


def write_inputs(outdir: Path, tables: dict[str, pd.DataFrame], patients: list[str]) -> Path:
    """Write MAF, segments, clinical TSV and samplesheet for ``patients``; return the sheet."""
    from refractor.reference import gene_table

    meta = tables["meta"].set_index("patient_id")
    mut = tables["mut"].set_index("patient_id").reindex(patients)
    det = tables["details"].set_index("patient_id")
    genes = [c for c in mut.columns if c not in NON_GENE]
    rows = []
    for pid in patients:
        m = mut.loc[pid, genes]
        for g in m.index[m.to_numpy() == 1]:
            ch = _changes(det.at[pid, f"{g}_AA"]) if g in ("TP53", "BRAF") and pid in det.index else []
            if ch:
                rows += [(g, _class_of(c), c, pid) for c in ch]
            else:
                rows.append((g, "Targeted_Region", "", pid))
    maf = pd.DataFrame(rows, columns=["Hugo_Symbol", "Variant_Classification", "HGVSp_Short",
                                      "Tumor_Sample_Barcode"])
    maf.to_csv(outdir / "pace.maf", sep="\t", index=False)
    sequenced = set(mut.index[mut[genes].notna().any(axis=1)])

    tp53 = gene_table("GRCh38").set_index("gene").loc["TP53"]
    d17 = mut["del17p13"]
    seg = pd.DataFrame({"ID": d17.index[d17.notna()], "chrom": "chr17", "loc.start": 1,
                        "loc.end": int(tp53["end"]) + 1_000_000, "num.mark": 100,
                        "seg.mean": np.where(d17[d17.notna()] == 1, DEL17P_LOG2, 0.0)})
    seg.to_csv(outdir / "pace.seg", sep="\t", index=False)
    with_seg = set(seg["ID"])

    t1114 = mut["t(11;14)"]
    clin = pd.DataFrame({"sample": patients,
                         "disease": [DISEASE_MAP[meta.at[p, "Diagnosis"]] for p in patients],
                         "subtype": ["t(11;14)" if t1114.get(p) == 1 else "" for p in patients]})
    clin.to_csv(outdir / "clinical.tsv", sep="\t", index=False)
    sheet = pd.DataFrame({"sample": patients, "disease": clin["disease"],
                          "maf": ["pace.maf" if p in sequenced else "" for p in patients],
                          "seg": ["pace.seg" if p in with_seg else "" for p in patients],
                          "clinical": "clinical.tsv"})
    sheet.to_csv(outdir / "samplesheet.csv", index=False)
    return outdir / "samplesheet.csv"


def run_pipeline(sheet: Path):
    """``read_samplesheet`` -> ``interpret`` (copy number for KB genes, as ``refractor profile``)."""
    from refractor.interpret import interpret
    from refractor.interpret._prepare import iter_features
    from refractor.io import read_samplesheet
    from refractor.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    genes = {getattr(f, "gene", None) for b in kb.biomarkers.values()
             for f in iter_features(b.profile)} - {None}
    cohort = read_samplesheet(sheet, genes=genes)
    return cohort, interpret(cohort, kb)


def auroc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for ``positive`` (ties count 1/2; Mann-Whitney)."""
    from scipy.stats import rankdata

    pos = positive.astype(bool)
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if not n1 or not n0:
        return float("nan")
    r = rankdata(score)
    return float((r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float, str]:
    """(rho, p, note); rho is undefined (NaN) when either input is constant."""
    from scipy.stats import spearmanr

    if len(np.unique(x)) < 2:
        return float("nan"), float("nan"), f"undefined: score constant ({x[0]:g}) in all {len(x)} samples"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = spearmanr(x, y)
    return float(r.statistic), float(r.pvalue), ""


BCL2_DEPENDENT_LINEAGES = ("CLL", "MCL")  # Del Gaizo Moore et al., J Clin Invest 2007, PMID 17200714


def pretreated(meta: pd.DataFrame) -> pd.Series:
    """1 = treated before sampling, 0 = untreated, NaN = not recorded (non-CLL)."""
    before = meta["IC50beforeTreatment"]
    return before.map({True: 0.0, False: 1.0, "TRUE": 0.0, "FALSE": 1.0}).astype(float)


def label_fitted(d: pd.DataFrame) -> pd.Series:
    """Median viability of the patient's diagnosis, fitted in-sample: the best any predictor
    that sees only the label can do on these patients (optimistic: it has seen the answers).
    Leave-one-out is not used because it makes the label anti-correlated with the response
    inside a diagnosis (the left-out value moves the mean the other way)."""
    return d.groupby("diagnosis")["viab"].transform("median")


def baselines(d: pd.DataFrame, meta: pd.DataFrame) -> dict:
    """Refractor's score and the label / history baselines: rho over all patients, within CLL,
    and partial rho given the diagnosis. ``d`` has diagnosis, score, viab (index = patient)."""
    preds = {
        "Refractor score": d["score"],
        "disease label only (CLL/MCL = 0, other = 1)": (~d["diagnosis"].isin(BCL2_DEPENDENT_LINEAGES)).astype(float),
        "disease label only (median viability of the diagnosis, in-sample)": label_fitted(d),
        "history only (pretreated = 1; recorded for CLL only)": pretreated(meta).reindex(d.index),
    }
    cll = d["diagnosis"] == "CLL"
    out = {}
    for name, x in preds.items():
        out[name] = {"all": _rho(x.to_numpy(), d["viab"].to_numpy()),
                     "CLL": _rho(x[cll].to_numpy(), d.loc[cll, "viab"].to_numpy()),
                     "partial": partial_spearman(x.to_numpy(), d["viab"].to_numpy(),
                                                 d["diagnosis"].to_numpy())}
    return out


def analyse(tables: dict[str, pd.DataFrame], result) -> dict:
    """All figures, as a dict (also used by tests/integration/test_pace.py)."""
    from scipy.stats import mannwhitneyu

    resp = response(tables["viab"])
    meta = tables["meta"].set_index("patient_id")
    scores, levels = result.score_frame(), result.to_frame()
    df = pd.DataFrame({"diagnosis": meta["Diagnosis"].reindex(scores.index)})
    out: dict = {"n": len(df), "per_disease": df["diagnosis"].value_counts().to_dict()}
    for drug in DRUGS:
        d = df.assign(score=scores[drug], level=levels[drug], viab=resp[drug].reindex(df.index))
        res = {}
        for label, sub in (("all", d), ("CLL", d[d["diagnosis"] == "CLL"])):
            rho, p, note = spearman(sub["score"].to_numpy(), sub["viab"].to_numpy())
            res[f"rho_{label}"], res[f"p_{label}"], res[f"note_{label}"] = rho, p, note
        cut = float(d["viab"].median())
        res["cutoff"] = cut
        res["auroc"] = auroc(d["score"].to_numpy(), (d["viab"] > cut).to_numpy())
        res["levels"] = pd.crosstab(d["diagnosis"], d["level"])
        groups = {"CLL": ["CLL"], "MCL": ["MCL"], "T-PLL": ["T-PLL"], "healthy (hMNC)": ["hMNC"],
                  "other": sorted(set(d["diagnosis"]) - {"CLL", "MCL", "T-PLL", "hMNC"})}
        res["groups"] = {g: (int(d["diagnosis"].isin(v).sum()),
                             float(d.loc[d["diagnosis"].isin(v), "viab"].median()),
                             float(d.loc[d["diagnosis"].isin(v), "score"].median()))
                         for g, v in groups.items()}
        sens = d["diagnosis"].isin(["CLL", "MCL"])
        res_ = d["diagnosis"].isin(["T-PLL", "hMNC"])
        lin = d[sens | res_]
        res["lineage_auroc_data"] = auroc(lin["viab"].to_numpy(), lin["diagnosis"].isin(["T-PLL", "hMNC"]).to_numpy())
        res["lineage_auroc_model"] = auroc(lin["score"].to_numpy(), lin["diagnosis"].isin(["T-PLL", "hMNC"]).to_numpy())
        # genetics present in the data, CLL only: does TP53 / del17p separate responses?
        mut = tables["mut"].set_index("patient_id").reindex(d.index)
        cll = d["diagnosis"] == "CLL"
        gen = {}
        for feat in ("TP53", "del17p13"):
            m = mut[feat]
            a = d.loc[cll & (m == 1), "viab"]
            b = d.loc[cll & (m == 0), "viab"]
            p = float(mannwhitneyu(a, b).pvalue) if len(a) and len(b) else float("nan")
            gen[feat] = (len(a), float(a.median()), len(b), float(b.median()), p)
        res["genetics_cll"] = gen
        res["baselines"] = baselines(d, meta)
        out[drug] = res
    out["mechanisms_detected"] = {m: int(n) for m, n in (result.mechanism_frame() == "detected").sum().items() if n}
    out["assessable_venetoclax"] = int(result.assessable_frame()["venetoclax"].sum())
    return out


def report(fig: dict, warn_msgs: list[str]) -> None:
    print(f"PACE ex vivo drug response - {CITATION}")
    print(f"{fig['n']} patients; n per diagnosis: " + ", ".join(f"{k} {v}" for k, v in fig["per_disease"].items()))
    print(f"mechanisms detected (patients): {fig['mechanisms_detected'] or 'none'}; venetoclax call "
          f"assessable in {fig['assessable_venetoclax']}")
    for w in warn_msgs:
        print(f"  pipeline warning: {w}")
    for drug, did in DRUGS.items():
        r = fig[drug]
        print(f"\n== {drug} ({did}): response = mean viability over 5 concentrations (lower = more sensitive)")
        for lab in ("all", "CLL"):
            rho = r[f"rho_{lab}"]
            txt = r[f"note_{lab}"] or f"rho = {rho:+.3f} (p = {r[f'p_{lab}']:.2g})"
            print(f"  Spearman score vs viability, {lab:<3s}: {txt}")
        print(f"  AUROC of score for 'resistant' (viability > cohort median {r['cutoff']:.3f}): {r['auroc']:.3f}")
        print("  level distribution by diagnosis:")
        for line in r["levels"].to_string().splitlines():
            print("    " + line)
        print("  lineage check (expected: CLL/MCL sensitive, T-PLL/healthy resistant):")
        print(f"    {'group':<16s} {'n':>4s} {'median viability':>17s} {'median score':>13s}")
        for g, (n, v, s) in r["groups"].items():
            print(f"    {g:<16s} {n:4d} {v:17.3f} {s:13.1f}")
        print(f"    AUROC CLL/MCL vs T-PLL/hMNC: data (viability) {r['lineage_auroc_data']:.3f}, "
              f"model (score) {r['lineage_auroc_model']:.3f}")
        print("  predictor vs mean viability (Spearman; partial = within diagnoses, given the label):")
        for name, r3 in r["baselines"].items():
            print(f"    {name}")
            for k, lab in (("all", "all patients"), ("CLL", "within CLL"), ("partial", "partial | diagnosis")):
                print(f"      {lab:<20s} {r3[k].text()}")
        print("  CLL genetics in the data (median viability, mutated vs not; Mann-Whitney p):")
        for feat, (na, ma, nb, mb, p) in r["genetics_cll"].items():
            print(f"    {feat:<9s} n={na:3d} {ma:.3f}  vs  n={nb:3d} {mb:.3f}   p = {p:.2g}")
    ven = fig["venetoclax"]
    constant = bool(ven["note_all"])
    tp = ven["genetics_cll"]["TP53"]
    dp = ven["genetics_cll"]["del17p13"]
    print(f"""
Interpretation: the KB's venetoclax rules score acquired/target lesions (BCL2 G101V and other
groove mutations, BAX loss), BCL2-family expression (MCL1/BCL-XL up, BCL2 high), and AML-specific
markers (monocytic FAB, TP53, FLT3, RAS, NPM1, IDH; the TP53 rule is restricted to AML because
CLL data disagree). PACE measured none of these in its diseases: no expression, no BCL2/BAX
sequencing, no genetics for its 5 AML samples, and t(11;14) - the MCL-defining translocation -
only counts for myeloma in the KB. {"So the score is CONSTANT and carries no information here" if constant
else f"The score varies only between lineages (rho all = {ven['rho_all']:+.3f})"}: the one term that
fires is the disease-lineage sensitivity marker 'lineage-bcl2-dependence' (CLL/MCL; Del Gaizo Moore
et al., JCI 2007), so the model AUROC for CLL/MCL vs T-PLL/healthy ({ven['lineage_auroc_model']:.2f}) reflects
the diagnosis alone, against {ven['lineage_auroc_data']:.2f} in the DATA. Within CLL the score is constant: the KB
cannot rank CLL patients from the genetics PACE measured, and every call stays 'susceptible'
(the marker only lowers a score that is already 0). In CLL, TP53 mutation
(median viability {tp[1]:.3f} vs {tp[3]:.3f}, p = {tp[4]:.2g}) and del17p ({dp[1]:.3f} vs {dp[3]:.3f},
p = {dp[4]:.2g}) do not significantly change ex vivo venetoclax response, consistent with the KB
not scoring TP53 loss against venetoclax outside AML.""")
    b = ven["baselines"]
    sc, lab = b["Refractor score"]["all"], b["disease label only (CLL/MCL = 0, other = 1)"]["all"]
    fit = b["disease label only (median viability of the diagnosis, in-sample)"]["all"]
    hist = b["history only (pretreated = 1; recorded for CLL only)"]["CLL"]
    same = sc.rho == lab.rho
    print(f"""
Against the baselines (venetoclax): Refractor's rho over all patients ({sc.text()}) is
{"IDENTICAL to" if same else "different from"} the disease-label-only baseline ({lab.rho:+.3f}); a label-only predictor fitted
in-sample reaches {fit.rho:+.3f}. The partial correlation given the diagnosis is undefined for the
score: everything it shows is the disease label. History alone (pretreated, CLL): {hist.text()}.
This figure therefore does NOT show that Refractor ranks patients; it shows that the KB knows
CLL/MCL are BCL2-dependent lineages.""")

def main() -> int:
    if not DATA.is_dir():
        print(f"PACE data not found at {DATA}", file=sys.stderr)
        return 2
    tables = load()
    patients = sorted(set(tables["viab"]["patient_id"]))
    with tempfile.TemporaryDirectory() as d:
        sheet = write_inputs(Path(d), tables, patients)
        cohort, result = run_pipeline(sheet)
    fig = analyse(tables, result)
    report(fig, [w.message for w in result.warnings])
    return 0


if __name__ == "__main__":
    sys.exit(main())
