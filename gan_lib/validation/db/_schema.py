"""The tables of a study database, the upgrade of older ones, and the ``meta`` settings."""

from __future__ import annotations

import sqlite3

from gan_lib.validation.db._connection import transaction
from gan_lib.validation.security import new_item_id

__all__ = ["SCHEMA", "NOTE_MAX_CHARS", "init_schema", "get_meta", "set_meta"]

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

#: Columns added after the first released schema: table -> [(column, declaration)].  :func:`init_schema`
#: adds them to older study databases, so a study in progress keeps its answers when the code is updated.
_ADDED_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "assignments": [("showing_id", "TEXT CHECK (length(showing_id) = 32)"), ("served_at", "TEXT")],
    "ratings": [("time_on_image_s", "REAL CHECK (time_on_image_s >= 0)")],
}


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
        conn.executemany(
            "UPDATE assignments SET showing_id = ? WHERE reader_id = ? AND position = ?",
            [(new_item_id(), row["reader_id"], row["position"]) for row in missing],
        )


def get_meta(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    """A study setting stored in the ``meta`` table."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else row["value"]


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Store a study setting (call inside :func:`~gan_lib.validation.db.transaction`)."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
