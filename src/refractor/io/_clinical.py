"""Clinical tables: the Refractor clinical TSV, cBioPortal clinical files, TCGA annotations."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from refractor.errors import InputError
from refractor.io._table import is_missing, read_table, to_float
from refractor.io._attrs import set_attrs

# Canonical column -> accepted header names, first match wins (case-insensitive).
CLINICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "sample": ("sample", "SAMPLE_ID", "sample_id", "Tumor_Sample_Barcode", "PATIENT_ID"),
    "disease": ("disease", "ONCOTREE_CODE", "CANCER_TYPE_DETAILED", "CANCER_TYPE"),
    "subtype": ("subtype", "SUBTYPE", "FAB_classification", "FAB", "WHO_CLASS"),
    "prior_agents": ("prior_agents", "PRIOR_AGENTS"),
    "refractory_agents": ("refractory_agents", "REFRACTORY_AGENTS"),
    "line": ("line", "LINE_OF_THERAPY", "line_of_therapy"),
}

#: largest accepted line of therapy (the HTTP API's limit too)
MAX_LINE = 50
#: cell values that mean "no agent" in an agent list
NO_AGENT = ("na", "none", ".", "n/a", "nan", "null")


def split_agents(value) -> list[str]:
    """Agent names from text or a list, as written: ``"Lenalidomide; bortezomib"`` or
    ``"lenalidomide,bortezomib"`` -> ``["Lenalidomide", "bortezomib"]`` (blanks trimmed, empty
    and NA items dropped). The one splitter used by the clinical reader, the CLI flags and the
    HTTP API; the names are resolved to KB agent ids once, by the knowledge base, when the
    cohort is interpreted (:meth:`refractor.kb.KnowledgeBase.resolve_agents`)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    items = str(value).replace(",", ";").split(";") if isinstance(value, str) else [str(v) for v in value]
    parts = [re.sub(r"\s+", " ", p.strip()) for p in items]
    return [p for p in parts if p and p.lower() not in NO_AGENT]


def check_line(value, **where) -> int | None:
    """A line of therapy as an int in 0..MAX_LINE (None stays None); InputError naming ``where``
    (``path``/``line``/``column`` keywords) otherwise."""
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"line of therapy: {value!r} is not a number", **where) from None
    if not np.isfinite(x) or x != round(x) or not 0 <= x <= MAX_LINE:
        raise InputError(f"line of therapy must be a whole number from 0 to {MAX_LINE}, got {value!r}",
                         **where)
    return int(x)


def read_clinical(path: str | Path, *, columns: dict[str, str] | None = None, disease: str | None = None) -> pd.DataFrame:
    """Read a clinical table into the cohort ``samples`` table.

    Accepts the DESIGN contract (``sample disease subtype prior_agents refractory_agents line``),
    cBioPortal clinical files (``#`` header lines; ``SAMPLE_ID``/``PATIENT_ID``,
    ``ONCOTREE_CODE``/``CANCER_TYPE_DETAILED``/``CANCER_TYPE``, which the knowledge base
    resolves to its disease codes through ``Disease.abbreviations``) and
    annotation files such as maftools' TCGA-LAML ``tcga_laml_annot.tsv``
    (``Tumor_Sample_Barcode`` -> sample, ``FAB_classification`` -> subtype).

    Parameters
    ----------
    columns
        Explicit mapping canonical name -> column in the file, overriding the aliases in
        ``CLINICAL_COLUMNS``, e.g. ``{"sample": "Tumor_Sample_Barcode", "subtype": "FAB_classification"}``.
    disease
        Disease code for every row when the file has no disease column (e.g. ``"AML"``).

    Returns ``sample disease subtype line prior_agents refractory_agents source origin``:
    disease and agent names as written (agents as lists, see :func:`split_agents`), ``line``
    Int64, and per row an ``origin`` dict ``{field: {"path", "line", "column"}}`` (carried into
    :attr:`Cohort.origin <refractor.io.cohort.Cohort.origin>`) so that the
    knowledge base, which resolves the names when the cohort is interpreted, can name the file,
    line and column of an unknown one. Duplicated sample ids -> InputError.
    """
    aliases = dict(CLINICAL_COLUMNS)
    for k, v in (columns or {}).items():
        if k not in aliases:
            raise ValueError(f"unknown clinical column {k!r}; expected one of {', '.join(aliases)}")
        aliases[k] = (v,)
    required = {"sample"} | set(columns or {})
    tab = read_table(path, columns=aliases, required=required, delimiter=None)
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
        st = df["disease"].str.strip()
        dis = [disease if m else v for v, m in zip(st.tolist(), is_missing(st))]
    else:
        dis = [disease] * n
    if "subtype" in df.columns:
        st = df["subtype"].str.strip()
        subtype = np.where(is_missing(st), None, st.to_numpy(dtype=object))
    else:
        subtype = np.array([None] * n, dtype=object)
    if "line" in df.columns:
        ln = to_float(tab, "line", what="line of therapy", lo=0, hi=MAX_LINE)
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
    lines = tab.lines()
    named = [c for c in ("disease", "prior_agents", "refractory_agents") if c in df.columns]
    out["origin"] = [{c: {"path": tab.path, "line": int(lines[i]), "column": tab.actual.get(c, c)}
                      for c in named} for i in range(n)]
    set_attrs(out, samples=out["sample"].tolist(), path=str(path))
    return out


__all__ = ["read_clinical", "split_agents", "check_line", "CLINICAL_COLUMNS", "MAX_LINE"]
