"""The labelled task of RQ2: lesion insertion on the embedded data, or a user's labelled manifest.

Two sources give the same :class:`LabelledSet` (images, 0/1 labels, patient ids):

* :func:`lesion_task` — real tissue patches of a prepared dataset, a random
  ``positive_fraction`` of which receive a simulated lesion
  (:mod:`gan_lib.experiments.lesions`); label 1 = lesion present.  Each patch
  is used once (as a positive *or* a negative), so the classifier cannot learn
  the task by comparing two copies of one background.  The patient-level
  split of the prepared dataset is kept: the classifier trains on the ``train``
  patient(s) and is tested on the ``test`` patient(s).
* :func:`load_labelled_manifest` — a CSV with one row per image: ``path``
  (relative to the CSV's folder or absolute), ``patient_id``, and a label in
  ``label`` (0/1) or ``pathology`` (CBIS-DDSM wording: ``MALIGNANT`` = 1,
  ``BENIGN`` and ``BENIGN_WITHOUT_CALLBACK`` = 0), optionally ``split``
  (``train``/``test``).  :func:`split_by_patient` then splits by patient when
  the manifest has no ``split`` column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

from gan_lib.data import read_image
from gan_lib.data.preprocess import resize, to_monochrome2, unit_to_model_range

from ..imaging import check_image_set
from .lesions import insert_lesion, random_lesion_spec

__all__ = [
    "LabelledSet",
    "insert_lesions",
    "lesion_task",
    "read_labelled_image",
    "load_labelled_manifest",
    "split_by_patient",
    "PATHOLOGY_LABELS",
]

#: CBIS-DDSM pathology strings and their binary label (1 = malignant).
PATHOLOGY_LABELS = {"MALIGNANT": 1, "BENIGN": 0, "BENIGN_WITHOUT_CALLBACK": 0}


@dataclass(frozen=True)
class LabelledSet:
    """Images with binary labels and the patient each comes from.

    ``images`` float32 ``(N, H, W)`` in [-1, 1]; ``labels`` int64 ``(N,)`` of
    0/1; ``patient_ids`` ``(N,)`` strings; ``info`` one row per image with
    provenance (lesion kind, centre, radius, contrast, source index...).
    """

    images: np.ndarray
    labels: np.ndarray
    patient_ids: np.ndarray
    info: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        n = len(self.images)
        if len(self.labels) != n or len(self.patient_ids) != n or (len(self.info) not in (0, n)):
            raise ValueError(
                f"LabelledSet: images ({n}), labels ({len(self.labels)}), patient_ids ({len(self.patient_ids)}) "
                f"and info ({len(self.info)}) must have one entry per image."
            )

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, index: np.ndarray) -> "LabelledSet":
        """The images at ``index`` (an integer or boolean array)."""
        index = np.asarray(index)
        info = self.info.iloc[index].reset_index(drop=True) if len(self.info) else self.info
        return LabelledSet(self.images[index], self.labels[index], self.patient_ids[index], info)

    def of_class(self, label: int) -> np.ndarray:
        """The images of class ``label`` (``(n, H, W)``)."""
        return self.images[self.labels == label]


def insert_lesions(
    images: np.ndarray,
    *,
    seed: int = 0,
    kinds: tuple[str, ...] = ("gaussian", "spiculated", "calcifications"),
    contrast: float = 0.25,
    radius_fraction: tuple[float, float] = (0.08, 0.16),
    positive_fraction: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Insert a random lesion into a random ``positive_fraction`` of ``images``.

    Parameters
    ----------
    images : np.ndarray
        ``(N, H, W)`` tissue patches in [-1, 1].
    seed : int
        Seeds the choice of positives and every lesion's kind, place and shape.
    kinds, contrast, radius_fraction
        Passed to :func:`gan_lib.experiments.lesions.random_lesion_spec`.
    positive_fraction : float
        Share of images that receive a lesion (rounded to the nearest count).

    Returns
    -------
    out : np.ndarray
        ``float32 (N, H, W)`` in [-1, 1]; negatives are unchanged copies.
    labels : np.ndarray
        ``int64 (N,)``: 1 where a lesion was inserted.
    info : pandas.DataFrame
        One row per image: ``label, kind, center_row, center_col, radius,
        contrast, delivered_contrast, lesion_seed`` (lesion columns empty for
        negatives); ``delivered_contrast`` is the largest intensity actually
        added after clipping at 1 (smaller than ``contrast`` in bright tissue).
    """
    images = check_image_set(images, name="insert_lesions: images")
    if not 0 < positive_fraction < 1:
        raise ValueError(f"insert_lesions: positive_fraction must be in (0, 1); got {positive_fraction}.")
    rng = np.random.default_rng(seed)
    n = len(images)
    labels = np.zeros(n, dtype=np.int64)
    labels[rng.permutation(n)[: int(round(positive_fraction * n))]] = 1
    out = images.copy()
    rows = []
    for i in range(n):
        row: dict = {"label": int(labels[i])}
        if labels[i]:
            spec = random_lesion_spec(
                images.shape[1:], rng, kinds=kinds, contrast=contrast, radius_fraction=radius_fraction
            )
            out[i] = insert_lesion(images[i], spec)
            # What survives clipping at 1: in bright (dense) tissue a lesion can be partly or wholly invisible.
            delivered = float((out[i].astype(np.float64) - images[i]).max())
            row.update(
                kind=spec.kind,
                center_row=spec.center[0],
                center_col=spec.center[1],
                radius=spec.radius,
                contrast=spec.contrast,
                delivered_contrast=delivered,
                lesion_seed=spec.seed,
            )
        rows.append(row)
    return out, labels, pd.DataFrame(rows)


def lesion_task(
    dataset,
    *,
    splits: tuple[str, ...] = ("train", "test"),
    seed: int = 0,
    kinds: tuple[str, ...] = ("gaussian", "spiculated", "calcifications"),
    contrast: float = 0.25,
    radius_fraction: tuple[float, float] = (0.08, 0.16),
    positive_fraction: float = 0.5,
    image_size: int = 0,
    max_images: int = 0,
) -> dict[str, LabelledSet]:
    """Build the lesion-insertion task on the patches of a prepared dataset, one :class:`LabelledSet` per split.

    Parameters
    ----------
    dataset : gan_lib.data.PreparedDataset
        Provides ``images(split)`` ``(N, H, W)`` and a ``manifest`` with
        ``split`` and ``patient_id`` columns (rows in the order of ``images``).
    splits : tuple of str
        Which splits to build (each must hold images).
    seed : int
        Each split uses ``seed + its position in splits``, so splits differ.
    kinds, contrast, radius_fraction, positive_fraction
        Passed to :func:`insert_lesions`.
    image_size : int
        Resize the patches (anti-aliased, before insertion) to this side; 0 keeps them.
    max_images : int
        Keep at most this many images per split (random subset, seeded); 0 keeps all.
    """

    manifest = dataset.manifest
    out = {}
    for offset, split in enumerate(splits):
        images = dataset.images(split)
        rows = manifest[manifest["split"] == split]
        if "index" in rows:  # images(split) returns rows in increasing index order
            rows = rows.sort_values("index")
        if len(images) == 0:
            raise ValueError(
                f"lesion_task: split {split!r} of the prepared dataset holds no images; the task needs patients in "
                f"both {splits}. Prepare data with at least two patients."
            )
        if len(rows) != len(images):
            raise ValueError(
                f"lesion_task: manifest has {len(rows)} rows for split {split!r} but images() "
                f"returned {len(images)}; the prepared dataset is inconsistent, re-prepare it."
            )
        keep = np.arange(len(images))
        if max_images and len(images) > max_images:
            keep = np.sort(np.random.default_rng(seed + offset).choice(len(images), max_images, replace=False))
        images, rows = images[keep], rows.iloc[keep]
        if image_size and image_size != images.shape[1]:
            images = np.clip(np.stack([resize(img, (image_size, image_size)) for img in images]), -1, 1)
        lesioned, labels, info = insert_lesions(
            images,
            seed=seed + offset,
            kinds=kinds,
            contrast=contrast,
            radius_fraction=radius_fraction,
            positive_fraction=positive_fraction,
        )
        info.insert(0, "source_index", rows["index"].to_numpy() if "index" in rows else np.arange(len(rows)))
        out[split] = LabelledSet(lesioned, labels, rows["patient_id"].astype(str).to_numpy(), info)
    return out


def read_labelled_image(path: str | Path, *, image_size: int) -> np.ndarray:
    """Read one image file (DICOM, PNG, JPEG, TIFF, PGM) as ``float32 (image_size, image_size)`` in [-1, 1].

    Decoding is :func:`gan_lib.data.read_image` (clear errors for corrupt files
    and missing DICOM decoders); MONOCHROME1 is inverted
    (:func:`gan_lib.data.preprocess.to_monochrome2`); intensities are windowed
    to the image's 0.5-99.5 percentile range and resized with anti-aliasing
    (:func:`gan_lib.data.preprocess.resize`).  Meant for pre-cropped ROIs such
    as CBIS-DDSM's ROI crops; whole mammograms belong in ``gan_lib.data``.
    """

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"read_labelled_image: {path} does not exist; check the manifest's path column.")
    raw = read_image(path)
    pixels = raw.pixels.astype(np.float32)
    if pixels.ndim == 3:  # colour PNG/JPEG export of a grey ROI
        pixels = pixels[..., :3].mean(axis=-1)
    image = to_monochrome2(pixels, photometric=raw.photometric)
    lo, hi = np.percentile(image, [0.5, 99.5])
    if hi <= lo:
        raise ValueError(f"read_labelled_image: {path} is constant; remove it from the manifest.")
    unit = np.clip((image - lo) / (hi - lo), 0.0, 1.0)
    return unit_to_model_range(resize(unit, (image_size, image_size)))


def load_labelled_manifest(csv_path: str | Path, *, image_size: int) -> LabelledSet:
    """Load a labelled dataset from a CSV manifest (columns described in the module docstring).

    Returns a :class:`LabelledSet` whose ``info`` holds the manifest rows
    (with ``split`` when present).
    """
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise FileNotFoundError(f"load_labelled_manifest: manifest {csv_path} not found.")
    table = pd.read_csv(csv_path)
    missing = [c for c in ("path", "patient_id") if c not in table.columns]
    if missing or not ({"label", "pathology"} & set(table.columns)):
        raise ValueError(
            f"load_labelled_manifest: {csv_path} needs columns 'path', 'patient_id' and 'label' (0/1) or "
            f"'pathology' (MALIGNANT/BENIGN/BENIGN_WITHOUT_CALLBACK); it has {list(table.columns)}."
        )
    if "label" in table.columns:
        labels = pd.to_numeric(table["label"], errors="coerce")
    else:
        labels = table["pathology"].astype(str).str.strip().str.upper().map(PATHOLOGY_LABELS)
    bad = table.index[~labels.isin([0, 1])]
    if len(bad):
        raise ValueError(
            f"load_labelled_manifest: {len(bad)} row(s) of {csv_path} have no valid label (first: row {bad[0] + 2} "
            "of the file); labels must be 0/1 or a CBIS-DDSM pathology string."
        )
    paths = [Path(p) if Path(p).is_absolute() else csv_path.parent / p for p in table["path"].astype(str)]
    images = np.stack([read_labelled_image(p, image_size=image_size) for p in paths])
    return LabelledSet(
        images,
        labels.to_numpy(dtype=np.int64),
        table["patient_id"].astype(str).to_numpy(),
        table.reset_index(drop=True),
    )


def split_by_patient(labelled: LabelledSet, *, test_fraction: float = 0.3, seed: int = 0) -> dict[str, LabelledSet]:
    """``{"train", "test"}`` with no patient in both; uses ``info["split"]`` when the manifest gives one."""
    if "split" in labelled.info.columns:
        split = labelled.info["split"].astype(str).to_numpy()
        parts = {name: labelled.subset(np.flatnonzero(split == name)) for name in ("train", "test")}
        overlap = set(parts["train"].patient_ids) & set(parts["test"].patient_ids)
        if overlap:
            raise ValueError(
                f"split_by_patient: the manifest's split puts patient(s) {sorted(overlap)[:3]} in both "
                "train and test; fix the split column or drop it to split automatically."
            )
    else:
        if len(np.unique(labelled.patient_ids)) < 2:
            raise ValueError("split_by_patient: need images of at least two patients to split by patient.")
        splitter = GroupShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
        train_idx, test_idx = next(splitter.split(labelled.images, labelled.labels, labelled.patient_ids))
        parts = {"train": labelled.subset(train_idx), "test": labelled.subset(test_idx)}
    for name, part in parts.items():
        if len(np.unique(part.labels)) < 2:
            raise ValueError(
                f"split_by_patient: the {name} split holds only one class; use more patients or another seed."
            )
    return parts
