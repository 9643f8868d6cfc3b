"""Cohort tables as Parquet, beside the TSVs: one line of pandas / DuckDB loads a 10k-sample run.

``cohort_levels.parquet`` (sample x agent call words, plus ``disease``), ``mechanisms.parquet``
(sample x mechanism status), ``agents.parquet`` (the long table of ``agents.tsv``),
``observations.parquet`` (one row per observation behind a detected / possible mechanism) and
``traces.parquet`` (one row per scoring term that fired for an agent). Every file carries the
KB version and hash and the scoring version in its schema metadata.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from refractor.interpret import CohortResult

#: table name -> file name
PARQUET_FILES = {"levels": "cohort_levels.parquet", "mechanisms": "mechanisms.parquet",
                 "agents": "agents.parquet", "observations": "observations.parquet",
                 "traces": "traces.parquet"}

_OBS_TYPES = {"value": pa.float64(), "threshold": pa.float64(), "assumed": pa.bool_(),
              "clonal_fraction": pa.float64()}
_TRACE_TYPES = {"weight": pa.float64(), "contribution": pa.float64()}


def _meta(result: CohortResult) -> dict[bytes, bytes]:
    return {b"refractor.kb_version": str(result.kb_version).encode(),
            b"refractor.kb_hash": str(result.kb_hash).encode(),
            b"refractor.scoring_version": str(result.scoring_version).encode()}


def _columns_table(cols: dict[str, list], types: dict[str, pa.DataType]) -> pa.Table:
    arrays = {c: pa.array(v, type=types.get(c, pa.string())) for c, v in cols.items()}
    return pa.table(arrays)


def _write(table: pa.Table, path: Path, meta: dict[bytes, bytes]) -> None:
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    pq.write_table(table, path, compression="zstd")


def write_parquet_tables(stage: Path, result: CohortResult, levels: pd.DataFrame,
                         agents: pd.DataFrame, mechanisms: pd.DataFrame, got) -> list[str]:
    """Write the five tables into ``stage``; return the file names written."""
    meta = _meta(result)
    _write(pa.Table.from_pandas(levels.reset_index(), preserve_index=False),
           stage / PARQUET_FILES["levels"], meta)
    _write(pa.Table.from_pandas(mechanisms.reset_index(), preserve_index=False),
           stage / PARQUET_FILES["mechanisms"], meta)
    _write(pa.Table.from_pandas(agents, preserve_index=False), stage / PARQUET_FILES["agents"], meta)
    _write(_columns_table(got.observations, _OBS_TYPES), stage / PARQUET_FILES["observations"], meta)
    _write(_columns_table(got.traces, _TRACE_TYPES), stage / PARQUET_FILES["traces"], meta)
    return list(PARQUET_FILES.values())


__all__ = ["write_parquet_tables", "PARQUET_FILES"]
