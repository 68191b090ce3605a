"""SQLite storage of a reader study: items with the answer key, readers, sessions, ratings.

The database is the *only* place that holds the answer key (``items.label``).
Every statement is parameterised; every write runs inside
:func:`transaction` (``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any
error), and the database runs in WAL mode with ``synchronous=FULL``, so a
rating acknowledged to the reader survives a crash and a crash never leaves
half of one.

- :mod:`._connection` opening a database, transactions, stored timestamps;
- :mod:`._schema`     the tables, the in-place upgrade of older studies, ``meta`` settings;
- :mod:`._access`     readers, one-time invitations, reader and admin sessions;
- :mod:`._sequence`   each reader's order of showings and the answers that follow it;
- :mod:`._export`     progress per reader and the answers joined with the key (CSV).
"""

from gan_lib.validation.db._access import (
    InviteError,
    Session,
    add_reader,
    check_admin_secret,
    create_admin_session,
    delete_session,
    find_session,
    new_invite,
    redeem_invite,
    revoke_reader,
)
from gan_lib.validation.db._connection import connect, transaction, utc_now
from gan_lib.validation.db._export import EXPORT_COLUMNS, export_ratings, progress, to_csv_text, write_export
from gan_lib.validation.db._schema import NOTE_MAX_CHARS, SCHEMA, get_meta, init_schema, set_meta
from gan_lib.validation.db._sequence import (
    Assignment,
    DuplicateRating,
    OutOfSequence,
    count_answered,
    next_assignment,
    record_rating,
    serve_showing,
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
