"""Splicing: STAR ``SJ.out.tab`` junction counts -> exon-skipping PSI, and PSI tables."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from refractor.errors import InputError
from refractor.io._coords import check_within_chromosomes, require_primary_chromosomes
from refractor.io._table import read_table, require_nonempty, to_float, to_int
from refractor.reference import exon_skipping_junctions, normalise_chrom, resolve_build
from refractor.io._attrs import set_attrs

SJ_NAMES = ["chrom", "intron_start", "intron_end", "strand", "motif", "annotated", "unique_reads", "multi_reads", "overhang"]
# (gene, skipped exon) events computed from junction files; every splicing biomarker rule of the
# KB must have its event here (tests/io/test_io_splicing.py checks it, so the two cannot drift).
# CRBN exon 10 skipping: the in-frame 132-bp exon encoding part of the IMiD-binding domain
# (reference/README worked example). CD19 exon 2 skipping: the CD19 isoform lacking the CAR-T
# epitope after CD19 CAR-T therapy (Sotillo et al. 2015, PMID 26516065; KB biomarkers/gaps2.yaml).
DEFAULT_EVENTS: tuple[tuple[str, int], ...] = (("CRBN", 10), ("CD19", 2))


def event_name(exon: int) -> str:
    return f"exon{exon}_skipping"


def read_junctions(
    path: str | Path, *, sample: str, build: str | None = None, events: Sequence[tuple[str, int]] = DEFAULT_EVENTS
) -> pd.DataFrame:
    """Exon-skipping PSI for one sample from a STAR ``SJ.out.tab`` file.

    PSI = skip / (skip + mean(inclusion_upstream, inclusion_downstream)), using column 7
    (uniquely mapped reads) of the junctions whose columns 2-3 equal the skip junction
    (exon k-1 -> k+1) and the two inclusion junctions, derived from the shipped exon table
    for ``build`` (default GRCh38). A file with no read at any of these junctions on ``build``
    but reads at the other build's is an InputError (aligned to the other build), never a
    silent "no informative junction". Strand (column 4) must be 0 (undefined) or the gene's.
    ``reads`` = skip + both inclusion counts (total informative reads). With no informative
    read the row is still written, with ``psi`` NaN and ``reads`` 0, so the event reads as
    measured-but-uninformative rather than absent.

    Returns the cohort ``splicing`` table (``sample gene event psi reads source``).
    """
    b = resolve_build(build, path=path)
    tab = read_table(path, names=SJ_NAMES, columns={n: (n,) for n in SJ_NAMES}, required=set(SJ_NAMES), comment="#")
    require_nonempty(tab, "chrom", what="chromosome")
    start = to_int(tab, "intron_start", what="intron start (column 2)", lo=1)
    end = to_int(tab, "intron_end", what="intron end (column 3)", lo=1)
    strand = to_int(tab, "strand", what="strand (column 4)", lo=0)
    if (strand > 2).any():
        i = int(np.flatnonzero(strand > 2)[0])
        raise tab.error("strand (column 4) must be 0, 1 or 2", row=i, column="strand")
    for c in ("motif", "annotated", "multi_reads", "overhang"):
        to_int(tab, c, what=c, lo=0)
    uniq = to_int(tab, "unique_reads", what="unique reads (column 7)", lo=0)
    if (end < start).any():
        i = int(np.flatnonzero(end < start)[0])
        raise tab.error("intron end before intron start", row=i, column="intron_end")
    chrom = normalise_chrom(tab.df["chrom"].str.strip()).to_numpy(dtype=object)
    require_primary_chromosomes(tab, chrom, column="chrom", what="junction")
    check_within_chromosomes(tab, chrom, end, b, column="intron_end", what="intron end (column 3)")
    lines = tab.lines()

    def count(junc, want_strand: int) -> tuple[int, list[int]]:
        m = (chrom == junc.chrom) & (start == junc.start) & (end == junc.end) & ((strand == 0) | (strand == want_strand))
        return int(uniq[m].sum()), lines[m].tolist()

    def informative(build: str) -> int:
        total = 0
        for gene, exon in events:
            j = exon_skipping_junctions(gene, exon, build)
            ws = 1 if j.skip.strand == "+" else 2
            total += sum(count(x, ws)[0] for x in (j.skip, j.inclusion_upstream, j.inclusion_downstream))
        return total

    if informative(b) == 0 and len(tab):
        other = "GRCh37" if b == "GRCh38" else "GRCh38"
        n = informative(other)
        if n:
            raise InputError(f"no read at the {b} junctions of {', '.join(g for g, _ in events)}, but {n} read(s) at "
                             f"their {other} junctions: the file was aligned to {other}; give build {other} "
                             "(samplesheet build column / --build)", path=str(path))
    rows = []
    for gene, exon in events:
        j = exon_skipping_junctions(gene, exon, b)
        want_strand = 1 if j.skip.strand == "+" else 2
        skip, l1 = count(j.skip, want_strand)
        inc_up, l2 = count(j.inclusion_upstream, want_strand)
        inc_down, l3 = count(j.inclusion_downstream, want_strand)
        inc = (inc_up + inc_down) / 2.0
        psi = skip / (skip + inc) if (skip + inc) > 0 else np.nan
        used = sorted(l1 + l2 + l3)
        src = f"{path}:" + (",".join(map(str, used)) if used else "no informative junction")
        rows.append((sample, gene, event_name(exon), psi, skip + inc_up + inc_down, src))
    out = pd.DataFrame(rows, columns=["sample", "gene", "event", "psi", "reads", "source"])
    out["reads"] = out["reads"].astype("Int64")
    set_attrs(out, build=b, samples=[sample], path=str(path))
    return out


PSI_COLUMNS = {
    "sample": ("sample", "sample_id", "SAMPLE_ID"),
    "gene": ("gene", "Hugo_Symbol", "symbol"),
    "event": ("event", "event_id"),
    "psi": ("psi", "PSI"),
    "reads": ("reads", "total_reads", "n_reads"),
}


def read_psi(path: str | Path, *, build: str | None = None) -> pd.DataFrame:
    """A PSI table (``sample gene event psi`` [``reads``]) -> cohort ``splicing`` table.

    ``psi`` must be a number in [0, 1] (NA is an error: leave the row out instead);
    ``reads`` optional non-negative integer. An rMATS ``SE.MATS.JC.txt`` file is recognised by
    its header and read by :func:`refractor.io._rmats.read_rmats`, a LeafCutter
    ``*_perind.counts`` / ``*_perind_numers.counts`` table by its row names and read by
    :func:`refractor.io._leafcutter.read_leafcutter` (coordinates on ``build``).
    """
    from refractor.io._expression import peek_header
    from refractor.io._leafcutter import is_leafcutter, read_leafcutter
    from refractor.io._rmats import is_rmats, read_rmats
    from refractor.io._source import read_bytes

    data = read_bytes(path)
    if is_leafcutter(data):
        return read_leafcutter(path, build=build, data=data)
    if is_rmats(peek_header(data, delimiter=None)):
        return read_rmats(path, build=build)
    tab = read_table(path, data=data, columns=PSI_COLUMNS, required={"sample", "gene", "event", "psi"},
                     delimiter=None)
    for c in ("sample", "gene", "event"):
        require_nonempty(tab, c, what=c)
    psi = to_float(tab, "psi", what="PSI", allow_missing=False, lo=0.0, hi=1.0)
    reads = pd.array(to_int(tab, "reads", what="reads", lo=0), dtype="Int64") if "reads" in tab.df.columns else pd.array([pd.NA] * len(tab), dtype="Int64")
    out = pd.DataFrame(
        {"sample": tab.df["sample"].str.strip().to_numpy(), "gene": tab.df["gene"].str.strip().to_numpy(),
         "event": tab.df["event"].str.strip().to_numpy(), "psi": psi, "reads": reads, "source": tab.sources()}
    )
    key = out[["sample", "gene", "event"]]
    dup = key.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise tab.error(f"duplicated sample/gene/event {tuple(key.iloc[i])}", row=i)
    set_attrs(out, samples=sorted(pd.unique(out["sample"])), path=str(path))
    return out


__all__ = ["read_junctions", "read_psi", "DEFAULT_EVENTS", "event_name"]
