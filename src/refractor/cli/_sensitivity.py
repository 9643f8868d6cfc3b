"""``refractor sensitivity``: which calls change when the curator's numbers move (thin shell)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from refractor.errors import InputError


def sensitivity(
    samplesheet: Path = typer.Argument(..., help="Samplesheet CSV (as for `refractor profile`)."),
    outdir: Optional[Path] = typer.Option(None, "-o", "--outdir", help="Write perturbations.tsv and calls.tsv (with the `fragile` flag) here."),
    weight_step: float = typer.Option(10.0, "--weight-step", help="Score points each scoring weight moves up and down."),
    threshold_fraction: float = typer.Option(0.25, "--threshold-fraction", help="Relative move of each threshold (0.25 = +/-25 %)."),
    thresholds: str = typer.Option("assumed", "--thresholds", help="Thresholds to move: assumed (marked so in the KB), all, none."),
    build: Optional[str] = typer.Option(None, "--build", help="Genome build of coordinate files (GRCh38 or GRCh37)."),
    kb_path: Optional[Path] = typer.Option(None, "--kb", help="Knowledge-base data directory (default: packaged)."),
    top: int = typer.Option(15, "--top", help="Perturbations to list (most changed calls first)."),
    rule: Optional[list[str]] = typer.Option(None, "--rule", help="Only the weights of this scoring rule id (repeatable; default all)."),
) -> None:
    """Move each scoring weight by +/-10 and each assumed threshold by +/-25 %, one at a time,
    re-interpret the cohort and count the calls that change; a call any single move changes
    is `fragile`."""
    from rich.console import Console

    from refractor._atomic import atomic_write
    from refractor.cli._profile import _kb_genes
    from refractor.interpret.sensitivity import sensitivity as run
    from refractor.io import GENE_TABLES, read_samplesheet
    from refractor.kb import KnowledgeBase

    if not samplesheet.is_file():
        raise InputError("samplesheet not found", path=samplesheet)
    if outdir is not None and outdir.exists() and not outdir.is_dir():
        raise InputError("output path exists and is not a directory", path=outdir)
    kb = KnowledgeBase.load(kb_path)
    cohort = read_samplesheet(samplesheet, build=build, genes=_kb_genes(kb), restrict=GENE_TABLES)
    res = run(cohort, kb, weight_step=weight_step, threshold_fraction=threshold_fraction,
              thresholds=thresholds, rules=rule or None)
    out = Console(highlight=False, soft_wrap=True, markup=False)
    p = res.perturbations
    n_w = int((p["kind"] == "weight").sum())
    n_t = int((p["kind"] == "threshold").sum())
    n_s = int((p["kind"] == "scoring").sum())
    frag = res.fragile
    out.print(f"{len(cohort)} samples x {res.calls['agent'].nunique()} agents = {res.n_calls} calls; "
              f"{n_w} weight moves (+/-{weight_step:g}), {n_s} global scoring-number moves, {n_t} threshold moves "
              f"(x{1 + threshold_fraction:g} / x{1 - threshold_fraction:g}, {thresholds})")
    out.print(f"perturbations that change at least one call: {int((p['changed'] > 0).sum())} of {len(p)}; "
              f"fragile calls: {len(frag)} of {res.n_calls}")
    shown = p[p["changed"] > 0].sort_values(["changed", "kind"], ascending=[False, True]).head(top)
    for r in shown.itertuples():
        out.print(f"  {r.changed:4d} calls  {r.kind:<9s} {r.direction:>6s}  {r.target} [{r.detail}] "
                  f"{r.old:g} -> {r.new:g} (+{r.more_resistant} more / -{r.less_resistant} less resistant)")
    if outdir is not None:
        outdir.mkdir(parents=True, exist_ok=True)
        with atomic_write(outdir / "perturbations.tsv") as fh:
            p.to_csv(fh, sep="\t", index=False)
        with atomic_write(outdir / "calls.tsv") as fh:
            res.calls.to_csv(fh, sep="\t", index=False)
        out.print(f"written: {outdir / 'perturbations.tsv'}, {outdir / 'calls.tsv'}")


def register(app: typer.Typer) -> None:
    """Add ``sensitivity`` to the root command."""
    app.command("sensitivity")(sensitivity)


__all__ = ["register"]
