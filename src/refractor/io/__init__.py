"""Reading standard files into the columnar :class:`Cohort` (and writing annotated copies).

Every reader raises :class:`~refractor.errors.InputError` naming file, line and column for
malformed, truncated, binary or contradictory input; nothing is printed. Readers return the
cohort table they fill, with ``attrs`` ``samples`` (ids the file covers), ``path`` and, for
coordinate or annotated files, ``build``.
"""
from refractor.io._atomic import atomic_write
from refractor.io._clinical import read_clinical
from refractor.io._expression import read_expression
from refractor.io._limits import IOLimits
from refractor.io._maf import read_maf, write_annotated_maf
from refractor.io._methylation import read_methylation
from refractor.io._records import make_cohort
from refractor.io._samplesheet import cohort_from_flags, read_samplesheet
from refractor.io._segments import read_segments
from refractor.io._splicing import read_junctions, read_psi
from refractor.io._vcf import read_vcf
from refractor.io.cohort import CONSEQUENCES, DATA_KINDS, Cohort

__all__ = [
    "Cohort",
    "CONSEQUENCES",
    "DATA_KINDS",
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
