"""The :class:`KnowledgeBase` service object: validated records and the queries over them."""
from __future__ import annotations

import difflib
import hashlib
import json
import sqlite3
import threading
from collections import Counter
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from pydantic import BaseModel, ValidationError

from refractor.errors import InputError, KBProblem, KnowledgeBaseError, NotFoundError
from refractor.kb._errors import pydantic_problems
from refractor.kb._load import check_data_dir, read_data_dir, source_files
from refractor.kb._names import AGENT_CLASSES, normalise_kind
from refractor.kb._resolve import NameIndex, Resolution, Where, agent_index, disease_index
from refractor.kb._validate import NO_FILE, SINGULAR, check_references, validate_raw
from refractor.kb.schema import (
    KINDS,
    Agent,
    Biomarker,
    Evidence,
    EvidenceLevel,
    Mechanism,
    Scoring,
    Strategy,
)
from refractor.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_CACHE: dict[tuple, "KnowledgeBase"] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 8  # loaded KBs kept per process (keyed by data dir and file stamps)


class KnowledgeBase:
    """Validated, immutable knowledge-base content and the queries every part of Refractor uses.

    Build one with :meth:`load` (source files) or :meth:`from_records` (typed records, for
    tests). Each kind is a read-only ordered mapping id -> frozen record: ``kb.agents``,
    ``kb.mechanisms`` ... (one KB is shared by every caller in the process, so nothing handed
    out may be changed in place).
    """

    def __init__(
        self,
        records: dict[str, dict[str, BaseModel]],
        scoring: Scoring | None,
        *,
        version: str,
        content_hash: str,
        name: str = "refractor-kb",
        description: str = "",
        data_dir: Path | None = None,
        settings: Settings | None = None,
    ) -> None:
        self._records = {kind: dict(records.get(kind, {})) for kind in KINDS}
        self._views = {kind: MappingProxyType(recs) for kind, recs in self._records.items()}
        self.settings = settings
        self.scoring = scoring
        self.version = version
        self.content_hash = content_hash
        self.name = name
        self.description = description
        self.data_dir = data_dir
        self._db_path: Path | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def load(cls, path: str | Path | None = None, *, settings: Settings | None = None) -> "KnowledgeBase":
        """Load and validate a data directory.

        Parameters
        ----------
        path : path, optional
            KB data folder; default ``settings.kb_dir``.
        settings : Settings, optional
            KB folder, cache folder and limits; default :meth:`Settings.resolve` (flag-less:
            ``REFRACTOR_KB_DIR`` / ``REFRACTOR_CACHE_DIR``, else the packaged defaults).

        Raises
        ------
        InputError
            The folder does not exist, is a file or cannot be read (one line).
        KnowledgeBaseError
            Listing every problem found (file:line, entry, field, message).
        """
        settings = (settings or Settings.resolve()).with_kb_dir(path)
        check_data_dir(settings.kb_dir)
        data_dir = settings.kb_dir.resolve()
        try:
            stats = [(str(p), p.stat()) for p in source_files(data_dir)]
        except OSError:  # an unreadable kind folder: read_data_dir reports it
            stats = None
        key = None
        if stats is not None:
            key = (str(data_dir), settings.cache_dir, settings.limits,
                   tuple((n, st.st_mtime_ns, st.st_size) for n, st in stats))
            with _CACHE_LOCK:
                if key in _CACHE:
                    return _CACHE[key]
        raw = read_data_dir(data_dir, settings)
        parsed = validate_raw(raw)
        if parsed.problems:
            raise KnowledgeBaseError(
                f"knowledge base {data_dir} has {len(parsed.problems)} problem(s)", parsed.problems)
        kb = cls(parsed.records, parsed.scoring, version=str(raw.meta.get("version")),
                 content_hash=raw.content_hash, name=str(raw.meta.get("name", "refractor-kb")),
                 description=str(raw.meta.get("description", "")), data_dir=data_dir, settings=settings)
        if key is not None:
            with _CACHE_LOCK:
                while len(_CACHE) >= _CACHE_SIZE:  # oldest first: dicts keep insertion order
                    _CACHE.pop(next(iter(_CACHE)))
                _CACHE[key] = kb
        return kb

    @classmethod
    def from_records(
        cls,
        *,
        scoring: Scoring | dict | None = None,
        version: str = "0.0.0",
        name: str = "refractor-kb",
        settings: Settings | None = None,
        **kinds: Iterable[BaseModel | dict],
    ) -> "KnowledgeBase":
        """Build a KB from typed records (or plain dicts), with the same checks as :meth:`load`.

        Parameters
        ----------
        scoring : Scoring, optional
        version : str
        settings : Settings, optional
            Where :meth:`database` is cached (default: resolved when first needed).
        **kinds
            One keyword per kind (``agents=[...]``, ``mechanisms=[...]``); see ``KINDS``.
        """
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise InputError(f"unknown kind(s): {', '.join(sorted(unknown))}")
        problems: list[KBProblem] = []
        records: dict[str, dict[str, BaseModel]] = {kind: {} for kind in KINDS}
        for kind, items in kinds.items():
            model = KINDS[kind]
            for i, item in enumerate(items):
                try:
                    rec = item if isinstance(item, model) else model.model_validate(item)
                except ValidationError as exc:
                    rid = item.get("id") if isinstance(item, dict) else None
                    entry = rid if isinstance(rid, str) else f"{kind}[{i}]"
                    rows = pydantic_problems(exc, item, lambda loc: NO_FILE, entry)
                    problems.extend(KBProblem(*row) for row in rows)
                    continue
                if rec.id in records[kind]:
                    problems.append(KBProblem(NO_FILE, rec.id, "id",
                                              f"duplicate {SINGULAR[kind]} id {rec.id!r}"))
                    continue
                records[kind][rec.id] = rec
        if isinstance(scoring, dict):
            scoring = Scoring.model_validate(scoring)
        problems.extend(check_references(records, scoring))
        if problems:
            raise KnowledgeBaseError(f"records have {len(problems)} problem(s)", problems)
        payload = json.dumps(
            {k: [r.model_dump(mode="json") for r in v.values()] for k, v in records.items()}
            | {"scoring": scoring.model_dump(mode="json") if scoring else None},
            sort_keys=True, default=str).encode()
        return cls(records, scoring, version=version, name=name, settings=settings,
                   content_hash=hashlib.sha256(payload).hexdigest()[:16])

    # ------------------------------------------------------------------ kinds
    def records(self, kind: str) -> Mapping[str, BaseModel]:
        """Read-only id -> record for ``kind`` (plural folder name or singular)."""
        return self._views[normalise_kind(kind)]

    sources = property(lambda self: self._views["sources"])
    diseases = property(lambda self: self._views["diseases"])
    genes = property(lambda self: self._views["genes"])
    agents = property(lambda self: self._views["agents"])
    neosubstrates = property(lambda self: self._views["neosubstrates"])
    mechanisms = property(lambda self: self._views["mechanisms"])
    biomarkers = property(lambda self: self._views["biomarkers"])
    strategies = property(lambda self: self._views["strategies"])
    evidence = property(lambda self: self._views["evidence"])
    claims = property(lambda self: self._views["claims"])
    trials = property(lambda self: self._views["trials"])
    contradictions = property(lambda self: self._views["contradictions"])
    model_systems = property(lambda self: self._views["model_systems"])

    def __getstate__(self) -> dict[str, Any]:  # mapping proxies do not pickle: rebuild them
        state = dict(self.__dict__)
        del state["_views"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._views = {kind: MappingProxyType(recs) for kind, recs in self._records.items()}

    def __repr__(self) -> str:
        n = sum(len(v) for v in self._records.values())
        return f"<KnowledgeBase {self.name} {self.version} ({self.content_hash}): {n} entries>"

    # ------------------------------------------------------------------ lookups
    def kind_of(self, id: str) -> str:
        """The kind holding ``id`` (first in compile order); NotFoundError if none does."""
        for kind, recs in self._records.items():
            if id in recs:
                return kind
        everything = [i for recs in self._records.values() for i in recs]
        hint = difflib.get_close_matches(id, everything, n=3)
        more = f"; did you mean {', '.join(map(repr, hint))}?" if hint else ""
        raise NotFoundError(f"no knowledge-base entry with id {id!r}{more}")

    def canonical_id(self, name: str, kind: str | None = None) -> str:
        """``name`` if it is an entry id; else the agent or disease id the one resolver gives
        for a brand name, development code, abbreviation ... (``Venclexta`` -> ``venetoclax``);
        else ``name`` unchanged (so that :meth:`get` reports it as not found)."""
        if any(name in recs for recs in self._records.values()):
            return name
        wanted = normalise_kind(kind) if kind is not None else None
        for what, folder in (("agent", "agents"), ("disease", "diseases")):
            if wanted in (None, folder):
                res = self._index(what).lookup(name)
                if res is not None and res.kind == what:
                    return res.id
        return name

    def get(self, id: str, kind: str | None = None) -> BaseModel:
        """The record with ``id`` (in ``kind`` when given).

        Raises
        ------
        NotFoundError
            When no such record exists.
        """
        if kind is None:
            kind = self.kind_of(id)
        recs = self.records(kind)
        if id not in recs:
            hint = difflib.get_close_matches(id, list(recs), n=3)
            more = f"; did you mean {', '.join(map(repr, hint))}?" if hint else ""
            raise NotFoundError(f"no {SINGULAR[normalise_kind(kind)]} with id {id!r}{more}")
        return recs[id]

    # ------------------------------------------------------------------ names
    # The one resolver of agent and disease names (see refractor.kb._resolve): every reader,
    # the CLI, the HTTP API and the queries below go through these methods.
    def _index(self, what: str) -> NameIndex:
        cache = self.__dict__.setdefault("_name_indexes", {})
        if what not in cache:
            cache[what] = (agent_index(self.agents, sorted(AGENT_CLASSES)) if what == "agent"
                           else disease_index(self.diseases))
        return cache[what]

    def explain_agent(self, name: str, *, where: Where = None, classes: bool = True) -> Resolution:
        """How ``name`` resolves (id, kind of name, source); InputError if unknown (see
        :meth:`resolve_agent`)."""
        return self._index("agent").resolve(name, where=where, classes=classes)

    def resolve_agent(self, name: str, *, where: Where = None, classes: bool = True) -> str:
        """The agent id (or agent class) for ``name``: an id, name, development code, brand
        name or regimen name, compared ignoring case, blanks and hyphens.

        Parameters
        ----------
        where
            Where the name came from, for the error: a flag or JSON field (``"--refractory"``)
            or ``{"path": ..., "line": ..., "column": ...}``.
        classes
            Accept agent-class names (``IMiD``); False for patient histories.

        Raises
        ------
        InputError
            Unknown name (naming ``where``, with a "did you mean"), or a class when
            ``classes`` is False.
        """
        return self.explain_agent(name, where=where, classes=classes).id

    def resolve_agents(self, names: Iterable[str], *, where: Where = None, classes: bool = False,
                       expand_regimens: bool = False) -> list[str]:
        """Agent ids for ``names`` in order, each once; regimens also add their components
        when ``expand_regimens``. InputError on the first unknown name (see :meth:`resolve_agent`)."""
        out: dict[str, None] = {}
        for n in names:
            aid = self.resolve_agent(n, where=where, classes=classes)
            out.setdefault(aid, None)
            if expand_regimens and aid in self.agents:
                for c in self.agents[aid].components:
                    out.setdefault(c, None)
        return list(out)

    def explain_disease(self, name: str, *, where: Where = None) -> Resolution:
        """How ``name`` resolves to a disease code (see :meth:`resolve_disease`)."""
        return self._index("disease").resolve(name, where=where)

    def resolve_disease(self, name: str, *, where: Where = None) -> str:
        """The disease code for ``name``: a code, name, abbreviation (including OncoTree codes
        and names) or ontology id. InputError naming ``where`` with a "did you mean" if unknown."""
        return self.explain_disease(name, where=where).id

    def _query_id(self, what: str, name: str) -> str:
        """Resolve a name given to a KB query: unknown is NotFoundError (exit 4), as for ids."""
        index = self._index(what)
        res = index.lookup(name)
        if res is None:
            hint = index.suggest(name)
            more = f"; did you mean {' or '.join(hint)}?" if hint else ""
            raise NotFoundError(f"no {what} with id {name!r}{more}")
        return res.id

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


__all__ = ["KnowledgeBase"]
