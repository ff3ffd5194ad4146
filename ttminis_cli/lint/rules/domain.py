"""Domain rules TTM101–106: which code may run in the main domain and which in the open data domain
(DESIGN §3–§4, platform.md "The two domains")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

from ttminis_cli.lint.diagnostic import RuleInfo, Severity
from ttminis_cli.lint.facts import resolve_module
from ttminis_cli.lint.guards import guards_of
from ttminis_cli.lint.model import FileModel
from ttminis_cli.lint.records import Facts

if TYPE_CHECKING:
    from ttminis_cli.platform.api import Api

OPEN_DATA_EXAMPLE = "openDataContext/index.js"

TTM101 = RuleInfo(
    code="TTM101", name="open-data-api-in-main", severity=Severity.ERROR,
    summary="An open-data-only API (shareToUser, getFriendCloudStorage, getUserCloudStorage, onMessage) "
            "called in the main domain.",
    why="Friends' data and direct messages are reachable only from the open data domain, an isolated "
        "iframe; in the main domain these members do not exist and the call throws or does nothing.",
    bad="tt.shareToUser({\n  openid: friend.openid,\n  imageUrl: 'https://cdn.example.com/card.png',\n"
        "  fail(err) { console.error(err); },\n});\n",
    good="const openData = tt.getOpenDataContext();\nopenData.postMessage({ type: 'showRank' });\n",
    fix="Move the call into the open data folder (its index.js) and ask for it from the main domain "
        "with getOpenDataContext().postMessage({ type: … }).",
)
TTM102 = RuleInfo(
    code="TTM102", name="main-api-in-open-data", severity=Severity.ERROR,
    summary="A main-only API (shareAppMessage, shareToStory, getOpenDataContext, authorizeOpenContext) "
            "called in the open data domain.",
    why="The platform lists these as main-domain methods; the open data iframe does not have them.",
    bad="tt.shareAppMessage({\n  imageUrl: 'https://cdn.example.com/card.png',\n  fail(err) { console.error(err); },\n});\n",
    good="tt.shareToUser({\n  openid: friend.openid,\n  imageUrl: 'https://cdn.example.com/card.png',\n"
         "  fail(err) { console.error(err); },\n});\n",
    fix="Call it in the main domain (game.js and its modules); from the open data domain share to one "
        "friend with shareToUser.",
    bad_path=OPEN_DATA_EXAMPLE,
)
TTM103 = RuleInfo(
    code="TTM103", name="cross-domain-import", severity=Severity.ERROR,
    summary="An import/require/dynamic import() of a file in the other domain.",
    why="The two domains are packaged and run apart (WeChat and Douyin forbid `require` across them "
        "both ways); a module imported across the boundary is either missing or runs with the wrong APIs.",
    bad="// file: game.js\nimport { drawRank } from './openDataContext/rank.js';\n\ndrawRank();\n"
        "// file: openDataContext/rank.js\nexport function drawRank() {\n  return tt.getSharedCanvas();\n}\n",
    good="// file: game.js\nimport { drawScore } from './render.js';\n\ndrawScore();\n"
         "// file: render.js\nexport function drawScore() {\n  return 1;\n}\n",
    fix="Share code by message (postMessage) or by copying the helper into both folders; never import "
        "across the open data boundary.",
)
TTM104 = RuleInfo(
    code="TTM104", name="unavailable-in-open-data", severity=Severity.ERROR,
    summary="A platform API or web capability the open data domain lacks (network, local storage, DOM).",
    why="The open data iframe has limited capabilities: no network (fetch, XMLHttpRequest, WebSocket, "
        "tt.request), no DOM, no local storage, no login, ads or payments.",
    bad="fetch('https://api.example.com/rank').then((r) => r.json());\n",
    good="tt.onMessage((msg) => {\n  if (msg.type === 'showRank') {\n    console.log('draw the rank');\n  }\n});\n",
    fix="Do network and storage work in the main domain and send the result with postMessage; read "
        "friends' scores with getFriendCloudStorage.",
    bad_path=OPEN_DATA_EXAMPLE,
)
TTM105 = RuleInfo(
    code="TTM105", name="open-data-posts-message", severity=Severity.ERROR,
    summary="The open data domain sending messages to the main domain (messaging is one-way).",
    why="Messages flow main → open data only; the open data domain has no channel back, so the "
        "message is lost (WeChat and Douyin say so explicitly).",
    bad="tt.postMessage({ type: 'rankReady' });\n",
    good="tt.onMessage((msg) => {\n  if (msg.type === 'showRank') {\n    console.log('draw the rank');\n  }\n});\n",
    fix="Draw the result on the shared canvas instead; let the main domain decide what to show next.",
    bad_path=OPEN_DATA_EXAMPLE,
)
TTM106 = RuleInfo(
    code="TTM106", name="todataurl-with-open-data", severity=Severity.ERROR,
    summary="toDataURL() called in the main domain of a project that has an open data domain.",
    why="The platform's canvas page: once a game has an open data domain, main-domain canvases lose "
        "toDataURL, so the call throws.",
    bad="const canvas = tt.createCanvas();\nconst url = canvas.toDataURL();\n",
    good="const canvas = tt.createCanvas();\ncanvas.toTempFilePath({\n  success(res) { console.log(res.tempFilePath); },\n"
         "  fail(err) { console.error(err); },\n});\n",
    fix="Keep images as canvases or use toTempFilePath; do not read main-domain canvases as data URLs.",
)

RULES = (TTM101, TTM102, TTM103, TTM104, TTM105, TTM106)

# Sharing and open-data members the platform documents as main-only: calling them in the open data
# domain is TTM102; other main APIs there are TTM104 (the capability is missing).
MAIN_ONLY_FAMILIES = frozenset({"sharing", "open data"})
_WEB_UNAVAILABLE = ("call:fetch", "new:XMLHttpRequest", "new:WebSocket", "call:XMLHttpRequest",
                    "call:document.", "call:localStorage.", "call:sessionStorage.")


def wrong_domain_rule(api: Api) -> RuleInfo | None:
    """The rule that reports `api` called in the domain that lacks it; None for a member of both. The
    simulator names the same rule when such a call fails at run time, and hover lists it."""
    if api.domain == "open-data":
        return TTM101
    if api.domain == "main":
        if api.name == "postMessage":
            return TTM105
        return TTM102 if api.family in MAIN_ONLY_FAMILIES else TTM104
    return None


def check_file(model: FileModel) -> None:
    ctx = model.ctx
    if not ctx.domain_rules:
        return
    if model.open_data:
        _check_open_data(model)
    elif ctx.domain == "worker":
        _check_worker(model)
    else:
        _check_main(model)


def _check_main(model: FileModel) -> None:
    from ttminis_cli.platform.api import API  # loaded where a file is analysed, never on a warm run

    for call in model.uses.calls:
        api = API.get(call.api)
        if call.namespace_mistake or call.inferred or call.condition or api is None or api.domain != "open-data":
            continue
        if model.ctx.has_open_data:
            hint = ("move it into the open data folder and ask for it from the main domain with "
                    "getOpenDataContext().postMessage({ type: … })")
        else:
            hint = ("this project declares no open data folder: add \"openDataContext\": \"openDataContext\" "
                    "to project.config.json (or game.json), put this call in openDataContext/index.js, "
                    "and post it a message from the main domain")
        model.report(TTM101, call.callee, f"{call.api} runs only in the open data domain; {hint}")
    if model.ctx.has_open_data:
        for prop in model.scan.get("todataurl", []):
            model.report(TTM106, prop, "toDataURL() is removed from main-domain canvases once the game has an "
                                       "open data domain; use toTempFilePath or keep the canvas")


def _check_worker(model: FileModel) -> None:
    """A worker (game.json `workers`) talks to main through its own onMessage/postMessage; friends' data
    and direct messages stay the open data domain's. TikTok documents nothing else about workers, so
    nothing else is reported here."""
    from ttminis_cli.platform.api import API

    for call in model.uses.calls:
        api = API.get(call.api)
        if call.namespace_mistake or call.inferred or call.condition or api is None or api.domain != "open-data" \
                or call.api == "onMessage":
            continue
        model.report(TTM101, call.callee, f"{call.api} runs only in the open data domain, and this file runs in a "
                                          "worker (game.json `workers`); read friends' data and share from the "
                                          "open data folder, and pass the worker's results through the main domain")


def _check_open_data(model: FileModel) -> None:
    from ttminis_cli.platform.api import API

    for call in model.uses.calls:
        api = API.get(call.api)
        if call.namespace_mistake or call.inferred or call.condition or api is None or api.domain != "main" \
                or call.api == "postMessage":
            continue
        if wrong_domain_rule(api) is TTM102:
            model.report(TTM102, call.callee, f"{call.api} is a main-domain API; the open data domain does not "
                                              f"have it: call it from game.js"
                         + ("; share to one friend here with shareToUser" if api.family == "sharing" else ""))
        else:
            model.report(TTM104, call.callee, f"{call.api} is not available in the open data domain "
                                              f"({api.family}); do it in the main domain and postMessage the result")
    guards = guards_of(model)
    for use in model.uses.web:
        # A library that serves the web too tests first (`if (typeof document !== 'undefined')`): what
        # that guards never runs here.
        if use.what.startswith(_WEB_UNAVAILABLE) and not guards.other_platform_only(use.at):
            name = use.what.split(":", 1)[1]
            model.report(TTM104, use.at, f"{name} is not available in the open data domain (no network, DOM or "
                                         "local storage there); do it in the main domain and postMessage the result")
        elif use.what == "call:parent.postMessage":
            model.report(TTM105, use.at, "the open data domain cannot message the main domain (messages flow "
                                         "main → open data only); draw the result on the shared canvas")
    for post in model.uses.posts:
        model.report(TTM105, post.node.child_by_field_name("function") or post.node, "postMessage in the open data domain goes nowhere: messages flow "
                                              "main → open data only; draw the result on the shared canvas")


def check_project(facts: Sequence[Facts], report: Callable[[RuleInfo, tuple, str], None]) -> None:
    """TTM103: imports whose target is a linted file of the other domain."""
    by_path = {f.abs_path: f for f in facts}
    for f in facts:
        if not f.domain_rules:
            continue
        for imp in f.imports:
            target = resolve_module(imp.target, by_path)
            if target is None or target.domain == f.domain or target.project_root != f.project_root:
                continue
            report(TTM103, f, imp.span,
                   f"'{imp.spec}' is in the {_name(target.domain)} domain but this file runs in the "
                   f"{_name(f.domain)} domain; the domains cannot import each other: pass data with postMessage")


def _name(domain: str) -> str:
    return {"open-data": "open data", "worker": "worker"}.get(domain, "main")
