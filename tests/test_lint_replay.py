"""Replaying an unchanged lint (lint/replay.py): the real CLI in a subprocess, twice; the second run
prints the first one's output only when nothing it read changed, and lints again otherwise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ttminis_cli.lint.cache import CACHE_DIR, PACK_NAME



pytestmark = pytest.mark.usefixtures("private_user_cache")


def _project(root: Path, age) -> Path:
    (root / "openDataContext").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "project.config.json").write_text(json.dumps({"openDataContext": "openDataContext"}))
    (root / "game.js").write_text("tt.setUserCloudStorage({ data: [{ key: 'score', value: 10 }], fail() {} });\n")
    (root / "src" / "menu.js").write_text("export const title = 'menu';\n")
    (root / "openDataContext" / "index.js").write_text(
        "tt.getFriendCloudStorage({ keyList: ['score'], success(r) { draw(r.data); }, fail() {} });\n")
    age(root)
    return root


def _lint(root: Path, *args: str, env: dict | None = None) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "ttminis_cli", "lint", "--no-progress", *args], cwd=root,
                          capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def _records(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR / "runs").glob("*.run"))


def _replays(root: Path, *args: str, env: dict | None = None) -> bool:
    """Whether the next run is a replay: it prints what a lint prints but, unlike a lint, does not
    write the result cache that was taken away."""
    (root / CACHE_DIR / PACK_NAME).unlink(missing_ok=True)
    _lint(root, *args, env=env)
    return not (root / CACHE_DIR / PACK_NAME).exists()


def test_an_unchanged_rerun_prints_the_same_without_linting(tmp_path, age):
    root = _project(tmp_path / "game", age)
    first = _lint(root)
    assert first[0] == 1 and "TTM303" in first[1]
    assert len(_records(root)) == 1
    (root / CACHE_DIR / PACK_NAME).unlink()
    assert _lint(root) == first  # exit code, stdout and stderr, byte for byte
    assert not (root / CACHE_DIR / PACK_NAME).exists()  # nothing was linted
    assert _lint(root, "--format", "json")[1] != first[1]  # other arguments: their own run


def test_the_output_streams_keep_their_order(tmp_path, age):
    root = _project(tmp_path / "game", age)
    (root / "libs").mkdir()
    (root / "libs" / "engine.js").write_text("eval('x');\n")  # skipped by default: a note on stderr
    age(root)
    first = _lint(root, "--format", "github")
    assert "::notice" in first[1] and "::error" in first[1]
    assert _replays(root, "--format", "github")
    assert _lint(root, "--format", "github") == first


@pytest.mark.parametrize("change", [
    "edit a linted file",
    "edit a file in place, same size",
    "add a file in a sub-folder",
    "remove a file",
    "add a config file above the project",
    "add ttminis.toml",
    "edit project.config.json",
])
def test_a_change_anywhere_the_run_looked_lints_again(tmp_path, age, change):
    root = _project(tmp_path / "outer" / "game", age)
    before = _lint(root)
    assert _records(root)
    if change == "edit a linted file":
        (root / "game.js").write_text("tt.setUserCloudStorage({ data: [{ key: 'score', value: '10' }], fail() {} });\n")
    elif change == "edit a file in place, same size":
        (root / "src" / "menu.js").write_text("tt.shareToUser({ openid: 'a1', imageUrl: 'x', fail(){} })")
    elif change == "add a file in a sub-folder":
        (root / "src" / "share.js").write_text("tt.shareToUser({ openid: 'a', imageUrl: 'https://x/y.png', fail() {} });\n")
    elif change == "remove a file":
        (root / "game.js").unlink()
    elif change == "add a config file above the project":
        (root.parent / "ttminis.toml").write_text('[lint]\nignore = ["TTM303"]\n')
    elif change == "add ttminis.toml":
        (root / "ttminis.toml").write_text('[lint]\nignore = ["TTM303"]\n')
    elif change == "edit project.config.json":
        (root / "project.config.json").write_text(json.dumps({"openDataContext": "src"}))
    after = _lint(root)
    assert after != before, "the change should show in the findings"
    assert _lint(root) == after  # and so it stays, replayed or not


def test_a_run_over_files_just_written_leaves_no_record(tmp_path, age):
    root = _project(tmp_path / "game", age)
    (root / "game.js").write_text("tt.setUserCloudStorage({ data: [{ key: 'score', value: 1 }], fail() {} });\n")
    _lint(root)
    assert not _records(root)


def test_the_environment_and_the_terminal_are_part_of_a_run(tmp_path, age):
    root = _project(tmp_path / "game", age)
    _lint(root)
    assert _replays(root)
    assert not _replays(root, env={"FORCE_COLOR": "1"})  # colour codes: another output


@pytest.mark.parametrize("args", [("--fix",), ("--diff",)])
def test_runs_that_write_or_diff_are_never_replayed(tmp_path, age, args):
    root = _project(tmp_path / "game", age)
    _lint(root, *args)
    assert not _records(root)


def test_a_record_never_replays_over_a_copy_of_the_files(tmp_path, age):
    """A checkout restores names, sizes and even mtimes, never inodes: a record kept (or committed)
    from before is not trusted for files that are not the ones it saw."""
    root = _project(tmp_path / "game", age)
    before = _lint(root)
    moved = shutil.move(root, tmp_path / "elsewhere")
    shutil.copytree(moved, root, copy_function=shutil.copy2)  # same bytes and mtimes, new inodes
    (root / "game.js").write_text("tt.setUserCloudStorage({ data: [{ key: 'score', value: 's' }], fail() {} });\n")
    age(root)
    after = _lint(root)
    assert "TTM303" in before[1] and "TTM303" not in after[1]


def test_a_damaged_record_is_ignored(tmp_path, age):
    root = _project(tmp_path / "game", age)
    first = _lint(root)
    for record in _records(root):
        record.write_text('{"identity": ')
    assert _lint(root) == first
    assert len(_records(root)) == 1 and json.loads(_records(root)[0].read_bytes().partition(b"\n")[0])["exit"] == 1


def test_a_record_cut_short_is_ignored(tmp_path, age):
    """The output follows the record's line as bytes: a record whose bytes are not all there (a full
    disk) is no record."""
    root = _project(tmp_path / "game", age)
    first = _lint(root)
    for record in _records(root):
        data = record.read_bytes()
        record.write_bytes(data[:-5])
    assert not _replays(root)
    assert _lint(root) == first


@pytest.mark.skipif(sys.platform != "linux", reason="a file name of bytes that are not UTF-8")
def test_a_file_name_that_is_not_utf8_replays_byte_for_byte(tmp_path, age):
    root = _project(tmp_path / "game", age)
    (root / "src" / os.fsdecode(b"caf\xe9.js")).write_text(
        "tt.setUserCloudStorage({ data: [{ key: 'level', value: 3 }], fail() {} });\n")
    age(root)

    def run() -> tuple[int, bytes, bytes]:
        proc = subprocess.run([sys.executable, "-m", "ttminis_cli", "lint", "--no-progress"], cwd=root,
                              capture_output=True, timeout=120)
        return proc.returncode, proc.stdout, proc.stderr

    first = run()
    assert first[0] == 1 and b"src/caf\xe9.js:1:" in first[1]
    (root / CACHE_DIR / PACK_NAME).unlink()
    assert run() == first
    assert not (root / CACHE_DIR / PACK_NAME).exists()  # replayed, not linted


def test_a_record_left_by_a_warm_run_still_watches_every_linted_file(tmp_path, age):
    """A warm run trusts old files' stats and never opens them; its record must list them all the same."""
    root = _project(tmp_path / "game", age)
    _lint(root)
    for record in _records(root):
        record.unlink()
    before = _lint(root)  # served by the result cache, recorded
    assert _records(root)
    (root / "src" / "menu.js").write_text("tt.shareToUser({ openid: 'a', imageUrl: 'https://x/y.png', fail() {} });\n")
    age(root)
    assert "TTM101" not in before[1] and "TTM101" in _lint(root)[1]


def test_keeping_a_runs_output_is_linear():
    """A bundle's run prints thousands of findings: keeping them must not copy what came before."""
    import io
    import time

    from ttminis_cli.lint.replay import _Tee

    def cpu(n: int) -> float:
        start = time.process_time()
        tee = _Tee(io.StringIO(), "out", [])
        for _ in range(n):
            tee.write("storage.js:1:47: TTM303 cloud-storage values must be strings " * 4)
        return time.process_time() - start

    small, big = min(cpu(10_000) for _ in range(3)), min(cpu(40_000) for _ in range(3))
    assert big / small < 8, f"{small:.3f} s for 10,000 writes, {big:.3f} s for 40,000"
