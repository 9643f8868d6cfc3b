"""The JSON summary of a run: per arm and line KM/median/ORR, clone make-up at progression,
hazard ratios between arms, and each published target next to the simulated value."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

SUMMARY_SCHEMA = "refractor.cohort.summary"
SUMMARY_VERSION = 1
DEFAULT_TOLERANCE = 0.25  # relative, for targets without low/high (ASSUMED, the 25% rule)


def _r(x: Any) -> Any:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else round(float(x), 4)


def line_stats(run: Any, arm: str, line_index: int) -> dict[str, Any]:
    from refractor.cohort._survival import proportion_ci, survival_summary

    ev = run.events[(run.events["arm"] == arm) & (run.events["line_index"] == line_index)]
    plan = next(p for p in run.plans if p.arm == arm)
    n = len(ev)
    out: dict[str, Any] = {"line": int(run.scenario.line + line_index), "line_index": line_index + 1,
                           "regimen": plan.lines[line_index].regimen, "patients": n}
    if n == 0:
        return out
    grid = [float(m) for m in range(0, int(run.scenario.follow_up_months) + 1, 6)]
    t = (ev["end_month"] - ev["start_month"]).to_numpy()
    out["pfs"] = survival_summary(t, ev["progressed"].to_numpy(), grid)
    out["orr"] = {k: _r(v) if k != "n" else v for k, v in proportion_ci(int(ev["responded"].sum()), n).items()}
    prog = ev[ev["progressed"]]
    bits = prog["carried_bits"].to_numpy()
    out["progressions"] = int(len(prog))
    out["carried_at_progression"] = {
        name: _r(float(((bits >> i) & 1).mean())) if len(prog) else None
        for i, name in enumerate(plan.bit_names())}
    crbn = [i for i, m in enumerate(plan.mechanisms) if m.startswith("crbn-")]
    if crbn and len(prog):
        mask = sum(1 << i for i in crbn)
        out["any_crbn_lesion_at_progression"] = _r(float(((bits & mask) != 0).mean()))
    return out


def _target_value(run: Any, t: Any, per: dict) -> float | None:
    def line(arm: str) -> dict:
        return per[arm][t.line - 1] if t.line - 1 < len(per[arm]) else {}

    if t.measure == "median_pfs":
        return line(t.arm).get("pfs", {}).get("median")
    if t.measure == "median_pfs_ratio":
        a, b = line(t.arm).get("pfs", {}).get("median"), line(t.comparator).get("pfs", {}).get("median")
        return None if a is None or b is None or b == 0 else a / b
    if t.measure == "orr":
        return line(t.arm).get("orr", {}).get("value")
    if t.measure == "primary_refractory":  # no minimal response (< 25% reduction, IMWG MR) and progression
        ev = run.events[(run.events["arm"] == t.arm) & (run.events["line_index"] == t.line - 1)]
        if not len(ev):
            return None
        return float((ev["progressed"] & (ev["best_burden_ratio"] > 0.75)).mean())
    if t.measure == "mechanism_share_at_progression":
        plan = next(p for p in run.plans if p.arm == t.arm)
        ev = run.events[(run.events["arm"] == t.arm) & (run.events["line_index"] == t.line - 1) & run.events["progressed"]]
        if not len(ev):
            return None
        mask = sum(1 << plan.mechanisms.index(m) for m in t.mechanisms if m in plan.mechanisms)
        return float(((ev["carried_bits"].to_numpy() & mask) != 0).mean())
    return None


def evaluate_targets(run: Any, per: dict | None = None) -> list[dict[str, Any]]:
    """Each scenario target with the simulated value, the accepted range and whether it is met."""
    if per is None:
        per = {p.arm: [line_stats(run, p.arm, i) for i in range(len(p.lines))] for p in run.plans}
    out = []
    for t in run.scenario.targets:
        sim = _target_value(run, t, per)
        lo = t.low if t.low is not None else t.value * (1 - DEFAULT_TOLERANCE)
        hi = t.high if t.high is not None else t.value * (1 + DEFAULT_TOLERANCE)
        out.append({"id": t.id, "measure": t.measure, "arm": t.arm, "comparator": t.comparator,
                    "line": t.line, "mechanisms": list(t.mechanisms), "published": t.value,
                    "low": lo, "high": hi, "simulated": _r(sim),
                    "relative_error": _r((sim - t.value) / t.value) if sim is not None and t.value else None,
                    "within": bool(sim is not None and lo <= sim <= hi), "use": t.use,
                    "source": t.source, "claim": t.claim, "seed_file": t.seed_file})
    return out


def summarise(run: Any) -> dict[str, Any]:
    from refractor.cohort._params import parameter_table
    from refractor.cohort._run import DISCLAIMER
    from refractor.cohort._survival import hazard_ratio, survival_summary

    sc = run.scenario
    per = {p.arm: [line_stats(run, p.arm, i) for i in range(len(p.lines))] for p in run.plans}
    arms = []
    for p in run.plans:
        entry = {"name": p.arm, "regimens": [t.regimen for t in p.lines], "lines": per[p.arm]}
        if len(p.lines) > 1:
            t, e = run.times(what="os")[p.arm]
            grid = [float(m) for m in range(0, int(sc.follow_up_months) + 1, 6)]
            entry["os"] = survival_summary(t, e, grid)
        arms.append(entry)
    comparisons = []
    times = run.times(1)
    names = [p.arm for p in run.plans]
    for other in names[1:]:
        (ta, ea), (tb, eb) = times[names[0]], times[other]
        hr = hazard_ratio(ta, ea, tb, eb) if ea.sum() + eb.sum() > 0 else None
        ma, mb = per[names[0]][0]["pfs"]["median"], per[other][0]["pfs"]["median"]
        comparisons.append({"arm": names[0], "comparator": other, "hazard_ratio": hr,
                            "median_ratio": _r(ma / mb) if ma and mb else None})
    table = parameter_table()
    return {
        "schema": SUMMARY_SCHEMA, "version": SUMMARY_VERSION, "disclaimer": DISCLAIMER,
        "scenario": {"name": sc.name, "title": sc.title, "path": sc.path, "disease": sc.disease,
                     "state": sc.state, "refractory": sorted(sc.refractory), "n_per_arm": sc.n_per_arm,
                     "replicates": sc.replicates, "follow_up_months": sc.follow_up_months, "seed": sc.seed},
        "kb": {"version": run.kb_version, "content_hash": run.kb_hash},
        "executor": run.executor,
        "criteria": {"source": run.plans[0].criteria.source, "simplified": run.plans[0].criteria.simplified},
        "mechanisms": run.plans[0].mechanisms,
        "entry_prevalence": {m: _r(v) for m, v in zip(run.plans[0].mechanisms, run.plans[0].prev)},
        "model_surfaces": {a: s for p in run.plans for t in p.lines for a, s in t.surfaces.items()},
        "parameters": {k: {"value": run.params.values[k], "unit": table[k].get("unit"),
                           "source": table[k].get("source")} for k in table},
        "calibration": run.params.calibration,
        "arms": arms, "comparisons": comparisons,
        "targets": evaluate_targets(run, per),
        "muller": {"months": list(range(next(iter(run.muller.values())).shape[0])),
                   "clones": ["founder"] + run.plans[0].bit_names(),
                   "arms": {a: np.round(v, 5).tolist() for a, v in run.muller.items()}},
        "outputs": run.outputs,
    }


__all__ = ["summarise", "evaluate_targets", "line_stats", "SUMMARY_SCHEMA", "SUMMARY_VERSION"]
