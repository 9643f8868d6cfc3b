"""The vectorised simulation of one block of virtual patients (numpy over patients x clones).

Clone slots per patient: 0 = founder, 1..M = the clone that first carried tracked mechanism m,
M+1..M+U = the clone carrying the unattributed resistance of agent class c. A slot's ``mask`` is
the set of mechanism bits its cells carry (a new clone inherits the dominant clone's mask, so
lesions accumulate along the dominant lineage). Each step of ``dt`` months::

    size <- size x exp((growth - kill) x dt)        kill from refractor.cohort._killrate

Lines start at entry and at each progression; at a line start new clones arise (KB mechanisms
the line's agents are affected by, with the calibrated per-line probability; an unattributed
resistant clone for every agent class of the line not yet resisted). Response and progression
follow :mod:`refractor.cohort._criteria`. After the last line's progression the disease grows
untreated; death (OS) when the burden reaches ``lethal_burden`` x entry burden.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from refractor.cohort._plan import ArmPlan
from refractor.cohort._population import Draws


@dataclass
class BlockResult:
    """Per-patient results of one block; line arrays are (B, L)."""

    started: np.ndarray  # bool
    start_t: np.ndarray
    end_t: np.ndarray  # progression time, or censoring time
    progressed: np.ndarray  # bool
    responded: np.ndarray  # bool
    nadir: np.ndarray  # best burden / line-start burden
    carried: np.ndarray  # int64 bitmask of mechanisms carried at progression
    os_t: np.ndarray  # (B,)
    died: np.ndarray  # (B,) bool
    growth: np.ndarray  # (B,) 1/month
    trajectory: np.ndarray  # (B, months + 1) float32 total burden at each whole month
    muller: np.ndarray  # (months + 1, slots) sum over alive patients of each clone slot's burden share
    alive: np.ndarray  # (months + 1,) patients alive at each month


def initial_state(plan: ArmPlan, d: Draws) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entry clones, growth and exposure of every patient of the block."""
    B, M, U = d.z_growth.shape[0], len(plan.mechanisms), len(plan.classes)
    p = plan.p
    sizes = np.zeros((B, 1 + M + U))
    masks = np.zeros((B, 1 + M + U), dtype=np.int64)
    present = d.u_prev < plan.prev[None, :]
    frac = p["entry_fraction_low"] + (1.0 - p["entry_fraction_low"]) * d.u_frac
    frac = np.where(np.isnan(plan.fixed_fraction)[None, :], frac, plan.fixed_fraction[None, :])
    sub = np.where(present, frac, 0.0)
    tot = sub.sum(axis=1)
    scale = np.where(tot > 1.0, 1.0 / np.maximum(tot, 1e-300), 1.0)
    sub = sub * scale[:, None]
    sizes[:, 1:1 + M] = sub
    sizes[:, 0] = np.maximum(1.0 - sub.sum(axis=1), 0.0)
    masks[:, 1:1 + M] = np.where(present, (1 << np.arange(M, dtype=np.int64))[None, :], 0)
    growth = p["growth_median"] * np.exp(p["growth_sigma"] * d.z_growth)
    for c in range(len(plan.cov_fraction)):
        growth = growth * np.where(d.u_cov[:, c] < plan.cov_fraction[c], plan.cov_growth[c], 1.0)
    expo = np.exp(p["exposure_sigma"] * d.z_expo)
    return sizes, masks, growth, expo


def start_line(plan: ArmPlan, d: Draws, idx: np.ndarray, line: int, sizes: np.ndarray,
               masks: np.ndarray) -> np.ndarray:
    """New clones of ``line`` for patients ``idx``; returns their line-start burden."""
    M = len(plan.mechanisms)
    total = sizes[idx].sum(axis=1)
    dom = np.argmax(sizes[idx], axis=1)
    dom_mask = masks[idx, dom]
    p = plan.p
    for m in range(M):
        prob = plan.emerge[line, m]
        if prob <= 0:
            continue
        new = (sizes[idx, 1 + m] == 0) & (d.u_emerge[idx, line, m] < prob)
        j = idx[new]
        sizes[j, 1 + m] = p["new_clone_fraction"] * total[new]
        masks[j, 1 + m] = dom_mask[new] | (1 << m)
    # unattributed resistance, one class after the other in the line's agent order, each new
    # clone nested in the previous one (multi-class resistance arises in one lineage, ASSUMED)
    parent_mask, parent_frac = dom_mask, np.ones(len(idx))
    for c in dict.fromkeys(int(x) for x in plan.lines[line].unattr):
        slot = 1 + M + c
        new = sizes[idx, slot] == 0
        j = idx[new]
        f = np.minimum(plan.rho[line] * np.exp(p["rho_sigma"] * d.z_rho[j, line, c]) * parent_frac[new], 0.5)
        sizes[j, slot] = f * total[new]
        masks[j, slot] = parent_mask[new] | (1 << (M + c))
        parent_mask = masks[idx, slot]
        parent_frac = sizes[idx, slot] / np.maximum(total, 1e-300)
    # new clones are carved out of the existing burden (their cells were already there):
    # rescale so that the line-start burden is unchanged
    after = sizes[idx].sum(axis=1)
    sizes[idx] = sizes[idx] * (total / np.maximum(after, 1e-300))[:, None]
    return total


def carried_bits(plan: ArmPlan, sizes: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Bitmask of mechanisms held by >= detection_threshold of the burden (rows of ``sizes``)."""
    total = sizes.sum(axis=1)
    out = np.zeros(sizes.shape[0], dtype=np.int64)
    for b in range(plan.n_bits):
        share = np.where((masks >> b) & 1 == 1, sizes, 0.0).sum(axis=1) / np.maximum(total, 1e-300)
        out |= np.where(share >= plan.p["detection_threshold"], np.int64(1) << b, 0)
    return out


def kill_matrix(plan: ArmPlan, cur: np.ndarray, masks: np.ndarray, expo: np.ndarray) -> np.ndarray:
    """Kill rate (1/month) of every clone of the given patients on their current line."""
    L, M = len(plan.lines), len(plan.mechanisms)
    on = cur < L
    lc = np.minimum(cur, L - 1)
    mech = masks & ((1 << M) - 1)
    kill = np.zeros(masks.shape)
    for j in range(plan.R.shape[2]):
        base = np.where(on, plan.base[lc, j], 0.0)
        e = expo[np.arange(len(cur)), plan.aidx[lc, j]]
        r = plan.R[lc[:, None], mech, j]
        hit = (masks >> (M + plan.unattr[lc, j])[:, None]) & 1
        kill = kill + (base * e)[:, None] * r * (1 - hit)
    return kill


def simulate_block(plan: ArmPlan, d: Draws) -> BlockResult:
    """Simulate one block of patients from entry to the end of follow-up."""
    p, crit = plan.p, plan.criteria
    dt = p["dt"]
    B, L = d.z_growth.shape[0], len(plan.lines)
    n_steps = int(round(plan.follow_up / dt))
    months = int(plan.follow_up)
    sizes, masks, growth, expo = initial_state(plan, d)
    started = np.zeros((B, L), bool)
    start_t = np.full((B, L), np.nan)
    end_t = np.full((B, L), np.nan)
    progressed = np.zeros((B, L), bool)
    responded = np.zeros((B, L), bool)
    nadir_out = np.full((B, L), np.nan)
    carried = np.zeros((B, L), dtype=np.int64)
    os_t = np.full(B, plan.follow_up)
    died = np.zeros(B, bool)
    traj = np.full((B, months + 1), np.nan, dtype=np.float32)
    muller = np.zeros((months + 1, 1 + plan.n_bits))
    alive_n = np.zeros(months + 1)

    cur = np.zeros(B, dtype=np.int64)
    all_idx = np.arange(B)
    baseline = start_line(plan, d, all_idx, 0, sizes, masks)
    nadir = baseline.copy()
    started[:, 0] = True
    start_t[:, 0] = 0.0

    def record(month: int) -> None:
        live = ~died
        total = sizes.sum(axis=1)
        traj[:, month] = np.where(live, total, np.nan)
        alive_n[month] = live.sum()
        share = sizes / np.maximum(total, 1e-300)[:, None]
        muller[month] = share[live].sum(axis=0)

    record(0)
    steps_per_month = int(round(1.0 / dt))
    # the per-step growth factor only changes when a patient's line, clones or vital status
    # change: keep it and recompute the rows that changed (same arithmetic, same values)
    def factor(rows: np.ndarray) -> np.ndarray:
        kill = kill_matrix(plan, cur[rows], masks[rows], expo[rows])
        rate = np.where((~died[rows])[:, None], growth[rows][:, None] - kill, 0.0)
        return np.exp(rate * dt)

    fac = factor(all_idx)
    for s in range(1, n_steps + 1):
        t = s * dt
        live = ~died
        sizes = sizes * fac
        total = sizes.sum(axis=1)
        on = live & (cur < L)
        lc = np.minimum(cur, L - 1)
        nadir = np.where(on, np.minimum(nadir, total), nadir)
        resp = on & (total <= crit.response_ratio * baseline)
        responded[all_idx[resp], lc[resp]] = True
        floor = np.maximum(nadir, crit.floor * baseline)
        prog = on & (total >= (1.0 + crit.rise) * floor) & (total > nadir)
        if prog.any():
            j = all_idx[prog]
            lj = cur[j]
            progressed[j, lj] = True
            end_t[j, lj] = t
            nadir_out[j, lj] = nadir[j] / baseline[j]
            carried[j, lj] = carried_bits(plan, sizes[j], masks[j])
            cur[j] += 1
            nxt = cur[j] < L
            k = j[nxt]
            if k.size:
                for line in np.unique(cur[k]):
                    kk = k[cur[k] == line]
                    started[kk, line] = True
                    start_t[kk, line] = t
                    baseline[kk] = start_line(plan, d, kk, int(line), sizes, masks)
                    nadir[kk] = baseline[kk]
            fac[j] = factor(j)
        dead = live & (cur >= L) & (total >= p["lethal_burden"])
        if dead.any():
            died[dead] = True
            os_t[dead] = t
            fac[dead] = factor(all_idx[dead])
        if s % steps_per_month == 0 and s // steps_per_month <= months:
            record(s // steps_per_month)
    open_ = started & ~progressed
    rows, cols = np.nonzero(open_)
    end_t[rows, cols] = np.where(died[rows], os_t[rows], plan.follow_up)
    nadir_out[rows, cols] = nadir[rows] / baseline[rows]
    return BlockResult(started, start_t, end_t, progressed, responded, nadir_out, carried, os_t,
                       died, growth, traj, muller, alive_n)


__all__ = ["simulate_block", "BlockResult", "initial_state", "start_line", "kill_matrix", "carried_bits"]
