"""Finding a project's root and open data folder, and the domain of a path (DESIGN §3).

This module reads config files leniently: a malformed project.config.json is `validate`'s to
report; here it only means "declares nothing".
"""

from __future__ import annotations

import fnmatch
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, Sequence

PROJECT_CONFIG = "project.config.json"
GAME_JSON = "game.json"
CONFIG_FILES = (PROJECT_CONFIG, GAME_JSON)
DEFAULT_OPEN_DATA_DIR = "openDataContext"
# Folders never searched for an undeclared openDataContext/ (and never linted by default).
SKIP_DIRS = frozenset({"node_modules", ".git", ".hg", ".svn", ".ttminis", "__pycache__", ".venv"})
# Build output is never linted by default either: an openDataContext/ of a build there is the build's.
NOT_SEARCHED = SKIP_DIRS | {"dist", "build", "bower_components"}

Domain = Literal["main", "open-data", "worker"]


def read_json_object(path: Path) -> dict | None:
    """The JSON object in `path`, or None when missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def declared_open_data(root: Path) -> tuple[str | None, str | None]:
    """(folder, file that declares it): project.config.json wins over game.json."""
    for name in CONFIG_FILES:
        data = read_json_object(root / name)
        value = data.get("openDataContext") if data else None
        if isinstance(value, str) and value.strip():
            return _folder(value), name
    return None, None


def declared_workers(root: Path) -> str | None:
    """The worker folder game.json declares (`"workers": "workers"` or `{"path": "workers"}`; DESIGN §3b)."""
    data = read_json_object(root / GAME_JSON)
    value = data.get("workers") if data else None
    if isinstance(value, dict):
        value = value.get("path")
    return _folder(value) if isinstance(value, str) and value.strip() else None


def _folder(value: str) -> str:
    return value.strip().strip("/").removeprefix("./")


def find_root(start: Path, fallback: Path | None = None, *, templates: bool = False,
              resolved: bool = False) -> tuple[Path, bool]:
    """The nearest ancestor of `start` holding a config file, and whether one was found.

    Without one, `fallback` (the directory named on the command line) or the start directory. A Cocos
    build template's config files start no project for lint (its code is the Cocos project's);
    `templates` lets validate check such a folder as the project it will be built into. `resolved`:
    `start` is a real folder path already (a walk knows it), so no realpath is asked of the disk.
    """
    if resolved:
        here = start
    else:
        start = start.resolve()
        here = start if start.is_dir() else start.parent
    found = _find_config_dir(here, templates)
    if found is not None:
        return found, True
    return _folder_of(fallback or here), False


@lru_cache(maxsize=1024)
def _folder_of(path: Path) -> Path:
    """The real folder a path is or is in (asked once per pass: every folder of a config-less tree asks)."""
    real = path.resolve()
    return real if real.is_dir() else real.parent


# Cocos Creator copies `build-templates/<platform>/` into each build: its game.json and
# project.config.json are templates of the build's, not a project of their own.
BUILD_TEMPLATES = "build-templates"


# What a lint's walk saw of each folder (real path -> (sub-folder names, file names)): asked instead of
# the disk while the pass lasts (forget() clears it).
_LISTINGS: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def remember_listing(folder: str, folders: list[str], files: list[str]) -> None:
    _LISTINGS[folder] = (frozenset(folders), frozenset(files))


def seen_listing(folder: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(sub-folder names, file names) of a real folder as this pass's walk saw it, if it did."""
    return _LISTINGS.get(folder)


def _has_config(directory: Path) -> bool:
    listed = _LISTINGS.get(os.fspath(directory))
    if listed is not None:
        return any(name in listed[1] for name in CONFIG_FILES)
    return any((directory / name).is_file() for name in CONFIG_FILES)


@lru_cache(maxsize=4096)
def _find_config_dir(directory: Path, templates: bool = False) -> Path | None:
    if (templates or BUILD_TEMPLATES not in directory.parts) and _has_config(directory):
        outer = None if directory.parent == directory else _find_config_dir(directory.parent, templates)
        # A stray game.json inside the folder an enclosing project declares as its open data (or
        # workers) folder — ports leave `openDataContext/game.json` behind — starts no project.
        if outer is not None and _inside_declared_folder(outer, directory):
            return outer
        return directory
    # Through the cache: sibling folders share their parents' answer instead of asking the disk again.
    return None if directory.parent == directory else _find_config_dir(directory.parent, templates)


def _inside_declared_folder(root: Path, directory: Path) -> bool:
    """Whether `directory` is (inside) the open data or workers folder of the project at `root`: the
    declared one, or — where none is declared — a folder with the platform's default name."""
    rel = directory.relative_to(root).parts
    folders = [f for f in (declared_open_data(root)[0], declared_workers(root)) if f]
    if any(rel[:len(parts)] == parts for parts in (Path(f).parts for f in folders)):
        return True
    return declared_open_data(root)[0] is None and DEFAULT_OPEN_DATA_DIR in rel


def discover_open_data_dirs(root: Path) -> list[Path]:
    """Every folder named openDataContext under `root` (Cocos keeps it under build-templates/…)."""
    return sorted(Path(p) for p in _open_data_below(os.fspath(root)))


@lru_cache(maxsize=65536)
def _open_data_below(folder: str) -> tuple[str, ...]:
    """Folders named openDataContext below `folder`, from directory entries (no stat of a file), per
    folder through the cache: the nested projects of one tree share their sub-folders' answers."""
    listed = _LISTINGS.get(folder)
    if listed is not None:
        names = sorted(listed[0])
    else:
        try:
            with os.scandir(folder) as entries:
                names = sorted(e.name for e in entries if _is_dir(e))
        except (OSError, RecursionError):
            return ()
    found: list[str] = []
    for name in names:
        if name == DEFAULT_OPEN_DATA_DIR:
            found.append(os.path.join(folder, name))
        elif name not in NOT_SEARCHED and not name.startswith("."):
            found.extend(_open_data_below(os.path.join(folder, name)))
    return tuple(found)


def forget() -> None:
    """Forget what was read of the disk (config files found, open data folders): a new lint pass (watch
    mode, the language server) sees the project as it is now."""
    _find_config_dir.cache_clear()
    _open_data_below.cache_clear()
    _folder_of.cache_clear()
    _LISTINGS.clear()


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


@dataclass(frozen=True)
class Project:
    """A project root and how its files split between the two domains."""

    root: Path
    has_config: bool  # project.config.json or game.json exists at root
    open_data_dirs: tuple[Path, ...] = ()  # absolute folders
    open_data_globs: tuple[str, ...] = ()  # from [lint] open-data, relative to root
    declared_by: str | None = None  # project.config.json | game.json | ttminis.toml | folder name
    worker_dirs: tuple[Path, ...] = ()  # game.json `workers`: a domain of its own (DESIGN §3b)
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def has_open_data(self) -> bool:
        return bool(self.open_data_dirs or self.open_data_globs)

    @property
    def domain_rules_enabled(self) -> bool:
        """Rules that need to know the domains (TTM101–106, TTM401–403) run only when they can.

        A root with a config file always knows (no folder declared: everything is main); engine
        sources with neither a config file nor an open data folder do not.
        """
        return self.has_config or self.has_open_data

    def domain_of(self, path: Path) -> Domain:
        path = path.resolve() if not path.is_absolute() else path
        text = os.fspath(path)
        if self.worker_dirs and _inside(text, self.worker_dirs):
            return "worker"
        if self.open_data_dirs and _inside(text, self.open_data_dirs):
            return "open-data"
        if self.open_data_globs:
            try:
                rel = path.relative_to(self.root).as_posix()
            except ValueError:
                return "main"
            if any(_glob_match(rel, g) for g in self.open_data_globs):
                return "open-data"
        return "main"


def _inside(path: str, folders: tuple[Path, ...]) -> bool:
    """Whether an absolute path is one of the folders or below one (string tests: Path.parents costs)."""
    for folder in folders:
        base = os.fspath(folder)
        if path == base or path.startswith(base.rstrip(os.sep) + os.sep):
            return True
    return False


def _glob_match(rel: str, pattern: str) -> bool:
    """fnmatch with `dir/**` also matching the folder's files at any depth."""
    pattern = pattern.removeprefix("./")
    if pattern.endswith("/**"):
        base = pattern[:-3]
        return rel == base or rel.startswith(base + "/") or fnmatch.fnmatch(rel, pattern)
    return fnmatch.fnmatch(rel, pattern)


def load_project(root: Path, has_config: bool, open_data_globs: Sequence[str] | None = None) -> Project:
    """Resolve the open data domain of the project at `root` (DESIGN §3, steps 2–5)."""
    root = root.resolve()
    workers = declared_workers(root) if has_config else None
    worker_dirs = ((root / workers).resolve(),) if workers else ()
    if open_data_globs:
        return Project(root, has_config, (), tuple(open_data_globs), "ttminis.toml", worker_dirs)
    folder, declared_by = declared_open_data(root) if has_config else (None, None)
    if folder:
        return Project(root, has_config, ((root / folder).resolve(),), (), declared_by, worker_dirs)
    found = discover_open_data_dirs(root)
    if found:
        return Project(root, has_config, tuple(p.resolve() for p in found), (), DEFAULT_OPEN_DATA_DIR, worker_dirs)
    return Project(root, has_config, worker_dirs=worker_dirs)


def project_for(path: Path, fallback: Path | None = None,
                open_data_globs: Sequence[str] | None = None) -> Project:
    """The project a path belongs to (convenience for one-off callers)."""
    root, has_config = find_root(path, fallback)
    return load_project(root, has_config, open_data_globs)
