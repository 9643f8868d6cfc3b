"""Everything static about one arm, computed once in the parent and shipped to workers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from refractor.cohort._criteria import Criteria, criteria_for
from refractor.cohort._killrate import LineTable, line_table
from refractor.cohort._params import Params
from refractor.cohort._population import emergence_base, prevalence, tracked_mechanisms


@dataclass
class ArmPlan:
    arm: str
    mechanisms: list[str]  # M tracked KB mechanisms (bits 0..M-1)
    classes: list[str]  # U agent classes with an 'unattributed' resistance state (bits M..M+U-1)
    lines: list[LineTable]  # L lines
    agents: list[str]  # distinct agents over all lines (exposure draws)
    prev: np.ndarray  # (M,)
    fixed_fraction: np.ndarray  # (M,) clonal fraction at entry when given, NaN = drawn
    rho: np.ndarray  # (L,) median unattributed-resistant fraction at the start of each line
    emerge: np.ndarray  # (L, M) per-line emergence probability
    cov_fraction: np.ndarray  # (C,)
    cov_growth: np.ndarray  # (C,)
    criteria: Criteria
    p: dict[str, float]
    follow_up: float
    # padded per-line tables (L, A) for vectorised gathers
    R: np.ndarray = field(init=False)
    base: np.ndarray = field(init=False)
    unattr: np.ndarray = field(init=False)
    aidx: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        L, A = len(self.lines), max(len(t.agents) for t in self.lines)
        n_states = 1 << len(self.mechanisms)
        self.R = np.zeros((L, n_states, A))
        self.base = np.zeros((L, A))
        self.unattr = np.zeros((L, A), dtype=np.int64)
        self.aidx = np.zeros((L, A), dtype=np.int64)
        for l, t in enumerate(self.lines):
            k = len(t.agents)
            self.R[l, :, :k] = t.retained
            self.base[l, :k] = t.base
            self.unattr[l, :k] = t.unattr
            self.aidx[l, :k] = [self.agents.index(a) for a in t.agents]

    @property
    def n_bits(self) -> int:
        return len(self.mechanisms) + len(self.classes)

    def bit_names(self) -> list[str]:
        return self.mechanisms + [f"unattributed:{c}" for c in self.classes]


def arm_plans(scenario: Any, kb: Any, params: Params) -> list[ArmPlan]:
    """One :class:`ArmPlan` per arm of ``scenario``."""
    mechanisms = tracked_mechanisms(kb, scenario.disease, {**scenario.prevalence, **scenario.clonal_fraction})
    prev = prevalence(kb, scenario.state, mechanisms, scenario.prevalence)
    base_emerge = emergence_base(kb, mechanisms) * params.emergence_scale
    crit = criteria_for(kb, scenario.disease, params.nadir_floor)
    classes: list[str] = []
    for arm in scenario.arms:
        for comps in arm.lines:
            for a in comps:
                c = kb.agents[a].agent_class
                if c not in classes:
                    classes.append(c)
    covs = list(scenario.covariates.values())
    plans = []
    for arm in scenario.arms:
        tables = [line_table(kb, name, comps, mechanisms, scenario.refractory, params, classes)
                  for name, comps in zip(arm.line_names, arm.lines)]
        emerge = np.zeros((len(tables), len(mechanisms)))
        for l, comps in enumerate(arm.lines):
            for i, m in enumerate(mechanisms):
                affected = {x.id for a in comps for x in kb.mechanisms_for_agent(a)}
                if m in affected:
                    emerge[l, i] = min(1.0, base_emerge[i])
        agents = list(dict.fromkeys(a for comps in arm.lines for a in comps))
        plans.append(ArmPlan(
            arm=arm.name, mechanisms=mechanisms, classes=classes, lines=tables, agents=agents,
            prev=prev, emerge=emerge,
            fixed_fraction=np.array([scenario.clonal_fraction.get(m, np.nan) for m in mechanisms]),
            rho=np.array([params.rho_unattributed_diagnosis if scenario.line + l == 1 else params.rho_unattributed
                          for l in range(len(tables))]),
            cov_fraction=np.array([c["fraction"] for c in covs], dtype=float),
            cov_growth=np.array([c["growth_multiplier"] for c in covs], dtype=float),
            criteria=crit, p=dict(params.values), follow_up=scenario.follow_up_months))
    return plans


__all__ = ["ArmPlan", "arm_plans"]
