"""Tests of the libRoadRunner wrapper (refractor.models._model) on the packaged models."""
from __future__ import annotations

import time

import numpy as np
import pytest

from refractor.errors import InputError, ModelError, SolverWarning
from refractor.models import Model
from refractor.models.bcl2 import SPEC as BCL2
from refractor.models.glue import SPEC as GLUE


@pytest.fixture(scope="module")
def glue() -> Model:
    return Model(GLUE)


def test_compiled_once_and_shared(glue):
    assert glue.roadrunner() is Model(GLUE).roadrunner()


def test_untreated_run_is_steady_state(glue):
    # initial conditions are the analytic untreated steady state: nothing moves without drug
    res = glue.simulate(t_end=96)
    for col in ("IKZF1_rel", "IKZF3_rel", "IRF4", "MYC", "viability"):
        assert res.frame[col].iloc[-1] == pytest.approx(1.0, rel=1e-5)


def test_unknown_parameter_names_it_and_lists_valid(glue):
    with pytest.raises(InputError) as err:
        glue.simulate(set={"crbn_levle": 0.5})
    msg = str(err.value)
    assert "crbn_levle" in msg and "crbn_level" in msg and "valid" in msg


def test_initially_assigned_species_points_to_parameters(glue):
    with pytest.raises(InputError, match="computed from parameters"):
        glue.simulate(set={"C": 0.01})


def test_unknown_agent_and_perturbation(glue):
    with pytest.raises(InputError, match="unknown agent"):
        glue.simulate(agent="aspirin", dose=1.0)
    with pytest.raises(InputError, match="unknown perturbation"):
        glue.simulate(perturbations=["no_such_thing"])
    with pytest.raises(InputError, match="dose"):
        glue.simulate(agent="lenalidomide", dose=-1.0)


def test_settings_do_not_leak_between_runs(glue):
    ref = glue.simulate(agent="lenalidomide", dose=1.0, t_end=24).final("IKZF1_rel")
    glue.simulate(agent="lenalidomide", dose=1.0, t_end=24, set={"kub": 0.1},
                  perturbations={"crbn_low": 0.2})
    again = glue.simulate(agent="lenalidomide", dose=1.0, t_end=24)
    assert again.final("IKZF1_rel") == pytest.approx(ref, rel=1e-9)
    assert "kub" not in again.settings and "crbn_level" not in again.settings
    assert again.settings["drug"] == 1.0


def test_perturbation_scale_and_override(glue):
    r = glue.simulate(perturbations={"crbn_low": 0.25})
    assert r.settings["crbn_level"] == pytest.approx(0.25)
    r = glue.simulate(perturbations=["crbn_low"])
    assert r.settings["crbn_level"] == pytest.approx(0.1)


def test_assumptions_listed_and_dropped_when_overridden(glue):
    r = glue.simulate(agent="mezigdomide", dose=0.01, t_end=24)
    assert any(a.startswith("Kd_crbn@mezigdomide") for a in r.assumptions)
    assert not any("@lenalidomide" in a for a in r.assumptions)
    assert any(a.startswith("kub:") for a in r.assumptions)
    r = glue.simulate(set={"kub": 10.0})
    assert not any(a.startswith("kub:") for a in r.assumptions)


def test_dose_response_is_fast(glue):
    glue.dose_response(agent="lenalidomide", doses=[1.0])  # compile outside the timing
    doses = list(np.logspace(-4, 2, 12))
    t0 = time.process_time()  # CPU time: a busy shared machine must not fail the test
    glue.dose_response(agent="pomalidomide", doses=doses)
    assert time.process_time() - t0 < 1.0


def test_failed_integration_raises_model_error(glue):
    # an absurd proliferation rate overflows the cell number: CVODE fails even after retry
    with pytest.warns(SolverWarning), pytest.raises(ModelError):
        glue.simulate(set={"kp": 1e4}, t_end=1000)


def test_pre_equilibration_gives_untreated_steady_state():
    m = Model(BCL2)
    a = m.simulate(t_end=24).frame
    # after pre-equilibration the untreated complexes no longer move
    for col in ("B2_BIM", "XL_BIM", "M1_BIM", "BAXa"):
        assert a[col].iloc[-1] == pytest.approx(a[col].iloc[0], rel=1e-4, abs=1e-8)
