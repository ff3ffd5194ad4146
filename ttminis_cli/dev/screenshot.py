"""`ttminis dev --screenshot FILE`: headless Chromium (through Playwright) renders the phone screen
after the game has run for 2 s and writes it as a PNG; the page's uncaught errors are returned."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ttminis_cli.errors import UserError

RUN_MS = 2000
BOOT_TIMEOUT_MS = 30_000
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """$TTMINIS_CHROMIUM, else a Chromium on PATH, else None (Playwright's own, if installed)."""
    return os.environ.get("TTMINIS_CHROMIUM") or next(filter(None, map(shutil.which, BROWSERS)), None)


def render(url: str, target: Path, size: tuple[int, int]) -> list[str]:
    """Screenshot `#ttminis-screen` of the page at `url` into `target`; the errors the page reported."""
    try:
        from playwright.sync_api import Error as PlaywrightError, sync_playwright
    except ImportError:
        raise UserError("--screenshot needs Playwright", hint="pip install playwright (and a Chromium: "
                        "apt install chromium, or `playwright install chromium`)") from None
    width, height = size
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=find_chromium(), args=LAUNCH_ARGS)
        except PlaywrightError as exc:
            raise UserError(f"cannot start Chromium: {str(exc).splitlines()[0]}",
                            hint="install chromium, or point TTMINIS_CHROMIUM at a Chrome or Chromium") from None
        try:
            page = browser.new_page(viewport={"width": width + 480, "height": height + 160})
            uncaught: list[str] = []
            page.on("pageerror", lambda error: uncaught.append(str(error)))
            page.goto(url)
            try:
                page.wait_for_function("() => window.__ttminis && window.__ttminis.booted", timeout=BOOT_TIMEOUT_MS)
            except PlaywrightError:
                return [f"the game did not start within {BOOT_TIMEOUT_MS // 1000} s", *uncaught]
            page.wait_for_timeout(RUN_MS)
            reported = page.evaluate("""() => window.__ttminis.errors().map((e) =>
                (e.domain === 'open-data' ? 'open data domain: ' : '') + (e.where ? e.where + ': ' : '')
                + e.message)""")
            target.parent.mkdir(parents=True, exist_ok=True)
            page.locator("#ttminis-screen").screenshot(path=str(target))
        finally:
            browser.close()
    # The page reports what game code threw in either frame; Playwright sees the simulator's own.
    return reported + [u for u in uncaught if not any(u.split("\n")[0] in r for r in reported)]
