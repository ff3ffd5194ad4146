"""Recognising platform calls: every spelling of DESIGN §4 is a platform call, and nothing else is."""

from __future__ import annotations

import pytest

from ttminis_cli.lint import parse as P
from ttminis_cli.lint.calls import find_uses


def calls(source: str, lang: str = "js") -> list[str]:
    tree = P.parse(lang, source.encode())
    uses = find_uses(lang, tree.root_node, source.encode())
    return sorted(c.api if not c.namespace_mistake else "TTMinis." + c.api for c in uses.calls
                  if not c.inferred and not c.condition)


def posts(source: str, lang: str = "js") -> int:
    tree = P.parse(lang, source.encode())
    return len(find_uses(lang, tree.root_node, source.encode()).posts)


PLATFORM_CALLS = [
    ("tt.shareToUser({})", "js"),
    ("wx.shareToUser({})", "js"),
    ("GameGlobal.tt.shareToUser({})", "js"),
    ("GameGlobal.wx.shareToUser({})", "js"),
    ("window.tt.shareToUser({})", "js"),
    ("globalThis.tt.shareToUser({})", "js"),
    ("TTMinis.game.shareToUser({})", "js"),
    ("window.TTMinis.game.shareToUser({})", "js"),
    ("const g = TTMinis.game;\ng.shareToUser({})", "js"),
    ("const api = typeof tt !== 'undefined' ? tt : wx;\napi.shareToUser({})", "js"),
    ("const TT = typeof tt !== 'undefined' ? tt : null;\nTT.shareToUser({})", "js"),
    ("const api = window.tt || window.wx;\napi.shareToUser({})", "js"),
    ("const TT = tt;\nTT.shareToUser({})", "js"),
    ("const a = tt;\nconst b = a;\nconst c = b;\nc.shareToUser({})", "js"),
    ("const { shareToUser } = tt;\nshareToUser({})", "js"),
    ("const { shareToUser: s } = tt;\ns({})", "js"),
    ("const { shareToUser: s = null } = tt;\ns({})", "js"),
    ("tt?.shareToUser?.({})", "js"),
    ("tt['shareToUser']({})", "js"),
    ("(tt as any).shareToUser({})", "ts"),
    ("(<any>tt).shareToUser({})", "ts"),
    ("tt!.shareToUser({})", "ts"),
    ("declare const tt: any;\ntt.shareToUser({})", "ts"),
    ("declare const tt: any;\nexport function f() { tt.shareToUser({}); }", "ts"),
    ("const el = <div onClick={() => tt.shareToUser({})} />;", "tsx"),
    ("class A { m() { wx.shareToUser({}); } }", "js"),
    ("function outer() { const api = tt; return () => api.shareToUser({}); }", "js"),
    ("var Laya = {}; Laya.Browser.window.wx.shareToUser({})", "js"),
    ("function f() { const { tt } = GameGlobal; tt.shareToUser({}); }", "js"),
    # assignments, in their own scope
    ("var r;\nr = tt;\nr.shareToUser({})", "js"),
    ("function a() { var r; r = tt; r.shareToUser({}); }", "js"),
    ("let api;\nif (typeof tt !== 'undefined') api = tt; else api = wx;\napi.shareToUser({})", "js"),
    ("let api = null;\nfunction init() { api = tt; }\nfunction go() { api.shareToUser({}); }", "js"),
    # functions and methods that return the platform object
    ("function getRuntime() { return globalThis.wx ?? null; }\ngetRuntime().shareToUser({})", "js"),
    ("function rt() { if (typeof tt !== 'undefined') return tt; return null; }\nrt().shareToUser({})", "js"),
    ("const getApi = () => tt;\ngetApi().shareToUser({})", "js"),
    ("class P {\n  getRuntime() { return globalThis.wx ?? null; }\n  run() { this.getRuntime().shareToUser({}); }\n}", "js"),
    ("class P {\n  private get() { return (window as any).tt; }\n  run() { const api = this.get(); api.shareToUser({}); }\n}", "ts"),
    ("const rt = {\n  api() { return wx; },\n  go() { this.api().shareToUser({}); },\n};", "js"),
]


@pytest.mark.parametrize("source,lang", PLATFORM_CALLS)
def test_each_spelling_is_a_platform_call(source, lang):
    assert calls(source, lang) == ["shareToUser"], source


NOT_PLATFORM_CALLS = [
    "function f(tt) { tt.shareToUser({}); }",
    "const f = (tt) => tt.shareToUser({});",
    "const f = tt => tt.shareToUser({});",
    "function f({ tt }) { tt.shareToUser({}); }",
    "function f(wx = {}) { wx.shareToUser({}); }",
    "try { x(); } catch (tt) { tt.shareToUser({}); }",
    "function g() { const tt = makeFake(); tt.shareToUser({}); }",
    "function g() { let tt; tt.shareToUser({}); }",
    "import tt from './fake';\ntt.shareToUser({});",
    "panel.shareToUser({});",
    "this.shareToUser({});",
    "function shareToUser() {}\nshareToUser({});",
    "function getSharedCanvas() {}\ngetSharedCanvas();",
    "// tt.shareToUser({})\nconst s = 'tt.shareToUser({})';",
    "const s = `tt.shareToUser({})`;",
    "/* wx.getFriendCloudStorage() */",
    "const api = cond ? tt : myMock;\napi.shareToUser({});",
    "const { shareToUser } = panel;\nshareToUser({});",
    "window.shareToUser({});",
    # an assignment counts only in its own scope, and only when every value given is the platform
    "function a() { var r; r = tt; return r; }\nfunction b() { var r; r = foo.resources; r.shareToUser(1); }",
    "function a(){var r;r=tt;return r}function b(){var r;r=foo.resources;r.shareToUser(1)}",
    "var r = tt;\nr = foo;\nr.shareToUser({});",
    "let r;\nr = tt;\nr = makeFake();\nr.shareToUser({});",
    "let r = tt;\nr += 1;\nr.shareToUser({});",
    "class A { m() { this.r = wx; } }\nclass B { n() { this.r.shareToUser({}); } }",
    "class A { m() { this.r = wx; } k() { this.r = other; } n() { this.r.shareToUser({}); } }",
    "function getRuntime() { if (x) return wx; return fake; }\ngetRuntime().shareToUser({});",
    "function getRuntime() { return wx; }\nfunction f(getRuntime) { getRuntime().shareToUser({}); }",
]


@pytest.mark.parametrize("source", NOT_PLATFORM_CALLS)
def test_lookalikes_are_not_platform_calls(source):
    assert calls(source, "ts" if "import" in source else "js") == [], source


def test_shadowing_is_scoped():
    source = ("function f(tt) { tt.login({}); }\n"
              "tt.shareToUser({});\n"
              "function g() { { const wx = fake; wx.login({}); } wx.getFriendCloudStorage({}); }\n")
    assert calls(source) == ["getFriendCloudStorage", "shareToUser"]


def test_namespace_mistake_is_marked():
    assert calls("TTMinis.login({}); TTMinis.game.login({});") == ["TTMinis.login", "login"]


def test_socket_on_message_is_not_the_open_data_on_message():
    source = "const socket = tt.connectSocket({ url: 'wss://x' });\nsocket.onMessage((m) => m);\n"
    assert calls(source) == ["connectSocket"]


@pytest.mark.parametrize("source", [
    "tt.getOpenDataContext().postMessage({ type: 'a' });",
    "const ctx = wx.getOpenDataContext();\nctx.postMessage({ type: 'a' });",
    "let ctx;\nctx = wx.getOpenDataContext();\nctx.postMessage({ type: 'a' });",
    "const { postMessage } = tt.getOpenDataContext();\npostMessage({ type: 'a' });",
    "wx.postMessage({ type: 'a' });",
    "class G { constructor() { this.odc = wx.getOpenDataContext(); } show() { this.odc.postMessage({}); } }",
    "class G { odc = tt.getOpenDataContext(); show() { this.odc.postMessage({}); } }",
    "tt.getOpenDataContext()?.postMessage({});",
])
def test_every_way_of_posting_to_open_data(source):
    assert posts(source) == 1, source


@pytest.mark.parametrize("source", [
    "this.postMessage({});",
    "window.postMessage({}, '*');",
    "worker.postMessage({});",
    "const ctx = getOpenDataContext();\nctx.postMessage({});",
])
def test_other_post_messages_are_not_posts(source):
    assert posts(source) == 0, source


def test_deep_nesting_does_not_recurse():
    depth = 5000
    source = "(" * depth + "tt.login({})" + ")" * depth + ";\n" + "[" * depth + "]" * depth
    assert calls(source) == ["login"]


def test_laya_window_alias():
    assert calls("const wx = Laya.Browser.window.wx;\nwx.shareToUser({});") == ["shareToUser"]


def test_distinctive_calls_on_unknown_objects_are_inferred_for_facts_only():
    source = ("const ctx = this.sdk.getOpenDataContext();\n"
              "ctx.postMessage({ type: 'rank' });\n"
              "platform.setUserCloudStorage({ data: [] });\n"
              "platform.shareToUser({});\n"
              "function f(tt) { tt.setUserCloudStorage({}); }\n")
    tree = P.parse("js", source.encode())
    uses = find_uses("js", tree.root_node, source.encode())
    assert sorted((c.api, c.inferred) for c in uses.calls) == [
        ("getOpenDataContext", True), ("setUserCloudStorage", True)]
    assert len(uses.posts) == 1


def test_calls_through_imported_bindings_are_conditional_on_the_module():
    source = ("import api, { platform as p } from './platform';\n"
              "import * as host from '../host';\n"
              "import tt from 'tt-shim';\n"
              "const legacy = require('./legacy');\n"
              "api.login({}); p.shareToUser({}); host.sdk.showToast({}); legacy.vibrateShort({}); tt.login({});\n")
    tree = P.parse("js", source.encode())
    uses = find_uses("js", tree.root_node, source.encode())
    assert sorted((c.api, c.condition) for c in uses.calls) == [
        ("login", ("./platform", "default")), ("shareToUser", ("./platform", "platform")),
        ("showToast", ("../host", "sdk")), ("vibrateShort", ("./legacy", "default"))]


@pytest.mark.parametrize("source,exports", [
    ("export const api = typeof tt !== 'undefined' ? tt : wx;", {"api"}),
    ("const api = window.tt || window.wx;\nexport { api as platform, other };", {"platform"}),
    ("export default GameGlobal.tt;", {"default"}),
    ("module.exports = typeof tt !== 'undefined' ? tt : wx;", {"default"}),
    ("exports.sdk = TTMinis.game;", {"sdk"}),
    ("export const helper = () => tt;\nexport function f(tt) { return tt; }", set()),
])
def test_modules_that_export_the_platform(source, exports):
    tree = P.parse("js", source.encode())
    assert find_uses("js", tree.root_node, source.encode()).exports == exports


def test_searched_ranges_merge_and_answer_coverage():
    from ttminis_cli.lint.calls import _Spans

    spans = _Spans([(10, 20), (30, 40)])
    assert spans.covers((12, 18)) and spans.covers((30, 40)) and not spans.covers((15, 35))
    spans.add((18, 32))  # bridges both
    assert spans.covers((10, 40)) and spans.starts == [10] and spans.ends == [40]
    spans.add((0, 5))
    spans.add((50, 60))
    assert spans.covers((50, 55)) and not spans.covers((5, 11)) and spans.starts == [0, 10, 50]
