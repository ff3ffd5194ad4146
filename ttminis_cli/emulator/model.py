"""What the emulator accepts: request bodies and whole-state documents, checked in plain Python.

No HTTP and no SQL here. app.py parses a request, calls these checks, and hands clean values to
store.py; seed files and POST /v1/import go through `check_state` so a seed, an import and an
export are one format. Every refusal is an `EmulatorError` naming a stable code and the field.

Decisions where the platform is silent (documented in /openapi.json too):
- Writing storage for an unknown openid creates that user (nickname = openid): a game writes its
  score before anyone registers players, and `ttminis storage set --user alice` must work on a
  fresh emulator. Every other operation on an unknown openid is 404 `unknown_user`.
- Friends' storage includes the asking user when they stored a requested key, as WeChat's
  getFriendCloudStorage does: a leaderboard shows where you stand among your friends.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ttminis_cli.platform.limits import (
    MAX_KEYS_PER_READ,
    MAX_PAIRS_PER_CALL,
    check_key,
    check_pairs,
    check_value,
)

OPENID_MAX_CHARS = 128
NICKNAME_MAX_CHARS = OPENID_MAX_CHARS  # a user created without one is nicknamed by its openid
URL_MAX_CHARS = 2048
TEXT_MAX_CHARS = 256  # share title and subtitle

SHARE_KINDS = ("shareToUser", "shareAppMessage", "shareToStory")
TEMPLATE_TYPES = (1, 2)  # 1: call to action, 2: interactive (platform API table)
SHARE_FIELDS = ("from", "to", "kind", "title", "subtitle", "imageUrl", "templateType")
STATE_SECTIONS = ("version", "users", "friendships", "storage", "authorizations", "shares")
STATE_VERSION = 1


class EmulatorError(Exception):
    """A refused request: `status` is the HTTP status app.py answers with."""

    status = 400

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class Invalid(EmulatorError):
    status = 400


class NotFound(EmulatorError):
    status = 404


class Forbidden(EmulatorError):
    status = 403


class RequestTimeout(EmulatorError):
    status = 408


class TooLarge(EmulatorError):
    status = 413


class DiskFull(EmulatorError):
    status = 507  # Insufficient Storage (RFC 4918): the request was fine, the disk is not


def unknown_user(openid: str, field: str = "openid") -> NotFound:
    return NotFound("unknown_user", f"no user with openid {openid!r}; create it with "
                    "PUT /v1/users/{openid} (`ttminis users add`) or write its storage first", field)


@dataclass(frozen=True)
class User:
    openid: str
    nickname: str
    avatar_url: str

    def as_json(self) -> dict:
        return {"openid": self.openid, "nickname": self.nickname, "avatarUrl": self.avatar_url}


@dataclass(frozen=True)
class Share:
    sender: str
    recipient: str | None
    kind: str
    title: str
    subtitle: str
    image_url: str
    template_type: int | None
    created_at: str | None = None  # ISO 8601 UTC; set by the store when the share is recorded


@dataclass(frozen=True)
class State:
    """A whole-state document, checked: what export writes and import, seeds and push read."""

    users: tuple[User, ...] = ()
    friendships: tuple[tuple[str, str], ...] = ()
    storage: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    authorizations: tuple[str, ...] = ()
    shares: tuple[Share, ...] = ()


_OPENID_REFUSED = re.compile("[/,\x00-\x1f\x7f]")


def check_openid(openid: Any, field: str = "openid") -> str:
    if not isinstance(openid, str):
        raise Invalid("openid_not_string", f"{field} must be a string, got {_kind(openid)}", field)
    if not openid or len(openid) > OPENID_MAX_CHARS:
        raise Invalid("openid_invalid", f"{field} must have 1 to {OPENID_MAX_CHARS} characters", field)
    if _OPENID_REFUSED.search(openid):
        raise Invalid("openid_invalid", f"{field} may not hold '/', ',' or control characters", field)
    if openid in (".", ".."):  # a URL path segment that clients resolve away: /v1/users/.. is /v1
        raise Invalid("openid_invalid", f"{field} may not be '.' or '..'", field)
    return openid


MISSING = object()  # a field left out, unlike one given as null (which is a wrong type)


def _text(value: Any, field: str, max_chars: int, *, required: bool = False) -> str:
    if value is MISSING:
        if required:
            raise Invalid("required", f"{field} is required", field)
        return ""
    if not isinstance(value, str):
        raise Invalid("not_string", f"{field} must be a string, got {_kind(value)}", field)
    if required and not value:
        raise Invalid("required", f"{field} must not be empty", field)
    if len(value) > max_chars:
        raise Invalid("too_long", f"{field} is {len(value)} characters; at most {max_chars}", field)
    return value


def _object(body: Any, field: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(body, dict):
        raise Invalid("not_object", f"{field or 'the body'} must be a JSON object, got {_kind(body)}",
                      field or None)
    for name in body:
        if name not in allowed:
            where = f"{field}.{name}" if field else name
            raise Invalid("unknown_field", f"unknown field {name!r}; expected one of: {', '.join(allowed)}",
                          where)
    return body


def _kind(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
             float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _violation(v) -> Invalid:
    return Invalid(v.code, v.message, v.field)


# --------------------------------------------------------------------------- request bodies


def check_profile(body: Any) -> tuple[str | None, str | None]:
    """PUT /v1/users/{openid}: (nickname, avatarUrl), None where the body leaves it unchanged."""
    body = _object(body, "", ("nickname", "avatarUrl"))
    nickname = body.get("nickname", MISSING)
    avatar = body.get("avatarUrl", MISSING)
    return (None if nickname is MISSING else _text(nickname, "nickname", NICKNAME_MAX_CHARS, required=True),
            None if avatar is MISSING else _text(avatar, "avatarUrl", URL_MAX_CHARS))


def check_set_body(body: Any) -> list[tuple[str, str]]:
    """POST …/storage: the pairs of `data` (TikTok) or `KVDataList` (WeChat, Douyin), whole or refused.

    A key given twice is written in order, so its last value is kept (`duplicate_keys` names them).
    """
    body = _object(body, "", ("data", "KVDataList"))
    if "data" in body and "KVDataList" in body:
        raise Invalid("ambiguous_body", "give the pairs as data or as KVDataList, not both", "KVDataList")
    name = "data" if "data" in body else "KVDataList" if "KVDataList" in body else None
    if name is None:
        raise Invalid("required", "the body needs data: [{key, value}, …]", "data")
    items = body[name]
    if not isinstance(items, list):
        raise Invalid("not_array", f"{name} must be an array of {{key, value}}, got {_kind(items)}", name)
    pairs = []
    for i, item in enumerate(items):
        item = _object(item, f"{name}[{i}]", ("key", "value"))
        if "key" not in item or "value" not in item:
            missing = "key" if "key" not in item else "value"
            raise Invalid("required", f"{name}[{i}] needs both key and value", f"{name}[{i}].{missing}")
        pairs.append((item["key"], item["value"]))
    violation = check_pairs(pairs, name)
    if violation:
        raise _violation(violation)
    return pairs


def check_key_list(body: Any) -> list[str]:
    """POST …/storage:remove: {"keyList": [...]}."""
    body = _object(body, "", ("keyList",))
    if "keyList" not in body:
        raise Invalid("required", "the body needs keyList: [key, …]", "keyList")
    return check_keys(body["keyList"], "keyList", MAX_PAIRS_PER_CALL)


def duplicate_keys(pairs: list[tuple[str, str]]) -> list[str]:
    """The keys that appear more than once among `pairs`, in order of first appearance."""
    counts = Counter(key for key, _ in pairs)
    return [key for key in counts if counts[key] > 1]


def check_keys(keys: Any, field: str, limit: int = MAX_KEYS_PER_READ) -> list[str]:
    """A list of keys, each within the key limits; duplicates dropped, order kept."""
    if not isinstance(keys, list):
        raise Invalid("not_array", f"{field} must be an array of strings, got {_kind(keys)}", field)
    if len(keys) > limit:
        raise Invalid("too_many_keys", f"{field} has {len(keys)} keys; one call may name at most {limit}", field)
    for i, key in enumerate(keys):
        violation = check_key(key, f"{field}[{i}]")
        if violation:
            raise _violation(violation)
    return list(dict.fromkeys(keys))


def parse_keys_param(raw: str | None, *, required: bool) -> list[str] | None:
    """`?keys=a,b` as a list; None means "every key" (only where the parameter is optional)."""
    if raw is None or raw == "":
        if required:
            raise Invalid("required", "name the keys to read: ?keys=a,b", "keys")
        return None
    return check_keys(raw.split(","), "keys")


def check_share(body: Any, *, recorded: bool = False) -> Share:
    """POST /v1/shares (or, `recorded`, a share of a state document, which also has createdAt).

    Kind-specific rules here; friendship is the store's to check (`Store.check_share_allowed`).
    """
    body = _object(body, "", SHARE_FIELDS + ("createdAt",) if recorded else SHARE_FIELDS)
    for name in ("from", "kind"):
        if name not in body:
            raise Invalid("required", f"a share needs {name!r}", name)
    sender = check_openid(body["from"], "from")
    kind = body["kind"]
    if kind not in SHARE_KINDS:
        raise Invalid("unknown_kind", f"kind must be one of {', '.join(SHARE_KINDS)}, got {kind!r}", "kind")
    recipient = body.get("to", MISSING)
    if recipient is None and recorded:  # an export writes null for shares without a recipient
        recipient = MISSING
    if kind == "shareToUser":
        if recipient is MISSING:
            raise Invalid("required", "shareToUser needs 'to': the openid of a friend", "to")
        recipient = check_openid(recipient, "to")
        if recipient == sender:
            raise Forbidden("self_share", f"{sender!r} cannot shareToUser themselves: a direct message goes "
                            "to a friend", "to")
    elif recipient is not MISSING:
        raise Invalid("unexpected_recipient", f"{kind} has no recipient (the user picks one in the app); "
                      "drop 'to' or use shareToUser", "to")
    image_url = _text(body.get("imageUrl", MISSING), "imageUrl", URL_MAX_CHARS,
                      required=kind in ("shareToUser", "shareAppMessage"))
    template = body.get("templateType", MISSING)
    if template is None and recorded:
        template = MISSING
    if template is not MISSING and (isinstance(template, bool) or template not in TEMPLATE_TYPES):
        raise Invalid("invalid_template_type", f"templateType must be 1 or 2, got {template!r}", "templateType")
    return Share(sender=sender, recipient=None if recipient is MISSING else recipient, kind=kind,
                 title=_text(body.get("title", MISSING), "title", TEXT_MAX_CHARS),
                 subtitle=_text(body.get("subtitle", MISSING), "subtitle", TEXT_MAX_CHARS),
                 image_url=image_url, template_type=None if template is MISSING else template,
                 created_at=_timestamp(body.get("createdAt", MISSING)) if recorded else None)


def _timestamp(value: Any) -> str | None:
    if value is MISSING:
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise Invalid("invalid_timestamp", f"createdAt must be an ISO 8601 time, got {value!r}", "createdAt")
    return parsed.isoformat(timespec="milliseconds")


# --------------------------------------------------------------------------- whole state


def check_state(doc: Any) -> State:
    """A whole-state document (export, import, seed), checked whole before anything is applied.

    Friendships and shares may name users only from `users` or storage (the store also accepts
    users that already exist when merging).
    """
    doc = _object(doc, "", STATE_SECTIONS)
    if "version" in doc and doc["version"] != STATE_VERSION:
        raise Invalid("unsupported_version", f"version must be {STATE_VERSION}, got {doc['version']!r}", "version")
    users = []
    seen: set[str] = set()
    raw_users = doc.get("users", [])
    if not isinstance(raw_users, list):
        raise Invalid("not_array", f"users must be an array, got {_kind(raw_users)}", "users")
    for i, item in enumerate(raw_users):
        where = f"users[{i}]"
        item = _object(item, where, ("openid", "nickname", "avatarUrl"))
        if "openid" not in item:
            raise Invalid("required", f"{where} needs an openid", f"{where}.openid")
        openid = check_openid(item["openid"], f"{where}.openid")
        if openid in seen:
            raise Invalid("duplicate_user", f"{where}.openid {openid!r} is listed twice", f"{where}.openid")
        seen.add(openid)
        nickname = item.get("nickname", MISSING)
        users.append(User(openid,
                          openid if nickname is MISSING else
                          _text(nickname, f"{where}.nickname", NICKNAME_MAX_CHARS, required=True),
                          _text(item.get("avatarUrl", MISSING), f"{where}.avatarUrl", URL_MAX_CHARS)))

    storage = []
    raw_storage = doc.get("storage", {})
    if not isinstance(raw_storage, dict):
        raise Invalid("not_object", f"storage must be an object {{openid: {{key: value}}}}, got "
                      f"{_kind(raw_storage)}", "storage")
    for openid, pairs in raw_storage.items():
        check_openid(openid, f"storage.{openid}")
        if not isinstance(pairs, dict):
            raise Invalid("not_object", f"storage.{openid} must be an object {{key: value}}, got {_kind(pairs)}",
                          f"storage.{openid}")
        for key, value in pairs.items():
            violation = check_key(key, f"storage.{openid} key") or check_value(value, f"storage.{openid}.{key}")
            if violation:
                raise _violation(violation)
        storage.append((openid, tuple(pairs.items())))

    friendships = []
    raw_friends = doc.get("friendships", [])
    if not isinstance(raw_friends, list):
        raise Invalid("not_array", f"friendships must be an array of [openid, openid], got {_kind(raw_friends)}",
                      "friendships")
    for i, pair in enumerate(raw_friends):
        where = f"friendships[{i}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise Invalid("invalid_friendship", f"{where} must be a pair [openid, openid]", where)
        a, b = (check_openid(x, f"{where}[{j}]") for j, x in enumerate(pair))
        if a == b:
            raise Invalid("self_friendship", f"{where} names {a!r} twice; a user is not their own friend", where)
        friendships.append((a, b))

    raw_auth = doc.get("authorizations", [])
    if not isinstance(raw_auth, list):
        raise Invalid("not_array", f"authorizations must be an array of openids, got {_kind(raw_auth)}",
                      "authorizations")
    authorizations = tuple(check_openid(x, f"authorizations[{i}]") for i, x in enumerate(raw_auth))

    raw_shares = doc.get("shares", [])
    if not isinstance(raw_shares, list):
        raise Invalid("not_array", f"shares must be an array, got {_kind(raw_shares)}", "shares")
    shares = []
    for i, item in enumerate(raw_shares):
        try:
            shares.append(check_share(item, recorded=True))
        except EmulatorError as exc:
            exc.field = f"shares[{i}].{exc.field}" if exc.field else f"shares[{i}]"
            raise
    return State(users=tuple(users), friendships=tuple(friendships), storage=tuple(storage),
                 authorizations=authorizations, shares=tuple(shares))
