"""``refractor models list|show|export-sbml`` and ``refractor simulate``: thin shells.

Each command parses options, calls one :mod:`refractor.models` function and renders its result
as JSON, TSV or a PNG plot. Errors propagate to :func:`refractor.cli.main` (exit codes there).
"""
from __future__ import annotations

import json
import math
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer

from refractor._jsonsafe import json_safe
from refractor.cli._models_render import (
    fmt_value,
    plot_sample,
    save_png,
    shown_columns,
    text_dose_response,
    text_sample,
    text_time_course,
)
from refractor.cli._settings import KB_HELP, kb_settings
from refractor.errors import InputError

models_app = typer.Typer(help="List, describe and export the mechanistic models.",
                         no_args_is_help=True)


class Format(str, Enum):
    text = "text"
    json = "json"
    tsv = "tsv"
    png = "png"


def _write_text(text: str, out: Optional[Path]) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    if not out.parent.is_dir():
        raise InputError("output directory does not exist", path=str(out.parent))
    from refractor.io import atomic_write

    with atomic_write(out) as fh:
        fh.write(text)


def _json(value: Any) -> str:
    return json.dumps(json_safe(value), indent=1, allow_nan=False) + "\n"


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
    typer.echo(f"readout: {spec.readout} ({spec.readout_kind}: {spec.readout_label}); t_end "
               f"{spec.t_end:g} {spec.time_unit}; concentrations in {spec.concentration_unit}; "
               f"file antimony/{spec.antimony_file}")
    typer.echo("references: " + "; ".join(spec.references))
    if spec.reference_sample is not None:
        typer.echo(f"reference cell (sample predictions, default of `simulate`): "
                   f"{spec.reference_sample.label()}")
    typer.echo("\nagents:")
    for a in spec.agents:
        typer.echo(f"  {a.agent:<22} dose -> {a.dose_species} [{a.dose_unit}]  {a.reference}")
    typer.echo("\nperturbations:")
    for p in spec.perturbations:
        typer.echo(f"  {p.name:<22} {p.mode} {p.parameter} {p.value:g}  "
                   f"mechanisms: {', '.join(p.mechanisms) or '-'}; "
                   f"genes: {', '.join(p.genes) or '-'}")
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
    """NAME=VALUE pairs (the library checks names and values)."""
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
    """NAME (documented default, None) or NAME=VALUE."""
    out: dict[str, float | None] = {}
    for item in items or []:
        key, sep, _ = item.partition("=")
        if sep:
            out.update(_parse_set([item], "--perturb"))
        else:
            out[key] = None
    return out


def _parse_range(text: str) -> tuple[float, float, float]:
    """LO:HI:N as three numbers (the library checks order, sign and size)."""
    parts = text.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        lo, hi, n = (float(x) for x in parts)
    except ValueError:
        raise InputError(f"--dose-range expects LO:HI:N (e.g. 0.001:10:12), got {text!r}",
                         column="--dose-range") from None
    return lo, hi, n


class Cell(str, Enum):
    reference = "reference"
    defaults = "defaults"


def simulate_cmd(
    model: str = typer.Argument(..., help="Model name (glue, bcl2, trail)."),
    agent: Optional[str] = typer.Option(None, "--agent", help="Agent slug."),
    dose: Optional[float] = typer.Option(
        None, "--dose", help="Dose in the agent's dose unit (required with --agent for a time "
        "course)."),
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
    cell: Cell = typer.Option(
        Cell.reference, "--cell",
        help="reference: the model's stated reference cell (bcl2: CLL-like BCL2-dependent); "
        "defaults: the raw model defaults. --set values are applied on top."),
    fmt: Format = typer.Option(Format.text, "--format", help="text, json, tsv or png."),
    kb_path: Optional[Path] = typer.Option(
        None, "--kb", help=KB_HELP + " Used to resolve agent names (brand names, codes).",
        readable=False),
    out: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (default stdout)."),
) -> None:
    """Simulate MODEL: a time course, a dose-response (--dose-range) or a sample (--sample)."""
    from refractor.models import dose_response_run, get_model, predict_from_sample, simulation_run

    sets = _parse_set(set_, "--set")
    perts = _parse_perturb(perturb)
    if fmt is Format.png and out is None:
        raise InputError("--format png needs -o FILE", column="--format")
    if sample is not None:
        get_model(model)  # unknown model: NotFoundError before reading the sample
        doses = None
        if agent and dose_range:
            from refractor.models import dose_grid

            doses = {agent: dose_grid(*_parse_range(dose_range), column="--dose-range")}
        df = predict_from_sample(sample, models=[model], reference_levels=reference,
                                 agents=[agent] if agent else None, doses=doses)
        if fmt is Format.png:
            plot_sample(df, out)
            return
        if fmt is Format.text:
            _write_text(text_sample(df, model), out)
            return
        text = (df.to_csv(sep="\t", index=False) if fmt is Format.tsv
                else _json(df.astype(object).where(df.notna(), None).to_dict("records")))
        _write_text(text, out)
        return
    if dose_range is not None:
        if agent is None:
            raise InputError("--dose-range needs --agent", column="--agent")
        run = dose_response_run(model, agent=agent, range=_parse_range(dose_range), set=sets,
                                perturbations=perts, t_end=t_end, cell=cell.value,
                                settings=kb_settings(kb_path))
        dr = run.response
        if fmt is Format.png:
            what = "DC50" if dr.kind == "degradation" else "IC50"

            def plot(ax):
                f = dr.frame[dr.frame["dose"] > 0]
                ax.semilogx(f["dose"], f["response"], "o-")
                if math.isfinite(dr.ic50):
                    ax.axvline(dr.ic50, ls=":", color="grey")
                ax.set_xlabel(f"{agent} dose ({dr.unit})")
                ax.set_ylabel(f"{run.readout_label or dr.readout} at {run.t_end:g} "
                              f"{run.time_unit}")
                ax.set_title(f"{run.model}: {agent} {what} {fmt_value(dr.ic50, dr.unit)}, Emax "
                             f"{dr.emax:.2f}\ncell: {run.cell_name}", fontsize=9)
            save_png(out, plot)
        elif fmt is Format.tsv:
            _write_text(dr.frame.to_csv(sep="\t", index=False), out)
        elif fmt is Format.text:
            _write_text(text_dose_response(run), out)
        else:
            _write_text(_json(run.to_dict()), out)
        return
    run = simulation_run(model, agent=agent, dose=dose, set=sets, perturbations=perts,
                         t_end=t_end, points=points, selections=select or None,
                         cell=cell.value, settings=kb_settings(kb_path))
    res = run.result
    if fmt is Format.png:
        cols = shown_columns(run)

        def plot(ax):
            for c in cols:
                ax.plot(res.frame["time"], res.frame[c], label=c)
            ax.set_xlabel(f"time ({res.time_unit})")
            if cols == [run.readout]:
                ax.set_ylabel(run.readout_label or run.readout)
            else:
                unit = get_model(model).spec.concentration_unit
                ax.set_ylabel(f"value ({unit} for species; readouts as labelled)" if unit
                              else "value")
                ax.legend(fontsize=7)
            dose_s = f"{run.dose:g} {run.dose_unit}" if run.agent else ""
            ax.set_title(f"{run.model} {run.agent or 'untreated'} {dose_s}\ncell: "
                         f"{run.cell_name}", fontsize=9)
        save_png(out, plot)
    elif fmt is Format.tsv:
        _write_text(res.frame.to_csv(sep="\t", index=False), out)
    elif fmt is Format.text:
        _write_text(text_time_course(run), out)
    else:
        _write_text(_json(run.to_dict()), out)


def register(app: typer.Typer) -> None:
    """Add ``models`` and ``simulate`` to the root ``refractor`` app."""
    app.add_typer(models_app, name="models")
    app.command("simulate")(simulate_cmd)
