"""Caps on what one input file may cost, so a small hostile file cannot exhaust memory or time.

Every reader enforces these through :func:`refractor.io._source.read_bytes` (bytes after
decompression, counted while streaming) and :func:`refractor.io._table.read_table` (columns,
characters per cell). A file over a cap is an :class:`~refractor.errors.InputError` naming the
file, the cap and the environment variable that raises it; nothing is half-read.

Resolution order: explicit ``IOLimits(...)`` (e.g. ``Settings.limits.io``) -> environment
(``REFRACTOR_MAX_*``, read at call time through :meth:`refractor.settings.Settings.resolve`,
never at import) -> the defaults below. The defaults are ASSUMED engineering values (not
from a publication), chosen well above the inputs Refractor is built for and well below what
exhausts a laptop; any of them can be raised per run through its environment variable:

- ``max_input_bytes`` 1 GiB of (decompressed) text per file. Issue 12's 3.4 MB gzip MAF that
  expands to 1.2 GB (it used 6.7 GB of memory and ended in MemoryError) is stopped while it is
  being decompressed, before it is held in memory.
- ``max_columns`` 50,000 per table: an expression matrix has one column per sample.
- ``max_cell_chars`` 100,000 characters per cell: far longer than indel alleles or annotation
  strings; issue 12's 200,000-character cell is corruption or an attack.
- ``max_vcf_header_lines`` 20,000 ``#`` lines (issue 12 asks for this cap).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from refractor.errors import InputError

#: field name -> environment variable that overrides it
ENV = {
    "max_input_bytes": "REFRACTOR_MAX_INPUT_BYTES",
    "max_columns": "REFRACTOR_MAX_COLUMNS",
    "max_cell_chars": "REFRACTOR_MAX_CELL_CHARS",
    "max_vcf_header_lines": "REFRACTOR_MAX_VCF_HEADER_LINES",
}


@dataclass(frozen=True)
class IOLimits:
    """Per-file input caps (see the module docstring for why each default is what it is).

    Parameters
    ----------
    max_input_bytes : int
        Largest file content in bytes, counted after gzip decompression.
    max_columns : int
        Most columns in one delimited table.
    max_cell_chars : int
        Longest cell of a delimited table (samplesheet included), in characters.
    max_vcf_header_lines : int
        Most header (``#``) lines in a VCF.
    """

    max_input_bytes: int = 1 << 30
    max_columns: int = 50_000
    max_cell_chars: int = 100_000
    max_vcf_header_lines: int = 20_000

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise InputError(f"input limit {f.name} must be a whole number >= 1, got {v!r}", column=f.name)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, base: "IOLimits | None" = None) -> "IOLimits":
        """``base`` (default: the defaults) with each field the environment sets overridden."""
        env = os.environ if environ is None else environ
        out = base if base is not None else cls()
        for name, var in ENV.items():
            text = env.get(var, "").strip()
            if text:
                try:
                    value = int(text.replace("_", ""))
                except ValueError:
                    raise InputError(f"environment variable {var}={text!r} is not a whole number", column=var) from None
                if value < 1:
                    raise InputError(f"environment variable {var}={text!r} must be >= 1", column=var)
                out = replace(out, **{name: value})
        return out

    def exceeded(self, name: str, what: str) -> str:
        """The problem text for a file over cap ``name``: the cap and how to raise it."""
        return f"{what} exceeds the limit of {getattr(self, name):,} (set {ENV[name]} to raise it)"


def resolve_limits(limits: IOLimits | None = None) -> IOLimits:
    """``limits`` if given, else those of the settings resolved now (environment -> defaults)."""
    if limits is not None:
        return limits
    from refractor.settings import Settings

    return Settings.resolve().limits.io


__all__ = ["IOLimits", "ENV", "resolve_limits"]
