"""``refractor serve`` started for real, as a child process on a free loopback port: shared by
the service tests (tests/api) and the browser tests (tests/web)."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_env(**extra: str) -> dict[str, str]:
    """This process's environment without REFRACTOR_* settings (the suite's isolated cache
    folder kept), with this tree's ``src`` first on PYTHONPATH, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFRACTOR_") or k == "REFRACTOR_CACHE_DIR"}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


class Served(tuple):
    """``(base_url, port)``, with the server's ``proc`` (its own process group) as an attribute."""

    proc: subprocess.Popen


@contextlib.contextmanager
def serving(workdir: Path, *, timeout: float = 60.0, **env: str) -> Iterator[Served]:
    """Start ``python -m refractor serve`` (log in ``workdir/server.log``), wait until /health
    answers, yield ``(base_url, port)`` (a :class:`Served`); stop it afterwards, with every
    process it started (it runs in a process group of its own). Fails the test, with the
    server's log, when it exits or does not answer within ``timeout`` seconds."""
    port = free_port()
    log = workdir / "server.log"
    out = open(log, "ab")
    proc = subprocess.Popen([sys.executable, "-m", "refractor", "serve", "--port", str(port)],
                            env=serve_env(**env), stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"server exited: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer /health within {timeout:g} s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        served = Served((base, port))
        served.proc = proc
        yield served
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything the server left behind (its group)
        out.close()


def alive_pids(procs) -> set[int]:
    """The ids of ``procs`` (psutil processes) still running, zombies not counted (a reused
    id is another process: psutil compares creation times)."""
    import psutil

    out = set()
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.add(p.pid)
        except psutil.NoSuchProcess:
            pass
    return out
