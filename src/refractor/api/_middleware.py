"""The service middleware (pure ASGI): body limit, media types, token, security headers.

It sits outside every route, so no endpoint can forget a check:

* the request body is **counted while it streams in** — every ``http.request`` message, with
  or without ``Content-Length``, chunked or not. Past ``max_body_bytes`` the application stops
  receiving, whatever it had started answering is dropped and the client gets 413. A declared
  ``Content-Length`` over the limit is refused before a byte is read;
* a body must have a media type the route accepts (JSON for the API; forms for the web
  pages that take uploads): otherwise 415;
* with a token configured, every request but ``/health`` needs ``Authorization: Bearer
  <token>`` (or the ``refractor_token`` cookie that ``/login`` sets): otherwise 401;
* every response gets a content security policy (nothing but this origin: the pages load no
  script, style, font or image from anywhere else, and no inline script), ``nosniff``, no
  referrer and no framing. No CORS header is ever sent: other origins cannot read responses.
"""
from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from typing import Any, Callable

from refractor.api._errors import error_bytes

#: the pages' policy: everything from this origin only, no inline script, no plugins/framing
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
#: Swagger UI sets style attributes from its scripts: its page alone allows inline styles
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
_SECURITY = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
             (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin")]
_JSON = "application/json"
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
#: paths reachable without the token
OPEN_PATHS = ("/health", "/login", "/static/")
COOKIE = "refractor_token"


class _TooLarge(Exception):
    pass


class ServiceMiddleware:
    """Wraps the application; ``limits`` is :class:`refractor.settings.ServiceLimits`,
    ``form_paths`` the path prefixes whose POST bodies may be forms."""

    def __init__(self, app: Any, *, limits: Any, form_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.limits = limits
        self.form_paths = form_paths

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        limit = self.limits.max_body_bytes
        csp = DOCS_CSP if path == "/docs" else CSP

        async def reply(status: int, message: str, extra: list[tuple[bytes, bytes]] = ()) -> None:
            body = error_bytes(status, message)
            await send({"type": "http.response.start", "status": status, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                (b"content-security-policy", csp.encode()), *_SECURITY, *extra]})
            await send({"type": "http.response.body", "body": body})

        if self.limits.token and not path.startswith(OPEN_PATHS) and not self._authorised(headers):
            await reply(401, "this service needs a token: send 'Authorization: Bearer <token>' "
                             "(or sign in at /login)", [(b"www-authenticate", b"Bearer")])
            return
        length = headers.get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                await reply(400, f"malformed Content-Length header {length[:40]!r}")
                return
            if int(length) > limit:
                await reply(413, f"request body of {int(length)} bytes is larger than the limit of "
                                 f"{limit} bytes (REFRACTOR_MAX_BODY_BYTES)")
                return
        has_body = scope["method"] in ("POST", "PUT", "PATCH") and (
            (length is not None and int(length) > 0) or "chunked" in headers.get("transfer-encoding", ""))
        if has_body:
            media = headers.get("content-type", "").split(";")[0].strip().lower()
            allowed = (_JSON, *_FORMS) if path.startswith(self.form_paths) else (_JSON,)
            if media not in allowed:
                await reply(415, f"unsupported media type {media or '(none)'!r} for {path}; "
                                 f"send {' or '.join(allowed)}")
                return

        state = {"received": 0, "over": False, "started": False, "done": False}

        async def counted_receive() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                state["done"] = not message.get("more_body", False)
                if state["received"] > limit:
                    state["over"] = True
                    raise _TooLarge()
            return message

        async def guarded_send(message: dict) -> None:
            if state["over"]:
                return  # whatever the app answers to a truncated body is replaced by the 413
            if message["type"] == "http.response.start":
                state["started"] = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [h for h in _SECURITY if h[0] not in names]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", csp.encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not state["over"]:
                raise
        if state["over"] and not state["started"]:
            if not state["done"]:
                await self._drain(receive, limit)
            await reply(413, f"request body larger than the limit of {limit} bytes "
                             "(REFRACTOR_MAX_BODY_BYTES), counted as it streamed in",
                        [(b"connection", b"close")])

    @staticmethod
    async def _drain(receive: Callable, limit: int) -> None:
        """Read (and drop) a little more of an over-long body, so that the client — still
        sending — can read the 413 instead of a connection reset; never more than the limit
        again (or 1 MiB), then the server closes the connection."""
        budget = min(limit, 1024 * 1024)
        while budget > 0:
            message = await receive()
            if message["type"] != "http.request":
                return
            budget -= len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    def _authorised(self, headers: dict[str, str]) -> bool:
        token = self.limits.token
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip().encode(), token.encode()):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:
            return False
        got = cookie.get(COOKIE)
        return got is not None and hmac.compare_digest(got.value.encode(), token.encode())


__all__ = ["COOKIE", "CSP", "DOCS_CSP", "OPEN_PATHS", "ServiceMiddleware"]
