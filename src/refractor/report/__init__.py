"""Render interpretation results: per-sample JSON (with a published JSON Schema), cohort TSVs
and Parquet tables, an annotated MAF and a self-contained HTML report. Every write is
all-or-nothing; per-sample results are streamed (one sample in memory at a time)."""
from refractor.report._html import render_html
from refractor.report._schema import sample_report_schema, schema_text
from refractor.report._tables import PARQUET_FILES
from refractor.report._write import (
    DEFAULT_OUTPUTS, OUTPUT_KINDS, agent_table, check_outdir, maf_annotations, parse_outputs,
    warning_table, write_outputs,
)

__all__ = [
    "write_outputs",
    "check_outdir",
    "parse_outputs",
    "OUTPUT_KINDS",
    "DEFAULT_OUTPUTS",
    "PARQUET_FILES",
    "render_html",
    "sample_report_schema",
    "schema_text",
    "agent_table",
    "warning_table",
    "maf_annotations",
]
