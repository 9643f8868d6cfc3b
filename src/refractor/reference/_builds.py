"""Genome build and chromosome-name normalisation."""
from __future__ import annotations

import pandas as pd

BUILDS = ("GRCh38", "GRCh37")
DEFAULT_BUILD = "GRCh38"

# Names by which files declare a build (MAF NCBI_Build, VCF ##reference, samplesheets).
_BUILD_ALIASES = {
    "grch38": "GRCh38", "38": "GRCh38", "hg38": "GRCh38", "grch38.p13": "GRCh38",
    "grch38.p14": "GRCh38", "hs38": "GRCh38", "hs38dh": "GRCh38",
    "grch37": "GRCh37", "37": "GRCh37", "hg19": "GRCh37", "b37": "GRCh37",
    "grch37-lite": "GRCh37", "hs37d5": "GRCh37", "grch37.p13": "GRCh37",
}


def normalise_build(value: str | int | None) -> str | None:
    """Canonical build name (``GRCh38``/``GRCh37``) for a declared value, or ``None``.

    Returns ``None`` when ``value`` is not a known build name; callers turn that into an
    :class:`~refractor.errors.InputError` naming the file that declared it.
    """
    if value is None:
        return None
    key = str(value).strip().lower()
    return _BUILD_ALIASES.get(key)


_CHROMS = [f"chr{i}" for i in range(1, 23)] + ["chrX", "chrY", "chrM"]
_CHROM_MAP = {c[3:].lower(): c for c in _CHROMS}
_CHROM_MAP.update({"mt": "chrM", "m": "chrM", "23": "chrX", "24": "chrY"})


def normalise_chrom(chrom):
    """Chromosome names as the shipped tables use them: ``chr1``..``chr22``, ``chrX``, ``chrY``, ``chrM``.

    Accepts ``3``, ``chr3``, ``Chr3``, ``MT``, ``chrM``, and ``23``/``24`` for X/Y (as in
    some segment files). Other names (unplaced contigs) are returned unchanged. Works on a
    single string or vectorised on a pandas Series / array-like (returns a Series).
    """
    if isinstance(chrom, str):
        key = chrom.strip()
        low = key.lower()
        if low.startswith("chr"):
            low = low[3:]
        return _CHROM_MAP.get(low, key)
    s = pd.Series(chrom, dtype=object) if not isinstance(chrom, pd.Series) else chrom.astype(object)
    uniq = pd.unique(s.to_numpy())
    mapping = {u: normalise_chrom(str(u)) for u in uniq if u is not None and u == u}
    return s.map(mapping)


CHROM_ORDER = {c: i for i, c in enumerate(_CHROMS)}

__all__ = ["BUILDS", "DEFAULT_BUILD", "normalise_build", "normalise_chrom", "CHROM_ORDER"]
