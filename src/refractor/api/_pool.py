"""The bounded worker pool for CPU-heavy requests (profiles, simulations).

Heavy endpoints hand a module-level function and its arguments to :func:`run_heavy`; it runs
in one of ``ServiceLimits.workers`` worker **processes** (``pool="process"``, the default;
:mod:`refractor.api._worker`), so neither the event loop nor the interpreter lock of the
serving process is held by heavy work and ``/health`` and the knowledge pages keep answering
(libRoadRunner and parts of pandas keep the GIL for long stretches: threads alone let them
stall the server). Each worker has its own pipe and runs one task at a time.

At most ``workers + queue`` heavy requests are admitted at once; one more is answered at once
with 503 and ``Retry-After`` instead of piling up. A request whose work takes longer than
``request_timeout`` seconds (waiting for a worker included) is answered 504 and **its work is
stopped**: the worker process running it is terminated and a fresh one is started in its place
at once, so the pool is back to ``workers`` processes and slow work never holds a slot past its
time. Other requests in flight run in their own processes and are not disturbed. A worker that
dies (out of memory, a crash in a native library) fails only its own request (500) and is
replaced the same way.

``pool="thread"`` runs the work in threads of the serving process instead (cheaper to start;
for tests and small installations). A thread cannot be stopped: there a request answered 504
keeps its thread and its admission slot until the work ends.

The result is serialised to JSON in the worker too (the event loop never encodes a large
document) and refused with 413 when it is larger than ``max_response_bytes``.
"""
from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from fastapi import Request
from fastapi.responses import Response

from refractor.api._errors import ServiceBusy, ServiceError, ServiceTimeout
from refractor.api._worker import KB, WorkerDied, WorkerProcess, WorkerTimedOut, call, encode


class WorkerPool:
    """``workers`` processes (or threads) and ``workers + queue`` admission slots.

    ``kb`` is a callable returning the app's knowledge base (``None`` until loaded), and
    ``settings`` the app's settings (a worker loads the KB from them when the app has none yet).
    Worker processes start when first needed; one that is stopped or dies is replaced at once.
    """

    def __init__(self, limits: Any, kb: Callable[[], Any] = lambda: None, settings: Any = None) -> None:
        self.limits = limits
        self._kb = kb
        self._settings = settings
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._admitted = 0
        self._threads: ThreadPoolExecutor | None = None  # thread mode: the work; process mode: dispatch
        self._idle: list[WorkerProcess] = []
        self._busy: set[WorkerProcess] = set()
        self._live = 0  # processes started or starting (idle + busy + starting)
        self._closed = False
        self.stopped = 0  # workers stopped because their request timed out
        self.died = 0  # workers that ended on their own during a request

    @property
    def processes(self) -> bool:
        return self.limits.pool == "process"

    @property
    def admitted(self) -> int:
        return self._admitted

    def stats(self) -> dict[str, int]:
        """Counts for monitoring: running and idle processes, admitted requests, replacements."""
        with self._lock:
            return {"workers": len(self._idle) + len(self._busy), "busy": len(self._busy),
                    "admitted": self._admitted, "stopped_on_timeout": self.stopped,
                    "died": self.died}

    def pids(self) -> set[int]:
        """Process ids of the ready worker processes (idle or busy)."""
        with self._lock:
            return {w.pid for w in (*self._idle, *self._busy) if w.pid is not None}

    def _dispatchers(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._threads is None:
                lim = self.limits
                n = lim.workers + lim.queue if self.processes else lim.workers
                self._threads = ThreadPoolExecutor(n, thread_name_prefix="refractor-heavy")
            return self._threads

    def _release(self, _future: Any = None) -> None:
        with self._lock:
            self._admitted -= 1

    def _timeout(self, stopped: bool) -> ServiceTimeout:
        lim = self.limits
        what = "; its work was stopped" if stopped else ""
        return ServiceTimeout(f"the request took longer than {lim.request_timeout} s "
                              f"(REFRACTOR_REQUEST_TIMEOUT){what}; ask for less (fewer samples, "
                              "doses or points)")

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
        try:
            if self.processes:
                kb = self._kb()
                if kb is not None:
                    args = tuple(KB if a is kb else a for a in args)
                deadline = time.monotonic() + lim.request_timeout
                future = self._dispatchers().submit(self._dispatch, fn, args, max_bytes, deadline)
            else:
                future = self._dispatchers().submit(call, fn, args, max_bytes)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(self._release)
        if self.processes:  # the dispatch thread keeps the time (and stops the work)
            return await asyncio.wrap_future(future)
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), lim.request_timeout)
        except asyncio.TimeoutError:
            raise self._timeout(stopped=False) from None

    # -- process mode (runs in a dispatch thread) ------------------------------------------

    def _dispatch(self, fn: Callable[..., Any], args: tuple[Any, ...], max_bytes: int | None,
                  deadline: float) -> Any:
        worker = self._acquire(deadline)
        remaining = deadline - time.monotonic()
        if remaining <= 0:  # the time went waiting for a worker: nothing to stop
            self._give_back(worker)
            raise self._timeout(stopped=False)
        try:
            result = worker.call(fn, args, max_bytes, remaining)
        except WorkerTimedOut:
            self._retire(worker, timed_out=True)
            raise self._timeout(stopped=True) from None
        except WorkerDied:
            self._retire(worker, timed_out=False)
            raise ServiceError("the worker process running this request died (out of memory or a "
                               "crash); it was replaced", status=500) from None
        except BaseException:  # the task's own error: the worker is fine
            self._give_back(worker)
            raise
        self._give_back(worker)
        return result

    def _acquire(self, deadline: float) -> WorkerProcess:
        """An idle worker (started now if the pool has fewer than ``workers``), waiting for one
        until ``deadline``."""
        with self._cond:
            while True:
                if self._closed:
                    raise ServiceError("the service is shutting down", status=503,
                                       headers={"Retry-After": str(self.limits.retry_after)})
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive():
                        self._busy.add(worker)
                        return worker
                    self._live -= 1  # died while idle: forget it, start another below
                    self.died += 1
                if self._live < self.limits.workers:
                    self._live += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._timeout(stopped=False)
                self._cond.wait(remaining)
        worker = self._start_one()
        with self._cond:
            self._busy.add(worker)
        return worker

    def _start_one(self) -> WorkerProcess:
        """Start a process for a slot already counted in ``_live`` (uncounted on failure)."""
        try:
            return WorkerProcess(self._kb(), self._settings)
        except BaseException as exc:
            with self._cond:
                self._live -= 1
                self._cond.notify()
            if isinstance(exc, WorkerDied):
                raise ServiceError(f"a worker process could not be started: {exc}", status=503,
                                   headers={"Retry-After": str(self.limits.retry_after)}) from None
            raise

    def _give_back(self, worker: WorkerProcess) -> None:
        with self._cond:
            self._busy.discard(worker)
            if self._closed:
                self._live -= 1
            else:
                self._idle.append(worker)
                self._cond.notify()
                return
        worker.stop()

    def _retire(self, worker: WorkerProcess, *, timed_out: bool) -> None:
        """Stop ``worker`` (its request is over) and start its replacement in the background."""
        worker.stop()
        with self._cond:
            self._busy.discard(worker)
            self._live -= 1
            if timed_out:
                self.stopped += 1
            else:
                self.died += 1
            if self._closed:
                return
            self._live += 1
        threading.Thread(target=self._refill, name="refractor-worker-start", daemon=True).start()

    def _refill(self) -> None:
        try:
            worker = self._start_one()
        except Exception:  # the next request starts one itself (and reports the failure)
            return
        self._give_back(worker)

    def start(self) -> None:
        """Start every worker process now and wait until they are ready (process mode)."""
        if not self.processes:
            return
        while True:
            with self._cond:
                if self._closed or self._live >= self.limits.workers:
                    return
                self._live += 1  # counted one at a time: a failed start uncounts only itself
            self._give_back(self._start_one())

    def shutdown(self) -> None:
        """Stop the workers (worker processes are terminated, not waited for)."""
        with self._cond:
            self._closed = True
            workers = [*self._idle, *self._busy]
            self._live -= len(self._idle)
            self._idle.clear()
            threads, self._threads = self._threads, None
            self._cond.notify_all()
        for worker in workers:  # our own worker processes: end them, do not wait for their work
            worker.stop()
        if threads is not None:
            threads.shutdown(wait=False, cancel_futures=True)


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
