"""Patient-level splits and the image-level held-out set."""

from __future__ import annotations

import logging

import pytest

from gan_lib.data.split import assign_splits, split_patients


def _patients(n, views=4):
    return [f"P{p:03d}" for p in range(n) for _ in range(views)]


@pytest.mark.parametrize("n", [2, 3, 5, 20, 101])
def test_split_patients_no_patient_in_two_splits(n):
    ids = _patients(n)
    splits = assign_splits(ids, seed=1)
    by_patient = {}
    for patient, split in zip(ids, splits):
        by_patient.setdefault(patient, set()).add("train" if split == "heldout" else split)
    assert all(len(s) == 1 for s in by_patient.values())


def test_split_patients_two_patients_one_train_one_test(caplog):
    with caplog.at_level(logging.INFO, logger="gan_lib.data.split"):
        result = split_patients(["a", "b", "a"], seed=0)
    assert sorted(result.values()) == ["test", "train"]
    assert "'val' is empty" in caplog.text


def test_split_patients_three_patients_fill_every_split():
    assert sorted(split_patients(["a", "b", "c"]).values()) == ["test", "train", "val"]


def test_split_patients_fractions_respected_for_many_patients():
    result = split_patients([str(i) for i in range(100)], fractions=(0.7, 0.15, 0.15))
    counts = {s: list(result.values()).count(s) for s in ("train", "val", "test")}
    assert counts == {"train": 70, "val": 15, "test": 15}


def test_split_patients_seed_reproducible_and_order_independent():
    ids = [str(i) for i in range(30)]
    assert split_patients(ids, seed=3) == split_patients(ids[::-1], seed=3)
    assert split_patients(ids, seed=3) != split_patients(ids, seed=4)


def test_split_patients_rejects_bad_fractions():
    with pytest.raises(ValueError, match="fractions"):
        split_patients(["a"], fractions=(0.0, 0.5, 0.5))


def test_assign_splits_heldout_only_from_training_patients():
    ids = _patients(10)
    splits = assign_splits(ids, heldout_per_patient=1, seed=0)
    train_patients = {p for p, s in zip(ids, splits) if s == "train"}
    heldout_patients = [p for p, s in zip(ids, splits) if s == "heldout"]
    assert set(heldout_patients) == train_patients
    assert len(heldout_patients) == len(train_patients)  # exactly one view each


def test_assign_splits_heldout_images_never_in_train():
    ids = _patients(6)
    splits = assign_splits(ids, heldout_per_patient=2, seed=0)
    heldout = {i for i, s in enumerate(splits) if s == "heldout"}
    train = {i for i, s in enumerate(splits) if s == "train"}
    assert heldout and train and not heldout & train
    assert splits.count("heldout") == 2 * len({ids[i] for i in train})


def test_assign_splits_single_image_patient_keeps_training(caplog):
    with caplog.at_level(logging.WARNING, logger="gan_lib.data.split"):
        splits = assign_splits(["a", "b"], seed=0)
    assert "train" in splits and "heldout" not in splits
    assert "holding out 0" in caplog.text
