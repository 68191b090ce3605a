"""Opening a study database, transactions, and the one format of stored timestamps."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

__all__ = ["connect", "transaction", "utc_now", "iso"]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """``moment`` as stored: UTC ISO 8601 with microseconds, one fixed format so timestamps compare as text."""
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
