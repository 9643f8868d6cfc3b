"""Refractor's web application: server-rendered pages over the same functions as the JSON API.

Every page is built by one function returning a JSON-ready context; the page renders it with a
Jinja template and its JSON twin (the same URL with ``.json``) returns it as it is. Scripts,
styles and the API explorer's assets are files in ``static/`` (nothing from the internet, no
build step), so the pages satisfy a strict content security policy.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

#: folder of the static files (``/static``)
STATIC_DIR = Path(__file__).resolve().parent / "static"
#: path prefixes whose POST bodies may be HTML forms (multipart uploads)
FORM_PATHS: tuple[str, ...] = ("/upload", "/playground", "/login", "/sample-model", "/cohort", "/forecast")
#: modules holding a page ``router``
PAGE_MODULES: tuple[str, ...] = ("refractor.web._site", "refractor.web._kbpages", "refractor.web._profile",
                                  "refractor.web._models")


def install(app: Any) -> None:
    """Add the pages to ``app`` (a :func:`refractor.api.create_app` application)."""
    import importlib

    for name in PAGE_MODULES:
        app.include_router(importlib.import_module(name).router)
    if cohort_available():  # scenario runner and forecast, when refractor.cohort is installed
        app.include_router(importlib.import_module("refractor.web._cohort").router)


def cohort_available() -> bool:
    """True when the virtual-cohort package (``refractor.cohort``) is part of this install."""
    import importlib.util

    return importlib.util.find_spec("refractor.cohort") is not None


__all__ = ["FORM_PATHS", "PAGE_MODULES", "STATIC_DIR", "cohort_available", "install"]
