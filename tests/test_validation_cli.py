"""The reader-study command line: create-study, add-reader, export, demo."""

from __future__ import annotations

import re
import types

import numpy as np
import pandas as pd
import pytest

from gan_lib.validation import db
from gan_lib.validation import study as study_module
from gan_lib.validation.__main__ import main
from gan_lib.validation.analysis import load_export
from gan_lib.validation.security import parse_split_token


class _Run:
    def dataset(self):
        return types.SimpleNamespace(
            images=lambda split: np.zeros((6, 8, 8), np.float32) if split == "test" else np.zeros((0, 8, 8), np.float32)
        )

    def generate(self, n, seed=0):
        return np.random.default_rng(seed).uniform(-1, 1, (n, 8, 8)).astype(np.float32)


@pytest.fixture()
def study_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(study_module, "load_run", lambda path: _Run())
    main(["create-study", "--run", str(tmp_path / "run"), "--n-real", "4", "--n-generated", "4", "--repeats", "2"])
    out = capsys.readouterr().out
    assert "ADMIN SECRET" in out and "4 real + 4 generated" in out
    return tmp_path / "run" / "study"


def test_add_reader_prints_a_one_time_invite_link(study_dir, capsys):
    main(["add-reader", "Dr A", "--study", str(study_dir), "--base-url", "http://127.0.0.1:8123/"])
    link = re.search(r"http://127\.0\.0\.1:8123/invite/(\S+)", capsys.readouterr().out)
    assert link is not None
    conn = db.connect(study_dir / "ratings.sqlite")
    try:
        from gan_lib.validation.security import parse_split_token

        reader_id, _ = db.redeem_invite(conn, parse_split_token(link.group(1)), consume=False)
        assert conn.execute("SELECT name FROM readers WHERE reader_id = ?", (reader_id,)).fetchone()[0] == "Dr A"
    finally:
        conn.close()


def test_add_reader_twice_explains_new_invite(study_dir):
    main(["add-reader", "Dr A", "--study", str(study_dir)])
    with pytest.raises(SystemExit, match="--new-invite"):
        main(["add-reader", "Dr A", "--study", str(study_dir)])
    main(["add-reader", "Dr A", "--study", str(study_dir), "--new-invite"])


def test_revoke_reader_ends_sessions_and_names_the_way_back(study_dir, capsys):
    main(["add-reader", "Dr A", "--study", str(study_dir)])
    token = capsys.readouterr().out.split("/invite/")[1].split()[0]
    conn = db.connect(study_dir / "ratings.sqlite")
    try:
        _, session = db.redeem_invite(conn, parse_split_token(token))
    finally:
        conn.close()
    main(["revoke-reader", "Dr A", "--study", str(study_dir)])
    out = capsys.readouterr().out
    assert "1 session(s) ended" in out and "--new-invite" in out
    conn = db.connect(study_dir / "ratings.sqlite")
    try:
        assert db.find_session(conn, session, kind="reader") is None
    finally:
        conn.close()
    with pytest.raises(SystemExit, match="no reader named"):
        main(["revoke-reader", "Dr Nobody", "--study", str(study_dir)])


def test_export_writes_answers_with_the_key(study_dir, tmp_path, capsys):
    conn = db.connect(study_dir / "ratings.sqlite")
    try:
        reader_id, _ = db.add_reader(conn, "Dr A")
        db.serve_showing(conn, reader_id, db.next_assignment(conn, reader_id).showing_id)
        db.record_rating(conn, reader_id, 0, answer="synthetic", confidence=4, realism=2, note="-bad")
    finally:
        conn.close()
    main(["export", "--study", str(study_dir), "--out", str(tmp_path / "export.csv")])
    assert "1 answers from 1 reader" in capsys.readouterr().out
    table = load_export(tmp_path / "export.csv")
    assert len(table) == 1 and table["label"].iloc[0] in ("real", "synthetic") and table["note"].iloc[0] == "'-bad"


def test_demo_on_a_study_writes_a_simulated_export(study_dir, tmp_path, capsys):
    main(["demo", "--study", str(study_dir), "--out", str(tmp_path / "demo.csv"), "--readers", "2"])
    assert "SIMULATED" in capsys.readouterr().out
    table = pd.read_csv(tmp_path / "demo.csv")
    assert (table["simulated"] == 1).all() and len(table) == 2 * (8 + 2)


def test_commands_need_a_study_or_db(capsys):
    with pytest.raises(SystemExit, match="--study"):
        main(["export", "--out", "x.csv"])


def test_create_study_reports_a_bad_run_in_one_line(tmp_path, monkeypatch):
    def load_run(path):
        raise FileNotFoundError(f"load_run: {path} is not a trained run")

    monkeypatch.setattr(study_module, "load_run", load_run)
    with pytest.raises(SystemExit, match="error: load_run: .* is not a trained run"):
        main(["create-study", "--run", str(tmp_path / "missing")])


def test_invite_filter_redacts_the_token_of_an_access_log_record():
    import logging

    from gan_lib.validation.security import RedactInviteTokens

    token = "0123456789abcdef." + "A" * 43
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/invite/{token}", "1.1", 200),
        None,
    )
    assert RedactInviteTokens().filter(record)
    assert token not in record.getMessage() and "/invite/[redacted]" in record.getMessage()


@pytest.mark.slow  # starts the server process and waits for it (~12 s)
def test_served_study_keeps_every_secret_out_of_its_log(tmp_path):
    import httpx
    from validation_support import hidden_fields, image_url, make_study, running_server

    from gan_lib.validation.app import READER_COOKIE

    study = make_study(tmp_path, n_real=3, n_generated=3, repeats=0)
    conn = db.connect(study.db_path)
    try:
        _, invite = db.add_reader(conn, "Dr A")
        _, unused = db.add_reader(conn, "Dr B")
    finally:
        conn.close()
    log_path = tmp_path / "serve.log"
    with running_server(study, log_level="info", log_path=log_path) as base, httpx.Client(base_url=base) as client:
        assert client.get(f"/invite/{invite}").status_code == 200
        assert client.get(f"/invite/{unused}").status_code == 200
        assert client.post("/invite", data={"token": str(invite)}).status_code == 303
        session = client.cookies[READER_COOKIE]
        page = client.get("/rate").text
        client.get(image_url(page))
        client.post("/rate", data={**hidden_fields(page), "answer": "real", "confidence": "3", "realism": "3"})
        client.post("/admin/login", data={"secret": study.admin_secret})
    log = log_path.read_text()
    assert "/invite/[redacted]" in log and '"GET /rate HTTP/1.1" 200' in log  # the access log was on
    for secret in (
        invite.verifier,
        unused.verifier,
        invite.selector,
        unused.selector,
        session.split(".")[1],
        study.admin_secret,
    ):
        assert secret not in log
