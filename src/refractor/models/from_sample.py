"""From a patient's interpreted sample to model predictions: IC50/DC50 and Emax shift per agent.

Input is the interpreter's per-sample JSON (``refractor profile`` output: ``sample``,
``mechanisms`` = list of mechanism calls with ``mechanism``, ``status`` (or ``call``) and
``observations`` [{``gene``, ``kind``, ``value``, ``unit``, ...}], ``agents`` = list of agent
calls, each mechanism optionally with ``clonal_fraction``). Each detected (or possible)
mechanism is mapped to the model perturbations that represent it through the model's own table
only (a :class:`~refractor.models.Perturbation` whose ``mechanisms`` name the KB slug; see
:mod:`refractor.models._lesions`), and the sample's measured level sets the perturbation where
one is present, otherwise its documented default is used and the row says so. A lesion carried
by a fraction of the tumour cells is simulated in that fraction only: the sample's curve is the
cell-fraction-weighted mixture of the lesion-carrying clone(s) and the rest. Mechanisms no model
represents are returned as rows with ``status = "not_modelled"``; nothing is dropped silently.

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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from refractor.errors import InputError
from refractor.models._lesions import Compartment, calls_from, compartments, measured_value, plan

COLUMNS = [
    "sample", "model", "agent", "status", "readout", "unit", "ic50_ref", "ic50", "ic50_fold",
    "emax_ref", "emax", "emax_shift", "mechanisms", "perturbations", "sources", "assumptions",
    "reference", "clones", "ic50_tolerance",
]
# Default dose grids by dose unit (log-spaced), wide enough for every registered agent.
_GRIDS = {
    "uM": np.logspace(-5, 2, 22),
    "nM": np.logspace(-2, 5, 22),
    "ng/mL": np.logspace(-1, 4, 21),
}


def load_sample(sample: Mapping[str, Any] | str | Path) -> tuple[Any, str | None]:
    """Read a per-sample report (dict or JSON path) with
    :meth:`refractor.interpret.SampleResult.from_dict` (which checks ``schema`` and
    ``schema_version``). Returns ``(SampleResult, path)``; a bad file or document is an
    InputError naming the file (and line, for JSON syntax)."""
    from refractor.interpret import SampleResult

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
        data = dict(sample) if isinstance(sample, Mapping) else sample
    try:
        return SampleResult.from_dict(data), path
    except InputError as exc:
        raise InputError(exc.problem, path=path, line=exc.line, column=exc.column) from None


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


def _grid(unit: str) -> list[float]:
    return list(_GRIDS.get(unit, _GRIDS["uM"]))


def _sample_curve(model: Any, agent: str, grid: list[float], ref_set: dict[str, float],
                  comps: list[Compartment]) -> Any:
    """Dose-response of the tumour: the cell-fraction-weighted mixture of its compartments
    (readout mixed by weight, IC50 by root-finding on the mixed curve)."""
    if len(comps) == 1:
        return model.dose_response(agent=agent, doses=grid, set=ref_set,
                                   perturbations=comps[0].values or None)
    from refractor.models._constraints import check_doses
    from refractor.models._potency import summarize_dose_response

    def respond(d: float) -> float:
        return sum(c.weight * model.response(agent=agent, dose=d, set=ref_set,
                                             perturbations=c.values or None) for c in comps)

    ds = check_doses(grid)
    ds = ds if ds[0] == 0.0 else [0.0] + ds
    spec = model.spec
    return summarize_dose_response(
        np.array(ds), np.array([respond(d) for d in ds]), readout=spec.readout,
        unit=spec.agent(agent).dose_unit, agent=agent, kind=spec.readout_kind, respond=respond)


def predict_from_sample(
    sample: Mapping[str, Any] | str | Path,
    models: Sequence[str] | None = None,
    *,
    agents: Sequence[str] | None = None,
    reference_levels: Mapping[str, float] | str | Path | None = None,
    doses: Mapping[str, Sequence[float]] | None = None,
) -> pd.DataFrame:
    """Predicted IC50/DC50 and Emax shift per agent for one interpreted sample.

    Parameters
    ----------
    sample : dict or path
        The interpreter's per-sample JSON (mechanism entries may carry ``clonal_fraction``).
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
        Agent -> dose grid (the agent's ``dose_unit``); default a wide log grid. The IC50 is
        found by root-finding on the simulated curve, so the grid only has to bracket it.

    Returns
    -------
    pandas.DataFrame
        One row per (model, agent) with ``status = "predicted"`` (``ic50_fold`` =
        sample/reference IC50 or DC50, ``emax_shift`` = sample - reference Emax/Dmax,
        ``perturbations`` as ``name=value``, ``clones`` = the cell compartments mixed,
        ``sources`` and ``assumptions``), one row per model whose perturbations apply but
        which has none of the sample's agents (``status = "no_agent"``), and one row per active
        mechanism no model represents (``status = "not_modelled"``). Every model row names its
        reference cell in ``reference`` (``SPEC.reference_sample``, see the module docstring).
        ``frame.attrs["curves"]`` holds the dose-response curves behind each predicted row
        (key ``"model/agent"``: ``dose``, ``reference`` and ``sample`` responses).
    """
    from refractor.models._registry import _MODULES, get_model

    result, path = load_sample(sample)
    if isinstance(reference_levels, (str, Path)):
        reference_levels = cohort_reference(reference_levels)
    sample_id = result.sample
    calls = calls_from(result.mechanisms, path)
    names = list(models) if models is not None else list(_MODULES)
    sample_agents = {a.agent for a in result.agents}
    rows: list[dict[str, Any]] = []
    curves: dict[str, dict[str, Any]] = {}
    covered_all: set[str] = set()
    for name in names:
        if name not in _MODULES:
            raise InputError(f"unknown model {name!r}; available: {', '.join(_MODULES)}")
        model = get_model(name)
        spec = model.spec
        lesions, covered, notes = plan(spec, calls, reference_levels)
        covered_all |= covered
        model_agents = [a.agent for a in spec.agents]
        if agents is not None:
            wanted = list(agents)
        elif sample_agents:  # the agents the interpreter assessed for this sample
            wanted = [a for a in model_agents if a in sample_agents]
        else:
            wanted = model_agents if lesions else []
        if not lesions and not [a for a in wanted if a in model_agents]:
            continue
        ref_sample = spec.reference_sample
        ref_set, ref_label, _ = spec.cell_settings()
        if ref_sample is None:
            ref_label = "model defaults (no reference stated)"
        if not lesions:
            notes = notes + ["no modelled mechanism detected: prediction equals the reference"]
        comps, clone_notes = compartments(spec, lesions)
        perts: dict[str, float] = {}
        for c in comps:
            perts.update({k: v for k, v in c.values.items() if k not in perts})
        mechs = ";".join(sorted({les.mechanism for les in lesions}))
        pert_text = ";".join(f"{k}={v:.4g}" for k, v in perts.items())
        wanted = [a for a in wanted if a in model_agents]
        if not wanted:  # perturbations apply, but none of the sample's agents is in this model
            rows.append({
                "sample": sample_id, "model": name, "status": "no_agent", "mechanisms": mechs,
                "perturbations": pert_text,
                "assumptions": "none of the sample's agents is an agent of this model; "
                f"model agents: {', '.join(model_agents)}",
                "reference": ref_label,
            })
        assumptions_base = ([x for les in lesions for x in les.assumptions] + notes
                            + clone_notes + [x for c in comps for x in c.notes])
        if ref_sample and ref_sample.assumed:
            assumptions_base.append(f"reference sample levels assumed: {ref_sample.note or ''}")
        for agent in wanted:
            grid = list(doses[agent]) if doses and agent in doses else _grid(
                spec.agent(agent).dose_unit)
            ref = model.dose_response(agent=agent, doses=grid, set=ref_set)
            alt = ref if not perts else _sample_curve(model, agent, grid, ref_set, comps)
            assumptions = assumptions_base + [f"IC50 flag: {f}" for f in (*ref.flags, *alt.flags)]
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
                "emax_shift": alt.emax - ref.emax, "mechanisms": mechs,
                "perturbations": pert_text,
                "sources": " | ".join(x for les in lesions for x in les.sources),
                "assumptions": " | ".join(dict.fromkeys(assumptions)),
                "reference": ref_label,
                "clones": " | ".join(c.label() for c in comps),
                "ic50_tolerance": max(ref.ic50_tolerance, alt.ic50_tolerance),
            })
    for call in calls:
        if call.mechanism not in covered_all:
            rows.append({
                "sample": sample_id, "status": "not_modelled", "mechanisms": call.mechanism,
                "assumptions": "no model term represents this mechanism in models "
                + ", ".join(names),
            })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.attrs["curves"] = curves  # "model/agent" -> dose, reference and sample responses
    return frame


__all__ = ["predict_from_sample", "load_sample", "measured_value", "cohort_reference"]
