"""Leak tests: nothing a reader's browser receives may reveal whether an item is real or synthetic.

Checked channels: URLs and pages, file bytes and PNG chunks, file sizes (with a
control showing that a compressing encoder *would* leak on these images),
image dimensions, file names and times, HTTP headers, and per-reader order.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image
from scipy import stats
from sklearn.metrics import roc_auc_score
from validation_support import answer, app_for, image_sets, image_url, make_study, signed_in

from gan_lib.imaging import to_uint8
from gan_lib.validation import db
from gan_lib.validation.security import ITEM_ID_PATTERN
from gan_lib.validation.study import png_chunks


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("leak"), n_real=12, n_generated=12, repeats=4)


@pytest.fixture(scope="module")
def key(study):
    conn = db.connect(study.db_path)
    try:
        return dict(conn.execute("SELECT item_id, label FROM items").fetchall())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def walk(study):
    """One reader's whole session: (page html, image response) per slot, answering as they go."""
    app = app_for(study)
    client = signed_in(app, study, "Leak reader")
    seen = []
    while True:
        page = client.get("/rate").text
        if "Thank you" in page:
            return seen
        seen.append((page, client.get(image_url(page))))
        assert answer(client).status_code == 303


def test_item_files_are_named_by_random_ids_only(study, key):
    names = sorted(p.stem for p in (study.root / "items").iterdir())
    assert names == sorted(key)
    assert all(ITEM_ID_PATTERN.fullmatch(name) for name in names)
    assert not any(word in p.name for p in study.root.rglob("*") for word in ("real", "synth", "fake"))


def test_item_files_have_identical_size_dimensions_and_mtime(study, key):
    files = sorted((study.root / "items").iterdir())
    assert len({f.stat().st_size for f in files}) == 1
    assert len({f.stat().st_mtime for f in files}) == 1
    shapes = {Image.open(f).size + (Image.open(f).mode,) for f in files}
    assert shapes == {(32, 32, "L")}


def test_png_files_hold_only_image_chunks_and_no_label_text(study):
    for path in (study.root / "items").iterdir():
        data = path.read_bytes()
        assert png_chunks(data) == ["IHDR", "IDAT", "IEND"]
        lowered = data.lower()
        assert not any(word in lowered for word in (b"real", b"synth", b"fake", b"gan", b"text"))
        assert not Image.open(io.BytesIO(data)).info  # no text/time/gamma/dpi metadata


def test_png_pixels_are_the_preprocessed_images(study):
    real, fake = image_sets(12, 12, seed=0)
    expected = {to_uint8(im).tobytes() for im in np.concatenate([real, fake])}
    decoded = {np.asarray(Image.open(p)).tobytes() for p in (study.root / "items").iterdir()}
    assert decoded == expected


def test_compressed_sizes_would_leak_but_study_sizes_do_not(study, key):
    """Control: with ordinary PNG compression these two classes separate by size; the study's files cannot."""
    real, fake = image_sets(12, 12, seed=0)

    def compressed(image):
        buffer = io.BytesIO()
        Image.fromarray(to_uint8(image)).save(buffer, format="PNG", compress_level=9)
        return len(buffer.getvalue())

    sizes = [compressed(im) for im in np.concatenate([real, fake])]
    labels = [0] * len(real) + [1] * len(fake)
    assert roc_auc_score(labels, sizes) > 0.95  # a size classifier would detect synthetic images
    ids = sorted(key)
    study_sizes = [(study.root / "items" / f"{i}.png").stat().st_size for i in ids]
    study_labels = [int(key[i] == "synthetic") for i in ids]
    assert roc_auc_score(study_labels, study_sizes) == 0.5  # all sizes equal: chance level exactly


def test_pages_differ_only_in_item_id_position_and_counter(walk, key):
    def normalise(html: str) -> str:
        html = re.sub(r"/image/[0-9a-f]{32}", "/image/ID", html)
        html = re.sub(r'name="position" value="\d+"', 'name="position" value="P"', html)
        html = re.sub(r"Image \d+ of", "Image N of", html)
        html = re.sub(r'value="\d+" max=', 'value="N" max=', html)
        return re.sub(r"Study image \d+", "Study image N", html)

    assert len({normalise(page) for page, _ in walk}) == 1
    for page, _ in walk:
        assert not re.search(r"\b(synthetic|real)\b", re.sub(r"<form.*</form>|<title>.*</title>", "", page, flags=re.S))
    showings = [re.search(r"/image/([0-9a-f]{32})", page).group(1) for page, _ in walk]
    assert len(set(showings)) == len(walk)  # every showing, repeats included, has its own URL
    assert not set(showings) & set(key)  # a random showing id, not even the opaque item id


def test_image_responses_have_identical_headers_and_length(walk):
    headers = {tuple(sorted((k, v) for k, v in response.headers.items())) for _, response in walk}
    assert len(headers) == 1
    assert {len(response.content) for _, response in walk} == {int(dict(next(iter(headers)))["content-length"])}


def test_each_reader_gets_an_independent_random_order(study, key):
    conn = db.connect(study.db_path)
    try:
        orders = []
        for r in range(20):
            reader_id, _ = db.add_reader(conn, f"order reader {r}")
            orders.append(
                [
                    row["item_id"]
                    for row in conn.execute(
                        "SELECT item_id FROM assignments WHERE reader_id = ? AND repeat = 0 ORDER BY position",
                        (reader_id,),
                    )
                ]
            )
    finally:
        conn.close()
    assert len({tuple(o) for o in orders}) == len(orders)  # no two readers share an order
    # Where synthetic items appear in the sequence carries no signal: positions of the two classes, pooled
    # over 20 readers, come from the same distribution (threshold 1e-4: a false alarm 1 run in 10 000).
    positions = {"real": [], "synthetic": []}
    for order in orders:
        for pos, item in enumerate(order):
            positions[key[item]].append(pos)
    assert stats.mannwhitneyu(positions["real"], positions["synthetic"]).pvalue > 1e-4


def test_repeat_showings_are_balanced_between_classes(study, key):
    conn = db.connect(study.db_path)
    try:
        repeats = [key[r[0]] for r in conn.execute("SELECT item_id FROM items WHERE repeat_item = 1")]
    finally:
        conn.close()
    assert sorted(repeats) == ["real", "real", "synthetic", "synthetic"]
