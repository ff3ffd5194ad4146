"""The emulator's state in SQLite: schema migrations, transactions, queries. No HTTP here.

Durability: WAL with synchronous=NORMAL. A commit is in the WAL file (the operating system's page
cache) before it returns, so an acknowledged write survives the emulator being killed (kill -9);
only a power cut or kernel crash could lose the last commits, which a local emulator can afford
for the speed of not calling fsync on every write.

Concurrency: every write is one `BEGIN IMMEDIATE` transaction, so checks and writes (a friendship
between existing users, a share to a friend, a whole import) see no other writer in between, even
when several emulator processes share one data file; busy_timeout makes the others wait their turn.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ttminis_cli.emulator.model import STATE_VERSION, DiskFull, Forbidden, Share, State, User, unknown_user

BUSY_TIMEOUT_MS = 10_000
SQLITE_CORRUPT, SQLITE_FULL = 11, 13  # sqlite3's constants from Python 3.11

# Each entry moves the schema one version up; never edit a released entry, append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: users, mutual friendships (both directions stored), per-user key/value storage
    """
    CREATE TABLE users (
        openid TEXT PRIMARY KEY,
        nickname TEXT NOT NULL,
        avatar_url TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    CREATE TABLE friendships (
        openid TEXT NOT NULL REFERENCES users(openid) ON DELETE CASCADE,
        friend TEXT NOT NULL REFERENCES users(openid) ON DELETE CASCADE,
        PRIMARY KEY (openid, friend)
    ) WITHOUT ROWID;
    CREATE TABLE storage (
        openid TEXT NOT NULL REFERENCES users(openid) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (openid, key)
    ) WITHOUT ROWID;
    """,
    # 2: authorization grants and codes, shares with an inbox per recipient, a change counter
    """
    CREATE TABLE authorizations (
        openid TEXT PRIMARY KEY REFERENCES users(openid) ON DELETE CASCADE,
        granted_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE auth_codes (
        code TEXT PRIMARY KEY,
        openid TEXT NOT NULL REFERENCES users(openid) ON DELETE CASCADE,
        issued_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE shares (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sender TEXT NOT NULL REFERENCES users(openid) ON DELETE CASCADE,
        recipient TEXT REFERENCES users(openid) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        subtitle TEXT NOT NULL DEFAULT '',
        image_url TEXT NOT NULL DEFAULT '',
        template_type INTEGER,
        created_at TEXT NOT NULL
    );
    CREATE INDEX shares_by_recipient ON shares (recipient, id);
    CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
    INSERT INTO revision VALUES (1, 0);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
# What an emulator's file holds at each schema version: anything else is another program's database.
_TABLES_AT = [frozenset(re.findall(r"CREATE TABLE (\w+)", "".join(MIGRATIONS[:version])))
              for version in range(SCHEMA_VERSION + 1)]
# How many of quick_check's findings a refusal quotes.
_SHOWN_PROBLEMS = 3


class DataFileError(Exception):
    """The data file cannot be used (not SQLite, another program's, damaged, newer schema, unwritable)."""


def _is_full(exc: sqlite3.OperationalError) -> bool:
    """SQLITE_FULL: the disk (or the memory of an in-memory database) has no room for the write."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    return code == SQLITE_FULL if code is not None else "disk is full" in str(exc)


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    return code & 0xFF == SQLITE_CORRUPT if code is not None else "malformed" in str(exc)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Store:
    """One connection to the emulator's database; used from one thread (the server's event loop)."""

    def __init__(self, path: Path | None) -> None:
        """Open (creating and migrating) the data file at `path`, or a private in-memory database."""
        self.path = path
        target = ":memory:" if path is None else str(path)
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._check_file()  # before anything, journal mode included, changes the file
            if path is not None:
                self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except DataFileError:
            self.db.close()
            raise
        except DiskFull as exc:
            self.db.close()
            raise DataFileError(f"{path}: cannot open: {exc.message}") from None
        except sqlite3.OperationalError as exc:
            why = "; is it a folder, or in a read-only one?" if "unable to open" in str(exc) else ""
            raise DataFileError(f"{path}: cannot open ({exc}){why}") from None
        except sqlite3.DatabaseError as exc:
            raise DataFileError(f"{path}: not an emulator data file ({exc})") from None
        except OSError as exc:
            raise DataFileError(f"{path}: cannot open ({exc.strerror or exc})") from None

    def close(self) -> None:
        self.db.close()

    def _check_file(self) -> None:
        """Refuse a damaged file before anything is written to it, and another program's database.

        A damaged file would take writes and then fail the export, the one way to rescue its data;
        another program's database would get the emulator's tables added to it.
        """
        if self.path is None:
            return
        try:
            problems = [row[0] for row in self.db.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:  # damage the check itself trips over
            if not _is_corrupt(exc):
                raise
            problems = [str(exc)]
        if problems != ["ok"]:
            shown = "; ".join(problems[:_SHOWN_PROBLEMS]) + ("; …" if len(problems) > _SHOWN_PROBLEMS else "")
            raise DataFileError(f"{self.path}: the file is damaged (SQLite's quick_check: {shown}); the emulator "
                                "will not write to it")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
        if version <= SCHEMA_VERSION and tables != _TABLES_AT[version]:
            shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
            raise DataFileError(f"{self.path}: a SQLite database of another program (tables: {shown}), not an "
                                "emulator data file; the emulator leaves it untouched")

    def _migrate(self) -> None:
        with self._write(count=False):
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise DataFileError(f"{self.path}: written by a newer ttminis (schema {version}, this one "
                                    f"knows {SCHEMA_VERSION}); upgrade ttminis or use another --data file")
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def _write(self, count: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction; bumps the change counter the dashboard polls.

        A full disk is a DiskFull refusal (HTTP 507): nothing of the transaction is kept, and reads go on.
        """
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                if count:
                    self.db.execute("UPDATE revision SET value = value + 1")
                self.db.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (it does on a full disk): a second ROLLBACK would
                # fail and hide the real error.
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            if not _is_full(exc):
                raise
            where = f"the disk holding {self.path}" if self.path is not None else "memory"
            raise DiskFull("disk_full", f"{where} is full: nothing was written; free some space (reads and "
                           "GET /v1/export still work)") from None

    # ------------------------------------------------------------------ reads

    def is_empty(self) -> bool:
        return self.db.execute("SELECT NOT EXISTS (SELECT 1 FROM users)").fetchone()[0] == 1

    def revision(self) -> int:
        return self.db.execute("SELECT value FROM revision").fetchone()[0]

    def _require(self, openid: str, field: str = "openid") -> None:
        if self.db.execute("SELECT 1 FROM users WHERE openid = ?", (openid,)).fetchone() is None:
            raise unknown_user(openid, field)

    def users(self) -> list[dict]:
        friends: dict[str, list[str]] = {}
        for openid, friend in self.db.execute("SELECT openid, friend FROM friendships ORDER BY openid, friend"):
            friends.setdefault(openid, []).append(friend)
        return [{**User(*row).as_json(), "friends": friends.get(row[0], [])}
                for row in self.db.execute("SELECT openid, nickname, avatar_url FROM users ORDER BY openid")]

    def get_storage(self, openid: str, keys: list[str] | None) -> list[dict]:
        """The user's pairs for `keys` (in that order; missing keys omitted), or all of them by key."""
        if keys is None:
            rows = self.db.execute("SELECT key, value FROM storage WHERE openid = ? ORDER BY key", (openid,))
            pairs = [{"key": k, "value": v} for k, v in rows]
        else:
            marks = ",".join("?" * len(keys))
            found = dict(self.db.execute(f"SELECT key, value FROM storage WHERE openid = ? AND key IN ({marks})",
                                         (openid, *keys)))
            pairs = [{"key": k, "value": found[k]} for k in keys if k in found]
        if not pairs:  # only then can the user be unknown: a stored key means a user (foreign key)
            self._require(openid)
        return pairs

    def friends_storage_json(self, openid: str, keys: list[str]) -> str:
        """getFriendCloudStorage's `data` list as JSON text: the user and their friends who stored at
        least one of `keys`, each with those keys in the order asked.

        SQLite builds the JSON itself: for 1,000 friends × 5 keys that is three times faster than
        building Python objects and serialising them, and this is the read a leaderboard makes.
        """
        self._require(openid)
        wanted = ",".join("(?, ?)" for _ in keys)
        rows = self.db.execute(
            f"""WITH wanted(key, pos) AS (VALUES {wanted}),
                members(openid) AS (SELECT friend FROM friendships WHERE openid = ? UNION SELECT ?),
                found(openid, kv) AS MATERIALIZED (
                    SELECT m.openid, (SELECT json_group_array(json_object('key', key, 'value', value))
                                      FROM (SELECT w.key AS key, s.value AS value FROM wanted w
                                            JOIN storage s ON s.openid = m.openid AND s.key = w.key
                                            ORDER BY w.pos))
                    FROM members m)
                SELECT json_object('openid', u.openid, 'nickname', u.nickname, 'avatarUrl', u.avatar_url,
                                   'KVDataList', json(f.kv))
                FROM found f JOIN users u ON u.openid = f.openid
                WHERE f.kv <> '[]' ORDER BY f.openid""",
            (*(x for pos, key in enumerate(keys) for x in (key, pos)), openid, openid))
        return "[" + ",".join(row[0] for row in rows) + "]"

    def authorized(self, openid: str) -> bool:
        self._require(openid)
        return self.db.execute("SELECT 1 FROM authorizations WHERE openid = ?", (openid,)).fetchone() is not None

    def inbox(self, openid: str) -> list[dict]:
        self._require(openid)
        return [self._share_json(row) for row in self.db.execute(
            f"SELECT {_SHARE_COLUMNS} FROM shares WHERE recipient = ? ORDER BY id DESC", (openid,))]

    def export(self) -> dict:
        """The whole state as a document that `import_state` (and --seed) accepts unchanged."""
        storage: dict[str, dict[str, str]] = {}
        for openid, key, value in self.db.execute("SELECT openid, key, value FROM storage ORDER BY openid, key"):
            storage.setdefault(openid, {})[key] = value
        return {
            "version": STATE_VERSION,
            "users": [User(*row).as_json() for row in
                      self.db.execute("SELECT openid, nickname, avatar_url FROM users ORDER BY openid")],
            "friendships": [list(row) for row in self.db.execute(
                "SELECT openid, friend FROM friendships WHERE openid < friend ORDER BY openid, friend")],
            "storage": storage,
            "authorizations": [row[0] for row in
                               self.db.execute("SELECT openid FROM authorizations ORDER BY openid")],
            "shares": [{k: v for k, v in self._share_json(row).items() if k != "id"} for row in
                       self.db.execute(f"SELECT {_SHARE_COLUMNS} FROM shares ORDER BY id")],
        }

    @staticmethod
    def _share_json(row: tuple) -> dict:
        share_id, sender, recipient, kind, title, subtitle, image_url, template, created = row
        return {"id": share_id, "from": sender, "to": recipient, "kind": kind, "title": title,
                "subtitle": subtitle, "imageUrl": image_url, "templateType": template, "createdAt": created}

    # ------------------------------------------------------------------ writes

    def put_user(self, openid: str, nickname: str | None, avatar_url: str | None) -> tuple[dict, bool]:
        """Create the user, or update the fields given (None leaves a field as it is); and whether it is new."""
        with self._write() as db:
            created = db.execute("SELECT 1 FROM users WHERE openid = ?", (openid,)).fetchone() is None
            db.execute("INSERT INTO users (openid, nickname, avatar_url) VALUES (?, ?, ?) "
                       "ON CONFLICT (openid) DO UPDATE SET nickname = coalesce(?, nickname), "
                       "avatar_url = coalesce(?, avatar_url)",
                       (openid, nickname or openid, avatar_url or "", nickname, avatar_url))
            row = db.execute("SELECT openid, nickname, avatar_url FROM users WHERE openid = ?", (openid,)).fetchone()
        return User(*row).as_json(), created

    def delete_user(self, openid: str) -> None:
        """The user and everything that is theirs: storage, friendships, grants, shares sent and received."""
        with self._write() as db:
            self._require(openid)
            db.execute("DELETE FROM users WHERE openid = ?", (openid,))  # the rest cascades

    def befriend(self, openid: str, other: str) -> None:
        with self._write() as db:
            self._require(openid)
            self._require(other, "other")
            db.executemany("INSERT OR IGNORE INTO friendships VALUES (?, ?)", ((openid, other), (other, openid)))

    def unfriend(self, openid: str, other: str) -> bool:
        """Whether they were friends."""
        with self._write() as db:
            self._require(openid)
            self._require(other, "other")
            removed = db.execute("DELETE FROM friendships WHERE (openid = ? AND friend = ?) OR "
                                 "(openid = ? AND friend = ?)", (openid, other, other, openid)).rowcount
        return removed > 0

    def set_storage(self, openid: str, pairs: list[tuple[str, str]]) -> None:
        """Write all pairs or none; an unknown openid becomes a user (see model.py)."""
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO users (openid, nickname) VALUES (?, ?)", (openid, openid))
            db.executemany("INSERT INTO storage (openid, key, value) VALUES (?, ?, ?) "
                           "ON CONFLICT (openid, key) DO UPDATE SET value = excluded.value",
                           ((openid, k, v) for k, v in pairs))

    def remove_storage(self, openid: str, keys: list[str]) -> list[str]:
        """The keys of `keys` that existed (and are now removed)."""
        with self._write() as db:
            self._require(openid)
            return [k for k in keys
                    if db.execute("DELETE FROM storage WHERE openid = ? AND key = ?", (openid, k)).rowcount]

    def authorize(self, openid: str) -> str:
        """Grant (idempotent) and issue a fresh one-time code, as authorizeOpenContext's success does."""
        code = secrets.token_urlsafe(16)
        with self._write() as db:
            self._require(openid)
            db.execute("INSERT OR IGNORE INTO authorizations VALUES (?, ?)", (openid, _now()))
            db.execute("INSERT INTO auth_codes VALUES (?, ?, ?)", (code, openid, _now()))
        return code

    def record_share(self, share: Share) -> dict:
        with self._write() as db:
            self.check_share_allowed(share)
            share_id = self._insert_share(share)
            row = db.execute(f"SELECT {_SHARE_COLUMNS} FROM shares WHERE id = ?", (share_id,)).fetchone()
        return self._share_json(row)

    def check_share_allowed(self, share: Share, prefix: str = "") -> None:
        """The rules a share's users must meet, for POST /v1/shares and imports alike: both exist, and
        a shareToUser goes to a friend. `prefix` names the share in a document ("shares[2].")."""
        self._require(share.sender, f"{prefix}from")
        if share.recipient is None:
            return
        self._require(share.recipient, f"{prefix}to")
        if self.db.execute("SELECT 1 FROM friendships WHERE openid = ? AND friend = ?",
                           (share.sender, share.recipient)).fetchone() is None:
            raise Forbidden("not_friends", f"{share.recipient!r} is not a friend of {share.sender!r}; shareToUser "
                            "goes to friends only (PUT /v1/users/{openid}/friends/{other}, `ttminis friends add`)",
                            f"{prefix}to")

    def clear_inbox(self, openid: str) -> int:
        """Delete the shares the user received; how many there were."""
        with self._write() as db:
            self._require(openid)
            return db.execute("DELETE FROM shares WHERE recipient = ?", (openid,)).rowcount

    def _insert_share(self, share: Share) -> int:
        return self.db.execute(
            "INSERT INTO shares (sender, recipient, kind, title, subtitle, image_url, template_type, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (share.sender, share.recipient, share.kind, share.title, share.subtitle, share.image_url,
             share.template_type, share.created_at or _now())).lastrowid

    def delete_all(self) -> None:
        with self._write() as db:
            for table in ("auth_codes", "authorizations", "shares", "storage", "friendships", "users"):
                db.execute(f"DELETE FROM {table}")

    def import_state(self, state: State, *, replace: bool) -> dict:
        """Apply a checked document in one transaction: replace everything, or merge into what is there.

        Merging upserts users, adds friendships, sets the listed keys and appends shares.
        """
        with self._write() as db:
            if replace:
                for table in ("auth_codes", "authorizations", "shares", "storage", "friendships", "users"):
                    db.execute(f"DELETE FROM {table}")
            db.executemany("INSERT INTO users VALUES (?, ?, ?) ON CONFLICT (openid) DO UPDATE SET "
                           "nickname = excluded.nickname, avatar_url = excluded.avatar_url",
                           ((u.openid, u.nickname, u.avatar_url) for u in state.users))
            db.executemany("INSERT OR IGNORE INTO users (openid, nickname) VALUES (?, ?)",
                           ((openid, openid) for openid, _ in state.storage))
            for openid, pairs in state.storage:
                db.executemany("INSERT INTO storage VALUES (?, ?, ?) ON CONFLICT (openid, key) "
                               "DO UPDATE SET value = excluded.value", ((openid, k, v) for k, v in pairs))
            for i, (a, b) in enumerate(state.friendships):
                self._require(a, f"friendships[{i}][0]")
                self._require(b, f"friendships[{i}][1]")
                db.executemany("INSERT OR IGNORE INTO friendships VALUES (?, ?)", ((a, b), (b, a)))
            for i, openid in enumerate(state.authorizations):
                self._require(openid, f"authorizations[{i}]")
                db.execute("INSERT OR IGNORE INTO authorizations VALUES (?, ?)", (openid, _now()))
            for i, share in enumerate(state.shares):
                self.check_share_allowed(share, f"shares[{i}].")
                self._insert_share(share)
        return {"users": len(state.users), "friendships": len(state.friendships),
                "storage": sum(len(p) for _, p in state.storage), "authorizations": len(state.authorizations),
                "shares": len(state.shares)}


_SHARE_COLUMNS = "id, sender, recipient, kind, title, subtitle, image_url, template_type, created_at"
