"""Study database: constraints, transactions, reader sequences and tokens."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest
from validation_support import copy_study, make_study

from gan_lib.validation import db
from gan_lib.validation.security import check_csrf, hash_verifier, parse_split_token, verify


@pytest.fixture(scope="module")
def template_study(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("dbtemplate"), n_real=10, n_generated=10, repeats=4)


@pytest.fixture()
def conn(template_study, tmp_path):
    connection = db.connect(copy_study(template_study, tmp_path).db_path)
    yield connection
    connection.close()


def test_connect_missing_database_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="create-study"):
        db.connect(tmp_path / "nope.sqlite")


def test_connect_uses_wal_full_sync_and_foreign_keys(conn):
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_add_reader_sequence_shows_every_item_once_and_repeats_later(conn):
    reader_id, _ = db.add_reader(conn, "Dr A")
    rows = conn.execute(
        "SELECT position, item_id, repeat FROM assignments WHERE reader_id = ? ORDER BY position", (reader_id,)
    ).fetchall()
    assert [r["position"] for r in rows] == list(range(24))
    counts = Counter(r["item_id"] for r in rows)
    repeat_items = {r[0] for r in conn.execute("SELECT item_id FROM items WHERE repeat_item = 1")}
    assert {i for i, c in counts.items() if c == 2} == repeat_items and set(counts.values()) == {1, 2}
    first = {r["item_id"]: r["position"] for r in rows if r["repeat"] == 0}
    gap = 20 // 5
    assert all(r["position"] > first[r["item_id"]] + gap for r in rows if r["repeat"] == 1)


def test_add_reader_refuses_a_taken_name(conn):
    db.add_reader(conn, "Dr A")
    with pytest.raises(ValueError, match="--new-invite"):
        db.add_reader(conn, "Dr A")
    assert conn.execute("SELECT count(*) FROM readers").fetchone()[0] == 1


def test_add_reader_stores_only_a_digest_of_the_invite(conn):
    _, token = db.add_reader(conn, "Dr A")
    row = conn.execute("SELECT * FROM invites").fetchone()
    assert row["verifier_hash"] == hash_verifier(token.verifier)
    assert token.verifier not in str(dict(row))


def test_new_invite_revokes_the_unused_old_one(conn):
    _, old = db.add_reader(conn, "Dr A")
    new = db.new_invite(conn, "Dr A")
    with pytest.raises(db.InviteError, match="used"):
        db.redeem_invite(conn, old)
    reader_id, session = db.redeem_invite(conn, new)
    assert session is not None and db.find_session(conn, session, kind="reader").reader_id == reader_id


def serve_due(conn, reader_id: int) -> db.Assignment:
    """Serve the reader's due image, as GET /image does; returns the slot."""
    slot = db.next_assignment(conn, reader_id)
    assert db.serve_showing(conn, reader_id, slot.showing_id) == slot.item_id
    return slot


def test_ratings_unique_constraint_rejects_a_second_answer(conn):
    reader_id, _ = db.add_reader(conn, "Dr A")
    slot = serve_due(conn, reader_id)
    db.record_rating(conn, reader_id, 0, answer="real", confidence=1, realism=1)
    with pytest.raises(db.DuplicateRating):
        db.record_rating(conn, reader_id, 0, answer="synthetic", confidence=5, realism=5)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):  # the constraint itself, bypassing the app
        conn.execute(
            "INSERT INTO ratings (reader_id, item_id, repeat, answer, confidence, realism, answered_at) "
            "VALUES (?, ?, ?, 'real', 3, 3, 'now')",
            (reader_id, slot.item_id, slot.repeat),
        )
    assert conn.execute("SELECT count(*) FROM ratings").fetchone()[0] == 1


@pytest.mark.parametrize(
    "field,value", [("confidence", 0), ("realism", 6), ("answer", "maybe"), ("note", "x" * (db.NOTE_MAX_CHARS + 1))]
)
def test_record_rating_check_constraints_roll_back(conn, field, value):
    reader_id, _ = db.add_reader(conn, "Dr A")
    values = {"answer": "real", "confidence": 3, "realism": 3, "note": "", field: value}
    serve_due(conn, reader_id)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.record_rating(conn, reader_id, 0, **values)
    assert conn.execute("SELECT count(*) FROM ratings").fetchone()[0] == 0
    assert not conn.in_transaction


def test_record_rating_accepts_only_the_due_slot_after_its_image_was_served(conn):
    reader_id, _ = db.add_reader(conn, "Dr A")
    with pytest.raises(db.OutOfSequence, match="not_shown"):
        db.record_rating(conn, reader_id, 0, answer="real", confidence=3, realism=3)
    serve_due(conn, reader_id)
    with pytest.raises(db.OutOfSequence, match="not_due"):
        db.record_rating(conn, reader_id, 1, answer="real", confidence=3, realism=3)
    with pytest.raises(LookupError):
        db.record_rating(conn, reader_id, 10_000, answer="real", confidence=3, realism=3)
    db.record_rating(conn, reader_id, 0, answer="real", confidence=3, realism=3)
    assert db.serve_showing(conn, reader_id, serve_due(conn, reader_id).showing_id) is not None
    assert conn.execute("SELECT count(*) FROM ratings").fetchone()[0] == 1


def test_serve_showing_refuses_every_showing_but_the_due_one(conn):
    reader_id, _ = db.add_reader(conn, "Dr A")
    other_id, _ = db.add_reader(conn, "Dr B")
    due = db.next_assignment(conn, reader_id)
    rows = conn.execute("SELECT reader_id, showing_id FROM assignments WHERE showing_id != ?", (due.showing_id,))
    assert all(db.serve_showing(conn, reader_id, row["showing_id"]) is None for row in rows)
    assert db.serve_showing(conn, other_id, due.showing_id) is None  # another reader's due showing
    assert conn.execute("SELECT count(*) FROM assignments WHERE served_at IS NOT NULL").fetchone()[0] == 0
    assert db.serve_showing(conn, reader_id, due.showing_id) == due.item_id


def test_showing_ids_are_unique_random_and_not_item_ids(conn):
    for name in ("Dr A", "Dr B"):
        db.add_reader(conn, name)
    showings = [row["showing_id"] for row in conn.execute("SELECT showing_id FROM assignments")]
    items = {row["item_id"] for row in conn.execute("SELECT item_id FROM items")}
    assert len(set(showings)) == len(showings) and not items & set(showings)
    assert all(len(showing) == 32 for showing in showings)


def test_rating_for_an_unassigned_item_violates_the_foreign_key(conn):
    reader_id, _ = db.add_reader(conn, "Dr A")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        conn.execute(
            "INSERT INTO ratings (reader_id, item_id, repeat, answer, confidence, realism, answered_at) "
            "VALUES (?, ?, 1, 'real', 3, 3, 'now')",
            (reader_id, "f" * 32),
        )


def test_transaction_rolls_back_everything_on_error(conn):
    with pytest.raises(RuntimeError):
        with db.transaction(conn):
            conn.execute("INSERT INTO readers (name, created_at) VALUES ('ghost', 'now')")
            raise RuntimeError("crash mid-way")
    assert conn.execute("SELECT count(*) FROM readers").fetchone()[0] == 0


def test_reader_session_is_not_an_admin_session(conn):
    _, invite = db.add_reader(conn, "Dr A")
    _, session = db.redeem_invite(conn, invite)
    assert db.find_session(conn, session, kind="admin") is None
    assert db.find_session(conn, session, kind="reader").reader_name == "Dr A"


def test_check_admin_secret(template_study, conn):
    assert db.check_admin_secret(conn, template_study.admin_secret)
    assert not db.check_admin_secret(conn, template_study.admin_secret[:-1] + "x")
    assert not db.check_admin_secret(conn, "")


def test_split_tokens_parse_and_verify():
    assert parse_split_token("") is None and parse_split_token("abc.def") is None
    assert parse_split_token("0123456789abcdef." + "A" * 42) is None  # verifier too short
    token = parse_split_token("0123456789abcdef." + "A" * 43)
    assert token is not None and verify(token.verifier, hash_verifier(token.verifier))
    assert not verify(token.verifier, hash_verifier("B" * 43))


def test_check_csrf_compares_exactly():
    assert check_csrf("abc", "abc")
    assert not check_csrf("abd", "abc") and not check_csrf("", "abc") and not check_csrf(None, "abc")
