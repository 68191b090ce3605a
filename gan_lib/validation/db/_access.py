"""Who may rate: readers, their one-time invitations, and reader and admin sessions.

An invitation or session is a :class:`~gan_lib.validation.security.SplitToken`;
only the SHA-256 digest of its verifier is stored, and a presented token is
compared in constant time, with the same cost for a known and an unknown
selector.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from gan_lib.validation.db._connection import iso, transaction, utc_now
from gan_lib.validation.db._schema import get_meta
from gan_lib.validation.db._sequence import reader_sequence
from gan_lib.validation.security import (
    SplitToken,
    hash_verifier,
    new_csrf_token,
    new_item_id,
    new_split_token,
    verify,
)

__all__ = [
    "InviteError",
    "Session",
    "add_reader",
    "insert_invite",
    "new_invite",
    "revoke_reader",
    "redeem_invite",
    "find_session",
    "check_admin_secret",
    "create_admin_session",
    "delete_session",
]


class InviteError(Exception):
    """An invitation that is unknown, already used or expired; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Session:
    """A signed-in reader or admin."""

    selector: str
    kind: str  # "reader" or "admin"
    reader_id: int | None
    reader_name: str | None
    csrf_token: str


def add_reader(
    conn: sqlite3.Connection, name: str, *, invite_ttl: timedelta = timedelta(days=14)
) -> tuple[int, SplitToken]:
    """Create a reader with a private random item order and return ``(reader_id, invite token)``.

    The order comes from :class:`random.SystemRandom` (unpredictable, different
    per reader) and is stored in ``assignments``, so a session can be resumed
    and the order audited.  Only the invite's verifier digest is stored.

    Raises
    ------
    ValueError
        If ``name`` is empty/too long or already taken, or the study has no items.
    """
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValueError(f"reader name must have 1 to 100 characters; got {len(name)}.")
    with transaction(conn):
        if conn.execute("SELECT 1 FROM readers WHERE name = ?", (name,)).fetchone():
            raise ValueError(
                f"reader {name!r} already exists; to send them a fresh link use `add-reader {name!r} --new-invite`."
            )
        items = [r["item_id"] for r in conn.execute("SELECT item_id FROM items ORDER BY item_id")]
        if not items:
            raise ValueError("the study has no items; run create-study before adding readers.")
        repeats = [
            r["item_id"] for r in conn.execute("SELECT item_id FROM items WHERE repeat_item = 1 ORDER BY item_id")
        ]
        now = utc_now()
        reader_id = conn.execute("INSERT INTO readers (name, created_at) VALUES (?, ?)", (name, iso(now))).lastrowid
        sequence = reader_sequence(items, repeats, rng=random.SystemRandom())
        conn.executemany(
            "INSERT INTO assignments (reader_id, position, item_id, repeat, showing_id) VALUES (?, ?, ?, ?, ?)",
            [(reader_id, pos, item_id, rep, new_item_id()) for pos, (item_id, rep) in enumerate(sequence)],
        )
        token = insert_invite(conn, reader_id, now=now, ttl=invite_ttl)
    return int(reader_id), token


def insert_invite(conn: sqlite3.Connection, reader_id: int, *, now: datetime, ttl: timedelta) -> SplitToken:
    """Store a new invitation for ``reader_id`` valid for ``ttl`` from ``now`` (call inside a transaction)."""
    token = new_split_token()
    conn.execute(
        "INSERT INTO invites (selector, verifier_hash, reader_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        (token.selector, hash_verifier(token.verifier), reader_id, iso(now), iso(now + ttl)),
    )
    return token


def _end_access(conn: sqlite3.Connection, reader_id: int, now: datetime) -> int:
    """Void the reader's unused invites and delete their sessions; returns the number of sessions ended."""
    conn.execute("UPDATE invites SET used_at = ? WHERE reader_id = ? AND used_at IS NULL", (iso(now), reader_id))
    return conn.execute("DELETE FROM sessions WHERE reader_id = ?", (reader_id,)).rowcount


def _reader_id(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("SELECT reader_id FROM readers WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise ValueError(f"no reader named {name!r}; add them first with `add-reader {name!r}`.")
    return int(row["reader_id"])


def new_invite(conn: sqlite3.Connection, name: str, *, invite_ttl: timedelta = timedelta(days=14)) -> SplitToken:
    """Issue a fresh invite for an existing reader (e.g. a new device).

    The reader's older unused invites are voided and their sessions ended, so
    at most one browser holds the reader's study at a time; their answers stay.
    """
    with transaction(conn):
        reader_id = _reader_id(conn, name)
        now = utc_now()
        _end_access(conn, reader_id, now)
        return insert_invite(conn, reader_id, now=now, ttl=invite_ttl)


def revoke_reader(conn: sqlite3.Connection, name: str) -> int:
    """End every session of a reader and void their unused invites; returns the number of sessions ended.

    Their answers stay; ``add-reader NAME --new-invite`` lets them continue later.
    """
    with transaction(conn):
        return _end_access(conn, _reader_id(conn, name), utc_now())


def _insert_session(
    conn: sqlite3.Connection, *, kind: str, reader_id: int | None, now: datetime, ttl: timedelta
) -> SplitToken:
    token = new_split_token()
    conn.execute(
        "INSERT INTO sessions (selector, verifier_hash, kind, reader_id, csrf_token, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (token.selector, hash_verifier(token.verifier), kind, reader_id, new_csrf_token(), iso(now), iso(now + ttl)),
    )
    return token


def redeem_invite(
    conn: sqlite3.Connection, token: SplitToken, *, session_ttl: timedelta = timedelta(days=30), consume: bool = True
) -> tuple[int, SplitToken | None]:
    """Check an invite and (with ``consume``) exchange it for a reader session, once.

    Returns ``(reader_id, session token)``; the token is ``None`` when
    ``consume`` is false (a check only, used to render the welcome page).

    Raises
    ------
    InviteError
        ``reason`` is ``"unknown"``, ``"used"`` or ``"expired"``.
    """
    with transaction(conn):
        row = conn.execute(
            "SELECT verifier_hash, reader_id, expires_at, used_at FROM invites WHERE selector = ?", (token.selector,)
        ).fetchone()
        # Hash and compare even for an unknown selector, so both paths cost the same.
        stored = row["verifier_hash"] if row is not None else "0" * 64
        if not verify(token.verifier, stored) or row is None:
            raise InviteError("unknown")
        now = utc_now()
        if row["used_at"] is not None:
            raise InviteError("used")
        if row["expires_at"] <= iso(now):
            raise InviteError("expired")
        if not consume:
            return int(row["reader_id"]), None
        conn.execute("UPDATE invites SET used_at = ? WHERE selector = ?", (iso(now), token.selector))
        session = _insert_session(conn, kind="reader", reader_id=row["reader_id"], now=now, ttl=session_ttl)
    return int(row["reader_id"]), session


def find_session(conn: sqlite3.Connection, token: SplitToken | None, *, kind: str) -> Session | None:
    """The live session of ``kind`` for a cookie token, or ``None`` (unknown, wrong kind, expired)."""
    if token is None:
        return None
    row = conn.execute(
        "SELECT s.selector, s.verifier_hash, s.kind, s.reader_id, s.csrf_token, s.expires_at, r.name "
        "FROM sessions AS s LEFT JOIN readers AS r ON r.reader_id = s.reader_id WHERE s.selector = ?",
        (token.selector,),
    ).fetchone()
    stored = row["verifier_hash"] if row is not None else "0" * 64
    if not verify(token.verifier, stored) or row is None:
        return None
    if row["kind"] != kind or row["expires_at"] <= iso(utc_now()):
        return None
    return Session(row["selector"], row["kind"], row["reader_id"], row["name"], row["csrf_token"])


def check_admin_secret(conn: sqlite3.Connection, secret: str) -> bool:
    """Whether ``secret`` is the study's admin secret (constant-time comparison of digests)."""
    stored = get_meta(conn, "admin_secret_sha256")
    if stored is None or not secret or len(secret) > 200:
        return False
    return verify(secret, stored)


def create_admin_session(conn: sqlite3.Connection, *, ttl: timedelta = timedelta(hours=8)) -> SplitToken:
    """A new admin session (after the admin secret was checked)."""
    with transaction(conn):
        return _insert_session(conn, kind="admin", reader_id=None, now=utc_now(), ttl=ttl)


def delete_session(conn: sqlite3.Connection, selector: str) -> None:
    """Sign a session out."""
    with transaction(conn):
        conn.execute("DELETE FROM sessions WHERE selector = ?", (selector,))
