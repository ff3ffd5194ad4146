"""Applying fixes (DESIGN §10): `ttminis lint --fix`, `--diff`, `--unsafe-fixes`, and the editor's
"fix all" action.

Rules attach a Fix to a finding (lint/rewrite.py builds its edits). Fixing a project is a loop, as in
ruff: take the findings that finish() kept — so suppressions, select/ignore, per-file-ignores and the
default file selection all hold — apply the wanted fixes that do not overlap, analyse the new text
(which must still parse), finish again, until nothing is left to fix (at most MAX_PASSES times). All of
it happens in memory; `--fix` then writes each changed file once, atomically, and `--diff` prints it.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

from ttminis_cli.config import Config
from ttminis_cli.lint.diagnostic import Diagnostic, Edit
from ttminis_cli.lint.engine import analyze
from ttminis_cli.lint.finish import finish
from ttminis_cli.lint.records import FileResult, FileTask

# Ruff stops at 100; a fix here never needs another to settle more than a few times.
MAX_PASSES = 10
PARSE_ERROR = "TTM002"


def wanted(diag: Diagnostic, unsafe: bool) -> bool:
    """Whether this run applies the finding's fix: safe ones always, the rest with --unsafe-fixes."""
    return diag.fix is not None and (diag.fix.safe or unsafe)


def fixable_counts(diagnostics: Sequence[Diagnostic]) -> tuple[int, int]:
    """(findings with a safe fix, findings with an unsafe one)."""
    safe = sum(1 for d in diagnostics if d.fix is not None and d.fix.safe)
    return safe, sum(1 for d in diagnostics if d.fix is not None) - safe


# ---------------------------------------------------------------------------- one file's text


class _Lines:
    """1-based (line, character column) positions to offsets into a text; lines end at "\\n" only, as
    the parser counts them."""

    def __init__(self, text: str) -> None:
        self.size = len(text)
        self.starts = [0]
        at = text.find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = text.find("\n", at + 1)

    def offset(self, line: int, column: int) -> int:
        if line > len(self.starts):
            return self.size
        start = self.starts[line - 1]
        end = self.starts[line] - 1 if line < len(self.starts) else self.size
        return min(start + column - 1, end + 1, self.size)


def _span(lines: _Lines, d: Diagnostic) -> tuple[int, int]:
    start = lines.offset(d.line, d.column)
    end = lines.offset(d.end_line, d.end_column) if d.end_line else start
    return start, max(start, end)


def apply(text: str, diagnostics: Sequence[Diagnostic], unsafe: bool = False) -> tuple[str, list[Diagnostic]]:
    """`text` with the wanted fixes of its findings applied, and the findings they fixed.

    A fix is applied whole or not at all; one that overlaps a fix already taken waits for the next pass,
    and so does one that would replace text holding another finding (it would vanish unfixed: a list
    moved into a const would take its values' TTM303 with it) — the inner finding is fixed first.
    """
    lines = _Lines(text)
    spans = sorted(((_span(lines, d), i, d) for i, d in enumerate(diagnostics)), key=lambda s: s[0])
    span_starts = [a for (a, _), _, _ in spans]
    chosen: list[tuple[int, int, int, Edit, Diagnostic]] = []  # (start, end, order, edit, finding)
    taken = _Taken()
    candidates = sorted((d for d in diagnostics if wanted(d, unsafe)),
                        key=lambda d: min(((e.line, e.column) for e in d.fix.edits), default=(0, 0)))
    fixed: list[Diagnostic] = []
    isolated = False
    for diag in candidates:
        edits = [(lines.offset(e.line, e.column), lines.offset(e.end_line, e.end_column), e) for e in diag.fix.edits]
        if not edits or any(start > end for start, end, _ in edits) or (diag.fix.isolated and isolated):
            continue
        if any(taken.overlaps(start, end) for start, end, _ in edits):
            continue
        # The findings whose span starts inside an edit's: they would vanish with the text it replaces.
        if any(start < end and b <= end and (a, b) != (start, end) and other is not diag
               for start, end, _ in edits
               for (a, b), _, other in spans[bisect_left(span_starts, start):bisect_right(span_starts, end)]):
            continue
        for start, end, edit in edits:
            taken.add(start, end)
            chosen.append((start, end, len(chosen), edit, diag))
        fixed.append(diag)
        isolated = isolated or diag.fix.isolated
    out = []
    last = 0
    for start, end, _, edit, _ in sorted(chosen, key=lambda c: (c[0], c[1], c[2])):
        out.append(text[last:start])
        out.append(edit.text)
        last = end
    out.append(text[last:])
    return "".join(out), fixed


class _Taken:
    """The text ranges fixes have taken, sorted. No range lies strictly inside another (that would
    overlap), so their ends rise with their starts: the ranges an edit could overlap are the last few
    that start before it ends, and a look stops at the first that ends before it starts. Fixes come in
    the order of their text, so a range is almost always added at the end."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []

    def add(self, start: int, end: int) -> None:
        insort(self.ranges, (start, end))

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self.ranges, (end, end)) - 1
        while i >= 0 and self.ranges[i][1] >= start:
            if _overlaps(start, end, *self.ranges[i]):
                return True
            i -= 1
        return False


def _overlaps(start: int, end: int, a: int, b: int) -> bool:
    """Whether edit [start, end) touches taken [a, b): two replacements overlap when they share text; an
    insertion conflicts with a replacement only strictly inside it."""
    if start == end:
        return a < start < b
    if a == b:
        return start < a < end
    return start < b and a < end


# ---------------------------------------------------------------------------- a project


@dataclass
class FixRun:
    """The outcome of fixing: every file's result and the findings that remain, as after a lint."""

    results: list[FileResult]
    diagnostics: list[Diagnostic]
    before: dict[str, bytes] = field(default_factory=dict)  # path -> bytes read, of every file fixed
    after: dict[str, bytes] = field(default_factory=dict)  # path -> its fixed bytes
    fixed: Counter = field(default_factory=Counter)  # path -> findings fixed
    problems: list[str] = field(default_factory=list)
    abs_paths: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.fixed.values())


def read_file(task: FileTask) -> bytes:
    from ttminis_cli.lint.runner import read_source

    return read_source(task.ctx.abs_path)[0]


def fix(tasks: Sequence[FileTask], results: Sequence[FileResult], config: Config, *,
        report_paths: set[str] | None = None, unsafe: bool = False,
        read: Callable[[FileTask], bytes] = read_file) -> FixRun:
    """Fix the findings of a lint (its tasks and results) until none is left to fix, in memory."""
    tasks_by_path = {t.ctx.path: t for t in tasks}
    results = list(results)
    index = {r.path: i for i, r in enumerate(results)}
    run = FixRun(results, [])
    refused: set[str] = set()
    diagnostics = finish(results, config, report_paths=report_paths)
    for _ in range(MAX_PASSES):
        todo = _todo(diagnostics, refused, unsafe)
        fresh = [p for p in todo if p not in run.before]
        if fresh:  # the findings must be those of the bytes we edit: analyse what is read now
            for path in fresh:
                _load(run, path, tasks_by_path.get(path), index, read, refused)
            diagnostics = finish(results, config, report_paths=report_paths)
            todo = _todo(diagnostics, refused, unsafe)
        if not todo:
            break
        progressed = False
        for path, found in todo.items():
            task = tasks_by_path[path]
            text = run.after[path].decode("utf-8")
            new_text, fixed = apply(text, found, unsafe)
            if not fixed or new_text == text:
                continue
            new = new_text.encode("utf-8")
            result = analyze(task, new)
            if any(d.code == PARSE_ERROR for d in result.diagnostics):
                refused.add(path)
                run.problems.append(f"{path}: fixing it would break its syntax ({', '.join(sorted({d.code for d in fixed}))}); "
                                    "left as it was — this is a bug in ttminis, please report it")
                continue
            run.after[path] = new
            results[index[path]] = result
            run.fixed[path] += len(fixed)
            progressed = True
        if not progressed:
            break
        diagnostics = finish(results, config, report_paths=report_paths)
    else:
        if _todo(diagnostics, refused, unsafe):
            run.problems.append(f"fixes did not settle after {MAX_PASSES} passes; what is left is reported")
    run.diagnostics = diagnostics
    for path in [p for p in run.before if run.before[p] == run.after[p]]:
        del run.before[path], run.after[path]
    return run


def _todo(diagnostics: Sequence[Diagnostic], refused: set[str], unsafe: bool) -> dict[str, list[Diagnostic]]:
    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    return {p: found for p, found in by_path.items()
            if p not in refused and any(wanted(d, unsafe) for d in found)}


def _load(run: FixRun, path: str, task: FileTask | None, index: dict[str, int],
          read: Callable[[FileTask], bytes], refused: set[str]) -> None:
    """Read a file to fix and analyse it afresh; refuse it (with a reason) when it cannot be fixed."""
    if task is None or path not in index:
        refused.add(path)
        return
    try:
        raw = read(task)
        raw.decode("utf-8")
    except OSError as exc:
        run.problems.append(f"{path}: cannot read ({exc.strerror or exc}); not fixed")
        refused.add(path)
        return
    except UnicodeDecodeError:
        run.problems.append(f"{path}: not UTF-8 text; not fixed")
        refused.add(path)
        return
    result = analyze(task, raw)
    run.results[index[path]] = result
    if any(d.code == PARSE_ERROR for d in result.diagnostics):
        refused.add(path)  # fixing code around a syntax error could make it worse: the error comes first
    run.before[path] = run.after[path] = raw
    run.abs_paths[path] = task.ctx.abs_path


# ---------------------------------------------------------------------------- writing and showing


def write(run: FixRun) -> list[str]:
    """Write every fixed file in place, atomically (a temp file beside it, then os.replace): a file is
    either as it was or wholly fixed. A file that changed on disk since it was read is left alone.
    Returns the problems."""
    import tempfile

    problems = []
    for path, new in run.after.items():
        target = os.path.realpath(run.abs_paths[path])  # through a symlink, not over it
        try:
            with open(target, "rb") as fh:
                if fh.read() != run.before[path]:
                    problems.append(f"{path}: changed while it was being fixed; left as it is")
                    continue
            mode = os.stat(target).st_mode
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix="." + os.path.basename(target) + ".",
                                       suffix=".ttminis-fix")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(new)
                os.chmod(tmp, mode & 0o7777)
                os.replace(tmp, target)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as exc:
            problems.append(f"{path}: cannot write ({exc.strerror or exc}); not fixed")
            run.fixed.pop(path, None)
    return problems


_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")  # lines as the parser counts them, each with its newline


def unified_diff(run: FixRun) -> str:
    """Every fixed file as a unified diff against what is on disk."""
    import difflib

    out = []
    for path in sorted(run.after):
        before = _LINE.findall(run.before[path].decode("utf-8"))
        after = _LINE.findall(run.after[path].decode("utf-8"))
        for line in difflib.unified_diff(before, after, fromfile=f"a/{path}", tofile=f"b/{path}"):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
