"""Build a blinded reader study: real and generated images as anonymous, identical-looking files.

Thesis section X-I asks radiologists whether generated mammograms are
clinically plausible.  A study folder holds

- ``items/<id>.png`` — one PNG per item, ``id`` being 32 random hex digits;
- ``ratings.sqlite`` — the answer key, the readers and their answers (see :mod:`.db`).

Nothing outside the database may reveal which items are synthetic:

- both classes pass through the same conversion (:func:`gan_lib.imaging.to_uint8`)
  and must have the same shape, so dimensions and dtype are identical;
- every PNG is written by the same encoder with zlib level 0 (stored, not
  compressed), so every file of a study has *exactly the same byte length* —
  compressibility (GAN images are often smoother or noisier than real ones)
  cannot leak through file sizes or transfer times;
- the only chunks are ``IHDR``, ``IDAT`` (one or, for larger images, several in
  a row) and ``IEND`` (no text, time, gamma or physical-size chunks), which
  :func:`png_chunks` checks for every file;
- files are written in random order and all get the same modification time,
  and the database rows are inserted in random order.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import secrets
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from gan_lib.atomic import atomic_path, atomic_write_bytes
from gan_lib.config import RunPaths
from gan_lib.imaging import check_image_set, to_uint8
from gan_lib.run import load_run
from gan_lib.validation import db
from gan_lib.validation.security import hash_verifier, new_item_id

__all__ = ["Study", "encode_png", "png_chunks", "create_study", "create_study_from_run", "STUDY_REAL_SPLITS"]

#: Splits a run's real images are drawn from, in order of preference (never the training split).
STUDY_REAL_SPLITS = ("test", "heldout")
_ALLOWED_CHUNKS = ("IHDR", "IDAT", "IEND")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Study:
    """A created study (the admin secret is only known here and printed once)."""

    root: Path  # the study folder
    db_path: Path  # root / "ratings.sqlite"
    admin_secret: str = field(repr=False)  # give it to the study owner; only its SHA-256 digest is stored
    n_real: int
    n_generated: int
    n_repeat_items: int
    image_shape: tuple[int, int]  # (H, W) of every item
    png_bytes: int  # byte length shared by every item file


def encode_png(image: np.ndarray) -> bytes:
    """Encode one ``uint8 (H, W)`` image as a metadata-free, uncompressed greyscale PNG.

    zlib level 0 makes the byte length depend only on ``(H, W)``, never on the
    pixel content; Pillow writes no ancillary chunks unless asked to.

    Examples
    --------
    >>> data = encode_png(np.zeros((8, 8), dtype=np.uint8))
    >>> png_chunks(data)
    ['IHDR', 'IDAT', 'IEND']
    >>> len(data) == len(encode_png(np.full((8, 8), 200, dtype=np.uint8)))
    True
    """
    if image.dtype != np.uint8 or image.ndim != 2:
        raise ValueError(f"encode_png: expected a uint8 (H, W) image; got {image.dtype} {image.shape}.")
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=0, optimize=False)
    return buffer.getvalue()


def png_chunks(data: bytes) -> list[str]:
    """The chunk types of a PNG file, in order (raises ``ValueError`` if it is not a PNG)."""
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("png_chunks: data does not start with the PNG signature.")
    chunks, offset = [], len(_PNG_SIGNATURE)
    while offset < len(data):
        if offset + 8 > len(data):
            raise ValueError("png_chunks: truncated chunk header.")
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        chunks.append(data[offset + 4 : offset + 8].decode("latin-1"))
        offset += 12 + length
    if offset != len(data):
        raise ValueError("png_chunks: truncated final chunk.")
    return chunks


def _split_repeats(n_real: int, n_generated: int, repeats: int, rng: random.Random) -> tuple[int, int]:
    """How many real and synthetic items to repeat: half each (odd ``repeats``: the extra one at random)."""
    real = repeats // 2 + (repeats % 2 if rng.random() < 0.5 else 0)
    synthetic = repeats - real
    if real > n_real or synthetic > n_generated:
        raise ValueError(
            f"create_study: repeats={repeats} needs {real} real and {synthetic} generated items; "
            f"got {n_real} and {n_generated}. Lower repeats."
        )
    return real, synthetic


def create_study(
    real_images: np.ndarray,
    generated_images: np.ndarray,
    out_dir: str | os.PathLike[str],
    *,
    seed: int = 0,
    repeats: int = 10,
    real_sources: Sequence[tuple[str, int]] | None = None,
    metadata: dict[str, object] | None = None,
) -> Study:
    """Write a blinded reader study from two image sets.

    Parameters
    ----------
    real_images, generated_images : np.ndarray
        ``(N, H, W)`` or ``(N, 1, H, W)`` float sets in [-1, 1], the same ``(H, W)``.
        Real images must be held out from training.
    out_dir : path-like
        New or empty folder for the study.
    seed : int
        Seeds the choice of repeat items and the order of files on disk.
        Item ids and each reader's order use :mod:`secrets` and are not reproducible by design.
    repeats : int
        Items shown twice to every reader (half real, half synthetic) for intra-reader consistency; 0 for none.
    real_sources : sequence of (str, int), optional
        Provenance of each real image, e.g. ``("test", 12)``; default ``("array", i)``.
    metadata : dict, optional
        Extra JSON-serialisable facts stored in the database's ``meta`` table (e.g. the run path).

    Returns
    -------
    Study
        With the admin secret, which is not stored anywhere in clear.

    Raises
    ------
    ValueError
        For bad image sets, mismatched shapes, bad ``repeats`` or a non-empty ``out_dir``.
    """
    real, fake, real_sources = _check_inputs(real_images, generated_images, real_sources, repeats=repeats)
    out_dir = Path(out_dir)
    db_path = out_dir / "ratings.sqlite"
    items_dir = out_dir / "items"
    if db_path.exists() or (items_dir.exists() and any(items_dir.iterdir())):
        raise ValueError(
            f"create_study: {out_dir} already holds a study; pass another out_dir or delete that folder "
            "(its ratings would be lost)."
        )
    rng = random.Random(seed)
    entries = _shuffled_entries(real, fake, real_sources, repeats=repeats, rng=rng)
    rows, png_bytes = _write_items(entries, items_dir)
    admin_secret = secrets.token_urlsafe(32)
    meta = {
        "created_at": db.utc_now().isoformat(timespec="seconds"),
        "seed": str(seed),
        "n_real": str(len(real)),
        "n_generated": str(len(fake)),
        "repeat_items": str(repeats),
        "image_shape": json.dumps(list(real.shape[1:])),
        "png_bytes": str(png_bytes),
        "real_sources": json.dumps(sorted({src for src, _ in real_sources})),
        "admin_secret_sha256": hash_verifier(admin_secret),
    }
    meta.update(
        {key: value if isinstance(value, str) else json.dumps(value) for key, value in (metadata or {}).items()}
    )
    _write_database(db_path, rows, meta)
    return Study(
        root=out_dir,
        db_path=db_path,
        admin_secret=admin_secret,
        n_real=len(real),
        n_generated=len(fake),
        n_repeat_items=repeats,
        image_shape=tuple(real.shape[1:]),
        png_bytes=png_bytes,
    )


def _check_inputs(
    real_images: np.ndarray,
    generated_images: np.ndarray,
    real_sources: Sequence[tuple[str, int]] | None,
    *,
    repeats: int,
) -> tuple[np.ndarray, np.ndarray, Sequence[tuple[str, int]]]:
    """The two image sets as ``(N, H, W)`` arrays and the real images' sources (default ``("array", i)``), checked.

    Raises ``ValueError`` for bad image sets, different ``(H, W)``, negative
    ``repeats`` or a ``real_sources`` of the wrong length.
    """
    real = check_image_set(real_images, name="real_images")
    fake = check_image_set(generated_images, name="generated_images")
    if real.shape[1:] != fake.shape[1:]:
        raise ValueError(
            f"create_study: real and generated images must have the same (H, W) so size cannot reveal the label; "
            f"got {real.shape[1:]} and {fake.shape[1:]}. Generate at the dataset's image size."
        )
    if repeats < 0:
        raise ValueError(f"create_study: repeats must be >= 0; got {repeats}.")
    if real_sources is None:
        real_sources = [("array", i) for i in range(len(real))]
    if len(real_sources) != len(real):
        raise ValueError(f"create_study: real_sources has {len(real_sources)} entries for {len(real)} real images.")
    return real, fake, real_sources


#: One item to write: label, source, index within the source, image, whether it is a repeat item.
_Entry = tuple[str, str, int, np.ndarray, bool]


def _shuffled_entries(
    real: np.ndarray, fake: np.ndarray, real_sources: Sequence[tuple[str, int]], *, repeats: int, rng: random.Random
) -> list[_Entry]:
    """Every item in random order, with ``repeats`` of them (half real, half synthetic) marked as repeat items."""
    n_rep_real, n_rep_fake = _split_repeats(len(real), len(fake), repeats, rng)
    rep_real = set(rng.sample(range(len(real)), n_rep_real))
    rep_fake = set(rng.sample(range(len(fake)), n_rep_fake))
    entries = [("real", src, idx, real[i], i in rep_real) for i, (src, idx) in enumerate(real_sources)]
    entries += [("synthetic", "generated", i, fake[i], i in rep_fake) for i in range(len(fake))]
    rng.shuffle(entries)  # file creation order and row order carry no label information
    return entries


def _write_items(entries: Sequence[_Entry], items_dir: Path) -> tuple[list[tuple], int]:
    """Write one PNG per entry under a random id; returns the ``items`` rows and the byte length every file shares.

    Raises ``RuntimeError`` if the encoder wrote a chunk other than ``IHDR``,
    ``IDAT`` or ``IEND``, or if two files differ in size (either would leak labels).
    """
    items_dir.mkdir(parents=True, exist_ok=True)
    rows, sizes, stamp = [], set(), None
    for label, source, index, image, repeat_item in tqdm(entries, desc="study items", leave=False):
        data = encode_png(to_uint8(image))
        chunks = png_chunks(data)
        # Pillow splits the image data of larger images (256 px and up) over several consecutive IDAT chunks.
        if [c for k, c in enumerate(chunks) if c != "IDAT" or chunks[k - 1] != "IDAT"] != list(_ALLOWED_CHUNKS):
            raise RuntimeError(
                f"create_study: encoder wrote chunks {chunks}; only {_ALLOWED_CHUNKS} are allowed (IDAT repeated)."
            )
        item_id = new_item_id()
        path = atomic_write_bytes(items_dir / f"{item_id}.png", data)
        stamp = stamp or path.stat().st_mtime
        os.utime(path, (stamp, stamp))  # one modification time for all files
        sizes.add(len(data))
        rows.append((item_id, label, source, int(index), hashlib.sha256(data).hexdigest(), int(repeat_item)))
    if len(sizes) != 1:
        raise RuntimeError(f"create_study: item files differ in size {sorted(sizes)}; the size would leak labels.")
    return rows, sizes.pop()


def _write_database(db_path: Path, rows: Sequence[tuple], meta: dict[str, str]) -> None:
    """Create the study database with its ``items`` rows and ``meta`` settings.

    The database is built under a temporary name and moved in last: a study
    folder either has a complete database or none (an interrupted
    create-study can simply be rerun).
    """
    with atomic_path(db_path) as tmp:
        conn = db.connect(tmp, create=True)
        try:
            conn.execute("PRAGMA journal_mode = DELETE")  # a single file to move; serving switches to WAL
            db.init_schema(conn)
            with db.transaction(conn):
                conn.executemany(
                    "INSERT INTO items (item_id, label, source, source_index, sha256, repeat_item) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                for key, value in meta.items():
                    db.set_meta(conn, key, value)
        finally:
            conn.close()


def _draw_real(dataset: object, n: int, rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """``n`` held-out real images: a random subset of the ``test`` split first, topped up from ``heldout``."""
    available = {}
    for split in STUDY_REAL_SPLITS:
        try:
            available[split] = np.asarray(dataset.images(split))
        except (KeyError, ValueError):  # a split this dataset does not have
            continue
    total = sum(len(images) for images in available.values())
    if total < n:
        raise ValueError(
            f"create_study_from_run: asked for n_real={n} held-out real images but the run's "
            f"{'/'.join(STUDY_REAL_SPLITS)} splits hold {total}. Lower --n-real or prepare more patches."
        )
    chosen, sources = [], []
    for split, images in available.items():
        take = min(n - len(sources), len(images))
        index = np.sort(rng.choice(len(images), size=take, replace=False))
        chosen.append(images[index])
        sources += [(split, int(i)) for i in index]
    return np.concatenate(chosen), sources


def create_study_from_run(
    run_path: str | os.PathLike[str],
    *,
    n_real: int = 50,
    n_generated: int = 50,
    seed: int = 0,
    repeats: int = 10,
    out_dir: str | os.PathLike[str] | None = None,
) -> Study:
    """Create a study from a pipeline run: held-out real images vs the run's generator.

    Real images come from the run's dataset, ``test`` split (other patient)
    first and then ``heldout`` (held-out views of the training patient); the
    split of every real item is stored in ``items.source``.  Generated images
    are ``run.generate(n_generated, seed=seed)``.

    Parameters
    ----------
    run_path : path-like
        ``runs/<name>`` as written by the training stage, or just the run's name.
    out_dir : path-like, optional
        Default ``<run_path>/study``.
    """

    run = load_run(run_path)
    folder = Path(getattr(run, "path", run_path))  # a run name resolves to runs/<name>
    rng = np.random.default_rng(seed)
    real, sources = _draw_real(run.dataset(), n_real, rng)
    generated = run.generate(n_generated, seed=seed)
    return create_study(
        real,
        generated,
        out_dir if out_dir is not None else RunPaths(folder).study,
        seed=seed,
        repeats=repeats,
        real_sources=sources,
        metadata={"run": str(folder.resolve())},
    )
