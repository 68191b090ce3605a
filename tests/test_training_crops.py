"""Tests for gan_lib.training.crops: fresh random crops per batch, flips, DDP slices, resume, DataLoader workers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from training_support import TINY_RUN, assert_same_run

from gan_lib.data.working import CropTable, write_working
from gan_lib.training import TrainConfig, train
from gan_lib.training.crops import CropSource, auto_loader_workers
from gan_lib.training.distributed import Distributed


@pytest.fixture()
def table(tmp_path) -> CropTable:
    """Two 48 x 40 working images of smooth noise, every 32 x 32 corner valid."""
    rng = np.random.default_rng(0)
    stems = []
    for i in range(2):
        image = rng.uniform(0.2, 0.8, (48, 40))
        runs = np.array([[r, 0, 9] for r in range(17)])
        write_working(tmp_path, f"{i:06d}", image=image, mask=np.ones_like(image, bool), runs=runs)
        stems.append(tmp_path / f"{i:06d}")
    return CropTable(stems, size=32)


def test_crop_source_batches_are_fresh_valid_crops(table):
    source = CropSource(table, batch_size=8, flips=False, seed=0)
    first, second = next(source), next(source)
    assert first.shape == (8, 1, 32, 32) and first.dtype == torch.float32
    assert not torch.equal(first, second)
    images, corners, _ = source.global_draw(0)
    for j, (i, (r, c)) in enumerate(zip(images, corners)):
        expected = table.crops(np.array([i]), np.array([[r, c]]))[0]
        np.testing.assert_array_equal(first[j, 0].numpy(), expected)


def test_crop_source_flips_half_of_the_crops(table):
    source = CropSource(table, batch_size=8, flips=True, seed=3)
    images, corners, flips = source.global_draw(0)
    batch = next(source)[:, 0].numpy()
    plain = table.crops(images, corners)
    np.testing.assert_array_equal(batch[flips], plain[flips][:, :, ::-1])
    np.testing.assert_array_equal(batch[~flips], plain[~flips])
    rates = np.mean([source.global_draw(k)[2].mean() for k in range(200)])
    assert 0.45 < rates < 0.55


def test_crop_source_resumes_the_same_sequence(table):
    a = CropSource(table, batch_size=4, flips=True, seed=1)
    for _ in range(3):
        next(a)
    b = CropSource(table, batch_size=4, flips=True, seed=1)
    b.load_state_dict(a.state_dict())
    assert all(torch.equal(next(a), next(b)) for _ in range(4))


def test_crop_source_ranks_draw_slices_of_the_global_batch(table):
    whole = next(CropSource(table, batch_size=8, flips=True, seed=5))
    parts = [
        next(CropSource(table, batch_size=8, flips=True, seed=5, shard=Distributed(rank=r, world_size=2)))
        for r in range(2)
    ]
    assert torch.equal(torch.cat(parts), whole)


def test_crop_source_dataloader_workers_give_the_same_batches(table):
    plain = CropSource(table, batch_size=4, flips=True, seed=2)
    loaded = CropSource(table, batch_size=4, flips=True, seed=2, workers=2)
    assert all(torch.equal(next(plain), next(loaded)) for _ in range(5))
    resumed = CropSource(table, batch_size=4, flips=True, seed=2, workers=2)
    resumed.load_state_dict(loaded.state_dict())
    assert all(torch.equal(next(plain), next(resumed)) for _ in range(3))


def test_crop_source_image_weighting_counts_views_equally(tmp_path):
    for i, width in enumerate((20, 200)):  # 17 and 197 corners: image 1 holds 92 % of them
        write_working(
            tmp_path,
            f"{i:06d}",
            image=np.zeros((4, width)),
            mask=np.ones((4, width), bool),
            runs=np.array([[0, 0, width - 3]]),
        )
    table = CropTable([tmp_path / "000000", tmp_path / "000001"], size=4)
    by_image = table.draw(np.random.default_rng(0), 4000, weighting="image")[0].mean()
    by_corner = table.draw(np.random.default_rng(0), 4000, weighting="corner")[0].mean()
    assert 0.45 < by_image < 0.55 and 0.89 < by_corner < 0.95


def test_crop_source_rejects_bad_settings(table):
    with pytest.raises(ValueError, match="weighting must be one of"):
        CropSource(table, batch_size=4, flips=False, seed=0, weighting="pixel")
    with pytest.raises(ValueError, match="trained on the fixed patch set"):
        CropSource(table, batch_size=4, flips=False, seed=0).load_state_dict({"position": 0})


def test_auto_loader_workers_reads_in_process_on_cpu():
    assert auto_loader_workers("cpu", -1) == 0 and auto_loader_workers("cpu", 3) == 3
    assert auto_loader_workers("cuda", -1) >= 0


@pytest.mark.slow  # two trainings of the quick networks (~12 s); test_training.py keeps a fast resume test
def test_train_on_crops_resume_equals_uninterrupted_run(table, tmp_path):
    config = lambda steps: TrainConfig(**{**TINY_RUN, "steps": steps})  # noqa: E731
    straight = train(config(6), table, tmp_path / "straight", progress=False)
    train(config(3), table, tmp_path / "split", progress=False)
    resumed = train(config(6), table, tmp_path / "split", resume=True, progress=False)
    assert resumed.resumed_from == 3
    assert_same_run(straight, resumed, ("generator", "critic"))


def test_train_on_crops_refuses_labels(table, tmp_path):
    with pytest.raises(ValueError, match="needs labelled images"):
        train(TrainConfig(**TINY_RUN), table, tmp_path / "run", labels=np.zeros(8, np.int64), progress=False)
