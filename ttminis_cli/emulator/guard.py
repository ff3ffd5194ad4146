"""Refuse requests not meant for this emulator: DNS rebinding and cross-site writes.

A web page the developer visits can make the browser send requests to 127.0.0.1 under a host
name its author controls (DNS rebinding) or post forms to it (cross-site request). The first
carries a foreign Host header, the second a foreign Origin; both are refused before routing.
A plain ASGI wrapper rather than Starlette middleware: it runs on every request of the benchmark.
"""

from __future__ import annotations

import ipaddress
import json

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """Host header values naming this server: the loopback names, and `host` itself when it is not one."""
    names = set(LOOPBACK_NAMES)
    if host not in ("0.0.0.0", "::"):
        names.add(f"[{host}]" if ":" in host else host)
    return frozenset(f"{name}:{port}" for name in names)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class HostGuard:
    """421 for a Host header that is not this server's address, 403 for a foreign Origin.

    When bound to every interface (0.0.0.0), any IP-literal Host with our port is accepted:
    rebinding needs a host *name*, and other machines reach us by address.
    """

    def __init__(self, app, hosts: frozenset[str], any_ip: bool = False) -> None:
        self.app = app
        self.hosts = hosts
        self.any_ip = any_ip
        self.origins = frozenset(f"http://{h}" for h in hosts)
        self.port = next(iter(hosts)).rsplit(":", 1)[1]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            host = headers.get(b"host", b"").decode("latin-1").lower()
            if not self._host_ok(host):
                return await _refuse(send, 421, "wrong_host",
                                     f"this emulator answers to http://127.0.0.1:{self.port}, not Host {host!r}; "
                                     "open it by that address", "Host")
            origin = headers.get(b"origin")
            if origin is not None and origin.decode("latin-1").lower() not in self._origins(host):
                return await _refuse(send, 403, "foreign_origin",
                                     f"requests from pages at {origin.decode('latin-1')!r} are refused; only the "
                                     "emulator's own dashboard may call it from a browser", "Origin")
        await self.app(scope, receive, send)

    def _host_ok(self, host: str) -> bool:
        if host in self.hosts:
            return True
        if not self.any_ip:
            return False
        name, _, port = host.rpartition(":")
        if port != self.port:
            return False
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            return False
        return True

    def _origins(self, host: str) -> frozenset[str]:
        return self.origins | {f"http://{host}"} if self.any_ip else self.origins


async def _refuse(send, status: int, code: str, message: str, field: str) -> None:
    await send_json(send, {"error": {"code": code, "message": message, "field": field}}, status)


async def send_json(send, data, status: int = 200) -> None:
    """Answer with `data` as JSON straight through ASGI, as Starlette's JSONResponse encodes it."""
    body = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
