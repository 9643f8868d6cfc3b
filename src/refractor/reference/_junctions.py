"""Splice-junction coordinates derived from the shipped exon table (never typed by hand)."""
from __future__ import annotations

from dataclasses import dataclass

from refractor.errors import InputError
from refractor.reference._tables import exons


@dataclass(frozen=True)
class Junction:
    """An intron as STAR reports it: first and last intronic base, 1-based inclusive.

    ``strand`` is ``+`` or ``-``; STAR's column 4 is 1 for ``+`` and 2 for ``-``.
    """

    chrom: str
    start: int
    end: int
    strand: str


def junction_between(gene: str, upstream_exon: int, downstream_exon: int, build: str = "GRCh38") -> Junction:
    """The intron joining exon ``upstream_exon`` to exon ``downstream_exon`` (transcript order).

    On the plus strand the intron runs from ``exon(up).end + 1`` to ``exon(down).start - 1``;
    on the minus strand from ``exon(down).end + 1`` to ``exon(up).start - 1``.
    """
    ex = exons(gene, build).set_index("exon_number")
    for k in (upstream_exon, downstream_exon):
        if k not in ex.index:
            raise InputError(f"{gene} has no exon {k} in the shipped {build} table")
    if upstream_exon >= downstream_exon:
        raise InputError(f"upstream exon {upstream_exon} must precede exon {downstream_exon}")
    up, down = ex.loc[upstream_exon], ex.loc[downstream_exon]
    strand = str(up["strand"])
    if strand == "+":
        start, end = int(up["end"]) + 1, int(down["start"]) - 1
    else:
        start, end = int(down["end"]) + 1, int(up["start"]) - 1
    return Junction(str(up["chrom"]), start, end, strand)


@dataclass(frozen=True)
class SkippingJunctions:
    """Junctions that inform a cassette-exon skipping event."""

    gene: str
    exon: int
    skip: Junction
    inclusion_upstream: Junction
    inclusion_downstream: Junction


def exon_skipping_junctions(gene: str, exon: int, build: str = "GRCh38") -> SkippingJunctions:
    """Skip junction (exon-1 -> exon+1) and the two inclusion junctions around ``exon``.

    Example (reference/README, CRBN NM_016302.4): GRCh38 exon 9->11 skip =
    chr3:3151046-3153423; GRCh37 = chr3:3192730-3195107.
    """
    return SkippingJunctions(
        gene=gene,
        exon=exon,
        skip=junction_between(gene, exon - 1, exon + 1, build),
        inclusion_upstream=junction_between(gene, exon - 1, exon, build),
        inclusion_downstream=junction_between(gene, exon, exon + 1, build),
    )


def crbn_exon10_junctions(build: str = "GRCh38") -> SkippingJunctions:
    """CRBN exon-10 skipping junctions (exon 9->11 skip; 9->10 and 10->11 inclusion)."""
    return exon_skipping_junctions("CRBN", 10, build)


__all__ = ["Junction", "SkippingJunctions", "junction_between", "exon_skipping_junctions", "crbn_exon10_junctions"]
