"""Shared helpers of both rule engines: comparisons, variant classes, protein-change parsing,
observation wording and thresholds. Kept in one place so the vectorised cohort engine and the
per-sample reference loop cannot drift apart.
"""
from __future__ import annotations

import math
import operator
import re

import numpy as np

from refractor.io._consequence import already_short, short_protein_change
from refractor.io.cohort import CONSEQUENCES

OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}

#: consequence groups named in the VariantFeature docstring (kb/schema.py)
GROUPS = {
    "loss_of_function": frozenset({"nonsense", "frameshift", "splice_site", "start_lost"}),
    "nonsynonymous": frozenset(c for c in CONSEQUENCES if c not in ("silent", "other")),
}

_POS_RE = re.compile(r"^p\.\(?([A-Z*])(\d+)")


def expand_consequences(names: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Normalised consequence classes for a feature's ``consequences`` (groups expanded)."""
    out: set[str] = set()
    for n in names:
        out |= GROUPS.get(n, {n})
    return frozenset(out)


def normalise_protein_change(text: str | None) -> str:
    """``ENSP..:p.Gly101Val`` / ``p.(Gly101Val)`` / ``G101V`` -> ``p.G101V``; "" when absent.

    The readers' one-letter notation (:func:`refractor.io._consequence.short_protein_change`)
    with every parenthesis removed, so KB rules and cohort values compare equal.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    t = str(text).strip()
    if t in ("NA", "nan"):
        return ""
    return short_protein_change(t.rsplit(":", 1)[-1]).replace("(", "").replace(")", "")


def normalised_protein_changes(values) -> dict:
    """``{value: normalise_protein_change(value)}`` for distinct ``values``; strings already in
    the one-letter short form (:func:`~refractor.io._consequence.already_short`, what the
    readers write) map to themselves without a Python call each."""
    import pyarrow as pa

    strs = [v for v in values if isinstance(v, str)]
    out = {v: normalise_protein_change(v) for v in values if not isinstance(v, str)}
    for v, same in zip(strs, already_short(pa.array(strs, pa.string()))):
        out[v] = v if same else normalise_protein_change(v)
    return out


def residue(pc: str) -> tuple[str, int] | None:
    """Reference residue and position of a normalised protein change (``p.G101V`` -> G, 101)."""
    m = _POS_RE.match(pc)
    return (m.group(1), int(m.group(2))) if m else None


def variant_resolution(feature, exact: bool, codon: bool) -> str:
    """The match resolution label of a variant observation."""
    if exact:
        return "exact variant"
    if codon:
        return "codon"
    if feature.positions is not None:
        return "residue range"
    cons = set(feature.consequences)
    if "loss_of_function" in cons:
        return "gene-level loss-of-function"
    return "gene-level " + "/".join(sorted(cons))


def fmt(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    return f"{x:.{digits}f}"


def variant_detail(gene: str, pc: str, consequence: str, vaf: float, ccf: float | None = None,
                   biallelic: bool | None = None) -> str:
    text = f"{gene} {pc or '(no protein change)'} {consequence}"
    if vaf == vaf and vaf is not None:
        text += f", VAF {fmt(vaf)}"
        if ccf is not None and ccf == ccf:
            text += f", CCF {fmt(ccf)}"
        if biallelic is not None:
            text += ", no wild-type copy left" if biallelic else ", wild-type copy left"
    elif biallelic is not None:
        text += ", VAF unknown: clonal fraction unknown, one allele assumed"
    return text


def cn_detail(gene: str, v: float) -> str:
    return f"{gene} log2 ratio {fmt(v)}"


def expression_detail(gene: str, v: float, unit: str, how: str) -> str:
    return f"{gene} {fmt(v, 1)} {unit} ({how})"


def splicing_detail(gene: str, event: str, psi: float, reads: float) -> str:
    if reads is None or reads != reads:
        return f"{gene} {event} PSI {fmt(psi)} (read support unknown: no reads given)"
    return f"{gene} {event} PSI {fmt(psi)} ({int(reads)} reads)"


def psi_reads_warning(gene: str, event: str):
    from refractor.interpret._results import ResultWarning

    return ResultWarning(
        "DataWarning", f"{gene} {event}: PSI given without read counts; read support is unknown, "
        "the PSI was evaluated as given (add a reads column to apply the minimum read support)",
        code="psi-reads-unknown", gene=gene)


def psi_few_reads_warning(gene: str, event: str, min_reads: int):
    from refractor.interpret._results import ResultWarning

    return ResultWarning(
        "DataWarning", f"{gene} {event}: fewer than {min_reads} informative junction reads; the PSI "
        "was not used (rules on this event are not assessable for the sample)",
        code="psi-reads-too-few", gene=gene, n_needed=min_reads)


def expression_key(ft) -> str:
    """The expression-table key a feature reads (the gene, or its functional isoform)."""
    if ft.functional_isoform is None:
        return ft.gene
    return f"{ft.gene}~{ft.functional_isoform.event}"


def functional_detail(ft, value: float, unit: str, how: str, total: float, psi: float) -> str:
    ev = ft.functional_isoform.event
    if psi == psi and psi is not None:
        return (f"{ft.gene} functional (without {ev}) {fmt(value, 1)} {unit} = total "
                f"{fmt(total, 1)} x (1 - PSI {fmt(psi)}) ({how})")
    return (f"{ft.gene} {fmt(value, 1)} {unit}, total: {ev} not measured (or on fewer than "
            f"{ft.functional_isoform.min_reads} reads), so the functional isoform could not be "
            f"separated ({how})")


def methylation_rows(ft, by_feature: dict, by_gene: dict) -> dict:
    """Methylation rows (column arrays) a feature reads: rows named ``ft.feature``, plus rows
    of ``ft.gene`` whose region class fits ``ft.region`` (unannotated rows fit ``any`` only)."""
    parts = []
    if ft.feature is not None and ft.feature in by_feature:
        parts.append(by_feature[ft.feature])
    if ft.gene is not None and ft.gene in by_gene:
        g = by_gene[ft.gene]
        keep = np.ones(len(g["sidx"]), bool)
        if ft.feature is not None:
            keep &= g["feature"] != ft.feature  # already taken above
        if ft.region != "any":
            keep &= np.array([r == ft.region for r in g["region"]], bool)
        parts.append({k: v[keep] for k, v in g.items()})
    if not parts:
        return {"sidx": np.zeros(0, np.int64)}
    keys = parts[0].keys()
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def methylation_means(rows: dict):
    """Per sample (sorted): mean beta over its finite rows, their count and feature names."""
    beta = rows["beta"].astype(float)
    ok = np.isfinite(beta)
    sidx, feats, beta = rows["sidx"][ok].astype(np.int64), rows["feature"][ok], beta[ok]
    order = np.argsort(sidx, kind="stable")
    sidx, feats, beta = sidx[order], feats[order], beta[order]
    uniq, start, count = np.unique(sidx, return_index=True, return_counts=True)
    sums = np.add.reduceat(beta, start) if len(beta) else np.zeros(0)
    mean = sums / np.maximum(count, 1)
    probes = np.array([", ".join(map(str, feats[a:a + c][:4])) + (" ..." if c > 4 else "")
                       for a, c in zip(start, count)], dtype=object)
    return uniq, mean, count, probes


def methylation_detail(ft, beta: float, count: int = 1, probes: str = "") -> str:
    what = ft.feature if ft.gene is None else (
        ft.gene + ("" if ft.region == "any" else f" {ft.region}"))
    if count == 1:
        return f"{what} beta {fmt(beta)} ({probes})"
    return f"{what} mean beta {fmt(beta)} over {int(count)} probes/regions ({probes})"


def protein_detail(gene: str, v: float, unit: str) -> str:
    return f"{gene} protein {fmt(v)} {unit}"


def is_assumed(source: str | None) -> bool:
    """A threshold is 'assumed' when the KB gives no source or says so."""
    return source is None or "assum" in source.lower()


def cohort_threshold(values: np.ndarray, percentile: float) -> float:
    """Within-cohort percentile (numpy linear interpolation) of finite values."""
    return float(np.percentile(values, percentile))


def transform(values: np.ndarray, unit: str, cohort_values: np.ndarray) -> np.ndarray:
    """TPM values expressed in a feature's ``unit`` (TPM, log2(TPM+1), cohort z-score)."""
    if unit == "log2_TPM":
        return np.log2(values + 1.0)
    if unit == "z_score":
        sd = float(np.std(cohort_values))
        mu = float(np.mean(cohort_values))
        if not sd > 0:
            return np.full_like(values, np.nan, dtype=float)
        return (values - mu) / sd
    return values


__all__ = [
    "OPS",
    "GROUPS",
    "expand_consequences",
    "normalise_protein_change",
    "residue",
    "variant_resolution",
]
