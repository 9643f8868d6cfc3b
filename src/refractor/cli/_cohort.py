"""``refractor cohort list|show|validate|run|calibrate`` and ``refractor forecast``: thin shells
over :mod:`refractor.cohort` (parse options, call one function, render the result)."""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any, Iterator, Optional

import typer

from refractor.cli._settings import KB_HELP, kb_settings

app = typer.Typer(help="Virtual cohorts: simulate lines of therapy on virtual patients "
                  "(research use only).", no_args_is_help=True)

_EXECUTOR_HELP = "local (process pool, default), dask (a local Dask cluster) or a Dask scheduler address tcp://host:port."


def _kb(kb: Optional[Path]) -> Any:
    from refractor.kb import KnowledgeBase

    return KnowledgeBase.load(settings=kb_settings(kb))


def _dump(value: Any) -> None:
    from refractor._jsonsafe import json_safe

    sys.stdout.write(json.dumps(json_safe(value), indent=1, allow_nan=False) + "\n")


@contextlib.contextmanager
def _bar(label: str, quiet: bool) -> Iterator[Any]:
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON."),
             kb: Optional[Path] = typer.Option(None, "--kb", help=KB_HELP)) -> None:
    """List the bundled scenarios with their published targets."""
    from refractor.cohort import bundled_scenario, bundled_scenarios

    k = _kb(kb)
    rows = []
    for name in bundled_scenarios():
        sc = bundled_scenario(name, k)
        rows.append({"name": name, "title": sc.title, "arms": [a.name for a in sc.arms],
                     "targets": [{"id": t.id, "measure": t.measure, "value": t.value, "source": t.source,
                                  "use": t.use} for t in sc.targets]})
    if as_json:
        _dump(rows)
        return
    for r in rows:
        typer.echo(f"{r['name']:<28} {r['title']}")
        for t in r["targets"]:
            typer.echo(f"{'':<30}{t['id']}: {t['measure']} = {t['value']} ({t['source']}, {t['use']})")


@app.command("show")
def show_cmd(name: str = typer.Argument(..., help="Bundled scenario name (see `refractor cohort list`)."),
             kb: Optional[Path] = typer.Option(None, "--kb", help=KB_HELP)) -> None:
    """Print a bundled scenario's YAML (copy it to write your own)."""
    from refractor.cohort import bundled_text

    sys.stdout.write(bundled_text(name))


@app.command("validate")
def validate_cmd(scenario: str = typer.Argument(..., help="Scenario YAML file or bundled scenario name."),
                 kb: Optional[Path] = typer.Option(None, "--kb", help=KB_HELP)) -> None:
    """Check a scenario against the schema and the KB (exit 2 with file:line on a problem)."""
    from refractor.cohort import load_scenario

    sc = load_scenario(scenario, _kb(kb))
    typer.echo(f"ok: {sc.name} - {len(sc.arms)} arm(s), {sc.n_per_arm} patients per arm, "
               f"{sc.follow_up_months:g} months, seed {sc.seed}")


@app.command("run")
def run_cmd(
    scenario: str = typer.Argument(..., help="Scenario YAML file or bundled scenario name."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (events/trajectories Parquet, summary.json, report.html)."),
    n: Optional[int] = typer.Option(None, "--n", min=1, max=10_000_000, help="Patients per arm (overrides the scenario)."),
    executor: str = typer.Option("local", "--executor", help=_EXECUTOR_HELP),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, max=256, help="Local worker processes."),
    no_trajectories: bool = typer.Option(False, "--no-trajectories", help="Do not write per-patient monthly trajectories."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON summary."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    kb: Optional[Path] = typer.Option(None, "--kb", help=KB_HELP),
) -> None:
    """Simulate a scenario and write its outputs."""
    from refractor.cohort import run_scenario

    k = _kb(kb)
    with _bar("simulating blocks", quiet) as progress:
        run = run_scenario(scenario, k, executor, n_per_arm=n, out=out, trajectories=not no_trajectories,
                           progress=progress, workers=workers)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    if as_json:
        _dump(summary)
        return
    for a in summary["arms"]:
        first = a["lines"][0]
        typer.echo(f"{a['name']:<16} median PFS {first['pfs']['median']} months "
                   f"(95% CI {first['pfs']['median_low']}-{first['pfs']['median_high']}), "
                   f"ORR {first['orr']['value']}")
    for t in summary["targets"]:
        typer.echo(f"target {t['id']}: published {t['published']}, simulated {t['simulated']} "
                   f"({'within' if t['within'] else 'OUTSIDE'} {t['low']:.3g}-{t['high']:.3g}; {t['use']})")
    typer.echo(f"wrote {out} ({run.executor['executor']}, {run.executor['workers']} worker(s))")


@app.command("calibrate")
def calibrate_cmd(
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Calibration JSON (default: the cache folder, used by later runs on this KB)."),
    n: int = typer.Option(1000, "--n", min=50, max=100_000, help="Patients per arm per evaluation."),
    max_evals: int = typer.Option(60, "--max-evals", min=1, max=2000, help="Objective evaluations."),
    as_json: bool = typer.Option(False, "--json", help="Print the calibration record."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    kb: Optional[Path] = typer.Option(None, "--kb", help=KB_HELP),
) -> None:
    """Fit the global parameters to the bundled scenarios' fit targets; report held-out targets."""
    from refractor.cohort._calibrate import calibrate, calibration_path, save_calibration

    k = _kb(kb)
    with _bar("calibrating", quiet) as progress:
        rec = calibrate(k, n_per_arm=n, max_evals=max_evals, progress=progress)
    path = save_calibration(rec, out or calibration_path(k))
    if as_json:
        _dump(rec)
        return
    typer.echo(f"objective {rec['objective_start']:.4g} -> {rec['objective_end']:.4g} "
               f"in {rec['evaluations']} evaluations")
    for name, v in rec["parameters"].items():
        typer.echo(f"  {name} = {v:.4g}")
    for r in rec["fit"] + rec["holdout"]:
        typer.echo(f"  [{r['use']}] {r['id']}: published {r['published']}, simulated {r['simulated']}, "
                   f"relative error {r['relative_error']}")
    typer.echo(f"wrote {path}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="cohort")

    @root.command("forecast")
    def forecast_cmd(
        sample: Path = typer.Argument(..., help="Per-sample JSON written by `refractor profile`."),
        regimens: str = typer.Option(..., "--regimens", help="Comma-separated regimens or agents (KB names)."),
        state: Optional[str] = typer.Option(None, "--state", help="Disease state (default: the sample's disease)."),
        refractory: Optional[str] = typer.Option(None, "--refractory", help="Comma-separated refractory agents (default: the JSON's history)."),
        n: int = typer.Option(1000, "--n", min=50, max=1_000_000, help="Virtual twins per regimen."),
        seed: int = typer.Option(0, "--seed", min=0),
        no_counterfactuals: bool = typer.Option(False, "--no-counterfactuals", help="Skip the per-mechanism reruns."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
        kb: Optional[Path] = typer.Option(None, "--kb", help=KB_HELP),
    ) -> None:
        """Forecast response and PFS under each regimen for virtual twins of one sample (JSON)."""
        from refractor.cohort import forecast

        k = _kb(kb)
        refr = [x.strip() for x in refractory.split(",") if x.strip()] if refractory is not None else None
        with _bar("simulating twins (all runs)", quiet) as progress:
            res = forecast(sample, k, [r.strip() for r in regimens.split(",") if r.strip()],
                           state=state, refractory=refr, n_twins=n, seed=seed,
                           counterfactuals=not no_counterfactuals, progress=progress)
        _dump(res)


__all__ = ["app", "register"]
