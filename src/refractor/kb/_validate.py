"""Validate knowledge-base content: schema, duplicate ids and every cross reference.

Every problem is collected (never first-only) as a :class:`~refractor.errors.KBProblem`
whose ``file`` is ``<path relative to the data dir>:<line>``, ``entry`` the entry id and
``field`` a dotted path (``sources.0.source``, ``profile.all.1.gene``).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from refractor.errors import KBProblem
from refractor.kb._errors import pydantic_problems
from refractor.kb._load import RawEntry, RawKB, read_data_dir
from refractor.kb._resolve import agent_index, disease_index, name_conflicts
from refractor.kb.schema import (
    KINDS,
    AgentClass,
    AllTerm,
    AgentRule,
    HistoryFeature,
    HistoryTerm,
    Logic,
    MaxTerm,
    MechanismTerm,
    Provenanced,
    Scoring,
    SubtypeFeature,
    DiseaseFeature,
)
from refractor.settings import Settings

#: a readable singular for each kind, used in messages
SINGULAR = {
    "sources": "source",
    "diseases": "disease",
    "genes": "gene",
    "agents": "agent",
    "neosubstrates": "neosubstrate",
    "mechanisms": "mechanism",
    "biomarkers": "biomarker",
    "strategies": "strategy",
    "evidence": "evidence item",
    "claims": "claim",
    "trials": "trial",
    "contradictions": "contradiction",
    "model_systems": "model system",
    "scoring": "scoring rule",
}
#: SubjectRef.kind -> kind folder
SUBJECT_KINDS = {
    "mechanism": "mechanisms",
    "biomarker": "biomarkers",
    "strategy": "strategies",
    "agent": "agents",
    "trial": "trials",
    "gene": "genes",
    "neosubstrate": "neosubstrates",
}
NO_FILE = "<records>"
BASE_KEY = "scoring-base"  # origins key of scoring/base.yaml


@dataclass
class Parsed:
    """Validated records plus where each came from and every problem found."""

    records: dict[str, dict[str, BaseModel]]
    scoring: Scoring | None
    origins: dict[tuple[str, str], RawEntry] = field(default_factory=dict)
    problems: list[KBProblem] = field(default_factory=list)


def _where(entry: RawEntry | None, loc: tuple[Any, ...] = ()) -> str:
    if entry is None:
        return NO_FILE
    return f"{entry.file}:{entry.line_of(loc)}"


def _parse_entry(model: type[BaseModel], entry: RawEntry, problems: list[KBProblem]) -> Any:
    if not isinstance(entry.data, dict):
        problems.append(KBProblem(_where(entry), entry.entry_id, None,
                                  f"expected a mapping (key: value), found {type(entry.data).__name__}"))
        return None
    try:
        return model.model_validate(entry.data)
    except ValidationError as exc:
        rows = pydantic_problems(exc, entry.data, lambda loc: _where(entry, loc), entry.entry_id)
        problems.extend(KBProblem(*row) for row in rows)
        return None


def _parse_list(kind: str, model: type[BaseModel], entries: list[RawEntry], parsed: Parsed) -> dict:
    out: dict[str, Any] = {}
    first: dict[str, RawEntry] = {}
    for entry in entries:
        rid = entry.data.get("id") if isinstance(entry.data, dict) else None
        if isinstance(rid, str) and rid in first:
            prev = first[rid]
            parsed.problems.append(KBProblem(
                _where(entry, ("id",)), rid, "id",
                f"duplicate {SINGULAR[kind]} id {rid!r} (first defined in {prev.file}:{prev.line})"))
            continue
        if isinstance(rid, str):
            first[rid] = entry
        record = _parse_entry(model, entry, parsed.problems)
        if record is not None:
            out[record.id] = record
            parsed.origins[(kind, record.id)] = entry
    return out


def _parse_scoring(raw: RawKB, parsed: Parsed) -> Scoring | None:
    rules = _parse_list("scoring", AgentRule, raw.scoring_rules, parsed)
    base = raw.scoring_base
    if base is None:
        if raw.scoring_rules:
            parsed.problems.append(KBProblem("scoring/base.yaml", None, None,
                                             "missing (version, possible_factor, levels, score_to_level)"))
        else:
            parsed.problems.append(KBProblem("scoring/", None, None,
                                             "no scoring: add scoring/base.yaml and rules_<topic>.yaml"))
        return None
    parsed.origins[(BASE_KEY, "")] = base
    if not raw.scoring_rules:
        parsed.problems.append(KBProblem("scoring/", None, "rules",
                                         "no rules: add at least one scoring/rules_<topic>.yaml"))
        return None
    if "rules" in base.data:
        parsed.problems.append(KBProblem(_where(base, ("rules",)), None, "rules",
                                         "rules belong in scoring/rules_<topic>.yaml, not in base.yaml"))
        return None
    if len(rules) != len(raw.scoring_rules):
        return None  # rule problems already reported; the merged object would add noise
    data = dict(base.data, rules=list(rules.values()))
    try:
        return Scoring.model_validate(data)
    except ValidationError as exc:
        rows = pydantic_problems(exc, data, lambda loc: _where(base, loc), None)
        parsed.problems.extend(KBProblem(*row) for row in rows)
        return None


def parse_raw(raw: RawKB) -> Parsed:
    """Validate every raw entry against its schema; report duplicates; keep what validates."""
    parsed = Parsed(records={}, scoring=None, problems=list(raw.problems))
    for kind, model in KINDS.items():
        parsed.records[kind] = _parse_list(kind, model, raw.entries.get(kind, []), parsed)
    if raw.data_dir is not None and raw.data_dir.is_dir():
        parsed.scoring = _parse_scoring(raw, parsed)
    for key in ("name", "version"):
        if raw.data_dir is not None and raw.meta is not None and "kb.yaml" in raw.files \
                and not isinstance(raw.meta.get(key), str):
            parsed.problems.append(KBProblem("kb.yaml", None, key, "required text field is missing"))
    return parsed


# --------------------------------------------------------------------------- references
class _RefChecker:
    def __init__(self, records: dict[str, dict[str, Any]], origins: dict[tuple[str, str], RawEntry]):
        self.records = records
        self.origins = origins
        self.problems: list[KBProblem] = []

    def problem(self, kind: str, rid: str | None, loc: tuple[Any, ...], message: str) -> None:
        entry = self.origins.get((kind, rid) if rid is not None else (BASE_KEY, ""))
        self.problems.append(KBProblem(_where(entry, loc), rid,
                                       ".".join(str(x) for x in loc) or None, message))

    def ref(self, kind: str, rid: str | None, loc: tuple[Any, ...], target: str, value: Any) -> None:
        if value is None or value in self.records.get(target, {}):
            return
        hint = difflib.get_close_matches(str(value), list(self.records.get(target, {})), n=1)
        extra = f" (did you mean {hint[0]!r}?)" if hint else ""
        self.problem(kind, rid, loc, f"unknown {SINGULAR[target]} {value!r}{extra}")

    def refs(self, kind: str, rid: str, name: str, target: str, values: list[Any]) -> None:
        for i, value in enumerate(values):
            self.ref(kind, rid, (name, i), target, value)

    # -- per kind
    def term(self, rid: str, loc: tuple[Any, ...], term: Any) -> None:
        if isinstance(term, Logic):
            for key, items in (("all", term.all), ("any", term.any)):
                for i, sub in enumerate(items or []):
                    self.term(rid, (*loc, key, i), sub)
            if term.not_ is not None:
                self.term(rid, (*loc, "not"), term.not_)
            return
        if isinstance(term, HistoryFeature):
            for i, a in enumerate(term.agents):
                self.ref("biomarkers", rid, (*loc, "agents", i), "agents", a)
            return
        if isinstance(term, (SubtypeFeature, DiseaseFeature)):
            for i, d in enumerate(term.diseases):
                self.ref("biomarkers", rid, (*loc, "diseases", i), "diseases", d)
            return
        self.ref("biomarkers", rid, (*loc, "gene"), "genes", getattr(term, "gene", None))

    def check_records(self) -> None:
        r = self.records
        for kind, recs in r.items():
            for rid, rec in recs.items():
                if isinstance(rec, Provenanced):
                    for i, s in enumerate(rec.sources):
                        self.ref(kind, rid, ("sources", i, "source"), "sources", s.source)
                if hasattr(rec, "diseases") and kind != "contradictions":
                    self.refs(kind, rid, "diseases", "diseases", rec.diseases)
        for rid, d in r["diseases"].items():
            self.ref("diseases", rid, ("parent",), "diseases", d.parent)
            chain, node = [rid], d
            while node is not None and node.parent is not None:
                if node.parent in chain:  # reported once per disease on the loop itself
                    if node.parent == rid:
                        self.problem("diseases", rid, ("parent",),
                                     f"parent chain loops: {' -> '.join([*chain, node.parent])}")
                    break
                chain.append(node.parent)
                node = r["diseases"].get(node.parent)
        for rid, a in r["agents"].items():
            self.refs("agents", rid, "targets", "genes", a.targets)
            self.refs("agents", rid, "components", "agents", a.components)
            for i, n in enumerate(a.names):
                self.ref("agents", rid, ("names", i, "source"), "sources", n.source)
        for rid, n in r["neosubstrates"].items():
            self.ref("neosubstrates", rid, ("agent",), "agents", n.agent)
            self.ref("neosubstrates", rid, ("substrate",), "genes", n.substrate)
        for rid, m in r["mechanisms"].items():
            self.refs("mechanisms", rid, "genes", "genes", m.genes)
            self.refs("mechanisms", rid, "agents", "agents", m.agents)
        for rid, b in r["biomarkers"].items():
            self.ref("biomarkers", rid, ("mechanism",), "mechanisms", b.mechanism)
            self.term(rid, ("profile",), b.profile)
        for rid, s in r["strategies"].items():
            self.refs("strategies", rid, "agents", "agents", s.agents)
            for i, link in enumerate(s.addresses):
                self.ref("strategies", rid, ("addresses", i, "mechanism"), "mechanisms", link.mechanism)
        for rid, e in r["evidence"].items():
            self.ref("evidence", rid, ("subject", "id"), SUBJECT_KINDS[e.subject.kind], e.subject.id)
            for i, use in enumerate(e.agents):
                self.ref("evidence", rid, ("agents", i, "agent"), "agents", use.agent)
            self.ref("evidence", rid, ("source",), "sources", e.source)
            self.refs("evidence", rid, "conflicts_with", "evidence", e.conflicts_with)
        for rid, c in r["claims"].items():
            if c.subject is not None:
                self.ref("claims", rid, ("subject", "id"), SUBJECT_KINDS[c.subject.kind], c.subject.id)
            self.ref("claims", rid, ("source",), "sources", c.source)
        for rid, t in r["trials"].items():
            names = {arm.name for arm in t.arms}
            for i, arm in enumerate(t.arms):
                for j, a in enumerate(arm.agents):
                    self.ref("trials", rid, ("arms", i, "agents", j), "agents", a)
            for i, o in enumerate(t.outcomes):
                for key in ("arm", "comparator_arm"):
                    value = getattr(o, key)
                    if value is not None and names and value not in names:
                        self.problem("trials", rid, ("outcomes", i, key),
                                     f"unknown arm {value!r}; arms are: {', '.join(sorted(names))}")
        for rid, c in r["contradictions"].items():
            for i, side in enumerate(c.sides):
                self.ref("contradictions", rid, ("sides", i, "source"), "sources", side.source)
                self.ref("contradictions", rid, ("sides", i, "evidence"), "evidence", side.evidence)

    def check_names(self) -> None:
        """A name (id, name, code, brand, abbreviation) that resolves to two agents or two
        diseases is ambiguous: the resolver could not tell which one a user meant."""
        indexes = (("agents", agent_index(self.records.get("agents", {}), get_args(AgentClass))),
                   ("diseases", disease_index(self.records.get("diseases", {}))))
        for kind, index in indexes:
            for rid, loc, message in name_conflicts(index):
                self.problem(kind, rid, loc, message)

    def check_scoring(self, scoring: Scoring) -> None:
        for rule in scoring.rules:
            rid = rule.id
            self.refs("scoring", rid, "agents", "agents", rule.agents)
            for i, term in enumerate(rule.terms):
                self._score_term(rid, ("terms", i), term)
            covered = set(rule.agents)
            for agent_id, weights in rule.overrides.items():
                self.ref("scoring", rid, ("overrides", agent_id), "agents", agent_id)
                agent = self.records["agents"].get(agent_id)
                if agent is not None and agent_id not in covered and agent.agent_class not in rule.agent_classes:
                    self.problem("scoring", rid, ("overrides", agent_id),
                                 f"agent {agent_id!r} is overridden but not covered by this rule")
                for mech in weights:
                    self.ref("scoring", rid, ("overrides", agent_id, mech), "mechanisms", mech)
        labels = [lv.label for lv in scoring.levels]
        if len(set(labels)) != len(labels):
            self.problem("scoring", None, ("levels",), "level labels must be distinct")
        bands = scoring.score_to_level
        for i in range(1, len(bands)):
            if bands[i].min <= bands[i - 1].min:
                self.problem("scoring", None, ("score_to_level", i, "min"),
                             f"bands must have strictly increasing min: {bands[i].min:g} is not above "
                             f"{bands[i - 1].min:g}")

    def _score_term(self, rid: str, loc: tuple[Any, ...], term: Any) -> None:
        if isinstance(term, MechanismTerm):
            self.ref("scoring", rid, (*loc, "mechanism"), "mechanisms", term.mechanism)
        elif isinstance(term, HistoryTerm):
            for j, a in enumerate(term.agents):
                self.ref("scoring", rid, (*loc, "agents", j), "agents", a)
        elif isinstance(term, MaxTerm):
            for j, sub in enumerate(term.max):
                self._score_term(rid, (*loc, "max", j), sub)
        elif isinstance(term, AllTerm):
            for j, m in enumerate(term.all):
                self.ref("scoring", rid, (*loc, "all", j), "mechanisms", m)


def check_references(
    records: dict[str, dict[str, Any]],
    scoring: Scoring | None,
    origins: dict[tuple[str, str], RawEntry] | None = None,
) -> list[KBProblem]:
    """Every cross reference between records (and from the scoring rules) that does not resolve."""
    checker = _RefChecker(records, origins or {})
    checker.check_records()
    checker.check_names()
    if scoring is not None:
        checker.check_scoring(scoring)
    return checker.problems


def validate_raw(raw: RawKB) -> Parsed:
    """Schema, duplicates and references for data read by :func:`read_data_dir`."""
    parsed = parse_raw(raw)
    parsed.problems.extend(check_references(parsed.records, parsed.scoring, parsed.origins))
    return parsed


def validate(data_dir: str | Path | None = None, *, settings: Settings | None = None) -> list[KBProblem]:
    """Validate a KB data directory and return every problem found (empty list: valid).

    Parameters
    ----------
    data_dir : path, optional
        Directory holding ``kb.yaml``, ``<kind>/*.yaml`` and ``scoring/``; default
        ``settings.kb_dir`` (the packaged data unless ``REFRACTOR_KB_DIR`` says otherwise).
    settings : Settings, optional
        Cache folder and YAML limits (default: :meth:`Settings.resolve`).
    """
    settings = (settings or Settings.resolve()).with_kb_dir(data_dir)
    return validate_raw(read_data_dir(settings.kb_dir, settings)).problems


__all__ = ["Parsed", "SINGULAR", "SUBJECT_KINDS", "check_references", "parse_raw", "validate",
           "validate_raw"]
