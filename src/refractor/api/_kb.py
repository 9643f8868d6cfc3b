"""``/kb/...``: knowledge-base endpoints (the JSON twins of ``refractor kb ...``).

Lists are paginated: ``limit`` (at most ``ServiceLimits.page_size``, the default) and
``offset``; the response carries ``X-Total-Count`` and, when more entries follow, a
``Link: <...>; rel="next"`` header. The body stays the plain list it always was.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from refractor.api._app import get_kb
from refractor.errors import InputError
from refractor.kb import KnowledgeBase

router = APIRouter(prefix="/kb", tags=["knowledge base"])

_ID = {"min_length": 1, "max_length": 200}
_LIMIT = Query(None, ge=1, description="Entries per page (default and maximum: the service page size).")
_OFFSET = Query(0, ge=0, le=10_000_000, description="Entries to skip.")


def page(request: Request, response: Response, rows: list[Any], limit: int | None, offset: int) -> list[Any]:
    """``rows[offset:offset+limit]``; total and next-page link in the headers."""
    size = request.app.state.settings.limits.service.page_size
    if limit is None:
        limit = size
    elif limit > size:
        raise InputError(f"limit {limit} is larger than the page size {size} (REFRACTOR_PAGE_SIZE); "
                         "use offset to page", column="limit")
    response.headers["X-Total-Count"] = str(len(rows))
    if offset + limit < len(rows):
        nxt = request.url.include_query_params(limit=limit, offset=offset + limit)
        response.headers["Link"] = f'<{nxt.path}?{nxt.query}>; rel="next"'
    return rows[offset:offset + limit]


@router.get("/stats", summary="Counts, version, content hash, coverage gaps")
def stats(kb: KnowledgeBase = Depends(get_kb)) -> dict[str, Any]:
    return kb.stats()


@router.get("/search", summary="Full-text search over every entry")
def search(
    request: Request, response: Response,
    q: str = Query(..., min_length=1, max_length=200, description="Words to find (all must match)."),
    limit: int = Query(50, ge=1, le=1000),
    kb: KnowledgeBase = Depends(get_kb),
) -> list[dict[str, Any]]:
    return page(request, response, kb.search(q, limit=limit).to_dict(orient="records"), None, 0)


@router.get("/mechanisms", summary="Mechanisms affecting an agent (optionally in a disease)")
def mechanisms(
    agent: str = Query(..., description="Agent id, name, code or agent class.", **_ID),
    disease: str | None = Query(None, description="Disease code (parents and sub-states match).", **_ID),
    kb: KnowledgeBase = Depends(get_kb),
) -> list[dict[str, Any]]:
    return [kb.item(m.id, "mechanisms") for m in kb.mechanisms_for_agent(agent, disease=disease)]


@router.get("/strategies", summary="Strategies addressing a mechanism")
def strategies(
    mechanism: str = Query(..., description="Mechanism id.", **_ID),
    kb: KnowledgeBase = Depends(get_kb),
) -> list[dict[str, Any]]:
    return [kb.item(s.id, "strategies") for s in kb.strategies_for_mechanism(mechanism)]


@router.get("/evidence/{id}", summary="Evidence about an entry, strongest first")
def evidence(id: str = Path(..., **_ID), kb: KnowledgeBase = Depends(get_kb)) -> list[dict[str, Any]]:
    return [kb.item(e.id, "evidence") for e in kb.evidence_for(id)]


@router.get("/export", summary="The whole KB as one document (schema refractor.kb-export)")
def export(kb: KnowledgeBase = Depends(get_kb)) -> dict[str, Any]:
    return kb.export("json")


@router.get("/item/{id}", summary="One entry and the ids linked to it")
def item(
    id: str = Path(..., **_ID),
    kind: str | None = Query(None, description="Look only in this kind.", max_length=40),
    kb: KnowledgeBase = Depends(get_kb),
) -> dict[str, Any]:
    record = kb.item(id, kind)
    return {"item": record, "related": kb.related(id, kind)}


@router.get("/{kind}", summary="Every entry of one kind")
def list_kind(request: Request, response: Response, kind: str = Path(..., max_length=40),
              limit: int | None = _LIMIT, offset: int = _OFFSET,
              kb: KnowledgeBase = Depends(get_kb)) -> list[dict[str, Any]]:
    return page(request, response, kb.items(kind), limit, offset)
