"""The :class:`KnowledgeBase` service object: validated records, how they are built (from a
data folder, cached per process, or from typed records) and looked up by id.

The class gathers three modules: this one (construction, the read-only kinds, lookups by id),
:mod:`refractor.kb._resolve` (:class:`~refractor.kb._resolve.ResolverMethods`, the one resolver
of agent and disease names) and :mod:`refractor.kb._queries`
(:class:`~refractor.kb._queries.QueryMethods`, the questions asked of the records).
"""
from __future__ import annotations

import difflib
import hashlib
import json
import threading
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from pydantic import BaseModel, ValidationError

from refractor.errors import InputError, KBProblem, KnowledgeBaseError, NotFoundError
from refractor.kb._errors import pydantic_problems
from refractor.kb._load import check_data_dir, read_data_dir, source_files
from refractor.kb._names import normalise_kind
from refractor.kb._queries import QueryMethods
from refractor.kb._resolve import ResolverMethods
from refractor.kb._validate import NO_FILE, SINGULAR, check_references, validate_raw
from refractor.kb.schema import KINDS, Scoring
from refractor.settings import Settings

_CACHE: dict[tuple, "KnowledgeBase"] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 8  # loaded KBs kept per process (keyed by data dir and file stamps)


class KnowledgeBase(ResolverMethods, QueryMethods):
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



__all__ = ["KnowledgeBase"]
