"""The lint engine, stage by stage:

    plan(paths, config)      lint/plan.py: discovery, project roots, domains, runtime, the default
                             selection (lint/selection.py)  -> LintPlan (tasks, skipped files)
    analyze(task, source)    here: one file, pure (parse, calls, facts, per-file rules: lint/analysis.py),
                             never raising                  -> FileResult
    finish(results, config)  lint/finish.py: cross-file rules, suppressions, select/ignore -> diagnostics

`analyze` is a pure function of its arguments so that results can be computed in other processes
(lint/runner.py) and cached on disk (lint/cache.py); everything it depends on is in the FileTask. The
records passed along are in lint/records.py.
"""

from __future__ import annotations

import gc
from pathlib import Path

from ttminis_cli.config import Config
from ttminis_cli.lint import selection
from ttminis_cli.lint.diagnostic import Diagnostic
from ttminis_cli.lint.finish import finish, skip_note
from ttminis_cli.lint.plan import plan
from ttminis_cli.lint.records import FileResult, FileTask, LintPlan


def analyze(task: FileTask, source: bytes) -> FileResult:
    """Per-file findings and facts. Never raises: an internal failure becomes a finding on the file.
    A minified or generated file is judged so in FileResult.content, and left unanalysed if the
    task's `sniff` says so."""
    content = selection.content_kind(source) if task.language != "html" else None
    if content and skips(task, content):
        return FileResult(task.ctx.path, (), None, content, True)
    from ttminis_cli.lint import analysis

    # One file's analysis makes millions of short-lived objects and next to no cyclic garbage (its
    # tree, memos and findings are freed by reference counting when it ends): the collector would
    # only walk them again and again, 8% of a big bundle's time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        result = analysis.analyze(task, source)
    except Exception as exc:  # one bad file must not stop a project's lint
        result = analysis.failed(task, exc)
    finally:
        if collecting:
            # What the analysis left alive (its findings) counts as old: the collector's first pass after
            # enable() would otherwise walk every object made while it was off, a big bundle's hundreds of
            # thousands, to find no garbage. Unfrozen, they are looked at again by its next full pass.
            gc.freeze()
            gc.unfreeze()
            gc.enable()
    return result._replace(content=content) if content else result


def reusable(result: FileResult, task: FileTask) -> FileResult | None:
    """An earlier result of the same file, bytes and task but maybe another `sniff` (the cache keys on
    the task without it): what it is worth for this task, or None when the file must be analysed."""
    if result.skipped:
        return result if skips(task, result.content) else None
    if result.content and skips(task, result.content):
        return FileResult(result.path, (), None, result.content, True)
    return result


def skips(task: FileTask, content: str) -> bool:
    """Whether the default selection leaves this file out for its content (minified, generated, compiled)."""
    return task.sniff and (content != selection.COMPILED or task.ts_run)


def lint(paths: list[Path], config: Config, *, cwd: Path | None = None,
         report_paths: set[str] | None = None) -> tuple[list[Diagnostic], LintPlan]:
    """plan -> read -> analyze (sequentially) -> finish."""
    the_plan = plan(paths, config, cwd=cwd)
    results = []
    for task in the_plan.tasks:
        try:
            source = Path(task.ctx.abs_path).read_bytes()
        except OSError as exc:
            the_plan.warnings.append(f"cannot read {task.ctx.path}: {exc.strerror or exc}; skipped")
            continue
        results.append(analyze(task, source))
    note = skip_note(the_plan.skipped, results, report_paths)
    if note:
        the_plan.notes.append(note)
    return finish(results, config, report_paths=report_paths), the_plan


def storage_keys(root: Path, *, domain: str | None = None) -> tuple[list[str], list[str]]:
    """(keys read, keys written) by the project at `root`'s code, each in the order its files first
    name them: the keyList and `data` literals `ttminis lint` records as facts (TTM305's). `domain`
    limits them to one domain's files ("open-data": what a leaderboard reads). The simulator seeds
    players with them and the dashboard opens on them."""
    from ttminis_cli.config import find_and_load

    config = find_and_load(root)
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    for task in plan([root], config, cwd=root).tasks:
        if domain is not None and task.ctx.domain != domain:
            continue
        try:
            source = Path(task.ctx.abs_path).read_bytes()
        except OSError:
            continue
        facts = analyze(task, source).facts
        reads.update((read.key, None) for read in getattr(facts, "key_reads", ()))
        writes.update((key, None) for key in getattr(facts, "keys_written", ()))
    return list(reads), list(writes)
