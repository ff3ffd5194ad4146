"""TTM001 (a suppression comment that suppresses nothing) and TTM002 (a file that does not parse)."""

from __future__ import annotations

from ttminis_cli.lint import parse as P
from ttminis_cli.lint.diagnostic import RuleInfo, Severity
from ttminis_cli.lint.model import FileModel
from ttminis_cli.lint.selection import DECLARATION_SUFFIXES

TTM001 = RuleInfo(
    code="TTM001", name="unused-suppression", severity=Severity.WARNING,
    summary="A `ttminis-disable…` comment that suppresses nothing.",
    why="A stale suppression hides the next real finding on that line and tells readers a problem "
        "exists where none does.",
    bad="// ttminis-disable-next-line TTM101\nconst score = 10;\n",
    good="const score = 10;\n",
    fix="Delete the comment, or name the code it is meant to silence.",
    fixable="safe",
    fix_safety="Safe: `--fix` deletes the comment (and its line when nothing else is on it), or only the "
               "codes in it that suppress nothing.",
)
TTM002 = RuleInfo(
    code="TTM002", name="parse-error", severity=Severity.ERROR,
    summary="A file that does not parse; the other rules still run on what parsed.",
    why="The platform cannot load a script with a syntax error (the platform's own samples carry a few, "
        "such as `(code) = >{`). Declaration files (`.d.ts`) are never loaded, and `tsc` checks them: "
        "their syntax is not reported (the parser misreads some valid ones, such as WeChat's own typings).",
    bad="tt.login({\n  success: (res) = > { console.log(res.code); },\n  fail: (err) => { console.error(err); },\n});\n",
    good="tt.login({\n  success: (res) => { console.log(res.code); },\n  fail: (err) => { console.error(err); },\n});\n",
    fix="Fix the syntax at the reported position.",
)

RULES = (TTM001, TTM002)


def check_file(model: FileModel) -> None:
    root = model.root
    if root is None or not root.has_error or model.ctx.path.endswith(DECLARATION_SUFFIXES):
        return
    node = P.first_error(root)
    if node is None:
        return
    if node.is_missing:
        message = f"syntax error: missing `{node.type}`"
    else:
        snippet = P.text(node).strip().splitlines()[0][:40] if P.text(node).strip() else ""
        message = f"syntax error near `{snippet}`" if snippet else "syntax error"
    model.report(TTM002, node, message + "; the platform cannot load this file (other rules still ran on "
                                         "what parsed)")
