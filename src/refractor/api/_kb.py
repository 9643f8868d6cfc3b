"""``/kb/...``: knowledge-base endpoints (the JSON twins of ``refractor kb ...``).

Lists are paginated: ``limit`` (at most ``ServiceLimits.page_size``, the default) and
``offset``; the response carries ``X-Total-Count`` and, when more entries follow, a
``Link: <...>; rel="next"`` header. The body stays the plain list it always was.

The service's knowledge base does not change while it runs, so each answer is computed once
per URL in a worker thread and then served from memory (:mod:`refractor.api._cache`).
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from refractor.api._app import get_kb
from refractor.api._cache import cached
from refractor.errors import InputError
from refractor.kb import KnowledgeBase

router = APIRouter(prefix="/kb", tags=["knowledge base"])

_ID = {"min_length": 1, "max_length": 200}
_LIMIT = Query(None, ge=1, description="Entries per page (default and maximum: the service page size).")
_OFFSET = Query(0, ge=0, le=10_000_000, description="Entries to skip.")
_LIST = {"response_model": list[dict[str, Any]]}
_DOC = {"response_model": dict[str, Any]}


def page(request: Request, rows: list[Any], limit: int | None, offset: int) -> tuple[list[Any], dict[str, str]]:
    """``rows[offset:offset+limit]`` and the headers with the total and the next-page link."""
    size = request.app.state.settings.limits.service.page_size
    if limit is None:
        limit = size
    elif limit > size:
        raise InputError(f"limit {limit} is larger than the page size {size} (REFRACTOR_PAGE_SIZE); "
                         "use offset to page", column="limit")
    headers = {"X-Total-Count": str(len(rows))}
    if offset + limit < len(rows):
        nxt = request.url.include_query_params(limit=limit, offset=offset + limit)
        headers["Link"] = f'<{nxt.path}?{nxt.query}>; rel="next"'
    return rows[offset:offset + limit], headers


@router.get("/stats", summary="Counts, version, content hash, coverage gaps", **_DOC)
async def stats(request: Request, kb: KnowledgeBase = Depends(get_kb)):
    return await cached(request, lambda: (kb.stats(), {}))


@router.get("/search", summary="Full-text search over every entry", **_LIST)
async def search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=200, description="Words to find (all must match)."),
    limit: int = Query(50, ge=1, le=1000),
    kb: KnowledgeBase = Depends(get_kb),
):
    return await cached(request, lambda: page(request, kb.search(q, limit=limit).to_dict(orient="records"), None, 0))


@router.get("/mechanisms", summary="Mechanisms affecting an agent (optionally in a disease)", **_LIST)
async def mechanisms(
    request: Request,
    agent: str = Query(..., description="Agent id, name, code or agent class.", **_ID),
    disease: str | None = Query(None, description="Disease code (parents and sub-states match).", **_ID),
    kb: KnowledgeBase = Depends(get_kb),
):
    return await cached(request, lambda: ([kb.item(m.id, "mechanisms")
                                           for m in kb.mechanisms_for_agent(agent, disease=disease)], {}))


@router.get("/strategies", summary="Strategies addressing a mechanism", **_LIST)
async def strategies(
    request: Request,
    mechanism: str = Query(..., description="Mechanism id.", **_ID),
    kb: KnowledgeBase = Depends(get_kb),
):
    return await cached(request, lambda: ([kb.item(s.id, "strategies")
                                           for s in kb.strategies_for_mechanism(mechanism)], {}))


@router.get("/evidence/{id}", summary="Evidence about an entry, strongest first", **_LIST)
async def evidence(request: Request, id: str = Path(..., **_ID), kb: KnowledgeBase = Depends(get_kb)):
    return await cached(request, lambda: ([kb.item(e.id, "evidence") for e in kb.evidence_for(id)], {}))


@router.get("/export", summary="The whole KB as one document (schema refractor.kb-export)", **_DOC)
async def export(request: Request, kb: KnowledgeBase = Depends(get_kb)):
    return await cached(request, lambda: (kb.export("json"), {}))


@router.get("/item/{id}", summary="One entry and the ids linked to it", **_DOC)
async def item(
    request: Request,
    id: str = Path(..., **_ID),
    kind: str | None = Query(None, description="Look only in this kind.", max_length=40),
    kb: KnowledgeBase = Depends(get_kb),
):
    return await cached(request, lambda: ({"item": kb.item(id, kind), "related": kb.related(id, kind)}, {}))


@router.get("/{kind}", summary="Every entry of one kind", **_LIST)
async def list_kind(request: Request, kind: str = Path(..., max_length=40),
                    limit: int | None = _LIMIT, offset: int = _OFFSET,
                    kb: KnowledgeBase = Depends(get_kb)):
    return await cached(request, lambda: page(request, kb.items(kind), limit, offset))
