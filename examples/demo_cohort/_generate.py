"""Regenerate the synthetic demo cohort (run from the repository root:
``.venv/bin/python examples/demo_cohort/_generate.py``).

SYNTHETIC DATA: every sample, variant and value below is invented to exercise one mechanism
family each; nothing here comes from a patient. Coordinates are GRCh38 and taken from the
shipped gene/exon tables (refractor/reference/data), never typed by hand, except the CRBN
exon-10 junctions, which are asserted against reference/README.md (GRCh38: inclusion 9->10
3152588-3153423, 10->11 3151046-3152455, skip 9->11 3151046-3153423).

Expression baselines are chosen *between* the knowledge base's absolute fallback thresholds
(the cohort has 12 < 20 samples, so absolute thresholds apply and the report says so), so a
baseline sample triggers nothing and each planted value crosses exactly one threshold.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
REF = HERE.parents[1] / "src" / "refractor" / "reference" / "data"

# sample, disease, subtype, prior agents, refractory agents, line, what it exercises
SAMPLES = [
    ("MM01", "MM", "", "bortezomib;lenalidomide", "lenalidomide", 2, "CRBN truncating variant + lenalidomide-refractory"),
    ("MM02", "MM", "", "lenalidomide", "", 2, "CRBN exon-10 skipping (STAR junctions)"),
    ("MM03", "MM", "", "", "", 1, "very low CRBN expression"),
    ("MM04", "MM", "", "lenalidomide;pomalidomide", "lenalidomide;pomalidomide", 3, "2q37 (COPS7B + COPS8) loss, len/pom-refractory"),
    ("MM05", "MM", "", "lenalidomide", "lenalidomide", 2, "lenalidomide-refractory, no lesion found"),
    ("MM06", "MM", "", "", "", 1, "negative control (myeloma, normal CRBN, normal junctions)"),
    ("CLL01", "CLL", "", "venetoclax", "venetoclax", 2, "BCL2 G101V"),
    ("CLL02", "CLL", "", "", "", 1, "negative control (CLL)"),
    ("AML01", "AML", "M5", "", "", 1, "monocytic FAB M5 + MCL1 high"),
    ("AML02", "AML", "M2", "", "", 1, "TP53 DNA-binding-domain missense (R248Q)"),
    ("AML03", "AML", "M1", "", "", 1, "NPM1 frameshift + IDH2 R140Q (sensitivity markers)"),
    ("AML04", "AML", "M2", "", "", 1, "CASP8 truncating variant + CFLAR (c-FLIP) high (TRAIL axis)"),
]

# gene, classification, HGVSp_Short, sample, alt, depth
MAF = [
    ("CRBN", "Nonsense_Mutation", "p.R283*", "MM01", 41, 98),
    ("KRAS", "Missense_Mutation", "p.G12D", "MM01", 30, 120),
    ("TTN", "Silent", "p.L1000L", "MM03", 12, 80),
    ("BCL2", "Missense_Mutation", "p.G101V", "CLL01", 9, 110),
    ("SF3B1", "Missense_Mutation", "p.K700E", "CLL02", 35, 90),
    ("TP53", "Missense_Mutation", "p.R248Q", "AML02", 52, 104),
    ("NPM1", "Frame_Shift_Ins", "p.W288Cfs*12", "AML03", 44, 100),
    ("IDH2", "Missense_Mutation", "p.R140Q", "AML03", 40, 95),
    ("CASP8", "Nonsense_Mutation", "p.R248*", "AML04", 38, 90),
    ("DNMT3A", "Missense_Mutation", "p.R882H", "AML01", 45, 100),
]

BASE_TPM = {  # between the KB's fallback thresholds: nothing fires at baseline
    "CRBN": 25, "MCL1": 150, "BCL2L1": 30, "BCL2": 60, "CFLAR": 40, "CASP8": 20, "XIAP": 20,
    "TNFRSF10A": 8, "TNFRSF10B": 15, "TNFRSF10C": 5, "TNFRSF10D": 10, "STAT3": 60, "CDK6": 10,
    "ETV4": 1, "CD38": 200, "SMAD3": 20, "RUNX1": 20, "RUNX3": 10, "PDCD1": 1, "HAVCR2": 2,
    "FOXP3": 0.5, "CD19": 80, "MS4A1": 150, "CD33": 5, "PTPRC": 50,
}
PLANTED_TPM = {("MM03", "CRBN"): 2.0, ("AML01", "MCL1"): 900.0, ("AML04", "CFLAR"): 400.0}

# STAR SJ.out.tab: chrom, intron start, intron end, strand (2 = minus), motif, annotated,
# unique reads, multi reads, max overhang. CRBN is on the minus strand.
INC_UP, INC_DOWN, SKIP = (3152588, 3153423), (3151046, 3152455), (3151046, 3153423)
JUNCTIONS = {
    "MM02": [(INC_UP, 30), (INC_DOWN, 34), (SKIP, 40)],   # PSI = 40 / (40 + 32) = 0.56
    "MM06": [(INC_UP, 52), (INC_DOWN, 48), (SKIP, 1)],    # PSI = 1 / 51 = 0.02
}
LOSSES = {"MM04": [("chr2", 231_000_000, 238_500_000, -0.85)]}  # 2q37: COPS7B and COPS8


def _check_junctions() -> None:
    ex = pd.read_csv(REF / "exons_GRCh38.tsv.gz", sep="\t")
    crbn = ex[ex["gene"] == "CRBN"].set_index("exon_number")
    assert INC_UP == (crbn.at[10, "end"] + 1, crbn.at[9, "start"] - 1)
    assert INC_DOWN == (crbn.at[11, "end"] + 1, crbn.at[10, "start"] - 1)
    assert SKIP == (crbn.at[11, "end"] + 1, crbn.at[9, "start"] - 1)


def main() -> None:
    _check_junctions()
    genes = pd.read_csv(REF / "genes_GRCh38.tsv.gz", sep="\t")
    chroms = [f"chr{i}" for i in range(1, 23)] + ["chrX"]
    from refractor.reference import chrom_sizes

    ends = chrom_sizes("GRCh38")  # whole-chromosome segments end at the chromosome's last base
    ids = [s[0] for s in SAMPLES]

    with open(HERE / "samplesheet.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["sample", "disease", "maf", "seg", "expression", "junctions", "clinical"])
        for s in SAMPLES:
            w.writerow([s[0], s[1], "cohort.maf", "segments.seg", "expression_tpm.tsv",
                        f"{s[0]}.SJ.out.tab" if s[0] in JUNCTIONS else "", "clinical.tsv"])

    with open(HERE / "clinical.tsv", "w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t")
        w.writerow(["sample", "disease", "subtype", "prior_agents", "refractory_agents", "line", "note"])
        for s in SAMPLES:
            w.writerow(list(s))

    with open(HERE / "cohort.maf", "w", newline="") as fh:
        fh.write("#version 2.4 (synthetic demo data, not from any patient)\n")
        w = csv.writer(fh, delimiter="\t")
        w.writerow(["Hugo_Symbol", "NCBI_Build", "Chromosome", "Variant_Classification",
                    "HGVSp_Short", "Tumor_Sample_Barcode", "t_alt_count", "t_depth"])
        for g, cls, p, smp, alt, dep in MAF:
            chrom = genes.loc[genes["gene"] == g, "chrom"].iloc[0]
            w.writerow([g, "GRCh38", chrom, cls, p, smp, alt, dep])

    rows = []
    for smp in ids:
        for c in chroms:
            pieces = [(1, int(ends[c]), 0.0)]
            for lc, a, b, v in LOSSES.get(smp, []):
                if lc == c:
                    pieces = [(1, a - 1, 0.0), (a, b, v), (b + 1, int(ends[c]), 0.0)]
            for a, b, v in pieces:
                rows.append([smp, c, a, b, max(10, (b - a) // 20_000), f"{v:.2f}"])
    with open(HERE / "segments.seg", "w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t")
        w.writerow(["ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean"])
        w.writerows(rows)

    with open(HERE / "expression_tpm.tsv", "w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t")
        w.writerow(["gene"] + ids)
        for g, v in BASE_TPM.items():
            vals = [PLANTED_TPM.get((s, g), v) for s in ids]
            if g == "BCL2":  # CLL cells are BCL2-high (a sensitivity feature, not resistance)
                vals = [250.0 if s.startswith("CLL") else x for s, x in zip(ids, vals)]
            w.writerow([g] + [f"{x:g}" for x in vals])

    for smp, juncs in JUNCTIONS.items():
        with open(HERE / f"{smp}.SJ.out.tab", "w", newline="") as fh:
            for (a, b), n in juncs:
                fh.write(f"chr3\t{a}\t{b}\t2\t1\t1\t{n}\t0\t40\n")


if __name__ == "__main__":
    main()
