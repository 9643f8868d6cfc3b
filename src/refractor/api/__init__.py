"""Refractor's HTTP API (FastAPI): a thin shell over the same library functions as the CLI.

``create_app()`` builds the application; nothing is read until the first request. Errors are
mapped to HTTP statuses in one place (:mod:`refractor.api._app`) and always use the JSON shape
of :meth:`refractor.errors.RefractorError.to_dict`::

    {"error": "NotFoundError", "message": "...", ...}

Adding an area: write ``refractor/api/_<area>.py`` with a module-level ``router``
(``fastapi.APIRouter``) and add its module name to ``ROUTER_MODULES`` in ``_app.py``.
Endpoints get the knowledge base through the ``get_kb`` dependency.
"""
from refractor.api._app import MAX_BODY_BYTES, ROUTER_MODULES, create_app, get_kb

__all__ = ["create_app", "get_kb", "ROUTER_MODULES", "MAX_BODY_BYTES"]
