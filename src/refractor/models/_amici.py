"""The optional AMICI backend of :func:`~refractor.models.run_batch`.

libRoadRunner stays the reference: every parameter set's values come from
:meth:`Model.settings_values` (defaults -> agent -> dose -> ``set`` -> perturbations, with the
same checks as every run); changed parameters are handed to AMICI, and when a species is set
directly the row is applied to the compiled libRoadRunner instance and its initial state
(initial assignments evaluated) is handed over too. AMICI only integrates.
AMICI's CVODES uses the symbolic sparse Jacobian with the KLU solver, where libRoadRunner's
CVODE uses a dense difference-quotient Jacobian; on EARM 1.0 one simulation takes ~2.7 ms of CPU
against ~4.2 ms (``benchmarks/bench_earm.py``).

Semantics kept from the libRoadRunner path: ``pre_equilibration_time`` (first integrate that
long with every dose at 0 and ``pre_equilibration_flag`` at 1, then set the doses and the flag
to 0), the same CVODE tolerances (note: libRoadRunner scales a scalar absolute tolerance by
each species' initial amount, AMICI does not, so at equal nominal tolerances AMICI is the
stricter of the two), one retry with 100x looser tolerances and 10x the steps for sets that
fail (reported as such), NaN rows for sets that fail twice.

Not supported (:func:`unsupported` says why; ``backend="auto"`` then uses libRoadRunner):
events, rate rules, compartments whose size is not 1 (AMICI's states are concentrations,
libRoadRunner's settings amounts: both agree only at unit volume).
"""
from __future__ import annotations

import ctypes
import functools
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from refractor.errors import ModelError
from refractor.models._integrate import MAX_STEPS

CHUNK = 256  # parameter sets per run_simulations call (bounds memory; progress granularity)


def available() -> bool:
    """Whether the optional ``amici`` package is importable."""
    return importlib.util.find_spec("amici") is not None


@functools.lru_cache(maxsize=32)  # parsing EARM's SBML costs ~5 ms, as much as 2 simulations
def unsupported(sbml: str) -> str | None:
    """Why the AMICI backend cannot run this SBML model with run_batch's semantics, or None."""
    import libsbml

    doc = libsbml.readSBMLFromString(sbml)
    m = doc.getModel()
    if m is None:
        return "the SBML has no model"
    if m.getNumEvents():
        return "the model has events"
    if any(r.isRate() for r in m.getListOfRules()):
        return "the model has rate rules"
    sizes = [c.getSize() for c in m.getListOfCompartments()]
    if any(s != 1.0 for s in sizes):
        return "a compartment size is not 1"
    return None


class AmiciRunner:
    """One compiled AMICI model plus the index maps between it and libRoadRunner."""

    def __init__(self, module: Any, compiled: Any) -> None:
        self.model = module.get_model()
        self.model.set_parameter_list([])  # no sensitivities: no per-output sensitivity storage
        known = compiled.recordable()
        self.states = [_sbml_id(a, known) for a in self.model.get_state_ids()]
        self.pids = [_sbml_id(a, known) for a in self.model.get_free_parameter_ids()]
        self.pindex = {p: i for i, p in enumerate(self.pids)}
        self.exprs = [_sbml_id(a, known) for a in self.model.get_expression_ids()]
        self.base = np.array(self.model.get_free_parameters(), dtype=float)
        rr_species = list(compiled.species)
        missing = [s for s in self.states if s not in rr_species]
        if missing:
            raise ModelError(f"AMICI states {missing[:5]} are not floating species")
        self.rr_order = np.array([rr_species.index(s) for s in self.states])
        self.sindex = {s: i for i, s in enumerate(self.states)}

    def columns(self, names: Sequence[str]) -> list[tuple[str, int]]:
        """How each selection is read: ('x', state), ('w', expression) or ('p', parameter)."""
        out = []
        for n in names:
            if n in self.sindex:
                out.append(("x", self.sindex[n]))
            elif n in self.exprs:
                out.append(("w", self.exprs.index(n)))
            elif n in self.pindex:
                out.append(("p", self.pindex[n]))
            else:
                raise ModelError(f"selection {n!r} is not available from the AMICI model")
        return out

    def solver(self, rtol: float, atol: float, loose: bool = False) -> Any:
        s = self.model.create_solver()
        k = 100.0 if loose else 1.0
        s.set_relative_tolerance(rtol * k)
        s.set_absolute_tolerance(atol * k)
        s.set_max_steps(MAX_STEPS * (10 if loose else 1))
        return s


def _sbml_id(amici_id: str, known: set[str]) -> str:
    """The SBML id behind an AMICI id (AMICI prefixes ids it reserves, e.g. ``k``, with
    ``amici_``)."""
    if amici_id not in known and amici_id.startswith("amici_") and amici_id[6:] in known:
        return amici_id[6:]
    return amici_id


_RUNNERS: dict[tuple[str, int], AmiciRunner] = {}


def runner_for(module: Any, compiled: Any) -> AmiciRunner:
    """The runner of a compiled AMICI module for one libRoadRunner instance (cached)."""
    key = (module.__name__, id(compiled))
    if key not in _RUNNERS:
        _RUNNERS[key] = AmiciRunner(module, compiled)
    return _RUNNERS[key]


def _state_and_parameters(model: Any, runner: AmiciRunner, c: Any, row: Mapping[str, float],
                          agent: str | None, dose: float, perturbations: Any,
                          ) -> tuple[np.ndarray | None, np.ndarray, dict[str, float]]:
    """AMICI's x0 (None: AMICI evaluates the initial assignments itself) and parameters.

    The values come from :meth:`Model.settings_values` (same order and checks as every
    run). Only when a species is set directly is the row applied to the libRoadRunner
    instance and its initial state (initial assignments evaluated) handed over; parameters
    alone are passed to AMICI, whose initial assignments are those of the same SBML.
    """
    values = model.settings_values(agent=agent, dose=dose, set=row, perturbations=perturbations)
    settings = {k: v for k, v in values.items() if v != c.defaults.get(k)}
    x0 = None
    if any(k in runner.sindex for k in settings):
        c.restore(keep=values)
        c.apply(values)
        amounts = np.asarray(c.rr.model.getFloatingSpeciesAmounts(), dtype=float)
        x0 = amounts[runner.rr_order]  # unit volumes: amount == concentration
    p = runner.base.copy()
    for k, v in settings.items():
        i = runner.pindex.get(k)
        if i is not None:
            p[i] = v
    return x0, p, settings


def run_rows(model: Any, runner: AmiciRunner, c: Any, cols: list[str], values: np.ndarray,
             times: np.ndarray, names: Sequence[str], agent: str | None, dose: float,
             perturbations: Any, n_threads: int, final_only: bool = False,
             progress: Callable[[int, int], None] | None = None,
             ) -> tuple[np.ndarray, list[int]]:
    """Simulate every row; (n x T x S array with NaN rows for failures, failed codes).

    With ``final_only`` T is 1 (the last output time; the integration still stops at every
    output time, as on the libRoadRunner path).

    Failed codes as in ``batch._run_chunk``: ``i`` failed (NaN), ``-i - 1`` needed the
    looser-tolerance retry.

    With ``n_threads`` > 1 the rows are cut into blocks that ``n_threads`` threads take in turn,
    each thread with its own copy of the AMICI model and solvers, running AMICI serially on its
    block: AMICI releases the GIL while it integrates, so one thread's Python work (the rows'
    values, AMICI's input objects, reading the results) overlaps the other threads' integration,
    and no thread waits at a barrier for the slowest set of a block (AMICI's own OpenMP loop
    does both: it is left at one thread). Each block is computed exactly as a one-thread run
    computes it, and the results and failed codes are put together in block order.
    """
    n = len(values)
    n_out = 1 if final_only else len(times)
    out = np.full((n, n_out, len(names)), np.nan)
    threads = max(1, min(int(n_threads), n))
    size = CHUNK if threads == 1 else max(1, min(CHUNK, -(-n // (threads * 4))))
    starts = list(range(0, n, size))
    job = _Job(model, runner, c, cols, values, times, runner.columns(names), agent, dose,
               perturbations, final_only, size)
    failed_by: dict[int, list[int]] = {}
    done = 0
    if threads == 1 or len(starts) == 1:
        for start in starts:
            failed_by[start] = job.block(runner, start, out)
            done += len(values[start:start + size])
            if progress:
                progress(done, n)
    else:
        import copy
        import threading
        from concurrent.futures import ThreadPoolExecutor, as_completed

        local = threading.local()

        def run(start: int) -> tuple[int, list[int]]:
            own = getattr(local, "runner", None)
            if own is None:  # this thread's own model (solvers are made from it per block)
                own = local.runner = copy.copy(runner)
                own.model = runner.model.clone()
            return start, job.block(own, start, out)

        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="refractor-amici") as ex:
            for fut in as_completed([ex.submit(run, st) for st in starts]):
                start, codes = fut.result()
                failed_by[start] = codes
                done += len(values[start:start + size])
                if progress:
                    progress(done, n)
    return out, [code for start in starts for code in failed_by[start]]


class _Job:
    """What every block of one :func:`run_rows` call shares."""

    def __init__(self, model, runner, c, cols, values, times, read, agent, dose, perturbations,
                 final_only, size) -> None:
        self.model, self.c, self.cols, self.values = model, c, cols, values
        self.times, self.read, self.agent, self.dose = times, read, agent, dose
        self.perturbations, self.final_only, self.size = perturbations, final_only, size
        spec = model.spec
        self.pre_default = c.defaults.get("pre_equilibration_time", 0.0)
        self.dose_ids = sorted({a.dose_species for a in spec.agents})
        self.flag = runner.pindex.get("pre_equilibration_flag")

    def block(self, runner: AmiciRunner, start: int, out: np.ndarray) -> list[int]:
        """Rows ``start`` .. ``start + size`` into ``out`` (with ``runner``'s own model: one
        thread at a time per runner); their failed codes."""
        from amici.sim import sundials as asd

        block = self.values[start:start + self.size]
        prepared = []
        with self.c.lock:  # the libRoadRunner instance is shared
            for row in block:
                x0, p, settings = _state_and_parameters(
                    self.model, runner, self.c, dict(zip(self.cols, row)), self.agent, self.dose,
                    self.perturbations)
                pre = float(settings.get("pre_equilibration_time", self.pre_default))
                prepared.append((x0, p, pre))
        finals = np.full((len(block),) + out.shape[1:], np.nan)
        todo = list(range(len(block)))
        failed: list[int] = []
        for loose in (False, True):
            if not todo:
                break
            solver = runner.solver(self.model.rtol, self.model.atol, loose=loose)
            ok = _simulate(asd, runner, solver, [prepared[i] for i in todo], self.times,
                           self.read, self.dose_ids, self.flag, 1, self.final_only)
            still = []
            for i, data in zip(todo, ok):
                if data is None:
                    still.append(i)
                    continue
                finals[i] = data
                if loose:
                    failed.append(-(start + i) - 1)
            todo = still
        failed += [start + i for i in todo]
        out[start:start + len(block)] = finals
        return failed


def _run(asd: Any, runner: AmiciRunner, solver: Any, edatas: list, n_threads: int) -> Any:
    """AMICI over ``edatas`` on ``n_threads`` OpenMP threads, every set run (no fail-fast).

    Calls the SWIG function directly: the Python wrapper stops at the first failure and wraps
    each result in a ReturnDataView whose construction and element-by-element conversion of
    every field cost more CPU than the simulation (~2.9 ms per EARM set, measured).
    """
    from amici.sim.sundials._swig_wrappers import _get_ptr

    swig = asd.amici_swig_py
    return swig.run_simulations(_get_ptr(solver), swig.ExpDataPtrVector(edatas),
                                _get_ptr(runner.model), False, int(n_threads))


def _vector(vec: Any) -> np.ndarray:
    """A SWIG ``std::vector<double>`` as a numpy array, read in one copy.

    AMICI's own conversion iterates element by element (~0.4 us each: 2.4 ms for EARM's
    100 x 58 states, as long as the simulation itself). The vector's (begin, end) pointers
    are read instead (the libstdc++/libc++ layout); used only when they agree with the
    vector's length and its first and last elements, else the element-wise path is taken.
    """
    n = len(vec)
    if n == 0:
        return np.empty(0)
    try:
        begin, end, _cap = ctypes.cast(int(vec.this), ctypes.POINTER(ctypes.c_void_p * 3)).contents
        if begin and end and end - begin == 8 * n:
            arr = np.ctypeslib.as_array((ctypes.c_double * n).from_address(begin)).copy()
            if _same(arr[0], vec.front()) and _same(arr[-1], vec.back()):
                return arr
    except (AttributeError, TypeError, ValueError, OverflowError):
        pass
    return np.fromiter(vec, dtype=float, count=n)


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _read(rd: Any, nt: int, rows: slice, read: list[tuple[str, int]],
          p: np.ndarray) -> np.ndarray:
    """The selected values at output rows ``rows``."""
    x = _vector(rd.x).reshape(nt, -1)[rows] if any(k == "x" for k, _ in read) else None
    w = _vector(rd.w).reshape(nt, -1)[rows] if any(k == "w" for k, _ in read) else None
    data = np.empty((len(range(nt)[rows]), len(read)))
    for j, (kind, k) in enumerate(read):
        if kind == "x":
            data[:, j] = x[:, k]
        elif kind == "w":
            data[:, j] = w[:, k]
        else:
            data[:, j] = p[k]
    return data


def _simulate(asd: Any, runner: AmiciRunner, solver: Any, prepared: list, times: np.ndarray,
              read: list[tuple[str, int]], dose_ids: list[str], flag: int | None,
              n_threads: int, final_only: bool) -> list[np.ndarray | None]:
    """One pass of AMICI over ``prepared`` (x0, p, pre) sets; None for a failed set."""
    model = runner.model
    results: list[np.ndarray | None] = [None] * len(prepared)
    starts = [x0 for x0, _p, _pre in prepared]  # None: AMICI evaluates x0 itself
    lost = set()  # sets whose pre-equilibration failed
    pre_rows = [i for i, (_x0, _p, pre) in enumerate(prepared) if pre > 0]
    if pre_rows:  # untreated pre-equilibration: doses 0 (parameter or species), flag 1
        edatas = []
        for i in pre_rows:
            x0, p, pre = prepared[i]
            x0 = None if x0 is None else x0.copy()
            p = p.copy()
            for d in dose_ids:  # a dose species away from 0 was set, so x0 is given
                if d in runner.pindex:
                    p[runner.pindex[d]] = 0.0
                elif d in runner.sindex and x0 is not None:
                    x0[runner.sindex[d]] = 0.0
            if flag is not None:
                p[flag] = 1.0
            edatas.append(_edata(asd, model, x0, p, [pre]))
        for i, rd in zip(pre_rows, _run(asd, runner, solver, edatas, n_threads)):
            x = _vector(rd.x) if rd.status == 0 else None
            if x is None or not np.all(np.isfinite(x)):
                lost.add(i)
                continue
            x0 = prepared[i][0]
            for d in dose_ids:  # the doses go in after pre-equilibration
                if d in runner.sindex and x0 is not None:
                    x[runner.sindex[d]] = x0[runner.sindex[d]]
            starts[i] = x
    live = [i for i in range(len(prepared)) if i not in lost]
    edatas = []
    for i in live:
        p = prepared[i][1].copy()
        if flag is not None and prepared[i][2] > 0:
            p[flag] = 0.0
        edatas.append(_edata(asd, model, starts[i], p, times))
    rows = slice(-1, None) if final_only else slice(None)
    for i, rd in zip(live, _run(asd, runner, solver, edatas, n_threads)):
        if rd.status != 0:
            continue
        data = _read(rd, len(times), rows, read, prepared[i][1])
        if np.all(np.isfinite(data)):
            results[i] = data
    return results


def _edata(asd: Any, model: Any, x0: np.ndarray | None, p: np.ndarray, ts: Sequence[float]) -> Any:
    e = asd.ExpData(model)
    e.set_timepoints(list(ts))
    e.free_parameters = list(p)
    if x0 is not None:
        e.x0 = list(x0)
    e.plist = []
    return e


__all__ = ["AmiciRunner", "available", "run_rows", "runner_for", "unsupported"]
