"""Refractor's HTTP API (FastAPI): a thin shell over the same library functions as the CLI.

``create_app()`` builds the application (the JSON API, and the web pages of
:mod:`refractor.web`); nothing is read when it is built (a served application loads its
knowledge base and starts its worker processes in the background as it starts). Errors are
mapped to HTTP statuses in one place (:mod:`refractor.api._errors`) and every status >= 400 has one JSON
shape, :meth:`refractor.errors.RefractorError.to_dict` plus the status::

    {"error": "NotFoundError", "status": 404, "message": "...", ...}

Limits (body, samples, page, response, time, workers, token) come from
``settings.limits.service`` (:class:`refractor.settings.ServiceLimits`); heavy endpoints run
their work through :func:`refractor.api._pool.run_heavy` (a bounded pool of worker processes;
work over the time limit is stopped). Reports and jobs live in the state folder
(:mod:`refractor.api._state`, ``settings.server_dir``).

Adding an area: write ``refractor/api/_<area>.py`` with a module-level ``router``
(``fastapi.APIRouter``) and add its module name to ``ROUTER_MODULES`` in ``_app.py``.
Endpoints get the knowledge base through the ``get_kb`` dependency. A CPU-heavy endpoint is
``async`` and returns ``await run_heavy(request, fn, *args)``: ``fn`` must be a module-level
function and its arguments picklable (they cross into a worker process); an argument that is
the app's knowledge base is replaced by the worker's own copy, so pass ``kb`` as it is.
"""
from refractor.api._app import MAX_BODY_BYTES, ROUTER_MODULES, create_app, get_kb

__all__ = ["create_app", "get_kb", "ROUTER_MODULES", "MAX_BODY_BYTES"]
