"""The OpenAPI 3.0 document served at /openapi.json: what the HTTP API accepts and answers.

Bounds come from platform/limits.py and model.py so the document cannot drift from the checks
that enforce it; tests/test_emulator_openapi.py fuzzes the running server against it.
"""

from __future__ import annotations

from functools import lru_cache

from ttminis_cli import __version__
from ttminis_cli.emulator.model import (
    NICKNAME_MAX_CHARS,
    OPENID_MAX_CHARS,
    SHARE_KINDS,
    STATE_VERSION,
    TEMPLATE_TYPES,
    TEXT_MAX_CHARS,
    URL_MAX_CHARS,
)
from ttminis_cli.platform.limits import KEY_MAX_CHARS, MAX_KEYS_PER_READ, MAX_PAIRS_PER_CALL, VALUE_MAX_CHARS

JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {JSON: {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


def _obj(properties: dict, required: tuple[str, ...] = (), closed: bool = True) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


def _text(max_chars: int, min_chars: int = 0) -> dict:
    return {"type": "string", "minLength": min_chars, "maxLength": max_chars}


OPENID = {"type": "string", "minLength": 1, "maxLength": OPENID_MAX_CHARS, "pattern": "^[^/,\\u0000-\\u001f\\u007f]+$",
          "not": {"enum": [".", ".."]},
          "description": "A user's id; printable characters except '/' and ','; not '.' or '..'."}
# JSON Schema counts code points, the platform UTF-16 code units: maxLength is the bound for text without
# emoji; the description says the rest.
_JS_LENGTH = " Lengths count UTF-16 code units, as JavaScript's String.length does: an emoji counts 2."
KEY = {"type": "string", "minLength": 1, "maxLength": KEY_MAX_CHARS, "pattern": "^[^,]+$",
       "description": f"1 to {KEY_MAX_CHARS} characters, no ',' (it separates keys in ?keys=a,b).{_JS_LENGTH}"}
VALUE = {"type": "string", "maxLength": VALUE_MAX_CHARS,
         "description": f"At most {VALUE_MAX_CHARS} characters.{_JS_LENGTH}"}


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": OPENID, "description": description}


def _keys_param(required: bool) -> dict:
    key = f"[^,]{{1,{KEY_MAX_CHARS}}}"
    pattern = f"^{key}(,{key}){{0,{MAX_KEYS_PER_READ - 1}}}$" + ("" if required else "|^$")
    return {"name": "keys", "in": "query", "required": required, "schema": {"type": "string", "pattern": pattern},
            "description": f"Comma-separated keys (1 to {MAX_KEYS_PER_READ} of them)." +
                           ("" if required else " Omitted or empty: every key.")}


def _operation(summary: str, ok: dict, *, params: list | None = None, body: dict | None = None,
               errors: tuple[int, ...] = (), status: str = "200", description: str | None = None) -> dict:
    meanings = {400: "The request is refused: a limit, a malformed body or parameter (nothing was written).",
                403: "Refused by a platform rule: shareToUser to someone who is not a friend of the sender "
                     "(or to the sender), or a user befriending themselves.",
                404: "An openid in the path or the body is not a user.",
                408: "The request stopped arriving (a body shorter than its Content-Length): the connection is closed.",
                413: "The request body is too large.",
                507: "The disk holding the data file is full (disk_full): nothing was written; reads still work."}
    operation: dict = {"summary": summary, "responses": {status: ok}}
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = params
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
        errors = (*errors, 400, 408, 413)
    for code in sorted(set(errors)):
        operation["responses"][str(code)] = _error(meanings[code])
    return operation


def _schemas() -> dict:
    kv = _obj({"key": KEY, "value": VALUE}, ("key", "value"))
    kv_list = {"type": "array", "items": _ref("KVData"), "maxItems": MAX_PAIRS_PER_CALL}
    def share_request(kind: str, description: str, recorded: bool = False) -> dict:
        """One kind of share: as POST /v1/shares takes it, or (`recorded`) as a state document holds it."""
        to_user, needs_image = kind == "shareToUser", kind in ("shareToUser", "shareAppMessage")
        template = {"type": "integer", "enum": list(TEMPLATE_TYPES)}
        properties = {"from": OPENID, "kind": {"type": "string", "enum": [kind]},
                      "title": _text(TEXT_MAX_CHARS), "subtitle": _text(TEXT_MAX_CHARS),
                      "imageUrl": _text(URL_MAX_CHARS, 1 if needs_image else 0),
                      "templateType": {**template, "nullable": True} if recorded else template}
        if to_user:
            properties["to"] = {**OPENID, "description": "A friend of `from`, not `from` itself (else 403)."}
        elif recorded:  # an export writes null for shares without a recipient
            properties["to"] = {"type": "string", "nullable": True, "enum": [None]}
        if recorded:
            properties["createdAt"] = {"type": "string", "format": "date-time"}
        required = ("from", "kind") + (("to",) if to_user else ()) + (("imageUrl",) if needs_image else ())
        return {**_obj(properties, required), "description": description}

    share_kinds = (("shareToUser", "A direct message to one friend; it lands in their inbox."),
                   ("shareAppMessage", "Shared through the contact picker: no recipient is recorded."),
                   ("shareToStory", "Shared to the user's story: no recipient is recorded."))

    return {
        "Error": _obj({"error": _obj({
            "code": {"type": "string", "description": "Stable, e.g. key_too_long, unknown_user, invalid_json."},
            "message": {"type": "string", "description": "What was wrong and what to do."},
            "field": {"type": "string", "nullable": True, "description": "The offending field, e.g. data[2].value."},
        }, ("code", "message", "field"))}, ("error",)),
        "User": _obj({"openid": OPENID, "nickname": _text(NICKNAME_MAX_CHARS, 1),
                      "avatarUrl": _text(URL_MAX_CHARS)}, ("openid", "nickname", "avatarUrl")),
        "PutUser": _obj({"openid": OPENID, "nickname": _text(NICKNAME_MAX_CHARS, 1),
                         "avatarUrl": _text(URL_MAX_CHARS),
                         "created": {"type": "boolean", "description": "Whether the user is new."}},
                        ("openid", "nickname", "avatarUrl", "created")),
        "UserWithFriends": _obj({"openid": OPENID, "nickname": _text(NICKNAME_MAX_CHARS, 1),
                                 "avatarUrl": _text(URL_MAX_CHARS),
                                 "friends": {"type": "array", "items": OPENID}},
                                ("openid", "nickname", "avatarUrl", "friends")),
        "Profile": _obj({"nickname": _text(NICKNAME_MAX_CHARS, 1), "avatarUrl": _text(URL_MAX_CHARS)}),
        "KVData": kv,
        "KVDataList": _obj({"KVDataList": {"type": "array", "items": _ref("KVData")}}, ("KVDataList",)),
        "SetStorage": {
            "description": "The pairs as `data` (TikTok) or `KVDataList` (WeChat, Douyin); one of the two.",
            "oneOf": [_obj({"data": kv_list}, ("data",)), _obj({"KVDataList": kv_list}, ("KVDataList",))],
        },
        "KeyList": _obj({"keyList": {"type": "array", "items": KEY,
                                     "maxItems": MAX_PAIRS_PER_CALL}}, ("keyList",)),
        "FriendData": _obj({"openid": OPENID, "nickname": _text(NICKNAME_MAX_CHARS, 1),
                            "avatarUrl": _text(URL_MAX_CHARS),
                            "KVDataList": {"type": "array", "items": _ref("KVData"), "minItems": 1}},
                           ("openid", "nickname", "avatarUrl", "KVDataList")),
        "ShareRequest": {"oneOf": [share_request(kind, text) for kind, text in share_kinds]},
        "Share": _obj({
            "id": {"type": "integer"}, "from": OPENID, "to": {**OPENID, "nullable": True},
            "kind": {"type": "string", "enum": list(SHARE_KINDS)}, "title": {"type": "string"},
            "subtitle": {"type": "string"}, "imageUrl": {"type": "string"},
            "templateType": {"type": "integer", "enum": list(TEMPLATE_TYPES), "nullable": True},
            "createdAt": {"type": "string", "format": "date-time"},
        }, ("id", "from", "to", "kind", "title", "subtitle", "imageUrl", "templateType", "createdAt")),
        "State": _obj({
            "version": {"type": "integer", "enum": [STATE_VERSION]},
            "users": {"type": "array", "items": _obj({
                "openid": OPENID, "nickname": {**_text(NICKNAME_MAX_CHARS, 1), "description": "Default: the openid."},
                "avatarUrl": _text(URL_MAX_CHARS)}, ("openid",))},
            "friendships": {"type": "array", "items": {"type": "array", "items": OPENID,
                                                       "minItems": 2, "maxItems": 2}},
            "storage": {"type": "object", "description": "{openid: {key: value}}",
                        "additionalProperties": {"type": "object", "propertyNames": KEY,
                                                 "additionalProperties": VALUE}},
            "authorizations": {"type": "array", "items": OPENID},
            "shares": {"type": "array", "description": "The rules of POST /v1/shares apply to each.",
                       "items": {"oneOf": [share_request(kind, text, recorded=True) for kind, text in share_kinds]}},
        }),
    }


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    """The whole document; built once per process."""
    openid = _path("openid", "The user's openid.")
    other = _path("other", "The other user's openid (not \"storage\": that path reads friends' storage).")
    counts = _obj({name: {"type": "integer"} for name in
                   ("users", "friendships", "storage", "authorizations", "shares")})
    friendship = _obj({"openid": OPENID, "friend": OPENID, "friends": {"type": "boolean"},
                       "removed": {"type": "boolean"}}, ("openid", "friend", "friends"))
    paths = {
        "/": {"get": {"summary": "The dashboard page: users, friends, storage, leaderboard, inbox.",
                      "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}}}},
        "/static/{name}": {"get": {"summary": "The dashboard's script and style sheet.",
                                   "parameters": [{"name": "name", "in": "path", "required": True,
                                                   "schema": {"type": "string"}}],
                                   "responses": {"200": {"description": "The file", "content": {
                                       "text/javascript": {}, "text/css": {}, "text/html": {}}},
                                                 "404": _error("No such file among the dashboard's own.")}}},
        "/openapi.json": {"get": {"summary": "This document.",
                                  "responses": {"200": _json({"type": "object"}, "OpenAPI 3.0")}}},
        "/v1/project": {"get": _operation(
            "The game the emulator was started in, and the cloud-storage keys its code reads.",
            _json(_obj({"root": {"type": "string", "nullable": True,
                                 "description": "The project folder; null outside a project."},
                        "readKeys": {"type": "array", "items": {"type": "string"},
                                     "description": "Keys the code reads (else writes), as lint finds them."}},
                       ("root", "readKeys")), "The project."))},
        "/v1/users": {"get": _operation("List users with their friends.", _json(
            _obj({"users": {"type": "array", "items": _ref("UserWithFriends")}}, ("users",)), "Every user."))},
        "/v1/users/{openid}": {
            "put": {
                **_operation("Create a user, or update the fields given.",
                             _json(_ref("PutUser"), "The user as stored."), params=[openid],
                             errors=(400, 408, 413, 507)),
                "requestBody": {"required": False, "content": {JSON: {"schema": _ref("Profile")}}},
            },
            "delete": _operation("Delete a user with their storage, friendships, authorization and shares.",
                                 _json(_obj({"openid": OPENID, "deleted": {"type": "boolean"}}, ("openid", "deleted")),
                                       "Deleted."), params=[openid], errors=(400, 404, 507)),
        },
        "/v1/users/{openid}/friends/{other}": {
            "put": _operation("Make two users friends (both directions).",
                              _json(friendship, "They are friends."), params=[openid, other],
                              errors=(400, 403, 404, 507)),
            "delete": _operation("End a friendship (both directions).",
                                 _json(friendship, "They are not friends."), params=[openid, other],
                                 errors=(400, 403, 404, 507)),
        },
        "/v1/users/{openid}/friends/storage": {"get": _operation(
            "getFriendCloudStorage: friends (and the user) who stored at least one of the keys.",
            _json(_obj({"data": {"type": "array", "items": _ref("FriendData")}}, ("data",)),
                  "Only users with at least one requested key; missing keys are omitted."),
            params=[openid, _keys_param(True)], errors=(400, 404),
            description="The asking user is included when they stored a requested key, as WeChat does.")},
        "/v1/users/{openid}/storage": {
            "get": _operation("getUserCloudStorage: the user's pairs for the keys (all without keys).",
                              _json(_ref("KVDataList"), "Existing keys only, in the order asked."),
                              params=[openid, _keys_param(False)], errors=(400, 404)),
            "post": _operation("setUserCloudStorage: write every pair or none.",
                               _json(_obj({"written": {"type": "integer", "description": "How many keys."},
                                           "duplicates": {"type": "array", "items": KEY,
                                                          "description": "Keys given more than once: the "
                                                                         "last value is kept."}},
                                          ("written", "duplicates")), "All written."),
                               params=[openid], body=_ref("SetStorage"), errors=(507,),
                               description="An unknown openid becomes a user (nickname = openid)."),
        },
        "/v1/users/{openid}/storage:remove": {"post": _operation(
            "removeUserCloudStorage: remove the keys.",
            _json(_obj({"removed": {"type": "integer", "description": "How many of the keys existed."},
                        "missing": {"type": "array", "items": KEY, "description": "The keys that were not set."}},
                       ("removed", "missing")), "Removed."),
            params=[openid], body=_ref("KeyList"), errors=(404, 507))},
        "/v1/users/{openid}/authorize": {
            "post": _operation("authorizeOpenContext: grant, and issue a code.",
                               _json(_obj({"code": {"type": "string"}}, ("code",)), "Granted."),
                               params=[openid], errors=(400, 404, 507)),
            "get": _operation("authorizeOpenContext({get_status_only: true}): the status; never grants.",
                              _json(_obj({"authorized": {"type": "boolean"}}, ("authorized",)), "The status."),
                              params=[openid, {"name": "status_only", "in": "query", "required": False,
                                               "schema": {"type": "string"},
                                               "description": "Accepted for parity; GET never grants."}],
                              errors=(400, 404)),
        },
        "/v1/users/{openid}/inbox": {
            "get": _operation("Shares received (shareToUser), newest first.",
                              _json(_obj({"shares": {"type": "array", "items": _ref("Share")}}, ("shares",)),
                                    "The inbox."), params=[openid], errors=(400, 404)),
            "delete": _operation("Clear the inbox: delete the shares the user received.",
                                 _json(_obj({"deleted": {"type": "integer"}}, ("deleted",)), "How many."),
                                 params=[openid], errors=(400, 404, 507)),
        },
        "/v1/shares": {"post": _operation(
            "Record a share: shareToUser needs `to`, a friend of `from`; the others have no recipient.",
            _json(_ref("Share"), "Recorded."), status="201", body=_ref("ShareRequest"), errors=(403, 404, 507))},
        "/v1/export": {"get": {
            **_operation("The whole state (re-importable; a seed file has the same format).",
                         _json(_ref("State"), "The state.", {"ETag": {"schema": {"type": "string"},
                                                                      "description": "The change counter."}}),
                         params=[{"name": "If-None-Match", "in": "header", "required": False,
                                  "schema": {"type": "string"}}]),
        }},
        "/v1/import": {"post": _operation(
            "Apply a state document atomically, checked whole first.",
            _json(_obj({"imported": counts, "mode": {"type": "string", "enum": ["replace", "merge"]}},
                       ("imported", "mode")), "Applied."),
            params=[{"name": "mode", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["replace", "merge"], "default": "replace"},
                     "description": "replace: the document becomes the whole state; merge: upsert into it."}],
            body=_ref("State"), errors=(403, 404, 507))},
        "/v1/data": {"delete": _operation("Delete everything.",
                                          _json(_obj({"deleted": {"type": "boolean"}}, ("deleted",)), "Empty."),
                                          errors=(507,))},
    }
    paths["/v1/export"]["get"]["responses"]["304"] = {"description": "Unchanged since the ETag given."}
    for operations in paths.values():  # the guard in front of every route (guard.py)
        for operation in operations.values():
            responses = operation["responses"]
            responses["421"] = _error("The Host header is not this emulator's address (DNS rebinding guard).")
            responses.setdefault("403", _error("Refused."))["description"] += \
                " A browser request from a page of another origin is refused too (foreign_origin)."
    return {
        "openapi": "3.0.3",
        "info": {"title": "ttminis emulator", "version": __version__,
                 "description": "A local stand-in for the TikTok Minis backend: users, friends, cloud storage, "
                                "authorization and shares. Errors are {error: {code, message, field}}. "
                                "Writing storage for an unknown openid creates that user (nickname = openid); "
                                "every other call naming an unknown openid is 404 unknown_user. Friends' "
                                "storage includes the asking user when they stored a requested key, as "
                                "WeChat's getFriendCloudStorage does."},
        "paths": paths,
        "components": {"schemas": _schemas()},
    }
