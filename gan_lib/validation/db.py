"""SQLite storage of a reader study: items with the answer key, readers, sessions, ratings.

The database is the *only* place that holds the answer key (``items.label``).
Every statement is parameterised; every write runs inside
:func:`transaction` (``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any
error), and the database runs in WAL mode with ``synchronous=FULL``, so a
rating acknowledged to the reader survives a crash and a crash never leaves
half of one.  One final answer per reader, item and showing is enforced by the
``UNIQUE (reader_id, item_id, repeat)`` constraint of ``ratings``, not by
application code.

Each slot of a reader's sequence (a *showing*) has its own random
``showing_id``: the image URL of that showing, so a repeated item comes under
a new address.  Only the slot that is due (the reader's first unanswered one)
can be viewed or answered; the first time its image is served is stored, and
the answer stores the seconds from then (``time_on_image_s``).
"""
from __future__ import annotations

import contextlib
import io
import os
import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, Sequence

import pandas as pd

from gan_lib.atomic import atomic_write_text
from gan_lib.validation.security import (
    SplitToken,
    hash_verifier,
    new_csrf_token,
    new_item_id,
    new_split_token,
    verify,
)

__all__ = [
    "SCHEMA",
    "EXPORT_COLUMNS",
    "NOTE_MAX_CHARS",
    "DuplicateRating",
    "InviteError",
    "OutOfSequence",
    "Session",
    "Assignment",
    "connect",
    "transaction",
    "utc_now",
    "init_schema",
    "get_meta",
    "set_meta",
    "add_reader",
    "new_invite",
    "redeem_invite",
    "find_session",
    "create_admin_session",
    "delete_session",
    "revoke_reader",
    "check_admin_secret",
    "next_assignment",
    "count_answered",
    "serve_showing",
    "record_rating",
    "progress",
    "export_ratings",
    "to_csv_text",
    "write_export",
]

#: Longest free-text note a reader may leave on one item (characters).
NOTE_MAX_CHARS = 500

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    item_id      TEXT PRIMARY KEY CHECK (length(item_id) = 32),
    label        TEXT NOT NULL CHECK (label IN ('real', 'synthetic')),   -- the answer key
    source       TEXT NOT NULL,          -- split of a real image ('test', 'heldout', ...) or 'generated'
    source_index INTEGER NOT NULL,       -- index within that source
    sha256       TEXT NOT NULL,          -- digest of the PNG file served for this item
    repeat_item  INTEGER NOT NULL DEFAULT 0 CHECK (repeat_item IN (0, 1))  -- shown twice to every reader
);
CREATE TABLE IF NOT EXISTS readers (
    reader_id  INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS invites (
    selector      TEXT PRIMARY KEY,
    verifier_hash TEXT NOT NULL,
    reader_id     INTEGER NOT NULL REFERENCES readers (reader_id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    selector      TEXT PRIMARY KEY,
    verifier_hash TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('reader', 'admin')),
    reader_id     INTEGER REFERENCES readers (reader_id),
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    CHECK ((kind = 'reader') = (reader_id IS NOT NULL))
);
CREATE TABLE IF NOT EXISTS assignments (
    reader_id  INTEGER NOT NULL REFERENCES readers (reader_id),
    position   INTEGER NOT NULL CHECK (position >= 0),
    item_id    TEXT NOT NULL REFERENCES items (item_id),
    repeat     INTEGER NOT NULL CHECK (repeat IN (0, 1)),
    showing_id TEXT CHECK (length(showing_id) = 32),  -- the image URL of this showing (random)
    served_at  TEXT,                                  -- first time the image of this showing was sent
    PRIMARY KEY (reader_id, position),
    UNIQUE (reader_id, item_id, repeat)
);
CREATE UNIQUE INDEX IF NOT EXISTS assignments_showing ON assignments (showing_id);
CREATE TABLE IF NOT EXISTS ratings (
    rating_id   INTEGER PRIMARY KEY,
    reader_id   INTEGER NOT NULL,
    item_id     TEXT NOT NULL,
    repeat      INTEGER NOT NULL CHECK (repeat IN (0, 1)),
    answer      TEXT NOT NULL CHECK (answer IN ('real', 'synthetic')),
    confidence  INTEGER NOT NULL CHECK (confidence BETWEEN 1 AND 5),
    realism     INTEGER NOT NULL CHECK (realism BETWEEN 1 AND 5),
    note        TEXT NOT NULL DEFAULT '' CHECK (length(note) <= {NOTE_MAX_CHARS}),
    answered_at TEXT NOT NULL,
    time_on_image_s REAL CHECK (time_on_image_s >= 0),  -- from serving the image to the answer
    UNIQUE (reader_id, item_id, repeat),
    FOREIGN KEY (reader_id, item_id, repeat) REFERENCES assignments (reader_id, item_id, repeat)
);
"""

#: Columns of the results export (one row per answer), in order.
EXPORT_COLUMNS = (
    "reader", "reader_id", "item_id", "repeat", "position", "label", "answer", "correct",
    "confidence", "realism", "note", "answered_at", "time_on_image_s", "source", "simulated",
)

#: Columns added after the first released schema: table -> [(column, declaration)].  :func:`init_schema`
#: adds them to older study databases, so a study in progress keeps its answers when the code is updated.
_ADDED_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "assignments": [("showing_id", "TEXT CHECK (length(showing_id) = 32)"), ("served_at", "TEXT")],
    "ratings": [("time_on_image_s", "REAL CHECK (time_on_image_s >= 0)")],
}


class DuplicateRating(Exception):
    """The reader already gave a final answer for this item (and showing)."""


class OutOfSequence(Exception):
    """An answer for a slot that is not the one due, or for an image that was never served; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "not_due" or "not_shown"


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


@dataclass(frozen=True)
class Assignment:
    """One slot of a reader's randomised sequence."""

    position: int  # 0-based place in the reader's sequence
    item_id: str
    repeat: int  # 0 = first showing, 1 = repeat showing (intra-reader consistency)
    total: int  # length of the reader's sequence
    showing_id: str  # the image URL's id for this slot (32 hex digits, random)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    # One fixed format so that stored timestamps compare correctly as text.
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def connect(path: str | Path, *, create: bool = False) -> sqlite3.Connection:
    """Open a study database (WAL, ``synchronous=FULL``, foreign keys on, 30 s busy timeout).

    Parameters
    ----------
    path : path-like
        The ``ratings.sqlite`` file.
    create : bool
        Allow creating a new file; otherwise a missing file is an error.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist and ``create`` is false.
    """
    path = Path(path)
    if not create and not path.is_file():
        raise FileNotFoundError(
            f"study database {path} does not exist; create the study first with "
            "`python -m gan_lib.validation create-study --run runs/<name>` or pass the right --db."
        )
    # isolation_level=None: we issue BEGIN/COMMIT ourselves (see transaction()).
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; roll back everything on any exception.

    ``IMMEDIATE`` takes the write lock up front, so concurrent writers queue on
    the busy timeout instead of failing with a lock-upgrade deadlock.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def init_schema(conn: sqlite3.Connection) -> None:
    """Create every table (idempotent), and bring an older study database up to :data:`SCHEMA`.

    Older databases get the columns of ``_ADDED_COLUMNS`` and a random
    ``showing_id`` for each slot; their answers are kept.
    """
    for table, columns in _ADDED_COLUMNS.items():
        present = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
        if present:  # the table exists (an older database)
            for name, declaration in columns:
                if name not in present:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")
    conn.executescript(SCHEMA)
    missing = conn.execute("SELECT reader_id, position FROM assignments WHERE showing_id IS NULL").fetchall()
    with transaction(conn):
        conn.executemany("UPDATE assignments SET showing_id = ? WHERE reader_id = ? AND position = ?",
                         [(new_item_id(), row["reader_id"], row["position"]) for row in missing])


def get_meta(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    """A study setting stored in the ``meta`` table."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else row["value"]


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Store a study setting (call inside :func:`transaction`)."""
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (key, value))


def _reader_sequence(
    item_ids: Sequence[str], repeat_ids: Sequence[str], *, rng: random.Random
) -> list[tuple[str, int]]:
    """A random order of all items, with each repeat item shown again later.

    The second showing of a repeat item is placed uniformly among the slots at
    least ``gap = max(1, len(item_ids) // 5)`` after its first showing, so a
    reader rarely remembers their first answer.  A repeat item whose first
    showing fell into the last ``gap`` slots first swaps places with a random
    non-repeat item from earlier in the sequence (repeat items are balanced
    between classes, so this carries no label information).
    """
    order = [(item_id, 0) for item_id in item_ids]
    rng.shuffle(order)
    gap = max(1, len(item_ids) // 5)
    latest_first = len(order) - gap - 1  # last slot that still leaves room for the gap
    repeats = list(repeat_ids)
    rng.shuffle(repeats)
    repeat_set = set(repeats)
    for item_id in repeats:
        pos = order.index((item_id, 0))
        candidates = [k for k in range(max(latest_first + 1, 0)) if order[k][0] not in repeat_set]
        if pos > latest_first and candidates:
            k = rng.choice(candidates)
            order[pos], order[k] = order[k], order[pos]
    for item_id in repeats:
        first = order.index((item_id, 0))
        earliest = min(first + gap + 1, len(order))
        order.insert(rng.randint(earliest, len(order)), (item_id, 1))
    return order


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
                f"reader {name!r} already exists; to send them a fresh link use "
                f"`add-reader {name!r} --new-invite`."
            )
        items = [r["item_id"] for r in conn.execute("SELECT item_id FROM items ORDER BY item_id")]
        if not items:
            raise ValueError("the study has no items; run create-study before adding readers.")
        repeats = [r["item_id"] for r in conn.execute("SELECT item_id FROM items WHERE repeat_item = 1 ORDER BY item_id")]
        now = utc_now()
        reader_id = conn.execute("INSERT INTO readers (name, created_at) VALUES (?, ?)", (name, _iso(now))).lastrowid
        sequence = _reader_sequence(items, repeats, rng=random.SystemRandom())
        conn.executemany(
            "INSERT INTO assignments (reader_id, position, item_id, repeat, showing_id) VALUES (?, ?, ?, ?, ?)",
            [(reader_id, pos, item_id, rep, new_item_id()) for pos, (item_id, rep) in enumerate(sequence)],
        )
        token = _insert_invite(conn, reader_id, now=now, ttl=invite_ttl)
    return int(reader_id), token


def _insert_invite(conn: sqlite3.Connection, reader_id: int, *, now: datetime, ttl: timedelta) -> SplitToken:
    token = new_split_token()
    conn.execute(
        "INSERT INTO invites (selector, verifier_hash, reader_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        (token.selector, hash_verifier(token.verifier), reader_id, _iso(now), _iso(now + ttl)),
    )
    return token


def _end_access(conn: sqlite3.Connection, reader_id: int, now: datetime) -> int:
    """Void the reader's unused invites and delete their sessions; returns the number of sessions ended."""
    conn.execute("UPDATE invites SET used_at = ? WHERE reader_id = ? AND used_at IS NULL", (_iso(now), reader_id))
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
        return _insert_invite(conn, reader_id, now=now, ttl=invite_ttl)


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
        (token.selector, hash_verifier(token.verifier), kind, reader_id, new_csrf_token(), _iso(now), _iso(now + ttl)),
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
        if row["expires_at"] <= _iso(now):
            raise InviteError("expired")
        if not consume:
            return int(row["reader_id"]), None
        conn.execute("UPDATE invites SET used_at = ? WHERE selector = ?", (_iso(now), token.selector))
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
    if row["kind"] != kind or row["expires_at"] <= _iso(utc_now()):
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


def count_answered(conn: sqlite3.Connection, reader_id: int) -> int:
    """How many of the reader's slots have a final answer."""
    return int(conn.execute("SELECT count(*) FROM ratings WHERE reader_id = ?", (reader_id,)).fetchone()[0])


def _due_row(conn: sqlite3.Connection, reader_id: int) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT a.position, a.item_id, a.repeat, a.showing_id, a.served_at FROM assignments AS a "
        "LEFT JOIN ratings AS r ON r.reader_id = a.reader_id AND r.item_id = a.item_id AND r.repeat = a.repeat "
        "WHERE a.reader_id = ? AND r.rating_id IS NULL ORDER BY a.position LIMIT 1",
        (reader_id,),
    ).fetchone()


def next_assignment(conn: sqlite3.Connection, reader_id: int) -> Assignment | None:
    """The reader's slot that is due (the first unanswered one in their own order), or ``None`` when finished."""
    total = int(conn.execute("SELECT count(*) FROM assignments WHERE reader_id = ?", (reader_id,)).fetchone()[0])
    row = _due_row(conn, reader_id)
    return None if row is None else Assignment(row["position"], row["item_id"], row["repeat"], total,
                                               row["showing_id"])


def serve_showing(conn: sqlite3.Connection, reader_id: int, showing_id: str) -> str | None:
    """The item id behind ``showing_id`` if it is the reader's due slot, else ``None``.

    The first call for a showing stores the time (``served_at``), from which
    :func:`record_rating` measures the time on the image.  Later calls (a
    reload) keep the first time.
    """
    with transaction(conn):
        row = _due_row(conn, reader_id)
        if row is None or row["showing_id"] != showing_id:
            return None
        if row["served_at"] is None:
            conn.execute("UPDATE assignments SET served_at = ? WHERE reader_id = ? AND position = ?",
                         (_iso(utc_now()), reader_id, row["position"]))
        return str(row["item_id"])


def record_rating(
    conn: sqlite3.Connection,
    reader_id: int,
    position: int,
    *,
    answer: str,
    confidence: int,
    realism: int,
    note: str = "",
) -> None:
    """Store one final answer for the slot that is due, in a single transaction.

    The answer's ``time_on_image_s`` is the time since the slot's image was
    first served (:func:`serve_showing`).

    Raises
    ------
    LookupError
        If the reader has no slot at ``position``.
    DuplicateRating
        If that slot was already answered (the ``UNIQUE`` constraint fired).
    OutOfSequence
        ``"not_due"`` if another slot is due, ``"not_shown"`` if its image was never served.
    sqlite3.IntegrityError
        If a value breaks a ``CHECK`` constraint (the web layer validates first).
    """
    with transaction(conn):
        slot = conn.execute(
            "SELECT item_id, repeat, served_at FROM assignments WHERE reader_id = ? AND position = ?",
            (reader_id, position),
        ).fetchone()
        if slot is None:
            raise LookupError(f"reader {reader_id} has no item at position {position}.")
        due = _due_row(conn, reader_id)
        if due is None or due["position"] != position:  # answered already, or not yet due
            answered = conn.execute("SELECT 1 FROM ratings WHERE reader_id = ? AND item_id = ? AND repeat = ?",
                                    (reader_id, slot["item_id"], slot["repeat"])).fetchone()
            if answered:
                raise DuplicateRating(f"reader {reader_id} already answered position {position}.")
            raise OutOfSequence("not_due")
        if slot["served_at"] is None:
            raise OutOfSequence("not_shown")
        now = utc_now()
        seconds = max(0.0, (now - datetime.fromisoformat(slot["served_at"])).total_seconds())
        try:
            conn.execute(
                "INSERT INTO ratings (reader_id, item_id, repeat, answer, confidence, realism, note, answered_at, "
                "time_on_image_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (reader_id, slot["item_id"], slot["repeat"], answer, confidence, realism, note, _iso(now), seconds),
            )
        except sqlite3.IntegrityError as error:
            if "UNIQUE" in str(error):
                raise DuplicateRating(f"reader {reader_id} already answered position {position}.") from error
            raise


def progress(conn: sqlite3.Connection) -> pd.DataFrame:
    """Per reader: ``reader, answered, total, last_answer_at, invite`` (no labels, no accuracy)."""
    query = """
        SELECT r.name AS reader,
               (SELECT count(*) FROM ratings AS x WHERE x.reader_id = r.reader_id) AS answered,
               (SELECT count(*) FROM assignments AS a WHERE a.reader_id = r.reader_id) AS total,
               (SELECT max(answered_at) FROM ratings AS x WHERE x.reader_id = r.reader_id) AS last_answer_at,
               CASE WHEN EXISTS (SELECT 1 FROM sessions AS s WHERE s.reader_id = r.reader_id)
                    THEN 'accepted' ELSE 'pending' END AS invite
        FROM readers AS r ORDER BY r.name
    """
    return pd.DataFrame([dict(row) for row in conn.execute(query)],
                        columns=["reader", "answered", "total", "last_answer_at", "invite"])


def export_ratings(conn: sqlite3.Connection) -> pd.DataFrame:
    """Every answer joined with the answer key, columns :data:`EXPORT_COLUMNS`.

    ``correct`` is 1 when ``answer == label``; ``simulated`` is 0 for answers
    given through the web application (simulated demo exports set it to 1).
    """
    query = """
        SELECT r.name AS reader, x.reader_id, x.item_id, x.repeat, a.position, i.label, x.answer,
               CAST(x.answer = i.label AS INTEGER) AS correct, x.confidence, x.realism, x.note,
               x.answered_at, x.time_on_image_s, i.source, 0 AS simulated
        FROM ratings AS x
        JOIN readers AS r ON r.reader_id = x.reader_id
        JOIN items AS i ON i.item_id = x.item_id
        JOIN assignments AS a ON a.reader_id = x.reader_id AND a.item_id = x.item_id AND a.repeat = x.repeat
        ORDER BY r.name, a.position
    """
    return pd.DataFrame([dict(row) for row in conn.execute(query)], columns=list(EXPORT_COLUMNS))


_TEXT_COLUMNS = ("reader", "note")


def _guard_formula(value: object) -> object:
    # A cell starting with = + - @ is run as a formula by spreadsheet programs (CSV injection); quote it.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv_text(df: pd.DataFrame) -> str:
    """CSV text of an export, with free-text cells guarded against spreadsheet formula injection."""
    safe = df.copy()
    for column in _TEXT_COLUMNS:
        if column in safe.columns:
            safe[column] = safe[column].map(_guard_formula)
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False)
    return buffer.getvalue()


def write_export(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write an export CSV atomically (see :func:`to_csv_text`) and return its path."""
    return atomic_write_text(path, to_csv_text(df))
