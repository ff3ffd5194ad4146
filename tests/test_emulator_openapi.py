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


def _beyond_the_bmp(value) -> bool:
    if isinstance(value, str):
        return any(ord(ch) > 0xFFFF for ch in value)
    if isinstance(value, dict):
        return any(_beyond_the_bmp(k) or _beyond_the_bmp(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_beyond_the_bmp(v) for v in value)
    return False


def filter_case(ctx, case) -> bool:
    """JSON Schema's maxLength counts code points, the emulator (as JavaScript) UTF-16 code units: a
    key of 128 emoji fits the one and not the other, and no JSON Schema keyword says so. Requests the
    document calls valid are therefore drawn within the Basic Multilingual Plane, where the two agree;
    test_emulator_api checks the emoji cases."""
    positive = case.meta is None or case.meta.generation.mode.is_positive
    return not (positive and (_beyond_the_bmp(case.body) or _beyond_the_bmp(case.query)))


@pytest.fixture(scope="module")
def api_schema(fuzzed_emulator):
    document = schemathesis.openapi.from_url(f"{fuzzed_emulator.url}/openapi.json")
    document.hook(filter_case)
    return document


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case):
    # An import document's cross-references (friendships and shares name listed users, openids are
    # unique, a pair names two users) are beyond JSON Schema: a schema-valid document may be refused.
    excluded = [positive_data_acceptance] if case.operation.path == "/v1/import" else []
    case.call_and_validate(timeout=30, excluded_checks=excluded)
