"""Who enters the trial: mechanism prevalence by disease state (from KB claims), per-line
emergence probabilities, and the per-block random draws every executor shares.

Randomness: patients are simulated in fixed blocks of :data:`BLOCK` patients; block ``b`` of arm
``a`` in replicate ``r`` draws everything it will ever need up front from
``SeedSequence(seed, spawn_key=(r, a, b))``. The block size does not depend on the executor, so
1 process, N processes and a Dask cluster give identical results, and the per-patient reference
implementation can replay the same draws.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from refractor.errors import InputError

BLOCK = 2048  # patients per block (the unit of work and of random streams)


@lru_cache(maxsize=1)
def _prevalence_file() -> list[dict[str, Any]]:
    text = resources.files("refractor.cohort").joinpath("data", "prevalence.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def prevalence_rows() -> list[dict[str, Any]]:
    """The claim rows of ``prevalence.yaml`` (mechanism, state, claim, rule)."""
    return [r for r in _prevalence_file() if "mechanism" in r]


def umbrellas() -> dict[str, list[str]]:
    """Umbrella mechanism -> its members (never simulated as a state of its own)."""
    return {r["umbrella"]: list(r["members"]) for r in _prevalence_file() if "umbrella" in r}


def _claim_share(kb: Any, row: dict[str, Any]) -> float:
    q = kb.claims[row["claim"]].quantity
    rule = row["rule"]
    if rule == "value":
        return float(q.value) / 100.0
    if rule == "half_bound":
        return float(q.high) / 200.0
    if isinstance(rule, dict) and "share" in rule:
        return float(q.value) / 100.0 * float(rule["share"])
    raise InputError(f"prevalence.yaml: unknown rule {rule!r} for {row['mechanism']}")


def _depth(kb: Any, state: str) -> int:
    d, cur, seen = 0, state, set()
    while cur and cur not in seen:
        seen.add(cur)
        node = kb.diseases.get(cur)
        cur = node.parent if node is not None else None
        d += 1
    return d


def _lineage(kb: Any, state: str) -> list[str]:
    out, cur = [], state
    while cur and cur not in out:
        out.append(cur)
        node = kb.diseases.get(cur)
        cur = node.parent if node is not None else None
    return out


def tracked_mechanisms(kb: Any, disease: str, overrides: dict[str, float]) -> list[str]:
    """Mechanisms simulated for ``disease``: those with a prevalence row in its states, plus
    the scenario's overrides (in file order, then override order)."""
    related = kb.related_diseases(disease)
    out = [r["mechanism"] for r in prevalence_rows() if r["state"] in related and r["claim"] in kb.claims]
    out += list(overrides)
    return list(dict.fromkeys(out))


def prevalence(kb: Any, state: str, mechanisms: list[str], overrides: dict[str, float]) -> np.ndarray:
    """Share of patients carrying each mechanism at entry in ``state`` (nearest state with a figure)."""
    lineage = _lineage(kb, state)
    out = np.zeros(len(mechanisms))
    for i, m in enumerate(mechanisms):
        if m in overrides:
            out[i] = overrides[m]
            continue
        rows = {r["state"]: r for r in prevalence_rows() if r["mechanism"] == m and r["claim"] in kb.claims}
        for s in lineage:
            if s in rows:
                out[i] = _claim_share(kb, rows[s])
                break
    return out


def emergence_base(kb: Any, mechanisms: list[str]) -> np.ndarray:
    """Per-line probability that a mechanism arises under a line containing an agent it affects.

    From the prevalence-by-stage claims: states ordered by depth (ND < IMiD-refractory <
    len-refractory < len-then-pom-refractory); each step between consecutive figures is taken
    as one exposed line (ASSUMED) and gives ``(pi_b - pi_a) / (1 - pi_a)``; a mechanism with no
    figure at diagnosis starts from 0 (ASSUMED). The mean over steps is returned; the
    calibrated ``emergence_scale`` multiplies it.
    """
    out = np.zeros(len(mechanisms))
    for i, m in enumerate(mechanisms):
        rows = [r for r in prevalence_rows() if r["mechanism"] == m and r["claim"] in kb.claims]
        if not rows:
            continue
        pts = sorted(((_depth(kb, r["state"]), _claim_share(kb, r)) for r in rows))
        if not any(kb.diseases[r["state"]].id.endswith("-ND") for r in rows):
            pts = [(0, 0.0)] + pts
        steps = [(b - a) / (1 - a) for (_, a), (_, b) in zip(pts, pts[1:]) if b > a]
        out[i] = float(np.mean(steps)) if steps else 0.0
    return out


@dataclass
class Draws:
    """Everything random for one block (shapes in comments; B = patients in the block)."""

    z_growth: np.ndarray  # (B,)
    z_expo: np.ndarray  # (B, A) one per agent of the arm
    u_prev: np.ndarray  # (B, M) entry prevalence
    u_frac: np.ndarray  # (B, M) clonal fraction at entry
    u_emerge: np.ndarray  # (B, L, M) emergence at line start
    z_rho: np.ndarray  # (B, L, U) pre-existing unattributed resistance
    u_cov: np.ndarray  # (B, C) covariates


def block_draws(seed: int, key: tuple[int, ...], n: int, n_agents: int, n_mech: int,
                n_lines: int, n_unattr: int, n_cov: int) -> Draws:
    """The block's random numbers, drawn in one fixed order from its own stream."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
    return Draws(
        z_growth=rng.standard_normal(n),
        z_expo=rng.standard_normal((n, max(n_agents, 1))),
        u_prev=rng.random((n, n_mech)),
        u_frac=rng.random((n, n_mech)),
        u_emerge=rng.random((n, n_lines, n_mech)),
        z_rho=rng.standard_normal((n, n_lines, max(n_unattr, 1))),
        u_cov=rng.random((n, max(n_cov, 1))),
    )


__all__ = ["BLOCK", "Draws", "block_draws", "prevalence", "tracked_mechanisms", "emergence_base",
           "prevalence_rows", "umbrellas"]
