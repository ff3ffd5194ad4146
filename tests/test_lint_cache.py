"""The lint cache and runner: keys, corrupt and foreign packs, concurrent writers, and cached runs
that give exactly the uncached findings (cross-file facts included)."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ttminis_cli.lint import cache as cache_module
from ttminis_cli.lint.cache import (CACHE_DIR, PACK_NAME, Entry, ResultCache, stat_signature, task_key,
                                  tool_fingerprint, user_key)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _private_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def _cache(root: Path) -> ResultCache:
    return ResultCache(root, user_key())


def test_user_key_is_created_once_and_kept(tmp_path):
    first = user_key()
    assert first and len(first) == 32
    assert user_key() == first
    assert (tmp_path / "xdg" / "ttminis" / "cache-key").read_bytes() == first


def _entry(result, task="t") -> Entry:
    return Entry(task, "digest", None, result)


def test_entries_round_trip(tmp_path):
    src = tmp_path / "a.js"
    src.write_text("x")
    cache = _cache(tmp_path)
    cache.put(str(src), _entry({"result": [1, 2]}))
    cache.save()
    again = _cache(tmp_path)
    assert again.get(str(src)) == _entry({"result": [1, 2]})
    assert again.get(str(tmp_path / "other.js")) is None
    assert (tmp_path / CACHE_DIR / ".gitignore").read_text().strip().endswith("*")


def test_a_file_result_round_trips_with_every_field_of_its_findings_and_fixes(tmp_path):
    import pickle

    from ttminis_cli.config import Config
    from ttminis_cli.lint.diagnostic import Diagnostic, Edit, Fix
    from ttminis_cli.lint.engine import analyze
    from ttminis_cli.lint.plan import plan

    src = tmp_path / "game.js"
    src.write_text("tt.setUserCloudStorage({ data: [{ key: 'a', value: 1 }, { key: 'b', value: null }] });\n"
                   "tt.shareToUser({ openid: 'x' });\n")
    result = analyze(plan([src], Config(), cwd=tmp_path).tasks[0], src.read_bytes())
    assert {d.fix is None for d in result.diagnostics} == {True, False}  # findings with and without a fix
    again = pickle.loads(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == result
    for before, after in zip(result.diagnostics, again.diagnostics, strict=True):
        assert type(after) is Diagnostic and after._asdict() == before._asdict()
        assert after.severity is before.severity
        if after.fix is not None:
            assert type(after.fix) is Fix and all(type(e) is Edit for e in after.fix.edits)
    with pytest.raises(AttributeError):  # still a frozen record
        again.diagnostics[0].line = 2


def test_task_key_depends_on_salt_and_task():
    base = task_key("tool+config", ("task", "main"))
    assert base == task_key("tool+config", ("task", "main"))
    assert len({base, task_key("other", ("task", "main")), task_key("tool+config", ("task", "open-data"))}) == 3


def test_reinstalling_a_parser_package_changes_the_tool_fingerprint(tmp_path, monkeypatch):
    grammar = tmp_path / "fake_grammar_pkg"
    grammar.mkdir()
    (grammar / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cache_module, "PARSER_PACKAGES", (*cache_module.PARSER_PACKAGES, "fake_grammar_pkg"))
    before = tool_fingerprint()
    assert tool_fingerprint() == before
    os.utime(grammar / "__init__.py", (1_600_000_000, 1_600_000_000))  # what a reinstall does to it
    assert tool_fingerprint() != before


def test_a_stat_signature_is_trusted_only_once_the_mtime_is_old(tmp_path):
    src = tmp_path / "a.js"
    src.write_text("x")
    assert stat_signature(src.stat()) is None  # just written: a same-tick rewrite could hide
    os.utime(src, (1_600_000_000, 1_600_000_000))
    st = src.stat()
    assert stat_signature(st) == (st.st_size, st.st_mtime_ns, st.st_ino)


@pytest.mark.parametrize("blob", [b"", b"garbage", b"ttminis-lint-cache-1\n" + b"\0" * 40,
                                  b"ttminis-lint-cache-1\n" + os.urandom(5000)])
def test_a_corrupt_pack_is_ignored_and_replaced(tmp_path, blob):
    pack = tmp_path / CACHE_DIR / PACK_NAME
    pack.parent.mkdir(parents=True)
    pack.write_bytes(blob)
    src = tmp_path / "a.js"
    src.write_text("x")
    cache = _cache(tmp_path)
    assert cache.get(str(src)) is None
    cache.put(str(src), _entry("fresh"))
    cache.save()
    assert _cache(tmp_path).get(str(src)) == _entry("fresh")


def test_a_pack_signed_with_another_key_is_never_unpickled(tmp_path, monkeypatch):
    src = tmp_path / "a.js"
    src.write_text("x")
    cache = ResultCache(tmp_path, b"k" * 32)  # e.g. a .ttminis/cache committed by someone else
    cache.put(str(src), _entry("theirs"))
    cache.save()
    assert ResultCache(tmp_path, b"k" * 32).get(str(src)) == _entry("theirs")
    assert _cache(tmp_path).get(str(src)) is None


def test_entries_of_deleted_files_are_dropped_on_save(tmp_path):
    keep, gone = tmp_path / "keep.js", tmp_path / "gone.js"
    keep.write_text("1")
    gone.write_text("2")
    cache = _cache(tmp_path)
    cache.put(str(keep), _entry(1))
    cache.put(str(gone), _entry(2))
    gone.unlink()
    cache.save()
    assert set(_cache(tmp_path).entries) == {str(keep)}


def test_an_unwritable_cache_location_runs_uncached(tmp_path):
    root = tmp_path / "file-not-folder"
    root.write_text("")  # .ttminis cannot be created under a file, whoever runs the test
    cache = _cache(root)
    cache.put(str(root), _entry(1))
    cache.save()
    assert not (root.parent / ".ttminis").exists()


def _writer(root: str, n: int, xdg: str) -> None:
    os.environ["XDG_CACHE_HOME"] = xdg
    for round_ in range(30):
        cache = ResultCache(Path(root), user_key())
        cache.put(f"{root}/w{n}.js", Entry(f"{round_}", "d", None, "x" * 10_000 * (n + 1)))
        cache.save()


def test_concurrent_writers_and_readers_never_see_a_torn_pack(tmp_path):
    for n in range(4):
        (tmp_path / f"w{n}.js").write_text("")
    user_key()  # created before the race: the writers share it
    ctx = multiprocessing.get_context("fork")
    writers = [ctx.Process(target=_writer, args=(str(tmp_path), n, str(tmp_path / "xdg"))) for n in range(4)]
    for w in writers:
        w.start()
    while any(w.is_alive() for w in writers):
        entries = _cache(tmp_path).entries  # must never raise, whatever the writers are doing
        assert all(e.result == "x" * len(e.result) for e in entries.values())
    for w in writers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert _cache(tmp_path).entries  # the last writer's whole pack
    assert not [p for p in (tmp_path / CACHE_DIR).iterdir() if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------- the runner over the engine

def _project(root: Path) -> Path:
    (root / "openDataContext").mkdir(parents=True)
    (root / "project.config.json").write_text('{"openDataContext": "openDataContext"}')
    (root / "game.js").write_text("export function save(s) {\n"
                                  "  tt.setUserCloudStorage({ data: [{ key: 'best', value: String(s) }], fail() {} });\n"
                                  "}\n")
    (root / "openDataContext" / "index.js").write_text(
        "tt.getUserCloudStorage({ keyList: ['best'], success() {}, fail() {} });\n")
    for i in range(12):
        (root / f"m{i}.js").write_text(f"export const v{i} = {i};\n" * (i + 1))
    return root


def _lint(root: Path, *, cached: bool = True, jobs: int | None = None):
    from ttminis_cli.config import Config
    from ttminis_cli.lint import engine, runner

    plan = engine.plan([root], Config(), cwd=root)
    run = runner.run(plan.tasks, cache_root=root if cached else None, jobs=jobs)
    return run, [d.to_json() for d in engine.finish(run.results, Config())]


def test_a_warm_run_analyses_nothing_and_finds_the_same(tmp_path):
    root = _project(tmp_path / "p")
    cold, cold_diags = _lint(root)
    assert cold.analysed == 14
    warm, warm_diags = _lint(root)
    assert warm.analysed == 0
    assert warm_diags == cold_diags
    (root / "m3.js").write_text("tt.shareToUser({ openid: 'a', imageUrl: 'https://x/y.png', fail() {} });\n")
    edited, diags = _lint(root)
    assert edited.analysed == 1
    assert any(d["code"] == "TTM101" and d["path"].endswith("m3.js") for d in diags)
    os.utime(root / "m4.js")  # touched, not changed: the bytes decide
    touched, again = _lint(root)
    assert touched.analysed == 0 and again == diags


def test_old_unchanged_files_are_not_even_read_on_a_warm_run(tmp_path):
    root = _project(tmp_path / "p")
    for path in root.rglob("*.js"):
        os.utime(path, (1_600_000_000, 1_600_000_000))
    _lint(root)
    # Same size, mtime and inode: the stat signature stands in for the bytes, so this in-place edit
    # (which no editor makes: they all move the mtime) is not seen — proof the file was not read.
    target = root / "m5.js"
    target.write_bytes(target.read_bytes().replace(b"v5", b"w5"))
    os.utime(target, (1_600_000_000, 1_600_000_000))
    warm, _ = _lint(root)
    assert warm.analysed == 0
    os.utime(target)
    assert _lint(root)[0].analysed == 1


def test_without_a_place_for_the_user_key_lint_runs_uncached(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert user_key() is None
    root = _project(tmp_path / "p")
    first, found = _lint(root)
    second, again = _lint(root)
    assert first.analysed == second.analysed == 14 and again == found
    assert not (root / CACHE_DIR / PACK_NAME).exists()


def test_cross_file_facts_stay_fresh_when_only_the_other_file_changes(tmp_path):
    root = _project(tmp_path / "p")
    _, before = _lint(root)
    assert not [d for d in before if d["code"] == "TTM305"]
    (root / "game.js").write_text("tt.setUserCloudStorage({ data: [{ key: 'level', value: '1' }], fail() {} });\n")  # the key is no longer written anywhere
    run, after = _lint(root)
    assert run.analysed == 1  # the reader is served from the cache …
    assert [d["path"] for d in after if d["code"] == "TTM305"] == ["openDataContext/index.js"]  # … yet sees it


def test_the_process_pool_finds_exactly_what_one_process_finds(tmp_path, monkeypatch):
    from ttminis_cli.lint import runner

    root = _project(tmp_path / "p")
    _, serial = _lint(root, cached=False, jobs=1)
    monkeypatch.setattr(runner, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(runner, "POOL_MIN_FILES", 2)
    parallel_run, parallel = _lint(root, cached=False, jobs=2)
    assert parallel_run.analysed == 14
    assert parallel == serial


def test_the_quick_benchmark_prints_every_figure():
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "lint_bench.py"), "--files", "40", "--big", "0",
                           "--no-eslint", "--repeat", "1"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for figure in ("parse floor", "lint, cold cache", "warm: unchanged (replayed)", "warm: one file edited",
                   "one file", "lint cold / parse floor", "lint cold / lint warm"):
        assert figure in proc.stdout


def test_the_locality_benchmark_prints_both_ways_and_their_ratio():
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "locality_bench.py"), "--calls", "500",
                           "--repeat", "1"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for figure in ("500 calls", "stage by stage", "call by call", "staged / per call = "):
        assert figure in proc.stdout


def test_the_tree_benchmark_lints_a_folder_as_it_is(tmp_path):
    tree = Path(shutil.copytree(REPO / "tests" / "fixtures" / "lint" / "cocos-build", tmp_path / "games" / "cocos"))
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "lint_bench.py"), "--tree", str(tree.parent),
                           "--repeat", "1"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "lint cold / parse floor" in proc.stdout and "lint cold / lint warm" in proc.stdout
    every = len([p for p in tree.rglob("*.js") if ".ttminis" not in p.parts])
    skipped = int(re.search(r"skipped (\d+) files", _ttminis_note(tree)).group(1))
    assert f"{every - skipped} files analysed" in proc.stdout  # what the default selection skips is not parsed


def _ttminis_note(root: Path) -> str:
    return subprocess.run([sys.executable, "-m", "ttminis_cli", "lint", "--no-progress"], cwd=root,
                          capture_output=True, text=True).stdout


def test_the_bundle_benchmark_prints_its_ratios():
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "bundle_bench.py"), "--small"], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "storage.js" in proc.stdout and "engine.js" in proc.stdout and "worst CPU ratio" in proc.stdout
