"""``/kb/...``: knowledge-base endpoints (the JSON twins of ``refractor kb ...``)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query

from refractor.api._app import get_kb
from refractor.kb import KnowledgeBase

router = APIRouter(prefix="/kb", tags=["knowledge base"])

_ID = {"min_length": 1, "max_length": 200}


@router.get("/stats", summary="Counts, version, content hash, coverage gaps")
def stats(kb: KnowledgeBase = Depends(get_kb)) -> dict[str, Any]:
    return kb.stats()


@router.get("/search", summary="Full-text search over every entry")
def search(
    q: str = Query(..., min_length=1, max_length=200, description="Words to find (all must match)."),
    limit: int = Query(50, ge=1, le=1000),
    kb: KnowledgeBase = Depends(get_kb),
) -> list[dict[str, Any]]:
    return kb.search(q, limit=limit).to_dict(orient="records")


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
def list_kind(kind: str = Path(..., max_length=40), kb: KnowledgeBase = Depends(get_kb)) -> list[dict[str, Any]]:
    return kb.items(kind)
