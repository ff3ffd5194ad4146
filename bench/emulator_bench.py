"""Emulator throughput and latency over real HTTP, at 1k, 10k and 100k users, beside the framework floor.

    python bench/emulator_bench.py [--scales 1000,10000,100000] [--seconds 2] [--rounds 5] [--clients 2]

For each scale it builds a data file (every user has 5 keys and ~10 random friends; one user,
"hub", has 1,000 friends with 5 keys each), starts the real emulator on it, and prints:
- set and get operations per second from N client processes, each on one keep-alive connection;
- the framework floor: the same clients against a bare Starlette app served the way the emulator
  is (same uvicorn, same settings), answering the same paths with a constant of the same size;
  and each emulator figure as a fraction of its floor, which unlike ops/s holds on any machine;
- p50/p99 latency of hub's friends-storage read (1,000 friends × 5 keys).
Targets: get ≥ 0.8× the floor, ≥ 3,000 ops/s where the floor allows it, p99 < 20 ms. Clients use
http.client, the lightest keep-alive client in the standard library, so the figure measures the
server more than the client.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import free_port, start_emulator  # noqa: E402  (the fixture the tests use, as plain functions)

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


def serve_floor(port: int) -> None:
    """The framework floor: a bare Starlette app on the emulator's own server set-up (uvicorn, its
    settings, the socket), answering the benchmark's paths with constants shaped like the emulator's."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from ttminis_cli.emulator.server import bind, serve

    async def get(request):
        return JSONResponse({"KVDataList": [{"key": "highScore", "value": "12345"},
                                            {"key": "level", "value": "67890"}]})

    async def post(request):
        await request.body()
        return JSONResponse({"written": 1, "duplicates": []})

    app = Starlette(routes=[Route("/v1/users/{openid}/storage", get, methods=["GET"]),
                            Route("/v1/users/{openid}/storage", post, methods=["POST"])])
    serve(app, bind("127.0.0.1", port))


class Floor:
    """The floor server in its own process, as the emulator runs in its own."""

    def __enter__(self) -> int:
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve-floor", str(self.port)])
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/v1/users/u000000/storage")
                conn.getresponse().read()
                return self.port
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the floor server did not start") from None
                time.sleep(0.05)

    def __exit__(self, *exc_info) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(15)


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
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--requests", type=int, default=300, help="friends-storage reads per scale")
    parser.add_argument("--rounds", type=int, default=5,
                        help="floor and emulator measured in turn this many times; the median of each is shown")
    parser.add_argument("--serve-floor", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return 0
    print(f"{'users':>8} {'build s':>8} {'set ops/s':>10} {'floor':>7} {'ratio':>6} {'get ops/s':>10} "
          f"{'floor':>7} {'ratio':>6} {'friends p50 ms':>15} {'p99 ms':>8} {'friends':>8}")
    with tempfile.TemporaryDirectory() as tmp, Floor() as floor:
        for users in (int(s) for s in args.scales.split(",")):
            data = Path(tmp) / f"bench-{users}.db"
            started = time.perf_counter()
            build(data, users)
            build_s = time.perf_counter() - started
            emulator = start_emulator(Path(tmp), data=data)
            runs: dict[tuple[str, str], list[float]] = {}
            errors = 0
            try:
                friends_latency(emulator.port, 20)  # warm the page cache
                # In turn, so that both see the same machine: a busy moment costs each its share.
                for _ in range(args.rounds):
                    for kind in ("set", "get"):
                        for name, port in (("floor", floor), ("emulator", emulator.port)):
                            ops, failed = ops_per_second(port, kind, args.seconds, args.clients, users)
                            runs.setdefault((name, kind), []).append(ops)
                            errors += failed
                p50, p99, items = friends_latency(emulator.port, args.requests)
            finally:
                emulator.stop()
            shown = f"  ({errors} non-200)" if errors else ""
            cells = []
            for kind in ("set", "get"):
                ops, floor_ops = statistics.median(runs["emulator", kind]), statistics.median(runs["floor", kind])
                cells.append(f"{ops:>10.0f} {floor_ops:>7.0f} {ops / floor_ops:>6.2f}")
            print(f"{users:>8} {build_s:>8.1f} {' '.join(cells)} {p50:>15.2f} {p99:>8.2f} {items:>8}{shown}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
