"""Shared helpers of both rule engines: comparisons, variant classes, protein-change parsing,
observation wording and thresholds. Kept in one place so the vectorised cohort engine and the
per-sample reference loop cannot drift apart.
"""
from __future__ import annotations

import math
import operator
import re

import numpy as np

from refractor.io._consequence import short_protein_change
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


def variant_detail(gene: str, pc: str, consequence: str, vaf: float) -> str:
    text = f"{gene} {pc or '(no protein change)'} {consequence}"
    if vaf == vaf and vaf is not None:
        text += f", VAF {fmt(vaf)}"
    return text


def cn_detail(gene: str, v: float) -> str:
    return f"{gene} log2 ratio {fmt(v)}"


def expression_detail(gene: str, v: float, unit: str, how: str) -> str:
    return f"{gene} {fmt(v, 1)} {unit} ({how})"


def splicing_detail(gene: str, event: str, psi: float, reads: int) -> str:
    return f"{gene} {event} PSI {fmt(psi)} ({int(reads)} reads)"


def methylation_detail(feature: str, beta: float) -> str:
    return f"{feature} beta {fmt(beta)}"


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
