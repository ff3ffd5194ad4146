"""Reading JSON/TOML documents with errors at file:line:col, and replacing files atomically.

Config files, seed files and `storage push` files are all read here, so every syntax error a user
sees has the same shape; `storage pull` and the emulator's export write through here, so no reader
ever sees half a file.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from ttminis_cli.errors import EXIT_USAGE, UserError


def tomllib():
    """The TOML parser, imported on first use (a warm `ttminis lint` without a config never needs it)."""
    if sys.version_info >= (3, 11):
        import tomllib as module
    else:  # pragma: no cover
        import tomli as module
    return module


def parse_toml(path: Path, text: str) -> dict:
    """The TOML document in `text`; a UserError at path:line:col when it does not parse."""
    toml = tomllib()
    try:
        return toml.loads(text)
    except toml.TOMLDecodeError as exc:
        message, line, col = _toml_error_position(exc)
        if not line:  # "at end of document"
            line, col = text.count("\n") + 1, len(text.rsplit("\n", 1)[-1]) + 1
        raise UserError(f"invalid TOML: {message}", where=f"{path}:{line}:{col}",
                        hint="fix the syntax (see https://toml.io)", exit_code=EXIT_USAGE) from None


def _toml_error_position(exc: Exception) -> tuple[str, int, int]:
    """(message, line, column) of a TOML error; before Python 3.14 the position is only in the text."""
    if getattr(exc, "lineno", None):
        return getattr(exc, "msg", str(exc)), exc.lineno, exc.colno  # type: ignore[attr-defined]
    m = re.search(r"^(.*?)\s*\(at line (\d+), column (\d+)\)$", str(exc))
    if m:
        return m.group(1), int(m.group(2)), int(m.group(3))
    return re.sub(r"\s*\(at end of document\)$", "", str(exc)), 0, 0


class _RepeatedKey(Exception):
    pass


def _no_repeats(items: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in items:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result


def parse_json(path: Path, text: str) -> Any:
    """The JSON document in `text`; a UserError at path:line:col when it does not parse.

    A key repeated in one object is refused: JSON parsers keep only the last, silently losing data.
    """
    try:
        return json.loads(text, object_pairs_hook=_no_repeats)
    except json.JSONDecodeError as exc:
        raise UserError(f"invalid JSON: {exc.msg}", where=f"{path}:{exc.lineno}:{exc.colno}",
                        hint="fix the syntax, or name the file .toml if it is TOML",
                        exit_code=EXIT_USAGE) from None
    except _RepeatedKey as exc:
        raise UserError(f"{str(exc)!r} appears twice in one object", where=str(path),
                        hint="JSON keeps only the last one; remove the other", exit_code=EXIT_USAGE) from None


def parse_document(path: Path, text: str) -> Any:
    """TOML when the name ends in .toml, JSON otherwise."""
    return parse_toml(path, text) if path.suffix.lower() == ".toml" else parse_json(path, text)


def check_writable(path: Path, example: str) -> None:
    """Refuse now, before any work is done, a target `write_text_atomically` could not replace: a
    folder, or a file in a missing or read-only folder. `example` is a file name the hint suggests."""
    if path.is_dir():
        raise UserError(f"{path} is a folder; name the file to write", hint=f"for example {path / example}",
                        exit_code=EXIT_USAGE)
    fd, temp = _temporary(path)
    os.close(fd)
    os.unlink(temp)


def write_text_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step, so a reader never sees half a file."""
    fd, temp = _temporary(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp's 0600 would surprise whoever reads the file next
        os.replace(temp, path)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a full disk, or a folder put in the file's place meanwhile
            raise UserError(f"cannot write {path}: {exc.strerror or exc}", exit_code=EXIT_USAGE) from None
        raise


def _temporary(path: Path) -> tuple[int, str]:
    """A new temporary file beside `path` (same file system, so it can replace `path` in one rename)."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        return tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}", hint="check that the folder exists "
                        "and is writable", exit_code=EXIT_USAGE) from None
