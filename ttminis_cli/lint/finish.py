"""Finishing a lint: what the project as a whole says (cross-file rules), suppression comments and
TTM001, select/ignore and per-file-ignores, the note on skipped files. Works on facts alone, cached or
fresh, so a warm run never loads the parser or per-file analysis."""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Sequence

from ttminis_cli.config import Config
from ttminis_cli.lint import selection
from ttminis_cli.lint.diagnostic import Diagnostic, unique_sorted
from ttminis_cli.lint.plan import glob_match
from ttminis_cli.lint.records import Facts, FileResult
from ttminis_cli.lint.selection import Skipped


def finish(results: Sequence[FileResult], config: Config, *, report_paths: set[str] | None = None
           ) -> list[Diagnostic]:
    """Cross-file rules, suppression comments (and TTM001), select/ignore and per-file-ignores.

    Works on facts alone, cached or fresh, so a warm run never loads the parser or per-file analysis.
    """
    from ttminis_cli.lint.facts import is_platform_export
    from ttminis_cli.lint.model import make
    from ttminis_cli.lint.registry import RULES
    from ttminis_cli.lint.rules import FAMILIES, general

    facts = [r.facts for r in results if isinstance(r.facts, Facts)]
    by_path: dict[str, list[Diagnostic]] = defaultdict(list)
    # The paths whose findings are no longer one result's own, in order and unique (analysis._result):
    # only theirs are sorted again at the end, not a bundle's sixty thousand.
    mixed: set[str] = set()
    for result in results:
        if result.diagnostics:
            if result.path in by_path:
                mixed.add(result.path)
            by_path[result.path].extend(result.diagnostics)
    for f in facts:
        if f.suppressions:
            by_path.setdefault(f.path, [])  # an unused suppression is a finding (TTM001)
            mixed.add(f.path)

    def report(rule, where: Facts, span: tuple[int, int, int, int], message: str) -> None:
        by_path[where.path].append(make(rule, where.path, span, message))
        mixed.add(where.path)

    by_abs = {f.abs_path: f for f in facts}
    for f in facts:
        for target, name, diagnostics in f.conditional:
            if is_platform_export((target, name), by_abs):
                by_path[f.path].extend(diagnostics)
                mixed.add(f.path)

    for family in FAMILIES:
        check_project = getattr(family, "check_project", None)
        if check_project is not None:
            check_project(facts, report)

    facts_by_path = {f.path: f for f in facts}
    lint = config.lint
    kept_codes: dict[str, bool] = {}  # select/ignore decided once per code, not once per finding
    out: list[Diagnostic] = []
    for path in sorted(by_path):
        diagnostics = by_path[path]
        if report_paths is not None and path not in report_paths:
            continue
        f = facts_by_path.get(path)
        if f is not None and f.suppressions:
            from ttminis_cli.lint import suppression  # loaded only for a project that has suppressions

            diagnostics, unused = suppression.apply(diagnostics, f.suppressions, f.line_count)
            for comment, codes in unused:
                what = f"the suppression of {', '.join(codes)}" if codes else "this suppression comment"
                diagnostics.append(make(general.TTM001, path, comment.span,
                                        f"{what} suppresses nothing here; delete it",
                                        suppression.unused_fix(comment, codes)))
        ignored = _per_file_ignores(config, f.abs_path if f else path)
        kept_here: dict[str, bool] = {}  # and per-file-ignores once per code of the file
        kept: list[Diagnostic] = []
        for diag in diagnostics:
            code = diag.code
            keep = kept_here.get(code)
            if keep is None:
                keep = kept_codes.get(code)
                if keep is None:
                    rule = RULES.get(code)
                    keep = kept_codes[code] = selected(code, lint.select, lint.ignore,
                                                       opt_in=rule is not None and rule.opt_in)
                keep = kept_here[code] = keep and not any(code.startswith(c) for c in ignored)
            if keep:
                kept.append(diag)
        out.extend(unique_sorted(kept) if path in mixed else kept)
    return out


def _per_file_ignores(config: Config, abs_path: str) -> tuple[str, ...]:
    if not config.lint.per_file_ignores:
        return ()
    base = str(config.root.resolve()) if config.root else os.getcwd()
    rel = os.path.relpath(abs_path, base).replace(os.sep, "/")
    codes: list[str] = []
    for pattern, pattern_codes in config.lint.per_file_ignores:
        if glob_match(rel, pattern):
            codes.extend(pattern_codes)
    return tuple(codes)


def skip_note(skipped: Sequence[Skipped], results: Sequence[FileResult], report_paths: set[str] | None = None,
              *, forced: bool = False) -> str | None:
    """The note on what the default selection left out: by name or path (`skipped`, from the plan of
    the paths asked for) and by content (results, of the files reported on); `forced`: --force-exclude."""
    by_content = [Skipped(r.path, r.content, r.path) for r in results
                  if r.skipped and (report_paths is None or r.path in report_paths)]
    return selection.note([*skipped, *by_content], forced=forced)


def selected(code: str, select: Sequence[str], ignore: Sequence[str], *, opt_in: bool = False) -> bool:
    """Ruff's rule: the most specific matching prefix wins; select wins a tie. An opt-in rule must be
    selected by more than the bare `TTM` (its code or its family, `TTM2`)."""
    best_select = max((len(s) for s in select if code.startswith(s) and not (opt_in and len(s) <= 3)),
                      default=-1)
    best_ignore = max((len(i) for i in ignore if code.startswith(i)), default=-1)
    return best_select >= 0 and best_select >= best_ignore
