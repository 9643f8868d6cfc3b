"""Scenario files: YAML -> validated :class:`Scenario`, with file:line errors and "did you mean".

A scenario is data, not code (``docs/schemas/scenario.schema.json``): population, arms (KB
regimens or agent lists, with the subsequent-line policy), size, follow-up, seed, replicates and
the published targets it is meant to reproduce. Structure is checked with the JSON Schema; names
(agents, regimens, diseases, mechanism ids) are checked by the knowledge base, the only resolver.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from refractor.errors import InputError

SCHEMA_NAME = "refractor.cohort.scenario"
SCHEMA_VERSION = 1
DEFAULTS = {"n_per_arm": 1000, "follow_up_months": 60.0, "seed": 0, "replicates": 1, "line": 1}


@dataclass(frozen=True)
class Arm:
    """One arm: the regimen of its first line (agent ids) and the regimens of the next lines."""

    name: str
    regimen: str  # KB id of the regimen/agent, or "+".join(agents) for an agent list
    lines: tuple[tuple[str, ...], ...]  # agent ids per line (first = the randomised line)
    line_names: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    id: str
    measure: str
    value: float
    source: str
    arm: str | None = None
    comparator: str | None = None
    line: int = 1
    mechanisms: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    claim: str | None = None
    seed_file: str | None = None
    use: str = "report"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario (names resolved to KB ids)."""

    name: str
    title: str
    disease: str
    state: str
    line: int
    prior: frozenset[str]
    refractory: frozenset[str]
    prevalence: dict[str, float]
    covariates: dict[str, dict[str, Any]]
    arms: tuple[Arm, ...]
    n_per_arm: int
    follow_up_months: float
    seed: int
    replicates: int
    targets: tuple[Target, ...] = ()
    clonal_fraction: dict[str, float] = field(default_factory=dict)
    description: str = ""
    path: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def with_(self, **changes: Any) -> "Scenario":
        """A copy with some fields changed (``n_per_arm``, ``seed`` ...)."""
        from dataclasses import replace

        return replace(self, **changes)


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The scenario JSON Schema (the same file as ``docs/schemas/scenario.schema.json``)."""
    text = resources.files("refractor.cohort").joinpath("data", "scenario.schema.json").read_text("utf-8")
    return json.loads(text)


def _lines(node: Any, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """JSON path (keys / indices) -> 1-based line, from a composed YAML node."""
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value
            out[path + (key,)] = k.start_mark.line + 1
            _lines(v, path + (key,), out)
            out[path + (key,)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _lines(v, path + (i,), out)
    return out


def _line_of(lines: dict[tuple, int], path: tuple) -> int | None:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


def parse_text(text: str, path: str = "<scenario>") -> tuple[dict[str, Any], dict[tuple, int]]:
    """YAML text -> (data, line map); InputError with file:line on syntax or structure errors."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", path=path,
                         line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict) or node is None:
        raise InputError("a scenario must be a YAML mapping", path=path, line=1)
    lines = _lines(node)
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: (_line_of(lines, tuple(e.path)) or 0))
    if errors:
        e = errors[0]
        where = ".".join(str(p) for p in e.path) or "(top level)"
        msg = e.message
        if e.validator == "additionalProperties":
            allowed = list(e.schema.get("properties", {}))
            extra = [k for k in e.instance if k not in allowed] if isinstance(e.instance, dict) else []
            hint = difflib.get_close_matches(extra[0], allowed, n=1) if extra else []
            msg = f"unknown field {extra[0]!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
            line = _line_of(lines, tuple(e.path) + (extra[0],)) if extra else None
        else:
            line = _line_of(lines, tuple(e.path))
        raise InputError(f"{where}: {msg}", path=path, line=line)
    return data, lines


def _where(path: str, lines: dict, key: tuple) -> dict[str, Any]:
    return {"path": path, "line": _line_of(lines, key)}


def build(data: dict[str, Any], lines: dict[tuple, int], kb: Any, path: str) -> Scenario:
    """Resolve every name through the KB; InputError with file:line and a suggestion."""
    pop = data["population"]
    disease = kb.resolve_disease(pop["disease"], where=_where(path, lines, ("population", "disease")))
    state = kb.resolve_disease(pop["state"], where=_where(path, lines, ("population", "state")))
    if state not in kb.related_diseases(disease):
        raise InputError(f"population.state {state!r} is not a state of {disease!r}", path=path,
                         line=_line_of(lines, ("population", "state")))

    def agents(key: tuple, names: list[str]) -> frozenset[str]:
        return frozenset(kb.resolve_agents(
            names, where=_where(path, lines, key), classes=False))

    prior = agents(("population", "prior"), pop.get("prior", []))
    refractory = agents(("population", "refractory"), pop.get("refractory", []))
    def mechanism_values(section: str) -> dict[str, float]:
        """``population.<section>``: KB mechanism id -> number (unknown id: did-you-mean)."""
        out = {}
        for mid, v in (pop.get(section) or {}).items():
            if mid not in kb.mechanisms:
                hint = difflib.get_close_matches(mid, list(kb.mechanisms), n=1)
                raise InputError(f"unknown mechanism id {mid!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""),
                                 path=path, line=_line_of(lines, ("population", section, mid)))
            out[mid] = float(v)
        return out

    prevalence = mechanism_values("prevalence")
    clonal = mechanism_values("clonal_fraction")

    def regimen(name: str, key: tuple) -> tuple[str, tuple[str, ...]]:
        rid = kb.resolve_agent(name, where=_where(path, lines, key), classes=False)
        rec = kb.agents[rid]
        return rid, tuple(rec.components) if rec.components else (rid,)

    arms, names = [], set()
    for i, a in enumerate(data["arms"]):
        if a["name"] in names:
            raise InputError(f"duplicate arm name {a['name']!r}", path=path, line=_line_of(lines, ("arms", i, "name")))
        names.add(a["name"])
        if "regimen" in a:
            rid, first = regimen(a["regimen"], ("arms", i, "regimen"))
        else:
            first = tuple(kb.resolve_agents(a["agents"], where=_where(path, lines, ("arms", i, "agents"))))
            rid = "+".join(first)
        lines_, lnames = [first], [rid]
        for j, s in enumerate(a.get("subsequent", [])):
            sid, comps = regimen(s, ("arms", i, "subsequent", j))
            lines_.append(comps)
            lnames.append(sid)
        arms.append(Arm(a["name"], rid, tuple(lines_), tuple(lnames)))
    targets = []
    for i, t in enumerate(data.get("targets", [])):
        for key in ("arm", "comparator"):
            if t.get(key) is not None and t[key] not in names:
                hint = difflib.get_close_matches(t[key], list(names), n=1)
                raise InputError(f"targets[{i}].{key}: no arm {t[key]!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""),
                                 path=path, line=_line_of(lines, ("targets", i, key)))
        for m in t.get("mechanisms", []):
            if m not in kb.mechanisms:
                hint = difflib.get_close_matches(m, list(kb.mechanisms), n=1)
                raise InputError(f"unknown mechanism id {m!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""),
                                 path=path, line=_line_of(lines, ("targets", i, "mechanisms")))
        if t.get("claim") is not None and t["claim"] not in kb.claims:
            raise InputError(f"targets[{i}].claim: no KB claim {t['claim']!r}", path=path,
                             line=_line_of(lines, ("targets", i, "claim")))
        targets.append(Target(
            id=t["id"], measure=t["measure"], value=float(t["value"]), source=t["source"],
            arm=t.get("arm"), comparator=t.get("comparator"), line=int(t.get("line", 1)),
            mechanisms=tuple(t.get("mechanisms", ())), low=t.get("low"), high=t.get("high"),
            unit=t.get("unit"), claim=t.get("claim"), seed_file=t.get("seed_file"),
            use=t.get("use", "report")))
    return Scenario(
        name=data["name"], title=data.get("title", data["name"]), disease=disease, state=state,
        line=int(pop.get("line", DEFAULTS["line"])), prior=prior | refractory, refractory=refractory,
        prevalence=prevalence, covariates=dict(pop.get("covariates") or {}), arms=tuple(arms),
        n_per_arm=int(data.get("n_per_arm", DEFAULTS["n_per_arm"])),
        follow_up_months=float(data.get("follow_up_months", DEFAULTS["follow_up_months"])),
        seed=int(data.get("seed", DEFAULTS["seed"])),
        replicates=int(data.get("replicates", DEFAULTS["replicates"])),
        targets=tuple(targets), clonal_fraction=clonal, description=data.get("description", ""), path=path, raw=data)


def load_scenario(source: str | Path, kb: Any) -> Scenario:
    """A scenario from a file path or a bundled scenario name (see :func:`bundled_scenarios`)."""
    p = Path(source)
    if not p.exists() and str(source) in bundled_scenarios():
        return bundled_scenario(str(source), kb)
    if not p.exists():
        hint = difflib.get_close_matches(str(source), bundled_scenarios(), n=1)
        more = f"; did you mean the bundled scenario {hint[0]!r}?" if hint else ""
        raise InputError(f"no scenario file or bundled scenario named {str(source)!r}{more}", path=str(source))
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read scenario: {exc}", path=str(p)) from None
    return scenario_from_text(text, kb, path=str(p))


def scenario_from_text(text: str, kb: Any, path: str = "<scenario>") -> Scenario:
    data, lines = parse_text(text, path)
    return build(data, lines, kb, path)


def _bundle():
    return resources.files("refractor.cohort").joinpath("data", "scenarios")


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with Refractor."""
    return sorted(p.name[:-5] for p in _bundle().iterdir() if p.name.endswith(".yaml"))


def bundled_text(name: str) -> str:
    if name not in bundled_scenarios():
        hint = difflib.get_close_matches(name, bundled_scenarios(), n=1)
        raise InputError(f"no bundled scenario {name!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""))
    return _bundle().joinpath(name + ".yaml").read_text("utf-8")


def bundled_scenario(name: str, kb: Any) -> Scenario:
    return scenario_from_text(bundled_text(name), kb, path=f"<bundled>/{name}.yaml")


__all__ = ["Scenario", "Arm", "Target", "load_scenario", "scenario_from_text", "bundled_scenarios",
           "bundled_scenario", "bundled_text", "schema", "SCHEMA_NAME", "SCHEMA_VERSION"]
