"""End to end through the CLI on real data: TCGA-LAML as shipped with maftools.

Data: The Cancer Genome Atlas Research Network, "Genomic and epigenomic landscapes of adult de
novo acute myeloid leukemia", N Engl J Med 2013;368:2059-74 (PMID 23634996), 193 patients with
somatic variants in the maftools extdata MAF (GRCh37, ``Protein_Change`` and
``i_TumorVAF_WU`` columns), CBS copy-number segments (``LAML_CBS_segments.tsv.gz``) and FAB
classes (``tcga_laml_annot.tsv``); see ../shared/validation/tcga_laml_maftools/PROVENANCE.txt.

Every expected number below is computed from the data files themselves with pandas
(independently of Refractor's readers), never from an earlier Refractor run. The biology
checked: FAB M4/M5 = monocytic AML -> the monocytic-differentiation mechanism (Pei et al.,
Cancer Discov 2020, PMID 31974170); NPM1 exon-12 frameshift -> the venetoclax-sensitivity
marker (DiNardo et al., Blood 2020, PMID 31932844); FLT3-ITD (in-frame insertions) and TKD
(D835/I836) -> FLT3 signalling.

Run with ``-s`` to see the landscape (mechanism -> number of samples, venetoclax levels).
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

VALIDATION = Path(__file__).resolve().parents[2].parent / "shared" / "validation"
V = VALIDATION / "tcga_laml_maftools"
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "sample-report.schema.json"

pytestmark = [
    pytest.mark.validation,
    pytest.mark.skipif(not (V / "tcga_laml.maf.gz").is_file(), reason="../shared/validation absent"),
]


@pytest.fixture(scope="module")
def maf() -> pd.DataFrame:
    return pd.read_csv(V / "tcga_laml.maf.gz", sep="\t", low_memory=False)


@pytest.fixture(scope="module")
def run(tmp_path_factory, maf):
    """Write a samplesheet (193 patients, GRCh37) and run ``refractor profile`` once."""
    from refractor.cli import main

    tmp = tmp_path_factory.mktemp("tcga_laml")
    ids = sorted(maf["Tumor_Sample_Barcode"].unique())
    with_seg = set(pd.read_csv(V / "LAML_CBS_segments.tsv.gz", sep="\t", usecols=["Sample"])["Sample"])
    sheet = pd.DataFrame({
        "sample": ids, "disease": "AML", "build": "GRCh37",
        "maf": str(V / "tcga_laml.maf.gz"),
        "seg": [str(V / "LAML_CBS_segments.tsv.gz") if s in with_seg else "" for s in ids],
        "clinical": str(V / "tcga_laml_annot.tsv"),
    })
    sheet.to_csv(tmp / "samplesheet.csv", index=False)
    out = tmp / "out"
    rc = main(["profile", str(tmp / "samplesheet.csv"), "-o", str(out), "-q"])
    mech = pd.read_csv(out / "mechanisms.tsv", sep="\t", index_col=0) if rc == 0 else None
    levels = pd.read_csv(out / "cohort_levels.tsv", sep="\t", index_col=0) if rc == 0 else None
    return {"rc": rc, "out": out, "ids": ids, "mech": mech, "levels": levels,
            "with_seg": with_seg}


def _samples(df: pd.DataFrame) -> set[str]:
    return set(df["Tumor_Sample_Barcode"])


def test_runs_end_to_end_with_valid_outputs(run):
    import jsonschema

    assert run["rc"] == 0
    out = run["out"]
    files = sorted((out / "samples").glob("*.json"))
    assert len(files) == len(run["ids"]) == 193
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    for f in files:
        doc = json.loads(f.read_text())
        errors = sorted(validator.iter_errors(doc), key=str)
        assert not errors, f"{f.name}: {errors[0].message}"
        assert doc["sample"] == f.stem and doc["disease"] == "AML"
    html = out / "report.html"
    assert html.is_file() and html.stat().st_size > 10_000
    assert "<html" in html.read_text(encoding="utf-8")[:2000].lower()


def test_monocytic_calls_equal_fab_m4_m5(run):
    """FAB M4/M5 is monocytic AML (PMID 31974170): calls must match the annotation file."""
    annot = pd.read_csv(V / "tcga_laml_annot.tsv", sep="\t", index_col=0)["FAB_classification"]
    fab = annot.reindex(run["ids"])
    mono = set(fab.index[fab.astype(str).str.match(r"^M[45]")])
    called = set(run["mech"].index[run["mech"]["monocytic-differentiation"] == "detected"])
    assert len(mono) == 58  # 39 M4 + 19 M5 among the 193 MAF patients (annotation file)
    assert called == mono
    # subtype is only unknown for patients without a FAB class -> not_assessable, never "fine"
    no_fab = set(fab.index[fab.isna()])
    assert (run["mech"].loc[sorted(no_fab), "monocytic-differentiation"] == "not_assessable").all()


def test_mutation_counts_match_maf(run, maf):
    """FLT3, NPM1, DNMT3A: the annotated MAF keeps every row, the reader every mutated patient."""
    from refractor.io import read_maf

    ann = pd.read_csv(run["out"] / "tcga_laml.refractor.maf.gz", sep="\t", comment="#", low_memory=False)
    variants = read_maf(V / "tcga_laml.maf.gz")
    # Patients mutated per gene in this MAF (TCGA NEJM 2013, Fig. 1 reports FLT3 28%, NPM1 27%,
    # DNMT3A 26% of 200 patients; the maftools subset has 193).
    expected = {"FLT3": 52, "NPM1": 33, "DNMT3A": 48}
    for gene, n in expected.items():
        rows = maf[maf["Hugo_Symbol"] == gene]
        assert len(_samples(rows)) == n
        assert (ann["Hugo_Symbol"] == gene).sum() == len(rows)
        assert set(variants.loc[variants["gene"] == gene, "sample"]) == _samples(rows)


def test_npm1_frameshift_gets_sensitivity_mechanism(run, maf):
    """NPM1 frameshift -> npm1-mutation-sensitivity detected and lowering the venetoclax score."""
    npm1 = maf[(maf["Hugo_Symbol"] == "NPM1") & maf["Variant_Classification"].str.startswith("Frame_Shift")]
    want = _samples(npm1)
    assert len(want) == 32  # 33 NPM1-mutant patients, one of them with a missense (p.K263R) only
    called = set(run["mech"].index[run["mech"]["npm1-mutation-sensitivity"] == "detected"])
    assert called == want
    for s in sorted(want)[:10]:
        doc = json.loads((run["out"] / "samples" / f"{s}.json").read_text())
        ven = next(a for a in doc["agents"] if a["agent"] == "venetoclax")
        terms = [t for t in ven["trace"] if "npm1-mutation-sensitivity" in t["mechanisms"]]
        assert terms and all(t["contribution"] < 0 for t in terms), s


def test_flt3_and_tp53_calls_follow_the_variants(run, maf):
    f = maf[maf["Hugo_Symbol"] == "FLT3"]
    itd = f["Variant_Classification"].isin(["In_Frame_Ins", "In_Frame_Del"])
    tkd = (f["Variant_Classification"] == "Missense_Mutation") & f["Protein_Change"].astype(str).str.match(
        r"^p\.(D835|I836)[A-Z]")
    st = run["mech"]["flt3-itd-signalling"]
    # ITD (in-frame insertions/deletions in the juxtamembrane domain) -> detected; TKD D835/I836
    # -> possible: the KB's flt3-tkd-variant biomarker is call: possible (curator inference).
    assert set(st.index[st == "detected"]) == _samples(f[itd])
    assert set(st.index[st == "possible"]) == _samples(f[tkd]) - _samples(f[itd])
    assert len(_samples(f[itd])) == 34 and len(_samples(f[tkd]) - _samples(f[itd])) == 14
    # truncating TP53 variants are loss of function -> TP53 loss (AML-restricted rule): detected
    # when no wild-type copy is left (the biallelic state of PMID 31932844), possible when one is
    # (heterozygous truncation = single-copy-loss dosage, issue 11)
    t = maf[(maf["Hugo_Symbol"] == "TP53") & maf["Variant_Classification"].isin(
        ["Nonsense_Mutation", "Frame_Shift_Del", "Frame_Shift_Ins"])]
    st = run["mech"]["tp53-loss-bh3-mimetic"]
    called = set(st.index[st.isin(["detected", "possible"])])
    assert _samples(t) and _samples(t) <= called
    assert set(st.index[st == "detected"]) & _samples(t)  # some are biallelic (high VAF / LOH)


def test_print_landscape(run):
    """Not an assertion on numbers: prints the landscape (pytest -s) for the record."""
    mech, levels = run["mech"], run["levels"]
    det = (mech == "detected").sum()
    pos = (mech == "possible").sum()
    na = (mech == "not_assessable").sum()
    rows = [(m, int(det[m]), int(pos[m]), int(na[m])) for m in mech.columns if det[m] or pos[m]]
    rows.sort(key=lambda r: (-r[1], -r[2], r[0]))
    print(f"\nTCGA-LAML (PMID 23634996), {len(mech)} patients, {len(run['with_seg'] & set(mech.index))} "
          f"with CBS segments; mechanism -> detected / possible / not_assessable")
    for m, d, p, n in rows:
        print(f"  {m:<38s} {d:4d} {p:4d} {n:4d}")
    for agent in ("venetoclax", "navitoclax", "azd5991"):
        if agent in levels.columns:
            vc = levels[agent].value_counts()
            print(f"  {agent} levels: " + ", ".join(
                f"{lv} {int(vc.get(lv, 0))}" for lv in ("susceptible", "low", "intermediate", "high")))
    assert len(mech) == 193
