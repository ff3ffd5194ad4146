"""`ttminis init`: write a mini-game project from the templates, all or nothing.

The templates are the top-level `templates/` folder: `common/` holds what every project gets,
`js/` and `ts/` the sources. A path segment `__open_data_dir__` becomes the open data folder,
and `{{name}}` in a file becomes a value (always inside a JSON or JS string, or a bare port).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ttminis_cli.errors import EXIT_FINDINGS, EXIT_USAGE, UserError
from ttminis_cli.project import DEFAULT_OPEN_DATA_DIR, SKIP_DIRS

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

TEMPLATES = ("js", "ts")
DEFAULT_PORT = 9527
# The placeholder of the platform's docs; `validate` warns while a project still has it.
PLACEHOLDER_APP_ID = "your_client_key"
OPEN_DATA_SEGMENT = "__open_data_dir__"
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# Plain folder names only: the name is written into JSON, JS strings and tsconfig globs as is.
_FOLDER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class PlannedFile:
    relative: PurePosixPath
    content: str
    exists: bool


def templates_root() -> Traversable:
    """The templates: inside the installed wheel, else the checkout's top-level folder."""
    packaged = resources.files("ttminis_cli") / "_templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def run_init(directory: Path, *, template: str = "js", app_id: str | None = None, port: int | None = None,
             open_data_dir: str | None = None, force: bool = False, dry_run: bool = False,
             no_input: bool = False) -> int:
    """Create a project in `directory`; refuse (writing nothing) if any file exists, unless --force."""
    if template not in TEMPLATES:
        raise UserError(f"unknown template {template!r}", hint=f"use one of: {', '.join(TEMPLATES)}")
    if not no_input and sys.stdin.isatty():
        app_id, port, open_data_dir = _prompt(app_id, port, open_data_dir)
    app_id = _check_app_id(PLACEHOLDER_APP_ID if app_id is None else app_id)
    port = _check_port(DEFAULT_PORT if port is None else port)
    open_data_dir = _check_open_data_dir(DEFAULT_OPEN_DATA_DIR if open_data_dir is None else open_data_dir)

    if directory.exists() and not directory.is_dir():
        raise UserError(f"{directory} exists and is not a folder", hint="choose another folder for the project")
    values = {"app_id": json.dumps(app_id, ensure_ascii=False)[1:-1], "port": str(port),
              "open_data_dir": open_data_dir}
    plan = plan_files(directory, template, values)
    _refuse_conflicts(directory, plan, force)

    shown = _display(directory)
    if dry_run:
        _print_plan(f"Would write {len(plan)} files into {shown}:", plan, verb_exists="overwrite")
        return 0
    write_all(directory, plan)
    _print_plan(f"Created a {template.upper()} mini game in {shown}:", plan, verb_exists="overwrote")
    _print_next_steps(directory, template, placeholder_app_id=app_id == PLACEHOLDER_APP_ID)
    return 0


def plan_files(directory: Path, template: str, values: dict[str, str]) -> list[PlannedFile]:
    """Every file the template writes, rendered, in a stable order."""
    root = templates_root()
    files: dict[PurePosixPath, str] = {}
    for part in ("common", template):
        for relative, source in _walk(root / part, PurePosixPath()):
            target = PurePosixPath(*(values["open_data_dir"] if s == OPEN_DATA_SEGMENT else s
                                     for s in relative.parts))
            files[target] = _render(source.read_text(encoding="utf-8"), values, f"{part}/{relative}")
    folders = {parent for relative in files for parent in relative.parents}
    clash = sorted(relative for relative in files if relative in folders)
    if clash:
        raise UserError(f"--open-data-dir {values['open_data_dir']!r} would turn the project's own {clash[0]} "
                        "into a folder", hint="choose another name for the open data folder")
    return [PlannedFile(rel, text, os.path.lexists(directory / rel)) for rel, text in sorted(files.items())]


def _walk(node: Traversable, relative: PurePosixPath):
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            yield from _walk(child, relative / child.name)
        else:
            yield relative / child.name, child


def _render(text: str, values: dict[str, str], source: str) -> str:
    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:  # a template bug, not a user error
            raise KeyError(f"template {source} uses unknown placeholder {{{{{name}}}}}")
        return values[name]

    return _PLACEHOLDER.sub(substitute, text)


def _refuse_conflicts(directory: Path, plan: list[PlannedFile], force: bool) -> None:
    """Check every target before writing any, so a refusal leaves the disk untouched."""
    blocked = [f"{p.relative}: a folder in the way" for p in plan
               if p.exists and os.path.isdir(directory / p.relative)]
    blocked += [f"{parent}: a file where a folder is needed" for parent in _parents(plan)
                if os.path.lexists(directory / parent) and not os.path.isdir(directory / parent)]
    if blocked:
        raise UserError("cannot create the project in " + _display(directory) + ":\n  "
                        + "\n  ".join(blocked), hint="move these out of the way; nothing was written",
                        exit_code=EXIT_FINDINGS)
    existing = [str(p.relative) for p in plan if p.exists]
    if existing and not force:
        raise UserError(f"{len(existing)} file(s) already exist in {_display(directory)}: "
                        + ", ".join(existing),
                        hint="nothing was written; pass --force to overwrite them, or choose an empty folder",
                        exit_code=EXIT_FINDINGS)


def _parents(plan: list[PlannedFile]) -> list[PurePosixPath]:
    return sorted({parent for p in plan for parent in p.relative.parents if parent != PurePosixPath(".")})


def write_all(directory: Path, plan: list[PlannedFile]) -> None:
    """Write every file or none: contents go to temporary files first, then each is renamed."""
    created_dirs: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    try:
        for planned in plan:
            target = directory / planned.relative
            created_dirs += _mkdirs(target.parent)
            fd, tmp = tempfile.mkstemp(prefix=".ttminis-", dir=target.parent)
            staged.append((Path(tmp), target))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(planned.content)
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        for folder in reversed(created_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise UserError(f"cannot write the project: {exc}", hint="nothing was written; check the folder's "
                        "permissions and free space", exit_code=EXIT_USAGE) from None
    mode = 0o666 & ~_umask()
    done: list[Path] = []
    try:
        for tmp, target in staged:
            os.chmod(tmp, mode)
            os.replace(tmp, target)
            done.append(target)
    except OSError as exc:  # renames within one folder fail only when the disk changes under us
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {target}: {exc.strerror or exc}",
                        hint=f"{len(done)} of {len(staged)} files were written; fix the cause and rerun with --force",
                        exit_code=EXIT_USAGE) from None


def _mkdirs(folder: Path) -> list[Path]:
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_app_id(app_id: str, name: str = "--app-id") -> str:
    app_id = app_id.strip()
    if not app_id or any(ord(c) < 32 for c in app_id):
        raise UserError(f"{name} must be a non-empty client key without control characters, got {app_id!r}",
                        hint="copy the client key from the Developer Portal, or leave it out for a placeholder")
    return app_id


def _check_port(port: int | str, name: str = "--port") -> int:
    try:
        number = int(str(port).strip())
    except ValueError:
        number = 0
    if not 1 <= number <= 65535:
        raise UserError(f"{name} must be a number from 1 to 65535, got {port!r}")
    return number


def _check_open_data_dir(folder: str, name: str = "--open-data-dir") -> str:
    cleaned = folder.strip().rstrip("/").removeprefix("./")
    parts = cleaned.split("/")
    if not cleaned or not all(_FOLDER.fullmatch(p) for p in parts) or any(p in SKIP_DIRS for p in parts):
        raise UserError(f"{name} must be a folder path inside the project, got {folder!r}",
                        hint="use letters, digits, '_', '-' and '.', with '/' between folders "
                        f"(default: {DEFAULT_OPEN_DATA_DIR})")
    return cleaned


def _prompt(app_id: str | None, port: int | None, open_data_dir: str | None) -> tuple[str, int, str]:
    """Ask for what the options left out; a wrong answer is explained and asked again."""
    import typer

    def ask(question: str, default: str, check):
        def value_proc(text: str):
            try:
                return check(text, "the answer")
            except UserError as exc:
                raise typer.BadParameter(f"{exc.message}; {exc.hint}" if exc.hint else exc.message) from None
        return typer.prompt(question, default=default, value_proc=value_proc)

    if app_id is None:
        app_id = ask("Client key (app_id) from the Developer Portal", PLACEHOLDER_APP_ID, _check_app_id)
    if port is None:
        port = ask("dev.port", str(DEFAULT_PORT), _check_port)
    if open_data_dir is None:
        open_data_dir = ask("Open data folder", DEFAULT_OPEN_DATA_DIR, _check_open_data_dir)
    return app_id, port, open_data_dir


def _display(directory: Path) -> str:
    try:
        relative = directory.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return str(directory)
    return "the current folder" if relative == Path(".") else f"{relative.as_posix()}/"


def _print_plan(title: str, plan: list[PlannedFile], verb_exists: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    console.print(title)
    for planned in plan:
        suffix = f"  [yellow]({verb_exists})[/]" if planned.exists else ""
        console.print(f"  {escape(str(planned.relative))}{suffix}")


def _print_next_steps(directory: Path, template: str, placeholder_app_id: bool) -> None:
    from rich.console import Console
    from rich.markup import escape

    steps = []
    if directory.resolve() != Path.cwd().resolve():
        steps.append(f"cd {shlex.quote(_display(directory).rstrip('/'))}")
    if template == "ts":
        steps += ["npm install", "npm run build"]
    steps += ["ttminis validate", "ttminis lint"]
    console = Console(highlight=False)
    console.print("\nNext:")
    for step in steps:
        console.print(f"  {escape(step)}")
    if placeholder_app_id:
        console.print("Set app_id in project.config.json to your client key before `ttmg dev`.")
