"""The simulator's routes, served by the emulator's own app (same origin, same Host/Origin guard).

    /                         the simulator page (static/index.html with this run's settings)
    /_ttminis/frame/main      the game frame: game.js runs there, its viewport is the phone's screen
    /_ttminis/frame/open-data the open data frame, sandboxed: no origin, no network, nonce-only scripts
    /_ttminis/sources/{domain} one domain's modules as JSON, ES module syntax compiled to CommonJS
    /_ttminis/api.json        the platform table (platform/api.py) the shim is built from
    /_ttminis/events          server-sent events: a file changed (reload), lint findings
    /_ttminis/{name}          the simulator's own scripts and styles
    /game/{path}              the project's files (images, audio, fonts), nothing private
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import secrets
from dataclasses import asdict
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable

import typer
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ttminis_cli.dev.lint_facts import lint_findings
from ttminis_cli.dev.project import PRIVATE_DIRS, DevProject, asset_path, domain_sources, stale_builds
from ttminis_cli.emulator.app import STATIC_TYPES
from ttminis_cli.platform.api import API

# The newest SDK the platform's changelog names (platform-reference.md §5.6; client 46.3.0).
SDK_VERSION = "0.35.0"
NO_CACHE = {"Cache-Control": "no-cache"}
# The open data frame may run its own scripts (nonce) and eval, draw images it was handed as bytes,
# and nothing else: no fetch, XHR or WebSocket, no frames, no forms (DESIGN §9, TTM104).
OPEN_DATA_CSP = ("default-src 'none'; script-src 'nonce-{nonce}' 'unsafe-eval'; img-src blob: data:; "
                 "font-src blob: data:; style-src 'unsafe-inline'; connect-src 'none'; media-src 'none'; "
                 "frame-src 'none'; worker-src 'none'; form-action 'none'; base-uri 'none'")
KEEPALIVE_S = 15.0


@lru_cache(maxsize=1)
def api_table() -> list[dict]:
    """The platform table as the page's shim reads it, with the rule each wrong-domain call breaks."""
    from ttminis_cli.lint.rules.domain import wrong_domain_rule

    rows = []
    for api in API.values():
        rule = wrong_domain_rule(api)
        rows.append({**asdict(api), "rule": rule and rule.code, "ruleName": rule and rule.name})
    return rows


def client_version() -> str:
    """The newest minimum client version the table names: every versioned API is there."""
    versions = [tuple(int(x) for x in api.min_client.split(".")) for api in API.values() if api.min_client]
    return ".".join(str(x) for x in max(versions, default=(0, 0, 0)))


class DevSite:
    """One project's simulator: the page's settings, live reload and lint results."""

    def __init__(self, project: DevProject, *, user: str, size: tuple[int, int], live: bool,
                 should_stop: Callable[[], bool]) -> None:
        self.project = project
        self.live = live
        self.should_stop = should_stop
        width, height = size
        self.page_config = {
            "user": user, "size": {"width": width, "height": height}, "projectName": project.name,
            "projectId": project.project_id, "openDataDir": project.open_data_dir, "live": live,
            "sharedCanvas": {"width": width, "height": height},
            "clientVersion": client_version(), "sdkVersion": SDK_VERSION,
            "api": api_table(),
        }
        self.static = {p.name: p for p in resources.files("ttminis_cli.dev").joinpath("static").iterdir()
                       if p.is_file() and p.name[p.name.rfind("."):] in STATIC_TYPES}
        self.subscribers: set[asyncio.Queue] = set()
        self.lint: dict | None = None
        self._watcher: asyncio.Task | None = None

    def routes(self) -> list[Route]:
        return [
            Route("/", self.page, methods=["GET"]),
            Route("/_ttminis/frame/main", self.main_frame, methods=["GET"]),
            Route("/_ttminis/frame/open-data", self.open_data_frame, methods=["GET"]),
            Route("/_ttminis/sources/{domain}", self.sources, methods=["GET"]),
            Route("/_ttminis/api.json", self.api, methods=["GET"]),
            Route("/_ttminis/events", self.events, methods=["GET"]),
            Route("/_ttminis/{name}", self.asset, methods=["GET"]),
            Route("/game/{path:path}", self.game_file, methods=["GET"]),
        ]

    # ------------------------------------------------------------------------- pages and files

    def _static_text(self, name: str) -> str:
        return self.static[name].read_text(encoding="utf-8")

    async def page(self, request: Request) -> Response:
        settings = json.dumps(self.page_config, ensure_ascii=False).replace("</", "<\\/")
        return Response(self._static_text("index.html").replace("__CONFIG__", settings),
                        media_type=STATIC_TYPES[".html"], headers=NO_CACHE)

    async def main_frame(self, request: Request) -> Response:
        return Response(self._static_text("main.html"), media_type=STATIC_TYPES[".html"], headers=NO_CACHE)

    async def open_data_frame(self, request: Request) -> Response:
        # Its scripts come inline: a request from a frame without an origin carries `Origin: null`,
        # which the emulator's guard refuses, as it should.
        nonce = secrets.token_urlsafe(16)
        page = self._static_text("opendata.html").replace("__NONCE__", nonce)
        for marker, name in (("__SHIM__", "shim.js"), ("__RUNTIME__", "opendata.js")):
            page = page.replace(marker, self._static_text(name).replace("</", "<\\/"))
        return Response(page,
                        media_type=STATIC_TYPES[".html"],
                        headers={**NO_CACHE, "Content-Security-Policy": OPEN_DATA_CSP.format(nonce=nonce)})

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in self.static or name.endswith(".html"):
            raise HTTPException(404)
        return Response(self.static[name].read_bytes(), media_type=STATIC_TYPES[name[name.rfind("."):]],
                        headers=NO_CACHE)

    async def api(self, request: Request) -> JSONResponse:
        return JSONResponse(api_table())

    async def sources(self, request: Request) -> JSONResponse:
        domain = request.path_params["domain"]
        if domain == "main":
            entry = "game.js"
        elif domain == "open-data" and self.project.open_data_entry:
            entry = self.project.open_data_entry
        else:
            raise HTTPException(404)
        files = await asyncio.to_thread(domain_sources, self.project, domain)
        return JSONResponse({"entry": entry, "files": files}, headers=NO_CACHE)

    async def game_file(self, request: Request) -> Response:
        path = asset_path(self.project, request.path_params["path"])
        if path is None:
            raise HTTPException(404)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".js":
            media_type = STATIC_TYPES[".js"]
        return FileResponse(path, media_type=media_type, headers=NO_CACHE)

    # ------------------------------------------------------------------------- live reload and lint

    async def events(self, request: Request) -> Response:
        """A file changed (`change`) and the project's lint findings (`lint`), as they happen."""
        if self._watcher is None and self.live:
            self._watcher = asyncio.create_task(self._watch())
        queue: asyncio.Queue = asyncio.Queue()
        self.subscribers.add(queue)
        if self.lint is not None:
            queue.put_nowait(("lint", self.lint))

        async def stream():
            try:
                yield "retry: 1000\n\n"
                idle = 0.0
                while not self.should_stop():
                    try:
                        event, data = await asyncio.wait_for(queue.get(), 0.5)
                    except asyncio.TimeoutError:
                        idle += 0.5
                        if idle >= KEEPALIVE_S:
                            idle = 0.0
                            yield ": keep-alive\n\n"
                        continue
                    yield f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
            finally:
                self.subscribers.discard(queue)

        return StreamingResponse(stream(), media_type="text/event-stream", headers=NO_CACHE)

    def _broadcast(self, event: str, data) -> None:
        for queue in self.subscribers:
            queue.put_nowait((event, data))

    async def _relint(self) -> None:
        result = await lint_findings(self.project.root)
        result["notes"] = await asyncio.to_thread(stale_builds, self.project)
        self.lint = result
        self._broadcast("lint", result)

    async def _watch(self) -> None:
        from watchfiles import awatch

        root = self.project.root

        def visible(change, path: str) -> bool:
            try:
                parts = Path(path).relative_to(root).parts
            except ValueError:
                return False
            return not any(p in PRIVATE_DIRS or p.startswith(".") for p in parts)

        try:
            # Lint alongside, not before: a file saved while the first lint runs must be seen.
            first = asyncio.create_task(self._relint())
            async for changes in awatch(root, watch_filter=visible, rust_timeout=500, yield_on_timeout=True):
                if self.should_stop():
                    return
                if not changes:
                    continue
                files = sorted({Path(path).relative_to(root).as_posix() for _, path in changes})
                self._broadcast("change", {"files": files})
                await first
                await self._relint()
        except Exception as exc:  # the game still runs; only reloading stops
            typer.secho(f"warning: live reload stopped: {type(exc).__name__}: {exc}", fg="yellow", err=True)
