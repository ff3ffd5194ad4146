"""The platform's API surface as one table: what each member of `tt` / `TTMinis.game` takes and where
it may run (platform.md; platform-reference.md §4.2, §5, §9).

Lint reads it for TTM101/102/104/201–208, `explain` quotes it, and the emulator and simulator read
the same rows. Members WeChat or Douyin have and TikTok does not document live in a separate list
(`other_platform_api`), read from data files generated from WeChat's official typings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal

from ttminis_cli.platform.limits import KEY_MAX_CHARS, VALUE_MAX_CHARS

Domain = Literal["main", "open-data", "both"]
# callback: options object with success/fail/complete; sync: returns a value; listener: takes a
# function; factory: returns an object (an ad, a context, a manager); property: not callable.
Style = Literal["callback", "sync", "listener", "factory", "property"]


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # string | number | boolean | string[] | kv[] | function | object | 1|2
    required: bool = False


@dataclass(frozen=True)
class Api:
    name: str
    domain: Domain
    family: str
    style: Style
    # None: the docs do not list every key, so unknown keys are not reported.
    params: tuple[Param, ...] | None = None
    min_client: str | None = None
    guard: bool = False  # the docs say to check canIUse('<name>') before calling it
    renamed: tuple[tuple[str, str], ...] = ()  # (other platforms' key, ours)
    # Other platforms' keys TikTok has nothing for: (key, what it is there). TTM203 says so, never
    # "did you mean" a TikTok key that merely looks alike (Douyin's templateId is no templateType).
    foreign: tuple[tuple[str, str], ...] = ()
    notes: str = ""

    def param(self, name: str) -> Param | None:
        return self.params_by_name.get(name)

    # Built once per row, kept beside its fields (a cached_property writes the instance's __dict__, which
    # `frozen` allows): lint asks for every call, and hashing the row for an lru_cache costs more than this.
    @cached_property
    def params_by_name(self) -> dict[str, Param]:
        return {p.name: p for p in self.params or ()}

    @cached_property
    def required(self) -> frozenset[str]:
        """The names of the params a call must give."""
        return frozenset(p.name for p in self.params or () if p.required)

    @cached_property
    def renamed_to(self) -> dict[str, str]:
        """`renamed` as a mapping: other platforms' key -> ours."""
        return dict(self.renamed)

    @cached_property
    def foreign_keys(self) -> dict[str, str]:
        """`foreign` as a mapping: other platforms' key -> what it is there."""
        return dict(self.foreign)


CALLBACKS = "success:function fail:function complete:function"


def _params(spec: str | None) -> tuple[Param, ...] | None:
    if spec is None:
        return None
    out = []
    for item in spec.split():
        name, _, typ = item.partition(":")
        out.append(Param(name.rstrip("*"), typ or "any", name.endswith("*")))
    return tuple(out)


def _a(name: str, domain: Domain, family: str, style: Style, params: str | None = None, **kw) -> Api:
    return Api(name, domain, family, style, _params(params), **kw)


def _many(names: str, domain: Domain, family: str, style: Style, params: str | None = None, **kw) -> list[Api]:
    return [_a(n, domain, family, style, params, **kw) for n in names.split()]


_SHARE_CARD = "imageUrl:string title:string subtitle:string templateType:1|2"

# Only members TikTok's pages name (platform-reference.md §5, §9; platform.md decision 7): anything
# else WeChat or Douyin has is TTM208's, never silently accepted.
# Domains: "main" means the open data domain lacks it (network, local storage, login, ads, …; §4.3,
# §10.7); utilities that ported open-data code uses every day (system info, touch, canvas, fonts,
# timers) are "both" so that working leaderboards are not flagged.
_TABLE: list[Api] = [
    # base
    _a("canIUse", "both", "base", "sync", "schema*:string",
       notes="schema is `api.method.param.option`; use it to guard versioned APIs"),
    _a("init", "main", "base", "sync", "clientKey*:string",
       notes="HTML runtime only: call once, before any other API"),
    _a("env", "both", "base", "property", notes="env.USER_DATA_PATH"),
    _a("getSystemInfo", "both", "system info", "callback"),
    *_many("getSystemInfoSync getWindowInfo", "both", "system info", "sync"),
    _a("getMenuButtonBoundingClientRect", "main", "system info", "sync",
       notes="HTML runtime only (SDK 0.3.0)"),
    # lifecycle
    *_many("getLaunchOptionsSync getEnterOptionsSync", "main", "lifecycle", "sync"),
    *_many("onShow offShow onHide offHide", "main", "lifecycle", "listener"),
    _a("getUpdateManager", "main", "lifecycle", "factory", notes="SDK 0.35.0 (client 46.3.0)"),
    _a("loadSubpackage", "main", "lifecycle", "factory", "name*:string " + CALLBACKS),
    # login and authorization
    _a("login", "main", "login", "callback", notes="success → { code }; exchange it on your server"),
    _a("authorize", "main", "login", "callback", f"scope:string returnScopes:boolean {CALLBACKS}",
       notes="explicit popup; do not call at launch; fall back to login on denial"),
    # open data context and cloud storage
    _a("getOpenDataContext", "main", "open data", "factory", "",
       notes="returns { postMessage }; the only way to reach the open data domain"),
    _a("authorizeOpenContext", "main", "open data", "callback", f"get_status_only:boolean {CALLBACKS}",
       notes="asks for avatar, nickname and friend relation; get_status_only checks without a popup"),
    _a("postMessage", "main", "open data", "sync",
       notes="older shorthand of getOpenDataContext().postMessage(message)"),
    _a("onMessage", "open-data", "open data", "listener",
       notes="receives what the main domain posts; SocketTask.onMessage is another thing"),
    _a("getSharedCanvas", "both", "open data", "sync",
       notes="listed for the open data domain; the platform's own set-up example calls it from main"),
    _a("setUserCloudStorage", "both", "cloud storage", "callback", f"data*:kv[] {CALLBACKS}",
       renamed=(("KVDataList", "data"),),
       notes=f"data: [{{ key, value }}], key ≤ {KEY_MAX_CHARS} characters, "
             f"value ≤ {VALUE_MAX_CHARS} characters, strings"),
    _a("removeUserCloudStorage", "both", "cloud storage", "callback", f"keyList*:string[] {CALLBACKS}"),
    _a("getUserCloudStorage", "open-data", "cloud storage", "callback", f"keyList*:string[] {CALLBACKS}",
       notes="success → { KVDataList }"),
    _a("getFriendCloudStorage", "open-data", "cloud storage", "callback", f"keyList*:string[] {CALLBACKS}",
       notes="success → { data: [{ avatarUrl, nickname, openid, KVDataList }] }; mutual followers only"),
    # sharing
    _a("shareToUser", "open-data", "sharing", "callback",
       "openid*:string imageUrl*:string title:string subtitle:string templateType:1|2 " + CALLBACKS,
       notes="direct message to one friend; openid comes from getFriendCloudStorage"),
    _a("shareAppMessage", "main", "sharing", "callback",
       "imageUrl*:string title:string subtitle:string templateType:1|2 query:string path:string "
       + CALLBACKS, min_client="40.3.0", guard=True, notes="opens the contact picker",
       foreign=(("templateId", "Douyin's share-template id; TikTok Minis has no share templates"),)),
    _a("shareToStory", "main", "sharing", "callback",
       f"title:string desc:string imageUrl:string query:string {CALLBACKS}"),
    *_many("onCopyUrl offCopyUrl", "main", "sharing", "listener"),
    # revisit incentives (client 41.0.0, guard with canIUse)
    *_many("addShortcut getShortcutMissionReward startEntranceMission getEntranceMissionReward", "main",
           "revisit", "callback", CALLBACKS, min_client="41.0.0", guard=True),
    # canvas, images, fonts, frames
    *_many("createCanvas createImage", "both", "canvas", "factory"),
    *_many("requestAnimationFrame cancelAnimationFrame setTimeout clearTimeout", "both", "canvas", "sync"),
    _a("setPreferredFramesPerSecond", "both", "canvas", "sync", notes="SDK 0.6.0 (client 43.4.0)"),
    _a("loadFont", "both", "canvas", "sync", notes="returns the font family, or null"),
    # touch
    *_many("onTouchStart onTouchMove onTouchEnd onTouchCancel offTouchStart offTouchMove offTouchEnd "
           "offTouchCancel", "both", "touch", "listener"),
    # interface
    *_many("showToast showModal showLoading hideToast hideLoading", "main", "interface", "callback"),
    # keyboard (SDK 0.6.0)
    *_many("showKeyboard hideKeyboard updateKeyboard", "main", "keyboard", "callback"),
    *_many("onKeyboardInput offKeyboardInput onKeyboardConfirm offKeyboardConfirm onKeyboardComplete "
           "offKeyboardComplete", "main", "keyboard", "listener"),
    # audio and video
    _a("createInnerAudioContext", "main", "audio", "factory"),
    # local storage (main only: the open data domain has no local storage)
    *_many("setStorage getStorage removeStorage clearStorage getStorageInfo", "main", "storage", "callback"),
    *_many("setStorageSync getStorageSync removeStorageSync clearStorageSync getStorageInfoSync", "main",
           "storage", "sync"),
    # files
    _a("getFileSystemManager", "main", "file system", "factory"),
    # network (main only; trusted domains)
    _a("request", "main", "network", "callback",
       "url*:string data:any header:object timeout:number method:string dataType:string "
       "responseType:string " + CALLBACKS, notes="only registered trusted domains"),
    _a("downloadFile", "main", "network", "callback"),
    _a("connectSocket", "main", "network", "factory", notes="SDK 0.4.0; SocketTask.onMessage is not onMessage"),
    _a("getNetworkType", "main", "network status", "callback"),
    *_many("onNetworkStatusChange offNetworkStatusChange", "main", "network status", "listener"),
    # ads (createRewardedVideoAd is a required capability)
    *_many("createRewardedVideoAd createInterstitialAd", "main", "ads", "factory",
           "adUnitId*:string"),
    # payments
    *_many("checkBalance recharge pay navigateToBalance", "main", "payments", "callback"),
    # device
    *_many("vibrateShort vibrateLong", "main", "device", "callback", notes="SDK 0.10.0 (client 43.8.0)"),
    *_many("setKeepScreenOn getScreenBrightness setScreenBrightness", "main", "device", "callback",
           notes="SDK 0.19.0 (client 44.7.0)"),
    # analytics
    _a("reportEvent", "main", "analytics", "sync", notes="SDK 0.4.0"),
]

API: dict[str, Api] = {api.name: api for api in _TABLE}

# The TikTok way to do what a WeChat/Douyin API did, where there is one (TTM208's hint).
TIKTOK_WAY: dict[str, str] = {
    "shareMessageToFriend": "shareToUser (open data domain)",
    "getCloudStorageByRelation": "getFriendCloudStorage",
    "getImRankData": "getFriendCloudStorage",
    "getImRankList": "getFriendCloudStorage",
    "setImRankData": "setUserCloudStorage",
    "getFriendUserGameData": "getFriendCloudStorage",
    "getUserInfo": "login, then read the user's profile on your server",
    "getUserProfile": "login, then read the user's profile on your server",
    "createUserInfoButton": "login, then read the user's profile on your server",
    "shareAppMessageToGroup": "shareAppMessage",
    "onShareAppMessage": "shareAppMessage from your own share button",
    "showShareMenu": "shareAppMessage from your own share button",
    "getUserCloudStorageKeys": "getUserCloudStorage with the keys you wrote",
    "requestMidasPayment": "pay",
    "requestGamePayment": "pay",
    "onSocketMessage": "connectSocket(…).onMessage",
    "sendSocketMessage": "connectSocket(…).send",
}
# The same in the open data domain, where most of those ways (login, sharing, payment, the network) do
# not exist: only those through an API the domain has, and its own way to the player's profile.
_PROFILE_IN_OPEN_DATA = ("getFriendCloudStorage, whose results carry each friend's nickname and avatar (the player's "
                         "own: log in in the main domain, read it on your server, and post it here)")
TIKTOK_WAY_OPEN_DATA: dict[str, str] = {
    **{name: way for name, way in TIKTOK_WAY.items() if API[re.match(r"\w+", way).group(0)].domain != "main"},
    "getUserInfo": _PROFILE_IN_OPEN_DATA,
    "getUserProfile": _PROFILE_IN_OPEN_DATA,
}


@lru_cache(maxsize=None)
def other_platform_api() -> dict[str, str]:
    """Mini-game API names of WeChat and Douyin that TikTok does not document: name -> platforms."""
    from importlib import resources

    found: dict[str, set[str]] = {}
    for platform, filename in (("WeChat", "wechat_api.txt"), ("Douyin", "douyin_api.txt")):
        data = resources.files("ttminis_cli.platform").joinpath("data", filename).read_text("utf-8")
        for line in data.splitlines():
            name = line.strip()
            if name and not name.startswith("#") and name not in API:
                found.setdefault(name, set()).add(platform)
    return {name: " and ".join(sorted(platforms)) for name, platforms in found.items()}
