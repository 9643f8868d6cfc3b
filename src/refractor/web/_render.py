"""One code path for a page and its JSON twin: a context builder, then HTML or JSON.

A page route calls :func:`respond` with the JSON-ready context its builder returned; with
``?format=json`` (or ``Accept: application/json`` and no ``text/html``) the context is the
response, otherwise it is rendered with the page's Jinja template. The template sees only the
context, so whatever a page shows, its twin holds.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse

from refractor import __version__
from refractor._jsonsafe import json_safe

#: plural KB kind -> the singular used in page URLs (``/browse/agent/venetoclax``)
SINGULAR = {"sources": "source", "diseases": "disease", "genes": "gene", "agents": "agent",
            "neosubstrates": "neosubstrate", "mechanisms": "mechanism", "biomarkers": "biomarker",
            "strategies": "strategy", "evidence": "evidence", "claims": "claim", "trials": "trial",
            "contradictions": "contradiction", "model_systems": "model_system"}
PLURAL = {v: k for k, v in SINGULAR.items()}


def entry_url(kind: str, id: str) -> str:
    """Page URL of a KB entry (``kind`` singular or plural)."""
    return f"/browse/{SINGULAR.get(kind, kind)}/{quote(id, safe='')}"


def source_url(source: str) -> str | None:
    """PubMed / DOI / web link of a source id, where it has one."""
    if source.startswith("pmid:"):
        return f"https://pubmed.ncbi.nlm.nih.gov/{quote(source[5:])}/"
    if source.startswith("doi:"):
        return f"https://doi.org/{quote(source[4:], safe='/')}"
    if source.startswith("url:") and source[4:].startswith(("http://", "https://")):
        return source[4:]
    return None


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("refractor.web", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    from refractor.web import cohort_available

    # a {"text", "url"} mapping is a link, shown inline; other mappings are records
    env.tests["linkish"] = lambda v: isinstance(v, dict) and set(v) == {"text", "url"}
    env.globals.update(entry_url=entry_url, source_url=source_url, version=__version__,
                       cohort_available=cohort_available())
    return env


def wants_json(request: Request) -> bool:
    fmt = request.query_params.get("format")
    if fmt is not None:
        return fmt == "json"
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def json_twin_url(request: Request) -> str:
    url = request.url.include_query_params(format="json")
    return f"{url.path}?{url.query}"


def render(template: str, context: dict[str, Any], request: Request | None = None) -> str:
    twin = json_twin_url(request) if request is not None else None
    return environment().get_template(template).render(**context, ctx=context, json_url=twin)


def respond(request: Request, template: str, context: dict[str, Any], status: int = 200):
    """The page (HTML) or its JSON twin, from the same context."""
    context = json_safe(context)
    if wants_json(request):
        return JSONResponse(context, status_code=status)
    return HTMLResponse(render(template, context, request), status_code=status)


__all__ = ["PLURAL", "SINGULAR", "entry_url", "environment", "json_twin_url", "render", "respond",
           "source_url", "wants_json"]
