"""Methylation beta values (probe or region level), long or wide."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from refractor.io._expression import _matrix, long_table, peek_header
from refractor.io._source import read_bytes
from refractor.io._table import is_missing, read_table, require_nonempty, stripped, to_float

#: header names of the optional region annotation column (Illumina manifests call it
#: ``UCSC_RefGene_Group``: TSS1500, TSS200, 5'UTR, 1stExon, Body, 3'UTR; plain ``promoter`` /
#: ``body`` work too). The interpreter maps it to region classes (interpret._prepare.REGION_CLASS).
REGION_HEADERS = ("region", "UCSC_RefGene_Group", "ucsc_refgene_group", "refgene_group")

LONG_COLUMNS = {
    "sample": ("sample", "sample_id"),
    "feature": ("feature", "probe", "probe_id", "region", "cpg"),
    "beta": ("beta", "beta_value"),
    "gene": ("gene", "symbol", "Hugo_Symbol"),
    "region": REGION_HEADERS,
}


def _region_values(col) -> np.ndarray:
    return np.where(is_missing(col), None, col.str.strip().to_numpy(dtype=object))


def read_methylation(path: str | Path) -> pd.DataFrame:
    """Read beta values into the cohort ``methylation`` table (``sample feature gene beta region``).

    Long format: columns ``sample feature beta`` and optional ``gene`` and ``region``.
    Wide format: first column the feature (probe id or region), optional column ``gene``, optional
    column ``region`` (or ``UCSC_RefGene_Group``), then one column per sample. Betas must lie in
    [0, 1]; empty/NA cells are unmeasured probes (common on arrays) and are left out, not errors.
    ``region`` is the probe's position relative to its gene (TSS1500, TSS200, 5'UTR, 1stExon,
    Body, ...); rules about a gene's promoter read the probes of that gene annotated so.
    """
    data = read_bytes(path)
    header = peek_header(data)
    lower = [h.lower() for h in header]
    if "sample" in lower and "beta" in lower or "sample_id" in lower:
        tab = read_table(path, data=data, columns=LONG_COLUMNS, required={"sample", "feature", "beta"})
        require_nonempty(tab, "sample", what="sample id")
        require_nonempty(tab, "feature", what="feature")
        beta = to_float(tab, "beta", what="beta value", lo=0.0, hi=1.0)
        gene = (np.where(is_missing(tab.df["gene"]), None, tab.df["gene"].str.strip().to_numpy(dtype=object))
                if "gene" in tab.df.columns else None)
        region = _region_values(tab.df["region"]) if "region" in tab.df.columns else None
        out = pd.DataFrame(
            {"sample": tab.df["sample"].str.strip().to_numpy(), "feature": tab.df["feature"].str.strip().to_numpy(),
             "gene": pd.Series(gene, dtype=object) if gene is not None else None, "beta": beta,
             "region": pd.Series(region, dtype=object) if region is not None else None}
        )
        out = out[~np.isnan(beta)].reset_index(drop=True)
        dup = out.duplicated(["sample", "feature"]).to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            raise tab.error(f"duplicated sample/feature {out['sample'].iloc[i]}/{out['feature'].iloc[i]}", row=i)
        out.attrs.update(samples=sorted(pd.unique(out["sample"])), path=str(path))
        return out[["sample", "feature", "gene", "beta", "region"]]
    has_gene = len(header) > 2 and lower[1] in ("gene", "symbol")
    k = 2 if has_gene else 1
    has_region = len(header) > k + 1 and lower[k] in {h.lower() for h in REGION_HEADERS}
    first = k + (1 if has_region else 0)
    tab = read_table(path, data=data, all_columns=True, float_columns=header[first:])
    feature_col = tab.header[0]
    sample_cols = tab.header[first:]
    if not sample_cols:
        raise tab.error("wide methylation table needs at least one sample column")
    require_nonempty(tab, feature_col, what="feature")
    feats = pd.Series(stripped(tab, feature_col).to_pylist(), dtype=object)
    dup = feats.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise tab.error(f"duplicated feature {feats.iloc[i]!r}", row=i, column=feature_col)
    mat = _matrix(tab, sample_cols, "beta value", 0.0, 1.0, allow_missing=True)
    out = long_table(sample_cols, feats.to_numpy(dtype=object), mat, feature_col="feature", value_col="beta")
    if has_gene:
        g = pd.Series(stripped(tab, tab.header[1]).to_pylist(), dtype=object)
        gmap = dict(zip(feats, np.where(is_missing(g), None, g.to_numpy(dtype=object))))
        out["gene"] = out["feature"].map(gmap).astype(object)
    else:
        out["gene"] = None
    if has_region:
        rmap = dict(zip(feats, _region_values(pd.Series(stripped(tab, tab.header[k]).to_pylist(), dtype=object))))
        out["region"] = out["feature"].map(rmap).astype(object)
    else:
        out["region"] = None
    out = out[["sample", "feature", "gene", "beta", "region"]]
    out.attrs.update(samples=list(sample_cols), path=str(path))
    return out


__all__ = ["read_methylation"]
