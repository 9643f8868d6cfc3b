"""Profiling in the browser: upload a samplesheet with its files (or fill in one sample), then
read the report — per-agent levels, the trace of each call, mechanisms with their observations,
strategies, harmful combinations flagged, warnings, the disclaimer — and download it as JSON,
TSV or self-contained HTML.

Uploads are written to a per-request temporary folder, only under their base names, read with
the same io functions as ``refractor profile`` and removed before the response is sent; no
response names a server path. Interpretation runs in the service's bounded worker pool. Reports
are kept in the service's state folder under an unguessable id, so they survive a restart
(:mod:`refractor.api._state`; ``ServiceLimits.reports_kept``, oldest dropped first).
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from refractor.api._app import get_kb
from refractor.api._pool import run_in_pool
from refractor.errors import InputError, NotFoundError
from refractor.web._render import entry_url, respond

router = APIRouter(include_in_schema=False)


async def _keep(request: Request, result: dict[str, Any]) -> str:
    """Store a report in the state folder (a thread: never on the event loop); its id."""
    return await run_in_threadpool(request.app.state.store.put, "reports", result)


def _get(request: Request, rid: str) -> dict[str, Any]:
    """A stored report (blocking: call from a thread); NotFoundError when unknown or dropped."""
    got = request.app.state.store.get("reports", rid)
    if got is None:
        raise NotFoundError(f"no report {rid!r} (reports are kept for a while, "
                            "REFRACTOR_REPORTS_KEPT and REFRACTOR_STATE_MAX_AGE_DAYS: profile again)")
    return got


def _kb_genes(kb: Any) -> set[str]:
    from refractor.interpret._prepare import iter_features

    return {getattr(f, "gene", None) for b in kb.biomarkers.values() for f in iter_features(b.profile)} - {None}


def bundle(result: Any, kb: Any) -> dict[str, Any]:
    """What a report page and its downloads need, as plain data (it crosses from the worker
    process): per-sample JSON, the level table, the TSV and the self-contained HTML."""
    import io

    import pandas as pd

    from refractor.api._profile import level_records
    from refractor.report import render_html

    levels = result.call_frame()
    buf = io.StringIO()
    pd.DataFrame(level_records(result)).to_csv(buf, sep="\t", index=False)
    return {"kb_version": result.kb_version, "kb_hash": result.kb_hash, "agents": list(result.agents),
            "levels": [{"sample": s, "levels": [None if v != v else v for v in levels.loc[s].tolist()]}
                       for s in levels.index],
            "samples": [r.to_dict() for r in result], "tsv": buf.getvalue(),
            "html": render_html(result, kb)}


def interpret_sheet(folder: Path, sheet: str, kb: Any, max_samples: int, limits: Any = None) -> dict[str, Any]:
    """Read an uploaded samplesheet with the io layer (input caps ``limits``, the app's
    ``Settings.limits.io``) and interpret it with the app's knowledge base (runs in a worker)."""
    from refractor.interpret import interpret
    from refractor.io import GENE_TABLES, read_samplesheet

    from refractor.api._errors import scrub

    cohort = read_samplesheet(folder / sheet, genes=_kb_genes(kb), restrict=GENE_TABLES, limits=limits)
    n = len(cohort.samples)
    if n > max_samples:
        raise InputError(f"{n} samples; at most {max_samples} per request (REFRACTOR_MAX_SAMPLES)",
                         path=sheet)
    # observations cite their file and line: name the uploaded file, never the server folder
    return scrub(bundle(interpret(cohort, kb), kb), [str(folder.resolve()), str(folder)])


def interpret_one(body: Any, kb: Any) -> dict[str, Any]:
    """Interpret one sample posted from the form (runs in a worker)."""
    from refractor.api._profile import _interpret

    return bundle(_interpret([body], kb), kb)


def report_context(rid: str, data: dict[str, Any]) -> dict[str, Any]:
    """The report page: cohort level table, then every sample in detail."""
    from refractor.interpret import DISCLAIMER

    samples = []
    for d in data["samples"]:
        d = dict(d)
        d["agents"] = [{**a, "url": entry_url("agents", a["agent"])} for a in d["agents"]]
        d["mechanisms"] = [{**m, "url": entry_url("mechanisms", m["mechanism"])} for m in d["mechanisms"]]
        for key in ("strategies", "flagged_harmful"):
            d[key] = [{**x, "url": entry_url("strategies", x["strategy"])} for x in d.get(key, [])]
        d["active_mechanisms"] = [m for m in d["mechanisms"] if m.get("status") in ("detected", "possible")]
        d["model_url"] = f"/sample-model?report={rid}&sample={d['sample']}"
        samples.append(d)
    return {"page": "report", "title": "Resistance report", "id": rid, "kb_version": data["kb_version"],
            "kb_hash": data["kb_hash"], "agents": data["agents"], "levels": data["levels"],
            "samples": samples, "disclaimer": DISCLAIMER,
            "downloads": {k: f"/report/{rid}/download/{n}" for k, n in
                          (("json", "report.json"), ("tsv", "cohort_levels.tsv"), ("html", "report.html"))}}


@router.get("/upload")
def upload_page(request: Request):
    lim = request.app.state.settings.limits.service
    return respond(request, "upload.html.j2", {
        "page": "upload", "title": "Profile samples", "max_samples": lim.max_samples,
        "max_files": lim.max_upload_files, "max_bytes": lim.max_body_bytes})


@router.post("/upload/samplesheet")
async def upload_samplesheet(request: Request, samplesheet: UploadFile,
                             files: list[UploadFile] | None = None, kb=Depends(get_kb)):
    lim = request.app.state.settings.limits.service
    uploads = [samplesheet, *(files or [])]
    uploads = [u for u in uploads if u.filename]
    if len(uploads) > lim.max_upload_files:
        raise InputError(f"{len(uploads)} files; at most {lim.max_upload_files} per upload "
                         "(REFRACTOR_MAX_UPLOAD_FILES)", column="files")
    folder = Path(tempfile.mkdtemp(prefix="refractor-upload-"))
    request.state.upload_dir = folder  # error messages drop this prefix
    try:
        names = set()
        for u in uploads:
            name = Path(u.filename or "").name
            if not name or name in (".", "..") or name in names:
                raise InputError(f"bad or repeated file name {u.filename!r}", column="files")
            names.add(name)
            with open(folder / name, "wb") as fh:
                shutil.copyfileobj(u.file, fh)
        sheet = Path(samplesheet.filename or "").name
        result = await run_in_pool(request, interpret_sheet, folder, sheet, kb, lim.max_samples,
                                   request.app.state.settings.limits.io)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return RedirectResponse(f"/report/{await _keep(request, result)}", status_code=303)


def _lines(text: str, field: str, cols: int) -> list[list[str]]:
    rows = []
    for k, line in enumerate(text.splitlines(), 1):
        if line.strip():
            parts = [p.strip() for p in line.replace("\t", ",").split(",")]
            if len(parts) > cols:
                raise InputError(f"line {k}: at most {cols} comma-separated values", column=field)
            rows.append(parts + [""] * (cols - len(parts)))
    return rows


def _number(text: str, field: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number", column=field) from None


@router.post("/upload/sample")
async def upload_sample(request: Request, sample: str = Form(..., max_length=200),
                        disease: str = Form(..., max_length=200), variants: str = Form("", max_length=200_000),
                        expression: str = Form("", max_length=200_000), prior_agents: str = Form("", max_length=2000),
                        refractory_agents: str = Form("", max_length=2000), sequenced: bool = Form(False),
                        kb=Depends(get_kb)):
    from refractor.api._profile import SampleIn

    body: dict[str, Any] = {"sample": sample.strip(), "disease": disease.strip()}
    rows = _lines(variants, "variants", 4)
    if rows or sequenced:
        body["variants"] = [{"gene": g, "consequence": c or None, "protein_change": p or None,
                             "vaf": _number(v, "variants")} for g, c, p, v in rows]
    expr = _lines(expression, "expression", 2)
    if expr:
        body["expression"] = [{"gene": g, "tpm": _number(t, "expression")} for g, t in expr]
    for key, text in (("prior_agents", prior_agents), ("refractory_agents", refractory_agents)):
        names = [a.strip() for a in text.replace(";", ",").split(",") if a.strip()]
        if names:
            body[key] = names
    from pydantic import ValidationError

    try:
        parsed = SampleIn.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(str(first["msg"]), column=".".join(str(x) for x in first["loc"])) from None
    result = await run_in_pool(request, interpret_one, parsed, kb)
    return RedirectResponse(f"/report/{await _keep(request, result)}", status_code=303)


@router.get("/report/{rid}")
def report(request: Request, rid: str):
    return respond(request, "report.html.j2", report_context(rid, _get(request, rid)))


@router.get("/report/{rid}/download/{name}")
def download(request: Request, rid: str, name: str):
    import json

    data = _get(request, rid)
    if name == "report.json":
        doc = {"kb_version": data["kb_version"], "kb_hash": data["kb_hash"], "samples": data["samples"]}
        return Response(json.dumps(doc, indent=1, allow_nan=False, default=str), media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="report.json"'})
    if name == "cohort_levels.tsv":
        return Response(data["tsv"], media_type="text/tab-separated-values",
                        headers={"Content-Disposition": 'attachment; filename="cohort_levels.tsv"'})
    if name == "report.html":
        # self-contained: inline styles and data: images, nothing else
        return Response(data["html"], media_type="text/html",
                        headers={"Content-Disposition": 'attachment; filename="report.html"',
                                 "Content-Security-Policy": "default-src 'none'; img-src data:; "
                                 "style-src 'unsafe-inline'"})
    raise NotFoundError(f"no download {name!r}; valid: report.json, cohort_levels.tsv, report.html")


def sample_model_context(rid: str, sample: dict[str, Any]) -> dict[str, Any]:
    """Model predictions for one sample of a report (runs in a worker)."""
    from refractor.models import predict_from_sample

    df = predict_from_sample(sample)
    sample = sample["sample"]
    cols = [c for c in ("model", "agent", "status", "ic50_fold", "emax_shift", "perturbations",
                        "reference", "assumptions", "sources", "mechanism") if c in df.columns]
    rows = df[cols].astype(object).where(df[cols].notna(), None).to_dict(orient="records")
    return {"page": "sample-model", "title": f"Sample {sample} in the models", "report": rid,
            "sample": sample, "columns": cols, "rows": rows, "report_url": f"/report/{rid}"}


@router.get("/sample-model")
async def sample_model(request: Request, report: str, sample: str):
    data = await run_in_threadpool(_get, request, report)
    found = next((s for s in data["samples"] if s["sample"] == sample), None)
    if found is None:
        raise NotFoundError(f"no sample {sample!r} in report {report!r}")
    ctx = await run_in_pool(request, sample_model_context, report, found)
    return respond(request, "sample_model.html.j2", ctx)


__all__ = ["report_context", "router", "sample_model_context"]
