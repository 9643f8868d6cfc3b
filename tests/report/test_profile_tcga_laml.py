"""End to end on real data: TCGA-LAML (maftools extdata; TCGA Research Network, NEJM 2013,
PMID 23634996): 193 AML patients, MAF (GRCh37), CBS segments, FAB classes."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from refractor.cli import main

V = Path(__file__).parents[3] / "shared" / "validation" / "tcga_laml_maftools"
pytestmark = [pytest.mark.validation,
              pytest.mark.skipif(not (V / "tcga_laml.maf.gz").is_file(), reason="validation data absent")]


def test_tcga_laml_end_to_end(tmp_path, capsys):
    maf = pd.read_csv(V / "tcga_laml.maf.gz", sep="\t", usecols=["Tumor_Sample_Barcode"])
    ids = sorted(maf["Tumor_Sample_Barcode"].unique())
    seg = set(pd.read_csv(V / "LAML_CBS_segments.tsv.gz", sep="\t", usecols=["Sample"])["Sample"])
    sheet = tmp_path / "sheet.csv"
    rows = ["sample,disease,build,maf,seg,clinical"]
    for s in ids:
        rows.append(f"{s},AML,GRCh37,{V / 'tcga_laml.maf.gz'},"
                    f"{V / 'LAML_CBS_segments.tsv.gz' if s in seg else ''},{V / 'tcga_laml_annot.tsv'}")
    sheet.write_text("\n".join(rows) + "\n")
    out = tmp_path / "out"
    assert main(["profile", str(sheet), "-o", str(out), "-q"]) == 0
    mech = pd.read_csv(out / "mechanisms.tsv", sep="\t", index_col=0)
    levels = pd.read_csv(out / "cohort_levels.tsv", sep="\t", index_col=0)
    assert len(mech) == len(ids) == 193
    frac = (mech == "detected").mean()
    # Published TCGA AML frequencies (NEJM 2013, Fig. 1; 200 patients): TP53 8%, IDH1 9.5% +
    # IDH2 10%, NPM1 27%; the maftools MAF is a 193-patient subset, so only broad ranges.
    assert 0.04 <= frac["tp53-loss-bh3-mimetic"] <= 0.12
    assert 0.10 <= frac["idh-mutation-sensitivity"] <= 0.25
    assert 0.10 <= frac["npm1-mutation-sensitivity"] <= 0.30
    # monocytic calls equal the FAB M4/M5 count of the annotation file (independent column)
    fab = pd.read_csv(V / "tcga_laml_annot.tsv", sep="\t", index_col=0)["FAB_classification"]
    mono = fab.reindex(mech.index).isin(["M4", "M5"])
    assert ((mech["monocytic-differentiation"] == "detected") == mono).all()
    # every monocytic AML is called at least low for venetoclax (Pei et al. 2020, PMID 31974170)
    assert (levels.loc[mono, "venetoclax"] != "susceptible").all()
    # annotated MAF: one output row per input row
    n_in = len(maf)
    ann = pd.read_csv(out / "tcga_laml.refractor.maf.gz", sep="\t", comment="#", low_memory=False)
    assert len(ann) == n_in and "refractor_mechanisms" in ann.columns
