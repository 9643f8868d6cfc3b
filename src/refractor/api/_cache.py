"""Encoded responses of the knowledge-base endpoints, kept per application.

The knowledge base of a running service never changes, so the JSON of a KB query depends only
on its URL. The first request computes it in a worker thread (never on the event loop) and
encodes it once; the next ones are answered from memory without touching the KB, pydantic or
the JSON encoder. The cache is bounded in entries and bytes (least recently used dropped
first); errors are never cached.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any, Callable

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from refractor._jsonsafe import json_safe

MAX_ENTRIES = 4096
MAX_BYTES = 64 * 1024 * 1024
MAX_ENTRY_BYTES = 4 * 1024 * 1024


class ResponseCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._data: OrderedDict[str, tuple[bytes, dict[str, str]]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, dict[str, str]] | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
            return hit

    def put(self, key: str, body: bytes, headers: dict[str, str]) -> None:
        if len(body) > MAX_ENTRY_BYTES:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._data[key] = (body, headers)
            self._bytes += len(body)
            while self._data and (len(self._data) > self.max_entries or self._bytes > self.max_bytes):
                _, (b, _h) = self._data.popitem(last=False)
                self._bytes -= len(b)


def _cache(request: Request) -> ResponseCache:
    state = request.app.state
    cache = getattr(state, "kb_cache", None)
    if cache is None:
        cache = state.kb_cache = ResponseCache()
    return cache


async def cached(request: Request, compute: Callable[[], tuple[Any, dict[str, str]]]) -> Response:
    """The response of ``compute()`` (document, headers) for this URL, computed at most once."""
    key = f"{request.url.path}?{request.url.query}"
    cache = _cache(request)
    hit = cache.get(key)
    if hit is None:
        def run() -> tuple[bytes, dict[str, str]]:
            doc, headers = compute()
            return json.dumps(json_safe(doc), separators=(",", ":"), allow_nan=False).encode(), headers

        body, headers = await run_in_threadpool(run)
        cache.put(key, body, headers)
    else:
        body, headers = hit
    return Response(body, media_type="application/json", headers=headers)


__all__ = ["ResponseCache", "cached"]
