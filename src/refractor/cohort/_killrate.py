"""Kill rates: how much of an agent's reference kill a clone keeps, from the models or the KB.

The one mapping (:func:`kill_rate`)::

    kill = base_rate(agent class) x exposure(patient) x model_retained x clip(1 - kb_score / high, 0, 1)

* ``model_retained`` - for an agent a mechanistic model covers (``refractor.models``: the agent
  has an ``AgentSpec`` and the model's readout is a viability), the fraction of the reference
  cell's drug effect the perturbed cell keeps at the agent's exposure: effect = 1 - viability /
  untreated viability, at ``exposure_multiple`` x the agent's IC50 in the model's reference cell,
  from one cached ``run_batch`` response surface over every combination of the model
  perturbations that represent the tracked mechanisms (never an ODE solve per patient);
* ``kb_score`` - the interpreter's KB score (``refractor.interpret.score_mechanism_states``) of
  the clone's mechanisms that the model does not represent for that agent, plus the entry
  history (refractory agents); ``high`` is the KB's 'high' band threshold, so a clone scored
  'high' keeps nothing and a sensitivity weight never raises the kill above reference (ASSUMED);
* a clone carrying the class's *unattributed* resistance state keeps nothing (ASSUMED).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from refractor.errors import InputError

_GRIDS = {"uM": np.logspace(-5, 2, 22), "nM": np.logspace(-2, 5, 22)}


def kill_rate(base_rate: Any, exposure: Any, model_retained: Any, kb_score: Any, high: float) -> Any:
    """The documented kill mapping (1/month); works on scalars and numpy arrays alike."""
    return base_rate * exposure * model_retained * np.clip(1.0 - np.asarray(kb_score) / high, 0.0, 1.0)


def _model_of(agent: str) -> tuple[str, Any] | None:
    from refractor.models import get_spec, list_models

    for name in list_models():
        name = getattr(name, "name", name)
        spec = get_spec(name)
        if spec.readout_kind == "viability" and any(a.agent == agent for a in spec.agents):
            return name, spec
    return None


def _perturbation(spec: Any, kb: Any, mechanism: str) -> Any | None:
    for p in spec.perturbations:
        if mechanism in p.mechanisms:
            return p
    term = kb.mechanisms[mechanism].model_term
    for p in spec.perturbations:
        if term and p.parameter == term:
            return p
    return None


def _surface_cache(key: str, kb: Any = None) -> tuple[Any, Any]:
    """Load/store functions for one response surface, cached in the cache folder of the
    settings ``kb`` was loaded with (the app's or the command's own), else the resolved ones."""
    from refractor._cachefile import seal, unseal, untrusted_reason, warn_rebuild
    from refractor.settings import Settings

    folder = (getattr(kb, "settings", None) or Settings.resolve()).cache_dir / "cohort"
    path = folder / f"surface-{key[:24]}.json"
    digest = hashlib.sha256(key.encode()).digest()

    def load() -> Any:
        if not path.exists():
            return None
        reason = untrusted_reason(path)
        if reason is None:
            try:
                return json.loads(unseal(path.read_bytes(), digest))
            except (ValueError, OSError) as exc:
                reason = str(exc)
        warn_rebuild(path, reason, "cohort response-surface cache")
        return None

    def store(obj: Any) -> None:
        from refractor._cachefile import write_cache_file

        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_cache_file(path, seal(json.dumps(obj).encode(), digest))
        except OSError:  # a cache is optional
            pass

    return load, store


def model_surface(kb: Any, agent: str, mechanisms: list[str], exposure_multiple: float) -> dict[str, Any] | None:
    """Retained effect for every subset of the model-represented ``mechanisms`` (bitmask over
    the returned ``modelled`` list), or None when no viability model covers ``agent``."""
    found = _model_of(agent)
    if found is None:
        return None
    name, spec = found
    perts = {m: _perturbation(spec, kb, m) for m in mechanisms}
    modelled = [m for m in mechanisms if perts[m] is not None]
    unit = spec.agent(agent).dose_unit
    if unit not in _GRIDS:
        return None
    key = json.dumps([name, spec.antimony(), agent, exposure_multiple,
                      [(m, perts[m].name, perts[m].mode, perts[m].value, perts[m].parameter) for m in modelled],
                      sorted((spec.reference_sample.set if spec.reference_sample else {}).items())],
                     sort_keys=True)
    load, store = _surface_cache(hashlib.sha256(key.encode()).hexdigest(), kb)
    hit = load()
    if hit is not None:
        return hit
    import pandas as pd

    from refractor.models import get_model, run_batch

    model = get_model(name)
    ref_set = dict(spec.reference_sample.set) if spec.reference_sample else {}
    ic50 = model.dose_response(agent=agent, doses=list(_GRIDS[unit]), set=ref_set or None).ic50
    if not np.isfinite(ic50) or ic50 <= 0:
        return None
    # one run per perturbation subset, the model applying its own perturbations (scale / set)
    frame = pd.DataFrame([ref_set]) if ref_set else pd.DataFrame(index=[0])
    dose = float(exposure_multiple * ic50)
    treated, untreated = [], []
    for mask in range(1 << len(modelled)):
        names = list(dict.fromkeys(perts[m].name for i, m in enumerate(modelled) if mask >> i & 1))
        for d, out in ((dose, treated), (0.0, untreated)):
            res = run_batch(name, frame, agent=agent, dose=d, final_only=True, n_jobs=1,
                            perturbations=names or None)
            out.append(float(res[spec.readout].iloc[0]))
    treated, untreated = np.array(treated), np.array(untreated)
    effect = 1.0 - treated / untreated
    retained = np.clip(effect / effect[0], 0.0, 1.0) if effect[0] > 0 else np.ones_like(effect)
    out = {"model": name, "agent": agent, "modelled": modelled, "ic50": float(ic50), "unit": unit,
           "dose": dose, "retained": [float(x) for x in retained]}
    store(out)
    return out


@dataclass
class LineTable:
    """Kill inputs of one treatment line: per agent, base rate, class slot and retained table."""

    regimen: str
    agents: tuple[str, ...]
    base: np.ndarray  # (A,) 1/month
    unattr: np.ndarray  # (A,) index of the agent's class among the unattributed bits
    retained: np.ndarray  # (2**M, A) model_retained x max(0, 1 - kb_score/high)
    surfaces: dict[str, Any]


_RETAINED: dict[tuple, tuple[np.ndarray, dict[str, Any]]] = {}


def line_table(kb: Any, regimen: str, agents: tuple[str, ...], mechanisms: list[str],
               refractory: frozenset[str], params: Any, classes: list[str]) -> LineTable:
    """Pre-compute the retained fraction for every mechanism subset (bitmask over ``mechanisms``)."""
    from refractor.cohort._params import CLASS_KILL

    base, unattr = [], []
    for a in agents:
        cls = kb.agents[a].agent_class
        if cls not in CLASS_KILL:
            raise InputError(f"no kill rate for agent {a!r} (class {cls!r}); the cohort engine covers "
                             f"the classes {', '.join(sorted(CLASS_KILL))}", column="arms")
        base.append(getattr(params, CLASS_KILL[cls]))
        unattr.append(classes.index(cls))
    key = (kb.content_hash, tuple(agents), tuple(mechanisms), frozenset(refractory), params.exposure_multiple)
    if key not in _RETAINED:  # the table depends on the KB, the mechanisms and the history only
        if len(_RETAINED) > 256:
            _RETAINED.clear()
        _RETAINED[key] = _retained(kb, agents, mechanisms, refractory, params.exposure_multiple)
    retained, surfaces = _RETAINED[key]
    return LineTable(regimen, tuple(agents), np.array(base), np.array(unattr, dtype=np.int64),
                     retained, surfaces)


def _retained(kb: Any, agents: tuple[str, ...], mechanisms: list[str], refractory: frozenset[str],
              exposure_multiple: float) -> tuple[np.ndarray, dict[str, Any]]:
    from refractor.interpret import score_mechanism_states

    n_states = 1 << len(mechanisms)
    high = min(b.min for b in kb.scoring.score_to_level if b.level == "high")
    cols, surfaces = [], {}
    for a in agents:
        surf = model_surface(kb, a, mechanisms, exposure_multiple)
        modelled = surf["modelled"] if surf else []
        model_ret = np.ones(n_states)
        kb_states = []
        for s in range(n_states):
            present = [m for i, m in enumerate(mechanisms) if s >> i & 1]
            if surf:
                sub = sum(1 << modelled.index(m) for m in present if m in modelled)
                model_ret[s] = surf["retained"][sub]
                surfaces[a] = {k: surf[k] for k in ("model", "modelled", "ic50", "unit", "dose")}
            kb_states.append(frozenset(m for m in present if m not in modelled))
        scores, covered = score_mechanism_states(kb, kb_states, refractory=refractory)
        score = scores[:, covered.index(a)] if a in covered else np.zeros(n_states)
        cols.append(kill_rate(1.0, 1.0, model_ret, score, high))
    return np.stack(cols, axis=1), surfaces


__all__ = ["kill_rate", "model_surface", "line_table", "LineTable"]
