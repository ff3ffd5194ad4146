"""`ttminis dev` on the command line and over HTTP: its errors, its server, its guard, its files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import httpx
import pytest
from typer.testing import CliRunner

from conftest import free_port
from dev_helpers import copy_fixture, init_project, start_dev
from ttminis_cli.cli import app

runner = CliRunner()


def dev(*args: str):
    return runner.invoke(app, ["dev", *args, "--no-open"])


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return init_project(tmp_path_factory.mktemp("cli") / "game")


@pytest.mark.parametrize("args, message", [
    (["--size", "390"], "--size: --size '390' is not a screen size"),
    (["--size", "20x20"], "each 100 to 4000"),
    (["--data", "x.db", "--in-memory"], "--data and --in-memory exclude each other"),
    (["--user", "a/b"], "--user: --user may not hold '/'"),
])
def test_usage_errors_exit_2_with_the_reason(project, args, message):
    result = dev(str(project), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_folder_that_is_not_a_project(tmp_path):
    result = dev(str(tmp_path))
    assert result.exit_code == 2
    assert "is not a mini-game project" in result.output and "ttminis init" in result.output


def test_a_typescript_project_before_its_build(tmp_path):
    root = tmp_path / "ts"
    assert runner.invoke(app, ["init", str(root), "-t", "ts", "--no-input"]).exit_code == 0
    result = dev(str(root))
    assert result.exit_code == 2
    assert "game.js: no such file" in result.output and "npm run build" in result.output


def test_a_port_in_use(project):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = dev(str(project), "--port", str(port), "--in-memory")
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.output and "--port" in result.output


def test_the_server_serves_page_api_and_dashboard_from_one_guarded_origin(project, tmp_path):
    server = start_dev(project, tmp_path, "--data", str(tmp_path / "dev.db"))
    try:
        page = httpx.get(server.url + "/")
        assert page.status_code == 200 and 'id="ttminis-screen"' in page.text
        settings = json.loads(page.text.split('type="application/json">')[1].split("</script>")[0])
        assert settings["size"] == {"width": 390, "height": 844} and settings["user"] == "me"
        assert settings["openDataDir"] == "openDataContext"
        assert "ttminis emulator" in httpx.get(server.url + "/dashboard").text
        # an empty store: the player and three friends holding the key the open data domain reads
        users = {u["openid"]: u["friends"] for u in httpx.get(server.url + "/v1/users").json()["users"]}
        assert users["me"] == ["ava", "ben", "cleo"]
        friends = httpx.get(server.url + "/v1/users/me/friends/storage?keys=score").json()["data"]
        assert [(f["nickname"], f["KVDataList"]) for f in friends] == [
            ("Ava", [{"key": "score", "value": "120"}]), ("Ben", [{"key": "score", "value": "75"}]),
            ("Cleo", [{"key": "score", "value": "30"}])]
        # the emulator's protections hold for the simulator's routes too
        assert httpx.get(server.url + "/", headers={"Host": f"evil.example:{server.port}"}).status_code == 421
        refused = httpx.post(server.url + "/v1/shares", headers={"Origin": "http://evil.example"},
                             json={"from": "me", "kind": "shareToStory"})
        assert refused.status_code == 403
        # the project's files, and nothing private or outside it
        assert httpx.get(server.url + "/game/game.js").headers["content-type"].startswith("text/javascript")
        for path in ("/game/.ttminis/emulator.db", "/game/../pyproject.toml", "/game/%2e%2e/x",
                     "/_ttminis/index.html", "/_ttminis/nope.js"):
            assert httpx.get(server.url + path).status_code == 404, path
        sources = httpx.get(server.url + "/_ttminis/sources/main").json()
        assert sources["entry"] == "game.js" and list(sources["files"]) == ["game.js"]
        odd = httpx.get(server.url + "/_ttminis/frame/open-data")
        assert "connect-src 'none'" in odd.headers["content-security-policy"]
        # `ttminis storage` reaches the same data through TTMINIS_EMULATOR_HOST
        listed = subprocess.run([sys.executable, "-m", "ttminis_cli", "storage", "list", "--user", "ava", "--json"],
                                capture_output=True, text=True, timeout=60,
                                env={**os.environ, "TTMINIS_EMULATOR_HOST": f"127.0.0.1:{server.port}"})
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout) == {"KVDataList": [{"key": "score", "value": "120"}]}
    finally:
        assert server.stop() == 0
    assert (tmp_path / "dev.db").exists()
    assert "Traceback" not in server.log()


def test_the_port_comes_from_dev_port_and_the_data_lives_in_the_project(tmp_path):
    root = init_project(tmp_path / "game")
    port = free_port()
    config = root / "project.config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "dev": {"port": port}}), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "ttminis_cli", "dev", str(root), "--no-open", "--user", "alice"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        assert f"on http://127.0.0.1:{port}/" in line and "playing as alice" in line
        users = httpx.get(f"http://127.0.0.1:{port}/v1/users").json()["users"]
        assert {u["openid"] for u in users} == {"alice", "ava", "ben", "cleo"}
    finally:
        proc.terminate()
        proc.wait(15)
    assert (root / ".ttminis" / "emulator.db").exists()


def test_a_seed_replaces_the_default_players(tmp_path):
    root = copy_fixture("wechat-port", tmp_path)
    server = start_dev(root, tmp_path, "--in-memory", "--seed", str(root / "seed.json"), "--user", "wei")
    try:
        users = {u["openid"] for u in httpx.get(server.url + "/v1/users").json()["users"]}
        assert users == {"me", "wei", "lin"}
        assert httpx.get(server.url + "/v1/users/me/authorize?status_only=1").json() == {"authorized": True}
    finally:
        server.stop()


def test_a_landscape_game_gets_a_landscape_screen_unless_size_says_otherwise(tmp_path):
    (tmp_path / "game.json").write_text('{"deviceOrientation": "landscape"}', encoding="utf-8")
    (tmp_path / "game.js").write_text("wx.createCanvas();\n", encoding="utf-8")
    for args, size in (((), {"width": 844, "height": 390}), (("--size", "600x300"), {"width": 600, "height": 300})):
        server = start_dev(tmp_path, tmp_path, "--in-memory", *args)
        try:
            page = httpx.get(server.url + "/").text
            assert json.loads(page.split('type="application/json">')[1].split("</script>")[0])["size"] == size
        finally:
            server.stop()
