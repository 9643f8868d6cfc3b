"""The worker processes of a run: the per-sample pass in chunks, then the cohort-wide steps.

Building every sample's result (traces, evidence) and its JSON is plain Python work that
grows with the cohort: it is split into chunks of consecutive samples, run by a pool of
processes forked from the one holding the interpreted cohort (:class:`Workers`; nothing is
pickled on the way in, the workers share the parent's memory copy-on-write). Each chunk writes
its samples' JSON files, its lines of ``agents.tsv`` (text, in the format pandas' ``to_csv``
writes) and its rows of the observation and trace tables as Arrow IPC files into a ``.parts``
folder of the staging directory; the parent gets back only the small per-sample data the
annotated MAF and the HTML report need. The same pool then joins the parts into the tables
and writes the annotated MAFs (:meth:`Workers.submit`) while the parent renders the report.
With one worker every step runs in the parent, in the same order, writing the same bytes.
"""
from __future__ import annotations

import dataclasses
import gc
import math
import multiprocessing
import os
import pickle
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from refractor.interpret import CohortResult
from refractor.report._collect import OBS_COLUMNS, TRACE_COLUMNS, collect, tsv_cell

#: below this many samples the pass runs in the parent (a fork costs more than it saves)
MIN_SAMPLES_PER_WORKER = 250
#: chunks per worker: small enough to balance a shared machine, large enough to be cheap
CHUNKS_PER_WORKER = 12

_OBS_TYPES = {"value": pa.float64(), "threshold": pa.float64(), "assumed": pa.bool_(),
              "clonal_fraction": pa.float64(), "ccf_low": pa.float64(), "ccf_high": pa.float64()}
_TRACE_TYPES = {"weight": pa.float64(), "contribution": pa.float64()}
TABLE_TYPES = {"observations": _OBS_TYPES, "traces": _TRACE_TYPES}
#: extra columns of ``agents`` when a sensitivity analysis is given
FRAGILE_COLUMNS = ("fragile", "fragile_because")


def want_agents(want: frozenset[str]) -> bool:
    """Does a run with outputs ``want`` need the agents table (TSV text parts)?"""
    return bool(want & {"tsv", "parquet"})


def default_workers(n_samples: int) -> int:
    """Worker processes for a cohort: one per available CPU (at most 4), one per
    :data:`MIN_SAMPLES_PER_WORKER` samples; 1 (no fork) where fork is not available or this
    process is itself a daemonic worker of a pool (which may not have children)."""
    if ("fork" not in multiprocessing.get_all_start_methods()
            or multiprocessing.current_process().daemon):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4, n_samples // MIN_SAMPLES_PER_WORKER))


@dataclass
class Job:
    """What every chunk needs (inherited by the forked workers, never pickled)."""

    result: CohortResult | None  # None when sent to a worker, which has it already
    parts: Path
    json_dir: Path | None
    filenames: dict[str, str] | None
    want: frozenset[str]
    fragile: dict[tuple[str, str], tuple[bool, str]] | None = None  # -> (fragile, changed_by)
    fragile_json: dict[str, tuple] | None = None  # sample -> FragileCall records


@dataclass
class Pass:
    """What the pass gives back: small per-sample data and the part files, in sample order."""

    parts: Path
    chunks: int = 0
    sample_mechs: dict[str, str] = field(default_factory=dict)
    by_source: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    digests: list[list] = field(default_factory=list)

    def tsv_parts(self) -> list[Path]:
        return [self.parts / f"agents-{k:05d}.tsv" for k in range(self.chunks)]

    def tables(self, name: str):
        """``observations`` or ``traces`` of each chunk in turn (Arrow tables, memory-mapped)."""
        for k in range(self.chunks):
            with pa.memory_map(str(self.parts / f"{name}-{k:05d}.arrow")) as src:
                yield pa.ipc.open_file(src).read_all()


_JOB: Job | None = None  # set in the parent just before the workers are forked


def _fragile_lookup(fragility) -> dict[tuple[str, str], tuple[bool, str]] | None:
    if fragility is None:
        return None
    calls = fragility.calls
    out = {}
    for s, a, fr, by in zip(calls["sample"], calls["agent"], calls["fragile"], calls["changed_by"]):
        out[(s, a)] = (bool(fr), "" if by is None or by != by else str(by))
    return out


def _fragile_records(fragility) -> dict[str, tuple] | None:
    """sample -> its fragile calls as :class:`FragileCall` records (the per-sample JSON's
    ``fragility``)."""
    if fragility is None:
        return None
    from refractor.interpret._results import FragileCall

    calls = fragility.calls
    changes: dict[tuple[str, str], list[str]] = {}
    moves = fragility.perturbations
    for k, s, a in zip(fragility.changes["perturbation"], fragility.changes["sample"],
                       fragility.changes["agent"]):
        p = moves.iloc[int(k)]
        changes.setdefault((s, a), []).append(f"{p['kind']} {p['target']} [{p['detail']}] "
                                              f"{p['direction']}")
    out: dict[str, list] = {}
    fr = calls[calls["fragile"]]
    for s, a, call, n in zip(fr["sample"], fr["agent"], fr["call"], fr["n_perturbations"]):
        out.setdefault(s, []).append(FragileCall(str(a), str(call), int(n),
                                                 tuple(changes.get((s, a), [])[:5])))
    return {s: tuple(v) for s, v in out.items()}


def _arrow(rows: list[tuple], names: tuple[str, ...], types: dict[str, pa.DataType]) -> pa.Table:
    cols = list(zip(*rows)) if rows else [()] * len(names)
    return pa.table({c: pa.array(list(v), type=types.get(c, pa.string())) for c, v in zip(names, cols)})


def _write_arrow(table: pa.Table, path: Path) -> None:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
        w.write_table(table)


def _chunk(k: int, start: int, stop: int, job: Job):
    """Run samples ``start`` .. ``stop`` and write chunk ``k``'s part files; returns the small
    per-sample data (or the exception, made picklable)."""
    if job.result is None:
        job = dataclasses.replace(job, result=_JOB.result)
    try:
        got = collect(job.result, json_dir=job.json_dir, filenames=job.filenames, want=job.want,
                      start=start, stop=stop, fragility=job.fragile_json)
        if want_agents(job.want):
            if job.fragile is not None:
                miss = (False, "")
                lines = []
                for sample, agent, text in got.agent_lines:
                    fr, by = job.fragile.get((sample, agent), miss)
                    lines.append(f"{text}\t{fr}\t{tsv_cell(by)}\n")
            else:
                lines = [text + "\n" for _, _, text in got.agent_lines]
            with open(job.parts / f"agents-{k:05d}.tsv", "w", encoding="utf-8", newline="") as fh:
                fh.write("".join(lines))
            del lines
        if "parquet" in job.want:
            _write_arrow(_arrow(got.obs_rows, OBS_COLUMNS, _OBS_TYPES),
                         job.parts / f"observations-{k:05d}.arrow")
            _write_arrow(_arrow(got.trace_rows, TRACE_COLUMNS, _TRACE_TYPES),
                         job.parts / f"traces-{k:05d}.arrow")
        return k, stop - start, got.sample_mechs, got.by_source, got.digests
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        return _picklable(exc)


class Workers:
    """The worker processes of one run (a context manager): forked once, they run the sample
    chunks (:meth:`run_pass`) and then the whole-cohort writing steps (:meth:`submit`: the
    tables, each annotated MAF) while this process renders the report. With one worker
    everything runs here, in order. On an error the pool is terminated."""

    def __init__(self, result: CohortResult, workers: int | None = None) -> None:
        n = len(result)
        w = default_workers(n) if workers is None else max(1, int(workers))
        if multiprocessing.current_process().daemon:  # a pool's worker: no children allowed
            w = 1
        self.n = min(w, max(1, n))
        self.result = result
        self._pool = None

    def __enter__(self) -> "Workers":
        global _JOB
        _JOB = Job(self.result, Path("."), None, None, frozenset())
        if self.n > 1:
            if len(self.result):  # build once here what every sample shares (caches, observations)
                next(self.result.iter_uncached(0, 1))
            gc.collect()
            gc.freeze()  # the workers' collector then leaves the shared pages alone (no copies)
            with warnings.catch_warnings():
                # Python >= 3.12 warns on fork with threads alive (a progress bar, pyarrow's
                # pools); the workers use neither before they build their own
                warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
                self._pool = multiprocessing.get_context("fork").Pool(self.n)
        return self

    def __exit__(self, exc_type, *exc) -> None:
        global _JOB
        try:
            if self._pool is not None:
                if exc_type is None:
                    self._pool.close()
                else:
                    self._pool.terminate()
                self._pool.join()
        finally:
            self._pool = None
            _JOB = None
            if self.n > 1:
                gc.unfreeze()

    def submit(self, fn: Callable, *args) -> "_Done":
        """Run ``fn(*args)`` (a module-level function) in a worker, or here with one worker;
        ``.get()`` on the returned handle gives its value or raises its exception."""
        if self._pool is None:
            return _Done(value=_call(fn, *args))
        return _Done(pending=self._pool.apply_async(_call, (fn, *args)))

    def run_pass(self, stage: Path, *, json_dir: Path | None, filenames: dict[str, str] | None,
                 want: frozenset[str], fragility=None,
                 progress: Callable[[int], None] | None = None) -> Pass:
        """The per-sample pass (see the module docstring); part files go to ``stage/.parts``
        (removed by :func:`remove_parts` once joined)."""
        result = self.result
        n = len(result)
        parts = stage / ".parts"
        parts.mkdir()
        job = Job(result, parts, json_dir, filenames, want, _fragile_lookup(fragility),
                  _fragile_records(fragility))
        n_chunks = 1 if self.n == 1 else min(n, self.n * CHUNKS_PER_WORKER)
        size = math.ceil(n / n_chunks) if n else 0
        # the workers have the result already (forked): it is not sent with each chunk
        sent = job if self._pool is None else dataclasses.replace(job, result=None)
        bounds = [(k, k * size, min(n, (k + 1) * size), sent) for k in range(n_chunks)]
        out = Pass(parts, chunks=n_chunks)
        done = 0
        results = (map(_chunk_star, bounds) if self._pool is None
                   else self._pool.imap(_chunk_star, bounds))
        for res in results:
            if isinstance(res, BaseException):
                raise res
            _, m, mechs, by_source, digests = res
            out.sample_mechs.update(mechs)
            for key, labels in by_source.items():
                out.by_source.setdefault(key, set()).update(labels)
            out.digests.extend(digests)
            done += m
            if progress is not None:
                progress(done)
        return out


class _Done:
    """A submitted step: its value (run here) or the pool's pending result."""

    def __init__(self, value=None, pending=None) -> None:
        self._v, self._pending = value, pending

    def get(self):
        v = self._pending.get() if self._pending is not None else self._v
        if isinstance(v, BaseException):
            raise v
        return v


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _call(fn: Callable, *args):
    """``fn(*args)``, or its exception (made picklable) as the value."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        return _picklable(exc)


def cohort_result() -> CohortResult:
    """The run's result, in a worker task (inherited from the parent by fork)."""
    return _JOB.result


def _chunk_star(args):
    k, start, stop, job = args
    return _chunk(k, start, stop, job)


def remove_parts(p: Pass) -> None:
    shutil.rmtree(p.parts, ignore_errors=True)


__all__ = ["Workers", "Pass", "cohort_result", "default_workers", "remove_parts", "want_agents", "TABLE_TYPES",
           "FRAGILE_COLUMNS"]
