"""Assemble per-file tables into one :class:`Cohort`: read each file once, filter by sample,
resolve the genome build, record which data kinds were assessed for which sample."""
from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from refractor.errors import DataWarning, InputError
from refractor.io._clinical import read_clinical
from refractor.io._expression import read_expression
from refractor.io._limits import IOLimits
from refractor.io._maf import read_maf
from refractor.io._methylation import read_methylation
from refractor.io._segments import declared_segment_build, read_segments
from refractor.io._table import MISSING
from refractor.io._splicing import read_junctions, read_psi
from refractor.io._vcf import read_vcf
from refractor.io._records import make_cohort
from refractor.io.cohort import COLUMNS, GENE_TABLES, Cohort
from refractor.reference import DEFAULT_BUILD, agree, resolve_build

# samplesheet column -> (assessed kind, cohort table)
KIND_OF = {
    "maf": ("variant", "variants"),
    "vcf": ("variant", "variants"),
    "seg": ("copy_number", "copy_number"),
    "expression": ("expression", "expression"),
    "junctions": ("splicing", "splicing"),
    "psi": ("splicing", "splicing"),
    "methylation": ("methylation", "methylation"),
}


def _where(row, col: str, path: Path) -> dict:
    if row.origin is not None:
        return dict(path=row.origin, line=row.line, column=col)
    return dict(path=str(path))


def _r_name(sample: str) -> str:
    """What R's ``make.names`` (``check.names=TRUE`` of read.table / data.frame) makes of an id."""
    name = re.sub(r"[^A-Za-z0-9._]", ".", sample)
    return "X" + name if not re.match(r"[A-Za-z]|\.(?![0-9])", name) else name


def _barcode_prefixes(rows: list, file_samples: list[str], fset: set, col: str, path: Path) -> dict[str, str]:
    """File sample -> samplesheet id where the file writes the id as R's ``make.names`` does, or the
    id is a hyphen-delimited prefix of exactly one of the
    file's ids: a samplesheet naming TCGA patients or samples (``TCGA-AB-2802``) finds the aliquot
    barcodes a GDC/TCGA file uses (``TCGA-AB-2802-03A-01W-0722-08``). Two candidates (primary and
    relapse aliquots) are an error, never a choice."""
    out: dict[str, str] = {}
    for r in rows:
        if r.sample in fset:
            continue
        rn = [f for f in file_samples if f == _r_name(r.sample) and f not in out]
        if len(rn) == 1:  # R's check.names turned "TCGA-AB-2802" into "TCGA.AB.2802" (or "7" into "X7")
            out[rn[0]] = r.sample
            continue
        cands = [f for f in file_samples if f.startswith(r.sample + "-") and f not in out]
        if len(cands) > 1:
            raise InputError(f"sample {r.sample!r} matches several ids of {col} file {path} "
                             f"({', '.join(cands[:4])}): name the full id", **_where(r, col, path))
        if cands:
            out[cands[0]] = r.sample
    return out


#: what a sample without rows in a file of this kind reads as (files where that is allowed)
_ABSENT_MEANS = {"maf": "reads as having no variant", "clinical": "has no clinical history from it"}
#: largest (samples without rows) x (file ids no row names) compared for near misses
_NEAR_MISS_PAIRS = 200_000


def _near_misses(missing: list, unclaimed: list[str]) -> list[tuple[object, str]]:
    """(row, file id) for each row whose sample id nearly equals an id of the file that no
    samplesheet row names ("S0012" / "S012", "AML-7" / "AML-07"): most likely one sample whose
    id was mistyped in one of the two files. Similarity: difflib's ratio >= 0.8."""
    import difflib

    if not missing or not unclaimed or len(missing) * len(unclaimed) > _NEAR_MISS_PAIRS:
        return []
    out = []
    for r in missing:
        close = difflib.get_close_matches(r.sample, unclaimed, n=1, cutoff=0.8)
        if close:
            out.append((r, close[0]))
    return out


def _select(df: pd.DataFrame, col: str, path: Path, rows: list, *, absent_ok: bool,
            near: list | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Rows of ``df`` for the samples of ``rows``; returns (table, samples assessed).
    ``near`` (a list, with ``absent_ok``): receives the :func:`_near_misses` of the rows the
    file has no rows for."""
    wanted = [r.sample for r in rows]
    file_samples = [s for s in df.attrs.get("samples", []) if s is not None]
    fset = set(file_samples)
    normals = set(df.attrs.get("normal_samples") or [])
    for r in rows:
        if r.sample in normals:
            raise InputError(f"sample {r.sample!r} is the normal (matched germline) column of {col} file {path} "
                             f"({df.attrs.get('roles_from')}); name the tumour column "
                             f"({', '.join(file_samples)}) instead", **_where(r, col, path))
    rename = {}
    if col == "vcf":  # the samplesheet's vcf_sample names the row's VCF column explicitly
        for r in rows:
            named = r.extra.get("vcf_sample")
            if named:
                if named in normals:
                    raise InputError(f"vcf_sample {named!r} is the normal (matched germline) column of {path} "
                                     f"({df.attrs.get('roles_from')})", **_where(r, "vcf_sample", path))
                if named not in fset:
                    raise InputError(f"vcf_sample {named!r} is not a sample column of {path} (it has: "
                                     f"{', '.join(file_samples) or 'none'})", **_where(r, "vcf_sample", path))
                rename[named] = r.sample
    pending = [r for r in rows if r.sample not in rename.values()]
    rename.update({k: v for k, v in _barcode_prefixes(pending, file_samples, fset, col, path).items()
                   if k not in rename})
    if rename:
        df = df.assign(sample=df["sample"].replace(rename))
        file_samples = [rename.get(s, s) for s in file_samples]
        fset = set(file_samples)
    present = [s for s in wanted if s in fset]
    if not present and len(rows) == 1 and len(fset) == 1:
        # a single-sample file whose internal id differs from the samplesheet's: it is this sample
        df = df.assign(sample=wanted[0])
        present = wanted
    pset = set(present)
    missing = [r for r in rows if r.sample not in pset]
    if missing:  # "s1" in the file for "S1" in the samplesheet: a MAF would read it as "no variant"
        folded = {f.casefold(): f for f in file_samples if f not in pset}
        for r in missing:
            f = folded.get(r.sample.casefold())
            if f is not None:
                raise InputError(f"sample {r.sample!r} not found in {col} file {path}, which holds {f!r}: sample ids "
                                 "are case-sensitive; write the id as the file does", **_where(r, col, path))
    if missing and (not absent_ok or (not present and fset)):
        r = missing[0]
        shown = ", ".join(file_samples[:5]) + (" …" if len(file_samples) > 5 else "")
        hint = ""
        if col == "vcf" and len(fset) > 1:
            hint = ("; several columns and none declared the tumour: name the tumour column in the sample "
                    "column, or add a ##tumor_sample=<column> header line")
        raise InputError(
            f"sample {r.sample!r} not found in {col} file {path} (it holds {len(fset)} sample(s): {shown or 'none'}){hint}",
            **_where(r, col, path),
        )
    if missing and near is not None:
        near.extend(_near_misses(missing, [f for f in file_samples if f not in pset]))
    keep = set(present)
    sub = df[df["sample"].isin(keep)] if len(keep) < len(fset) or len(fset) == 0 else df
    return sub, wanted


def _resolve_build(explicit: str | None, declared: list[tuple[str, str, Path]], rows: list) -> str:
    """One build for the cohort: the requested one, else the one its files and rows declare.

    Files that cannot declare a build (segments, junctions) take the cohort's build; with no
    declaration at all it is :data:`~refractor.reference.DEFAULT_BUILD`. Contradictions raise
    the one "genome builds disagree" error (:func:`refractor.reference.agree`).
    """
    claims: list[tuple[str, str, dict]] = [(b, what, dict(path=p)) for b, what, p in declared]
    claims += [(r.build, f"samplesheet row {r.line}", dict(path=r.origin, line=r.line, column="build"))
               for r in rows if r.build]
    return agree(claims, requested=explicit) or DEFAULT_BUILD


def assemble(rows: list, *, build: str | None, genes: Iterable[str] | None, clinical_columns: dict[str, str] | None,
             limits: IOLimits | None = None, restrict: Iterable[str] = ("copy_number",)) -> Cohort:
    """Read every distinct file once and build the cohort for ``rows`` (see ``_samplesheet.Row``).

    The readers' :class:`~refractor.errors.DataWarning` s (data used with a caveat) are raised as
    usual and also kept, as text, in ``Cohort.read_warnings`` so that a report can carry them; a
    warning raised while reading a file that only some samples use is also listed, with those
    samples, in ``Cohort.read_warning_samples``.
    """
    spans: list[tuple[int, int, tuple[str, ...]]] = []  # (first, end) index in caught, samples
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)  # others keep the caller's filters
        cohort = _assemble(rows, build=build, genes=genes, clinical_columns=clinical_columns, limits=limits,
                           restrict=restrict, log=(caught, spans))
    notes = []
    for w in caught:
        if issubclass(w.category, DataWarning):
            notes.append(str(w.message))
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not notes:
        return cohort
    return replace(cohort, read_warnings=tuple(dict.fromkeys(notes)),
                   read_warning_samples=_scopes(caught, spans, [r.sample for r in rows]))


def _scopes(caught: list, spans: list, everyone: list[str]) -> dict[str, tuple[str, ...]]:
    """message -> the samples whose files raised it, for messages that concern only some of
    the cohort's samples (raised only while reading files that the other samples do not use)."""
    by_message: dict[str, set[str] | None] = {}
    covered = set()
    for first, end, samples in spans:
        for k in range(first, end):
            covered.add(k)
            w = caught[k]
            if issubclass(w.category, DataWarning):
                m = str(w.message)
                if m not in by_message or by_message[m] is not None:
                    by_message.setdefault(m, set()).update(samples)
    for k, w in enumerate(caught):  # raised outside a file's reading: the whole cohort
        if k not in covered and issubclass(w.category, DataWarning):
            by_message[str(w.message)] = None
    all_samples = set(everyone)
    return {m: tuple(s for s in dict.fromkeys(everyone) if s in got)
            for m, got in by_message.items() if got is not None and not all_samples <= got}


def _assemble(rows: list, *, build: str | None, genes: Iterable[str] | None, clinical_columns: dict[str, str] | None,
              limits: IOLimits | None = None, restrict: Iterable[str] = ("copy_number",),
              log: tuple[list, list] | None = None) -> Cohort:
    explicit = resolve_build(build, default=None)
    caught, spans = log if log is not None else ([], [])

    @contextlib.contextmanager
    def reading(rs: list):
        """Warnings raised in the block concern the samples of ``rs`` (the file's rows)."""
        first = len(caught)
        yield
        spans.append((first, len(caught), tuple(r.sample for r in rs)))

    restrict = {restrict} if isinstance(restrict, str) else set(restrict)
    unknown = sorted(restrict - set(GENE_TABLES))
    if unknown:
        raise ValueError(f"restrict: unknown table(s) {', '.join(unknown)}; choose from {', '.join(GENE_TABLES)}")
    genes = list(genes) if genes is not None else None
    # genes for the variants / expression readers (None: every gene)
    var_genes = genes if "variants" in restrict else None
    expr_genes = genes if "expression" in restrict else None
    cn_genes = genes if "copy_number" in restrict else None
    groups: dict[tuple[str, Path], list] = {}
    for r in rows:
        for col, p in r.paths.items():
            groups.setdefault((col, p), []).append(r)  # paths arrive resolved
    for (col, p), rs in groups.items():
        if col == "junctions" and len(rs) > 1:
            raise InputError(f"junction file {p} is named for several samples (STAR SJ.out.tab is per sample)", **_where(rs[1], col, p))
    tables: dict[str, list[pd.DataFrame]] = {t: [] for t in COLUMNS}
    assessed: list[tuple[str, str]] = []
    declared: list[tuple[str, str, Path]] = []

    def warn_near(col: str, p: Path, near: list) -> None:
        """A warning for each sample whose id the file seems to hold mistyped (it concerns
        that sample only)."""
        for r, other in near:
            with reading([r]):
                warnings.warn(DataWarning(
                    f"sample {r.sample}: no row in {col} file {p}, so it {_ABSENT_MEANS[col]}; "
                    f"the file holds {other!r}, which no samplesheet row names: if that is this "
                    "sample, correct the id in one of the two files"), stacklevel=4)

    def add(col: str, p: Path, df: pd.DataFrame, rs: list, absent_ok: bool = False) -> None:
        kind, table = KIND_OF[col]
        near: list = []
        sub, wanted = _select(df, col, p, rs, absent_ok=absent_ok, near=near)
        warn_near(col, p, near)
        tables[table].append(sub)
        assessed.extend((s, kind) for s in wanted)

    for (col, p), rs in groups.items():
        if col == "maf":
            with reading(rs):
                df = read_maf(p, build=explicit, limits=limits, genes=var_genes)
        elif col == "vcf":
            with reading(rs):
                df = read_vcf(p, sample=rs[0].sample if len(rs) == 1 else None, build=explicit, limits=limits)
            if var_genes is not None:
                df = df[df["gene"].isin(set(var_genes))]
        elif col == "seg":
            with reading(rs):
                sb = declared_segment_build(p, limits=limits)  # GATK @SQ lengths; read after the build is known
            if sb and explicit is None:
                declared.append((sb, f"SEG {p.name} @SQ lengths", p))
            continue
        else:
            continue
        if df.attrs.get("build") and explicit is None:
            declared.append((df.attrs["build"], f"{col.upper()} {p.name}", p))
        add(col, p, df, rs, absent_ok=(col == "maf"))
    _warn_twice_listed(rows, tables["variants"])
    final = _resolve_build(explicit, declared, rows)
    clinical_parts = []
    for (col, p), rs in groups.items():
        if col == "seg":
            with reading(rs):
                seg = read_segments(p, build=final, genes=cn_genes, samples=[r.sample for r in rs], limits=limits)
                if len(rs) == 1 and rs[0].sample not in set(seg.attrs["samples"]) and len(seg.attrs["samples"]) == 1:
                    seg = read_segments(p, build=final, genes=cn_genes, limits=limits)  # single-sample file, other id
            add(col, p, seg, rs)
        elif col == "junctions":
            with reading(rs):
                df = read_junctions(p, sample=rs[0].sample, build=final)
            add(col, p, df, rs)
        elif col == "psi":
            with reading(rs):
                df = read_psi(p, build=final)
            add(col, p, df, rs)
        elif col == "expression":
            with reading(rs):
                df = read_expression(p, limits=limits, genes=expr_genes)
            add(col, p, df, rs)
        elif col == "methylation":
            with reading(rs):
                df = read_methylation(p)
            add(col, p, df, rs)
        elif col == "clinical":
            with reading(rs):
                df = read_clinical(p, columns=clinical_columns)
            near = []
            sub, _ = _select(df, col, p, rs, absent_ok=True, near=near) if len(df) else (df, None)
            warn_near(col, p, near)
            clinical_parts.append((p, sub))
    inputs: dict[str, tuple[Path, ...]] = {}
    for col, p in groups:
        inputs[col] = (*inputs.get(col, ()), p)
    where = {r.sample: {"sample": dict(path=r.origin, line=r.line, column="sample"),
                        "data": dict(path=r.origin, line=r.line)} for r in rows if r.origin is not None}
    records, origin = _samples(rows, clinical_parts)
    return make_cohort(records, assessed=assessed, tables=tables, build=final, where=where, inputs=inputs,
                       origin=origin)


def _warn_twice_listed(rows: list, variants: list[pd.DataFrame]) -> None:
    """A DataWarning for each sample whose MAF and VCF both list a variant (same gene and protein
    change): the two tables are combined, so it is listed twice (and two notations of one
    truncating variant could read as two hits)."""
    both = {r.sample for r in rows if "maf" in r.paths and "vcf" in r.paths}
    if not both or not variants:
        return
    v = pd.concat([f[["sample", "gene", "protein_change", "source"]] for f in variants], ignore_index=True)
    v = v[v["sample"].isin(both) & v["protein_change"].astype(str).str.strip().ne("")]
    v = v.assign(file=v["source"].astype(str).str.rsplit(":", n=1).str[0])
    files = v.groupby(["sample", "gene", "protein_change"], sort=False)["file"].nunique()
    twice = files[files > 1]
    for sample in dict.fromkeys(twice.index.get_level_values(0)):
        gene, change = twice.loc[sample].index[0]
        warnings.warn(DataWarning(f"sample {sample}: {len(twice.loc[sample])} variant(s) are in both its MAF and its "
                                  f"VCF (e.g. {gene} {change}) and are listed twice; give one of the two files"),
                      stacklevel=3)


def _row_where(r, col: str) -> dict:
    """Where a samplesheet row's value came from (file, line, column), or nothing (flags)."""
    return {"path": r.origin, "line": r.line, "column": col} if r.origin is not None else {}


def _samples(rows: list, clinical_parts: list) -> tuple[list[dict], dict]:
    """One record per row (see :func:`~refractor.io._records.make_cohort`): the row's values,
    else its clinical file's; and where each name came from (``Cohort.origin``)."""
    clin: dict[str, tuple[Path, dict]] = {}
    for p, df in clinical_parts:
        for rec in df.to_dict("records"):
            s = rec["sample"]
            if s in clin:
                raise InputError(f"sample {s!r} has rows in two clinical files ({clin[s][0]} and {p})", path=p)
            clin[s] = (p, rec)
    out, origins = [], {}
    for r in rows:
        p, c = clin.get(r.sample, (None, None))
        corigin = (c or {}).get("origin") or {}
        # names stay as written; the knowledge base resolves them (and checks that a disease
        # given twice names one disease) when the cohort is interpreted, naming this origin
        origin = dict(r.where)
        disease = r.disease if r.disease and r.disease.strip() not in MISSING else None
        if disease:
            origin.setdefault("disease", _row_where(r, "disease"))
            cd = (c or {}).get("disease")
            if cd and cd.strip().casefold() != disease.strip().casefold():
                origin["disease_also"] = {"value": cd, **corigin.get("disease", {"path": str(p)})}
        else:
            disease = (c or {}).get("disease")
            if corigin.get("disease"):
                origin["disease"] = corigin["disease"]
        if not disease:
            raise InputError(f"no disease given for sample {r.sample!r}", path=r.origin, line=r.line, column="disease")
        ex = r.extra
        subtype = ex.get("subtype") or ((c or {}).get("subtype"))
        if subtype is not None and (not isinstance(subtype, str) or not subtype.strip()):
            subtype = None
        line = ex.get("line", (c or {}).get("line"))
        prior = ex.get("prior_agents", (c or {}).get("prior_agents") or [])
        refr = ex.get("refractory_agents", (c or {}).get("refractory_agents") or [])
        for key in ("prior_agents", "refractory_agents"):
            if key not in ex and key in corigin:
                origin[key] = corigin[key]
        out.append(
            {"sample": r.sample, "disease": disease, "subtype": subtype, "line": line,
             "prior_agents": list(prior), "refractory_agents": list(refr),
             "purity": ex.get("purity", float("nan")),
             "history": c is not None or any(k in ex for k in ("prior_agents", "refractory_agents", "line"))}
        )
        origins[r.sample] = origin
    return out, origins


__all__ = ["assemble"]
