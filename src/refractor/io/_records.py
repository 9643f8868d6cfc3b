"""Putting a :class:`Cohort` together from per-sample records and measured tables: one place.

Both ways into a cohort end here: the file readers (:func:`refractor.io.read_samplesheet`,
:func:`refractor.io.cohort_from_flags`, via ``_assemble``) and in-memory records such as the
HTTP API's JSON body (:mod:`refractor.api._profile`). So the rules that decide what a cohort
means are written once:

- the ``samples`` table's types (``line`` Int64, ``subtype`` None when blank, agent lists);
- which data kinds count as assessed: every kind a table was given for, ``history`` when the
  record says its clinical history was given (a clinical row, agent lists or a line of
  therapy), ``subtype`` when a subtype is given;
- a sample with no assessed kind at all is an error (never a silent all-"not assessable");
- sample ids are unique; the genome build is one of the known builds.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from refractor.errors import InputError
from refractor.io.cohort import COLUMNS, OPTIONAL_COLUMNS, Cohort, empty
from refractor.reference import resolve_build

#: measured tables a cohort may hold (``samples`` and ``assessed`` are built here)
DATA_TABLES = ("variants", "copy_number", "expression", "splicing", "methylation", "protein")


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()) or v is pd.NA


def _table(parts, name: str) -> pd.DataFrame:
    if isinstance(parts, pd.DataFrame):
        parts = [parts]
    frames = [p if isinstance(p, pd.DataFrame) else pd.DataFrame(list(p), columns=COLUMNS[name])
              for p in parts or ()]
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty(name)
    # reindex: a column added to the schema later is NaN where a producer does not fill it yet;
    # optional columns (read counts) are kept when any producer gives them
    extra = [c for c in OPTIONAL_COLUMNS.get(name, []) if any(c in f.columns for f in frames)]
    return pd.concat([f.reindex(columns=COLUMNS[name] + extra) for f in frames], ignore_index=True)


def make_cohort(
    samples: Sequence[Mapping],
    *,
    assessed: Iterable[tuple[str, str]] = (),
    tables: Mapping[str, object] | None = None,
    build: str | None = None,
    where: Mapping[str, Mapping[str, dict]] | None = None,
    **fields,
) -> Cohort:
    """The :class:`Cohort` of ``samples`` (in this order) with the measured ``tables``.

    Parameters
    ----------
    samples
        One mapping per sample: ``sample``, ``disease`` and optionally ``subtype``, ``line``,
        ``prior_agents``, ``refractory_agents`` (lists of agent names), any further column of
        the ``samples`` table (NaN when absent) and ``history`` (``True`` when the clinical
        history was given, even if empty).
    assessed
        ``(sample, kind)`` pairs measured without a table row (e.g. a file with no finding).
    tables
        Table name -> DataFrame, or a list of DataFrames / record lists, in the columns of
        :data:`refractor.io.cohort.COLUMNS`. Rows do not mark a kind assessed by themselves:
        a file or list with no finding is measured too, so callers state every measured kind
        in ``assessed``.
    build
        Genome build (default GRCh38); unknown names are the one "unknown genome build" error.
    where
        Sample id -> ``{"sample": location, "data": location}``: the ``InputError`` location
        keywords for a duplicated id and for a sample with no data.
    **fields
        Further :class:`Cohort` fields (``inputs`` ...).
    """
    where = where or {}
    ids = [str(s["sample"]) for s in samples]
    first: dict[str, int] = {}
    for i, s in enumerate(ids):
        if s in first:
            raise InputError(f"duplicated sample id {s!r}", **where.get(s, {}).get("sample", {}))
        first[s] = i
    pairs = list(assessed)
    rows = []
    for rec in samples:
        s = str(rec["sample"])
        subtype = None if _blank(rec.get("subtype")) else str(rec["subtype"]).strip()
        line = rec.get("line")
        if rec.get("history"):
            pairs.append((s, "history"))
        if subtype:
            pairs.append((s, "subtype"))
        row = {c: rec.get(c, math.nan) for c in COLUMNS["samples"]}  # optional columns: NaN if not given
        row.update({"sample": s, "disease": rec.get("disease"), "subtype": subtype,
                    "line": None if _blank(line) else int(line),
                    "prior_agents": list(rec.get("prior_agents") or []),
                    "refractory_agents": list(rec.get("refractory_agents") or [])})
        rows.append(row)
    sm = pd.DataFrame(rows, columns=COLUMNS["samples"])
    sm["line"] = pd.array([r["line"] for r in rows], dtype="Int64")
    sm["subtype"] = pd.Series([r["subtype"] for r in rows], dtype=object)
    sm["disease"] = pd.Series([r["disease"] for r in rows], dtype=object)
    a = pd.DataFrame(pairs, columns=["sample", "kind"]).drop_duplicates()
    a = (a.assign(_o=a["sample"].map(first)).sort_values(["_o", "kind"], kind="stable")
         .drop(columns="_o").reset_index(drop=True))
    have = set(a["sample"])
    for s in ids:
        if s not in have:
            raise InputError(f"sample {s!r} has no data (no data file or list, clinical history or subtype given)",
                             **where.get(s, {}).get("data", {}))
    kw = {t: _table((tables or {}).get(t), t) for t in DATA_TABLES}
    return Cohort(samples=sm, assessed=a, build=resolve_build(build), **kw, **fields)


__all__ = ["make_cohort", "DATA_TABLES"]
