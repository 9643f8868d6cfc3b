"""Write every output of a run: per-sample JSON, cohort TSVs, annotated MAF, HTML report.

All-or-nothing and whole: every file is first written into a staging directory beside
``outdir``, which then replaces ``outdir`` as a whole (:mod:`refractor.report._outdir`). On any
error ``outdir`` is left as it was; a rerun never leaves an earlier run's files mixed in.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from refractor.interpret import LEVELS, CohortResult
from refractor.interpret._cohort_result import NOT_ASSESSABLE_CALL
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


def agent_table(result: CohortResult) -> pd.DataFrame:
    """Long table: one row per sample x agent with level, score, confidence, mechanisms."""
    rows = []
    for r in result:
        for a in r.agents:
            # ``level`` and ``call`` hold the same word (kept both for earlier readers): a level
            # only when the call was assessed, else not_assessable / no_knowledge
            rows.append({"sample": r.sample, "disease": r.disease, "agent": a.agent,
                         "agent_class": a.agent_class, "level": a.level, "score": a.score,
                         "assessable": a.assessable, "confidence": a.confidence,
                         "mechanisms": ";".join(a.mechanisms), "evidence": ";".join(a.evidence),
                         "call": a.level, "status": a.status, "reason": a.reason or ""})
    return pd.DataFrame(rows, columns=["sample", "disease", "agent", "agent_class", "level",
                                       "score", "assessable", "confidence", "mechanisms",
                                       "evidence", "call", "status", "reason"])


def maf_annotations(result: CohortResult, maf_path: Path) -> pd.DataFrame:
    """Columns appended to a MAF: mechanisms each variant supports, the sample's mechanisms and
    the highest resistance level per agent class (indexed by 0-based MAF data row)."""
    from refractor.io import read_maf

    maf = read_maf(maf_path)
    index = {s: i for i, s in enumerate(result.samples)}
    classes: dict[str, list[int]] = {}
    for k, a in enumerate(result.scored_agents):  # no-knowledge agents have no level
        classes.setdefault(result[0].agents[k].agent_class if len(result) else "other", []).append(k)
    by_source: dict[tuple[str, str], set[str]] = {}
    sample_mechs: dict[str, str] = {}
    for s in pd.unique(maf["sample"]):
        if s not in index:
            continue
        r = result[index[s]]
        found = [m for m in r.mechanisms if m.status in ("detected", "possible")]
        sample_mechs[s] = ";".join(f"{m.mechanism}:{m.status}" for m in found)
        for m in found:
            for o in m.observations:
                if o.source:
                    by_source.setdefault((s, o.source), set()).add(f"{m.mechanism}:{m.status}")
    out = pd.DataFrame(index=maf.index)
    out["refractor_mechanisms"] = [";".join(sorted(by_source.get((s, src), ())))
                                   for s, src in zip(maf["sample"], maf["source"])]
    out["refractor_sample_mechanisms"] = maf["sample"].map(sample_mechs).fillna("")
    codes = result.level_codes()  # -1 where the call is not a level
    for cls, ks in sorted(classes.items()):
        best = {s: (LEVELS[int(codes[i, ks].max())] if codes[i, ks].max() >= 0
                    else NOT_ASSESSABLE_CALL) for s, i in index.items()}
        out[f"refractor_{cls}_level"] = maf["sample"].map(best).fillna("")
    return out


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


def write_outputs(
    result: CohortResult,
    outdir: str | Path,
    cohort_inputs: Mapping[str, Iterable] | Iterable | None = None,
    *,
    kb=None,
    title: str | None = None,
) -> dict[str, Path]:
    """Write all outputs of ``result`` as the directory ``outdir``, all-or-nothing.

    ``outdir`` is created (with its parents) or, if it holds an earlier run's outputs, replaced
    as a whole; a directory holding anything else is refused (:func:`check_outdir`, which
    callers may run before the work to fail early).

    Parameters
    ----------
    result : CohortResult
    outdir : path
    cohort_inputs : mapping or list, optional
        ``{"maf": [paths]}`` (or a list of MAF paths): each MAF gets an annotated copy
        ``<name>.refractor.maf`` with appended ``refractor_*`` columns.
    kb : KnowledgeBase, optional
        Used to show evidence statements and links (PubMed / DOI) in the HTML report.

    Returns
    -------
    dict
        Output name -> final path (``report``, ``levels``, ``agents``, ``mechanisms``,
        ``samples`` directory, and ``maf:<name>`` for annotated MAFs).
    """
    from refractor.io import write_annotated_maf

    outdir = Path(outdir)
    with replacing_dir(outdir) as stage:
        names = sample_filenames(result.samples)
        (stage / "samples").mkdir()
        for r in result:
            text = json.dumps(r.to_dict(), ensure_ascii=False, allow_nan=False,
                              separators=(",", ":"))
            (stage / "samples" / names[r.sample]).write_text(text + "\n", encoding="utf-8")
        levels = result.call_frame()  # level, or not_assessable (never a silent "susceptible")
        levels.insert(0, "disease", result.diseases)
        levels.to_csv(stage / "cohort_levels.tsv", sep="\t")
        agent_table(result).to_csv(stage / "agents.tsv", sep="\t", index=False)
        result.mechanism_frame().to_csv(stage / "mechanisms.tsv", sep="\t")
        (stage / "report.html").write_text(render_html(result, kb, title), encoding="utf-8")
        mafs = {}
        for p in _maf_paths(cohort_inputs):
            name = p.name.removesuffix(".gz").removesuffix(".maf").removesuffix(".tsv")
            target = f"{_safe(name)}.refractor.maf"
            write_annotated_maf(p, maf_annotations(result, p), stage / target)
            mafs[f"maf:{p.name}"] = target
        for f in stage.rglob("*"):  # usual permissions (atomic_write's temp files are 0600)
            os.chmod(f, 0o644 if f.is_file() else 0o755)
    final: dict[str, Path] = {"samples": outdir / "samples"}
    for key, fname in [("levels", "cohort_levels.tsv"), ("agents", "agents.tsv"),
                       ("mechanisms", "mechanisms.tsv"), ("report", "report.html"), *mafs.items()]:
        final[key] = outdir / fname
    return final


__all__ = ["write_outputs", "check_outdir", "maf_annotations", "agent_table", "sample_filenames"]
