"""`ttminis.toml` or `[tool.ttminis]` in pyproject.toml: find, load, check (DESIGN §5).

Unknown keys and wrong types are errors that name the file, line and column — a typo in a config
must never be silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ttminis_cli.errors import EXIT_USAGE, UserError

CONFIG_NAME = "ttminis.toml"
RUNTIMES = ("auto", "html", "native")


@dataclass(frozen=True)
class LintConfig:
    select: tuple[str, ...] = ("TTM",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # added to the defaults
    open_data: tuple[str, ...] = ()  # overrides the declared folder when set
    extra_apis: tuple[str, ...] = ()
    runtime: str = "auto"
    include_vendored: bool = False  # also lint engines, libraries, minified, generated, compiled files
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class EmulatorConfig:
    host: str | None = None
    port: int | None = None


@dataclass(frozen=True)
class Config:
    path: Path | None = None  # the file it came from; None for defaults
    lint: LintConfig = field(default_factory=LintConfig)
    emulator: EmulatorConfig = field(default_factory=EmulatorConfig)

    @property
    def root(self) -> Path | None:
        return self.path.parent if self.path else None


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# key -> (check, description of the expected type)
_LINT_KEYS = {
    "select": (_str_list, "a list of strings"),
    "ignore": (_str_list, "a list of strings"),
    "exclude": (_str_list, "a list of strings"),
    "open-data": (_str_list, "a list of strings"),
    "extra-apis": (_str_list, "a list of strings"),
    "runtime": (lambda v: v in RUNTIMES, 'one of "auto", "html", "native"'),
    "include-vendored": (lambda v: isinstance(v, bool), "true or false"),
    "per-file-ignores": (lambda v: isinstance(v, dict) and all(_str_list(x) for x in v.values()),
                         'a table of glob = ["CODE", …]'),
}
_EMULATOR_KEYS = {
    "host": (lambda v: isinstance(v, str) and bool(v), "a non-empty string"),
    "port": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 65535,
             "an integer from 0 to 65535"),
}
_TABLES = {"lint": _LINT_KEYS, "emulator": _EMULATOR_KEYS}


def find_config(start: Path) -> Path | None:
    """The nearest ttminis.toml, or pyproject.toml with a [tool.ttminis] table, at or above `start`."""
    start = start.resolve()
    here = start if start.is_dir() else start.parent
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[tool\.ttminis(\.|\])", text, re.MULTILINE) is not None


def load_config(path: Path | None) -> Config:
    """Load and check a config file; defaults when `path` is None."""
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"config file not found: {path}", hint="check the --config path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}", exit_code=EXIT_USAGE) from None
    from ttminis_cli.documents import parse_toml  # only when there is a config file to read

    data = parse_toml(path, text)
    prefix: tuple[str, ...] = ()
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("ttminis", {})
        prefix = ("tool", "ttminis")
    return _build(path, text, data, prefix)


def _build(path: Path, text: str, data: dict, prefix: tuple[str, ...]) -> Config:
    for table, value in data.items():
        if table not in _TABLES:
            _fail(path, text, (*prefix, table), f"unknown table [{'.'.join((*prefix, table))}]",
                  f"known tables: {', '.join('[' + t + ']' for t in _TABLES)}")
        if not isinstance(value, dict):
            _fail(path, text, (*prefix, table), f"{table} must be a table", f"write it as [{table}]")
        for key, item in value.items():
            known = _TABLES[table]
            if key not in known:
                _fail(path, text, (*prefix, table, key), f"unknown key '{key}' in [{table}]",
                      _did_you_mean(key, known) or f"known keys: {', '.join(known)}")
            check, expected = known[key]
            if not check(item):
                _fail(path, text, (*prefix, table, key), f"[{table}] {key} must be {expected}",
                      f"got {item!r}")
    lint = data.get("lint", {})
    emulator = data.get("emulator", {})
    return Config(
        path=path,
        lint=LintConfig(
            select=tuple(lint.get("select", LintConfig.select)),
            ignore=tuple(lint.get("ignore", ())),
            exclude=tuple(lint.get("exclude", ())),
            open_data=tuple(lint.get("open-data", ())),
            extra_apis=tuple(lint.get("extra-apis", ())),
            runtime=lint.get("runtime", "auto"),
            include_vendored=lint.get("include-vendored", False),
            per_file_ignores=tuple((k, tuple(v)) for k, v in lint.get("per-file-ignores", {}).items()),
        ),
        emulator=EmulatorConfig(host=emulator.get("host"), port=emulator.get("port")),
    )


def _did_you_mean(key: str, known: dict) -> str | None:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1)
    return f"did you mean '{close[0]}'?" if close else None


def _fail(path: Path, text: str, keys: tuple[str, ...], message: str, hint: str) -> None:
    line, col = locate_key(text, keys)
    raise UserError(message, where=f"{path}:{line}:{col}", hint=hint)


def locate_key(text: str, keys: tuple[str, ...]) -> tuple[int, int]:
    """Best-effort 1-based (line, column) of a dotted key in TOML text: its `key =` line or header."""
    table, last = keys[:-1], keys[-1]
    header = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
    current: tuple[str, ...] = ()
    key_re = re.compile(r'^(\s*)(?:"%s"|\'%s\'|%s)\s*[=.]' % ((re.escape(last),) * 3))
    for number, raw in enumerate(text.splitlines(), start=1):
        m = header.match(raw)
        if m:
            current = tuple(part.strip().strip('"\'') for part in m.group(1).split("."))
            if current == keys:
                return number, raw.index("[") + 1
            continue
        if current == table:
            k = key_re.match(raw)
            if k:
                return number, len(k.group(1)) + 1
    return 1, 1


def find_and_load(start: Path, explicit: Path | None = None) -> Config:
    """The config for a path: `--config FILE` when given, else the nearest one upward."""
    return load_config(explicit if explicit is not None else find_config(start))
