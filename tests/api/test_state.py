"""The service's state folder (reports and jobs across restarts): private, unguessable ids, no
file served from elsewhere, capped by count, age and size, and jobs left unfinished by a
server that stopped are marked failed by the next one (issue 14's remaining limit)."""
from __future__ import annotations

import importlib.util
import os
import stat
import time
from dataclasses import replace
from pathlib import Path

import pytest

from refractor.api._errors import PayloadTooLarge
from refractor.api._state import RESTARTED, StateStore, new_id, valid_id
from refractor.errors import InputError
from refractor.settings import ServiceLimits, Settings


def _store(folder: Path, **limits) -> StateStore:
    return StateStore(folder, replace(ServiceLimits(), **limits)).open()


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_default_folder_is_under_the_cache_and_overridable(tmp_path):
    s = Settings.resolve(cache_dir=tmp_path / "cache", environ={})
    assert s.server_dir == tmp_path / "cache" / "server"
    s = Settings.resolve(cache_dir=tmp_path / "cache", environ={"REFRACTOR_STATE_DIR": str(tmp_path / "st")})
    assert s.server_dir == tmp_path / "st"
    assert Settings.resolve(state_dir=tmp_path / "flag", environ={"REFRACTOR_STATE_DIR": "x"}).server_dir \
        == tmp_path / "flag"
    lim = Settings.resolve(environ={"REFRACTOR_STATE_MAX_BYTES": "5000", "REFRACTOR_JOBS_KEPT": "3",
                                    "REFRACTOR_STATE_MAX_AGE_DAYS": "2"}).limits.service
    assert (lim.state_max_bytes, lim.jobs_kept, lim.state_max_age_days) == (5000, 3, 2)
    with pytest.raises(InputError, match="state_max_age_days must be a whole number >= 1"):
        ServiceLimits(state_max_age_days=0)


def test_folder_and_files_are_private_and_ids_unguessable(tmp_path):
    folder = tmp_path / "state"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o777)  # an existing folder of ours that others could write: made private
    store = _store(folder)
    rid = store.put("reports", {"samples": []})
    assert _mode(folder) == 0o700 and _mode(folder / "reports") == 0o700 and _mode(folder / "jobs") == 0o700
    assert _mode(folder / "reports" / f"{rid}.json") == 0o600
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(valid_id(i) and len(i) == 24 for i in ids)  # 144 random bits
    assert store.get("reports", rid) == {"samples": []}
    store.close()


def test_no_file_outside_the_folder_is_ever_read(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text('{"schema": "refractor.service-state"}')
    store = _store(tmp_path / "state")
    for bad in ("../secret", "../../secret", str(secret), "..", "", "a/b", "x" * 23 + "/", "%2e%2e%2fsecret"):
        assert store.get("reports", bad) is None
    assert store.get("../reports", new_id()) is None  # the kind is not a path either
    # a symbolic link planted under a valid id is not followed
    planted = new_id()
    os.symlink(secret, tmp_path / "state" / "reports" / f"{planted}.json")
    assert store.get("reports", planted) is None
    # a file that is not a state document of that id (copied under another name) is refused
    rid = store.put("reports", {"x": 1})
    other = new_id()
    (tmp_path / "state" / "reports" / f"{other}.json").write_bytes(
        (tmp_path / "state" / "reports" / f"{rid}.json").read_bytes())
    assert store.get("reports", other) is None
    store.close()


def test_folder_of_another_kind_is_refused(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "state").mkdir()
    os.symlink(target, tmp_path / "state" / "reports")
    with pytest.raises(InputError, match="not a folder \\(or is a symbolic link\\)"):
        _store(tmp_path / "state")
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="not a folder"):
        _store(tmp_path / "file")


def test_eviction_by_count_age_and_size(tmp_path):
    store = _store(tmp_path / "s", reports_kept=3, state_max_bytes=10_000, state_max_age_days=30)
    ids = []
    base = time.time() - 1000
    for k in range(5):
        ids.append(store.put("reports", {"k": k}))
        os.utime(tmp_path / "s" / "reports" / f"{ids[-1]}.json", (base + k, base + k))
    store.evict(now=base + 10)
    # count: the three newest remain, the oldest two are gone
    assert [store.get("reports", i) is not None for i in ids] == [False, False, True, True, True]
    # age: 31 days after the newest was written, everything is gone
    store.evict(now=base + 4 + 31 * 86_400)
    assert all(store.get("reports", i) is None for i in ids)
    store.close()
    # size: documents of ~3 kB each under a 10 kB cap -> the oldest dropped to fit
    store = _store(tmp_path / "s", reports_kept=50, state_max_bytes=10_000)
    big = []
    for k in range(4):
        big.append(store.put("reports", {"pad": "x" * 3000, "k": k}))
        time.sleep(0.02)  # distinct modification times: "oldest" is well defined
    kept = [store.get("reports", i) is not None for i in big]
    assert kept == [False, True, True, True]
    assert sum(p.stat().st_size for p in (tmp_path / "s" / "reports").glob("*.json")) <= 10_000
    with pytest.raises(PayloadTooLarge, match="REFRACTOR_STATE_MAX_BYTES"):
        store.put("reports", {"pad": "x" * 20_000})
    store.close()


def test_running_jobs_are_never_evicted_and_orphans_fail_on_restart(tmp_path):
    a = _store(tmp_path / "s", jobs_kept=1)
    running = {"id": "", "status": "running", "server": a.instance, "result": None, "error": None}
    jid = new_id()
    a.live[jid] = running
    a.put("jobs", running, id=jid)
    done = [a.put("jobs", {"status": "done", "server": a.instance, "result": {"k": k}}) for k in range(3)]
    assert a.get("jobs", jid)["status"] == "running"  # over jobs_kept, but running: kept
    assert sum(a.get("jobs", d) is not None for d in done) == 1  # one finished job kept
    # another server opening the folder while this one runs leaves its job alone
    b = _store(tmp_path / "s", jobs_kept=1)
    assert b.get("jobs", jid)["status"] == "running"
    a.live.clear()
    a.close()  # this server stops (its lock is released, as when its process ends) ...
    job = b.get("jobs", jid)  # ... which a server already running notices on the next read
    assert job["status"] == "failed" and "server restarted" in job["error"]["message"]
    b.close()
    # and a server started afterwards finds it failed too
    c = _store(tmp_path / "s", jobs_kept=1)
    job = c.get("jobs", jid)
    assert job["status"] == "failed" and job["error"]["message"] == RESTARTED
    assert "server restarted" in job["error"]["message"]
    c.close()


def test_serve_refuses_a_state_folder_it_cannot_own(tmp_path, capsys, monkeypatch):
    """``serve --state-dir`` pointing at a file, or at a folder of another user: one line,
    exit 2, before anything is served."""
    from refractor.cli import main

    monkeypatch.setattr("refractor.api._server.serve", lambda *a, **k: pytest.fail("it served"))

    (tmp_path / "a-file").write_text("")
    assert main(["serve", "--port", "1", "--state-dir", str(tmp_path / "a-file")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "service state folder is not a folder" in err[0], err
    if os.getuid() == 0:  # only root can give a folder to another user
        other = tmp_path / "other"
        other.mkdir(mode=0o700)
        os.chown(other, 65534, 65534)
        assert main(["serve", "--port", "1", "--state-dir", str(other)]) == 2
        err = capsys.readouterr().err.strip()
        assert "owned by user id 65534, not by you" in err and "Traceback" not in err


@pytest.mark.skipif(importlib.util.find_spec("refractor.cohort") is None,
                    reason="refractor.cohort (virtual cohorts) is not part of this install")
def test_a_job_result_over_the_folder_limit_fails_the_job_with_the_reason(make_client):
    """The state folder's size cap holds for job results too: the job ends failed with a 413
    reason naming the setting, instead of the cap being exceeded or the job shown running."""
    c = make_client(state_max_bytes=4_000)
    r = c.post("/cohort/run", data={"scenario": "optimismm-len-pretreated", "n": 20}, follow_redirects=False)
    assert r.status_code == 303, r.text
    end = time.monotonic() + 180
    while time.monotonic() < end:
        job = c.get(r.headers["location"], params={"format": "json"}).json()["job"]
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.3)
    assert job["status"] == "failed", job
    assert job["error"]["status"] == 413 and "REFRACTOR_STATE_MAX_BYTES" in job["error"]["message"]
    folder = c.app.state.store.folder
    assert sum(p.stat().st_size for p in folder.glob("*/*.json")) <= 4_000


@pytest.mark.skipif(importlib.util.find_spec("refractor.cohort") is None,
                    reason="refractor.cohort (virtual cohorts) is not part of this install")
def test_a_job_never_shows_a_status_it_does_not_keep(make_client):
    """Regression: a job whose result was too large for the state folder showed "done" (with no
    result) until its final state was found too large to write and it turned "failed"; a reader
    in between - the page script, or the test above, which failed 3 times in 40 runs under load
    for that reason - saw a status the job did not keep. The final state is now published only
    once it is written. Here writing it is made slow, as on a loaded machine."""
    def slow_final_writes(app):
        store = app.state.store
        real = store.put

        def put(kind, doc, id=None):
            if kind == "jobs" and doc.get("status") not in ("queued", "running"):
                time.sleep(0.5)
            return real(kind, doc, id=id)

        store.put = put

    c = make_client(slow_final_writes, state_max_bytes=4_000)
    r = c.post("/cohort/run", data={"scenario": "optimismm-len-pretreated", "n": 20}, follow_redirects=False)
    assert r.status_code == 303, r.text
    seen = []
    end = time.monotonic() + 120
    while time.monotonic() < end:
        seen.append(c.get(r.headers["location"], params={"format": "json"}).json()["job"]["status"])
        if seen[-1] not in ("queued", "running"):
            break
        time.sleep(0.02)
    assert seen[-1] == "failed" and "done" not in seen, seen[-5:]
