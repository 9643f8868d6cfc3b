"""Global engine parameters (``data/parameters.yaml``) and the calibrated values that override them."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

#: agent class -> parameter holding its base kill rate (1/month)
CLASS_KILL = {
    "proteasome_inhibitor": "kill_proteasome_inhibitor",
    "imid": "kill_crbn_binder",
    "celmod": "kill_crbn_binder",
    "corticosteroid": "kill_corticosteroid",
    "anti_cd38": "kill_anti_cd38",
    "bh3_mimetic": "kill_bh3_mimetic",
    "hypomethylating": "kill_hypomethylating",
    "anti_cd20": "kill_anti_cd20",
}


@lru_cache(maxsize=1)
def parameter_table() -> dict[str, dict[str, Any]]:
    """``parameters.yaml``: name -> {value, unit, source, fit}."""
    text = resources.files("refractor.cohort").joinpath("data", "parameters.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class Params:
    """Values of every global parameter (see ``parameters.yaml`` for units and sources)."""

    values: dict[str, float] = field(default_factory=dict)
    calibration: dict[str, Any] | None = None  # the calibration record applied, if any

    def __getattr__(self, name: str) -> float:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def with_values(self, **vals: float) -> "Params":
        return replace(self, values={**self.values, **{k: float(v) for k, v in vals.items()}})

    def to_dict(self) -> dict[str, Any]:
        return {"values": dict(self.values), "calibration": self.calibration}


def fitted_names() -> list[str]:
    return [k for k, v in parameter_table().items() if v.get("fit")]


def calibration_record() -> dict[str, Any] | None:
    """The packaged calibration result (``data/calibration.json``), or None."""
    f = resources.files("refractor.cohort").joinpath("data", "calibration.json")
    if not f.is_file():
        return None
    return json.loads(f.read_text("utf-8"))


def _user_calibration(kb: Any) -> dict[str, Any] | None:
    """A calibration written by ``refractor cohort calibrate`` for this KB, if any."""
    if kb is None:
        return None
    from refractor.cohort._calibrate import calibration_path

    path = calibration_path(kb)
    try:
        rec = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) and isinstance(rec.get("parameters"), dict) else None


def default_params(kb: Any = None, *, calibrated: bool = True) -> Params:
    """Starting values, overridden by the packaged calibration when it was fitted on this KB
    (same content hash); otherwise the starting values are used and the summary says so."""
    vals = {k: float(v["value"]) for k, v in parameter_table().items()}
    rec = None
    if calibrated:
        user = _user_calibration(kb)
        rec = user or calibration_record()
    if rec and kb is not None and rec.get("kb_hash") == getattr(kb, "content_hash", None):
        vals.update({k: float(v) for k, v in rec["parameters"].items()})
        return Params(vals, {"version": rec.get("version"), "kb_hash": rec["kb_hash"], "applied": True})
    info = {"applied": False, "reason": "no calibration for this KB content hash"} if rec else None
    return Params(vals, info)


__all__ = ["Params", "default_params", "parameter_table", "fitted_names", "CLASS_KILL", "calibration_record"]
