"""The `ttminis-validate` hook, run by the real pre-commit from this checkout (`try-repo`).

pre-commit builds a virtualenv and pip-installs this repository into it, so this is one test that
covers a good config and then a broken one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


def test_hook_definition_matches_the_contract():
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["ttminis-validate"]
    assert hook["entry"] == "ttminis validate" and hook["language"] == "python"
    files = re.compile(hook["files"])
    assert files.search("project.config.json") and files.search("games/demo/project.config.json")
    assert not files.search("game.json") and not files.search("my-project.config.json")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pre-commit") is None or shutil.which("git") is None,
                    reason="pre-commit and git are needed")
def test_try_repo_passes_a_good_config_and_fails_a_broken_one(tmp_path):
    project = tmp_path / "game"
    project.mkdir()
    git(project, "init", "-q")
    (project / "project.config.json").write_text(json.dumps(
        {"dev": {"port": 9527}, "openDataContext": "openDataContext", "app_id": "sbx5k2mgq9dx4p"}, indent=2))
    (project / "game.json").write_text("{}\n")
    (project / "game.js").write_text("tt.getOpenDataContext().postMessage({ type: 'show' });\n")
    (project / "openDataContext").mkdir()
    (project / "openDataContext" / "index.js").write_text("tt.onMessage(() => {});\n")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "game")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}

    def try_repo() -> subprocess.CompletedProcess:
        return subprocess.run(["pre-commit", "try-repo", str(REPO), "ttminis-validate", "--all-files",
                               "--verbose"], cwd=project, env=env, capture_output=True, text=True, timeout=900)

    good = try_repo()
    assert good.returncode == 0, good.stdout + good.stderr
    assert "ttminis validate" in good.stdout and "Passed" in good.stdout

    (project / "project.config.json").write_text('{\n  "dev": {"port": 9527},\n  "app_id": "k",\n}\n')
    bad = try_repo()
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "project.config.json:3:16: error: trailing comma" in bad.stdout
