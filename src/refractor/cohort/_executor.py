"""One executor interface: local processes by default, Dask ``distributed`` on request.

``executor.map(fn, tasks)`` returns the results in task order. Every task is one block of
patients with its own random stream (see :mod:`refractor.cohort._population`), so the results
do not depend on which executor ran them or on how many workers it had.

A :class:`LocalExecutor` can be stopped from another thread (:meth:`LocalExecutor.stop`): its
worker processes are terminated at once and the ``map`` in progress raises
:class:`ExecutorStopped`; the web application uses this for its cohort jobs' time limit and
cancel button.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from refractor.errors import InputError, RefractorError

#: seconds a stopped worker process has to end after SIGTERM before it is sent SIGKILL
STOP_GRACE = 2.0
#: seconds between two looks at whether a map in progress was stopped
POLL = 0.2
#: seconds stop() waits for the pool's own manager thread once the processes have ended
MANAGER_WAIT = 5.0


class ExecutorStopped(RefractorError):
    """The executor was stopped (:meth:`LocalExecutor.stop`) while it had work; the message
    says why."""


class Executor:
    """Base class: run ``fn`` over ``tasks`` and yield results in order."""

    name = "base"
    workers = 1

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name, "workers": self.workers}


class LocalExecutor(Executor):
    """``workers`` = 1 runs in this process; more uses a process pool (fork on Linux).

    Parameters
    ----------
    workers : int, optional
        Worker processes (default: 2, or 1 on a one-core machine).
    isolate : bool
        Run every task in a worker process, even with one worker or one task, so that
        :meth:`stop` can end any work at once (work in this process can only be stopped
        between tasks).
    """

    name = "local"

    def __init__(self, workers: int | None = None, *, isolate: bool = False) -> None:
        self.workers = max(1, int(workers or min(2, os.cpu_count() or 1)))
        self.isolate = bool(isolate)
        self._pool = None
        self._lock = threading.Lock()
        self._stopped: str | None = None
        self._quiet = threading.Event()  # clear while stop() is ending a pool's processes
        self._quiet.set()

    @property
    def stopped(self) -> str | None:
        """Why :meth:`stop` was called, or ``None``."""
        return self._stopped

    def _check(self) -> None:
        if self._stopped is not None:
            raise ExecutorStopped(self._stopped)

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        tasks = list(tasks)
        self._check()
        if not self.isolate and (self.workers == 1 or len(tasks) <= 1):
            for t in tasks:
                yield fn(t)
                self._check()
            return
        if not tasks:
            return
        with self._lock:  # stop() cannot miss processes started here: they start under the lock
            self._check()
            if self._pool is None:
                import multiprocessing as mp
                from concurrent.futures import ProcessPoolExecutor

                ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
                self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
            futures = [self._pool.submit(fn, t) for t in tasks]  # every task (and the processes) now
        try:
            for f in futures:
                # waited for in short steps: once stop() is called this raises within POLL s,
                # whatever state the terminated pool's own threads are left in
                while True:
                    self._check()
                    try:
                        r = f.result(timeout=POLL)
                        break
                    except FutureTimeout:
                        continue
                self._check()
                yield r
        except Exception:
            self._check()  # a pool broken by stop(): say why, not "terminated abruptly"
            raise
        finally:
            for f in futures:  # a map left early (an error, a stop) leaves no task queued
                f.cancel()

    def stop(self, reason: str) -> None:
        """Stop at once, from any thread: terminate the worker processes (SIGTERM, then SIGKILL
        after :data:`STOP_GRACE` seconds), wait for them to end, and make the ``map`` in progress
        (and every later one) raise :class:`ExecutorStopped` with ``reason``. Returns (as does
        :meth:`close`, from any thread) only once the processes have ended."""
        with self._lock:
            if self._stopped is None:
                self._stopped = reason
            pool, self._pool = self._pool, None
            if pool is not None:
                self._quiet.clear()
        if pool is None:
            self._quiet.wait()  # another stop() may be ending the processes: wait for it
            return
        try:
            procs = list((getattr(pool, "_processes", None) or {}).values())
            for p in procs:
                p.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            end = time.monotonic() + STOP_GRACE
            for p in procs:
                p.join(max(0.0, end - time.monotonic()))
            for p in procs:
                if p.exitcode is None:
                    p.kill()
                    p.join()
            # the pool's manager thread ends too; bounded: with its processes killed it may wait
            # on a queue feeder that nobody reads any more, and the processes are gone already
            manager = getattr(pool, "_executor_manager_thread", None)
            if manager is not None:
                manager.join(MANAGER_WAIT)
        finally:
            self._quiet.set()

    def close(self) -> None:
        """Shut the pool down (tasks not started are cancelled) and wait for its processes,
        or for a :meth:`stop` in progress in another thread to have ended them."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self._quiet.wait()


class DaskExecutor(Executor):
    """Run blocks on a Dask cluster: a scheduler ``address``, or a ``LocalCluster`` started here
    (``address=None``; ``processes=False`` keeps its workers as threads of this process)."""

    name = "dask"

    def __init__(self, address: str | None = None, *, workers: int = 2, processes: bool = True,
                 client: Any = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dependency declared in pyproject
            raise InputError(f"the Dask executor needs the 'distributed' package ({exc})") from None
        self._own = client is None
        self._cluster = None
        if client is not None:
            self.client = client
        elif address:
            try:
                self.client = Client(address, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise InputError(f"cannot reach the Dask scheduler at {address!r}: {exc}",
                                 column="--executor") from None
        else:
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                                         dashboard_address=None)
            self.client = Client(self._cluster)
        self.workers = len(self.client.scheduler_info().get("workers", {})) or workers

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        futures = self.client.map(fn, list(tasks), pure=False)
        for f in futures:
            yield f.result()

    def close(self) -> None:
        if self._own:
            self.client.close()
            if self._cluster is not None:
                self._cluster.close()


def make_executor(spec: str | Executor | None = None, workers: int | None = None) -> Executor:
    """``None``/``"local"`` -> :class:`LocalExecutor`; ``"dask"`` -> a local Dask cluster;
    ``"tcp://..."`` -> that Dask scheduler; an :class:`Executor` is returned as is."""
    if isinstance(spec, Executor):
        return spec
    if spec in (None, "local", "processes"):
        return LocalExecutor(workers)
    if spec in ("dask", "dask-local"):
        return DaskExecutor(workers=workers or 2)
    if isinstance(spec, str) and "://" in spec:
        return DaskExecutor(spec)
    raise InputError(f"unknown executor {spec!r}; use local, dask or a scheduler address (tcp://host:port)",
                     column="--executor")


__all__ = ["Executor", "ExecutorStopped", "LocalExecutor", "DaskExecutor", "STOP_GRACE", "make_executor"]
