"""What the lint's caches trust instead of reading again: a file's stat, a folder's listing, and
which files and folders a step of a run read (the result cache, cache.py; the plan cache,
plancache.py; the run replay, replay.py). Light enough for the replay to import before anything else.

A step's reads are taken through an audit hook (`open` and `os.scandir`, which is how the walk lists
folders; only the import system uses os.listdir) while a `Reads` is being collected. Above what was
read, only the config files whose appearance would move a project root or change the config are
kept (`with_probes`): those folders' other entries do not matter.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import Callable, Iterable

CACHE_DIR = os.path.join(".ttminis", "cache")
# A file rewritten within the same clock tick as our read would keep its mtime; after a couple of
# seconds that can no longer go unseen, so only then may a stat stand in for the bytes.
RACY_NS = 2_000_000_000
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

Signature = list  # [size, mtime_ns, inode], or ["listing", folders, files], or None: absent


def tool_files(folders: Iterable[str | os.PathLike], packages: Iterable[str]) -> list[str]:
    """Every file below `folders` (compiled caches aside), in order, then the module file of each
    installed package: what a cached step's tool is made of (an edit or a reinstall changes their stats)."""
    from importlib.util import find_spec

    files = []
    for top in folders:
        for folder, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            files += [os.path.join(folder, name) for name in sorted(names)]
    for package in packages:
        spec = find_spec(package)
        files.append(spec.origin if spec and spec.origin else f"<{package} missing>")
    return files


def make_cache_dir(root: str | os.PathLike) -> str:
    """`<root>/.ttminis/cache`, created with a .gitignore that keeps it out of commits; raises OSError."""
    folder = os.path.join(root, CACHE_DIR)
    os.makedirs(folder, exist_ok=True)
    gitignore = os.path.join(folder, ".gitignore")
    if not os.path.exists(gitignore):
        with open(gitignore, "w", encoding="utf-8") as fh:
            fh.write("# ttminis's lint cache: never commit it\n*\n")
    return folder


def signature(path: str) -> Signature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def folder_entries(path: str) -> tuple[list[os.DirEntry], list[os.DirEntry]]:
    """(sub-folders, other entries) of a folder, symlinks followed, as the lint's walk divides them: an
    entry whose kind cannot be read counts as a file. Raises OSError when the folder cannot be read."""
    folders: list[os.DirEntry] = []
    files: list[os.DirEntry] = []
    with os.scandir(path) as entries:
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (folders if is_dir else files).append(entry)
    return folders, files


def listing(path: str) -> Signature | None:
    """A folder's entries as a lint's walk sees them (hidden folders are never walked)."""
    try:
        folders, files = folder_entries(path)
    except OSError:
        return None
    return _listing((e.name for e in folders), (e.name for e in files))


def _listing(folders: Iterable[str], files: Iterable[str]) -> Signature:
    return ["listing", sorted(f for f in folders if not f.startswith(".")), sorted(files)]


def holds(paths: Iterable[str], signatures: Iterable[Signature | None]) -> bool:
    """Whether every path is as recorded: its stat, or for a folder recorded by its listing, the listing."""
    for path, recorded in zip(paths, signatures):
        if recorded and recorded[0] == "listing":
            if listing(path) != recorded:
                return False
        elif signature(path) != recorded:
            return False
    return True


def take(paths: list[str], since_ns: int, seen_listing: Callable[[str], Signature | None]) -> list | None:
    """The signatures of `paths` for a step that started at `since_ns`, or None when one cannot be
    trusted. Something changed after `since_ns - RACY_NS` could change again unseen: a folder the step
    saw is then kept by the names it saw in it (`seen_listing(path)`: walked_listing, noted_listing);
    anything else makes the step unrecordable this time."""
    signatures = [signature(p) for p in paths]
    newest = since_ns - RACY_NS
    for i, recorded in enumerate(signatures):
        if recorded is not None and recorded[1] >= newest:
            seen = seen_listing(paths[i])
            if seen is None:
                return None
            signatures[i] = seen
    return signatures


def new_pass() -> None:
    """A lint pass begins (watch mode lints again and again): forget what earlier passes noted."""
    _noted_listings.clear()


def walked_listing(path: str) -> Signature | None:
    """The listing of a folder as this pass's walk saw it, if it walked it."""
    from ttminis_cli.project import seen_listing

    seen = seen_listing(os.path.realpath(path))
    return None if seen is None else _listing(*seen)


def noted_listing(path: str) -> Signature | None:
    """The listing of a folder as a cached step of this run saw it (`note`), else as the walk did."""
    return _noted_listings.get(path) or walked_listing(path)


class Reads(set):
    """The paths opened or listed while it is being collected (see `collect`)."""


_collecting: list[Reads] = []
_hooked = False
_noted_listings: dict[str, Signature] = {}  # folders a cached step saw, by the listing that held


def collect(reads: Reads) -> None:
    """Add every path opened or listed from now on to `reads`, until `stop(reads)`."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    _collecting.append(reads)


def stop(reads: Reads) -> None:
    _collecting[:] = [r for r in _collecting if r is not reads]  # by identity: two sets may be equal




def note(paths: list[str], signatures: list[Signature | None]) -> None:
    """Count `paths` as read by every step being collected: what a cached step read, as its
    `signatures` (just found to hold) say it was; the folders kept by their listing keep it."""
    for reads in _collecting:
        reads.update(paths)
    _noted_listings.update((p, s) for p, s in zip(paths, signatures) if s and s[0] == "listing")


def _audit(event: str, args: tuple) -> None:
    if not _collecting or (event != "open" and event != "os.scandir"):
        return
    path = args[0] if args else None
    if path is None and event == "os.scandir":
        path = "."
    if isinstance(path, (str, bytes, os.PathLike)):
        path = os.path.abspath(os.fsdecode(path))
        for reads in _collecting:
            reads.add(path)


@lru_cache(maxsize=1)
def _tool_prefixes() -> tuple[str, ...]:
    """Folders whose files are the tool's, not the game's: ttminis's own, the user-wide cache, the
    system's pseudo-files."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return tuple(p.rstrip(os.sep) + os.sep for p in (PACKAGE_DIR, os.path.join(cache, "ttminis"), "/dev", "/proc", "/sys"))


def is_input(path: str) -> bool:
    """A file or folder of the game's: not the tool's, not a module the run imported (those are the
    interpreter's business: `import` opens them), not a cache folder."""
    if path.startswith(_tool_prefixes()) or path.endswith((".py", ".pyc", ".so", ".pth")):
        return False
    return not any(f"{os.sep}{name}{os.sep}" in path + os.sep for name in (".ttminis", "__pycache__"))


def with_probes(read: Iterable[str]) -> set[str]:
    """The game's paths among `read`, and in every folder above them the files whose appearance
    would change the step: a project's config files (project.find_root looks for them upwards) and
    ttminis's own (config.find_config)."""
    from ttminis_cli.config import CONFIG_NAME
    from ttminis_cli.project import CONFIG_FILES

    names = (*CONFIG_FILES, CONFIG_NAME, "pyproject.toml")
    out = {p for p in read if is_input(p)}
    above: set[str] = set()
    for path in out:
        folder = os.path.dirname(path)
        while folder not in above:
            above.add(folder)
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    return out | {os.path.join(folder, name) for folder in above - out for name in names}
