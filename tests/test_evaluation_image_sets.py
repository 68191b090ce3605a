"""Tests for gan_lib.evaluation.image_sets: the real splits' size rule and the generated-set cache."""

import types

import numpy as np
from evaluation_support import texture

import gan_lib.generate
from gan_lib import evaluation
from gan_lib.evaluation import image_sets


def test_cap_real_split_keeps_order_and_caps_train_and_compared_splits_differently():
    config = evaluation.evaluation_config("quick", {"n_generated": 4, "max_real": 6})
    images = np.arange(10, dtype=np.float32)[:, None, None] * np.ones((1, 2, 2), np.float32) / 10
    train = evaluation.cap_real_split(images, "train", config, np.random.default_rng(0))
    heldout = evaluation.cap_real_split(images, "heldout", config, np.random.default_rng(0))
    assert len(train) == 6 and len(heldout) == 4
    assert np.all(np.diff(train[:, 0, 0]) > 0)  # a subset in the original order
    small = images[:3]
    assert evaluation.cap_real_split(small, "test", config, np.random.default_rng(0)) is small


def test_load_evaluation_sets_caches_generated_and_caps_real(monkeypatch, tmp_path):
    calls = []

    class FakeDataset:
        def count(self, split):
            if split == "test":
                raise ValueError("split 'test' is empty")
            return 30 if split == "train" else 40

        def images(self, split, *, subset=None):
            images = texture(self.count(split), seed=len(split))
            return images if subset is None else images[subset]

    class FakeRun:
        checkpoint_path = tmp_path / "last.pt"

        def dataset(self):
            return FakeDataset()

    def generate(checkpoint, n, *, seed=0, labels=None):
        calls.append((n, seed))
        return texture(n, seed + 100)

    FakeRun.checkpoint_path.write_bytes(b"weights")
    monkeypatch.setattr(gan_lib.generate, "generate", generate)
    monkeypatch.setattr(image_sets, "load_run", lambda name: FakeRun())
    config = evaluation.evaluation_config("quick", {"n_generated": 8, "max_real": 25})
    first = evaluation.load_evaluation_sets("fake-run", config)
    second = evaluation.load_evaluation_sets("fake-run", config)
    assert calls == [(8, 0)]  # the second call read eval/generated.npy
    np.testing.assert_array_equal(first.generated, second.generated)
    assert first.sizes() == {"generated": 8, "heldout": 8, "test": 0, "train": 25}
    assert "empty" in first.missing["test"]


def test_describe_prints_the_sizes_then_each_missing_split():
    sets = evaluation.EvaluationSets(generated=texture(3, 0), train=texture(5, 1), heldout=None, test=None,
                                     missing={"heldout": "no views held out", "test": "only one patient"})
    assert sets.describe().splitlines() == [
        "images per set: {'generated': 3, 'heldout': 0, 'test': 0, 'train': 5}",
        "note: no heldout split -> its column is 'not computed' (no views held out)",
        "note: no test split -> its column is 'not computed' (only one patient)",
    ]


def test_load_evaluation_sets_draws_real_crops_when_asked(monkeypatch, tmp_path):
    drawn = []

    class FakeDataset:
        config = types.SimpleNamespace(mode="patch")

        def images(self, split):
            raise AssertionError("the fixed patch sets must not be read when real_crops > 0")

        def random_crops(self, split, count, *, seed):
            if split == "test":
                raise ValueError("split 'test' is empty")
            drawn.append((split, count, seed))
            return texture(count, seed=seed)

    class FakeRun:
        checkpoint_path = tmp_path / "last.pt"

        def dataset(self):
            return FakeDataset()

    FakeRun.checkpoint_path.write_bytes(b"weights")
    monkeypatch.setattr(gan_lib.generate, "generate", lambda checkpoint, n, *, seed=0, labels=None: texture(n, 7))
    monkeypatch.setattr(image_sets, "load_run", lambda name: FakeRun())
    config = evaluation.evaluation_config("quick", {"n_generated": 8, "max_real": 5, "real_crops": 12, "seed": 3})
    sets = evaluation.load_evaluation_sets("fake-run", config)
    assert sets.sizes() == {"generated": 8, "heldout": 12, "test": 0, "train": 12}  # not capped by max_real
    assert drawn == [("train", 12, 3), ("heldout", 12, 4)]
