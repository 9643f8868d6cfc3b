"""Running the application under uvicorn, with the service's own answer to malformed HTTP.

uvicorn answers a request it cannot parse (a broken request line, bad headers, a bad chunk)
itself, before any application code runs, in plain text. :class:`JSONErrorProtocol` gives that
answer the service's one JSON error shape. :func:`serve` also refuses to expose the service on
a non-loopback address without a token unless told explicitly.
"""
from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from refractor.api._errors import error_bytes
from refractor.errors import InputError


class JSONErrorProtocol(H11Protocol):
    """uvicorn's h11 protocol whose 400 for malformed HTTP is the JSON error shape."""

    def send_400_response(self, msg: str) -> None:
        body = error_bytes(400, f"malformed HTTP request: {msg}")
        event = h11.Response(status_code=400, reason=b"Bad Request", headers=[
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close")])
        try:
            self.transport.write(self.conn.send(event))
            self.transport.write(self.conn.send(h11.Data(data=body)))
            self.transport.write(self.conn.send(h11.EndOfMessage()))
        except h11.LocalProtocolError:  # a response had already started: just close
            pass
        self.transport.close()


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def check_exposure(host: str, token: str | None, no_token: bool) -> None:
    """InputError when a non-loopback bind has no token and was not explicitly allowed."""
    if token is None and not no_token and not is_loopback(host):
        raise InputError(f"binding {host!r} exposes the service to other machines: set a token "
                         "(--token-file or REFRACTOR_API_TOKEN) or pass --no-token to serve "
                         "without one", column="--host")


def serve(app: Any, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve ``app`` with uvicorn until interrupted (blocking)."""
    import uvicorn

    # the event loop answers cheap requests while worker threads compute: switch threads often
    sys.setswitchinterval(0.001)
    config = uvicorn.Config(app, host=host, port=port, http=JSONErrorProtocol, log_level=log_level,
                            timeout_keep_alive=5, server_header=False, proxy_headers=False,
                            h11_max_incomplete_event_size=64 * 1024)
    uvicorn.Server(config).run()


__all__ = ["JSONErrorProtocol", "check_exposure", "is_loopback", "serve"]
