"""How fragile are the calls? Perturb the curator's numbers one at a time and re-interpret.

The KB's scoring weights and most biomarker thresholds are curator judgement, not fitted to
outcome data (``kb/data/scoring/*.yaml``, ``kb/data/biomarkers/*.yaml``). :func:`sensitivity`
moves each of them, one at a time, on an in-memory copy of the knowledge base (the files are
never touched), re-runs :func:`~refractor.interpret.interpret` on the same cohort and counts
the calls that change:

- every scoring weight (a term, a member of a ``max`` group, an ``all`` combination, a
  per-agent override) by ``+weight_step`` and ``-weight_step`` (default 10 score points);
- the scoring table's global numbers (the factor of a `possible` call; the cancer-cell
  fraction counted as clonal, where the KB scales weights by clonality) by
  ``+/-threshold_fraction``, capped at 1;
- every threshold of a biomarker rule that the KB marks as assumed (the rule's ``note`` or
  the feature's ``threshold_source`` says "assumed"; ``thresholds="all"`` takes every one) by
  ``+/-threshold_fraction`` (default 25 %): absolute thresholds (TPM, log2 ratio, PSI, beta,
  protein, VAF) are multiplied by 1.25 / 0.75 (PSI, beta and VAF capped at 1); a
  within-cohort percentile moves its TAIL (the share of the cohort it calls) by the same
  factor, e.g. the 90th percentile of a ">=" rule becomes 87.5 / 92.5.

Perturbations that cannot change anything are counted as 0 without re-interpreting: a weight
whose mechanisms fire in no sample, a threshold of a data kind no sample has measured.

A call is the level shown to people (:meth:`CohortResult.call_frame`: the level, or
``not_assessable``). A (sample, agent) call is **fragile** when at least one single
perturbation changes it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pandas as pd

from refractor.errors import InputError

__all__ = ["sensitivity", "SensitivityResult", "Perturbation"]

_CAPPED = {"splicing", "methylation"}  # thresholds that are fractions (PSI, beta)


@dataclass(frozen=True)
class Perturbation:
    """One change of one curator number. ``kind`` is ``weight``, ``scoring`` or ``threshold``."""

    kind: str
    target: str  # rule id / term, or biomarker id / feature
    detail: str  # what the number is
    direction: str  # "+10", "-10", "x1.25", "x0.75"
    old: float
    new: float
    assumed: bool  # the KB marks the number as assumed / curator judgement


@dataclass(frozen=True)
class SensitivityResult:
    """Outcome of :func:`sensitivity`.

    ``perturbations``: one row per perturbation (kind, target, detail, direction, old, new,
    assumed, changed = number of calls that changed, more_resistant, less_resistant).
    ``calls``: one row per (sample, agent): the call, how many perturbations change it,
    ``fragile`` and up to five of the perturbations that change it.
    ``changes``: one row per changed call: ``perturbation`` (row of ``perturbations``),
    sample, agent, ``before``, ``after``.
    """

    perturbations: pd.DataFrame
    calls: pd.DataFrame
    n_calls: int
    changes: pd.DataFrame

    @property
    def fragile(self) -> pd.DataFrame:
        """The fragile calls only."""
        return self.calls[self.calls["fragile"]]


# ---------------------------------------------------------------------------- weights
def _weight_label(m: Any) -> str:
    if getattr(m, "mechanism", None):
        return m.mechanism
    if getattr(m, "history", None):
        who = ",".join(list(m.agents) + list(m.agent_classes))
        return f"history {m.history} [{who}]"
    if getattr(m, "all", None):
        return "all(" + " + ".join(m.all) + ")"
    return type(m).__name__


def _mechs(m: Any) -> frozenset[str]:
    """Mechanisms that must fire for a term to count (empty: a history term)."""
    if getattr(m, "mechanism", None):
        return frozenset([m.mechanism])
    if getattr(m, "all", None):
        return frozenset(m.all)
    return frozenset()


def _weights(scoring) -> Iterator[tuple[str, str, float, frozenset, Callable[[float], Any]]]:
    """(target, detail, weight, mechanisms, rebuild) for every weight; ``rebuild(w)`` -> new
    Scoring. ``mechanisms``: the term adds nothing unless one of them fires (empty = history)."""
    rules = list(scoring.rules)

    def with_rule(ri: int, rule) -> Any:
        new = list(rules)
        new[ri] = rule
        return scoring.model_copy(update={"rules": new})

    for ri, rule in enumerate(rules):
        terms = list(rule.terms)
        for ti, term in enumerate(terms):
            members = getattr(term, "max", None)
            if members:
                for mi, m in enumerate(members):
                    if not isinstance(getattr(m, "weight", None), (int, float)):
                        continue

                    def rebuild(w, ri=ri, rule=rule, terms=terms, ti=ti, term=term, mi=mi, m=m):
                        mem = list(term.max)
                        mem[mi] = m.model_copy(update={"weight": w})
                        t = list(terms)
                        t[ti] = term.model_copy(update={"max": mem})
                        return with_rule(ri, rule.model_copy(update={"terms": t}))

                    yield (rule.id, f"max member {_weight_label(m)}", float(m.weight), _mechs(m),
                           rebuild)
            elif isinstance(getattr(term, "weight", None), (int, float)):
                def rebuild(w, ri=ri, rule=rule, terms=terms, ti=ti, term=term):
                    t = list(terms)
                    t[ti] = term.model_copy(update={"weight": w})
                    return with_rule(ri, rule.model_copy(update={"terms": t}))

                yield rule.id, _weight_label(term), float(term.weight), _mechs(term), rebuild
        for agent, table in rule.overrides.items():
            for mech, w0 in table.items():
                def rebuild(w, ri=ri, rule=rule, agent=agent, mech=mech):
                    ov = {a: dict(t) for a, t in rule.overrides.items()}
                    ov[agent][mech] = w
                    return with_rule(ri, rule.model_copy(update={"overrides": ov}))

                yield rule.id, f"override {agent}: {mech}", float(w0), frozenset([mech]), rebuild


def _scoring_numbers(scoring) -> Iterator[tuple[str, float, float, Callable[[float], Any]]]:
    """(detail, value, cap, rebuild) for the global curator numbers of the scoring table: the
    factor of a `possible` call and, where the KB scales weights by clonality, the CCF counted
    as clonal. ``rebuild(v)`` -> new Scoring."""
    pf = getattr(scoring, "possible_factor", None)
    if isinstance(pf, (int, float)):
        yield "possible_factor", float(pf), 1.0, lambda v: scoring.model_copy(
            update={"possible_factor": v})
    clon = getattr(scoring, "clonality", None)
    ccf = getattr(clon, "clonal_ccf", None)
    if isinstance(ccf, (int, float)):
        yield "clonality.clonal_ccf", float(ccf), 1.0, lambda v: scoring.model_copy(
            update={"clonality": clon.model_copy(update={"clonal_ccf": v})})


# ---------------------------------------------------------------------------- thresholds
def _features(term: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, feature) for every feature in a profile tree (``all``/``any``/``not``)."""
    for key in ("all", "any"):
        kids = getattr(term, key, None)
        if kids is not None and getattr(term, "kind", None) is None:
            for i, k in enumerate(kids):
                yield from _features(k, path + ((key, i),))
            return
    inner = getattr(term, "not_", None)
    if inner is not None and getattr(term, "kind", None) is None:
        yield from _features(inner, path + (("not_", None),))
        return
    yield path, term


def _replace(term: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    (key, i), rest = path[0], path[1:]
    if key == "not_":
        return term.model_copy(update={"not_": _replace(term.not_, rest, new)})
    kids = list(getattr(term, key))
    kids[i] = _replace(kids[i], rest, new)
    return term.model_copy(update={key: kids})


def _is_assumed(biomarker: Any, feature: Any) -> bool:
    text = " ".join(str(x) for x in (biomarker.note, getattr(feature, "threshold_source", None)) if x)
    return "assum" in text.lower()


def _moved(feature: Any, field: str, value: float, factor: float) -> float:
    if field == "percentile":
        comp = getattr(feature, "comparison", ">=")
        if comp in (">=", ">"):
            return min(100.0, max(0.0, 100.0 - (100.0 - value) * factor))
        return min(100.0, max(0.0, value * factor))
    new = value * factor
    if feature.kind in _CAPPED or field == "min_vaf":
        new = min(new, 1.0)
    return new


def _thresholds(kb, which: str) -> Iterator[tuple[str, str, float, bool, Any, Callable[[float], Any]]]:
    """(target, detail, value, assumed, feature, field, rebuild) for every numeric threshold."""
    for bid, b in kb.biomarkers.items():
        for path, f in _features(b.profile):
            kind = getattr(f, "kind", None)
            if kind is None:
                continue
            assumed = _is_assumed(b, f)
            if which == "assumed" and not assumed:
                continue
            for field in ("threshold", "percentile", "min_vaf"):
                val = getattr(f, field, None)
                if not isinstance(val, (int, float)) or isinstance(val, bool):
                    continue
                gene = getattr(f, "gene", None) or getattr(f, "feature", "")
                detail = f"{kind} {gene} {getattr(f, 'comparison', '')} {field}".replace("  ", " ")

                def rebuild(v, b=b, path=path, f=f, field=field):
                    nf = f.model_copy(update={field: v})
                    return b.model_copy(update={"profile": _replace(b.profile, path, nf)})

                yield bid, detail, float(val), assumed, f, field, rebuild


# ---------------------------------------------------------------------------- runner
def _calls(result) -> pd.DataFrame:
    frame = result.call_frame() if hasattr(result, "call_frame") else result.to_frame()
    return frame.astype(object)


def _copy_kb(kb, *, scoring=None, biomarker=None):
    """A KnowledgeBase sharing ``kb``'s records, with one scoring table or biomarker replaced."""
    from refractor.kb import KnowledgeBase
    from refractor.kb.schema import KINDS

    records = {k: kb.records(k) for k in KINDS}
    tag = "weight" if scoring is not None else f"threshold:{biomarker.id}" if biomarker else ""
    if biomarker is not None:
        records["biomarkers"] = {**records["biomarkers"], biomarker.id: biomarker}
    return KnowledgeBase(records, scoring if scoring is not None else kb.scoring,
                         version=kb.version, content_hash=f"{kb.content_hash}+perturbed-{tag}",
                         name=kb.name)


def sensitivity(cohort, kb, *, weight_step: float = 10.0, threshold_fraction: float = 0.25,
                thresholds: str = "assumed", weights: bool = True, rules=None,
                progress: Callable[[int, int], None] | None = None) -> SensitivityResult:
    """Count the calls that change when each curator number moves (one at a time).

    Parameters
    ----------
    cohort : Cohort
        The samples (as for :func:`~refractor.interpret.interpret`).
    kb : KnowledgeBase
        The knowledge base; it is not modified (each perturbation works on a copy).
    weight_step : float
        Score points added to / removed from each scoring weight (default 10).
    threshold_fraction : float
        Relative move of each threshold (default 0.25 = +/-25 %), in (0, 1).
    thresholds : {"assumed", "all", "none"}
        Which biomarker thresholds to move: those the KB marks as assumed (default), all, none.
    weights : bool
        Move the scoring weights (default True).
    rules : iterable of str, optional
        Only the weights of these scoring rules (ids in ``kb/data/scoring/``); default all.
    progress : callable, optional
        ``progress(done, total)`` after each re-interpretation.

    Returns
    -------
    SensitivityResult
    """
    from refractor.interpret._engine import interpret

    if thresholds not in ("assumed", "all", "none"):
        raise InputError(f"thresholds must be 'assumed', 'all' or 'none', not {thresholds!r}")
    if not 0 < threshold_fraction < 1:
        raise InputError(f"threshold_fraction must be in (0, 1), not {threshold_fraction!r}")
    if not weight_step > 0:
        raise InputError(f"weight_step must be > 0, not {weight_step!r}")
    if kb.scoring is None:
        raise InputError("the knowledge base has no scoring rules: nothing to perturb")
    if rules is not None:
        rules = set(rules)
        unknown = sorted(rules - {r.id for r in kb.scoring.rules})
        if unknown:
            raise InputError(f"unknown scoring rule id(s): {', '.join(unknown)}")

    base_result = interpret(cohort, kb)
    base = _calls(base_result)
    mech = base_result.mechanism_frame()
    fired = {m for m in mech.columns if mech[m].isin(("detected", "possible")).any()}
    todo: list[tuple[Perturbation, Any]] = []
    if weights:
        for target, detail, w, mechs, rebuild in _weights(kb.scoring):
            if rules is not None and target not in rules:
                continue
            # a term none of whose mechanisms fires in any sample adds 0 whatever its weight:
            # its perturbations change nothing and are not re-interpreted
            run = not mechs or bool(mechs & fired)
            for sign in (+1, -1):
                new = w + sign * weight_step
                todo.append((Perturbation("weight", target, detail, f"{sign * weight_step:+g}", w,
                                          new, True), ("scoring", rebuild, new) if run else None))
        for detail, v, cap, rebuild in (_scoring_numbers(kb.scoring) if rules is None else ()):
            for factor in (1 + threshold_fraction, 1 - threshold_fraction):
                new = min(v * factor, cap)
                if new != v:
                    todo.append((Perturbation("scoring", "scoring", detail, f"x{factor:g}", v, new,
                                              True), ("scoring", rebuild, new)))
    if thresholds != "none":
        # a feature of a data kind no sample has measured is unknown whatever its threshold
        measured = set(cohort.assessed["kind"]) if len(cohort.assessed) else set()
        for target, detail, v, assumed, f, field, rebuild in _thresholds(kb, thresholds):
            for factor in (1 + threshold_fraction, 1 - threshold_fraction):
                new = _moved(f, field, v, factor)
                if new == v:
                    continue
                todo.append((Perturbation("threshold", target, detail, f"x{factor:g}", v, new,
                                          assumed),
                             ("biomarker", rebuild, new) if f.kind in measured else None))

    n_calls = int(base.size)
    changed_by: dict[tuple[str, str], list[str]] = {}
    rows, changes = [], []
    for k, (p, job) in enumerate(todo):
        if progress:
            progress(k + 1, len(todo))
        if job is None:
            rows.append({**p.__dict__, "changed": 0, "more_resistant": 0, "less_resistant": 0})
            continue
        what, rebuild, new = job
        copy = _copy_kb(kb, scoring=rebuild(new)) if what == "scoring" else _copy_kb(
            kb, biomarker=rebuild(new))
        calls = _calls(interpret(cohort, copy)).reindex(index=base.index, columns=base.columns)
        diff = calls.ne(base)
        up = down = 0
        if diff.to_numpy().any():
            order = {lv: i for i, lv in enumerate(("not_assessable", "susceptible", "low",
                                                   "intermediate", "high"))}
            for s, a in zip(*diff.to_numpy().nonzero()):
                sample, agent = base.index[s], base.columns[a]
                changed_by.setdefault((sample, agent), []).append(
                    f"{p.kind} {p.target} [{p.detail}] {p.direction}")
                b0, b1 = order.get(base.iat[s, a], 0), order.get(calls.iat[s, a], 0)
                changes.append((k, sample, agent, base.iat[s, a], calls.iat[s, a]))
                up += b1 > b0
                down += b1 < b0
        rows.append({**p.__dict__, "changed": int(diff.to_numpy().sum()),
                     "more_resistant": int(up), "less_resistant": int(down)})

    long = base.stack().rename("call").reset_index()
    long.columns = ["sample", "agent", "call"]
    keys = list(zip(long["sample"], long["agent"]))
    long["n_perturbations"] = [len(changed_by.get(key, ())) for key in keys]
    long["fragile"] = long["n_perturbations"] > 0
    long["changed_by"] = ["; ".join(changed_by.get(key, [])[:5]) for key in keys]
    cols = ["kind", "target", "detail", "direction", "old", "new", "assumed", "changed",
            "more_resistant", "less_resistant"]
    table = pd.DataFrame(rows, columns=cols)
    return SensitivityResult(perturbations=table, calls=long, n_calls=n_calls,
                             changes=pd.DataFrame(changes, columns=["perturbation", "sample", "agent",
                                                                    "before", "after"]))
