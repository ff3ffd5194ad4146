"""API-contract rules TTM201–209, driven by the platform table (ttminis_cli/platform/api.py)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from ttminis_cli.lint import parse as P
from ttminis_cli.lint import rewrite
from ttminis_cli.lint.diagnostic import Fix, RuleInfo, Severity
from ttminis_cli.lint.guards import Guards, guards_of
from ttminis_cli.lint.model import FileModel

# The platform table is loaded where a file is analysed: a warm cached run needs only these rules' docs.
if TYPE_CHECKING:
    from tree_sitter import Node

    from ttminis_cli.lint.calls import Call
    from ttminis_cli.platform.api import Api

TTM201 = RuleInfo(
    code="TTM201", name="unknown-api", severity=Severity.ERROR,
    summary="A member of `tt` / `TTMinis.game` that no mini-game platform has (a typo, mostly); "
            "suggests the nearest name.",
    why="Calling a member that does not exist throws `TypeError: tt.x is not a function` on the device, "
        "usually far from where it was written. Bare `TTMinis.login()` belongs to another product (Minis "
        "for dramas); in a mini game it is `TTMinis.game.login()`.",
    bad="tt.shareToUsr({\n  openid: friend.openid,\n  imageUrl: 'https://cdn.example.com/card.png',\n"
        "  fail(err) { console.error(err); },\n});\n",
    good="tt.shareToUser({\n  openid: friend.openid,\n  imageUrl: 'https://cdn.example.com/card.png',\n"
         "  fail(err) { console.error(err); },\n});\n",
    fix="Use the suggested name; a member your runtime really has can be declared with "
        "`[lint] extra-apis = [\"name\"]`.",
    bad_path="openDataContext/index.js",
)
TTM202 = RuleInfo(
    code="TTM202", name="missing-required-param", severity=Severity.ERROR,
    summary="An object-literal argument without a required key (shareToUser: openid, imageUrl; "
            "shareAppMessage: imageUrl; setUserCloudStorage: data; the get/remove storage calls: keyList).",
    why="The platform fails the call (or silently does nothing) when a required key is missing.",
    bad="tt.shareToUser({\n  openid: friend.openid,\n  fail(err) { console.error(err); },\n});\n",
    good="tt.shareToUser({\n  openid: friend.openid,\n  imageUrl: 'https://cdn.example.com/card.png',\n"
         "  fail(err) { console.error(err); },\n});\n",
    fix="Add the missing key.",
    bad_path="openDataContext/index.js",
)
TTM203 = RuleInfo(
    code="TTM203", name="unknown-param", severity=Severity.WARNING,
    summary="A key the API does not take; suggests the nearest (openId → openid, keylist → keyList, "
            "the WeChat/Douyin KVDataList → data).",
    why="Unknown keys are ignored, so a misspelt required key fails at run time. Ported WeChat and "
        "Douyin code passes setUserCloudStorage a `KVDataList`; TikTok names that list `data`.",
    bad="tt.setUserCloudStorage({\n  KVDataList: [{ key: 'score', value: '10' }],\n"
        "  fail(err) { console.error(err); },\n});\n",
    good="tt.setUserCloudStorage({\n  data: [{ key: 'score', value: '10' }],\n  fail(err) { console.error(err); },\n});\n",
    fix="Rename the key as suggested. A `KVDataList` beside `data` is not reported: that call serves "
        "TikTok and WeChat/Douyin alike. Another platform's key that TikTok has nothing for (Douyin's share "
        "`templateId`) is named for what it is, with no rename to a TikTok key that merely looks alike.",
    fixable="safe or unsafe",
    fix_safety="A key it takes spelt in another case (`openId` → `openid`, `keylist` → `keyList`) is renamed: "
               "safe. Another near name is a guess, so that rename is unsafe. For `KVDataList` the safe fix adds "
               "`data` beside it (`data: list, KVDataList: list`) rather than renaming it: Douyin's namespace is "
               "`tt` too, so no code is known to run on TikTok alone, and WeChat and Douyin still read "
               "`KVDataList`. A list built in place goes into a const before the statement first (once its "
               "values are strings), so it is built once; where the call sits in an expression that cannot "
               "take a statement before it, only the rename is offered, as unsafe (it breaks the call on "
               "WeChat and Douyin).",
)
TTM204 = RuleInfo(
    code="TTM204", name="invalid-template-type", severity=Severity.ERROR,
    summary="A templateType literal other than 1 or 2.",
    why="The share card has two templates: 1 (call to action) and 2 (interactive); any other value "
        "fails the share.",
    bad="tt.shareToUser({\n  openid: friend.openid,\n  imageUrl: 'https://cdn.example.com/card.png',\n"
        "  templateType: 3,\n  fail(err) { console.error(err); },\n});\n",
    good="tt.shareToUser({\n  openid: friend.openid,\n  imageUrl: 'https://cdn.example.com/card.png',\n"
         "  templateType: 1,\n  fail(err) { console.error(err); },\n});\n",
    fix="Use 1 (call to action) or 2 (interactive).",
    bad_path="openDataContext/index.js",
    fixable="safe",
    fix_safety="Safe where the intended template is plain: another spelling of 1 or 2 (`1.0`, `'2.0'`, "
               "`0x1`) or its name (`'cta'`, `'interactive'`) becomes the number. Any other value gets no fix: "
               "which card was meant is not known.",
)
TTM205 = RuleInfo(
    code="TTM205", name="wrong-param-type", severity=Severity.ERROR,
    summary="A literal of the wrong type (keyList: 'a' instead of ['a'], get_status_only: 'true', "
            "data not an array).",
    why="The platform checks parameter types and fails the call.",
    bad="tt.authorizeOpenContext({\n  get_status_only: 'true',\n  success(res) { console.log(res.code); },\n"
        "  fail(err) { console.error(err); },\n});\n",
    good="tt.authorizeOpenContext({\n  get_status_only: true,\n  success(res) { console.log(res.code); },\n"
         "  fail(err) { console.error(err); },\n});\n",
    fix="Pass a value of the documented type.",
    fixable="safe",
    fix_safety="Safe where the intended literal is plain: a string where a list of strings belongs is put in "
               "a list (`keyList: 'a'` → `['a']`), one `{ key, value }` where a list of them belongs likewise, "
               "`'true'`/`'false'` become booleans, a decimal string a number, a number or boolean a string. "
               "Anything else gets no fix.",
)
TTM206 = RuleInfo(
    code="TTM206", name="unguarded-versioned-api", severity=Severity.WARNING,
    summary="shareAppMessage (client ≥ 40.3.0) or another versioned API called with no canIUse check "
            "or feature test.",
    why="On an older TikTok client the member is missing and the call throws; the platform asks games "
        "to check `canIUse('<api>')` first (shareAppMessage needs 40.3.0, the revisit APIs 41.0.0).",
    bad="class Game {\n  share() {\n    tt.shareAppMessage({\n      imageUrl: 'https://cdn.example.com/card.png',\n"
        "      fail(err) { console.error(err); },\n    });\n  }\n}\n",
    good="class Game {\n  share() {\n    if (!tt.canIUse('shareAppMessage')) return;\n    tt.shareAppMessage({\n"
         "      imageUrl: 'https://cdn.example.com/card.png',\n      fail(err) { console.error(err); },\n"
         "    });\n  }\n}\n",
    fix="Wrap the call in `if (tt.canIUse('<api>'))`, return early when it is false, or feature-test the "
        "member (`if (tt.x)`, `tt.x?.(…)`).",
    fixable="unsafe",
    fix_safety="Unsafe: `--unsafe-fixes` wraps the statement in `if (tt.canIUse('<api>')) { … }`, so on an "
               "older client it silently does not run; decide what the game should do there instead (hide "
               "the share button, fall back). Offered where the call is a statement of its own.",
)
TTM207 = RuleInfo(
    code="TTM207", name="missing-fail-callback", severity=Severity.WARNING,
    summary="A callback-style platform call with a success handler and no fail (or complete) handler.",
    why="Platform calls fail for ordinary reasons (denied authorization, no network, a cancelled share); "
        "without fail the game waits forever for a success that never comes.",
    bad="tt.login({\n  success(res) { console.log(res.code); },\n});\n",
    good="tt.login({\n  success(res) { console.log(res.code); },\n  fail(err) { console.error(err); },\n});\n",
    fix="Add `fail(err) { … }` (or `complete`), or use the promise form with `.catch`.",
    opt_in=True,
    opt_in_why="In 17 published games it was right 8 times in 35: most success-only calls (a toast, a modal, a "
               "share whose cancel rightly does nothing) leave nothing waiting when they fail.",
)
TTM208 = RuleInfo(
    code="TTM208", name="not-on-tiktok", severity=Severity.WARNING,
    summary="A WeChat or Douyin mini-game API that TikTok Minis does not document; names the TikTok "
            "way when there is one.",
    why="Ported games keep calls TikTok's runtime does not provide; they throw or do nothing there.",
    bad="wx.shareMessageToFriend({\n  openId: friend.openid,\n  fail(err) { console.error(err); },\n});\n",
    good="tt.shareToUser({\n  openid: friend.openid,\n  imageUrl: 'https://cdn.example.com/card.png',\n"
         "  fail(err) { console.error(err); },\n});\n",
    fix="Use the TikTok API named in the message, or feature-test the member before calling it.",
    bad_path="openDataContext/index.js",
)
TTM209 = RuleInfo(
    code="TTM209", name="image-url-not-public", severity=Severity.WARNING,
    summary="An imageUrl literal in a share call that is not an absolute https:// URL.",
    why="The platform's troubleshooting table: share cards need a publicly reachable image; a package "
        "path, http:// or localhost shows a blank card.",
    bad="if (tt.canIUse('shareAppMessage')) {\n  tt.shareAppMessage({\n    imageUrl: 'images/card.png',\n"
        "    fail(err) { console.error(err); },\n  });\n}\n",
    good="if (tt.canIUse('shareAppMessage')) {\n  tt.shareAppMessage({\n    imageUrl: 'https://cdn.example.com/card.png',\n"
         "    fail(err) { console.error(err); },\n  });\n}\n",
    fix="Host the image on a public https:// address (your CDN) and use that URL.",
)

RULES = (TTM201, TTM202, TTM203, TTM204, TTM205, TTM206, TTM207, TTM208, TTM209)

# Object.prototype members: calling them on the platform object is not an API use.
_OBJECT_MEMBERS = frozenset({"hasOwnProperty", "toString", "valueOf", "isPrototypeOf", "propertyIsEnumerable",
                             "toLocaleString", "constructor"})
_SHARE_CALLS = frozenset({"shareAppMessage", "shareToUser", "shareToStory"})
_CALLBACK_KEYS = ("fail", "complete")
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "[::1]")


def check_file(model: FileModel) -> None:
    """Nothing but call_check's: the file-wide TTM208 shares the calls' guards, so it runs there."""


def call_check(model: FileModel) -> Callable[[Call], None]:
    """TTM208 on another platform's object members the code uses, then the per-call rules (TTM201–209
    on a call) as a function the analysis runs on each call in turn, with the call's other checks
    (lint/analysis.py). One Guards serves both: it is built lazily and keeps what it has worked out."""
    from ttminis_cli.platform.api import API, TIKTOK_WAY, TIKTOK_WAY_OPEN_DATA, other_platform_api

    ways = TIKTOK_WAY_OPEN_DATA if model.open_data else TIKTOK_WAY
    guards = guards_of(model)
    extra = set(model.ctx.extra_apis)
    _foreign_members(model, guards, extra)
    open_data_rules = model.open_data and model.ctx.domain_rules

    def check(call: Call) -> None:
        if call.api in _OBJECT_MEMBERS or call.inferred or call.condition:
            return
        api = API.get(call.api)
        if call.namespace_mistake:
            _namespace_mistake(model, call, api)
            return
        if api is None:
            if call.api in extra:
                return
            others = other_platform_api()
            if call.api in others:
                if not (guards.feature_tested(call) or guards.other_platform_only(call.node)):
                    way = ways.get(call.api)
                    hint = f"on TikTok use {way}" if way else "remove it or feature-test it (`if (tt.x)`) first"
                    model.report(TTM208, call.callee, f"{call.api} is a {others[call.api]} mini-game API that "
                                                      f"TikTok Minis does not document; {hint}")
                return
            nearest = typo_of(call.api, model.ctx.extra_apis)
            if nearest is not None:  # a name no platform has but close to one that is: a typo
                model.deferred.append((call.api, model.span(call.callee),
                                       f"{call.api} is not an API of any mini-game platform; did you mean "
                                       f"{nearest}?{_where(nearest, API, others)}"))
            return
        # In the open data domain a main-only API is TTM102's (or TTM104's) error; a version hint would
        # only suggest guarding a call that cannot work there at all.
        wrong_domain = open_data_rules and api.domain == "main"
        if api.guard and not wrong_domain and not (guards.feature_tested(call) or guards.in_try(call)
                                                   or guards.other_platform_only(call.node)):
            host = _host(call)
            model.report(TTM206, call.callee,
                         f"{call.api} needs TikTok {api.min_client} or newer: check "
                         f"`{host}.canIUse('{call.api}')` before calling it (or feature-test `{host}.{call.api}`)",
                         _guard_fix(model, call, host))
        _check_options(model, call, api, guards)

    return check


def _foreign_members(model: FileModel, guards: Guards, extra: set[str]) -> None:
    """TTM208 on another platform's object member that the code goes on to use (`wx.cloud.init()`:
    `wx.cloud` is WeChat's cloud development, absent on TikTok) — its mere test (`if (wx.cloud)`) is a guard."""
    from ttminis_cli.platform.api import API, TIKTOK_WAY, TIKTOK_WAY_OPEN_DATA, other_platform_api

    ways = TIKTOK_WAY_OPEN_DATA if model.open_data else TIKTOK_WAY
    others = None
    for access in model.uses.accesses:
        if not access.chained or access.api in API or access.api in extra:
            continue
        others = others if others is not None else other_platform_api()
        if access.api not in others:
            continue
        optional = P.parent(access.node) is not None and any(c.type in ("optional_chain", "?.")
                                                          for c in P.parent(access.node).children)
        if optional or guards.member_tested(access.api, access.node) or guards.other_platform_only(access.node):
            continue
        way = ways.get(access.api)
        hint = f"on TikTok use {way}" if way else "its members do not exist there: feature-test it first"
        model.report(TTM208, access.node, f"{access.api} is a {others[access.api]} mini-game API that TikTok Minis "
                                          f"does not document; {hint}")


def _host(call: Call) -> str:
    """The platform object as the user spelt it (`tt`, `wx`, `TTMinis.game`, an alias)."""
    callee = P.unwrap(call.callee)
    obj = P.unwrap(callee.child_by_field_name("object")) if callee is not None and callee.type == "member_expression" \
        else None
    text = P.text(obj) if obj is not None else ""
    return text if text and len(text) <= 40 and "\n" not in text else "tt"


@lru_cache(maxsize=8192)
def typo_of(name: str, extra: tuple[str, ...]) -> str | None:
    """near_miss among every platform's names and `extra`, once per name in a process: a project's own
    methods called through imported modules repeat by the thousand."""
    lengths = _names_by_length(extra)
    return near_miss(name, [c for n in range(len(name) - 2, len(name) + 3) for c in lengths.get(n, ())])


@lru_cache(maxsize=16)
def _names_by_length(extra: tuple[str, ...]) -> dict[int, list[str]]:
    from ttminis_cli.platform.api import API, other_platform_api

    out: dict[int, list[str]] = {}
    for known in dict.fromkeys([*API, *other_platform_api(), *extra]):
        out.setdefault(len(known), []).append(known)
    return out


def near_miss(name: str, known) -> str | None:
    """The known name `name` is a typo of: the same but for case, or at most one edit away (two for
    names of 9 characters or more). None when nothing is that close — then it is no typo, but a member
    the project adds in a way not seen (an SDK), which TTM201 leaves alone."""
    lowered = name.lower()
    limit = 2 if len(name) >= 9 else 1
    best, best_distance = None, limit + 1
    for candidate in known:
        if candidate == name:
            return None
        if abs(len(candidate) - len(name)) > limit:
            continue
        other = candidate.lower()
        if other != lowered and len(set(lowered) ^ set(other)) > 2 * limit:
            continue  # each edit changes the set of letters by two at most: too far, without the table
        distance = 0 if other == lowered else _distance(lowered, other, limit)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance (insert, delete, substitute, swap two neighbours), or limit + 1 once it exceeds limit."""
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _where(nearest: str, api, others) -> str:
    if nearest in api:
        return ""
    if nearest in others:
        return f" ({nearest} is a {others[nearest]} API that TikTok Minis does not document)"
    return " (listed in `[lint] extra-apis`)"


def check_project(facts, report) -> None:
    """TTM201 for the typos no file of the project declares as its own member of the platform object."""
    declared: dict[str, set[str]] = {}
    for f in facts:
        if f.declared_members:
            declared.setdefault(f.project_root, set()).update(f.declared_members)
    for f in facts:
        for name, span, message in f.unknown_members:
            if name not in declared.get(f.project_root, ()):
                report(TTM201, f, span, message)


def _namespace_mistake(model: FileModel, call: Call, api: Api | None) -> None:
    if api is not None:
        message = (f"TTMinis.{call.api} belongs to the Minis (dramas) SDK; in a mini game call "
                   f"TTMinis.game.{call.api}")
    else:
        message = f"TTMinis.{call.api} is not a mini-game API; mini-game APIs live on TTMinis.game"
    model.report(TTM201, call.callee, message)


def _check_options(model: FileModel, call: Call, api: Api, guards: Guards) -> None:
    options = call.first_argument
    if options is None:
        return
    t = options.type
    if t != "object":
        options = P.unwrap(options) if t in P.WRAPPERS else None
        if options is None or options.type != "object":
            return
    if options.has_error:
        return  # a literal that did not parse: its keys are unknown (TTM002 says so)
    pairs = model.pairs(options)
    # Every child a pair: no spread, told without reading the children again.
    spread = len(pairs) != options.named_child_count and P.has_spread(options)
    # What to report depends on the API, the keys and the values' node types only: worked out once per
    # such shape (a bundle's calls mostly share a handful).
    shape = (call.api, spread, *[(key, value.type) for key, _, value in pairs])
    found = _SHAPES.get(shape)
    if found is None:
        if len(_SHAPES) >= _MAX_SHAPES:
            _SHAPES.clear()
        found = _SHAPES[shape] = _options_shape(api, call.api, spread, shape[2:])
    unknown, missing, read, no_fail = found
    if not (unknown or missing or read or no_fail):
        return  # nothing to report wherever it runs: the branch it sits in, read up the tree, cannot matter
    keys = {k for k, _, _ in pairs}
    to_read = [(pairs[i][0], param, pairs[i][2]) for i, param in read]
    if guards.other_platform_only(call.node):
        return  # runs on WeChat or Douyin only, with their contract (WeChat's share card needs no imageUrl)
    if unknown:
        _unknown_keys(model, call, options, pairs, keys, api)
    if missing:
        _missing_keys(model, call, keys, api)
    for key, param, value in to_read:
        if param.type == "1|2":
            _template_type(model, call, value)
        else:
            _param_type(model, call, param.name, param.type, value)
        if key == "imageUrl" and call.api in _SHARE_CALLS:
            _image_url(model, call, value)
    if no_fail and not _promise_used(call.node):
        model.report(TTM207, call.callee, f"{call.api} has a success callback but no fail (or complete): add "
                                          "`fail(err) { … }` so the game does not wait forever when it fails")


_SHAPES: dict[tuple, tuple] = {}
_MAX_SHAPES = 4096


def _options_shape(api: Api, name: str, spread: bool, shape: tuple[tuple[str, str], ...]) -> tuple:
    """(unknown keys?, missing keys?, the values to read as (index, param), success without fail?) for
    options of these (key, value node type) pairs; `spread`: the object spreads another into it."""
    keys = {k for k, _ in shape}
    params = api.params_by_name
    renamed = api.renamed_to
    unknown = api.params is not None and not params.keys() >= keys
    missing = api.params is not None and not spread and not api.required <= keys
    # The values to read: the others are of their param's type by their node type alone.
    read = []
    for i, (key, value_type) in enumerate(shape):
        param = params.get(key) or (params.get(renamed[key]) if key in renamed else None)
        if param is not None and (param.type == "1|2" or (key == "imageUrl" and name in _SHARE_CALLS)
                                  or value_type not in _FITS.get(param.type, ())):
            read.append((i, param))
    no_fail = api.style == "callback" and "success" in keys and not any(k in keys for k in _CALLBACK_KEYS) \
        and not spread
    return unknown, missing, tuple(read), no_fail


def _unknown_keys(model: FileModel, call: Call, options: Node, pairs: list[tuple[str, Node, Node]],
                  keys: set[str], api: Api) -> None:
    """TTM203 on each key the API does not take."""
    known = api.params_by_name.keys()
    renamed = api.renamed_to
    for key, key_node, value in pairs:
        if key in known:
            continue
        if key in renamed:
            if renamed[key] in keys:
                continue  # both names: the call serves TikTok and WeChat/Douyin alike
            model.report(TTM203, key_node, f"{call.api} takes its list as `{renamed[key]}` on TikTok, not "
                                           f"`{key}` (the WeChat/Douyin name): rename it to `{renamed[key]}`",
                         _both_keys_fix(model, call, options, key_node, value, renamed[key]))
            continue
        foreign = api.foreign_keys.get(key)
        if foreign is not None:
            model.report(TTM203, key_node, f"{call.api} does not take `{key}` ({foreign}): remove it, or keep it "
                                           "for the other platform")
            continue
        suggestion = _suggest(key, known)
        fix = None
        if suggestion is not None and suggestion not in keys:
            # A different case is the same word misspelt; another near name is a guess.
            fix = Fix(f"Rename `{key}` to `{suggestion}`", suggestion.lower() == key.lower(),
                      (rewrite.rename_key(model, key_node, suggestion),))
        hint = f"did you mean `{suggestion}`?" if suggestion else f"it takes {', '.join(sorted(known))}"
        model.report(TTM203, key_node, f"{call.api} does not take `{key}`; {hint}", fix)


def _missing_keys(model: FileModel, call: Call, keys: set[str], api: Api) -> None:
    """TTM202 when a required key is absent (under its name and its other platforms' name)."""
    renamed = api.renamed_to
    present = keys | {renamed[k] for k in keys if k in renamed}
    missing = [p.name for p in api.params if p.required and p.name not in present and not _misspelt(p.name, keys)]
    if missing:
        model.report(TTM202, call.callee, f"{call.api} needs {', '.join('`' + m + '`' for m in missing)}; "
                                          "add it to the options object")


def _suggest(key: str, known: set[str]) -> str | None:
    lowered = {k.lower(): k for k in known}
    if key.lower() in lowered:
        return lowered[key.lower()]
    import difflib

    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return close[0] if close else None


def _both_keys_fix(model: FileModel, call: Call, options: Node, key_node: Node, value: Node, ours: str
                   ) -> Fix | None:
    """TikTok's name beside the other platforms' (`data: x, KVDataList: x`), so that the same call still
    works on WeChat and Douyin: Douyin's namespace is `tt` too, so no code is known to run on TikTok alone.
    A value with effects is evaluated once, in a const before the statement, when nothing before it in
    the statement has effects; otherwise only the plain rename is offered, as unsafe."""
    pair = P.parent(key_node) if key_node.type != "shorthand_property_identifier" else key_node
    other = P.text(key_node)
    if pair is None or (pair.type != "pair" and key_node.type != "shorthand_property_identifier"):
        return None
    if rewrite.pure(value):
        return Fix(f"Add `{ours}` beside `{other}`", True,
                   (model.insert(pair.start_byte, f"{ours}: {P.text(value)}, "),))
    statement = rewrite.statement_of(call.node)
    before_ok = all(rewrite.harmless(v) for k, kn, v in model.pairs(options) if kn.start_byte < key_node.start_byte)
    if statement is not None and before_ok and _callee_first(call, options, statement) \
            and rewrite.block_scoped(model, statement):
        name = rewrite.fresh_name(model, "kvDataList")
        indent = rewrite.line_indent(model, statement)
        lead = f"const {name} = {P.text(value)};" + (f"\n{indent}" if indent is not None else " ")
        return Fix(f"Add `{ours}` beside `{other}` (the list in a const)", True, (
            model.insert(statement.start_byte, lead),
            model.insert(pair.start_byte, f"{ours}: {name}, "),
            model.replace(value, name)), isolated=True)
    return Fix(f"Rename `{other}` to `{ours}` (WeChat and Douyin read `{other}`)", False,
               (rewrite.rename_key(model, key_node, ours),))


def _callee_first(call: Call, options: Node, statement: Node) -> bool:
    """Nothing of the statement runs before the options object but the callee's lookup: the call is the
    statement's first expression (maybe awaited), the options its first argument."""
    callee = call.node.child_by_field_name("function")
    first = P.unwrap(call.first_argument)
    return callee is not None and rewrite.pure(callee) and first is not None \
        and (first.start_byte, first.end_byte) == (options.start_byte, options.end_byte) \
        and statement.start_byte in (call.node.start_byte, *(c.start_byte for c in statement.named_children
                                                             if c.type == "await_expression"))


def _guard_fix(model: FileModel, call: Call, host: str) -> Fix | None:
    """Wrap the statement in `if (<host>.canIUse('<api>')) { … }` — unsafe: on an older client the
    statement then silently does not run."""
    statement = rewrite.statement_of(call.node)
    if statement is None or not rewrite.pure(P.unwrap(call.callee).child_by_field_name("object")
                                            if P.unwrap(call.callee).type == "member_expression" else None):
        return None
    return Fix(f"Wrap it in `if ({host}.canIUse('{call.api}'))`", False,
               rewrite.wrap_in_if(model, statement, f"{host}.canIUse('{call.api}')"))


def _misspelt(required: str, keys: set[str]) -> bool:
    """A required key present under a near spelling is TTM203's to report, not TTM202's too."""
    return any(k.lower() == required.lower() for k in keys)


_WRONG = {
    "string": {"number", "boolean", "array", "object", "function"},
    "number": {"string", "boolean", "array", "object", "function"},
    "boolean": {"string", "number", "array", "object", "function"},
    "string[]": {"string", "number", "boolean", "object", "function"},
    "kv[]": {"string", "number", "boolean", "object", "function"},
    "function": {"string", "number", "boolean", "array", "object"},
}
# Values whose node type alone shows _param_type has nothing to say, so their kind need not be read: a
# literal whose kind (parse's table) is not a wrong one for the param, or no literal at all (a name, a
# call, a method) — the common options: a callback, a list, a name.
_NO_LITERAL = frozenset({"identifier", "member_expression", "call_expression", "method_definition"})
_FITS = {typ: _NO_LITERAL | {t for t, kind in P.LITERAL_KINDS.items() if kind not in wrong}
         for typ, wrong in _WRONG.items()}
_DESCRIBE = {"string[]": "an array of strings", "kv[]": "an array of { key, value }", "boolean": "a boolean",
             "string": "a string", "number": "a number", "function": "a function"}


def _param_type(model: FileModel, call: Call, name: str, typ: str, value: Node) -> None:
    kind = P.literal_kind(value)
    if kind is None or kind not in _WRONG.get(typ, ()):
        return
    shown = P.text(value)
    shown = shown if len(shown) <= 30 else shown[:27] + "…"
    model.report(TTM205, value, f"{call.api}: `{name}` must be {_DESCRIBE[typ]}, not {kind} {shown}",
                 _type_fix(model, typ, kind, value))


def _type_fix(model: FileModel, typ: str, kind: str, value: Node) -> Fix | None:
    """The literal of the right type where the intended one is plain: `'a'` → `['a']` for a list,
    `'true'` → `true`, `'500'` → `500`, `10` → `'10'`, one `{ key, value }` → a list of it."""
    literal = P.unwrap(value)
    text = P.text(literal)
    string = P.string_value(literal) if kind == "string" else None
    new = None
    if typ == "string[]" and kind == "string":
        new = f"[{text}]"
    elif typ == "kv[]" and kind == "object" and {"key", "value"} <= {k for k, _, _ in model.pairs(literal)}:
        new = f"[{text}]"
    elif typ == "boolean" and string in ("true", "false"):
        new = string
    elif typ == "number" and string is not None and rewrite.DECIMAL.fullmatch(string):
        new = string
    elif typ == "string" and (kind == "boolean" or (kind == "number" and rewrite.DECIMAL.fullmatch(text))):
        new = rewrite.string_literal(model, text)
    if new is None:
        return None
    return Fix(f"Write `{new if len(new) <= 30 else new[:27] + '…'}`", True, (model.replace(value, new),))


# What a templateType literal means when it is not 1 or 2 as a number (`'1'` and `'2'` are accepted).
_TEMPLATE_NAMES = {"cta": 1, "call to action": 1, "call-to-action": 1, "interactive": 2}


def _template_type(model: FileModel, call: Call, value: Node) -> None:
    kind = P.literal_kind(value)
    if kind is None:
        return
    text = P.string_value(value) if kind == "string" else P.text(P.unwrap(value))
    if text not in ("1", "2"):
        meant = None
        if kind in ("string", "number") and text is not None:
            number = rewrite.number_value(text) if text.strip() else None
            meant = int(number) if number in (1.0, 2.0) else _TEMPLATE_NAMES.get(text.strip().lower())
        fix = Fix(f"Write `{meant}`", True, (model.replace(value, str(meant)),)) if meant else None
        model.report(TTM204, value, f"{call.api}: templateType must be 1 (call to action) or 2 (interactive), "
                                    f"not {P.text(value)}", fix)


def _image_url(model: FileModel, call: Call, value: Node) -> None:
    from urllib.parse import urlsplit  # imported here: it pulls in ipaddress, and most runs never get here

    url = P.string_value(value)
    if url is None:
        return
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # not a URL at all ('http://[oops'): certainly not a public image
        parts, host = urlsplit(""), ""
    if parts.scheme == "https" and host and host not in _LOCAL_HOSTS:
        return
    what = ("a local address" if host in _LOCAL_HOSTS and host else
            "not https" if parts.scheme == "http" else "a package path")
    model.report(TTM209, value, f"{call.api}: imageUrl '{url}' is {what}; share cards need a publicly "
                                "reachable https:// image")


def _promise_used(call: Node) -> bool:
    """`await tt.x({...})`, `tt.x({...}).then(…)`, `return tt.x({...})`: the promise form."""
    n = call
    p = P.parent(n)
    while p is not None and p.type in P.WRAPPERS:
        n, p = p, P.parent(p)
    if p is None:
        return False
    if p.type in ("await_expression", "return_statement"):
        return True
    if p.type == "member_expression" and P.text(p.child_by_field_name("property")) in ("then", "catch", "finally"):
        return True
    return False
