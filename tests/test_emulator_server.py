"""The emulator process: data files, restarts, signals, seeds, durability, concurrency, host checks."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import httpx
import pytest

from conftest import free_port

from ttminis_cli.emulator.guard import allowed_hosts, is_loopback
from ttminis_cli.emulator.store import MIGRATIONS, SCHEMA_VERSION


def run_cli(*args: str, cwd=None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ttminis_cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def kv(**pairs: str) -> list[dict]:
    return [{"key": k, "value": v} for k, v in pairs.items()]


# --------------------------------------------------------------------------- data file and restarts


def test_data_survives_a_restart(emulator_factory, tmp_path):
    data = tmp_path / "state.db"
    first = emulator_factory(data=data)
    httpx.put(f"{first.url}/v1/users/alice", json={"nickname": "Alice"})
    httpx.post(f"{first.url}/v1/users/alice/storage", json={"data": kv(highScore="10000")})
    assert first.stop() == 0
    second = emulator_factory(data=data)
    assert httpx.get(f"{second.url}/v1/users/alice/storage").json() == {"KVDataList": kv(highScore="10000")}
    assert httpx.get(f"{second.url}/v1/users").json()["users"][0]["nickname"] == "Alice"


def test_in_memory_keeps_nothing(emulator_factory, tmp_path):
    emulator = emulator_factory(in_memory=True)
    httpx.post(f"{emulator.url}/v1/users/alice/storage", json={"data": kv(a="1")})
    emulator.stop()
    assert not list(tmp_path.glob("**/*.db"))


def test_default_data_file_is_under_the_project_root(emulator_factory, tmp_path):
    (tmp_path / "game.json").write_text("{}")
    nested = tmp_path / "src" / "scenes"
    nested.mkdir(parents=True)
    emulator = emulator_factory(cwd=nested)
    httpx.post(f"{emulator.url}/v1/users/alice/storage", json={"data": kv(a="1")})
    emulator.stop()
    assert (tmp_path / ".ttminis" / "emulator.db").is_file()
    assert not (nested / ".ttminis").exists()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_export_on_exit_writes_a_reimportable_state(emulator_factory, tmp_path, sig):
    out = tmp_path / "out" / "state.json"
    emulator = emulator_factory("--export-on-exit", str(out), in_memory=True)
    url = emulator.url
    for openid in ("alice", "bob"):
        httpx.put(f"{url}/v1/users/{openid}", json={"nickname": openid.title()})
    httpx.put(f"{url}/v1/users/alice/friends/bob")
    httpx.post(f"{url}/v1/users/alice/storage", json={"data": kv(highScore="10000")})
    httpx.post(f"{url}/v1/shares", json={"from": "alice", "to": "bob", "kind": "shareToUser",
                                         "imageUrl": "https://cdn.example/c.png"})
    expected = httpx.get(f"{url}/v1/export").json()
    assert emulator.stop(sig) == 0, emulator.log()
    assert json.loads(out.read_text()) == expected
    assert "Traceback" not in emulator.log()
    again = emulator_factory(in_memory=True, seed=out)  # an export is a valid seed
    assert httpx.get(f"{again.url}/v1/export").json() == expected


def test_an_export_target_that_cannot_be_written_is_refused_at_start(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("notes")
    for target, expected in ((folder, "is a folder"), (a_file / "state.json", "cannot create the folder")):
        started = time.monotonic()
        result = run_cli("emulator", "start", "--port", str(free_port()), "--in-memory", "--export-on-exit",
                         str(target))
        assert result.returncode == 2, result.stderr
        assert expected in result.stderr and "Traceback" not in result.stderr
        assert time.monotonic() - started < 30  # refused at start, not after a session
    assert list(folder.iterdir()) == []


def _damage(path, offset: int, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(bytes(range(256)) * (size // 256))


def test_a_damaged_data_file_is_refused_at_start_and_left_as_it_is(emulator_factory, tmp_path):
    data = tmp_path / "damaged.db"
    first = emulator_factory(data=data)
    users = [{"openid": f"u{i:04d}", "nickname": "n" * 60} for i in range(2000)]
    httpx.post(f"{first.url}/v1/import", json={"users": users, "storage": {u["openid"]: {"highScore": "1"}
                                                                               for u in users}}, timeout=60)
    assert first.stop() == 0
    size = data.stat().st_size
    assert size > 64 * 1024
    _damage(data, size // 2 // 4096 * 4096, 8192)  # 8 KB of garbage in the middle
    damaged = data.read_bytes()
    result = run_cli("emulator", "start", "--port", str(free_port()), "--data", str(data))
    assert result.returncode == 2, result.stderr
    assert f"{data}: the file is damaged (SQLite's quick_check:" in result.stderr
    assert "--data" in result.stderr and "--seed" in result.stderr and "Traceback" not in result.stderr
    assert data.read_bytes() == damaged


def test_another_programs_sqlite_file_is_refused_and_left_untouched(tmp_path):
    data = tmp_path / "app.db"
    db = sqlite3.connect(data)
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    db.execute("INSERT INTO notes (text) VALUES ('buy milk')")
    db.commit()
    db.close()
    before = data.read_bytes()
    result = run_cli("emulator", "start", "--port", str(free_port()), "--data", str(data))
    assert result.returncode == 2, result.stderr
    assert "a SQLite database of another program (tables: notes)" in result.stderr
    assert data.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


def test_a_file_of_schema_version_1_opens_and_is_migrated(emulator_factory, tmp_path):
    data = tmp_path / "old.db"
    db = sqlite3.connect(data)
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO users VALUES ('alice', 'Alice', '')")
    db.execute("INSERT INTO storage VALUES ('alice', 'highScore', '77')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    emulator = emulator_factory(data=data)
    assert httpx.get(f"{emulator.url}/v1/users/alice/storage").json() == {"KVDataList": kv(highScore="77")}
    assert httpx.post(f"{emulator.url}/v1/users/alice/authorize").status_code == 200
    emulator.stop()
    assert sqlite3.connect(data).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_newer_data_file_is_refused_with_exit_2(tmp_path):
    data = tmp_path / "future.db"
    db = sqlite3.connect(data)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    result = run_cli("emulator", "start", "--port", str(free_port()), "--data", str(data))
    assert result.returncode == 2
    assert "newer ttminis" in result.stderr and str(data) in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_that_is_not_sqlite_is_refused_with_exit_2(tmp_path):
    data = tmp_path / "notes.db"
    data.write_text("these are my notes, not a database\n" * 100)
    result = run_cli("emulator", "start", "--port", str(free_port()), "--data", str(data))
    assert result.returncode == 2 and "not an emulator data file" in result.stderr
    assert data.read_text().startswith("these are my notes")


def test_data_and_in_memory_exclude_each_other(tmp_path):
    result = run_cli("emulator", "start", "--data", str(tmp_path / "x.db"), "--in-memory")
    assert result.returncode == 2 and "--in-memory" in result.stderr


def test_a_port_in_use_is_one_clear_error_with_exit_2(emulator):
    result = run_cli("emulator", "start", "--port", str(emulator.port), "--in-memory")
    assert result.returncode == 2
    assert f"port {emulator.port}" in result.stderr and "already in use" in result.stderr
    assert "Traceback" not in result.stderr
    assert httpx.get(f"{emulator.url}/v1/users").status_code == 200


# --------------------------------------------------------------------------- seeds


def test_the_example_seed_gives_the_quick_start_leaderboard(emulator_factory):
    from pathlib import Path

    seed = Path(__file__).resolve().parents[1] / "examples" / "seed.toml"
    emulator = emulator_factory(in_memory=True, seed=seed)
    users = {u["openid"]: u for u in httpx.get(f"{emulator.url}/v1/users").json()["users"]}
    assert {"alice", "bob", "carol"} <= set(users) and "bob" in users["alice"]["friends"]
    board = httpx.get(f"{emulator.url}/v1/users/bob/friends/storage", params={"keys": "highScore"}).json()["data"]
    assert {item["openid"] for item in board} >= {"alice", "bob"}


def test_the_emulator_says_what_a_seed_loaded_and_what_it_replaced(emulator_factory, tmp_path):
    from pathlib import Path

    seed = Path(__file__).resolve().parents[1] / "examples" / "seed.toml"
    data = tmp_path / "seeded.db"
    first = emulator_factory(data=data, seed=seed)
    assert f"seeded from {seed}: 4 user(s), 2 friendship(s), 5 key(s)" in first.log()
    assert "already held data" not in first.log()
    httpx.post(f"{first.url}/v1/users/alice/storage", json={"data": kv(highScore="99999", mine="kept")})
    assert first.stop() == 0
    second = emulator_factory(data=data, seed=seed)
    assert "already held data: the seed's users and keys replaced the stored ones" in second.log()
    stored = httpx.get(f"{second.url}/v1/users/alice/storage").json()["KVDataList"]
    assert {"key": "highScore", "value": "8200"} in stored and {"key": "mine", "value": "kept"} in stored


@pytest.mark.parametrize("name,text,expected", [
    ("bad.toml", '[storage.alice]\nhighScore = 10000\n', "storage.alice.highScore"),
    ("bad.toml", '[storage.alice\n', "bad.toml:1"),
    ("bad.json", '{"users": [{"openid": "a", "nickname": 5}]}', "users[0].nickname"),
    ("bad.json", '{"users": [], "friendships": [["a", "ghost"]]}', "friendships[0][0]"),
    ("bad.json", '{"usres": []}', "usres"),
    ("bad.json", '{"users": [', "bad.json:1:"),
    ("missing.toml", None, "seed file not found"),
])
def test_bad_seed_files_name_the_file_and_field_and_exit_2(tmp_path, name, text, expected):
    seed = tmp_path / name
    if text is not None:
        seed.write_text(text)
    result = run_cli("emulator", "start", "--port", str(free_port()), "--in-memory", "--seed", str(seed))
    assert result.returncode == 2, result.stderr
    assert name in result.stderr and expected in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- durability and concurrency


def test_kill_9_during_a_write_load_loses_no_acknowledged_write(emulator_factory, tmp_path):
    data = tmp_path / "durable.db"
    emulator = emulator_factory(data=data)
    acknowledged: list[str] = []
    stop = threading.Event()

    def write() -> None:
        with httpx.Client(base_url=emulator.url, timeout=5) as client:
            i = 0
            while not stop.is_set():
                try:
                    response = client.post("/v1/users/alice/storage", json={"data": kv(**{f"k{i}": str(i)})})
                except httpx.TransportError:
                    return  # the server died mid-request: that write was never acknowledged
                if response.status_code == 200:
                    acknowledged.append(f"k{i}")
                i += 1

    writers = [threading.Thread(target=write) for _ in range(2)]
    for thread in writers:
        thread.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    emulator.kill()  # SIGKILL while the writers are still sending
    stop.set()
    for thread in writers:
        thread.join(10)
    assert len(acknowledged) >= 300
    restarted = emulator_factory(data=data)
    stored = {item["key"] for item in httpx.get(f"{restarted.url}/v1/users/alice/storage").json()["KVDataList"]}
    assert set(acknowledged) <= stored


def _write_keys(url: str, worker: int, count: int) -> list[str]:
    written = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for i in range(count):
            key = f"w{worker}-{i}"
            response = client.post("/v1/users/shared/storage", json={"data": kv(**{key: str(i)})})
            assert response.status_code == 200, response.text
            written.append(key)
    return written


def test_concurrent_writers_in_several_processes_lose_no_update(emulator_factory, tmp_path):
    data = tmp_path / "shared.db"
    # two emulator processes on one data file, and four writer processes split between them
    servers = [emulator_factory(data=data), emulator_factory(data=data)]
    revision_before = int(httpx.get(f"{servers[0].url}/v1/export").headers["etag"].strip('"'))
    with ProcessPoolExecutor(4) as pool:
        results = list(pool.map(_write_keys, [servers[i % 2].url for i in range(4)], range(4), [150] * 4))
    expected = {key for keys in results for key in keys}
    for server in servers:
        stored = {i["key"] for i in httpx.get(f"{server.url}/v1/users/shared/storage").json()["KVDataList"]}
        assert stored == expected and len(expected) == 600
        # the change counter is a read-modify-write in every transaction: 600 writes, 600 increments
        assert int(httpx.get(f"{server.url}/v1/export").headers["etag"].strip('"')) == revision_before + 600


# --------------------------------------------------------------------------- host and origin checks


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}"])
def test_requests_naming_this_server_are_served(emulator, host):
    response = httpx.get(f"{emulator.url}/v1/users", headers={"Host": host.format(port=emulator.port)})
    assert response.status_code == 200


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1:{other}", "localhost", "attacker.localhost:{port}",
                                  ""])
def test_requests_with_a_foreign_host_header_are_refused(emulator, host):
    value = host.format(port=emulator.port, other=emulator.port + 1)
    response = httpx.get(f"{emulator.url}/v1/users", headers={"Host": value})
    assert response.status_code == 421
    assert response.json()["error"]["code"] == "wrong_host"


def test_writes_from_a_foreign_page_are_refused_and_the_dashboard_origin_is_allowed(emulator):
    body = {"data": kv(a="1")}
    foreign = httpx.post(f"{emulator.url}/v1/users/alice/storage", json=body,
                         headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "foreign_origin"
    assert httpx.get(f"{emulator.url}/v1/export").json()["users"] == []
    own = httpx.post(f"{emulator.url}/v1/users/alice/storage", json=body, headers={"Origin": emulator.url})
    assert own.status_code == 200


@pytest.mark.parametrize("path", ["/static/../store.py", "/static/%2e%2e%2fstore.py", "/static/..%2Fstore.py",
                                  "/static/__init__.py", "/static/%2Fetc%2Fpasswd", "/static/index.html%00.js",
                                  "/../../etc/passwd"])
def test_only_the_dashboard_files_are_served(emulator, path):
    response = httpx.get(emulator.url + path)
    assert response.status_code == 404
    assert "import" not in response.text and "root:" not in response.text


def test_host_rules():
    assert allowed_hosts("127.0.0.1", 9528) == {"127.0.0.1:9528", "localhost:9528", "[::1]:9528"}
    assert "[::1]:80" in allowed_hosts("::1", 80)
    assert "192.168.1.5:9528" in allowed_hosts("192.168.1.5", 9528)
    assert [is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "localhost", "0.0.0.0", "10.0.0.1")] == \
        [True, True, True, True, False, False]



def test_ipv6_loopback_is_served_under_its_bracketed_name(tmp_path):
    import socket

    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
            port = probe.getsockname()[1]
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    proc = subprocess.Popen([sys.executable, "-m", "ttminis_cli", "emulator", "start", "--host", "::1", "--port",
                             str(port), "--in-memory"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://[::1]:{port}/v1/users", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "the emulator did not start on ::1"
                time.sleep(0.05)
        assert response.status_code == 200
        assert httpx.get(f"http://[::1]:{port}/v1/users", headers={"Host": "evil.example"}).status_code == 421
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 0 and "warning" not in stderr  # loopback: no exposure warning


def test_an_address_this_machine_does_not_have_is_one_clear_error(tmp_path):
    result = run_cli("emulator", "start", "--host", "192.0.2.1", "--port", "9", "--in-memory")  # TEST-NET-1
    assert result.returncode == 2
    assert "cannot listen on 192.0.2.1:9" in result.stderr and "Traceback" not in result.stderr


def test_a_damaged_data_file_gives_the_error_body_and_a_one_line_log(emulator, tmp_path):
    httpx.put(f"{emulator.url}/v1/users/alice")
    with sqlite3.connect(emulator.data_path) as db:  # another program damages the file under the server
        db.execute("DROP TABLE authorizations")
    response = httpx.post(f"{emulator.url}/v1/users/alice/authorize")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "no such table: authorizations" in response.json()["error"]["message"]
    assert httpx.get(f"{emulator.url}/v1/users").status_code == 200  # still serving
    emulator.stop()
    assert "no such table: authorizations" in emulator.log() and "Traceback" not in emulator.log()


def test_a_folder_as_data_file_is_refused_with_exit_2(tmp_path):
    folder = tmp_path / "state.db"
    folder.mkdir()
    result = run_cli("emulator", "start", "--port", str(free_port()), "--data", str(folder))
    assert result.returncode == 2 and "cannot open" in result.stderr and "Traceback" not in result.stderr


def test_the_port_comes_from_ttminis_toml_when_not_given(tmp_path):
    port = free_port()
    (tmp_path / "ttminis.toml").write_text(f"[emulator]\nport = {port}\n")
    proc = subprocess.Popen([sys.executable, "-m", "ttminis_cli", "emulator", "start", "--in-memory"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/v1/users", timeout=2).status_code == 200
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=15)
    assert f"http://127.0.0.1:{port}" in stderr


# --------------------------------------------------------------------------- a full disk, slow clients


@pytest.fixture
def small_disk(tmp_path):
    """A real 2 MB file system (tmpfs) mounted for the test: the emulator fills it for real."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_disk_is_507_reads_go_on_and_the_export_works(emulator_factory, tmp_path, small_disk):
    out = tmp_path / "rescued.json"
    emulator = emulator_factory("--export-on-exit", str(out), data=small_disk / "emulator.db")
    big = "v" * 2048
    acknowledged: dict[str, str] = {}
    with httpx.Client(base_url=emulator.url, timeout=30) as client:  # one keep-alive connection throughout
        for i in range(100):
            batch = [{"key": f"k{i}-{j}", "value": big} for j in range(64)]
            response = client.post("/v1/users/alice/storage", json={"data": batch})
            if response.status_code != 200:
                break
            acknowledged.update((kv["key"], kv["value"]) for kv in batch)
        assert response.status_code == 507, response.text
        error = response.json()["error"]
        assert error["code"] == "disk_full" and "is full: nothing was written" in error["message"]
        assert acknowledged, "the disk was full before the first write"
        for _ in range(5):  # every request on the same connection is answered, reads and refused writes
            read = client.get("/v1/users/alice/storage", params={"keys": "k0-0"})
            assert read.status_code == 200 and read.json()["KVDataList"] == [{"key": "k0-0", "value": big}]
            assert client.post("/v1/users/alice/storage", json={"data": batch}).status_code == 507
        exported = client.get("/v1/export")
        assert exported.status_code == 200
    assert emulator.stop(signal.SIGTERM) == 0, emulator.log()
    rescued = json.loads(out.read_text())["storage"]["alice"]
    assert rescued == acknowledged
    assert "Traceback" not in emulator.log() and "internal error" not in emulator.log()


def _read_until_closed(sock, limit_s: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when it closed it."""
    started = time.monotonic()
    sock.settimeout(limit_s)
    received = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return received, time.monotonic() - started
        received += chunk


def test_slow_and_silent_clients_cannot_hold_a_connection(emulator):
    import socket
    from concurrent.futures import ThreadPoolExecutor

    head = f"POST /v1/users/alice/storage HTTP/1.1\r\nHost: {emulator.host_port}\r\n"
    requests = {
        "body shorter than its Content-Length": head + 'Content-Type: application/json\r\nContent-Length: 100\r\n'
                                                       '\r\n{"data": [',
        "headers never finished": head + "Content-Type: application/json\r\n",
        "nothing sent": "",
    }

    def probe(data: str) -> tuple[bytes, float]:
        with socket.create_connection(("127.0.0.1", emulator.port)) as sock:
            sock.sendall(data.encode())
            return _read_until_closed(sock, 60)

    def steady() -> bytes:
        """A slow client that keeps sending: 12 s for its body, never 10 s without a byte."""
        body = json.dumps({"data": [{"key": "slow", "value": "but steady"}]}).encode()
        with socket.create_connection(("127.0.0.1", emulator.port)) as sock:
            sock.sendall((head + f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                          "Connection: close\r\n\r\n").encode())
            for i in range(4):
                time.sleep(3)
                sock.sendall(body[i * len(body) // 4:(i + 1) * len(body) // 4])
            return _read_until_closed(sock, 60)[0]

    with ThreadPoolExecutor(len(requests) + 1) as pool:
        slow = pool.submit(steady)
        results = dict(zip(requests, pool.map(probe, requests.values())))
        assert slow.result().startswith(b"HTTP/1.1 200 ")
    body, waited = results["body shorter than its Content-Length"]
    assert body.startswith(b"HTTP/1.1 408 ") and b'"code": "request_timeout"' in body
    for name in ("headers never finished", "nothing sent"):
        assert results[name][0] == b"", name
    for name, (_, waited) in results.items():
        assert 8 < waited < 15, name
    assert httpx.get(f"{emulator.url}/v1/users").status_code == 200
