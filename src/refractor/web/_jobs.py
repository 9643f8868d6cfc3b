"""Cohort jobs of the web application: started, run, time-limited and cancelled.

A job runs ``work(progress, executor)`` in a job thread of the serving process. The heavy part
runs in the worker processes of ``executor``, a :class:`refractor.cohort.LocalExecutor` of
``ServiceLimits.workers`` processes owned by the job (``isolate=True``: every task runs in a
worker process, even with one worker). That is what lets a job be **stopped**, for two reasons:

* its time limit, ``ServiceLimits.cohort_job_seconds`` (``REFRACTOR_COHORT_JOB_SECONDS``): the
  job ends ``failed`` with the reason "stopped after N s: over the cohort job time limit ...";
* a user's ``POST /cohort/job/{id}/cancel``: the job ends ``cancelled``.

Stopping terminates the job's worker processes (SIGTERM, then SIGKILL after
:data:`refractor.cohort._executor.STOP_GRACE` seconds) and waits for them, so the work ends and
no process is left behind; the job thread, blocked on the dead pool or at its next progress
report, raises :class:`refractor.cohort.ExecutorStopped`. Only then is the final status set and
written to the state folder, so the job's slot (``ServiceLimits.cohort_jobs``) is free exactly
when its processes are gone. Work the job thread does itself between blocks (building the arms
before the first block, the summary after the last) is not interrupted: the stop takes effect
when that step ends.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from fastapi import Request

from refractor._jsonsafe import json_safe
from refractor.api._errors import Conflict, ServiceBusy, ServiceTimeout, error_body, status_for
from refractor.errors import NotFoundError, RefractorError

_LOCK = threading.Lock()
UNFINISHED = ("queued", "running")
#: seconds ``POST .../cancel`` waits for the job's processes to end before it answers
CANCEL_WAIT = 15.0


class _Control:
    """What the serving process keeps of a job it runs (never written to the state folder)."""

    def __init__(self, job: dict[str, Any], executor: Any) -> None:
        self.job = job
        self.executor = executor
        self.lock = threading.Lock()
        self.stop_status: str | None = None  # "cancelled" or "failed", once a stop was asked
        self.stop_message: str | None = None
        self.thread: threading.Thread | None = None
        self.ended = False  # the work is over; its final state is being written

    def stop(self, status: str, message: str) -> bool:
        """Stop the job (``status``: what it ends as); False if it had already ended or was
        already being stopped. Returns once its worker processes have ended."""
        with self.lock:
            if self.ended or self.job["status"] not in UNFINISHED or self.stop_status is not None:
                return False
            self.stop_status, self.stop_message = status, message
        self.executor.stop(message)
        return True

    def check(self) -> None:
        """Raise once the executor is being stopped (not before: the job thread then closes an
        executor whose processes are already being terminated, and waits for that to end)."""
        reason = self.executor.stopped
        if reason is not None:
            from refractor.cohort import ExecutorStopped

            raise ExecutorStopped(reason)


def _controls(app: Any) -> dict[str, _Control]:
    with _LOCK:
        if not hasattr(app.state, "cohort_jobs"):
            app.state.cohort_jobs = {}
        return app.state.cohort_jobs


def start_job(request: Request, kind: str, title: str,
              work: Callable[[Callable[[int, int], None], Any], Any]) -> str:
    """Run ``work(progress, executor)`` in a job thread; the job id.

    The job is written to the state folder when it starts and when it ends (progress is kept in
    memory in between), so a finished job outlives the server; one left unfinished by a server
    that stopped is marked failed ("server restarted") by the next one.
    """
    from refractor.api._state import new_id
    from refractor.cohort import LocalExecutor

    app = request.app
    lim = app.state.settings.limits.service
    settings = app.state.settings
    store = app.state.store
    store.open()
    controls = _controls(app)
    with _LOCK:
        running = sum(1 for j in list(store.live.values()) if j["status"] in UNFINISHED)
        if running >= lim.cohort_jobs:
            raise ServiceBusy(f"{running} cohort job(s) already running (REFRACTOR_COHORT_JOBS="
                              f"{lim.cohort_jobs}); retry in {lim.retry_after} s",
                              headers={"Retry-After": str(lim.retry_after)})
        jid = new_id()
        job = {"id": jid, "kind": kind, "title": title, "status": "queued", "done": 0, "total": None,
               "started": time.time(), "seconds": None, "result": None, "error": None,
               "stopped": None, "time_limit": lim.cohort_job_seconds, "server": store.instance}
        ctl = controls[jid] = _Control(job, LocalExecutor(lim.workers, isolate=True))
        store.live[jid] = job
    try:
        store.put("jobs", job, id=jid)
    except BaseException:
        store.live.pop(jid, None)
        controls.pop(jid, None)
        raise

    def progress(done: int, total: int) -> None:
        job["done"], job["total"] = int(done), int(total)
        ctl.check()

    def over_time() -> None:
        took = time.time() - job["started"]
        ctl.stop("failed", f"stopped after {took:.1f} s: over the cohort job time limit of "
                           f"{lim.cohort_job_seconds} s (REFRACTOR_COHORT_JOB_SECONDS); its worker "
                           "processes were terminated. Run fewer virtual patients, or ask the "
                           "operator for a longer limit")

    def finish(final: dict[str, Any]) -> None:
        """Write the job's final state, then publish it: until it is written, readers (the page,
        its JSON twin, the slot count) still see the job running, never a status it may not keep
        (a result too large for the state folder turns "done" into "failed")."""
        doc = {**job, **final}
        for _ in range(2):
            try:
                store.put("jobs", doc, id=jid)
            except RefractorError as exc:  # e.g. a result over the state folder's size limit
                doc.update(status="failed", result=None, error=error_body(status_for(exc), exc))
                continue
            except OSError:  # the folder cannot be written: the job stays in this server's memory
                break
            job.update(doc)  # one C-level update: a reader sees the old state or the new one
            store.live.pop(jid, None)
            return
        job.update(doc)

    def run() -> None:
        timer = threading.Timer(lim.cohort_job_seconds, over_time)
        timer.daemon = True
        result: Any = None
        error: dict[str, Any] | None = None
        with ctl.lock:
            if ctl.stop_status is None:
                job["status"] = "running"
        try:
            timer.start()
            ctl.check()
            result = json_safe(work(progress, ctl.executor))
        except RefractorError as exc:
            error = error_body(status_for(exc), exc, paths=[settings.kb_dir, settings.cache_dir])
        except Exception as exc:  # a bug (or a pool broken by a stop): no details to the page
            error = error_body(500, exc)
        finally:
            timer.cancel()
            ctl.executor.close()  # the pool's processes have ended when this returns (or a stop's)
            with ctl.lock:  # a stop asked before this point wins, whatever the work returned
                ctl.ended = True
                if ctl.stop_status == "cancelled":
                    final = {"status": "cancelled", "stopped": ctl.stop_message, "result": None}
                elif ctl.stop_status == "failed":
                    final = {"status": "failed", "stopped": ctl.stop_message, "result": None,
                             "error": error_body(504, ServiceTimeout(ctl.stop_message))}
                elif error is not None:
                    final = {"status": "failed", "error": error}
                else:
                    final = {"status": "done", "result": result}
            final["seconds"] = round(time.time() - job["started"], 1)
            finish(final)
            controls.pop(jid, None)

    ctl.thread = threading.Thread(target=run, name=f"refractor-job-{jid}", daemon=True)
    ctl.thread.start()
    return jid


def cancel_job(request: Request, jid: str) -> dict[str, Any]:
    """Cancel a queued or running job of this server; the job as it then is.

    Raises
    ------
    NotFoundError
        No job of that id (404).
    Conflict
        The job has already ended, or another server sharing the state folder runs it (409).
    """
    store = request.app.state.store
    job = store.get("jobs", jid)
    if job is None:
        raise NotFoundError(f"no cohort job {jid!r}")
    ctl = _controls(request.app).get(jid)
    if job["status"] not in UNFINISHED:
        raise Conflict(f"cohort job {jid} has already ended ({job['status']}); only a queued or "
                       "running job can be cancelled")
    if ctl is None:
        raise Conflict(f"cohort job {jid} is run by another server sharing the state folder; "
                       "cancel it there")
    took = time.time() - job["started"]
    if not ctl.stop("cancelled", f"cancelled after {took:.1f} s at a user's request; its worker "
                                 "processes were terminated"):
        if ctl.stop_status == "failed":
            raise Conflict(f"cohort job {jid} is already being stopped: {ctl.stop_message}")
        if ctl.stop_status is None:  # it ended just now: say how
            if ctl.thread is not None:
                ctl.thread.join(CANCEL_WAIT)
            now = store.get("jobs", jid) or job
            raise Conflict(f"cohort job {jid} has already ended ({now['status']}); only a queued "
                           "or running job can be cancelled")
    if ctl.thread is not None:
        ctl.thread.join(CANCEL_WAIT)
    return dict(store.get("jobs", jid) or job)


__all__ = ["CANCEL_WAIT", "UNFINISHED", "cancel_job", "start_job"]
