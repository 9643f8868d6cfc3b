"""Vectorised (columnar) evaluation of biomarker profiles over a whole cohort.

Each feature becomes a few column operations over the prepared long tables and yields, for
every sample at once, Kleene truth as two boolean arrays (``t`` = true, ``f`` = false; neither
= not assessable) plus a frame of the observations that matched. ``all`` / ``any`` / ``not``
combine these arrays with three-valued (Kleene) logic: any(True, None) = True,
all(False, None) = False, otherwise None.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from refractor.interpret import _format as F
from refractor.interpret._kbview import KBView
from refractor.interpret._prepare import Prepared, norm_subtype
from refractor.interpret._results import ResultWarning
from refractor.kb.schema import Logic

OBS_COLUMNS = ["sidx", "kind", "gene", "detail", "resolution", "value", "threshold",
               "comparison", "unit", "source", "assumed", "ccf", "clonal_basis", "ccf_low",
               "ccf_high"]


class Obs:
    """Observation rows as parallel numpy arrays (cheaper than a DataFrame per feature)."""

    __slots__ = ("cols",)

    def __init__(self, cols: dict[str, np.ndarray]) -> None:
        self.cols = cols

    def __len__(self) -> int:
        return len(self.cols["sidx"])

    @classmethod
    def make(cls, sidx, kind, gene, detail, resolution, value=None, threshold=None,
             comparison=None, unit=None, source=None, assumed=False, ccf=None,
             clonal_basis=None, ccf_low=None, ccf_high=None) -> "Obs":
        sidx = np.asarray(sidx, dtype=np.int64)
        n = len(sidx)

        def col(x, dtype=object):
            if isinstance(x, (list, np.ndarray, pd.Series)):
                return np.asarray(x, dtype=dtype)
            out = np.empty(n, dtype=dtype)
            out[:] = np.nan if (x is None and dtype is float) else x
            return out

        return cls({"sidx": sidx, "kind": col(kind), "gene": col(gene), "detail": col(detail),
                    "resolution": col(resolution), "value": col(value, float),
                    "threshold": col(threshold, float), "comparison": col(comparison),
                    "unit": col(unit), "source": col(source), "assumed": col(assumed, bool),
                    "ccf": col(ccf, float), "clonal_basis": col(clonal_basis),
                    "ccf_low": col(ccf_low, float), "ccf_high": col(ccf_high, float)})

    @classmethod
    def empty(cls) -> "Obs":
        return cls.make([], "", None, "", "")

    def select(self, keep: np.ndarray) -> "Obs":
        """Rows whose sample is flagged in ``keep`` (a per-sample boolean array)."""
        m = keep[self.cols["sidx"]]
        return Obs({k: v[m] for k, v in self.cols.items()})

    @classmethod
    def concat(cls, parts: list["Obs"]) -> "Obs":
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        return cls({k: np.concatenate([p.cols[k] for p in parts]) for k in OBS_COLUMNS})


@dataclass
class Truth:
    """Kleene truth per sample and the observations (one row per matching datum)."""

    t: np.ndarray
    f: np.ndarray
    obs: Obs


def _flag(n: int, sidx) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[np.asarray(sidx, dtype=np.int64)] = True
    return out


def _group(df: pd.DataFrame, by: str) -> dict[str, dict[str, np.ndarray]]:
    """``by`` value -> {column: numpy array} (one pass; rows keep their order)."""
    out: dict[str, dict[str, np.ndarray]] = {}
    if df.empty:
        return out
    cols = {c: df[c].to_numpy() for c in df.columns}
    for key, idx in df.groupby(by, sort=False).indices.items():
        out[key] = {c: v[idx] for c, v in cols.items()}
    return out


class VectorEvaluator:
    """Evaluates biomarker profiles for all samples of a prepared cohort."""

    def __init__(self, prep: Prepared, view: KBView) -> None:
        self.p, self.view, self.n = prep, view, prep.n
        self._by_gene = {name: _group(getattr(prep, name), "gene") for name in
                         ("variants", "copy_number", "expression", "splicing", "protein")}
        self._by_feature = _group(prep.methylation, "feature")
        self._meth_by_gene = _group(prep.methylation.dropna(subset=["gene"]), "gene")
        self._cache: dict[str, Truth] = {}
        self.sample_warnings: list[tuple[np.ndarray, ResultWarning]] = []
        self._hist = {}
        for status, sets in (("refractory", prep.refractory), ("exposed", prep.exposed)):
            lens = np.fromiter((len(s) for s in sets), dtype=np.int64, count=self.n)
            agents = [a for s in sets for a in sorted(s)]
            self._hist[status] = pd.DataFrame({"sidx": np.repeat(np.arange(self.n), lens),
                                               "agent": pd.Series(agents, dtype=object)})

    # ------------------------------------------------------------------ logic
    def evaluate(self, term) -> Truth:
        if isinstance(term, Logic):
            if term.not_ is not None:
                c = self.evaluate(term.not_)
                return Truth(c.f.copy(), c.t.copy(), Obs.empty())
            kids = [self.evaluate(k) for k in (term.all or term.any)]
            if term.any is not None:
                t = np.logical_or.reduce([k.t for k in kids])
                f = np.logical_and.reduce([k.f for k in kids])
            else:
                t = np.logical_and.reduce([k.t for k in kids])
                f = np.logical_or.reduce([k.f for k in kids])
            return Truth(t, f, Obs.concat([k.obs for k in kids]).select(t))
        key = term.model_dump_json()
        if key not in self._cache:
            self._cache[key] = getattr(self, "_" + term.kind)(term)
        return self._cache[key]

    def _known(self, kind: str, true_sidx, known_sidx, obs: Obs) -> Truth:
        t = _flag(self.n, true_sidx) & self.p.assessed[kind]
        f = _flag(self.n, known_sidx) & self.p.assessed[kind] & ~t
        return Truth(t, f, obs)

    # ------------------------------------------------------------------ features
    def _rows(self, table: str, gene: str, mask=None) -> dict[str, np.ndarray]:
        rows = self._by_gene[table].get(gene)
        if rows is None:
            return {"sidx": np.zeros(0, np.int64)}
        if mask is not None:
            m = mask(rows)
            rows = {k: v[m] for k, v in rows.items()}
        return rows

    def _variant(self, ft) -> Truth:
        rows = self._by_gene["variants"].get(ft.gene)
        assessed = self.p.assessed["variant"]
        if rows is None:
            return Truth(np.zeros(self.n, bool), assessed.copy(), Obs.empty())
        cons = F.expand_consequences(ft.consequences)
        m = np.fromiter((c in cons for c in rows["consequence"]), bool, len(rows["sidx"]))
        exact_set = {F.normalise_protein_change(p) for p in ft.protein_changes}
        codon_set = {c.removeprefix("p.") for c in ft.codons}
        exact = np.fromiter((p in exact_set for p in rows["protein_change"]), bool, len(m))
        codon = np.fromiter((f"{a}{p}" in codon_set for a, p in zip(rows["ref_aa"], rows["pos"])),
                            bool, len(m))
        if ft.protein_changes or ft.codons or ft.positions is not None:
            allele = exact | codon
            if ft.positions is not None:
                lo, hi = ft.positions
                allele = allele | ((rows["pos"] >= lo) & (rows["pos"] <= hi))
            m &= allele
        vaf = rows["vaf"].astype(float)
        unknown = np.zeros(len(m), bool)
        if ft.min_vaf is not None:
            unknown = m & np.isnan(vaf)
            m &= vaf >= ft.min_vaf
        biallelic = rows["biallelic"].astype(bool)
        if ft.allelic != "any":
            m &= biallelic if ft.allelic == "biallelic" else ~biallelic
        sidx = rows["sidx"][m]
        t = _flag(self.n, sidx)
        f = assessed & ~t & ~_flag(self.n, rows["sidx"][unknown])
        res = [F.variant_resolution(ft, e, c) for e, c in zip(exact[m], codon[m])]
        ccf = rows["ccf"].astype(float)
        allelic = biallelic[m] if ft.allelic != "any" else [None] * int(m.sum())
        det = [F.variant_detail(ft.gene, pc, c, x, cf, b) for pc, c, x, cf, b in
               zip(rows["protein_change"][m], rows["consequence"][m], vaf[m], ccf[m], allelic)]
        # a biallelic rule is about the cells with no functional allele: its clonal fraction
        # is that of the two-hit state (refractor.interpret._twohit), not of one variant
        cols = (("biallelic_ccf", "biallelic_basis", "biallelic_low", "biallelic_high")
                if ft.allelic == "biallelic" else ("ccf", "clonal_basis", "ccf_low", "ccf_high"))
        fr, basis, lo, hi = (rows[c][m] for c in cols)
        obs = Obs.make(sidx, "variant", ft.gene, det, res, vaf[m], ft.min_vaf,
                       ">=" if ft.min_vaf is not None else None, "VAF", rows["source"][m],
                       ccf=fr.astype(float), clonal_basis=basis, ccf_low=lo.astype(float),
                       ccf_high=hi.astype(float))
        return Truth(t, f, obs)

    def _numeric(self, kind, rows, col, ft, detail, resolution, unit, extra_ok=None) -> Truth:
        vals = rows[col].astype(float) if col in rows else np.zeros(0)
        ok = np.isfinite(vals) if extra_ok is None else (np.isfinite(vals) & extra_ok)
        hit = ok & F.OPS[ft.comparison](np.where(ok, vals, 0.0), ft.threshold)
        h = {k: v[hit] for k, v in rows.items()}
        dets = [detail({k: v[i] for k, v in h.items()}) for i in range(int(hit.sum()))]
        obs = Obs.make(h["sidx"], kind, getattr(ft, "gene", None), dets, resolution, vals[hit],
                       ft.threshold, ft.comparison, unit, h.get("source"))
        return self._known(kind, h["sidx"], rows["sidx"][ok], obs)

    def _copy_number(self, ft) -> Truth:
        return self._numeric("copy_number", self._rows("copy_number", ft.gene), "log2_ratio", ft,
                             lambda r: F.cn_detail(ft.gene, r["log2_ratio"]),
                             "gene-level copy number", "log2_ratio")

    def _splicing(self, ft) -> Truth:
        rows = self._rows("splicing", ft.gene, lambda r: r["event"] == ft.event)
        # unknown read support (NaN: a PSI table without reads) is evaluated, and said so
        enough = ~(rows["reads"] < ft.min_reads) if "reads" in rows else np.zeros(0, bool)
        out = self._numeric("splicing", rows, "psi", ft,
                            lambda r: F.splicing_detail(ft.gene, ft.event, r["psi"], r["reads"]),
                            "splice-junction PSI", "PSI", extra_ok=enough)
        if "reads" in rows:
            reads, psi = rows["reads"].astype(float), rows["psi"].astype(float)
            nor = np.isnan(reads) & np.isfinite(psi)
            if nor.any():
                self.sample_warnings.append((_flag(self.n, rows["sidx"][nor]),
                                             F.psi_reads_warning(ft.gene, ft.event)))
            few = reads < ft.min_reads
            if few.any():
                self.sample_warnings.append((_flag(self.n, rows["sidx"][few]),
                                             F.psi_few_reads_warning(ft.gene, ft.event,
                                                                     ft.min_reads)))
        return out

    def _methylation(self, ft) -> Truth:
        rows = F.methylation_rows(ft, self._by_feature, self._meth_by_gene)
        if not len(rows["sidx"]):
            return self._known("methylation", [], [], Obs.empty())
        sidx, mean, count, probes = F.methylation_means(rows)
        hit = F.OPS[ft.comparison](mean, ft.threshold)
        det = [F.methylation_detail(ft, b, k, p) for b, k, p in zip(mean[hit], count[hit],
                                                                    probes[hit])]
        obs = Obs.make(sidx[hit], "methylation", ft.gene, det, "methylation beta value",
                       mean[hit], ft.threshold, ft.comparison, "beta")
        return self._known("methylation", sidx[hit], sidx, obs)

    def _protein(self, ft) -> Truth:
        rows = self._rows("protein", ft.gene,
                          lambda r: np.array([str(u).lower() == ft.unit.lower() for u in r["unit"]], bool))
        return self._numeric("protein", rows, "value", ft,
                             lambda r: F.protein_detail(ft.gene, r["value"], ft.unit),
                             "protein level", ft.unit)

    def _expression(self, ft) -> Truth:
        rows = self._rows("expression", F.expression_key(ft),
                          lambda r: np.isfinite(r["value"].astype(float)))
        vals = rows["value"].astype(float) if "value" in rows else np.zeros(0)
        n_ok = len(vals)
        if ft.percentile is not None and n_ok >= ft.min_cohort:
            thr = F.cohort_threshold(vals, ft.percentile)
            shown, unit, assumed = vals, "TPM", False
            how = f"cohort P{ft.percentile:g} = {thr:.1f} TPM, n={n_ok}"
            resolution = "expression vs cohort percentile"
        elif ft.threshold is not None:
            thr, unit = ft.threshold, ft.unit
            shown = F.transform(vals, unit, vals)
            assumed = F.is_assumed(ft.threshold_source)
            how = f"absolute threshold {ft.comparison} {thr:g} {unit}"
            resolution = "expression vs absolute threshold"
            if ft.percentile is not None and n_ok:
                self.sample_warnings.append((_flag(self.n, rows["sidx"]), expression_fallback_warning(ft, n_ok)))
        else:
            if n_ok:
                self.sample_warnings.append((_flag(self.n, rows["sidx"]), expression_fallback_warning(ft, n_ok)))
            return Truth(np.zeros(self.n, bool), np.zeros(self.n, bool), Obs.empty())
        ok = np.isfinite(shown)
        hit = ok & F.OPS[ft.comparison](np.where(ok, shown, 0.0), thr)
        if ft.functional_isoform is None:
            det = [F.expression_detail(ft.gene, x, unit, how) for x in shown[hit]]
        else:
            nan = np.full(len(hit), np.nan)
            det = [F.functional_detail(ft, x, unit, how, tot, p) for x, tot, p in
                   zip(shown[hit], rows.get("total", nan)[hit], rows.get("psi", nan)[hit])]
        obs = Obs.make(rows["sidx"][hit], "expression", ft.gene, det, resolution,
                       shown[hit], thr, ft.comparison, unit, None, assumed)
        return self._known("expression", rows["sidx"][hit], rows["sidx"][ok], obs)

    def _history(self, ft) -> Truth:
        agents = self.view.agent_set(tuple(ft.agents), tuple(ft.agent_classes))
        long = self._hist[ft.status]
        hit = np.unique(long.loc[long["agent"].isin(agents), "sidx"].to_numpy())
        assessed = self.p.assessed["history"]
        t = _flag(self.n, hit) & assessed
        unknown = np.zeros(self.n, bool)
        if ft.min_line is not None:
            line = self.p.line
            unknown = t & np.isnan(line)
            t &= np.nan_to_num(line, nan=-1) >= ft.min_line
        f = assessed & ~t & ~unknown
        sets = self.p.refractory if ft.status == "refractory" else self.p.exposed
        idx = np.flatnonzero(t)
        det = [history_detail(ft.status, sets[i] & agents) for i in idx]
        obs = Obs.make(idx, "history", None, det, "clinical history")
        return Truth(t, f, obs)

    def _subtype(self, ft) -> Truth:
        values = {norm_subtype(v) for v in ft.values}
        sub = self.p.subtype
        known = self.p.assessed["subtype"]
        hit = np.isin(sub, list(values)) & known
        if ft.diseases:
            ok = {d: self.view.applies(ft.diseases, d) for d in set(self.p.disease.tolist())}
            hit &= np.array([ok[d] for d in self.p.disease], dtype=bool)
        idx = np.flatnonzero(hit)
        obs = Obs.make(idx, "subtype", None, [f"subtype {sub[i]}" for i in idx], "disease subtype")
        return Truth(hit, known & ~hit, obs)

    def _disease(self, ft) -> Truth:
        known = self.p.assessed["disease"]
        ok = {d: bool(d) and self.view.applies(ft.diseases, d) for d in set(self.p.disease.tolist())}
        hit = np.array([ok[d] for d in self.p.disease], dtype=bool).reshape(self.n) & known
        idx = np.flatnonzero(hit)
        obs = Obs.make(idx, "disease", None, [disease_detail(self.p.disease[i], ft) for i in idx],
                       "disease lineage")
        return Truth(hit, known & ~hit, obs)


def disease_detail(disease: str, ft) -> str:
    return f"disease {disease} (lineage: {', '.join(ft.diseases)})"


def history_detail(status: str, agents: frozenset) -> str:
    return f"{status} to {', '.join(sorted(agents))}"


def expression_fallback_warning(ft, n_ok: int) -> ResultWarning:
    """The ExtrapolationWarning of an expression feature whose cohort is too small."""
    return ResultWarning("ExtrapolationWarning", expression_fallback_message(ft, n_ok),
                         code="expression-cohort-too-small", gene=ft.gene, n_samples=n_ok,
                         n_needed=ft.min_cohort)


def expression_fallback_message(ft, n_ok: int) -> str:
    if ft.threshold is None:
        return (f"{ft.gene} expression: only {n_ok} sample(s) with expression (< {ft.min_cohort} "
                f"needed for the cohort P{ft.percentile:g}) and no absolute threshold in the "
                "knowledge base: not assessable")
    return (f"{ft.gene} expression: only {n_ok} sample(s) with expression (< {ft.min_cohort} "
            f"needed for the cohort P{ft.percentile:g}); used the absolute threshold "
            f"{ft.comparison} {ft.threshold:g} {ft.unit} "
            f"({ft.threshold_source or 'assumed, no source given'})")


__all__ = ["VectorEvaluator", "Truth", "Obs", "OBS_COLUMNS", "history_detail", "disease_detail",
           "expression_fallback_message", "expression_fallback_warning"]
