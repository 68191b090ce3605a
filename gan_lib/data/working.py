"""The stored working images of a prepared dataset and the table of their valid crop corners.

In patch mode :func:`~gan_lib.data.prepare_dataset` keeps, for every usable
mammogram ``i`` (its position in the folder's file list), three memory-mappable
files under ``<cache>/working/``:

* ``{i:06d}.image.npy`` -- ``uint16 (h, w)``: the preprocessed image at the
  working scale (``patch_scale``), flipped to ``flip_to``, zero outside the
  breast, its [0, 1] intensities quantised to :data:`LEVELS` + 1 levels;
* ``{i:06d}.mask.npy`` -- ``uint8 (h, ceil(w / 8))``: the breast mask in the same
  frame, 8 pixels per byte along rows (``np.packbits``; :func:`read_mask` unpacks it);
* ``{i:06d}.runs.npy`` -- ``int32 (n, 3)``: the valid crop corners
  (:func:`~gan_lib.data.sampling.valid_corners`) as row runs
  (:func:`~gan_lib.data.sampling.corner_runs`).

Why ``uint16`` and not ``float16`` (both 2 bytes per pixel): the intensities
are clipped to [0, 1], so ``uint16`` spends all 65,536 codes on that interval
and its error is uniform, at most 0.5 / 65535 = 7.6e-6 (1.5e-5 in the model's
[-1, 1]); ``float16`` has 11 significant bits, so its error grows with the
value, up to 2.4e-4 just below 1 (32 x worse where the dense tissue is).
``benchmarks/data_scale.py`` measures both against ``float32``.

:class:`CropTable` reads crops of such images through memory maps that each
process opens lazily, so it can be pickled into ``DataLoader`` workers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np

from gan_lib.atomic import atomic_path
from gan_lib.data.preprocess import unit_to_model_range
from gan_lib.data.sampling import runs_to_corners

__all__ = ["LEVELS", "WEIGHTINGS", "CropTable", "quantise", "read_mask", "uint16_to_model_range", "write_working"]

#: Largest stored code: [0, 1] intensities are stored as ``round(x * LEVELS)`` in ``uint16``.
LEVELS = 65535
#: How :meth:`CropTable.draw` picks the image of a crop.
WEIGHTINGS = ("corner", "image")


def quantise(image: np.ndarray) -> np.ndarray:
    """``uint16`` codes of [0, 1] intensities (clipped): ``round(x * 65535)``.

    Examples
    --------
    >>> quantise(np.array([0.0, 0.5, 1.0, 2.0])).tolist()
    [0, 32768, 65535, 65535]
    """
    return np.round(np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0) * LEVELS).astype(np.uint16)


def uint16_to_model_range(codes: np.ndarray) -> np.ndarray:
    """``float32`` model-range [-1, 1] images of stored ``uint16`` codes (any shape).

    Examples
    --------
    >>> uint16_to_model_range(np.array([0, 65535], np.uint16)).tolist()
    [-1.0, 1.0]
    """
    return unit_to_model_range(np.asarray(codes, dtype=np.float32) / np.float32(LEVELS))


def write_working(folder: Path, stem: str, *, image: np.ndarray, mask: np.ndarray, runs: np.ndarray) -> None:
    """Write one mammogram's working image (quantised), mask and corner runs atomically under ``folder``."""
    for name, array in (
        ("image", quantise(image)),
        ("mask", np.packbits(np.asarray(mask, dtype=bool), axis=1)),
        ("runs", np.asarray(runs, dtype=np.int32)),
    ):
        with atomic_path(Path(folder) / f"{stem}.{name}.npy") as tmp:
            np.save(tmp, array)


def read_mask(stem: str | Path) -> np.ndarray:
    """The breast mask stored by :func:`write_working` under ``stem``: ``bool (h, w)``.

    Examples
    --------
    >>> import tempfile
    >>> stem = Path(tempfile.mkdtemp()) / "000000"
    >>> mask = np.eye(3, 11, dtype=bool)
    >>> write_working(stem.parent, stem.name, image=mask, mask=mask, runs=np.zeros((0, 3)))
    >>> bool((read_mask(stem) == mask).all())
    True
    """
    width = np.load(f"{stem}.image.npy", mmap_mode="r").shape[1]
    return np.unpackbits(np.load(f"{stem}.mask.npy"), axis=1, count=width).astype(bool)


class CropTable:
    """The valid ``size`` x ``size`` crops of some stored working images.

    Parameters
    ----------
    stems : sequence of path
        ``<folder>/{i:06d}`` of each working image (see the module docstring).
    size : int
        Crop side in working pixels.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_working(folder, "000000", image=np.ones((6, 6)), mask=np.ones((6, 6), bool),
    ...               runs=np.array([[0, 0, 5], [1, 0, 5]]))
    >>> table = CropTable([folder / "000000"], size=2)
    >>> table.total
    10
    >>> table.crops(*table.draw(np.random.default_rng(0), 3)).shape
    (3, 2, 2)
    """

    def __init__(self, stems: Sequence[Path], *, size: int) -> None:
        self.stems = [Path(s) for s in stems]
        self.size = int(size)
        self.runs = [np.load(f"{s}.runs.npy") for s in self.stems]
        self.counts = np.array([int(r[:, 2].sum()) for r in self.runs], np.int64)
        if not self.stems or self.counts.min() < 1:
            raise ValueError(f"CropTable: needs images with >= 1 valid crop each; got counts {self.counts.tolist()}.")
        self._ends = np.cumsum(self.counts)
        self._images: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.stems)

    @property
    def total(self) -> int:
        """Number of distinct valid crops over all images."""
        return int(self._ends[-1])

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_images"] = {}  # each process maps the files itself
        return state

    def image(self, index: int) -> np.ndarray:
        """The stored ``uint16 (h, w)`` working image ``index``, memory-mapped (opened once per process)."""
        if index not in self._images:
            self._images[index] = np.load(f"{self.stems[index]}.image.npy", mmap_mode="r")
        return self._images[index]

    def fingerprint(self) -> str:
        """A digest of the crop size, the corner tables and the image files' names and sizes."""
        digest = hashlib.sha256(str(self.size).encode())
        for stem, runs in zip(self.stems, self.runs):
            digest.update(f"{stem.name}\0{Path(f'{stem}.image.npy').stat().st_size}\0".encode())
            digest.update(np.ascontiguousarray(runs).tobytes())
        return digest.hexdigest()

    def preview(self, count: int) -> np.ndarray:
        """``count`` crops drawn with seed 0 (``float32 (count, size, size)``), for checks and speed probes."""
        return self.crops(*self.draw(np.random.default_rng(0), count))

    def draw(self, rng: np.random.Generator, count: int, *, weighting: str = "corner") -> tuple[np.ndarray, np.ndarray]:
        """``count`` random crops: ``(image index int64 (count,), corner (row, col) int64 (count, 2))``.

        ``weighting="corner"`` draws uniformly among all valid crops of all
        images (a large breast gives more crops); ``"image"`` picks the image
        uniformly first, so every view counts equally.  With replacement.
        """
        if weighting == "corner":
            flat = rng.integers(0, self.total, size=count)
            images = np.searchsorted(self._ends, flat, side="right")
            local = flat - (self._ends[images] - self.counts[images])
        elif weighting == "image":
            images = rng.integers(0, len(self), size=count)
            local = np.minimum(
                np.floor(rng.random(count) * self.counts[images]).astype(np.int64), self.counts[images] - 1
            )
        else:
            raise ValueError(f"CropTable.draw: weighting must be one of {WEIGHTINGS}; got {weighting!r}.")
        corners = np.empty((count, 2), np.int64)
        for i in np.unique(images):
            chosen = images == i
            corners[chosen] = runs_to_corners(self.runs[i], local[chosen])
        return images.astype(np.int64), corners

    def crops(self, images: np.ndarray, corners: np.ndarray, *, flips: np.ndarray | None = None) -> np.ndarray:
        """The crops at ``corners`` of ``images``: ``float32 (k, size, size)`` in [-1, 1], flipped where ``flips``."""
        s = self.size
        codes = np.empty((len(images), s, s), np.uint16)
        for j, (i, (r, c)) in enumerate(zip(images, corners)):
            codes[j] = self.image(int(i))[r : r + s, c : c + s]
        if flips is not None:
            codes[flips] = codes[flips, :, ::-1]
        return uint16_to_model_range(codes)
