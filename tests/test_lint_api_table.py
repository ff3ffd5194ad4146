"""The platform API table (ttminis_cli/platform/api.py): one row per member, DESIGN's facts in it,
and the WeChat/Douyin list kept apart from it."""

from __future__ import annotations

import re

import pytest

from ttminis_cli.platform.api import API, TIKTOK_WAY, TIKTOK_WAY_OPEN_DATA, other_platform_api

# DESIGN §4 TTM202: the required keys, exactly.
REQUIRED = {
    "shareToUser": {"openid", "imageUrl"},
    "shareAppMessage": {"imageUrl"},
    "setUserCloudStorage": {"data"},
    "removeUserCloudStorage": {"keyList"},
    "getFriendCloudStorage": {"keyList"},
    "getUserCloudStorage": {"keyList"},
}


@pytest.mark.parametrize("name,required", sorted(REQUIRED.items()))
def test_required_params(name, required):
    assert {p.name for p in API[name].params if p.required} == required


def test_domains_of_design_section_4():
    assert {n for n, a in API.items() if a.domain == "open-data"} >= {
        "shareToUser", "getFriendCloudStorage", "getUserCloudStorage", "onMessage"}
    for name in ("shareAppMessage", "shareToStory", "getOpenDataContext", "authorizeOpenContext"):
        assert API[name].domain == "main"
    for name in ("getSharedCanvas", "setUserCloudStorage", "removeUserCloudStorage", "canIUse"):
        assert API[name].domain == "both"
    for name in ("request", "connectSocket", "downloadFile", "setStorage", "getStorageSync"):
        assert API[name].domain == "main"


def test_versioned_apis_need_a_guard():
    guarded = {n: a.min_client for n, a in API.items() if a.guard}
    assert guarded == {"shareAppMessage": "40.3.0", "addShortcut": "41.0.0", "getShortcutMissionReward": "41.0.0",
                       "startEntranceMission": "41.0.0", "getEntranceMissionReward": "41.0.0"}


@pytest.mark.parametrize("family", [
    "onTouchStart onTouchMove onTouchEnd onTouchCancel offTouchStart offTouchMove offTouchEnd offTouchCancel",
    "showToast showModal showLoading hideToast hideLoading",
    "createInnerAudioContext", "showKeyboard hideKeyboard onKeyboardInput", "getFileSystemManager", "loadFont",
    "getNetworkType onNetworkStatusChange", "createRewardedVideoAd createInterstitialAd",
    "checkBalance recharge pay navigateToBalance", "onShow offShow onHide offHide getLaunchOptionsSync",
    "getSystemInfo getSystemInfoSync getWindowInfo", "setStorage getStorageSync getStorageInfo",
    "shareAppMessage shareToStory onCopyUrl offCopyUrl", "addShortcut startEntranceMission",
    "createCanvas createImage requestAnimationFrame", "login authorize authorizeOpenContext",
    "vibrateShort vibrateLong setKeepScreenOn getUpdateManager reportEvent",
])
def test_platform_families_are_in_the_table(family):
    assert not [n for n in family.split() if n not in API]


def test_every_param_type_is_one_the_rules_understand():
    types = {p.type for a in API.values() for p in a.params or ()}
    assert types <= {"string", "number", "boolean", "string[]", "kv[]", "function", "object", "1|2", "any"}


def test_other_platforms_list_is_disjoint_and_knows_the_porting_names():
    others = other_platform_api()
    assert not set(others) & set(API)
    assert "WeChat" in others["showShareMenu"] and others["getGroupCloudStorage"] == "WeChat"
    assert "Douyin" in others["getImRankData"] and "Douyin" in others["getCloudStorageByRelation"]
    assert "getGroupCloudStorage" in others and "getFriendUserGameData" in others
    assert len(others) > 300  # WeChat's typings list hundreds of members
    for name, way in TIKTOK_WAY.items():
        assert name in others, name
        assert re.match(r"\w+", way).group(0) in API, way
    for name, way in TIKTOK_WAY_OPEN_DATA.items():  # the open data domain's ways are APIs it has
        assert name in others, name
        assert API[re.match(r"\w+", way).group(0)].domain in ("open-data", "both"), way
