"""Each reader's own order of images, and their answers, which follow that order strictly.

Each slot of a reader's sequence (a *showing*) has its own random
``showing_id``: the image URL of that showing, so a repeated item comes under
a new address.  Only the slot that is due (the reader's first unanswered one)
can be viewed or answered; the first time its image is served is stored, and
the answer stores the seconds from then (``time_on_image_s``).  One final
answer per reader, item and showing is enforced by the
``UNIQUE (reader_id, item_id, repeat)`` constraint of ``ratings``, not by
application code.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from gan_lib.validation.db._connection import iso, transaction, utc_now

__all__ = [
    "Assignment",
    "DuplicateRating",
    "OutOfSequence",
    "reader_sequence",
    "next_assignment",
    "count_answered",
    "serve_showing",
    "record_rating",
]


class DuplicateRating(Exception):
    """The reader already gave a final answer for this item (and showing)."""


class OutOfSequence(Exception):
    """An answer for a slot that is not the one due, or for an image that was never served; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "not_due" or "not_shown"


@dataclass(frozen=True)
class Assignment:
    """One slot of a reader's randomised sequence."""

    position: int  # 0-based place in the reader's sequence
    item_id: str
    repeat: int  # 0 = first showing, 1 = repeat showing (intra-reader consistency)
    total: int  # length of the reader's sequence
    showing_id: str  # the image URL's id for this slot (32 hex digits, random)


def reader_sequence(item_ids: Sequence[str], repeat_ids: Sequence[str], *, rng: random.Random) -> list[tuple[str, int]]:
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
    return None if row is None else Assignment(row["position"], row["item_id"], row["repeat"], total, row["showing_id"])


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
            conn.execute(
                "UPDATE assignments SET served_at = ? WHERE reader_id = ? AND position = ?",
                (iso(utc_now()), reader_id, row["position"]),
            )
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
            answered = conn.execute(
                "SELECT 1 FROM ratings WHERE reader_id = ? AND item_id = ? AND repeat = ?",
                (reader_id, slot["item_id"], slot["repeat"]),
            ).fetchone()
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
                (reader_id, slot["item_id"], slot["repeat"], answer, confidence, realism, note, iso(now), seconds),
            )
        except sqlite3.IntegrityError as error:
            if "UNIQUE" in str(error):
                raise DuplicateRating(f"reader {reader_id} already answered position {position}.") from error
            raise
