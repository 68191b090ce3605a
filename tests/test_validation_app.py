"""HTTP behaviour of the reader-study app, through FastAPI's TestClient."""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from validation_support import (
    answer,
    app_for,
    copy_study,
    hidden_fields,
    image_url,
    make_study,
    shown_fields,
    signed_in,
)

from gan_lib.validation import db
from gan_lib.validation.app import ADMIN_COOKIE, READER_COOKIE
from gan_lib.validation.db._access import insert_invite


@pytest.fixture(scope="module")
def template_study(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("template"))


@pytest.fixture()
def study(template_study, tmp_path):
    return copy_study(template_study, tmp_path)


@pytest.fixture()
def app(study):
    return app_for(study)


@pytest.fixture()
def conn(study):
    connection = db.connect(study.db_path)
    yield connection
    connection.close()


def _ratings(conn) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT * FROM ratings ORDER BY rating_id")]


def test_health_returns_ok(app):
    response = TestClient(app).get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


#: Every route of gan_lib.validation.app's docstring, with a path its handler answers without a session.
_ROUTES = [
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/invite/x"),
    ("POST", "/invite"),
    ("GET", "/rate"),
    ("POST", "/rate"),
    ("GET", "/image/" + "0" * 32),
    ("POST", "/signout"),
    ("GET", "/admin/login"),
    ("POST", "/admin/login"),
    ("GET", "/admin"),
    ("GET", "/admin/export.csv"),
    ("POST", "/admin/logout"),
    ("GET", "/static/style.css"),
    ("GET", "/static/viewer.js"),
]
_NO_ROUTE = ('{"detail":"Not Found"}', '{"detail":"Method Not Allowed"}')  # the router's own answers


def test_an_unknown_route_gets_the_routers_answer(app):
    assert TestClient(app).get("/nope").text == _NO_ROUTE[0]
    assert TestClient(app).get("/signout").text == _NO_ROUTE[1]


@pytest.mark.parametrize("method,path", _ROUTES)
def test_every_route_reaches_its_handler(app, method, path):
    """A router or mount left out of create_app would answer with the router's 404/405."""
    response = TestClient(app).request(method, path, follow_redirects=False)
    assert response.text not in _NO_ROUTE


def test_start_page_offers_to_continue_only_to_a_signed_in_reader(app, study):
    assert 'href="/rate"' not in TestClient(app).get("/").text
    assert 'href="/rate"' in signed_in(app, study, "Dr A").get("/").text


def test_admin_login_page_posts_the_secret(app):
    response = TestClient(app).get("/admin/login")
    assert response.status_code == 200
    assert 'action="/admin/login"' in response.text and 'name="secret"' in response.text


def test_invite_page_does_not_consume_the_invite(app, conn):
    _, token = db.add_reader(conn, "Dr A")
    client = TestClient(app)
    assert client.get(f"/invite/{token}").status_code == 200
    assert client.get(f"/invite/{token}").status_code == 200  # link previewers must not burn it
    assert "Dr A" in client.get(f"/invite/{token}").text


def test_invite_exchange_sets_httponly_samesite_strict_cookie(app, conn):
    _, token = db.add_reader(conn, "Dr A")
    response = TestClient(app).post("/invite", data={"token": str(token)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/rate"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{READER_COOKIE}=")
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert str(token) not in cookie  # the session is a new secret, not the invite


def test_invite_cannot_be_used_twice(app, conn):
    _, token = db.add_reader(conn, "Dr A")
    assert TestClient(app).post("/invite", data={"token": str(token)}, follow_redirects=False).status_code == 303
    second = TestClient(app).post("/invite", data={"token": str(token)}, follow_redirects=False)
    assert second.status_code == 410
    assert READER_COOKIE not in second.headers.get("set-cookie", "")
    assert TestClient(app).get(f"/invite/{token}").status_code == 410


@pytest.mark.parametrize("bad", ["0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "garbage", "a" * 90])
def test_invite_with_wrong_token_is_rejected(app, conn, bad):
    db.add_reader(conn, "Dr A")
    client = TestClient(app)
    assert client.get(f"/invite/{bad}").status_code == 404
    assert client.post("/invite", data={"token": bad[:100]}, follow_redirects=False).status_code == 404


def test_invite_with_right_selector_but_wrong_verifier_is_rejected(app, conn):
    _, token = db.add_reader(conn, "Dr A")
    forged = f"{token.selector}.{'B' * 43}"
    assert TestClient(app).post("/invite", data={"token": forged}, follow_redirects=False).status_code == 404


def test_expired_invite_is_rejected(app, conn):
    _, token = db.add_reader(conn, "Dr A", invite_ttl=timedelta(seconds=-1))
    response = TestClient(app).post("/invite", data={"token": str(token)}, follow_redirects=False)
    assert response.status_code == 410 and "expired" in response.text


def test_rate_requires_a_session(app):
    client = TestClient(app)
    assert client.get("/rate").status_code == 401
    client.cookies.set(READER_COOKIE, "0123456789abcdef." + "A" * 43)
    assert client.get("/rate").status_code == 401


def test_rating_is_stored_and_next_item_shown(app, study, conn):
    client = signed_in(app, study, "Dr A")
    first = hidden_fields(client.get("/rate").text)["position"]
    response = answer(client, answer="synthetic", confidence=4, realism=2, note="grid artifact")
    assert response.status_code == 303 and response.headers["location"] == "/rate"
    rows = _ratings(conn)
    assert len(rows) == 1
    assert (rows[0]["answer"], rows[0]["confidence"], rows[0]["realism"], rows[0]["note"]) == (
        "synthetic",
        4,
        2,
        "grid artifact",
    )
    assert hidden_fields(client.get("/rate").text)["position"] != first


def test_resume_in_new_client_continues_after_last_answer(app, study, conn):
    client = signed_in(app, study, "Dr A")
    for _ in range(3):
        assert answer(client).status_code == 303
    resumed = TestClient(app)
    resumed.cookies.set(READER_COOKIE, client.cookies[READER_COOKIE])
    page = resumed.get("/rate").text
    assert "Image 4 of" in page
    reader_id = conn.execute("SELECT reader_id FROM readers").fetchone()[0]
    assert int(hidden_fields(page)["position"]) == db.next_assignment(conn, reader_id).position == 3


def test_duplicate_answer_returns_409_and_keeps_the_first(app, study, conn):
    client = signed_in(app, study, "Dr A")
    fields = shown_fields(client)
    data = {**fields, "answer": "real", "confidence": "5", "realism": "5", "note": ""}
    assert client.post("/rate", data=data, follow_redirects=False).status_code == 303
    again = client.post("/rate", data={**data, "answer": "synthetic"}, follow_redirects=False)
    assert again.status_code == 409 and "Already answered" in again.text
    rows = _ratings(conn)
    assert len(rows) == 1 and rows[0]["answer"] == "real"


@pytest.mark.parametrize("missing", ["answer", "confidence", "realism", "position", "csrf_token"])
def test_missing_field_returns_422_and_stores_nothing(app, study, conn, missing):
    client = signed_in(app, study, "Dr A")
    fields = hidden_fields(client.get("/rate").text)
    data = {**fields, "answer": "real", "confidence": "3", "realism": "3"}
    del data[missing]
    response = client.post("/rate", data=data, follow_redirects=False)
    assert response.status_code == 422 and missing in response.text
    assert _ratings(conn) == []


@pytest.mark.parametrize(
    "field,value",
    [
        ("answer", "maybe"),
        ("confidence", "0"),
        ("confidence", "6"),
        ("confidence", "three"),
        ("realism", "-1"),
        ("realism", "2.5"),
        ("note", "x" * (db.NOTE_MAX_CHARS + 1)),
        ("position", "-3"),
        ("unexpected", "1"),
    ],
)
def test_bad_field_value_returns_422_and_stores_nothing(app, study, conn, field, value):
    client = signed_in(app, study, "Dr A")
    fields = hidden_fields(client.get("/rate").text)
    data = {**fields, "answer": "real", "confidence": "3", "realism": "3", field: value}
    assert client.post("/rate", data=data, follow_redirects=False).status_code == 422
    assert _ratings(conn) == []


def test_wrong_csrf_token_returns_403(app, study, conn):
    client = signed_in(app, study, "Dr A")
    fields = hidden_fields(client.get("/rate").text)
    data = {**fields, "csrf_token": "forged", "answer": "real", "confidence": "3", "realism": "3"}
    assert client.post("/rate", data=data, follow_redirects=False).status_code == 403
    assert _ratings(conn) == []


def test_csrf_token_of_another_reader_is_refused(app, study, conn):
    alice, bob = signed_in(app, study, "Dr A"), signed_in(app, study, "Dr B")
    bob_token = hidden_fields(bob.get("/rate").text)["csrf_token"]
    fields = hidden_fields(alice.get("/rate").text)
    data = {**fields, "csrf_token": bob_token, "answer": "real", "confidence": "3", "realism": "3"}
    assert alice.post("/rate", data=data, follow_redirects=False).status_code == 403


def test_position_outside_the_sequence_returns_404(app, study, conn):
    client = signed_in(app, study, "Dr A")
    response = answer(client, position="9999")
    assert response.status_code == 404 and _ratings(conn) == []


def _reader_id(conn, name: str = "Dr A") -> int:
    return conn.execute("SELECT reader_id FROM readers WHERE name = ?", (name,)).fetchone()[0]


def test_only_the_position_shown_can_be_answered(app, study, conn):
    client = signed_in(app, study, "Dr A")
    fields = shown_fields(client)
    ahead = str(int(fields["position"]) + 5)
    response = client.post(
        "/rate",
        data={**fields, "position": ahead, "answer": "real", "confidence": "3", "realism": "3"},
        follow_redirects=False,
    )
    assert response.status_code == 409 and "not for the image shown" in response.text
    assert _ratings(conn) == []
    page = client.get("/rate").text
    assert "Image 1 of" in page and hidden_fields(page)["position"] == fields["position"]
    assert answer(client).status_code == 303  # the image shown can still be answered


def test_an_answer_needs_its_image_served_first(app, study, conn):
    client = signed_in(app, study, "Dr A")
    fields = hidden_fields(client.get("/rate").text)  # the page only, as a script would
    response = client.post(
        "/rate", data={**fields, "answer": "real", "confidence": "3", "realism": "3"}, follow_redirects=False
    )
    assert response.status_code == 409 and "not loaded" in response.text and _ratings(conn) == []


def test_time_on_image_runs_from_serving_the_image_to_the_answer(app, study, conn):
    client = signed_in(app, study, "Dr A")
    page = client.get("/rate").text
    started = db.utc_now()
    client.get(image_url(page))
    client.get(image_url(page))  # a reload keeps the first serving time
    time.sleep(0.3)
    fields = hidden_fields(page)
    client.post("/rate", data={**fields, "answer": "real", "confidence": "3", "realism": "3"})
    elapsed = (db.utc_now() - started).total_seconds()
    seconds = _ratings(conn)[0]["time_on_image_s"]
    assert 0.3 <= seconds <= elapsed
    export = db.export_ratings(conn)
    assert export["time_on_image_s"].tolist() == [seconds]


def test_only_the_due_showing_is_served(app, study, conn):
    client = signed_in(app, study, "Dr A")
    due = shown_fields(client)["position"]
    others = [
        row["showing_id"]
        for row in conn.execute(
            "SELECT showing_id FROM assignments WHERE reader_id = ? AND position != ?", (_reader_id(conn), int(due))
        )
    ]
    assert others and all(client.get(f"/image/{showing}").status_code == 404 for showing in others)


def test_every_showing_has_its_own_url_with_the_same_bytes(app, study, conn):
    client = signed_in(app, study, "Dr A")
    reader = _reader_id(conn)
    repeated = conn.execute(
        "SELECT item_id FROM assignments WHERE reader_id = ? AND repeat = 1 LIMIT 1", (reader,)
    ).fetchone()["item_id"]
    showings: dict[int, tuple[str, bytes]] = {}
    for _ in range(study.n_real + study.n_generated + study.n_repeat_items):
        page = client.get("/rate").text
        slot = db.next_assignment(conn, reader)
        response = client.get(image_url(page))
        if slot.item_id == repeated:
            showings[slot.repeat] = (image_url(page), response.content)
            assert response.headers["cache-control"] == "private, no-store"
        assert answer(client).status_code == 303
    (first_url, first_bytes), (second_url, second_bytes) = showings[0], showings[1]
    assert first_url != second_url and first_bytes == second_bytes
    assert repeated not in first_url + second_url  # the URL never names the item


def test_sign_out_ends_the_session_and_keeps_the_answers(app, study, conn):
    client = signed_in(app, study, "Dr A")
    assert answer(client).status_code == 303
    page = client.get("/rate").text
    cookie = client.cookies[READER_COOKIE]
    assert 'action="/signout"' in page
    assert client.post("/signout", data={"csrf_token": "forged"}).status_code == 403
    response = client.post("/signout", data={"csrf_token": hidden_fields(page)["csrf_token"]})
    assert response.status_code == 200 and "Signed out" in response.text
    stale = TestClient(app)
    stale.cookies.set(READER_COOKIE, cookie)
    assert stale.get("/rate").status_code == 401
    assert len(_ratings(conn)) == 1


def test_a_new_invite_ends_the_readers_other_sessions(app, study, conn):
    first = signed_in(app, study, "Dr A")
    token = db.new_invite(conn, "Dr A")
    assert first.get("/rate").status_code == 401
    second = TestClient(app)
    assert second.post("/invite", data={"token": str(token)}, follow_redirects=False).status_code == 303
    assert second.get("/rate").status_code == 200


def test_revoke_reader_ends_every_session_and_voids_unused_invites(app, study, conn):
    browsers = [signed_in(app, study, "Dr A")]
    reader = _reader_id(conn)
    for _ in range(2):  # a second browser on a second invite exchanged before the revocation
        token = insert_invite(conn, reader, now=db.utc_now(), ttl=timedelta(days=1))
        browsers.append(TestClient(app))
        browsers[-1].post("/invite", data={"token": str(token)})
    unused = insert_invite(conn, reader, now=db.utc_now(), ttl=timedelta(days=1))
    assert db.revoke_reader(conn, "Dr A") == 3
    assert all(browser.get("/rate").status_code == 401 for browser in browsers)
    assert TestClient(app).post("/invite", data={"token": str(unused)}).status_code == 410
    with pytest.raises(ValueError, match="no reader named"):
        db.revoke_reader(conn, "Dr Nobody")


def test_a_study_database_of_the_previous_schema_is_upgraded_and_keeps_its_answers(study):
    conn = db.connect(study.db_path)
    _, token = db.add_reader(conn, "Dr A")
    client = TestClient(app_for(study))
    client.post("/invite", data={"token": str(token)})
    assert answer(client).status_code == 303
    conn.executescript(
        "DROP INDEX assignments_showing; ALTER TABLE assignments DROP COLUMN showing_id; "
        "ALTER TABLE assignments DROP COLUMN served_at; "
        "ALTER TABLE ratings DROP COLUMN time_on_image_s;"
    )
    conn.close()
    upgraded = TestClient(app_for(study))  # create_app upgrades the schema
    upgraded.cookies.set(READER_COOKIE, client.cookies[READER_COOKIE])
    assert "Image 2 of" in upgraded.get("/rate").text
    assert answer(upgraded).status_code == 303
    conn = db.connect(study.db_path)
    try:
        assert conn.execute("SELECT count(*) FROM assignments WHERE showing_id IS NULL").fetchone()[0] == 0
        times = [
            row["time_on_image_s"] for row in conn.execute("SELECT time_on_image_s FROM ratings ORDER BY rating_id")
        ]
    finally:
        conn.close()
    assert times[0] is None and times[1] >= 0


def test_oversized_body_returns_413(app, study, conn):
    client = signed_in(app, study, "Dr A")
    fields = hidden_fields(client.get("/rate").text)
    data = {**fields, "answer": "real", "confidence": "3", "realism": "3", "note": "x" * 40_000}
    assert client.post("/rate", data=data).status_code == 413
    chunks = (b"note=" + b"x" * 8192 for _ in range(4))  # no Content-Length: counted while streaming
    response = client.post("/rate", content=chunks, headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert _ratings(conn) == []


def test_image_requires_a_reader_session(app, study):
    client = signed_in(app, study, "Dr A")
    url = image_url(client.get("/rate").text)
    assert client.get(url).status_code == 200
    assert TestClient(app).get(url).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/image/../ratings.sqlite",
        "/image/..%2Fratings.sqlite",
        "/image/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/image/" + "0" * 32,
        "/image/ratings",
        "/image/" + "A" * 32,
    ],
)
def test_image_route_refuses_unknown_ids_and_traversal(app, study, path):
    client = signed_in(app, study, "Dr A")
    response = client.get(path)
    assert response.status_code == 404
    assert b"SQLite" not in response.content


def test_image_served_as_png_without_validators(app, study):
    client = signed_in(app, study, "Dr A")
    response = client.get(image_url(client.get("/rate").text))
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert "last-modified" not in response.headers and "etag" not in response.headers


def test_pages_carry_security_headers(app, study):
    client = signed_in(app, study, "Dr A")
    headers = client.get("/rate").headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"


def test_finished_reader_sees_thank_you_page(app, study, conn):
    client = signed_in(app, study, "Dr A")
    total = study.n_real + study.n_generated + study.n_repeat_items
    for _ in range(total):
        assert answer(client).status_code == 303
    page = client.get("/rate")
    assert page.status_code == 200 and "Thank you" in page.text and f"all {total} images" in page.text
    assert len(_ratings(conn)) == total


def test_admin_pages_require_admin_session(app, study):
    reader = signed_in(app, study, "Dr A")
    for client in (TestClient(app), reader):
        assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/login"
        assert client.get("/admin/export.csv").status_code == 401


def test_admin_login_with_wrong_secret_is_refused(app):
    response = TestClient(app).post("/admin/login", data={"secret": "wrong"}, follow_redirects=False)
    assert response.status_code == 403 and ADMIN_COOKIE not in response.headers.get("set-cookie", "")


def test_reader_cookie_value_is_not_an_admin_session(app, study):
    reader = signed_in(app, study, "Dr A")
    admin = TestClient(app)
    admin.cookies.set(ADMIN_COOKIE, reader.cookies[READER_COOKIE])
    assert admin.get("/admin/export.csv").status_code == 401


def _admin(app, study) -> TestClient:
    client = TestClient(app)
    response = client.post("/admin/login", data={"secret": study.admin_secret}, follow_redirects=False)
    assert response.status_code == 303
    return client


def test_admin_sees_progress_per_reader(app, study):
    alice, _ = signed_in(app, study, "Dr A"), signed_in(app, study, "Dr B")
    answer(alice)
    answer(alice)
    page = _admin(app, study).get("/admin").text
    total = study.n_real + study.n_generated + study.n_repeat_items
    assert re.search(rf"Dr A</td><td>accepted</td><td>2</td><td>{total}</td>", page)
    assert re.search(rf"Dr B</td><td>accepted</td><td>0</td><td>{total}</td>", page)


def test_admin_export_holds_every_answer_with_the_key(app, study, conn):
    alice = signed_in(app, study, "Dr A")
    answer(alice, answer="synthetic", confidence=5, realism=1, note="=HYPERLINK(1)")
    answer(alice, answer="real", confidence=2, realism=4)
    response = _admin(app, study).get("/admin/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(response.text), keep_default_na=False)
    assert len(table) == 2 and list(table["reader"]) == ["Dr A", "Dr A"]
    assert list(table["answer"]) == ["synthetic", "real"]
    labels = dict(conn.execute("SELECT item_id, label FROM items").fetchall())
    assert list(table["label"]) == [labels[i] for i in table["item_id"]]
    assert list(table["correct"]) == [int(a == lab) for a, lab in zip(table["answer"], table["label"])]
    assert table["note"].iloc[0] == "'=HYPERLINK(1)"  # spreadsheet formula injection neutralised


def test_admin_logout_needs_csrf_and_ends_the_server_session(app, study):
    admin = _admin(app, study)
    cookie = admin.cookies[ADMIN_COOKIE]
    assert admin.post("/admin/logout", data={"csrf_token": "forged"}).status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/admin").text).group(1)
    assert admin.post("/admin/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    replay = TestClient(app)
    replay.cookies.set(ADMIN_COOKIE, cookie, path="/admin")
    assert replay.get("/admin/export.csv").status_code == 401


def test_unexpected_host_header_is_refused(study):
    from gan_lib.validation.app import create_app

    app = create_app(study.root, study.db_path, allowed_hosts=["127.0.0.1", "localhost"])
    assert TestClient(app, base_url="http://127.0.0.1:8000").get("/health").status_code == 200
    assert TestClient(app, base_url="http://rebound.example").get("/health").status_code == 400


def test_expired_reader_session_is_rejected(app, conn):
    _, invite = db.add_reader(conn, "Dr A")
    _, session = db.redeem_invite(conn, invite, session_ttl=timedelta(seconds=-1))
    client = TestClient(app)
    client.cookies.set(READER_COOKIE, str(session))
    assert client.get("/rate").status_code == 401
