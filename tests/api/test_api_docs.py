"""docs/api.md documents every route of the HTTP API (the list comes from ``app.routes``)."""
from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from refractor.api import create_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _routes(routes, prefix: str = "") -> list[tuple[str, str]]:
    """(method, path) of every API route, descending into included routers (FastAPI >= 0.16x
    keeps an included router as one ``_IncludedRouter`` entry holding ``original_router``)."""
    out = []
    for r in routes:
        if isinstance(r, APIRoute):
            out += [(m, prefix + r.path) for m in sorted(r.methods)]
        elif hasattr(r, "original_router"):
            ctx = getattr(r, "include_context", None)
            out += _routes(r.original_router.routes, prefix + (getattr(ctx, "prefix", "") or ""))
    return out


def test_every_route_is_documented():
    app = create_app()
    routes = _routes(app.routes)
    # the walk must find every operation of the OpenAPI document (else it missed a router)
    openapi = {(m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops}
    assert openapi <= set(routes) and ("POST", "/profile") in routes
    text = DOC.read_text(encoding="utf-8")
    missing = [f"{m} {p}" for m, p in routes if f"`{m} {p}`" not in text]
    assert not missing, f"routes missing from docs/api.md: {missing}"
