"""``refractor profile`` and ``refractor demo``: thin shells over io -> interpret -> report."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from refractor.cli._settings import KB_HELP, kb_settings
from refractor.errors import InputError

_FILE_OPTS = ("maf", "vcf", "seg", "expression", "junctions", "psi", "methylation", "clinical")


def _err_console():
    from rich.console import Console

    return Console(stderr=True)


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _kb_genes(kb) -> set[str]:
    from refractor.interpret._prepare import iter_features

    return {getattr(f, "gene", None) for b in kb.biomarkers.values()
            for f in iter_features(b.profile)} - {None}


def run_profile(cohort, kb, outdir: Path, *, title: str | None = None,
                progress: bool = True) -> tuple[object, dict[str, Path]]:
    """Interpret ``cohort`` and write every output as ``outdir`` (all-or-nothing); each MAF the
    cohort was read from gets an annotated copy."""
    from refractor.interpret import interpret
    from refractor.report import write_outputs

    result = interpret(cohort, kb)
    if progress and len(result) > 1:
        from rich.progress import Progress

        with Progress(console=_err_console(), transient=True) as bar:
            task = bar.add_task("explaining samples", total=len(result))
            for i in range(len(result)):
                result[i]
                bar.advance(task)
    paths = write_outputs(result, outdir, {"maf": list(cohort.inputs.get("maf", ()))}, kb=kb, title=title)
    return result, paths


def _summary(result, paths: dict[str, Path], console) -> None:
    from rich.table import Table

    from refractor.interpret import LEVELS

    if len(result) <= 40:
        t = Table(title="resistance calls (research use only, not a treatment recommendation)")
        for col in ("sample", "disease", "mechanisms found", "agents above 'susceptible'",
                    "not assessable"):
            t.add_column(col, overflow="fold")
        for r in result:
            found = [f"{m.mechanism}{'' if m.status == 'detected' else '?'}"
                     for m in r.mechanisms if m.status in ("detected", "possible")]
            calls = sorted((a for a in r.agents if a.is_level and a.level != "susceptible"),
                           key=lambda a: (-LEVELS.index(a.level), -a.score, a.agent))
            shown = ", ".join(f"{a.agent} {a.level}" for a in calls[:6])
            if len(calls) > 6:
                shown += f" (+{len(calls) - 6} more)"
            na = [a.agent for a in r.agents if a.status == "not_assessable"]
            na_text = ", ".join(na[:6]) + (f" (+{len(na) - 6} more)" if len(na) > 6 else "")
            t.add_row(r.sample, r.disease or "", ", ".join(found) or "-", shown or "-",
                      na_text or "-")
        console.print(t)
        console.print("('?' = possible, not detected)")
    else:
        levels = result.call_frame()[result.scored_agents]
        counts = {a: int((~levels[a].isin(["susceptible", "not_assessable"])).sum())
                  for a in levels.columns}
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:8]
        console.print(f"{len(result)} samples; agents with most non-susceptible calls: "
                      + ", ".join(f"{a} ({n})" for a, n in top))
        na = int((levels == "not_assessable").to_numpy().sum())
        if na:
            console.print(f"{na} sample x agent call(s) not assessable (no scored mechanism "
                          "could be assessed with the data given)")
    if result.unscored_agents:
        console.print(f"no resistance knowledge in this KB version for {len(result.unscored_agents)} "
                      "agent(s) it lists (shown as no_knowledge in the outputs): "
                      + ", ".join(result.unscored_agents[:8])
                      + (" ..." if len(result.unscored_agents) > 8 else ""))
    kinds = {}
    for w in result.warnings:
        kinds[w.category] = kinds.get(w.category, 0) + 1
    if kinds:
        console.print("warnings: " + ", ".join(f"{n} {k}" for k, n in kinds.items())
                      + " (details in the report)")
    console.print(f"HTML report: {paths['report']}")
    console.print(f"per-sample JSON: {paths['samples']}/   cohort TSV: {paths['levels']}")


def profile(
    samplesheet: Optional[Path] = typer.Argument(None, help="Samplesheet CSV (sample, disease, one path column per data kind)."),
    outdir: Path = typer.Option(..., "-o", "--outdir", help="Output directory: created, or an earlier run's replaced as a whole (all-or-nothing)."),
    sample: Optional[str] = typer.Option(None, "--sample", help="Single-sample mode: the sample id."),
    disease: Optional[str] = typer.Option(None, "--disease", help="Disease code or name (MM, AML, CLL, PCM ...), resolved by the KB."),
    maf: Optional[Path] = typer.Option(None, "--maf", help="MAF file."),
    vcf: Optional[Path] = typer.Option(None, "--vcf", help="VEP/SnpEff-annotated VCF."),
    seg: Optional[Path] = typer.Option(None, "--seg", help="Segment file (log2 ratio)."),
    expression: Optional[Path] = typer.Option(None, "--expression", help="Expression matrix (TPM; TSV or GCT)."),
    junctions: Optional[Path] = typer.Option(None, "--junctions", help="STAR SJ.out.tab."),
    psi: Optional[Path] = typer.Option(None, "--psi", help="PSI table (sample gene event psi)."),
    methylation: Optional[Path] = typer.Option(None, "--methylation", help="Methylation beta values."),
    clinical: Optional[Path] = typer.Option(None, "--clinical", help="Clinical TSV."),
    refractory: Optional[str] = typer.Option(None, "--refractory", help="Agents the disease is refractory to (comma/semicolon separated ids, names, codes or brand names; resolved by the KB)."),
    prior: Optional[str] = typer.Option(None, "--prior", help="Prior agents (comma/semicolon separated, as --refractory)."),
    subtype: Optional[str] = typer.Option(None, "--subtype", help="Subtype, e.g. FAB M5."),
    line: Optional[int] = typer.Option(None, "--line", help="Line of therapy (0 to 50)."),
    build: Optional[str] = typer.Option(None, "--build", help="Genome build of coordinate files (GRCh38 or GRCh37)."),
    kb_path: Optional[Path] = typer.Option(None, "--kb", help=KB_HELP, readable=False),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary, no progress bar."),
) -> None:
    """Explain drug resistance for a cohort (SAMPLESHEET) or one sample (--sample + files)."""
    from refractor.io import cohort_from_flags, read_samplesheet
    from refractor.kb import KnowledgeBase
    from refractor.report import check_outdir

    files = dict(maf=maf, vcf=vcf, seg=seg, expression=expression, junctions=junctions, psi=psi,
                 methylation=methylation, clinical=clinical)
    given = [k for k, v in files.items() if v is not None]
    if samplesheet is not None and (sample or given):
        raise InputError("give either a SAMPLESHEET or --sample with data files, not both")
    if samplesheet is None and not sample:
        raise InputError("give a SAMPLESHEET or --sample with at least one data file / clinical value")
    check_outdir(outdir)  # before the work: a bad OUTDIR is found in a second, not after the run
    limits = kb_settings(kb_path).limits.io
    kb = KnowledgeBase.load(kb_path)
    genes = _kb_genes(kb)
    if samplesheet is not None:
        cohort = read_samplesheet(samplesheet, build=build, genes=genes, limits=limits)
        title = samplesheet.name.removesuffix(".gz").rsplit(".", 1)[0]
    else:
        if not given and refractory is None and prior is None and not subtype:
            raise InputError(f"sample {sample!r}: no data given (name at least one file or clinical value)")
        cohort = cohort_from_flags(sample=sample, disease=disease, **files,
                                   refractory=refractory, prior=prior,
                                   subtype=subtype, line=line, build=build, genes=genes, limits=limits)
        title = sample
    result, paths = run_profile(cohort, kb, outdir, title=title, progress=not quiet)
    if not quiet:
        _summary(result, paths, _console())


def _examples_dir() -> Path:
    import refractor

    here = Path(refractor.__file__).resolve()
    for cand in (here.parents[2] / "examples" / "demo_cohort", Path.cwd() / "examples" / "demo_cohort"):
        if (cand / "samplesheet.csv").is_file():
            return cand
    raise InputError("bundled demo cohort not found (examples/demo_cohort/samplesheet.csv)")


def demo(
    outdir: Path = typer.Option(Path("refractor-demo"), "-o", "--outdir", help="Output directory."),
) -> None:
    """Build the knowledge base, show a worked query and profile the bundled demo cohort."""
    from refractor.io import read_samplesheet
    from refractor.kb import KnowledgeBase
    from refractor.report import check_outdir

    check_outdir(outdir)
    console = _console()
    kb = KnowledgeBase.load()
    st = kb.stats()
    c = st["counts"]
    console.print(
        f"knowledge base {st['version']} (hash {st['content_hash']}): {c['mechanisms']} mechanisms, "
        f"{c['biomarkers']} biomarker rules, {c['strategies']} strategies, {c['evidence']} evidence "
        f"items, {c['agents']} agents, {st['scoring_rules']} scoring rules")
    mechs = kb.mechanisms_for_agent("lenalidomide", disease="MM")
    console.print(f"worked query - mechanisms of lenalidomide resistance in MM ({len(mechs)}): "
                  + ", ".join(m.id for m in mechs[:8]) + (" ..." if len(mechs) > 8 else ""))
    sheet = _examples_dir() / "samplesheet.csv"
    cohort = read_samplesheet(sheet, genes=_kb_genes(kb))
    console.print(f"profiling the synthetic demo cohort {sheet} ({len(cohort)} samples)")
    result, paths = run_profile(cohort, kb, outdir, title="demo cohort")
    _summary(result, paths, console)


def register(app: typer.Typer) -> None:
    """Add ``profile`` and ``demo`` to the root command."""
    app.command("profile")(profile)
    app.command("demo")(demo)


__all__ = ["register", "run_profile"]
