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
    typer.echo(f"readout: {spec.readout} ({spec.readout_kind}); t_end {spec.t_end:g} "
               f"{spec.time_unit}; file antimony/{spec.antimony_file}")
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


class Cell(str, Enum):
    reference = "reference"
    defaults = "defaults"


def _fmt(value: float, unit: str = "") -> str:
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "not reached"
    return f"{value:.3g} {unit}".rstrip()


def _text_dose_response(model: str, agent: str, dr: Any, m: Any, cell_label: str,
                        assumptions: list[str], t_end_value: float | None = None) -> str:
    t_end = f"{t_end_value or m.spec.t_end:g} {m.spec.time_unit}"
    what = "DC50" if dr.kind == "degradation" else "IC50"
    lines = [
        f"{model}: {agent} dose-response, readout {dr.readout} ({dr.kind or 'other'}) "
        f"at {t_end}",
        f"cell: {cell_label}",
        f"{what}: {_fmt(dr.ic50, dr.unit)}   Emax: {dr.emax:.3f}   Hill: "
        f"{'n/a' if not math.isfinite(dr.hill) else format(dr.hill, '.2f')}   "
        f"flags: {', '.join(dr.flags) or '-'}",
        "",
        f"{'dose (' + dr.unit + ')':>14}  {dr.readout:>12}  {'effect':>8}",
    ]
    for _, r in dr.frame.iterrows():
        lines.append(f"{r['dose']:>14.4g}  {r['response']:>12.4g}  {r['effect']:>8.3f}")
    lines += ["", "assumptions:"] + [f"  - {a}" for a in assumptions or ["none"]]
    return "\n".join(lines) + "\n"


def _text_sample(df: Any, model: str) -> str:
    sample = df["sample"].iloc[0] if len(df) else "?"
    lines = [f"sample {sample}: predictions of model {model} against its reference cell"]
    refs = [r for r in df["reference"].dropna().unique()]
    lines += [f"reference: {r}" for r in refs]
    assumptions: list[str] = []
    for _, r in df.iterrows():
        if r["status"] == "predicted":
            u = r["unit"]
            curve = df.attrs.get("curves", {}).get(f"{r['model']}/{r['agent']}", {})
            top = max(curve.get("dose") or [math.nan])
            fold = r["ic50_fold"]

            def ic50(v: Any) -> str:
                ok = isinstance(v, float) and math.isfinite(v)
                return _fmt(v, u) if ok else f"> {top:.3g} {u} (not reached)"

            if isinstance(fold, float) and math.isfinite(fold):
                fold_s = f"x{fold:.3g}"
            elif math.isfinite(r["ic50_ref"] or math.nan) and math.isfinite(top):
                fold_s = f"> x{top / r['ic50_ref']:.3g}"
            else:
                fold_s = "fold n/a"
            lines.append(
                f"  {r['agent']:<22} IC50 {ic50(r['ic50_ref'])} -> {ic50(r['ic50'])} "
                f"({fold_s}); Emax {r['emax_ref']:.2f} -> {r['emax']:.2f}")
            lines.append(f"  {'':<22} perturbations: {r['perturbations'] or 'none'}; "
                         f"mechanisms: {r['mechanisms'] or 'none'}")
        elif r["status"] == "not_modelled":
            lines.append(f"  not modelled: {r['mechanisms']}")
        else:
            lines.append(f"  {r['status']}: {r['perturbations'] or ''} ({r['assumptions']})")
        for a in str(r["assumptions"] or "").split(" | "):
            if a and a not in assumptions and r["status"] == "predicted":
                assumptions.append(a)
    lines += ["", "assumptions:"] + [f"  - {a}" for a in assumptions or ["none"]]
    return "\n".join(lines) + "\n"


def _text_time_course(model: str, agent: str | None, dose: float, res: Any, m: Any,
                      cell_label: str, cell_notes: list[str]) -> str:
    unit = m.spec.agent(agent).dose_unit if agent else ""
    f = res.frame
    step = max(1, (len(f) - 1) // 10)
    rows = f.iloc[list(range(0, len(f), step)) + ([len(f) - 1] if (len(f) - 1) % step else [])]
    cols = [c for c in f.columns if c != "time"][:8]
    lines = [f"{model}: time course, {agent or 'untreated'} {dose:g} {unit}".rstrip(),
             f"cell: {cell_label}",
             "settings: " + (", ".join(f"{k}={v:g}" for k, v in res.settings.items()) or "-"),
             ""]
    tbl = rows[["time"] + cols].to_string(index=False, float_format=lambda x: f"{x:.4g}")
    lines.append(tbl.replace("time", f"time ({m.spec.time_unit})", 1))
    if len(f.columns) - 1 > len(cols):
        lines.append(f"({len(f.columns) - 1 - len(cols)} more columns: use --select or "
                     "--format tsv/json)")
    assumptions = cell_notes + res.assumptions
    lines += ["", "assumptions:"] + [f"  - {a}" for a in assumptions or ["none"]]
    return "\n".join(lines) + "\n"


def _plot_sample(df: Any, out: Optional[Path]) -> None:
    curves = df.attrs.get("curves", {})
    if not curves:
        raise InputError("nothing to plot: no predicted agent for this sample", column="--sample")
    items = list(curves.values())[:8]

    def plot(ax):
        for i, c in enumerate(items):
            color = f"C{i}"
            d = [x for x in c["dose"] if x > 0]
            k = len(c["dose"]) - len(d)
            ax.semilogx(d, c["reference"][k:], "--", color=color,
                        label=f"{c['agent']} reference (IC50 {_fmt(c['ic50_ref'], c['unit'])})")
            ax.semilogx(d, c["sample"][k:], "o-", color=color, ms=3,
                        label=f"{c['agent']} sample (IC50 {_fmt(c['ic50'], c['unit'])})")
        units = sorted({c["unit"] for c in items})
        ax.set_xlabel(f"dose ({', '.join(units)})")
        ax.set_ylabel(items[0]["readout"])
        ax.set_title(f"{df['sample'].iloc[0]}: sample vs reference "
                     f"({items[0]['reference_label']})", fontsize=8)
        ax.legend(fontsize=6)
    _png(out, plot)


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
    cell: Cell = typer.Option(
        Cell.reference, "--cell",
        help="reference: the model's stated reference cell (bcl2: CLL-like BCL2-dependent); "
        "defaults: the raw model defaults. --set values are applied on top."),
    fmt: Format = typer.Option(Format.text, "--format", help="text, json, tsv or png."),
    out: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (default stdout)."),
    kb: Optional[Path] = typer.Option(None, "--kb", help=KB_HELP + " Used with --sample.", readable=False),
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
        doses = {agent: _parse_range(dose_range)} if (agent and dose_range) else None
        df = predict_from_sample(sample, models=[model], reference_levels=reference,
                                 agents=[agent] if agent else None, doses=doses, settings=kb_settings(kb))
        if fmt is Format.png:
            _plot_sample(df, out)
            return
        if fmt is Format.text:
            _write_text(_text_sample(df, model), out)
            return
        text = (df.to_csv(sep="\t", index=False) if fmt is Format.tsv
                else _json(df.astype(object).where(df.notna(), None).to_dict("records")))
        _write_text(text, out)
        return
    sets, cell_label, cell_notes = m.spec.cell_settings(sets, reference=cell is Cell.reference)
    ref_cell = m.spec.reference_sample
    cell_name = ref_cell.name if (cell is Cell.reference and ref_cell) else "model defaults"
    if dose_range is not None:
        if agent is None:
            raise InputError("--dose-range needs --agent", column="--agent")
        dr = m.dose_response(agent=agent, doses=_parse_range(dose_range), set=sets,
                             perturbations=perts_arg or None, t_end=t_end)
        assumptions = cell_notes + m.assumptions([agent], sets)
        what = "DC50" if dr.kind == "degradation" else "IC50"
        if fmt is Format.png:
            def plot(ax):
                f = dr.frame[dr.frame["dose"] > 0]
                ax.semilogx(f["dose"], f["response"], "o-")
                if math.isfinite(dr.ic50):
                    ax.axvline(dr.ic50, ls=":", color="grey")
                ax.set_xlabel(f"{agent} dose ({dr.unit})")
                ax.set_ylabel(f"{dr.readout} at {t_end or m.spec.t_end:g} {m.spec.time_unit}")
                ax.set_title(f"{model}: {agent} {what} {_fmt(dr.ic50, dr.unit)}, Emax "
                             f"{dr.emax:.2f}\ncell: {cell_name}", fontsize=9)
            _png(out, plot)
        elif fmt is Format.tsv:
            _write_text(dr.frame.to_csv(sep="\t", index=False), out)
        elif fmt is Format.text:
            _write_text(_text_dose_response(model, agent, dr, m, cell_label, assumptions, t_end), out)
        else:
            _write_text(_json({"model": model, "agent": agent, "readout": dr.readout,
                               "unit": dr.unit, "ic50": dr.ic50, "emax": dr.emax,
                               "hill": dr.hill, "flags": list(getattr(dr, "flags", ())),
                               "cell": cell_label, "assumptions": assumptions,
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
            unit = m.spec.agent(agent).dose_unit if agent else ""
            ax.set_title(f"{model} {agent or 'untreated'} {dose:g} {unit}\ncell: "
                         f"{cell_name}", fontsize=9)
        _png(out, plot)
    elif fmt is Format.tsv:
        _write_text(res.frame.to_csv(sep="\t", index=False), out)
    elif fmt is Format.text:
        _write_text(_text_time_course(model, agent, dose, res, m, cell_label, cell_notes), out)
    else:
        _write_text(_json({"model": model, "agent": agent, "dose": dose,
                           "time_unit": m.spec.time_unit, "cell": cell_label,
                           "settings": res.settings, "assumptions": res.assumptions,
                           "data": res.frame.to_dict("list")}), out)


def register(app: typer.Typer) -> None:
    """Add ``models`` and ``simulate`` to the root ``refractor`` app."""
    app.add_typer(models_app, name="models")
    app.command("simulate")(simulate_cmd)
