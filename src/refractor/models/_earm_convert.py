"""One-off conversion of EARM 2.0 (M1a, embedded) SBML + fitted parameters into ``trail.ant``.

Not imported at run time. ``antimony/trail.ant`` in the package was produced by::

    python -m refractor.models._earm_convert \\
        ../shared/validation/earm_trail_sorger/EARM_2_0_M1a.sbml \\
        ../shared/validation/earm_trail_sorger/EARM_2_0_M1a_fitted_params.txt \\
        src/refractor/models/antimony/trail.ant

Source: github clopezx/earm (fork of sorgerlab/earm), commit 966c0c73ed79, files
``EARM_2_0_M1a.sbml`` (PySB export of ``earm.lopez_embedded`` M1a, Lopez et al. Mol Syst Biol
2013, PMID 23423320) and ``EARM_2_0_M1a_fitted_params.txt`` (fit to the Albeck 2008 / Spencer 2009
reporter data). The conversion

* renames the BioNetGen species ``s0..s73`` to readable ids built from their PySB patterns
  (``C8(state=A)`` -> ``C8A``; complexes joined with ``_``; ``BaxA4`` = tetrameric Bax pore),
* replaces the default rate constants by the fitted ones,
* turns every initial amount into a named parameter ``X_0`` (molecules per cell),
* makes the ligand amount a function of the TRAIL dose (``TRAIL`` in ng/mL, 3000 molecules =
  50 ng/mL, Albeck et al. PLoS Biol 2008, PMID 19053173, as in PySB ``earm_1_0.py``),
* adds TRAIL decoy receptors (``DcR``, ligand sequestration; ``DcR_0 = 0`` keeps EARM unchanged)
  and normalised reporter read-outs (assignment rules).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

# Observables added to the model: read-outs comparable to the Albeck/Spencer reporters.
_READOUTS = """
  // ---- Read-outs (added by refractor; fractions 0..1) ----
  // IC-RP: caspase-8 substrate reporter ~ fraction of Bid cleaved (EARM 2.0 fits mBid to IC-RP).
  tBid_frac := 1 - (BidU + BidU_C8A)/Bid_0;
  // IMS-RP: fraction of Smac released from mitochondria (MOMP marker).
  Smac_release := (SmacC + SmacA + SmacA_XIAP)/Smac_0;
  // EC-RP: effector-caspase substrate ~ fraction of PARP cleaved.
  cPARP_frac := PARPC/PARP_0;
  // Surviving fraction proxy for dose-response (1 - cleaved PARP fraction).
  viability := 1 - cPARP_frac;
"""

_DECOY = """
  // ---- TRAIL decoy receptors (added by refractor) ----
  // DcR1/DcR2 (TNFRSF10C/D) bind TRAIL without transmitting a death signal; modelled as
  // ligand sequestration with the DR4/DR5 binding constants (assumed equal affinity).
  species DcR in default, L_DcR in default;
  DcR_0 = 0;  // molecules/cell; EARM cells (HeLa) modelled without decoys (assumed)
  DcR = DcR_0;
  L_DcR = 0;
  decoy_bind: L + DcR -> L_DcR; bind_L_R_to_LR_kf*L*DcR - bind_L_R_to_LR_kr*L_DcR;
"""

_STATE_RE = re.compile(r"state=(\w+)")


def _token(monomer: str) -> str:
    """``'C8(bf=1, state=A)'`` -> ``'C8A'``."""
    name = monomer.split("(", 1)[0].strip()
    m = _STATE_RE.search(monomer)
    return name + (m.group(1) if m else "")


def species_id(pattern: str) -> str:
    """Readable Antimony id for a BioNetGen species pattern."""
    tokens = [_token(p) for p in pattern.split("._br_")]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and tokens[j] == tokens[i]:
            j += 1
        n = j - i
        out.append(tokens[i] + (str(n) if n > 1 else ""))
        i = j
    return "_".join(out)


def convert(sbml_path: str | Path, params_path: str | Path) -> str:
    """Return the Antimony text of the TRAIL model (see module docstring)."""
    import antimony
    import libsbml

    doc = libsbml.readSBMLFromFile(str(sbml_path))
    if doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR):
        raise ValueError(f"{sbml_path}: SBML errors")
    model = doc.getModel()
    fitted: dict[str, float] = {}
    for line in Path(params_path).read_text().splitlines():
        if line.strip():
            k, v = line.split(",")
            fitted[k.strip()] = float(v)

    rename: dict[str, str] = {}
    for sp in model.getListOfSpecies():
        new = species_id(sp.getName())
        if new in rename.values():
            raise ValueError(f"duplicate species id {new}")
        rename[sp.getId()] = new
    for p in model.getListOfParameters():
        if p.getId() in fitted:
            p.setValue(fitted[p.getId()])
    init_params: list[str] = []
    for sp in model.getListOfSpecies():
        amount = sp.getInitialAmount()
        if amount > 0:
            monomer = sp.getName().split("(", 1)[0]
            pname = f"{monomer}_0"
            value = fitted.get(pname, amount)
            if monomer != "L":
                init_params.append(f"  {pname} = {value:g};  // molecules/cell")
            sp.setInitialAmount(0.0)
            sp.setName(pname)  # marker, replaced below
    antimony.clearPreviousLoads()
    if antimony.loadSBMLString(libsbml.writeSBMLToString(doc)) < 0:
        raise ValueError(antimony.getLastError())
    text = antimony.getAntimonyString(None)
    # rename species (longest ids first so s1 does not clobber s10)
    for old in sorted(rename, key=lambda s: -len(s)):
        text = re.sub(rf"\b{old}\b", rename[old], text)
    text = re.sub(r"\n\s*// Display Names:.*?(?=\n\s*(//|end))", "", text, flags=re.S)
    text = re.sub(r'\n\s*\w+ is "[^"]*";', "", text)
    # initial conditions: species with a non-zero amount -> = X_0
    inits = []
    for sp in model.getListOfSpecies():
        if sp.getName().endswith("_0"):
            sid = rename[sp.getId()]
            if sid == "L":
                inits.append("  L = TRAIL*L_per_ngml;  // ligand molecules/cell")
            else:
                inits.append(f"  {sid} = {sp.getName()};")
    header = (
        "// TRAIL extrinsic apoptosis: EARM 2.0 M1a (Lopez et al. Mol Syst Biol 2013, PMID 23423320)\n"
        "// with fitted parameters (clopezx/earm @966c0c73). Generated by refractor.models._earm_convert;\n"
        "// do not edit by hand. Units: molecules/cell, seconds.\n"
    )
    extra = (
        "\n  // ---- Dose and initial amounts (added by refractor) ----\n"
        "  TRAIL = 50;  // ng/mL TRAIL (Albeck 2008 standard dose)\n"
        "  L_per_ngml = 60;  // ligand molecules/cell per ng/mL: 3000 = 50 ng/mL (PMID 19053173)\n"
        + "\n".join(init_params) + "\n" + "\n".join(inits) + "\n" + _DECOY + _READOUTS
    )
    for sp in model.getListOfSpecies():
        if sp.getName().endswith("_0"):  # drop the placeholder "X = 0;" of initialised species
            text = re.sub(rf"\n  {rename[sp.getId()]} = 0;", "", text)
    text = text.replace("// Created by libAntimony", "// Converted with libAntimony")
    body, sep, _tail = text.partition("\nend\n")
    if not sep:
        raise ValueError("no 'end' in converted model")
    return header + body + "\n" + extra + "end\n"


def main(argv: list[str]) -> None:
    sbml, params, out = argv
    Path(out).write_text(convert(sbml, params), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
