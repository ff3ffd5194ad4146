"""The plan cache: `<project root>/.ttminis/cache/plans.pickle`, the plans of earlier runs, each with
the stats of what its planning read (stamps.py): the folders its walk listed, the config, tsconfig,
source-map and index.html files it opened, the project roots, and above them the config files whose
appearance would change it. A plan is served again while every one of those holds: a file or
folder added, removed or renamed anywhere the walk went changes that folder's mtime, and an edited
config file its own. Checking 4,000 stats takes a few milliseconds where walking 17,000 files to
plan again takes a hundred.

Signed like the result cache (cache.py), and keyed by everything else a plan depends on: the tool,
the config, the paths as given, the current folder and --force-exclude.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

from ttminis_cli.lint import stamps
from ttminis_cli.lint.cache import read_pack, user_key, write_pack
from ttminis_cli.lint.records import LintPlan

PLANS_NAME = "plans.pickle"
MAX_PLANS = 8  # per project: the most recently used


class PlanCache:
    """Plans served while what they read holds; `plan` is lint.plan.plan with the same arguments."""

    def __init__(self, root: Path, salt: str, plan: Callable[..., LintPlan]) -> None:
        self.root = root
        self._salt = salt
        self._plan = plan
        self._key = user_key()
        self._plans: dict | None = None
        self._dirty = False
        if self._key is not None:
            try:  # now, not after planning: making it changes the project folder the walk lists
                stamps.make_cache_dir(root)
            except OSError:
                self._key = None  # a read-only project: nothing is cached

    @property
    def plans(self) -> dict:
        if self._plans is None:
            value = read_pack(self.root / stamps.CACHE_DIR / PLANS_NAME, self._key)
            self._plans = value if isinstance(value, dict) else {}
        return self._plans

    def plan(self, paths: list[Path], config, *, cwd: Path, force_exclude: bool = False) -> LintPlan:
        key = repr((self._salt, [os.fspath(p) for p in paths], os.fspath(cwd), force_exclude, config))
        found = self.plans.pop(key, None)
        if isinstance(found, tuple) and len(found) == 3 and isinstance(found[2], LintPlan):
            read, signatures, planned = found
            if stamps.holds(read, signatures):
                self.plans[key] = found  # the most recently used last
                stamps.note(read, signatures)  # what a replay must watch, as if the walk had read it
                return _copy(planned)
            self._dirty = True
        started = time.time_ns()
        reads = stamps.Reads()
        stamps.collect(reads)
        try:
            planned = self._plan(paths, config, cwd=cwd, force_exclude=force_exclude)
        finally:
            stamps.stop(reads)
        # A file named is planned by looking beside it (its source map, its .ts): its folder counts.
        given = {os.path.abspath(cwd / p) for p in paths}
        beside = {os.path.dirname(p) for p in given if not os.path.isdir(p)}
        read = sorted(stamps.with_probes(reads | given | beside | {os.fspath(cwd)}
                                         | {t.ctx.project_root for t in planned.tasks}))
        signatures = stamps.take(read, started, stamps.walked_listing)
        if signatures is not None and self._key is not None:
            self.plans[key] = (read, signatures, _copy(planned))
            while len(self.plans) > MAX_PLANS:
                del self.plans[next(iter(self.plans))]
            self._dirty = True
        return planned

    def save(self) -> None:
        if self._dirty and self._key is not None and write_pack(self.root, PLANS_NAME, self._key, self.plans):
            self._dirty = False


def _copy(planned: LintPlan) -> LintPlan:
    """A plan of its own lists: what a caller appends to must not change the cached one."""
    return LintPlan(list(planned.tasks), list(planned.skipped), list(planned.notes), list(planned.warnings))
