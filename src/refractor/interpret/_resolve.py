"""Resolve the sample table's disease and agent names against the knowledge base, once.

The io layer keeps names as written, with where each came from (``origin``: file, line and
column; a CLI flag; a JSON field). Here every name goes through the KB's one resolver
(:meth:`~refractor.kb.KnowledgeBase.resolve_disease`, ``resolve_agents``); an unknown name is an
:class:`~refractor.errors.InputError` that names its origin and offers a "did you mean". Nothing
is dropped silently.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from refractor.errors import InputError
from refractor.io._clinical import split_agents

HISTORY_FIELDS = ("refractory_agents", "prior_agents")


def _where(origin: dict, field: str, sample: str) -> dict:
    where = origin.get(field)
    if where:
        return dict(where)
    return {"column": field, "context": f"sample {sample!r}"}


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


def resolve_samples(samples: pd.DataFrame, kb: Any, origin: dict | None = None,
                    ) -> tuple[np.ndarray, list[frozenset], list[frozenset]]:
    """KB disease codes and the refractory / prior agent-id sets (regimens expanded into their
    components) of every row of ``samples`` (the cohort's sample table); ``origin`` is
    :attr:`Cohort.origin <refractor.io.cohort.Cohort.origin>` (where each name came from).

    Raises
    ------
    InputError
        An unknown disease or agent (or an agent class in a history), naming where it was
        given; a sample whose two disease values (samplesheet and clinical file) resolve to
        different diseases.
    """
    n = len(samples)
    ids = samples["sample"].astype(str).tolist()
    origins = [(origin or {}).get(i) for i in ids]
    disease = np.empty(n, dtype=object)
    cache: dict[str, str] = {}  # name -> disease code: cohorts repeat a handful of names
    for i, raw in enumerate(samples["disease"].tolist() if "disease" in samples.columns else [None] * n):
        origin = origins[i] if isinstance(origins[i], dict) else {}
        if _missing(raw) or not str(raw).strip():
            disease[i] = None
            continue
        raw = str(raw)
        code = cache.get(raw) or kb.resolve_disease(raw, where=_where(origin, "disease", ids[i]))
        cache[raw] = code
        also = origin.get("disease_also")
        if also:
            where = {k: v for k, v in also.items() if k != "value"}
            other = kb.resolve_disease(also["value"], where=where)
            if other != code:
                raise InputError(f"disease {also['value']!r} for sample {ids[i]!r} contradicts "
                                 f"{raw!r} given for it elsewhere ({other} vs {code})", **where)
        disease[i] = code
    sets: dict[str, list[frozenset]] = {}
    agents: dict[str, tuple[str, ...]] = {}
    for field in HISTORY_FIELDS:
        col = samples[field].tolist() if field in samples.columns else [None] * n
        out = []
        for i, value in enumerate(col):
            names = [] if _missing(value) else split_agents(value)
            if not names:
                out.append(frozenset())
                continue
            key = "\x1f".join(names)
            if key not in agents:
                origin = origins[i] if isinstance(origins[i], dict) else {}
                agents[key] = tuple(kb.resolve_agents(
                    names, where=_where(origin, field, ids[i]), classes=False, expand_regimens=True))
            out.append(frozenset(agents[key]))
        sets[field] = out
    return disease, sets["refractory_agents"], sets["prior_agents"]


__all__ = ["resolve_samples"]
