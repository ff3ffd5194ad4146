"""`ttminis lint --watch` in a real process: first state, a change, the new finding, Ctrl-C exits 0."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ttminis_cli.lint.watch import watch_filter, watch_roots

VIOLATION = "tt.shareToUser({ openid: 'a', imageUrl: 'https://cdn.example.com/a.png', fail() {} });\n"


def _project(root: Path) -> Path:
    (root / "openDataContext").mkdir(parents=True)
    (root / "project.config.json").write_text('{"openDataContext": "openDataContext"}\n')
    (root / "openDataContext" / "index.js").write_text("tt.onMessage(function (msg) {});\n")
    (root / "game.js").write_text("export const ok = 1;\n")
    return root


class Lines:
    """Reads a stream on a thread so the test can wait for a line with a timeout."""

    def __init__(self, stream) -> None:
        self.q: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.q.put(line) for line in stream], daemon=True).start()

    def wait_for(self, needle: str, timeout: float, poke=None) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.q.get(timeout=0.5)
            except queue.Empty:
                if poke:
                    poke()
                continue
            self.seen.append(line)
            if needle in line:
                return line
        raise AssertionError(f"{needle!r} not seen within {timeout}s; got:\n{''.join(self.seen)}")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_watch_relints_on_change_and_exits_0_on_ctrl_c(tmp_path):
    root = _project(tmp_path / "g")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ttminis_cli", "lint", "--watch"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = Lines(proc.stdout), Lines(proc.stderr)
        out.wait_for("No findings in 2 files", timeout=60)
        err.wait_for("watching", timeout=30)
        # The watcher starts just after saying so: write until a re-lint shows the change took.
        game = root / "game.js"
        out.wait_for("game.js:1:1: TTM101", timeout=60, poke=lambda: game.write_text(VIOLATION))
        game.write_text("export const ok = 2;\n")
        out.wait_for("No findings", timeout=60)
        # A config broken mid-edit is reported and waited out; fixing it lints again.
        config = root / "ttminis.toml"
        config.write_text("[lint]\nslect = []\n")
        err.wait_for("ttminis.toml:2:1", timeout=60)
        config.write_text('[lint]\nignore = ["TTM2"]\n')
        out.wait_for("No findings", timeout=60)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        time.sleep(0.5)  # the reader thread takes the last lines
        while not err.q.empty():
            err.seen.append(err.q.get())
        assert not [line for line in err.seen if "Traceback" in line]
        # Ctrl-C is how a watch ends: no library's log line about it
        assert not [line for line in err.seen if "KeyboardInterrupt" in line or "stopping watch" in line], err.seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_filter_sees_sources_and_configs_but_not_the_cache_or_dependencies(tmp_path):
    from watchfiles import Change

    accept = watch_filter()
    for name in ("game.js", "a/b.ts", "c.tsx", "index.html", "project.config.json", "game.json", "ttminis.toml"):
        assert accept(Change.modified, str(tmp_path / name)), name
    for name in ("notes.md", "image.png", ".ttminis/cache/lint.pickle", "node_modules/x/index.js",
                 ".git/index"):
        assert not accept(Change.modified, str(tmp_path / name)), name


def test_watch_roots_are_project_roots_without_nesting(tmp_path, monkeypatch):
    root = _project(tmp_path / "g")
    (root / "src").mkdir()
    (root / "src" / "a.js").write_text("")
    monkeypatch.chdir(root)
    assert watch_roots([Path("src"), Path("game.js"), Path("src/a.js")], None) == [root.resolve()]
    config = tmp_path / "conf" / "ttminis.toml"
    config.parent.mkdir()
    config.write_text("")
    assert watch_roots([Path("game.js")], config) == sorted([root.resolve(), config.parent.resolve()])
