"""Rules, family by family, as tables of (source, expected findings): what fires, where, and — just
as important — what must not fire on working code."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttminis_cli.config import Config
from ttminis_cli.lint.engine import lint


def run(tmp_path: Path, main: str = "", open_data: str = "", **more: str) -> list[tuple[str, int, str]]:
    root = tmp_path / "p"
    files = {"project.config.json": '{"openDataContext": "openDataContext"}', "game.js": main,
             "openDataContext/index.js": open_data, **more}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    found, _ = lint([root], Config(), cwd=root)
    return [(("odd" if d.path.startswith("openDataContext/") else d.path), d.line, d.code) for d in found]


def main_codes(tmp_path, source):
    return [(line, code) for path, line, code in run(tmp_path, main=source) if path == "game.js"]


def odd_codes(tmp_path, source):
    return [(line, code) for path, line, code in run(tmp_path, open_data=source) if path == "odd"]


# ---------------------------------------------------------------------------- domain


@pytest.mark.parametrize("source,expected", [
    ("tt.setUserCloudStorage({ data: [{ key: 'a', value: '1' }], fail() {} });\n"
     "tt.getUserCloudStorage({ keyList: ['a'], fail() {} });", []),
    ("tt.getSharedCanvas();\ntt.canIUse('getSharedCanvas');", []),
    ("tt.setUserCloudStorage({ data: [], fail() {} });\ntt.removeUserCloudStorage({ keyList: [], fail() {} });", []),
    ("tt.shareAppMessage({ imageUrl: 'https://a.com/b.png', fail() {} });", [(1, "TTM102")]),
    ("tt.getOpenDataContext();", [(1, "TTM102")]),
    ("tt.authorizeOpenContext({ fail() {} });", [(1, "TTM102")]),
    ("tt.request({ url: 'https://a.com', fail() {} });", [(1, "TTM104")]),
    ("tt.setStorageSync('a', '1');", [(1, "TTM104")]),
    ("new XMLHttpRequest();\nnew WebSocket('wss://x');\nlocalStorage.setItem('a', '1');", [(1, "TTM104"), (2, "TTM104"), (3, "TTM104")]),
    ("document.createElement('div');\nwindow.fetch('/x');", [(1, "TTM104"), (2, "TTM104")]),
    ("if (typeof document !== 'undefined') { console.log(1); }", []),
    ("tt.onTouchStart(() => {});\ntt.getSystemInfoSync();\ntt.createImage();", []),
    ("wx.postMessage({ type: 'x' });", [(1, "TTM105")]),
    ("window.parent.postMessage({}, '*');", [(1, "TTM105")]),
])
def test_open_data_domain(tmp_path, source, expected):
    assert odd_codes(tmp_path, source) == expected


@pytest.mark.parametrize("source,expected", [
    ("tt.onMessage(() => {});", [(1, "TTM101")]),
    ("const s = tt.connectSocket({ url: 'wss://x' });\ns.onMessage(() => {});", []),
    ("const c = tt.createCanvas();\nc.toDataURL();", [(2, "TTM106")]),
    ("GameGlobal.tt.getSharedCanvas().width = 10;", []),
])
def test_main_domain(tmp_path, source, expected):
    assert main_codes(tmp_path, source) == expected


# ---------------------------------------------------------------------------- API contracts


@pytest.mark.parametrize("source,expected", [
    ("tt.getSystemInfoSnyc();", [(1, "TTM201")]),
    ("tt.hasOwnProperty('login');", []),
    ("tt.env.USER_DATA_PATH;\ntt.cloud;", []),
    ("TTMinis.game.login({ fail() {} });", []),
    ("TTMinis.canIUse('login');", [(1, "TTM201")]),
    ("wx.getGroupCloudStorage({ fail() {} });", [(1, "TTM208")]),
    ("tt.getImRankData({ fail() {} });", [(1, "TTM208")]),
    ("if (wx.showShareMenu) { wx.showShareMenu({}); }", []),
    ("tt.showShareMenu?.({});", []),
    ("wx.hasOwnProperty('getUserInteractiveStorage') && wx.getUserInteractiveStorage({ fail() {} });", []),
    ("tt.onError(() => {});\ntt.checkSession({ fail() {} });", [(1, "TTM208"), (2, "TTM208")]),
])
def test_unknown_and_foreign_apis(tmp_path, source, expected):
    assert main_codes(tmp_path, source) == expected


@pytest.mark.parametrize("source,expected", [
    # KVDataList: renamed (TTM203), never also "missing data" (TTM202)
    ("tt.setUserCloudStorage({ KVDataList: [{ key: 'a', value: '1' }], fail() {} });", [(1, "TTM203")]),
    ("tt.setUserCloudStorage({ fail() {} });", [(1, "TTM202")]),
    ("tt.setUserCloudStorage({ ...options, fail() {} });", []),
    ("tt.setUserCloudStorage(options);", []),
    ("tt.setUserCloudStorage({ data: 'a', fail() {} });", [(1, "TTM205")]),
    ("tt.setUserCloudStorage({ data: {}, fail() {} });", [(1, "TTM205")]),
    ("tt.removeUserCloudStorage({ keylist: ['a'], fail() {} });", [(1, "TTM203")]),
    ("tt.removeUserCloudStorage({ keyList: 'a', fail() {} });", [(1, "TTM205")]),
    ("tt.authorizeOpenContext({ get_status_only: 'true', fail() {} });", [(1, "TTM205")]),
    ("tt.authorizeOpenContext({ get_status_only: true, fail() {} });", []),
    ("tt.shareAppMessage?.({ imageUrl: 'https://a.com/x.png', templateType: '2', fail() {} });", []),
    ("tt.shareAppMessage?.({ imageUrl: 'https://a.com/x.png', templateType: 0, fail() {} });", [(1, "TTM204")]),
    ("tt.shareAppMessage?.({ imageUrl: 'http://a.com/x.png', fail() {} });", [(1, "TTM209")]),
    ("tt.shareAppMessage?.({ imageUrl: 'https://localhost/x.png', fail() {} });", [(1, "TTM209")]),
    ("tt.shareAppMessage?.({ imageUrl: `${CDN}/x.png`, fail() {} });", []),
    ("tt.shareAppMessage?.({ imageUrl: cardUrl, fail() {} });", []),
    ("tt.shareAppMessage?.({ title: 'x', fail() {} });", [(1, "TTM202")]),
])
def test_options(tmp_path, source, expected):
    assert main_codes(tmp_path, source) == expected


GUARDED = [
    "if (tt.canIUse('shareAppMessage')) { tt.shareAppMessage(OPTS); }",
    "if (tt.canIUse('shareAppMessage.object.templateType')) tt.shareAppMessage(OPTS);",
    "tt.canIUse('shareAppMessage') && tt.shareAppMessage(OPTS);",
    "function s() { if (!tt.canIUse('shareAppMessage')) return; tt.shareAppMessage(OPTS); }",
    "function s() { if (!tt.canIUse('shareAppMessage')) { return false; } tt.shareAppMessage(OPTS); }",
    "if (tt.shareAppMessage) { tt.shareAppMessage(OPTS); }",
    "if (typeof tt.shareAppMessage === 'function') { tt.shareAppMessage(OPTS); }",
    "tt.shareAppMessage?.(OPTS);",
    "const ok = tt.canIUse('shareAppMessage');\nif (ok) { tt.shareAppMessage(OPTS); }",
    "function canShare() { return tt.canIUse('shareAppMessage'); }\nif (canShare()) tt.shareAppMessage(OPTS);",
    "const canShare = () => tt.canIUse('shareAppMessage');\nif (!canShare()) {} else { tt.shareAppMessage(OPTS); }",
    "class G { constructor() { this.ok = tt.canIUse('shareAppMessage'); } s() { if (this.ok) tt.shareAppMessage(OPTS); } }",
    "const x = tt.canIUse('shareAppMessage') ? tt.shareAppMessage(OPTS) : null;",
    "if ('shareAppMessage' in tt) { tt.shareAppMessage(OPTS); }",
    "tt.hasOwnProperty('shareAppMessage') && tt.shareAppMessage(OPTS);",
]
UNGUARDED = [
    "tt.shareAppMessage(OPTS);",
    "if (tt.canIUse('addShortcut')) { tt.shareAppMessage(OPTS); }",
    "if (ready) { tt.shareAppMessage(OPTS); }",
    "if (!tt.canIUse('shareAppMessage')) { console.log('old'); }\ntt.shareAppMessage(OPTS);",
    "function a() { if (!tt.canIUse('shareAppMessage')) return; }\nfunction b() { tt.shareAppMessage(OPTS); }",
]
OPTS = "{ imageUrl: 'https://a.com/x.png', fail() {} }"


@pytest.mark.parametrize("source", GUARDED)
def test_guards_satisfy_ttm206(tmp_path, source):
    assert main_codes(tmp_path, source.replace("OPTS", OPTS)) == []


@pytest.mark.parametrize("source", UNGUARDED)
def test_unguarded_versioned_calls(tmp_path, source):
    assert [c for _, c in main_codes(tmp_path, source.replace("OPTS", OPTS))] == ["TTM206"]


@pytest.mark.parametrize("source,expected", [
    ("tt.login({ success() {} });", ["TTM207"]),
    ("tt.login({ success() {}, complete() {} });", []),
    ("tt.login({});", []),
    ("tt.login();", []),
    ("async function f() { await tt.login({ success() {} }); }", []),
    ("tt.login({ success() {} }).then(() => 1);", []),
    ("function f() { return tt.login({ success() {} }); }", []),
    ("tt.login(options);", []),
    ("tt.getSystemInfoSync({ success() {} });", []),
    ("tt.onShow({ success() {} });", []),
])
def test_missing_fail_callback(tmp_path, source, expected):
    assert [c for _, c in main_codes(tmp_path, source)] == expected


# ---------------------------------------------------------------------------- storage


@pytest.mark.parametrize("source,expected", [
    ("tt.setUserCloudStorage({ data: [{ key: '" + "k" * 128 + "', value: '1' }], fail() {} });", []),
    ("tt.setUserCloudStorage({ data: [{ key: '" + "k" * 129 + "', value: '1' }], fail() {} });", ["TTM301"]),
    ("tt.removeUserCloudStorage({ keyList: ['" + "k" * 129 + "'], fail() {} });", ["TTM301"]),
    ("tt.setUserCloudStorage({ data: [{ key: 'a', value: '" + "v" * 2048 + "' }], fail() {} });", []),
    ("tt.setUserCloudStorage({ data: [{ key: 'a', value: '" + "v" * 2049 + "' }], fail() {} });", ["TTM302"]),
    # lengths as JavaScript counts them: an emoji is two UTF-16 code units, in literals and in escapes
    ("tt.setUserCloudStorage({ data: [{ key: '" + "🎮" * 64 + "', value: '1' }], fail() {} });", []),
    ("tt.setUserCloudStorage({ data: [{ key: '" + "🎮" * 65 + "', value: '1' }], fail() {} });", ["TTM301"]),
    ("tt.setUserCloudStorage({ data: [{ key: '" + "\\ud83c\\udfae" * 65 + "', value: '1' }], fail() {} });",
     ["TTM301"]),
    ("tt.setUserCloudStorage({ data: [{ key: 'a', value: '" + "é" * 2048 + "' }], fail() {} });", []),
    ("tt.setUserCloudStorage({ data: [{ key: 'a', value: '" + "v" * 2046 + "🎮' }], fail() {} });", []),
    ("tt.setUserCloudStorage({ data: [{ key: 'a', value: '" + "v" * 2047 + "🎮' }], fail() {} });", ["TTM302"]),
    ("const BIG = '" + "v" * 2049 + "';\ntt.setUserCloudStorage({ data: [{ key: 'a', value: BIG }], fail() {} });", ["TTM302"]),
    ("tt.setUserCloudStorage({ data: [{ key: 'a', value: true }, { key: 'b', value: [1] }, { key: 'c', value: { x: 1 } }], fail() {} });",
     ["TTM303", "TTM303", "TTM303"]),
    ("tt.setUserCloudStorage({ data: [{ key: 'a', value: -1 }], fail() {} });", ["TTM303"]),
    ("tt.setUserCloudStorage({ data: [{ key: 'a', value: `${n}` }, { key: 'b', value: String(n) }], fail() {} });", []),
    ("const K = 'a';\ntt.setUserCloudStorage({ data: [{ key: K, value: '1' }, { key: 'a', value: '2' }], fail() {} });", ["TTM304"]),
])
def test_storage_literals(tmp_path, source, expected):
    assert [c for _, c in main_codes(tmp_path, source)] == expected


def test_storage_key_never_written_needs_every_write_legible(tmp_path):
    reads = "tt.getFriendCloudStorage({ keyList: ['score', 'level'], fail() {} });\n"
    assert run(tmp_path / "a", main="tt.setUserCloudStorage({ data: [{ key: 'score', value: '1' }], fail() {} });",
               open_data=reads) == [("odd", 1, "TTM305")]
    assert run(tmp_path / "b", main="tt.setUserCloudStorage({ data: [{ key: k, value: '1' }], fail() {} });",
               open_data=reads) == []
    assert run(tmp_path / "c", main="tt.setUserCloudStorage({ data: pairs, fail() {} });", open_data=reads) == []


# ---------------------------------------------------------------------------- messaging

POST_TYPE = "const c = tt.getOpenDataContext();\nc.postMessage({ type: 'show' });\nc.postMessage({ type: 'hide' });\n"


@pytest.mark.parametrize("handler,expected", [
    ("tt.onMessage((m) => { if (m.type === 'show') {} else if (m.type === 'hide') {} });", []),
    ("tt.onMessage((m) => { switch (m.type) { case 'show': break; case 'hide': break; } });", []),
    ("tt.onMessage((m) => { const { type } = m; if (type === 'show' || type === 'hide') {} });", []),
    ("tt.onMessage(({ type }) => { if (type === 'show' || 'hide' === type) {} });", []),
    ("function h(msg) { const kind = msg.type; if (kind === 'show') {} if (kind === 'hide') {} }\ntt.onMessage(h);", []),
    ("tt.onMessage((m) => { handlers[m.type](m); });", []),
    ("tt.onMessage(router.handle);", []),
    ("tt.onMessage((m) => { if (m.type === 'show') {} });", [("game.js", 3, "TTM401")]),
    ("tt.onMessage((data) => { switch (data.command) { case 'show': break; } });", [("odd", 1, "TTM402")]),
    ("tt.onMessage((data) => { const { command } = data; if (command === 'show') {} });", [("odd", 1, "TTM402")]),
])
def test_messages_posted_and_handled(tmp_path, handler, expected):
    assert run(tmp_path, main=POST_TYPE, open_data=handler) == expected


def test_the_reverse_mismatch_and_a_missing_handler(tmp_path):
    posts_command = "tt.getOpenDataContext().postMessage({ command: 'render' });\n"
    assert run(tmp_path / "a", main=posts_command,
               open_data="tt.onMessage((m) => { if (m.type === 'render') {} });") == [("odd", 1, "TTM402")]
    assert run(tmp_path / "b", main=posts_command, open_data="console.log('no handler');\n") == [
        ("game.js", 1, "TTM401")]


@pytest.mark.parametrize("message,expected", [
    ("{ type: 'a', score: 1, tags: ['x'], at: new Date() }", []),
    ("{ type: 'a', done: function () {} }", ["TTM403"]),
    ("{ type: 'a', nested: { cb: () => 1 } }", ["TTM403"]),
    ("{ type: 'a', player: new Player() }", ["TTM403"]),
    ("{ type: 'a', run() {} }", ["TTM403"]),
])
def test_message_not_cloneable(tmp_path, message, expected):
    source = f"tt.getOpenDataContext().postMessage({message});\n"
    handler = "tt.onMessage((m) => { if (m.type === 'a') {} });\n"
    assert [c for _, _, c in run(tmp_path, main=source, open_data=handler)] == expected


# ---------------------------------------------------------------------------- runtime


@pytest.mark.parametrize("source,expected", [
    ("eval('x');", ["TTM501"]),
    ("window.eval('x');", ["TTM501"]),
    ("new Function('a', 'return a');", ["TTM501"]),
    ("Function('return this')();", ["TTM501"]),
    ("try { Function('return this')(); } catch (e) { console.log(e); }", []),
    ("setTimeout('tick()', 10);\nsetInterval(`tick()`, 10);", ["TTM501", "TTM501"]),
    ("setTimeout(tick, 10);\nsetTimeout(() => tick(), 10);", []),
    ("function f(eval) { eval('x'); }", []),
    ("const s = 'eval(1)';", []),
    ("navigator.vibrate(10);\nlocation.href = 'https://x';", []),
])
def test_dynamic_code_everywhere_and_web_apis_only_in_html(tmp_path, source, expected):
    assert [c for _, c in main_codes(tmp_path, source)] == expected


@pytest.mark.parametrize("handler,expected", [
    ("tt.onMessage((message) => { const type = message['type']; if (type === 'show') {} });",
     [("game.js", 3, "TTM401")]),
    ("tt.onMessage(function (data) { var command = data['command']; if (command == 'show') {} });",
     [("odd", 1, "TTM402")]),
])
def test_subscripted_discriminants(tmp_path, handler, expected):
    assert run(tmp_path, main=POST_TYPE, open_data=handler) == expected


def test_numeric_message_kinds(tmp_path):
    main = "const c = tt.getOpenDataContext();\nc.postMessage({ messageType: 1 });\nc.postMessage({ messageType: 5 });\n"
    handler = "tt.onMessage((data) => { if (data.messageType == 0) {} else if (data.messageType == 1) {} });\n"
    assert run(tmp_path, main=main, open_data=handler) == [("game.js", 3, "TTM401")]


def test_suppression_codes_are_case_insensitive_and_a_reason_may_follow(tmp_path):
    main = ("// ttminis-disable-next-line ttm101 -- the doc sample does this\n"
            "tt.shareToUser({ openid: 'a', imageUrl: 'https://x.com/a.png', fail() {} });\n"
            "// ttminis-disable-next-line because reasons\n"
            "tt.shareToUser({ openid: 'a', imageUrl: 'https://x.com/a.png', fail() {} });\n")
    assert main_codes(tmp_path, main) == []


@pytest.mark.parametrize("url", ["http://[oops/card.png", "https://[::1/x.png", "//[", "https://:99999/x"])
def test_malformed_urls_are_findings_not_crashes(tmp_path, url):
    source = f"tt.shareAppMessage?.({{ imageUrl: '{url}', fail() {{}} }});\n"
    assert all(code == "TTM209" for _, code in main_codes(tmp_path, source))


def test_a_message_built_in_a_const_is_read(tmp_path):
    main = ("const openData = tt.getOpenDataContext();\n"
            "const message = { type: 'shwo' };\n"
            "openData.postMessage(message);\n")
    handler = "tt.onMessage((m) => { if (m.type === 'show') {} });\n"
    assert run(tmp_path, main=main, open_data=handler) == [("game.js", 2, "TTM401")]


def test_a_socket_wrapper_handler_in_open_data_is_not_a_message_handler(tmp_path):
    main = "tt.getOpenDataContext().postMessage({ type: 'show' });\n"
    odd = ("import { net } from './net';\n"
           "net.onMessage((packet) => { if (packet.cmd === 'sync') {} });\n")
    assert run(tmp_path, main=main, open_data=odd, **{"openDataContext/net.js": "export const net = {};\n"}) == []


def test_the_guard_hint_uses_the_callers_spelling(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (root / "index.html").write_text('<script src="https://developers.tiktok.com/js/minis.js"></script>')
    (root / "project.config.json").write_text("{}")
    (root / "game.js").write_text("TTMinis.game.shareAppMessage({ imageUrl: 'https://x.com/a.png', fail() {} });\n")
    found, _ = lint([root], Config(), cwd=root)
    assert [d.code for d in found] == ["TTM206"]
    assert "TTMinis.game.canIUse('shareAppMessage')" in found[0].message
