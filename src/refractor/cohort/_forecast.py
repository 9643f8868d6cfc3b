"""Personalised forecast: virtual twins of one interpreted sample under each candidate regimen.

Twins share the sample's observed mechanism states - ``detected`` mechanisms are present (with
the sample's ``clonal_fraction`` when the JSON gives one, else drawn as for any patient),
``not_detected`` ones are absent, ``possible`` ones are present with probability 0.5 (ASSUMED) -
and draw every unobserved mechanism from the KB prevalence for the disease state. Each regimen is
one arm of a virtual trial run by the cohort engine. For every observed mechanism the forecast is
repeated without it (counterfactual) to show how much it moved the answer.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from refractor.cohort._population import BLOCK
from refractor.cohort._run import DISCLAIMER, run_scenario
from refractor.cohort._scenario import Arm, Scenario
from refractor.errors import InputError

POSSIBLE_SHARE = 0.5  # ASSUMED probability that a 'possible' call is a real lesion
MAX_OBSERVED = 6  # observed mechanisms tracked on top of the disease's own (table size 2**M)


def read_sample(sample: Any) -> tuple[dict[str, Any], str | None]:
    """The interpreter's per-sample JSON (dict, path, or ``SampleResult``)."""
    if hasattr(sample, "to_dict"):
        return sample.to_dict(), None
    path = None
    if isinstance(sample, (str, Path)):
        path = str(sample)
        try:
            sample = json.loads(Path(sample).read_text("utf-8"))
        except FileNotFoundError:
            raise InputError("sample JSON not found", path=path) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read sample JSON: {exc}", path=path) from None
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    if not isinstance(sample, dict) or not isinstance(sample.get("mechanisms", []), list):
        raise InputError("sample JSON must be an object with a 'mechanisms' list", path=path)
    return sample, path


def observed_states(kb: Any, data: dict[str, Any], path: str | None) -> tuple[dict[str, float], dict[str, float]]:
    """(mechanism -> prevalence override 0 / 0.5 / 1, mechanism -> clonal fraction) from the calls."""
    prev, clonal = {}, {}
    for i, m in enumerate(data.get("mechanisms", [])):
        mid = m.get("mechanism") if isinstance(m, dict) else None
        if mid not in kb.mechanisms:
            raise InputError(f"mechanisms[{i}]: unknown mechanism id {mid!r}", path=path, column="mechanisms")
        status = m.get("status", m.get("call"))
        if status == "detected":
            prev[mid] = 1.0
        elif status == "possible":
            prev[mid] = POSSIBLE_SHARE
        elif status == "not_detected":
            prev[mid] = 0.0
        cf = m.get("clonal_fraction")
        if cf is not None and status in ("detected", "possible"):
            if not isinstance(cf, (int, float)) or not 0 < cf <= 1:
                raise InputError(f"mechanisms[{i}].clonal_fraction must be in (0, 1]", path=path,
                                 column="clonal_fraction")
            clonal[mid] = float(cf)
    return prev, clonal


def forecast(
    sample: Any,
    kb: Any,
    regimens: list[str],
    *,
    state: str | None = None,
    refractory: list[str] | None = None,
    prior: list[str] | None = None,
    n_twins: int = 1000,
    follow_up_months: float = 60.0,
    seed: int = 0,
    params: Any = None,
    executor: Any = None,
    counterfactuals: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Per regimen: probability of response, PFS median and 80% interval, relapse drivers and the
    effect of each observed mechanism (counterfactual without it). JSON-ready.

    ``progress(done_blocks, total_blocks)``, if given, is called after each block of virtual
    twins, across the main run and every counterfactual rerun (one total for all of them)."""
    data, path = read_sample(sample)
    if not regimens:
        raise InputError("give at least one regimen", column="--regimens")
    disease = kb.resolve_disease(data.get("disease") or "", where={"path": path, "column": "disease"}) \
        if data.get("disease") else None
    if disease is None:
        raise InputError("the sample JSON names no disease", path=path, column="disease")
    state = kb.resolve_disease(state, where="--state") if state else disease
    hist = data.get("history") or {}
    refr = kb.resolve_agents(refractory if refractory is not None else hist.get("refractory_agents", []),
                             where="--refractory")
    pri = kb.resolve_agents(prior if prior is not None else hist.get("prior_agents", []), where="--prior")
    prev, clonal = observed_states(kb, data, path)
    from refractor.cohort._population import umbrellas

    assumptions = []
    for umb, members in umbrellas().items():
        if umb not in prev:
            continue
        v, cf = prev.pop(umb), clonal.pop(umb, None)
        if v > 0 and not any(prev.get(m, 0) > 0 for m in members):
            prev[members[0]] = v
            if cf is not None:
                clonal[members[0]] = cf
            assumptions.append(f"{umb} called without a member call: simulated as {members[0]} (ASSUMED)")
    history = [m for m, v in prev.items() if v > 0 and kb.mechanisms[m].category == "drug_exposure"]
    for m in history:
        prev.pop(m)
        assumptions.append(f"{m} is clinical history, not a clone state: give the refractory agents "
                           f"(--refractory) instead")
    affected = {x.id for r in regimens for a in _components(kb, r) for x in kb.mechanisms_for_agent(a)}
    from refractor.cohort._population import tracked_mechanisms

    base = set(tracked_mechanisms(kb, disease, {}))
    extra = [m for m, v in prev.items() if v > 0 and m in affected and m not in base]
    keep = {m: v for m, v in prev.items() if m in base or m in extra[:MAX_OBSERVED]}
    arms = []
    for r in regimens:
        rid = kb.resolve_agent(r, where="--regimens", classes=False)
        arms.append(Arm(rid, rid, (_components(kb, rid),), (rid,)))
    sc = Scenario(name="forecast", title=f"forecast for {data.get('sample', 'sample')}", disease=disease,
                  state=state, line=int(hist.get("line", 1) or 1), prior=frozenset(pri) | frozenset(refr),
                  refractory=frozenset(refr), prevalence=keep, covariates={}, arms=tuple(arms),
                  n_per_arm=int(n_twins), follow_up_months=float(follow_up_months), seed=int(seed),
                  replicates=1, clonal_fraction={m: v for m, v in clonal.items() if m in keep})
    observed = [m for m, v in keep.items() if v > 0]
    runs = 1 + (len(observed) if counterfactuals else 0)
    per_run = len(arms) * math.ceil(int(n_twins) / BLOCK)  # blocks of one run (one replicate)

    def step(k: int) -> Callable[[int, int], None] | None:
        """Run ``k``'s progress as a share of all runs' blocks."""
        if progress is None:
            return None
        return lambda done, _total: progress(k * per_run + done, runs * per_run)

    main = _per_arm(run_scenario(sc, kb, executor, params=params, trajectories=False,
                                 progress=step(0)))
    if counterfactuals:
        for i, m in enumerate(observed, start=1):
            alt = sc.with_(prevalence={**keep, m: 0.0},
                           clonal_fraction={k: v for k, v in sc.clonal_fraction.items() if k != m})
            cf = _per_arm(run_scenario(alt, kb, executor, params=params, trajectories=False,
                                       progress=step(i)))
            for arm, res in main.items():
                res.setdefault("observed_mechanism_effects", []).append({
                    "mechanism": m,
                    "response_probability_without": cf[arm]["response_probability"]["value"],
                    "delta_response_probability": round(res["response_probability"]["value"] - cf[arm]["response_probability"]["value"], 4),
                    "median_pfs_without": cf[arm]["pfs_months"]["median"],
                })
    return {
        "schema": "refractor.cohort.forecast", "version": 1, "disclaimer": DISCLAIMER,
        "sample": data.get("sample"), "disease": disease, "state": state,
        "refractory": sorted(refr), "twins_per_regimen": int(n_twins), "seed": int(seed),
        "observed": {m: {"share_of_twins": v, "clonal_fraction": clonal.get(m)} for m, v in keep.items()},
        "not_simulated": sorted(m for m, v in prev.items() if v > 0 and m not in keep),
        "assumptions": assumptions,
        "kb": {"version": str(kb.version), "content_hash": str(kb.content_hash)},
        "regimens": [{"regimen": a, **v} for a, v in main.items()],
        "uncertainty": "Intervals are the spread over virtual twins that share the sample's observed "
                       "states and differ in unobserved mechanisms, growth and exposure; they do not "
                       "include uncertainty in the fitted global parameters.",
    }


def _components(kb: Any, name: str) -> tuple[str, ...]:
    rid = kb.resolve_agent(name, where="--regimens", classes=False)
    rec = kb.agents[rid]
    return tuple(rec.components) if rec.components else (rid,)


def _per_arm(run: Any) -> dict[str, dict[str, Any]]:
    from refractor.cohort._summary import line_stats

    out = {}
    for plan in run.plans:
        ls = line_stats(run, plan.arm, 0)
        ev = run.events[(run.events["arm"] == plan.arm) & (run.events["line_index"] == 0)]
        t = (ev["end_month"] - ev["start_month"]).to_numpy()
        prog = ev["progressed"].to_numpy()
        q = np.quantile(np.where(prog, t, np.inf), [0.1, 0.9])
        drivers = sorted(((k, v) for k, v in ls["carried_at_progression"].items() if v), key=lambda kv: -kv[1])
        out[plan.arm] = {
            "response_probability": ls["orr"],
            "pfs_months": {"median": ls["pfs"]["median"], "median_low": ls["pfs"]["median_low"],
                           "median_high": ls["pfs"]["median_high"],
                           "interval_80": [None if not np.isfinite(x) else round(float(x), 2) for x in q],
                           "progressed_within_follow_up": round(float(prog.mean()), 4)},
            "relapse_drivers": [{"mechanism": k, "share_of_progressions": v} for k, v in drivers[:6]],
            "model_surfaces": {a: s for t in plan.lines for a, s in t.surfaces.items()},
        }
    return out


__all__ = ["forecast", "read_sample", "observed_states"]
