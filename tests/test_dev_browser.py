"""`ttminis dev` in real headless Chromium (Debian's, through Playwright): both domains of real
projects against the emulator, tapped like a player would.

One browser for the module; each server is the real CLI in a child process.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dev_helpers import CHROMIUM, LAUNCH_ARGS, TSC, build, copy_fixture, init_project, start_dev
from ttminis_cli.platform.api import API

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
needs_tsc = pytest.mark.skipif(not TSC.exists() or shutil.which("node") is None,
                               reason="TypeScript not installed: run `npm install --prefix tests/node`")
WAIT_MS = 15_000

# The scaffold's layout on the default 390x844 screen (templates/*/game.*): the buttons along the
# bottom, the leaderboard at 10vw/14vh, 80vw x 62vh, drawn at 600x800 with 80-pixel rows under a
# 96-pixel header.
FRIENDS_BUTTON = (97, 780)
SHARE_BUTTON = (292, 780)
BOARD = (39.0, 118.16, 312.0, 523.28)


def board_row(index: int) -> tuple[float, float]:
    x, y, w, h = BOARD
    return x + w / 2, y + (96 + index * 80 + 40) / 800 * h


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)  # a lint run or a reload on a busy machine takes seconds
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


class Phone:
    """The simulator page of one server: tap the screen, read what the canvases show."""

    def __init__(self, browser, server, user: str | None = None, touch: bool = False) -> None:
        from playwright.sync_api import expect

        self.expect = expect
        self.server = server
        self.context = browser.new_context(viewport={"width": 1100, "height": 1000}, has_touch=touch)
        self.page = self.context.new_page()
        self.page_errors: list[str] = []
        self.answered: list[tuple[str, str]] = []  # (frame url, request url) of requests that got a response
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.on("response", lambda r: self.answered.append((r.frame.url, r.url)))
        self.page.goto(server.url + "/" + (f"?user={user}" if user else ""))
        self.wait_booted()

    def wait_booted(self) -> None:
        self.page.wait_for_function("() => window.__ttminis && window.__ttminis.booted", timeout=WAIT_MS)

    def at(self, x: float, y: float) -> tuple[float, float]:
        """Page coordinates of (x, y) on the screen."""
        box = self.page.locator("#ttminis-screen").bounding_box()
        return box["x"] + x, box["y"] + y

    def tap(self, x: float, y: float) -> None:
        self.page.mouse.click(*self.at(x, y))

    def screen_text(self):
        return self.expect(self.page.get_by_test_id("screen-text"))

    def shared_text(self):
        return self.expect(self.page.get_by_test_id("shared-text"))

    def errors(self) -> list:
        return self.page.evaluate("() => window.__ttminis.errors()") + self.page_errors

    def frame(self, part: str):
        return next(f for f in self.page.frames if part in f.url)

    def close(self) -> None:
        self.context.close()


def wait_for(fetch, timeout: float = 10.0):
    """Poll `fetch()` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


# --------------------------------------------------------------------------- the scaffolds


@pytest.fixture(scope="module", params=["js", pytest.param("ts", marks=needs_tsc)])
def scaffold(request, tmp_path_factory):
    root = init_project(tmp_path_factory.mktemp(f"scaffold-{request.param}") / "game", request.param)
    server = start_dev(root, root.parent, "--data", str(root.parent / "emulator.db"))
    yield server
    server.stop()


def test_scaffold_plays_both_domains_against_the_emulator(browser, scaffold):
    phone = Phone(browser, scaffold)
    try:
        phone.screen_text().to_contain_text("Score 0   Best 0")
        phone.tap(195, 300)
        phone.tap(195, 300)
        phone.screen_text().to_contain_text("Score 2")

        # Friends: the consent prompt, then the score goes to the emulator for the player
        phone.tap(*FRIENDS_BUTTON)
        consent = phone.page.get_by_test_id("consent")
        phone.expect(consent).to_contain_text("friend list")
        consent.get_by_role("button", name="Allow", exact=True).click()
        phone.shared_text().to_contain_text("1. Ava\n120\n2. Ben\n75\n3. Cleo\n30\n4. Me\n2")
        api = scaffold.url + "/v1/users/me"
        assert httpx.get(f"{api}/storage?keys=score").json() == {"KVDataList": [{"key": "score", "value": "2"}]}
        assert httpx.get(f"{api}/authorize?status_only=1").json() == {"authorized": True}

        # The open data domain's frame is composited where sharedCanvas.style puts it (vw/vh) ...
        overlay = phone.page.locator("#ttminis-shared")
        box, screen = overlay.bounding_box(), phone.page.locator("#ttminis-screen").bounding_box()
        assert [round(v) for v in (box["x"] - screen["x"], box["y"] - screen["y"], box["width"], box["height"])] == \
            [round(v) for v in BOARD]
        # ... and shows what it drew: the board's dark background and its white text
        pixels = phone.page.evaluate("""() => {
            const c = document.getElementById('ttminis-shared');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let opaque = 0, white = 0;
            for (let i = 0; i < d.length; i += 4) {
                if (d[i + 3] > 200) opaque++;
                if (d[i] > 240 && d[i + 1] > 240) white++;
            }
            return { opaque, white, size: [c.width, c.height] };
        }""")
        assert pixels["size"] == [600, 800] and pixels["opaque"] > 400_000 and pixels["white"] > 1000

        # A friend's row: shareToUser from the open data domain lands in that friend's inbox
        phone.tap(*board_row(0))
        phone.shared_text().to_contain_text("Challenge sent to Ava")
        inbox = wait_for(lambda: httpx.get(scaffold.url + "/v1/users/ava/inbox").json()["shares"])
        assert [(s["from"], s["kind"], s["title"]) for s in inbox] == [("me", "shareToUser", "Beat my score of 120?")]

        # Friends again, now that the emulator holds the grant: no prompt
        phone.tap(*FRIENDS_BUTTON)  # hides the board
        phone.shared_text().to_have_text("")
        phone.tap(*FRIENDS_BUTTON)
        phone.shared_text().to_contain_text("1. Ava\n120")
        assert phone.page.get_by_test_id("consent").count() == 0

        # Share: shareAppMessage behind canIUse, recorded for the player
        phone.tap(*SHARE_BUTTON)
        phone.screen_text().to_contain_text("Shared!")
        shares = httpx.get(scaffold.url + "/v1/export").json()["shares"]
        assert ("me", "shareAppMessage") in [(s["from"], s["kind"]) for s in shares]

        # Another player: another phone, another board
        phone.page.get_by_test_id("player").select_option("ben")
        phone.wait_booted()
        phone.screen_text().to_contain_text("Score 0   Best 0")
        phone.tap(*FRIENDS_BUTTON)
        phone.page.get_by_test_id("consent").get_by_role("button", name="Allow", exact=True).click()
        phone.shared_text().to_contain_text("1. Ava\n120")
        phone.shared_text().not_to_contain_text("Cleo")
        assert phone.page.evaluate("() => window.__ttminis.user") == "ben"
        assert phone.errors() == []
    finally:
        phone.close()


def test_declined_consent_reaches_the_game_with_the_platform_reason(browser, scaffold):
    phone = Phone(browser, scaffold, user="cleo")
    try:
        phone.tap(*FRIENDS_BUTTON)
        phone.page.get_by_test_id("consent").get_by_role("button", name="Don't allow").click()
        # the scaffold's errorText() reads error.error_msg: the real reason, not "unknown error"
        phone.screen_text().to_contain_text("No access to friends: auth deny")
        assert httpx.get(scaffold.url + "/v1/users/cleo/authorize?status_only=1").json() == {"authorized": False}
        assert phone.errors() == []
    finally:
        phone.close()


# --------------------------------------------------------------------------- domains and isolation


@pytest.fixture(scope="module")
def domains(tmp_path_factory):
    root = copy_fixture("domains", tmp_path_factory.mktemp("domains"))
    server = start_dev(root, root.parent, "--in-memory")
    yield server
    server.stop()


def _results(frame) -> dict:
    frame.wait_for_function("() => self.results && Object.keys(self.results).length >= 5", timeout=WAIT_MS)
    return frame.evaluate("() => self.results")


def test_wrong_domain_calls_fail_as_on_a_phone_and_name_the_rule(browser, domains):
    phone = Phone(browser, domains)
    try:
        main = phone.frame("/_ttminis/frame/main")
        main.wait_for_function("() => self.results.friendsComplete && self.results.promise", timeout=WAIT_MS)
        found = main.evaluate("() => self.results")
        friends = found["friends"]
        assert friends["called"] == "fail" and found["friendsComplete"] == friends["res"]
        res = friends["res"]
        assert res["errMsg"].startswith("getFriendCloudStorage:fail getFriendCloudStorage runs only in the open "
                                        "data domain (openDataContext/)")
        assert res["error"]["error_msg"] in res["errMsg"] and isinstance(res["error"]["error_code"], int)
        assert res["error"]["error_extra"] == {"rule": "TTM101"}
        assert found["promise"]["called"] == "reject" and "open data domain" in found["promise"]["res"]["errMsg"]
        assert found["onMessage"]["thrown"] and "open data domain" in found["onMessage"]["message"]

        odd = _results(phone.frame("/_ttminis/frame/open-data"))
        share = odd["share"]["res"]
        assert odd["share"]["called"] == "fail"
        assert share["errMsg"].startswith("shareAppMessage:fail shareAppMessage is a main-domain API: the open data "
                                          "domain (openDataContext/) does not have it")
        assert share["error"]["error_extra"] == {"rule": "TTM102"}
        assert odd["storage"]["thrown"] and "TTM104" in odd["storage"]["message"]
        assert odd["post"]["thrown"] and "TTM105" in odd["post"]["message"]

        # The page lists each with its rule, domain and place
        problems = {(p["domain"], p["api"], p["rule"], p["where"])
                    for p in phone.page.evaluate("() => window.__ttminis.problems()") if p["kind"] == "wrong-domain"}
        assert problems == {
            ("main", "getFriendCloudStorage", "TTM101", "game.js:7:4"),
            ("main", "getUserCloudStorage", "TTM101", "game.js:15:4"),
            ("main", "onMessage", "TTM101", "game.js:21:6"),
            ("open-data", "shareAppMessage", "TTM102", "openDataContext/index.js:6:4"),
            ("open-data", "setStorageSync", "TTM104", "openDataContext/index.js:13:6"),
            ("open-data", "postMessage", "TTM105", "openDataContext/index.js:20:6"),
        }
        phone.expect(phone.page.get_by_test_id("problems").locator("li[data-rule=TTM102]")).to_contain_text(
            "openDataContext/index.js:6:4")
        assert phone.errors() == []
    finally:
        phone.close()


def test_open_data_frame_reaches_neither_the_page_nor_the_network_nor_local_storage(browser, domains):
    phone = Phone(browser, domains)
    try:
        frame = phone.frame("/_ttminis/frame/open-data")
        frame.wait_for_function("() => ['fetch', 'xhr', 'socket', 'message', 'emulatorData']"
                                ".every((k) => k in self.results)", timeout=WAIT_MS)
        odd = frame.evaluate("() => self.results")
        for name in ("parentGlobals", "parentDocument", "topTt", "localStorage"):
            assert odd[name]["reached"] is False and "SecurityError" in odd[name]["error"], name
        for name in ("fetch", "xhr", "socket", "emulatorData"):
            assert odd[name]["reached"] is False, name
        # an image URL is no way around it: the page hands over package files and https images only
        warnings = [p["message"] for p in phone.page.evaluate("() => window.__ttminis.problems()")
                    if p["domain"] == "open-data" and p["kind"] == "warning"]
        assert any("/v1/export: the open data domain loads the package's files and https images only" in w
                   for w in warnings), warnings
        assert odd["message"] == {"type": "probe"}  # main -> open data works, structured-cloned
        assert phone.page.locator("[data-testid=open-data-frame]").get_attribute("sandbox") == "allow-scripts"
        assert frame.evaluate("() => [typeof GameGlobal.results, typeof self.tt.getFriendCloudStorage]") == \
            ["object", "function"]
        # nothing it asked for was answered: its code came through the host page
        assert [url for frame_url, url in phone.answered if "/frame/open-data" in frame_url] == []
    finally:
        phone.close()


# --------------------------------------------------------------------------- a WeChat port


@pytest.fixture(scope="module")
def wechat_port(tmp_path_factory):
    root = copy_fixture("wechat-port", tmp_path_factory.mktemp("wechat"))
    server = start_dev(root, root.parent, "--in-memory", "--seed", str(root / "seed.json"))
    yield server
    server.stop()


def test_a_wechat_port_boots_with_its_adapter_modules_images_and_open_data(browser, wechat_port):
    phone = Phone(browser, wechat_port)
    try:
        phone.screen_text().to_contain_text("Tile Tapper: 0 taps")
        phone.shared_text().to_contain_text("You: 0\n1 Wei 42\n2 Lin 17")
        phone.tap(200, 600)
        phone.screen_text().to_contain_text("Tile Tapper: 1 taps")
        phone.shared_text().to_contain_text("You: 1")
        main = phone.frame("/_ttminis/frame/main")
        # the open data domain's green band, drawn by the game itself with drawImage(sharedCanvas, 20, 200)
        assert main.evaluate("() => Array.from(canvas.getContext('2d').getImageData(30, 210, 1, 1).data)") == \
            [0, 255, 0, 255]
        # the package image, loaded through wx.createImage by the adapter's Image
        tile = main.evaluate("() => Array.from(canvas.getContext('2d').getImageData(2, 2, 1, 1).data)")
        assert tile in ([255, 128, 0, 255], [0, 64, 255, 255])
        # adapter globals (the screen canvas), a live ES binding read through a namespace import, local storage
        assert main.evaluate("() => [canvas.width, canvas.height, window.innerWidth, wx.getStorageSync('taps'), "
                             "typeof document.createElement('img').src]") == [390, 844, 390, 1, "string"]
        assert main.evaluate("() => GameGlobal.main.font") == "none"  # loadFont's family, from the file name
        assert phone.page.locator("#ttminis-shared").is_hidden()  # WeChat style: no sharedCanvas.style
        assert phone.errors() == []
        kinds = {p["kind"] for p in phone.page.evaluate("() => window.__ttminis.problems()")}
        assert kinds <= {"warning"}  # fonts/none.ttf is missing on purpose: a warning, not a failure
    finally:
        phone.close()


def test_the_shim_implements_or_lists_every_member_of_the_platform_table(browser, wechat_port):
    phone = Phone(browser, wechat_port)
    try:
        phone.page.wait_for_function("() => window.__ttminis.coverage().openData", timeout=WAIT_MS)
        coverage = phone.page.evaluate("() => window.__ttminis.coverage()")
        for domain, key in (("main", "main"), ("open-data", "openData")):
            found = coverage[key]
            assert found["missing"] == [], f"{domain}: neither implemented nor listed as not simulated"
            expected = {a.name for a in API.values() if a.domain in (domain, "both")}
            assert set(found["implemented"]) | set(found["notSimulated"]) == expected
        assert coverage["openData"]["notSimulated"] == []
    finally:
        phone.close()


# --------------------------------------------------------------------------- the runtime APIs


def test_touches_dialogs_storage_audio_network_and_the_rest_of_the_runtime(browser, tmp_path):
    server = start_dev(copy_fixture("runtime", tmp_path), tmp_path, "--in-memory")
    phone = Phone(browser, server, touch=True)
    try:
        page = phone.page
        phone.expect(page.locator("#tt-toast")).to_have_text("Hello from the game")
        modal = page.get_by_test_id("modal")
        phone.expect(modal).to_contain_text("A modal from showModal")
        modal.get_by_role("button", name="OK").click()
        keyboard = page.get_by_label("keyboard")
        phone.expect(keyboard).to_have_value("Ada")
        keyboard.fill("Grace")
        keyboard.press("Enter")
        main = phone.frame("/_ttminis/frame/main")
        main.wait_for_function("() => ['keyboard', 'ad', 'audio', 'request', 'storage'].every((k) => k in results)",
                               timeout=WAIT_MS)
        # a mouse drag and a finger: touches at the screen's own coordinates
        page.mouse.move(*phone.at(10, 20))
        page.mouse.down()
        page.mouse.move(*phone.at(30, 40))
        page.mouse.up()
        page.touchscreen.tap(*phone.at(100, 200))
        main.wait_for_function("() => results.touches.length >= 5", timeout=WAIT_MS)
        found = main.evaluate("() => results")
        assert found["touches"] == [
            ["start", [[10, 20]], [[10, 20]]], ["move", [[30, 40]], [[30, 40]]], ["end", [], [[30, 40]]],
            ["start", [[100, 200]], [[100, 200]]], ["end", [], [[100, 200]]]]
        assert found["info"] == [390, 844, "devtools", True, False, False]
        assert found["canvases"] == [True, False, 390, 844]  # the first createCanvas() is the screen
        assert "TTM106" in found["toDataURL"]
        assert found["modal"] is True and found["keyboard"] == "Grace"
        assert found["storage"] == {"score": 7} and found["storageInfo"] == ["best", "name"]
        assert found["missing"] == "getStorage:fail data not found"
        assert found["timer"] is True and found["frame"] == "number"
        assert found["audio"] == "canplay"
        assert found["request"] == [200, True] and found["login"] == "string"
        assert found["ad"] == {"isEnded": True}
        assert found["pay"]["errMsg"] == "pay:fail pay is not simulated by ttminis dev"
        assert found["pay"]["error"]["error_code"] == 10102
        problems = page.evaluate("() => window.__ttminis.problems()")
        assert ("not-simulated", "pay") in [(p["kind"], p["api"]) for p in problems]
        assert phone.errors() == []
    finally:
        phone.close()
        server.stop()


# --------------------------------------------------------------------------- live reload, lint, builds


@needs_tsc
def test_a_change_reloads_the_game_and_refreshes_lint_and_build_notes(browser, tmp_path):
    root = init_project(tmp_path / "game", "ts")
    server = start_dev(root, tmp_path, "--in-memory")
    phone = Phone(browser, server)
    try:
        lint = phone.expect(phone.page.locator("#lint-summary"))
        lint.to_have_text("0 finding(s)")
        # a TTM101 written into the TypeScript source: lint shows it on the .ts, the rebuilt .js runs it
        game = root / "game.ts"
        game.write_text(game.read_text(encoding="utf-8") +
                        "\ntt.getFriendCloudStorage({ keyList: ['score'], fail() {} });\n", encoding="utf-8")
        build(root)
        phone.expect(phone.page.get_by_test_id("lint").locator("li[data-code=TTM101]")).to_contain_text("game.ts:")
        phone.expect(phone.page.get_by_test_id("log")).to_contain_text("game.js")
        phone.expect(phone.page.get_by_test_id("problems").locator("li[data-rule=TTM101]")).to_contain_text(
            "getFriendCloudStorage")
        # an edit without a build: the page says the game runs the old build
        future = time.time() + 10
        os.utime(game, (future, future))
        phone.expect(phone.page.get_by_test_id("lint")).to_contain_text("game.js is older than game.ts")
    finally:
        phone.close()
        server.stop()


# --------------------------------------------------------------------------- --screenshot


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshot_writes_a_png_of_the_game_after_it_ran(browser, tmp_path):
    root = init_project(tmp_path / "game")
    target = tmp_path / "shots" / "game.png"
    done = subprocess.run([sys.executable, "-m", "ttminis_cli", "dev", str(root), "--in-memory", "--screenshot",
                           str(target)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _png_size(target) == (390, 844)
    page = browser.new_page()
    try:
        colours = page.evaluate("""async (src) => {
            const image = new Image();
            image.src = src;
            await image.decode();
            const c = new OffscreenCanvas(image.width, image.height);
            const g = c.getContext('2d');
            g.drawImage(image, 0, 0);
            const d = g.getImageData(0, 0, image.width, image.height).data;
            const seen = new Set();
            for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] << 16 | d[i + 1] << 8 | d[i + 2]);
            return seen.size;
        }""", "data:image/png;base64," + base64.b64encode(target.read_bytes()).decode())
    finally:
        page.close()
    assert colours > 3  # the background, the buttons, the text: not a blank page


def _break_the_board(root: Path) -> str:
    (root / "game.js").write_text("const board = require('./board');\nboard.draw();\n", encoding="utf-8")
    (root / "board.js").write_text("exports.draw = function () {\n  throw new Error('the board is broken');\n};\n",
                                   encoding="utf-8")
    return "page error: board.js:2:9: Uncaught Error: the board is broken"


def _drop_the_open_data_entry(root: Path) -> str:
    (root / "openDataContext" / "index.js").unlink()
    return "page error: open data domain: openDataContext/index.js does not exist"


@pytest.mark.parametrize("breakage", [_break_the_board, _drop_the_open_data_entry])
def test_screenshot_exits_1_and_prints_what_went_wrong(tmp_path, breakage):
    root = init_project(tmp_path / "game")
    expected = breakage(root)
    done = subprocess.run([sys.executable, "-m", "ttminis_cli", "dev", str(root), "--in-memory", "--screenshot",
                           str(tmp_path / "shot.png")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert expected in done.stderr
    assert (tmp_path / "shot.png").exists()


def test_the_api_json_the_page_reads_is_the_platform_table(wechat_port):
    rows = httpx.get(wechat_port.url + "/_ttminis/api.json").json()
    assert [r["name"] for r in rows] == list(API)
    assert {r["name"]: r["rule"] for r in rows}["shareToUser"] == "TTM101"
    assert json.loads(json.dumps(rows))[0]["domain"] == "both"
