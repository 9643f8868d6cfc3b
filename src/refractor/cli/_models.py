"""``refractor models list|show|export-sbml`` and ``refractor simulate``: thin shells.

Each command parses options, calls one :mod:`refractor.models` function and renders its result
as JSON, TSV or a PNG plot. Errors propagate to :func:`refractor.cli.main` (exit codes there).
"""
from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer

from refractor.errors import InputError

models_app = typer.Typer(help="List, describe and export the mechanistic models.",
                         no_args_is_help=True)


class Format(str, Enum):
    json = "json"
    tsv = "tsv"
    png = "png"


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return _clean(value.item())
        except (ValueError, AttributeError):
            return value
    return value


def _write_text(text: str, out: Optional[Path]) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    if not out.parent.is_dir():
        raise InputError("output directory does not exist", path=str(out.parent))
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json(value: Any) -> str:
    return json.dumps(_clean(value), indent=1, allow_nan=False) + "\n"


@models_app.command("list")
def list_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the registered models."""
    from refractor.models import get_spec, list_models

    rows = []
    for name in list_models():
        try:
            spec = get_spec(name)
        except ModuleNotFoundError:
            rows.append({"name": name, "title": "(not installed)", "agents": [],
                         "perturbations": []})
            continue
        rows.append({"name": name, "title": spec.title,
                     "agents": [a.agent for a in spec.agents],
                     "perturbations": [p.name for p in spec.perturbations]})
    if as_json:
        _write_text(_json(rows), None)
        return
    for r in rows:
        typer.echo(f"{r['name']:<8} {r['title']}")
        typer.echo(f"         agents: {', '.join(r['agents']) or '-'}")
        typer.echo(f"         perturbations: {', '.join(r['perturbations']) or '-'}")


@models_app.command("show")
def show_cmd(
    name: str = typer.Argument(..., help="Model name (see `refractor models list`)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a model: parameters with units and references, agents, perturbations."""
    from dataclasses import asdict

    from refractor.models import get_spec

    spec = get_spec(name)
    if as_json:
        _write_text(_json(asdict(spec)), None)
        return
    typer.echo(f"{spec.name}: {spec.title}\n{spec.description}\n")
    typer.echo(f"readout: {spec.readout} ({spec.readout_kind}); t_end {spec.t_end:g} "
               f"{spec.time_unit}; file antimony/{spec.antimony_file}")
    typer.echo("references: " + "; ".join(spec.references))
    typer.echo("\nagents:")
    for a in spec.agents:
        typer.echo(f"  {a.agent:<22} dose -> {a.dose_species} [{a.dose_unit}]  {a.reference}")
    typer.echo("\nperturbations:")
    for p in spec.perturbations:
        typer.echo(f"  {p.name:<22} {p.mode} {p.parameter} {p.value:g}  "
                   f"mechanisms: {', '.join(p.mechanisms) or '-'}")
        typer.echo(f"  {'':<22} {p.description}  [{p.reference}]")
    typer.echo("\nparameters:")
    for p in spec.parameters:
        flag = " (assumed)" if p.assumed else ""
        typer.echo(f"  {p.name:<45} {p.value:<12.6g} {p.unit:<26} {p.reference}{flag}")


@models_app.command("export-sbml")
def export_cmd(
    name: str = typer.Argument(..., help="Model name."),
    out: Path = typer.Option(..., "-o", "--output", help="SBML file to write."),
) -> None:
    """Export a model as validated SBML (libSBML consistency check)."""
    from refractor.models import export_sbml

    export_sbml(name, out)
    typer.echo(f"wrote {out}", err=True)


def _parse_set(items: list[str] | None, option: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items or []:
        key, sep, val = item.partition("=")
        if not sep or not key:
            raise InputError(f"{option} expects NAME=VALUE, got {item!r}", column=option)
        try:
            out[key.strip()] = float(val)
        except ValueError:
            raise InputError(f"{option} {key}: {val!r} is not a number", column=option) from None
    return out


def _parse_perturb(items: list[str] | None) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for item in items or []:
        key, sep, val = item.partition("=")
        if sep:
            out.update(_parse_set([item], "--perturb"))
        else:
            out[key] = None
    return out


def _parse_range(text: str) -> list[float]:
    import numpy as np

    parts = text.split(":")
    try:
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        raise InputError(f"--dose-range expects LO:HI:N (e.g. 0.001:10:12), got {text!r}",
                         column="--dose-range") from None
    if len(parts) != 3 or not (0 < lo < hi) or n < 2:
        raise InputError("--dose-range needs 0 < LO < HI and N >= 2", column="--dose-range")
    return list(np.logspace(math.log10(lo), math.log10(hi), n))


def _png(out: Optional[Path], plot) -> None:
    if out is None:
        raise InputError("--format png needs -o FILE", column="--format")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    try:
        plot(ax)
        fig.tight_layout()
        fig.savefig(out, dpi=120)
    finally:
        plt.close(fig)


def simulate_cmd(
    model: str = typer.Argument(..., help="Model name (glue, bcl2, trail)."),
    agent: Optional[str] = typer.Option(None, "--agent", help="Agent slug."),
    dose: float = typer.Option(0.0, "--dose", help="Dose in the agent's dose unit."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="PARAM=VALUE (repeatable)."),
    perturb: Optional[list[str]] = typer.Option(
        None, "--perturb", help="Perturbation NAME or NAME=VALUE (repeatable)."),
    t_end: Optional[float] = typer.Option(None, "--t-end", help="End time (model time unit)."),
    points: int = typer.Option(201, "--points", help="Output time points."),
    select: Optional[list[str]] = typer.Option(None, "--select", help="Ids to record."),
    dose_range: Optional[str] = typer.Option(
        None, "--dose-range", help="LO:HI:N log-spaced doses -> dose-response with IC50/Emax."),
    sample: Optional[Path] = typer.Option(
        None, "--sample", help="Interpreter per-sample JSON -> predicted IC50/Emax shifts."),
    reference: Optional[Path] = typer.Option(
        None, "--reference-expression",
        help="Gene x sample TPM table; its per-gene median is the reference for --sample."),
    fmt: Format = typer.Option(Format.json, "--format", help="json, tsv or png."),
    out: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (default stdout)."),
) -> None:
    """Simulate MODEL: a time course, a dose-response (--dose-range) or a sample (--sample)."""
    from refractor.models import get_model, predict_from_sample

    m = get_model(model)
    sets = _parse_set(set_, "--set")
    perts = _parse_perturb(perturb)
    if perts and all(v is None for v in perts.values()):
        perts_arg: Any = list(perts)
    else:
        spec_default = {p.name: p.value for p in m.spec.perturbations}
        perts_arg = {k: (spec_default.get(k, math.nan) if v is None else v)
                     for k, v in perts.items()}
    if sample is not None:
        df = predict_from_sample(sample, models=[model], reference_levels=reference)
        if fmt is Format.png:
            raise InputError("--sample supports --format json or tsv", column="--format")
        text = (df.to_csv(sep="\t", index=False) if fmt is Format.tsv
                else _json(df.astype(object).where(df.notna(), None).to_dict("records")))
        _write_text(text, out)
        return
    if dose_range is not None:
        if agent is None:
            raise InputError("--dose-range needs --agent", column="--agent")
        dr = m.dose_response(agent=agent, doses=_parse_range(dose_range), set=sets,
                             perturbations=perts_arg or None, t_end=t_end)
        if fmt is Format.png:
            def plot(ax):
                f = dr.frame[dr.frame["dose"] > 0]
                ax.semilogx(f["dose"], f["response"], "o-")
                ax.set_xlabel(f"{agent} dose ({dr.unit})")
                ax.set_ylabel(dr.readout)
                ax.set_title(f"{model}: IC50 {dr.ic50:.3g} {dr.unit}, Emax {dr.emax:.2f}")
            _png(out, plot)
        elif fmt is Format.tsv:
            _write_text(dr.frame.to_csv(sep="\t", index=False), out)
        else:
            _write_text(_json({"model": model, "agent": agent, "readout": dr.readout,
                               "unit": dr.unit, "ic50": dr.ic50, "emax": dr.emax,
                               "hill": dr.hill, "flags": list(getattr(dr, "flags", ())),
                               "data": dr.frame.to_dict("records")}), out)
        return
    res = m.simulate(agent=agent, dose=dose, set=sets, perturbations=perts_arg or None,
                     t_end=t_end, points=points, selections=select or None)
    if fmt is Format.png:
        def plot(ax):
            cols = [c for c in res.frame.columns if c != "time"][:8]
            for c in cols:
                ax.plot(res.frame["time"], res.frame[c], label=c)
            ax.set_xlabel(f"time ({m.spec.time_unit})")
            ax.legend(fontsize=7)
            ax.set_title(f"{model} {agent or ''} {dose:g}")
        _png(out, plot)
    elif fmt is Format.tsv:
        _write_text(res.frame.to_csv(sep="\t", index=False), out)
    else:
        _write_text(_json({"model": model, "agent": agent, "dose": dose,
                           "time_unit": m.spec.time_unit, "settings": res.settings,
                           "assumptions": res.assumptions,
                           "data": res.frame.to_dict("list")}), out)


def register(app: typer.Typer) -> None:
    """Add ``models`` and ``simulate`` to the root ``refractor`` app."""
    app.add_typer(models_app, name="models")
    app.command("simulate")(simulate_cmd)
