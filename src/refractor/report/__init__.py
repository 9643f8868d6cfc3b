"""Render interpretation results: per-sample JSON (with a published JSON Schema), cohort TSVs,
an annotated MAF and a self-contained HTML report. Every write is all-or-nothing."""
from refractor.report._html import render_html
from refractor.report._schema import sample_report_schema, schema_text
from refractor.report._write import agent_table, check_outdir, maf_annotations, write_outputs

__all__ = [
    "write_outputs",
    "check_outdir",
    "render_html",
    "sample_report_schema",
    "schema_text",
    "agent_table",
    "maf_annotations",
]
