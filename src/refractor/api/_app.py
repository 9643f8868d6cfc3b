"""The FastAPI application factory, the KB dependency and the one error mapping."""
from __future__ import annotations

import importlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from refractor import __version__
from refractor.errors import InputError, KnowledgeBaseError, NotFoundError, RefractorError

if TYPE_CHECKING:  # pragma: no cover
    from refractor.kb import KnowledgeBase
    from refractor.settings import Settings

#: modules holding a ``router``; other areas add theirs here
ROUTER_MODULES: tuple[str, ...] = ("refractor.api._kb", "refractor.api._models", "refractor.api._profile")
#: largest request body accepted (bytes); larger requests get 413
MAX_BODY_BYTES = 10 * 1024 * 1024


def status_for(exc: RefractorError) -> int:
    """HTTP status of a Refractor error (the one place this mapping lives)."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, KnowledgeBaseError):
        return 500
    return 500


def _error(status: int, exc: RefractorError) -> JSONResponse:
    return JSONResponse(exc.to_dict(), status_code=status)


def get_kb(request: Request) -> "KnowledgeBase":
    """FastAPI dependency: the app's knowledge base, loaded on first use."""
    state = request.app.state
    if state.kb is None:
        with state.kb_lock:
            if state.kb is None:
                from refractor.kb import KnowledgeBase

                state.kb = KnowledgeBase.load(settings=state.settings)
    return state.kb


def create_app(
    kb: "KnowledgeBase | None" = None,
    data_dir: str | Path | None = None,
    *,
    settings: "Settings | None" = None,
) -> FastAPI:
    """Build the Refractor HTTP application.

    Parameters
    ----------
    kb : KnowledgeBase, optional
        Serve this knowledge base; by default the one in ``settings.kb_dir`` is loaded on the
        first request that needs it.
    data_dir : path, optional
        KB folder to load when ``kb`` is not given (overrides ``settings.kb_dir``).
    settings : Settings, optional
        KB folder, cache folder and limits; default :meth:`Settings.resolve` (environment,
        then packaged defaults), resolved now.
    """
    from refractor.settings import Settings

    settings = (settings or Settings.resolve()).with_kb_dir(data_dir)
    app = FastAPI(
        title="Refractor",
        version=__version__,
        description="Explain and predict drug resistance in blood cancers (research use only).",
    )
    app.state.kb = kb
    app.state.settings = settings
    app.state.kb_lock = threading.Lock()

    @app.middleware("http")
    async def _limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return _error(413, InputError(f"request body larger than {MAX_BODY_BYTES} bytes"))
        return await call_next(request)

    @app.exception_handler(RefractorError)
    async def _refractor_error(request: Request, exc: RefractorError) -> JSONResponse:
        return _error(status_for(exc), exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        loc = [str(x) for x in first.get("loc", ())]
        column = loc[-1] if loc else None
        err = InputError(str(first.get("msg")), column=column)
        status = 400 if first.get("type") == "json_invalid" else 422
        return _error(status, err)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        cls = NotFoundError if exc.status_code == 404 else InputError
        err = cls(f"{request.url.path}: {exc.detail}") if cls is NotFoundError else InputError(str(exc.detail))
        return _error(exc.status_code, err)

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> JSONResponse:  # a bug
        return JSONResponse({"error": "InternalError", "message": f"internal error: {type(exc).__name__}"},
                            status_code=500)

    @app.get("/health", tags=["meta"], summary="Liveness check")
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    for name in ROUTER_MODULES:
        app.include_router(importlib.import_module(name).router)
    return app


__all__ = ["MAX_BODY_BYTES", "ROUTER_MODULES", "create_app", "get_kb", "status_for"]
