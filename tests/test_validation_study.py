"""Building a blinded study from image arrays or from a pipeline run."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from validation_support import image_sets

from gan_lib.validation import create_study, create_study_from_run, db
from gan_lib.validation import study as study_module
from gan_lib.validation.study import encode_png, png_chunks


def test_encode_png_size_depends_only_on_shape():
    rng = np.random.default_rng(0)
    sizes = {len(encode_png(rng.integers(0, 256, (16, 24)).astype(np.uint8))) for _ in range(5)}
    sizes.add(len(encode_png(np.zeros((16, 24), dtype=np.uint8))))
    assert len(sizes) == 1


def test_encode_png_rejects_float_images():
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((4, 4), dtype=np.float32))


def test_png_chunks_rejects_non_png():
    with pytest.raises(ValueError, match="signature"):
        png_chunks(b"GIF89a")


def test_create_study_rejects_mismatched_shapes(tmp_path):
    with pytest.raises(ValueError, match="same \\(H, W\\)"):
        create_study(np.zeros((2, 8, 8)), np.zeros((2, 8, 9)), tmp_path / "s", repeats=0)


def test_create_study_rejects_values_outside_model_range(tmp_path):
    with pytest.raises(ValueError, match="generated_images"):
        create_study(np.zeros((2, 8, 8)), np.full((2, 8, 8), 3.0), tmp_path / "s", repeats=0)


def test_create_study_rejects_too_many_repeats(tmp_path):
    with pytest.raises(ValueError, match="repeats"):
        create_study(np.zeros((2, 8, 8)), np.zeros((2, 8, 8)), tmp_path / "s", repeats=6)


def test_create_study_refuses_to_overwrite_a_study(tmp_path):
    real, fake = image_sets(3, 3, size=8)
    create_study(real, fake, tmp_path / "s", repeats=0)
    with pytest.raises(ValueError, match="already holds a study"):
        create_study(real, fake, tmp_path / "s", repeats=0)


def test_create_study_stores_the_key_and_metadata_only_in_the_database(tmp_path):
    real, fake = image_sets(4, 6, size=8)
    study = create_study(real, fake, tmp_path / "s", repeats=2, metadata={"run": "runs/x"})
    assert sorted(p.name for p in study.root.iterdir()) == ["items", "ratings.sqlite"]
    conn = db.connect(study.db_path)
    try:
        labels = [r[0] for r in conn.execute("SELECT label FROM items")]
        assert sorted(labels) == ["real"] * 4 + ["synthetic"] * 6
        assert db.get_meta(conn, "run") == "runs/x" and db.get_meta(conn, "image_shape") == "[8, 8]"
        assert db.get_meta(conn, "admin_secret_sha256") != study.admin_secret
    finally:
        conn.close()


class _FakeDataset:
    def __init__(self, splits):
        self._splits = splits

    def images(self, split):
        if split not in self._splits:
            raise KeyError(split)
        return self._splits[split]


class _FakeRun:
    def __init__(self, splits):
        self._dataset = _FakeDataset(splits)
        self._shape = next(iter(splits.values())).shape[1:]

    def dataset(self):
        return self._dataset

    def generate(self, n, seed=0):
        return np.random.default_rng(seed).uniform(-1, 1, (n, *self._shape)).astype(np.float32)


def _install_run(monkeypatch, splits):
    monkeypatch.setattr(study_module, "load_run", lambda path: _FakeRun(splits))


def test_create_study_from_run_prefers_test_then_heldout(tmp_path, monkeypatch):
    _install_run(monkeypatch, {"test": np.zeros((3, 8, 8), np.float32), "heldout": np.ones((5, 8, 8), np.float32)})
    study = create_study_from_run(tmp_path / "run", n_real=5, n_generated=4, repeats=0)
    assert study.root == tmp_path / "run" / "study"
    conn = db.connect(study.db_path)
    try:
        sources = sorted(r[0] for r in conn.execute("SELECT source FROM items WHERE label = 'real'"))
        assert sources == ["heldout", "heldout", "test", "test", "test"]
        assert db.get_meta(conn, "real_sources") == '["heldout", "test"]'
        assert db.get_meta(conn, "run").endswith("run")
    finally:
        conn.close()


def test_create_study_from_run_asks_for_fewer_when_held_out_images_run_short(tmp_path, monkeypatch):
    _install_run(monkeypatch, {"test": np.zeros((2, 8, 8), np.float32)})
    with pytest.raises(ValueError, match="Lower --n-real"):
        create_study_from_run(tmp_path / "run", n_real=5, n_generated=4, repeats=0)


@pytest.mark.parametrize("side", [128, 256])
def test_create_study_from_a_full_profile_or_whole_image_run(tmp_path, monkeypatch, side):
    rng = np.random.default_rng(0)
    _install_run(monkeypatch, {"test": rng.uniform(-1, 1, (3, side, side)).astype(np.float32)})
    study = create_study_from_run(tmp_path / "run", n_real=3, n_generated=3, repeats=1)
    files = sorted((study.root / "items").iterdir())
    assert {Image.open(f).size for f in files} == {(side, side)} and len({f.stat().st_size for f in files}) == 1
    conn = db.connect(study.db_path)
    try:
        assert db.get_meta(conn, "image_shape") == f"[{side}, {side}]"
    finally:
        conn.close()
