"""The one JSON error shape of the HTTP service, and the one mapping from errors to statuses.

Every response with a status >= 400 — from an endpoint, from FastAPI's validation, from
Starlette's routing (404, 405), from the service middleware (401, 413, 415, 503, 504), from a
bug (500) and from the HTTP server itself (a malformed request, see
:mod:`refractor.api._server`) — has this body::

    {"error": "InputError", "status": 422, "message": "...", "path": null, "line": null,
     "column": "samples[0].disease", "problem": "..."}

``error``, ``status`` and ``message`` are always present; ``path``/``line``/``column``/
``problem`` come with input errors. No response carries a server file path: paths under the
request's upload folder, the KB folder, the cache folder, the package or the home folder are
rewritten (:func:`scrub`).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from refractor.errors import InputError, KnowledgeBaseError, NotFoundError, RefractorError


class ServiceError(RefractorError):
    """A request the service refuses for a reason of its own (auth, size, load, time)."""

    status: int = 500
    headers: dict[str, str] = {}

    def __init__(self, message: str, *, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})


class Unauthorized(ServiceError):
    status = 401


class PayloadTooLarge(ServiceError):
    status = 413


class UnsupportedMediaType(ServiceError):
    status = 415


class Conflict(ServiceError):
    """The request conflicts with the current state of what it names (a job already ended)."""

    status = 409


class ServiceBusy(ServiceError):
    status = 503


class ServiceTimeout(ServiceError):
    status = 504


class MethodNotAllowed(ServiceError):
    status = 405


class BadRequest(ServiceError):
    status = 400


def status_for(exc: RefractorError) -> int:
    """HTTP status of a Refractor error (the one place this mapping lives)."""
    if isinstance(exc, ServiceError):
        return exc.status
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, KnowledgeBaseError):
        return 500
    return 500


def _prefixes(extra: Iterable[str | os.PathLike[str] | None] = ()) -> list[str]:
    import refractor

    out = [str(Path(refractor.__file__).resolve().parent), str(Path.home())]
    for p in extra:
        if p:
            out += [str(p), str(Path(p).resolve())]
    # longest first so that a folder inside another is rewritten as a whole
    return sorted({p.rstrip("/") for p in out if p and p != "/"}, key=len, reverse=True)


def scrub(value: Any, prefixes: list[str]) -> Any:
    """``value`` with every server path prefix removed (strings, lists and dicts, recursively)."""
    if isinstance(value, str):
        for p in prefixes:
            if p in value:
                value = value.replace(p + os.sep, "").replace(p, "")
        return value
    if isinstance(value, list):
        return [scrub(v, prefixes) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, prefixes) for k, v in value.items()}
    return value


def error_body(status: int, exc: BaseException | None = None, *, message: str | None = None,
               paths: Iterable[str | os.PathLike[str] | None] = ()) -> dict[str, Any]:
    """The JSON error document for ``status`` (``exc``: a RefractorError, or anything else = a bug)."""
    if isinstance(exc, RefractorError):
        body = exc.to_dict()
        if isinstance(exc, KnowledgeBaseError) and getattr(exc, "problems", None):
            body.setdefault("problems", [str(p) for p in exc.problems])
    else:
        body = {"error": "InternalError" if status >= 500 else _NAMES.get(status, "HTTPError"),
                "message": message or ("internal error" + (f": {type(exc).__name__}" if exc else ""))}
    if message is not None:
        body["message"] = message
    body = {"error": body.pop("error"), "status": status, "message": body.pop("message"), **body}
    return scrub(body, _prefixes(paths))


def error_bytes(status: int, message: str) -> bytes:
    """A complete error document as bytes (for the middleware and the HTTP server)."""
    return json.dumps(error_body(status, message=message)).encode()


_NAMES = {400: "BadRequest", 401: "Unauthorized", 404: "NotFoundError", 405: "MethodNotAllowed",
          409: "Conflict",
          413: "PayloadTooLarge", 415: "UnsupportedMediaType", 422: "InputError",
          503: "ServiceBusy", 504: "ServiceTimeout"}


def install_handlers(app: Any) -> None:
    """Register the exception handlers that give every error the one shape."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    def respond(request: Request, status: int, exc: BaseException | None = None,
                message: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
        settings = request.app.state.settings
        paths = [getattr(request.state, "upload_dir", None), settings.kb_dir, settings.cache_dir]
        return JSONResponse(error_body(status, exc, message=message, paths=paths),
                            status_code=status, headers=headers)

    @app.exception_handler(RefractorError)
    async def _refractor_error(request: Request, exc: RefractorError) -> JSONResponse:
        headers = exc.headers if isinstance(exc, ServiceError) else None
        return respond(request, status_for(exc), exc, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        loc = [str(x) for x in first.get("loc", ())]
        column = loc[-1] if loc else None
        err = InputError(str(first.get("msg")), column=column)
        if first.get("type") == "json_invalid":
            return respond(request, 400, BadRequest(f"malformed JSON body: {first.get('msg')}"))
        return respond(request, 422, err)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        if status == 404:
            err: RefractorError = NotFoundError(f"no such route: {request.url.path}")
        elif status == 405:
            err = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
        elif status == 400:
            err = BadRequest(f"malformed request: {exc.detail}")
        else:
            err = ServiceError(str(exc.detail), status=status)
        return respond(request, status, err, headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception) -> JSONResponse:  # a bug
        return respond(request, 500, exc)


__all__ = ["BadRequest", "Conflict", "MethodNotAllowed", "PayloadTooLarge", "ServiceBusy", "ServiceError",
           "ServiceTimeout", "Unauthorized", "UnsupportedMediaType", "error_body", "error_bytes",
           "install_handlers", "scrub", "status_for"]
