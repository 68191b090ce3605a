"""What the study owner reads: progress per reader (no labels) and every answer joined with the answer key."""

from __future__ import annotations

import io
import os
import sqlite3
from pathlib import Path

import pandas as pd

from gan_lib.atomic import atomic_write_text

__all__ = ["EXPORT_COLUMNS", "progress", "export_ratings", "to_csv_text", "write_export"]

#: Columns of the results export (one row per answer), in order.
EXPORT_COLUMNS = (
    "reader",
    "reader_id",
    "item_id",
    "repeat",
    "position",
    "label",
    "answer",
    "correct",
    "confidence",
    "realism",
    "note",
    "answered_at",
    "time_on_image_s",
    "source",
    "simulated",
)
_TEXT_COLUMNS = ("reader", "note")


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
    return pd.DataFrame(
        [dict(row) for row in conn.execute(query)], columns=["reader", "answered", "total", "last_answer_at", "invite"]
    )


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
