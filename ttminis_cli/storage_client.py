"""The HTTP client behind `ttminis storage`, `users` and `friends` (DESIGN §2 over the §7 API), and
the `storage` commands with their rendering.

Each `cmd_*` returns an exit code: 0 done; 1 refused (a limit, an unknown user, a missing key
for `get`); 2 usage error or the emulator cannot be reached. Every failure is a UserError raised
here and printed once by cli.py. Limits are checked before anything is sent, with the functions
(and so the messages) the emulator itself uses.

The client is the standard library's http.client: one local request needs no more, and each
command is a whole process whose start-up is most of its time (httpx alone took a third of it).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from ttminis_cli.config import find_config, load_config
from ttminis_cli.documents import check_writable, parse_document, write_text_atomically
from ttminis_cli.emulator.model import STATE_SECTIONS, STATE_VERSION, EmulatorError, check_openid, check_state
from ttminis_cli.emulator.server import DEFAULT_HOST, DEFAULT_PORT
from ttminis_cli.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UserError
from ttminis_cli.platform.limits import check_key, check_pairs, check_value

ENV_VAR = "TTMINIS_EMULATOR_HOST"
START_HINT = "start it with `ttminis emulator start` (or point --emulator at the running one)"
TIMEOUT_SECONDS = 10.0
# Beyond this many problems in a push file, the rest are only counted.
MAX_REPORTED_PROBLEMS = 20

Storage = dict[str, dict[str, str]]  # {openid: {key: value}}, the push/pull file format


# --------------------------------------------------------------------------- the address


@dataclass(frozen=True)
class Address:
    url: str  # http://host:port, no trailing slash
    source: str  # where it came from, named in error messages


def resolve_address(flag: str | None, *, environ: dict[str, str] | None = None,
                    cwd: Path | None = None) -> Address:
    """The emulator's address: --emulator, else $TTMINIS_EMULATOR_HOST, else ttminis.toml, else the default."""
    environ = os.environ if environ is None else environ
    if flag is not None:
        return parse_address(flag, "--emulator")
    if environ.get(ENV_VAR):
        return parse_address(environ[ENV_VAR], f"${ENV_VAR}")
    config_path = find_config(cwd or Path.cwd())
    emulator = load_config(config_path).emulator
    if emulator.host is not None or emulator.port is not None:
        host = emulator.host or DEFAULT_HOST
        port = emulator.port if emulator.port is not None else DEFAULT_PORT
        table = "[tool.ttminis.emulator]" if config_path.name == "pyproject.toml" else "[emulator]"
        return parse_address(f"{_bracket(host)}:{port}", f"{config_path} {table}")
    return Address(f"http://{DEFAULT_HOST}:{DEFAULT_PORT}", "the default address")


def parse_address(text: str, source: str) -> Address:
    """`host:port` or `http://host:port` as a base URL; a usage error naming `source` otherwise."""
    raw = text.strip()
    problem = None
    parts = urlsplit(raw if "://" in raw else f"http://{raw}")
    try:
        port = parts.port
    except ValueError:
        port, problem = None, "the port is not a number from 1 to 65535"
    if problem is None:
        if parts.scheme != "http":
            problem = f"the scheme is '{parts.scheme}'; the emulator speaks plain http://"
        elif not parts.hostname:
            problem = "there is no host"
        elif not port:
            problem = "there is no port"
        elif parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
            problem = "it holds more than a host and a port"
    if problem:
        raise UserError(f"malformed emulator address {text!r} from {source}: {problem}",
                        hint="write it as host:port (e.g. 127.0.0.1:9528) or http://host:port",
                        exit_code=EXIT_USAGE)
    return Address(f"http://{_bracket(parts.hostname)}:{port}", source)


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


# --------------------------------------------------------------------------- the HTTP client


class EmulatorClient:
    """One emulator, over HTTP with keep-alive. Methods return the parsed JSON of §7's shapes."""

    def __init__(self, address: Address, timeout: float = TIMEOUT_SECONDS) -> None:
        import http.client

        self.address = address
        self.timeout = timeout
        parts = urlsplit(address.url)
        self._http = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self._used = False  # whether the connection has carried a request (and may have been closed since)

    def __enter__(self) -> "EmulatorClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    # ------------------------------------------------------------------ storage

    def storage(self, openid: str, keys: list[str] | None = None) -> list[dict]:
        """The user's KVDataList: the given keys that exist, or every key."""
        params = {"keys": ",".join(keys)} if keys is not None else None
        body = self._request("GET", f"{_user_path(openid)}/storage", params=params, openids={"openid": openid})
        return _expect_kv_list(body, "KVDataList", self)

    def set_storage(self, openid: str, pairs: list[tuple[str, str]]) -> None:
        data = [{"key": key, "value": value} for key, value in pairs]
        self._request("POST", f"{_user_path(openid)}/storage", body={"data": data}, openids={"openid": openid})

    def remove_storage(self, openid: str, keys: list[str]) -> list[str]:
        """The keys of `keys` that were not set."""
        body = self._request("POST", f"{_user_path(openid)}/storage:remove", body={"keyList": keys},
                             openids={"openid": openid})
        missing = body.get("missing") if isinstance(body, dict) else None
        if not isinstance(missing, list):
            raise self.not_an_emulator("its answer to a removal names no missing keys")
        return missing

    def friends_storage(self, openid: str, keys: list[str]) -> list[dict]:
        """Friends who stored at least one of `keys`: [{openid, nickname, avatarUrl, KVDataList}]."""
        body = self._request("GET", f"{_user_path(openid)}/friends/storage",
                             params={"keys": ",".join(keys)}, openids={"openid": openid})
        items = body.get("data") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) and "openid" in i for i in items):
            raise self.not_an_emulator("its friends' storage answer has no data list")
        for item in items:
            _expect_kv_list(item, "KVDataList", self)
        return items

    def export(self) -> dict:
        """The whole state: users, friendships, storage, authorizations, shares."""
        body = self._request("GET", "/v1/export")
        storage = body.get("storage") if isinstance(body, dict) else None
        if not isinstance(storage, dict) or not all(
                isinstance(pairs, dict) and all(isinstance(v, str) for v in pairs.values())
                for pairs in storage.values()) or not isinstance(body.get("users"), list):
            raise self.not_an_emulator("its export has no users and storage table of strings")
        return body

    def all_storage(self) -> Storage:
        """Every user's storage (users without storage are absent)."""
        return self.export()["storage"]

    def merge(self, document: dict) -> None:
        """Merge a state document in one transaction: users upserted, friendships and shares added,
        the listed keys set (unknown users are created)."""
        self._request("POST", "/v1/import", params={"mode": "merge"}, body=document)

    # ------------------------------------------------------------------ users and friends

    def users(self) -> list[dict]:
        body = self._request("GET", "/v1/users")
        items = body.get("users") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(u, dict) and "openid" in u for u in items):
            raise self.not_an_emulator("its user list is not a list of users")
        return items

    def put_user(self, openid: str, profile: dict) -> bool:
        """Create the user or update the profile fields given; whether the user is new."""
        body = self._request("PUT", _user_path(openid), body=profile)
        return bool(body.get("created")) if isinstance(body, dict) else False

    def delete_user(self, openid: str) -> None:
        self._request("DELETE", _user_path(openid), openids={"openid": openid})

    def befriend(self, openid: str, other: str) -> None:
        self._request("PUT", f"{_user_path(openid)}/friends/{_segment(other)}",
                      openids={"openid": openid, "other": other})

    def unfriend(self, openid: str, other: str) -> bool:
        """Whether they were friends."""
        body = self._request("DELETE", f"{_user_path(openid)}/friends/{_segment(other)}",
                             openids={"openid": openid, "other": other})
        return bool(body.get("removed")) if isinstance(body, dict) else False

    # ------------------------------------------------------------------ HTTP

    def _request(self, method: str, path: str, *, params: dict | None = None, body: Any = None,
                 openids: dict[str, str] | None = None) -> Any:
        """The answer's JSON; a UserError for a refusal (exit 1) or a failure to talk (exit 2).

        `openids` maps the error fields the emulator may name (openid, other) to the users meant, so
        an unknown user is reported by name with the command that adds it.
        """
        import http.client

        target = path + (f"?{urlencode(params, quote_via=quote)}" if params else "")
        url = self.address.url + target
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("ascii")  # \u escapes: even a lone surrogate travels, to be refused
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self._http.request(method, target, body=data, headers=headers)
                response = self._http.getresponse()
                raw = response.read()
                break
            except TimeoutError:
                raise self.unreachable(f"no answer within {self.timeout:g} s") from None
            except ConnectionRefusedError:
                raise self.unreachable("connection refused") from None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self._http.close()
                if self._used and attempt == 1:  # the server closed an idle keep-alive connection: reconnect
                    continue
                raise self.unreachable("it does not speak HTTP" if isinstance(exc, http.client.RemoteDisconnected)
                                       else exc.strerror or type(exc).__name__) from None
            except http.client.HTTPException:
                self._http.close()
                raise self.unreachable("it does not speak HTTP") from None
            except OSError as exc:
                raise self.unreachable(exc.strerror or str(exc) or type(exc).__name__) from None
        self._used = True
        try:
            payload = json.loads(raw)
        except ValueError:
            raise self.not_an_emulator(f"it answered HTTP {response.status} without JSON") from None
        if 200 <= response.status < 300:
            return payload
        error = payload.get("error") if isinstance(payload, dict) else None
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            raise self.not_an_emulator(f"it answered HTTP {response.status} without an error body")
        if response.status == 421:  # the emulator's answer to a Host name it does not serve
            raise UserError(error["message"], where=url, hint="use the address the emulator printed when it started",
                            exit_code=EXIT_USAGE)
        if response.status >= 500 and error.get("code") != "disk_full":
            raise UserError(f"the emulator failed: {error['message']}", where=url,
                            hint="this is a bug in the emulator; its terminal shows the details", exit_code=EXIT_USAGE)
        openid = (openids or {}).get(error.get("field"))
        if error.get("code") == "unknown_user" and openid is not None:
            raise UserError(f"no user with openid {openid!r}", where=url, hint=self._unknown_user_hint(openid),
                            exit_code=EXIT_FINDINGS)
        raise UserError(error["message"], where=url, exit_code=EXIT_FINDINGS)

    def _unknown_user_hint(self, openid: str) -> str:
        how = f"add it with `ttminis users add {shlex.quote(openid)}`"
        try:
            known = [u["openid"] for u in self.users()]
        except UserError:
            return how
        listed = ", ".join(known[:10]) + (", …" if len(known) > 10 else "")
        return f"{how}; known users: {listed or 'none'}"

    def unreachable(self, reason: str) -> UserError:
        return UserError(f"cannot reach the emulator at {self.address.url} ({self.address.source}): "
                         f"{reason}; {START_HINT}", exit_code=EXIT_USAGE)

    def not_an_emulator(self, reason: str) -> UserError:
        return UserError(f"the service at {self.address.url} ({self.address.source}) is not a ttminis "
                         f"emulator: {reason}; {START_HINT}", exit_code=EXIT_USAGE)


def _user_path(openid: str) -> str:
    return f"/v1/users/{_segment(openid)}"


def _segment(openid: str) -> str:
    """An openid as one URL path segment, checked as the emulator checks it (nothing sent otherwise)."""
    try:
        check_openid(_utf8(openid, "the openid"), f"openid {_short(openid)!r}")
    except EmulatorError as exc:
        raise UserError(exc.message, hint="nothing was sent", exit_code=EXIT_FINDINGS) from None
    return quote(openid, safe="")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _utf8(text: str, where: str) -> str:
    """`text` unchanged, or a usage error: bytes that are not UTF-8 reach argv as lone surrogates."""
    if not _encodable(text):
        raise UserError(f"{where} is not valid UTF-8: {text.encode('utf-8', 'replace').decode()!r}",
                        hint="check the shell's encoding (LANG/LC_ALL)", exit_code=EXIT_USAGE)
    return text


def _expect_kv_list(body: Any, name: str, client: EmulatorClient) -> list[dict]:
    items = body.get(name) if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(
            isinstance(kv, dict) and isinstance(kv.get("key"), str) and isinstance(kv.get("value"), str)
            for kv in items):
        raise client.not_an_emulator(f"its answer has no {name} of {{key, value}} strings")
    return items


# --------------------------------------------------------------------------- arguments and limits


def parse_pairs(args: list[str]) -> list[tuple[str, str]]:
    """KEY=VALUE arguments (split on the first '='), checked as the emulator checks `data`."""
    pairs = []
    for position, arg in enumerate(args, start=1):
        key, sep, value = _utf8(arg, f"argument {position}").partition("=")
        if not sep:
            raise UserError(f"argument {position} {_short(arg)!r} is not KEY=VALUE",
                            hint=f"write it as {_short(arg) or 'KEY'}=VALUE", exit_code=EXIT_USAGE)
        pairs.append((key, value))
    violation = check_pairs(pairs, "data")
    if violation:
        index = re.match(r"data\[(\d+)\]", violation.field)
        where = f"argument {int(index.group(1)) + 1} {_short(args[int(index.group(1))])!r}" if index else None
        raise UserError(violation.message, where=where, hint="nothing was sent", exit_code=EXIT_FINDINGS)
    positions: dict[str, list[int]] = {}
    for position, (key, _) in enumerate(pairs, start=1):
        positions.setdefault(key, []).append(position)
    repeated = {key: where for key, where in positions.items() if len(where) > 1}
    if repeated:
        key, where = next(iter(repeated.items()))
        raise UserError(f"key {_short(key)!r} is given {len(where)} times (arguments "
                        f"{', '.join(map(str, where))}): only one value can be stored",
                        hint="give each key once; nothing was sent", exit_code=EXIT_USAGE)
    return pairs


def check_keys(keys: list[str], field: str) -> list[str]:
    """Keys to read or remove, without repeats, each checked as the emulator checks `field`."""
    for i, key in enumerate(keys):
        violation = check_key(_utf8(key, f"argument {i + 1}"), f"{field}[{i}]")
        if violation:
            raise UserError(violation.message, where=f"argument {i + 1} {_short(key)!r}",
                            hint="nothing was sent", exit_code=EXIT_FINDINGS)
    return list(dict.fromkeys(keys))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# --------------------------------------------------------------------------- push files


@dataclass(frozen=True)
class PushFile:
    """What `storage push` sends: storage alone, or a whole state document (a seed, an export)."""

    storage: Storage
    state: dict | None = None  # the document as read, when it is one


def load_push_file(path: Path) -> PushFile:
    """Parse and validate a whole push file before anything is sent: {openid: {key: value}}, or a
    seed or export file (users, friendships, storage, …), checked as POST /v1/import checks it."""
    data = _read_document(path)
    if isinstance(data, dict) and any(name in STATE_SECTIONS and not _is_pairs(value) for name, value in data.items()):
        try:
            state = check_state(data)
        except EmulatorError as exc:
            raise UserError(exc.message, where=f"{path}: {exc.field}" if exc.field else str(path),
                            hint="a seed or export file has users, friendships and storage as GET /v1/export "
                                 "writes them; nothing was sent", exit_code=EXIT_FINDINGS) from None
        return PushFile({openid: dict(pairs) for openid, pairs in state.storage}, data)
    return PushFile(load_storage_file(path, data))


def _is_pairs(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _read_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"file not found: {path}", hint="check the path", exit_code=EXIT_USAGE) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}", exit_code=EXIT_USAGE) from None
    return parse_document(path, text)


def load_storage_file(path: Path, data: Any = None) -> Storage:
    """Validate a whole storage file ({openid: {key: value}}; read from `path` unless `data` is given)."""
    if data is None:
        data = _read_document(path)
    if not isinstance(data, dict):
        raise UserError("the file must hold an object {openid: {key: value}}", where=str(path),
                        exit_code=EXIT_USAGE)
    problems: list[str] = []
    for openid, pairs in data.items():
        try:
            check_openid(openid, "the openid")
        except EmulatorError as exc:
            problems.append(f"user {_short(openid)!r}: {exc.message}")
            continue
        if not isinstance(pairs, dict):
            problems.append(f"user {openid!r}: must map keys to values, got {type(pairs).__name__}")
        else:
            for key, value in pairs.items():
                violation = check_key(key) or check_value(value)
                if violation:
                    problems.append(f"user {openid!r}, key {_short(key)!r}: {violation.message}")
                elif not _encodable(key + value):
                    problems.append(f"user {openid!r}, key {_short(key)!r}: holds a lone surrogate "
                                    "(\\ud800-\\udfff), which is not text")
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        raise UserError("\n  ".join([f"{len(problems)} problem(s), nothing was sent:", *shown]
                                    + ([f"… and {more} more"] if more else [])),
                        where=str(path), hint='values are strings: quote numbers ("10000")',
                        exit_code=EXIT_FINDINGS)
    return data


@dataclass(frozen=True)
class Change:
    openid: str
    key: str
    kind: str  # added | changed | unchanged
    old: str | None
    new: str


def diff_storage(current: Storage, wanted: Storage) -> list[Change]:
    """What pushing `wanted` onto `current` does, per user and key (keys not in `wanted` stay)."""
    changes = []
    for openid, pairs in wanted.items():
        have = current.get(openid, {})
        for key, value in pairs.items():
            old = have.get(key)
            kind = "added" if old is None else "unchanged" if old == value else "changed"
            changes.append(Change(openid, key, kind, old, value))
    return changes


# --------------------------------------------------------------------------- pull files


def dump_json(storage: Storage) -> str:
    return json.dumps(_sorted(storage), ensure_ascii=False, indent=2) + "\n"


def dump_toml(storage: Storage) -> str:
    """TOML that tomllib reads back as exactly `storage`: one table per openid, every name quoted."""
    blocks = []
    for openid, pairs in _sorted(storage).items():
        lines = [f"[{_toml_string(openid)}]"]
        lines += [f"{_toml_string(key)} = {_toml_string(value)}" for key, value in pairs.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n" if blocks else ""


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
                 "\r": "\\r"}


def _toml_string(text: str) -> str:
    def escape(match: re.Match) -> str:
        char = match.group()
        return _TOML_ESCAPES.get(char) or f"\\u{ord(char):04X}"

    return '"' + re.sub(r'["\\\x00-\x1f\x7f]', escape, text) + '"'


def _sorted(storage: Storage) -> Storage:
    return {openid: dict(sorted(storage[openid].items())) for openid in sorted(storage)}


# --------------------------------------------------------------------------- leaderboard


def rank_friends(items: list[dict], sort_key: str) -> list[tuple[int | None, dict]]:
    """(rank, item) best first: numbers descending when every value is a number, else text
    ascending; equal values share a rank; friends without the key come last, unranked."""
    def value_of(item: dict) -> str | None:
        return next((kv["value"] for kv in item["KVDataList"] if kv["key"] == sort_key), None)

    having = [(value_of(item), item) for item in items if value_of(item) is not None]
    missing = [item for item in items if value_of(item) is None]
    numbers = [_number(value) for value, _ in having]
    if having and all(n is not None for n in numbers):
        order = sorted(zip(numbers, having), key=lambda pair: pair[0], reverse=True)
        ranked = [(n, item) for n, (_, item) in order]
    else:
        ranked = sorted(having, key=lambda pair: pair[0])
    result: list[tuple[int | None, dict]] = []
    for position, (score, item) in enumerate(ranked, start=1):
        same_as_previous = position > 1 and score == ranked[position - 2][0]
        result.append((result[-1][0] if same_as_previous else position, item))
    return result + [(None, item) for item in missing]


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _number(text: str) -> Decimal | None:
    return Decimal(text.strip()) if _NUMBER.fullmatch(text.strip()) else None


# --------------------------------------------------------------------------- output


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def note(text: str) -> None:
    """A human message that is not the command's output: stderr, so --json stdout stays clean."""
    sys.stderr.write(text + "\n")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_table(columns: list[str], rows: list[list[Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    _console().print(table)


# --------------------------------------------------------------------------- commands


def cmd_get(keys: list[str], *, user: str, json_out: bool, emulator: str | None) -> int:
    """Print the user's values for `keys`; exit 1 when any key is not set (the others still print)."""
    keys = check_keys(keys, "keys")
    with EmulatorClient(resolve_address(emulator)) as client:
        found = {kv["key"]: kv["value"] for kv in client.storage(user, keys)}
    present = [{"key": key, "value": found[key]} for key in keys if key in found]
    missing = [key for key in keys if key not in found]
    if json_out:
        print_json({"KVDataList": present})
    elif present:
        print_table(["key", "value"], [[kv["key"], kv["value"]] for kv in present])
    for key in missing:
        note(f"{user}: key {key!r} is not set")
    return EXIT_FINDINGS if missing else EXIT_OK


def cmd_set(pairs: list[str], *, user: str, emulator: str | None) -> int:
    values = parse_pairs(pairs)
    with EmulatorClient(resolve_address(emulator)) as client:
        client.set_storage(user, values)
    note(f"{user}: set {', '.join(key for key, _ in values)}")
    return EXIT_OK


def cmd_remove(keys: list[str], *, user: str, emulator: str | None) -> int:
    """Remove `keys`; a key that was not set is named, and is no failure (it is not set either way)."""
    keys = check_keys(keys, "keyList")
    with EmulatorClient(resolve_address(emulator)) as client:
        missing = client.remove_storage(user, keys)
    removed = [key for key in keys if key not in missing]
    if removed:
        note(f"{user}: removed {', '.join(removed)}")
    if missing:
        note(f"{user}: {', '.join(missing)} {'was' if len(missing) == 1 else 'were'} not set; nothing to remove")
    return EXIT_OK


def cmd_list(*, user: str, json_out: bool, emulator: str | None) -> int:
    with EmulatorClient(resolve_address(emulator)) as client:
        items = client.storage(user)
    if json_out:
        print_json({"KVDataList": items})
    elif not items:
        note(f"{user} has no cloud storage")
    else:
        print_table(["key", "value"], [[kv["key"], kv["value"]] for kv in items])
    return EXIT_OK


def cmd_friends(keys: list[str], *, user: str, sort: str | None, json_out: bool,
                emulator: str | None) -> int:
    """Friends' storage for `keys`; with --sort, a leaderboard (the sort key is read too)."""
    keys = check_keys([*keys, sort] if sort is not None else keys, "keys")
    with EmulatorClient(resolve_address(emulator)) as client:
        items = client.friends_storage(user, keys)
    ranked = rank_friends(items, sort) if sort is not None else [(None, item) for item in items]
    if json_out:
        print_json({"data": [item for _, item in ranked]})
        return EXIT_OK
    if not ranked:
        note(f"no friend of {user} has stored {', '.join(keys)}")
        return EXIT_OK
    columns = (["#"] if sort is not None else []) + ["openid", "nickname", *keys]
    rows = []
    for rank, item in ranked:
        values = {kv["key"]: kv["value"] for kv in item["KVDataList"]}
        row = ([rank if rank is not None else "-"] if sort is not None else [])
        rows.append([*row, item["openid"], item.get("nickname"), *(values.get(k) for k in keys)])
    print_table(columns, rows)
    return EXIT_OK


def cmd_push(file: Path, *, dry_run: bool, emulator: str | None) -> int:
    """Validate the whole file, then apply it in one atomic request (or only show the changes).

    Keys the file does not name are left alone; users it names that do not exist yet are created,
    as `storage set` creates them. A seed or export file also brings its users, friendships,
    authorizations and shares, merged as POST /v1/import?mode=merge merges them.
    """
    wanted = load_push_file(file)
    with EmulatorClient(resolve_address(emulator)) as client:
        current = client.export()
        changes = diff_storage(current["storage"], wanted.storage)
        others = _state_changes(current, wanted.state) if wanted.state is not None else {}
        _show_changes(changes)
        nothing = all(c.kind == "unchanged" for c in changes) and not any(others.values())
        if dry_run or nothing:
            note(_summary(changes, others, "dry run, nothing written" if dry_run else "nothing to write"))
            return EXIT_OK
        client.merge(wanted.state if wanted.state is not None else
                     {"version": STATE_VERSION, "storage": wanted.storage})
    note(_summary(changes, others, f"pushed {file}"))
    return EXIT_OK


def cmd_pull(*, output: Path | None, user: str | None, emulator: str | None) -> int:
    """Write storage as a file `push` accepts: TOML when -o ends in .toml, else JSON."""
    if output is not None:
        check_writable(output, "storage.json")  # before asking the emulator for anything
    with EmulatorClient(resolve_address(emulator)) as client:
        if user is not None:
            storage = {user: {kv["key"]: kv["value"] for kv in client.storage(user)}}
        else:
            storage = client.all_storage()
    if output is None:
        sys.stdout.write(dump_json(storage))
        return EXIT_OK
    text = dump_toml(storage) if output.suffix.lower() == ".toml" else dump_json(storage)
    write_text_atomically(output, text)
    note(f"wrote {sum(map(len, storage.values()))} key(s) of {len(storage)} user(s) to {output}")
    return EXIT_OK


def _state_changes(current: dict, document: dict) -> dict[str, int]:
    """How many users, friendships, authorizations and shares merging `document` adds (or updates)."""
    have = {u["openid"]: u for u in current["users"]}
    users = document.get("users", [])
    new_users = [u for u in users if u["openid"] not in have]
    updated = [u for u in users if u["openid"] in have and any(
        field in u and u[field] != have[u["openid"]][field] for field in ("nickname", "avatarUrl"))]
    friends = {frozenset(pair) for pair in current.get("friendships", [])}
    granted = set(current.get("authorizations", []))
    return {"new user(s)": len(new_users), "updated user(s)": len(updated),
            "new friendship(s)": len({frozenset(p) for p in document.get("friendships", [])} - friends),
            "new authorization(s)": len(set(document.get("authorizations", [])) - granted),
            "share(s) appended": len(document.get("shares", []))}


def _show_changes(changes: list[Change]) -> None:
    if not changes:
        return
    rows = []
    for c in changes:
        shown = f"{c.old} → {c.new}" if c.kind == "changed" else c.new
        rows.append([c.openid, c.key, c.kind, _short(shown, 60)])
    print_table(["user", "key", "change", "value"], rows)


def _summary(changes: list[Change], others: dict[str, int], head: str) -> str:
    counts = {kind: sum(c.kind == kind for c in changes) for kind in ("added", "changed", "unchanged")}
    users = len({c.openid for c in changes})
    text = f"{head}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + f" across {users} user(s)"
    shown = [f"{n} {what}" for what, n in others.items() if n]
    return text + ("; " + ", ".join(shown) if shown else "")
