"""The one resolver of agent and disease names, owned by the knowledge base.

Every reader (clinical TSV, samplesheet, CLI flags), the HTTP API and the KB queries turn the
names users write into KB ids here, and nowhere else:

* agents: the id (``venetoclax``), the display name, ``codes`` (development codes and aliases),
  ``names`` (brand names and codes, each with its source), regimen names (``R-CHOP``) and,
  where the caller allows it, agent classes (``IMiD``);
* diseases: the code (``MM``), the name, ``abbreviations`` (including OncoTree codes and names
  such as ``PCM`` / ``Plasma Cell Myeloma``) and ontology ids (``MONDO:0009693``).

Matching ignores case, blanks, hyphens and underscores (``cc 220`` = ``CC-220`` = ``cc220``).
An unknown name is an :class:`~refractor.errors.InputError` that says where the name came from
and offers the closest names the KB knows ("did you mean"). A name that two entries share is a
knowledge-base problem reported by ``refractor kb validate`` (:func:`name_conflicts`).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Union

from refractor.errors import InputError, NotFoundError

#: what is ignored when names are compared: blanks, hyphens/dashes, underscores, (R)/(TM) marks
_IGNORED = re.compile(r"[\s\-_\u2010-\u2015\u2212\u00ae\u2122]+")

#: where a name came from: ``None``; a flag or JSON field (``"--refractory"``, ``"disease"``);
#: or InputError keywords ``{"path": ..., "line": ..., "column": ...}`` (plus an optional
#: ``"context"`` such as ``"sample 'S1'"`` that prefixes the message)
Where = Union[None, str, Mapping[str, Any]]


def name_key(text: str) -> str:
    """The comparison key of a name: NFKC, case-folded, without blanks, hyphens, underscores."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


@dataclass(frozen=True)
class Resolution:
    """How one name maps to a KB id, and why (the name's kind and its source)."""

    id: str
    kind: str  # "agent" | "agent_class" | "disease"
    matched: str  # the name as the KB spells it
    via: str  # id | name | code | brand | abbreviation | synonym | regimen | class | ontology
    source: str | None = None  # source id backing the name (brand names, development codes)
    at: str | None = None
    entry_field: tuple = ()  # where the name is declared in the entry, e.g. ("names", 0, "name")

    @property
    def reason(self) -> str:
        """One line a report can show: ``'ABT-199' is a development code of venetoclax (pmid:...)``."""
        what = {"id": "the id", "name": "the name", "code": "a development code or alias",
                "brand": "a brand name", "abbreviation": "an abbreviation", "synonym": "a synonym",
                "regimen": "the regimen name", "class": "the agent class",
                "ontology": "an ontology id"}.get(self.via, self.via)
        text = f"{self.matched!r} is {what} of {self.id}"
        return text + (f" (source {self.source})" if self.source else "")


def _error(problem: str, where: Where) -> InputError:
    if where is None:
        return InputError(problem)
    if isinstance(where, str):
        return InputError(problem, column=where)
    kw = {k: where[k] for k in ("path", "line", "column") if where.get(k) is not None}
    context = where.get("context")
    return InputError(f"{context}: {problem}" if context else problem, **kw)


class NameIndex:
    """Name -> :class:`Resolution` for one kind of entity (agents or diseases).

    Built from ``(name, resolution)`` pairs in priority order (ids first). The first target of
    a key wins; a key claimed by another target is kept in :attr:`conflicts`.
    """

    def __init__(self, what: str, pairs: Iterable[tuple[str, Resolution]]) -> None:
        self.what = what
        self._map: dict[str, Resolution] = {}
        self._shown: dict[str, str] = {}  # key -> a name as written, for suggestions
        self.conflicts: list[tuple[str, Resolution, Resolution]] = []
        for name, res in pairs:
            key = name_key(name)
            if not key:
                continue
            prev = self._map.get(key)
            if prev is None:
                self._map[key] = res
                self._shown[key] = name
            elif (prev.id, prev.kind) != (res.id, res.kind):
                self.conflicts.append((name, prev, res))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name_key(name) in self._map

    def names(self) -> list[str]:
        """Every resolvable name (one spelling per key)."""
        return list(self._shown.values())

    def lookup(self, name: str) -> Resolution | None:
        """The resolution of ``name``, or None."""
        return self._map.get(name_key(name))

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """The closest known names (difflib over every resolvable name), each with its id."""
        keys = difflib.get_close_matches(name_key(name), list(self._map), n=4 * n, cutoff=0.6)
        out: dict[str, str] = {}  # one suggestion per target, closest spelling first
        for k in keys:
            shown, res = self._shown[k], self._map[k]
            if res.id not in out and len(out) < n:
                out[res.id] = repr(shown) if k == name_key(res.id) else f"{shown!r} ({res.id})"
        return list(out.values())

    def resolve(self, name: str, *, where: Where = None, classes: bool = True) -> Resolution:
        """Resolve one name; InputError naming ``where`` with a "did you mean" if unknown.

        ``classes=False`` refuses agent-class names (a patient is refractory to agents, not to
        a class): the error lists the class's members.
        """
        text = str(name).strip()
        res = self._map.get(name_key(text)) if text else None
        if res is None:
            hint = self.suggest(text) if text else []
            more = f"; did you mean {' or '.join(hint)}?" if hint else ""
            raise _error(f"unknown {self.what} {text!r}{more}", where)
        if res.kind == "agent_class" and not classes:
            raise _error(f"{text!r} is an agent class ({res.id}), not an agent: name the "
                         f"agent(s) given{self._members(res.id)}", where)
        return res

    def _members(self, agent_class: str) -> str:
        members = sorted({r.id for r in self._map.values()
                          if r.kind == "agent" and getattr(r, "agent_class", None) == agent_class})
        return f" (e.g. {', '.join(members[:6])})" if members else ""


@dataclass(frozen=True)
class _AgentResolution(Resolution):
    agent_class: str | None = None


def agent_index(agents: Mapping[str, Any], classes: Iterable[str] = ()) -> NameIndex:
    """The agent name index: ids, class names, display names, codes, sourced names."""
    pairs: list[tuple[str, Resolution]] = []
    for a in agents.values():
        pairs.append((a.id, _AgentResolution(a.id, "agent", a.id, "id", agent_class=a.agent_class)))
    for c in classes:
        pairs.append((c, Resolution(c, "agent_class", c, "class")))
    for a in agents.values():
        # names and ``codes`` are backed by the entry's own sources; only ``names`` carry one each
        via = "regimen" if a.agent_class == "regimen" else "name"
        pairs.append((a.name, _AgentResolution(a.id, "agent", a.name, via,
                                               entry_field=("name",), agent_class=a.agent_class)))
        for i, code in enumerate(a.codes):
            pairs.append((code, _AgentResolution(a.id, "agent", code, "code",
                                                 entry_field=("codes", i), agent_class=a.agent_class)))
        for i, n in enumerate(getattr(a, "names", ())):
            pairs.append((n.name, _AgentResolution(a.id, "agent", n.name, n.kind, n.source, n.at,
                                                   entry_field=("names", i, "name"),
                                                   agent_class=a.agent_class)))
    return NameIndex("agent", pairs)


def disease_index(diseases: Mapping[str, Any]) -> NameIndex:
    """The disease name index: codes, names, abbreviations, ontology ids."""
    pairs: list[tuple[str, Resolution]] = [(d.id, Resolution(d.id, "disease", d.id, "id"))
                                           for d in diseases.values()]
    for d in diseases.values():
        pairs.append((d.name, Resolution(d.id, "disease", d.name, "name", entry_field=("name",))))
        for i, ab in enumerate(d.abbreviations):
            pairs.append((ab, Resolution(d.id, "disease", ab, "abbreviation",
                                         entry_field=("abbreviations", i))))
        for key, value in d.ontology.items():
            pairs.append((value, Resolution(d.id, "disease", value, "ontology",
                                            entry_field=("ontology", key))))
    return NameIndex("disease", pairs)


def name_conflicts(index: NameIndex) -> list[tuple[str, tuple, str]]:
    """``(entry id, field path, message)`` for every name two entries claim (reported on the
    entry that declares the later claim; on the agent when the other side is an agent class)."""
    out = []
    for name, first, other in index.conflicts:
        entry, rival = (first, other) if other.kind == "agent_class" else (other, first)
        out.append((entry.id, entry.entry_field,
                    f"{index.what} name {name!r} is ambiguous: it also names {rival.id!r} "
                    f"({rival.via} {rival.matched!r}); give each name to one {index.what} only"))
    return out


class ResolverMethods:
    """The name-resolution methods of :class:`~refractor.kb.KnowledgeBase` (a mixin: the
    agents and diseases come from the class itself). Every reader, the CLI, the HTTP API and
    the KB queries go through these methods."""

    def _index(self, what: str) -> NameIndex:
        from refractor.kb._names import AGENT_CLASSES  # _names -> _validate -> this module

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



__all__ = ["NameIndex", "Resolution", "ResolverMethods", "Where", "agent_index", "disease_index", "name_conflicts",
           "name_key"]
