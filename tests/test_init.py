"""`ttminis init`: what it writes, when it refuses, and that what it writes works.

The generated games are run for real in Node against a scripted stand-in for the platform (two
isolated contexts joined only by postMessage), and the TypeScript template is compiled with tsc.
"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ttminis_cli.cli import app

REPO = Path(__file__).resolve().parent.parent
TSC = REPO / "tests" / "node" / "node_modules" / ".bin" / "tsc"
NODE = shutil.which("node")
needs_tsc = pytest.mark.skipif(not TSC.exists() or NODE is None,
                               reason="TypeScript not installed: run `npm install --prefix tests/node`")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

JS_FILES = [".gitignore", "README.md", "game.js", "game.json", "openDataContext/index.js", "project.config.json",
            "seed.toml"]
TS_FILES = [".gitignore", "README.md", "game.json", "game.ts", "openDataContext/index.ts", "package.json",
            "project.config.json", "seed.toml", "tsconfig.json", "typings/tt.d.ts"]


def init(*args: str):
    return CliRunner().invoke(app, ["init", *args])


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def validate_json(root: Path) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(app, ["validate", str(root), "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


# --------------------------------------------------------------------------- what it writes


def test_init_writes_a_js_project_into_a_new_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = init("demo", "--no-input")
    assert result.exit_code == 0, result.output
    assert files_under(tmp_path / "demo") == JS_FILES
    config = json.loads((tmp_path / "demo" / "project.config.json").read_text())
    assert config == {"dev": {"port": 9527}, "openDataContext": "openDataContext", "app_id": "your_client_key"}
    for name in JS_FILES:
        assert name in result.stdout
    assert "cd demo" in result.stdout and "ttminis validate" in result.stdout and "ttminis lint" in result.stdout


def test_init_into_the_current_empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = init(".", "--template", "ts", "--no-input")
    assert result.exit_code == 0, result.output
    assert files_under(tmp_path) == TS_FILES
    assert "cd " not in result.stdout
    assert "npm install" in result.stdout and "npm run build" in result.stdout


def test_generated_project_passes_validate_with_only_the_placeholder_warning(tmp_path):
    assert init(str(tmp_path / "demo"), "--no-input").exit_code == 0
    code, found = validate_json(tmp_path / "demo")
    assert code == 0
    assert [(f["severity"], f["pointer"]) for f in found] == [("warning", "/app_id")]


@pytest.mark.parametrize("template", ["js", "ts"])
def test_options_reach_every_file(tmp_path, template):
    root = tmp_path / "game"
    result = init(str(root), "-t", template, "--app-id", 'key"with\\quote', "--port", "8123",
                  "--open-data-dir", "social/leaderboard", "--no-input")
    assert result.exit_code == 0, result.output
    config = json.loads((root / "project.config.json").read_text())
    assert config == {"dev": {"port": 8123}, "openDataContext": "social/leaderboard",
                      "app_id": 'key"with\\quote'}
    assert json.loads((root / "game.json").read_text())["openDataContext"] == "social/leaderboard"
    assert (root / "social" / "leaderboard" / f"index.{template}").is_file()
    assert not (root / "openDataContext").exists()
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert "{{" not in text, path
            # Only the key's own name may remain; every folder reference follows the option.
            leftover = text.replace('"openDataContext":', "").replace("`openDataContext`", "")
            assert "openDataContext" not in leftover, path
    code, found = validate_json(root)
    assert code == 0 and all(f["severity"] == "note" for f in found), found


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,11}", fullmatch=True), min_size=1, max_size=3)
       .filter(lambda parts: not {"node_modules", "openDataContext"} & set(parts)))
def test_any_allowed_open_data_folder_makes_a_valid_project(tmp_path_factory, parts):
    root = tmp_path_factory.mktemp("game")
    folder = "/".join(parts)
    result = init(str(root), "--open-data-dir", folder, "--app-id", "k1", "--no-input")
    if parts[0] in JS_FILES:
        assert result.exit_code == 2 and "would turn the project's own" in result.output
        return
    assert result.exit_code == 0, result.output
    assert (root / folder / "index.js").is_file()
    assert validate_json(root) == (0, [])


def test_dry_run_lists_the_files_and_writes_nothing(tmp_path):
    root = tmp_path / "demo"
    result = init(str(root), "--dry-run", "--no-input", "-t", "ts")
    assert result.exit_code == 0
    for name in TS_FILES:
        assert name in result.stdout
    assert not root.exists()


# --------------------------------------------------------------------------- refusing


def test_refuses_to_overwrite_and_writes_nothing_at_all(tmp_path):
    (tmp_path / "game.js").write_text("// my game\n")
    before = snapshot(tmp_path)
    result = init(str(tmp_path), "--no-input")
    assert result.exit_code == 1
    assert "game.js" in result.output and "--force" in result.output and "nothing was written" in result.output
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "openDataContext").exists()


def test_dry_run_marks_the_files_it_would_overwrite(tmp_path):
    (tmp_path / "game.js").write_text("// my game\n")
    result = init(str(tmp_path), "--no-input", "--dry-run", "--force")
    assert result.exit_code == 0
    assert "game.js  (overwrite)" in result.stdout
    assert (tmp_path / "game.js").read_text() == "// my game\n"


def test_force_overwrites_and_keeps_unrelated_files(tmp_path):
    (tmp_path / "game.js").write_text("// my game\n")
    (tmp_path / "notes.txt").write_text("keep me\n")
    result = init(str(tmp_path), "--no-input", "--force")
    assert result.exit_code == 0, result.output
    assert "tt.getSharedCanvas()" in (tmp_path / "game.js").read_text()
    assert (tmp_path / "notes.txt").read_text() == "keep me\n"
    assert "(overwrote)" in result.stdout


@pytest.mark.parametrize("obstacle", ["file-for-folder", "folder-for-file"])
def test_a_path_of_the_wrong_kind_blocks_even_with_force(tmp_path, obstacle):
    if obstacle == "file-for-folder":
        (tmp_path / "openDataContext").write_text("not a folder\n")
    else:
        (tmp_path / "game.json").mkdir()
    before = snapshot(tmp_path)
    result = init(str(tmp_path), "--no-input", "--force")
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert snapshot(tmp_path) == before and not (tmp_path / "project.config.json").exists()


def test_a_file_as_the_target_folder_is_refused(tmp_path):
    (tmp_path / "taken").write_text("")
    result = init(str(tmp_path / "taken"), "--no-input")
    assert result.exit_code == 2 and "is not a folder" in result.output


@pytest.mark.parametrize("args, message", [
    (["--open-data-dir", "../outside"], "--open-data-dir must be a folder path inside the project"),
    (["--open-data-dir", "/abs"], "--open-data-dir must be a folder path inside the project"),
    (["--open-data-dir", "node_modules"], "--open-data-dir must be a folder path inside the project"),
    (["--open-data-dir", "has space"], "--open-data-dir must be a folder path inside the project"),
    (["--open-data-dir", "game.js"], "would turn the project's own game.js into a folder"),
    (["--open-data-dir", "README.md/x"], "would turn the project's own README.md into a folder"),
    (["--app-id", "  "], "--app-id must be a non-empty client key"),
    (["--port", "0"], "'--port'"),
    (["--template", "rust"], "'rust' is not one of"),
])
def test_bad_options_are_usage_errors_and_write_nothing(tmp_path, args, message):
    result = init(str(tmp_path / "demo"), "--no-input", *args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "demo").exists()


# --------------------------------------------------------------------------- prompting


def _run_on_a_terminal(args: list[str], cwd: Path, answers: list[str]) -> tuple[int, str]:
    """Run `python -m ttminis_cli` with a pseudo-terminal as stdin/stdout, answering prompts in order."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ttminis_cli", *args], cwd=cwd, stdin=terminal,
                            stdout=terminal, stderr=terminal, close_fds=True,
                            env={**os.environ, "TERM": "dumb", "COLUMNS": "200"})
    os.close(terminal)
    output, pending = b"", list(answers)
    try:
        while True:
            ready, _, _ = select.select([controller], [], [], 30)
            if not ready:
                raise AssertionError(f"no output for 30 s; so far: {output!r}")
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if pending and output.rstrip().endswith((b":", b"]:")):
                os.write(controller, pending.pop(0).encode() + b"\n")
    finally:
        os.close(controller)
    return proc.wait(timeout=30), output.decode(errors="replace")


def test_prompts_for_missing_values_on_a_terminal(tmp_path):
    code, output = _run_on_a_terminal(["init", "demo", "--port", "7000"], tmp_path, ["clientkey42", "lb"])
    assert code == 0, output
    assert "Client key" in output and "Open data folder" in output and "dev.port" not in output
    config = json.loads((tmp_path / "demo" / "project.config.json").read_text())
    assert config == {"dev": {"port": 7000}, "openDataContext": "lb", "app_id": "clientkey42"}


def test_a_wrong_answer_is_explained_and_asked_again(tmp_path):
    answers = ["", "abc", "70000", "8000", "../outside", "lb"]
    code, output = _run_on_a_terminal(["init", "demo"], tmp_path, answers)
    assert code == 0, output
    assert "the answer must be a number from 1 to 65535, got 'abc'" in output
    assert "the answer must be a number from 1 to 65535, got '70000'" in output
    assert "the answer must be a folder path inside the project, got '../outside'" in output
    assert output.count("dev.port") == 3 and output.count("Open data folder") == 2
    assert "internal error" not in output and "Traceback" not in output
    config = json.loads((tmp_path / "demo" / "project.config.json").read_text())
    assert config == {"dev": {"port": 8000}, "openDataContext": "lb", "app_id": "your_client_key"}


def test_no_input_never_prompts_even_on_a_terminal(tmp_path):
    code, output = _run_on_a_terminal(["init", "demo", "--no-input"], tmp_path, [])
    assert code == 0, output
    assert "Client key" not in output
    assert (tmp_path / "demo" / "openDataContext" / "index.js").is_file()


# --------------------------------------------------------------------------- the code it writes works

# A scripted platform: main and open data run in separate contexts; only postMessage joins them.
HARNESS = r"""
const vm = require('vm');
const fs = require('fs');
const path = require('path');
const [root, odcDir, scenarioJson] = process.argv.slice(-3);
const scenario = JSON.parse(scenarioJson);
const calls = [];
const plain = (value) => JSON.parse(JSON.stringify(value === undefined ? null : value));

function makeCanvas(width, height) {
  const canvas = { width, height, style: {}, texts: [] };
  canvas.getContext = () => ({
    fillStyle: '', font: '', textAlign: 'left',
    clearRect() { canvas.texts = []; },
    fillRect(x, y, w, h) { if (x === 0 && y === 0 && w >= canvas.width && h >= canvas.height) canvas.texts = []; },
    fillText(text) { canvas.texts.push(String(text)); },
  });
  return canvas;
}

function callbackApi(name, result) {
  return (options) => {
    calls.push({ name, options: plain(options) });
    if ((scenario.fail || []).includes(name)) {
      options.fail({ error: { error_code: 1001, error_msg: `${name} denied`, error_extra: {} } });
    } else {
      options.success(result);
    }
  };
}

const screen = makeCanvas(0, 0);
const shared = makeCanvas(300, 150);
const localStorage = {};
let onMessage = null;
let onTouch = null;

const mainTT = {
  getSystemInfoSync: () => ({ windowWidth: 400, windowHeight: 800 }),
  createCanvas: () => screen,
  getSharedCanvas: () => shared,
  getStorageSync: (key) => (key in localStorage ? localStorage[key] : ''),
  setStorageSync: (key, value) => { localStorage[key] = value; },
  onTouchStart: (listener) => { onTouch = listener; },
  canIUse: (schema) => !(scenario.cannot || []).includes(schema),
  getOpenDataContext: () => ({
    postMessage: (message) => { calls.push({ name: 'postMessage', options: plain(message) }); onMessage(plain(message)); },
  }),
  authorizeOpenContext: callbackApi('authorizeOpenContext', { code: 'auth-code' }),
  setUserCloudStorage: callbackApi('setUserCloudStorage', {}),
  shareAppMessage: callbackApi('shareAppMessage', {}),
};
const openDataTT = {
  getSharedCanvas: () => shared,
  onMessage: (listener) => { onMessage = listener; },
  getFriendCloudStorage: callbackApi('getFriendCloudStorage', { data: scenario.friends || [] }),
  shareToUser: callbackApi('shareToUser', {}),
};

vm.runInNewContext(fs.readFileSync(path.join(root, odcDir, 'index.js'), 'utf8'), { tt: openDataTT });
vm.runInNewContext(fs.readFileSync(path.join(root, 'game.js'), 'utf8'), { tt: mainTT });
for (const [x, y] of scenario.taps) {
  onTouch({ touches: [{ clientX: x, clientY: y }], changedTouches: [] });
}
process.stdout.write(JSON.stringify({ calls, screen: screen.texts, shared: shared.texts, localStorage }));
"""

GAME_AREA, FRIENDS_BUTTON, SHARE_BUTTON, FIRST_ROW = (200, 400), (100, 736), (300, 736), (200, 193)
FRIENDS = [
    {"openid": "o-ann", "nickname": "Ann", "avatarUrl": "", "KVDataList": [{"key": "score", "value": "5"}]},
    {"openid": "o-bob", "nickname": "Bob", "avatarUrl": "", "KVDataList": [{"key": "score", "value": "12"}]},
    {"openid": "o-cy", "nickname": "Cy", "avatarUrl": "", "KVDataList": []},
]


def play(root: Path, open_data_dir: str, **scenario) -> dict:
    proc = subprocess.run([NODE, "-e", HARNESS, "--", str(root), open_data_dir, json.dumps(scenario)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def names(run: dict) -> list[str]:
    return [c["name"] for c in run["calls"]]


def _project(tmp_path: Path, template: str, open_data_dir: str = "openDataContext") -> Path:
    root = tmp_path / template
    assert init(str(root), "-t", template, "--open-data-dir", open_data_dir, "--app-id", "k1",
                "--no-input").exit_code == 0
    if template == "ts":
        build = subprocess.run([str(TSC), "-p", str(root)], capture_output=True, text=True, timeout=120)
        assert build.returncode == 0, build.stdout + build.stderr
    return root


@needs_tsc
@pytest.mark.parametrize("template", ["js", "ts"])
def test_the_game_saves_ranks_and_shares_through_the_platform(tmp_path, template):
    root = _project(tmp_path, template)
    run = play(root, "openDataContext", friends=FRIENDS,
               taps=[GAME_AREA, GAME_AREA, GAME_AREA, FRIENDS_BUTTON, FIRST_ROW, SHARE_BUTTON])
    assert names(run) == ["authorizeOpenContext", "setUserCloudStorage", "postMessage", "getFriendCloudStorage",
                          "postMessage", "shareToUser", "shareAppMessage"]
    calls = {c["name"]: c["options"] for c in run["calls"]}
    assert calls["setUserCloudStorage"] == {"data": [{"key": "score", "value": "3"}]}
    assert calls["getFriendCloudStorage"] == {"keyList": ["score"]}
    assert [c["options"]["type"] for c in run["calls"] if c["name"] == "postMessage"] == ["showLeaderboard", "tap"]
    assert calls["shareToUser"]["openid"] == "o-bob"  # the top row: 12 beats 5
    for share in ("shareToUser", "shareAppMessage"):
        assert calls[share]["imageUrl"].startswith("https://")
    assert run["shared"][2:] == ["1. Bob", "12", "2. Ann", "5", "3. Cy", "0"]
    assert "Challenge sent to Bob" in run["shared"]
    assert "Score 3   Best 3" in run["screen"] and "Shared!" in run["screen"]
    assert run["localStorage"] == {"bestScore": "3"}


@needs_node
def test_every_failure_is_shown_to_the_player(tmp_path):
    root = _project(tmp_path, "js")
    denied = play(root, "openDataContext", fail=["authorizeOpenContext", "shareAppMessage"],
                  taps=[GAME_AREA, FRIENDS_BUTTON, SHARE_BUTTON])
    assert names(denied) == ["authorizeOpenContext", "shareAppMessage"]
    assert "Not shared: shareAppMessage denied" in denied["screen"]

    unsaved = play(root, "openDataContext", fail=["setUserCloudStorage", "getFriendCloudStorage"],
                   taps=[FRIENDS_BUTTON])
    assert names(unsaved) == ["authorizeOpenContext", "setUserCloudStorage", "postMessage", "getFriendCloudStorage"]
    assert "Score not uploaded: setUserCloudStorage denied" in unsaved["screen"]
    assert "Could not load friends: getFriendCloudStorage denied" in unsaved["shared"]

    old_client = play(root, "openDataContext", cannot=["shareAppMessage"], taps=[SHARE_BUTTON])
    assert names(old_client) == [] and "Update TikTok to share" in old_client["screen"]

    challenge = play(root, "openDataContext", friends=FRIENDS, fail=["shareToUser"],
                     taps=[FRIENDS_BUTTON, FIRST_ROW, FRIENDS_BUTTON])
    assert "Not sent: shareToUser denied" not in challenge["shared"]  # hidden again by the last tap
    assert [c["options"]["type"] for c in challenge["calls"] if c["name"] == "postMessage"] == [
        "showLeaderboard", "tap", "hideLeaderboard"]
    assert challenge["shared"] == []


@needs_node
def test_authorization_refused_is_shown(tmp_path):
    root = _project(tmp_path, "js")
    run = play(root, "openDataContext", fail=["authorizeOpenContext"], taps=[FRIENDS_BUTTON])
    assert names(run) == ["authorizeOpenContext"]
    assert "No access to friends: authorizeOpenContext denied" in run["screen"]


# --------------------------------------------------------------------------- TypeScript


@needs_tsc
def test_ts_template_type_checks(tmp_path):
    root = tmp_path / "ts"
    assert init(str(root), "-t", "ts", "--no-input").exit_code == 0
    check = subprocess.run([str(TSC), "--noEmit", "-p", str(root)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert not list(root.rglob("*.js"))


@needs_tsc
@pytest.mark.parametrize("open_data_dir", ["openDataContext", "odc/friends"])
def test_ts_build_emits_exactly_the_layout_the_platform_loads(tmp_path, open_data_dir):
    root = tmp_path / "ts"
    assert init(str(root), "-t", "ts", "--open-data-dir", open_data_dir, "--app-id", "k1",
                "--no-input").exit_code == 0
    code, found = validate_json(root)
    assert code == 0 and {f["severity"] for f in found} == {"note"}
    assert all("run the build" in f["hint"] for f in found)
    assert json.loads((root / "package.json").read_text())["scripts"]["build"] == "tsc -p tsconfig.json"
    build = subprocess.run([str(TSC), "-p", str(root)], capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stdout + build.stderr
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.js")) == sorted(
        ["game.js", f"{open_data_dir}/index.js"])
    for emitted in ("game.js", f"{open_data_dir}/index.js"):
        text = (root / emitted).read_text()
        assert "export" not in text and "require(" not in text  # plain scripts, as the platform loads them
    assert validate_json(root) == (0, [])
    assert "npm run build" in (root / "README.md").read_text()


@needs_tsc
def test_a_ts_build_with_a_type_error_leaves_the_javascript_as_it_was(tmp_path):
    root = tmp_path / "ts"
    assert init(str(root), "-t", "ts", "--no-input").exit_code == 0
    assert subprocess.run([str(TSC), "-p", str(root)], capture_output=True, timeout=120).returncode == 0
    built = (root / "game.js").read_bytes()
    source = root / "game.ts"
    source.write_text(source.read_text() + "\nconst broken: number = 'not a number';\ntt.createCanvas(broken);\n")
    build = subprocess.run([str(TSC), "-p", str(root)], capture_output=True, text=True, timeout=120)
    assert build.returncode != 0 and "not assignable" in build.stdout
    assert (root / "game.js").read_bytes() == built  # the platform would load whatever game.js holds


@pytest.mark.parametrize("template", ["js", "ts"])
def test_the_scaffold_keeps_generated_files_out_of_git(tmp_path, template):
    root = tmp_path / "game"
    assert init(str(root), "-t", template, "--open-data-dir", "odc", "--no-input").exit_code == 0
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    subprocess.run([git, "init", "-q", str(root)], check=True)
    generated = [".ttminis/emulator.db", ".ttminis/cache/x"]
    if template == "ts":
        generated += ["node_modules/typescript/package.json", "game.js", "odc/index.js", "odc/util/rank.js"]
    for name in generated:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    status = subprocess.run([git, "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True,
                            text=True, check=True).stdout
    listed = sorted(line[3:] for line in status.splitlines())
    # git sees the scaffold's own files, and none of what the emulator, lint, npm and tsc make
    assert listed == sorted(f.replace("openDataContext", "odc") for f in (JS_FILES if template == "js" else TS_FILES))


@pytest.mark.parametrize("template", ["js", "ts"])
def test_the_seed_holds_the_keys_the_game_uses_and_runs_its_leaderboard(emulator_factory, tmp_path, template):
    from pathlib import Path

    from ttminis_cli.documents import tomllib
    from ttminis_cli.lint.engine import storage_keys

    root = tmp_path / "game"
    assert init(str(root), "-t", template, "--no-input").exit_code == 0
    seed = tomllib().loads((root / "seed.toml").read_text())
    seeded_keys = {key for pairs in seed["storage"].values() for key in pairs}
    assert seeded_keys == set(storage_keys(Path(root))[0]) == {"score"}
    readme = (root / "README.md").read_text()
    assert "ttminis emulator start --seed seed.toml" in readme
    assert "ttminis storage friends score --user me --sort score" in readme
    emulator = emulator_factory(seed=root / "seed.toml", cwd=root)
    board = subprocess.run([sys.executable, "-m", "ttminis_cli", "storage", "friends", "score", "--user", "me",
                            "--sort", "score", "--emulator", emulator.url], capture_output=True, text=True, timeout=60)
    assert board.returncode == 0, board.stderr
    assert [line.split()[1] for line in board.stdout.splitlines()[1:]] == ["alice", "carol", "me", "bob"]


@needs_node
def test_js_template_is_valid_javascript(tmp_path):
    root = _project(tmp_path, "js")
    for name in ("game.js", "openDataContext/index.js"):
        check = subprocess.run([NODE, "--check", str(root / name)], capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stderr


# --------------------------------------------------------------------------- lint


@pytest.mark.parametrize("template, open_data_dir", [("js", "openDataContext"), ("ts", "openDataContext"),
                                                     ("js", "social/leaderboard"), ("ts", "lb")])
def test_scaffold_lints_clean(tmp_path, template, open_data_dir):
    root = tmp_path / template
    assert init(str(root), "-t", template, "--open-data-dir", open_data_dir, "--no-input").exit_code == 0
    result = CliRunner().invoke(app, ["lint", str(root), "--format", "json", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
