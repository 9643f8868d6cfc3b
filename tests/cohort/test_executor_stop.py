"""LocalExecutor.stop: work in the worker processes ends at once (it is terminated, not drained),
the map in progress raises ExecutorStopped with the reason, and no process is left behind."""
from __future__ import annotations

import os
import signal
import threading
import time
from functools import partial
from pathlib import Path

import psutil
import pytest

from _serve import alive_pids

from refractor.cohort import ExecutorStopped, LocalExecutor
from refractor.cohort._executor import STOP_GRACE


def _sleepy(folder: Path, x: int) -> int:  # a task that would hold its worker for a minute
    (folder / f"{os.getpid()}.started").touch()
    time.sleep(60)
    return x


def _ignores_sigterm(folder: Path, x: int) -> int:  # a task stuck where SIGTERM does not reach it
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    (folder / f"{os.getpid()}.started").touch()
    time.sleep(60)
    return x


def _run_and_stop(fn, workers: int, folder: Path) -> tuple[dict, set[int], float]:
    ex = LocalExecutor(workers, isolate=True)
    out: dict = {}
    pids: list[psutil.Process] = []

    def consume() -> None:  # as run_scenario does: map, and close the executor on the way out
        try:
            out["results"] = list(ex.map(partial(fn, folder), range(4)))
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            out["error"] = exc
        finally:
            ex.close()  # returns only once the processes have ended, even while stop() ends them
            out["alive_after_close"] = alive_pids(pids)

    t = threading.Thread(target=consume)
    t.start()
    end = time.monotonic() + 15
    while len(list(folder.glob("*.started"))) < workers and time.monotonic() < end:
        time.sleep(0.05)
    workers_now = {int(f.stem) for f in folder.glob("*.started")}
    assert len(workers_now) == workers  # every worker process is inside a task
    pids.extend(psutil.Process(pid) for pid in workers_now)
    t0 = time.monotonic()
    ex.stop("stopped by the test")
    took = time.monotonic() - t0
    t.join(5)
    assert not t.is_alive()
    return out, workers_now, took



@pytest.mark.parametrize("workers", [1, 2])
def test_stop_terminates_running_tasks(workers, tmp_path):
    out, pids, took = _run_and_stop(_sleepy, workers, tmp_path)
    assert len(pids) == workers  # isolate=True: even one worker is a process of its own
    assert isinstance(out.get("error"), ExecutorStopped) and str(out["error"]) == "stopped by the test"
    assert took < 1.5, took  # terminated: the minute-long tasks were not waited for
    assert out["alive_after_close"] == set()


def test_a_worker_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path):
    out, pids, took = _run_and_stop(_ignores_sigterm, 2, tmp_path)
    assert isinstance(out.get("error"), ExecutorStopped)
    assert STOP_GRACE - 0.1 <= took < STOP_GRACE + 2, took
    assert out["alive_after_close"] == set()


def test_a_stopped_executor_refuses_new_work():
    ex = LocalExecutor(2, isolate=True)
    ex.stop("no more")
    with pytest.raises(ExecutorStopped, match="no more"):
        list(ex.map(abs, [-1, -2]))
    with LocalExecutor(2, isolate=True) as fresh:
        assert list(fresh.map(abs, [-1, -2])) == [1, 2]
