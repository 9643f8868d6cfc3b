"""One streaming pass over a cohort's per-sample results (or a range of them).

Each :class:`~refractor.interpret.SampleResult` is built, written as JSON (when asked),
reduced to the rows the cohort tables, the annotated MAF and the HTML report need, and
dropped: the cohort is never held as objects all at once (issue 15: bounded memory).
:mod:`refractor.report._parallel` runs this pass over chunks of samples in worker processes.
"""
from __future__ import annotations

import dataclasses
import gc
import json
import os
from collections.abc import Callable
from pathlib import Path

import orjson

from refractor.interpret import CohortResult

FOUND = ("detected", "possible")
AGENT_COLUMNS = ("agent_class", "level", "score", "assessable", "confidence", "mechanisms",
                 "evidence", "status", "reason")
OBS_COLUMNS = ("sample", "mechanism", "status", "biomarker", "kind", "gene", "detail",
               "resolution", "value", "threshold", "comparison", "unit", "source", "assumed",
               "clonal_fraction", "ccf_low", "ccf_high")
TRACE_COLUMNS = ("sample", "agent", "rule", "term", "weight", "contribution", "mechanisms",
                 "status", "resolution")
#: the long agent table's columns, in the order of one row of ``Collected.agent_rows``
AGENT_ROW = ("sample", "disease", "agent", *AGENT_COLUMNS)


class Collected:
    """What the pass keeps: the long tables' rows and small per-sample digests.

    ``agent_lines`` are ``agents.tsv`` lines without the trailing fragility columns: ``(sample,
    agent, text)``; ``obs_rows`` follow :data:`OBS_COLUMNS`, ``trace_rows``
    :data:`TRACE_COLUMNS`; :meth:`columns` turns rows into column lists.
    """

    def __init__(self) -> None:
        self.agent_lines: list[tuple[str, str, str]] = []
        self.obs_rows: list[tuple] = []
        self.trace_rows: list[tuple] = []
        #: sample -> "mechanism:status;..." of its found mechanisms (annotated MAF)
        self.sample_mechs: dict[str, str] = {}
        #: (sample, observation source) -> mechanism:status labels (annotated MAF)
        self.by_source: dict[tuple[str, str], set[str]] = {}
        #: per sample, in cohort order: compact drill-down for the HTML report
        self.digests: list[list] = []

    @staticmethod
    def columns(rows: list[tuple], names: tuple[str, ...]) -> dict[str, list]:
        """Rows -> ``{name: column list}`` (empty lists when there are no rows)."""
        cols = list(zip(*rows)) if rows else [()] * len(names)
        return {c: list(v) for c, v in zip(names, cols)}

    @property
    def observations(self) -> dict[str, list]:
        return self.columns(self.obs_rows, OBS_COLUMNS)

    @property
    def traces(self) -> dict[str, list]:
        return self.columns(self.trace_rows, TRACE_COLUMNS)


_ORJSON_OPTS = orjson.OPT_SERIALIZE_NUMPY


def _default(obj):
    to_dict = getattr(obj, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


class _JsonText:
    """A sample's JSON document as UTF-8 bytes: the content of ``r.to_dict()``, serialised by
    orjson straight from the result's (frozen dataclass) records.

    orjson writes a dataclass as its fields in declaration order, tuples as arrays and NaN as
    null, which is what every record's ``to_dict`` does. That equivalence is checked on the
    first sample (parsed back and compared with ``to_dict``); if a record ever differs (a
    field ``to_dict`` leaves out), every sample is written through ``to_dict`` instead.
    """

    def __init__(self) -> None:
        self._direct: bool | None = None

    def _fast(self, r) -> bytes:
        from refractor.interpret._results import SCHEMA_NAME, SCHEMA_VERSION

        doc = {"schema": SCHEMA_NAME, "schema_version": SCHEMA_VERSION, "sample": r.sample,
               "disease": r.disease, "subtype": r.subtype, "kb_version": r.kb_version,
               "kb_hash": r.kb_hash, "scoring_version": r.scoring_version}
        if r.build is not None:
            doc["build"] = r.build
        doc |= {"disclaimer": r.disclaimer, "mechanisms": r.mechanisms, "agents": r.agents,
                "strategies": r.strategies, "flagged_harmful": r.flagged_harmful,
                "warnings": r.warnings, "assumptions": r.assumptions}
        if r.fragility is not None:
            doc["fragility"] = r.fragility
        return orjson.dumps(doc, default=_default, option=_ORJSON_OPTS)

    def __call__(self, r) -> bytes:
        if self._direct is None:
            fast = self._fast(r)
            self._direct = (list(orjson.loads(fast)) == list(r.to_dict())
                            and orjson.loads(fast) == json.loads(json.dumps(r.to_dict())))
        if self._direct:
            return self._fast(r)
        return orjson.dumps(r.to_dict(), default=_default, option=_ORJSON_OPTS)


_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def _write_file(path: Path, data: bytes) -> None:
    """``data`` as the file ``path`` (one system call per write, no buffered file object:
    ten thousand small files)."""
    fd = os.open(path, _FLAGS, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _digest(r, cohort_warnings: set) -> list:
    """[subtype, found mechanisms [[id, status, [observation details]]], sample-specific
    warnings ["category: message"], strategy names] - what the HTML drill-down shows."""
    found = [[m.mechanism, m.status, [o.detail for o in m.observations]]
             for m in r.mechanisms if m.status in FOUND]
    warns = [f"{w.category}: {w.message}" for w in r.warnings if w not in cohort_warnings]
    return [r.subtype or "", found, warns, [s.name for s in r.strategies]]


def tsv_cell(v) -> str:
    """One cell as csv.writer writes it with a tab delimiter (as pandas' ``to_csv`` does, but
    that a lone CR is quoted too: pandas' reader takes it for a line end): None empty, numbers
    by ``str``, a text quoted when it holds a tab, quote, CR or LF."""
    if v is None:
        return ""
    t = v if isinstance(v, str) else str(v)
    if "\t" in t or '"' in t or "\n" in t or "\r" in t:
        return '"' + t.replace('"', '""') + '"'
    return t


class _RowCache:
    """Per-record row tails, keyed by ``id``: the interpreter shares agent calls (and traces)
    between samples, so each shared record is reduced once. The record is kept beside its
    tail, so an ``id`` cannot be reused while cached; emptied at ``limit`` entries.

    An agent's tail is its ``agents.tsv`` text after ``sample`` and ``disease`` (``agent`` ..
    ``reason``, with ``call`` repeating ``level``), tab-joined, and its trace rows."""

    def __init__(self, limit: int = 50_000) -> None:
        self._agents: dict[int, tuple] = {}
        self._limit = limit

    def agent(self, a) -> tuple[str, tuple]:
        hit = self._agents.get(id(a))
        if hit is not None and hit[0] is a:
            return hit[1], hit[2]
        cells = (a.agent, a.agent_class, a.level, a.score, a.assessable, a.confidence,
                 ";".join(a.mechanisms), ";".join(a.evidence), a.level, a.status, a.reason or "")
        # the usual case in one join: no cell holds a tab, quote or line break (then every
        # cell is written as is, as tsv_cell would); otherwise cell by cell
        tail = "\t".join(["" if v is None else v if v.__class__ is str else str(v) for v in cells])
        if (tail.count("\t") != len(cells) - 1 or '"' in tail or "\n" in tail or "\r" in tail):
            tail = "\t".join(map(tsv_cell, cells))
        traces = tuple((a.agent, t.rule, t.term, t.weight, t.contribution, ";".join(t.mechanisms),
                        t.status, t.resolution) for t in a.trace)
        if len(self._agents) >= self._limit:
            self._agents.clear()
        self._agents[id(a)] = (a, tail, traces)
        return tail, traces


def collect(result: CohortResult, *, json_dir: Path | None, filenames: dict[str, str] | None,
            want: frozenset[str], progress: Callable[[int], None] | None = None,
            start: int = 0, stop: int | None = None,
            fragility: dict[str, tuple] | None = None) -> Collected:
    """Build samples ``start`` .. ``stop`` (default: all) once each, write each one's JSON into
    ``json_dir`` (if given) and keep what the other outputs named in ``want``
    (``tsv``/``parquet`` tables, ``maf``, ``html``) need. ``fragility`` (sample -> its
    :class:`~refractor.interpret._results.FragileCall` records, from a sensitivity analysis)
    adds the ``fragility`` field to each sample's JSON (an empty list for a sample without
    fragile calls)."""
    enabled = gc.isenabled()
    gc.disable()  # the pass makes millions of acyclic records: collecting them only costs time
    try:
        return _collect(result, json_dir, filenames, want, progress, start, stop, fragility)
    finally:
        if enabled:
            gc.enable()


def _collect(result, json_dir, filenames, want, progress, start, stop, fragility) -> Collected:
    out = Collected()
    tables = bool(want & {"tsv", "parquet"})
    maf, html = "maf" in want, "html" in want
    cohort_warnings = set(result.warnings)
    ag, ob, tr = out.agent_lines, out.obs_rows, out.trace_rows
    to_json = _JsonText()
    cache = _RowCache()
    for i, r in enumerate(result.iter_uncached(start, stop)):
        if fragility is not None:
            r = dataclasses.replace(r, fragility=fragility.get(r.sample, ()))
        if json_dir is not None:
            _write_file(json_dir / filenames[r.sample], to_json(r) + b"\n")
        s = r.sample
        if tables:
            head = tsv_cell(s) + "\t" + tsv_cell(r.disease) + "\t"
            for a in r.agents:
                tail, traces = cache.agent(a)
                ag.append((s, a.agent, head + tail))
                for t in traces:
                    tr.append((s, *t))
        if tables or maf:
            found = [m for m in r.mechanisms if m.status in FOUND]
            if tables:
                for m in found:
                    for o in m.observations:
                        ob.append((s, m.mechanism, m.status, o.biomarker, o.kind, o.gene, o.detail,
                                   o.resolution, o.value, o.threshold, o.comparison, o.unit,
                                   o.source, o.assumed, o.clonal_fraction,
                                   getattr(o, "ccf_low", None), getattr(o, "ccf_high", None)))
            if maf:
                out.sample_mechs[s] = ";".join(f"{m.mechanism}:{m.status}" for m in found)
                for m in found:
                    for o in m.observations:
                        if o.source:
                            out.by_source.setdefault((s, o.source), set()).add(
                                f"{m.mechanism}:{m.status}")
        if html:
            out.digests.append(_digest(r, cohort_warnings))
        if progress is not None:
            progress(i + 1)
    return out


__all__ = ["collect", "Collected", "AGENT_COLUMNS", "OBS_COLUMNS", "TRACE_COLUMNS", "AGENT_ROW",
           "tsv_cell"]
