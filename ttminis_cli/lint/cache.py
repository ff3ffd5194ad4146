"""The lint result cache: `<project root>/.ttminis/cache/lint.pickle`, one pack of entries keyed by
absolute path (the runner keeps one per run, in the project of the first path linted).

An entry is valid for everything `engine.analyze` depends on — the tool (version and the lint
sources' own fingerprint, so an edited rule never serves stale results), the config, the file's
FileContext and language, and the sha256 of its bytes — and holds that file's FileResult, facts
included, so cross-file rules always see fresh facts. A file whose size, mtime and inode are
unchanged since an earlier run is not even re-read (git's and ruff's trade-off). One pack, not one
file per entry, because a warm run of a 2,000-file project must read its cache in one go.

Safe against concurrent writers (write a temp file, then os.replace: the last writer wins and every
reader sees a whole pack) and corrupt or foreign packs (ignored: the run is merely cold). A pack is
signed with a per-user key kept outside the project, so a `.ttminis/cache` committed to a
repository can never make `ttminis lint` unpickle someone else's data.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import os
import pickle
import time
from pathlib import Path
from typing import Any, Callable, NamedTuple

from ttminis_cli.lint import stamps

CACHE_DIR = Path(stamps.CACHE_DIR)
PACK_NAME = "lint.pickle"
_FORMAT = b"ttminis-lint-cache-1\n"
_MAC_SIZE = hashlib.sha256().digest_size


def user_key() -> bytes | None:
    """The per-user secret that signs packs, created on first use; None when it cannot be kept."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ttminis"
    path = base / "cache-key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError:
        return None
    import secrets
    import tempfile

    try:
        base.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd, tmp = tempfile.mkstemp(dir=base, prefix=".cache-key.")
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        try:
            os.link(tmp, path)  # first writer wins; a concurrent one reads the winner's key
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        return path.read_bytes()
    except OSError:
        return None


# Installed packages whose upgrade changes what analysis finds: the parser and its grammars.
PARSER_PACKAGES = ("tree_sitter", "tree_sitter_javascript", "tree_sitter_typescript")


def tool_fingerprint() -> str:
    """The tool version, the size and mtime of every lint and platform file (sources and data), and
    where and when the parser packages were installed (a reinstall rewrites their files)."""
    from ttminis_cli import __version__

    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(__version__.encode())
    for path in stamps.tool_files((package / "lint", package / "platform"), PARSER_PACKAGES):
        try:
            st = os.stat(path)
        except OSError:
            h.update(f"{path}:missing\n".encode())
        else:
            h.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


class Entry(NamedTuple):
    """What the cache keeps for one file."""

    task_key: str  # tool, config and FileTask: see task_key()
    digest: str  # sha256 of the bytes that were analysed
    stat: tuple[int, int, int] | None  # (size, mtime_ns, inode) when trusted to skip re-reading the file
    result: Any  # the FileResult


def task_key(salt: str, task: Any) -> str:
    """Everything but the bytes that an analysis depends on: salt (tool + config) and the FileTask."""
    return task_keys(salt)(task)


def task_keys(salt: str) -> Callable[[Any], str]:
    """task_key for one salt, which is hashed once rather than once per task."""
    salted = hashlib.sha256(f"{salt}\0".encode())

    def key(task: Any) -> str:
        h = salted.copy()
        h.update(repr(task).encode())
        return h.hexdigest()

    return key


def stat_signature(st: os.stat_result) -> tuple[int, int, int] | None:
    """A file's (size, mtime, inode), or None while its mtime is too recent to trust (stamps.RACY_NS)."""
    if time.time_ns() - st.st_mtime_ns < stamps.RACY_NS:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


class ResultCache:
    """One pack: {abs_path: Entry}, loaded lazily, saved when it changed."""

    def __init__(self, root: Path, key: bytes | None) -> None:
        self.root = root
        self.path = root / CACHE_DIR / PACK_NAME
        self._key = key
        self._entries: dict[str, Entry] | None = None
        self._dirty = False

    @property
    def entries(self) -> dict[str, Entry]:
        if self._entries is None:
            self._entries = self._load()
        return self._entries

    def _load(self) -> dict[str, Entry]:
        entries = read_pack(self.path, self._key)
        if not isinstance(entries, dict):
            return {}
        return {p: e for p, e in entries.items() if isinstance(e, Entry)}

    def get(self, abs_path: str) -> Entry | None:
        return self.entries.get(abs_path)

    def put(self, abs_path: str, entry: Entry) -> None:
        self.entries[abs_path] = entry
        self._dirty = True

    def save(self) -> None:
        """Write the pack if it changed, dropping entries of files that no longer exist."""
        if not self._dirty or self._key is None:
            return
        if write_pack(self.root, PACK_NAME, self._key, {p: e for p, e in self.entries.items() if os.path.exists(p)}):
            self._dirty = False


def read_pack(path: Path, key: bytes | None) -> Any:
    """What a signed pack holds, or None when there is none, it is damaged, or another key signed it."""
    if key is None:
        return None
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head, mac, body = blob[:len(_FORMAT)], blob[len(_FORMAT):len(_FORMAT) + _MAC_SIZE], blob[len(_FORMAT) + _MAC_SIZE:]
    if head != _FORMAT or not hmac.compare_digest(mac, hmac.new(key, body, "sha256").digest()):
        return None
    # Unpickling thousands of small objects would trigger the cyclic GC again and again for nothing:
    # none of them is garbage yet. Then gc.freeze() takes what is alive now (modules, the plan, these
    # entries: all kept until the run ends, and freed by refcounting after) out of the collector's
    # sight, so no later collection walks it again.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        value = pickle.loads(body)
        gc.freeze()
    except Exception:  # a pack from another version of the engine's classes: start cold
        return None
    finally:
        if gc_was_enabled:
            gc.enable()
    return value


def write_pack(root: Path, name: str, key: bytes, value: Any) -> bool:
    """Sign and write `value` to `<root>/.ttminis/cache/<name>` atomically; False when it cannot be."""
    import tempfile

    try:
        body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        folder = stamps.make_cache_dir(root)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".lint.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_FORMAT + hmac.new(key, body, "sha256").digest())
                fh.write(body)  # apart: a big result's pickle is megabytes, not to be copied once more
            os.replace(tmp, os.path.join(folder, name))
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return False  # a read-only project (or an unpicklable result) simply runs uncached
    return True
