"""Reading standard files into the columnar :class:`Cohort` (and writing annotated copies).

Every reader raises :class:`~refractor.errors.InputError` naming file, line and column for
malformed, truncated, binary or contradictory input; nothing is printed. Readers return the
cohort table they fill, with ``attrs`` ``samples`` (ids the file covers), ``path`` and, for
coordinate or annotated files, ``build``.
"""
import importlib

# name -> module: readers load pandas, pyarrow and cyvcf2, so nothing is imported until a name is
# used (``import refractor.io._limits``, e.g. by :mod:`refractor.settings`, stays light)
_LAZY = {
    "atomic_write": "refractor.io._atomic",
    "read_clinical": "refractor.io._clinical",
    "read_expression": "refractor.io._expression",
    "IOLimits": "refractor.io._limits",
    "read_maf": "refractor.io._maf",
    "write_annotated_maf": "refractor.io._maf",
    "read_methylation": "refractor.io._methylation",
    "make_cohort": "refractor.io._records",
    "cohort_from_flags": "refractor.io._samplesheet",
    "read_samplesheet": "refractor.io._samplesheet",
    "read_segments": "refractor.io._segments",
    "read_junctions": "refractor.io._splicing",
    "read_psi": "refractor.io._splicing",
    "read_vcf": "refractor.io._vcf",
    "CONSEQUENCES": "refractor.io.cohort",
    "DATA_KINDS": "refractor.io.cohort",
    "GENE_TABLES": "refractor.io.cohort",
    "Cohort": "refractor.io.cohort",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'refractor.io' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Cohort",
    "CONSEQUENCES",
    "DATA_KINDS",
    "GENE_TABLES",
    "atomic_write",
    "IOLimits",
    "read_maf",
    "read_vcf",
    "read_segments",
    "read_expression",
    "read_junctions",
    "read_psi",
    "read_methylation",
    "read_clinical",
    "read_samplesheet",
    "cohort_from_flags",
    "make_cohort",
    "write_annotated_maf",
]
