"""The players a first `ttminis dev` run starts with, so the leaderboard has rows on the first tap."""

from __future__ import annotations

from ttminis_cli.emulator.model import State, check_state

# (openid, nickname, score): three friends who have played, ranked apart so an order is visible.
FRIENDS = (("ava", "Ava", 120), ("ben", "Ben", 75), ("cleo", "Cleo", 30), ("dan", "Dan", 10))


def default_state(player: str, keys: list[str]) -> State:
    """The player, three friends of theirs holding `keys` (numbers as strings), Ava and Ben friends."""
    friends = [f for f in FRIENDS if f[0] != player][:3]
    doc = {
        "users": [{"openid": player, "nickname": "Me" if player == "me" else player}]
                 + [{"openid": openid, "nickname": nickname} for openid, nickname, _ in friends],
        "friendships": [[player, openid] for openid, _, _ in friends] + [[friends[0][0], friends[1][0]]],
        "storage": {openid: {key: str(score) for key in keys} for openid, _, score in friends if keys},
    }
    return check_state(doc)
