"""SBML export of the registered models, checked with libSBML's consistency validator."""
from __future__ import annotations

import os
from pathlib import Path

from refractor.errors import ModelError


def validate_sbml(sbml: str) -> list[str]:
    """Run libSBML's full consistency check; return warning messages, raise on errors.

    Raises
    ------
    ModelError
        If libSBML reports any error or fatal problem (each listed with its line).
    """
    import libsbml

    doc = libsbml.readSBMLFromString(sbml)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, False)  # units: see below
    doc.checkConsistency()
    errors, warnings = [], []
    for i in range(doc.getNumErrors()):
        e = doc.getError(i)
        msg = f"line {e.getLine()}: {e.getShortMessage()} ({e.getErrorId()})"
        if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR:
            errors.append(msg)
        else:
            warnings.append(msg)
    if errors:
        raise ModelError("SBML is not valid: " + "; ".join(errors[:20]))
    return warnings


def export_sbml(name: str, path: str | os.PathLike | None = None) -> str:
    """Export model ``name`` as SBML (Level 3 Version 1/2 as produced by libAntimony).

    Units are documented per parameter in the model's :class:`ModelSpec` (molecules/cell or
    uM, seconds or hours) rather than as SBML unit definitions, so the libSBML unit-consistency
    category is skipped; every other consistency category must pass.

    Parameters
    ----------
    name : str
        Registered model name (``glue``, ``bcl2``, ``trail``).
    path : path-like, optional
        File to write (atomically). Parent directory must exist.

    Returns
    -------
    str
        The SBML text.
    """
    from refractor.models._registry import get_model

    sbml = get_model(name).sbml()
    validate_sbml(sbml)
    if path is not None:
        target = Path(path)
        if not target.parent.is_dir():
            from refractor.errors import InputError

            raise InputError("output directory does not exist", path=str(target.parent))
        from refractor.io import atomic_write

        with atomic_write(target) as fh:
            fh.write(sbml)
    return sbml


__all__ = ["export_sbml", "validate_sbml"]
