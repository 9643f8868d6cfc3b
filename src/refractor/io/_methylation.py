"""Methylation beta values (probe or region level), long or wide."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from refractor.io._expression import _matrix, check_distinct_samples, long_table, peek_header
from refractor.io._source import read_bytes
from refractor.errors import DataWarning, InputError
from refractor.io._dialect import split_prefix
from refractor.io._table import is_missing, read_table, require_nonempty, stripped, to_float
from refractor.io._attrs import set_attrs

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
    header = peek_header(data, delimiter=None)
    lower = [h.lower() for h in header]
    if "sample" in lower and "beta" in lower or "sample_id" in lower:
        tab = read_table(path, data=data, columns=LONG_COLUMNS, required={"sample", "feature", "beta"}, delimiter=None)
        require_nonempty(tab, "sample", what="sample id")
        require_nonempty(tab, "feature", what="feature")
        beta = to_float(tab, "beta", what="beta value (0-1; not M-values or percent)", lo=0.0, hi=1.0)
        gene = (np.where(is_missing(tab.df["gene"]), None, tab.df["gene"].str.strip().to_numpy(dtype=object))
                if "gene" in tab.df.columns else None)
        region = _region_values(tab.df["region"]) if "region" in tab.df.columns else None
        out = pd.DataFrame(
            {"sample": tab.df["sample"].str.strip().to_numpy(), "feature": tab.df["feature"].str.strip().to_numpy(),
             "gene": pd.Series(gene, dtype=object) if gene is not None else None, "beta": beta,
             "region": pd.Series(region, dtype=object) if region is not None else None}
        )
        measured = np.flatnonzero(~np.isnan(beta))  # file rows kept, for the line of a duplicate
        out = out.iloc[measured].reset_index(drop=True)
        dup = out.duplicated(["sample", "feature"]).to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            raise tab.error(f"duplicated sample/feature {out['sample'].iloc[i]}/{out['feature'].iloc[i]}",
                            row=int(measured[i]))
        set_attrs(out, samples=sorted(pd.unique(out["sample"])), path=str(path))
        return out[["sample", "feature", "gene", "beta", "region"]]
    return _read_wide(path, data, header)


#: annotation columns of manifest-annotated beta matrices (Illumina 450k/EPIC manifest names and
#: plain ones): never samples
GENE_HEADERS = ("gene", "symbol", "gene_symbol", "ucsc_refgene_name", "genes")
ANNOTATION_HEADERS = set(GENE_HEADERS) | {h.lower() for h in REGION_HEADERS} | {
    "chr", "chrom", "chromosome", "mapinfo", "pos", "position", "start", "end", "strand",
    "relation_to_ucsc_cpg_island", "ucsc_cpg_islands_name", "ucsc_refgene_accession", "probe_type",
    "infinium_design_type", "color_channel", "genome_build", "ilmnid", "name"}
_SAMPLE_SUFFIXES = (".AVG_Beta", "_AVG_Beta", ".Beta", "_Beta", "_beta")
_BETA_HINTS = dict(below_hint=" (M-values? convert with beta = 2^M / (2^M + 1))",
                   above_hint=" (percent methylation? divide by 100)")


def _sample_name(col: str) -> str:
    """GenomeStudio names beta columns ``<sample>.AVG_Beta``: the sample is ``<sample>``."""
    for suf in _SAMPLE_SUFFIXES:
        if col.endswith(suf) and len(col) > len(suf):
            return col[: -len(suf)]
    return col


def _read_wide(path, data: bytes, header: list[str]) -> pd.DataFrame:
    lower = [h.lower() for h in header]
    gene_i = next((i for i in range(1, len(header)) if lower[i] in GENE_HEADERS), None)
    region_i = next((i for i in range(1, len(header)) if lower[i] in {h.lower() for h in REGION_HEADERS}), None)
    detection = [h for h in header[1:] if "detection" in h.lower() or "pval" in h.lower().replace("-", "")
                 or "p_value" in h.lower()]
    sample_cols = [h for i, h in enumerate(header) if i > 0 and lower[i] not in ANNOTATION_HEADERS
                   and h not in detection]
    _, hline = split_prefix(data, 0, "#")
    names = list(header)
    if len(set(names)) != len(names):  # GEO series matrices repeat "Detection Pval" after each sample
        seen: dict[str, int] = {}
        for i, h in enumerate(names):
            if h in seen and h in detection:
                names[i] = f"{h}#{i}"
            seen.setdefault(h, i)
    tab = read_table(path, data=data, all_columns=True, float_columns=sample_cols, delimiter=None,
                     names=names, skip_lines=hline)
    feature_col = names[0]
    if not sample_cols:
        raise InputError("wide methylation table needs at least one sample (beta value) column",
                         path=str(path), line=hline)
    require_nonempty(tab, feature_col, what="feature")
    feats = pd.Series(stripped(tab, feature_col).to_pylist(), dtype=object)
    dup = feats.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise tab.error(f"duplicated feature {feats.iloc[i]!r}", row=i, column=feature_col)
    mat = _matrix(tab, sample_cols, "beta value", 0.0, 1.0, allow_missing=True, **_BETA_HINTS)
    if detection:
        mat = _mask_failed(tab, names, sample_cols, mat, path)
    samples = [_sample_name(c) for c in sample_cols]
    check_distinct_samples(samples, sample_cols, tab, line=hline)
    out = long_table(samples, feats.to_numpy(dtype=object), mat, feature_col="feature", value_col="beta")
    genes = (pd.Series(stripped(tab, names[gene_i]).to_pylist(), dtype=object) if gene_i is not None else None)
    regions = (pd.Series(stripped(tab, names[region_i]).to_pylist(), dtype=object) if region_i is not None else None)
    out = _annotate(out, feats, genes, regions)
    if len(out) and out["gene"].isna().all():
        warnings.warn(DataWarning(f"{path}: no probe carries a gene annotation, so gene-level methylation rules "
                                  "cannot read this file (only rules naming a feature id can); add the Illumina "
                                  "manifest's UCSC_RefGene_Name and UCSC_RefGene_Group columns"), stacklevel=3)
    set_attrs(out, samples=samples, path=str(path))
    return out


#: ASSUMED (conventional array QC, not from a Refractor source): a beta whose detection p-value
#: exceeds 0.01 is not distinguishable from background and is treated as unmeasured.
DETECTION_P_MAX = 0.01


def _mask_failed(tab, names: list[str], sample_cols: list[str], mat: np.ndarray, path) -> np.ndarray:
    """Blank the betas whose detection p-value (the column after the sample's, as GenomeStudio and
    GEO series matrices write them) exceeds :data:`DETECTION_P_MAX`."""
    pos = {h: i for i, h in enumerate(names)}
    masked = 0
    for j, c in enumerate(sample_cols):
        i = pos[c] + 1
        if i < len(names) and names[i] not in sample_cols and ("detection" in names[i].lower() or "pval" in names[i].lower()):
            p = _matrix(tab, [names[i]], "detection p-value", 0.0, 1.0, allow_missing=True)[:, 0]
            bad = (p > DETECTION_P_MAX) & ~np.isnan(mat[:, j])
            masked += int(bad.sum())
            mat[bad, j] = np.nan
    warnings.warn(DataWarning(f"{path}: detection p-value columns read; {masked} beta value(s) with detection "
                              f"p > {DETECTION_P_MAX:g} treated as unmeasured"), stacklevel=4)
    return mat


def _annotate(out: pd.DataFrame, feats: pd.Series, genes: pd.Series | None, regions: pd.Series | None) -> pd.DataFrame:
    """Gene and region per probe. Illumina manifests list a probe's genes and groups as parallel
    ``;`` lists (``UCSC_RefGene_Name`` ``TRNT1;CRBN``, ``UCSC_RefGene_Group`` ``Body;TSS200``): such a
    probe gives one row per distinct gene, with that gene's groups."""
    n = len(feats)
    g = np.where(is_missing(genes), None, genes.str.strip().to_numpy(dtype=object)) if genes is not None else np.full(n, None)
    r = np.where(is_missing(regions), None, regions.str.strip().to_numpy(dtype=object)) if regions is not None else np.full(n, None)
    multi = np.array([isinstance(x, str) and ";" in x for x in g], dtype=bool)
    if not multi.any():
        gmap, rmap = dict(zip(feats, g)), dict(zip(feats, r))
        out["gene"] = out["feature"].map(gmap).astype(object)
        out["region"] = out["feature"].map(rmap).astype(object)
        return out[["sample", "feature", "gene", "beta", "region"]]
    fs, gs, rs = [], [], []
    for i in np.flatnonzero(multi):
        gl = [x.strip() for x in g[i].split(";")]
        rl = [x.strip() for x in r[i].split(";")] if r[i] is not None else []
        by_gene: dict[str, list[str]] = {}
        for k, gene in enumerate(gl):
            if gene:
                grp = by_gene.setdefault(gene, [])
                if k < len(rl) and rl[k] and rl[k] not in grp:
                    grp.append(rl[k])
        for gene, grp in (by_gene.items() or [(None, [r[i]] if r[i] else [])]):
            fs.append(feats.iloc[i]), gs.append(gene), rs.append(";".join(grp) or None)
    single = ~multi
    ann = pd.DataFrame({"feature": np.concatenate([feats.to_numpy(dtype=object)[single], np.asarray(fs, dtype=object)]),
                        "gene": np.concatenate([g[single], np.asarray(gs, dtype=object)]),
                        "region": np.concatenate([r[single], np.asarray(rs, dtype=object)])})
    out = out.drop(columns=[c for c in ("gene", "region") if c in out.columns]).merge(ann, on="feature", how="left",
                                                                                      sort=False)
    return out[["sample", "feature", "gene", "beta", "region"]]


__all__ = ["read_methylation"]
