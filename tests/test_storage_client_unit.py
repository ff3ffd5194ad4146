"""`ttminis storage`'s parts that need no emulator: addresses, arguments, push files, ranking,
pull files, atomic writes, and what the client says when the other end is not the emulator."""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ttminis_cli.documents import tomllib
from ttminis_cli.documents import write_text_atomically as write_atomically
from ttminis_cli.errors import UserError
from ttminis_cli.platform.limits import check_key, check_value
from ttminis_cli.storage_client import (
    Address,
    EmulatorClient,
    diff_storage,
    dump_json,
    dump_toml,
    load_storage_file,
    parse_address,
    parse_pairs,
    rank_friends,
    resolve_address,
)

# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize("text, url", [
    ("127.0.0.1:9528", "http://127.0.0.1:9528"),
    ("localhost:1", "http://localhost:1"),
    ("http://127.0.0.1:7000", "http://127.0.0.1:7000"),
    ("http://127.0.0.1:7000/", "http://127.0.0.1:7000"),
    ("  example.test:65535 ", "http://example.test:65535"),
    ("[::1]:9528", "http://[::1]:9528"),
    ("http://[::1]:9528", "http://[::1]:9528"),
])
def test_address_forms_accepted(text, url):
    assert parse_address(text, "--emulator").url == url


@pytest.mark.parametrize("text, reason", [
    ("127.0.0.1", "no port"),
    ("http://127.0.0.1", "no port"),
    ("127.0.0.1:port", "not a number"),
    ("127.0.0.1:70000", "not a number"),
    ("https://127.0.0.1:9528", "plain http://"),
    ("ftp://127.0.0.1:9528", "plain http://"),
    (":9528", "no host"),
    ("http://127.0.0.1:9528/v1", "more than a host and a port"),
    ("http://user@127.0.0.1:9528", "more than a host and a port"),
    ("", "no host"),
])
def test_malformed_address_is_a_usage_error_naming_its_source(text, reason):
    with pytest.raises(UserError) as caught:
        parse_address(text, "$TTMINIS_EMULATOR_HOST")
    assert caught.value.exit_code == 2
    assert "$TTMINIS_EMULATOR_HOST" in caught.value.message
    assert reason in caught.value.message


def _project(tmp_path: Path, config: str | None) -> Path:
    sub = tmp_path / "game" / "src"
    sub.mkdir(parents=True)
    if config is not None:
        (tmp_path / "game" / "ttminis.toml").write_text(config, encoding="utf-8")
    return sub


def test_address_precedence_flag_env_config_default(tmp_path):
    cwd = _project(tmp_path, '[emulator]\nhost = "127.0.0.3"\nport = 7003\n')
    env = {"TTMINIS_EMULATOR_HOST": "127.0.0.2:7002"}
    assert resolve_address("127.0.0.1:7001", environ=env, cwd=cwd).url == "http://127.0.0.1:7001"
    assert resolve_address(None, environ=env, cwd=cwd).url == "http://127.0.0.2:7002"
    from_config = resolve_address(None, environ={}, cwd=cwd)
    assert from_config.url == "http://127.0.0.3:7003"
    assert "ttminis.toml" in from_config.source
    bare = _project(tmp_path / "other", None)
    assert resolve_address(None, environ={}, cwd=bare).url == "http://127.0.0.1:9528"


def test_config_with_only_a_port_keeps_the_default_host(tmp_path):
    cwd = _project(tmp_path, "[emulator]\nport = 7010\n")
    assert resolve_address(None, environ={}, cwd=cwd).url == "http://127.0.0.1:7010"


def test_config_port_zero_is_malformed_and_names_the_file(tmp_path):
    cwd = _project(tmp_path, "[emulator]\nport = 0\n")
    with pytest.raises(UserError) as caught:
        resolve_address(None, environ={}, cwd=cwd)
    assert caught.value.exit_code == 2
    assert "ttminis.toml [emulator]" in caught.value.message


def test_empty_environment_variable_falls_through_to_the_default(tmp_path):
    cwd = _project(tmp_path, None)
    assert resolve_address(None, environ={"TTMINIS_EMULATOR_HOST": ""}, cwd=cwd).url == "http://127.0.0.1:9528"


# --------------------------------------------------------------------------- arguments


def test_pairs_split_on_the_first_equals_sign_and_keep_empty_values():
    assert parse_pairs(["a=1", "url=https://x.test/?q=1&r=2", "empty="]) == [
        ("a", "1"), ("url", "https://x.test/?q=1&r=2"), ("empty", "")]


def test_pair_without_equals_sign_is_a_usage_error_naming_the_argument():
    with pytest.raises(UserError) as caught:
        parse_pairs(["a=1", "highScore"])
    assert caught.value.exit_code == 2
    assert "argument 2 'highScore' is not KEY=VALUE" in caught.value.message


@pytest.mark.parametrize("arg, limit_message", [
    ("k=" + "v" * 2049, check_value("v" * 2049, "data[1].value").message),
    ("k" * 129 + "=v", check_key("k" * 129, "data[1].key").message),
    ("=v", check_key("", "data[1].key").message),
])
def test_pairs_over_the_limits_are_refused_with_the_servers_message(arg, limit_message):
    with pytest.raises(UserError) as caught:
        parse_pairs(["ok=1", arg])
    assert caught.value.exit_code == 1
    assert caught.value.message == limit_message
    assert caught.value.where.startswith("argument 2 ")


# --------------------------------------------------------------------------- push files


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_push_file_in_json_and_toml_reads_the_same(tmp_path):
    as_json = _write(tmp_path, "s.json", '{"alice": {"highScore": "10", "name": "Al"}, "bob": {}}')
    as_toml = _write(tmp_path, "s.toml", '[alice]\nhighScore = "10"\nname = "Al"\n[bob]\n')
    assert load_storage_file(as_json) == load_storage_file(as_toml) == {
        "alice": {"highScore": "10", "name": "Al"}, "bob": {}}


@pytest.mark.parametrize("name, text, where", [
    ("bad.json", '{\n  "alice": {"a": "1",}\n}', "bad.json:2:22"),
    ("bad.toml", '[alice]\na = "1"\nb = \n', "bad.toml:3:5"),
    ("end.toml", '[alice]\na = ', "end.toml:2:5"),
])
def test_syntax_errors_give_file_line_and_column(tmp_path, name, text, where):
    with pytest.raises(UserError) as caught:
        load_storage_file(_write(tmp_path, name, text))
    assert caught.value.exit_code == 2
    assert caught.value.where.endswith(where)


def test_every_problem_of_the_file_is_reported_with_openid_and_key(tmp_path):
    path = _write(tmp_path, "s.toml", "\n".join([
        "[alice]", "highScore = 10000", f'"{"k" * 129}" = "x"', "ok = \"fine\"",
        "[bob]", f'long = "{"v" * 2049}"', '["a/b"]', 'x = "1"']))
    with pytest.raises(UserError) as caught:
        load_storage_file(path)
    message = caught.value.message
    assert caught.value.exit_code == 1
    assert caught.value.where == str(path)
    assert message.startswith("4 problem(s), nothing was sent")
    assert "user 'alice', key 'highScore': value must be a string, got int" in message
    assert f"user 'alice', key '{'k' * 40}…': key is 129 characters" in message
    assert "user 'bob', key 'long': value is 2049 characters" in message
    assert "user 'a/b'" in message
    assert "key 'ok'" not in message


@pytest.mark.parametrize("text, fragment", [
    ('["alice"]', "must hold an object"),
    ('{"alice": ["a", "b"]}', "user 'alice': must map keys to values, got list"),
    ('{"alice": {"a": "1"}, "alice": {"b": "2"}}', "'alice' appears twice"),
    ('{"alice": {"a": {"nested": "x"}}}', "value must be a string, got dict"),
    ('{"alice": {"a": "\\ud800"}}', "user 'alice', key 'a': holds a lone surrogate"),
])
def test_shape_errors_in_json(tmp_path, text, fragment):
    with pytest.raises(UserError) as caught:
        load_storage_file(_write(tmp_path, "s.json", text))
    assert fragment in caught.value.render()


def test_missing_push_file_is_a_usage_error(tmp_path):
    with pytest.raises(UserError) as caught:
        load_storage_file(tmp_path / "nope.json")
    assert caught.value.exit_code == 2
    assert "nope.json" in caught.value.message


def test_diff_names_added_changed_and_unchanged_per_user_and_key():
    current = {"alice": {"a": "1", "b": "2", "untouched": "x"}}
    wanted = {"alice": {"a": "1", "b": "3", "c": "4"}, "carol": {"d": "5"}}
    assert [(c.openid, c.key, c.kind, c.old) for c in diff_storage(current, wanted)] == [
        ("alice", "a", "unchanged", "1"), ("alice", "b", "changed", "2"), ("alice", "c", "added", None),
        ("carol", "d", "added", None)]


# --------------------------------------------------------------------------- pull files

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
_storage = st.dictionaries(_text.filter(bool), st.dictionaries(_text.filter(bool), _text, max_size=4), max_size=4)


@settings(max_examples=200, deadline=None)
@given(_storage)
def test_pull_files_read_back_as_what_was_pulled(storage):
    assert tomllib().loads(dump_toml(storage)) == storage
    assert json.loads(dump_json(storage)) == storage


def test_pull_files_are_sorted_for_stable_diffs():
    text = dump_toml({"bob": {"z": "1", "a": "2"}, "alice": {}})
    assert text == '["alice"]\n\n["bob"]\n"a" = "2"\n"z" = "1"\n'


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    write_atomically(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_write_that_fails_midway_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "x" * 100_000 + "\ud800")  # not encodable: fails while writing
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_atomic_write_into_a_missing_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UserError) as caught:
        write_atomically(tmp_path / "no" / "out.json", "x")
    assert caught.value.exit_code == 2
    assert "out.json" in caught.value.message


# --------------------------------------------------------------------------- leaderboard


def _friend(openid: str, **values: str) -> dict:
    return {"openid": openid, "nickname": openid.title(), "avatarUrl": "",
            "KVDataList": [{"key": k, "value": v} for k, v in values.items()]}


def test_numbers_rank_descending_with_shared_ranks_and_missing_last():
    items = [_friend("a", score="9"), _friend("b", level="3"), _friend("c", score="10000"),
             _friend("d", score="9.0"), _friend("e", score="-1"), _friend("f", score="1e3")]
    ranked = [(rank, item["openid"]) for rank, item in rank_friends(items, "score")]
    assert ranked == [(1, "c"), (2, "f"), (3, "a"), (3, "d"), (5, "e"), (None, "b")]


def test_text_ranks_ascending_when_any_value_is_not_a_number():
    items = [_friend("a", name="zed"), _friend("b", name="10"), _friend("c", name="amy")]
    assert [item["openid"] for _, item in rank_friends(items, "name")] == ["b", "c", "a"]


def test_huge_integers_rank_exactly():
    items = [_friend("a", s="90071992547409921"), _friend("b", s="90071992547409922")]
    assert [item["openid"] for _, item in rank_friends(items, "s")] == ["b", "a"]


# --------------------------------------------------------------------------- the other end


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_is_one_line_naming_the_url_and_how_to_start(tmp_path):
    port = _closed_port()
    with EmulatorClient(Address(f"http://127.0.0.1:{port}", "--emulator")) as client:
        with pytest.raises(UserError) as caught:
            client.storage("alice")
    rendered = caught.value.render()
    assert caught.value.exit_code == 2
    assert "\n" not in rendered
    assert f"http://127.0.0.1:{port}" in rendered
    assert "connection refused" in rendered
    assert "ttminis emulator start" in rendered


def test_a_server_that_never_answers_times_out_with_the_same_line():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = "http://127.0.0.1:%d" % silent.getsockname()[1]
        with EmulatorClient(Address(url, "--emulator"), timeout=0.3) as client:
            with pytest.raises(UserError) as caught:
                client.storage("alice")
    assert caught.value.exit_code == 2
    assert "no answer within 0.3 s" in caught.value.message
    assert "ttminis emulator start" in caught.value.message


class _Other(http.server.BaseHTTPRequestHandler):
    """Another program on the emulator's port: a web page, and a JSON API of its own."""

    def do_GET(self):
        if "storage" in self.path:
            body, kind = b"<html>hello</html>", "text/html"
        else:
            body, kind = b'{"detail": "Not Found"}', "application/json"
        self.send_response(200 if "storage" in self.path else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_service():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Other)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("call", [lambda c: c.storage("alice"), lambda c: c.friends_storage("alice", ["k"])])
def test_another_service_on_the_port_is_named_as_not_the_emulator(other_service, call):
    with EmulatorClient(Address(other_service, "the default address")) as client:
        with pytest.raises(UserError) as caught:
            call(client)
    assert caught.value.exit_code == 2
    assert f"the service at {other_service} (the default address) is not a ttminis emulator" in caught.value.message


def test_address_from_pyproject_names_its_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ttminis.emulator]\nport = 7020\n", encoding="utf-8")
    address = resolve_address(None, environ={}, cwd=tmp_path)
    assert address.url == "http://127.0.0.1:7020"
    assert address.source.endswith("pyproject.toml [tool.ttminis.emulator]")


def test_more_pairs_than_one_call_may_write_are_refused_before_sending():
    from ttminis_cli.platform.limits import MAX_PAIRS_PER_CALL

    with pytest.raises(UserError) as caught:
        parse_pairs([f"k{i}=v" for i in range(MAX_PAIRS_PER_CALL + 1)])
    assert caught.value.exit_code == 1
    assert f"one call may write at most {MAX_PAIRS_PER_CALL}" in caught.value.message
