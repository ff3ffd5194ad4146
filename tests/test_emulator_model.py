"""Random sequences of API calls against the running emulator agree with a plain-Python model of DESIGN §7.

The model is the specification in twenty lines: storage writes create users, friendships are mutual,
a refused batch changes nothing, friends' storage lists the user and friends holding a requested key.
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from conftest import start_emulator

from ttminis_cli.platform.limits import KEY_MAX_CHARS, VALUE_MAX_CHARS

OPENIDS = st.sampled_from(["alice", "bob", "carol", "dave"])
KEYS = st.sampled_from(["highScore", "level", "coins", "名前", "🎮" * (KEY_MAX_CHARS // 2)])
VALUES = st.sampled_from(["0", "10000", "-3", "", "x" * VALUE_MAX_CHARS, "<b>hi</b>", "9.5"])
BAD_PAIRS = st.sampled_from([
    {"key": "", "value": "1"}, {"key": "k" * (KEY_MAX_CHARS + 1), "value": "1"},
    {"key": "ok", "value": "v" * (VALUE_MAX_CHARS + 1)}, {"key": "ok", "value": 5}, {"key": None, "value": "1"},
    {"key": "🎮" * (KEY_MAX_CHARS // 2 + 1), "value": "1"}, {"key": "a,b", "value": "1"},
])


@pytest.fixture(scope="module")
def model_emulator(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("model")
    emulator = start_emulator(tmp, data=tmp / "model.db")
    yield emulator
    emulator.stop()


class EmulatorMatchesModel(RuleBasedStateMachine):
    url: str = ""

    @initialize()
    def reset(self):
        self.client = httpx.Client(base_url=self.url, timeout=10)
        assert self.client.delete("/v1/data").status_code == 200
        self.storage: dict[str, dict[str, str]] = {}
        self.friends: set[frozenset[str]] = set()

    def teardown(self):
        self.client.close()

    @rule(openid=OPENIDS, pairs=st.lists(st.tuples(KEYS, VALUES), max_size=4),
          bad=st.one_of(st.none(), BAD_PAIRS), where=st.integers(0, 4))
    def set_storage(self, openid, pairs, bad, where):
        batch = [{"key": k, "value": v} for k, v in pairs]
        if bad is not None:
            batch.insert(min(where, len(batch)), bad)
        response = self.client.post(f"/v1/users/{openid}/storage", json={"data": batch})
        if bad is not None:
            assert response.status_code == 400, response.text
            return
        assert response.status_code == 200, response.text
        keys = [k for k, _ in pairs]
        assert response.json() == {"written": len(set(keys)),
                                   "duplicates": [k for k in dict.fromkeys(keys) if keys.count(k) > 1]}
        self.storage.setdefault(openid, {}).update(dict(pairs))

    @rule(openid=OPENIDS, keys=st.lists(KEYS, min_size=1, max_size=3))
    def remove(self, openid, keys):
        response = self.client.post(f"/v1/users/{openid}/storage:remove", json={"keyList": keys})
        if openid not in self.storage:
            assert response.status_code == 404
            return
        missing = [k for k in dict.fromkeys(keys) if self.storage[openid].pop(k, None) is None]
        assert response.json() == {"removed": len(dict.fromkeys(keys)) - len(missing), "missing": missing}

    @rule(a=OPENIDS, b=OPENIDS, make=st.booleans())
    def friendship(self, a, b, make):
        response = (self.client.put if make else self.client.delete)(f"/v1/users/{a}/friends/{b}")
        if a == b:
            assert response.status_code == 403
        elif a not in self.storage or b not in self.storage:
            assert response.status_code == 404
        else:
            assert response.status_code == 200
            (self.friends.add if make else self.friends.discard)(frozenset((a, b)))

    @rule(openid=OPENIDS, keys=st.lists(KEYS, min_size=1, max_size=4))
    def read_own_and_friends(self, openid, keys):
        own = self.client.get(f"/v1/users/{openid}/storage", params={"keys": ",".join(keys)})
        board = self.client.get(f"/v1/users/{openid}/friends/storage", params={"keys": ",".join(keys)})
        if openid not in self.storage:
            assert own.status_code == board.status_code == 404
            return
        wanted = list(dict.fromkeys(keys))
        assert own.json() == {"KVDataList": self._kv(openid, wanted)}
        members = sorted({openid} | {o for pair in self.friends if openid in pair for o in pair})
        expected = [{"openid": o, "nickname": o, "avatarUrl": "", "KVDataList": self._kv(o, wanted)}
                    for o in members if self._kv(o, wanted)]
        assert board.json() == {"data": expected}

    def _kv(self, openid: str, keys: list[str]) -> list[dict]:
        pairs = self.storage.get(openid, {})
        return [{"key": k, "value": pairs[k]} for k in keys if k in pairs]

    @invariant()
    def export_matches(self):
        state = self.client.get("/v1/export").json()
        assert state["storage"] == {o: dict(sorted(p.items())) for o, p in self.storage.items() if p}
        assert {u["openid"] for u in state["users"]} == set(self.storage)
        assert {frozenset(pair) for pair in state["friendships"]} == self.friends


def test_random_call_sequences_agree_with_the_model(model_emulator):
    EmulatorMatchesModel.url = model_emulator.url
    machine = EmulatorMatchesModel.TestCase
    machine.settings = settings(max_examples=40, stateful_step_count=30, deadline=None,
                                suppress_health_check=list(HealthCheck))
    machine().runTest()
