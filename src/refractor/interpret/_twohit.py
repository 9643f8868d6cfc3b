"""Two inactivating hits in one gene read as biallelic loss (no functional allele left).

:func:`refractor.interpret._clonality.clonal_columns` reads one variant at a time: it calls a
variant biallelic when its own VAF, with purity and the local copy number, leaves no room for a
wild-type copy (LOH). Two separate heterozygous hits in one gene are missed that way, although
together they leave no functional allele: two truncating variants, or a truncating variant plus
a one-copy loss of the gene (Knudson's two hits; in CLL the commonest TP53 inactivation is a
mutation with deletion of the other allele, and two mutations on separate alleles are also seen,
Blood 2009;114(26):5307, KB source of ev-g3-tp53-biallelic-two-hits). This module marks both
kinds as biallelic, so every KB rule with ``allelic: biallelic`` (CRBN, TP53, NR3C1, B2M, CD19,
GPRC5D, ... - the rules that say loss of function matters) scores them like a homozygous loss.

Two truncating variants (``loss_of_function`` consequences, distinct protein changes):
  * phase is not measured: the two are ASSUMED to lie on different alleles (in trans); in cis
    one wild-type allele would remain. Stated on the observation.
  * clones are ASSUMED nested, so the fraction of cells with no functional allele is the smaller
    of the two CCFs; the pigeonhole bound ``max(0, CCF1 + CCF2 - 1)`` (cells that must carry
    both) is stated too.

A truncating variant plus a one-copy loss of the gene (log2 <= ``ONE_COPY_LOSS_LOG2``):
  * the loss is in a fraction ``f = min(1, 2 * (1 - 2**r) / p)`` of cancer cells (one copy lost
    in a fraction f of tumour cells at purity p gives ``2**r = 1 - p * f / 2``);
  * if every cell with the loss carries the variant on its remaining allele, the variant's VAF is
    ``p f / (2 - p f) = 2**-r - 1`` whatever the purity; a lower VAF means the variant is in only
    part of those cells. Consistency between VAF and copy number is read this way: the fraction
    of cells with no functional allele is ``min(CCF, f)`` (nested clones, ASSUMED), which equals
    ``f`` exactly when the VAF reaches ``2**-r - 1``; both numbers are stated.
  * with an unknown VAF the co-occurrence cannot be checked: biallelic with an unknown fraction
    (scored as clonal, like every unknown CCF), said so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from refractor.interpret._format import expand_consequences

#: one-copy loss: the KB's convention for copy-number rules (biomarkers/crbn_axis.yaml header:
#: log2 <= -0.4, derived for >= ~50% purity; ASSUMED)
ONE_COPY_LOSS_LOG2 = -0.4
LOF = expand_consequences(["loss_of_function"])


def _fmt(x: float) -> str:
    return "unknown" if x != x else f"{x:.2f}"


def two_hit_columns(v: pd.DataFrame, log2: np.ndarray, purity: np.ndarray,
                    ccf_lo: np.ndarray, ccf_hi: np.ndarray):
    """Biallelic flag, fraction of cells with no functional allele (``biallelic_ccf``), its
    interval and the basis text, per variant row of the prepared table ``v``.

    ``v`` holds ``sidx gene consequence protein_change source ccf biallelic clonal_basis``;
    ``log2`` is the gene's copy-number ratio per row (NaN = none), ``purity`` the purity used.
    Rows that are not two-hit keep their single-variant reading (``biallelic_ccf`` = ``ccf``).
    """
    n = len(v)
    bi = v["biallelic"].to_numpy(bool).copy() if n else np.zeros(0, bool)
    ccf = v["ccf"].to_numpy(float) if n else np.zeros(0)
    out_ccf, out_lo, out_hi = ccf.copy(), np.asarray(ccf_lo, float).copy(), np.asarray(ccf_hi, float).copy()
    basis = v["clonal_basis"].to_numpy(object).copy() if n else np.zeros(0, object)
    if not n:
        return bi, out_ccf, out_lo, out_hi, basis
    lof = v["consequence"].isin(LOF).to_numpy()
    key = np.where(v["protein_change"].astype(str).to_numpy() != "",
                   v["protein_change"].astype(str).to_numpy(), v["source"].astype(str).to_numpy())
    pc = v["protein_change"].astype(str).to_numpy()
    genes = v["gene"].astype(str).to_numpy()
    sidx = v["sidx"].to_numpy()
    log2 = np.asarray(log2, float)
    purity = np.asarray(purity, float)
    # only groups (sample, gene) with two truncations, or a truncation with a one-copy loss,
    # can change: the others are left out before grouping (most groups hold one variant)
    rows_lof = np.flatnonzero(lof)
    if not len(rows_lof):
        return bi, out_ccf, out_lo, out_hi, basis
    g = pd.MultiIndex.from_arrays([sidx[rows_lof], genes[rows_lof]]).factorize()[0]
    with np.errstate(invalid="ignore"):
        need = (np.bincount(g)[g] >= 2) | ((log2[rows_lof] <= ONE_COPY_LOSS_LOG2) & ~bi[rows_lof])
    cand = np.zeros(n, dtype=bool)
    cand[rows_lof[np.isin(g, g[need])]] = True
    for (_, gene), idx in pd.Series(np.arange(n))[cand].groupby(
            [sidx[cand], genes[cand]], sort=False).groups.items():
        rows = np.asarray(list(idx), dtype=np.int64)
        hits = {key[i] for i in rows}
        for i in rows:
            if len(hits) >= 2:
                others = [j for j in rows if key[j] != key[i]]
                j = max(others, key=lambda r: -1.0 if ccf[r] != ccf[r] else ccf[r])
                frac = min(ccf[i], ccf[j]) if ccf[i] == ccf[i] and ccf[j] == ccf[j] else np.nan
                both = (max(0.0, ccf[i] + ccf[j] - 1.0) if frac == frac else np.nan)
                bi[i] = True
                out_ccf[i] = frac
                out_lo[i] = min(out_lo[i], ccf_lo[j])
                out_hi[i] = min(out_hi[i], ccf_hi[j])
                basis[i] = (
                    f"two truncating variants in {gene} ({pc[i] or key[i]} CCF {_fmt(ccf[i])}, "
                    f"{pc[j] or key[j]} CCF {_fmt(ccf[j])}): phase not measured - in trans "
                    "ASSUMED (two hits = no functional allele; in cis one wild-type allele "
                    "would remain); nested clones ASSUMED, so the fraction of cells with no "
                    f"functional {gene} is the smaller CCF, {_fmt(frac)}; cells that must carry "
                    f"both (pigeonhole) >= {_fmt(both)}. Own CCF: {basis[i]}")
            elif bi[i]:
                continue  # one variant already reads biallelic from its VAF (LOH)
            elif log2[i] == log2[i] and log2[i] <= ONE_COPY_LOSS_LOG2:
                r, p = log2[i], purity[i]
                f = min(1.0, 2.0 * (1.0 - 2.0 ** r) / p)
                expect = 2.0 ** -r - 1.0
                frac = min(ccf[i], f) if ccf[i] == ccf[i] else np.nan
                vaf = v["vaf"].iloc[i]
                # the variant's CCF reaches f exactly when its VAF reaches 2**-r - 1
                if vaf != vaf:
                    fit = "VAF unknown: co-occurrence not checked, fraction unknown (scored as clonal)"
                elif ccf[i] >= f:
                    fit = (f"VAF {vaf:.2f} >= {expect:.2f} expected if every cell with the loss "
                           "carries it: consistent, the two hits share those cells")
                elif ccf_hi[i] == ccf_hi[i] and ccf_hi[i] >= f:
                    fit = (f"VAF {vaf:.2f} below the {expect:.2f} expected if every cell with the "
                           "loss carried it, but within the read-count interval: consistent")
                else:
                    fit = (f"VAF {vaf:.2f} below the {expect:.2f} expected if every cell with the "
                           "loss carried it: the variant may be in only part of those cells "
                           "(nested clones ASSUMED; or in other cells)")
                bi[i] = True
                out_ccf[i] = frac
                out_lo[i] = min(out_lo[i], f) if out_lo[i] == out_lo[i] else np.nan
                out_hi[i] = min(out_hi[i], f) if out_hi[i] == out_hi[i] else np.nan
                basis[i] = (
                    f"truncating {gene} variant plus one-copy loss of {gene} (log2 {r:.2f} <= "
                    f"{ONE_COPY_LOSS_LOG2:g}, KB convention, ASSUMED): the loss is in "
                    f"{f:.2f} of cancer cells (purity {p:g}); {fit}; fraction of cells with no "
                    f"functional {gene} = min(CCF, loss fraction) = {_fmt(frac)}. Own CCF: "
                    f"{basis[i]}")
    return bi, out_ccf, out_lo, out_hi, basis


__all__ = ["two_hit_columns", "ONE_COPY_LOSS_LOG2", "LOF"]
