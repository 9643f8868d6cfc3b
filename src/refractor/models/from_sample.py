"""From a patient's interpreted sample to model predictions: IC50/DC50 and Emax shift per agent.

Input is the interpreter's per-sample JSON (``refractor profile`` output: ``sample``,
``mechanisms`` = list of mechanism calls with ``mechanism``, ``status`` (or ``call``) and
``observations`` [{``gene``, ``kind``, ``value``, ``unit``, ...}], ``agents`` = list of agent
calls). Each detected (or possible) mechanism is mapped to the model perturbations that
represent it — a :class:`~refractor.models.Perturbation` whose ``mechanisms`` name the KB slug,
or the KB mechanism's ``model_term`` — and the sample's measured level scales the perturbation
where one is present (see :func:`measured_value`), otherwise the perturbation's documented
default is used and the row says so. Mechanisms no model represents are returned as rows with
``status = "not_modelled"``; nothing is dropped silently.

Reference sample: every prediction compares the perturbed cell with the model's
:class:`~refractor.models.ReferenceSample` (``SPEC.reference_sample``), whose settings are applied
to both runs and which is named in every output row (``reference`` column):

* ``bcl2`` - a CLL-like BCL2-dependent, BIM-primed cell (BCL2 2x, MCL1 and BCL-XL 0.3x the
  model totals; profile from Del Gaizo Moore et al. J Clin Invest 2007, PMID 17200714; levels
  assumed), venetoclax IC50 ~2 nM. BCL2-family mechanisms are judged against a
  venetoclax-sensitive cell, whatever the sample's disease.
* ``glue`` - the model defaults, an IMiD-sensitive myeloma cell (Kronke et al. Nature 2015).
* ``trail`` - the HeLa cell of the EARM 2.0 calibration (no haematological parameter set).

A sample with no modelled mechanism gets, for each agent it lists, a row with fold 1 (the
reference itself) and the assumption that nothing modelled was detected.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from refractor.errors import InputError

ACTIVE = ("detected", "possible")
COLUMNS = [
    "sample", "model", "agent", "status", "readout", "unit", "ic50_ref", "ic50", "ic50_fold",
    "emax_ref", "emax", "emax_shift", "mechanisms", "perturbations", "sources", "assumptions",
    "reference",
]
# Default dose grids by dose unit (log-spaced), wide enough for every registered agent.
_GRIDS = {
    "uM": np.logspace(-5, 2, 22),
    "nM": np.logspace(-2, 5, 22),
    "ng/mL": np.logspace(-1, 4, 21),
}
# Gene symbol -> perturbation-name stems for models without an explicit GENE_TERMS table.
_STEMS = {
    "CRBN": ("crbn",), "BCL2L1": ("bclxl", "bcl_xl"), "MCL1": ("mcl1",), "BCL2": ("bcl2",),
    "BAX": ("bax",), "BAK1": ("bak",), "BCL2L11": ("bim",), "PMAIP1": ("noxa",),
    "BBC3": ("puma",), "IKZF1": ("ikzf",), "IKZF3": ("ikzf",), "COPS7B": ("cop9",),
    "COPS8": ("cop9",), "CASP8": ("casp8",), "CFLAR": ("flip",), "XIAP": ("xiap",),
    "BID": ("bid",),
}


@dataclass
class _Applied:
    """One perturbation applied to one model, with everything needed to report it."""

    name: str
    value: float
    mechanisms: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)


def load_sample(sample: Mapping[str, Any] | str | Path) -> tuple[dict, str | None]:
    """Read and check a per-sample JSON (dict or path). Raises InputError naming the problem."""
    path = None
    if isinstance(sample, (str, Path)):
        path = str(sample)
        try:
            text = Path(sample).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError("sample JSON not found", path=path) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read sample JSON: {exc}", path=path) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno,
                             column=exc.colno) from None
    else:
        data = sample
    if not isinstance(data, Mapping):
        raise InputError("sample JSON must be an object", path=path)
    if not isinstance(data.get("sample"), str) or not data["sample"]:
        raise InputError("sample JSON has no 'sample' id", path=path, column="sample")
    mechs = data.get("mechanisms", [])
    if not isinstance(mechs, list):
        raise InputError("'mechanisms' must be a list", path=path, column="mechanisms")
    for i, m in enumerate(mechs):
        if not isinstance(m, Mapping) or not isinstance(m.get("mechanism"), str):
            raise InputError(f"mechanisms[{i}] has no 'mechanism' slug", path=path,
                             column="mechanisms")
        obs = m.get("observations", [])
        if not isinstance(obs, list) or not all(isinstance(o, Mapping) for o in obs):
            raise InputError(f"mechanisms[{i}].observations must be a list of objects",
                             path=path, column="observations")
    agents = data.get("agents", [])
    if not isinstance(agents, list):
        raise InputError("'agents' must be a list", path=path, column="agents")
    return dict(data), path


def cohort_reference(path: str | Path) -> dict[str, float]:
    """Per-gene cohort median from a gene x sample expression table (TSV/CSV, TPM).

    The first column holds gene symbols, every other column one sample (the layout of the
    samplesheet's ``expression`` file). Used as ``reference_levels`` so that a sample's TPM
    becomes a level relative to the cohort median.
    """
    path = Path(path)
    sep = "," if path.suffix.lower() == ".csv" else "\t"
    try:
        table = pd.read_csv(path, sep=sep, index_col=0)
    except FileNotFoundError:
        raise InputError("reference expression file not found", path=str(path)) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot parse reference expression table: {exc}", path=str(path)) from None
    values = table.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & table.notna()
    if bad.to_numpy().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        raise InputError(f"not a number: {table.iat[row, col]!r}", path=str(path),
                         line=int(row) + 2, column=str(table.columns[col]))
    med = values.median(axis=1, skipna=True)
    return {str(g): float(v) for g, v in med.items() if math.isfinite(v) and v > 0}


def _status(call: Mapping[str, Any]) -> str:
    return str(call.get("status", call.get("call", "detected")))


def measured_value(pert: Any, obs: Mapping[str, Any],
                   reference_levels: Mapping[str, float] | None = None) -> tuple[float, str] | None:
    """Turn one observation into a perturbation value, or None when it carries no level.

    * ``scale`` perturbations take a level relative to the reference sample:
      log2 ratios (``unit`` ``log2_ratio``, copy number or expression vs cohort median) -> 2**v;
      ``relative``/``fold`` units -> v; TPM or log2 TPM when ``reference_levels`` holds the
      gene's reference (cohort median) in the same unit.
    * ``set`` perturbations of a fraction (e.g. the CRBN exon-10-skipped isoform fraction) take a
      splicing PSI (0..1) as is.
    """
    value = obs.get("value")
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    kind = str(obs.get("kind", ""))
    unit = str(obs.get("unit") or "").lower()
    gene = obs.get("gene")
    if pert.mode == "set":
        if kind == "splicing" and 0.0 <= value <= 1.0:
            return float(value), f"measured PSI {value:.3g} ({gene})"
        return None
    if kind == "splicing" or kind == "variant":
        return None
    if unit in ("log2_ratio", "log2 ratio", "log2ratio"):
        note = " (activity assumed proportional to gene dosage)" if kind == "copy_number" else ""
        return 2.0 ** value, (f"measured {gene} {kind} log2 ratio {value:.3g} -> "
                              f"x{2 ** value:.3g}{note}")
    if unit in ("relative", "fold", "ratio"):
        return float(value), f"measured {gene} {kind} x{value:.3g} of reference"
    ref = (reference_levels or {}).get(str(gene))
    if ref:
        if unit == "tpm" and value >= 0:
            return value / ref, f"measured {gene} {value:.3g} TPM / reference {ref:.3g} TPM"
        if unit == "log2_tpm":
            return 2.0 ** (value - ref), f"measured {gene} log2 TPM {value:.3g} vs {ref:.3g}"
    return None


def _kb_model_terms(settings: Any = None) -> dict[str, str]:
    """KB mechanism slug -> model_term. A broken KB raises KnowledgeBaseError: silently
    dropping its model-term links would hide mechanisms from the prediction."""
    from refractor.kb import KnowledgeBase

    kb = KnowledgeBase.load(settings=settings)
    return {k: m.model_term for k, m in kb.mechanisms.items() if getattr(m, "model_term", None)}


def _gene_term(spec_module: Any, spec: Any, gene: str | None, pert_names: set[str]) -> list[str]:
    if not gene:
        return []
    table = getattr(spec_module, "GENE_TERMS", None)
    if table is not None:
        term = table.get(gene)
        return [term] if term in pert_names else []
    stems = _STEMS.get(gene, (gene.lower(),))
    return [p.name for p in spec.perturbations
            if any(p.name.startswith(s) or p.parameter.startswith(s) for s in stems)]


def _obs_key(o: Mapping[str, Any]) -> tuple:
    return (o.get("gene"), o.get("kind"), o.get("value"), o.get("unit"))


def _plan(spec_module: Any, spec: Any, calls: list[Mapping[str, Any]], kb_terms: dict[str, str],
          reference_levels: Mapping[str, float] | None
          ) -> tuple[dict[str, _Applied], set[str], list[str]]:
    """Perturbations of one model for the active mechanism calls.

    Returns (applied perturbations, covered mechanism slugs, notes). A mechanism whose
    observations were all already turned into measured values by another mechanism (an
    umbrella such as ``crbn-genetic-alteration-composite`` next to ``crbn-exon10-skipping``)
    is not applied a second time at a default value; a note says so.
    """
    perts = {p.name: p for p in spec.perturbations}
    entries: list[tuple[Mapping[str, Any], list[tuple[Any, float, str | None, tuple]]]] = []
    covered: set[str] = set()
    for call in calls:
        slug = call["mechanism"]
        linked = [p for p in spec.perturbations if slug in p.mechanisms]
        term = kb_terms.get(slug)
        if not linked and term:  # KB model_term: a perturbation name, else a unique parameter
            by_param = [p for p in spec.perturbations if p.parameter == term]
            linked = [perts[term]] if term in perts else by_param if len(by_param) == 1 else []
        if not linked:
            continue
        covered.add(slug)
        obs = list(call.get("observations") or [])
        if len(linked) > 1:  # e.g. a BCL2-family block: keep the genes the sample measured
            genes = {o.get("gene") for o in obs}
            hit = [p for p in linked if any(p.name in _gene_term(spec_module, spec, g, set(perts))
                                            for g in genes)]
            linked = hit or linked
        found = []
        for pert in linked:
            value, how, key = pert.value, None, ()
            for o in obs:
                if pert.name not in _gene_term(spec_module, spec, o.get("gene"), set(perts)):
                    continue
                got = measured_value(pert, o, reference_levels)
                if got is not None:
                    (value, how), key = got, _obs_key(o)
                    break
            found.append((pert, value, how, key))
        entries.append((call, found))

    applied: dict[str, _Applied] = {}
    notes: list[str] = []
    for call, found in entries:
        slug = call["mechanism"]
        obs_keys = {_obs_key(o) for o in call.get("observations") or []}
        used_elsewhere = {k for c, f in entries if c is not call for *_, k in f if k}
        if obs_keys and all(how is None for _, _, how, _ in found) and obs_keys <= used_elsewhere:
            notes.append(f"{slug}: its observations are already applied as measured values "
                         "by another mechanism; not applied twice")
            continue
        for pert, value, how, _key in found:
            assumed = []
            if how is None:
                assumed.append(f"{pert.name}: default {pert.mode} {pert.value:g} "
                               "(no measured level in the sample)")
            if _status(call) == "possible":
                assumed.append(f"{slug}: call is 'possible', applied as if present")
            a = applied.setdefault(pert.name, _Applied(pert.name, value))
            if how is not None:
                a.value = value
                a.assumptions = [x for x in a.assumptions if not x.startswith(pert.name + ":")]
            elif any(src.startswith("measured") for src in a.sources):
                assumed = [x for x in assumed if not x.startswith(pert.name + ":")]
            a.mechanisms.append(slug)
            a.sources.append(how or f"{pert.name} default ({pert.reference})")
            a.assumptions += [x for x in assumed if x not in a.assumptions]
    return applied, covered, notes


def _grid(unit: str) -> list[float]:
    return list(_GRIDS.get(unit, _GRIDS["uM"]))


def predict_from_sample(
    sample: Mapping[str, Any] | str | Path,
    models: Sequence[str] | None = None,
    *,
    agents: Sequence[str] | None = None,
    reference_levels: Mapping[str, float] | str | Path | None = None,
    doses: Mapping[str, Sequence[float]] | None = None,
    settings: Any = None,
) -> pd.DataFrame:
    """Predicted IC50/DC50 and Emax shift per agent for one interpreted sample.

    Parameters
    ----------
    sample : dict or path
        The interpreter's per-sample JSON.
    models : list of str, optional
        Model names (default: every registered model).
    agents : list of str, optional
        Agent slugs to predict (default: the sample's ``agents`` that a model covers; every
        agent of each perturbed model when the sample lists no agents).
    reference_levels : dict or path, optional
        Gene -> reference expression (cohort median) in the unit of the sample's TPM or
        log2 TPM observations, to turn absolute expression into a relative level; or the path
        of a gene x sample expression table whose per-gene median is used
        (:func:`cohort_reference`). Without it, TPM observations cannot be scaled and the
        perturbation default is used (marked as an assumption).
    doses : dict, optional
        Agent -> dose grid (the agent's ``dose_unit``); default a wide log grid.
    settings : refractor.settings.Settings, optional
        Which KB links mechanisms to model terms (default: resolved from the environment).

    Returns
    -------
    pandas.DataFrame
        One row per (model, agent) with ``status = "predicted"`` (``ic50_fold`` =
        perturbed/reference IC50 or DC50, ``emax_shift`` = perturbed - reference Emax/Dmax,
        ``perturbations`` as ``name=value``, ``sources`` and ``assumptions``), one row per
        model whose perturbations apply but which has none of the sample's agents
        (``status = "no_agent"``), and one row per active mechanism no model represents
        (``status = "not_modelled"``). Every model row names its reference cell in
        ``reference`` (``SPEC.reference_sample``, see the module docstring).
        ``frame.attrs["curves"]`` holds the dose-response curves behind each predicted row
        (key ``"model/agent"``: ``dose``, ``reference`` and ``sample`` responses).
    """
    from refractor.models._registry import _MODULES, get_model

    data, _path = load_sample(sample)
    if isinstance(reference_levels, (str, Path)):
        reference_levels = cohort_reference(reference_levels)
    sample_id = data["sample"]
    calls = [m for m in data.get("mechanisms", []) if _status(m) in ACTIVE]
    names = list(models) if models is not None else list(_MODULES)
    sample_agents = {a.get("agent") for a in data.get("agents", []) if isinstance(a, Mapping)}
    kb_terms = _kb_model_terms(settings)
    rows: list[dict[str, Any]] = []
    curves: dict[str, dict[str, Any]] = {}
    covered_all: set[str] = set()
    from importlib import import_module

    for name in names:
        if name not in _MODULES:
            raise InputError(f"unknown model {name!r}; available: {', '.join(_MODULES)}")
        try:
            module = import_module(_MODULES[name])
        except ModuleNotFoundError:
            rows.append({"sample": sample_id, "model": name, "status": "model_unavailable"})
            continue
        spec = module.SPEC
        applied, covered, notes = _plan(module, spec, calls, kb_terms, reference_levels)
        covered_all |= covered
        model_agents = [a.agent for a in spec.agents]
        if agents is not None:
            wanted = list(agents)
        elif sample_agents:  # the agents the interpreter assessed for this sample
            wanted = [a for a in model_agents if a in sample_agents]
        else:
            wanted = model_agents if applied else []
        if not applied and not [a for a in wanted if a in model_agents]:
            continue
        ref_sample = spec.reference_sample
        ref_set, ref_label, _ = spec.cell_settings()
        if ref_sample is None:
            ref_label = "model defaults (no reference stated)"
        if not applied:
            notes = notes + ["no modelled mechanism detected: prediction equals the reference"]
        model = get_model(name)
        perts = {a.name: a.value for a in applied.values()}
        wanted = [a for a in wanted if a in model_agents]
        if not wanted:  # perturbations apply, but none of the sample's agents is in this model
            rows.append({
                "sample": sample_id, "model": name, "status": "no_agent",
                "mechanisms": ";".join(sorted({m for a in applied.values() for m in a.mechanisms})),
                "perturbations": ";".join(f"{k}={v:.4g}" for k, v in perts.items()),
                "assumptions": "none of the sample's agents is an agent of this model; "
                f"model agents: {', '.join(model_agents)}",
                "reference": ref_label,
            })
        for agent in wanted:
            grid = list(doses[agent]) if doses and agent in doses else _grid(
                spec.agent(agent).dose_unit)
            ref = model.dose_response(agent=agent, doses=grid, set=ref_set)
            alt = model.dose_response(agent=agent, doses=grid, set=ref_set,
                                      perturbations=perts) if perts else ref
            assumptions = [x for a in applied.values() for x in a.assumptions] + notes
            if ref_sample and ref_sample.assumed:
                assumptions.append(f"reference sample levels assumed: {ref_sample.note or ''}")
            assumptions += [f"IC50 flag: {f}" for f in (*ref.flags, *alt.flags)]
            fold = alt.ic50 / ref.ic50 if ref.ic50 and math.isfinite(ref.ic50) else math.nan
            curves[f"{name}/{agent}"] = {
                "model": name, "agent": agent, "unit": ref.unit, "readout": ref.readout,
                "dose": ref.frame["dose"].tolist(), "reference": ref.frame["response"].tolist(),
                "sample": alt.frame["response"].tolist(), "ic50_ref": ref.ic50,
                "ic50": alt.ic50, "reference_label": ref_sample.name if ref_sample else "",
            }
            rows.append({
                "sample": sample_id, "model": name, "agent": agent, "status": "predicted",
                "readout": ref.readout, "unit": ref.unit, "ic50_ref": ref.ic50,
                "ic50": alt.ic50, "ic50_fold": fold, "emax_ref": ref.emax, "emax": alt.emax,
                "emax_shift": alt.emax - ref.emax,
                "mechanisms": ";".join(sorted({m for a in applied.values() for m in a.mechanisms})),
                "perturbations": ";".join(f"{k}={v:.4g}" for k, v in perts.items()),
                "sources": " | ".join(s for a in applied.values() for s in a.sources),
                "assumptions": " | ".join(dict.fromkeys(assumptions)),
                "reference": ref_label,
            })
    for call in calls:
        if call["mechanism"] not in covered_all:
            rows.append({
                "sample": sample_id, "status": "not_modelled", "mechanisms": call["mechanism"],
                "assumptions": "no model term represents this mechanism in models "
                + ", ".join(names),
            })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.attrs["curves"] = curves  # "model/agent" -> dose, reference and sample responses
    return frame


__all__ = ["predict_from_sample", "load_sample", "measured_value", "cohort_reference"]
