"""Messaging rules TTM401–403: what the main domain posts and what the open data domain's onMessage
handlers understand (platform.md decision 1)."""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Sequence

from ttminis_cli.lint import parse as P
from ttminis_cli.lint.diagnostic import RuleInfo, Severity
from ttminis_cli.lint.facts import DISCRIMINANTS, is_platform_export
from ttminis_cli.lint.model import FileModel
from ttminis_cli.lint.records import Facts

TTM401 = RuleInfo(
    code="TTM401", name="unhandled-message", severity=Severity.WARNING,
    summary="A message kind that the main domain posts and the open data domain's onMessage never handles.",
    why="The message arrives and nothing happens: the leaderboard never draws, with no error anywhere.",
    bad="// file: game.js\nconst openData = tt.getOpenDataContext();\nopenData.postMessage({ type: 'showRank' });\n"
        "// file: openDataContext/index.js\ntt.onMessage((msg) => {\n  if (msg.type === 'render') {\n    console.log('draw the rank');\n  }\n});\n",
    good="// file: game.js\nconst openData = tt.getOpenDataContext();\nopenData.postMessage({ type: 'render' });\n"
         "// file: openDataContext/index.js\ntt.onMessage((msg) => {\n  if (msg.type === 'render') {\n    console.log('draw the rank');\n  }\n});\n",
    fix="Handle the kind in the open data domain's onMessage, or post a kind it handles.",
)
TTM402 = RuleInfo(
    code="TTM402", name="message-discriminant-mismatch", severity=Severity.ERROR,
    summary="Main posts `{type: …}` but the handler switches on another field (e.g. `data.command`), or "
            "the reverse.",
    why="The platform's own sample posts `{ type }` and reads `data.command`, so no branch ever matches. "
        "Both sides must agree on the field that names the message.",
    bad="// file: game.js\ntt.getOpenDataContext().postMessage({ type: 'render' });\n"
        "// file: openDataContext/index.js\n"
        "tt.onMessage((data) => {\n  if (data.command === 'render') {\n    console.log('draw');\n  }\n});\n",
    good="// file: game.js\ntt.getOpenDataContext().postMessage({ type: 'render' });\n"
         "// file: openDataContext/index.js\n"
         "tt.onMessage((data) => {\n  if (data.type === 'render') {\n    console.log('draw');\n  }\n});\n",
    fix="Use the same field on both sides (ttminis' templates use `type`).",
)
TTM403 = RuleInfo(
    code="TTM403", name="message-not-cloneable", severity=Severity.ERROR,
    summary="A posted literal that holds a function or class instance.",
    why="Messages cross into another iframe by structured cloning (WeChat and Douyin allow primitives "
        "only); functions cannot be cloned and instances lose their class.",
    bad="const openData = tt.getOpenDataContext();\nopenData.postMessage({ type: 'render', onDone: () => {} });\n",
    good="const openData = tt.getOpenDataContext();\nopenData.postMessage({ type: 'render', score: 10 });\n",
    fix="Post plain data (strings, numbers, booleans, arrays and objects of them).",
)

RULES = (TTM401, TTM402, TTM403)

# Built-ins structured cloning keeps intact.
_CLONEABLE = frozenset({"Date", "RegExp", "Map", "Set", "Array", "Object", "ArrayBuffer", "Uint8Array",
                        "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array",
                        "Float64Array", "Uint8ClampedArray", "String", "Number", "Boolean"})


def check_file(model: FileModel) -> None:
    """TTM403 on each posted object literal of the main domain."""
    if not model.ctx.domain_rules or model.ctx.domain != "main":
        return
    for post in model.uses.posts:
        message = P.unwrap(post.message)
        if message is None or message.type not in ("object", "array"):
            continue
        for node in P.walk(message):
            if node.type in ("arrow_function", "function_expression", "function", "method_definition"):
                model.report(TTM403, node, "a function cannot be posted to the open data domain (messages are "
                                           "cloned); post plain data and act on it there")
            elif node.type in ("new_expression", "class"):
                ctor = P.text(node.child_by_field_name("constructor")) if node.type == "new_expression" else ""
                if ctor in _CLONEABLE:
                    continue
                model.report(TTM403, node, f"a {ctor or 'class'} instance loses its class when posted to the open "
                                           "data domain (messages are cloned); post plain data")


def check_project(facts: Sequence[Facts], report: Callable) -> None:
    projects: dict[str, list[Facts]] = defaultdict(list)
    for f in facts:
        if f.domain_rules:
            projects[f.project_root].append(f)
    by_path = {f.abs_path: f for f in facts}
    for files in projects.values():
        _check(files, by_path, report)


def _check(files: list[Facts], by_path: dict[str, Facts], report: Callable) -> None:
    posts = [(f, p) for f in files if f.domain == "main" for p in f.posts]
    open_data = [f for f in files if f.domain == "open-data"]
    handlers = [(f, h) for f in open_data for h in f.handlers
                if h.condition is None or is_platform_export(h.condition, by_path)]
    if not posts or not open_data:
        return
    if any(not h.understood for _, h in handlers):
        return
    handled: dict[str, set[str]] = defaultdict(set)
    dynamic: set[str] = set()
    for _, h in handlers:
        for field, values, is_dynamic, _ in h.fields:
            handled[field].update(values)
            if is_dynamic:
                dynamic.add(field)
    posted_fields = {key for _, p in posts for key, _, _ in p.fields}
    posted_discriminants = [d for d in DISCRIMINANTS if d in posted_fields]
    if handled and posted_discriminants and not (set(handled) & posted_fields):
        field = posted_discriminants[0]
        first_post = next((f, p) for f, p in posts if any(k == field for k, _, _ in p.fields))
        for f, h in handlers:
            named = [x for x in h.fields if x[0] in DISCRIMINANTS] or list(h.fields)
            for name, _, _, span in named:
                report(TTM402, f, span,
                       f"the onMessage handler reads `{name}` but the main domain posts `{field}` "
                       f"({first_post[0].path}:{first_post[1].span[0]}); use the same field on both sides")
        return
    if not handlers:
        if any(f.mentions_on_message for f in open_data):
            return  # registered through something we cannot follow (a wrapper from another module)
        for f, p in posts:
            for key, value, span in p.fields:
                if key in DISCRIMINANTS and value is not None:
                    report(TTM401, f, span, f"message {key} '{value}' is posted but the open data domain never "
                                            "registers tt.onMessage, so nothing receives it")
                    break
        return
    for f, p in posts:
        for key, value, span in p.fields:
            if key not in handled or key in dynamic or value is None:
                continue
            if value not in handled[key]:
                known = ", ".join(f"'{v}'" for v in sorted(handled[key]))
                report(TTM401, f, span, f"message {key} '{value}' is posted but no onMessage handler in the open "
                                        f"data domain handles it (it handles {known})")
