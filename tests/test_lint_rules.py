"""Rules, family by family, as tables of (source, expected findings): what fires, where, and — just
as important — what must not fire on working code."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttminis_cli.config import Config, LintConfig
from ttminis_cli.lint.registry import RULES
from ttminis_cli.lint.engine import lint


def run(tmp_path: Path, main: str = "", open_data: str = "", **more: str) -> list[tuple[str, int, str]]:
    root = tmp_path / "p"
    files = {"project.config.json": '{"openDataContext": "openDataContext"}', "game.js": main,
             "openDataContext/index.js": open_data, **more}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    found, _ = lint([root], EVERY_RULE, cwd=root)
    return [(("odd" if d.path.startswith("openDataContext/") else d.path), d.line, d.code) for d in found]


# The tables test every rule, opt-in ones too.
EVERY_RULE = Config(lint=LintConfig(select=("TTM", *(code for code, rule in RULES.items() if rule.opt_in))))


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
    # TTM201 is for near misses only: a name far from every platform's is a member the game adds
    ("tt.myBridgeCall({ fail() {} });\nwx.aldSendEvent('level', { n: 1 });", []),
    ("tt.shareappmessage({});", [(1, "TTM201")]),
    # another platform's object used through its members: wx.cloud is WeChat's cloud development
    ("wx.cloud.init({ env: 'prod' });\nconst db = wx.cloud.database();", [(1, "TTM208"), (2, "TTM208")]),
    ("if (wx.cloud) { wx.cloud.init({ env: 'prod' }); }\nwx.cloud?.init({});", []),
    ("tt.env.USER_DATA_PATH;", []),
    # Douyin's own mini-game APIs are real names: TTM208, never a typo of a TikTok one
    ("const video = tt.createOffscreenVideo();\ntt.getGameRecorderManager();", [(1, "TTM208"), (2, "TTM208")]),
    ("tt.getSystemInfoSnyc();\ntt.getSytemInfo({ fail() {} });", [(1, "TTM201"), (2, "TTM201")]),
])
def test_unknown_and_foreign_apis(tmp_path, source, expected):
    assert main_codes(tmp_path, source) == expected


def test_a_typo_suggests_the_nearest_name_of_any_platform(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (root / "game.js").write_text("tt.getSystemInfoSnyc();\nwx.createUserInfoButon({});\n")
    found, _ = lint([root], Config(), cwd=root)
    assert [d.message for d in found] == [
        "getSystemInfoSnyc is not an API of any mini-game platform; did you mean getSystemInfoSync?",
        "createUserInfoButon is not an API of any mini-game platform; did you mean createUserInfoButton? "
        "(createUserInfoButton is a WeChat API that TikTok Minis does not document)"]


@pytest.mark.parametrize("declaration", [
    {"sdk/stats.js": "wx.reportEvents = function (list) { list.forEach((e) => wx.reportEvent(e.name, e.data)); };\n"},
    {"sdk/stats.js": "GameGlobal.tt.reportEvents = (list) => list.length;\n"},
    {"typings/stats.d.ts": "declare namespace wx {\n  function reportEvents(list: object[]): void;\n}\n"},
    {"typings/stats.d.ts": "declare namespace WechatMinigame {\n  interface Wx {\n    reportEvents(list: object[]): void;\n"
                           "  }\n}\n"},
    {"typings/global.d.ts": "declare const wx: { reportEvents(list: object[]): void };\n"},
])
def test_members_the_project_adds_or_declares_are_known(tmp_path, declaration):
    source = "wx.reportEvents([{ name: 'start' }]);\n"
    assert main_codes(tmp_path, source) == [(1, "TTM201")]  # one edit from reportEvent: a typo, unless…
    assert run(tmp_path, main=source, **declaration) == []


def test_a_declaration_file_the_parser_misreads_is_no_syntax_error(tmp_path):
    """WeChat's lib.wx.api.d.ts has a member named `in` after a line break: valid TypeScript that the
    grammar reads as a type operator. A .d.ts is never loaded by the platform (tsc checks it), so its
    syntax is not TTM002's business; a script's is."""
    typings = ("declare namespace WechatMinigame {\n  interface RealtimeLogManager {\n    error(...args: any[]): void\n"
               "    in(pageInstance: any): void\n  }\n}\n")
    assert run(tmp_path, main="wx.login({ fail() {} });\n", **{"typings/lib.wx.api.d.ts": typings}) == []
    broken = "declare const wx: { login(o: object): void }\nexport const a = ;\n"
    assert run(tmp_path / "ts", main="wx.login({ fail() {} });\n", **{"src/log.ts": broken}) == [
        ("src/log.ts", 2, "TTM002")]


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
    # a try/catch copes with the throw on an old client (TTM206 only)
    "try { wx.shareAppMessage(OPTS); } catch (e) { console.log(e); }",
    "function share() {\n  try {\n    if (ready) wx.shareAppMessage(OPTS);\n  } catch (e) {}\n}",
    # a branch TikTok never takes
    "const isWeChat = !(typeof tt !== 'undefined') && typeof wx !== 'undefined';\n"
    "isWeChat ? wx.shareAppMessage(OPTS) : tt.canIUse('shareAppMessage') && tt.shareAppMessage(OPTS);",
    "if (typeof tt === 'undefined') { wx.shareAppMessage(OPTS); }",
]
UNGUARDED = [
    "tt.shareAppMessage(OPTS);",
    "if (tt.canIUse('addShortcut')) { tt.shareAppMessage(OPTS); }",
    "if (ready) { tt.shareAppMessage(OPTS); }",
    "if (!tt.canIUse('shareAppMessage')) { console.log('old'); }\ntt.shareAppMessage(OPTS);",
    "function a() { if (!tt.canIUse('shareAppMessage')) return; }\nfunction b() { tt.shareAppMessage(OPTS); }",
    "try { setUp(); } catch (e) {}\ntt.shareAppMessage(OPTS);",
    "try { x(); } catch (e) { tt.shareAppMessage(OPTS); }",
    "try { later(() => tt.shareAppMessage(OPTS)); } catch (e) {}",
    "try { tt.shareAppMessage(OPTS); } finally { done(); }",
    "if (typeof tt !== 'undefined') { tt.shareAppMessage(OPTS); }",
    "const isWeChat = typeof wx !== 'undefined';\nif (isWeChat) { wx.shareAppMessage(OPTS); }",
    "let isWeChat = typeof tt === 'undefined';\nisWeChat = detect();\nif (isWeChat) { wx.shareAppMessage(OPTS); }",
]
OPTS = "{ imageUrl: 'https://a.com/x.png', fail() {} }"


@pytest.mark.parametrize("source", GUARDED)
def test_guards_satisfy_ttm206(tmp_path, source):
    assert main_codes(tmp_path, source.replace("OPTS", OPTS)) == []


@pytest.mark.parametrize("source", UNGUARDED)
def test_unguarded_versioned_calls(tmp_path, source):
    assert [c for _, c in main_codes(tmp_path, source.replace("OPTS", OPTS))] == ["TTM206"]


# Ported code that copes with the member's absence on TikTok, or runs the call only elsewhere: no TTM208,
# and WeChat's own KVDataList there is not TTM203.
PLATFORM_BRANCHES = [
    "const isWeChat = !(typeof tt !== 'undefined') && typeof wx !== 'undefined';\n"
    "const button = isWeChat ? wx.createUserInfoButton({ type: 'text' }) : null;",
    "const isWeChat = !(typeof tt !== 'undefined') && typeof wx !== 'undefined';\n"
    "function settings() {\n  if (!isWeChat) return fallback();\n  wx.getSetting({ fail() {} });\n"
    "  wx.openSetting({ fail() {} });\n}",
    "const env = { isWeChat: typeof tt === 'undefined' && typeof wx !== 'undefined' };\n"
    "if (env.isWeChat) { wx.showShareMenu({ fail() {} }); }",
    "if (typeof tt === 'undefined') {\n  wx.setUserCloudStorage({ KVDataList: [{ key: 'a', value: '1' }], fail() {} });\n"
    "} else {\n  tt.setUserCloudStorage({ data: [{ key: 'a', value: '1' }], fail() {} });\n}",
    "typeof qq !== 'undefined' && qq.showShareMenu({ fail() {} });",
    "if (cc.sys.platform == cc.sys.WECHAT_GAME) {\n  window['wx'].shareAppMessage({ title: 'come' });\n}",
    "if (cc.sys.platform === cc.sys.WECHAT_GAME) { wx.showShareMenu({ fail() {} }); }",
    "function judge() {\n  if (cc.sys.platform != cc.sys.WECHAT_GAME) return;\n  wx.showShareMenu({ fail() {} });\n}",
    "if (Laya.Browser.onMiniGame) { wx.showShareMenu({ fail() {} }); }",
    "function banner() {\n  if (!Laya.Browser.onMiniGame || !this.visible) return;\n  wx.createGameBanner({ adUnitId: 'a' });\n}",
    "if (Laya.Browser.onTTMiniGame) { tt.login({ fail() {} }); } else { wx.showShareMenu({ fail() {} }); }",
    "if (wx.showShareMenu) { wx.showShareMenu({ fail() {} }); }",
    "api.showShareMenu?.({ fail() {} });".replace("api", "wx"),
]
STILL_FLAGGED = [
    ("if (typeof wx !== 'undefined') { wx.showShareMenu({ fail() {} }); }", "TTM208"),
    ("const isTikTok = typeof tt !== 'undefined';\nif (isTikTok) { wx.showShareMenu({ fail() {} }); }", "TTM208"),
    ("try { wx.showShareMenu({ fail() {} }); } catch (e) {}", "TTM208"),
    ("if (wx.setUserCloudStorage) {\n  wx.setUserCloudStorage({ KVDataList: [{ key: 'a', value: '1' }], fail() {} });\n}",
     "TTM203"),
]


@pytest.mark.parametrize("source", PLATFORM_BRANCHES)
def test_code_for_other_platforms_stands_down(tmp_path, source):
    assert main_codes(tmp_path, source) == []


@pytest.mark.parametrize("source,code", STILL_FLAGGED)
def test_code_tiktok_runs_is_still_checked(tmp_path, source, code):
    assert [c for _, c in main_codes(tmp_path, source)] == [code]


def test_an_optional_call_is_a_guard_in_typescript_too(tmp_path):
    found = run(tmp_path, **{"game.ts": "const api: any = wx;\napi.showShareMenu?.({ fail() {} });\n"
                                        "api.showShareMenu({ fail() {} });\n"})
    assert found == [("game.ts", 3, "TTM208")]


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


def test_cocos_build_flags_from_cc_env_are_platform_branches(tmp_path):
    source = ("import { WECHAT, BYTEDANCE } from 'cc/env';\n"
              "export function report(level: number) {\n"
              "  if (!WECHAT) return;\n"
              "  wx.setUserCloudStorage({ KVDataList: [{ key: 'level', value: String(level) }], fail() {} });\n"
              "}\n"
              "export function shareTt() {\n"
              "  if (BYTEDANCE) wx.showShareMenu({ fail() {} });\n"
              "}\n")
    assert run(tmp_path, **{"assets/OpenContext.ts": source}) == [("assets/OpenContext.ts", 7, "TTM208")]
    # a same-named constant of the game's own is no build flag
    own = source.replace("import { WECHAT, BYTEDANCE } from 'cc/env';", "const WECHAT = detect(); const BYTEDANCE = 1;")
    assert [c for _, _, c in run(tmp_path / "own", **{"assets/OpenContext.ts": own})] == ["TTM203", "TTM208"]


def test_a_project_that_writes_no_keys_has_its_writer_elsewhere(tmp_path):
    reader = "tt.onMessage(() => tt.getFriendCloudStorage({ keyList: ['score'], fail() {} }));\n"
    assert odd_codes(tmp_path, reader) == []
    writer = "tt.setUserCloudStorage({ data: [{ key: 'scroe', value: '1' }], fail() {} });\n"
    assert run(tmp_path / "both", main=writer, open_data=reader) == [("odd", 1, "TTM305")]


def test_ttm208_hints_only_what_the_domain_has(tmp_path):
    """`getUserInfo` in a leaderboard's open data domain: the main domain's way (login) is not there."""
    root = tmp_path / "p"
    for name, text in {"game.json": '{"openDataContext": "openDataContext"}',
                       "game.js": "wx.getUserInfo({ success() {}, fail() {} });\n",
                       "openDataContext/index.js": "wx.getUserInfo({ openIdList: ['selfOpenId'], success() {}, fail() {} });\n"
                       }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    found, _ = lint([root], Config(), cwd=root)
    hints = {d.path: d.message.split("; ", 1)[1] for d in found if d.code == "TTM208"}
    assert hints["game.js"] == "on TikTok use login, then read the user's profile on your server"
    assert hints["openDataContext/index.js"].startswith("on TikTok use getFriendCloudStorage, whose results carry")
    assert "login" not in hints["openDataContext/index.js"].split("(")[0]


def test_another_platforms_key_is_named_for_what_it_is_not_renamed(tmp_path):
    """Douyin's share `templateId` is a template id, not a misspelt `templateType` (1 or 2): renaming it
    would turn a key TikTok ignores into a wrong value (TTM204)."""
    root = tmp_path / "p"
    root.mkdir()
    (root / "game.js").write_text("tt.shareAppMessage?.({ templateId: 'abc123', imageUrl: 'https://a.com/x.png', "
                                  "fail() {} });\n")
    found, _ = lint([root], Config(), cwd=root)
    assert [(d.code, d.message, d.fix) for d in found] == [
        ("TTM203", "shareAppMessage does not take `templateId` (Douyin's share-template id; TikTok Minis has no "
                   "share templates): remove it, or keep it for the other platform", None)]


@pytest.mark.parametrize("open_data,expected", [
    ("document.addEventListener('touchstart', onTouch);\n", [("odd", 1, "TTM104")]),
    # a library that serves the web too tests first: what that guards never runs in the open data domain
    ("if (typeof document !== 'undefined') document.addEventListener('touchstart', onTouch);\n", []),
    ("const api = GameGlobal.wx || GameGlobal.tt;\n"
     "function canvas() { if (api) return api.createCanvas(); return document.createElement('canvas'); }\n", []),
    ("function canvas() { if (typeof document === 'undefined') { return tt.createCanvas(); }\n"
     "  return document.createElement('canvas'); }\n", []),
    ("if (typeof document === 'undefined') document.addEventListener('touchstart', onTouch);\n",
     [("odd", 1, "TTM104")]),
])
def test_web_uses_the_open_data_domain_never_runs_are_not_reported(tmp_path, open_data, expected):
    assert run(tmp_path, open_data=open_data) == expected


def test_wechats_share_to_moments_is_a_wechat_api_not_a_typo(tmp_path):
    """WeChat's own demo calls `wx.shareTimeLine` (newer than its typings): TTM208, not TTM201's
    "did you mean onShareTimeline?" (a listener, not a share)."""
    assert main_codes(tmp_path, "wx.shareTimeLine({ imageUrl: 'share.png', query: 'from=moments' });\n") == [
        (1, "TTM208")]


@pytest.mark.parametrize("source,expected", [
    ("if (wx.createCamera) { wx.createCamera({ fail() {} }); }\n", []),
    ("wx.createCamera && wx.createCamera({ fail() {} });\n", []),
    ("if (!wx.createCamera) { tt.showToast({ title: 'no camera' }); } else { wx.createCamera({ fail() {} }); }\n", []),
    ("function f() { if (!wx.createCamera) return; wx.createCamera({ fail() {} }); }\n", []),
    # a test that is only ever negated guards nothing where it holds: the call runs when the member is missing
    ("!wx.createCamera && wx.createCamera({ fail() {} });\n", [(1, "TTM208")]),
    ("if (!wx.createCamera) { wx.createCamera({ fail() {} }); }\n", [(1, "TTM208")]),
    ("if (!!wx.createCamera) { wx.createCamera({ fail() {} }); }\n", []),
])
def test_a_negated_feature_test_is_no_guard_where_it_holds(tmp_path, source, expected):
    assert main_codes(tmp_path, source) == expected


def test_a_feature_test_that_is_the_whole_condition_guards_under_an_outer_negation(tmp_path):
    """`!function () { … w.x ? w.x() : … }()`: the `!` of an enclosing IIFE is no negation of the test."""
    source = "!function () { var w = wx; w.getLocation ? w.getLocation({ fail() {} }) : 0; }();\n"
    assert main_codes(tmp_path, source) == []


def test_a_global_set_to_the_platform_is_the_platform_where_it_is_named_bare(tmp_path):
    """`GameGlobal.__env = GameGlobal.wx || GameGlobal.tt` (WeChat's open-data canvas engine): `__env.x()`
    is a platform call, and `typeof __env !== 'undefined'` holds on TikTok, so what follows its early
    return never runs there."""
    source = ("GameGlobal.__env = GameGlobal.wx || GameGlobal.tt || GameGlobal.swan;\n"
              "function canvas() { if (typeof __env !== 'undefined') return __env.createCanvas();\n"
              "  return document.createElement('canvas'); }\n"
              "__env.getFriendCloudStorage({ keyList: ['score'], fail() {} });\n")
    assert odd_codes(tmp_path, source) == []
    assert main_codes(tmp_path, source) == [(4, "TTM101")]
    assert main_codes(tmp_path, "if (typeof wx !== 'undefined') { wx.getFriendCloudStorage({ keyList: ['s'] }); }\n"
                      ) == [(1, "TTM101")]
