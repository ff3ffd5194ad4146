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
