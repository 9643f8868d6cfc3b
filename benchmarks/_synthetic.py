"""Generate a synthetic cohort in standard files (MAF, segments, expression, clinical, samplesheet).

Used by ``bench_interpret.py``. The cohort is random but seeded, so two runs are identical.
Gene symbols and coordinates come from Refractor's shipped GRCh38 gene table (never typed
here); a small fraction of samples carry the alterations the knowledge base looks for
(CRBN loss-of-function, BCL2 G101V, TP53, FLT3, NRAS …) so that rules actually fire.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

# Genes the knowledge base's rules refer to get higher mutation rates so calls are non-trivial.
HOT_GENES = [
    "CRBN", "IKZF1", "IKZF3", "IRF4", "CUL4B", "TRAF2", "TP53", "BCL2", "BAX", "FLT3",
    "NRAS", "KRAS", "PTPN11", "NPM1", "IDH1", "IDH2", "CASP8", "TNFRSF10A", "TNFRSF10B",
]
HOT_EXPRESSION = ["CRBN", "MCL1", "BCL2L1", "BCL2", "CFLAR", "CDK6", "ETV4", "STAT3", "XIAP",
                  "TNFRSF10C", "TNFRSF10D", "IRF4", "MYC", "IKZF1", "IKZF3"]
CLASSES = ["Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins",
           "Splice_Site", "In_Frame_Del", "Silent", "3'UTR", "Intron"]
CLASS_P = [0.45, 0.06, 0.05, 0.03, 0.03, 0.03, 0.15, 0.1, 0.1]
AA = list("ACDEFGHIKLMNPQRSTVWY")
DISEASES = ["MM", "AML", "CLL", "DLBCL"]


def _gene_table() -> pd.DataFrame:
    from refractor.reference import gene_table

    return pd.DataFrame(gene_table("GRCh38")).astype({"gene": object, "chrom": object})


def generate(outdir: Path, n_samples: int = 10_000, maf_rows: int = 1_000_000,
             n_expr_genes: int = 500, seed: int = 7) -> Path:
    """Write the cohort into ``outdir`` and return the samplesheet path."""
    rng = np.random.default_rng(seed)
    outdir.mkdir(parents=True, exist_ok=True)
    genes = _gene_table()
    genes = genes[genes["chrom"].isin([f"chr{i}" for i in range(1, 23)])]
    samples = np.array([f"S{i:05d}" for i in range(n_samples)])

    # --- MAF: 90% background genes, 10% hot genes
    pool = genes["gene"].to_numpy()
    n_hot = maf_rows // 10
    gene_col = np.concatenate([rng.choice(pool, maf_rows - n_hot), rng.choice(HOT_GENES, n_hot)])
    rng.shuffle(gene_col)
    cls = rng.choice(CLASSES, maf_rows, p=CLASS_P)
    pos = rng.integers(1, 800, maf_rows)
    ref = rng.choice(AA, maf_rows)
    alt = rng.choice(AA, maf_rows)
    hgvsp = np.char.add(np.char.add(np.char.add("p.", ref), pos.astype(str)), alt)
    hgvsp = np.where(np.isin(cls, ["3'UTR", "Intron"]), "", hgvsp)
    # plant the exact venetoclax-resistance variant in some BCL2 rows
    bcl2 = (gene_col == "BCL2") & (rng.random(maf_rows) < 0.3)
    hgvsp = np.where(bcl2, "p.G101V", hgvsp)
    cls = np.where(bcl2, "Missense_Mutation", cls)
    depth = rng.integers(30, 300, maf_rows)
    alt_count = (depth * rng.uniform(0.03, 0.6, maf_rows)).astype(int)
    maf = pd.DataFrame({
        "Hugo_Symbol": gene_col,
        "NCBI_Build": "GRCh38",
        "Variant_Classification": cls,
        "HGVSp_Short": hgvsp,
        "Tumor_Sample_Barcode": rng.choice(samples, maf_rows),
        "t_alt_count": alt_count,
        "t_depth": depth,
    })
    maf.to_csv(outdir / "cohort.maf", sep="\t", index=False)

    # --- expression: genes x samples TPM (log-normal), hot genes included
    rest = [g for g in pool if g not in HOT_EXPRESSION]
    expr_genes = HOT_EXPRESSION + list(rng.choice(rest, n_expr_genes - len(HOT_EXPRESSION), replace=False))
    tpm = np.exp(rng.normal(3.0, 1.2, (len(expr_genes), n_samples))).round(3)
    expr = pd.DataFrame(tpm, columns=samples)
    expr.insert(0, "gene", expr_genes)
    expr.to_csv(outdir / "expression.tsv", sep="\t", index=False)

    # --- segments: 6 segments per sample on chr2/chr3/chr17/chr1 with random log2 ratios
    chroms = ["chr1", "chr2", "chr3", "chr17", "chr18", "chr19"]
    seg_rows = []
    for c in chroms:
        g = genes[genes["chrom"] == c]
        lo, hi = int(g["start"].min()), int(g["end"].max())
        mid = (lo + hi) // 2
        for s0, s1 in ((lo, mid), (mid + 1, hi)):
            vals = rng.normal(0, 0.25, n_samples)
            vals[rng.random(n_samples) < 0.05] -= 1.0
            seg_rows.append(pd.DataFrame({"ID": samples, "chrom": c, "loc.start": s0, "loc.end": s1,
                                          "num.mark": 100, "seg.mean": vals.round(3)}))
    pd.concat(seg_rows).to_csv(outdir / "segments.seg", sep="\t", index=False)

    # --- clinical
    disease = rng.choice(DISEASES, n_samples)
    refr = np.where((disease == "MM") & (rng.random(n_samples) < 0.4), "lenalidomide", "")
    clin = pd.DataFrame({"sample": samples, "disease": disease,
                         "subtype": np.where(disease == "AML", rng.choice(["M1", "M2", "M4", "M5"], n_samples), ""),
                         "prior_agents": refr, "refractory_agents": refr,
                         "line": rng.integers(1, 5, n_samples)})
    clin.to_csv(outdir / "clinical.tsv", sep="\t", index=False)

    sheet = pd.DataFrame({"sample": samples, "disease": disease, "maf": "cohort.maf",
                          "seg": "segments.seg", "expression": "expression.tsv",
                          "clinical": "clinical.tsv"})
    sheet.to_csv(outdir / "samplesheet.csv", index=False)
    return outdir / "samplesheet.csv"


__all__ = ["generate"]
