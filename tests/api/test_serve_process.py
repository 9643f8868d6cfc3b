"""``refractor serve`` as a real process on loopback: it starts from the installed command,
answers over TCP, serves offline docs, answers malformed HTTP in the JSON error shape, counts
chunked bodies, and refuses a non-loopback bind without a token (issue 14)."""
from __future__ import annotations

import json
import socket
import subprocess
import sys

import httpx
import pytest

from _serve import free_port as _free_port
from _serve import serve_env as _env
from _serve import serving


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("serve-log"),
                 REFRACTOR_MAX_BODY_BYTES=str(256 * 1024),
                 REFRACTOR_CACHE_DIR=str(tmp_path_factory.mktemp("serve-cache"))) as (base, port):
        yield base, port


def _raw(port: int, payload: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(payload)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def test_health_home_and_offline_docs(server):
    base, _ = server
    assert httpx.get(base + "/health").json()["status"] == "ok"
    home = httpx.get(base + "/")
    assert home.status_code == 200 and "<h1>Refractor</h1>" in home.text
    docs = httpx.get(base + "/docs").text
    # every asset the docs page loads comes from this server, and exists
    assets = [p.split('"')[0] for p in docs.split('src="')[1:]] + [p.split('"')[0] for p in docs.split('href="')[1:]]
    local = [a for a in assets if a.startswith("/")]
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in local
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    for a in local:
        assert httpx.get(base + a).status_code == 200, a
    assert httpx.get(base + "/openapi.json").json()["info"]["title"] == "Refractor"


def test_heavy_request_runs_in_a_worker_process(server):
    """POST /profile through the real server's process pool: BCL2 p.G101V in CLL -> venetoclax
    high (Blombery et al. Cancer Discov 2019, PMID 30514704); clonal (VAF 0.45): the scoring
    discounts subclonal findings."""
    base, _ = server
    r = httpx.post(base + "/profile", timeout=120, json={
        "sample": "CLL-G101V", "disease": "CLL",
        "variants": [{"gene": "BCL2", "consequence": "missense", "protein_change": "p.G101V", "vaf": 0.45}]})
    assert r.status_code == 200, r.text
    ven = next(a for a in r.json()["agents"] if a["agent"] == "venetoclax")
    assert ven["level"] == "high"
    assert httpx.get(base + "/health").status_code == 200


def test_malformed_http_gets_the_json_shape(server):
    _, port = server
    status, headers, body = _raw(port, b"GARBAGE\x00 / HTTP/1.1\r\n\r\n")
    assert status == 400 and headers["content-type"] == "application/json"
    doc = json.loads(body)
    assert doc["error"] == "BadRequest" and doc["status"] == 400 and doc["message"]


def test_chunked_body_over_the_limit_is_cut_off(server):
    _, port = server
    head = (b"POST /profile/cohort HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b" " * 32768  # 10 x 32 KiB = 320 KiB, over the server's 256 KiB limit
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10)) + b"0\r\n\r\n"
    status, headers, data = _raw(port, head + body)
    assert status == 413 and json.loads(data)["error"] == "PayloadTooLarge"


def test_non_loopback_bind_needs_a_token():
    r = subprocess.run([sys.executable, "-m", "refractor", "serve", "--host", "0.0.0.0", "--port",
                        str(_free_port())], env=_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "--no-token" in r.stderr + r.stdout and "Traceback" not in r.stderr


def test_exposure_rule():
    from refractor.api._server import check_exposure, is_loopback
    from refractor.errors import InputError

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    check_exposure("127.0.0.1", None, False)  # loopback: no token needed
    check_exposure("0.0.0.0", "0123456789abcdef0123", False)  # token set
    check_exposure("0.0.0.0", None, True)  # explicitly without
    with pytest.raises(InputError, match="--no-token"):
        check_exposure("0.0.0.0", None, False)
