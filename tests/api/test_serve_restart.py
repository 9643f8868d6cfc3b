"""Reports and jobs survive a restart of ``refractor serve`` (real processes): a report is still
served by its id, a finished job still shows its result, and a job that was running when the
server crashed is shown as failed ("server restarted"), not running forever."""
from __future__ import annotations

import importlib.util
import os
import signal
import stat
import time

import httpx
import pytest

from _serve import serving


def _wait_job(base: str, url: str, seconds: float = 240) -> dict:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        doc = httpx.get(base + url, params={"format": "json"}, timeout=30).json()
        if doc["job"]["status"] not in ("queued", "running"):
            return doc
        time.sleep(0.5)
    raise AssertionError(f"job {url} did not finish in {seconds} s")


@pytest.mark.skipif(importlib.util.find_spec("refractor.cohort") is None,
                    reason="refractor.cohort (virtual cohorts) is not part of this install")
def test_reports_and_jobs_survive_a_crash_and_restart(tmp_path):
    state = tmp_path / "state"
    env = {"REFRACTOR_CACHE_DIR": str(tmp_path / "cache"), "REFRACTOR_STATE_DIR": str(state),
           "REFRACTOR_WORKERS": "1"}
    with serving(tmp_path, **env) as served:
        base, _ = served
        r = httpx.post(base + "/upload/sample", data={
            "sample": "MM1", "disease": "MM", "sequenced": "true", "refractory_agents": "lenalidomide"},
            timeout=120)
        assert r.status_code == 303, r.text
        report_url = r.headers["location"]
        rid = report_url.rsplit("/", 1)[-1]
        before = httpx.get(base + report_url, params={"format": "json"}).json()
        # lenalidomide-refractory myeloma: the report carries the history it was given
        (sample,) = before["samples"]
        assert sample["sample"] == "MM1"
        r = httpx.post(base + "/forecast/run", data={"report": rid, "sample": "MM1", "regimens": ["vd"],
                                                     "n": 50})
        assert r.status_code == 303, r.text
        finished_url = r.headers["location"]
        finished = _wait_job(base, finished_url)
        assert finished["job"]["status"] == "done", finished["job"]
        r = httpx.post(base + "/cohort/run", data={"scenario": "optimismm-len-pretreated", "n": 5000})
        assert r.status_code == 303, r.text
        running_url = r.headers["location"]
        doc = httpx.get(base + running_url, params={"format": "json"}).json()
        assert doc["job"]["status"] in ("queued", "running")
        # the state folder is private, and its files too
        assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(state / "reports" / f"{rid}.json").st_mode) == 0o600
        # a crash: the server and everything it started are killed at once
        os.killpg(served.proc.pid, signal.SIGKILL)
        served.proc.wait(30)

    with serving(tmp_path, **env) as (base, _):
        after = httpx.get(base + report_url, params={"format": "json"})
        assert after.status_code == 200, after.text
        assert after.json() == before
        download = httpx.get(base + f"/report/{rid}/download/report.json")
        assert download.status_code == 200 and download.json()["samples"][0]["sample"] == "MM1"
        job = httpx.get(base + finished_url, params={"format": "json"}).json()
        assert job["job"]["status"] == "done" and job["result"] == finished["result"]
        job = httpx.get(base + running_url, params={"format": "json"}).json()
        assert job["job"]["status"] == "failed"
        assert "server restarted" in job["job"]["error"]["message"]
        # unknown and malformed ids: the one error shape, never a file from elsewhere
        for bad in ("/report/" + "A" * 24, "/report/..%2F..%2Fetc%2Fpasswd", "/cohort/job/x"):
            r = httpx.get(base + bad)
            assert r.status_code == 404 and r.json()["error"] == "NotFoundError", (bad, r.text)
