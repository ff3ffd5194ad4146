"""`ttminis dev`: the emulator's app plus the simulator, on one loopback port (DESIGN §9)."""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import webbrowser
from pathlib import Path

import typer

from ttminis_cli.dev.project import DevProject, load_project
from ttminis_cli.emulator.model import EmulatorError, check_openid
from ttminis_cli.errors import EXIT_FINDINGS, EXIT_OK, UserError
from ttminis_cli.project import GAME_JSON, PROJECT_CONFIG, read_json_object

HOST = "127.0.0.1"
DEFAULT_PORT = 9527  # the platform's example dev.port
PORTRAIT, LANDSCAPE = (390, 844), (844, 390)
DATA_FILE = Path(".ttminis") / "emulator.db"
_SIZE = re.compile(r"(\d{2,4})x(\d{2,4})")


def held_screen(project: DevProject) -> tuple[int, int]:
    """The screen without --size: a phone held as game.json's deviceOrientation says."""
    game = read_json_object(project.root / GAME_JSON) or {}
    return LANDSCAPE if game.get("deviceOrientation") == "landscape" else PORTRAIT


def parse_size(text: str) -> tuple[int, int]:
    match = _SIZE.fullmatch(text.strip().lower())
    width, height = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not (100 <= width <= 4000 and 100 <= height <= 4000):
        raise UserError(f"--size {text!r} is not a screen size", where="--size",
                        hint="give WIDTHxHEIGHT in CSS pixels, each 100 to 4000, e.g. --size 390x844")
    return width, height


def configured_port(project: DevProject) -> int:
    """dev.port of project.config.json (what the platform's dev tool uses too), else 9527."""
    config = read_json_object(project.root / PROJECT_CONFIG) or {}
    dev = config.get("dev")
    port = dev.get("port") if isinstance(dev, dict) else None
    return port if isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535 else DEFAULT_PORT


def run_dev(directory: Path, *, port: int | None, user: str, seed: Path | None, data: Path | None,
            in_memory: bool, size: str | None, open_browser: bool, screenshot: Path | None) -> int:
    """Serve the simulator until Ctrl-C; with `screenshot`, render once, write the PNG and return."""
    from ttminis_cli.emulator.seed import load_seed
    from ttminis_cli.emulator.server import _serve, bind
    from ttminis_cli.emulator.store import DataFileError, Store

    if data is not None and in_memory:
        raise UserError("--data and --in-memory exclude each other", hint="keep one of them")
    requested = parse_size(size) if size is not None else None
    try:
        check_openid(user, "--user")
    except EmulatorError as exc:
        raise UserError(exc.message, where="--user", hint="an openid such as me or alice") from None
    project = load_project(directory)
    screen = requested or held_screen(project)
    if port is None:
        # A screenshot is a one-off: it must not collide with a `ttminis dev` already on dev.port.
        port = 0 if screenshot is not None else configured_port(project)
    state = load_seed(seed) if seed is not None else None  # a bad seed fails before anything is touched
    sock = bind(HOST, port)
    port = sock.getsockname()[1]
    path = None if in_memory else (data if data is not None else project.root / DATA_FILE)
    try:
        store = Store(path)
    except DataFileError as exc:
        sock.close()
        raise UserError(str(exc), hint="pass another --data file, or --in-memory") from None
    try:
        prepare_players(store, project, user, state, seed)
        server = _server(store, project, user, screen, port, live=screenshot is None)
        url = f"http://{HOST}:{port}/"
        if screenshot is not None:
            return _screenshot(server, sock, url, screenshot, screen)
        typer.echo(f"ttminis dev: {project.root.name} on {url}  (playing as {user}; data: {path or 'in memory'})\n"
                   f"  dashboard {url}dashboard · TTMINIS_EMULATOR_HOST={HOST}:{port} ttminis storage … "
                   "reads the same data · Ctrl-C to stop", err=True)
        sys.stderr.flush()
        if open_browser:
            webbrowser.open(url)
        _serve(server, sock)
    finally:
        sock.close()
        store.close()
    return EXIT_OK


def _server(store, project: DevProject, user: str, screen: tuple[int, int], port: int, *, live: bool):
    """uvicorn serving the emulator's app with the simulator's routes added (not started)."""
    import uvicorn

    from ttminis_cli.dev.site import DevSite
    from ttminis_cli.emulator.app import create_app
    from ttminis_cli.emulator.guard import allowed_hosts
    from ttminis_cli.emulator.server import KEEP_ALIVE_S, _bounded_protocol, _one_line

    site = DevSite(project, user=user, size=screen, live=live, should_stop=lambda: server.should_exit)
    app = create_app(store, allowed_hosts(HOST, port), project=project.root, dashboard_path="/dashboard",
                     extra_routes=site.routes())
    server = uvicorn.Server(uvicorn.Config(app, http=_bounded_protocol(), log_level="warning", access_log=False,
                                           lifespan="off", timeout_keep_alive=KEEP_ALIVE_S,
                                           timeout_graceful_shutdown=2))
    if os.environ.get("TTMINIS_DEBUG") != "1":
        logging.getLogger("uvicorn.error").addFilter(_one_line)
    return server


def prepare_players(store, project: DevProject, user: str, state, seed: Path | None) -> None:
    """Apply --seed; on an empty store without one, the player and three friends with the keys the
    open data domain reads. The player always exists, so their first call never meets a 404."""
    from ttminis_cli.dev.lint_facts import open_data_keys
    from ttminis_cli.dev.seed import default_state

    from ttminis_cli.emulator.server import apply_seed

    if state is not None:
        apply_seed(store, state, seed)
    elif not store.users():
        store.import_state(default_state(user, open_data_keys(project.root)), replace=False)
    if not any(u["openid"] == user for u in store.users()):
        store.put_user(user, None, None)


def _screenshot(server, sock, url: str, target: Path, size: tuple[int, int]) -> int:
    """Serve in a thread while headless Chromium renders the page; 1 when the page reported errors."""
    from ttminis_cli.dev.screenshot import render

    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        errors = render(url, target, size)
    finally:
        server.should_exit = True
        thread.join(10)
    for error in errors:
        typer.secho(f"page error: {error}", fg="red", err=True)
    typer.echo(f"wrote {target}", err=True)
    return EXIT_FINDINGS if errors else EXIT_OK
