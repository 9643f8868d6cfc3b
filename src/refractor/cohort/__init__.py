"""Virtual cohorts: clonal evolution under lines of therapy, trial-calibrated survival and a
personalised forecast of the next line (research use only).

>>> from refractor.kb import KnowledgeBase                       # doctest: +SKIP
>>> from refractor.cohort import run_scenario                    # doctest: +SKIP
>>> run = run_scenario("optimismm-len-pretreated", KnowledgeBase.load())   # doctest: +SKIP
>>> run.summary()["comparisons"]                                 # doctest: +SKIP

The KB supplies agents, regimens, mechanisms, prevalence claims and scoring weights; the models
supply cached response surfaces (``refractor.models.run_batch``); the interpreter's scoring turns
mechanism states into resistance scores. See docs/concepts.md, "Virtual cohorts".
"""
from refractor.cohort._forecast import forecast
from refractor.cohort._executor import DaskExecutor, Executor, ExecutorStopped, LocalExecutor, make_executor
from refractor.cohort._calibrate import calibrate
from refractor.cohort._killrate import kill_rate
from refractor.cohort._params import Params, default_params
from refractor.cohort._run import DISCLAIMER, CohortRun, run_scenario
from refractor.cohort._scenario import (
    SCHEMA_NAME,
    SCHEMA_VERSION,
    Scenario,
    bundled_scenario,
    bundled_scenarios,
    bundled_text,
    load_scenario,
    scenario_from_text,
)
from refractor.cohort._summary import SUMMARY_SCHEMA, SUMMARY_VERSION

__all__ = [
    "run_scenario", "CohortRun", "forecast", "calibrate", "Scenario", "load_scenario", "scenario_from_text",
    "bundled_scenarios", "bundled_scenario", "bundled_text", "Executor", "ExecutorStopped", "LocalExecutor",
    "DaskExecutor", "make_executor", "Params", "default_params", "kill_rate", "DISCLAIMER",
    "SCHEMA_NAME", "SCHEMA_VERSION", "SUMMARY_SCHEMA", "SUMMARY_VERSION",
]
