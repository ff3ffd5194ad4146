"""Every endpoint of DESIGN §7 over real HTTP against a real emulator process and SQLite file."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from ttminis_cli.platform.limits import KEY_MAX_CHARS, MAX_PAIRS_PER_CALL, VALUE_MAX_CHARS


@pytest.fixture
def api(emulator):
    with httpx.Client(base_url=emulator.url, timeout=10) as client:
        yield client


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}, body
    return body["error"]


def kv(**pairs: str) -> list[dict]:
    return [{"key": k, "value": v} for k, v in pairs.items()]


def make_friends(api, a: str, b: str) -> None:
    for openid in (a, b):
        assert api.put(f"/v1/users/{openid}", json={"nickname": openid.title()}).status_code == 200
    assert api.put(f"/v1/users/{a}/friends/{b}").status_code == 200


# --------------------------------------------------------------------------- users and friends


def test_put_user_creates_then_updates_only_the_fields_given(api):
    created = api.put("/v1/users/alice", json={"nickname": "Alice", "avatarUrl": "https://a.example/a.png"})
    assert created.json() == {"openid": "alice", "nickname": "Alice", "avatarUrl": "https://a.example/a.png",
                              "created": True}
    updated = api.put("/v1/users/alice", json={"nickname": "Al"})
    assert updated.json() == {"openid": "alice", "nickname": "Al", "avatarUrl": "https://a.example/a.png",
                              "created": False}
    assert api.put("/v1/users/zed").json() == {"openid": "zed", "nickname": "zed", "avatarUrl": "", "created": True}
    listed = api.get("/v1/users").json()["users"]
    assert [u["openid"] for u in listed] == ["alice", "zed"]


def test_deleting_a_user_takes_everything_that_is_theirs(api):
    make_friends(api, "alice", "bob")
    api.post("/v1/users/alice/storage", json={"data": kv(highScore="1")})
    api.post("/v1/users/alice/authorize")
    api.post("/v1/shares", json={"from": "alice", "to": "bob", "kind": "shareToUser", "imageUrl": "https://x/y.png"})
    api.post("/v1/shares", json={"from": "bob", "to": "alice", "kind": "shareToUser", "imageUrl": "https://x/y.png"})
    response = api.delete("/v1/users/alice")
    assert response.status_code == 200 and response.json() == {"openid": "alice", "deleted": True}
    state = api.get("/v1/export").json()
    assert [u["openid"] for u in state["users"]] == ["bob"]
    assert state["friendships"] == [] and state["storage"] == {} and state["authorizations"] == []
    assert state["shares"] == []  # sent and received
    again = api.delete("/v1/users/alice")
    assert again.status_code == 404 and error_of(again)["code"] == "unknown_user"


@pytest.mark.parametrize("openid", [".", ".."])
def test_dot_openids_are_refused(api, openid):
    encoded = openid.replace(".", "%2E")
    response = api.put(f"/v1/users/{encoded}")
    assert response.status_code == 400 and error_of(response)["code"] == "openid_invalid"
    seeded = api.post("/v1/import", json={"users": [{"openid": openid}]})
    assert seeded.status_code == 400 and error_of(seeded)["field"] == "users[0].openid"
    assert api.get("/v1/users").json() == {"users": []}


def test_friendship_is_mutual_and_undone_both_ways(api):
    make_friends(api, "alice", "bob")
    friends = {u["openid"]: u["friends"] for u in api.get("/v1/users").json()["users"]}
    assert friends == {"alice": ["bob"], "bob": ["alice"]}
    removed = api.delete("/v1/users/bob/friends/alice")
    assert removed.status_code == 200 and removed.json()["removed"] is True
    friends = {u["openid"]: u["friends"] for u in api.get("/v1/users").json()["users"]}
    assert friends == {"alice": [], "bob": []}
    assert api.delete("/v1/users/bob/friends/alice").json()["removed"] is False


@pytest.mark.parametrize("method", ["put", "delete"])
def test_friendship_with_an_unknown_user_is_404(api, method):
    api.put("/v1/users/alice")
    response = getattr(api, method)("/v1/users/alice/friends/ghost")
    assert response.status_code == 404
    assert error_of(response)["code"] == "unknown_user" and error_of(response)["field"] == "other"


def test_friends_storage_is_not_a_user_to_befriend(api):
    api.put("/v1/users/alice")
    response = api.put("/v1/users/alice/friends/storage")
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"


def test_a_user_is_not_their_own_friend(api):
    api.put("/v1/users/alice")
    response = api.put("/v1/users/alice/friends/alice")
    assert response.status_code == 403 and error_of(response)["code"] == "self_friendship"


# --------------------------------------------------------------------------- storage


def test_set_then_get_returns_only_existing_keys_in_the_order_asked(api):
    assert api.post("/v1/users/alice/storage", json={"data": kv(level="3", highScore="10000")}).json() == \
        {"written": 2, "duplicates": []}
    got = api.get("/v1/users/alice/storage", params={"keys": "highScore,missing,level"}).json()
    assert got == {"KVDataList": kv(highScore="10000", level="3")}
    assert api.get("/v1/users/alice/storage").json() == {"KVDataList": kv(highScore="10000", level="3")}


def test_writing_storage_for_an_unknown_openid_creates_the_user(api):
    assert api.post("/v1/users/newbie/storage", json={"data": kv(a="1")}).status_code == 200
    assert api.get("/v1/users").json()["users"] == [
        {"openid": "newbie", "nickname": "newbie", "avatarUrl": "", "friends": []}]


def test_kvdatalist_is_accepted_as_the_list_to_set(api):
    assert api.post("/v1/users/alice/storage", json={"KVDataList": kv(a="1")}).status_code == 200
    assert api.get("/v1/users/alice/storage").json() == {"KVDataList": kv(a="1")}


def test_a_key_given_twice_keeps_its_last_value_and_the_answer_says_so(api):
    batch = [{"key": "a", "value": "1"}, {"key": "b", "value": "x"}, {"key": "a", "value": "2"}]
    assert api.post("/v1/users/alice/storage", json={"data": batch}).json() == {"written": 2, "duplicates": ["a"]}
    assert api.get("/v1/users/alice/storage").json() == {"KVDataList": kv(a="2", b="x")}


def test_remove_removes_only_the_listed_keys_and_names_the_missing_ones(api):
    api.post("/v1/users/alice/storage", json={"data": kv(a="1", b="2", c="3")})
    assert api.post("/v1/users/alice/storage:remove", json={"keyList": ["a", "c", "nope"]}).json() == \
        {"removed": 2, "missing": ["nope"]}
    assert api.get("/v1/users/alice/storage").json() == {"KVDataList": kv(b="2")}


@pytest.mark.parametrize("path", ["/v1/users/ghost/storage", "/v1/users/ghost/friends/storage?keys=a",
                                  "/v1/users/ghost/inbox", "/v1/users/ghost/authorize"])
def test_reads_of_an_unknown_user_are_404(api, path):
    response = api.get(path)
    assert response.status_code == 404 and error_of(response)["code"] == "unknown_user"


def test_remove_for_an_unknown_user_is_404(api):
    response = api.post("/v1/users/ghost/storage:remove", json={"keyList": ["a"]})
    assert response.status_code == 404 and error_of(response)["code"] == "unknown_user"


BAD_BATCHES = [
    ("key_too_long", "data[1].key", kv(ok="1") + [{"key": "k" * (KEY_MAX_CHARS + 1), "value": "v"}]),
    ("key_empty", "data[1].key", kv(ok="1") + [{"key": "", "value": "v"}]),
    ("value_too_long", "data[1].value", kv(ok="1") + [{"key": "big", "value": "v" * (VALUE_MAX_CHARS + 1)}]),
    ("value_not_string", "data[1].value", kv(ok="1") + [{"key": "n", "value": 10000}]),
    ("key_not_string", "data[1].key", kv(ok="1") + [{"key": 7, "value": "v"}]),
    ("too_many_pairs", "data", [{"key": f"k{i}", "value": "v"} for i in range(MAX_PAIRS_PER_CALL + 1)]),
    ("required", "data[1].value", kv(ok="1") + [{"key": "x"}]),
    ("unknown_field", "data[1].extra", kv(ok="1") + [{"key": "x", "value": "y", "extra": 1}]),
]


@pytest.mark.parametrize("code,field,batch", BAD_BATCHES, ids=[b[0] for b in BAD_BATCHES])
def test_a_batch_with_one_bad_pair_writes_nothing(api, code, field, batch):
    api.post("/v1/users/alice/storage", json={"data": kv(ok="before")})
    response = api.post("/v1/users/alice/storage", json={"data": batch})
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["field"]) == (code, field)
    assert api.get("/v1/users/alice/storage").json() == {"KVDataList": kv(ok="before")}


def test_limits_at_their_bounds_are_accepted(api):
    batch = [{"key": "k" * KEY_MAX_CHARS, "value": "v" * VALUE_MAX_CHARS}] + \
        [{"key": f"k{i}", "value": ""} for i in range(MAX_PAIRS_PER_CALL - 1)]
    assert api.post("/v1/users/alice/storage", json={"data": batch}).json()["written"] == MAX_PAIRS_PER_CALL


EMOJI = "🎮"  # one character to Python, two UTF-16 code units to JavaScript


@pytest.mark.parametrize("pair,code", [
    ({"key": EMOJI * (KEY_MAX_CHARS // 2), "value": EMOJI * (VALUE_MAX_CHARS // 2)}, None),
    ({"key": EMOJI * (KEY_MAX_CHARS // 2 + 1), "value": "v"}, "key_too_long"),
    ({"key": "k" * (KEY_MAX_CHARS - 1) + EMOJI, "value": "v"}, "key_too_long"),
    ({"key": "k", "value": "v" * (VALUE_MAX_CHARS - 1) + EMOJI}, "value_too_long"),
])
def test_lengths_count_utf16_code_units_as_javascript_does(api, pair, code):
    response = api.post("/v1/users/alice/storage", json={"data": [pair]})
    if code is None:
        assert response.status_code == 200, response.text
        assert api.get("/v1/users/alice/storage").json() == {"KVDataList": [pair]}
    else:
        assert response.status_code == 400 and error_of(response)["code"] == code
        assert "as JavaScript counts them" in error_of(response)["message"]
        imported = api.post("/v1/import", json={"storage": {"bob": {pair["key"]: pair["value"]}}})
        assert imported.status_code == 400 and error_of(imported)["code"] == code


def test_a_key_with_a_comma_is_refused_on_every_write(api):
    written = api.post("/v1/users/alice/storage", json={"data": kv(**{"a,b": "1"})})
    assert written.status_code == 400 and error_of(written) == {
        "code": "key_has_comma", "field": "data[0].key", "message": error_of(written)["message"]}
    imported = api.post("/v1/import", json={"storage": {"alice": {"a,b": "1"}}})
    assert imported.status_code == 400 and error_of(imported)["code"] == "key_has_comma"
    assert api.get("/v1/export").json()["storage"] == {}


@pytest.mark.parametrize("body,code", [
    (b"{not json", "invalid_json"),
    (b"", "invalid_json"),
    (b"[]", "not_object"),
    (b'{"data": "x"}', "not_array"),
    (b'{"data": [], "KVDataList": []}', "ambiguous_body"),
    (b'{}', "required"),
    (b" ", "invalid_json"),
    (b"\x0b", "invalid_json"),
])
def test_malformed_bodies_are_400_with_the_error_body(api, body, code):
    response = api.post("/v1/users/alice/storage", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and error_of(response)["code"] == code


@pytest.mark.parametrize("body", [b" ", b"\x0b", b"\n\t"])
def test_a_whitespace_body_is_not_an_empty_profile(api, body):
    response = api.put("/v1/users/alice", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and error_of(response)["code"] == "invalid_json"
    assert api.get("/v1/users").json() == {"users": []}
    assert api.put("/v1/users/alice").status_code == 200  # no body at all: a profile of defaults


def test_an_oversized_body_is_413_and_not_read(api):
    response = api.post("/v1/users/alice/storage", content=b"x" * (2 << 20))
    assert response.status_code == 413 and error_of(response)["code"] == "body_too_large"


def test_read_keys_are_checked_against_the_key_limit(api):
    api.put("/v1/users/alice")
    response = api.get("/v1/users/alice/storage", params={"keys": "a," + "k" * (KEY_MAX_CHARS + 1)})
    assert response.status_code == 400 and error_of(response) == {
        "code": "key_too_long", "field": "keys[1]", "message": error_of(response)["message"]}


# --------------------------------------------------------------------------- friends' storage


def test_friends_storage_lists_only_friends_who_stored_a_requested_key_and_self(api):
    make_friends(api, "bob", "alice")
    make_friends(api, "bob", "carol")
    api.put("/v1/users/dave")  # not a friend: never listed
    api.post("/v1/users/alice/storage", json={"data": kv(highScore="10000", coins="5")})
    api.post("/v1/users/carol/storage", json={"data": kv(coins="7")})  # no requested key
    api.post("/v1/users/dave/storage", json={"data": kv(highScore="99999")})
    api.post("/v1/users/bob/storage", json={"data": kv(highScore="20")})
    got = api.get("/v1/users/bob/friends/storage", params={"keys": "highScore,level"}).json()
    assert got == {"data": [
        {"openid": "alice", "nickname": "Alice", "avatarUrl": "", "KVDataList": kv(highScore="10000")},
        {"openid": "bob", "nickname": "Bob", "avatarUrl": "", "KVDataList": kv(highScore="20")},
    ]}


def test_friends_storage_needs_keys(api):
    api.put("/v1/users/bob")
    response = api.get("/v1/users/bob/friends/storage")
    assert response.status_code == 400 and error_of(response) == {
        "code": "required", "field": "keys", "message": error_of(response)["message"]}


# --------------------------------------------------------------------------- authorization


def test_status_only_never_grants_and_authorize_returns_a_code(api):
    api.put("/v1/users/alice")
    assert api.get("/v1/users/alice/authorize", params={"status_only": "1"}).json() == {"authorized": False}
    assert api.get("/v1/users/alice/authorize", params={"status_only": "1"}).json() == {"authorized": False}
    first, second = (api.post("/v1/users/alice/authorize").json()["code"] for _ in range(2))
    assert first and second and first != second
    assert api.get("/v1/users/alice/authorize", params={"status_only": "1"}).json() == {"authorized": True}


# --------------------------------------------------------------------------- shares


def test_share_to_a_friend_lands_in_their_inbox(api):
    make_friends(api, "alice", "bob")
    sent = api.post("/v1/shares", json={"from": "alice", "to": "bob", "kind": "shareToUser", "title": "Beat me",
                                        "imageUrl": "https://cdn.example/card.png", "templateType": 2})
    assert sent.status_code == 201
    inbox = api.get("/v1/users/bob/inbox").json()["shares"]
    assert [(s["from"], s["to"], s["title"], s["templateType"]) for s in inbox] == [("alice", "bob", "Beat me", 2)]
    assert api.get("/v1/users/alice/inbox").json() == {"shares": []}


def test_share_to_someone_who_is_not_a_friend_is_refused(api):
    api.put("/v1/users/alice")
    api.put("/v1/users/bob")
    response = api.post("/v1/shares", json={"from": "alice", "to": "bob", "kind": "shareToUser",
                                            "imageUrl": "https://cdn.example/card.png"})
    assert response.status_code == 403 and error_of(response)["code"] == "not_friends"
    assert api.get("/v1/users/bob/inbox").json() == {"shares": []}


@pytest.mark.parametrize("kind", ["shareAppMessage", "shareToStory"])
def test_shares_without_a_recipient_are_recorded_but_reach_no_inbox(api, kind):
    make_friends(api, "alice", "bob")
    body = {"from": "alice", "kind": kind, "imageUrl": "https://cdn.example/card.png"}
    assert api.post("/v1/shares", json=body).status_code == 201
    assert api.get("/v1/users/bob/inbox").json() == {"shares": []}
    assert [s["kind"] for s in api.get("/v1/export").json()["shares"]] == [kind]
    response = api.post("/v1/shares", json={**body, "to": "bob"})
    assert response.status_code == 400 and error_of(response)["code"] == "unexpected_recipient"


def test_an_inbox_can_be_cleared(api):
    make_friends(api, "alice", "bob")
    for title in ("one", "two"):
        api.post("/v1/shares", json={"from": "alice", "to": "bob", "kind": "shareToUser", "title": title,
                                     "imageUrl": "https://x/y.png"})
    api.post("/v1/shares", json={"from": "bob", "to": "alice", "kind": "shareToUser", "imageUrl": "https://x/y.png"})
    assert api.delete("/v1/users/bob/inbox").json() == {"deleted": 2}
    assert api.get("/v1/users/bob/inbox").json() == {"shares": []}
    assert len(api.get("/v1/users/alice/inbox").json()["shares"]) == 1
    assert api.delete("/v1/users/ghost/inbox").status_code == 404


@pytest.mark.parametrize("body,status,code", [
    ({"from": "alice", "kind": "shareToFeed"}, 400, "unknown_kind"),
    ({"from": "alice", "to": "alice", "kind": "shareToUser", "imageUrl": "https://x/y.png"}, 403, "self_share"),
    ({"from": "alice", "kind": "shareToUser", "imageUrl": "https://x/y.png"}, 400, "required"),
    ({"from": "alice", "kind": "shareAppMessage"}, 400, "required"),
    ({"from": "ghost", "kind": "shareToStory"}, 404, "unknown_user"),
    ({"from": "alice", "kind": "shareToStory", "templateType": 3}, 400, "invalid_template_type"),
    ({"from": "alice", "kind": "shareToStory", "openId": "bob"}, 400, "unknown_field"),
])
def test_bad_shares_are_refused(api, body, status, code):
    api.put("/v1/users/alice")
    response = api.post("/v1/shares", json=body)
    assert response.status_code == status and error_of(response)["code"] == code


# --------------------------------------------------------------------------- export, import, reset


def test_export_import_round_trip_and_reset(api):
    make_friends(api, "alice", "bob")
    api.post("/v1/users/alice/storage", json={"data": kv(highScore="10000")})
    api.post("/v1/users/alice/authorize")
    api.post("/v1/shares", json={"from": "alice", "to": "bob", "kind": "shareToUser", "imageUrl": "https://x/y.png"})
    exported = api.get("/v1/export").json()
    assert api.delete("/v1/data").json() == {"deleted": True}
    assert api.get("/v1/export").json()["users"] == []
    assert api.post("/v1/import", json=exported).status_code == 200
    assert api.get("/v1/export").json() == exported


def test_import_is_atomic_and_checked_whole_first(api):
    api.post("/v1/users/alice/storage", json={"data": kv(keep="me")})
    before = api.get("/v1/export").json()
    bad = {"users": [{"openid": "x"}], "storage": {"x": {"a": "1"}}, "friendships": [["x", "ghost"]]}
    response = api.post("/v1/import", json=bad)
    assert response.status_code == 404 and error_of(response)["field"] == "friendships[0][1]"
    bad_value = {"users": [{"openid": "x"}], "storage": {"x": {"a": 1}}}
    response = api.post("/v1/import", json=bad_value)
    assert response.status_code == 400 and error_of(response)["code"] == "value_not_string"
    assert api.get("/v1/export").json() == before


SHARE = {"kind": "shareToUser", "imageUrl": "https://x/y.png"}


@pytest.mark.parametrize("doc,status,code,field", [
    ({"users": [{"openid": "a"}, {"openid": "b"}], "shares": [{**SHARE, "from": "a", "to": "b"}]},
     403, "not_friends", "shares[0].to"),
    ({"users": [{"openid": "a"}], "shares": [{**SHARE, "from": "a", "to": "a"}]}, 403, "self_share", "shares[0].to"),
    ({"users": [{"openid": "a"}, {"openid": "b"}], "friendships": [["a", "b"]],
      "shares": [{"from": "a", "to": "b", "kind": "shareToUser"}]}, 400, "required", "shares[0].imageUrl"),
])
def test_import_applies_the_rules_of_post_shares(api, doc, status, code, field):
    api.post("/v1/users/keep/storage", json={"data": kv(a="1")})
    before = api.get("/v1/export").json()
    for mode in ("replace", "merge"):
        response = api.post("/v1/import", params={"mode": mode}, json=doc)
        assert response.status_code == status
        assert (error_of(response)["code"], error_of(response)["field"]) == (code, field)
    assert api.get("/v1/export").json() == before
    friends = {**doc, "friendships": [["a", "b"]]}
    if code == "not_friends":  # between friends, the same share is imported
        assert api.post("/v1/import", json=friends).status_code == 200


def test_import_merge_keeps_what_is_there(api):
    api.post("/v1/users/alice/storage", json={"data": kv(a="1")})
    response = api.post("/v1/import", params={"mode": "merge"}, json={"storage": {"bob": {"b": "2"}}})
    assert response.status_code == 200
    assert api.get("/v1/export").json()["storage"] == {"alice": {"a": "1"}, "bob": {"b": "2"}}


def test_export_etag_changes_only_when_data_changes(api):
    first = api.get("/v1/export")
    etag = first.headers["etag"]
    assert api.get("/v1/export", headers={"If-None-Match": etag}).status_code == 304
    api.post("/v1/users/alice/storage", json={"data": kv(a="1")})
    changed = api.get("/v1/export", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


# --------------------------------------------------------------------------- the rest of the surface


def test_unknown_paths_and_methods_answer_with_the_error_body(api):
    missing = api.get("/v1/nope")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    wrong = api.patch("/v1/users")
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"


def test_openapi_says_where_image_url_is_required_in_requests_and_state_documents(api):
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    for name, variants in (("ShareRequest", schemas["ShareRequest"]["oneOf"]),
                           ("State.shares", schemas["State"]["properties"]["shares"]["items"]["oneOf"])):
        required = {v["properties"]["kind"]["enum"][0]: "imageUrl" in v["required"] for v in variants}
        assert required == {"shareToUser": True, "shareAppMessage": True, "shareToStory": False}, name


def test_project_is_null_outside_a_game_folder(api):
    assert api.get("/v1/project").json() == {"root": None, "readKeys": []}


def test_openapi_lists_exactly_the_served_routes(emulator, api):
    from ttminis_cli.emulator.app import create_app
    from ttminis_cli.emulator.store import Store

    document = api.get("/openapi.json").json()
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    app = create_app(Store(None), frozenset({"127.0.0.1:1"})).app
    served = {(re.sub(r":\w+}", "}", route.path), method) for route in app.routes for method in route.methods
              if method != "HEAD"}
    assert documented == served
    json.dumps(document)  # serialisable as served
