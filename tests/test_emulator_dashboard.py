"""The dashboard page in real headless Chromium (Debian's, through Playwright): seed, look, write, see it change."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SEED = Path(__file__).resolve().parents[1] / "examples" / "seed.toml"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context()
        outside: list[str] = []
        context.on("request", lambda r: outside.append(r.url) if not r.url.startswith("http://127.0.0.1") else None)
        yield context.new_page()
        context.close()
        browser.close()
        assert outside == [], "the dashboard fetched something from outside the emulator"


def test_dashboard_shows_users_storage_leaderboard_and_follows_changes(emulator_factory, tmp_path, page):
    from playwright.sync_api import expect

    emulator = emulator_factory(data=tmp_path / "dash.db", seed=SEED)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(emulator.url + "/")

    users = page.get_by_test_id("users")
    for openid in ("alice", "bob", "carol"):
        expect(users.locator(f"tr[data-openid={openid}]")).to_be_visible()
    expect(users.locator("tr[data-openid=alice] td").nth(2)).to_have_text("bob")

    users.locator("tr[data-openid=bob]").click()
    expect(page.get_by_test_id("selected-user")).to_have_text("Bob (bob)")
    expect(page.get_by_test_id("storage").locator("tr[data-key=highScore] td").nth(1)).to_have_text("9100")

    page.get_by_test_id("board-key").fill("highScore")
    page.get_by_role("button", name="Show").click()
    board = page.get_by_test_id("leaderboard").locator("li")
    # bob's friends are alice (8200) and carol (12050): ranked by number, not by text
    expect(board).to_have_count(3)
    expect(board.nth(0)).to_have_attribute("data-openid", "carol")
    expect(board.nth(2)).to_have_attribute("data-openid", "alice")

    # a write over HTTP shows up without a reload: the leaderboard, the storage table and the inbox
    httpx.post(f"{emulator.url}/v1/users/alice/storage", json={"data": [{"key": "highScore", "value": "10000"}]})
    expect(board.nth(1)).to_have_attribute("data-openid", "alice")
    expect(board.nth(1)).to_contain_text("10000")
    # and a write through the CLI, as a developer makes one from another terminal
    cli = subprocess.run([sys.executable, "-m", "ttminis_cli", "storage", "set", "highScore=20000", "--user", "carol",
                          "--emulator", emulator.url], capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    expect(board.nth(0)).to_contain_text("20000")
    expect(board.nth(0)).to_have_attribute("data-openid", "carol")
    httpx.post(f"{emulator.url}/v1/users/bob/storage", json={"data": [{"key": "highScore", "value": "<b>99999</b>"}]})
    expect(page.get_by_test_id("storage").locator("tr[data-key=highScore] td").nth(1)).to_have_text("<b>99999</b>")
    sent = httpx.post(f"{emulator.url}/v1/shares", json={"from": "alice", "to": "bob", "kind": "shareToUser",
                                                          "title": "Beat my score", "imageUrl": "https://x/y.png"})
    assert sent.status_code == 201
    expect(page.get_by_test_id("inbox")).to_contain_text("Beat my score")
    assert errors == []


def state(emulator) -> dict:
    return httpx.get(f"{emulator.url}/v1/export", timeout=5).json()


def test_the_dashboard_edits_through_the_api(emulator_factory, tmp_path, page):
    from playwright.sync_api import expect

    emulator = emulator_factory(data=tmp_path / "edit.db", seed=SEED)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(emulator.url + "/")
    users = page.get_by_test_id("users")
    expect(users.locator("tr[data-openid=alice]")).to_be_visible()

    # add a user: the form selects the new one
    add = page.get_by_test_id("add-user")
    add.get_by_label("openid").fill("erin")
    add.get_by_label("nickname").fill("Erin")
    add.get_by_role("button", name="Add user").click()
    expect(users.locator("tr[data-openid=erin]")).to_be_visible()
    expect(page.get_by_test_id("selected-user")).to_have_text("Erin (erin)")
    assert {"openid": "erin", "nickname": "Erin", "avatarUrl": ""} in state(emulator)["users"]

    # make erin and alice friends
    befriend = page.get_by_test_id("befriend")
    befriend.get_by_label("make friends with").select_option("alice")
    befriend.get_by_role("button", name="Make friends").click()
    expect(users.locator("tr[data-openid=erin] td").nth(2)).to_have_text("alice")
    assert ["alice", "erin"] in state(emulator)["friendships"]
    for other in ("bob", "carol", "dave"):  # friends with everyone: nobody left to offer
        assert httpx.put(f"{emulator.url}/v1/users/erin/friends/{other}").status_code == 200
    expect(befriend).to_be_hidden()

    # set a key, then delete it; a refused write shows the emulator's message and changes nothing
    set_key = page.get_by_test_id("set-key")
    set_key.get_by_label("key").fill("highScore")
    set_key.get_by_label("value").fill("777")
    set_key.get_by_role("button", name="Set key").click()
    storage = page.get_by_test_id("storage")
    expect(storage.locator("tr[data-key=highScore] td").nth(1)).to_have_text("777")
    assert state(emulator)["storage"]["erin"] == {"highScore": "777"}
    expect(page.get_by_test_id("leaderboard").locator("li").first).to_have_attribute("data-openid", "carol")
    set_key.get_by_label("key").fill("🎮" * 65)  # 130 UTF-16 code units
    set_key.get_by_role("button", name="Set key").click()
    expect(page.get_by_test_id("error")).to_contain_text("as JavaScript counts them")
    assert state(emulator)["storage"]["erin"] == {"highScore": "777"}
    storage.locator("tr[data-key=highScore]").get_by_role("button", name="delete").click()
    expect(page.get_by_text("No keys stored.")).to_be_visible()
    expect(page.get_by_test_id("error")).to_be_hidden()
    assert "erin" not in state(emulator)["storage"]

    # clear an inbox
    for title in ("one", "two"):
        sent = httpx.post(f"{emulator.url}/v1/shares", json={"from": "alice", "to": "erin", "kind": "shareToUser",
                                                              "title": title, "imageUrl": "https://x/y.png"})
        assert sent.status_code == 201
    inbox = page.get_by_test_id("inbox").locator("li")
    expect(inbox).to_have_count(2)
    page.get_by_test_id("clear-inbox").click()
    expect(inbox).to_have_count(0)
    assert [s for s in state(emulator)["shares"] if s["to"] == "erin"] == []

    # and remove the user
    page.get_by_test_id("remove-user").click()
    expect(users.locator("tr[data-openid=erin]")).to_have_count(0)
    assert "erin" not in {u["openid"] for u in state(emulator)["users"]}
    assert errors == []


BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.checkVisibility()) continue;
    for (const word of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (lines.size > 1) broken.push(word[0]);
    }
  }
  return broken;
}"""


def test_at_phone_width_no_word_is_broken_and_nothing_overflows(emulator_factory, tmp_path, page):
    from playwright.sync_api import expect

    emulator = emulator_factory(data=tmp_path / "narrow.db", seed=SEED)
    httpx.post(f"{emulator.url}/v1/shares", json={"from": "alice", "to": "bob", "kind": "shareToUser",
                                                  "title": "Beat my score", "imageUrl": "https://x/y.png"})
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(emulator.url + "/")
    expect(page.get_by_test_id("users").locator("tr[data-openid=dave]")).to_be_visible()
    for openid in ("alice", "bob"):
        page.get_by_test_id("users").locator(f"tr[data-openid={openid}]").click()
        expect(page.get_by_test_id("selected-user")).to_contain_text(openid)
        page.get_by_test_id("board-key").fill("highScore")
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_test_id("leaderboard").locator("li").first).to_be_visible()
        assert page.evaluate(BROKEN_WORDS) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_leaderboard_starts_on_the_key_the_game_reads(emulator_factory, tmp_path, page):
    from playwright.sync_api import expect
    from typer.testing import CliRunner

    from ttminis_cli.cli import app

    game = tmp_path / "game"
    assert CliRunner().invoke(app, ["init", str(game), "--no-input"]).exit_code == 0
    emulator = emulator_factory(seed=game / "seed.toml", cwd=game)  # the project's own data file and seed
    assert httpx.get(f"{emulator.url}/v1/project").json() == {"root": str(game.resolve()), "readKeys": ["score"]}
    page.goto(emulator.url + "/")
    page.get_by_test_id("users").locator("tr[data-openid=me]").click()
    expect(page.get_by_test_id("board-key")).to_have_value("score")
    board = page.get_by_test_id("leaderboard").locator("li")
    expect(board).to_have_count(4)
    expect(board.nth(0)).to_have_attribute("data-openid", "alice")
