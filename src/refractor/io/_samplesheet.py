"""Samplesheets and single-sample flags -> :class:`~refractor.io.cohort.Cohort`.

Every distinct file is read once, whatever the number of rows naming it, and filtered to the
samples of those rows; the build of all coordinate-bearing inputs is resolved once.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


from refractor.errors import InputError
from refractor.io._assemble import assemble
from refractor.io._clinical import check_line, split_agents
from refractor.io._limits import IOLimits, resolve_limits
from refractor.io._source import check_input_file, read_bytes
from refractor.reference import resolve_build

PATH_COLUMNS = ("maf", "vcf", "seg", "expression", "junctions", "psi", "methylation", "clinical")
#: ``purity``: optional tumour-cell fraction of the sample (0-1], used for the clonal fraction
#: of variants (refractor.interpret._clonality); empty = not given
#: ``vcf_sample``: optional name of this row's column in its VCF, when it differs from ``sample``
#: and the VCF does not declare its tumour (e.g. ``LIB-0001`` in a two-column VCF for sample ``PT1``)
SHEET_COLUMNS = ("sample", "disease", "build", "purity", "vcf_sample") + PATH_COLUMNS


@dataclass
class Row:
    """One sample's declared inputs (paths already resolved)."""

    sample: str
    disease: str | None
    paths: dict[str, Path]
    build: str | None = None
    line: int | None = None
    origin: str | None = None  # the samplesheet (for error messages)
    extra: dict = field(default_factory=dict)
    #: where values not read from a file came from: field -> InputError keywords, e.g.
    #: ``{"refractory_agents": {"column": "--refractory"}}`` (names are resolved by the KB later)
    where: dict = field(default_factory=dict)


def read_samplesheet(
    path: str | Path,
    *,
    build: str | None = None,
    genes: Iterable[str] | None = None,
    restrict: Iterable[str] = ("copy_number",),
    clinical_columns: dict[str, str] | None = None,
    limits: IOLimits | None = None,
) -> "Cohort":  # noqa: F821
    """Read a samplesheet CSV into a :class:`~refractor.io.cohort.Cohort`.

    Columns: ``sample``, ``disease``, then path columns ``maf vcf seg expression junctions psi
    methylation clinical`` (any subset; empty cell = no such data) and optionally ``build``
    (per-row genome build of that row's coordinate files). Paths are relative to the
    samplesheet. A file named on several rows is read once and filtered by sample.

    Parameters
    ----------
    build
        Genome build for all coordinate files (segments, junctions); files that declare a
        different build (MAF ``NCBI_Build``, VCF header) are an error. Without it, files that
        declare a build must agree, and undeclared segment/junction files are taken as GRCh38.
    genes
        Keep only these genes in the gene-level tables named by ``restrict`` (default: gene-level
        copy number only, see :func:`read_segments`), e.g. the genes a knowledge base's rules
        name.
    restrict
        The tables ``genes`` restricts: any of ``copy_number``, ``variants`` (MAF, VCF) and
        ``expression``. ``refractor profile`` restricts all three to the KB's genes: every row of
        every file is still read and checked (and the expression checks see the whole matrix),
        then rows of other genes are dropped, which keeps a 10,000-sample cohort small.
    clinical_columns
        Column mapping for clinical files (see :func:`read_clinical`).
    limits
        Input caps (default: the resolved settings' :class:`~refractor.io.IOLimits`).
    """
    spath = str(path)
    limits = resolve_limits(limits)
    text = read_bytes(path, limits=limits).decode("utf-8")
    rows: list[Row] = []
    header: list[str] | None = None
    base = Path(path).resolve().parent
    seen: dict[str, int] = {}
    resolved: dict[str, Path | None] = {}  # cohort-wide files repeat on every row: stat them once
    kind_at: dict[Path, tuple[str, int]] = {}  # file -> (column, line) first naming it
    for lineno, rec in _records(text, spath, limits):
        if not rec or all(not c.strip() for c in rec) or rec[0].startswith("#"):
            continue
        if header is None:
            header = [c.strip().lower() if c.strip().lower() in SHEET_COLUMNS else c.strip() for c in rec]
            unknown = [c for c in header if c not in SHEET_COLUMNS]
            if unknown:
                raise InputError(
                    f"unknown samplesheet column {unknown[0]!r}; allowed: {', '.join(SHEET_COLUMNS)}",
                    path=spath, line=lineno, column=unknown[0],
                )
            for req in ("sample", "disease"):
                if req not in header:
                    raise InputError(f"missing required column {req!r}", path=spath, line=lineno, column=req)
            dupc = [c for c in header if header.count(c) > 1]
            if dupc:
                raise InputError(f"duplicated column {dupc[0]!r}", path=spath, line=lineno, column=dupc[0])
            continue
        if len(rec) != len(header):
            raise InputError(f"expected {len(header)} fields, found {len(rec)}", path=spath, line=lineno)
        cells = {h: c.strip() for h, c in zip(header, rec)}
        sample = cells["sample"]
        if not sample:
            raise InputError("sample id is empty", path=spath, line=lineno, column="sample")
        if sample in seen:
            raise InputError(f"duplicated sample id {sample!r} (first on line {seen[sample]})", path=spath, line=lineno, column="sample")
        seen[sample] = lineno
        paths = {}
        for k in PATH_COLUMNS:
            v = cells.get(k, "")
            if v:
                if v not in resolved:
                    p = Path(v).expanduser()  # "~/data/x.maf" as a shell would read it
                    p = p if p.is_absolute() else base / p
                    check_input_file(p, what=f"{k} file", where=dict(path=spath, line=lineno, column=k))
                    resolved[v] = p.resolve()
                paths[k] = resolved[v]
                first = kind_at.setdefault(paths[k], (k, lineno))
                if first[0] != k:
                    raise InputError(f"{k} file {v} is also named as the {first[0]} file (line {first[1]}); "
                                     "a file holds one kind of data", path=spath, line=lineno, column=k)
        rb = resolve_build(cells.get("build"), default=None, path=spath, line=lineno, column="build")
        extra = {}
        if cells.get("purity", ""):
            try:
                pur = float(cells["purity"])
            except ValueError:
                pur = float("nan")
            if not 0 < pur <= 1:
                raise InputError(f"purity must be a number in (0, 1], got {cells['purity']!r}",
                                 path=spath, line=lineno, column="purity")
            extra["purity"] = pur
        if cells.get("vcf_sample", ""):
            extra["vcf_sample"] = cells["vcf_sample"]
        rows.append(Row(sample, cells["disease"] or None, paths, rb, lineno, spath,
                        extra))
    if header is None:
        raise InputError("samplesheet has no header", path=spath)
    if not rows:
        raise InputError("samplesheet lists no samples", path=spath)
    return assemble(rows, build=build, genes=genes, restrict=restrict, clinical_columns=clinical_columns,
                    limits=limits)


def _records(text: str, spath: str, limits: IOLimits):
    """``(line number, cells)`` of each CSV record; malformed CSV or an over-long cell -> InputError.

    Line numbers are physical lines (a quoted cell may span lines; the record's first line is
    reported).
    """
    first = next((ln for ln in text.split("\n", 50)[:50] if ln.strip() and not ln.startswith("#")), "")
    # Excel saves "CSV" with ';' where the decimal mark is a comma, and some users give a TSV
    delim = "\t" if "\t" in first and "," not in first else (";" if ";" in first and "," not in first else ",")
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    start = 1
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = f"malformed CSV ({exc})"
            if "field larger than field limit" in str(exc):  # the csv module's own cap
                csv_cap = csv.field_size_limit()
                problem = (limits.exceeded("max_cell_chars", f"cell of more than {csv_cap:,} characters")
                           if limits.max_cell_chars < csv_cap else
                           f"cell of more than {csv_cap:,} characters (the limit of Python's csv reader)")
            raise InputError(problem, path=spath, line=reader.line_num) from None
        for j, cell in enumerate(rec):
            if len(cell) > limits.max_cell_chars:
                raise InputError(limits.exceeded("max_cell_chars", f"cell of {len(cell):,} characters"),
                                 path=spath, line=start, column=j + 1)
        yield start, rec
        start = reader.line_num + 1


def cohort_from_flags(
    *,
    sample: str,
    disease: str | None = None,
    maf: str | Path | None = None,
    vcf: str | Path | None = None,
    seg: str | Path | None = None,
    expression: str | Path | None = None,
    junctions: str | Path | None = None,
    psi: str | Path | None = None,
    methylation: str | Path | None = None,
    clinical: str | Path | None = None,
    refractory: Iterable[str] | None = None,
    prior: Iterable[str] | None = None,
    subtype: str | None = None,
    line: int | None = None,
    build: str | None = None,
    genes: Iterable[str] | None = None,
    restrict: Iterable[str] = ("copy_number",),
    clinical_columns: dict[str, str] | None = None,
    flags: dict[str, str] | None = None,
    limits: IOLimits | None = None,
    vcf_sample: str | None = None,
) -> "Cohort":  # noqa: F821
    """A one-sample :class:`~refractor.io.cohort.Cohort` from individual files and values.

    ``vcf_sample`` names the VCF column that is this sample when the VCF has several and does not
    declare its tumour (the samplesheet's ``vcf_sample`` column).

    Files may be cohort-wide (filtered to ``sample``) or single-sample (a file holding exactly
    one other sample id is taken to be this sample). ``refractory``/``prior`` (agent names),
    ``subtype`` and ``line`` override the clinical file's values and, when given, make the
    clinical history (and subtype) assessed. Agent and disease names are kept as written and
    resolved by the knowledge base when the cohort is interpreted; an unknown one is an
    InputError naming its flag (``flags`` maps ``disease``, ``refractory``, ``prior``,
    ``line`` to the flag names shown in messages; default ``--disease`` ...).
    """
    labels = {"disease": "--disease", "refractory": "--refractory", "prior": "--prior",
              "line": "--line", **(flags or {})}
    paths = {}
    for k, v in dict(maf=maf, vcf=vcf, seg=seg, expression=expression, junctions=junctions, psi=psi,
                     methylation=methylation, clinical=clinical).items():
        if v is not None and str(v) != "":
            paths[k] = check_input_file(Path(v), what=f"{k} file").resolve()
            other = next((o for o, q in paths.items() if q == paths[k] and o != k), None)
            if other is not None:
                raise InputError(f"the same file is given as --{other} and --{k}; a file holds one kind of data",
                                 path=v, column=f"--{k}")
    extra, where = {}, {}
    if refractory is not None:
        extra["refractory_agents"] = split_agents(refractory)
        where["refractory_agents"] = {"column": labels["refractory"]}
    if prior is not None:
        extra["prior_agents"] = split_agents(prior)
        where["prior_agents"] = {"column": labels["prior"]}
    if disease is not None and str(disease).strip():
        disease = str(disease).strip()
        where["disease"] = {"column": labels["disease"]}
    else:
        disease = None
    if subtype:
        extra["subtype"] = subtype
    if line is not None:
        extra["line"] = check_line(line, column=labels["line"])
    if vcf_sample:
        extra["vcf_sample"] = str(vcf_sample).strip()
    row = Row(sample, disease, paths, None, None, None, extra, where)
    return assemble([row], build=build, genes=genes, restrict=restrict, clinical_columns=clinical_columns,
                    limits=limits)


__all__ = ["read_samplesheet", "cohort_from_flags", "Row", "PATH_COLUMNS"]
