"""Planning a lint: which files, in which project and domain, under which runtime, and which the
default selection leaves out (DESIGN §3, §3a; lint/selection.py) -> LintPlan of FileTasks."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import NamedTuple, Sequence

from ttminis_cli.config import Config
from ttminis_cli.errors import UserError
from ttminis_cli.lint import selection, stamps
from ttminis_cli.lint.records import FileContext, FileTask, LintPlan
from ttminis_cli.lint.selection import Skipped
from ttminis_cli.project import NOT_SEARCHED, Project, find_root, load_project, remember_listing

SUFFIX_LANGUAGE = {".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "js",
                   ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx"}
# Build output and dependencies: never linted unless named on the command line (engines, libraries,
# minified and generated files are the default selection's, and said: lint/selection.py).
DEFAULT_EXCLUDED_DIRS = NOT_SEARCHED
SDK_SCRIPT = "/js/minis.js"
DOMAIN_RULE_CODES = "TTM101–TTM106 and TTM401–TTM403"


def plan(paths: list[Path], config: Config, *, cwd: Path | None = None, force_exclude: bool = False) -> LintPlan:
    """Find the files to lint and everything their analysis depends on. Files named in `paths` are
    linted whatever the default selection and `exclude` say, unless `force_exclude`."""
    planner = _Planner(config, (cwd or Path.cwd()).resolve(), force_exclude)
    for raw in paths:
        path = raw if raw.is_absolute() else planner.cwd / raw
        if not os.path.lexists(path):
            raise UserError(f"{raw}: no such file or directory", hint="check the path you asked to lint")
        if path.is_dir():
            planner.walk(Path(os.path.abspath(path)))
        else:
            folder, name = os.path.split(os.path.abspath(path))
            # Without a config file above it, a file is rooted in the current folder when that holds it
            # (as command.project_roots has it), so that its domain and its libs/ are the project's.
            real = Path(folder).resolve()
            fallback = planner.cwd if real == planner.cwd or planner.cwd in real.parents else Path(folder)
            planner.add_file(folder, name, fallback, explicit=True)
    planner.result.skipped = list(planner.skipped.values())
    planner.word_notes()
    tasks = planner.result.tasks
    if any(t.language in ("ts", "tsx") and not t.ctx.path.lower().endswith(selection.DECLARATION_SUFFIXES)
           for t in tasks):
        planner.result.tasks = [t._replace(ts_run=True) for t in tasks]
    return planner.result


class _Planner:
    def __init__(self, config: Config, cwd: Path, force_exclude: bool = False) -> None:
        self.config = config
        self.cwd = cwd
        self.force_exclude = force_exclude
        self.select = not config.lint.include_vendored
        self.result = LintPlan()
        self.seen: dict[str, int] = {}  # file (real path) -> index of its task
        self.skipped: dict[str, Skipped] = {}  # file (real path) -> why the default selection left it out
        self.selections: dict[Path, selection.ProjectSelection] = {}
        self.places: dict[tuple[str, str], _Place] = {}  # (real folder, real top) -> its selection facts
        self.last_place: tuple[str, str, _Place | None] = ("", "", None)
        self.projects: dict[tuple[Path, bool], tuple[Project, bool]] = {}
        self.rootless: list[tuple[Path, str]] = []  # projects without a config file, and how they are shown
        self.folders: dict[tuple[str, Path], tuple[Project, bool, str | None, str, str] | None] = {}
        self.exclude_base = config.root.resolve() if config.root else cwd
        self.extra_apis = tuple(config.lint.extra_apis)
        self._real_dirs: dict[str, str] = {}  # a walked folder -> its real path

    def walk(self, top: Path) -> None:
        """Every file below `top`, as os.walk(followlinks=True) finds them, folders and files in name
        order. Directory entries say which are regular files and symlinks, so a file costs no stat here."""
        visited: set[str] = set()
        real_top = os.path.realpath(top)
        # First every folder's listing, then its files: what the listings show (which folders hold a
        # config file, which are named openDataContext) then spares the project lookups a stat each.
        # A folder's real path is its parent's plus its name unless it is a symlink, so only symlinks
        # cost a realpath (one lstat per path component).
        folders: list[tuple[str, str, list[os.DirEntry]]] = []
        pending = [(os.fspath(top), real_top)]
        while pending:
            dirpath, real = pending.pop()
            listed = self._list(dirpath)
            if listed is None:
                continue
            dirnames, files, links = listed
            if real in visited:
                self.result.warnings.append(f"symlink loop at {self._display(dirpath)}; skipped")
                continue
            visited.add(real)
            remember_listing(real, dirnames, [e.name for e in files])
            self._real_dirs[dirpath] = real
            folders.append((dirpath, real, files))
            dirnames = sorted(d for d in dirnames if d not in DEFAULT_EXCLUDED_DIRS and not d.startswith(".")
                              and not self._excluded(os.path.join(dirpath, d)))
            for d in reversed(dirnames):
                child = os.path.join(dirpath, d)
                pending.append((child, os.path.realpath(child) if d in links else os.path.join(real, d)))
        for dirpath, real, files in folders:
            siblings = {e.name for e in files}
            for entry in sorted(files, key=lambda e: e.name):
                self.add_file(dirpath, entry.name, top, explicit=False, real_dir=real, entry=entry,
                              siblings=siblings, real_top=real_top)

    def _list(self, dirpath: str) -> tuple[list[str], list[os.DirEntry], set[str]] | None:
        """(sub-folder names, other entries, the sub-folders that are symlinks) of a folder, symlinks
        followed; None (and a warning) when it cannot be read."""
        try:
            folders, files = stamps.folder_entries(dirpath)
        except OSError as err:
            self.result.warnings.append(f"cannot read {self._display(err.filename or dirpath)}: "
                                        f"{err.strerror or err}; skipped")
            return None
        return [e.name for e in folders], files, {e.name for e in folders if e.is_symlink()}

    def add_file(self, folder: str, name: str, fallback: Path, *, explicit: bool, real_dir: str | None = None,
                 entry: os.DirEntry | None = None, siblings: set[str] | None = None,
                 real_top: str | None = None) -> None:
        """`folder` is absolute and normalised; `entry` is the file's directory entry and `siblings` the
        names of its folder's other files when a walk from `real_top` found it."""
        path = entry.path if entry is not None else os.path.join(folder, name)
        lowered = name.lower()
        dot = name.rfind(".")
        language = SUFFIX_LANGUAGE.get(lowered[dot:]) if 0 < dot < len(name) - 1 else None
        is_html = lowered == "index.html"
        if language is None and not is_html:
            if explicit:
                self.result.warnings.append(f"{self._display(path)}: not a JavaScript or TypeScript file; skipped")
            return
        # `exclude` and the default selection: for what a walk finds, and for named files with --force-exclude.
        selecting = not explicit or self.force_exclude
        if selecting and (self._excluded(path) or (explicit and self._in_excluded_dir(folder))):
            return
        is_file = _entry_is(entry, "is_file") if entry is not None else os.path.isfile(path)
        if not is_file:  # dangling or looping symlink, FIFO, device
            is_link = _entry_is(entry, "is_symlink") if entry is not None else os.path.islink(path)
            what = "a broken or looping symlink" if is_link else "not a regular file"
            self.result.warnings.append(f"{self._display(path)}: {what}; skipped")
            return
        # The same file reached twice (overlapping paths, symlinked folders) is linted once.
        if real_dir is None or (_entry_is(entry, "is_symlink") if entry is not None else os.path.islink(path)):
            key = os.path.realpath(path)
        else:
            key = os.path.join(real_dir, name)
        if key in self.seen:
            if explicit and not selecting:  # named after a walk found it: linted whatever its content
                index = self.seen[key]
                self.result.tasks[index] = self.result.tasks[index]._replace(sniff=False)
            return
        located = self._locate(folder, fallback)
        if located is None:
            return
        project, html_runtime, folder_domain, project_root, shown_folder = located
        if is_html:
            if not (html_runtime and Path(folder).resolve() == project.root):
                return
            language = "html"
        # A .d.ts declares what exists (TTM201 learns the project's own members from it) and runs nothing:
        # never left out, generated or in libs/ as it may be.
        sniff = (selecting and self.select and language != "html"
                 and not lowered.endswith(selection.DECLARATION_SUFFIXES))
        if sniff:
            why = self._selected_out(folder, name, lowered, project, real_dir, real_top, siblings)
            if why is not None:
                kind, shown = why
                self.skipped.setdefault(key, Skipped(shown_folder + name, kind, shown or shown_folder + name))
                return
        if self.skipped:
            self.skipped.pop(key, None)
        self.seen[key] = len(self.result.tasks)
        self.result.tasks.append(FileTask(FileContext(
            path=shown_folder + name,
            abs_path=path.replace(os.sep, "/"),
            domain=folder_domain or project.domain_of(Path(path)),
            project_root=project_root,
            has_open_data=project.has_open_data,
            domain_rules=project.domain_rules_enabled,
            html_runtime=html_runtime,
            extra_apis=self.extra_apis,
        ), language, sniff))

    def _selected_out(self, folder: str, name: str, lowered: str, project: Project, real_dir: str | None,
                      real_top: str | None, siblings: set[str] | None) -> tuple[str, str] | None:
        """(kind, what the note shows — empty for the file's path) when the default selection leaves a
        file out by its name or path (DESIGN §3a); its content is judged later, in analyze."""
        real_dir = real_dir or os.path.realpath(folder)
        real_top = real_top or str(self.cwd)
        last_dir, last_top, place = self.last_place  # a walk asks for one folder's files in a row
        if real_dir is not last_dir or real_top is not last_top:
            place = self._place(real_dir, real_top, project, siblings)
            self.last_place = (real_dir, real_top, place)
        if place.vendored:
            return selection.FOLDER_KINDS[place.vendored], place.vendored
        present = siblings if siblings is not None else _Siblings(folder)
        kind = selection.by_name(lowered, present)
        if kind:
            return kind, name if kind == selection.VENDORED else ""
        if place.ts_sources and any(source in present for source in selection.ts_sources(name)):
            return selection.COMPILED, ""
        if name + ".map" in present and _map_names_typescript(os.path.join(folder, name + ".map")):
            return selection.COMPILED, ""
        kind = place.rules.by_path(place.rel + name, name) if place.rules else None
        return (kind, "") if kind else None

    def _place(self, real_dir: str, real_top: str, project: Project, siblings: set[str] | None) -> _Place:
        """What the default selection knows of a folder, once per folder."""
        key = (real_dir, real_top)
        place = self.places.get(key)
        if place is None:
            root = str(project.root)
            # Only below both the folder lint was pointed at and the project root can a `libs/` be the
            # project's vendored code rather than where the project itself lives.
            below = [rel for rel in (os.path.relpath(real_dir, real_top), os.path.relpath(real_dir, root))
                     if rel != ".." and not rel.startswith(".." + os.sep)]
            own = min(below, key=len).replace(os.sep, "/") if below else "."
            rules = self.selections.get(project.root)
            if rules is None:
                rules = self.selections[project.root] = selection.ProjectSelection(project.root)
            rel = os.path.relpath(real_dir, root).replace(os.sep, "/")
            place = self.places[key] = _Place(
                selection.vendored_folder(own),
                siblings is None or selection.has_ts_sources(siblings),
                rules or None,
                "" if rel == "." else rel + "/")
        return place

    def _in_excluded_dir(self, folder: str) -> bool:
        """Whether a walk from the current folder would have left this folder out (node_modules/, dist/,
        build/, hidden folders): for a file named with --force-exclude."""
        rel = os.path.relpath(os.path.realpath(folder), self.cwd)
        if rel == ".." or rel.startswith(".." + os.sep):
            return False
        return any(seg in DEFAULT_EXCLUDED_DIRS or (seg.startswith(".") and seg != ".") for seg in rel.split(os.sep))

    def _locate(self, folder: str, fallback: Path) -> tuple[Project, bool, str | None, str, str] | None:
        """A folder's project, runtime, — unless globs decide file by file — domain, the project root
        as a FileContext holds it, and how the folder's files are shown: `<folder>/` or nothing for
        the current folder (cached per folder)."""
        key = (folder, fallback)
        if key not in self.folders:
            try:
                real = self._real_dirs.get(folder)
                root, has_config = find_root(Path(real or folder), fallback, resolved=real is not None)
            except (OSError, RuntimeError) as exc:
                self.result.warnings.append(f"cannot read {self._display(folder)}: {exc}; skipped")
                self.folders[key] = None
                return None
            project, html_runtime = self._project(root, has_config)
            domain = None if project.open_data_globs else project.domain_of(Path(os.path.abspath(folder)) / "_")
            shown = self._display(folder)
            self.folders[key] = (project, html_runtime, domain, str(project.root).replace(os.sep, "/"),
                                 "" if shown == "." else shown.rstrip("/") + "/")
        return self.folders[key]

    def _project(self, root: Path, has_config: bool) -> tuple[Project, bool]:
        key = (root, has_config)
        if key not in self.projects:
            project = load_project(root, has_config, self.config.lint.open_data or None)
            runtime = self.config.lint.runtime
            html = runtime == "html" or (runtime == "auto" and _loads_sdk(project.root / "index.html"))
            self.projects[key] = (project, html)
            if not project.domain_rules_enabled:
                self.rootless.append((project.root, self._display(project.root)))
        return self.projects[key]

    def word_notes(self) -> None:
        """The notes on projects without a config file, once every file is planned: where other projects
        were found too, they name the few files they are about (a script beside several games), not the
        whole run."""
        tasks = self.result.tasks
        elsewhere = any(t.ctx.domain_rules for t in tasks)
        notes = self.result.notes
        for project_root, shown in self.rootless:
            root = str(project_root).replace(os.sep, "/")
            files = [t.ctx.path for t in tasks if t.ctx.project_root == root and not t.ctx.domain_rules]
            hint = "declare the open data folder with `[lint] open-data = [\"<folder>/**\"]` in ttminis.toml"
            if elsewhere and files:
                which = files[0] + (f" and {len(files) - 1} more" if len(files) > 1 else "")
                notes.append(f"{len(files)} file{'s' * (len(files) > 1)} in no project ({which}): no "
                             f"project.config.json, game.json or openDataContext/ folder above "
                             f"{'them' if len(files) > 1 else 'it'}, so the domain rules ({DOMAIN_RULE_CODES}) "
                             f"are off there; {hint}")
            else:
                notes.append(f"{shown}: no project.config.json, game.json or openDataContext/ folder found, so "
                             f"the domain rules ({DOMAIN_RULE_CODES}) are off; {hint}")

    def _excluded(self, path: str) -> bool:
        patterns = self.config.lint.exclude
        if not patterns:
            return False
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.exclude_base).as_posix()
        except ValueError:
            rel = Path(path).as_posix()
        return any(glob_match(rel, p) for p in patterns)

    def _display(self, path: str | Path) -> str:
        absolute = os.path.abspath(path)
        base = str(self.cwd)
        if absolute == base:
            return "."
        if absolute.startswith(base.rstrip(os.sep) + os.sep):
            absolute = absolute[len(base.rstrip(os.sep)) + 1:]
        return absolute.replace(os.sep, "/")


class _Place(NamedTuple):
    vendored: str | None  # the table's folder it lies in (`libs/`)
    ts_sources: bool  # whether TypeScript beside its files may have compiled them (unknown: True)
    rules: object  # the project's selection.ProjectSelection, when it has tsconfig outDir or packOptions
    rel: str  # its path below the project root, `/`-terminated


class _Siblings:
    """`name in siblings` for a file named on the command line: asks the disk, only when needed."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __contains__(self, name: str) -> bool:
        return os.path.isfile(os.path.join(self.folder, name))


def _map_names_typescript(path: str) -> bool:
    """A `.js.map` beside a file whose sources are TypeScript (a bundler's output of the game's .ts)."""
    try:
        with open(path, "rb") as fh:
            return selection.compiled_by_map(fh.read(selection.HEAD_BYTES))
    except OSError:
        return False


def _entry_is(entry: os.DirEntry, test: str) -> bool:
    """entry.is_file() or entry.is_symlink() as os.path.isfile and os.path.islink answer: False, not
    an error, for a looping or unreadable link."""
    try:
        return getattr(entry, test)()
    except OSError:
        return False


def glob_match(rel: str, pattern: str) -> bool:
    """Gitignore-like: `dir/**` matches everything below dir; a pattern without `/` matches any segment."""
    pattern = pattern.removeprefix("./").rstrip("/") if pattern != "/" else pattern
    if pattern.endswith("/**"):
        base = pattern[:-3]
        if rel == base or rel.startswith(base + "/") or fnmatch.fnmatch(rel, pattern):
            return True
        if "/" not in base:
            return any(fnmatch.fnmatch(seg, base) for seg in rel.split("/")[:-1])
        return False
    if fnmatch.fnmatch(rel, pattern):
        return True
    if "/" not in pattern:
        return any(fnmatch.fnmatch(seg, pattern) for seg in rel.split("/"))
    return fnmatch.fnmatch(rel, pattern + "/*") or rel.startswith(pattern + "/")


def _loads_sdk(index_html: Path) -> bool:
    """An index.html that loads the platform's SDK (`…/js/minis.js`) makes an HTML-runtime game."""
    try:
        text = index_html.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    from html.parser import HTMLParser  # only games with an index.html pay for it

    class SdkScript(HTMLParser):
        found = False

        def handle_starttag(self, tag, attrs):
            if tag == "script" and any(k == "src" and v and v.split("?")[0].endswith(SDK_SCRIPT) for k, v in attrs):
                self.found = True

    parser = SdkScript()
    parser.feed(text)
    return parser.found


def project_roots(paths: Sequence[Path], cwd: Path) -> set[Path]:
    """The project root of each path (DESIGN §3). Without a config file above it, a folder is its
    own root ("the directory given on the command line") and a file's is the current folder when
    that holds it ("or the current one"), else the file's own folder."""
    def fallback(path: Path) -> Path:
        resolved = path.resolve()
        if path.is_dir():
            return resolved
        return cwd if cwd in resolved.parents else resolved.parent

    return {find_root(p, fallback(p))[0] for p in paths}
