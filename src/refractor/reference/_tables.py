"""Loaders for the shipped gene and exon tables (package data, read lazily and cached)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

from refractor.errors import InputError
from refractor.reference._builds import resolve_build

_GENE_DTYPES = {
    "gene": str, "chrom": str, "start": "int64", "end": "int64", "strand": str,
    "locus_start": "int64", "locus_end": "int64", "entrez_id": str, "hgnc_id": str,
}
_EXON_DTYPES = {
    "gene": str, "transcript": str, "chrom": str, "strand": str,
    "exon_number": "int64", "start": "int64", "end": "int64",
}


def _check_build(build: str) -> str:
    return resolve_build(build)


@lru_cache(maxsize=4)
def _read(name: str, dtypes_key: str) -> pd.DataFrame:
    dtypes = _GENE_DTYPES if dtypes_key == "genes" else _EXON_DTYPES
    with resources.files("refractor.reference").joinpath("data", name).open("rb") as fh:
        df = pd.read_csv(fh, sep="\t", compression="gzip", dtype=dtypes, keep_default_na=False)
    return df


def gene_table(build: str = "GRCh38") -> pd.DataFrame:
    """Gene spans for ``build`` (one row per HGNC symbol).

    Columns: ``gene chrom start end strand locus_start locus_end entrez_id hgnc_id``.
    Coordinates are 1-based inclusive (bp); ``start``/``end`` span the MANE Select
    transcript, ``locus_start``/``locus_end`` the whole gene locus. Chromosomes are
    ``chr1``..``chr22``, ``chrX``, ``chrY``. A copy is returned; the cached table is never
    mutated.
    """
    return _read(f"genes_{_check_build(build)}.tsv.gz", "genes").copy()


def exons(gene: str, build: str = "GRCh38") -> pd.DataFrame:
    """Canonical-transcript (MANE Select) exons of ``gene`` on ``build``, in exon-number order.

    Columns ``gene transcript chrom strand exon_number start end`` (1-based inclusive bp).
    ``exon_number`` runs 5'->3', so on the minus strand exon 1 has the highest coordinates.
    Raises :class:`~refractor.errors.InputError` if the gene is not in the shipped exon
    subset (see ``tools/build_reference_subset.py``).
    """
    tab = _read(f"exons_{_check_build(build)}.tsv.gz", "exons")
    out = tab[tab["gene"] == gene].sort_values("exon_number").reset_index(drop=True)
    if out.empty:
        shipped = ", ".join(sorted(tab["gene"].unique()))
        raise InputError(
            f"no shipped {build} exon coordinates for gene {gene!r} (shipped: {shipped})"
        )
    return out


@lru_cache(maxsize=2)
def _chrom_sizes(build: str) -> dict[str, int]:
    with resources.files("refractor.reference").joinpath("data", "chrom_sizes.tsv").open("rb") as fh:
        df = pd.read_csv(fh, sep="\t", dtype={"build": str, "chrom": str, "length": "int64"})
    sub = df[df["build"] == build]
    return dict(zip(sub["chrom"], sub["length"].astype(int)))


def chrom_sizes(build: str = "GRCh38") -> dict[str, int]:
    """Length in bp of every primary chromosome of ``build`` (``chr1``..``chr22``, ``chrX``,
    ``chrY``, ``chrM``), from UCSC ``hg38``/``hg19`` ``chrom.sizes`` (see ``data/PROVENANCE.md``).

    A copy is returned. A coordinate ``pos`` (1-based) lies on chromosome ``c`` only if
    ``1 <= pos <= chrom_sizes(build)[c]``.
    """
    return dict(_chrom_sizes(_check_build(build)))


def exon_genes(build: str = "GRCh38") -> list[str]:
    """Genes whose exons are shipped for ``build``."""
    return sorted(_read(f"exons_{_check_build(build)}.tsv.gz", "exons")["gene"].unique())


@lru_cache(maxsize=1)
def _ensembl() -> dict[str, str]:
    with resources.files("refractor.reference").joinpath("data", "ensembl_genes.tsv.gz").open("rb") as fh:
        df = pd.read_csv(fh, sep="\t", compression="gzip", dtype=str, keep_default_na=False)
    return dict(zip(df["ensembl_gene"], df["gene"]))


def ensembl_gene_symbols() -> dict[str, str]:
    """Ensembl gene id (``ENSG...``, no version) -> HGNC symbol, for the shipped genes (GENCODE
    v44 gene of each MANE Select gene; see ``data/PROVENANCE.md``). A copy is returned."""
    return dict(_ensembl())


__all__ = ["gene_table", "exons", "exon_genes", "chrom_sizes", "ensembl_gene_symbols"]
