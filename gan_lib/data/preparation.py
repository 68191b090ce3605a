"""Preparation of the files of a data folder by a pool of worker processes, resumable file by file.

Each file is decoded, preprocessed and written by :func:`prepare_file` (in a
worker process), which writes its outputs under the staging folder's
``working/`` and, last, a small ``{i:06d}.json`` record: a file whose record
exists is finished, so an interrupted preparation continues where it stopped
(:func:`prepare_files` skips finished files).  Only ``2 x workers`` files are
in flight at a time, so peak memory grows with the workers, not with the
number of files.  Every error names its file.
"""

from __future__ import annotations

import concurrent.futures as futures
import json
import multiprocessing
import os
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from gan_lib.atomic import atomic_path, atomic_write_json
from gan_lib.data.io import NON_MAMMOGRAM_SERIES, ImageReadError, RawImage, metadata_from_name, read_image
from gan_lib.data.mammogram import preprocess_mammogram
from gan_lib.data.preprocess import NoBreastFoundError, bounding_box, unit_to_model_range
from gan_lib.data.sampling import corner_runs, valid_corners, whole_image
from gan_lib.data.settings import DataConfig
from gan_lib.data.working import write_working

__all__ = ["NoBreastInFileError", "default_workers", "prepare_file", "prepare_files"]


class NoBreastInFileError(NoBreastFoundError):
    """An image file holds no breast; ``path`` names it and the message says the fix."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(
            f"{path}: no breast found ({reason}). Remove the file, or set skip_bad_images=True to skip such images."
        )
        self.path, self.reason = Path(path), reason

    def __reduce__(self) -> tuple:  # survives the trip back from a worker process
        return type(self), (self.path, self.reason)


def default_workers() -> int:
    """The CPUs this process may use (the default number of preparation workers)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _metadata(path: Path, raw: RawImage, listed: dict[str, str] | None, folder: Path) -> tuple[dict[str, str], str]:
    """Patient, laterality and view of one file, and where they came from: the manifest, DICOM tags or the name."""
    if listed is not None:
        return listed, "manifest"
    if raw.patient_id:
        name_meta = metadata_from_name(Path(raw.patient_id))
        patient = name_meta[0] if name_meta[1] else raw.patient_id
        return {
            "patient_id": patient,
            "laterality": raw.laterality or name_meta[1],
            "view": raw.view or name_meta[2],
        }, "dicom"
    patient, laterality, view = metadata_from_name(path, root=folder)
    return {"patient_id": patient, "laterality": laterality, "view": view}, "filename"


def _record(out: Path, stem: str, record: dict[str, Any]) -> dict[str, Any]:
    """Write ``record`` as the file's finished-marker ``<stem>.json`` (last, atomically) and return it."""
    atomic_write_json(out / f"{stem}.json", record)
    return record


def prepare_file(
    index: int, path: Path, listed: dict[str, str] | None, folder: Path, config: DataConfig, out: Path
) -> dict[str, Any]:
    """Decode, preprocess and store file ``index`` (``path``) under ``out``; return its record.

    Patch mode stores the working image, mask and corner runs
    (:func:`~gan_lib.data.working.write_working`), whole mode the ``float32
    (size, size)`` example as ``<stem>.example.npy``.  The record (also
    written as ``<stem>.json``) holds the file's metadata and geometry, or
    ``{"skipped": reason}`` for a bad file when ``config.skip_bad_images``.

    Raises
    ------
    ImageReadError
        The file cannot be decoded (names the file).
    NoBreastInFileError
        The image holds no breast (names the file).
    Exception
        Anything else that goes wrong, with a note naming the file.
    """
    try:
        return _prepare_file(index, path, listed, folder, config, out)
    except (ImageReadError, NoBreastInFileError):
        raise
    except Exception as exc:
        exc.add_note(f"(while preparing {path})")
        raise


def _prepare_file(
    index: int, path: Path, listed: dict[str, str] | None, folder: Path, config: DataConfig, out: Path
) -> dict[str, Any]:
    """The work of :func:`prepare_file`."""
    stem = f"{index:06d}"
    try:
        raw = read_image(path)
    except ImageReadError:
        if not config.skip_bad_images:
            raise
        return _record(out, stem, {"skipped": "unreadable", "name": path.name})
    if any(tag in raw.series_description.lower() for tag in NON_MAMMOGRAM_SERIES):
        return _record(out, stem, {"skipped": "not a full mammogram", "name": path.name})
    meta, source = _metadata(path, raw, listed, folder)
    try:
        pre = preprocess_mammogram(raw, view=meta["view"], config=config)
    except NoBreastFoundError as exc:
        if not config.skip_bad_images:
            raise NoBreastInFileError(path, str(exc)) from None
        return _record(out, stem, {"skipped": "no breast", "name": path.name})
    del raw
    image, mask = pre.image, pre.flipped_mask
    record = {
        **meta,
        "source_file": str(path),
        "metadata_source": source,
        "flipped": pre.flipped,
        "chest_wall": pre.chest_wall,
        "original_height": pre.original_shape[0],
        "original_width": pre.original_shape[1],
        "scale_rows": pre.scale[0],
        "scale_cols": pre.scale[1],
        "work_height": image.shape[0],
        "work_width": image.shape[1],
        "crop_box": " ".join(map(str, pre.box_to_original(bounding_box(mask, margin=config.crop_margin)))),
    }
    expected = {"L": "left", "R": "right"}.get(meta["laterality"])
    record["side_disagrees"] = bool(expected and expected != pre.chest_wall)
    if config.mode == "whole":
        example, box = whole_image(
            image, mask, size=config.image_size, chest_wall=config.flip_to, margin=config.crop_margin
        )
        record["crop_box"] = " ".join(map(str, pre.box_to_original(box)))
        record["whole_scale"] = config.image_size / max(box[1] - box[0], box[3] - box[2]) * sum(pre.scale) / 2
        with atomic_path(out / f"{stem}.example.npy") as tmp:
            np.save(tmp, unit_to_model_range(example))
    else:
        runs = corner_runs(valid_corners(mask, size=config.image_size, min_tissue_fraction=config.min_tissue_fraction))
        write_working(out, stem, image=image, mask=mask, runs=runs)
        record["valid_corners"] = int(runs[:, 2].sum())
    return _record(out, stem, record)


def _finished(out: Path, index: int) -> dict[str, Any] | None:
    marker = out / f"{index:06d}.json"
    return json.loads(marker.read_text()) if marker.is_file() else None


def prepare_files(
    files: list[Path],
    listed: dict[Path, dict[str, str]],
    folder: Path,
    config: DataConfig,
    out: Path,
    *,
    workers: int,
    progress: bool,
) -> list[dict[str, Any]]:
    """Prepare every file of ``files`` not yet finished under ``out``; the records in file order.

    ``workers == 1`` works in this process; more start a pool of processes
    (``forkserver``/``spawn``, safe beside torch and Jupyter) with at most ``2 x workers``
    files in flight.  The first error cancels what is queued and is raised
    (finished files stay, so a second call continues).
    """
    if workers < 1:
        raise ValueError(f"prepare_dataset: workers must be >= 1 (or None for the CPU count); got {workers}.")
    out.mkdir(parents=True, exist_ok=True)
    records: dict[int, dict[str, Any]] = {}
    todo = []
    for i in range(len(files)):
        done = _finished(out, i)
        if done is None:
            todo.append(i)
        else:
            records[i] = done
    bar = tqdm(total=len(files), initial=len(records), desc="Preparing mammograms", unit="image", disable=not progress)
    args = [(i, files[i], listed.get(files[i]), folder, config, out) for i in todo]
    try:
        if workers == 1 or len(todo) <= 1:
            for task in args:
                records[task[0]] = prepare_file(*task)
                bar.update(1)
        else:
            _run_pool(args, records, workers=min(workers, len(todo)), bar=bar)
    finally:
        bar.close()
    return [records[i] for i in range(len(files))]


def _context() -> multiprocessing.context.BaseContext:
    """``forkserver`` with this module preloaded where available (fast, safe beside torch threads), else ``spawn``."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def _run_pool(args: list[tuple], records: dict[int, dict[str, Any]], *, workers: int, bar: tqdm) -> None:
    """Run :func:`prepare_file` on ``args`` in ``workers`` processes, ``2 x workers`` in flight; fill ``records``."""
    pending = iter(args)
    with futures.ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        running: dict[futures.Future, int] = {}
        try:
            while True:
                for task in pending:
                    running[pool.submit(prepare_file, *task)] = task[0]
                    if len(running) >= 2 * workers:
                        break
                if not running:
                    return
                done, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
                for future in done:
                    records[running.pop(future)] = future.result()
                    bar.update(1)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
