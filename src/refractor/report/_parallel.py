"""The per-sample pass of a run, over chunks of samples, in forked worker processes.

Building every sample's result (traces, evidence) and its JSON is plain Python work that
grows with the cohort: it is split into chunks of consecutive samples, run in ``workers``
processes forked from the one holding the interpreted cohort (nothing is pickled on the way
in; the workers share the parent's memory copy-on-write). Each chunk writes its samples'
JSON files, its lines of ``agents.tsv`` (text, in the format pandas' ``to_csv`` writes) and
its rows of the observation and trace tables as Arrow IPC files into a ``.parts`` folder of
the staging directory; the parent gets back only the small per-sample data the annotated MAF and the HTML
report need, and joins the parts in sample order. With ``workers=1`` the same chunk function
runs in the parent (no fork), so both paths write the same bytes.
"""
from __future__ import annotations

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
CHUNKS_PER_WORKER = 6

_OBS_TYPES = {"value": pa.float64(), "threshold": pa.float64(), "assumed": pa.bool_(),
              "clonal_fraction": pa.float64()}
_TRACE_TYPES = {"weight": pa.float64(), "contribution": pa.float64()}
TABLE_TYPES = {"observations": _OBS_TYPES, "traces": _TRACE_TYPES}
#: extra columns of ``agents`` when a sensitivity analysis is given
FRAGILE_COLUMNS = ("fragile", "fragile_because")


def want_agents(want: frozenset[str]) -> bool:
    """Does a run with outputs ``want`` need the agents table (TSV text parts)?"""
    return bool(want & {"tsv", "parquet"})


def default_workers(n_samples: int) -> int:
    """Worker processes for a cohort: one per available CPU (at most 4), one per
    :data:`MIN_SAMPLES_PER_WORKER` samples; 1 (no fork) where fork is not available."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4, n_samples // MIN_SAMPLES_PER_WORKER))


@dataclass
class Job:
    """What every chunk needs (inherited by the forked workers, never pickled)."""

    result: CohortResult
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


def _chunk(k: int, start: int, stop: int, job: Job | None = None):
    """Run samples ``start`` .. ``stop`` and write chunk ``k``'s part files; returns the small
    per-sample data (or the exception, made picklable)."""
    job = job or _JOB
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
        try:
            pickle.loads(pickle.dumps(exc))
            return exc
        except Exception:  # noqa: BLE001
            return RuntimeError(f"{type(exc).__name__}: {exc}")


def run_pass(result: CohortResult, stage: Path, *, json_dir: Path | None,
             filenames: dict[str, str] | None, want: frozenset[str], fragility=None,
             workers: int | None = None,
             progress: Callable[[int], None] | None = None) -> Pass:
    """Run the per-sample pass over ``result`` (see the module docstring); part files go to
    ``stage/.parts`` (removed by :func:`remove_parts` once joined)."""
    global _JOB
    n = len(result)
    parts = stage / ".parts"
    parts.mkdir()
    job = Job(result, parts, json_dir, filenames, want, _fragile_lookup(fragility),
              _fragile_records(fragility))
    workers = default_workers(n) if workers is None else max(1, int(workers))
    workers = min(workers, max(1, n))
    n_chunks = 1 if workers == 1 else min(n, workers * CHUNKS_PER_WORKER)
    size = math.ceil(n / n_chunks) if n else 0
    bounds = [(k, k * size, min(n, (k + 1) * size)) for k in range(n_chunks)]
    out = Pass(parts, chunks=n_chunks)
    done = 0

    def take(res) -> None:
        nonlocal done
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

    if workers == 1:
        for b in bounds:
            take(_chunk(*b, job=job))
        return out
    if n:  # build once in the parent what every sample shares (caches, grouped observations)
        next(result.iter_uncached(0, 1))
    _JOB = job
    gc.collect()
    gc.freeze()  # the workers' collector then leaves the shared pages alone (no copies)
    try:
        with warnings.catch_warnings():
            # Python >= 3.12 warns on fork with threads alive (a progress bar, pyarrow's
            # pools); the workers use neither
            warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                for res in pool.imap(_chunk_star, bounds):
                    take(res)
    finally:
        _JOB = None
        gc.unfreeze()
    return out


def _chunk_star(args):
    return _chunk(*args)


def remove_parts(p: Pass) -> None:
    shutil.rmtree(p.parts, ignore_errors=True)


__all__ = ["run_pass", "Pass", "default_workers", "remove_parts", "want_agents", "TABLE_TYPES",
           "FRAGILE_COLUMNS"]
