"""`ttminis lint`, `ttminis rules`, `ttminis explain`: options in, exit code out.

run_lint loads the config, plans, runs the engine through the cached runner, finishes (cross-file
rules, suppression, select/ignore) and hands the result to the reporter picked by --format. The
format is text unless --format says otherwise, on a terminal or not: a script that wants a
machine format asks for it, and a human piping into `less` still reads findings.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
from pathlib import Path
from typing import Sequence

from ttminis_cli.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UserError

# Below this many files to analyse, a progress bar would only flicker.
PROGRESS_MIN_FILES = 200


def run_lint(paths: Sequence[Path], *, fmt: str | None = None, select: Sequence[str] = (),
             ignore: Sequence[str] = (), config: Path | None = None, watch: bool = False,
             max_warnings: int | None = None, statistics: bool = False, progress: bool = True,
             include_vendored: bool = False, force_exclude: bool = False, fix: bool = False,
             unsafe_fixes: bool = False, diff: bool = False) -> int:
    """Lint `paths`; 0 when clean (warnings within --max-warnings), 1 on findings, 2 on usage errors.
    With `fix`, fixes what it can first; with `diff`, prints the fixes instead (1 when there are some)."""
    paths = [Path(p) for p in paths]
    select, ignore = _split_codes(select), _split_codes(ignore)
    for p in paths:
        if not os.path.lexists(p):
            raise UserError(f"no such file or folder: {p}", hint="check the path (run from the project folder)")
    if watch and (fix or diff):
        raise UserError("--fix and --diff do not combine with --watch", hint="fix once, then watch",
                        exit_code=EXIT_USAGE)
    options = dict(fmt=fmt or "text", select=tuple(select), ignore=tuple(ignore), config=config,
                   max_warnings=max_warnings, statistics=statistics, progress=progress,
                   include_vendored=include_vendored, force_exclude=force_exclude,
                   fix="diff" if diff else "fix" if fix else None, unsafe_fixes=unsafe_fixes)
    # A lint pass builds thousands of long-lived objects (tasks, cached results) and little cyclic
    # garbage, which the collector's default pace would walk again and again: collect less often, as
    # mypy does.
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 20, 20)
    import signal

    from ttminis_cli.lint import replay

    recording = replay.current()
    if recording is not None and (watch or fix or diff):  # they write files or never end: never replayed
        replay.cancel()
        recording = None

    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so that worker processes are ended too.
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        if watch:
            from ttminis_cli.lint.watch import watch_lint

            return watch_lint(paths, lambda first: lint_once(paths, quiet_notes=not first, **options),
                              config=config)
        if recording is None:
            return lint_once(paths, **options)
        recording.capture()
        try:
            code = lint_once(paths, **options)
        finally:
            recording.release()
        recording.save(code)
        return code
    finally:
        gc.set_threshold(*thresholds)
        signal.signal(signal.SIGTERM, previous)


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _split_codes(codes: Sequence[str]) -> tuple[str, ...]:
    """`--select TTM101,TTM102` as ruff takes it: each option value may hold a comma-separated list."""
    return tuple(c.strip() for value in codes for c in value.split(",") if c.strip())


def lint_once(paths: Sequence[Path], *, fmt: str, select: tuple[str, ...], ignore: tuple[str, ...],
              config: Path | None, max_warnings: int | None, statistics: bool, progress: bool,
              include_vendored: bool = False, force_exclude: bool = False, quiet_notes: bool = False,
              fix: str | None = None, unsafe_fixes: bool = False) -> int:
    """One lint pass, reported; the exit code. `fix`: "fix" writes the fixes, "diff" prints them."""
    from ttminis_cli.lint import replay, runner, stamps
    from ttminis_cli.lint.cache import tool_fingerprint
    from ttminis_cli.lint.finish import finish, skip_note
    from ttminis_cli.lint.plan import plan, project_roots
    from ttminis_cli.lint.plancache import PlanCache
    from ttminis_cli.lint.registry import RULES
    from ttminis_cli.lint.reporters import LintReport, get_reporter

    from ttminis_cli import project

    project.forget()  # this pass sees the disk as it is now (watch mode lints again and again)
    stamps.new_pass()
    cfg, salt = load_lint_config(paths, config, select, ignore, include_vendored)
    cwd = Path.cwd()
    # One cache per run, in the project of the first path: nested projects (fixtures, a monorepo's
    # games) share it rather than each growing a .ttminis/ folder.
    cache_root = project_roots(paths[:1], cwd).pop()
    tool = tool_fingerprint()
    plans = PlanCache(cache_root, tool, plan)
    tasks, report_paths, notes, warnings, skipped = plan_tasks(paths, cfg, cwd, force_exclude, plan=plans.plan)
    plans.save()
    reporter = get_reporter(fmt)(sys.stdout, sys.stderr, rules=RULES)
    if not tasks and not skipped:  # files skipped by the default selection were given: a note says so
        for text in warnings:
            reporter.warn(text)
        raise UserError(f"nothing to lint in {', '.join(map(str, paths))}: no JavaScript, TypeScript or "
                        "game HTML files there", hint="name a project folder or .js/.ts files")
    bar = _ProgressBar() if progress and fmt == "text" and sys.stderr.isatty() else None
    replay.depends_on(tasks, cache_root)
    try:
        run = runner.run(tasks, cache_root=cache_root, config_salt=salt, on_progress=bar.update if bar else None,
                         tool=tool)
    finally:
        if bar:
            bar.stop()
    fixed = None
    if fix:
        from ttminis_cli.lint import fixes

        fixing = fixes.fix(tasks, run.results, cfg, report_paths=report_paths, unsafe=unsafe_fixes)
        if fix == "diff":
            return _show_diff(fixing, [*warnings, *run.warnings, *fixing.problems], unsafe_fixes)
        problems = fixing.problems + fixes.write(fixing)
        run.warnings.extend(problems)
        diagnostics, fixed = fixing.diagnostics, (fixing.total, len(fixing.fixed))
    else:
        diagnostics = finish(run.results, cfg, report_paths=report_paths)
    skipped_note = skip_note(skipped, run.results, report_paths, forced=force_exclude)
    for text in [] if quiet_notes else [*notes, *filter(None, [skipped_note])]:
        reporter.note(text)
    sys.stdout.flush()  # a note on stdout before the warnings on stderr, in a shared pipe too
    for text in [*warnings, *run.warnings]:
        reporter.warn(text)
    checked = [r for r in run.results if not r.skipped and (report_paths is None or r.path in report_paths)]
    report = LintReport(diagnostics, files_checked=len(checked), statistics=statistics, max_warnings=max_warnings,
                        fixed=fixed, unsafe_fixes=unsafe_fixes)
    reporter.report(report)
    sys.stdout.flush()
    return EXIT_FINDINGS if report.failed else EXIT_OK


def _show_diff(fixing, warnings: Sequence[str], unsafe: bool) -> int:
    """`--diff`: the fixes as a unified diff on stdout, what they come to on stderr; nothing written.
    1 when there is something to fix (as ruff and black do), else 0."""
    from ttminis_cli.lint.fixes import fixable_counts, unified_diff

    sys.stdout.write(unified_diff(fixing))
    sys.stdout.flush()
    for text in warnings:
        print(f"warning: {text}", file=sys.stderr)
    files = len(fixing.fixed)
    summary = (f"would fix {fixing.total} finding{'s' * (fixing.total != 1)} in {files} file{'s' * (files != 1)}"
               if fixing.total else "nothing to fix")
    _, unsafe_left = fixable_counts(fixing.diagnostics)
    if unsafe_left and not unsafe:
        summary += f" ({unsafe_left} more with --unsafe-fixes)"
    print(summary, file=sys.stderr)
    return EXIT_FINDINGS if fixing.total else EXIT_OK


def load_lint_config(paths: Sequence[Path], explicit: Path | None, select: Sequence[str],
                     ignore: Sequence[str], include_vendored: bool = False):
    """(Config with --select replacing and --ignore extending the file's and --include-vendored turning
    the default selection off, cache salt of the file's config)."""
    from ttminis_cli.config import find_and_load

    cfg = find_and_load(paths[0], explicit)
    check_codes(cfg.lint.select, f"{cfg.path} [lint] select" if cfg.path else "--select")
    check_codes(cfg.lint.ignore, f"{cfg.path} [lint] ignore" if cfg.path else "--ignore")
    check_codes(select, "--select")
    check_codes(ignore, "--ignore")
    salt = repr(cfg)
    lint = cfg.lint
    if select:
        lint = dataclasses.replace(lint, select=tuple(c.upper() for c in select))
    if ignore:
        lint = dataclasses.replace(lint, ignore=(*lint.ignore, *(c.upper() for c in ignore)))
    if include_vendored:  # the plan's business alone: a cached result serves with or without it
        lint = dataclasses.replace(lint, include_vendored=True)
    return dataclasses.replace(cfg, lint=lint), salt


def check_codes(codes: Sequence[str], where: str) -> None:
    """Every code or prefix must name at least one rule: a typo would silently select nothing."""
    from ttminis_cli.lint.registry import RULES

    for code in codes:
        if not any(known.startswith(code.upper()) for known in RULES):
            raise UserError(f"unknown rule code or prefix '{code}'", where=where, hint=_nearest_hint(code, RULES))


def _nearest_hint(code: str, rules) -> str:
    """Codes the user may have meant: those the text begins, then the closest codes and names."""
    import difflib

    wanted = code.strip()
    names = {r.name: c for c, r in rules.items()}
    close = [c for c in rules if c.startswith(wanted.upper())] if len(wanted) >= 4 else []
    close += difflib.get_close_matches(wanted.upper(), list(rules), n=3, cutoff=0.5)
    close += [names[n] for n in difflib.get_close_matches(wanted.lower(), list(names), n=2, cutoff=0.6)]
    close = list(dict.fromkeys(close))[:6]
    if not close:
        return "`ttminis rules` lists every rule"
    listed = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
    return f"did you mean {listed}? `ttminis rules` lists every rule"


def plan_tasks(paths: Sequence[Path], cfg, cwd: Path, force_exclude: bool = False, plan=None):
    """(tasks, report_paths or None, notes, warnings, files the default selection skipped by name or path).

    Cross-file rules need the whole project — keys written elsewhere, messages handled in the other
    domain — so when a path is less than its project (a pre-commit hook passing staged files, an
    editor linting the open file, `ttminis lint openDataContext/`), the project is read but only
    the given paths are reported on. What was skipped is said of the given paths only.
    """
    from ttminis_cli.lint.plan import plan as plan_afresh, project_roots

    plan = plan or plan_afresh  # `plan`: lint.plan.plan, or a PlanCache's plan
    explicit = plan(list(paths), cfg, cwd=cwd, force_exclude=force_exclude)
    roots = project_roots(paths, cwd)
    if not explicit.tasks or {p.resolve() for p in paths} == roots:
        return explicit.tasks, None, list(explicit.notes), list(explicit.warnings), explicit.skipped
    whole = plan(sorted(roots), cfg, cwd=cwd)
    # The whole-project plan's contexts win: every file of a project must share its root and domains;
    # but a file named on the command line is linted whatever its content (its task's `sniff`).
    named = {t.ctx.abs_path: t.sniff for t in explicit.tasks}
    planned = {t.ctx.abs_path for t in whole.tasks}
    tasks = [t._replace(sniff=named[t.ctx.abs_path]) if t.ctx.abs_path in named else t for t in whole.tasks]
    tasks += [t for t in explicit.tasks if t.ctx.abs_path not in planned]
    notes = list(dict.fromkeys([*whole.notes, *explicit.notes]))
    warnings = list(dict.fromkeys([*whole.warnings, *explicit.warnings]))
    return tasks, {t.ctx.path for t in explicit.tasks}, notes, warnings, explicit.skipped


class _ProgressBar:
    """A transient rich progress bar on stderr, shown only once enough files need analysing."""

    def __init__(self) -> None:
        self._progress = None
        self._task = None

    def update(self, done: int, total: int) -> None:
        if self._progress is None:
            if total < PROGRESS_MIN_FILES:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            from ttminis_cli.lint import replay

            self._progress = Progress(TextColumn("linting"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._progress.start()
            replay.cancel()  # its frames are no output to print again
            self._task = self._progress.add_task("lint", total=total)
        self._progress.update(self._task, completed=done)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def run_rules(fmt: str = "text") -> int:
    """Print the rule catalogue from the registry."""
    from ttminis_cli.lint.registry import RULES

    rules = [RULES[c] for c in sorted(RULES)]
    if fmt == "json":
        import json

        print(json.dumps([{**dataclasses.asdict(r), "severity": r.severity.value} for r in rules], indent=2,
                         ensure_ascii=False))
        return EXIT_OK
    # One rule per line, never wrapped, so `ttminis rules | grep storage` finds whole rules.
    width = max(len(r.name) for r in rules)
    for r in rules:
        html = " (HTML runtime)" if r.html_only else ""
        html += " (opt-in)" if r.opt_in else ""
        html += f" (fix: {r.fixable})" if r.fixable else ""
        print(f"{r.code}  {r.name:<{width}}  {r.severity.value:<7}  {r.summary}{html}")
    return EXIT_OK


def run_explain(code: str) -> int:
    """Print one rule's doc: what, why, bad, good, fix. An unknown code is a usage error."""
    from ttminis_cli.lint.registry import RULES
    from ttminis_cli.lint.reporters import rule_markdown

    by_name = {r.name: r for r in RULES.values()}
    rule = RULES.get(code.strip().upper()) or by_name.get(code.strip().lower())
    if rule is None:
        raise UserError(f"no rule '{code}'", hint=_nearest_hint(code, RULES), exit_code=EXIT_USAGE)
    text = rule_markdown(rule)
    if not rule.fixable:
        text += "\n## Fix safety\n\nNo automatic fix: `ttminis lint --fix` leaves this one to you.\n"
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)
    return EXIT_OK
