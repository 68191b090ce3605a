"""``prepare_dataset``: mammograms in a folder -> a cached, split dataset of working images and patch sets.

Cache layout, ``data/processed/<key>/``:

* ``working/`` -- patch mode: per usable mammogram ``i`` (its position in the
  folder's file list) the working image at ``patch_scale`` (``uint16``), its
  breast mask and its table of valid crop corners, memory-mapped on read
  (:mod:`gan_lib.data.working`); whole mode: each example
  (``{i:06d}.example.npy``).  Plus ``{i:06d}.json``, the file's record;
* ``images.npy`` -- whole mode only: ``float32 (N, H, W)`` in [-1, 1], one row
  per example;
* ``manifest.csv`` -- one row per example of the fixed evaluation sets (patch
  mode: ``patches_per_image`` distinct crops per image, drawn with ``seed``):
  ``index, split, patient_id, view, laterality, source_file, crop_box, scale,
  patch_x, patch_y`` plus ``source_index, flipped, chest_wall, patch_size,
  original_height, original_width, metadata_source`` and, in patch mode,
  ``working_file, work_row, work_col`` (the patch's stored image and its
  top-left pixel there).  Coordinates are ORIGINAL-file pixels (before the
  flip): ``crop_box`` = ``"row0 row1 col0 col1"`` of the breast,
  ``patch_x``/``patch_y`` = top-left column/row of the patch (empty in whole
  mode), ``patch_size`` its side, ``scale`` = output pixels per original pixel;
* ``config.json`` -- the resolved ``DataConfig``, the data folder, its
  fingerprint and the cache key.

``<key>`` hashes the ``DataConfig``, the resolved data folder, a fingerprint of
its files (names, sizes, modification times) and :data:`CACHE_VERSION`.  A new
cache is written into the hidden staging folder ``.<key>.partial`` (each file
atomically) and moved into place only when complete, so a failed or interrupted
run never destroys an earlier cache; the files it finished stay there and the
next call with the same settings continues from them.

The fixed patch sets (``images(split)``) are the evaluation references of the
study; training in patch mode draws fresh crops (:meth:`PreparedDataset.crop_table`).
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
from typing import Any

import numpy as np
import pandas as pd

from gan_lib import config as paths
from gan_lib.atomic import atomic_path, atomic_write_json
from gan_lib.config import config_to_dict
from gan_lib.data.embedded import embedded_data_dir
from gan_lib.data.io import DataFolderError, discover_images, folder_fingerprint, read_manifest
from gan_lib.data.preparation import default_workers, prepare_files
from gan_lib.data.sampling import runs_to_corners
from gan_lib.data.settings import DataConfig
from gan_lib.data.split import SPLITS, assign_splits
from gan_lib.data.working import CropTable, uint16_to_model_range

__all__ = ["CACHE_VERSION", "PreparedDataset", "prepare_dataset", "cache_key", "resolve_data_dir", "load_prepared"]

log = logging.getLogger(__name__)

#: Bump when preprocessing changes what a given config produces (invalidates every cache).
CACHE_VERSION = 2
_FILES = ("manifest.csv", "config.json")


@dataclass(frozen=True)
class PreparedDataset:
    """A prepared, cached dataset: the fixed sets ``images(split)``, the ``manifest``, and crops on demand."""

    root: Path  # data/processed/<key>/
    config: DataConfig  # the settings that produced it
    manifest: pd.DataFrame  # one row per example (see module docstring)

    def _rows(self, split: str) -> pd.DataFrame:
        """The manifest rows of ``split`` in index order; a clear error for an unknown or empty split."""
        if split not in SPLITS:
            raise ValueError(f"PreparedDataset.images: split must be one of {SPLITS}; got {split!r}.")
        rows = self.manifest[self.manifest["split"] == split].sort_values("index")
        if rows.empty:
            patients = self.manifest["patient_id"].nunique()
            raise ValueError(
                f"PreparedDataset.images: split {split!r} is empty in {self.root} ({patients} patient(s); "
                "'val' needs >= 3 patients, 'heldout' needs training patients with >= 2 images and "
                "heldout_per_patient >= 1). Use a split that exists: "
                f"{sorted(self.manifest['split'].unique())}."
            )
        return rows

    def count(self, split: str) -> int:
        """Number of fixed examples in ``split`` (the length of ``images(split)``) without reading them."""
        return len(self._rows(split))

    def images(self, split: str, *, subset: np.ndarray | None = None) -> np.ndarray:
        """The fixed examples of ``split`` ("train", "val", "test", "heldout"): ``float32 (N, H, W)`` in [-1, 1].

        Patch mode cuts them from the stored working images at the manifest's
        corners (the evaluation references); whole mode reads ``images.npy``.
        ``subset`` (positions in the split, in the order wanted) reads only
        those examples, so a capped evaluation set of a large dataset never
        holds the whole split in memory.

        Raises
        ------
        ValueError
            For an unknown split name, or a split that is empty in this dataset.
        """
        rows = self._rows(split)
        if subset is not None:
            rows = rows.iloc[np.asarray(subset, dtype=np.int64)]
        if self.config.mode == "whole":
            array = np.load(self.root / "images.npy", mmap_mode="r")
            return np.ascontiguousarray(array[rows["index"].to_numpy()], dtype=np.float32)
        size = self.config.image_size
        out = np.empty((len(rows), size, size), np.float32)
        opened: dict[str, np.ndarray] = {}
        for j, (stem, r, c) in enumerate(zip(rows["working_file"], rows["work_row"], rows["work_col"])):
            if stem not in opened:
                opened = {stem: np.load(self.root / f"{stem}.image.npy", mmap_mode="r")}
            out[j] = uint16_to_model_range(opened[stem][r : r + size, c : c + size])
        return out

    def crop_table(self, split: str) -> CropTable:
        """Every valid ``image_size`` crop of the working images of ``split`` (patch mode), for training on
        fresh crops (:class:`~gan_lib.training.crops.CropSource`) or drawing evaluation sets."""
        if self.config.mode != "patch":
            raise ValueError(
                f"PreparedDataset.crop_table: needs a patch-mode dataset; {self.root} is "
                f"{self.config.mode!r} mode (use images(split))."
            )
        stems = self._rows(split)["working_file"].drop_duplicates()
        return CropTable([self.root / stem for stem in stems], size=self.config.image_size)

    def random_crops(self, split: str, count: int, *, seed: int = 0, weighting: str = "image") -> np.ndarray:
        """``count`` random valid crops of ``split``'s working images: ``float32 (count, H, W)`` in [-1, 1].

        Drawn with replacement from every valid position (not capped by
        ``patches_per_image``); ``weighting="image"`` gives every view the same
        expected share.  Unflipped, seeded by ``seed``.
        """
        table = self.crop_table(split)
        return table.crops(*table.draw(np.random.default_rng(seed), count, weighting=weighting))

    def split_table(self) -> pd.DataFrame:
        """Per split: number of source images, patients and examples (patches or whole images)."""
        rows = []
        for split in SPLITS:
            part = self.manifest[self.manifest["split"] == split]
            rows.append(
                {
                    "split": split,
                    "images": part["source_file"].nunique(),
                    "patients": part["patient_id"].nunique(),
                    "examples": len(part),
                }
            )
        return pd.DataFrame(rows).set_index("split")


def resolve_data_dir(config: DataConfig) -> Path:
    """The folder ``config`` reads: ``data_dir`` resolved, or the embedded examples when it is ``None``."""
    return embedded_data_dir() if config.data_dir is None else Path(config.data_dir).expanduser().resolve()


def cache_key(config: DataConfig, folder: Path, fingerprint: str) -> str:
    """The cache folder name: a digest of the config, the data folder, its fingerprint and :data:`CACHE_VERSION`."""
    payload = {
        "config": config_to_dict(config),
        "folder": str(folder),
        "fingerprint": fingerprint,
        "version": CACHE_VERSION,
    }
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


def _records(folder: Path, files: list[Path], config: DataConfig) -> tuple[list[Path], dict[Path, dict[str, str]]]:
    """Files to load and the manifest metadata of each (empty without a manifest or with ``ignore_manifests``)."""
    if config.ignore_manifests:
        log.info(
            "ignore_manifests=True: any CSV in %s is ignored; metadata come from DICOM tags and file names.", folder
        )
        return files, {}
    manifest = read_manifest(folder)
    if manifest is None:
        return files, {}
    listed = {
        row.file: {"patient_id": row.patient_id, "laterality": row.laterality, "view": row.view}
        for row in manifest.itertuples()
    }
    unlisted = len({f.resolve() for f in files} - set(listed))
    if unlisted:
        log.info("Manifest present: %d image file(s) in %s that it does not list are ignored.", unlisted, folder)
    return sorted(listed), listed


def _to_original(box: tuple[int, int, int, int], record: dict[str, Any]) -> tuple[int, int, int, int]:
    """A ``(row0, row1, col0, col1)`` box of the working image (flipped frame) in original-file pixels."""
    r0, r1, c0, c1 = box
    if record["flipped"]:
        c0, c1 = record["work_width"] - c1, record["work_width"] - c0
    sy, sx = record["scale_rows"], record["scale_cols"]
    return int(round(r0 / sy)), int(round(r1 / sy)), int(round(c0 / sx)), int(round(c1 / sx))


def _example_rows(
    record: dict[str, Any], stem: str, out: Path, config: DataConfig, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """The manifest columns of one image's examples: its fixed patches (drawn with ``rng``) or its whole image."""
    if config.mode == "whole":
        return [
            {
                "crop_box": record["crop_box"],
                "scale": record["whole_scale"],
                "patch_x": None,
                "patch_y": None,
                "patch_size": None,
            }
        ]
    runs = np.load(out / f"{stem}.runs.npy")
    count = int(record["valid_corners"])
    if count == 0:
        return []
    # The same draw as sample_patches: distinct corners among the valid ones in row-major order.
    chosen = runs_to_corners(runs, rng.choice(count, size=min(config.patches_per_image, count), replace=False))
    size = config.image_size
    rows = []
    for r, c in chosen:
        r0, _, c0, _ = _to_original((r, r + size, c, c + size), record)
        rows.append(
            {
                "crop_box": record["crop_box"],
                "scale": config.patch_scale,
                "patch_x": c0,
                "patch_y": r0,
                "patch_size": int(round(size / record["scale_cols"])),
                "work_row": int(r),
                "work_col": int(c),
            }
        )
    return rows


def _log_skipped(records: list[dict[str, Any]]) -> None:
    """Warn once per reason for the files left out, and once for breasts on the side their metadata contradict."""
    skipped: dict[str, list[str]] = {"unreadable": [], "no breast": [], "not a full mammogram": []}
    for record in records:
        if "skipped" in record:
            skipped[record["skipped"]].append(record["name"])
    for reason, names in skipped.items():
        if names:
            log.warning("Skipped %d file(s) (%s), e.g. %s.", len(names), reason, names[0])
    disagree = [Path(r["source_file"]).name for r in records if r.get("side_disagrees")]
    if disagree:
        log.warning(
            "%d image(s) have the breast on the side opposite to their laterality metadata in the standard display "
            "(e.g. %s); the image itself decided the flip.",
            len(disagree),
            disagree[0],
        )


def _split_manifest(rows: list[dict], config: DataConfig) -> pd.DataFrame:
    """The manifest of ``rows``: each source image's split (by patient), an ``index``, documented columns first."""
    manifest = pd.DataFrame(rows)
    per_image = manifest.drop_duplicates("source_index").sort_values("source_index")
    image_split = assign_splits(
        list(per_image["patient_id"]),
        fractions=config.split_fractions,
        heldout_per_patient=config.heldout_per_patient,
        seed=config.seed,
    )
    manifest["split"] = manifest["source_index"].map(dict(zip(per_image["source_index"], image_split)))
    manifest.insert(0, "index", np.arange(len(manifest)))
    first = [
        "index",
        "split",
        "patient_id",
        "view",
        "laterality",
        "source_file",
        "crop_box",
        "scale",
        "patch_x",
        "patch_y",
    ]
    last = [c for c in ("working_file", "work_row", "work_col") if c in manifest.columns]
    return manifest[first + [c for c in manifest.columns if c not in first + last] + last]


_RECORD_COLUMNS = (
    "patient_id",
    "laterality",
    "view",
    "source_file",
    "flipped",
    "chest_wall",
    "original_height",
    "original_width",
    "metadata_source",
)


def _build(
    config: DataConfig, folder: Path, files: list[Path], staging: Path, *, workers: int, progress: bool
) -> pd.DataFrame:
    """Prepare every usable file into ``staging/working`` (resuming), draw the fixed sets, split by patient."""
    load, listed = _records(folder, files, config)
    out = staging / "working"
    records = prepare_files(load, listed, folder, config, out, workers=workers, progress=progress)
    _log_skipped(records)
    rng = np.random.default_rng(config.seed)
    rows, source_index = [], 0
    for i, record in enumerate(records):
        if "skipped" in record:
            continue
        stem = f"{i:06d}"
        examples = _example_rows(record, stem, out, config, rng)
        if config.mode == "patch" and len(examples) < config.patches_per_image:
            log.warning(
                "%s: only %d of %d patches fit the breast with min_tissue_fraction=%.2f.",
                Path(record["source_file"]).name,
                len(examples),
                config.patches_per_image,
                config.min_tissue_fraction,
            )
        common = {k: record[k] for k in _RECORD_COLUMNS}
        extra = {"working_file": f"working/{stem}"}
        rows.extend({**common, **row, "source_index": source_index, **extra} for row in examples)
        source_index += 1
    if not rows:
        raise DataFolderError(f"No usable mammogram in {folder}: {len(records)} file(s), none with a usable breast.")
    manifest = _split_manifest(rows, config)
    if config.mode == "whole":
        _write_whole_images(staging, manifest)
    return manifest


def _write_whole_images(staging: Path, manifest: pd.DataFrame) -> None:
    """Gather whole mode's per-image examples into ``images.npy`` (index order) without holding them all."""
    stems = manifest.sort_values("index")["working_file"].tolist()
    first = np.load(staging / f"{stems[0]}.example.npy")
    with atomic_path(staging / "images.npy") as tmp:
        images = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(len(stems), *first.shape))
        for j, stem in enumerate(stems):
            images[j] = np.load(staging / f"{stem}.example.npy")
        images.flush()
        del images


def _publish(root: Path, staging: Path, manifest: pd.DataFrame, meta: dict) -> None:
    """Write the manifest and config into ``staging``, then swap it into ``root``; an earlier ``root`` survives."""
    with atomic_path(staging / "manifest.csv") as tmp:
        manifest.to_csv(tmp, index=False)
    atomic_write_json(staging / "config.json", meta)
    old = root.parent / f".{root.name}.old-{os.getpid()}"
    if root.exists():
        os.replace(root, old)
    os.replace(staging, root)
    shutil.rmtree(old, ignore_errors=True)


def prepare_dataset(
    config: DataConfig, *, progress: bool = True, rebuild: bool = False, workers: int | None = None
) -> PreparedDataset:
    """Load, preprocess, store and split the mammograms of ``config``; cached under ``data/processed/<key>/``.

    A second call with the same config and unchanged files loads the cache
    (logged).  An interrupted call leaves its finished files in
    ``data/processed/.<key>.partial/``; the next call continues from them.
    ``rebuild=True`` prepares everything again and replaces the cache only once
    the new one is complete.

    Parameters
    ----------
    config : DataConfig
    progress : bool
        Show a progress bar (images done / total).
    rebuild : bool
        Ignore the cache and any unfinished preparation.
    workers : int, optional
        Processes decoding and preprocessing files in parallel; ``None`` = the
        CPUs this process may use.  Peak memory grows with ``workers`` (each
        holds one decoded scan), not with the number of files.

    Raises
    ------
    DataFolderError
        Missing or empty folder, a manifest naming missing files or lacking
        columns, nothing usable.
    ImageReadError
        A file cannot be decoded (unless ``config.skip_bad_images``); names the file.
    NoBreastFoundError
        An image holds no breast (unless ``config.skip_bad_images``); a
        :class:`~gan_lib.data.preparation.NoBreastInFileError` naming the file.
    """
    folder = resolve_data_dir(config)
    files = discover_images(folder)
    fingerprint = folder_fingerprint(files)
    key = cache_key(config, folder, fingerprint)
    root = paths.PROCESSED_DATA_DIR / key
    if not rebuild and all((root / name).is_file() for name in _FILES):
        log.info("Cache hit: loading prepared dataset from %s.", root)
        return load_prepared(root)
    staging = root.parent / f".{key}.partial"
    if rebuild:
        shutil.rmtree(staging, ignore_errors=True)
    elif staging.exists():
        log.info("Resuming the unfinished preparation in %s.", staging)
    start = time.perf_counter()
    manifest = _build(config, folder, files, staging, workers=workers or default_workers(), progress=progress)
    meta = {
        "config": config_to_dict(config),
        "data_folder": str(folder),
        "fingerprint": fingerprint,
        "key": key,
        "cache_version": CACHE_VERSION,
        "n_examples": int(len(manifest)),
        "image_shape": [config.image_size, config.image_size],
    }
    _publish(root, staging, manifest, meta)
    log.info(
        "Prepared %d example(s) from %d image(s) in %.1f s into %s.",
        len(manifest),
        manifest["source_file"].nunique(),
        time.perf_counter() - start,
        root,
    )
    return load_prepared(root)
