"""The work behind engine.analyze (kept apart so that planning a lint, and a warm cached run, import
no tree-sitter)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from ttminis_cli.lint import suppression
from ttminis_cli.lint import parse as P
from ttminis_cli.lint.calls import Uses, find_uses
from ttminis_cli.lint.diagnostic import Diagnostic, unique_sorted
from ttminis_cli.lint.facts import collect
from ttminis_cli.lint.model import FileModel, make
from ttminis_cli.lint.records import Facts, FileResult, FileTask
from ttminis_cli.lint.rules import FAMILIES, PER_CALL, api, domain, general, runtime
from ttminis_cli.lint.scan import scan as scan_file

_BINARY_SNIFF = 8192
# The families whose findings are about one call (what a wrapper module's callers get).
CONDITIONAL_FAMILIES = (domain, api)


def analyze(task: FileTask, source: bytes) -> FileResult:
    if task.language == "html":
        page = FileModel(task.ctx, "html", source, None, Uses())
        runtime.check_html(page)
        model = _analyze_js(task.ctx, "js", runtime.inline_scripts(source))
        model.diagnostics.extend(page.diagnostics)
        # The page's markup is blanked out of `model.source`: whether a comment stands alone on its line
        # cannot be told from it, so TTM001 offers no fix there.
        return _result(model, suppression.read(model, fixable=False), _conditional(model))
    if b"\0" in source[:_BINARY_SNIFF]:
        model = FileModel(task.ctx, task.language, source, None, Uses())
        model.report(general.TTM002, (1, 1, 1, 1), "this file is binary, not JavaScript; the platform cannot "
                                                   "load it as a script")
        return _result(model, ())
    model = _analyze_js(task.ctx, task.language, source)
    return _result(model, suppression.read(model), _conditional(model))


def _analyze_js(ctx, language: str, source: bytes) -> FileModel:
    tree = P.parse(language, source)
    scan = scan_file(tree.root_node, source)
    uses = find_uses(language, tree.root_node, source, scan)
    model = FileModel(ctx, language, source, tree, uses, scan)
    _check(model, FAMILIES)
    return model


def _check(model: FileModel, families) -> None:
    """The families' file-wide checks, then their per-call checks call by call: each call's options
    are read once for all of them (FileModel.pairs) while its part of the tree is fresh in the CPU's
    caches, and what they read of it is let go for the next (a bundle has tens of thousands of calls)."""
    for family in families:
        family.check_file(model)
    checks = [family.call_check(model) for family in families if family in PER_CALL]
    if checks:
        for call in model.uses.calls:
            for check in checks:
                check(call)


def _conditional(model: FileModel) -> dict[tuple[str, str], list[Diagnostic]]:
    """Per-call findings on calls through imported bindings, as if each binding were the platform;
    finish keeps those whose module does export the platform under that name."""
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for call in model.uses.calls:
        if call.condition is not None:
            groups[call.condition].append(replace(call, condition=None))
    out = {}
    for condition, group in groups.items():
        as_platform = FileModel(model.ctx, model.language, model.source, model.tree,
                                Uses(calls=group, accesses=model.uses.accesses))
        _check(as_platform, CONDITIONAL_FAMILIES)
        for _, span, message in as_platform.deferred:
            as_platform.report(api.TTM201, span, message)
        out[condition] = as_platform.diagnostics
    return out


def _result(model: FileModel, suppressions, conditional=None) -> FileResult:
    diagnostics = tuple(unique_sorted(model.diagnostics))
    return FileResult(model.ctx.path, diagnostics, collect(model, suppressions, conditional))


def failed(task: FileTask, exc: Exception) -> FileResult:
    diag = make(general.TTM002, task.ctx.path, (1, 1, 1, 1),
                f"ttminis could not analyze this file ({type(exc).__name__}: {exc}); "
                "this is a bug in ttminis, please report it")
    facts = Facts(task.ctx.path, task.ctx.abs_path, task.ctx.project_root, task.ctx.domain, task.ctx.domain_rules)
    return FileResult(task.ctx.path, (diag,), facts)
