"""Copy-number segments (CBS/DNAcopy style) -> gene-level log2 ratios with the shipped gene table."""
from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from refractor.errors import InputError
from refractor.io._limits import IOLimits
from refractor.errors import DataWarning
from refractor.io._expression import peek_header
from refractor.io._source import read_bytes
from refractor.io._table import read_table, require_nonempty, to_float, to_int
from refractor.io._coords import check_within_chromosomes, require_primary_chromosomes
from refractor.reference import DEFAULT_BUILD, agree, chrom_sizes, gene_table, normalise_chrom, resolve_build
from refractor.reference._builds import CHROM_ORDER
from refractor.io._attrs import set_attrs

_NCHROM = 32
_SHIFT = 30  # positions < 2**30 bp (chr1 is 248.9 Mb)

SEG_COLUMNS: dict[str, tuple[str, ...]] = {
    "sample": ("ID", "Sample", "sample", "Tumor_Sample_Barcode", "sample_id", "GDC_Aliquot", "sampleID"),
    "chrom": ("chrom", "Chromosome", "chr", "chromosome", "CONTIG"),
    "start": ("loc.start", "Start", "Start.bp", "start", "Start_Position", "startpos", "start.pos"),
    "end": ("loc.end", "End", "End.bp", "end", "End_Position", "endpos", "end.pos"),
    "num_mark": ("num.mark", "Num_Probes", "Num.Markers", "num_probes", "num.markers", "NUM_POINTS_COPY_RATIO",
                 "probes"),
    # log2 copy ratio: CBS/DNAcopy, GDC, GATK CallCopyRatioSegments / ModelSegments (posterior median), CNVkit
    "value": ("seg.mean", "Segment_Mean", "Seg.CN", "seg_mean", "log2_ratio", "log2", "MEAN_LOG2_COPY_RATIO",
              "LOG2_COPY_RATIO_POSTERIOR_50"),
    # absolute (integer) copy number, used only without a log2 column: GDC ASCAT, PURPLE, CNVkit call
    "copies": ("Copy_Number", "copyNumber", "total_cn", "tcn.em", "cn"),
    "major": ("nMajor", "Major_Copy_Number"),
    "minor": ("nMinor", "Minor_Copy_Number"),
}
#: ASSUMED: log2 ratio given to a homozygous deletion (0 copies has no finite log2 ratio); any
#: value at or below -1 reads as a deep loss, and -5 lies below every copy-number threshold.
ZERO_COPY_LOG2 = -5.0


def _file_header(data: bytes, path: str) -> tuple[str | None, str | None, int]:
    """GATK's SAM-style ``@`` header: (``@RG SM`` sample, build from ``@SQ`` lengths, lines)."""
    sample, lengths, n = None, {}, 0
    for ln in data.split(b"\n"):
        if not ln.startswith(b"@"):
            break
        n += 1
        cells = dict(c.split(":", 1) for c in ln.decode("utf-8", "replace").split("\t")[1:] if ":" in c)
        if ln.startswith(b"@RG") and "SM" in cells:
            sample = cells["SM"].strip()
        elif ln.startswith(b"@SQ") and "SN" in cells and "LN" in cells and cells["LN"].isdigit():
            lengths[normalise_chrom(cells["SN"])] = int(cells["LN"])
    builds = {b for b in ("GRCh38", "GRCh37")
              if any(chrom_sizes(b).get(c) == ln for c, ln in lengths.items() if c not in ("chrM", "chrX", "chrY"))}
    return sample, (builds.pop() if len(builds) == 1 else None), n


def declared_segment_build(path: str | Path, limits: IOLimits | None = None) -> str | None:
    """The build a segment file declares (GATK ``@SQ`` sequence lengths), or ``None``."""
    data = read_bytes(path, limits=limits)
    return _file_header(data, str(path))[1] if data.startswith(b"@") else None


def _file_sample(path: str | Path) -> str:
    name = Path(path).name
    for suf in (".gz", ".cns", ".cnr", ".call", ".seg", ".called", ".modelFinal", ".cr", ".txt", ".tsv"):
        if name.endswith(suf) and len(name) > len(suf):
            name = name[: -len(suf)]
    return name


def read_segment_table(path: str | Path, *, build: str | None = None, limits: IOLimits | None = None) -> pd.DataFrame:
    """Validated segments: ``sample chrom start end value line`` (1-based inclusive bp, log2 ratio).

    Layouts: CBS/DNAcopy and IGV ``.seg``, GDC copy-number segments (``GDC_Aliquot``), GATK
    ``.cr.seg``/``.called.seg``/``.modelFinal.seg`` (``@`` header: sample from ``@RG SM``, build
    from ``@SQ`` lengths; value ``MEAN_LOG2_COPY_RATIO`` or ``LOG2_COPY_RATIO_POSTERIOR_50``),
    CNVkit ``.cns``/``.cnr`` (0-based starts, +1 here; ``log2``; sample from the file name) and
    absolute copy number without a log2 column (ASCAT ``nMajor``+``nMinor``, GDC ASCAT
    ``Copy_Number``, ``total_cn``): log2(CN / 2), CN 0 -> :data:`ZERO_COPY_LOG2`, with a
    :class:`DataWarning` that ploidy is not taken into account.
    With ``build``, every segment must end within its chromosome (lengths from
    :func:`refractor.reference.chrom_sizes`) and a GATK ``@SQ`` build must agree with it.
    """
    spath = str(path)
    data = read_bytes(path, limits=limits)
    sm, declared, n_at = _file_header(data, spath) if data.startswith(b"@") else (None, None, 0)
    if declared and build is not None:
        agree([(declared, "segment file @SQ lengths", dict(path=spath))], requested=resolve_build(build, path=path))
    head = [h.lower() for h in peek_header(data, skip_lines=n_at, delimiter=None)]
    cnvkit = {"chromosome", "start", "end", "log2"} <= set(head) and bool({"probes", "weight", "depth", "gene"} & set(head))
    file_sample = sm or (_file_sample(path) if cnvkit or "contig" in head else None)
    tab = read_table(path, data=data, columns=SEG_COLUMNS, required={"chrom", "start", "end"} | (
        set() if file_sample else {"sample"}), skip_lines=n_at, delimiter=None, limits=limits)
    if not tab.has("value") and not tab.has("copies") and not (tab.has("major") and tab.has("minor")):
        raise tab.error("no copy-number column: expected a log2 ratio (seg.mean, Segment_Mean, log2, "
                        "MEAN_LOG2_COPY_RATIO ...) or absolute copy number (nMajor+nMinor, Copy_Number, total_cn)",
                        column="seg.mean")
    if tab.has("sample"):
        require_nonempty(tab, "sample", what="sample id")
        samples = tab.df["sample"].str.strip().to_numpy()
    else:
        samples = np.full(len(tab), file_sample, dtype=object)
    require_nonempty(tab, "chrom", what="chromosome")
    start = to_int(tab, "start", what="segment start", lo=0)
    if cnvkit:
        start = start + 1  # CNVkit writes BED-style 0-based, half-open intervals
    end = to_int(tab, "end", what="segment end", lo=0)
    bad = end < start
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise tab.error(f"segment end {end[i]} is before start {start[i]}", row=i, column="end")
    if "num_mark" in tab.df.columns:
        to_float(tab, "num_mark", what="number of markers", lo=0)
    if tab.has("value"):
        value = to_float(tab, "value", what="segment mean (log2 ratio)", allow_missing=True)
    else:
        if tab.has("copies"):
            copies = to_float(tab, "copies", what="absolute copy number", lo=0)
        else:
            copies = (to_float(tab, "major", what="major-allele copy number", lo=0)
                      + to_float(tab, "minor", what="minor-allele copy number", lo=0))
        with np.errstate(divide="ignore"):
            value = np.where(copies > 0, np.log2(copies / 2.0), ZERO_COPY_LOG2)
        value[np.isnan(copies)] = np.nan
        warnings.warn(DataWarning(f"{spath}: absolute copy number converted to log2(CN / 2) against a diploid "
                                  f"genome (sample ploidy not taken into account; 0 copies -> {ZERO_COPY_LOG2:g})"),
                      stacklevel=3)
    chrom = normalise_chrom(tab.df["chrom"].str.strip()).to_numpy()
    require_primary_chromosomes(tab, chrom, column="chrom", what="segment")
    if build is not None:
        check_within_chromosomes(tab, chrom, end, resolve_build(build, path=path), column="end", what="segment end")
    out = pd.DataFrame({"sample": samples, "chrom": chrom, "start": start, "end": end, "value": value,
                        "line": tab.lines()})
    out.attrs["file_sample"] = file_sample is not None
    return out


def _string_source(path: str, first: np.ndarray, last: np.ndarray) -> pd.Categorical:
    """``path:first-last`` per row, as a Categorical: few distinct values over millions of rows."""
    code = (first.astype(np.int64) << 32) | last.astype(np.int64)
    idx, uniq = pd.factorize(code)
    texts = [
        f"{path}:{f}" if f == la else f"{path}:{f}-{la}"
        for f, la in zip((uniq >> 32).tolist(), (uniq & 0xFFFFFFFF).tolist())
    ]
    return pd.Categorical.from_codes(idx, categories=pd.Index(texts, dtype=object))


def gene_level(
    segs: pd.DataFrame, *, build: str, genes: Iterable[str] | None, path: str, span: str = "canonical"
) -> pd.DataFrame:
    """Length-weighted mean log2 ratio of the segments overlapping each gene.

    For gene g and sample s: sum(seg.mean * overlap_bp) / sum(overlap_bp) over the segments
    of s overlapping g's span (``start``..``end`` of the canonical transcript, or the whole
    locus with ``span="locus"``). Segments with a missing mean count as not measured; genes
    no segment touches get no row. Chosen over "segment at the gene midpoint" because a
    focal deletion inside a gene (e.g. a CRBN exon) still moves the gene's value.

    Vectorised: segments are laid on one int64 axis (sample, chromosome, position), the
    length-weighted integral is a cumulative sum, and each (sample, gene) value is a
    difference of two ``searchsorted`` look-ups. Overlapping segments of one sample are an
    error (the integral would double count).
    """
    gt = gene_table(build)
    if genes is not None:
        gt = gt[gt["gene"].isin(list(dict.fromkeys(genes)))]
    if span == "locus":
        gt = gt.assign(start=gt["locus_start"], end=gt["locus_end"])
    sg = segs[~np.isnan(segs["value"].to_numpy())]
    chrom_code = sg["chrom"].map(CHROM_ORDER)
    sg = sg[chrom_code.notna().to_numpy()]
    chrom_code = chrom_code[chrom_code.notna()].to_numpy(dtype=np.int64)
    scode, suniq = pd.factorize(sg["sample"], sort=True)
    key = scode.astype(np.int64) * _NCHROM + chrom_code
    start, end = sg["start"].to_numpy(np.int64), sg["end"].to_numpy(np.int64)
    order = np.lexsort((start, key))
    key, start, end = key[order], start[order], end[order]
    value, lines = sg["value"].to_numpy(float)[order], sg["line"].to_numpy(np.int64)[order]
    clash = (key[1:] == key[:-1]) & (start[1:] <= end[:-1])
    if clash.any():
        i = int(np.flatnonzero(clash)[0]) + 1
        raise InputError(
            f"segment overlaps the previous segment of sample {suniq[key[i] // _NCHROM]} on the same chromosome",
            path=path, line=int(lines[i]),
        )
    S, E = (key << _SHIFT) + start, (key << _SHIFT) + end
    seglen = (end - start + 1).astype(float)
    cumW = np.concatenate(([0.0], np.cumsum(value * seglen)))
    cumL = np.concatenate(([0.0], np.cumsum(seglen)))

    def integral(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weighted and plain covered length up to position x (inclusive); j = last segment starting <= x."""
        j = np.searchsorted(S, x, side="right") - 1
        ok = j >= 0
        jj = np.where(ok, j, 0)
        part = np.where(ok, np.minimum(x, E[jj]) - S[jj] + 1, 0).astype(float)
        return np.where(ok, cumW[jj] + value[jj] * part, 0.0), np.where(ok, cumL[jj] + part, 0.0), jj

    gchrom = gt["chrom"].map(CHROM_ORDER)
    gt = gt[gchrom.notna().to_numpy()].assign(_c=gchrom[gchrom.notna()].astype("int64"))
    gt = gt.sort_values(["_c", "start"], kind="stable")  # queries in axis order: cache-friendly searchsorted
    gchrom = gt["_c"].to_numpy(dtype=np.int64)
    gstart, gend = gt["start"].to_numpy(np.int64), gt["end"].to_numpy(np.int64)
    gnames = gt["gene"].to_numpy(dtype=object)
    ns, ng = len(suniq), len(gt)
    rows_s, rows_g, vals, firsts, lasts = [], [], [], [], []
    chunk = max(1, 1_000_000 // max(ng, 1))  # bound temporary memory to ~1 M queries per pass
    gidx = np.arange(ng, dtype=np.int32)
    for s0 in range(0, ns, chunk):
        sc = np.arange(s0, min(ns, s0 + chunk), dtype=np.int64)
        qkey = ((sc[:, None] * _NCHROM + gchrom[None, :]) << _SHIFT).ravel()
        a = qkey + np.tile(gstart, len(sc))
        b = qkey + np.tile(gend, len(sc))
        wb, lb, jb = integral(b)
        wa, la, ja = integral(a - 1)
        cov = lb - la
        hit = cov > 0
        ja, jb, ah = ja[hit], jb[hit], a[hit]
        jfirst = np.where((E[ja] >= ah) & (S[ja] <= ah), ja, ja + 1)  # first segment overlapping the gene
        rows_s.append(np.repeat(sc.astype(np.int32), ng)[hit])
        rows_g.append(np.tile(gidx, len(sc))[hit])
        vals.append((wb - wa)[hit] / cov[hit])
        firsts.append(lines[np.minimum(jfirst, len(lines) - 1)])
        lasts.append(lines[jb])
    if not vals:
        return pd.DataFrame({"sample": pd.Series(dtype=str), "gene": pd.Series(dtype=str),
                             "log2_ratio": pd.Series(dtype=float), "source": pd.Series(dtype=str)})
    rs, rg = np.concatenate(rows_s), np.concatenate(rows_g)
    first, last = np.concatenate(firsts), np.concatenate(lasts)
    table = pa.table(
        {
            "sample": pc.take(pa.array(np.asarray(suniq, dtype=object), type=pa.string()), pa.array(rs)),
            "gene": pc.take(pa.array(gnames, type=pa.string()), pa.array(rg)),
            "log2_ratio": pa.array(np.concatenate(vals), type=pa.float64()),
        }
    )
    out = table.to_pandas()
    out["source"] = _string_source(path, first, last)
    return out


def read_segments(
    path: str | Path,
    *,
    build: str | None = None,
    genes: Iterable[str] | None = None,
    span: str = "canonical",
    samples: Iterable[str] | None = None,
    limits: IOLimits | None = None,
) -> pd.DataFrame:
    """Read a segment file into the cohort ``copy_number`` table (gene-level log2 ratios).

    Parameters
    ----------
    path
        Segments with columns ``ID chrom loc.start loc.end num.mark seg.mean`` (also accepted:
        ``Sample/Chromosome/Start/End/Num_Probes/Segment_Mean``, ``Start.bp/End.bp/Seg.CN``, GDC,
        GATK, CNVkit and ASCAT layouts: see :func:`read_segment_table`). Coordinates 1-based
        inclusive (bp) except CNVkit's; ``seg.mean`` is a log2 copy ratio.
    build
        Genome build of the coordinates. Only GATK files declare one (``@SQ`` lengths, used when
        ``build`` is not given); otherwise the default is GRCh38 — pass ``"GRCh37"`` for hg19 data.
    genes
        Restrict to these genes (default: every gene in the shipped table). Restricting keeps
        large cohorts small (10,000 samples x 19,000 genes would be 190 M rows).
    samples
        Compute gene values only for these samples (``attrs["samples"]`` still lists all).
    span
        ``"canonical"`` (MANE Select transcript span, default) or ``"locus"`` (whole gene locus).

    Returns
    -------
    DataFrame ``sample gene log2_ratio source`` (``source`` = ``path:first-last segment line``,
    a pandas Categorical because millions of rows share a few thousand values);
    ``attrs``: ``build``, ``samples`` (every sample with segments), ``path``.
    """
    b = resolve_build(build, default=None, path=path) or declared_segment_build(path, limits=limits) or DEFAULT_BUILD
    if span not in ("canonical", "locus"):
        raise ValueError("span must be 'canonical' or 'locus'")
    segs = read_segment_table(path, build=b, limits=limits)
    all_samples = sorted(pd.unique(segs["sample"]))
    if samples is not None:
        segs = segs[segs["sample"].isin(set(samples))]
    out = gene_level(segs, build=b, genes=genes, path=str(path), span=span)
    set_attrs(out, build=b, samples=all_samples, path=str(path), declared_build=build is not None)
    return out


__all__ = ["read_segments", "read_segment_table", "gene_level", "declared_segment_build", "SEG_COLUMNS",
           "ZERO_COPY_LOG2"]
