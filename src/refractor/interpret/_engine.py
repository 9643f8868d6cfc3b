"""Entry points: :func:`interpret` (vectorised, columnar) and :func:`interpret_per_sample`
(plain per-sample loop over the same rules, the reference the benchmark compares against)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from refractor.interpret._assemble import Assembler
from refractor.interpret._cohort_result import CohortResult
from refractor.interpret._kbview import KBView, view_of
from refractor.interpret._mechanisms import (
    MATCHED, NOT_APPLICABLE, UNKNOWN, UNMATCHED, clonal_matrix, status_matrix,
)
from refractor.interpret._prepare import Prepared, iter_features, prepare
from refractor.interpret._results import Observation, ResultWarning
from refractor.interpret._scalar import ScalarEvaluator
from refractor.interpret._score_matrix import levels_of, score_matrix
from refractor.interpret._vector import OBS_COLUMNS, VectorEvaluator
from refractor.io.cohort import Cohort

KINDS = ("variant", "copy_number", "expression", "splicing", "methylation", "protein",
         "history", "subtype", "disease")


def input_warnings(cohort: Cohort) -> tuple[list[ResultWarning], dict[str, list[ResultWarning]]]:
    """The readers' caveats (``Cohort.read_warnings``) as recorded warnings: (cohort level,
    sample -> its own). Every caveat is listed once at cohort level. One raised while reading a
    file only some samples use (``Cohort.read_warning_samples``) is also carried by each of those
    samples, and its cohort entry says how many samples it concerns (``n_samples``); a
    one-sample cohort's sample carries every caveat (the same records as the cohort's)."""
    ids = [str(s) for s in cohort.sample_ids]
    everyone = set(ids)
    scopes = {m: ss for m, ss in cohort.read_warning_samples.items() if not everyone <= set(ss)}
    cohort_level, per_sample = [], {}
    for m in cohort.read_warnings:
        ss = scopes.get(m)
        if ss is None:
            cohort_level.append(ResultWarning("DataWarning", m, code="input-read"))
            continue
        cohort_level.append(ResultWarning("DataWarning", m, code="input-read", n_samples=len(ss)))
        own = ResultWarning("DataWarning", m, code="input-read")
        for sid in ss:
            per_sample.setdefault(sid, []).append(own)
    if len(ids) == 1:
        per_sample = {ids[0]: list(cohort_level)}
    return cohort_level, per_sample


def _applicability(view: KBView, prep: Prepared) -> np.ndarray:
    """samples x biomarkers: does the biomarker's disease restriction admit the sample?"""
    uniq = list(dict.fromkeys(prep.disease.tolist()))
    pos = {d: k for k, d in enumerate(uniq)}
    code = np.array([pos[d] for d in prep.disease], dtype=np.int64)
    table = np.array([[view.applies(b.diseases, d) for b in view.biomarkers] for d in uniq],
                     dtype=bool).reshape(len(uniq), len(view.biomarkers))
    return table[code] if len(code) else np.zeros((0, len(view.biomarkers)), bool)


def _sample_context(prep: Prepared, i: int):
    assessed = {k for k in KINDS if prep.assessed[k][i]}
    sets = {"refractory": prep.refractory[i], "exposed": prep.exposed[i]}
    disease = prep.disease[i]
    return (None if disease is None else str(disease)), assessed, sets


#: the observation columns after the sample index, in :func:`_to_obs`'s argument order
_OBS_FIELDS = tuple(OBS_COLUMNS[1:])


def _to_obs(bid, kind, gene, detail, resolution, value, threshold, comparison, unit, source,
            assumed, ccf, clonal_basis, ccf_low, ccf_high) -> Observation:
    def num(x):
        return None if x is None or x != x else float(x)

    def txt(x):
        return None if x is None or (isinstance(x, float) and x != x) else x

    return Observation(bid, kind, txt(gene), detail, resolution, num(value), num(threshold),
                       txt(comparison), txt(unit), txt(source), bool(assumed), num(ccf),
                       txt(clonal_basis), num(ccf_low), num(ccf_high))


def data_assessed(view: KBView, prep: Prepared, states: np.ndarray) -> np.ndarray:
    """samples x mechanisms: evaluated by an applicable biomarker whose non-history data kinds
    the sample has (column form of :meth:`KBView.assesses` for not-detected calls)."""
    n = prep.n
    out = np.zeros((n, len(view.mechanism_ids)), dtype=bool)
    for j, b in enumerate(view.biomarkers):
        kinds = view.data_kinds[b.id]
        if not kinds:
            continue
        has = np.zeros(n, bool)
        for k in kinds:
            has |= prep.assessed[k]
        col = view.mech_index[b.mechanism]
        out[:, col] |= has & ((states[:, j] == MATCHED) | (states[:, j] == UNMATCHED))
    return out


def interpret(cohort: Cohort, kb) -> CohortResult:
    """Evaluate the knowledge base's rules on every sample of ``cohort`` (columnar).

    Parameters
    ----------
    cohort : Cohort
        Long-format measured data (see :mod:`refractor.io.cohort`).
    kb : KnowledgeBase
        The knowledge base; every rule, weight and threshold comes from it.

    Returns
    -------
    CohortResult
        Sample x mechanism statuses and sample x agent scores/levels, computed with column
        operations over all samples; per-sample results (with traces) are built on demand.
    """
    view = view_of(kb)
    prep = prepare(cohort, view)
    ev = VectorEvaluator(prep, view)
    n, nb = prep.n, len(view.biomarkers)
    app = _applicability(view, prep)
    states = np.full((n, nb), UNKNOWN, dtype=np.int8)
    frames: list[tuple[str, object]] = []
    for j, b in enumerate(view.biomarkers):
        tr = ev.evaluate(b.profile)
        col = np.where(tr.t, MATCHED, np.where(tr.f, UNMATCHED, UNKNOWN))
        states[:, j] = np.where(app[:, j], col, NOT_APPLICABLE)
        o = tr.obs.select(app[:, j]) if len(tr.obs) else tr.obs
        if len(o):
            frames.append((b.id, o))
    status = status_matrix(view, states)

    def hist(status_name: str):
        long = ev._hist[status_name]

        cache: dict[frozenset, np.ndarray] = {}

        def flags(agents) -> np.ndarray:
            if agents not in cache:
                out = np.zeros(n, bool)
                out[long.loc[long["agent"].isin(agents), "sidx"].to_numpy()] = True
                cache[agents] = out
            return cache[agents]
        return flags

    scores, assessable = score_matrix(view, status, {"refractory": hist("refractory"),
                                                     "exposed": hist("exposed")},
                                      prep.assessed["history"], data_assessed(view, prep, states),
                                      clonal_matrix(view, states, frames))
    levels = levels_of(view, scores) if scores.size else np.zeros(scores.shape, np.int8)

    assembler = Assembler(view)
    warn_masks = ev.sample_warnings
    read_cohort, read_sample = input_warnings(cohort)
    where: list = []  # (frame, row, start) arrays: built once, on the first sample asked for

    def observations(i: int) -> list[tuple[str, Observation]]:
        # The observation rows of sample i, in frame order then row order: a stable sort of
        # all rows by sample (cheap, numpy) is made once; each sample's Observation records
        # are built when it is (so the worker processes of a run build their own samples'
        # records in parallel, instead of the parent building every record first)
        if not frames:
            return []
        if not where:
            sidx = np.concatenate([np.asarray(o.cols["sidx"], np.int64) for _, o in frames])
            frame = np.concatenate([np.full(len(o), k, np.int32) for k, (_, o) in enumerate(frames)])
            row = np.concatenate([np.arange(len(o), dtype=np.int64) for _, o in frames])
            order = np.argsort(sidx, kind="stable")
            start = np.searchsorted(sidx[order], np.arange(prep.n + 1), side="left")
            where.extend((frame[order].tolist(), row[order].tolist(), start.tolist()))
        frame, row, start = where
        out = []
        for p in range(start[i], start[i + 1]):
            bid, o = frames[frame[p]]
            c, j = o.cols, row[p]
            out.append((bid, _to_obs(bid, *[c[k][j] for k in _OBS_FIELDS])))
        return out

    def factory(i: int):
        st = dict(zip(view.biomarker_ids, states[i].tolist()))
        by_bm: dict[str, list[Observation]] = {}
        for bid, o in observations(i):
            by_bm.setdefault(bid, []).append(o)
        disease, assessed, sets = _sample_context(prep, i)
        warns = read_sample.get(str(prep.samples[i]), []) + [w for m, w in warn_masks if m[i]]
        return replace(assembler.assemble(str(prep.samples[i]), disease, prep.subtype[i] or None,
                                          st, by_bm, assessed, sets, warns), build=cohort.build)

    return CohortResult(
        samples=[str(s) for s in prep.samples], diseases=list(prep.disease),
        mechanisms=view.mechanism_ids, agents=view.covered_agents, status=status, scores=scores,
        levels=levels, assessable=assessable, kb_version=view.version,
        kb_hash=view.content_hash, scoring_version=view.scoring.version,
        warnings=read_cohort + prep.warnings + [w for _, w in warn_masks], factory=factory,
        unscored=assembler.unscored, build=cohort.build,
    )


def interpret_per_sample(cohort: Cohort, kb) -> CohortResult:
    """The same rules evaluated by a plain Python loop, one sample at a time (reference).

    Slower than :func:`interpret`; used by tests and the benchmark to check that the
    vectorised engine makes identical calls.
    """
    view = view_of(kb)
    prep = prepare(cohort, view)
    ev = ScalarEvaluator(prep, view)
    assembler = Assembler(view)
    expr_features = list({f.model_dump_json(): f for b in view.biomarkers
                          for f in iter_features(b.profile) if f.kind == "expression"}.values())
    results, cohort_warn = [], []
    read_cohort, read_sample = input_warnings(cohort)
    for i in range(prep.n):
        disease, assessed, sets = _sample_context(prep, i)
        st: dict[str, int] = {}
        by_bm: dict[str, list[Observation]] = {}
        for b in view.biomarkers:
            if not view.applies(b.diseases, disease):
                st[b.id] = NOT_APPLICABLE
                continue
            v, obs = ev.evaluate(b.profile, i, b.id)
            st[b.id] = {True: MATCHED, False: UNMATCHED, None: UNKNOWN}[v]
            if v is True and obs:
                by_bm[b.id] = obs
        own = read_sample.get(str(prep.samples[i]), [])
        warns: list[ResultWarning] = list(own)
        for f in expr_features:
            w = ev.expression_warning(f, i)
            if w is not None:
                warns.append(w)
        warns.extend(ev.splicing_warnings(i))
        cohort_warn.extend(warns[len(own):])
        results.append(replace(assembler.assemble(str(prep.samples[i]), disease, prep.subtype[i] or None,
                                                  st, by_bm, assessed, sets, warns), build=cohort.build))
    return CohortResult.from_samples(
        results, mechanisms=view.mechanism_ids, agents=view.covered_agents,
        kb_version=view.version, kb_hash=view.content_hash,
        scoring_version=view.scoring.version, warnings=read_cohort + prep.warnings + cohort_warn,
        unscored=assembler.unscored, build=cohort.build)


__all__ = ["interpret", "interpret_per_sample"]
