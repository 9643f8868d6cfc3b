"""Engine: identical results on every executor and against the per-patient reference model."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from refractor.cohort import DaskExecutor, LocalExecutor, bundled_scenario, default_params, run_scenario
from refractor.cohort._engine import simulate_block
from refractor.cohort._plan import arm_plans
from refractor.cohort._population import BLOCK, block_draws
from refractor.cohort._reference import simulate_reference


@pytest.fixture(scope="module")
def small(kb):
    # three blocks per arm (the last one partial), 15 months: cheap but crosses block borders
    sc = bundled_scenario("optimismm-len-pretreated", kb)
    return sc.with_(n_per_arm=2 * BLOCK + 37, follow_up_months=15.0)


def _events(run):
    return run.events.sort_values(["arm", "patient", "line"]).reset_index(drop=True)


def test_results_identical_for_1_and_2_processes_and_dask(kb, small):
    one = run_scenario(small, kb, LocalExecutor(1), trajectories=False)
    two = run_scenario(small, kb, LocalExecutor(2), trajectories=False)
    with DaskExecutor(workers=2, processes=False) as dask:  # LocalCluster started in-process
        d = run_scenario(small, kb, dask, trajectories=False)
    pd.testing.assert_frame_equal(_events(one), _events(two))
    pd.testing.assert_frame_equal(_events(one), _events(d))
    for arm in one.muller:
        np.testing.assert_array_equal(one.muller[arm], d.muller[arm])
    assert two.executor == {"executor": "local", "workers": 2} and d.executor["executor"] == "dask"


def test_vectorised_engine_equals_per_patient_reference(kb):
    sc = bundled_scenario("nd-rd-crbn-evolution", kb).with_(follow_up_months=60.0)
    plan = arm_plans(sc, kb, default_params(kb))[0]
    d = block_draws(7, (0, 0, 0), 60, len(plan.agents), len(plan.mechanisms), len(plan.lines),
                    len(plan.classes), len(plan.cov_fraction))
    a, b = simulate_block(plan, d), simulate_reference(plan, d)
    for f in ("started", "progressed", "responded", "carried", "died"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    for f in ("start_t", "end_t", "nadir", "os_t", "growth"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    assert a.progressed.any() and a.started[:, 1].any()  # the comparison covers line changes


def test_clone_shares_partition_the_burden(kb, small):
    run = run_scenario(small.with_(n_per_arm=300), kb, LocalExecutor(1), trajectories=False)
    for shares in run.muller.values():
        np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=1e-9)
