"""Emulator throughput and latency over real HTTP, at 1k, 10k and 100k users.

    python bench/emulator_bench.py [--scales 1000,10000,100000] [--seconds 3] [--clients 2]

For each scale it builds a data file (every user has 5 keys and ~10 random friends; one user,
"hub", has 1,000 friends with 5 keys each), starts the real emulator on it, and prints:
- set and get operations per second from N client processes, each on one keep-alive connection;
- p50/p99 latency of hub's friends-storage read (1,000 friends × 5 keys).
Targets: ≥ 3,000 ops/s, p99 < 20 ms. Clients use http.client, the lightest keep-alive client in
the standard library, so the figure measures the server more than the client.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import start_emulator  # noqa: E402  (the fixture the tests use, as a plain function)

from ttminis_cli.emulator.model import Share, State, User  # noqa: E402
from ttminis_cli.emulator.store import Store  # noqa: E402

KEYS = ("highScore", "level", "coins", "stars", "lastPlayed")
HUB_FRIENDS = 1000


def build(path: Path, users: int) -> None:
    """A data file with `users` users, 5 keys each, ~10 friends each and a hub with 1,000 friends."""
    rng = random.Random(users)
    ids = [f"u{i:06d}" for i in range(users)]
    storage = tuple((openid, tuple((k, str(rng.randint(0, 99999))) for k in KEYS)) for openid in ids)
    friendships = {(a, b) for a in ids for b in rng.sample(ids, 5) if a < b}
    friendships |= {("hub", openid) for openid in ids[:HUB_FRIENDS]}
    state = State(users=tuple(User(openid, openid.upper(), f"https://example.com/{openid}.png")
                              for openid in ids) + (User("hub", "Hub", ""),),
                  friendships=tuple(sorted(friendships)), storage=storage,
                  shares=(Share("hub", None, "shareToStory", "", "", "", None),))
    store = Store(path)
    store.import_state(state, replace=True)
    store.close()


def _client(port: int, kind: str, seconds: float, worker: int, users: int, out: mp.Queue) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Content-Type": "application/json"}
    done, errors = 0, 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        openid = f"u{(worker * 7919 + done) % min(users, 1000):06d}"
        if kind == "set":
            body = json.dumps({"data": [{"key": "highScore", "value": str(done)}]})
            conn.request("POST", f"/v1/users/{openid}/storage", body, headers)
        else:
            conn.request("GET", f"/v1/users/{openid}/storage?keys=highScore,level")
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            done += 1
        else:
            errors += 1
    out.put((done, errors))


def ops_per_second(port: int, kind: str, seconds: float, clients: int, users: int) -> tuple[float, int]:
    out: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_client, args=(port, kind, seconds, i, users, out)) for i in range(clients)]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=seconds + 60) for _ in procs]
    for proc in procs:
        proc.join()
    return sum(r[0] for r in results) / seconds, sum(r[1] for r in results)


def friends_latency(port: int, requests: int) -> tuple[float, float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    timings = []
    items = 0
    for _ in range(requests):
        start = time.perf_counter()
        conn.request("GET", "/v1/users/hub/friends/storage?keys=" + ",".join(KEYS))
        response = conn.getresponse()
        body = response.read()
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status == 200, body[:200]
        items = len(json.loads(body)["data"])
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1], items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1000,10000,100000")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--requests", type=int, default=300, help="friends-storage reads per scale")
    args = parser.parse_args()
    print(f"{'users':>8} {'build s':>8} {'set ops/s':>10} {'get ops/s':>10} {'friends p50 ms':>15} "
          f"{'p99 ms':>8} {'friends':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for users in (int(s) for s in args.scales.split(",")):
            data = Path(tmp) / f"bench-{users}.db"
            started = time.perf_counter()
            build(data, users)
            build_s = time.perf_counter() - started
            emulator = start_emulator(Path(tmp), data=data)
            try:
                friends_latency(emulator.port, 20)  # warm the page cache
                set_ops, set_errors = ops_per_second(emulator.port, "set", args.seconds, args.clients, users)
                get_ops, get_errors = ops_per_second(emulator.port, "get", args.seconds, args.clients, users)
                p50, p99, items = friends_latency(emulator.port, args.requests)
            finally:
                emulator.stop()
            errors = f"  ({set_errors + get_errors} non-200)" if set_errors + get_errors else ""
            print(f"{users:>8} {build_s:>8.1f} {set_ops:>10.0f} {get_ops:>10.0f} {p50:>15.2f} {p99:>8.2f} "
                  f"{items:>8}{errors}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
