"""Assemble per-file tables into one :class:`Cohort`: read each file once, filter by sample,
resolve the genome build, record which data kinds were assessed for which sample."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from refractor.errors import InputError
from refractor.io._clinical import read_clinical
from refractor.io._expression import read_expression
from refractor.io._maf import read_maf
from refractor.io._methylation import read_methylation
from refractor.io._segments import read_segments
from refractor.io._table import MISSING
from refractor.io._splicing import read_junctions, read_psi
from refractor.io._vcf import read_vcf
from refractor.io.cohort import COLUMNS, Cohort, empty
from refractor.reference import DEFAULT_BUILD, normalise_build

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
COORDINATE_KINDS = ("seg", "junctions")


def _where(row, col: str, path: Path) -> dict:
    if row.origin is not None:
        return dict(path=row.origin, line=row.line, column=col)
    return dict(path=str(path))


def _select(df: pd.DataFrame, col: str, path: Path, rows: list, *, absent_ok: bool) -> tuple[pd.DataFrame, list[str]]:
    """Rows of ``df`` for the samples of ``rows``; returns (table, samples assessed)."""
    wanted = [r.sample for r in rows]
    file_samples = [s for s in df.attrs.get("samples", []) if s is not None]
    fset = set(file_samples)
    present = [s for s in wanted if s in fset]
    if not present and len(rows) == 1 and len(fset) == 1:
        # a single-sample file whose internal id differs from the samplesheet's: it is this sample
        df = df.assign(sample=wanted[0])
        present = wanted
    pset = set(present)
    missing = [r for r in rows if r.sample not in pset]
    if missing and (not absent_ok or (not present and fset)):
        r = missing[0]
        shown = ", ".join(file_samples[:5]) + (" …" if len(file_samples) > 5 else "")
        raise InputError(
            f"sample {r.sample!r} not found in {col} file {path} (it holds {len(fset)} sample(s): {shown or 'none'})",
            **_where(r, col, path),
        )
    keep = set(present)
    sub = df[df["sample"].isin(keep)] if len(keep) < len(fset) or len(fset) == 0 else df
    return sub, wanted


def _resolve_build(explicit: str | None, declared: list[tuple[str, str, Path]], rows: list) -> str:
    """One build for the cohort; contradictions -> InputError naming the file or row."""
    if explicit is not None:
        for b, what, p in declared:
            if b != explicit:
                raise InputError(f"{what} declares genome build {b} but build {explicit} was requested", path=p)
        for r in rows:
            if r.build and r.build != explicit:
                raise InputError(f"row declares build {r.build} but build {explicit} was requested", path=r.origin, line=r.line, column="build")
        return explicit
    claims: list[tuple[str, str, dict]] = [(b, what, dict(path=p)) for b, what, p in declared]
    claims += [(r.build, f"samplesheet row {r.line}", dict(path=r.origin, line=r.line, column="build")) for r in rows if r.build]
    for r in rows:
        for k in COORDINATE_KINDS:
            if k in r.paths and not r.build:
                claims.append((DEFAULT_BUILD, f"{k} file {r.paths[k]} (declares no build; taken as {DEFAULT_BUILD})",
                               _where(r, k, r.paths[k])))
                break
    builds = sorted({b for b, _, _ in claims})
    if len(builds) > 1:
        seen, detail = set(), []
        for b, what, _ in claims:
            if (b, what) not in seen and len(detail) < 4:
                seen.add((b, what))
                detail.append(f"{what}: {b}")
        where = next(loc for b, _, loc in claims if b != claims[0][0])
        raise InputError(
            f"genome builds disagree ({'; '.join(detail)}); pass build= / --build to state the build of every file",
            **where,
        )
    return builds[0] if builds else DEFAULT_BUILD


def _concat(parts: list[pd.DataFrame], name: str) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty(name)
    out = pd.concat([p[COLUMNS[name]] for p in parts], ignore_index=True)
    return out


def assemble(rows: list, *, build: str | None, genes: Iterable[str] | None, clinical_columns: dict[str, str] | None) -> Cohort:
    """Read every distinct file once and build the cohort for ``rows`` (see ``_samplesheet.Row``)."""
    explicit = None
    if build is not None:
        explicit = normalise_build(build)
        if explicit is None:
            raise InputError(f"unknown genome build {build!r} (expected GRCh38 or GRCh37)")
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
    genes = list(genes) if genes is not None else None

    def add(col: str, p: Path, df: pd.DataFrame, rs: list, absent_ok: bool = False) -> None:
        kind, table = KIND_OF[col]
        sub, wanted = _select(df, col, p, rs, absent_ok=absent_ok)
        tables[table].append(sub)
        assessed.extend((s, kind) for s in wanted)

    for (col, p), rs in groups.items():
        if col == "maf":
            df = read_maf(p, build=explicit)
        elif col == "vcf":
            df = read_vcf(p, sample=rs[0].sample if len(rs) == 1 else None, build=explicit)
        else:
            continue
        if df.attrs.get("build") and explicit is None:
            declared.append((df.attrs["build"], f"{col} file {p}", p))
        add(col, p, df, rs, absent_ok=(col == "maf"))
    final = _resolve_build(explicit, declared, rows)
    clinical_parts = []
    for (col, p), rs in groups.items():
        if col == "seg":
            seg = read_segments(p, build=final, genes=genes, samples=[r.sample for r in rs])
            if len(rs) == 1 and rs[0].sample not in set(seg.attrs["samples"]) and len(seg.attrs["samples"]) == 1:
                seg = read_segments(p, build=final, genes=genes)  # single-sample file, other id
            add(col, p, seg, rs)
        elif col == "junctions":
            add(col, p, read_junctions(p, sample=rs[0].sample, build=final), rs)
        elif col == "psi":
            add(col, p, read_psi(p), rs)
        elif col == "expression":
            add(col, p, read_expression(p), rs)
        elif col == "methylation":
            add(col, p, read_methylation(p), rs)
        elif col == "clinical":
            df = read_clinical(p, columns=clinical_columns)
            sub, _ = _select(df, col, p, rs, absent_ok=True) if len(df) else (df, None)
            clinical_parts.append((p, sub))
    samples, origin = _samples(rows, clinical_parts, assessed)
    order = {r.sample: i for i, r in enumerate(rows)}
    a = pd.DataFrame(assessed, columns=["sample", "kind"]).drop_duplicates()
    a = a.assign(_o=a["sample"].map(order)).sort_values(["_o", "kind"], kind="stable").drop(columns="_o").reset_index(drop=True)
    have = set(a["sample"])
    for r in rows:
        if r.sample not in have:
            raise InputError(f"sample {r.sample!r} has no data (no file, clinical row or history given)", path=r.origin, line=r.line)
    kw = {t: _concat(tables[t], t) for t in ("variants", "copy_number", "expression", "splicing", "methylation")}
    return Cohort(samples=samples, assessed=a, build=final, origin=origin, **kw)


def _row_where(r, col: str) -> dict:
    """Where a samplesheet row's value came from (file, line, column), or nothing (flags)."""
    return {"path": r.origin, "line": r.line, "column": col} if r.origin is not None else {}


def _samples(rows: list, clinical_parts: list, assessed: list) -> tuple[pd.DataFrame, dict]:
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
        if c is not None or any(k in ex for k in ("prior_agents", "refractory_agents", "line")):
            assessed.append((r.sample, "history"))
        if subtype:
            assessed.append((r.sample, "subtype"))
        out.append(
            {"sample": r.sample, "disease": disease, "subtype": subtype or None,
             "line": None if line is None or pd.isna(line) else int(line),
             "prior_agents": list(prior), "refractory_agents": list(refr),
             "purity": ex.get("purity", float("nan"))}
        )
        origins[r.sample] = origin
    df = pd.DataFrame(out, columns=COLUMNS["samples"])
    df["line"] = pd.array(df["line"].tolist(), dtype="Int64")
    df["subtype"] = pd.Series([o["subtype"] for o in out], dtype=object)
    df["disease"] = pd.Series([o["disease"] for o in out], dtype=object)
    return df, origins


__all__ = ["assemble"]
