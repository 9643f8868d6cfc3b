"""The questions asked of a :class:`~refractor.kb.KnowledgeBase`: evidence, links between
entries, the disease hierarchy, mechanisms per agent, strategies per mechanism, statistics,
full-text search over the compiled database, and the whole KB as tables or one document.

A mixin of :class:`~refractor.kb.KnowledgeBase` (which holds the records); names given to these
queries are resolved by :class:`refractor.kb._resolve.ResolverMethods`.
"""
from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from refractor.errors import InputError
from refractor.kb._names import AGENT_CLASSES, normalise_kind
from refractor.kb.schema import KINDS, Agent, Biomarker, Evidence, EvidenceLevel, Mechanism, Strategy
from refractor.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class QueryMethods:
    """The queries of :class:`~refractor.kb.KnowledgeBase` (records come from the class itself)."""

    def related_diseases(self, disease: str) -> set[str]:
        """``disease`` with its ancestors (parents) and descendants (states, subtypes)."""
        disease = self._query_id("disease", disease)
        out = self._lineage(disease)
        out.update(d for d in self.diseases if disease in self._lineage(d))
        return out

    def _lineage(self, disease: str) -> set[str]:
        """``disease`` and its ancestors, following ``parent`` links (stops on a loop or unknown id)."""
        out: set[str] = set()
        cur: str | None = disease
        while cur and cur not in out:
            out.add(cur)
            node = self.diseases.get(cur)
            cur = node.parent if node is not None else None
        return out

    # ------------------------------------------------------------------ queries
    def evidence_for(self, subject_id: str) -> list[Evidence]:
        """Evidence about ``subject_id``, strongest level first.

        Items whose subject is ``subject_id``; for an agent or disease id also the items that
        name it among their agents / diseases; for an evidence id, that item itself.

        Raises
        ------
        NotFoundError
            When ``subject_id`` is not in the knowledge base.
        """
        kind = self.kind_of(subject_id)
        if kind == "evidence":
            return [self.evidence[subject_id]]
        items = [
            e for e in self.evidence.values()
            if e.subject.id == subject_id
            or (kind == "agents" and any(u.agent == subject_id for u in e.agents))
            or (kind == "diseases" and subject_id in e.diseases)
        ]
        return sorted(items, key=lambda e: e.level.rank)

    def items(self, kind: str) -> list[dict[str, Any]]:
        """Every entry of ``kind`` in its export (JSON) form: ``id``, ``name``, fields."""
        from refractor.kb._export import export_items

        return export_items(self, normalise_kind(kind))

    def item(self, id: str, kind: str | None = None) -> dict[str, Any]:
        """One entry in its export (JSON) form, with ``kind`` first."""
        from refractor.kb._export import item_dict

        kind = normalise_kind(kind) if kind is not None else self.kind_of(id)
        return {"kind": kind, **item_dict(kind, self.get(id, kind))}

    def related(self, id: str, kind: str | None = None) -> dict[str, list[str]]:
        """Ids linked to entry ``id``: its biomarkers, strategies, evidence, mechanisms ..."""
        kind = normalise_kind(kind) if kind is not None else self.kind_of(id)
        self.get(id, kind)
        out: dict[str, list[str]] = {"evidence": [e.id for e in self.evidence_for(id)]}
        if kind == "mechanisms":
            out["biomarkers"] = [b.id for b in self.biomarkers_for_mechanism(id)]
            out["strategies"] = [s.id for s in self.strategies_for_mechanism(id)]
        elif kind == "agents":
            out["mechanisms"] = [m.id for m in self.mechanisms_for_agent(id)]
            out["strategies"] = [s.id for s in self.strategies.values() if id in s.agents]
        elif kind == "genes":
            out["mechanisms"] = [m.id for m in self.mechanisms.values() if id in m.genes]
            out["agents"] = [a.id for a in self.agents.values() if id in a.targets]
        elif kind == "diseases":
            related = self.related_diseases(id)
            out["mechanisms"] = [m.id for m in self.mechanisms.values() if related & set(m.diseases)]
        elif kind == "sources":
            out["evidence"] = [e.id for e in self.evidence.values() if e.source == id]
            out["claims"] = [c.id for c in self.claims.values() if c.source == id]
        return out

    def agents_in_class(self, agent_class: str) -> list[Agent]:
        """Agents of ``agent_class`` (e.g. ``imid``), in file order."""
        if agent_class not in AGENT_CLASSES:
            raise InputError(f"unknown agent class {agent_class!r}", column="agent_class")
        return [a for a in self.agents.values() if a.agent_class == agent_class]

    def mechanisms_for_agent(self, agent: str, disease: str | None = None) -> list[Mechanism]:
        """Resistance/sensitivity mechanisms affecting ``agent`` (an agent id, name, code or class).

        A mechanism affects an agent when it names the agent or its class; a regimen is
        affected by the mechanisms of its components. ``disease`` matches the mechanism's
        diseases, their parents and their sub-states.
        """
        agent = self._query_id("agent", agent)
        if agent in self.agents:
            a = self.agents[agent]
            ids = {agent, *a.components}
            classes = {a.agent_class} | {self.agents[c].agent_class for c in a.components if c in self.agents}
            classes.discard("regimen")
        else:
            classes = {agent}
            ids = {a.id for a in self.agents_in_class(agent)}
        related = self.related_diseases(disease) if disease is not None else None
        out = []
        for m in self.mechanisms.values():
            if not (ids & set(m.agents) or classes & set(m.agent_classes)):
                continue
            if related is not None and not related & set(m.diseases):
                continue
            out.append(m)
        return out

    def biomarkers_for_mechanism(self, mechanism_id: str) -> list[Biomarker]:
        """Biomarker rules that reveal ``mechanism_id``."""
        self.get(mechanism_id, "mechanisms")
        return [b for b in self.biomarkers.values() if b.mechanism == mechanism_id]

    def strategies_for_mechanism(self, mechanism_id: str) -> list[Strategy]:
        """Strategies addressing ``mechanism_id``: strongest evidence first, harmful ones last."""
        self.get(mechanism_id, "mechanisms")
        hits = [s for s in self.strategies.values() if any(l.mechanism == mechanism_id for l in s.addresses)]
        return sorted(hits, key=lambda s: (s.harmful, s.evidence_level.rank))

    def stats(self) -> dict[str, Any]:
        """Counts per kind, version, hash, coverage gaps and the evidence-level histogram."""
        with_biomarker = {b.mechanism for b in self.biomarkers.values()}
        with_strategy = {l.mechanism for s in self.strategies.values() for l in s.addresses}
        with_evidence = {e.subject.id for e in self.evidence.values() if e.subject.kind == "mechanism"}
        levels = Counter(e.level for e in self.evidence.values())
        seen = Counter(i for recs in self._records.values() for i in recs)
        return {
            "name": self.name,
            "version": self.version,
            "content_hash": self.content_hash,
            "counts": {kind: len(recs) for kind, recs in self._records.items()},
            "scoring_rules": len(self.scoring.rules) if self.scoring else 0,
            "evidence_levels": {lv.value: levels.get(lv, 0) for lv in EvidenceLevel},
            # ids used by more than one kind: `get(id)` returns the first; pass kind= to choose
            "ambiguous_ids": sorted(i for i, n in seen.items() if n > 1),
            "coverage_gaps": {
                "mechanisms_without_biomarkers": [m for m in self.mechanisms if m not in with_biomarker],
                "mechanisms_without_strategies": [m for m in self.mechanisms if m not in with_strategy],
                "mechanisms_without_evidence": [m for m in self.mechanisms if m not in with_evidence],
            },
        }

    def search(self, text: str, limit: int = 50) -> "pd.DataFrame":
        """Full-text search over every entry: DataFrame with kind, id, name, snippet (best first)."""
        from refractor.kb._search import search_database

        try:
            return search_database(self.database(), text, limit=limit)
        except sqlite3.DatabaseError:  # damaged since it was checked: verify, rebuild, retry once
            self._db_path = None
            return search_database(self.database(), text, limit=limit)

    def to_frame(self, kind: str) -> "pd.DataFrame":
        """All records of ``kind`` as a DataFrame (one row per entry, JSON-form values)."""
        import pandas as pd

        from refractor.kb._export import export_items

        kind = normalise_kind(kind)
        rows = export_items(self, kind)
        columns = ["id", "name", *[f for f in KINDS[kind].model_fields if f not in ("id", "name")]]
        return pd.DataFrame(rows, columns=columns)

    def database(self) -> Path:
        """Path of the compiled SQLite database, built on first use (cached by content hash).

        An existing file is verified first (owner, content hash, stored payload hash) and
        rebuilt with a :class:`~refractor.errors.CacheWarning` when it does not check out.
        """
        if self._db_path is None or not self._db_path.exists():
            from refractor.kb._compile import build_database

            settings = self.settings or Settings.resolve()
            self._db_path = build_database(self, cache_dir=settings.cache_dir)
        return self._db_path

    def export(self, fmt: str = "json") -> "dict[str, Any] | dict[str, pd.DataFrame]":
        """The whole KB as one JSON-ready document (``json``) or one table per kind (``tsv``)."""
        from refractor.kb._export import export_json, export_tables

        if fmt == "json":
            return export_json(self)
        if fmt == "tsv":
            return export_tables(self)
        raise InputError(f"unknown export format {fmt!r}; use json or tsv", column="format")


__all__ = ["QueryMethods"]
