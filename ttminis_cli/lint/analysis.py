"""The work behind engine.analyze and engine.finish (kept apart so that planning a lint imports no
tree-sitter)."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import replace
from typing import Sequence

from ttminis_cli.config import Config
from ttminis_cli.lint import calls, facts, suppression
from ttminis_cli.lint import parse as P
from ttminis_cli.lint.calls import Uses, find_uses
from ttminis_cli.lint.diagnostic import Diagnostic, RuleInfo
from ttminis_cli.lint.engine import FileResult, FileTask, glob_match, selected
from ttminis_cli.lint.facts import Facts, collect, is_platform_export
from ttminis_cli.lint.model import FileModel, Span, make
from ttminis_cli.lint.rules import FAMILIES, api, domain, general, runtime

_BINARY_SNIFF = 8192
# One whole-tree query pass per file: every pattern the engine needs before it can climb from the
# few interesting nodes (each further pass over a 10 MB bundle costs as much as a tenth of parsing it).
SCAN = calls.SCAN_PATTERNS + facts.SCAN_PATTERNS + domain.SCAN_PATTERNS
# The families whose findings are about one call (what a wrapper module's callers get).
CONDITIONAL_FAMILIES = (domain, api)


def analyze(task: FileTask, source: bytes) -> FileResult:
    if task.language == "html":
        page = FileModel(task.ctx, "html", source, None, Uses())
        runtime.check_html(page)
        model = _analyze_js(task.ctx, "js", runtime.inline_scripts(source))
        model.diagnostics.extend(page.diagnostics)
        return _result(model, suppression.read(model), _conditional(model))
    if b"\0" in source[:_BINARY_SNIFF]:
        model = FileModel(task.ctx, task.language, source, None, Uses())
        model.report(general.TTM002, (1, 1, 1, 1), "this file is binary, not JavaScript; the platform cannot "
                                                   "load it as a script")
        return _result(model, ())
    model = _analyze_js(task.ctx, task.language, source)
    return _result(model, suppression.read(model), _conditional(model))


def _analyze_js(ctx, language: str, source: bytes) -> FileModel:
    tree = P.parse(language, source)
    scan = P.captures(language, SCAN, tree.root_node)
    uses = find_uses(language, tree.root_node, source, scan)
    model = FileModel(ctx, language, source, tree, uses, scan)
    for family in FAMILIES:
        family.check_file(model)
    return model


def _conditional(model: FileModel) -> dict[tuple[str, str], list[Diagnostic]]:
    """Per-call findings on calls through imported bindings, as if each binding were the platform;
    engine.finish keeps those whose module does export the platform under that name."""
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for call in model.uses.calls:
        if call.condition is not None:
            groups[call.condition].append(replace(call, condition=None))
    out = {}
    for condition, group in groups.items():
        as_platform = FileModel(model.ctx, model.language, model.source, model.tree,
                                Uses(calls=group, accesses=model.uses.accesses))
        for family in CONDITIONAL_FAMILIES:
            family.check_file(as_platform)
        out[condition] = as_platform.diagnostics
    return out


def _result(model: FileModel, suppressions, conditional=None) -> FileResult:
    diagnostics = tuple(sorted(set(model.diagnostics)))
    return FileResult(model.ctx.path, diagnostics, collect(model, suppressions, conditional))


def failed(task: FileTask, exc: Exception) -> FileResult:
    diag = make(general.TTM002, task.ctx.path, (1, 1, 1, 1),
                f"ttminis could not analyze this file ({type(exc).__name__}: {exc}); "
                "this is a bug in ttminis, please report it")
    facts = Facts(task.ctx.path, task.ctx.abs_path, task.ctx.project_root, task.ctx.domain, task.ctx.domain_rules)
    return FileResult(task.ctx.path, (diag,), facts)


def finish(results: Sequence[FileResult], config: Config, *, report_paths: set[str] | None = None
           ) -> list[Diagnostic]:
    facts = [r.facts for r in results if isinstance(r.facts, Facts)]
    by_path: dict[str, list[Diagnostic]] = defaultdict(list)
    for result in results:
        by_path[result.path].extend(result.diagnostics)

    def report(rule: RuleInfo, where: Facts, span: Span, message: str) -> None:
        by_path[where.path].append(make(rule, where.path, span, message))

    by_abs = {f.abs_path: f for f in facts}
    for f in facts:
        for target, name, diagnostics in f.conditional:
            if is_platform_export((target, name), by_abs):
                by_path[f.path].extend(diagnostics)

    for family in FAMILIES:
        check_project = getattr(family, "check_project", None)
        if check_project is not None:
            check_project(facts, report)

    facts_by_path = {f.path: f for f in facts}
    lint = config.lint
    out: list[Diagnostic] = []
    for path, diagnostics in by_path.items():
        if report_paths is not None and path not in report_paths:
            continue
        f = facts_by_path.get(path)
        if f is not None and f.suppressions:
            diagnostics, unused = suppression.apply(diagnostics, f.suppressions, f.line_count)
            for comment, codes in unused:
                what = f"the suppression of {', '.join(codes)}" if codes else "this suppression comment"
                diagnostics.append(make(general.TTM001, path, comment.span,
                                        f"{what} suppresses nothing here; delete it"))
        ignored = _per_file_ignores(config, f.abs_path if f else path)
        for diag in diagnostics:
            if not selected(diag.code, lint.select, lint.ignore):
                continue
            if any(diag.code.startswith(code) for code in ignored):
                continue
            out.append(diag)
    return sorted(set(out))


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

