"""`ttminis users …` and `ttminis friends …` end to end: the real CLI (CliRunner and `python -m
ttminis_cli`) against the real emulator on loopback, checked through the emulator's own export."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import httpx
import pytest
from typer.testing import CliRunner

from ttminis_cli.cli import app
from ttminis_cli.emulator.model import NICKNAME_MAX_CHARS


@pytest.fixture
def emu(emulator_factory, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TTMINIS_EMULATOR_HOST", raising=False)
    return emulator_factory(data=tmp_path / "users.db")


def cli(emulator, *args: str):
    return CliRunner().invoke(app, [*args, "--emulator", emulator.url])


def state(emulator) -> dict:
    return httpx.get(f"{emulator.url}/v1/export", timeout=5).json()


def revision(emulator) -> str:
    return httpx.get(f"{emulator.url}/v1/export", timeout=5).headers["etag"]


def test_users_add_creates_then_updates_and_says_which(emu):
    added = cli(emu, "users", "add", "alice", "--nickname", "Alice", "--avatar", "https://example.com/a.png")
    assert (added.exit_code, added.stdout) == (0, ""), added.output
    assert "added user alice (Alice)" in added.stderr
    assert state(emu)["users"] == [{"openid": "alice", "nickname": "Alice", "avatarUrl": "https://example.com/a.png"}]
    updated = cli(emu, "users", "add", "alice", "--nickname", "Al")
    assert updated.exit_code == 0 and "updated user alice (Al)" in updated.stderr
    assert state(emu)["users"] == [{"openid": "alice", "nickname": "Al", "avatarUrl": "https://example.com/a.png"}]
    plain = cli(emu, "users", "add", "bob")
    assert plain.exit_code == 0 and "added user bob" in plain.stderr
    assert state(emu)["users"][1] == {"openid": "bob", "nickname": "bob", "avatarUrl": ""}


@pytest.mark.parametrize("args,expected", [
    (["users", "add", "alice", "--nickname", "n" * (NICKNAME_MAX_CHARS + 1)], f"at most {NICKNAME_MAX_CHARS}"),
    (["users", "add", "alice", "--nickname", ""], "--nickname must not be empty"),
    (["users", "add", ".."], "openid '..' may not be '.' or '..'"),
    (["users", "add", "a/b"], "openid 'a/b' may not hold '/'"),
    (["friends", "add", "alice", "alice"], "a user is not their own friend"),
])
def test_what_the_emulator_would_refuse_is_refused_before_sending(emu, args, expected):
    before = revision(emu)
    result = cli(emu, *args)
    assert result.exit_code == 1, result.output
    assert expected in result.stderr
    assert revision(emu) == before


def test_users_list_as_table_and_json(emu):
    empty = cli(emu, "users", "list")
    assert (empty.exit_code, empty.stdout) == (0, "")
    assert "no users yet; add one with `ttminis users add OPENID`" in empty.stderr
    for openid in ("alice", "bob", "carol"):
        cli(emu, "users", "add", openid, "--nickname", openid.title())
    cli(emu, "friends", "add", "alice", "bob")
    cli(emu, "friends", "add", "carol", "bob")
    table = cli(emu, "users", "list")
    assert table.exit_code == 0
    rows = [line.split() for line in table.stdout.splitlines()]
    assert rows[0] == ["openid", "nickname", "friends", "avatarUrl"]
    assert rows[1:] == [["alice", "Alice", "bob"], ["bob", "Bob", "alice,", "carol"], ["carol", "Carol", "bob"]]
    as_json = cli(emu, "users", "list", "--json")
    assert json.loads(as_json.stdout) == httpx.get(f"{emu.url}/v1/users").json()


def test_friends_add_and_remove_are_mutual_and_say_what_happened(emu):
    for openid in ("alice", "bob"):
        cli(emu, "users", "add", openid)
    made = cli(emu, "friends", "add", "bob", "alice")
    assert made.exit_code == 0 and "bob and alice are friends" in made.stderr
    assert state(emu)["friendships"] == [["alice", "bob"]]
    ended = cli(emu, "friends", "remove", "alice", "bob")
    assert ended.exit_code == 0 and "alice and bob are no longer friends" in ended.stderr
    assert state(emu)["friendships"] == []
    again = cli(emu, "friends", "remove", "alice", "bob")
    assert again.exit_code == 0 and "alice and bob were not friends; nothing to remove" in again.stderr


@pytest.mark.parametrize("args,ghost", [
    (["friends", "add", "alice", "ghost"], "ghost"),
    (["friends", "add", "ghost", "alice"], "ghost"),
    (["friends", "remove", "alice", "ghost"], "ghost"),
    (["users", "remove", "ghost"], "ghost"),
])
def test_an_unknown_user_is_exit_1_and_points_at_users_add(emu, args, ghost):
    cli(emu, "users", "add", "alice")
    before = revision(emu)
    result = cli(emu, *args)
    assert result.exit_code == 1, result.output
    assert f"no user with openid '{ghost}'" in result.stderr
    assert f"add it with `ttminis users add {ghost}`; known users: alice" in result.stderr
    assert revision(emu) == before


def test_users_remove_takes_their_storage_and_friendships(emu):
    for openid in ("alice", "bob"):
        cli(emu, "users", "add", openid)
    cli(emu, "friends", "add", "alice", "bob")
    cli(emu, "storage", "set", "highScore=10", "--user", "alice")
    removed = cli(emu, "users", "remove", "alice")
    assert removed.exit_code == 0
    assert "removed user alice with their storage, friendships, authorization and shares" in removed.stderr
    after = state(emu)
    assert [u["openid"] for u in after["users"]] == ["bob"]
    assert after["storage"] == {} and after["friendships"] == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("args", [["users", "add", "a"], ["users", "list"], ["users", "remove", "a"],
                                  ["friends", "add", "a", "b"], ["friends", "remove", "a", "b"]])
def test_no_emulator_is_exit_2_for_every_command(args):
    result = CliRunner().invoke(app, [*args, "--emulator", f"127.0.0.1:{_closed_port()}"])
    assert result.exit_code == 2
    assert "cannot reach the emulator" in result.stderr and "ttminis emulator start" in result.stderr


def test_users_and_friends_in_real_processes(emu):
    env = {**os.environ, "TTMINIS_EMULATOR_HOST": emu.host_port, "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ttminis_cli", *args], capture_output=True, text=True,
                              env=env, timeout=60)

    assert run("users", "add", "alice", "--nickname", "Alice").returncode == 0
    assert run("users", "add", "bob").returncode == 0
    made = run("friends", "add", "alice", "bob")
    assert made.returncode == 0, made.stderr
    listed = run("users", "list", "--json")
    assert [(u["openid"], u["friends"]) for u in json.loads(listed.stdout)["users"]] == \
        [("alice", ["bob"]), ("bob", ["alice"])]
    assert run("storage", "set", "highScore=5", "--user", "bob").returncode == 0
    board = run("storage", "friends", "highScore", "--user", "alice")
    assert "bob" in board.stdout and "5" in board.stdout
    gone = run("users", "remove", "zed")
    assert gone.returncode == 1 and "ttminis users add zed" in gone.stderr and "Traceback" not in gone.stderr
