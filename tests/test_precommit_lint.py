"""The `ttminis-lint` hook through the real pre-commit tool, on a throwaway git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

VIOLATION = "export function dm(openid) {\n  tt.shareToUser({ openid, imageUrl: 'https://cdn.example.com/a.png' });\n}\n"
CLEAN = "export function start() {\n  return 1;\n}\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_hook_fails_on_a_finding_and_passes_a_clean_tree(tmp_path):
    game = tmp_path / "game"
    (game / "openDataContext").mkdir(parents=True)
    (game / "project.config.json").write_text('{"openDataContext": "openDataContext"}\n')
    (game / "openDataContext" / "index.js").write_text("tt.onMessage(function (msg) {});\n")
    (game / "game.js").write_text(VIOLATION)
    (game / "cocos-js").mkdir()  # a committed engine build: staged, but never the hook's to lint
    (game / "cocos-js" / "cc.js").write_text("globalThis.ccDebugEval = function (code) { return eval(code); };\n")
    _git(game, "init", "-q")
    _git(game, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "ttminis-lint", "--all-files"]

    failing = subprocess.run(command, cwd=game, env=env, capture_output=True, text=True, timeout=900)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "game.js:2:3: TTM101" in failing.stdout
    assert "Failed" in failing.stdout
    assert "cocos-js/cc.js:" not in failing.stdout
    assert "note: skipped 1 file: 1 vendored engine/library (cocos-js/); lint it with --include-vendored\n" \
        in failing.stdout

    (game / "game.js").write_text(CLEAN)
    _git(game, "add", ".")
    passing = subprocess.run(command, cwd=game, env=env, capture_output=True, text=True, timeout=900)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
