"""One worker process of the service's pool: what runs inside it, and the handle that owns it.

A worker is a fresh interpreter (``spawn``, never a fork of the threaded server) connected to
the server by one pipe. It receives ``(fn, args, max_bytes)``, runs ``fn(*args)`` (encoding the
result to JSON bytes when ``max_bytes`` is given), and sends back ``("ok", result)`` or
``("err", exception)``; then it waits for the next task. The server side is
:class:`WorkerProcess`: it starts the interpreter, waits until it says it is ready, hands it one
task at a time with a time limit, and can :meth:`~WorkerProcess.stop` it — the only way to stop
a computation stuck in a native library (libRoadRunner, pandas) — without touching any other
worker.

The app's knowledge base is sent to each worker once, when it starts (or the settings, when the
app has not loaded it yet: the worker then loads it itself on first use); an argument that *is*
the app's knowledge base travels as the placeholder :data:`KB` and is replaced by the worker's
copy.
"""
from __future__ import annotations

import json
import os
from typing import Any, Callable

from refractor._jsonsafe import json_safe
from refractor.api._errors import PayloadTooLarge, ServiceError


class _KBSlot:
    """Stands for "the worker's knowledge base" in the arguments sent to a worker process."""

    def __reduce__(self) -> str:
        return "KB"


KB = _KBSlot()
_WORKER_KB: Any = None

#: scheduling priority of worker processes relative to the server (POSIX nice increment):
#: on a busy machine the serving process gets the CPU first, so cheap requests stay fast
WORKER_NICE = 10
#: modules a worker imports before it says it is ready, so that its first task (often the
#: first request after a worker was stopped and replaced) does not pay for them
WARM_MODULES: tuple[str, ...] = ("refractor.api._profile", "refractor.api._models", "refractor.interpret")
#: seconds a new worker may take to start (interpreter, imports) before it is given up
START_TIMEOUT = 120.0


def encode(document: Any, max_bytes: int) -> bytes:
    """``document`` as compact JSON bytes; PayloadTooLarge past ``max_bytes``."""
    data = json.dumps(json_safe(document), separators=(",", ":"), allow_nan=False).encode()
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the response would be {len(data)} bytes, more than the limit of "
                              f"{max_bytes} bytes (REFRACTOR_MAX_RESPONSE_BYTES); post fewer samples "
                              "or ask for fewer points")
    return data


def _worker_kb() -> Any:
    global _WORKER_KB
    from refractor.kb import KnowledgeBase

    if not isinstance(_WORKER_KB, KnowledgeBase):
        _WORKER_KB = KnowledgeBase.load(settings=_WORKER_KB)
    return _WORKER_KB


def call(fn: Callable[..., Any], args: tuple[Any, ...], max_bytes: int | None) -> Any:
    """Runs in the worker: swap the knowledge-base placeholder in, call, encode if asked."""
    if any(a is KB for a in args):
        args = tuple(_worker_kb() if a is KB else a for a in args)
    result = fn(*args)
    return encode(result, max_bytes) if max_bytes is not None else result


def worker_main(conn: Any, settings: Any) -> None:
    """The worker process: receive the knowledge base, get ready, then run tasks until the
    pipe closes."""
    global _WORKER_KB
    import importlib

    if hasattr(os, "nice"):
        try:
            os.nice(WORKER_NICE)
        except OSError:  # not permitted: run at the server's priority
            pass
    try:
        kb = conn.recv()
    except (EOFError, OSError):
        return
    _WORKER_KB = kb if kb is not None else settings  # settings: loaded when first needed
    for name in WARM_MODULES:
        importlib.import_module(name)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the server closed the pipe (or died): end
            return
        if task is None:
            return
        try:
            reply: tuple[str, Any] = ("ok", call(*task))
        except BaseException as exc:  # the task's own error, sent back to the request
            reply = ("err", exc)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # a result or an error that does not pickle
            conn.send(("err", ServiceError(f"the result could not be sent back from the worker "
                                           f"({type(exc).__name__})")))


class WorkerDied(Exception):
    """The worker process ended (killed, out of memory, a crash in a native library)."""


class WorkerTimedOut(Exception):
    """The task did not finish in the time it was given."""


class WorkerProcess:
    """One started, ready worker process (blocking methods: call them from a thread)."""

    def __init__(self, kb: Any, settings: Any, start_timeout: float = START_TIMEOUT) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=True)
        # daemon: ended with the server even if it exits without shutting the pool down
        self.process = ctx.Process(target=worker_main, args=(child, settings),
                                   name="refractor-worker", daemon=True)
        self.process.start()
        child.close()
        try:
            # the knowledge base goes over the pipe, not with the process arguments: CPython
            # writes those while it still holds the reading end itself, so a worker dying as it
            # starts would block a large write forever; here it is a broken pipe
            self._conn.send(kb)
            if not self._conn.poll(start_timeout):
                raise WorkerDied(f"the worker did not start within {start_timeout:g} s")
            status, _pid = self._conn.recv()
        except (EOFError, OSError):
            self.stop()
            raise WorkerDied("the worker process ended while starting") from None
        except WorkerDied:
            self.stop()
            raise

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.is_alive()

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], max_bytes: int | None,
             timeout: float) -> Any:
        """``fn(*args)`` in this worker; its own exception re-raised here; WorkerTimedOut after
        ``timeout`` seconds (the worker is then still busy: stop it); WorkerDied if it ended."""
        try:
            self._conn.send((fn, args, max_bytes))
            if not self._conn.poll(max(timeout, 0.0)):
                raise WorkerTimedOut
            status, value = self._conn.recv()
        except (EOFError, OSError):
            raise WorkerDied from None
        if status == "ok":
            return value
        raise value

    def stop(self, grace: float = 2.0) -> None:
        """End the process now (SIGTERM, then SIGKILL after ``grace`` seconds) and reap it."""
        proc = self.process
        if proc.is_alive():
            proc.terminate()
            proc.join(grace)
            if proc.is_alive():
                proc.kill()
        proc.join(grace)
        self._conn.close()


__all__ = ["KB", "WARM_MODULES", "WORKER_NICE", "WorkerDied", "WorkerProcess", "WorkerTimedOut",
           "call", "encode", "worker_main"]
