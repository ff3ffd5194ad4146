"""`ttminis storage …` end to end: the real CLI (CliRunner and `python -m ttminis_cli`) against the
real emulator on loopback (fixtures in conftest.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ttminis_cli.cli import app
from ttminis_cli.platform.limits import check_key, check_value

REPO = Path(__file__).resolve().parents[1]

SEED = """
friendships = [["alice", "bob"], ["bob", "carol"], ["bob", "dave"]]

[[users]]
openid = "alice"
nickname = "Alice"

[[users]]
openid = "bob"
nickname = "Bob"

[[users]]
openid = "carol"
nickname = "Carol"

[[users]]
openid = "dave"
nickname = "Dave"

[[users]]
openid = "erin"
nickname = "Erin"

[storage.carol]
highScore = "500"
title = "Queen"

[storage.dave]
title = "Knight"
"""


@pytest.fixture
def seeded(emulator_factory, tmp_path, monkeypatch):
    """An emulator with four users around bob; the tests run in an empty folder without a config."""
    seed = tmp_path / "seed.toml"
    seed.write_text(SEED, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("TTMINIS_EMULATOR_HOST", raising=False)
    return emulator_factory(data=tmp_path / "emulator.db", seed=seed)


def storage(emulator, *args: str, env: dict | None = None):
    """`ttminis storage ARGS --emulator URL` through typer's CliRunner."""
    return CliRunner().invoke(app, ["storage", *args, "--emulator", emulator.url], env=env)


def storage_process(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "TTMINIS_EMULATOR_HOST"}
    full_env.update(env or {})
    full_env.setdefault("COLUMNS", "200")
    return subprocess.run([sys.executable, "-m", "ttminis_cli", "storage", *args], capture_output=True,
                          text=True, env=full_env, cwd=cwd, timeout=60)


def state(emulator) -> dict:
    """The emulator's whole state, read over HTTP without the client under test."""
    return httpx.get(f"{emulator.url}/v1/export", timeout=5).json()


def revision(emulator) -> str:
    """The emulator's change counter (the ETag of /v1/export): one per committed write."""
    return httpx.get(f"{emulator.url}/v1/export", timeout=5).headers["etag"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- the README flow


def test_readme_flow_with_the_example_seed(emulator_factory, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    emulator = emulator_factory(data=tmp_path / "emulator.db", seed=REPO / "examples" / "seed.toml")
    set_result = storage(emulator, "set", "highScore=10000", "--user", "alice")
    assert set_result.exit_code == 0, set_result.output
    board = storage(emulator, "friends", "highScore", "--user", "bob")
    assert board.exit_code == 0, board.output
    alice_row = next(line for line in board.stdout.splitlines() if "alice" in line)
    assert "10000" in alice_row


def test_readme_flow_in_real_processes(seeded):
    env = {"TTMINIS_EMULATOR_HOST": seeded.host_port}
    wrote = storage_process("set", "highScore=10000", "--user", "alice", env=env)
    assert (wrote.returncode, wrote.stdout) == (0, ""), wrote.stderr
    assert "alice: set highScore" in wrote.stderr
    board = storage_process("friends", "highScore", "--user", "bob", "--sort", "highScore", env=env)
    assert board.returncode == 0, board.stderr
    rows = [line.split() for line in board.stdout.splitlines()[1:]]
    assert rows == [["1", "alice", "Alice", "10000"], ["2", "carol", "Carol", "500"]]
    read = storage_process("get", "highScore", "--user", "alice", "--json", env=env)
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout) == {"KVDataList": [{"key": "highScore", "value": "10000"}]}


# --------------------------------------------------------------------------- get / set / remove / list


def test_set_then_get_as_table_and_json(seeded):
    assert storage(seeded, "set", "level=3", "motto=a=b, c", "--user", "alice").exit_code == 0
    table = storage(seeded, "get", "level", "motto", "--user", "alice")
    assert table.exit_code == 0
    assert [line.rstrip().split(None, 1) for line in table.stdout.splitlines()] == [
        ["key", "value"], ["level", "3"], ["motto", "a=b, c"]]
    as_json = storage(seeded, "get", "motto", "level", "--user", "alice", "--json")
    assert json.loads(as_json.stdout) == {"KVDataList": [{"key": "motto", "value": "a=b, c"},
                                                         {"key": "level", "value": "3"}]}


def test_get_of_a_missing_key_says_so_and_exits_1_with_clean_json(seeded):
    result = storage(seeded, "get", "title", "nothing", "--user", "carol", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"KVDataList": [{"key": "title", "value": "Queen"}]}
    assert "carol: key 'nothing' is not set" in result.stderr


def test_keys_with_any_characters_round_trip(seeded):
    odd = ["50% off", "slash/and?query#hash", "ünïcødé 🎮", "spaces  inside", "[bold]markup[/]", "a;b&c+d"]
    assert storage(seeded, "set", *(f"{k}=v:{k}" for k in odd), "--user", "alice").exit_code == 0
    result = storage(seeded, "get", *odd, "--user", "alice", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["KVDataList"] == [{"key": k, "value": f"v:{k}"} for k in odd]
    assert state(seeded)["storage"]["alice"] == {k: f"v:{k}" for k in odd}
    table = storage(seeded, "list", "--user", "alice")
    assert "[bold]markup[/]" in table.stdout


def test_openids_are_url_encoded(seeded):
    user = "user with space?&#"
    assert storage(seeded, "set", "k=v", "--user", user).exit_code == 0
    assert state(seeded)["storage"][user] == {"k": "v"}
    assert json.loads(storage(seeded, "list", "--user", user, "--json").stdout) == {
        "KVDataList": [{"key": "k", "value": "v"}]}


def test_remove_and_list(seeded):
    storage(seeded, "set", "a=1", "b=2", "c=3", "--user", "erin")
    removed = storage(seeded, "remove", "a", "c", "--user", "erin")
    assert removed.exit_code == 0
    assert "erin: removed a, c" in removed.stderr
    listed = storage(seeded, "list", "--user", "erin", "--json")
    assert json.loads(listed.stdout) == {"KVDataList": [{"key": "b", "value": "2"}]}
    assert storage(seeded, "remove", "b", "--user", "erin").exit_code == 0
    empty = storage(seeded, "list", "--user", "erin")
    assert (empty.exit_code, empty.stdout) == (0, "")
    assert "erin has no cloud storage" in empty.stderr


def test_unknown_user_is_refused_with_exit_1_and_a_hint(seeded):
    result = storage(seeded, "get", "k", "--user", "zed")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no user with openid 'zed'" in result.stderr
    assert "add it with `ttminis users add zed`; known users: alice, bob, carol, dave, erin" in result.stderr
    assert "PUT /v1/users" not in result.stderr  # a CLI user is told the CLI's way
    assert "Traceback" not in result.output


def test_set_of_a_key_given_twice_is_refused_and_says_which(seeded):
    before = revision(seeded)
    result = storage(seeded, "set", "a=1", "b=2", "a=3", "--user", "alice")
    assert result.exit_code == 2
    assert "key 'a' is given 2 times (arguments 1, 3): only one value can be stored" in result.stderr
    assert "nothing was sent" in result.stderr
    assert revision(seeded) == before


def test_remove_of_a_key_that_is_not_set_says_so(seeded):
    storage(seeded, "set", "a=1", "--user", "erin")
    result = storage(seeded, "remove", "a", "nokey", "--user", "erin")
    assert result.exit_code == 0
    assert "erin: removed a\n" in result.stderr
    assert "erin: nokey was not set; nothing to remove" in result.stderr
    only_missing = storage(seeded, "remove", "nokey", "--user", "erin")
    assert "removed" not in only_missing.stderr and "nokey was not set" in only_missing.stderr


@pytest.mark.parametrize("openid", [".", "..", "a/b", "a,b"])
def test_an_openid_the_emulator_refuses_is_refused_before_sending(seeded, openid):
    before = revision(seeded)
    result = storage(seeded, "set", "a=1", "--user", openid)
    assert result.exit_code == 1, result.output
    assert f"openid {openid!r} may not" in result.stderr and "nothing was sent" in result.stderr
    assert revision(seeded) == before


# --------------------------------------------------------------------------- limits, before sending


@pytest.mark.parametrize("pair, expected", [
    ("k=" + "v" * 2049, check_value("v" * 2049, "data[1].value").message),
    ("k" * 129 + "=v", check_key("k" * 129, "data[1].key").message),
])
def test_limits_refuse_before_sending_with_the_servers_message(seeded, pair, expected):
    before = state(seeded)
    result = storage(seeded, "set", "fine=1", pair, "--user", "alice")
    assert result.exit_code == 1
    assert expected in result.stderr and "argument 2" in result.stderr
    assert state(seeded) == before
    # The server refuses the same pair with the same words: one source for both.
    body = {"data": [{"key": "fine", "value": "1"}, dict(zip(("key", "value"), pair.split("=", 1)))]}
    answer = httpx.post(f"{seeded.url}/v1/users/alice/storage", json=body, timeout=5)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == expected


def test_limits_are_checked_without_even_connecting():
    url = f"127.0.0.1:{closed_port()}"
    result = CliRunner().invoke(app, ["storage", "set", "k=" + "v" * 2049, "--user", "a", "--emulator", url])
    assert result.exit_code == 1  # an attempt to send would have been "cannot reach", exit 2
    assert "values may have at most" in result.stderr
    removed = CliRunner().invoke(app, ["storage", "remove", "", "--user", "a", "--emulator", url])
    assert removed.exit_code == 1
    assert check_key("", "keyList[0]").message in removed.stderr


def test_pair_without_equals_is_a_usage_error(seeded):
    before = revision(seeded)
    result = storage(seeded, "set", "ok=1", "highScore", "--user", "alice")
    assert result.exit_code == 2
    assert "argument 2 'highScore' is not KEY=VALUE" in result.stderr
    assert revision(seeded) == before


def test_server_refusals_are_one_line_and_exit_1(seeded):
    keys = [f"k{i}" for i in range(200)]  # the emulator bounds keys per read; the client leaves it that
    result = storage(seeded, "get", *keys, "--user", "alice")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "keys has 200 keys; one call may name at most" in result.stderr


# --------------------------------------------------------------------------- friends


def test_friends_leaderboard_ranks_numbers_and_puts_missing_last(seeded):
    storage(seeded, "set", "highScore=900", "--user", "alice")
    storage(seeded, "set", "highScore=10000", "--user", "bob")
    result = storage(seeded, "friends", "title", "--user", "bob", "--sort", "highScore")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["#", "openid", "nickname", "title", "highScore"]
    assert rows[1:] == [["1", "bob", "Bob", "10000"], ["2", "alice", "Alice", "900"],
                        ["3", "carol", "Carol", "Queen", "500"], ["-", "dave", "Dave", "Knight"]]
    as_json = storage(seeded, "friends", "highScore", "--user", "bob", "--sort", "highScore", "--json")
    assert [item["openid"] for item in json.loads(as_json.stdout)["data"]] == ["bob", "alice", "carol"]
    assert set(json.loads(as_json.stdout)["data"][0]) == {"openid", "nickname", "avatarUrl", "KVDataList"}


def test_friends_sorts_text_when_values_are_not_all_numbers(seeded):
    result = storage(seeded, "friends", "title", "--user", "bob", "--sort", "title", "--json")
    assert [item["openid"] for item in json.loads(result.stdout)["data"]] == ["dave", "carol"]


def test_friends_without_data_and_a_lonely_user(seeded):
    result = storage(seeded, "friends", "highScore", "--user", "erin")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "no friend of erin has stored highScore" in result.stderr


@pytest.mark.parametrize("command", [["set", "a,b=1"], ["get", "a,b"], ["remove", "a,b"], ["friends", "a,b"]])
def test_a_key_with_a_comma_is_refused_before_sending(seeded, command):
    before = revision(seeded)
    result = storage(seeded, *command, "--user", "bob")
    assert result.exit_code == 1, result.output
    assert "holds ','" in result.stderr and "nothing was sent" in result.stderr
    assert revision(seeded) == before


def test_friends_in_a_real_process(seeded):
    storage(seeded, "set", "highScore=42", "--user", "alice")
    result = storage_process("friends", "highScore", "--user", "bob", "--json", "--emulator", seeded.url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["data"] == [
        {"openid": "alice", "nickname": "Alice", "avatarUrl": "",
         "KVDataList": [{"key": "highScore", "value": "42"}]},
        {"openid": "carol", "nickname": "Carol", "avatarUrl": "",
         "KVDataList": [{"key": "highScore", "value": "500"}]}]


# --------------------------------------------------------------------------- push and pull


def test_push_dry_run_shows_changes_and_writes_nothing(seeded, tmp_path):
    file = tmp_path / "push.toml"
    file.write_text('[carol]\nhighScore = "500"\ntitle = "Empress"\n[alice]\nlevel = "2"\n'
                    '[newbie]\nlevel = "1"\n', encoding="utf-8")
    before = state(seeded)
    result = storage(seeded, "push", str(file), "--dry-run")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows == [["user", "key", "change", "value"], ["carol", "highScore", "unchanged", "500"],
                    ["carol", "title", "changed", "Queen", "→", "Empress"], ["alice", "level", "added", "2"],
                    ["newbie", "level", "added", "1"]]
    assert "dry run, nothing written: 2 added, 1 changed, 1 unchanged across 3 user(s)" in result.stderr
    assert state(seeded) == before


def test_push_applies_the_whole_file_in_one_transaction(seeded, tmp_path):
    file = tmp_path / "push.json"
    file.write_text(json.dumps({"carol": {"title": "Empress"}, "alice": {"a": "1", "b": "2"},
                                "newbie": {"level": "1"}}), encoding="utf-8")
    before = int(revision(seeded).strip('"'))
    result = storage(seeded, "push", str(file))
    assert result.exit_code == 0, result.output
    assert int(revision(seeded).strip('"')) == before + 1
    after = state(seeded)["storage"]
    assert after["carol"] == {"highScore": "500", "title": "Empress"}  # keys not in the file stay
    assert after["alice"] == {"a": "1", "b": "2"}
    assert after["newbie"] == {"level": "1"}
    again = storage(seeded, "push", str(file))
    assert "nothing to write" in again.stderr
    assert int(revision(seeded).strip('"')) == before + 1


def test_push_of_an_invalid_file_writes_nothing_and_names_the_problems(seeded, tmp_path):
    file = tmp_path / "push.toml"
    file.write_text(f'[alice]\nok = "1"\n[bob]\nhighScore = 10000\nlong = "{"v" * 2049}"\n', encoding="utf-8")
    before = state(seeded)
    result = storage(seeded, "push", str(file))
    assert result.exit_code == 1
    assert f"{file}: 2 problem(s), nothing was sent" in result.stderr
    assert "user 'bob', key 'highScore': value must be a string, got int" in result.stderr
    assert "user 'bob', key 'long': value is 2049 characters" in result.stderr
    assert state(seeded) == before


def test_push_of_a_seed_file_is_the_import_it_is(emulator_factory, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    emulator = emulator_factory(data=tmp_path / "fresh.db")
    seed = REPO / "examples" / "seed.toml"
    dry = storage(emulator, "push", str(seed), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert ("dry run, nothing written: 5 added, 0 changed, 0 unchanged across 3 user(s); "
            "4 new user(s), 2 new friendship(s)") in dry.stderr
    assert state(emulator)["users"] == []
    pushed = storage(emulator, "push", str(seed))
    assert pushed.exit_code == 0, pushed.output
    assert f"pushed {seed}: 5 added" in pushed.stderr
    after = state(emulator)
    assert [u["openid"] for u in after["users"]] == ["alice", "bob", "carol", "dave"]
    assert after["users"][0]["nickname"] == "Alice"
    assert after["friendships"] == [["alice", "bob"], ["bob", "carol"]]
    board = storage(emulator, "friends", "highScore", "--user", "bob", "--sort", "highScore")
    assert [line.split()[1] for line in board.stdout.splitlines()[1:]] == ["carol", "bob", "alice"]
    again = storage(emulator, "push", str(seed))
    assert "nothing to write: 0 added, 0 changed, 5 unchanged across 3 user(s)" in again.stderr


def test_push_of_a_broken_seed_file_names_the_field_and_sends_nothing(seeded, tmp_path):
    seed = tmp_path / "seed.toml"
    seed.write_text('friendships = [["alice", "alice"]]\n[[users]]\nopenid = "alice"\n', encoding="utf-8")
    before = revision(seeded)
    result = storage(seeded, "push", str(seed))
    assert result.exit_code == 1
    assert f"{seed}: friendships[0]" in result.stderr and "not their own friend" in result.stderr
    assert revision(seeded) == before


def test_push_syntax_error_names_line_and_column(seeded, tmp_path):
    file = tmp_path / "push.json"
    file.write_text('{"alice": {\n  "a": "1"\n  "b": "2"}}', encoding="utf-8")
    result = storage(seeded, "push", str(file))
    assert result.exit_code == 2
    assert f"{file}:3:3: invalid JSON" in result.stderr


@pytest.mark.parametrize("name", ["pulled.json", "pulled.toml"])
def test_pull_push_pull_round_trip_is_identical(seeded, tmp_path, name):
    storage(seeded, "set", "weird=line\nbreak \"quoted\" \\ tab\t", "a.b=1", "--user", "alice")
    first, second = tmp_path / f"1-{name}", tmp_path / f"2-{name}"
    assert storage(seeded, "pull", "-o", str(first)).exit_code == 0
    pushed = storage(seeded, "push", str(first))
    assert pushed.exit_code == 0, pushed.output
    assert "nothing to write: 0 added, 0 changed, 5 unchanged across 3 user(s)" in pushed.stderr
    assert storage(seeded, "pull", "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    # and into an emptied emulator, the file restores the same storage
    httpx.delete(f"{seeded.url}/v1/data", timeout=5)
    assert storage(seeded, "push", str(first)).exit_code == 0
    assert storage(seeded, "pull", "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_pull_to_stdout_and_for_one_user(seeded):
    everything = storage(seeded, "pull")
    assert json.loads(everything.stdout) == {"carol": {"highScore": "500", "title": "Queen"},
                                             "dave": {"title": "Knight"}}
    assert everything.stderr == ""
    one = storage(seeded, "pull", "--user", "dave")
    assert json.loads(one.stdout) == {"dave": {"title": "Knight"}}


def test_pull_into_a_folder_is_a_usage_error_before_anything_is_asked(seeded, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    result = storage(seeded, "pull", "-o", str(folder))
    assert result.exit_code == 2
    assert f"{folder} is a folder; name the file to write" in result.stderr
    assert f"for example {folder / 'storage.json'}" in result.stderr
    assert "internal error" not in result.stderr and list(folder.iterdir()) == []


def test_pull_into_a_missing_folder_leaves_nothing_behind(seeded, tmp_path):
    result = storage(seeded, "pull", "-o", str(tmp_path / "missing" / "out.json"))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr
    assert not (tmp_path / "missing").exists()


def test_pull_of_an_unknown_user_writes_no_file(seeded, tmp_path):
    out = tmp_path / "out.json"
    result = storage(seeded, "pull", "--user", "zed", "-o", str(out))
    assert result.exit_code == 1
    assert not out.exists()


# --------------------------------------------------------------------------- reaching the emulator


def test_unreachable_emulator_is_one_line_and_exit_2_in_a_real_process():
    url = f"http://127.0.0.1:{closed_port()}"
    result = storage_process("get", "k", "--user", "alice", "--emulator", url)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert url in result.stderr and "ttminis emulator start" in result.stderr


@pytest.mark.parametrize("command", [
    ["get", "k", "--user", "a"], ["set", "k=v", "--user", "a"], ["remove", "k", "--user", "a"],
    ["list", "--user", "a"], ["friends", "k", "--user", "a"], ["pull"],
])
def test_unreachable_emulator_for_every_command(command):
    url = f"http://127.0.0.1:{closed_port()}"
    result = CliRunner().invoke(app, ["storage", *command, "--emulator", url])
    assert result.exit_code == 2
    assert f"cannot reach the emulator at {url} (--emulator): connection refused" in result.stderr
    assert result.stdout == ""


def test_push_to_an_unreachable_emulator_after_validating(tmp_path):
    file = tmp_path / "push.json"
    file.write_text('{"alice": {"k": "v"}}', encoding="utf-8")
    result = CliRunner().invoke(app, ["storage", "push", str(file), "--emulator", f"127.0.0.1:{closed_port()}"])
    assert result.exit_code == 2
    assert "cannot reach the emulator" in result.stderr


def test_address_precedence_end_to_end(seeded, tmp_path, monkeypatch):
    dead = f"127.0.0.1:{closed_port()}"
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    monkeypatch.chdir(project / "src")

    def run(*extra: str, env: dict | None = None):
        return CliRunner().invoke(app, ["storage", "list", "--user", "carol", *extra], env=env)

    host, port = seeded.host_port.split(":")
    (project / "ttminis.toml").write_text(f'[emulator]\nhost = "{host}"\nport = {port}\n', encoding="utf-8")
    assert run().exit_code == 0  # ttminis.toml, found upward from the current folder
    from_env = run(env={"TTMINIS_EMULATOR_HOST": dead})
    assert from_env.exit_code == 2 and "($TTMINIS_EMULATOR_HOST)" in from_env.stderr  # env beats the file
    assert run("--emulator", seeded.url, env={"TTMINIS_EMULATOR_HOST": dead}).exit_code == 0  # flag beats env
    flag = run("--emulator", dead, env={"TTMINIS_EMULATOR_HOST": seeded.host_port})
    assert flag.exit_code == 2 and f"http://{dead} (--emulator)" in flag.stderr
    (project / "ttminis.toml").write_text(f'[emulator]\nport = {dead.split(":")[1]}\n', encoding="utf-8")
    from_file = run()
    assert from_file.exit_code == 2 and "ttminis.toml [emulator]" in from_file.stderr
    malformed = run(env={"TTMINIS_EMULATOR_HOST": "no-port-here"})
    assert malformed.exit_code == 2
    assert "malformed emulator address 'no-port-here' from $TTMINIS_EMULATOR_HOST" in malformed.stderr


def test_localhost_reaches_the_emulator_too(seeded):
    port = seeded.host_port.split(":")[1]
    result = CliRunner().invoke(app, ["storage", "list", "--user", "carol", "--emulator", f"localhost:{port}"])
    assert result.exit_code == 0, result.output


def test_a_host_name_the_emulator_does_not_serve_is_exit_2_with_its_address(seeded):
    port = seeded.host_port.split(":")[1]
    # 127.1 reaches 127.0.0.1 but is not a name the emulator answers to (its DNS-rebinding guard)
    result = CliRunner().invoke(app, ["storage", "list", "--user", "carol", "--emulator", f"127.1:{port}"])
    assert result.exit_code == 2
    assert f"answers to http://127.0.0.1:{port}" in result.stderr
    assert "use the address the emulator printed" in result.stderr


def test_arguments_that_are_not_utf8_are_a_usage_error_in_a_real_process():
    url = f"127.0.0.1:{closed_port()}"  # refused before any connection is tried
    for args in ([b"set", b"k=\xff", b"--user", b"alice"], [b"get", b"\xff", b"--user", b"alice"],
                 [b"list", b"--user", b"\xff"]):
        result = subprocess.run([sys.executable.encode(), b"-m", b"ttminis_cli", b"storage", *args,
                                 b"--emulator", url.encode()], capture_output=True, timeout=60)
        assert result.returncode == 2, result.stderr
        assert b"is not valid UTF-8" in result.stderr
        assert b"Traceback" not in result.stderr


# --------------------------------------------------------------------------- start-up cost


HEAVY = ("httpx", "httpcore", "anyio", "trio", "uvicorn", "starlette", "pygments", "tree_sitter")
_IMPORTS = """
import sys
from ttminis_cli.cli import main
code = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(%r))
print(code, " ".join(heavy))
"""


@pytest.mark.parametrize("command", [["set", "a=1"], ["get", "highScore"], ["list"], ["remove", "a"],
                                     ["friends", "highScore"]])
def test_a_storage_command_loads_no_http_framework(seeded, command):
    result = subprocess.run([sys.executable, "-c", _IMPORTS % (HEAVY,), "storage", *command, "--user", "carol",
                             "--emulator", seeded.url], capture_output=True, text=True, timeout=60)
    assert result.stdout.split("\n")[-2].split(" ") == ["0", ""], result.stdout + result.stderr


def test_a_storage_command_takes_under_0_3_s_of_cpu(seeded):
    import resource

    def cpu_seconds() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    times = []
    for _ in range(3):  # CPU time, not wall time: the machine may be busy with other work
        before = cpu_seconds()
        done = storage_process("set", "highScore=1", "--user", "alice", "--emulator", seeded.url)
        assert done.returncode == 0, done.stderr
        times.append(cpu_seconds() - before)
    assert min(times) < 0.3, times
