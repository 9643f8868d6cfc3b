"""Self-contained HTML report (jinja2 template shipped in the package, inline CSS, base64 PNGs)."""
from __future__ import annotations

import json
import re
from importlib import resources

import numpy as np

import jinja2

from refractor.interpret import DISCLAIMER, LEVELS, CohortResult
from refractor.report._plots import report_plots

#: samples whose full drill-down (traces, evidence) is rendered into the page; every sample
#: has the compact one drawn by the page's script
MAX_DRILLDOWN = 20
#: observation details per found mechanism in the page's compact data (the rest: the JSON)
MAX_DETAILS = 3


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


def _digests(result: CohortResult) -> list[list]:
    from refractor.report._collect import _digest

    cw = set(result.warnings)
    return [_digest(r, cw) for r in result.iter_uncached()]


def matrix_data(result: CohortResult) -> dict:
    """The part of :func:`cohort_data` read off the matrices alone (``calls`` and ``scores``):
    a run builds it in a worker while the per-sample pass runs (:func:`report_parts_task`)."""
    k = len(result.scored_agents)
    codes = result.level_codes()[:, :k]
    chars = np.array(list("0123") + ["n"])
    calls = ["".join(row) for row in chars[np.where(codes >= 0, codes, 4)]] if k else [""] * len(result)
    sc = result.scores[:, :k]
    rows, cols = np.nonzero(sc)  # row-major: each sample's agents in order
    # each score as %g would print it (6 significant digits), back to a number
    vals = np.array([f"{x:g}" for x in sc[rows, cols].tolist()], dtype=object).astype(float)
    scores: list[dict] = [{} for _ in range(len(result))]
    for i, j, v in zip(rows.tolist(), cols.tolist(), vals.tolist()):
        scores[i][j] = v
    return {"calls": calls, "scores": scores}


def report_parts_task() -> tuple[tuple[str | None, str | None], dict]:
    """What the report needs of the cohort-level calls only, as a worker step run during the
    per-sample pass (:meth:`refractor.report._parallel.Workers.submit`: the result is
    inherited): its plots (:func:`~refractor.report._plots.report_plots`) and
    :func:`matrix_data`."""
    from refractor.report._parallel import cohort_result

    result = cohort_result()
    return report_plots(result), matrix_data(result)


def cohort_data(result: CohortResult, digests: list[list], json_names: dict[str, str] | None,
                matrix: dict | None = None) -> dict:
    """The compact data the report's script reads (one JSON object embedded in the page).

    ``calls``: per sample one character per scored agent (``0``-``3`` the level's index,
    ``n`` not assessable); ``scores``: per sample ``{agent index: score}`` for non-zero scores;
    ``found``: per sample ``[[mechanism index, 1 detected / 0 possible, [observation details]]]``
    (at most :data:`MAX_DETAILS`); details, ``warnings`` and ``strategies`` are indexes into
    ``strings``; the mechanism, agent and disease names are stored once. ``matrix``:
    :func:`matrix_data` of ``result``, if already built.
    """
    if matrix is None:
        matrix = matrix_data(result)
    mech_index = {m: i for i, m in enumerate(result.mechanisms)}
    diseases = sorted({d or "" for d in result.diseases})
    dindex = {d: i for i, d in enumerate(diseases)}
    strings: dict[str, int] = {}  # repeated texts (details, strategies, warnings) stored once

    def idx(text: str) -> int:
        return strings.setdefault(text, len(strings))

    def details(obs: list[str]) -> list[int]:
        return [idx(o) for o in obs[:MAX_DETAILS] + (
            [f"(+{len(obs) - MAX_DETAILS} more in the JSON)"] if len(obs) > MAX_DETAILS else [])]

    return {
        "agents": result.scored_agents, "mechanisms": result.mechanisms, "diseases": diseases,
        "samples": result.samples, "disease": [dindex[d or ""] for d in result.diseases],
        "calls": matrix["calls"], "scores": matrix["scores"],
        "json": [json_names[s] for s in result.samples] if json_names else None,
        "subtype": [d[0] for d in digests],
        "found": [[[mech_index[m], 1 if st == "detected" else 0, details(obs)] for m, st, obs in d[1]]
                  for d in digests],
        "warnings": [[idx(w) for w in d[2]] for d in digests],
        "strategies": [[idx(x) for x in d[3]] for d in digests],
        "strings": list(strings),
    }


def disease_summary(result: CohortResult) -> list[dict]:
    """Per disease: sample count and, per scored agent, the share of samples called
    ``intermediate`` or ``high`` (the cohort summary's disease track)."""
    k = len(result.scored_agents)
    codes = result.level_codes()[:, :k]
    dis = np.array([d or "" for d in result.diseases], dtype=object)
    rows = []
    for d in sorted(set(dis.tolist())):
        mask = dis == d
        sub = codes[mask]
        hi = (sub >= LEVELS.index("intermediate")).mean(axis=0) if len(sub) else np.zeros(k)
        na = (sub < 0).mean(axis=0) if len(sub) else np.zeros(k)
        rows.append({"disease": d or "(not given)", "n": int(mask.sum()),
                     "cells": [(f"{100 * h:.0f}", f"{100 * a:.0f}", _heat(h)) for h, a in zip(hi, na)]})
    return rows


def _heat(frac: float) -> str:
    """Background colour for a share (white -> red)."""
    g = int(255 - 140 * min(1.0, frac * 2))
    return f"rgb(255,{g},{g})"


def render_html(result: CohortResult, kb=None, title: str | None = None, *,
                digests: list[list] | None = None,
                json_names: dict[str, str] | None = None, fragility=None,
                plots: tuple[str | None, str | None] | None = None,
                matrix: dict | None = None) -> str:
    """The whole report as one HTML string (no external resources).

    Cohort summaries and the samples x agents table are built for any cohort size: the table
    and each sample's drill-down are rendered in the page by a small inline script from one
    compact embedded JSON object (:func:`cohort_data`); the full server-rendered drill-down
    (traces, evidence) is added for the first :data:`MAX_DRILLDOWN` samples. ``digests``: the
    per-sample digests a streaming writer already collected (built here when not given);
    ``json_names``: sample -> per-sample JSON file name, to link each drill-down to its file.
    ``fragility``: a :class:`~refractor.interpret.sensitivity.SensitivityResult` of the same
    cohort; its fragile calls are listed (with the curator numbers that flip them).
    ``plots``: :func:`~refractor.report._plots.report_plots` of ``result``, if already rendered;
    ``matrix``: :func:`matrix_data` of ``result``, if already built.
    """
    from refractor import __version__

    text = resources.files("refractor.report").joinpath("templates/report.html.j2").read_text("utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(text)
    n = len(result)
    if digests is None:
        digests = _digests(result)
    samples = []
    cohort_warnings = set(result.warnings)  # shown once, at the top
    for i in range(min(n, MAX_DRILLDOWN)):
        r = result[i]
        samples.append({
            "r": r, "anchor": re.sub(r"[^A-Za-z0-9_-]", "_", r.sample),
            "found": [m for m in r.mechanisms if m.status in ("detected", "possible")],
            "unassessable": [m.mechanism for m in r.mechanisms if m.status == "not_assessable"],
            "warnings": [w for w in r.warnings if w not in cohort_warnings],
        })
    data = json.dumps(cohort_data(result, digests, json_names, matrix), ensure_ascii=False,
                      separators=(",", ":")).replace("</", "<\\/")
    grouped, other = group_warnings(result.warnings)
    landscape, levels_plot = report_plots(result) if plots is None else plots
    return template.render(
        title=title, n_samples=n, build=result.build,
        kb_version=result.kb_version, kb_hash=result.kb_hash,
        scoring_version=result.scoring_version, refractor_version=__version__,
        disclaimer=DISCLAIMER, cohort_warnings=other, grouped_warnings=grouped,
        landscape=landscape,
        landscape_truncated=400 if n > 400 else 0,
        levels_plot=levels_plot, agents=result.scored_agents,
        disease_rows=disease_summary(result),
        unscored=result.unscored_agents, level_defs=level_definitions(kb),
        samples=samples, samples_truncated=n > MAX_DRILLDOWN,
        evidence=evidence_index(kb), data=data, levels=LEVELS,
        fragility=fragility_summary(fragility),
    )


#: most fragile calls listed in the HTML report (all of them are in fragile_calls.tsv)
MAX_FRAGILE_ROWS = 200


def fragility_summary(fragility) -> dict | None:
    """What the report shows of a sensitivity analysis: counts, the curator numbers that change
    most calls, and the fragile calls that are above ``susceptible`` first."""
    if fragility is None:
        return None
    calls, pert = fragility.calls, fragility.perturbations
    fragile = calls[calls["fragile"]]
    rank = {"high": 0, "intermediate": 1, "low": 2, "susceptible": 3}
    fragile = fragile.assign(_r=fragile["call"].map(rank).fillna(4)).sort_values(
        ["_r", "sample", "agent"])
    top = pert[pert["changed"] > 0].sort_values("changed", ascending=False).head(15)
    return {
        "n_calls": int(fragility.n_calls), "n_fragile": int(len(fragile)),
        "n_perturbations": int(len(pert)),
        "top": top.to_dict("records"),
        "rows": fragile.head(MAX_FRAGILE_ROWS).to_dict("records"),
        "truncated": len(fragile) > MAX_FRAGILE_ROWS,
    }


__all__ = ["render_html", "fragility_summary", "cohort_data", "matrix_data", "report_parts_task", "disease_summary", "evidence_index", "group_warnings", "level_definitions"]
