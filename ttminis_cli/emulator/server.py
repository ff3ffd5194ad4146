"""`ttminis emulator start`: open the data file, apply a seed, bind, serve until Ctrl-C, export."""

from __future__ import annotations

import errno
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path

import typer

from ttminis_cli.config import CONFIG_NAME, find_and_load
from ttminis_cli.emulator.guard import allowed_hosts, is_loopback
from ttminis_cli.emulator.model import EmulatorError
from ttminis_cli.errors import EXIT_OK, EXIT_USAGE, UserError
from ttminis_cli.documents import check_writable, write_text_atomically
from ttminis_cli.project import CONFIG_FILES

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9528
DEFAULT_DATA = Path(".ttminis") / "emulator.db"
# An idle keep-alive connection is closed after this long (uvicorn's own default, said here)...
KEEP_ALIVE_S = 5
# ...and so is one whose request stops arriving for this long (nothing sent, half the headers, a
# body shorter than its Content-Length): a stalled client cannot hold a connection. A slow one that
# keeps sending is not cut off.
REQUEST_IDLE_S = 10


def project_root(start: Path) -> Path:
    """The nearest folder holding project.config.json, game.json or ttminis.toml; else `start`."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if _is_project(directory):
            return directory
    return start


def _is_project(directory: Path) -> bool:
    return any((directory / name).is_file() for name in (*CONFIG_FILES, CONFIG_NAME))


def run_server(*, host: str | None, port: int | None, data: Path | None, in_memory: bool,
               seed: Path | None, export_on_exit: Path | None) -> int:
    """Serve until SIGINT/SIGTERM/SIGHUP; 0 after a clean shutdown (and export), UserError otherwise."""
    from ttminis_cli.emulator.app import create_app
    from ttminis_cli.emulator.seed import load_seed
    from ttminis_cli.emulator.store import DataFileError, Store

    if data is not None and in_memory:
        raise UserError("--data and --in-memory exclude each other", hint="keep one of them")
    settings = find_and_load(Path.cwd()).emulator
    host = host or settings.host or DEFAULT_HOST
    port = port if port is not None else settings.port if settings.port is not None else DEFAULT_PORT
    root = project_root(Path.cwd())
    path = None if in_memory else (data or root / DEFAULT_DATA)
    state = load_seed(seed) if seed is not None else None  # a bad seed fails before anything is touched
    if export_on_exit is not None:  # now, not at shutdown: a session's writes must have somewhere to go
        _check_export_target(export_on_exit)

    try:
        store = Store(path)
    except DataFileError as exc:
        raise UserError(str(exc), hint="pass another --data file (or --in-memory); a backup made with "
                        "`ttminis storage pull` or --export-on-exit loads with --seed") from None
    try:
        if state is not None:
            apply_seed(store, state, seed)
        sock = bind(host, port)
        port = sock.getsockname()[1]
        if not is_loopback(host):
            typer.secho(f"warning: listening on {host}: anyone who can reach this machine can read and "
                        "change the emulator's data", fg="yellow", err=True)
        app = create_app(store, allowed_hosts(host, port), any_ip=host in ("0.0.0.0", "::"),
                         project=root if _is_project(root) else None)
        shown = f"[{host}]" if ":" in host else host
        typer.echo(f"ttminis emulator on http://{shown}:{port}  (data: {path or 'in memory'})  — Ctrl-C to stop",
                   err=True)
        sys.stderr.flush()
        serve(app, sock)
        if export_on_exit is not None:
            _export(store, export_on_exit)
    finally:
        store.close()
    return EXIT_OK


def apply_seed(store, state, seed: Path) -> None:
    """Merge the seed into the store and say what it loaded, and what it replaced."""
    had_data = not store.is_empty()
    try:
        counts = store.import_state(state, replace=False)
    except EmulatorError as exc:
        raise UserError(exc.message, where=f"{seed}: {exc.field}",
                        hint="list every user a friendship or share names under [[users]]") from None
    names = {"users": "user(s)", "friendships": "friendship(s)", "storage": "key(s)",
             "authorizations": "authorization(s)", "shares": "share(s)"}
    loaded = ", ".join(f"{counts[name]} {label}" for name, label in names.items()
                       if counts[name] or name in ("users", "friendships", "storage"))
    typer.echo(f"seeded from {seed}: {loaded}", err=True)
    if had_data:
        typer.echo(f"note: {store.path} already held data: the seed's users and keys replaced the stored "
                   "ones of the same name, the rest is kept (drop --seed to keep what is stored, or use "
                   "--in-memory to start from the seed alone)", err=True)


def serve(app, sock: socket.socket) -> None:
    """Serve the ASGI `app` on the bound `sock` until SIGINT, SIGTERM or SIGHUP, then return."""
    import uvicorn

    config = uvicorn.Config(app, http=_bounded_protocol(), log_level="warning", access_log=False,
                            lifespan="off", timeout_keep_alive=KEEP_ALIVE_S, timeout_graceful_shutdown=5)
    if os.environ.get("TTMINIS_DEBUG") != "1":
        logging.getLogger("uvicorn.error").addFilter(_one_line)
    _serve(uvicorn.Server(config), sock)


def bind(host: str, port: int) -> socket.socket:
    """Bind ourselves so "port in use" is one clear error and --port 0 tells us the port it got."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio disables Nagle (TCP_NODELAY) only on sockets that do, and without
    # it every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if os.name != "nt":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UserError(f"port {port} on {host} is already in use", where=f"{host}:{port}",
                            hint="stop the other server, or pick another port with --port") from None
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                        hint="use --host 127.0.0.1 (the default) or an address of this machine") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _one_line(record: logging.LogRecord) -> bool:
    """Log a failed request as one line, not a traceback (TTMINIS_DEBUG=1 shows it)."""
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        record.msg, record.args = "error: %s: %s (TTMINIS_DEBUG=1 shows the traceback)", (type(error).__name__, error)
        record.exc_info = record.exc_text = None
    return True


def _serve(server, sock: socket.socket) -> None:
    """Run uvicorn; a signal shuts it down gracefully and then returns here.

    uvicorn re-raises the signal it caught once it has stopped; with Python's default handlers that
    would kill the process (SIGTERM) or raise KeyboardInterrupt (SIGINT) before the export runs.
    Ignoring them around the call turns the re-raise into a no-op. SIGHUP (the terminal closed) is
    not one of uvicorn's: it gets uvicorn's handler here, so it too stops the server gracefully.
    """
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    if hasattr(signal, "SIGHUP"):
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, server.handle_exit)
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _bounded_protocol():
    """uvicorn's HTTP protocol, closing a connection whose request stops arriving (REQUEST_IDLE_S).

    uvicorn bounds only the wait between requests on a keep-alive connection; one that sends
    nothing, or part of a request, would be held until shutdown. A request whose headers came but
    whose body stalled is answered 408 first, in the emulator's error shape.
    """
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    timeout = json.dumps({"error": {
        "code": "request_timeout", "field": None,
        "message": f"the request stopped arriving for {REQUEST_IDLE_S} s (a body shorter than its "
                   "Content-Length?); send it whole"}}).encode()
    answer = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
              b"content-length: %d\r\n\r\n%s" % (len(timeout), timeout))

    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        idle = None  # the timer, set while a request is awaited or arriving

        def _arm(self) -> None:
            self._disarm()
            self.idle = self.loop.call_later(REQUEST_IDLE_S, self._expire)

        def _disarm(self) -> None:
            if self.idle is not None:
                self.idle.cancel()
                self.idle = None

        def _expire(self) -> None:
            self.idle = None
            if self.transport.is_closing():
                return
            cycle = self.cycle
            if cycle is not None and not cycle.response_started and not cycle.response_complete:
                self.transport.write(answer)  # headers came, the body did not: say so before closing
            self.transport.close()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.idle is not None:  # still arriving: the clock starts again with every chunk
                self._arm()

        def on_message_complete(self) -> None:
            self._disarm()
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    return BoundedHttpToolsProtocol


def _check_export_target(target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the folder of --export-on-exit: {exc.strerror or exc}",
                        where=str(target.parent), hint="choose a file in a writable folder") from None
    check_writable(target, "state.json")


def _export(store, target: Path) -> None:
    """Write the state atomically: a crash mid-write leaves the previous file intact."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(target, json.dumps(store.export(), indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise UserError(f"cannot write the export: {exc.strerror or exc}", where=str(target),
                        hint="check that the folder exists and is writable", exit_code=EXIT_USAGE) from None
    try:
        typer.echo(f"exported the emulator's state to {target}", err=True)
    except OSError:  # after SIGHUP the terminal is gone; the export is written all the same
        pass
