"""Per-sample reference evaluation of biomarker profiles (plain Python, one sample at a time).

The same rules as :mod:`refractor.interpret._vector`, written as a straightforward loop so the
two can be checked against each other (tests and the benchmark compare their calls). Truth is
``True`` / ``False`` / ``None`` (not assessable) with Kleene ``all`` / ``any`` / ``not``.
"""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from refractor.interpret import _format as F
from refractor.interpret._kbview import KBView
from refractor.interpret._prepare import Prepared, iter_features, norm_subtype
from refractor.interpret._results import Observation, ResultWarning
from refractor.interpret._vector import disease_detail, expression_fallback_warning, history_detail
from refractor.kb.schema import Logic


def _group(df) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for r in df.itertuples(index=False):
        out[r.sidx].append(r)
    return out


class ScalarEvaluator:
    """Evaluates biomarker profiles for one sample at a time."""

    def __init__(self, prep: Prepared, view: KBView) -> None:
        self.p, self.view = prep, view
        self.rows = {name: _group(getattr(prep, name)) for name in
                     ("variants", "copy_number", "expression", "splicing", "methylation", "protein")}
        self._expr_cohort: dict[str, list[float]] = defaultdict(list)
        for r in prep.expression.itertuples(index=False):
            if math.isfinite(r.value):
                self._expr_cohort[r.gene].append(r.value)
        # Cohort-wide quantities depend on the gene only, not on the sample: computed once here
        # (per (gene, percentile) threshold; per gene for the z-score), not once per sample.
        self._n_cohort = {g: len(v) for g, v in self._expr_cohort.items()}
        self._splicing_feats = {(f.gene, f.event, f.min_reads) for b in view.biomarkers
                                for f in iter_features(b.profile) if f.kind == "splicing"}
        self._thresholds: dict[tuple[str, float], float] = {}
        self._zcohort: dict[str, np.ndarray] = {}
        for b in view.biomarkers:
            for ft in iter_features(b.profile):
                if ft.kind != "expression":
                    continue
                g = F.expression_key(ft)
                vals = self._expr_cohort.get(g, [])
                if ft.percentile is not None and len(vals) >= ft.min_cohort:
                    key = (g, ft.percentile)
                    if key not in self._thresholds:
                        self._thresholds[key] = F.cohort_threshold(np.array(vals), ft.percentile)
                if ft.unit == "z_score" and g not in self._zcohort:
                    self._zcohort[g] = np.array(vals)

    def _transform(self, v: float, ft) -> float:
        """One TPM value in the feature's unit (the z-score uses the cohort's mean and SD)."""
        cohort = self._zcohort.get(F.expression_key(ft)) if ft.unit == "z_score" else None
        if cohort is None:
            cohort = np.zeros(0)
        return float(F.transform(np.array([v]), ft.unit, cohort)[0])

    def evaluate(self, term, i: int, bm: str) -> tuple[bool | None, list[Observation]]:
        if isinstance(term, Logic):
            if term.not_ is not None:
                v, _ = self.evaluate(term.not_, i, bm)
                return (None if v is None else not v), []
            res = [self.evaluate(k, i, bm) for k in (term.all or term.any)]
            vals = [v for v, _ in res]
            if term.any is not None:
                v = True if True in vals else (False if all(x is False for x in vals) else None)
            else:
                v = False if False in vals else (True if all(x is True for x in vals) else None)
            obs = [o for x, os_ in res if x is True for o in os_] if v is True else []
            return v, obs
        return getattr(self, "_" + term.kind)(term, i, bm)

    def _assessed(self, kind: str, i: int) -> bool:
        return bool(self.p.assessed[kind][i])

    # ------------------------------------------------------------------ features
    def _variant(self, ft, i, bm):
        if not self._assessed("variant", i):
            return None, []
        cons = F.expand_consequences(ft.consequences)
        exact_set = {F.normalise_protein_change(p) for p in ft.protein_changes}
        codon_set = {c.removeprefix("p.") for c in ft.codons}
        obs, unknown = [], False
        for r in self.rows["variants"].get(i, []):
            if r.gene != ft.gene or r.consequence not in cons:
                continue
            exact = r.protein_change in exact_set
            codon = f"{r.ref_aa}{r.pos}" in codon_set
            if ft.protein_changes or ft.codons or ft.positions is not None:
                inrange = ft.positions is not None and ft.positions[0] <= r.pos <= ft.positions[1]
                if not (exact or codon or inrange):
                    continue
            if ft.min_vaf is not None:
                if math.isnan(r.vaf):
                    unknown = True
                    continue
                if not r.vaf >= ft.min_vaf:
                    continue
            if ft.allelic != "any" and bool(r.biallelic) != (ft.allelic == "biallelic"):
                continue
            allelic = bool(r.biallelic) if ft.allelic != "any" else None
            # a biallelic rule reads the two-hit state's fraction (see _vector._variant)
            two = ft.allelic == "biallelic"
            obs.append(Observation(
                bm, "variant", ft.gene,
                F.variant_detail(ft.gene, r.protein_change, r.consequence, r.vaf, r.ccf, allelic),
                F.variant_resolution(ft, exact, codon), _num(r.vaf), ft.min_vaf,
                ">=" if ft.min_vaf is not None else None, "VAF", r.source, False,
                _num(r.biallelic_ccf if two else r.ccf),
                r.biallelic_basis if two else r.clonal_basis,
                _num(r.biallelic_low if two else r.ccf_low),
                _num(r.biallelic_high if two else r.ccf_high)))
        if obs:
            return True, obs
        return (None if unknown else False), []

    def _numeric(self, kind, i, rows, value_of, ft, detail, resolution, unit, bm, ok=None):
        if not self._assessed(kind, i):
            return None, []
        obs, known = [], False
        for r in rows:
            v = value_of(r)
            if not math.isfinite(v) or (ok is not None and not ok(r)):
                continue
            known = True
            if F.OPS[ft.comparison](v, ft.threshold):
                obs.append(Observation(bm, kind, getattr(ft, "gene", None), detail(r), resolution,
                                       v, ft.threshold, ft.comparison, unit,
                                       getattr(r, "source", None), False))
        if obs:
            return True, obs
        return (False if known else None), []

    def _copy_number(self, ft, i, bm):
        rows = [r for r in self.rows["copy_number"].get(i, []) if r.gene == ft.gene]
        return self._numeric("copy_number", i, rows, lambda r: r.log2_ratio, ft,
                             lambda r: F.cn_detail(ft.gene, r.log2_ratio),
                             "gene-level copy number", "log2_ratio", bm)

    def _splicing(self, ft, i, bm):
        rows = [r for r in self.rows["splicing"].get(i, [])
                if r.gene == ft.gene and r.event == ft.event]
        # unknown read support (NaN) is evaluated, and said so (see splicing_detail)
        return self._numeric("splicing", i, rows, lambda r: r.psi, ft,
                             lambda r: F.splicing_detail(ft.gene, ft.event, r.psi, r.reads),
                             "splice-junction PSI", "PSI", bm,
                             ok=lambda r: not r.reads < ft.min_reads)

    def splicing_warnings(self, i) -> list[ResultWarning]:
        """DataWarnings for the splicing events the KB reads: PSI with unknown read support, or
        with fewer reads than a rule's ``min_reads`` (per minimum)."""
        rows = self.rows["splicing"].get(i, [])
        if not rows:
            return []
        feats = self._splicing_feats
        out = [F.psi_reads_warning(g, e) for g, e in sorted({(g, e) for g, e, _ in feats})
               if any(r.gene == g and r.event == e and math.isnan(r.reads) and math.isfinite(r.psi)
                      for r in rows)]
        out += [F.psi_few_reads_warning(g, e, k) for g, e, k in sorted(feats)
                if any(r.gene == g and r.event == e and r.reads < k for r in rows)]
        return out

    def _methylation(self, ft, i, bm):
        if not self._assessed("methylation", i):
            return None, []
        mine = self.rows["methylation"].get(i, [])
        cols = {k: np.array([getattr(r, k) for r in mine], dtype=object)
                for k in ("sidx", "feature", "gene", "region", "beta")}
        by_feature = {f: {k: v[cols["feature"] == f] for k, v in cols.items()}
                      for f in set(cols["feature"].tolist())}
        by_gene = {g: {k: v[cols["gene"] == g] for k, v in cols.items()}
                   for g in set(cols["gene"].tolist()) if g is not None}
        rows = F.methylation_rows(ft, by_feature, by_gene)
        if not len(rows["sidx"]):
            return None, []
        _, mean, count, probes = F.methylation_means(rows)
        if not len(mean):
            return None, []
        beta = float(mean[0])
        if F.OPS[ft.comparison](beta, ft.threshold):
            return True, [Observation(bm, "methylation", ft.gene,
                                      F.methylation_detail(ft, beta, int(count[0]), probes[0]),
                                      "methylation beta value", beta, ft.threshold,
                                      ft.comparison, "beta", None, False)]
        return False, []

    def _protein(self, ft, i, bm):
        rows = [r for r in self.rows["protein"].get(i, [])
                if r.gene == ft.gene and str(r.unit).lower() == ft.unit.lower()]
        return self._numeric("protein", i, rows, lambda r: r.value, ft,
                             lambda r: F.protein_detail(ft.gene, r.value, ft.unit),
                             "protein level", ft.unit, bm)

    def _expression(self, ft, i, bm):
        if not self._assessed("expression", i):
            return None, []
        key = F.expression_key(ft)
        n_cohort = self._n_cohort.get(key, 0)
        mine = [r for r in self.rows["expression"].get(i, [])
                if r.gene == key and math.isfinite(r.value)]
        if not mine:
            return None, []
        row = mine[0]
        v = row.value
        if ft.percentile is not None and n_cohort >= ft.min_cohort:
            thr = self._thresholds[(key, ft.percentile)]
            shown, unit, assumed = v, "TPM", False
            how = f"cohort P{ft.percentile:g} = {thr:.1f} TPM, n={n_cohort}"
            resolution = "expression vs cohort percentile"
        elif ft.threshold is not None:
            thr, unit = ft.threshold, ft.unit
            shown = self._transform(v, ft)
            assumed = F.is_assumed(ft.threshold_source)
            how = f"absolute threshold {ft.comparison} {thr:g} {unit}"
            resolution = "expression vs absolute threshold"
        else:
            return None, []
        if not math.isfinite(shown):
            return None, []
        if F.OPS[ft.comparison](shown, thr):
            det = (F.expression_detail(ft.gene, shown, unit, how) if ft.functional_isoform is None
                   else F.functional_detail(ft, shown, unit, how, row.total, row.psi))
            return True, [Observation(bm, "expression", ft.gene, det, resolution,
                                      shown, thr, ft.comparison, unit, None, assumed)]
        return False, []

    def expression_warning(self, ft, i) -> ResultWarning | None:
        """The extrapolation warning an expression feature gives this sample, if any."""
        key = F.expression_key(ft)
        n_cohort = self._n_cohort.get(key, 0)
        if ft.percentile is None or n_cohort >= ft.min_cohort:
            return None
        has = any(r.gene == key and math.isfinite(r.value)
                  for r in self.rows["expression"].get(i, []))
        if has:
            return expression_fallback_warning(ft, n_cohort)
        return None

    def _history(self, ft, i, bm):
        if not self._assessed("history", i):
            return None, []
        agents = self.view.agent_set(tuple(ft.agents), tuple(ft.agent_classes))
        sets = self.p.refractory if ft.status == "refractory" else self.p.exposed
        hit = sets[i] & agents
        if not hit:
            return False, []
        if ft.min_line is not None:
            line = self.p.line[i]
            if math.isnan(line):
                return None, []
            if not line >= ft.min_line:
                return False, []
        return True, [Observation(bm, "history", None, history_detail(ft.status, hit),
                                  "clinical history")]

    def _subtype(self, ft, i, bm):
        sub = self.p.subtype[i]
        if not sub:
            return None, []
        ok = sub in {norm_subtype(v) for v in ft.values}
        if ok and ft.diseases:
            ok = self.view.applies(ft.diseases, self.p.disease[i])
        if ok:
            return True, [Observation(bm, "subtype", None, f"subtype {sub}", "disease subtype")]
        return False, []

    def _disease(self, ft, i, bm):
        d = self.p.disease[i]
        if not d:
            return None, []
        if self.view.applies(ft.diseases, d):
            return True, [Observation(bm, "disease", None, disease_detail(d, ft), "disease lineage")]
        return False, []


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


__all__ = ["ScalarEvaluator"]
