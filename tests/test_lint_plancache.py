"""The plan cache (lint/plancache.py): a plan is served again while everything its walk read holds,
and made afresh — finding exactly what a fresh plan finds — after any change that could alter it."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from ttminis_cli import project
from ttminis_cli.config import Config
from ttminis_cli.lint.plan import plan
from ttminis_cli.lint.plancache import PlanCache



pytestmark = pytest.mark.usefixtures("private_user_cache")


def _project(root: Path, age) -> Path:
    for rel, text in {
        "project.config.json": json.dumps({"openDataContext": "openDataContext"}),
        "game.js": "tt.getSystemInfoSync();\n",
        "src/a/menu.js": "export const m = 1;\n",
        "src/b/board.ts": "export const b: number = 1;\n",
        "openDataContext/index.js": "tt.onMessage(() => {});\n",
        "libs/engine.js": "var engine = 1;\n",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    age(root.parent)
    return root


class Counted:
    """lint.plan.plan, counting how often it really plans."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return plan(*args, **kwargs)


def _plan(root: Path, counted: Counted, config: Config | None = None):
    project.forget()  # as every lint pass begins
    cache = PlanCache(root, "salt", counted)
    planned = cache.plan([root], config or Config(), cwd=root)
    cache.save()
    return planned


def _fresh(root: Path):
    project.forget()
    return plan([root], Config(), cwd=root)


def _shape(planned) -> tuple:
    return ([(t.ctx.path, t.ctx.domain, t.ctx.project_root, t.language, t.sniff) for t in planned.tasks],
            [tuple(s) for s in planned.skipped], planned.notes, planned.warnings)


def test_a_plan_is_served_while_the_tree_holds(tmp_path, age):
    root = _project(tmp_path / "outer" / "game", age)
    counted = Counted()
    first = _plan(root, counted)
    again = _plan(root, counted)
    assert counted.calls == 1
    assert _shape(again) == _shape(first) == _shape(_fresh(root))
    excluding = dataclasses.replace(Config(), lint=dataclasses.replace(Config().lint, exclude=("src/**",)))
    assert len(_plan(root, counted, excluding).tasks) == 2 and counted.calls == 2  # another config: planned


@pytest.mark.parametrize("change", [
    "add a file deep down", "remove a folder", "rename a file", "add a config file above",
    "edit project.config.json", "a source map naming TypeScript", "add index.html loading the SDK",
    "a folder becomes a symlink",
])
def test_a_change_the_walk_would_see_plans_afresh(tmp_path, age, change):
    root = _project(tmp_path / "outer" / "game", age)
    if change == "add a config file above":  # a project without one of its own
        (root / "project.config.json").unlink()
        age(root.parent)
    counted = Counted()
    before = _shape(_plan(root, counted))
    if change == "add a file deep down":
        (root / "src" / "a" / "share.js").write_text("tt.shareToUser({});\n")
    elif change == "remove a folder":
        (root / "src" / "b" / "board.ts").unlink()
        (root / "src" / "b").rmdir()
    elif change == "rename a file":
        (root / "src" / "a" / "menu.js").rename(root / "src" / "a" / "main-menu.js")
    elif change == "add a config file above":
        (root.parent / "game.json").write_text(json.dumps({"openDataContext": "game/src/a"}))
    elif change == "edit project.config.json":
        (root / "project.config.json").write_text(json.dumps({"openDataContext": "src/a"}))
    elif change == "a source map naming TypeScript":
        (root / "src" / "a" / "menu.js.map").write_text(json.dumps({"version": 3, "sources": ["menu.ts"]}))
    elif change == "add index.html loading the SDK":
        (root / "index.html").write_text('<script src="https://x/js/minis.js"></script><script src="game.js">'
                                         "</script>\n")
    elif change == "a folder becomes a symlink":
        (root / "src" / "a" / "menu.js").unlink()
        (root / "src" / "a").rmdir()
        (root / "src" / "a").symlink_to(root / "openDataContext")
    after = _plan(root, counted)
    assert counted.calls == 2
    assert _shape(after) == _shape(_fresh(root)) != before


def test_a_folder_changed_just_now_is_kept_by_what_the_walk_saw_in_it(tmp_path, age):
    root = _project(tmp_path / "game", age)
    (root / "src" / "a" / "new.js").write_text("var n;\n")  # src/a/'s mtime: now
    counted = Counted()
    _plan(root, counted)
    assert _plan(root, counted) and counted.calls == 1  # its listing still holds
    (root / "src" / "a" / "newer.js").write_text("var n;\n")  # within the same tick, maybe
    assert "src/a/newer.js" in [t.ctx.path for t in _plan(root, counted).tasks] and counted.calls == 2


def test_a_config_file_changed_just_now_is_not_cached(tmp_path, age):
    root = _project(tmp_path / "game", age)
    (root / "project.config.json").write_text(json.dumps({"openDataContext": "openDataContext"}))
    counted = Counted()
    _plan(root, counted)
    _plan(root, counted)
    assert counted.calls == 2


def test_a_damaged_plan_cache_is_ignored(tmp_path, age):
    root = _project(tmp_path / "game", age)
    counted = Counted()
    first = _shape(_plan(root, counted))
    (root / ".ttminis" / "cache" / "plans.pickle").write_bytes(b"ttminis-lint-cache-1\n" + b"\0" * 40)
    assert _shape(_plan(root, counted)) == first and counted.calls == 2


def test_a_file_named_is_planned_again_when_its_folder_changes(tmp_path, age):
    """The pre-commit hook's call: `--force-exclude` judges a named file by what lies beside it."""
    root = _project(tmp_path / "game", age)
    named = [root / "src" / "a" / "menu.js"]
    counted = Counted()

    def planned():
        project.forget()
        cache = PlanCache(root, "salt", counted)
        result = cache.plan(named, Config(), cwd=root, force_exclude=True)
        cache.save()
        return [t.ctx.path for t in result.tasks]

    planned()  # the hook's steady state: the project has its cache folder, made long ago
    age(root)
    assert planned() == planned() == ["src/a/menu.js"] and counted.calls == 2
    (root / "src" / "a" / "menu.ts").write_text("export const m = 1;\n")  # so menu.js is tsc's output
    assert planned() == [] and counted.calls == 3
