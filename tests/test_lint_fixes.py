"""Fixes (DESIGN §10): each rule's fix as a table of (source → fixed source), byte for byte; fixes are
idempotent and keep the file parsing; a property test runs the fixing on mutated real-shaped sources;
and `ttminis lint --fix / --diff / --unsafe-fixes` through the real CLI (CliRunner and a subprocess).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ttminis_cli.cli import app
from ttminis_cli.config import Config, find_and_load
from ttminis_cli.lint import fixes
from ttminis_cli.lint import parse as P
from ttminis_cli.lint.engine import analyze
from ttminis_cli.lint.plan import plan
from ttminis_cli.lint.registry import RULES

from test_lint_cli import lint  # `ttminis lint ARGS` in a folder, through CliRunner

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
IMAGE = "'https://cdn.example.com/a.png'"


@pytest.fixture(autouse=True)
def _private_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def make_project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "project.config.json").write_text('{"openDataContext": "openDataContext"}\n')
    files = {"openDataContext/index.js": "tt.onMessage((msg) => {});\n", **files}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(text.encode("utf-8"))
    return root


def fix_in_memory(root: Path, *, unsafe: bool = False, config: Config | None = None) -> fixes.FixRun:
    config = config or Config()
    the_plan = plan([root], config, cwd=root)
    results = [analyze(t, Path(t.ctx.abs_path).read_bytes()) for t in the_plan.tasks]
    return fixes.fix(the_plan.tasks, results, config, unsafe=unsafe)


def fixed_text(tmp_path: Path, path: str, source: str, *, unsafe: bool = False) -> str:
    root = make_project(tmp_path / "p", {path: source})
    run = fix_in_memory(root, unsafe=unsafe)
    return run.after.get(path, source.encode()).decode()


# (case, file, source, fixed with --fix, fixed with --unsafe-fixes too — None: the same)
CASES = [
    ("TTM203 openId", "openDataContext/index.js",
     f"tt.shareToUser({{ openId: friend.openid, imageUrl: {IMAGE}, fail() {{}} }});\n",
     f"tt.shareToUser({{ openid: friend.openid, imageUrl: {IMAGE}, fail() {{}} }});\n", None),
    ("TTM203 keylist", "openDataContext/index.js",
     "tt.getFriendCloudStorage({ keylist: ['best'], fail() {} });\n",
     "tt.getFriendCloudStorage({ keyList: ['best'], fail() {} });\n", None),
    ("TTM203 shorthand openId", "openDataContext/index.js",
     f"function dm(openId) {{\n  tt.shareToUser({{ openId, imageUrl: {IMAGE}, fail() {{}} }});\n}}\n",
     f"function dm(openId) {{\n  tt.shareToUser({{ openid: openId, imageUrl: {IMAGE}, fail() {{}} }});\n}}\n", None),
    ("TTM203 a near name is a guess: unsafe", "openDataContext/index.js",
     "tt.getFriendCloudStorage({ keyLists: ['best'], fail() {} });\n",
     "tt.getFriendCloudStorage({ keyLists: ['best'], fail() {} });\n",
     "tt.getFriendCloudStorage({ keyList: ['best'], fail() {} });\n"),
    ("TTM203 KVDataList of a name: both keys", "game.js",
     "function save(list) {\n  tt.setUserCloudStorage({ KVDataList: list, fail() {} });\n}\n",
     "function save(list) {\n  tt.setUserCloudStorage({ data: list, KVDataList: list, fail() {} });\n}\n", None),
    ("TTM203 KVDataList built in place: a const", "game.js",
     "function save(score) {\n  tt.setUserCloudStorage({\n    KVDataList: [{ key: 'best', value: String(score) }],\n"
     "    fail() {},\n  });\n}\n",
     "function save(score) {\n  const kvDataList = [{ key: 'best', value: String(score) }];\n"
     "  tt.setUserCloudStorage({\n    data: kvDataList, KVDataList: kvDataList,\n    fail() {},\n  });\n}\n", None),
    ("TTM203 KVDataList in an expression: only the unsafe rename", "game.js",
     "function save(ok) {\n  return ok && tt.setUserCloudStorage({ KVDataList: make(), fail() {} });\n}\n",
     "function save(ok) {\n  return ok && tt.setUserCloudStorage({ KVDataList: make(), fail() {} });\n}\n",
     "function save(ok) {\n  return ok && tt.setUserCloudStorage({ data: make(), fail() {} });\n}\n"),
    ("TTM203 KVDataList at a classic script's top: only the unsafe rename", "game.js",
     "tt.setUserCloudStorage({ KVDataList: [{ key: 'a', value: '1' }], fail() {} });\n",
     "tt.setUserCloudStorage({ KVDataList: [{ key: 'a', value: '1' }], fail() {} });\n",
     "tt.setUserCloudStorage({ data: [{ key: 'a', value: '1' }], fail() {} });\n"),
    ("TTM203 two lists in one function: two names", "game.js",
     "function save() {\n  tt.setUserCloudStorage({ KVDataList: [{ key: 'a', value: '1' }], fail() {} });\n"
     "  tt.setUserCloudStorage({ KVDataList: [{ key: 'b', value: '2' }], fail() {} });\n}\n",
     "function save() {\n  const kvDataList = [{ key: 'a', value: '1' }];\n"
     "  tt.setUserCloudStorage({ data: kvDataList, KVDataList: kvDataList, fail() {} });\n"
     "  const kvDataList2 = [{ key: 'b', value: '2' }];\n"
     "  tt.setUserCloudStorage({ data: kvDataList2, KVDataList: kvDataList2, fail() {} });\n}\n", None),
    ("TTM303 number, boolean, decimal", "game.js",
     "function save() {\n  tt.setUserCloudStorage({ data: [{ key: 'a', value: 10 }, { key: 'b', value: true }, "
     "{ key: 'c', value: 1.50 }], fail() {} });\n}\n",
     "function save() {\n  tt.setUserCloudStorage({ data: [{ key: 'a', value: '10' }, { key: 'b', value: 'true' }, "
     "{ key: 'c', value: String(1.50) }], fail() {} });\n}\n", None),
    ("TTM303 in a file that writes double quotes", "game.js",
     'tt.setUserCloudStorage({ data: [{ key: "a", value: 7 }], fail() {} });\n',
     'tt.setUserCloudStorage({ data: [{ key: "a", value: "7" }], fail() {} });\n', None),
    ("TTM303 an object: JSON.stringify, unsafe", "game.js",
     "tt.setUserCloudStorage({ data: [{ key: 'a', value: { level: 3 } }], fail() {} });\n",
     "tt.setUserCloudStorage({ data: [{ key: 'a', value: { level: 3 } }], fail() {} });\n",
     "tt.setUserCloudStorage({ data: [{ key: 'a', value: JSON.stringify({ level: 3 }) }], fail() {} });\n"),
    ("TTM303 inside a KVDataList: the values first, then the const", "game.js",
     "function save() {\n  tt.setUserCloudStorage({ KVDataList: [{ key: 'a', value: { n: 1 } }], fail() {} });\n}\n",
     "function save() {\n  tt.setUserCloudStorage({ KVDataList: [{ key: 'a', value: { n: 1 } }], fail() {} });\n}\n",
     "function save() {\n  const kvDataList = [{ key: 'a', value: JSON.stringify({ n: 1 }) }];\n"
     "  tt.setUserCloudStorage({ data: kvDataList, KVDataList: kvDataList, fail() {} });\n}\n"),
    ("TTM205 keyList string", "openDataContext/index.js",
     "tt.getUserCloudStorage({ keyList: 'best', fail() {} });\n",
     "tt.getUserCloudStorage({ keyList: ['best'], fail() {} });\n", None),
    ("TTM205 get_status_only 'true'", "game.js",
     "tt.authorizeOpenContext({ get_status_only: 'true', fail() {} });\n",
     "tt.authorizeOpenContext({ get_status_only: true, fail() {} });\n", None),
    ("TTM205 one pair for data", "game.js",
     "tt.setUserCloudStorage({ data: { key: 'a', value: '1' }, fail() {} });\n",
     "tt.setUserCloudStorage({ data: [{ key: 'a', value: '1' }], fail() {} });\n", None),
    ("TTM204 1.0 and 'interactive'", "openDataContext/index.js",
     f"tt.shareToUser({{ openid: 'x', imageUrl: {IMAGE}, templateType: 1.0, fail() {{}} }});\n"
     f"tt.shareToUser({{ openid: 'x', imageUrl: {IMAGE}, templateType: 'interactive', fail() {{}} }});\n",
     f"tt.shareToUser({{ openid: 'x', imageUrl: {IMAGE}, templateType: 1, fail() {{}} }});\n"
     f"tt.shareToUser({{ openid: 'x', imageUrl: {IMAGE}, templateType: 2, fail() {{}} }});\n", None),
    ("TTM204 3 is no plain intent", "openDataContext/index.js",
     f"tt.shareToUser({{ openid: 'x', imageUrl: {IMAGE}, templateType: 3, fail() {{}} }});\n",
     f"tt.shareToUser({{ openid: 'x', imageUrl: {IMAGE}, templateType: 3, fail() {{}} }});\n", None),
    ("TTM001 a comment line", "game.js",
     "const a = 1;\n  // ttminis-disable-next-line TTM101\nconst b = 2;\n",
     "const a = 1;\nconst b = 2;\n", None),
    ("TTM001 a trailing comment, CRLF", "game.js",
     "const a = 1;  // ttminis-disable-line\r\nconst b = 2;\r\n",
     "const a = 1;\r\nconst b = 2;\r\n", None),
    ("TTM001 the last line, no newline", "game.js",
     "const a = 1;\n// ttminis-disable-next-line TTM101",
     "const a = 1;", None),
    ("TTM001 only the unused codes", "game.js",
     "// ttminis-disable-next-line TTM101, TTM205, TTM303 -- ported\n"
     "tt.authorizeOpenContext({ get_status_only: 'true', fail() {} });\n",
     "// ttminis-disable-next-line TTM205 -- ported\n"
     "tt.authorizeOpenContext({ get_status_only: 'true', fail() {} });\n", None),
    ("TTM001 a block comment before code", "game.js",
     "/* ttminis-disable-line TTM101 */ const a = 1;\n",
     "const a = 1;\n", None),
    ("TTM206 wraps the statement: unsafe", "game.js",
     "class Game {\n  share() {\n    tt.shareAppMessage({\n      imageUrl: 'https://cdn.example.com/a.png',\n\n"
     "      fail() {},\n    });\n  }\n}\n",
     "class Game {\n  share() {\n    tt.shareAppMessage({\n      imageUrl: 'https://cdn.example.com/a.png',\n\n"
     "      fail() {},\n    });\n  }\n}\n",
     "class Game {\n  share() {\n    if (tt.canIUse('shareAppMessage')) {\n      tt.shareAppMessage({\n"
     "        imageUrl: 'https://cdn.example.com/a.png',\n\n        fail() {},\n      });\n    }\n  }\n}\n"),
    ("TTM206 on a line with other code", "game.js",
     f"go(); tt.shareAppMessage({{ imageUrl: {IMAGE}, fail() {{}} }});\n",
     f"go(); tt.shareAppMessage({{ imageUrl: {IMAGE}, fail() {{}} }});\n",
     f"go(); if (tt.canIUse('shareAppMessage')) {{ tt.shareAppMessage({{ imageUrl: {IMAGE}, fail() {{}} }}); }}\n"),
    ("TTM206 a declaration is not wrapped", "game.js",
     f"const shown = tt.shareAppMessage({{ imageUrl: {IMAGE}, fail() {{}} }});\n",
     f"const shown = tt.shareAppMessage({{ imageUrl: {IMAGE}, fail() {{}} }});\n", None),
    ("TTM206 with a fixable finding inside: both", "game.js",
     f"function share() {{\n\ttt.shareAppMessage({{ imageUrl: {IMAGE}, templateType: 2.0, fail() {{}} }});\n}}\n",
     f"function share() {{\n\ttt.shareAppMessage({{ imageUrl: {IMAGE}, templateType: 2, fail() {{}} }});\n}}\n",
     f"function share() {{\n\tif (tt.canIUse('shareAppMessage')) {{\n\t\ttt.shareAppMessage({{ imageUrl: {IMAGE}, "
     "templateType: 2, fail() {} });\n\t}\n}\n"),
    ("non-ASCII before the finding", "openDataContext/index.js",
     "const title = '排行榜 🏆'; tt.getUserCloudStorage({ keyList: 'best', fail() {} });\n",
     "const title = '排行榜 🏆'; tt.getUserCloudStorage({ keyList: ['best'], fail() {} });\n", None),
]


@pytest.mark.parametrize("case, path, source, safe, unsafe", CASES, ids=[c[0] for c in CASES])
def test_fix_gives_exactly_this_source(tmp_path, case, path, source, safe, unsafe):
    assert fixed_text(tmp_path / "safe", path, source) == safe
    assert fixed_text(tmp_path / "unsafe", path, source, unsafe=True) == (unsafe if unsafe is not None else safe)


@pytest.mark.parametrize("case, path, source, safe, unsafe", CASES, ids=[c[0] for c in CASES])
def test_fixing_is_idempotent_and_keeps_the_file_parsing(tmp_path, case, path, source, safe, unsafe):
    for flag, expected in ((False, safe), (True, unsafe or safe)):
        again = fixed_text(tmp_path / str(flag), path, expected, unsafe=flag)
        assert again == expected
        assert not P.parse("js", expected.encode()).root_node.has_error


def test_a_fix_in_the_inline_script_of_an_html_game(tmp_path):
    page = ('<!doctype html>\n<html><body><script src="https://developers.tiktok.com/js/minis.js"></script>\n'
            "<script>\n  // 排行 ttminis-disable-next-line TTM101\n"
            "  tt.setUserCloudStorage({ data: [{ key: 'a', value: 1 }], fail() {} });\n</script></body></html>\n")
    root = make_project(tmp_path / "p", {"index.html": page})
    run = fix_in_memory(root)
    # The value is fixed in place; in a page TTM001 offers no fix (the lint sees the script, not the markup).
    assert run.after["index.html"].decode() == page.replace("value: 1 }", "value: '1' }")
    assert [d.code for d in run.diagnostics] == ["TTM001"]


def test_a_kvdatalist_beside_data_is_not_reported(tmp_path):
    root = make_project(tmp_path / "p", {"game.js": "function save(list) {\n  tt.setUserCloudStorage({ data: list, "
                                                    "KVDataList: list, fail() {} });\n}\n"})
    assert fix_in_memory(root).diagnostics == []


def test_every_fixable_rule_documents_its_fix_safety():
    for code, rule in RULES.items():
        assert rule.fixable in ("", "safe", "unsafe", "safe or unsafe"), code
        assert bool(rule.fix_safety) == bool(rule.fixable), code


@pytest.fixture
def offered(tmp_path_factory) -> dict[str, set[bool]]:
    """Which codes the table's sources get fixes for, and their safety."""
    found: dict[str, set[bool]] = {}
    for i, (_, path, source, _, _) in enumerate(CASES):
        root = make_project(tmp_path_factory.mktemp("offered") / str(i), {path: source})
        the_plan = plan([root], Config(), cwd=root)
        from ttminis_cli.lint.finish import finish

        results = [analyze(t, Path(t.ctx.abs_path).read_bytes()) for t in the_plan.tasks]
        for d in finish(results, Config()):
            if d.fix is not None:
                found.setdefault(d.code, set()).add(d.fix.safe)
    return found


def test_the_docs_say_which_fixes_exist_and_how_safe(offered):
    for code, safeties in offered.items():
        expected = {frozenset({True}): "safe", frozenset({False}): "unsafe"}.get(frozenset(safeties), "safe or unsafe")
        assert RULES[code].fixable == expected, code
    assert {c for c, r in RULES.items() if r.fixable} == set(offered)


def test_explain_prints_the_fix_safety(tmp_path):
    fixable = CliRunner().invoke(app, ["explain", "TTM203"])
    assert "## Fix safety" in fixable.stdout and "KVDataList" in fixable.stdout.split("## Fix safety")[1]
    none = CliRunner().invoke(app, ["explain", "TTM101"])
    assert "No automatic fix" in none.stdout
    assert "(fix: unsafe)" in CliRunner().invoke(app, ["rules"]).stdout


# ---------------------------------------------------------------------------- property: real-shaped sources

SNIPPETS = [
    "tt.getFriendCloudStorage({ keylist: ['best'], fail() {} });",
    "tt.shareToUser({ openId: 'x', imageUrl: 'https://cdn.example.com/a.png', templateType: 1.0, fail() {} });",
    "tt.setUserCloudStorage({ KVDataList: [{ key: 'best', value: 10 }, { key: 'o', value: { n: 1 } }], fail() {} });",
    "tt.setUserCloudStorage({ data: [{ key: 'k', value: true }], fail() {} });",
    "tt.getUserCloudStorage({ keyList: 'best', fail() {} });",
    "tt.authorizeOpenContext({ get_status_only: 'false', fail() {} });",
    "tt.shareAppMessage({ imageUrl: 'https://cdn.example.com/a.png', fail() {} });",
    "// ttminis-disable-next-line TTM101, TTM303\nconst unused = 1;",
    "wx.setUserCloudStorage({ KVDataList: list, fail() {} });",
]


def _real_sources() -> list[Path]:
    out = []
    for path in sorted(FIXTURES.rglob("*.js")):
        text = path.read_bytes()
        if len(text) < 20_000 and b"\0" not in text and not P.parse("js", text).root_node.has_error:
            out.append(path)
    return out


REAL = _real_sources()


def _statement_starts(source: bytes) -> list[int]:
    root = P.parse("js", source).root_node
    starts = []
    for node in P.walk(root):
        if node.type in ("program", "statement_block") and node.named_child_count:
            for child in node.named_children:
                if child.type.endswith(("statement", "declaration")):
                    starts.append(child.start_byte)
    return sorted(set(starts)) or [0]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_fixing_mutated_real_sources_keeps_them_parsing_and_is_idempotent(tmp_path_factory, data):
    source_path = data.draw(st.sampled_from(REAL), label="source")
    source = source_path.read_bytes()
    starts = _statement_starts(source)
    inserts = data.draw(st.lists(st.tuples(st.sampled_from(starts), st.sampled_from(SNIPPETS)), min_size=1,
                                 max_size=4), label="inserts")
    mutated = source
    for at, snippet in sorted(inserts, key=lambda i: -i[0]):
        mutated = mutated[:at] + snippet.encode() + b"\n" + mutated[at:]
    assert not P.parse("js", mutated).root_node.has_error
    unsafe = data.draw(st.booleans(), label="unsafe")
    where = data.draw(st.sampled_from(["game.js", "openDataContext/index.js", "js/main.js"]), label="where")
    root = make_project(tmp_path_factory.mktemp("prop"), {where: mutated.decode("utf-8")})
    first = fix_in_memory(root, unsafe=unsafe)
    fixed = first.after.get(where, mutated)
    assert not P.parse("js", fixed).root_node.has_error, fixed.decode()
    assert first.problems == []
    (root / where).write_bytes(fixed)
    second = fix_in_memory(root, unsafe=unsafe)
    assert second.after == {}, "not idempotent"
    # Nothing is lost: every line of the source without a finding is still there (re-indented at most).
    flagged = {d.line for d in fix_in_memory_findings(root, mutated, where)}
    kept = {line.strip() for line in fixed.decode().splitlines()}
    for number, line in enumerate(mutated.decode().splitlines(), start=1):
        if number not in flagged and "ttminis-" not in line and line.strip():
            assert line.strip() in kept, line


def fix_in_memory_findings(root: Path, source: bytes, where: str):
    from ttminis_cli.lint.finish import finish

    the_plan = plan([root], Config(), cwd=root)
    results = [analyze(t, source if t.ctx.path == where else Path(t.ctx.abs_path).read_bytes())
               for t in the_plan.tasks]
    return [d for d in finish(results, Config()) if d.path == where]


# ---------------------------------------------------------------------------- the CLI

GAME = ("function save(score) {\n  tt.setUserCloudStorage({ data: [{ key: 'best', value: 10 }], fail() {} });\n}\n"
        "export function share() {\n  tt.shareAppMessage({ imageUrl: 'https://cdn.example.com/a.png', fail() {} });\n}\n")
GAME_FIXED = GAME.replace("value: 10", "value: '10'")


def test_fix_writes_the_safe_fixes_and_reports_what_remains(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME})
    result = lint(root, "--fix")
    assert result.exit_code == 0, result.output  # the TTM206 left is a warning
    assert (root / "game.js").read_text() == GAME_FIXED
    assert re.search(r"^game\.js:5:3: TTM206 ", result.stdout, re.M)
    last = result.stdout.splitlines()[-1]
    assert "Fixed 1 finding in 1 file" in last and "1 warning remain" in last and "more with --unsafe-fixes" in last


def test_fix_with_nothing_left_says_so(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME})
    result = lint(root, "--fix", "--unsafe-fixes")
    assert result.exit_code == 0, result.output
    assert "if (tt.canIUse('shareAppMessage')) {" in (root / "game.js").read_text()
    assert "Fixed 2 findings in 1 file; nothing remains in 2 files." in result.stdout
    again = lint(root, "--fix")
    assert again.exit_code == 0 and "nothing remains" not in again.stdout and "No findings" in again.stdout


def test_fix_exits_1_while_errors_remain_and_json_stays_parseable(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME + "tt.shareToUser({ openid: 'x', imageUrl: 'https://"
                                                          "cdn.example.com/a.png', fail() {} });\n"})
    result = lint(root, "--fix", "--format", "json")
    assert result.exit_code == 1
    import json

    assert [d["code"] for d in json.loads(result.stdout)] == ["TTM206", "TTM101"]
    assert "fixed 1 finding in 1 file" in result.stderr


def test_diff_prints_the_fixes_and_writes_nothing(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME})
    before = (root / "game.js").stat().st_mtime_ns
    result = lint(root, "--diff")
    assert result.exit_code == 1
    assert result.stdout == ("--- a/game.js\n+++ b/game.js\n@@ -1,5 +1,5 @@\n function save(score) {\n"
                             "-  tt.setUserCloudStorage({ data: [{ key: 'best', value: 10 }], fail() {} });\n"
                             "+  tt.setUserCloudStorage({ data: [{ key: 'best', value: '10' }], fail() {} });\n"
                             " }\n export function share() {\n   tt.shareAppMessage({ imageUrl: "
                             "'https://cdn.example.com/a.png', fail() {} });\n")
    assert "would fix 1 finding in 1 file (1 more with --unsafe-fixes)" in result.stderr
    assert (root / "game.js").read_text() == GAME and (root / "game.js").stat().st_mtime_ns == before
    unsafe = lint(root, "--diff", "--unsafe-fixes")
    assert unsafe.exit_code == 1 and "+  if (tt.canIUse('shareAppMessage')) {" in unsafe.stdout
    assert (root / "game.js").read_text() == GAME


def test_diff_exits_0_when_there_is_nothing_to_fix(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME_FIXED})
    result = lint(root, "--diff")
    assert result.exit_code == 0 and result.stdout == ""
    assert "nothing to fix (1 more with --unsafe-fixes)" in result.stderr


def test_without_fix_the_summary_counts_the_fixable(tmp_path):
    result = lint(make_project(tmp_path / "g", {"game.js": GAME}))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1].endswith("1 fixable with --fix (1 more with --unsafe-fixes).")


def test_fixes_survive_the_cache(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME})
    cold = lint(root)
    warm = lint(root)  # every result unpickled from .ttminis/cache, fixes included
    assert warm.stdout == cold.stdout and "1 fixable with --fix" in warm.stdout
    assert lint(root, "--fix").exit_code == 0 and (root / "game.js").read_text() == GAME_FIXED


def test_fixes_follow_suppressions_select_ignore_and_per_file_ignores(tmp_path):
    source = ("function f(score) {\n  // ttminis-disable-next-line TTM303\n"
              "  tt.setUserCloudStorage({ data: [{ key: 'a', value: 1 }], fail() {} });\n}\n")
    root = make_project(tmp_path / "g", {"game.js": source, "src/other.js": GAME_FIXED.replace("'10'", "2"),
                                         "tests/t.js": GAME_FIXED.replace("'10'", "3")})
    (root / "ttminis.toml").write_text('[lint.per-file-ignores]\n"tests/**" = ["TTM303"]\n')
    result = lint(root, "--fix", "--ignore", "TTM206")
    assert result.exit_code == 0, result.output
    assert (root / "game.js").read_text() == source
    assert "value: '2'" in (root / "src" / "other.js").read_text()
    assert "value: 3 }" in (root / "tests" / "t.js").read_text()
    lint(root, "--fix", "--select", "TTM2", "--unsafe-fixes")
    assert "value: 3 }" in (root / "tests" / "t.js").read_text()
    assert "canIUse" in (root / "tests" / "t.js").read_text()


def test_fix_never_touches_a_file_the_default_selection_skips(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME, "libs/engine.js": GAME, "js/code.min.js": GAME})
    result = lint(root, "--fix")
    assert (root / "libs" / "engine.js").read_text() == GAME and (root / "js" / "code.min.js").read_text() == GAME
    assert (root / "game.js").read_text() == GAME_FIXED
    assert "skipped 2 files" in result.stdout


def test_fix_of_named_files_fixes_those_only(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME, "src/other.js": GAME})
    result = lint(root, "--fix", "game.js")
    assert result.exit_code == 0, result.output
    assert (root / "game.js").read_text() == GAME_FIXED and (root / "src" / "other.js").read_text() == GAME


def test_fix_refuses_watch_and_leaves_broken_files_alone(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME + "function (\n"})
    assert lint(root, "--fix", "--watch").exit_code == 2
    result = lint(root, "--fix")
    assert result.exit_code == 1 and (root / "game.js").read_text() == GAME + "function (\n"


def test_fix_keeps_mode_and_symlinks_and_skips_what_is_not_utf8(tmp_path):
    root = make_project(tmp_path / "g", {"real/game.js": GAME})
    (root / "real" / "game.js").chmod(0o640)
    (root / "game.js").symlink_to(root / "real" / "game.js")
    (root / "latin1.js").write_bytes(GAME.replace("best", "b\xe9st").encode("latin-1"))
    result = lint(root, "--fix", "game.js", "latin1.js")
    assert (root / "game.js").is_symlink() and (root / "real" / "game.js").read_text() == GAME_FIXED
    assert stat.S_IMODE((root / "real" / "game.js").stat().st_mode) == 0o640
    assert "latin1.js: not UTF-8 text; not fixed" in result.stderr
    assert [p.name for p in (root / "real").iterdir()] == ["game.js"]  # no temp file left behind


def test_a_file_changed_while_being_fixed_is_left_alone(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME})
    run = fix_in_memory(root)
    (root / "game.js").write_text(GAME + "// edited meanwhile\n")
    assert fixes.write(run) == ["game.js: changed while it was being fixed; left as it is"]
    assert (root / "game.js").read_text() == GAME + "// edited meanwhile\n"


def test_fix_through_a_subprocess(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME})
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    proc = subprocess.run([sys.executable, "-m", "ttminis_cli", "lint", "--fix", "--unsafe-fixes"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Fixed 2 findings in 1 file; nothing remains in 2 files." in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "ttminis_cli", "lint", "--diff"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, "")


def test_a_config_file_is_honoured_by_the_fix_loop(tmp_path):
    root = make_project(tmp_path / "g", {"game.js": GAME})
    (root / "ttminis.toml").write_text('[lint]\nignore = ["TTM303"]\n')
    run = fix_in_memory(root, config=find_and_load(root))
    assert run.after == {}
