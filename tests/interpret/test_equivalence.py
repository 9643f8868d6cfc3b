"""The columnar engine and the per-sample reference loop make identical calls (random cohort)."""
from __future__ import annotations

import numpy as np

from _minikb import make_cohort
from refractor.interpret import interpret, interpret_per_sample

GENES = ["CRBN", "BCL2", "NPM1", "CASP8", "CFLAR", "TP53", "KRAS"]
CONS = ["missense", "nonsense", "frameshift", "splice_site", "silent", "other", "start_lost"]


def _random_cohort(n: int, seed: int):
    rng = np.random.default_rng(seed)
    ids = [f"P{i:03d}" for i in range(n)]
    samples = [dict(sample=s, disease=str(rng.choice(["MM", "RRMM", "AML", "CLL", ""])),
                    subtype=str(rng.choice(["M4", "M5", "M1", ""])),
                    refractory_agents=list(rng.choice(["lenalidomide", "rd", "venetoclax"],
                                                      rng.integers(0, 2))),
                    line=int(rng.integers(1, 4))) for s in ids]
    kinds = ["variant", "copy_number", "expression", "splicing", "methylation", "history"]
    assessed = {s: [k for k in kinds if rng.random() < 0.7] for s in ids}
    variants = [dict(sample=str(rng.choice(ids)), gene=str(rng.choice(GENES)),
                     consequence=str(rng.choice(CONS)),
                     protein_change=str(rng.choice(["p.G101V", "p.G101A", "p.Q99*", "p.R3fs", ""])),
                     vaf=float(rng.choice([np.nan, rng.random()])), source=f"m:{k}")
                for k in range(4 * n)]
    variants = [v for v in variants if "variant" in assessed[v["sample"]]]
    cn = [dict(sample=s, gene=g, log2_ratio=float(rng.normal(0, 0.8)), source="seg")
          for s in ids for g in ("COPS7B", "CASP8") if "copy_number" in assessed[s]]
    ex = [dict(sample=s, gene=g, value=float(rng.lognormal(3, 1.5)))
          for s in ids for g in ("CRBN", "MCL1", "CFLAR") if "expression" in assessed[s]]
    sp = [dict(sample=s, gene="CRBN", event="exon10_skipping", psi=float(rng.random()),
               reads=int(rng.integers(0, 60)), source="sj") for s in ids if "splicing" in assessed[s]]
    me = [dict(sample=s, feature="TP53_promoter", gene="TP53", beta=float(rng.random()))
          for s in ids if "methylation" in assessed[s]]
    return make_cohort(samples, assessed, variants=variants, copy_number=cn, expression=ex,
                       splicing=sp, methylation=me)


def test_vectorised_equals_per_sample_loop(kb):
    for n, seed in ((60, 1), (12, 2)):  # 60: cohort percentiles; 12: absolute fallbacks
        c = _random_cohort(n, seed)
        r, q = interpret(c, kb), interpret_per_sample(c, kb)
        assert r.mechanism_frame().equals(q.mechanism_frame())
        assert r.to_frame().equals(q.to_frame())
        assert np.array_equal(r.scores, q.scores)
        assert r.assessable_frame().equals(q.assessable_frame())
        for s in r.samples:
            assert r[s] == q[s], s
        # the random cohort really exercises the rules
        st = r.mechanism_frame().stack().value_counts()
        assert {"detected", "possible", "not_detected", "not_assessable"} <= set(st.index)
        assert set(r.to_frame().stack()) >= {"susceptible", "high"}
