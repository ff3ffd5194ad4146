"""Replaying an unchanged lint: `ttminis lint` run again with the same arguments, in the same folder
and terminal, over files none of which changed, prints what it printed last time and exits as it
did, without starting the CLI or the engine (Turborepo and Nx replay a cached task's output so).

A run that can be replayed (no --watch, --fix or --diff; no progress bar shown) leaves a record in
`.ttminis/cache/runs/` of the folder its result cache is in: its arguments and environment, the
tool's own files, every file it read and folder it looked into (the project roots and the current
folder among them), and in each folder above those the config files that would move a project root
or change the config were they to appear, each with its stat; then the output and the exit code.
The next run looks for the record of its arguments in the current folder and those above it, and
replays it only if every stat is as recorded: a file edited, added, removed or renamed anywhere the
run looked changes a file's or a folder's mtime. Like the result cache, a run that read something
changed within the last two seconds (stamps.RACY_NS) leaves no record — but for a folder the walk
listed, which is recorded by the names the walk saw in it (its mtime could not tell a later change).

A record is a line of JSON followed by the output's bytes (the line gives each chunk's length: a
bundle's output of megabytes is written and read as it is, not escaped into a JSON string), so nothing
in one is ever executed; and each names every file by inode and nanosecond mtime, which no checkout of
a repository reproduces, so a record committed by mistake or copied from elsewhere never replays.

This module is imported before anything else (`python -m ttminis_cli`, the `ttminis` script): it
uses the standard library's cheapest modules only.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zlib
from typing import Iterable

from ttminis_cli.lint import stamps

RUNS = os.path.join(stamps.CACHE_DIR, "runs")
FORMAT = 2
SUFFIX = ".run"
MAX_RECORDS = 8  # per cache folder: the most recently used argument lists
# What, besides the arguments and the folder, can change what a run prints.
ENV_NAMES = frozenset({
    "NO_COLOR", "FORCE_COLOR", "TERM", "COLORTERM", "COLUMNS", "LINES", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
    "JUPYTER_COLUMNS", "JUPYTER_LINES", "LANG", "LC_ALL", "LC_CTYPE", "PYTHONIOENCODING", "PYTHONUTF8",
    "PYTHONPATH", "PYTHONHOME", "HOME", "XDG_CACHE_HOME",
})
# Installed packages whose upgrade changes how a run prints, beside ttminis and its parser.
OUTPUT_PACKAGES = ("typer", "rich")


def _identity(argv: list[str]) -> dict:
    """Everything a record must match besides the stats of what the run read."""
    ttys = [os.isatty(1), os.isatty(2)]
    size = None
    if any(ttys):
        try:
            size = list(os.get_terminal_size(1 if ttys[0] else 2))
        except OSError:
            pass
    return {"format": FORMAT, "argv": argv, "cwd": os.getcwd(), "tty": ttys, "size": size,
            "env": {k: v for k, v in sorted(os.environ.items()) if k in ENV_NAMES or k.startswith("TTMINIS_")},
            "python": [sys.executable, sys.version], "package": stamps.PACKAGE_DIR}


def _record_name(identity: dict) -> str:
    return f"{zlib.crc32(json.dumps(identity, sort_keys=True).encode()):08x}{SUFFIX}"


def replay(argv: list[str]) -> int | None:
    """When `argv` is a lint whose record holds, print its output again and return its exit code;
    else None (and the caller runs the CLI)."""
    if not argv or argv[0] != "lint":
        return None
    try:
        identity = _identity(argv)
    except OSError:  # the current folder is gone: the CLI says so
        return None
    name = _record_name(identity)
    folder = identity["cwd"]
    while True:
        try:
            with open(os.path.join(folder, RUNS, name), "rb") as fh:
                head, _, body = fh.read().partition(b"\n")
            record = json.loads(head)
            break
        except (OSError, ValueError):
            parent = os.path.dirname(folder)
            if parent == folder:
                return None
            folder = parent
    try:
        if record["identity"] != identity:
            return None
        paths, signatures = record["paths"], record["signatures"]
        if len(paths) != len(signatures) or not stamps.holds(paths, signatures):
            return None
        streams = {"out": sys.stdout, "err": sys.stderr}
        chunks = []
        offset = 0
        for stream, size in record["output"]:
            if not isinstance(size, int) or size < 0:
                return None
            chunks.append((streams[stream], body[offset:offset + size].decode("utf-8", "surrogatepass")))
            offset += size
        code = record["exit"]
    except (KeyError, TypeError, ValueError):  # UnicodeDecodeError among them
        return None
    if offset != len(body):
        return None
    if not isinstance(code, int):
        return None
    try:
        for stream, text in chunks:
            stream.write(text)
            stream.flush()  # in order, when both streams share a pipe
    except BrokenPipeError:
        return 0
    return code


class _Tee:
    """A text stream that also keeps what is written to it, as (stream name, [texts]) chunks."""

    def __init__(self, stream, name: str, chunks: list[tuple[str, list[str]]]) -> None:
        self._stream, self._name, self._chunks = stream, name, chunks

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        if self._chunks and self._chunks[-1][0] == self._name:
            self._chunks[-1][1].append(text)  # joined once, at the end: adding to a str copies it
        else:
            self._chunks.append((self._name, [text]))
        return written

    def __getattr__(self, attr):
        return getattr(self._stream, attr)


class Recording:
    """One lint run being recorded: what it read (through an audit hook) and what it printed."""

    def __init__(self, argv: list[str]) -> None:
        self.identity = _identity(argv)
        self.started = time.time_ns()
        self.read = stamps.Reads()
        self.chunks: list[tuple[str, list[str]]] = []
        self.cache_root: str | None = None
        self.active = True
        self._streams = None

    def capture(self) -> None:
        """From now on, keep what is written to stdout and stderr."""
        self._streams = sys.stdout, sys.stderr
        sys.stdout = _Tee(sys.stdout, "out", self.chunks)
        sys.stderr = _Tee(sys.stderr, "err", self.chunks)

    def release(self) -> None:
        if self._streams is not None:
            sys.stdout, sys.stderr = self._streams
            self._streams = None

    def save(self, code: int) -> None:
        """Write the record, when the run can be replayed and everything it read is old enough."""
        self.release()
        stamps.stop(self.read)
        if not self.active or self.cache_root is None:
            return
        cwd = self.identity["cwd"]
        if not (cwd == self.cache_root or cwd.startswith(self.cache_root.rstrip(os.sep) + os.sep)):
            return  # a replay looks for records from the current folder up only
        paths = sorted(stamps.with_probes(self.read | {cwd}) | set(_tool_files()))
        signatures = stamps.take(paths, self.started, stamps.noted_listing)
        if signatures is None:
            return
        # Each text encoded on its own as it is written, never joined: a bundle's report is megabytes, and
        # a copy of it is memory the process must first be given. An ASCII text's length is its size.
        sizes = [[name, sum(len(text) if text.isascii() else len(_encoded(text)) for text in texts)]
                 for name, texts in self.chunks]
        record = {"identity": self.identity, "paths": paths, "signatures": signatures, "output": sizes,
                  "exit": code}
        try:
            folder = os.path.join(stamps.make_cache_dir(self.cache_root), "runs")
            os.makedirs(folder, exist_ok=True)
            target = os.path.join(folder, _record_name(self.identity))
            tmp = f"{target}.{os.getpid()}.tmp"
            try:
                with open(tmp, "wb") as fh:
                    # ASCII (a non-UTF-8 file name survives), in one piece: json.dump would encode in Python.
                    fh.write(json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n")
                    for _, texts in self.chunks:
                        fh.writelines(map(_encoded, texts))
                os.replace(tmp, target)
            except BaseException:
                os.unlink(tmp)
                raise
            _prune(folder)
        except (OSError, ValueError):
            pass  # a read-only project simply never replays


def _encoded(text: str) -> bytes:
    # surrogatepass: a file name that is not UTF-8 reaches the output as lone surrogates, and back.
    return text.encode("utf-8", "surrogatepass")


_current: Recording | None = None


def start(argv: list[str]) -> None:
    """Record this process's run of `argv` (a lint that found no record to replay)."""
    global _current
    if not argv or argv[0] != "lint":
        return
    try:
        _current = Recording(argv)
    except OSError:
        return
    stamps.collect(_current.read)


def current() -> Recording | None:
    """The run being recorded, if any and if it may still be replayed."""
    return _current if _current is not None and _current.active else None


def cancel() -> None:
    """This run is not to be replayed (it writes files, watches, or drew a progress bar)."""
    if _current is not None:
        _current.active = False
        stamps.stop(_current.read)


def depends_on(tasks: Iterable, cache_root: os.PathLike | str) -> None:
    """The run's FileTasks — their files, which it may not open (the result cache trusts their stat),
    and their project roots, whose folders decide domains — and the folder of its result cache,
    where the record goes."""
    if _current is not None:
        for task in tasks:
            _current.read.update((task.ctx.abs_path, task.ctx.project_root))
        _current.cache_root = os.fspath(cache_root)


def _tool_files() -> list[str]:
    """ttminis's own files and the modules of the packages whose version shapes the output."""
    from ttminis_cli.lint.cache import PARSER_PACKAGES

    return stamps.tool_files((stamps.PACKAGE_DIR,), (*PARSER_PACKAGES, *OUTPUT_PACKAGES))


def _prune(folder: str) -> None:
    """Keep the MAX_RECORDS most recently written records."""
    try:
        records = sorted((e.stat().st_mtime_ns, e.path) for e in os.scandir(folder) if e.name.endswith(SUFFIX))
    except OSError:
        return
    for _, path in records[:-MAX_RECORDS]:
        try:
            os.unlink(path)
        except OSError:
            pass
