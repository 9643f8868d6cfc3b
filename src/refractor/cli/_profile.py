"""``refractor profile`` and ``refractor demo``: thin shells over io -> interpret -> report."""
from __future__ import annotations

import gc
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


def run_profile(cohort, kb, outdir: Path, *, title: str | None = None, progress: bool = True,
                outputs=None, timings: dict | None = None,
                bar: "_Bar | None" = None, fragility: bool = False,
                maf_columns: str = "variant") -> tuple[object, dict[str, Path]]:
    """Interpret ``cohort`` and write the ``outputs`` (default: all kinds) as ``outdir``
    (all-or-nothing); each MAF the cohort was read from gets an annotated copy. ``timings``,
    when given, receives the seconds spent interpreting and writing (and per writing step,
    ``write:<step>``). ``fragility``: also run the sensitivity analysis of the curator numbers
    and mark the fragile calls. ``maf_columns``: the annotated MAF's column set (``variant``
    or ``full``, see :func:`refractor.report.write_outputs`)."""
    import contextlib
    import time

    from refractor.interpret import interpret
    from refractor.report import write_outputs

    own = bar is None
    bar = _Bar(progress and len(cohort) > 1) if own else bar
    with (bar if own else contextlib.nullcontext()):
        t = time.perf_counter()
        bar.phase("interpreting", len(cohort))
        result = interpret(cohort, kb)
        sens = None
        if fragility:
            from refractor.interpret.sensitivity import sensitivity

            bar.phase("sensitivity of the calls")
            sens = sensitivity(cohort, kb, progress=lambda done, total: bar.advance(done))
        t1 = time.perf_counter()
        bar.phase("writing", len(cohort))
        steps: dict = {}
        paths = write_outputs(result, outdir, {"maf": list(cohort.inputs.get("maf", ()))}, kb=kb,
                              title=title, outputs=outputs, progress=bar.advance,
                              fragility=sens, maf_columns=maf_columns, timings=steps)
        if timings is not None:
            timings.update(interpret=t1 - t, write=time.perf_counter() - t1,
                           **{f"write:{k}": v for k, v in steps.items()})
    return result, paths


class _Bar:
    """One progress bar on stderr across the phases (reading, interpreting, writing; writing
    advances per sample); ``show=False``: none."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self._p = self._task = None
        self.n = 0
        self._shown = 0

    def __enter__(self) -> "_Bar":
        if self.show:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn)

            self._p = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                               TimeElapsedColumn(), console=_err_console(), transient=True)
            self._p.__enter__()
            self._task = self._p.add_task("reading", total=None)
        return self

    def __exit__(self, *exc) -> None:
        if self._p is not None:
            self._p.__exit__(*exc)

    def phase(self, name: str, total: int | None = None) -> None:
        self.n = total or 0
        self._shown = 0
        if self._p is not None:
            self._p.update(self._task, description=name, total=total,
                           completed=0)

    def advance(self, done: int) -> None:
        # redrawn every 50 samples at most (writing reports per sample in one process, per
        # chunk of hundreds of samples with worker processes)
        if self._p is not None and (done - self._shown >= 50 or done == self.n or done < self._shown):
            self._shown = done
            self._p.update(self._task, completed=done)


def _cohort_title(samplesheet: Path) -> str:
    """The report's title: the samplesheet's folder and name (``tcga_laml/samplesheet``), so a
    cohort whose sheet is called ``samplesheet.csv`` is still told apart."""
    stem = samplesheet.name.removesuffix(".gz").rsplit(".", 1)[0]
    parent = samplesheet.resolve().parent.name
    return f"{parent}/{stem}" if parent and stem.lower() in ("samplesheet", "samples", "sheet") else stem


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
        read = sum(w.code == "input-read" for w in result.warnings)
        console.print("warnings: " + ", ".join(f"{n} {k}" for k, n in kinds.items())
                      + (f" ({read} from reading the inputs)" if read else "")
                      + (" (details in the report and warnings.tsv)" if "warnings" in paths
                         else " (details in the report)"))
    shown = [(label, paths[key]) for key, label in (("report", "HTML report"), ("samples", "per-sample JSON"),
             ("levels", "cohort TSV"), ("parquet:cohort_levels.parquet", "cohort Parquet")) if key in paths]
    console.print("   ".join(f"{label}: {p}" for label, p in shown))


def profile(
    samplesheet: Optional[Path] = typer.Argument(None, help="Samplesheet CSV (sample, disease, one path column per data kind)."),
    outdir: Path = typer.Option(..., "-o", "--outdir", help="Output directory: created, or an earlier run's replaced as a whole (all-or-nothing)."),
    sample: Optional[str] = typer.Option(None, "--sample", help="Single-sample mode: the sample id."),
    disease: Optional[str] = typer.Option(None, "--disease", help="Disease code or name (MM, AML, CLL, PCM ...), resolved by the KB."),
    maf: Optional[Path] = typer.Option(None, "--maf", help="MAF file (GDC, TCGA, maftools, vcf2maf). Accepted layouts: docs/inputs.md."),
    vcf: Optional[Path] = typer.Option(None, "--vcf", help="VEP- or SnpEff-annotated VCF (tumour column: ##tumor_sample, a TUMOR column, or --vcf-sample). Accepted layouts: docs/inputs.md."),
    vcf_sample: Optional[str] = typer.Option(
        None, "--vcf-sample", help="The --vcf column that is this sample, when the VCF has several "
        "sample columns and declares no tumour (no ##tumor_sample header, no NORMAL/TUMOR pair). "
        "Naming the normal column is an error."),
    seg: Optional[Path] = typer.Option(None, "--seg", help="Segment file (CBS/IGV .seg, GDC, GATK, CNVkit, ASCAT ...). Accepted layouts: docs/inputs.md."),
    expression: Optional[Path] = typer.Option(None, "--expression", help="Expression (TPM matrix, GCT, salmon/kallisto/RSEM, featureCounts ...; counts are converted to TPM with a warning). Accepted layouts: docs/inputs.md."),
    junctions: Optional[Path] = typer.Option(None, "--junctions", help="STAR SJ.out.tab. Accepted layouts: docs/inputs.md."),
    psi: Optional[Path] = typer.Option(None, "--psi", help="PSI table (sample gene event psi), rMATS SE output or LeafCutter perind counts. Accepted layouts: docs/inputs.md."),
    methylation: Optional[Path] = typer.Option(None, "--methylation", help="Methylation beta values. Accepted layouts: docs/inputs.md."),
    clinical: Optional[Path] = typer.Option(None, "--clinical", help="Clinical TSV. Accepted layouts: docs/inputs.md."),
    refractory: Optional[str] = typer.Option(None, "--refractory", help="Agents the disease is refractory to (comma/semicolon separated ids, names, codes or brand names; resolved by the KB)."),
    prior: Optional[str] = typer.Option(None, "--prior", help="Prior agents (comma/semicolon separated, as --refractory)."),
    subtype: Optional[str] = typer.Option(None, "--subtype", help="Subtype, e.g. FAB M5."),
    line: Optional[int] = typer.Option(None, "--line", help="Line of therapy (0 to 50)."),
    build: Optional[str] = typer.Option(
        None, "--build", help="Genome build of coordinate files (GRCh38 or GRCh37); default: what "
        "the files declare, else GRCh38. The build used is stated in the outputs."),
    kb_path: Optional[Path] = typer.Option(None, "--kb", help=KB_HELP, readable=False),
    outputs: Optional[str] = typer.Option(
        None, "--outputs", help="Comma-separated outputs to write: json (samples/*.json), tsv "
        "(cohort_levels, agents, mechanisms, warnings), parquet (the same tables plus observations and "
        "traces), maf (annotated MAF copies), html (report.html); 'all' = every kind. "
        "Default: all."),
    fragility: bool = typer.Option(
        False, "--fragility", help="Also move every curator scoring weight by +/-10 and every "
        "assumed threshold by +/-25% (one at a time), re-interpret, and mark the calls that "
        "change as fragile (agents.tsv columns fragile/fragile_because, fragile_calls.tsv, "
        "fragility.tsv, 'fragility' in each per-sample JSON, a report section). Costs one "
        "interpretation per move."),
    maf_columns: str = typer.Option(
        "variant", "--maf-columns", help="Columns appended to the annotated MAF: 'variant' "
        "(refractor_mechanisms: the mechanisms each variant supports; the copy stays about the "
        "input's size) or 'full' (also the sample's mechanisms and highest level per agent "
        "class, repeated on every row of the sample). A gzip MAF gets a gzip copy."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary, no progress bar."),
) -> None:
    """Explain drug resistance for a cohort (SAMPLESHEET) or one sample (--sample + files)."""
    from refractor.io import GENE_TABLES, cohort_from_flags, read_samplesheet
    from refractor.kb import KnowledgeBase
    from refractor.report import check_outdir, parse_outputs
    from refractor.report._maf import MAF_COLUMN_SETS

    files = dict(maf=maf, vcf=vcf, seg=seg, expression=expression, junctions=junctions, psi=psi,
                 methylation=methylation, clinical=clinical)
    given = [k for k, v in files.items() if v is not None]
    if samplesheet is not None and (sample or given):
        raise InputError("give either a SAMPLESHEET or --sample with data files, not both")
    if vcf_sample is not None and vcf is None:
        raise InputError("--vcf-sample names a column of --vcf: give --vcf too (with a SAMPLESHEET, "
                         "use its vcf_sample column)")
    if samplesheet is None and not sample:
        raise InputError("give a SAMPLESHEET or --sample with at least one data file / clinical value")
    check_outdir(outdir)  # before the work: a bad OUTDIR is found in a second, not after the run
    limits = kb_settings(kb_path).limits.io
    kb = KnowledgeBase.load(kb_path)
    genes = _kb_genes(kb)
    want = parse_outputs(outputs)  # a bad --outputs is found before the work
    # the modules and the KB live as long as this one-shot command: the collector need not go
    # over them again at every full collection while the cohort is read and interpreted
    # (~0.2 s at 10,000 samples)
    gc.freeze()
    if maf_columns not in MAF_COLUMN_SETS:
        raise InputError(f"--maf-columns: unknown column set {maf_columns!r}; choose from "
                         + ", ".join(MAF_COLUMN_SETS))
    with _Bar(not quiet and samplesheet is not None) as bar:
        bar.phase("reading")
        if samplesheet is not None:
            cohort = read_samplesheet(samplesheet, build=build, genes=genes, restrict=GENE_TABLES,
                                      limits=limits)
            title = _cohort_title(samplesheet)
        else:
            if not given and refractory is None and prior is None and not subtype:
                raise InputError(f"sample {sample!r}: no data given (name at least one file or clinical value)")
            cohort = cohort_from_flags(sample=sample, disease=disease, **files,
                                       refractory=refractory, prior=prior, subtype=subtype,
                                       line=line, build=build, genes=genes, restrict=GENE_TABLES, limits=limits,
                                       vcf_sample=vcf_sample)
            title = sample
        result, paths = run_profile(cohort, kb, outdir, title=title, progress=not quiet,
                                    outputs=want, bar=bar, fragility=fragility,
                                    maf_columns=maf_columns)
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
    from refractor.io import GENE_TABLES, read_samplesheet
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
    cohort = read_samplesheet(sheet, genes=_kb_genes(kb), restrict=GENE_TABLES)
    console.print(f"profiling the synthetic demo cohort {sheet} ({len(cohort)} samples)")
    result, paths = run_profile(cohort, kb, outdir, title="demo cohort")
    _summary(result, paths, console)


def register(app: typer.Typer) -> None:
    """Add ``profile`` and ``demo`` to the root command."""
    app.command("profile")(profile)
    app.command("demo")(demo)


__all__ = ["register", "run_profile"]
