"""Cohort tables as Parquet, beside the TSVs: one line of pandas / DuckDB loads a 10k-sample run.

``cohort_levels.parquet`` (sample x agent call words, plus ``disease``), ``mechanisms.parquet``
(sample x mechanism status), ``agents.parquet`` (the long table of ``agents.tsv``),
``observations.parquet`` (one row per observation behind a detected / possible mechanism) and
``traces.parquet`` (one row per scoring term that fired for an agent). Every file carries the
KB version and hash and the scoring version in its schema metadata.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from refractor.interpret import CohortResult
from refractor.report._collect import OBS_COLUMNS, TRACE_COLUMNS
from refractor.report._parallel import TABLE_TYPES

#: table name -> file name
PARQUET_FILES = {"levels": "cohort_levels.parquet", "mechanisms": "mechanisms.parquet",
                 "agents": "agents.parquet", "observations": "observations.parquet",
                 "traces": "traces.parquet"}


#: the long tables the per-sample pass writes in parts: Arrow schemas
TABLE_SCHEMAS = {name: pa.schema([(c, TABLE_TYPES[name].get(c, pa.string())) for c in cols])
                 for name, cols in (("observations", OBS_COLUMNS), ("traces", TRACE_COLUMNS))}


def _meta(result: CohortResult) -> dict[bytes, bytes]:
    return {b"refractor.kb_version": str(result.kb_version).encode(),
            b"refractor.kb_hash": str(result.kb_hash).encode(),
            b"refractor.scoring_version": str(result.scoring_version).encode(),
            b"refractor.build": str(result.build or "").encode()}


def _write(table: pa.Table, path: Path, meta: dict[bytes, bytes]) -> None:
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    pq.write_table(table, path, compression="zstd")


def _agents_reader(path: Path):
    """A streaming reader of ``agents.tsv`` (record batches): text columns as written (empty
    text stays empty), ``score`` float (empty: null, no knowledge), ``assessable`` and
    ``fragile`` booleans."""
    types = {"score": pa.float64(), "assessable": pa.bool_(), "fragile": pa.bool_()}
    with open(path, "rb") as fh:
        header = fh.readline().decode("utf-8").rstrip("\n").split("\t")
    return pacsv.open_csv(
        path, read_options=pacsv.ReadOptions(block_size=1 << 23),
        parse_options=pacsv.ParseOptions(delimiter="\t", quote_char='"', double_quote=True,
                                         newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={c: types.get(c, pa.string()) for c in header},
            strings_can_be_null=False, null_values=[""], true_values=["True"],
            false_values=["False"]))


def _null_disease(batch: pa.RecordBatch) -> pa.RecordBatch:
    # a sample without a disease is null in the table (as pandas' None), not ""
    i = batch.schema.get_field_index("disease")
    d = batch.column(i)
    cols = list(batch.columns)
    cols[i] = pc.if_else(pc.equal(d, ""), pa.scalar(None, pa.string()), d)
    return pa.RecordBatch.from_arrays(cols, schema=batch.schema)


def write_agents_parquet(tsv: Path, path: Path, meta: dict[bytes, bytes]) -> None:
    """``agents.tsv`` -> ``agents.parquet``, one row group per block read (bounded memory)."""
    reader = _agents_reader(tsv)
    schema = reader.schema.with_metadata(meta)
    with pq.ParquetWriter(path, schema, compression="zstd") as w:
        for batch in reader:
            w.write_batch(_null_disease(batch))


def matrix_tables_task(stage: Path, want: frozenset[str]) -> None:
    """The sample-level tables of a run, from the interpreted matrices alone (a worker step run
    while the per-sample pass runs, :class:`refractor.report._parallel.Workers`):
    ``cohort_levels`` and ``mechanisms`` as TSV (with ``tsv``) and Parquet (with ``parquet``)."""
    from refractor.report._parallel import cohort_result

    result = cohort_result()
    levels = result.call_frame()  # level, or not_assessable (never a silent "susceptible")
    levels.insert(0, "disease", result.diseases)
    mechs = result.mechanism_frame()
    if "tsv" in want:
        levels.to_csv(stage / "cohort_levels.tsv", sep="\t")
        mechs.to_csv(stage / "mechanisms.tsv", sep="\t")
    if "parquet" in want:
        meta = _meta(result)
        _write(pa.Table.from_pandas(levels.reset_index(), preserve_index=False),
               stage / PARQUET_FILES["levels"], meta)
        _write(pa.Table.from_pandas(mechs.reset_index(), preserve_index=False),
               stage / PARQUET_FILES["mechanisms"], meta)


def tables_task(stage: Path, want: frozenset[str], fragile: bool, parts: Path, chunks: int) -> None:
    """The long cohort tables of a run, from the per-sample pass's parts (a worker step run
    after the pass): ``agents.tsv`` joined from the chunks' text (with ``tsv``), and the
    ``agents``, ``observations`` and ``traces`` Parquet tables (with ``parquet``)."""
    from refractor.report._parallel import FRAGILE_COLUMNS, Pass, cohort_result
    from refractor.report._write import AGENT_TABLE_COLUMNS

    got = Pass(parts, chunks=chunks)
    agents_tsv = (stage if "tsv" in want else parts) / "agents.tsv"
    with open(agents_tsv, "wb") as fh:
        cols = AGENT_TABLE_COLUMNS + (list(FRAGILE_COLUMNS) if fragile else [])
        fh.write(("\t".join(cols) + "\n").encode("utf-8"))
        for part in got.tsv_parts():
            with open(part, "rb") as src:
                shutil.copyfileobj(src, fh, 1 << 20)
            part.unlink()
    if "parquet" in want:
        write_long_parquet_tables(stage, cohort_result(), got, agents_tsv)


def write_long_parquet_tables(stage: Path, result: CohortResult, got, agents_tsv: Path) -> None:
    """Write ``agents``, ``observations`` and ``traces`` Parquet into ``stage``: the first from
    ``agents_tsv``, the others from the part files of the per-sample pass ``got``
    (:class:`refractor.report._parallel.Pass`)."""
    meta = _meta(result)
    write_agents_parquet(agents_tsv, stage / PARQUET_FILES["agents"], meta)
    for name in ("observations", "traces"):
        with pq.ParquetWriter(stage / PARQUET_FILES[name], TABLE_SCHEMAS[name].with_metadata(meta),
                              compression="zstd") as w:
            for t in got.tables(name):  # one chunk of samples at a time
                w.write_table(t)


__all__ = ["matrix_tables_task", "tables_task", "write_long_parquet_tables", "PARQUET_FILES"]
