"""Export the knowledge base as one JSON document or one TSV table per kind, and its JSON Schema.

JSON document (schema ``refractor.kb-export``)::

    {"meta": {"kb_name", "kb_version", "content_hash", "schema", "schema_version"},
     "sources": [...], "diseases": [...], "genes": [...], "agents": [...], "neosubstrates": [...],
     "mechanisms": [...], "biomarkers": [...], "strategies": [...], "evidence": [...],
     "claims": [...], "trials": [...], "contradictions": [...], "model_systems": [...],
     "scoring": {...}}

Every list item is the record's JSON form plus ``id`` and a human ``name`` (derived for
kinds without one: see :func:`refractor.kb.display_name`). Every evidence item has a
``source``. ``scoring.score_to_level[].min`` is omitted for the open lower band (-infinity).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic.json_schema import models_json_schema

from refractor.kb.schema import KINDS, Scoring

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from refractor.kb._knowledge import KnowledgeBase

EXPORT_SCHEMA = "refractor.kb-export"
EXPORT_SCHEMA_VERSION = "1.0"


def _finite(value: Any) -> Any:
    """Drop non-finite floats (JSON has no infinity; the schema default stands for them)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()
                if not (isinstance(v, float) and not math.isfinite(v))}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def export_items(kb: "KnowledgeBase", kind: str) -> list[dict[str, Any]]:
    """JSON-form items of one kind, each starting with ``id`` and ``name``."""
    return [item_dict(kind, rec) for rec in kb.records(kind).values()]


def item_dict(kind: str, record: Any) -> dict[str, Any]:
    """The export form of one record: ``id``, ``name``, then its other fields (JSON values)."""
    from refractor.kb._names import display_name

    body = record.model_dump(mode="json", by_alias=True)
    rid = body.pop("id")
    name = body.pop("name", None) or display_name(kind, record)
    return {"id": rid, "name": name, **body}


def export_meta(kb: "KnowledgeBase") -> dict[str, str]:
    """The ``meta`` object of an export."""
    return {
        "kb_name": kb.name,
        "kb_version": kb.version,
        "content_hash": kb.content_hash,
        "schema": EXPORT_SCHEMA,
        "schema_version": EXPORT_SCHEMA_VERSION,
    }


def export_json(kb: "KnowledgeBase") -> dict[str, Any]:
    """The whole KB as one JSON-ready dict (see the module docstring for the shape)."""
    doc: dict[str, Any] = {"meta": export_meta(kb)}
    for kind in KINDS:
        doc[kind] = export_items(kb, kind)
    doc["scoring"] = _finite(kb.scoring.model_dump(mode="json", by_alias=True)) if kb.scoring else None
    return doc


def _cell(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return ";".join(str(v) for v in value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    return value


def export_tables(kb: "KnowledgeBase") -> dict[str, "pd.DataFrame"]:
    """One flat table per kind (lists of scalars joined by ``;``, nested values as JSON text).

    ``scoring_rules`` holds one row per scoring rule and ``meta`` the export metadata.
    """
    import pandas as pd

    tables: dict[str, pd.DataFrame] = {}
    for kind in KINDS:
        frame = kb.to_frame(kind)
        tables[kind] = frame.apply(lambda col: col.map(_cell)) if len(frame) else frame
    rules = [r.model_dump(mode="json", by_alias=True) for r in (kb.scoring.rules if kb.scoring else [])]
    tables["scoring_rules"] = pd.DataFrame(
        [{k: _cell(v) for k, v in r.items()} for r in rules],
        columns=["id", "agents", "agent_classes", "terms", "overrides", "comment"])
    tables["meta"] = pd.DataFrame(list(export_meta(kb).items()), columns=["key", "value"])
    return tables


def write_export(kb: "KnowledgeBase", fmt: str, path: str | Path) -> list[Path]:
    """Write an export: ``json`` to a file, ``tsv`` into a directory (one ``<kind>.tsv`` each).

    Returns the paths written.
    """
    from refractor.errors import InputError

    path = Path(path)
    if fmt == "json":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(export_json_text(kb), encoding="utf-8")
        return [path]
    if fmt == "tsv":
        if path.exists() and not path.is_dir():
            raise InputError("TSV export needs a directory, not a file", path=path)
        path.mkdir(parents=True, exist_ok=True)
        written = []
        for name, frame in export_tables(kb).items():
            out = path / f"{name}.tsv"
            frame.to_csv(out, sep="\t", index=False, lineterminator="\n")
            written.append(out)
        return written
    raise InputError(f"unknown export format {fmt!r}; use json or tsv", column="format")


def export_json_text(kb: "KnowledgeBase") -> str:
    """The JSON export as text (UTF-8, indented, strict JSON)."""
    return json.dumps(export_json(kb), ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def _strip_nonfinite_defaults(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_nonfinite_defaults(v) for k, v in node.items()
                if not (k == "default" and isinstance(v, float) and not math.isfinite(v))}
    if isinstance(node, list):
        return [_strip_nonfinite_defaults(v) for v in node]
    return node


def export_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the JSON export, generated from the pydantic records."""
    models = [(m, "serialization") for m in KINDS.values()] + [(Scoring, "serialization")]
    refs, top = models_json_schema(models, ref_template="#/$defs/{model}")
    defs = top["$defs"]
    props: dict[str, Any] = {
        "meta": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kb_name", "kb_version", "content_hash", "schema", "schema_version"],
            "properties": {
                "kb_name": {"type": "string"},
                "kb_version": {"type": "string"},
                "content_hash": {"type": "string", "pattern": "^[0-9a-f]{16}$",
                                 "description": "sha256 of the KB source files, first 16 hex digits"},
                "schema": {"const": EXPORT_SCHEMA},
                "schema_version": {"const": EXPORT_SCHEMA_VERSION},
            },
        }
    }
    for kind, model in KINDS.items():
        ref = refs[(model, "serialization")]["$ref"]
        item = defs[ref.rsplit("/", 1)[-1]]
        item["properties"].setdefault("name", {"type": "string", "title": "Name"})
        item["properties"]["name"]["description"] = (
            item["properties"]["name"].get("description") or "human-readable name (derived if the kind has none)")
        item["required"] = ["id", "name", *[r for r in item.get("required", []) if r not in ("id", "name")]]
        props[kind] = {"type": "array", "items": {"$ref": ref}}
    props["scoring"] = {"anyOf": [{"$ref": refs[(Scoring, "serialization")]["$ref"]}, {"type": "null"}]}
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Refractor knowledge-base export",
        "description": (f"Schema {EXPORT_SCHEMA} {EXPORT_SCHEMA_VERSION}: the whole knowledge base as one "
                        "document. Generated from refractor.kb.schema; do not edit by hand "
                        "(regenerate with `refractor kb schema -o docs/schemas/kb-export.schema.json`)."),
        "type": "object",
        "additionalProperties": False,
        "required": list(props),
        "properties": props,
        "$defs": dict(sorted(defs.items())),
    }
    return _strip_nonfinite_defaults(schema)


def export_schema_text() -> str:
    """:func:`export_schema` as the canonical text committed in ``docs/schemas``."""
    return json.dumps(export_schema(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


__all__ = ["EXPORT_SCHEMA", "EXPORT_SCHEMA_VERSION", "export_items", "item_dict", "export_json", "export_json_text",
           "export_meta", "export_schema", "export_schema_text", "export_tables", "write_export"]
