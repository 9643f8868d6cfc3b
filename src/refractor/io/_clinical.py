"""Clinical tables: the Refractor clinical TSV, cBioPortal clinical files, TCGA annotations."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from refractor.io._table import is_missing, read_table, to_float

# Canonical column -> accepted header names, first match wins (case-insensitive).
CLINICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "sample": ("sample", "SAMPLE_ID", "sample_id", "Tumor_Sample_Barcode", "PATIENT_ID"),
    "disease": ("disease", "ONCOTREE_CODE", "CANCER_TYPE_DETAILED", "CANCER_TYPE"),
    "subtype": ("subtype", "SUBTYPE", "FAB_classification", "FAB", "WHO_CLASS"),
    "prior_agents": ("prior_agents", "PRIOR_AGENTS"),
    "refractory_agents": ("refractory_agents", "REFRACTORY_AGENTS"),
    "line": ("line", "LINE_OF_THERAPY", "line_of_therapy"),
}

# Disease names seen in clinical files (ONCOTREE codes, cBioPortal CANCER_TYPE(_DETAILED)) ->
# the KB's short disease codes. Unlisted values are kept as written.
DISEASE_CODES = {
    "aml": "AML", "acute myeloid leukemia": "AML", "laml": "AML",
    "mm": "MM", "pcm": "MM", "plasma cell myeloma": "MM", "multiple myeloma": "MM",
    "cll": "CLL", "cllsll": "CLL", "chronic lymphocytic leukemia": "CLL",
    "chronic lymphocytic leukemia/small lymphocytic lymphoma": "CLL",
    "dlbcl": "DLBCL", "dlbclnos": "DLBCL", "diffuse large b-cell lymphoma": "DLBCL",
    "diffuse large b-cell lymphoma, nos": "DLBCL",
    "mcl": "MCL", "mantle cell lymphoma": "MCL",
}


def disease_code(value: str | None) -> str | None:
    """KB short code for a disease name (``Acute Myeloid Leukemia`` -> ``AML``); unknown kept."""
    if value is None:
        return None
    v = value.strip()
    if not v or v in ("NA", "."):
        return None
    return DISEASE_CODES.get(v.lower(), v)


def split_agents(value) -> list[str]:
    """Agent ids from text or a list: ``"Lenalidomide; bortezomib"`` or ``"lenalidomide,
    bortezomib"`` -> ``["lenalidomide", "bortezomib"]`` (KB slugs: lower case, inner blanks as
    ``-``). The one normalisation used by the clinical reader, the CLI flags and the HTTP API."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    items = str(value).replace(",", ";").split(";") if isinstance(value, str) else [str(v) for v in value]
    parts = [re.sub(r"\s+", "-", p.strip().lower()) for p in items]
    return [p for p in parts if p and p not in ("na", "none", ".")]


def read_clinical(path: str | Path, *, columns: dict[str, str] | None = None, disease: str | None = None) -> pd.DataFrame:
    """Read a clinical table into the cohort ``samples`` table.

    Accepts the DESIGN contract (``sample disease subtype prior_agents refractory_agents line``),
    cBioPortal clinical files (``#`` header lines; ``SAMPLE_ID``/``PATIENT_ID``,
    ``ONCOTREE_CODE``/``CANCER_TYPE_DETAILED``/``CANCER_TYPE`` mapped to KB disease codes) and
    annotation files such as maftools' TCGA-LAML ``tcga_laml_annot.tsv``
    (``Tumor_Sample_Barcode`` -> sample, ``FAB_classification`` -> subtype).

    Parameters
    ----------
    columns
        Explicit mapping canonical name -> column in the file, overriding the aliases in
        ``CLINICAL_COLUMNS``, e.g. ``{"sample": "Tumor_Sample_Barcode", "subtype": "FAB_classification"}``.
    disease
        Disease code for every row when the file has no disease column (e.g. ``"AML"``).

    Returns ``sample disease subtype line prior_agents refractory_agents`` (agents as lists of
    lower-case slugs, ``line`` Int64). Duplicated sample ids -> InputError.
    """
    aliases = dict(CLINICAL_COLUMNS)
    for k, v in (columns or {}).items():
        if k not in aliases:
            raise ValueError(f"unknown clinical column {k!r}; expected one of {', '.join(aliases)}")
        aliases[k] = (v,)
    required = {"sample"} | set(columns or {})
    tab = read_table(path, columns=aliases, required=required)
    df = tab.df
    samples = df["sample"].str.strip()
    miss = is_missing(samples)
    if miss.any():
        raise tab.error("sample id is empty", row=int(np.flatnonzero(miss)[0]), column="sample")
    dup = samples.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise tab.error(f"duplicated sample id {samples.iloc[i]!r}", row=i, column="sample")
    n = len(df)
    if "disease" in df.columns:
        dis = [disease_code(v) for v in df["disease"].tolist()]
        dis = [d if d is not None else disease for d in dis]
    else:
        dis = [disease] * n
    if "subtype" in df.columns:
        st = df["subtype"].str.strip()
        subtype = np.where(is_missing(st), None, st.to_numpy(dtype=object))
    else:
        subtype = np.array([None] * n, dtype=object)
    if "line" in df.columns:
        ln = to_float(tab, "line", what="line of therapy", lo=0)
        frac = ~np.isnan(ln) & (ln != np.round(ln))
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise tab.error("line of therapy must be an integer", row=i, column="line")
        line = pd.array([None if np.isnan(x) else int(x) for x in ln], dtype="Int64")
    else:
        line = pd.array([pd.NA] * n, dtype="Int64")
    prior = [split_agents(v) for v in df["prior_agents"].tolist()] if "prior_agents" in df.columns else [[] for _ in range(n)]
    refr = [split_agents(v) for v in df["refractory_agents"].tolist()] if "refractory_agents" in df.columns else [[] for _ in range(n)]
    out = pd.DataFrame(
        {"sample": samples.to_numpy(dtype=object), "disease": pd.Series(dis, dtype=object), "subtype": pd.Series(list(subtype), dtype=object),
         "line": line, "prior_agents": prior, "refractory_agents": refr}
    )
    out["source"] = tab.sources()
    out.attrs.update(samples=out["sample"].tolist(), path=str(path))
    return out


__all__ = ["read_clinical", "disease_code", "split_agents", "CLINICAL_COLUMNS", "DISEASE_CODES"]
