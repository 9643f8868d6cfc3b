"""Knowledge pages: home with one search box, search results, and a page for every KB entry.

``/browse/{kind}/{id}`` shows one entry (agent, mechanism, gene, disease, strategy, evidence,
source, ...): its fields, its sources with PubMed/DOI links, linked entries, the evidence about
it with its level, conflicting evidence side by side, the contradictions between sources that
touch it, and harmful strategies flagged. ``/browse/{kind}`` lists a kind, paginated.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from refractor.api._app import get_kb
from refractor.errors import InputError
from refractor.web._render import PLURAL, SINGULAR, entry_url, respond, source_url

router = APIRouter(include_in_schema=False)

#: record fields shown as lists of links: field -> kind of the ids it holds
_LINKS = {"agents": "agents", "agent": "agents", "diseases": "diseases", "genes": "genes", "gene": "genes",
          "targets": "genes", "components": "agents", "mechanism": "mechanisms", "parent": "diseases",
          "conflicts_with": "evidence", "source": "sources", "evidence": "evidence", "biomarkers": "biomarkers",
          "strategies": "strategies", "mechanisms": "mechanisms"}
_SKIP = {"id", "name", "sources", "kind", "addresses", "sides", "subject", "numbers", "quantity"}


def _evidence_row(kb: Any, e: Any) -> dict[str, Any]:
    return {"id": e.id, "url": entry_url("evidence", e.id), "statement": e.statement,
            "level": e.level.value, "significance": e.significance.value,
            "direction": e.direction.value, "subject": f"{e.subject.kind}:{e.subject.id}",
            "agents": [u.agent for u in e.agents], "diseases": list(e.diseases),
            "source": e.source, "source_url": source_url(e.source),
            "conflicts_with": list(e.conflicts_with),
            "numbers": [q.verbatim or f"{q.value} {q.unit or ''}".strip() for q in e.numbers]}


def _strategy_row(s: Any) -> dict[str, Any]:
    return {"id": s.id, "name": s.name, "url": entry_url("strategies", s.id), "kind": s.kind,
            "evidence_level": s.evidence_level.value, "harmful": bool(s.harmful),
            "agents": list(s.agents)}


def _value(kb: Any, field: str, value: Any) -> Any:
    """A field value for display: ids that name KB entries become links (also inside lists of
    objects, e.g. an evidence item's ``agents``)."""
    target = _LINKS.get(field)
    if target and isinstance(value, str):
        recs = kb.records(target)
        return {"text": value, "url": entry_url(target, value) if value in recs else None}
    if isinstance(value, list):
        return [_value(kb, field, v) for v in value]
    if isinstance(value, dict):
        return {k: _value(kb, k, v) for k, v in value.items()}
    return value


def entry_context(kb: Any, kind: str, id: str) -> dict[str, Any]:
    """Everything the entry page shows (and its JSON twin returns)."""
    plural = PLURAL.get(kind, kind)
    if plural not in SINGULAR:
        raise InputError(f"unknown kind {kind!r}; expected one of: {', '.join(SINGULAR.values())}",
                         column="kind")
    record = kb.item(id, plural)
    related = kb.related(id, plural)
    fields = [{"name": k, "value": _value(kb, k, v)} for k, v in record.items()
              if k not in _SKIP and v not in (None, [], {}, "")]
    sources = [{"source": s["source"], "at": s.get("at"), "url": source_url(s["source"]),
                "page": entry_url("sources", s["source"]) if s["source"] in kb.sources else None}
               for s in record.get("sources") or []]
    if record.get("source"):
        src = record["source"]
        sources.append({"source": src, "at": record.get("at"), "url": source_url(src),
                        "page": entry_url("sources", src) if src in kb.sources else None})
    ev = [kb.evidence[i] for i in related.get("evidence", []) if i in kb.evidence]
    rows = [_evidence_row(kb, e) for e in ev]
    ids = {e.id for e in ev}
    # conflicting evidence: declared conflicts, and items that do / do not support the subject
    conflicts = []
    for e in ev:
        for other in e.conflicts_with:
            if other in kb.evidence and (other not in ids or e.id < other):
                conflicts.append({"a": _evidence_row(kb, e), "b": _evidence_row(kb, kb.evidence[other])})
    against = [r for r in rows if r["direction"] == "does_not_support"]
    side_by_side = ({"supports": [r for r in rows if r["direction"] == "supports"], "against": against}
                    if against else None)
    contradictions = []
    for c in kb.contradictions.values():
        touched = {s.evidence for s in c.sides} & ids or (plural == "sources" and any(s.source == id for s in c.sides))
        if touched or (plural == "contradictions" and c.id == id):
            contradictions.append({
                "id": c.id, "topic": c.topic, "impact": c.impact, "handling": c.handling,
                "url": entry_url("contradictions", c.id),
                "sides": [{"statement": s.statement, "source": s.source, "url": source_url(s.source),
                           "evidence": s.evidence} for s in c.sides]})
    strategies = []
    if plural == "mechanisms":
        strategies = [_strategy_row(s) for s in kb.strategies_for_mechanism(id)]
    elif plural == "agents":
        strategies = [_strategy_row(kb.strategies[s]) for s in related.get("strategies", [])]
    elif plural == "strategies":
        strategies = [_strategy_row(kb.strategies[id])]
    links = {k: [{"id": i, "url": entry_url(k, i)} for i in v]
             for k, v in related.items() if k not in ("evidence", "strategies") and v}
    return {"page": "entry", "kind": SINGULAR[plural], "id": id, "title": record.get("name") or id,
            "record": record, "fields": fields, "sources": sources, "related": links,
            "evidence": rows, "conflicts": conflicts, "side_by_side": side_by_side,
            "contradictions": contradictions, "strategies": strategies,
            "harmful": [s for s in strategies if s["harmful"]]}


def home_context(kb: Any) -> dict[str, Any]:
    stats = kb.stats()
    kinds = [{"kind": SINGULAR[k], "count": n, "url": f"/browse/{SINGULAR[k]}"}
             for k, n in stats["counts"].items() if k in SINGULAR]
    return {"page": "home", "title": "Refractor", "kb_version": stats["version"],
            "kb_hash": stats["content_hash"], "kinds": kinds}


def search_context(kb: Any, q: str, limit: int) -> dict[str, Any]:
    hits = kb.search(q, limit=limit).to_dict(orient="records") if q.strip() else []
    for h in hits:
        h["url"] = entry_url(h["kind"], h["id"])
    return {"page": "search", "title": f"Search: {q}", "q": q, "hits": hits}


def list_context(request: Request, kb: Any, kind: str, offset: int) -> dict[str, Any]:
    plural = PLURAL.get(kind, kind)
    if plural not in SINGULAR:
        raise InputError(f"unknown kind {kind!r}; expected one of: {', '.join(SINGULAR.values())}",
                         column="kind")
    size = request.app.state.settings.limits.service.page_size
    rows = kb.items(plural)
    page = [{"id": r["id"], "name": r.get("name") or r.get("topic") or r["id"],
             "url": entry_url(plural, r["id"])} for r in rows[offset:offset + size]]
    nxt = offset + size if offset + size < len(rows) else None
    return {"page": "list", "kind": SINGULAR[plural], "title": f"{plural.replace('_', ' ').capitalize()}",
            "total": len(rows), "offset": offset, "entries": page,
            "next": f"/browse/{SINGULAR[plural]}?offset={nxt}" if nxt is not None else None}


@router.get("/")
def home(request: Request, kb=Depends(get_kb)):
    return respond(request, "home.html.j2", home_context(kb))


@router.get("/search")
def search(request: Request, q: str = Query("", max_length=200), kb=Depends(get_kb)):
    return respond(request, "search.html.j2", search_context(kb, q, 100))


@router.get("/browse/{kind}")
def browse(request: Request, kind: str = Path(..., max_length=40),
           offset: int = Query(0, ge=0, le=10_000_000), kb=Depends(get_kb)):
    return respond(request, "list.html.j2", list_context(request, kb, kind, offset))


@router.get("/browse/{kind}/{id:path}")
def entry(request: Request, kind: str = Path(..., max_length=40), id: str = Path(..., max_length=400),
          kb=Depends(get_kb)):
    return respond(request, "entry.html.j2", entry_context(kb, kind, id))


__all__ = ["entry_context", "home_context", "list_context", "router", "search_context"]
