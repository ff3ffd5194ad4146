"""schemathesis fuzzes the running emulator against its own /openapi.json.

No 5xx, and every response (status, content type, body) matches the document. Bounded for the
suite: a few examples per operation; `bench/` is the place for long runs
(`TTMINIS_FUZZ_EXAMPLES=500 pytest tests/test_emulator_openapi.py`).
"""

from __future__ import annotations

import os

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from conftest import start_emulator

MAX_EXAMPLES = int(os.environ.get("TTMINIS_FUZZ_EXAMPLES", "12"))


@pytest.fixture(scope="module")
def fuzzed_emulator(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    emulator = start_emulator(tmp, data=tmp / "fuzz.db")
    # real users with friends, so generated openids sometimes hit existing rows
    for openid in ("alice", "bob"):
        httpx.post(f"{emulator.url}/v1/users/{openid}/storage", json={"data": [{"key": "highScore", "value": "1"}]})
    httpx.put(f"{emulator.url}/v1/users/alice/friends/bob")
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def api_schema(fuzzed_emulator):
    return schemathesis.openapi.from_url(f"{fuzzed_emulator.url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case):
    # An import document's cross-references (friendships and shares name listed users, openids are
    # unique, a pair names two users) are beyond JSON Schema: a schema-valid document may be refused.
    excluded = [positive_data_acceptance] if case.operation.path == "/v1/import" else []
    case.call_and_validate(timeout=30, excluded_checks=excluded)
