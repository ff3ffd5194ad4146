"""`ttminis users` and `ttminis friends`: the emulator's users and friendships over its HTTP API.

The same client, checks and exit codes as `ttminis storage` (storage_client.py): 0 done, 1 refused
(a limit, an unknown user, a user befriending themselves), 2 usage error or no emulator. Profiles
and openids are checked before anything is sent, with the emulator's own checks and messages.
"""

from __future__ import annotations

from ttminis_cli.emulator.model import EmulatorError, check_profile
from ttminis_cli.errors import EXIT_FINDINGS, EXIT_OK, UserError
from ttminis_cli.storage_client import EmulatorClient, note, print_json, print_table, resolve_address


def cmd_users_add(openid: str, *, nickname: str | None, avatar: str | None, emulator: str | None) -> int:
    """Create the user, or update the profile fields given."""
    profile = {name: value for name, value in (("nickname", nickname), ("avatarUrl", avatar)) if value is not None}
    try:
        check_profile(profile)
    except EmulatorError as exc:
        where = "--avatar" if exc.field == "avatarUrl" else f"--{exc.field}"
        raise UserError(exc.message.replace(exc.field or "", where, 1), hint="nothing was sent",
                        exit_code=EXIT_FINDINGS) from None
    with EmulatorClient(resolve_address(emulator)) as client:
        created = client.put_user(openid, profile)
    shown = f" ({nickname})" if nickname else ""
    note(f"{'added' if created else 'updated'} user {openid}{shown}")
    return EXIT_OK


def cmd_users_list(*, json_out: bool, emulator: str | None) -> int:
    with EmulatorClient(resolve_address(emulator)) as client:
        users = client.users()
    if json_out:
        print_json({"users": users})
    elif not users:
        note("no users yet; add one with `ttminis users add OPENID`")
    else:
        print_table(["openid", "nickname", "friends", "avatarUrl"],
                    [[u["openid"], u.get("nickname"), ", ".join(u.get("friends", [])), u.get("avatarUrl")]
                     for u in users])
    return EXIT_OK


def cmd_users_remove(openid: str, *, emulator: str | None) -> int:
    with EmulatorClient(resolve_address(emulator)) as client:
        client.delete_user(openid)
    note(f"removed user {openid} with their storage, friendships, authorization and shares")
    return EXIT_OK


def cmd_friends_add(a: str, b: str, *, emulator: str | None) -> int:
    _refuse_self(a, b)
    with EmulatorClient(resolve_address(emulator)) as client:
        client.befriend(a, b)
    note(f"{a} and {b} are friends")
    return EXIT_OK


def cmd_friends_remove(a: str, b: str, *, emulator: str | None) -> int:
    _refuse_self(a, b)
    with EmulatorClient(resolve_address(emulator)) as client:
        were = client.unfriend(a, b)
    note(f"{a} and {b} are no longer friends" if were else f"{a} and {b} were not friends; nothing to remove")
    return EXIT_OK


def _refuse_self(a: str, b: str) -> None:
    if a == b:
        raise UserError(f"{a!r} twice: a user is not their own friend", hint="name two different users",
                        exit_code=EXIT_FINDINGS)
