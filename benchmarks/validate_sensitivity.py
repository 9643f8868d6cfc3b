#!/usr/bin/env python
"""How many calls change when each curator number moves: demo cohort and TCGA-LAML.

One command: ``python benchmarks/validate_sensitivity.py [--top N]``. For each cohort,
:func:`refractor.interpret.sensitivity.sensitivity` moves every scoring weight by +/-10 score
points, the scoring table's global numbers (possible-call factor; clonal CCF where the KB has
one) and every biomarker threshold the KB marks as assumed by +/-25 % (percentiles: the tail
they call), one at a time, on an in-memory copy of the KB, re-interprets the cohort and
counts the calls (sample x agent level, or not_assessable) that change. A call that any single
move changes is *fragile*.

Cohorts: the bundled synthetic demo (examples/demo_cohort, 12 samples); TCGA-LAML (The
Cancer Genome Atlas Research Network, N Engl J Med 2013;368:2059-74, PMID 23634996; 193 AML
patients, GRCh37 MAF + CBS segments + FAB, from ../shared/validation/tcga_laml_maftools, as
tests/integration/test_tcga_laml.py reads it). The baseline printed next to each figure is
the calls above `susceptible` (low, intermediate, high: a fragile call among them matters most).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _validation import VALIDATION  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LAML = VALIDATION / "tcga_laml_maftools"


def laml_sheet(tmp: Path) -> Path:
    """Samplesheet for the 193 TCGA-LAML patients (GRCh37)."""
    maf = pd.read_csv(LAML / "tcga_laml.maf.gz", sep="\t", usecols=["Tumor_Sample_Barcode"])
    ids = sorted(maf["Tumor_Sample_Barcode"].unique())
    with_seg = set(pd.read_csv(LAML / "LAML_CBS_segments.tsv.gz", sep="\t", usecols=["Sample"])["Sample"])
    sheet = pd.DataFrame({
        "sample": ids, "disease": "AML", "build": "GRCh37", "maf": str(LAML / "tcga_laml.maf.gz"),
        "seg": [str(LAML / "LAML_CBS_segments.tsv.gz") if s in with_seg else "" for s in ids],
        "clinical": str(LAML / "tcga_laml_annot.tsv"),
    })
    sheet.to_csv(tmp / "samplesheet.csv", index=False)
    return tmp / "samplesheet.csv"


def analyse(sheet: Path, kb) -> tuple[object, float]:
    from refractor.interpret._prepare import iter_features
    from refractor.interpret.sensitivity import sensitivity
    from refractor.io import read_samplesheet

    genes = {getattr(f, "gene", None) for b in kb.biomarkers.values()
             for f in iter_features(b.profile)} - {None}
    cohort = read_samplesheet(sheet, genes=genes)
    t0 = time.perf_counter()
    res = sensitivity(cohort, kb)
    return res, time.perf_counter() - t0


def report(name: str, res, secs: float, top: int) -> None:
    p, c = res.perturbations, res.calls
    nonsus = c["call"].isin(["low", "intermediate", "high"])  # levels above susceptible
    frag = c["fragile"]
    print(f"\n== {name}: {c['sample'].nunique()} samples x {c['agent'].nunique()} agents = {res.n_calls} calls "
          f"({secs:.1f} s)")
    for kind in ("weight", "scoring", "threshold"):
        k = p[p["kind"] == kind]
        print(f"  {kind} moves: {len(k)}; moves that change >= 1 call: {int((k['changed'] > 0).sum())}; "
              f"calls changed per move: max {int(k['changed'].max()) if len(k) else 0}, "
              f"total {int(k['changed'].sum())}")
    print(f"  fragile calls: {int(frag.sum())} of {res.n_calls} ({100 * frag.mean():.1f} %); among the "
          f"{int(nonsus.sum())} calls above 'susceptible': {int((frag & nonsus).sum())} fragile "
          f"({100 * (frag & nonsus).sum() / max(int(nonsus.sum()), 1):.1f} %)")
    by_agent = c[frag].groupby("agent").size().sort_values(ascending=False).head(8)
    if len(by_agent):
        print("  agents with most fragile calls: " + ", ".join(f"{a} {n}" for a, n in by_agent.items()))
    shown = p[p["changed"] > 0].sort_values("changed", ascending=False).head(top)
    if len(shown):
        print(f"  the {len(shown)} moves that change most calls:")
    for r in shown.itertuples():
        print(f"    {r.changed:4d}  {r.kind:<9s} {r.direction:>6s} {r.target} [{r.detail}] {r.old:g} -> {r.new:g} "
              f"(+{r.more_resistant} more / {r.less_resistant} less resistant)")


def main(argv: list[str] | None = None) -> int:
    from refractor.kb import KnowledgeBase

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args(argv)
    kb = KnowledgeBase.load()
    print(f"Sensitivity of the calls to the curator's numbers (KB {kb.version}, {kb.content_hash})")
    res, secs = analyse(ROOT / "examples" / "demo_cohort" / "samplesheet.csv", kb)
    report("demo cohort (synthetic, examples/demo_cohort)", res, secs, args.top)
    if (LAML / "tcga_laml.maf.gz").is_file():
        with tempfile.TemporaryDirectory() as d:
            res, secs = analyse(laml_sheet(Path(d)), kb)
        report("TCGA-LAML (193 AML, PMID 23634996)", res, secs, args.top)
    else:
        print(f"\nTCGA-LAML data not found at {LAML}: skipped")
    print("""
What this shows: how many calls rest on a single curator number within +/-10 score points or
+/-25 % of a threshold. What it does NOT show: whether the calls are right (no outcome data
enter), nor joint moves of several numbers; a weight whose mechanisms never fire in the cohort
cannot change a call there and is counted as 0.""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
