"""The project `ttminis dev` runs: its root, its two domains' files, and what the page may load.

The main domain is every `.js` file of the project outside the open data folder; the
open data domain is the files inside it (DESIGN §3). The page receives each domain's files at once
and runs them through its CommonJS loader, so a `require` never waits for the network.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ttminis_cli.dev.modules import to_commonjs
from ttminis_cli.errors import UserError
from ttminis_cli.project import SKIP_DIRS, declared_open_data, find_root

ENTRY = "game.js"
OPEN_DATA_ENTRY = "index.js"
MAX_MODULE_BYTES = 16 << 20
# A checkout writes a .ts and its .js milliseconds apart in either order; an edit after a build is later.
STALE_AFTER_S = 2.0  # an engine bundle is a few MB; more is not a module a game requires
# Never served, never watched: the emulator's own data, caches, dependencies and VCS folders.
PRIVATE_DIRS = SKIP_DIRS


@dataclass(frozen=True)
class DevProject:
    root: Path
    open_data_dir: str | None  # posix path relative to root, when the folder exists

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def project_id(self) -> str:
        """Names this project's local storage in the browser (one origin may serve many projects)."""
        return hashlib.sha256(str(self.root).encode("utf-8")).hexdigest()[:12]

    def domain_of(self, rel: str) -> str:
        if self.open_data_dir and (rel == self.open_data_dir or rel.startswith(self.open_data_dir + "/")):
            return "open-data"
        return "main"

    @property
    def open_data_entry(self) -> str | None:
        return f"{self.open_data_dir}/{OPEN_DATA_ENTRY}" if self.open_data_dir else None


def load_project(directory: Path) -> DevProject:
    """The project at or above `directory`; a UserError when there is no game to run."""
    if not directory.is_dir():
        raise UserError(f"{directory}: no such folder", hint="pass the folder of a mini-game project")
    root, has_config = find_root(directory)
    if not has_config:
        raise UserError(f"{directory.resolve()} is not a mini-game project: no project.config.json or game.json "
                        "here or in a parent folder", hint="create one with `ttminis init`")
    if not (root / ENTRY).is_file():
        hint = ("this is a TypeScript project: run `npm run build` first" if (root / "game.ts").is_file()
                else "the platform starts a game at game.js in the project folder")
        raise UserError(f"{root / ENTRY}: no such file", hint=hint)
    folder, _ = declared_open_data(root)
    if folder is None and (root / "openDataContext").is_dir():
        folder = "openDataContext"
    if folder is not None and not (root / folder).is_dir():
        folder = None
    return DevProject(root.resolve(), folder)


def walk(root: Path):
    """(posix path relative to root, absolute path) of every file the page may see, sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in PRIVATE_DIRS and not d.startswith("."))
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        for name in filenames:
            if not name.startswith("."):
                rel = name if rel_dir == "." else f"{rel_dir}/{name}"
                found.append((rel, os.path.join(dirpath, name)))
    return sorted(found)


# path -> ((mtime, size), compiled source): every reload sends every module, most of them unchanged.
_compiled: dict[str, tuple[tuple[int, int], str]] = {}


def domain_sources(project: DevProject, domain: str) -> dict[str, str]:
    """Every module of one domain: posix path -> source, ES module syntax compiled to CommonJS."""
    files: dict[str, str] = {}
    for rel, path in walk(project.root):
        if not rel.endswith(".js") or project.domain_of(rel) != domain:
            continue
        try:
            stat = os.stat(path)
            if stat.st_size > MAX_MODULE_BYTES:
                continue
            key = (stat.st_mtime_ns, stat.st_size)
            cached = _compiled.get(path)
            if cached is None or cached[0] != key:
                with open(path, "rb") as handle:
                    text = handle.read().decode("utf-8", "replace").removeprefix("\ufeff")
                cached = _compiled[path] = (key, to_commonjs(text))
        except OSError:
            continue
        files[rel] = cached[1]
    return files


def stale_builds(project: DevProject) -> list[str]:
    """TypeScript sources whose JavaScript is missing or older: the page would run the old build."""
    notes = []
    for rel, path in walk(project.root):
        if not rel.endswith(".ts") or rel.endswith(".d.ts"):
            continue
        built = path[:-3] + ".js"
        if not os.path.exists(built):
            notes.append(f"{rel[:-3]}.js does not exist yet: run `npm run build`")
        elif os.path.getmtime(built) < os.path.getmtime(path) - STALE_AFTER_S:
            notes.append(f"{rel[:-3]}.js is older than {rel}: run `npm run build` (the page runs the old build)")
    return notes


def asset_path(project: DevProject, rel: str) -> Path | None:
    """The project file a `/game/…` URL names, or None: nothing outside the project, nothing private."""
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") or p.startswith(".") or p in PRIVATE_DIRS for p in parts):
        return None
    path = (project.root / rel).resolve()
    if not path.is_relative_to(project.root) or not path.is_file():
        return None
    return path
