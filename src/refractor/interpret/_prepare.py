"""Normalise a :class:`~refractor.io.cohort.Cohort` once into integer-indexed tables.

Both engines (vectorised and per-sample) start from the same prepared tables, so they share
normalisation (protein changes, subtypes; disease and agent names through the KB's resolver)
and differ only in how rules are evaluated. Tables are restricted to the genes / features the knowledge base's rules mention.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import pandas as pd

from refractor.errors import InputError
from refractor.interpret._clonality import ccf_interval, clonal_columns, interval_text
from refractor.interpret._format import normalised_protein_changes, residue
from refractor.interpret._kbview import KBView
from refractor.interpret._resolve import resolve_samples
from refractor.interpret._twohit import two_hit_columns
from refractor.interpret._results import ResultWarning
from refractor.io.cohort import Cohort
from refractor.kb.schema import Logic


def iter_features(term) -> Iterator:
    """Every leaf feature of a biomarker profile."""
    if isinstance(term, Logic):
        for child in term.all or term.any or [term.not_]:
            yield from iter_features(child)
    else:
        yield term


#: methylation region annotations (Illumina manifest ``UCSC_RefGene_Group`` terms and plain
#: words) -> the region classes a MethylationFeature names. TSS1500/TSS200/5'UTR/1stExon are the
#: promoter-associated groups of the Illumina 450k/EPIC manifests.
REGION_CLASS = {
    "promoter": "promoter", "tss1500": "promoter", "tss200": "promoter", "5'utr": "promoter",
    "5utr": "promoter", "1stexon": "promoter", "first_exon": "promoter", "enhancer": "promoter",
    "promoter_flanking": "promoter", "body": "body", "gene_body": "body", "3'utr": "body",
    "3utr": "body", "exonbnd": "body",
}


def region_class(v) -> str | None:
    """The region class of one annotation (``TSS200;Body`` -> promoter if any part is one)."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    parts = [REGION_CLASS.get(x.strip().lower()) for x in str(v).replace(",", ";").split(";")]
    if "promoter" in parts:
        return "promoter"
    return "body" if "body" in parts else None


def functional_key(gene: str, event: str) -> str:
    """Expression-table key of a gene's functional isoform (total x (1 - PSI of ``event``))."""
    return f"{gene}~{event}"


def norm_subtype(v) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return ""
    s = str(v).strip().upper()
    return s[4:].strip() if s.startswith("FAB ") else s


@dataclass
class Prepared:
    """Integer-indexed (``sidx``) tables of one cohort."""

    samples: np.ndarray
    disease: np.ndarray
    subtype: np.ndarray
    line: np.ndarray
    assessed: dict[str, np.ndarray]
    refractory: list[frozenset]
    exposed: list[frozenset]
    variants: pd.DataFrame
    copy_number: pd.DataFrame
    expression: pd.DataFrame
    splicing: pd.DataFrame
    methylation: pd.DataFrame
    protein: pd.DataFrame
    warnings: list[ResultWarning] = field(default_factory=list)
    purity: np.ndarray | None = None  # per sample, NaN when not given

    @property
    def n(self) -> int:
        return len(self.samples)


def _index(df: pd.DataFrame, idx: dict[str, int], name: str, warnings: list) -> pd.DataFrame:
    sidx = df["sample"].map(idx)
    unknown = sidx.isna()
    if unknown.any():
        warnings.append(ResultWarning(
            "DataWarning",
            f"{int(unknown.sum())} {name} row(s) name samples that are not in the sample table "
            f"(e.g. {df.loc[unknown, 'sample'].iloc[0]!r}); they were not used",
            code="rows-unknown-sample", n_samples=int(unknown.sum()),
        ))
    out = df.loc[~unknown].copy()
    out.attrs = {}
    out.insert(0, "sidx", sidx[~unknown].astype(np.int64).to_numpy())
    return out.drop(columns=["sample"]).reset_index(drop=True)


def prepare(cohort: Cohort, view: KBView) -> Prepared:
    """Index and normalise the cohort's tables for rule evaluation."""
    s = cohort.samples.reset_index(drop=True)
    s.attrs = {}
    ids = s["sample"].astype(str).to_numpy()
    dup = pd.Series(ids).duplicated()
    if dup.any():
        raise InputError(f"duplicated sample id {ids[dup.to_numpy()][0]!r} in the sample table")
    idx = {k: i for i, k in enumerate(ids)}
    n = len(ids)
    warnings: list[ResultWarning] = []

    feats = [f for b in view.biomarkers for f in iter_features(b.profile)]
    genes = {getattr(f, "gene", None) for f in feats} - {None}
    mfeatures = {f.feature for f in feats if f.kind == "methylation"}
    mgenes = {f.gene for f in feats if f.kind == "methylation" and f.gene is not None}
    isoforms = {(f.gene, f.functional_isoform.event, f.functional_isoform.min_reads)
                for f in feats if f.kind == "expression" and f.functional_isoform is not None}

    # names -> KB ids, once, through the knowledge base's resolver (InputError on unknown names)
    disease, refr, prior = resolve_samples(s, view.kb, cohort.origin)
    subtype = np.array([norm_subtype(v) for v in s.get("subtype", [None] * n)], dtype=object)
    line = pd.to_numeric(s.get("line", pd.Series([None] * n)), errors="coerce").to_numpy(float)
    exposed = [a | b for a, b in zip(refr, prior)]

    a = cohort.assessed
    assessed = {}
    for kind in ("variant", "copy_number", "expression", "splicing", "methylation", "protein",
                 "history"):
        m = np.zeros(n, dtype=bool)
        hit = a.loc[a["kind"] == kind, "sample"].map(idx).dropna().astype(np.int64).to_numpy()
        m[hit] = True
        assessed[kind] = m

    def table(name: str, keep: pd.Series | None) -> pd.DataFrame:
        # readers attach ``attrs`` (sample lists); pandas deep-copies attrs on every operation
        df = cohort.table(name).copy(deep=False)
        df.attrs = {}
        if keep is not None:
            df = df.loc[keep]
        return _index(df, idx, name, warnings)

    v = cohort.variants
    v = table("variants", v["gene"].isin(genes))
    pcs = pd.Series(v["protein_change"].unique())
    norm = normalised_protein_changes(pcs)
    v["protein_change"] = v["protein_change"].map(norm).fillna("")
    res = {p: residue(p) for p in set(norm.values())}
    v["ref_aa"] = v["protein_change"].map(lambda p: (res[p] or ("", 0))[0])
    v["pos"] = v["protein_change"].map(lambda p: (res[p] or ("", -1))[1]).astype(np.int64)
    v["vaf"] = pd.to_numeric(v["vaf"], errors="coerce").astype(float)
    v["consequence"] = v["consequence"].astype(str)
    v["source"] = v["source"].astype(object).where(v["source"].notna(), None)
    assessed["variant"][v["sidx"].to_numpy()] = True

    cn = table("copy_number", cohort.copy_number["gene"].isin(genes))
    cn["log2_ratio"] = pd.to_numeric(cn["log2_ratio"], errors="coerce").astype(float)
    assessed["copy_number"][cn["sidx"].to_numpy()] = True

    purity = _purity(s, ids)
    clon = getattr(view.scoring, "clonality", None)
    default_p = clon.default_purity if clon is not None else 1.0
    local = cn.drop_duplicates(["sidx", "gene"]).set_index(["sidx", "gene"])["log2_ratio"]
    keys = pd.MultiIndex.from_arrays([v["sidx"].to_numpy(), v["gene"].to_numpy()])
    log2 = local.reindex(keys).to_numpy(float) if len(v) else np.zeros(0)
    p_row = purity[v["sidx"].to_numpy()] if len(v) else np.zeros(0)
    p_used = np.where(np.isfinite(p_row), p_row, default_p)
    ccf, biallelic, basis = clonal_columns(v["vaf"].to_numpy(float), log2, p_used,
                                           np.isfinite(p_row))
    # read counts (optional columns ``alt_count`` / ``depth``): the CCF's 95% interval
    alt = _counts(v, "alt_count")
    depth = _counts(v, "depth")
    lo, hi = ccf_interval(alt, depth, log2, p_used) if len(v) else (np.zeros(0), np.zeros(0))
    cc = clon.clonal_ccf if clon is not None else None
    # Python floats: formatted exactly as numpy's, compared faster
    # (each distinct reading formatted once: read counts and intervals repeat across a cohort)
    texts: dict = {}
    out = []
    for key in zip(basis, lo.tolist(), hi.tolist(), alt.tolist(), depth.tolist()):
        t = texts.get(key)
        if t is None:
            b, a, b_, k, d = key
            t = texts[key] = f"{b}; {interval_text(a, b_, k, d, cc)}"
        out.append(t)
    basis = np.array(out, dtype=object)
    v["ccf"], v["biallelic"], v["clonal_basis"] = ccf, biallelic, basis
    v["ccf_low"], v["ccf_high"] = lo, hi
    # two inactivating hits in one gene (two truncations, or truncation + one-copy loss)
    bi, bccf, blo, bhi, bbasis = two_hit_columns(v, log2, p_used, lo, hi)
    v["biallelic"], v["biallelic_ccf"], v["biallelic_basis"] = bi, bccf, bbasis
    v["biallelic_low"], v["biallelic_high"] = blo, bhi

    ex = table("expression", cohort.expression["gene"].isin(genes))
    ex["value"] = pd.to_numeric(ex["value"], errors="coerce").astype(float)
    ex = ex.drop_duplicates(["sidx", "gene"], keep="first").reset_index(drop=True)
    assessed["expression"][ex["sidx"].to_numpy()] = True

    sp = table("splicing", cohort.splicing["gene"].isin(genes))
    sp["psi"] = pd.to_numeric(sp["psi"], errors="coerce").astype(float)
    # a PSI table without a reads column gives unknown read support (NaN), not zero reads
    sp["reads"] = pd.to_numeric(sp["reads"], errors="coerce").astype(float)
    assessed["splicing"][sp["sidx"].to_numpy()] = True
    ex = _functional_expression(ex, sp, isoforms)

    mtab = cohort.methylation
    mgene = mtab["gene"] if "gene" in mtab.columns else pd.Series(None, index=mtab.index)
    me = table("methylation", mtab["feature"].isin(mfeatures) | mgene.isin(mgenes))
    me["beta"] = pd.to_numeric(me["beta"], errors="coerce").astype(float)
    me["gene"] = (me["gene"].astype(object).where(me["gene"].notna(), None) if "gene" in me.columns
                  else pd.Series([None] * len(me), dtype=object))
    me["region"] = ([region_class(x) for x in me["region"]] if "region" in me.columns
                    else pd.Series([None] * len(me), dtype=object))
    assessed["methylation"][me["sidx"].to_numpy()] = True

    pr = table("protein", cohort.protein["gene"].isin(genes))
    pr["value"] = pd.to_numeric(pr["value"], errors="coerce").astype(float)
    assessed["protein"][pr["sidx"].to_numpy()] = True

    assessed["history"] |= np.array([bool(x) for x in exposed], dtype=bool)
    assessed["subtype"] = subtype != ""
    assessed["disease"] = np.array([bool(d) for d in disease], dtype=bool).reshape(n)

    return Prepared(ids, disease, subtype, line, assessed, refr, exposed, v, cn, ex, sp, me, pr,
                    warnings, purity)


def _counts(v: pd.DataFrame, column: str) -> np.ndarray:
    """An optional read-count column of the variants table (NaN = not given)."""
    if column not in v.columns:
        return np.full(len(v), np.nan)
    return pd.to_numeric(v[column], errors="coerce").to_numpy(float)


def _purity(s: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    """Tumour purity per sample from the optional ``purity`` column (NaN = not given)."""
    if "purity" not in s.columns:
        return np.full(len(ids), np.nan)
    p = pd.to_numeric(s["purity"], errors="coerce").to_numpy(float)
    bad = np.isfinite(p) & ~((p > 0) & (p <= 1))
    bad |= s["purity"].notna().to_numpy() & ~np.isfinite(p)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"purity of sample {ids[i]!r} must be a number in (0, 1], got "
                         f"{s['purity'].iloc[i]!r}")
    return p


def _functional_expression(ex: pd.DataFrame, sp: pd.DataFrame, isoforms) -> pd.DataFrame:
    """Add rows keyed ``gene~event`` holding the functional isoform's expression.

    value = TPM x (1 - PSI) when the sample's PSI of ``event`` is measured with at least
    ``min_reads`` reads (or unknown read support); the total otherwise. ``total`` and ``psi``
    columns keep what was used (NaN psi = splicing not measured / not informative).
    """
    ex = ex.assign(total=np.nan, psi=np.nan, reads=np.nan)
    parts = [ex]
    for gene, event, min_reads in sorted(isoforms):
        rows = ex[ex["gene"] == gene]
        s = sp[(sp["gene"] == gene) & (sp["event"] == event)]
        s = s[np.isfinite(s["psi"]) & ~(s["reads"] < min_reads)]
        s = s.drop_duplicates("sidx").set_index("sidx")
        psi = s["psi"].reindex(rows["sidx"]).to_numpy(float)
        reads = s["reads"].reindex(rows["sidx"]).to_numpy(float)
        total = rows["value"].to_numpy(float)
        value = np.where(np.isfinite(psi), total * (1.0 - np.nan_to_num(psi)), total)
        parts.append(pd.DataFrame({"sidx": rows["sidx"].to_numpy(), "gene": functional_key(gene, event),
                                   "value": value, "total": total, "psi": psi, "reads": reads}))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else ex


__all__ = ["Prepared", "prepare", "iter_features", "norm_subtype", "region_class",
           "functional_key"]
