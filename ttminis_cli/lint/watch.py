"""`ttminis lint --watch`: lint, then re-lint on every change of a relevant file; Ctrl-C exits 0.

Re-lints are whole-project runs: the cache makes unchanged files free, and cross-file rules need
every file's facts anyway. The config is re-read each time, so editing ttminis.toml takes effect.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

from ttminis_cli.config import CONFIG_NAME
from ttminis_cli.errors import EXIT_OK, UserError
from ttminis_cli.project import CONFIG_FILES, SKIP_DIRS

CONFIG_NAMES = frozenset({*CONFIG_FILES, CONFIG_NAME, "pyproject.toml"})
# watchfiles groups changes arriving within this many ms: an editor's save-rename-chmod is one change.
DEBOUNCE_MS = 300


def watch_filter():
    """A watchfiles filter: sources and configs, outside SKIP_DIRS (our own cache writes included)."""
    from watchfiles import DefaultFilter

    from ttminis_cli.lint.plan import SUFFIX_LANGUAGE

    suffixes = (*SUFFIX_LANGUAGE, ".html")  # the game's index.html is read for TTM502/503

    class LintFilter(DefaultFilter):
        ignore_dirs = (*DefaultFilter.ignore_dirs, *SKIP_DIRS)

        def __call__(self, change, path: str) -> bool:
            name = Path(path).name
            return (name.endswith(suffixes) or name in CONFIG_NAMES) and super().__call__(change, path)

    return LintFilter()


def watch_roots(paths: Sequence[Path], config: Path | None) -> list[Path]:
    """The folders to watch: each path's project root (its configs live there) and the --config folder."""
    from ttminis_cli.lint.plan import project_roots

    candidates = project_roots(paths, Path.cwd().resolve())
    if config is not None:
        candidates.add(config.resolve().parent)
    # A folder inside another watched one would report each change twice.
    return sorted(c for c in candidates if not any(o in c.parents for o in candidates))


def watch_lint(paths: Sequence[Path], lint_once: Callable[[bool], int], *, config: Path | None = None) -> int:
    """Run `lint_once(first)` now and after every relevant change until interrupted."""
    from watchfiles import watch

    try:
        _guarded(lint_once, True)
        roots = watch_roots(paths, config)
        _status(f"watching {', '.join(map(str, roots))} for changes (Ctrl-C to stop)")
        # Ctrl-C raises here and ends the loop below; watchfiles' own suppression would log a line about it.
        for changes in watch(*roots, watch_filter=watch_filter(), debounce=DEBOUNCE_MS):
            names = sorted({_display(p) for _, p in changes})
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            _status(f"{time.strftime('%H:%M:%S')} changed: {shown}; linting again")
            _guarded(lint_once, False)
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _guarded(lint_once: Callable[[bool], int], first: bool) -> None:
    # A config broken mid-edit is reported and waited out, not fatal: the user is still typing.
    try:
        lint_once(first)
    except UserError as exc:
        _status(f"error: {exc.render()}")
    finally:
        gc.unfreeze()  # a pass freezes what it holds (cache._load); over a long session, let go of it
    sys.stdout.flush()


def _status(text: str) -> None:
    print(f"[watch] {text}", file=sys.stderr, flush=True)


def _display(path: str) -> str:
    try:
        return Path(path).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path
