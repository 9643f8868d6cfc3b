"""From a sample's mechanism calls to model perturbations and clones (the sample -> model link).

The link reads only the model's own tables (:meth:`ModelSpec.mechanism_table`,
:class:`Perturbation` ``genes`` / ``by_biomarker`` / ``functional_isoform``,
:attr:`ModelSpec.represented`): a mechanism the spec does not name is not applied.

* A lesion's value is the perturbation's documented default, replaced by the biomarker's dosage
  (``by_biomarker``) or by the sample's measured level of one of the perturbation's genes
  (:func:`measured_value`). A measured value on the wrong side of neutral (a high CRBN for a
  "low CRBN" lesion, a low CRBN for the "high CRBN" sensitivity marker) is not applied: a
  sensitivity marker never moves the model towards resistance, nor the reverse.
* Clones: a tumour is a mixture of cells. Each lesion carries the cancer-cell fraction of its
  call (``clonal_fraction``, 0..1; absent or null = assumed clonal, and the result says so).
  Lesions at different fractions are assumed nested (each smaller clone lies inside the larger
  ones): :func:`compartments` turns them into cell compartments with weights summing to 1, from
  "every lesion" to "no lesion", whose responses are mixed by weight.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from refractor.errors import InputError

ACTIVE = ("detected", "possible")


@dataclass(frozen=True)
class Call:
    """One active mechanism call as the models read it."""

    mechanism: str
    status: str
    effect: str
    observations: tuple[Mapping[str, Any], ...]
    clonal_fraction: float | None


def calls_from(mechanisms: Sequence[Any], path: str | None = None) -> list[Call]:
    """Active calls of a sample's mechanism calls (:class:`refractor.interpret.MechanismCall`
    records, as :meth:`SampleResult.from_dict` returns them); checks ``clonal_fraction``."""
    out = []
    for i, m in enumerate(mechanisms):
        if m.status not in ACTIVE:
            continue
        cf = m.clonal_fraction
        if cf is not None:
            ok = isinstance(cf, (int, float)) and not isinstance(cf, bool) and math.isfinite(cf)
            if not ok or not 0.0 <= cf <= 1.0:
                raise InputError(f"mechanisms[{i}].clonal_fraction must be a number in 0..1 or "
                                 f"null, got {cf!r}", path=path, column="clonal_fraction")
            cf = float(cf)
        out.append(Call(m.mechanism, m.status, m.effect or "resistance",
                        tuple(o.to_dict() for o in m.observations), cf))
    return out


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
    if kind in ("splicing", "variant"):
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


@dataclass
class Lesion:
    """The perturbations one mechanism call applies, with its clone and provenance."""

    mechanism: str
    values: dict[str, float] = field(default_factory=dict)
    measured: dict[str, str] = field(default_factory=dict)  # perturbation -> observation kind
    # perturbations whose call rests on an expression reading of their gene: with the isoform
    # fraction measured, that reading is the functional isoform (the interpreter's convention)
    expression_read: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    clonal_fraction: float = 1.0


def _obs_key(o: Mapping[str, Any]) -> tuple:
    return (o.get("gene"), o.get("kind"), o.get("value"), o.get("unit"))


def _neutral(spec: Any, pert: Any) -> float:
    if pert.mode == "scale":
        return 1.0
    for p in spec.parameters:
        if p.name == pert.parameter:
            return p.value
    return 0.0


def _lesion(spec: Any, call: Call, linked: list[Any],
            reference_levels: Mapping[str, float] | None) -> tuple[Lesion, set[tuple], list[str]]:
    notes: list[str] = []
    genes = {o.get("gene") for o in call.observations}
    if len(linked) > 1:  # e.g. a BCL2-family block: keep the genes the sample measured
        hit = [p for p in linked if genes & set(p.genes)]
        if not hit:
            notes.append(f"{call.mechanism}: no measured gene picks one of "
                         f"{', '.join(p.name for p in linked)}; applied as {linked[0].name}")
        linked = hit or linked[:1]
    les = Lesion(call.mechanism)
    used: set[tuple] = set()
    for pert in linked:
        value, how, kind = pert.value, None, None
        for o in call.observations:
            if o.get("biomarker") in pert.by_biomarker:
                value = pert.by_biomarker[o["biomarker"]]
                how = f"{o['biomarker']}: {pert.name} {value:g} (dosage of that lesion)"
        for o in call.observations:
            if o.get("gene") not in pert.genes:
                continue
            got = measured_value(pert, o, reference_levels)
            if got is not None:
                (value, how), kind = got, str(o.get("kind"))
                used.add(_obs_key(o))
                break
        if kind is not None and not pert.direction_ok(value, _neutral(spec, pert)):
            notes.append(f"{call.mechanism}: {how} lies on the other side of the reference from "
                         f"{pert.name} ({pert.description.split(';')[0]}); not applied, so a "
                         f"{call.effect} call never moves the model the opposite way")
            continue
        les.values[pert.name] = value
        if kind is not None:
            les.measured[pert.name] = kind
        if any(o.get("kind") == "expression" and o.get("gene") in pert.genes
               for o in call.observations):
            les.expression_read.add(pert.name)
        les.sources.append(how or f"{pert.name} default ({pert.reference})")
        if how is None:
            les.assumptions.append(f"{pert.name}: default {pert.mode} {pert.value:g} "
                                   "(no measured level in the sample)")
    if call.status == "possible":
        les.assumptions.append(f"{call.mechanism}: call is 'possible', applied as if present")
    return les, used, notes


def plan(spec: Any, calls: Sequence[Call], reference_levels: Mapping[str, float] | None = None
         ) -> tuple[list[Lesion], set[str], list[str]]:
    """Lesions of one model for the active calls: (lesions, covered mechanism slugs, notes).

    A mechanism whose observations were all already turned into measured values by another
    mechanism (an umbrella next to its component) is not applied a second time at a default
    value; a note says so.
    """
    table = spec.mechanism_table()
    perts = {p.name: p for p in spec.perturbations}
    built: list[tuple[Call, Lesion, set[tuple]]] = []
    covered: set[str] = set()
    notes: list[str] = []
    for call in calls:
        if call.mechanism in spec.represented:
            covered.add(call.mechanism)
            notes.append(f"{call.mechanism}: {spec.represented[call.mechanism]}")
            continue
        names = table.get(call.mechanism)
        if not names:
            continue
        covered.add(call.mechanism)
        les, used, more = _lesion(spec, call, [perts[n] for n in names], reference_levels)
        notes += more
        if call.clonal_fraction is None:
            les.assumptions.append(f"{call.mechanism}: no clonal fraction in the sample; "
                                   "assumed clonal (every tumour cell carries it)")
        else:
            les.clonal_fraction = call.clonal_fraction
        built.append((call, les, used))
    lesions = []
    for call, les, _used in built:
        keys = {_obs_key(o) for o in call.observations}
        elsewhere = {k for c, _, u in built if c is not call for k in u}
        if keys and not les.measured and keys <= elsewhere:
            notes.append(f"{call.mechanism}: its observations are already applied as measured "
                         "values by another mechanism; not applied twice")
            continue
        if les.values:
            lesions.append(les)
    return lesions, covered, notes


@dataclass
class Compartment:
    """Cells carrying the same lesions: weight (cell fraction) and merged perturbations."""

    weight: float
    lesions: list[Lesion]
    values: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def label(self) -> str:
        what = ", ".join(f"{k}={v:.4g}" for k, v in self.values.items()) or "reference cell"
        return f"{self.weight:.3g} of cells: {what}"


def _merge(spec: Any, lesions: list[Lesion]) -> tuple[dict[str, float], list[str]]:
    """One cell's perturbations from its lesions: a measured value wins over a default, and a
    level read from the functional isoform is returned to the total (applied once)."""
    values: dict[str, float] = {}
    measured: dict[str, str] = {}
    expression_read: set[str] = set()
    notes: list[str] = []
    for les in lesions:
        expression_read |= les.expression_read
        for name, v in les.values.items():
            if name not in values or (name in les.measured and name not in measured):
                values[name] = v
                if name in les.measured:
                    measured[name] = les.measured[name]
    for p in spec.perturbations:
        iso = p.functional_isoform
        if (p.name in values and p.name in expression_read and iso in measured
                and measured[iso] == "splicing"):
            psi = values[iso]
            values[p.name] = values[p.name] / max(1.0 - psi, 1e-3)
            what = "measured" if p.name in measured else "default"
            notes.append(f"{p.name}: the {what} level stands for the functional isoform (total "
                         f"x (1 - PSI)); divided by (1 - {psi:.3g}) to the total, so that "
                         f"{iso} is applied once")
    return values, notes


def compartments(spec: Any, lesions: list[Lesion]) -> tuple[list[Compartment], list[str]]:
    """Cell compartments (weights sum to 1) of nested clones, and the assumptions they rest on."""
    fractions = sorted({les.clonal_fraction for les in lesions if les.clonal_fraction > 0},
                       reverse=True)
    out: list[Compartment] = []
    for i, f in enumerate(fractions):
        nxt = fractions[i + 1] if i + 1 < len(fractions) else 0.0
        members = [les for les in lesions if les.clonal_fraction >= f]
        values, notes = _merge(spec, members)
        out.append(Compartment(f - nxt, members, values, notes))
    rest = 1.0 - (fractions[0] if fractions else 0.0)
    if rest > 1e-12:
        out.append(Compartment(rest, [], {}))
    assumptions = []
    if len(fractions) > 1:
        assumptions.append("lesions at different clonal fractions are assumed nested (each "
                           "smaller clone inside the larger ones; the phylogeny is not known)")
    if rest > 1e-12 and fractions:
        assumptions.append("the tumour is simulated as a mixture of cells: "
                           + "; ".join(c.label() for c in out)
                           + " (viability mixed by cell fraction)")
    return [c for c in out if c.weight > 1e-12], assumptions


__all__ = ["Call", "calls_from", "measured_value", "Lesion", "plan", "Compartment",
           "compartments", "ACTIVE"]
