"""The FastAPI application factory and the KB dependency.

The pieces it assembles each live in one module: the error shape and status mapping
(:mod:`._errors`), the service middleware — body limit, media types, token, security headers
(:mod:`._middleware`) — the bounded worker pool for heavy requests (:mod:`._pool`), the
offline API docs (:mod:`._docs`) and the web application (:mod:`refractor.web`).
"""
from __future__ import annotations

import contextlib
import importlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request

from refractor import __version__
from refractor.api._errors import install_handlers, status_for
from refractor.api._middleware import ServiceMiddleware
from refractor.api._pool import WorkerPool
from refractor.api._state import StateStore
from refractor.settings import ServiceLimits

if TYPE_CHECKING:  # pragma: no cover
    from refractor.kb import KnowledgeBase
    from refractor.settings import Settings

#: modules holding a ``router``; other areas add theirs here
ROUTER_MODULES: tuple[str, ...] = ("refractor.api._kb", "refractor.api._models", "refractor.api._profile",
                                   "refractor.api._docs")
#: default largest request body (bytes; ``ServiceLimits.max_body_bytes``); larger requests get 413
MAX_BODY_BYTES = ServiceLimits().max_body_bytes


def _load_kb(state) -> "KnowledgeBase":
    with state.kb_lock:
        if state.kb is None:
            from refractor.kb import KnowledgeBase

            state.kb = KnowledgeBase.load(settings=state.settings)
    return state.kb


async def get_kb(request: Request) -> "KnowledgeBase":
    """FastAPI dependency: the app's knowledge base, loaded on first use (in a worker thread,
    never on the event loop; afterwards without any thread hop)."""
    state = request.app.state
    if state.kb is not None:
        return state.kb
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_load_kb, state)


def create_app(
    kb: "KnowledgeBase | None" = None,
    data_dir: str | Path | None = None,
    *,
    settings: "Settings | None" = None,
    web: bool = True,
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
        KB folder, cache folder, state folder (``settings.server_dir``: reports and jobs kept
        across restarts) and limits (``settings.limits.service``: body, samples, page,
        response, time, workers, token, state caps); default :meth:`Settings.resolve`.
    web : bool
        Also serve the web application (pages at ``/``); the JSON API is always served.
    """
    from refractor.settings import Settings

    settings = (settings or Settings.resolve()).with_kb_dir(data_dir)
    limits = settings.limits.service
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        from starlette.concurrency import run_in_threadpool

        # the state folder at start: jobs a previous server left unfinished are marked failed
        await run_in_threadpool(app.state.store.open)

        def warm() -> None:  # the first heavy request need not wait for the KB and the workers
            try:
                _load_kb(app.state)
                app.state.pool.start()
            except Exception:  # the first request that needs them reports the problem
                pass

        threading.Thread(target=warm, name="refractor-warm-up", daemon=True).start()
        yield
        app.state.pool.shutdown()  # worker processes end with the server
        app.state.store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Refractor",
        version=__version__,
        description="Explain and predict drug resistance in blood cancers (research use only).",
        docs_url=None, redoc_url=None,  # offline docs in refractor.api._docs
        redirect_slashes=False,  # a trailing slash is a 404 in the error shape, never a 307
    )
    app.router.redirect_slashes = False
    app.state.kb = kb
    app.state.settings = settings
    app.state.kb_lock = threading.Lock()
    app.state.pool = WorkerPool(limits, kb=lambda: app.state.kb, settings=settings)
    app.state.store = StateStore(settings.server_dir, limits)  # opened on first use or at start
    install_handlers(app)

    @app.get("/health", tags=["meta"], summary="Liveness check")
    async def health() -> dict:
        return {"status": "ok", "version": __version__}

    for name in ROUTER_MODULES:
        app.include_router(importlib.import_module(name).router)
    from fastapi.staticfiles import StaticFiles

    from refractor.web import STATIC_DIR

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    form_paths: tuple[str, ...] = ()
    if web:
        from refractor.web import FORM_PATHS, install

        install(app)
        form_paths = FORM_PATHS
    app.add_middleware(ServiceMiddleware, limits=limits, form_paths=form_paths)
    return app


__all__ = ["MAX_BODY_BYTES", "ROUTER_MODULES", "create_app", "get_kb", "status_for"]
