"""One exception root and the named warnings used across Refractor.

The library never prints or exits. The CLI (``refractor.cli``) maps these exceptions to
exit codes in one place and the HTTP API maps them to statuses in one place.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class RefractorError(Exception):
    """Root of every error Refractor raises on purpose."""

    exit_code: int = 1

    def to_dict(self) -> dict:
        """The one JSON error shape used by the CLI (``--json``) and the HTTP API."""
        return {"error": type(self).__name__, "message": str(self)}


class InputError(RefractorError):
    """A user-supplied file or value is malformed, truncated, contradictory or unsupported.

    Carries the file, line (1-based) and column (name or 1-based index) where known, so the
    message always says *where* the problem is.
    """

    exit_code = 2

    def __init__(
        self,
        problem: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: str | int | None = None,
    ) -> None:
        self.problem = problem
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.path is not None:
            where.append(_one_line(self.path))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {_one_line(str(self.column))}")
        problem = _one_line(self.problem, limit=2000)
        return f"{': '.join([', '.join(where), problem]) if where else problem}"

    def to_dict(self) -> dict:
        d = super().to_dict()
        d.update(path=self.path, line=self.line, column=self.column, problem=self.problem)
        return d


def _one_line(text: str, limit: int = 200) -> str:
    """``text`` safe for a one-line message: control characters (a newline inside a quoted CSV
    header, say) escaped, and cut at ``limit`` characters."""
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class KBProblem:
    """One problem found while validating knowledge-base source files."""

    file: str
    entry: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        loc = self.file
        if self.entry:
            loc += f" [{self.entry}]"
        if self.field:
            loc += f" .{self.field}"
        return f"{loc}: {self.message}"


class KnowledgeBaseError(RefractorError):
    """The knowledge base is invalid or a query names something it does not hold."""

    exit_code = 3

    def __init__(self, message: str, problems: list[KBProblem] | None = None) -> None:
        self.problems = list(problems or [])
        text = message
        if self.problems:
            text += "\n" + "\n".join(f"  {p}" for p in self.problems)
        super().__init__(text)

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["problems"] = [p.__dict__ for p in self.problems]
        return d


class NotFoundError(KnowledgeBaseError):
    """A query named an id that the knowledge base does not hold."""

    exit_code = 4


class ModelError(RefractorError):
    """A mechanistic model could not be built, parameterised or simulated."""

    exit_code = 5


class RefractorWarning(UserWarning):
    """Root of Refractor's scientific warnings."""


class WeakEvidenceWarning(RefractorWarning):
    """A call rests only on weak evidence (review statements, single cell lines)."""


class ExtrapolationWarning(RefractorWarning):
    """A value lies outside the range a threshold or model was calibrated on."""


class SolverWarning(RefractorWarning):
    """An ODE solver did not meet its tolerance or a steady state was not reached."""


class DataWarning(RefractorWarning):
    """Input data were used with a caveat (unknown read support, unannotated probes, rows for
    unknown samples, an unknown disease code)."""


class CacheWarning(RefractorWarning):
    """A cache file was not trusted (corrupt, altered, stale or not yours) and is rebuilt.

    Attributes
    ----------
    path : str
        The cache file ignored.
    reason : str
        Why it was not trusted.
    what : str
        Which cache (``"compiled KB database"``, ``"YAML parse cache"``).
    """

    def __init__(self, path: str | Path, reason: str, what: str = "cache file") -> None:
        self.path = str(path)
        self.reason = reason
        self.what = what
        super().__init__(f"ignoring {what} {self.path}: {reason}; rebuilding it")


__all__ = [
    "RefractorError",
    "InputError",
    "KBProblem",
    "KnowledgeBaseError",
    "NotFoundError",
    "ModelError",
    "RefractorWarning",
    "WeakEvidenceWarning",
    "ExtrapolationWarning",
    "SolverWarning",
    "DataWarning",
    "CacheWarning",
]
