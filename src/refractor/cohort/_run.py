"""Run a scenario: blocks of patients on an executor, results streamed, a :class:`CohortRun` back."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from refractor.cohort._engine import BlockResult, simulate_block
from refractor.cohort._executor import Executor, make_executor
from refractor.cohort._params import Params, default_params
from refractor.cohort._plan import ArmPlan, arm_plans
from refractor.cohort._population import BLOCK, block_draws
from refractor.cohort._scenario import Scenario, load_scenario

DISCLAIMER = ("Research use only: simulated virtual patients from a model with assumed and fitted "
              "parameters; not a prediction for any real patient and never a treatment recommendation.")


def _task(task: tuple) -> BlockResult:
    plan, seed, key, n = task
    d = block_draws(seed, key, n, len(plan.agents), len(plan.mechanisms), len(plan.lines),
                    len(plan.classes), len(plan.cov_fraction))
    return simulate_block(plan, d)


def tasks_for(scenario: Scenario, plans: list[ArmPlan], n_per_arm: int | None = None) -> list[tuple]:
    """(plan, seed, (replicate, arm, block), n) for every block, in a fixed order."""
    n_arm = n_per_arm or scenario.n_per_arm
    out = []
    for r in range(scenario.replicates):
        for a, plan in enumerate(plans):
            for b in range(math.ceil(n_arm / BLOCK)):
                out.append((plan, scenario.seed, (r, a, b), min(BLOCK, n_arm - b * BLOCK)))
    return out


def events_frame(plan: ArmPlan, res: BlockResult, replicate: int, first_patient: int, first_line: int) -> pd.DataFrame:
    """One row per patient and started line."""
    B, L = res.started.shape
    pid = np.repeat(np.arange(first_patient, first_patient + B), L)
    line = np.tile(np.arange(L), B)
    keep = res.started.ravel()
    names = plan.bit_names()
    carried = res.carried.ravel()[keep]
    carried_s = [";".join(n for i, n in enumerate(names) if c >> i & 1) for c in carried]
    regimens = np.array([t.regimen for t in plan.lines])
    return pd.DataFrame({
        "replicate": np.full(keep.sum(), replicate, dtype=np.int32),
        "arm": plan.arm,
        "patient": pid[keep].astype(np.int64),
        "line": (line[keep] + first_line).astype(np.int16),
        "line_index": line[keep].astype(np.int16),
        "regimen": regimens[line[keep]],
        "start_month": res.start_t.ravel()[keep],
        "end_month": res.end_t.ravel()[keep],
        "progressed": res.progressed.ravel()[keep],
        "responded": res.responded.ravel()[keep],
        "best_burden_ratio": res.nadir.ravel()[keep],
        "carried_at_progression": carried_s,
        "carried_bits": carried,
        "os_month": np.repeat(res.os_t, L)[keep],
        "died": np.repeat(res.died, L)[keep],
        "growth_per_month": np.repeat(res.growth, L)[keep],
    })


@dataclass
class CohortRun:
    """The result of :func:`run_scenario`: events, aggregated clone make-up, and the views on them."""

    scenario: Scenario
    kb_version: str
    kb_hash: str
    params: Params
    plans: list[ArmPlan]
    events: pd.DataFrame
    muller: dict[str, np.ndarray]  # arm -> (months + 1, slots) mean clone share among alive
    executor: dict[str, Any]
    outputs: dict[str, str] = field(default_factory=dict)

    def km(self, line: int = 1, what: str = "pfs") -> dict[str, Any]:
        """arm -> fitted lifelines ``KaplanMeierFitter`` (PFS of line ``line`` or OS)."""
        from refractor.cohort._survival import km_fit

        return {arm: km_fit(t, e, label=arm) for arm, (t, e) in self.times(line, what).items()}

    def times(self, line: int = 1, what: str = "pfs") -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """arm -> (times, events) for PFS of line ``line`` (1 = first simulated line) or OS."""
        out = {}
        for plan in self.plans:
            sel = (self.events["arm"] == plan.arm) & (self.events["line_index"] == (line - 1 if what == "pfs" else 0))
            ev = self.events[sel]
            if what == "pfs":
                out[plan.arm] = ((ev["end_month"] - ev["start_month"]).to_numpy(), ev["progressed"].to_numpy())
            else:
                out[plan.arm] = (ev["os_month"].to_numpy(), ev["died"].to_numpy())
        return out

    def summary(self) -> dict[str, Any]:
        """The JSON summary (schema ``refractor.cohort.summary``, version 1)."""
        from refractor.cohort._summary import summarise

        return summarise(self)

    def to_parquet(self, path: str | Path) -> Path:
        """Write the events table (one row per patient and line) as Parquet."""
        from refractor.cohort._outputs import write_events

        return write_events(self.events, Path(path))


def run_scenario(
    scenario: Scenario | str | Path,
    kb: Any,
    executor: Executor | str | None = None,
    *,
    params: Params | None = None,
    n_per_arm: int | None = None,
    out: str | Path | None = None,
    trajectories: bool = True,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> CohortRun:
    """Simulate every arm of ``scenario``.

    Parameters
    ----------
    scenario : Scenario, path or bundled name
    kb : KnowledgeBase
    executor : Executor or str, optional
        ``None``/``"local"`` (process pool of ``workers``), ``"dask"`` (local cluster) or a
        scheduler address; an :class:`Executor` object is used as is (and not closed).
    params : Params, optional
        Default: :func:`default_params` (packaged calibration when it matches the KB hash).
    n_per_arm : int, optional
        Overrides the scenario's ``n_per_arm``.
    out : path, optional
        Folder for ``events.parquet`` and (with ``trajectories``) ``trajectories.parquet``,
        streamed block by block.
    progress : callable, optional
        ``progress(done_blocks, total_blocks)``.
    """
    from refractor.cohort._outputs import ParquetStream, trajectory_frame

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, kb)
    if n_per_arm is not None:
        scenario = scenario.with_(n_per_arm=int(n_per_arm))
    params = params or default_params(kb)
    plans = arm_plans(scenario, kb, params)
    tasks = tasks_for(scenario, plans)
    own = not isinstance(executor, Executor)
    ex = make_executor(executor, workers)
    frames, muller, alive = [], {}, {}
    outputs: dict[str, str] = {}
    traj_stream = None
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        if trajectories:
            traj_stream = ParquetStream(Path(out) / "trajectories.parquet")
            outputs["trajectories"] = str(Path(out) / "trajectories.parquet")
    try:
        for i, (task, res) in enumerate(zip(tasks, ex.map(_task, tasks))):
            plan, _seed, (r, a, b), _n = task
            first = b * BLOCK
            frames.append(events_frame(plan, res, r, first, scenario.line))
            muller[plan.arm] = muller.get(plan.arm, 0) + res.muller
            alive[plan.arm] = alive.get(plan.arm, 0) + res.alive
            if traj_stream is not None:
                traj_stream.write(trajectory_frame(plan.arm, r, first, res.trajectory))
            if progress:
                progress(i + 1, len(tasks))
    finally:
        if traj_stream is not None:
            traj_stream.close()
        if own:
            ex.close()
    events = pd.concat(frames, ignore_index=True)
    shares = {arm: muller[arm] / np.maximum(alive[arm], 1)[:, None] for arm in muller}
    run = CohortRun(scenario, str(kb.version), str(kb.content_hash), params, plans, events, shares,
                    ex.describe(), outputs)
    if out is not None:
        from refractor.cohort._outputs import write_report

        outputs.update(write_report(run, Path(out)))
    return run


__all__ = ["run_scenario", "CohortRun", "DISCLAIMER", "tasks_for", "events_frame"]
