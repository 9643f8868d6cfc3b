"""Write every output of a run: per-sample JSON, cohort TSVs and Parquet, annotated MAF, HTML.

All-or-nothing and whole: every file is first written into a staging directory beside
``outdir``, which then replaces ``outdir`` as a whole (:mod:`refractor.report._outdir`). On any
error ``outdir`` is left as it was; a rerun never leaves an earlier run's files mixed in.
"""
from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from refractor.errors import InputError
from refractor.interpret import LEVELS, CohortResult
from refractor.report._html import render_html
from refractor.report._outdir import check_outdir, replacing_dir

LEVEL_RANK = {lv: i for i, lv in enumerate(LEVELS)}


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "sample"


def sample_filenames(samples: list[str]) -> dict[str, str]:
    """sample id -> unique, file-system-safe JSON file name."""
    out, used = {}, set()
    for s in samples:
        base = _safe(s)
        name, k = f"{base}.json", 1
        while name.lower() in used:
            k += 1
            name = f"{base}.{k}.json"
        used.add(name.lower())
        out[s] = name
    return out


AGENT_TABLE_COLUMNS = ["sample", "disease", "agent", "agent_class", "level", "score",
                       "assessable", "confidence", "mechanisms", "evidence", "call", "status",
                       "reason"]


def agent_table(result: CohortResult) -> pd.DataFrame:
    """Long table: one row per sample x agent with level, score, confidence, mechanisms (the
    rows of ``agents.tsv``, built here one record at a time)."""
    rows = []
    for r in result.iter_uncached():
        for a in r.agents:
            # ``level`` and ``call`` hold the same word (kept both for earlier readers): a
            # level only when the call was assessed, else not_assessable / no_knowledge
            rows.append((r.sample, r.disease, a.agent, a.agent_class, a.level, a.score,
                         a.assessable, a.confidence, ";".join(a.mechanisms),
                         ";".join(a.evidence), a.level, a.status, a.reason or ""))
    return pd.DataFrame(rows, columns=AGENT_TABLE_COLUMNS)


WARNING_TABLE_COLUMNS = ["category", "code", "gene", "agent", "n_samples", "n_needed", "message"]


def warning_table(result: CohortResult) -> pd.DataFrame:
    """The cohort's warnings (``result.warnings``: the input readers' caveats, code
    ``input-read``, then the interpreter's), one row each: the rows of ``warnings.tsv``."""
    return pd.DataFrame([[getattr(w, c) for c in WARNING_TABLE_COLUMNS] for w in result.warnings],
                        columns=WARNING_TABLE_COLUMNS).astype(object)


def _maf_columns(result: CohortResult, maf_path: Path, got) -> pd.DataFrame:
    from refractor.io import read_maf
    from refractor.report._maf import class_levels, maf_classes

    maf = read_maf(maf_path)
    index = {s: i for i, s in enumerate(result.samples)}
    by_source, sample_mechs = got.by_source, got.sample_mechs
    out = pd.DataFrame(index=maf.index)
    out["refractor_mechanisms"] = [";".join(sorted(by_source.get((s, src), ())))
                                   for s, src in zip(maf["sample"], maf["source"])]
    out["refractor_sample_mechanisms"] = maf["sample"].map(
        {s: sample_mechs[s] for s in pd.unique(maf["sample"]) if s in index}).fillna("")
    for cls, ks in maf_classes(result).items():
        best = dict(zip(result.samples, class_levels(result, ks)))
        out[f"refractor_{cls}_level"] = maf["sample"].map(best).fillna("")
    return out


def maf_annotations(result: CohortResult, maf_path: Path) -> pd.DataFrame:
    """Columns appended to a MAF: mechanisms each variant supports, the sample's mechanisms and
    the highest resistance level per agent class (indexed by 0-based MAF data row)."""
    from refractor.report._collect import collect

    return _maf_columns(result, Path(maf_path),
                        collect(result, json_dir=None, filenames=None, want=frozenset({"maf", "tsv"})))


def _maf_paths(cohort_inputs) -> list[Path]:
    if cohort_inputs is None:
        return []
    if isinstance(cohort_inputs, Mapping):
        mafs = cohort_inputs.get("maf") or []
    else:
        mafs = cohort_inputs
    if isinstance(mafs, (str, os.PathLike)):
        mafs = [mafs]
    return list(dict.fromkeys(Path(p) for p in mafs if p))


#: every output kind ``write_outputs`` can write, and the default set (all of them)
OUTPUT_KINDS = ("json", "tsv", "parquet", "maf", "html")
DEFAULT_OUTPUTS = frozenset(OUTPUT_KINDS)


def parse_outputs(text: str | Iterable[str] | None) -> frozenset[str]:
    """``"json,tsv"`` (or an iterable) -> a set of output kinds; ``None`` -> the defaults;
    ``"all"`` -> every kind. An unknown kind is an :class:`InputError` naming the known ones."""
    if text is None:
        return DEFAULT_OUTPUTS
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text)]
    items = [t for t in items if t]
    if "all" in items:
        return frozenset(OUTPUT_KINDS)
    bad = [t for t in items if t not in OUTPUT_KINDS]
    if bad or not items:
        raise InputError((f"unknown output kind {bad[0]!r}" if bad else "no output kind given")
                         + "; choose from " + ", ".join(OUTPUT_KINDS) + " (or all)")
    return frozenset(items)


def write_outputs(
    result: CohortResult,
    outdir: str | Path,
    cohort_inputs: Mapping[str, Iterable] | Iterable | None = None,
    *,
    kb=None,
    title: str | None = None,
    outputs: Iterable[str] | str | None = None,
    progress: Callable[[int], None] | None = None,
    fragility=None,
    maf_columns: str = "variant",
    workers: int | None = None,
    timings: dict | None = None,
) -> dict[str, Path]:
    """Write the outputs of ``result`` as the directory ``outdir``, all-or-nothing.

    ``outdir`` is created (with its parents) or, if it holds an earlier run's outputs, replaced
    as a whole; a directory holding anything else is refused (:func:`check_outdir`, which
    callers may run before the work to fail early). Per-sample results are built one at a time
    while writing (never the whole cohort as objects at once), in ``workers`` processes.

    Parameters
    ----------
    result : CohortResult
    outdir : path
    cohort_inputs : mapping or list, optional
        ``{"maf": [paths]}`` (or a list of MAF paths): each MAF gets an annotated copy
        ``<name>.refractor.maf`` (``.refractor.maf.gz`` when the input was gzip-compressed).
    kb : KnowledgeBase, optional
        Used to show evidence statements and links (PubMed / DOI) in the HTML report.
    title : str, optional
        The report's title (the cohort's name).
    outputs : iterable or comma-separated str, optional
        Which of :data:`OUTPUT_KINDS` to write (default: all): ``json`` (``samples/*.json``),
        ``tsv`` (``cohort_levels.tsv``, ``agents.tsv``, ``mechanisms.tsv``, ``warnings.tsv``:
        the cohort's warnings, the input readers' caveats first), ``parquet`` (the
        same tables plus ``observations.parquet`` and ``traces.parquet``), ``maf`` (annotated
        MAF copies), ``html`` (``report.html``).
    progress : callable, optional
        Called with the number of samples written so far.
    fragility : SensitivityResult, optional
        A sensitivity analysis of the same cohort
        (:func:`refractor.interpret.sensitivity.sensitivity`): ``agents.tsv`` gains the columns
        ``fragile`` and ``fragile_because``, ``fragile_calls.tsv`` and ``fragility.tsv`` (one row
        per curator-number move) are written, the HTML report lists the fragile calls and each
        per-sample JSON gains ``fragility`` (schema 1.2).
    maf_columns : {"variant", "full"}
        Columns appended to the annotated MAF (:data:`MAF_COLUMN_SETS`): ``variant`` (default)
        only ``refractor_mechanisms``, the mechanisms each variant supports; ``full`` also the
        sample-level ``refractor_sample_mechanisms`` and ``refractor_<class>_level`` columns,
        repeated on every row of the sample (the same calls as ``cohort_levels.tsv``).
    workers : int, optional
        Processes building the per-sample results (default: one per CPU, at most 4, and one
        per 250 samples; 1 = in this process).
    timings : dict, optional
        Receives the seconds spent per step: ``samples`` (the per-sample pass: results, JSON,
        table rows), ``html`` (the report, rendered here while the workers write the tables
        and annotated MAFs), ``tables+maf`` (waiting for those afterwards).

    Returns
    -------
    dict
        Output name -> final path (``report``, ``levels``, ``agents``, ``mechanisms``, ``warnings``,
        ``samples`` directory, ``parquet:<table>``, and ``maf:<name>`` for annotated MAFs),
        for the outputs written.
    """
    from refractor.report._maf import MAF_COLUMN_SETS, maf_task
    from refractor.report._parallel import Workers, remove_parts, want_agents
    from refractor.report._html import report_parts_task
    from refractor.report._tables import matrix_tables_task, tables_task

    want = parse_outputs(outputs)
    if maf_columns not in MAF_COLUMN_SETS:
        raise InputError(f"unknown MAF column set {maf_columns!r}; choose from "
                         + ", ".join(MAF_COLUMN_SETS))
    outdir = Path(outdir)
    final: dict[str, Path] = {}
    clock = _Clock(timings)
    with replacing_dir(outdir) as stage, Workers(result, workers) as pool:
        json_dir = None
        if "json" in want:
            json_dir = stage / "samples"
            json_dir.mkdir()
            final["samples"] = outdir / "samples"
        names = sample_filenames(result.samples) if json_dir else None
        # the plots and the report's matrix data need only the cohort-level calls: a worker
        # builds them first, while the others start on the samples (the parent waits, idle)
        parts = pool.submit(report_parts_task) if "html" in want else None
        # so do the sample-level tables: they come from the matrices alone
        steps = [pool.submit(matrix_tables_task, stage, want)] if want & {"tsv", "parquet"} else []
        got = pool.run_pass(stage, json_dir=json_dir, filenames=names, want=want,
                            fragility=fragility, progress=progress)
        clock("samples")
        # the cohort-wide steps: the long tables and annotated MAFs in the workers, the report
        # here
        if want_agents(want):
            steps.append(pool.submit(tables_task, stage, want, fragility is not None, got.parts,
                                     got.chunks))
        if "tsv" in want:
            final.update(levels=outdir / "cohort_levels.tsv", agents=outdir / "agents.tsv",
                         mechanisms=outdir / "mechanisms.tsv", warnings=outdir / "warnings.tsv")
            warning_table(result).to_csv(stage / "warnings.tsv", sep="\t", index=False)
            if fragility is not None:
                fragility.calls[fragility.calls["fragile"]].to_csv(
                    stage / "fragile_calls.tsv", sep="\t", index=False)
                fragility.perturbations.to_csv(stage / "fragility.tsv", sep="\t", index=False)
                final.update(fragile_calls=outdir / "fragile_calls.tsv",
                             fragility=outdir / "fragility.tsv")
        if "parquet" in want:
            from refractor.report._tables import PARQUET_FILES

            final.update({f"parquet:{f}": outdir / f for f in PARQUET_FILES.values()})
        if "maf" in want:
            full = maf_columns == "full"
            for p in _maf_paths(cohort_inputs):
                target = maf_copy_name(p)
                steps.append(pool.submit(maf_task, p, stage / target, maf_columns, got.by_source,
                                         got.sample_mechs if full else {}))
                final[f"maf:{p.name}"] = outdir / target
        if "html" in want:
            plots, matrix = parts.get()
            with _no_collector():  # millions of acyclic objects alive (digests): ~25% faster
                html = render_html(result, kb, title, digests=got.digests, json_names=names,
                                   fragility=fragility, plots=plots, matrix=matrix)
            (stage / "report.html").write_text(html, encoding="utf-8")
            del html
            final["report"] = outdir / "report.html"
        clock("html")
        for step in steps:
            step.get()
        clock("tables+maf")
        remove_parts(got)
        for f in stage.rglob("*"):  # usual permissions (atomic_write's temp files are 0600)
            os.chmod(f, 0o644 if f.is_file() else 0o755)
    return final


@contextmanager
def _no_collector():
    """The cyclic garbage collector paused (restored as it was after)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Clock:
    """Adds the seconds since the previous call to ``timings[step]`` (no-op without a dict)."""

    def __init__(self, timings: dict | None) -> None:
        import time

        self._t, self._now, self._last = timings, time.perf_counter, time.perf_counter()

    def __call__(self, step: str) -> None:
        if self._t is not None:
            now = self._now()
            self._t[step] = self._t.get(step, 0.0) + now - self._last
            self._last = now


def maf_copy_name(maf_path: Path) -> str:
    """``cohort.maf`` -> ``cohort.refractor.maf``; a gzip input keeps its compression
    (``cohort.maf.gz`` -> ``cohort.refractor.maf.gz``)."""
    from refractor.io._source import GZIP_MAGIC

    p = Path(maf_path)
    name = p.name.removesuffix(".gz").removesuffix(".maf").removesuffix(".tsv")
    with open(p, "rb") as fh:
        gz = fh.read(2) == GZIP_MAGIC
    return f"{_safe(name)}.refractor.maf" + (".gz" if gz else "")


__all__ = ["write_outputs", "parse_outputs", "OUTPUT_KINDS", "DEFAULT_OUTPUTS", "check_outdir",
           "maf_annotations", "agent_table", "warning_table", "sample_filenames", "maf_copy_name"]
