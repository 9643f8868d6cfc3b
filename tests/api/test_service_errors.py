"""One JSON error shape for every status the service returns, pinned here (issue 14).

Every error response is ``application/json`` with at least ``error`` (a name), ``status``
(equal to the HTTP status) and ``message``; input errors add ``path``/``line``/``column``/
``problem``. No response names a server file path.
"""
from __future__ import annotations

import asyncio
import threading
import time

import pytest

from refractor.api._errors import ServiceBusy, ServiceTimeout
from refractor.api._pool import WorkerPool
from refractor.settings import ServiceLimits

TOKEN = "s3cret-token-for-tests-0123456789"


def _boom(app):
    @app.get("/test-bug")
    def bug():  # a real unexpected exception (a bug), not a RefractorError
        raise RuntimeError("secret detail at /home/someone/refractor/x.py")


def test_every_status_has_the_one_shape(make_client, assert_shape):
    c = make_client(_boom)
    assert_shape(c.get("/no/such/route"), 404, "NotFoundError")
    assert_shape(c.get("/kb/item/no-such-entry"), 404, "NotFoundError")
    assert_shape(c.post("/health"), 405, "MethodNotAllowed")
    assert_shape(c.post("/profile", content=b"{bad", headers={"content-type": "application/json"}), 400,
                 "BadRequest")
    assert_shape(c.post("/profile", content=b"sample=x", headers={"content-type": "text/plain"}), 415,
                 "UnsupportedMediaType")
    body = assert_shape(c.post("/profile", json={"sample": "A"}), 422, "InputError")
    assert body["column"] == "disease"
    assert_shape(c.post("/profile", content=b"x", headers={"content-type": "application/json",
                                                          "content-length": str(11 * 1024 * 1024)}), 413,
                 "PayloadTooLarge")
    body = assert_shape(c.get("/test-bug"), 500, "InternalError")
    assert "secret" not in body["message"] and "/home" not in body["message"]


def test_trailing_slash_is_404_not_a_redirect(make_client, assert_shape):
    r = make_client().get("/kb/stats/", follow_redirects=False)
    assert_shape(r, 404, "NotFoundError")


def test_token_required_when_configured(make_client, assert_shape):
    c = make_client(token=TOKEN)
    assert c.get("/health").status_code == 200  # liveness stays open
    body = assert_shape(c.get("/kb/stats"), 401, "Unauthorized")
    assert TOKEN not in body["message"]
    assert c.get("/kb/stats", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert_shape(c.get("/kb/stats", headers={"Authorization": "Bearer wrong"}), 401)
    # the browser way: /login sets an HttpOnly cookie
    r = c.post("/login", data={"token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303 and "httponly" in r.headers["set-cookie"].lower()
    assert c.get("/").status_code == 200


def test_streamed_body_over_the_limit_is_413_even_without_content_length(make_client, assert_shape):
    """The issue's bypass: a chunked body has no Content-Length; bytes are counted as they come."""
    c = make_client(max_body_bytes=64 * 1024)

    def chunks():
        for _ in range(40):
            yield b" " * 8192  # valid JSON whitespace: only the size is wrong

    body = assert_shape(c.post("/profile/cohort", content=chunks(),
                               headers={"content-type": "application/json"}), 413, "PayloadTooLarge")
    assert "counted as it streamed" in body["message"]
    # just under the limit is parsed normally (then rejected for its content, not its size)
    assert_shape(c.post("/profile/cohort", content=iter([b" " * 1000 + b"{}"]),
                        headers={"content-type": "application/json"}), 422)


def test_upload_errors_name_the_file_never_the_server_folder(make_client, assert_shape):
    c = make_client()
    sheet = b"sample,disease,maf\nS1,MM,missing.maf\n"
    r = c.post("/upload/samplesheet", files={"samplesheet": ("sheet.csv", sheet, "text/csv")})
    body = assert_shape(r, 422, "InputError")
    assert body["path"] == "sheet.csv" and "missing.maf" in body["message"]
    assert "/tmp" not in r.text and "refractor-upload" not in r.text


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_pool_is_bounded_503_with_retry_after_and_504_when_too_slow(mode):
    pool = WorkerPool(ServiceLimits(workers=1, queue=0, request_timeout=3, retry_after=7, pool=mode))

    async def scenario():
        pool.start()  # the worker is up first (a process takes a moment to start, more under load)
        assert await pool.run(abs, -2) == 2
        first = asyncio.ensure_future(pool.run(time.sleep, 0.5))
        await asyncio.sleep(0.05)
        with pytest.raises(ServiceBusy) as busy:
            await pool.run(abs, -1)
        assert busy.value.status == 503 and busy.value.headers == {"Retry-After": "7"}
        assert await first is None
        assert await pool.run(abs, -1) == 1  # the slot came back
        with pytest.raises(ServiceTimeout) as late:
            await pool.run(time.sleep, 3.5)
        assert late.value.status == 504

    try:
        asyncio.run(scenario())
        for _ in range(200):  # the slow call finishes and gives its slot back
            if pool.admitted == 0:
                break
            time.sleep(0.05)
        assert pool.admitted == 0
    finally:
        pool.shutdown()


def test_503_reaches_the_client_in_the_shape(make_client, assert_shape):
    """A full pool answers heavy requests 503 + Retry-After while cheap ones still work."""
    c = make_client(workers=1, queue=0, retry_after=3, pool="thread")
    pool = c.app.state.pool
    release = threading.Event()

    async def occupy():
        await pool.run(release.wait, 10)

    t = threading.Thread(target=lambda: asyncio.run(occupy()))
    t.start()
    try:
        for _ in range(100):
            if pool.admitted:
                break
            time.sleep(0.01)
        r = c.post("/profile", json={"sample": "A", "disease": "CLL", "variants": []})
        assert_shape(r, 503, "ServiceBusy")
        assert r.headers["retry-after"] == "3"
        assert c.get("/health").status_code == 200
    finally:
        release.set()
        t.join()
    pool.shutdown()


def test_security_headers_and_no_cors(make_client):
    r = make_client().get("/", headers={"Origin": "https://elsewhere.example"})
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in r.headers


def test_a_dead_worker_process_does_not_break_the_pool_for_good():
    """A worker killed mid-request (e.g. out of memory) fails that request with 500; the next
    request gets a fresh pool instead of a permanently broken one."""
    import os

    from refractor.api._errors import ServiceError

    pool = WorkerPool(ServiceLimits(workers=1, queue=0, request_timeout=60, pool="process"))

    async def scenario():
        with pytest.raises(ServiceError) as died:
            await pool.run(os._exit, 3)
        assert died.value.status == 500 and "died" in str(died.value)
        assert await pool.run(abs, -4) == 4

    try:
        asyncio.run(scenario())
    finally:
        pool.shutdown()
