"""``prepare_dataset``: mammograms in a folder -> a cached, split training set.

Cache layout, ``data/processed/<key>/``:

* ``images.npy`` -- ``float32 (N, H, W)`` in [-1, 1], one row per training example;
* ``manifest.csv`` -- one row per example: ``index, split, patient_id, view,
  laterality, source_file, crop_box, scale, patch_x, patch_y`` plus
  ``source_index, flipped, chest_wall, patch_size, original_height,
  original_width, metadata_source``.  Coordinates are ORIGINAL-file pixels
  (before the flip): ``crop_box`` = ``"row0 row1 col0 col1"`` of the breast,
  ``patch_x``/``patch_y`` = top-left column/row of the patch (empty in whole
  mode), ``patch_size`` its side, ``scale`` = output pixels per original pixel;
* ``config.json`` -- the resolved ``DataConfig``, the data folder, its
  fingerprint and the cache key.

``<key>`` hashes the ``DataConfig``, the resolved data folder, a fingerprint of
its files (names, sizes, modification times) and :data:`CACHE_VERSION`.  A new
cache is written into a hidden staging folder (each file atomically) and moved
into place only when complete, so a failed or interrupted run never destroys
an earlier cache.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from gan_lib import config as paths
from gan_lib.atomic import atomic_path, atomic_write_json
from gan_lib.config import config_to_dict
from gan_lib.data.embedded import embedded_data_dir
from gan_lib.data.io import (
    NON_MAMMOGRAM_SERIES,
    DataFolderError,
    ImageReadError,
    RawImage,
    discover_images,
    folder_fingerprint,
    metadata_from_name,
    read_image,
    read_manifest,
)
from gan_lib.data.mammogram import PreprocessedMammogram, preprocess_mammogram
from gan_lib.data.preprocess import NoBreastFoundError, bounding_box, unit_to_model_range
from gan_lib.data.sampling import sample_patches, whole_image
from gan_lib.data.settings import DataConfig
from gan_lib.data.split import SPLITS, assign_splits

__all__ = ["CACHE_VERSION", "PreparedDataset", "prepare_dataset", "cache_key", "resolve_data_dir", "load_prepared"]

log = logging.getLogger(__name__)

#: Bump when preprocessing changes what a given config produces (invalidates every cache).
CACHE_VERSION = 1
_FILES = ("images.npy", "manifest.csv", "config.json")


@dataclass(frozen=True)
class PreparedDataset:
    """A prepared, cached dataset: ``images(split)`` plus its ``manifest``."""

    root: Path  # data/processed/<key>/
    config: DataConfig  # the settings that produced it
    manifest: pd.DataFrame  # one row per example (see module docstring)

    def images(self, split: str) -> np.ndarray:
        """The examples of ``split`` ("train", "val", "test", "heldout"): ``float32 (N, H, W)`` in [-1, 1].

        Raises
        ------
        ValueError
            For an unknown split name, or a split that is empty in this dataset.
        """
        if split not in SPLITS:
            raise ValueError(f"PreparedDataset.images: split must be one of {SPLITS}; got {split!r}.")
        index = self.manifest.loc[self.manifest["split"] == split, "index"].to_numpy()
        if index.size == 0:
            patients = self.manifest["patient_id"].nunique()
            raise ValueError(
                f"PreparedDataset.images: split {split!r} is empty in {self.root} ({patients} patient(s); "
                "'val' needs >= 3 patients, 'heldout' needs training patients with >= 2 images and "
                "heldout_per_patient >= 1). Use a split that exists: "
                f"{sorted(self.manifest['split'].unique())}."
            )
        array = np.load(self.root / "images.npy", mmap_mode="r")
        return np.ascontiguousarray(array[np.sort(index)], dtype=np.float32)

    def split_table(self) -> pd.DataFrame:
        """Per split: number of source images, patients and examples (patches or whole images)."""
        rows = []
        for split in SPLITS:
            part = self.manifest[self.manifest["split"] == split]
            rows.append({
                "split": split,
                "images": part["source_file"].nunique(),
                "patients": part["patient_id"].nunique(),
                "examples": len(part),
            })
        return pd.DataFrame(rows).set_index("split")


def resolve_data_dir(config: DataConfig) -> Path:
    """The folder ``config`` reads: ``data_dir`` resolved, or the embedded examples when it is ``None``."""
    return embedded_data_dir() if config.data_dir is None else Path(config.data_dir).expanduser().resolve()


def cache_key(config: DataConfig, folder: Path, fingerprint: str) -> str:
    """The cache folder name: a digest of the config, the data folder, its fingerprint and :data:`CACHE_VERSION`."""
    payload = {"config": config_to_dict(config), "folder": str(folder), "fingerprint": fingerprint,
               "version": CACHE_VERSION}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]


def load_prepared(root: Path) -> PreparedDataset:
    """Open a complete cache folder written by :func:`prepare_dataset`."""
    root = Path(root)
    missing = [name for name in _FILES if not (root / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{root} is not a complete prepared dataset (missing {missing}); run prepare_dataset.")
    meta = json.loads((root / "config.json").read_text())
    settings = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["config"].items()}
    manifest = pd.read_csv(root / "manifest.csv", keep_default_na=False, na_values=[""])
    return PreparedDataset(root=root, config=DataConfig(**settings), manifest=manifest)


def _records(folder: Path, files: list[Path]) -> tuple[list[Path], dict[Path, dict[str, str]]]:
    """Files to load and the manifest metadata of each (empty when there is no manifest)."""
    manifest = read_manifest(folder)
    if manifest is None:
        return files, {}
    listed = {row.file: {"patient_id": row.patient_id, "laterality": row.laterality, "view": row.view}
              for row in manifest.itertuples()}
    unlisted = len({f.resolve() for f in files} - set(listed))
    if unlisted:
        log.info("Manifest present: %d image file(s) in %s that it does not list are ignored.", unlisted, folder)
    return sorted(listed), listed


def _examples(pre: PreprocessedMammogram, config: DataConfig,
              rng: np.random.Generator) -> tuple[np.ndarray, list[dict]]:
    """Training examples of one preprocessed mammogram and their manifest columns."""
    image, mask = pre.image, pre.flipped_mask
    crop_box = " ".join(map(str, pre.box_to_original(bounding_box(mask, margin=config.crop_margin))))
    sy, sx = pre.scale
    if config.mode == "whole":
        out, box = whole_image(image, mask, size=config.image_size, chest_wall=config.flip_to,
                               margin=config.crop_margin)
        crop_box = " ".join(map(str, pre.box_to_original(box)))
        scale = config.image_size / max(box[1] - box[0], box[3] - box[2]) * (sy + sx) / 2
        return unit_to_model_range(out)[None], [{"crop_box": crop_box, "scale": scale,
                                                  "patch_x": None, "patch_y": None, "patch_size": None}]
    patches, corners = sample_patches(image, mask, size=config.image_size, count=config.patches_per_image,
                                      min_tissue_fraction=config.min_tissue_fraction, rng=rng)
    rows = []
    for r, c in corners:
        r0, _, c0, _ = pre.box_to_original((r, r + config.image_size, c, c + config.image_size))
        rows.append({"crop_box": crop_box, "scale": config.patch_scale, "patch_x": c0, "patch_y": r0,
                     "patch_size": int(round(config.image_size / sx))})
    return unit_to_model_range(patches), rows


def _metadata(
    path: Path, raw: RawImage, listed: dict[Path, dict[str, str]], folder: Path
) -> tuple[dict[str, str], str]:
    """Patient, laterality and view of one file, and where they came from: the manifest, DICOM tags or the name."""
    if path in listed:
        return listed[path], "manifest"
    if raw.patient_id:
        name_meta = metadata_from_name(Path(raw.patient_id))
        patient = name_meta[0] if name_meta[1] else raw.patient_id
        return {"patient_id": patient, "laterality": raw.laterality or name_meta[1],
                "view": raw.view or name_meta[2]}, "dicom"
    patient, laterality, view = metadata_from_name(path, root=folder)
    return {"patient_id": patient, "laterality": laterality, "view": view}, "filename"


def _log_skipped(skipped: dict[str, list[str]], side_disagreements: list[str]) -> None:
    """Warn once per reason for the files left out, and once for breasts on the side their metadata contradict."""
    for reason, names in skipped.items():
        if names:
            log.warning("Skipped %d file(s) (%s), e.g. %s.", len(names), reason, names[0])
    if side_disagreements:
        log.warning(
            "%d image(s) have the breast on the side opposite to their laterality metadata in the standard display "
            "(e.g. %s); the image itself decided the flip.", len(side_disagreements), side_disagreements[0])


def _split_manifest(rows: list[dict], config: DataConfig) -> pd.DataFrame:
    """The manifest of ``rows``: each source image's split (by patient), an ``index``, documented columns first."""
    manifest = pd.DataFrame(rows)
    per_image = manifest.drop_duplicates("source_index").sort_values("source_index")
    image_split = assign_splits(list(per_image["patient_id"]), fractions=config.split_fractions,
                                heldout_per_patient=config.heldout_per_patient, seed=config.seed)
    manifest["split"] = manifest["source_index"].map(dict(zip(per_image["source_index"], image_split)))
    manifest.insert(0, "index", np.arange(len(manifest)))
    first = ["index", "split", "patient_id", "view", "laterality", "source_file", "crop_box", "scale", "patch_x",
             "patch_y"]
    return manifest[first + [c for c in manifest.columns if c not in first]]


def _build(config: DataConfig, folder: Path, files: list[Path], *, progress: bool) -> tuple[np.ndarray, pd.DataFrame]:
    """Read, preprocess and sample every usable file, then split by patient: ``(images, manifest)``."""
    load, listed = _records(folder, files)
    rng = np.random.default_rng(config.seed)
    arrays, rows = [], []
    skipped: dict[str, list[str]] = {"unreadable": [], "no breast": [], "not a full mammogram": []}
    side_disagreements = []
    for path in tqdm(load, desc="Preparing mammograms", unit="image", disable=not progress):
        try:
            raw = read_image(path)
        except ImageReadError:
            if not config.skip_bad_images:
                raise
            skipped["unreadable"].append(path.name)
            continue
        if any(tag in raw.series_description.lower() for tag in NON_MAMMOGRAM_SERIES):
            skipped["not a full mammogram"].append(path.name)
            continue
        meta, source = _metadata(path, raw, listed, folder)
        try:
            pre = preprocess_mammogram(raw, view=meta["view"], config=config)
        except NoBreastFoundError as exc:
            if not config.skip_bad_images:
                raise NoBreastFoundError(
                    f"{path}: no breast found ({exc}). Remove the file, or set skip_bad_images=True to skip such "
                    "images."
                ) from exc
            skipped["no breast"].append(path.name)
            continue
        expected = {"L": "left", "R": "right"}.get(meta["laterality"])
        if expected and expected != pre.chest_wall:
            side_disagreements.append(path.name)
        examples, example_rows = _examples(pre, config, rng)
        if config.mode == "patch" and len(examples) < config.patches_per_image:
            log.warning("%s: only %d of %d patches fit the breast with min_tissue_fraction=%.2f.",
                        path.name, len(examples), config.patches_per_image, config.min_tissue_fraction)
        common = {**meta, "source_file": str(path), "flipped": pre.flipped, "chest_wall": pre.chest_wall,
                  "original_height": pre.original_shape[0], "original_width": pre.original_shape[1],
                  "metadata_source": source}
        rows.extend({**common, **row, "source_index": len(arrays)} for row in example_rows)
        arrays.append(examples)
    _log_skipped(skipped, side_disagreements)
    if not arrays:
        raise DataFolderError(f"No usable mammogram in {folder}: {sum(map(len, skipped.values()))} file(s) skipped.")
    return np.concatenate(arrays).astype(np.float32), _split_manifest(rows, config)


def _write(root: Path, images: np.ndarray, manifest: pd.DataFrame, meta: dict) -> None:
    """Write the cache into a staging folder, then swap it into ``root``; an earlier ``root`` survives failures."""
    staging = root.parent / f".{root.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with atomic_path(staging / "images.npy") as tmp:
            np.save(tmp, images)
        with atomic_path(staging / "manifest.csv") as tmp:
            manifest.to_csv(tmp, index=False)
        atomic_write_json(staging / "config.json", meta)
        old = root.parent / f".{root.name}.old-{os.getpid()}"
        if root.exists():
            os.replace(root, old)
        os.replace(staging, root)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def prepare_dataset(config: DataConfig, *, progress: bool = True, rebuild: bool = False) -> PreparedDataset:
    """Load, preprocess, sample and split the mammograms of ``config``; cached under ``data/processed/<key>/``.

    A second call with the same config and unchanged files loads the cache
    (logged).  ``rebuild=True`` prepares again and replaces the cache only
    once the new one is complete.

    Raises
    ------
    DataFolderError
        Missing or empty folder, manifest naming missing files, nothing usable.
    ImageReadError
        A file cannot be decoded (unless ``config.skip_bad_images``).
    NoBreastFoundError
        An image holds no breast (unless ``config.skip_bad_images``).
    """
    folder = resolve_data_dir(config)
    files = discover_images(folder)
    fingerprint = folder_fingerprint(files)
    key = cache_key(config, folder, fingerprint)
    root = paths.PROCESSED_DATA_DIR / key
    if not rebuild and all((root / name).is_file() for name in _FILES):
        log.info("Cache hit: loading prepared dataset from %s.", root)
        return load_prepared(root)
    start = time.perf_counter()
    images, manifest = _build(config, folder, files, progress=progress)
    meta = {"config": config_to_dict(config), "data_folder": str(folder), "fingerprint": fingerprint,
            "key": key, "cache_version": CACHE_VERSION, "n_examples": int(len(images)),
            "image_shape": list(images.shape[1:])}
    _write(root, images, manifest, meta)
    log.info("Prepared %d example(s) from %d image(s) in %.1f s into %s.", len(images),
             manifest["source_file"].nunique(), time.perf_counter() - start, root)
    return load_prepared(root)
