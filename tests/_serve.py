"""``refractor serve`` started for real, as a child process on a free loopback port: shared by
the service tests (tests/api) and the browser tests (tests/web)."""
from __future__ import annotations

import contextlib
import os
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


@contextlib.contextmanager
def serving(workdir: Path, *, timeout: float = 60.0, **env: str) -> Iterator[tuple[str, int]]:
    """Start ``python -m refractor serve`` (log in ``workdir/server.log``), wait until /health
    answers, yield ``(base_url, port)``; stop it afterwards. Fails the test, with the server's
    log, when it exits or does not answer within ``timeout`` seconds."""
    port = free_port()
    log = workdir / "server.log"
    out = open(log, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "refractor", "serve", "--port", str(port)],
                            env=serve_env(**env), stdout=out, stderr=subprocess.STDOUT)
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
        yield base, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()
