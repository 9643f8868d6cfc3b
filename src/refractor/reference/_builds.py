"""Genome build and chromosome-name normalisation: the one place builds are resolved and checked.

:func:`resolve_build` turns a declared name into ``GRCh38``/``GRCh37`` (or the one "unknown
genome build" error); :func:`agree` reduces every build a set of inputs declares to one (or the
one "genome builds disagree" error). Every reader, the samplesheet, the CLI and the HTTP API
call these two, so the wording is the same wherever a build is wrong.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from refractor.errors import InputError

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


def resolve_build(
    value: str | int | None,
    *,
    default: str | None = DEFAULT_BUILD,
    path: str | Path | None = None,
    line: int | None = None,
    column: str | None = None,
) -> str | None:
    """Canonical build (``GRCh38``/``GRCh37``) for ``value``; ``default`` when it is empty.

    Raises :class:`~refractor.errors.InputError` ``unknown genome build 'x' (expected ...)``
    naming ``path``/``line``/``column`` when ``value`` is not a known build name.
    """
    if value is None or not str(value).strip():
        return default
    b = normalise_build(value)
    if b is None:
        raise InputError(
            f"unknown genome build {str(value).strip()!r} (expected GRCh38 or GRCh37; also accepted: "
            "hg38, 38, hg19, 37, b37)", path=path, line=line, column=column)
    return b


def agree(
    claims: Iterable[tuple[str, str, dict]],
    *,
    requested: str | None = None,
) -> str | None:
    """The one build every claim agrees on (``requested`` wins ties), else ``None`` if no claim.

    ``claims`` are ``(build, who, where)``: a canonical build, a short description of who
    declares it (``"VCF header of a.vcf"``) and the ``InputError`` location keywords of the
    declaration. A disagreement raises ``genome builds disagree: who: build; ...`` at the first
    claim that differs from the others (from ``requested`` if given).
    """
    claims = list(claims)
    if requested is not None:
        claims.insert(0, (requested, "requested build (build= / --build)", {}))
    builds = list(dict.fromkeys(b for b, _, _ in claims))
    if len(builds) <= 1:
        return builds[0] if builds else None
    first = claims[0][0]
    odd = next(c for c in claims if c[0] != first)
    shown = list(dict.fromkeys(f"{who}: {b}" for b, who, _ in [claims[0], odd, *claims[1:]]))
    more = f"; … ({len(shown) - 4} more)" if len(shown) > 4 else ""
    raise InputError(
        f"genome builds disagree ({'; '.join(shown[:4])}{more}); state one build for every file "
        "with build= / --build", **odd[2])


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

__all__ = ["BUILDS", "DEFAULT_BUILD", "normalise_build", "normalise_chrom", "resolve_build", "agree", "CHROM_ORDER"]
