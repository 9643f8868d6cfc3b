"""The bounded worker pool for CPU-heavy requests (profiles, simulations).

Heavy endpoints hand a module-level function and its arguments to :func:`run_heavy`; it runs
in one of ``ServiceLimits.workers`` worker **processes** (``pool="process"``, the default), so
neither the event loop nor the interpreter lock of the serving process is held by heavy work
and ``/health`` and the knowledge pages keep answering (libRoadRunner and parts of pandas keep
the GIL for long stretches: threads alone let them stall the server). ``pool="thread"`` runs
the work in threads of the serving process instead (cheaper to start; for tests and small
installations). Arguments and results cross the process boundary by pickling; the app's
knowledge base is sent to each worker once, when the worker starts, and an argument that *is*
the app's knowledge base is replaced by the worker's copy.

At most ``workers + queue`` heavy requests are admitted at once; one more is answered at once
with 503 and ``Retry-After`` instead of piling up. A request whose work takes longer than
``request_timeout`` seconds is answered 504; the worker finishes the computation it started
and keeps its admission slot until then, so slow work can never admit more than the bound.

The result is serialised to JSON in the worker too (the event loop never encodes a large
document) and refused with 413 when it is larger than ``max_response_bytes``.
"""
from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Callable

from fastapi import Request
from fastapi.responses import Response

from refractor._jsonsafe import json_safe
from refractor.api._errors import PayloadTooLarge, ServiceBusy, ServiceError, ServiceTimeout


class _KBSlot:
    """Stands for "the worker's knowledge base" in the arguments sent to a worker process."""

    def __reduce__(self) -> str:
        return "KB"


KB = _KBSlot()
_WORKER_KB: Any = None


#: scheduling priority of worker processes relative to the server (POSIX nice increment):
#: on a busy machine the serving process gets the CPU first, so cheap requests stay fast
WORKER_NICE = 10


def _init_worker(kb: Any, settings: Any) -> None:
    global _WORKER_KB
    import os

    if hasattr(os, "nice"):
        try:
            os.nice(WORKER_NICE)
        except OSError:  # not permitted: run at the server's priority
            pass
    _WORKER_KB = kb if kb is not None else settings  # settings: loaded when first needed


def _worker_kb() -> Any:
    global _WORKER_KB
    from refractor.kb import KnowledgeBase

    if not isinstance(_WORKER_KB, KnowledgeBase):
        _WORKER_KB = KnowledgeBase.load(settings=_WORKER_KB)
    return _WORKER_KB


def _call(fn: Callable[..., Any], args: tuple[Any, ...], max_bytes: int | None) -> Any:
    """Runs in the worker: swap the knowledge-base placeholder in, call, encode if asked."""
    if any(a is KB for a in args):
        args = tuple(_worker_kb() if a is KB else a for a in args)
    result = fn(*args)
    return encode(result, max_bytes) if max_bytes is not None else result


class WorkerPool:
    """``workers`` processes (or threads) and ``workers + queue`` admission slots.

    ``kb`` is a callable returning the app's knowledge base (``None`` until loaded), and
    ``settings`` the app's settings (a worker loads the KB from them when the app has none yet).
    """

    def __init__(self, limits: Any, kb: Callable[[], Any] = lambda: None, settings: Any = None) -> None:
        self.limits = limits
        self._kb = kb
        self._settings = settings
        self._executor: Executor | None = None
        self._lock = threading.Lock()
        self._admitted = 0

    @property
    def processes(self) -> bool:
        return self.limits.pool == "process"

    @property
    def executor(self) -> Executor:
        with self._lock:
            if self._executor is None:
                if self.processes:
                    import multiprocessing

                    # spawn: a fresh interpreter, never a fork of the threaded server
                    self._executor = ProcessPoolExecutor(
                        self.limits.workers, mp_context=multiprocessing.get_context("spawn"),
                        initializer=_init_worker, initargs=(self._kb(), self._settings))
                else:
                    self._executor = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="refractor-heavy")
            return self._executor

    @property
    def admitted(self) -> int:
        return self._admitted

    def _release(self, _future: Any = None) -> None:
        with self._lock:
            self._admitted -= 1

    async def run(self, fn: Callable[..., Any], *args: Any, max_bytes: int | None = None) -> Any:
        """``fn(*args)`` in a worker (encoded to JSON bytes when ``max_bytes`` is given);
        ServiceBusy when full, ServiceTimeout when too slow."""
        lim = self.limits
        with self._lock:
            if self._admitted >= lim.workers + lim.queue:
                raise ServiceBusy(f"busy: {self._admitted} heavy requests running or waiting "
                                  f"(REFRACTOR_WORKERS={lim.workers}, REFRACTOR_QUEUE={lim.queue}); "
                                  f"retry in {lim.retry_after} s",
                                  headers={"Retry-After": str(lim.retry_after)})
            self._admitted += 1
        kb = self._kb()
        if self.processes and kb is not None:
            args = tuple(KB if a is kb else a for a in args)
        try:
            executor = self.executor
            future = executor.submit(_call, fn, args, max_bytes)
        except BrokenExecutor:
            self._release()
            self._replace(executor)
            raise ServiceError("a worker process had died; the pool was restarted: retry the request",
                               status=503, headers={"Retry-After": "1"}) from None
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
        except BrokenExecutor:
            # a worker died (out of memory, a crash in a native library): this request fails,
            # the next one gets a fresh pool instead of a permanently broken one
            self._replace(executor)
            raise ServiceError("the worker process running this request died (out of memory or a "
                               "crash); the pool was restarted", status=500) from None

    def _replace(self, broken: Executor) -> None:
        """Drop ``broken`` (if it is still the current executor); the next call starts anew."""
        with self._lock:
            if self._executor is not broken:
                return
            self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        """Stop the workers (worker processes are terminated, not waited for)."""
        with self._lock:
            ex, self._executor = self._executor, None
        if ex is None:
            return
        procs = list((getattr(ex, "_processes", None) or {}).values())
        ex.shutdown(wait=False, cancel_futures=True)
        for proc in procs:  # our own worker processes: end them, do not wait for their work
            proc.terminate()
        for proc in procs:
            proc.join(5)


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
    data = await pool.run(fn, *args, max_bytes=max_bytes)
    return Response(data, media_type="application/json")


async def run_in_pool(request: Request, fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` in the app's pool and return its result as it is (web pages)."""
    return await request.app.state.pool.run(fn, *args)


__all__ = ["KB", "WorkerPool", "encode", "run_heavy", "run_in_pool"]
