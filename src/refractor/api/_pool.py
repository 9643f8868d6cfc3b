"""The bounded worker pool for CPU-heavy requests (profiles, simulations).

Heavy endpoints hand a plain function to :func:`run_heavy`; it runs in one of
``ServiceLimits.workers`` threads, never on the event loop, so ``/health`` and the knowledge
pages keep answering. At most ``workers + queue`` heavy requests are admitted at once; one
more is answered at once with 503 and ``Retry-After`` instead of piling up. A request whose
work takes longer than ``request_timeout`` seconds is answered 504; its thread finishes the
computation it started (Python threads cannot be killed) and keeps its admission slot until
then, so slow work can never admit more than the bound.

The result is serialised to JSON in the worker too (the event loop never encodes a large
document) and refused with 413 when it is larger than ``max_response_bytes``.
"""
from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from fastapi import Request
from fastapi.responses import Response

from refractor._jsonsafe import json_safe
from refractor.api._errors import PayloadTooLarge, ServiceBusy, ServiceTimeout


class WorkerPool:
    """``workers`` threads and ``workers + queue`` admission slots."""

    def __init__(self, limits: Any) -> None:
        self.limits = limits
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._admitted = 0

    @property
    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="refractor-heavy")
            return self._executor

    @property
    def admitted(self) -> int:
        return self._admitted

    def _release(self, _future: Any = None) -> None:
        with self._lock:
            self._admitted -= 1

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a worker; ServiceBusy when full, ServiceTimeout when too slow."""
        lim = self.limits
        with self._lock:
            if self._admitted >= lim.workers + lim.queue:
                raise ServiceBusy(f"busy: {self._admitted} heavy requests running or waiting "
                                  f"(REFRACTOR_WORKERS={lim.workers}, REFRACTOR_QUEUE={lim.queue}); "
                                  f"retry in {lim.retry_after} s",
                                  headers={"Retry-After": str(lim.retry_after)})
            self._admitted += 1
        try:
            future = self.executor.submit(fn, *args)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), lim.request_timeout)
        except asyncio.TimeoutError:
            raise ServiceTimeout(f"the request took longer than {lim.request_timeout} s "
                                 "(REFRACTOR_REQUEST_TIMEOUT); ask for less (fewer samples, doses "
                                 "or points)") from None

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None


def encode(document: Any, max_bytes: int) -> bytes:
    """``document`` as compact JSON bytes; PayloadTooLarge past ``max_bytes``."""
    data = json.dumps(json_safe(document), separators=(",", ":"), allow_nan=False).encode()
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the response would be {len(data)} bytes, more than the limit of "
                              f"{max_bytes} bytes (REFRACTOR_MAX_RESPONSE_BYTES); post fewer samples "
                              "or ask for fewer points")
    return data


async def run_heavy(request: Request, fn: Callable[..., Any], *args: Any) -> Response:
    """Run ``fn(*args)`` (returning a JSON-ready document) in the app's pool; a JSON response."""
    pool: WorkerPool = request.app.state.pool
    max_bytes = request.app.state.settings.limits.service.max_response_bytes
    data = await pool.run(lambda: encode(fn(*args), max_bytes))
    return Response(data, media_type="application/json")


async def run_in_pool(request: Request, fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` in the app's pool and return its result as it is (web pages)."""
    return await request.app.state.pool.run(fn, *args)


__all__ = ["WorkerPool", "encode", "run_heavy", "run_in_pool"]
