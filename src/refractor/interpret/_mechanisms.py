"""Biomarker states -> mechanism calls.

Biomarker state codes (one per sample x biomarker):
``1`` matched, ``0`` evaluated and not matched, ``-1`` not assessable (data missing),
``-2`` not applicable (the biomarker is restricted to other diseases).

A mechanism is ``detected`` if a detected-call biomarker matched, else ``possible`` if a
possible-call biomarker matched, else ``not_detected`` if at least one applicable biomarker was
evaluable, else ``not_assessable`` (never a silent "fine").
"""
from __future__ import annotations

import numpy as np

from refractor.interpret._kbview import KBView
from refractor.interpret._prepare import iter_features
from refractor.interpret._results import STATUSES, MechanismCall, Observation

MATCHED, UNMATCHED, UNKNOWN, NOT_APPLICABLE = 1, 0, -1, -2
DETECTED, POSSIBLE, NOT_DETECTED, NOT_ASSESSABLE = 3, 2, 1, 0


def biomarker_kinds(view: KBView) -> dict[str, tuple[str, ...]]:
    """The data kinds each biomarker needs, in feature order, each once."""
    return {b.id: tuple(dict.fromkeys(f.kind for f in iter_features(b.profile)))
            for b in view.biomarkers}


def _rule_columns(view: KBView):
    """Per mechanism with rules: (mechanism index, its biomarker columns, the `detected` ones,
    the `possible` ones)."""
    cols: dict[str, list[int]] = {}
    for j, b in enumerate(view.biomarkers):
        cols.setdefault(b.mechanism, []).append(j)
    for mi, m in enumerate(view.mechanism_ids):
        js = cols.get(m, [])
        if js:
            yield (mi, js, [j for j in js if view.biomarkers[j].call == "detected"],
                   [j for j in js if view.biomarkers[j].call == "possible"])


def status_matrix(view: KBView, states: np.ndarray) -> np.ndarray:
    """Mechanism status codes (samples x mechanisms, int8) from biomarker states."""
    n = states.shape[0]
    out = np.zeros((n, len(view.mechanism_ids)), dtype=np.int8)
    for mi, js, det, pos in _rule_columns(view):
        sub = states[:, js]
        evaluable = ((sub == MATCHED) | (sub == UNMATCHED)).any(axis=1)
        code = np.where(evaluable, NOT_DETECTED, NOT_ASSESSABLE)
        if pos:
            code = np.where((states[:, pos] == MATCHED).any(axis=1), POSSIBLE, code)
        if det:
            code = np.where((states[:, det] == MATCHED).any(axis=1), DETECTED, code)
        out[:, mi] = code
    return out


def obs_key(order: dict[str, int]):
    """Canonical ordering of observations within a call."""
    return lambda o: (order.get(o.biomarker, 1 << 30), o.kind, o.gene or "", o.detail,
                      o.source or "")


def mechanism_call(
    view: KBView,
    mechanism: str,
    states: dict[str, int],
    obs: dict[str, list[Observation]],
    assessed: set[str],
    disease: str | None,
    kinds: dict[str, tuple[str, ...]],
    order: dict[str, int],
) -> MechanismCall:
    """The call of one mechanism in one sample from its biomarkers' states and observations."""
    rec = view.mechanisms[mechanism]
    bms = view.biomarkers_by_mechanism[mechanism]
    applicable = [b for b in bms if states.get(b.id, UNKNOWN) != NOT_APPLICABLE]
    det = [b.id for b in applicable if b.call == "detected" and states.get(b.id) == MATCHED]
    pos = [b.id for b in applicable if b.call == "possible" and states.get(b.id) == MATCHED]
    if det:
        status, listed = "detected", det
    elif pos:
        status, listed = "possible", pos
    else:
        evaluable = [b.id for b in applicable if states.get(b.id) in (MATCHED, UNMATCHED)]
        if evaluable:
            status, listed = "not_detected", evaluable
        else:
            status, listed = "not_assessable", [b.id for b in applicable]
    observations: tuple[Observation, ...] = ()
    if status in ("detected", "possible"):
        observations = tuple(sorted((o for b in listed for o in obs.get(b, [])),
                                    key=obs_key(order)))
    cf, basis = clonal_of(observations) if observations else (None, None)
    missing: tuple[str, ...] = ()
    if status in ("not_detected", "not_assessable"):
        need = [k for b in applicable if states.get(b.id) == UNKNOWN for k in kinds[b.id]]
        missing = tuple(dict.fromkeys(k for k in need if k not in assessed))
    return MechanismCall(
        mechanism=mechanism,
        name=rec.name,
        axis=rec.axis,
        effect=rec.effect,
        status=status,
        biomarkers=tuple(listed),
        observations=observations,
        missing_data=missing,
        in_disease_context=view.in_context(rec.diseases, disease),
        clonal_fraction=cf,
        clonal_basis=basis,
    )


BULK_BASIS = ("unknown: the call rests (also) on a bulk measurement or on a variant without "
              "VAF, so it is scored as clonal")


def clonal_of(observations) -> tuple[float | None, str | None]:
    """The clonal fraction of a call: the largest CCF of its observations when every one is a
    variant with a CCF, else None (scored as clonal) with the reason."""
    best = None
    for o in observations:
        if o.kind != "variant" or o.clonal_fraction is None:
            return None, BULK_BASIS
        if best is None or o.clonal_fraction > best.clonal_fraction:
            best = o
    return best.clonal_fraction, best.clonal_basis


def clonal_matrix(view: KBView, states: np.ndarray, frames) -> np.ndarray:
    """samples x mechanisms: the clonal fraction of each detected / possible call (NaN =
    unknown), the column form of :func:`clonal_of` over the called biomarkers' observations."""
    n, nb = states.shape
    nobs = np.zeros((n, nb), np.int64)
    nknown = np.zeros((n, nb), np.int64)
    best = np.full((n, nb), -np.inf)
    col = {b: j for j, b in enumerate(view.biomarker_ids)}
    for bid, o in frames:
        j = col[bid]
        c = o.cols
        sidx = c["sidx"]
        ccf = c["ccf"].astype(float)
        known = (c["kind"] == "variant") & np.isfinite(ccf)
        np.add.at(nobs[:, j], sidx, 1)
        np.add.at(nknown[:, j], sidx, known.astype(np.int64))
        np.maximum.at(best[:, j], sidx[known], ccf[known])
    out = np.full((n, len(view.mechanism_ids)), np.nan)
    for mi, js, det, pos in _rule_columns(view):
        dm = states[:, det] == MATCHED
        use_det = dm.any(axis=1)
        pm = (states[:, pos] == MATCHED) & ~use_det[:, None]
        listed_n = (nobs[:, det] * dm).sum(axis=1) + (nobs[:, pos] * pm).sum(axis=1)
        listed_k = (nknown[:, det] * dm).sum(axis=1) + (nknown[:, pos] * pm).sum(axis=1)
        mx = np.maximum(np.where(dm, best[:, det], -np.inf).max(axis=1, initial=-np.inf),
                        np.where(pm, best[:, pos], -np.inf).max(axis=1, initial=-np.inf))
        ok = (listed_n > 0) & (listed_k == listed_n)
        out[:, mi] = np.where(ok, mx, np.nan)
    return out


def status_name(code: int) -> str:
    return STATUSES[code]


__all__ = ["status_matrix", "mechanism_call", "biomarker_kinds", "obs_key", "clonal_of",
           "clonal_matrix",
           "MATCHED", "UNMATCHED", "UNKNOWN", "NOT_APPLICABLE"]
