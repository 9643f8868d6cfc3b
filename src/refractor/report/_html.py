"""Self-contained HTML report (jinja2 template shipped in the package, inline CSS, base64 PNGs)."""
from __future__ import annotations

import re
from importlib import resources

import jinja2

from refractor.interpret import DISCLAIMER, CohortResult
from refractor.report._plots import level_distribution, mechanism_landscape

MAX_TABLE_ROWS = 500
MAX_DRILLDOWN = 200


def _url(source: str) -> str | None:
    if source.startswith("pmid:"):
        return f"https://pubmed.ncbi.nlm.nih.gov/{source[5:]}/"
    if source.startswith("doi:"):
        return f"https://doi.org/{source[4:]}"
    if source.startswith("url:"):
        return source[4:]
    return None


def evidence_index(kb) -> dict[str, dict]:
    """evidence id -> statement, level, source and a link (PubMed / DOI) where one exists."""
    if kb is None:
        return {}
    return {e.id: {"statement": e.statement, "level": e.level.value, "source": e.source,
                   "url": _url(e.source)} for e in kb.evidence.values()}


def group_warnings(warnings) -> tuple[list[dict], list]:
    """Split cohort warnings into groups shown collapsed (one line each) and the rest.

    Every ``ExtrapolationWarning`` (one per gene whose within-cohort percentile could not be
    used) becomes one group with a one-line summary: how many genes, and the cohort size needed.
    """
    extra = [w for w in warnings if w.category == "ExtrapolationWarning"]
    other = [w for w in warnings if w.category != "ExtrapolationWarning"]
    if not extra:
        return [], other
    needed = sorted({w.n_needed for w in extra if w.n_needed is not None})
    need = f"< {needed[0]}" if len(needed) == 1 else (
        f"< {needed[0]}-{needed[-1]}" if needed else "too few")
    summary = (f"{len(extra)} ExtrapolationWarning(s): absolute thresholds used because the cohort "
               f"has {need} samples with expression")
    return [{"summary": summary, "items": extra}], other


def level_definitions(kb) -> list[dict]:
    """The KB's ``scoring.levels`` (label, code, comment) with their score band, in order:
    the report's legend, so the comments curated with the levels reach the reader."""
    if kb is None:
        return []
    from refractor.interpret._kbview import view_of

    mins, labels = view_of(kb).level_bands  # the one level table the interpreter uses
    band = {}
    for j, (lo, label) in enumerate(zip(mins, labels)):
        hi = mins[j + 1] if j + 1 < len(mins) else None
        low = "" if lo == float("-inf") else f"{lo:g}"
        band[label] = (f"< {hi:g}" if not low else f">= {low}" if hi is None else f"{low} - <{hi:g}")
    return [{"label": d.label, "code": d.code, "comment": d.comment, "band": band.get(d.label, "")}
            for d in sorted(kb.scoring.levels, key=lambda d: d.order)]


def render_html(result: CohortResult, kb=None, title: str | None = None) -> str:
    """The whole report as one HTML string (no external resources)."""
    from refractor import __version__

    text = resources.files("refractor.report").joinpath("templates/report.html.j2").read_text("utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(text)
    n = len(result)
    rows = []
    k = len(result.scored_agents)
    words = result.to_frame().to_numpy()
    for i, s in enumerate(result.samples[:MAX_TABLE_ROWS]):
        rows.append({"sample": s, "anchor": re.sub(r"[^A-Za-z0-9_-]", "_", s),
                     "disease": result.diseases[i],
                     "cells": [(w, f"{sc:g}", bool(ok)) for w, sc, ok in
                               zip(words[i, :k], result.scores[i, :k], result.assessable[i, :k])]})
    samples = []
    for i in range(min(n, MAX_DRILLDOWN)):
        r = result[i]
        samples.append({
            "r": r, "anchor": re.sub(r"[^A-Za-z0-9_-]", "_", r.sample),
            "found": [m for m in r.mechanisms if m.status in ("detected", "possible")],
            "unassessable": [m.mechanism for m in r.mechanisms if m.status == "not_assessable"],
        })
    grouped, other = group_warnings(result.warnings)
    return template.render(
        title=title, n_samples=n, kb_version=result.kb_version, kb_hash=result.kb_hash,
        scoring_version=result.scoring_version, refractor_version=__version__,
        disclaimer=DISCLAIMER, cohort_warnings=other, grouped_warnings=grouped,
        landscape=mechanism_landscape(result),
        landscape_truncated=400 if n > 400 else 0,
        levels_plot=level_distribution(result), agents=result.scored_agents, level_rows=rows,
        unscored=result.unscored_agents, level_defs=level_definitions(kb),
        rows_truncated=n > MAX_TABLE_ROWS, samples=samples, samples_truncated=n > MAX_DRILLDOWN,
        evidence=evidence_index(kb),
    )


__all__ = ["render_html", "evidence_index", "group_warnings", "level_definitions"]
