"""The engine contract: plan (discovery, domains, runtime), analyze (pure, never raises), finish
(cross-file rules, suppression, select/ignore, report_paths)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from ttminis_cli.config import Config, LintConfig
from ttminis_cli.errors import UserError
from ttminis_cli.lint.diagnostic import Diagnostic, Edit, Fix
from ttminis_cli.lint.engine import analyze, lint
from ttminis_cli.lint.finish import finish, selected
from ttminis_cli.lint.model import make
from ttminis_cli.lint.plan import plan
from ttminis_cli.lint.records import FileContext, FileTask
from ttminis_cli.lint.rules.storage import TTM303

SDK = '<script src="https://developers.tiktok.com/js/minis.js"></script>'


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def config(**lint_options) -> Config:
    return Config(lint=LintConfig(**lint_options))


def domains(root: Path, cfg: Config | None = None) -> dict[str, str]:
    return {t.ctx.path: t.ctx.domain for t in plan([root], cfg or Config(), cwd=root).tasks}


def codes(root: Path, cfg: Config | None = None, **kw) -> list[tuple[str, int, str]]:
    found, _ = lint([root], cfg or Config(), cwd=root, **kw)
    return [(d.path, d.line, d.code) for d in found]


def test_domains_from_project_config_and_game_json(tmp_path):
    a = write(tmp_path / "a", {"project.config.json": '{"openDataContext": "odc"}', "game.js": "",
                               "odc/index.js": "", "odc/lib/x.ts": "", "src/y.tsx": ""})
    assert domains(a) == {"game.js": "main", "odc/index.js": "open-data", "odc/lib/x.ts": "open-data",
                          "src/y.tsx": "main"}
    b = write(tmp_path / "b", {"game.json": '{"openDataContext": "src/open"}', "game.js": "", "src/open/index.js": ""})
    assert domains(b) == {"game.js": "main", "src/open/index.js": "open-data"}


def test_open_data_globs_override_and_undeclared_folders_count(tmp_path):
    root = write(tmp_path / "p", {"project.config.json": '{"openDataContext": "odc"}', "odc/index.js": "",
                                  "build2/rank/index.js": ""})
    assert domains(root, config(open_data=("build2/rank/**",))) == {
        "odc/index.js": "main", "build2/rank/index.js": "open-data"}
    engine = write(tmp_path / "e", {"assets/a.js": "", "tpl/wechatgame/openDataContext/index.js": ""})
    assert domains(engine) == {"assets/a.js": "main", "tpl/wechatgame/openDataContext/index.js": "open-data"}


def test_default_and_configured_excludes(tmp_path):
    root = write(tmp_path / "p", {"game.json": "{}", "game.js": "", "node_modules/x/index.js": "",
                                  "dist/game.js": "", "build/wechatgame/game.js": "", ".git/hooks/a.js": "",
                                  "tools/big.js": "", "src/keep.js": "", "README.md": ""})
    assert sorted(domains(root)) == ["game.js", "src/keep.js", "tools/big.js"]
    assert sorted(domains(root, config(exclude=("tools/**",)))) == ["game.js", "src/keep.js"]


def test_a_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(UserError) as info:
        plan([Path("nope.js")], Config(), cwd=tmp_path)
    assert info.value.exit_code == 2 and "nope.js" in info.value.message


def test_the_domain_note_is_said_once_per_project(tmp_path):
    root = write(tmp_path / "p", {"a.js": "", "b/c.js": "", "d.ts": ""})
    result = plan([root], Config(), cwd=root)
    assert len(result.notes) == 1 and "[lint] open-data" in result.notes[0]
    assert all(not t.ctx.domain_rules for t in result.tasks)


def test_runtime_detection(tmp_path):
    html = write(tmp_path / "h", {"index.html": f"<html><body>{SDK}</body></html>", "main.js": ""})
    native = write(tmp_path / "n", {"index.html": "<html><body><script src='main.js'></script></body></html>",
                                    "main.js": ""})
    assert {t.language for t in plan([html], Config(), cwd=html).tasks} == {"html", "js"}
    assert all(t.ctx.html_runtime for t in plan([html], Config(), cwd=html).tasks)
    assert [t.language for t in plan([native], Config(), cwd=native).tasks] == ["js"]
    assert all(t.ctx.html_runtime for t in plan([native], config(runtime="html"), cwd=native).tasks)
    assert not any(t.ctx.html_runtime for t in plan([html], config(runtime="native"), cwd=html).tasks)


def test_open_data_call_in_a_project_without_open_data_says_to_declare_it(tmp_path):
    root = write(tmp_path / "p", {"project.config.json": '{"app_id": "k"}',
                                  "game.js": "tt.getFriendCloudStorage({ keyList: ['s'], fail() {} });\n"})
    found, the_plan = lint([root], Config(), cwd=root)
    assert [(d.code, d.line) for d in found if d.code == "TTM101"] == [("TTM101", 1)]
    assert "openDataContext" in found[0].message and the_plan.notes == []


def test_cross_domain_imports(tmp_path):
    root = write(tmp_path / "p", {
        "project.config.json": '{"openDataContext": "odc"}',
        "game.js": "import './odc/rank';\nconst r = require('./shared/util.js');\nimport('./odc/lazy.js');\n",
        "shared/util.js": "",
        "odc/rank.js": "",
        "odc/lazy.js": "",
        "odc/index.js": "import { a } from '../shared/util';\nimport { b } from './rank.js';\n",
    })
    assert codes(root) == [("game.js", 1, "TTM103"), ("game.js", 3, "TTM103"), ("odc/index.js", 1, "TTM103")]


def test_syntax_errors_leave_the_other_rules_running(tmp_path):
    root = write(tmp_path / "p", {"project.config.json": '{"openDataContext": "odc"}',
                                  "game.js": "tt.shareToUser({ openid: 'a', imageUrl: 'https://x.com/a.png' });\n"
                                             "function (( {\n"})
    assert {c for _, _, c in codes(root)} == {"TTM002", "TTM101"}


@pytest.mark.parametrize("source", [
    b"", b"\xff\xfe\x00\x00binary\x00", "tt.login({ fail() {} }) // caf\xe9".encode("latin-1"),
    b"{" * 3000, b"tt.shareToUser(" * 2000, "const s = '\U0001F600'; tt.shareToUsr();".encode(),
])
def test_analyze_never_raises_and_its_result_pickles(source):
    ctx = FileContext("x.js", "/nowhere/x.js", "main", "/nowhere", True, True, False, ())
    result = analyze(FileTask(ctx, "js"), source)
    assert pickle.loads(pickle.dumps(result)) == result
    assert all(d.path == "x.js" and d.line >= 1 and d.column >= 1 for d in result.diagnostics)


def test_make_builds_the_diagnostic_its_constructor_would():
    fix = Fix("Write `'1'`", True, (Edit(1, 2, 1, 3, "'1'"),))
    made = make(TTM303, "x.js", (1, 2, 1, 3), "m", fix)
    built = Diagnostic("x.js", 1, 2, TTM303.code, "m", TTM303.severity, 1, 3, TTM303.name, fix)
    assert type(made) is Diagnostic and made._asdict() == built._asdict()
    assert pickle.dumps(made) == pickle.dumps(built)
    with pytest.raises(AttributeError):
        made.line = 2


def test_the_no_config_note_names_its_files_where_other_projects_were_found(tmp_path):
    """Linting a folder of games, a script beside them is in no project: the note is about it, not the run."""
    root = write(tmp_path / "repo", {"breakout/game.json": "{}", "breakout/game.js": "", "tools/gen.mjs": "",
                                     "tools/more.js": ""})
    assert plan([root], Config(), cwd=root).notes == [
        "2 files in no project (tools/gen.mjs and 1 more): no project.config.json, game.json or openDataContext/ "
        "folder above them, so the domain rules (TTM101–TTM106 and TTM401–TTM403) are off there; declare the "
        "open data folder with `[lint] open-data = [\"<folder>/**\"]` in ttminis.toml"]


def test_columns_count_characters_not_bytes(tmp_path):
    root = write(tmp_path / "p", {"game.json": "{}", "game.js": "const s = 'héllo😀'; tt.shareToUsr();\n"})
    found, _ = lint([root], Config(), cwd=root)
    assert [(d.code, d.column) for d in found] == [("TTM201", 21)]


def test_report_paths_limit_the_output_not_the_facts(tmp_path):
    root = write(tmp_path / "p", {
        "project.config.json": '{"openDataContext": "odc"}',
        "game.js": "tt.setUserCloudStorage({ data: [{ key: 'best', value: '1' }], fail() {} });\n"
                   "tt.shareToUser({});\n",
        "odc/index.js": "tt.getUserCloudStorage({ keyList: ['best', 'bset'], fail() {} });\n"})
    assert codes(root, report_paths={"odc/index.js"}) == [("odc/index.js", 1, "TTM305")]
    assert ("game.js", 2, "TTM101") in codes(root)


def test_select_ignore_and_per_file_ignores(tmp_path):
    root = write(tmp_path / "p", {
        "project.config.json": "{}",
        "game.js": "tt.login({ success() {} });\nTTMinis.login();\ntt.shareAppMessage({ imageUrl: 'a.png', fail() {} });\n",
        "tests/t.js": "TTMinis.login();\n"})
    everything = codes(root)
    assert {c for _, _, c in everything} == {"TTM201", "TTM206", "TTM209"}  # TTM207 is opt-in
    assert {c for _, _, c in codes(root, config(select=("TTM", "TTM207")))} == {"TTM201", "TTM206", "TTM207",
                                                                             "TTM209"}
    assert {c for _, _, c in codes(root, config(select=("TTM2",), ignore=("TTM206", "TTM207")))} == {
        "TTM201", "TTM209"}
    assert {c for _, _, c in codes(root, config(ignore=("TTM20",)))} == set()
    assert {c for _, _, c in codes(root, config(ignore=("TTM2",), select=("TTM", "TTM201")))} == {"TTM201"}
    assert [p for p, _, _ in codes(root, config(per_file_ignores=(("tests/**", ("TTM201",)),)))].count(
        "tests/t.js") == 0


@pytest.mark.parametrize("code,select,ignore,expected", [
    ("TTM101", ("TTM",), (), True),
    ("TTM101", ("TTM",), ("TTM1",), False),
    ("TTM101", ("TTM101",), ("TTM1",), True),
    ("TTM101", ("TTM2",), (), False),
    ("TTM101", ("TTM1",), ("TTM1",), True),
])
def test_the_most_specific_prefix_wins(code, select, ignore, expected):
    assert selected(code, select, ignore) is expected


@pytest.mark.parametrize("select,expected", [(("TTM",), False), (("TTM2",), True), (("TTM207",), True),
                                             (("TTM", "TTM20"), True), (("TT",), False)])
def test_an_opt_in_rule_needs_its_code_or_family(select, expected):
    assert selected("TTM207", select, (), opt_in=True) is expected


def test_extra_apis_are_known(tmp_path):
    root = write(tmp_path / "p", {"game.json": "{}", "game.js": "tt.logins({ fail() {} });\n"})
    assert codes(root) == [("game.js", 1, "TTM201")]
    assert codes(root, config(extra_apis=("logins",))) == []


def test_finish_is_deterministic_and_sorted(tmp_path):
    root = write(tmp_path / "p", {"game.json": "{}", "b.js": "tt.logins();\ntt.logins();\n", "a.js": "tt.logins();\n"})
    the_plan = plan([root], Config(), cwd=root)
    results = [analyze(t, Path(t.ctx.abs_path).read_bytes()) for t in the_plan.tasks]
    first = finish(results, Config())
    assert first == finish(list(reversed(results)), Config())
    assert [(d.path, d.line) for d in first] == [("a.js", 1), ("b.js", 1), ("b.js", 2)]


def test_file_level_open_data_globs(tmp_path):
    root = write(tmp_path / "p", {"game.json": "{}", "src/odc_rank.js": "", "src/game_main.js": ""})
    assert domains(root, config(open_data=("src/odc_*.js",))) == {
        "src/odc_rank.js": "open-data", "src/game_main.js": "main"}


def test_findings_through_a_wrapper_module_need_the_module_to_export_the_platform(tmp_path):
    use = "import { api } from './platform';\napi.shareToUser({ openid: 'a', imageUrl: 'https://x.com/a.png' });\n"
    wrapper = write(tmp_path / "w", {"game.json": "{}", "game.js": use,
                                     "platform.js": "export const api = typeof tt !== 'undefined' ? tt : wx;\n"})
    assert codes(wrapper) == [("game.js", 2, "TTM101")]
    other = write(tmp_path / "o", {"game.json": "{}", "game.js": use,
                                   "platform.ts": "export const api = { shareToUser() {} };\n"})
    assert codes(other) == []
    assert codes(wrapper, report_paths={"game.js"}) == [("game.js", 2, "TTM101")]


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_clashing = st.builds(Diagnostic, path=st.sampled_from(["a.js", "b.js"]), line=st.integers(1, 3),
                      column=st.integers(1, 3), code=st.sampled_from(["TTM101", "TTM303"]),
                      message=st.sampled_from(["first", "second"]))


@given(st.lists(_clashing, max_size=30))
def test_unique_sorted_keeps_the_first_of_equal_findings_in_order(diagnostics):
    from ttminis_cli.lint.diagnostic import ORDER, unique_sorted

    expected = sorted(dict.fromkeys(diagnostics), key=ORDER)
    got = unique_sorted(diagnostics)
    assert len(got) == len(expected) and all(a is b for a, b in zip(got, expected))


@given(st.lists(st.lists(_clashing, max_size=12), max_size=4))
def test_finish_orders_results_as_one_sort_of_all_their_findings(groups):
    """finish sorts again only the paths whose findings are not one result's own (a path given twice,
    project findings, suppressions): each result's, as analysis leaves them, are already in order."""
    from ttminis_cli.lint.diagnostic import unique_sorted
    from ttminis_cli.lint.records import FileResult

    results = []
    for group in groups:
        for path in sorted({d.path for d in group}):
            results.append(FileResult(path, tuple(unique_sorted([d for d in group if d.path == path])), None))
    everything = [d for r in results for d in r.diagnostics]
    got = finish(results, Config(lint=LintConfig(select=("TTM",))))
    expected = unique_sorted(everything)
    assert len(got) == len(expected) and all(a is b for a, b in zip(got, expected))
