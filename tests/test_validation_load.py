"""Load test on loopback: 20 readers rate 10 images each, all at the same time, against a real uvicorn.

Each reader loads their page and image and posts the answer twice at once (a
double-click), so the server sees 400 POSTs from 20 readers in parallel;
afterwards each of the 200 ratings must be in the database exactly once, with
the values of its first accepted POST.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from validation_support import hidden_fields, image_url, make_study, running_server

from gan_lib.validation import db
from gan_lib.validation.app import READER_COOKIE

pytestmark = pytest.mark.slow  # 20 concurrent clients against a real server

N_READERS, N_RATINGS = 20, 10


def test_concurrent_ratings_are_stored_exactly_once(tmp_path):
    study = make_study(tmp_path, n_real=6, n_generated=6, repeats=0)
    conn = db.connect(study.db_path)
    try:
        invites = [db.add_reader(conn, f"load reader {r:02d}")[1] for r in range(N_READERS)]
        reader_ids = [row[0] for row in conn.execute("SELECT reader_id FROM readers ORDER BY name")]
    finally:
        conn.close()

    # One client for everything (creating an httpx client costs ~0.1 s of CPU); cookies are passed explicitly
    # and the client's cookie jar is kept empty, so concurrent requests of different readers cannot mix them.
    with (
        running_server(study) as base,
        httpx.Client(base_url=base, timeout=30.0, limits=httpx.Limits(max_connections=16)) as client,
    ):
        readers = []
        for token in invites:
            response = client.post("/invite", data={"token": str(token)})
            assert response.status_code == 303
            cookie = f"{READER_COOKIE}={response.cookies[READER_COOKIE]}"
            client.cookies.clear()
            csrf = hidden_fields(client.get("/rate", headers={"cookie": cookie}).text)["csrf_token"]
            readers.append({"cookie": cookie, "csrf": csrf})

        def expected(r: int, position: int) -> dict[str, str]:
            return {
                "answer": ("real", "synthetic")[(r + position) % 2],
                "confidence": str(1 + (r + position) % 5),
                "realism": str(1 + (r * position) % 5),
                "note": f"reader {r} slot {position}",
            }

        def rate_all(r: int) -> list[tuple[int, int, int]]:
            headers = {"cookie": readers[r]["cookie"]}
            results = []
            with ThreadPoolExecutor(max_workers=2) as clicks:
                for _ in range(N_RATINGS):
                    page = client.get("/rate", headers=headers).text
                    position = int(hidden_fields(page)["position"])
                    assert client.get(image_url(page), headers=headers).status_code == 200
                    data = {"position": str(position), "csrf_token": readers[r]["csrf"], **expected(r, position)}
                    twice = clicks.map(
                        lambda _, form=data: client.post("/rate", data=form, headers=headers).status_code, (0, 1)
                    )
                    results += [(r, position, status) for status in twice]
            return results

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = [row for rows in pool.map(rate_all, range(N_READERS)) for row in rows]
        assert not client.cookies  # redirects and 409 pages set no cookies

    codes = {}
    for r, position, status in results:
        codes.setdefault((r, position), []).append(status)
    assert all(sorted(c) == [303, 409] for c in codes.values()), {
        k: v for k, v in codes.items() if sorted(v) != [303, 409]
    }

    conn = db.connect(study.db_path)
    try:
        rows = conn.execute(
            "SELECT r.reader_id, a.position, r.answer, r.confidence, r.realism, r.note "
            "FROM ratings AS r JOIN assignments AS a USING (reader_id, item_id, repeat)"
        ).fetchall()
    finally:
        conn.close()
    assert len(rows) == N_READERS * N_RATINGS
    assert len({(row["reader_id"], row["position"]) for row in rows}) == N_READERS * N_RATINGS
    for row in rows:
        r = reader_ids.index(row["reader_id"])
        want = expected(r, row["position"])
        assert (row["answer"], str(row["confidence"]), str(row["realism"]), row["note"]) == (
            want["answer"],
            want["confidence"],
            want["realism"],
            want["note"],
        )
