"""``/docs``: the OpenAPI explorer (Swagger UI), served offline from vendored assets.

Swagger UI (npm ``swagger-ui-dist``, Apache-2.0, in ``refractor/web/static/vendor``) is
loaded from this server only; the start-up script is a file too, so the page satisfies the
content security policy without inline script.
"""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["meta"])

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Refractor API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
<link rel="icon" href="data:,">
</head><body>
<main><h1 class="visually-hidden">Refractor API</h1><div id="swagger-ui" data-openapi="/openapi.json"></div></main>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/docs-init.js"></script>
</body></html>"""


@router.get("/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    return HTMLResponse(_PAGE)


__all__ = ["router"]
