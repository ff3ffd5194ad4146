"""`ttminis validate` and `ttminis schema`.

Every folder tests/fixtures/validate/{valid,invalid}/<case>/ is a test: its `project/` is
validated (cwd = project, `--format json`) and the output must equal its `expected.json`. Cases
under valid/ must exit 0, under invalid/ exit 1. Set TTMINIS_UPDATE_GOLDEN=1 to rewrite the
expected files after a deliberate change of wording, then review the diff.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from ttminis_cli.cli import app
from ttminis_cli.validate import JsonProblem, load_json, schema_text

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
CASES = sorted(FIXTURES.glob("*/*/expected.json"))
UPDATE = os.environ.get("TTMINIS_UPDATE_GOLDEN") == "1"


def run(*args: str):
    return CliRunner().invoke(app, ["validate", *args])


def findings(result) -> list[dict]:
    return json.loads(result.stdout)


def write(path: Path, content) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2), encoding="utf-8")
    return path


def make_project(root: Path, config=None, game=None) -> Path:
    write(root / "project.config.json", config if config is not None else
          {"dev": {"port": 9527}, "openDataContext": "openDataContext", "app_id": "sbx5k2mgq9dx4p"})
    write(root / "game.json", game if game is not None else {"deviceOrientation": "portrait"})
    write(root / "game.js", "tt.getOpenDataContext().postMessage({ type: 'show' });\n")
    write(root / "openDataContext" / "index.js", "tt.onMessage(() => {});\n")
    return root


# --------------------------------------------------------------------------- data-driven cases


def test_there_are_fixture_cases_of_both_kinds():
    kinds = {case.parent.parent.name for case in CASES}
    assert kinds == {"valid", "invalid"} and len(CASES) >= 30


@pytest.mark.parametrize("expected_file", CASES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_fixture_case(expected_file: Path, monkeypatch):
    monkeypatch.chdir(expected_file.parent / "project")
    result = run("--format", "json")
    if UPDATE:
        expected_file.write_text(result.stdout, encoding="utf-8")
    assert findings(result) == json.loads(expected_file.read_text(encoding="utf-8"))
    has_error = any(f["severity"] == "error" for f in findings(result))
    if expected_file.parent.parent.name == "valid":
        assert result.exit_code == 0 and not has_error
    else:
        assert result.exit_code == 1 and has_error


@pytest.mark.parametrize("expected_file", CASES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_text_output_names_every_finding_at_its_place(expected_file: Path, monkeypatch):
    monkeypatch.chdir(expected_file.parent / "project")
    result = run()
    for f in json.loads(expected_file.read_text(encoding="utf-8")):
        head = f"{f['path']}:{f['line']}:{f['column']}: {f['severity']}: {f['message']}"
        (line,) = [line for line in result.stdout.splitlines() if line.startswith(head)]
        assert f["pointer"] in line  # the JSON pointer is named, in the message or after it
        if f["hint"]:
            assert f"hint: {f['hint']}" in result.stdout
    verdict = "valid" if expected_file.parent.parent.name == "valid" else "invalid"
    assert result.stdout.rstrip().splitlines()[-1].startswith(f".: {verdict}")


def test_every_error_in_the_invalid_cases_has_a_precise_place_and_a_hint():
    for case in CASES:
        for f in json.loads(case.read_text(encoding="utf-8")):
            assert f["line"] >= 1 and f["column"] >= 1 and f["hint"], (case, f)
            if f["path"].endswith(".json") and f["pointer"]:
                assert f["pointer"].startswith("/")


# --------------------------------------------------------------------------- exact places


def test_malformed_json_points_at_the_trailing_comma(tmp_path):
    make_project(tmp_path)
    write(tmp_path / "project.config.json", '{\n  "app_id": "k",\n  "openDataContext": "openDataContext",\n}\n')
    result = run(str(tmp_path / "project.config.json"))
    assert result.exit_code == 1
    assert "project.config.json:3:39: error: trailing comma" in result.stdout


def test_columns_count_characters_not_bytes(tmp_path):
    make_project(tmp_path, config='{"projectname": "日本語のゲーム", "dev": {"port": "80"}, '
                                  '"openDataContext": "openDataContext"}')
    found = findings(run(str(tmp_path), "--format", "json"))
    port = next(f for f in found if f["pointer"] == "/dev/port")
    text = (tmp_path / "project.config.json").read_text(encoding="utf-8")
    assert text[port["column"] - 1:].startswith('"80"')
    assert port["message"] == '/dev/port must be an integer, got a string "80"'
    assert port["hint"] == "remove the quotes: 80"


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=12),
       st.sampled_from([None, 1, 2, "\t"]))
def test_every_pointer_maps_to_where_its_value_is_written(tmp_path_factory, value, indent):
    path = tmp_path_factory.mktemp("doc") / "x.json"
    text = json.dumps({"v": value}, indent=indent, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    doc = load_json(path, "x.json")
    lines = text.split("\n")
    for pointer, (line, column) in doc.values.items():
        target = _resolve(doc.data, pointer)
        written = lines[line - 1][column - 1:]
        if not isinstance(target, (list, dict)):
            assert written.startswith(json.dumps(target, ensure_ascii=False)), (pointer, text)
        else:
            assert written.startswith("[" if isinstance(target, list) else "{")


def _resolve(data, pointer: str):
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def test_wrong_types_name_the_kind_and_a_short_value(tmp_path):
    make_project(tmp_path, config={"dev": None, "app_id": ["x" * 60], "openDataContext": "openDataContext"})
    messages = [f["message"] for f in findings(run(str(tmp_path), "--format", "json"))]
    assert messages == ["/dev must be an object, got null",
                        '/app_id must be a string, got an array ["' + "x" * 35 + "..."]


def test_non_standard_numbers_are_rejected_at_their_place(tmp_path):
    path = write(tmp_path / "x.json", '{"name": "NaN here", "n": Infinity}')
    with pytest.raises(JsonProblem) as problem:
        load_json(path, "x.json")
    assert (problem.value.line, problem.value.column) == (1, 27)


# --------------------------------------------------------------------------- the open data folder


def test_symlink_that_leads_outside_the_project_is_an_error(tmp_path):
    outside = tmp_path / "elsewhere"
    write(outside / "index.js", "tt.onMessage(() => {});\n")
    root = make_project(tmp_path / "game")
    (root / "leaderboard").symlink_to(outside, target_is_directory=True)
    write(root / "project.config.json", {"openDataContext": "leaderboard", "app_id": "k"})
    found = findings(run(str(root), "--format", "json"))
    assert [f["message"] for f in found if f["severity"] == "error"] == [
        'openDataContext "leaderboard" leads outside the project through a symbolic link']


def test_symlink_inside_the_project_is_fine(tmp_path):
    root = make_project(tmp_path)
    (root / "src").mkdir()
    (root / "openDataContext").rename(root / "src" / "leaderboard")
    (root / "odc").symlink_to(root / "src" / "leaderboard", target_is_directory=True)
    write(root / "project.config.json", {"openDataContext": "odc", "app_id": "k"})
    result = run(str(root), "--format", "json")
    assert result.exit_code == 0 and findings(result) == []


def test_typescript_open_data_folder_gets_a_note_not_an_error(tmp_path):
    root = make_project(tmp_path)
    (root / "openDataContext" / "index.js").rename(root / "openDataContext" / "index.ts")
    result = run(str(root))
    assert result.exit_code == 0
    assert "note: openDataContext \"openDataContext\" has index.ts but no index.js yet" in result.stdout
    assert "hint: run the build" in result.stdout


# --------------------------------------------------------------------------- package size


def _sparse(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)


def test_size_budget_warnings_name_the_largest_files(tmp_path):
    mb = 1024 * 1024
    root = make_project(tmp_path, game={"subpackages": [{"name": "big", "root": "big/"},
                                                        {"name": "ok", "root": "ok/"}]})
    _sparse(root / "assets" / "music.mp3", 3 * mb)
    _sparse(root / "assets" / "atlas.png", 2 * mb)
    _sparse(root / "big" / "video.mp4", 5 * mb)
    _sparse(root / "ok" / "level.bin", 1 * mb)
    _sparse(root / "node_modules" / "huge.bin", 40 * mb)  # never part of the package
    result = run(str(root), "--format", "json")
    assert result.exit_code == 0
    warnings = {f["pointer"]: f for f in findings(result)}
    assert set(warnings) == {"", "/subpackages/0/root"}
    main = warnings[""]
    assert main["message"].startswith("the main package (everything outside subpackages) is 5.0 MB, over the "
                                      "platform's 4.0 MB limit")
    assert main["hint"].startswith("largest files: assets/music.mp3 (3.0 MB), assets/atlas.png (2.0 MB), game.json (")
    assert "largest folders: assets/ (5.0 MB), openDataContext/ (24 B)" in main["hint"]
    assert warnings["/subpackages/0/root"]["hint"].startswith("largest files: big/video.mp4 (5.0 MB); split")
    assert warnings["/subpackages/0/root"]["message"] == ("subpackage 'big' is 5.0 MB, over the platform's "
                                                          "4.0 MB limit: it runs locally, but the platform refuses "
                                                          "to upload it (validate --strict fails on this)")


def test_strict_makes_warnings_fail_and_the_verdict_says_so(tmp_path):
    root = make_project(tmp_path)
    _sparse(root / "assets" / "music.mp3", 5 * 1024 * 1024)
    relaxed = run(str(root))
    assert relaxed.exit_code == 0
    assert "the platform refuses to upload it" in relaxed.stdout and "upload will fail" not in relaxed.stdout
    assert ": valid, with warnings (1 warning)" in relaxed.stdout
    strict = run(str(root), "--strict")
    assert strict.exit_code == 1
    assert ": invalid (--strict: warnings fail) (1 warning)" in strict.stdout
    assert run(str(root), "--strict", "--format", "json").exit_code == 1
    (root / "assets" / "music.mp3").unlink()
    clean = run(str(root), "--strict")
    assert clean.exit_code == 0 and ": valid" in clean.stdout and "with warnings" not in clean.stdout


def test_whole_package_over_30_mb_is_a_warning(tmp_path):
    root = make_project(tmp_path, game={"subpackages": [{"name": f"s{i}", "root": f"s{i}/"} for i in range(9)]})
    for i in range(9):
        _sparse(root / f"s{i}" / "data.bin", 3_600_000)
    messages = [f["message"] for f in findings(run(str(root), "--format", "json"))]
    assert len(messages) == 1 and messages[0].startswith("the package is 30.9 MB, over the platform's 30.0 MB")


# --------------------------------------------------------------------------- arguments and exit codes


def test_several_paths_are_each_reported_and_any_error_fails(tmp_path):
    good = make_project(tmp_path / "good")
    bad = make_project(tmp_path / "bad", config={"dev": {"port": 0}})
    result = run(str(good), str(bad / "project.config.json"), str(good / "game.json"))
    assert result.exit_code == 1
    assert result.stdout.count(": valid") == 1 and result.stdout.count(": invalid") == 1
    assert "/dev/port must be from 1 to 65535, got 0" in result.stdout


def test_a_subfolder_of_a_project_validates_the_project(tmp_path):
    root = make_project(tmp_path)
    result = run(str(root / "openDataContext"), "--format", "json")
    assert result.exit_code == 0 and findings(result) == []


def test_the_current_folder_is_the_default(tmp_path, monkeypatch):
    make_project(tmp_path, config={"dev": {"port": "x"}, "openDataContext": "openDataContext"})
    monkeypatch.chdir(tmp_path)
    result = run()
    assert result.exit_code == 1 and "project.config.json:3:13: error: /dev/port" in result.stdout


@pytest.mark.parametrize("make_arg, message", [
    (lambda tmp: tmp / "missing", "no such file or folder"),
    (lambda tmp: tmp, "no project.config.json or game.json"),
    (lambda tmp: write(tmp / "settings.json", "{}"), "is neither project.config.json nor game.json"),
])
def test_unusable_paths_exit_2_without_a_traceback(tmp_path, make_arg, message):
    result = run(str(make_arg(tmp_path)))
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_config_exits_2(tmp_path):
    root = make_project(tmp_path)
    (root / "project.config.json").chmod(0)
    try:
        result = run(str(root / "project.config.json"))
    finally:
        (root / "project.config.json").chmod(0o644)
    assert result.exit_code == 2 and "cannot read" in result.output


def test_subprocess_run_shows_file_line_col_and_exit_1(tmp_path):
    import subprocess

    make_project(tmp_path, config='{\n  "dev": {"port": 9527},\n  // no comments in JSON\n}\n')
    proc = subprocess.run([sys.executable, "-m", "ttminis_cli", "validate", "project.config.json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "project.config.json:3:3: error: comments are not allowed in JSON" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


# --------------------------------------------------------------------------- the schema


def test_schema_command_prints_the_shipped_schema_byte_for_byte():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == schema_text()
    shipped = Path(__file__).parent.parent / "ttminis_cli" / "schemas" / "project.config.schema.json"
    assert result.stdout == shipped.read_text(encoding="utf-8")


def test_schema_is_a_valid_draft_2020_12_schema_that_accepts_the_docs_example():
    schema = json.loads(schema_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"dev": {"port": 9527}, "openDataContext": "openDataContext",
                               "app_id": "your_client_key"})
    assert validator.is_valid({"$schema": "./project.config.schema.json", "engineExtra": {"any": 1}})
    for bad in ({"dev": {"port": 0}}, {"dev": {"port": 65536}}, {"dev": {"port": "9527"}},
                {"app_id": ""}, {"app_id": 1}, {"openDataContext": ""}, {"openDataContext": 3}, []):
        assert not validator.is_valid(bad), bad
