"""Hand-written per-sample documents in the interpreter's JSON form (schema 1.1)."""
from __future__ import annotations

from typing import Any


def mechanism(slug: str, status: str = "detected", observations=(), *, effect="resistance",
              clonal_fraction: float | None = None, axis: str = "test") -> dict[str, Any]:
    """One mechanism call as the interpreter writes it."""
    return {"mechanism": slug, "name": slug, "axis": axis, "effect": effect, "status": status,
            "biomarkers": [], "observations": list(observations), "missing_data": [],
            "in_disease_context": True, "clonal_fraction": clonal_fraction,
            "clonal_basis": None}


def observation(gene: str, kind: str, value, unit: str, biomarker: str | None = None
                ) -> dict[str, Any]:
    return {"biomarker": biomarker or f"{gene.lower()}-{kind}", "kind": kind, "gene": gene,
            "detail": "", "resolution": "gene", "value": value, "unit": unit}


def sample_doc(mechanisms, agents=(), sid: str = "S1") -> dict[str, Any]:
    """A per-sample report: ``mechanisms`` are dicts (see :func:`mechanism`), ``agents`` ids."""
    return {
        "schema": "refractor.sample-report", "schema_version": "1.1", "sample": sid,
        "disease": None, "subtype": None, "kb_version": "test", "kb_hash": "test",
        "scoring_version": "test", "mechanisms": list(mechanisms),
        "agents": [{"agent": a, "name": a, "agent_class": "test", "level": "intermediate",
                    "score": 1.0} for a in agents],
    }
