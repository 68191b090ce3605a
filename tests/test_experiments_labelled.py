"""Labelled task builders: the lesion task keeps the patient split; manifests load with labels."""

import numpy as np
import pandas as pd
import pytest
from skimage.io import imsave

from gan_lib.experiments.labelled import LabelledSet, lesion_task, load_labelled_manifest, split_by_patient


class _FakePrepared:
    """The two members of gan_lib.data.PreparedDataset that lesion_task uses."""

    def __init__(self):
        rng = np.random.default_rng(0)
        self._images = rng.uniform(-0.8, 0.2, (12, 16, 16)).astype(np.float32)
        self.manifest = pd.DataFrame(
            {
                "index": np.arange(12),
                "split": ["train"] * 6 + ["test"] * 4 + ["heldout"] * 2,
                "patient_id": ["A"] * 6 + ["B"] * 4 + ["A"] * 2,
            }
        )

    def images(self, split):
        return self._images[self.manifest["split"].to_numpy() == split]


def test_lesion_task_keeps_patients_apart_and_labels_half():
    task = lesion_task(_FakePrepared(), seed=0, contrast=0.3)
    assert set(task) == {"train", "test"}
    assert set(task["train"].patient_ids) == {"A"} and set(task["test"].patient_ids) == {"B"}
    assert task["train"].labels.sum() == 3 and task["test"].labels.sum() == 2
    assert list(task["test"].info["source_index"]) == [6, 7, 8, 9]


def test_load_labelled_manifest_reads_pathology_labels(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for i, (patient, pathology) in enumerate(
        [("P1", "MALIGNANT"), ("P1", "BENIGN"), ("P2", "BENIGN_WITHOUT_CALLBACK"), ("P2", "MALIGNANT")]
    ):
        imsave(tmp_path / f"roi{i}.png", rng.integers(0, 255, (40, 30), dtype=np.uint8), check_contrast=False)
        rows.append({"path": f"roi{i}.png", "patient_id": patient, "pathology": pathology})
    pd.DataFrame(rows).to_csv(tmp_path / "rois.csv", index=False)
    data = load_labelled_manifest(tmp_path / "rois.csv", image_size=16)
    assert data.images.shape == (4, 16, 16)
    assert data.images.min() >= -1 and data.images.max() <= 1
    assert data.labels.tolist() == [1, 0, 0, 1]


def test_load_labelled_manifest_names_missing_columns(tmp_path):
    pd.DataFrame({"path": ["a.png"]}).to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(ValueError, match="patient_id"):
        load_labelled_manifest(tmp_path / "m.csv", image_size=16)


def test_split_by_patient_has_no_patient_in_both():
    n = 40
    data = LabelledSet(np.zeros((n, 8, 8), np.float32), np.arange(n) % 2, np.repeat([f"P{i}" for i in range(10)], 4))
    parts = split_by_patient(data, test_fraction=0.3, seed=0)
    assert not set(parts["train"].patient_ids) & set(parts["test"].patient_ids)
    assert len(parts["train"]) + len(parts["test"]) == n
