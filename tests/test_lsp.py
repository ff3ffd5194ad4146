"""`ttminis lsp` through a real LSP session over stdio (tests/lsp_client.py drives `python -m ttminis_cli
lsp`): initialize, didOpen → publishDiagnostics, didChange → updated and cleared diagnostics, project facts
kept current from the open documents' text, code actions whose edits fix, hover, completion by domain,
watched files, shutdown/exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lsp_client import LspClient

IMAGE = "'https://cdn.example.com/a.png'"
MAIN = ("// 🎮 the game\n"
        "export function save(score) {\n"
        "  tt.setUserCloudStorage({ data: [{ key: 'score', value: 10 }], fail() {} });\n"
        "}\n")
OPEN_DATA = ("tt.onMessage((msg) => {\n"
             "  if (msg.type === 'rank') {\n"
             "    tt.getFriendCloudStorage({ keyList: ['best'], success(res) {}, fail() {} });\n"
             "  }\n"
             "});\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "game"
    (root / "openDataContext").mkdir(parents=True)
    (root / "workers").mkdir()
    (root / "libs").mkdir()
    (root / "project.config.json").write_text('{"openDataContext": "openDataContext"}\n')
    (root / "game.json").write_text('{"workers": "workers"}\n')
    (root / "game.js").write_text(MAIN)
    (root / "openDataContext" / "index.js").write_text(OPEN_DATA)
    (root / "workers" / "index.js").write_text("worker.onMessage(() => {});\n")
    (root / "libs" / "engine.js").write_text("tt.shareToUser({ openId: 'x' });\n")
    return root


@pytest.fixture
def client(project: Path, tmp_path: Path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    c = LspClient(project, env)
    c.initialize(project)
    yield c
    c.close()


def codes(diagnostics: list) -> list[str]:
    return [d["code"] for d in diagnostics]


def apply_edits(text: str, edits: list[dict]) -> str:
    """Apply LSP TextEdits (UTF-16 positions, as this client announces) to a text."""
    lines = text.split("\n")

    def offset(pos: dict) -> int:
        line = min(pos["line"], len(lines) - 1)
        before = sum(len(l) + 1 for l in lines[:line])
        units = 0
        for i, char in enumerate(lines[line]):
            if units >= pos["character"]:
                return before + i
            units += 2 if ord(char) > 0xFFFF else 1
        return before + len(lines[line])

    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def code_actions(client: LspClient, uri: str, diagnostic: dict, only: list[str] | None = None) -> list[dict]:
    context = {"diagnostics": [diagnostic]}
    if only:
        context["only"] = only
    return client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": diagnostic["range"],
                                                      "context": context})


def test_initialize_announces_the_features(project, tmp_path):
    c = LspClient(project, {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    try:
        result = c.initialize(project)
        caps = result["capabilities"]
        assert caps["hoverProvider"] and caps["completionProvider"]["triggerCharacters"] == ["."]
        assert "quickfix" in caps["codeActionProvider"]["codeActionKinds"]
        assert caps["textDocumentSync"]["openClose"] and result["serverInfo"]["name"] == "ttminis"
        assert c.shutdown() == 0
    finally:
        c.close()


def test_diagnostics_on_open_follow_the_edits_and_clear_when_fixed(client, project):
    uri = client.open(project / "game.js")
    found = client.diagnostics(uri)
    assert codes(found) == ["TTM303"]
    # Line 3 of the file (0-based 2); the emoji on line 1 does not shift it, nor anything on line 3.
    assert found[0]["range"] == {"start": {"line": 2, "character": 57}, "end": {"line": 2, "character": 59}}
    assert found[0]["severity"] == 1 and found[0]["source"] == "ttminis"
    doc = Path(found[0]["codeDescription"]["href"].removeprefix("file://"))
    assert doc.read_text().startswith("**TTM303 storage-value-not-string**")

    seen = len(client.notifications)
    client.change(uri, MAIN.replace("  tt.", "  /* 😀 */ tt."), 2)  # an emoji is 2 UTF-16 units
    updated = client.diagnostics(uri, seen=seen, version=2)
    assert codes(updated) == ["TTM303"]
    assert updated[0]["range"]["start"] == {"line": 2, "character": 57 + len("/* 😀 */ ") + 1}

    seen = len(client.notifications)
    client.change(uri, MAIN.replace("value: 10", "value: '10'"), 3)
    assert client.diagnostics(uri, seen=seen, version=3) == []


def test_keystrokes_are_debounced(client, project):
    uri = client.open(project / "game.js")
    client.diagnostics(uri)
    seen = len(client.notifications)
    for version in range(2, 8):  # faster than the pause the server waits for
        client.change(uri, MAIN.replace("value: 10", f"value: {version}"), version)
    last = client.diagnostics(uri, seen=seen, version=7)
    assert codes(last) == ["TTM303"]
    published = [n for n in client.notifications[seen:] if n["method"] == "textDocument/publishDiagnostics"]
    assert len(published) == 1


def test_project_facts_follow_the_open_documents_text(client, project):
    reader = client.open(project / "openDataContext" / "index.js")
    assert codes(client.diagnostics(reader)) == ["TTM305"]  # 'best' is read, only 'score' written
    writer = client.open(project / "game.js")
    client.diagnostics(writer)
    seen = len(client.notifications)
    client.change(writer, MAIN.replace("key: 'score', value: 10", "key: 'best', value: '10'"), 2)
    assert client.diagnostics(reader, seen=seen) == []  # the unsaved text counts, not the disk
    assert client.diagnostics(writer, seen=seen) == []
    assert "'score'" in (project / "game.js").read_text()


def test_a_file_changed_on_disk_updates_the_facts(client, project):
    reader = client.open(project / "openDataContext" / "index.js")
    assert codes(client.diagnostics(reader)) == ["TTM305"]
    assert client.server_requests[0]["method"] == "client/registerCapability"
    (project / "game.js").write_text(MAIN.replace("key: 'score'", "key: 'best'"))
    seen = len(client.notifications)
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": (project / "game.js").as_uri(), "type": 2}]})
    assert client.diagnostics(reader, seen=seen) == []


def test_code_action_edits_fix_the_finding(client, project):
    uri = client.open(project / "game.js")
    found = client.diagnostics(uri)
    actions = code_actions(client, uri, found[0])
    titles = [a["title"] for a in actions]
    assert titles[0] == "TTM303: Write `'10'`" and actions[0]["isPreferred"] is True
    assert titles[1] == "Suppress TTM303 on this line (// ttminis-disable-next-line)"
    fixed = apply_edits(MAIN, actions[0]["edit"]["changes"][uri])
    assert fixed == MAIN.replace("value: 10", "value: '10'")
    seen = len(client.notifications)
    client.change(uri, fixed, 2)
    assert client.diagnostics(uri, seen=seen, version=2) == []

    suppressed = apply_edits(MAIN, actions[1]["edit"]["changes"][uri])
    assert suppressed.splitlines()[2] == "  // ttminis-disable-next-line TTM303"
    seen = len(client.notifications)
    client.change(uri, suppressed, 3)
    assert client.diagnostics(uri, seen=seen, version=3) == []  # suppressed, and the comment is used (no TTM001)


def test_unsafe_fixes_say_so_and_fix_all_matches_the_cli(client, project, tmp_path):
    source = (f"export function share(score) {{\n  tt.shareAppMessage({{ imageUrl: {IMAGE}, templateType: 1.0, fail() {{}} }});\n"
              "  tt.setUserCloudStorage({ KVDataList: [{ key: 'score', value: score }], fail() {} });\n}\n")
    uri = client.open(project / "game.js", source)
    found = client.diagnostics(uri)
    assert codes(found) == ["TTM206", "TTM204", "TTM203"]
    unsafe = code_actions(client, uri, found[0], only=["quickfix"])
    assert unsafe[0]["title"].endswith("(unsafe)") and unsafe[0]["isPreferred"] is False
    every = code_actions(client, uri, found[1], only=["source.fixAll"])
    assert [a["kind"] for a in every] == ["source.fixAll.ttminis"]
    fixed = apply_edits(source, every[0]["edit"]["changes"][uri])
    (project / "cli.js").write_text(source)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    subprocess.run([sys.executable, "-m", "ttminis_cli", "lint", "--fix", "cli.js"], cwd=project, env=env,
                   capture_output=True, timeout=60)
    assert fixed == (project / "cli.js").read_text()
    assert "templateType: 1," in fixed and "data: kvDataList, KVDataList: kvDataList" in fixed


def test_hover_describes_a_platform_member(client, project):
    uri = client.open(project / "openDataContext" / "index.js")
    client.diagnostics(uri)
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 2, "character": 10}})
    text = hover["contents"]["value"]
    assert hover["contents"]["kind"] == "markdown"
    assert text.startswith("**tt.getFriendCloudStorage(options)** — open data domain only")
    assert "`keyList`* string[]" in text and "[TTM101](file://" in text
    uri = client.open(project / "game.js", "wx.shareAppMessage({ imageUrl: 'x' });\nwx.showShareMenu({});\n")
    client.diagnostics(uri)
    share = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 5}})
    assert "Minimum TikTok client: 40.3.0; check `wx.canIUse('shareAppMessage')` first." in share["contents"]["value"]
    foreign = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 6}})
    assert "WeChat" in foreign["contents"]["value"] and "TTM208" in foreign["contents"]["value"]
    nothing = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}})
    assert nothing is None


def _labels(client: LspClient, uri: str, line: int, character: int) -> set[str]:
    result = client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                        "position": {"line": line, "character": character}})
    return {item["label"] for item in result["items"]} if result else set()


def test_completion_offers_the_members_of_the_files_domain(client, project):
    main = client.open(project / "game.js", "tt.\nconst a = TTMinis.game.sh\n")
    open_data = client.open(project / "openDataContext" / "index.js", "  wx.get\n")
    worker = client.open(project / "workers" / "index.js", "GameGlobal.tt.\n")
    in_main = _labels(client, main, 0, 3)
    assert {"shareAppMessage", "getOpenDataContext", "login"} <= in_main and "shareToUser" not in in_main
    assert "getFriendCloudStorage" not in in_main and "shareAppMessage" in _labels(client, main, 1, 25)
    in_open_data = _labels(client, open_data, 0, 8)
    assert {"getFriendCloudStorage", "shareToUser", "onMessage", "getSharedCanvas"} <= in_open_data
    assert "shareAppMessage" not in in_open_data and "request" not in in_open_data
    in_worker = _labels(client, worker, 0, 14)
    assert "getFriendCloudStorage" not in in_worker and "request" in in_worker
    assert _labels(client, main, 1, 10) == set()  # `const a = ` is no member access


def test_a_file_the_default_selection_skips_gets_no_findings(client, project):
    uri = client.open(project / "libs" / "engine.js")
    assert client.diagnostics(uri) == []


def test_closing_clears_the_documents_diagnostics(client, project):
    uri = client.open(project / "game.js")
    assert client.diagnostics(uri)
    seen = len(client.notifications)
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri, seen=seen) == []
    assert client.shutdown() == 0


def test_lint_never_imports_the_language_server(tmp_path, project):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "ttminis_cli", "lint", "--format", "json"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(proc.stdout)
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "ttminis_cli.lint.engine" in imported
    for heavy in ("pygls", "lsprotocol", "cattrs", "ttminis_cli.lsp"):
        assert not any(name == heavy or name.startswith(heavy + ".") for name in imported), heavy


def test_a_broken_config_is_said_and_the_defaults_lint_meanwhile(project, tmp_path):
    (project / "ttminis.toml").write_text("[lint]\nbogus = 1\n")
    c = LspClient(project, {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    try:
        c.initialize(project)
        uri = c.open(project / "game.js")
        assert codes(c.diagnostics(uri)) == ["TTM303"]
        logged = c.wait_for(lambda m: m["method"] == "window/logMessage")
        assert "bogus" in logged["params"]["message"]
        assert c.shutdown() == 0
    finally:
        c.close()
