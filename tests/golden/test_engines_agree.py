"""Vectorised engine == per-sample reference loop under the packaged KB, on the demo cohort and
on a random cohort that touches every gene the KB's rules name."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from refractor.interpret import LEVELS, interpret, interpret_per_sample
from refractor.interpret._prepare import iter_features
from refractor.io import read_samplesheet
from refractor.io.cohort import COLUMNS, Cohort
from refractor.kb import KnowledgeBase

ROOT = Path(__file__).parents[2]


def _same(c, kb):
    r, q = interpret(c, kb), interpret_per_sample(c, kb)
    assert r.mechanism_frame().equals(q.mechanism_frame())
    assert r.to_frame().equals(q.to_frame())
    assert np.array_equal(r.scores, q.scores)
    for s in r.samples:
        assert r[s] == q[s], s
    return r


def test_demo_cohort_engines_agree():
    kb = KnowledgeBase.load()
    r = _same(read_samplesheet(ROOT / "examples" / "demo_cohort" / "samplesheet.csv"), kb)
    assert r["MM06"].mechanisms and not [m for m in r["MM06"].mechanisms if m.status == "detected"]


def test_random_cohort_engines_agree():
    kb = KnowledgeBase.load()
    feats = [f for b in kb.biomarkers.values() for f in iter_features(b.profile)]
    genes = sorted({f.gene for f in feats if getattr(f, "gene", None)})
    codons = sorted({c for f in feats if f.kind == "variant" for c in f.codons})
    exact = sorted({p for f in feats if f.kind == "variant" for p in f.protein_changes})
    mfeat = sorted({f.feature for f in feats if f.kind == "methylation"})
    rng = np.random.default_rng(11)
    n = 80
    ids = [f"R{i}" for i in range(n)]
    cons = ["missense", "nonsense", "frameshift", "splice_site", "inframe_indel", "silent", "other"]
    pcs = exact + [f"p.{c}X" for c in codons] + ["p.A5T", "p.R150*", ""]
    v = pd.DataFrame({"sample": rng.choice(ids, 6 * n), "gene": rng.choice(genes, 6 * n),
                      "consequence": rng.choice(cons, 6 * n), "protein_change": rng.choice(pcs, 6 * n),
                      "vaf": rng.random(6 * n), "source": "rand"})
    cn = pd.DataFrame([(s, g, rng.normal(0, 0.6), "rand") for s in ids[: n // 2] for g in genes],
                      columns=COLUMNS["copy_number"])
    ex = pd.DataFrame([(s, g, rng.lognormal(3, 1.5)) for s in ids[n // 4:] for g in genes],
                      columns=COLUMNS["expression"])
    # reads: some unknown (a PSI table without a reads column), some below min_reads
    sp = pd.DataFrame([(s, "CRBN", "exon10_skipping", rng.random() * 0.9,
                        pd.NA if rng.random() < 0.3 else int(rng.integers(0, 50)), "rand")
                       for s in ids[::3]], columns=COLUMNS["splicing"])
    # region-level rows plus probe-level rows matched by gene and region annotation
    mgenes = sorted({f.gene for f in feats if f.kind == "methylation" and f.gene})
    regions = ["TSS200", "TSS1500", "Body", "5'UTR;Body", None]
    me = pd.DataFrame([(s, f, None, rng.random(), None) for s in ids[::2] for f in mfeat]
                      + [(s, f"cg{g}{k}", g, rng.random(), rng.choice(regions))
                         for s in ids[1::2] for g in mgenes for k in range(3)],
                      columns=COLUMNS["methylation"])
    agents = ["lenalidomide", "pomalidomide", "venetoclax", "eftozanermin-alfa", "daratumumab"]
    samples = pd.DataFrame({
        "sample": ids, "disease": rng.choice(["MM", "MM-LEN-REF", "AML", "CLL", "DLBCL", "MDS-DEL5Q"], n),
        "subtype": rng.choice(["M4", "M5", "M2", "t(11;14)", "del(5q)", ""], n), "line": rng.integers(1, 4, n),
        "prior_agents": [list(rng.choice(agents, rng.integers(0, 3))) for _ in ids],
        "refractory_agents": [list(rng.choice(agents, rng.integers(0, 2))) for _ in ids],
        # tumour purity given for part of the cohort (CCF of variants, issue 11)
        "purity": [float(rng.uniform(0.2, 1.0)) if rng.random() < 0.5 else np.nan for _ in ids]})
    assessed = pd.DataFrame([(s, k) for s in ids for k in ("variant", "history")], columns=["sample", "kind"])
    c = Cohort(samples=samples, assessed=assessed, variants=v, copy_number=cn, expression=ex,
               splicing=sp, methylation=me)
    r = _same(c, kb)
    cf = [m.clonal_fraction for x in r for m in x.mechanisms if m.clonal_fraction is not None]
    assert cf and min(cf) < 0.5 <= max(cf) <= 1.0  # subclonal and clonal calls both occur
    assert any(w.code == "psi-reads-unknown" for w in r.warnings)
    st = set(r.mechanism_frame().stack())
    assert st == {"detected", "possible", "not_detected", "not_assessable"}
    got = set(r.to_frame()[r.scored_agents].stack())
    assert set(LEVELS) <= got <= set(LEVELS) | {"not_assessable"}
