"""Methylation beta values (probe or region level), long or wide."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from refractor.io._expression import _matrix, long_table, peek_header
from refractor.io._source import read_bytes
from refractor.io._table import is_missing, read_table, require_nonempty, stripped, to_float

LONG_COLUMNS = {
    "sample": ("sample", "sample_id"),
    "feature": ("feature", "probe", "probe_id", "region", "cpg"),
    "beta": ("beta", "beta_value"),
    "gene": ("gene", "symbol", "Hugo_Symbol"),
}


def read_methylation(path: str | Path) -> pd.DataFrame:
    """Read beta values into the cohort ``methylation`` table (``sample feature gene beta``).

    Long format: columns ``sample feature beta`` and optional ``gene``.
    Wide format: first column the feature (probe id or region), optional second column
    ``gene``, then one column per sample. Betas must lie in [0, 1]; empty/NA cells are
    unmeasured probes (common on arrays) and are left out, not errors.
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
        out = pd.DataFrame(
            {"sample": tab.df["sample"].str.strip().to_numpy(), "feature": tab.df["feature"].str.strip().to_numpy(),
             "gene": pd.Series(gene, dtype=object) if gene is not None else None, "beta": beta}
        )
        out = out[~np.isnan(beta)].reset_index(drop=True)
        dup = out.duplicated(["sample", "feature"]).to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            raise tab.error(f"duplicated sample/feature {out['sample'].iloc[i]}/{out['feature'].iloc[i]}", row=i)
        out.attrs.update(samples=sorted(pd.unique(out["sample"])), path=str(path))
        return out[["sample", "feature", "gene", "beta"]]
    has_gene = len(header) > 2 and lower[1] in ("gene", "symbol")
    tab = read_table(path, data=data, all_columns=True, float_columns=header[2:] if has_gene else header[1:])
    feature_col = tab.header[0]
    sample_cols = tab.header[2:] if has_gene else tab.header[1:]
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
    out = out[["sample", "feature", "gene", "beta"]]
    out.attrs.update(samples=list(sample_cols), path=str(path))
    return out


__all__ = ["read_methylation"]
