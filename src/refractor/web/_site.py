"""Site pages that are not about one kind of data: sign-in for a shared deployment."""
from __future__ import annotations

import hmac

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from refractor.api._errors import Unauthorized
from refractor.api._middleware import COOKIE
from refractor.web._render import respond

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_page(request: Request):
    enabled = request.app.state.settings.limits.service.token is not None
    return respond(request, "login.html.j2", {"page": "login", "title": "Sign in", "enabled": enabled})


@router.post("/login")
def login(request: Request, token: str = Form(..., max_length=400)):
    expected = request.app.state.settings.limits.service.token
    if expected is None or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized("wrong token")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, expected, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


__all__ = ["router"]
