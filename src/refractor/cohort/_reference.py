"""A plain per-patient implementation of the same model, for the benchmark and the tests.

It replays the block's random draws patient by patient, with a Python loop over patients and
time steps (numpy only over one patient's few clones). Its results must equal
:func:`refractor.cohort._engine.simulate_block`; the benchmark reports the speed ratio.
"""
from __future__ import annotations

import numpy as np

from refractor.cohort._engine import BlockResult
from refractor.cohort._plan import ArmPlan
from refractor.cohort._population import Draws


def _patient(plan: ArmPlan, d: Draws, b: int) -> dict:
    p, crit = plan.p, plan.criteria
    M, U, L = len(plan.mechanisms), len(plan.classes), len(plan.lines)
    K = 1 + M + U
    dt = p["dt"]
    sizes = np.zeros(K)
    masks = np.zeros(K, dtype=np.int64)
    # entry (same arithmetic as engine.initial_state, one patient)
    present = d.u_prev[b] < plan.prev
    frac = p["entry_fraction_low"] + (1.0 - p["entry_fraction_low"]) * d.u_frac[b]
    frac = np.where(np.isnan(plan.fixed_fraction), frac, plan.fixed_fraction)
    sub = np.where(present, frac, 0.0)
    tot = sub.sum()
    sub = sub * (1.0 / max(tot, 1e-300) if tot > 1.0 else 1.0)
    sizes[1:1 + M] = sub
    sizes[0] = max(1.0 - sub.sum(), 0.0)
    masks[1:1 + M] = np.where(present, 1 << np.arange(M, dtype=np.int64), 0)
    g = p["growth_median"] * np.exp(p["growth_sigma"] * d.z_growth[b])
    for c in range(len(plan.cov_fraction)):
        g = g * (plan.cov_growth[c] if d.u_cov[b, c] < plan.cov_fraction[c] else 1.0)
    expo = np.exp(p["exposure_sigma"] * d.z_expo[b])

    def start(line: int) -> float:
        total = sizes.sum()
        dom_mask = masks[int(np.argmax(sizes))]
        for m in range(M):
            prob = plan.emerge[line, m]
            if prob > 0 and sizes[1 + m] == 0 and d.u_emerge[b, line, m] < prob:
                sizes[1 + m] = p["new_clone_fraction"] * total
                masks[1 + m] = dom_mask | (1 << m)
        parent_mask, parent_frac = dom_mask, 1.0
        for c in dict.fromkeys(int(x) for x in plan.lines[line].unattr):
            slot = 1 + M + c
            if sizes[slot] == 0:
                f = min(plan.rho[line] * np.exp(p["rho_sigma"] * d.z_rho[b, line, c]) * parent_frac, 0.5)
                sizes[slot] = f * total
                masks[slot] = parent_mask | (1 << (M + c))
            parent_mask = masks[slot]
            parent_frac = sizes[slot] / max(total, 1e-300)
        after = sizes.sum()
        sizes[:] = sizes * (total / max(after, 1e-300))
        return total

    def carried() -> int:
        total = sizes.sum()
        out = 0
        for bit in range(M + U):
            share = np.where((masks >> bit) & 1 == 1, sizes, 0.0).sum() / max(total, 1e-300)
            if share >= p["detection_threshold"]:
                out |= 1 << bit
        return out

    res = {"started": [False] * L, "start_t": [np.nan] * L, "end_t": [np.nan] * L,
           "progressed": [False] * L, "responded": [False] * L, "nadir": [np.nan] * L,
           "carried": [0] * L, "os_t": plan.follow_up, "died": False, "growth": g}
    cur, t = 0, 0.0
    baseline = start(0)
    nadir = baseline
    res["started"][0], res["start_t"][0] = True, 0.0
    for s in range(1, int(round(plan.follow_up / dt)) + 1):
        t = s * dt
        if res["died"]:
            continue
        kill = np.zeros(K)
        if cur < L:
            for j in range(plan.R.shape[2]):
                base = plan.base[cur, j]
                e = expo[plan.aidx[cur, j]]
                r = plan.R[cur, masks & ((1 << M) - 1), j]
                hit = (masks >> (M + plan.unattr[cur, j])) & 1
                kill = kill + (base * e) * r * (1 - hit)
        sizes = sizes * np.exp((g - kill) * dt)
        total = sizes.sum()
        if cur < L:
            nadir = min(nadir, total)
            if total <= plan.criteria.response_ratio * baseline:
                res["responded"][cur] = True
            floor = max(nadir, crit.floor * baseline)
            if total >= (1.0 + crit.rise) * floor and total > nadir:
                res["progressed"][cur], res["end_t"][cur] = True, t
                res["nadir"][cur] = nadir / baseline
                res["carried"][cur] = carried()
                cur += 1
                if cur < L:
                    res["started"][cur], res["start_t"][cur] = True, t
                    baseline = start(cur)
                    nadir = baseline
        if cur >= L and total >= p["lethal_burden"]:
            res["died"], res["os_t"] = True, t
    if res["started"][min(cur, L - 1)] and cur < L and not res["progressed"][cur]:
        res["end_t"][cur] = res["os_t"] if res["died"] else plan.follow_up
        res["nadir"][cur] = nadir / baseline
    return res


def simulate_reference(plan: ArmPlan, d: Draws) -> BlockResult:
    """Same outputs as ``simulate_block`` (trajectory and Muller aggregates are not computed)."""
    rows = [_patient(plan, d, b) for b in range(d.z_growth.shape[0])]

    def arr(key: str, dtype=float) -> np.ndarray:
        return np.array([r[key] for r in rows], dtype=dtype)

    empty = np.zeros((0,))
    return BlockResult(arr("started", bool), arr("start_t"), arr("end_t"), arr("progressed", bool),
                       arr("responded", bool), arr("nadir"), arr("carried", np.int64), arr("os_t"),
                       arr("died", bool), arr("growth"), empty, empty, empty)


__all__ = ["simulate_reference"]
