"""The emulator's HTTP API (DESIGN §7): the routing table, read top to bottom, and its handlers.

Handlers parse the request, check it with model.py, call store.py and answer JSON. They are
`async` and call SQLite directly on the event loop: each statement takes microseconds, and one
thread owning the connection keeps the transactions simple.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Sequence
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route

from ttminis_cli.emulator import model
from ttminis_cli.emulator.guard import HostGuard, send_json
from ttminis_cli.emulator.model import EmulatorError, Forbidden, Invalid, RequestTimeout, TooLarge
from ttminis_cli.emulator.openapi import openapi_document
from ttminis_cli.emulator.store import Store
from ttminis_cli.errors import UserError

MAX_BODY_BYTES = 1 << 20  # one storage call is at most 128 × (128 + 2048) characters ≈ 0.3 MB
MAX_IMPORT_BYTES = 64 << 20
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8"}


class FriendConvertor(StringConvertor):
    """An openid in …/friends/{other}, except "storage": that path is getFriendCloudStorage's."""

    regex = "(?!storage/?$)[^/]+"


register_url_convertor("friend", FriendConvertor())


def create_app(store: Store, allowed_hosts: frozenset[str], any_ip: bool = False,
               project: Path | None = None, *, dashboard_path: str = "/",
               extra_routes: Sequence[BaseRoute] = ()) -> HostGuard:
    """The ASGI app serving `store`, refusing requests whose Host is not in `allowed_hosts`; `project`
    is the game's folder, whose code tells the dashboard which keys to show.

    `ttminis dev` serves its simulator from the same app: its routes come in as `extra_routes`, and
    the dashboard moves to `dashboard_path`.
    """
    routes = [
        # What a game calls most comes first: Starlette tries the routes in this order.
        Route("/v1/users/{openid}/storage", StorageRead(), methods=["GET"]),
        Route("/v1/users/{openid}/storage", set_storage, methods=["POST"]),
        Route("/v1/users/{openid}/friends/storage", friends_storage, methods=["GET"]),
        Route("/v1/users/{openid}/storage:remove", remove_storage, methods=["POST"]),
        Route(dashboard_path, dashboard, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/v1/project", project_info, methods=["GET"]),
        Route("/v1/users", list_users, methods=["GET"]),
        Route("/v1/users/{openid}", put_user, methods=["PUT"]),
        Route("/v1/users/{openid}", delete_user, methods=["DELETE"]),
        Route("/v1/users/{openid}/friends/{other:friend}", befriend, methods=["PUT"]),
        Route("/v1/users/{openid}/friends/{other:friend}", unfriend, methods=["DELETE"]),
        Route("/v1/users/{openid}/authorize", authorize, methods=["POST"]),
        Route("/v1/users/{openid}/authorize", authorization_status, methods=["GET"]),
        Route("/v1/users/{openid}/inbox", inbox, methods=["GET"]),
        Route("/v1/users/{openid}/inbox", clear_inbox, methods=["DELETE"]),
        Route("/v1/shares", record_share, methods=["POST"]),
        Route("/v1/export", export, methods=["GET"]),
        Route("/v1/import", import_state, methods=["POST"]),
        Route("/v1/data", delete_data, methods=["DELETE"]),
    ]
    app = Starlette(routes=[*routes, *extra_routes],
                    exception_handlers={EmulatorError: refused, HTTPException: http_error, Exception: internal_error})
    app.state.store = store
    app.state.project = project
    app.state.project_keys = None  # read from the code on first request, then kept
    app.state.static = {p.name: p for p in resources.files("ttminis_cli.emulator").joinpath("static").iterdir()
                        if p.is_file() and p.name[p.name.rfind("."):] in STATIC_TYPES}
    return HostGuard(app, allowed_hosts, any_ip)


# --------------------------------------------------------------------------- helpers


def _store(request: Request) -> Store:
    return request.app.state.store


def _openid(request: Request, name: str = "openid") -> str:
    return model.check_openid(request.path_params[name], name)


async def _json_body(request: Request, limit: int = MAX_BODY_BYTES, *, optional: bool = False):
    """The request's JSON, read no further than `limit` bytes; {} for no body when `optional`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge("body_too_large", f"the body is {declared} bytes; at most {limit}")
    raw = await _read_body(request, limit)
    if not raw:
        if optional:
            return {}
        raise Invalid("invalid_json", "the body is empty; send a JSON object")
    if not raw.strip(b" \t\r\n"):  # JSON's own whitespace; json.loads refuses anything else
        raise Invalid("invalid_json", "the body is only whitespace; send a JSON object")
    try:
        body = json.loads(raw)
        # JSON may escape lone surrogates (\ud800) that no UTF-8 database can store
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError) as exc:
        raise Invalid("invalid_json", f"the body is not valid JSON: {exc}") from None
    return body


async def _read_body(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise TooLarge("body_too_large", f"the body is over {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:  # gone, or cut off by the server for stalling (server.REQUEST_IDLE_S)
        raise RequestTimeout("client_gone", "the connection closed before the whole body arrived") from None
    return b"".join(chunks)


async def refused(request: Request, exc: EmulatorError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status)


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    message = {404: f"no such endpoint: {request.url.path}; see /openapi.json",
               405: f"{request.method} is not allowed on {request.url.path}; see /openapi.json"}
    body = {"error": {"code": code, "message": message.get(exc.status_code, exc.detail), "field": None}}
    headers = exc.headers
    if exc.status_code == 405:
        headers = {"Allow": ", ".join(sorted(_allowed_methods(request)))}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def _allowed_methods(request: Request) -> set[str]:
    """Every method some route serves at this path: Starlette's own Allow names only the first route's."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods or set()
    return methods


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug or a broken data file: the same error body as every refusal, never an HTML page."""
    body = {"error": {"code": "internal_error", "field": None,
                      "message": f"{type(exc).__name__}: {exc}; this is a bug in ttminis (or the data file is "
                                 "damaged); restart with TTMINIS_DEBUG=1 for the traceback and report it"}}
    return JSONResponse(body, status_code=500)


# --------------------------------------------------------------------------- pages


async def dashboard(request: Request) -> Response:
    return await static(request, "index.html")


async def static(request: Request, name: str | None = None) -> Response:
    """Only the files shipped in static/, looked up by exact name: no path reaches the file system."""
    name = name or request.path_params["name"]
    path = request.app.state.static.get(name)
    if path is None:
        raise HTTPException(404)
    return Response(path.read_bytes(), media_type=STATIC_TYPES[name[name.rfind("."):]],
                    headers={"Cache-Control": "no-cache"})


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document())


async def project_info(request: Request) -> JSONResponse:
    """The game the emulator serves, and the storage keys its code reads (the dashboard's default)."""
    state = request.app.state
    if state.project is not None and state.project_keys is None:
        state.project_keys = await run_in_threadpool(_keys_read, state.project)  # lint's analysis, off the loop
    return JSONResponse({"root": str(state.project) if state.project is not None else None,
                         "readKeys": state.project_keys or []})


def _keys_read(root: Path) -> list[str]:
    """The keys the game reads (those it writes, where it reads none that can be told statically)."""
    from ttminis_cli.lint.engine import storage_keys

    try:
        reads, writes = storage_keys(root)
    except UserError:  # a config broken mid-edit: the dashboard does without defaults
        return []
    return reads or writes


# --------------------------------------------------------------------------- users and friends


async def list_users(request: Request) -> JSONResponse:
    return JSONResponse({"users": _store(request).users()})


async def put_user(request: Request) -> JSONResponse:
    openid = _openid(request)
    nickname, avatar = model.check_profile(await _json_body(request, optional=True))
    user, created = _store(request).put_user(openid, nickname, avatar)
    return JSONResponse({**user, "created": created})


async def delete_user(request: Request) -> JSONResponse:
    openid = _openid(request)
    _store(request).delete_user(openid)
    return JSONResponse({"openid": openid, "deleted": True})


async def befriend(request: Request) -> JSONResponse:
    openid, other = _pair(request)
    _store(request).befriend(openid, other)
    return JSONResponse({"openid": openid, "friend": other, "friends": True})


async def unfriend(request: Request) -> JSONResponse:
    openid, other = _pair(request)
    were = _store(request).unfriend(openid, other)
    return JSONResponse({"openid": openid, "friend": other, "friends": False, "removed": were})


def _pair(request: Request) -> tuple[str, str]:
    openid, other = _openid(request), _openid(request, "other")
    if openid == other:
        raise Forbidden("self_friendship", "a user is not their own friend", "other")
    return openid, other


# --------------------------------------------------------------------------- storage


class StorageRead:
    """getUserCloudStorage, GET …/storage?keys=a,b: a plain ASGI endpoint, not a Request → Response
    function. It is the call a game makes most, and Starlette's request and response objects were a
    fifth of its time in the server (bench/emulator_bench.py); refusals still reach `refused`."""

    async def __call__(self, scope, receive, send) -> None:
        openid = model.check_openid(scope["path_params"]["openid"])
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        keys = model.parse_keys_param(query.get("keys"), required=False)
        await send_json(send, {"KVDataList": scope["app"].state.store.get_storage(openid, keys)})


async def set_storage(request: Request) -> JSONResponse:
    openid = _openid(request)
    pairs = model.check_set_body(await _json_body(request))
    _store(request).set_storage(openid, pairs)
    return JSONResponse({"written": len(dict(pairs)), "duplicates": model.duplicate_keys(pairs)})


async def remove_storage(request: Request) -> JSONResponse:
    openid = _openid(request)
    keys = model.check_key_list(await _json_body(request))
    removed = _store(request).remove_storage(openid, keys)
    return JSONResponse({"removed": len(removed), "missing": [k for k in keys if k not in removed]})


async def friends_storage(request: Request) -> JSONResponse:
    keys = model.parse_keys_param(request.query_params.get("keys"), required=True)
    data = _store(request).friends_storage_json(_openid(request), keys)
    return Response(f'{{"data":{data}}}', media_type="application/json")


# --------------------------------------------------------------------------- authorization and shares


async def authorize(request: Request) -> JSONResponse:
    return JSONResponse({"code": _store(request).authorize(_openid(request))})


async def authorization_status(request: Request) -> JSONResponse:
    """Never grants: the status_only query of authorizeOpenContext({get_status_only: true})."""
    return JSONResponse({"authorized": _store(request).authorized(_openid(request))})


async def record_share(request: Request) -> JSONResponse:
    share = model.check_share(await _json_body(request))
    return JSONResponse(_store(request).record_share(share), status_code=201)


async def inbox(request: Request) -> JSONResponse:
    return JSONResponse({"shares": _store(request).inbox(_openid(request))})


async def clear_inbox(request: Request) -> JSONResponse:
    return JSONResponse({"deleted": _store(request).clear_inbox(_openid(request))})


# --------------------------------------------------------------------------- whole state


async def export(request: Request) -> Response:
    """The whole state; its ETag is the change counter, so a poller gets a cheap 304 until data changes."""
    store = _store(request)
    etag = f'"{store.revision()}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse(store.export(), headers={"ETag": etag, "Cache-Control": "no-cache"})


async def import_state(request: Request) -> JSONResponse:
    mode = request.query_params.get("mode", "replace")
    if mode not in ("replace", "merge"):
        raise Invalid("invalid_mode", f"mode must be replace or merge, got {mode!r}", "mode")
    state = model.check_state(await _json_body(request, MAX_IMPORT_BYTES))
    return JSONResponse({"imported": _store(request).import_state(state, replace=mode == "replace"),
                         "mode": mode})


async def delete_data(request: Request) -> JSONResponse:
    _store(request).delete_all()
    return JSONResponse({"deleted": True})
