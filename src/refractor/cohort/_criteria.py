"""Response and progression criteria on the burden proxy, per disease.

Burden is a unitless tumour-burden proxy (1 = burden at the start of the line). Each disease has a
response threshold (best burden / line-start burden) and a progression rule (burden at least
``rise`` above the nadir, the nadir floored at ``nadir_floor`` x line-start burden).

* MM - IMWG-like (Kumar et al. Lancet Oncol 2016, PMID 27511158): partial response or better =
  >= 50% reduction of the M-protein; progression = >= 25% increase from the lowest value.
  Simplified: no confirmation on two assessments, no absolute-increase minimum (the nadir floor
  stands for it, ASSUMED 5%), no distinction of VGPR/CR (ORR counts PR or better).
* CLL - iwCLL-like (Hallek et al. Blood 2018, PMID 29540348): PR = >= 50% reduction of the
  lymphocyte count / nodes; progression = >= 50% increase from the nadir. Simplified to one
  burden measure (no lymph-node / marrow / cytopenia components).
* AML - ELN-like response on marrow blasts is not a fractional change of a burden; simplified
  (ASSUMED) to: response = burden <= 5% of line-start burden (a stand-in for < 5% blasts),
  relapse = burden back above 5% of line-start burden. Not calibrated; marked as such.
"""
from __future__ import annotations

from dataclasses import dataclass

from refractor.errors import InputError


@dataclass(frozen=True)
class Criteria:
    disease: str
    response_ratio: float  # best burden / line-start burden at or below this = response
    rise: float  # progression: burden >= (1 + rise) x max(nadir, floor x line-start)
    floor: float  # nadir floor as a fraction of the line-start burden
    source: str
    simplified: str


_TABLE = {
    "MM": Criteria("MM", 0.5, 0.25, 0.05, "IMWG (Kumar 2016, PMID 27511158)",
                   "one burden measure, no confirmation, PR or better only, nadir floor 5% ASSUMED"),
    "CLL": Criteria("CLL", 0.5, 0.5, 0.05, "iwCLL (Hallek 2018, PMID 29540348)",
                    "one burden measure for blood, nodes and marrow"),
    "AML": Criteria("AML", 0.05, 0.0, 0.05, "ASSUMED stand-in for ELN CR (< 5% blasts)",
                    "response = burden <= 5%; relapse = burden back above 5% of line start"),
}


def criteria_for(kb, disease: str, floor: float | None = None) -> Criteria:
    """The criteria of ``disease`` or of its nearest ancestor in the KB; InputError if none."""
    cur, seen = disease, set()
    while cur and cur not in seen:
        seen.add(cur)
        if cur in _TABLE:
            c = _TABLE[cur]
            if floor is not None and cur == "MM":
                c = Criteria(c.disease, c.response_ratio, c.rise, floor, c.source, c.simplified)
            return c
        node = kb.diseases.get(cur)
        cur = node.parent if node is not None else None
    raise InputError(f"no response criteria for disease {disease!r}; supported: {', '.join(_TABLE)}",
                     column="population.disease")


__all__ = ["Criteria", "criteria_for"]
