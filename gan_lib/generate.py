"""Sample images from a trained generator: :func:`generate` and ``python -m gan_lib.generate``.

::

    python -m gan_lib.generate --checkpoint runs/quick/checkpoints/last.pt --n 16 --seed 0 --out samples/
    python -m gan_lib.generate --run quick --checkpoint best --n 16 --out samples/
    python -m gan_lib.generate --checkpoint runs/quick/checkpoints/last.pt --n 1000 --out generated.npy
    python -m gan_lib.generate --checkpoint runs/<run>/rq2/.../checkpoints/last.pt --n 16 --label 1 --out pos/

A folder ``--out`` receives ``sample_00000.png, ...`` (uint8, via
``gan_lib.imaging.to_uint8``); a ``.npy`` path receives the float32 array in
[-1, 1].  Both are written atomically.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from PIL import Image

from .atomic import atomic_path, atomic_save, atomic_write_json
from .config import resolve_checkpoint, run_paths
from .imaging import check_image_set, to_uint8
from .models import call_with_labels
from .training.checkpoint import build_generator, load_checkpoint

__all__ = ["generate", "cached_generate", "save_images", "main"]


def generate(
    checkpoint: str | os.PathLike[str],
    n: int,
    *,
    seed: int = 0,
    batch_size: int = 256,
    device: str = "cpu",
    labels: int | Sequence[int] | np.ndarray | None = None,
) -> np.ndarray:
    """Draw ``n`` images from the generator stored in ``checkpoint``.

    The generator runs in eval mode (BatchNorm uses its running statistics, so
    an image does not depend on the others in its batch) under
    ``torch.inference_mode``.  Latent vectors are drawn on the CPU from
    ``seed`` all at once, then, for a generator with noise stages, its noise
    images from the same random generator, so the result is the same for any
    ``batch_size`` and (up to floating-point rounding) any ``device``.

    Parameters
    ----------
    checkpoint : path-like
        A training checkpoint, e.g. ``runs/<name>/checkpoints/last.pt``; one
        written on a GPU loads on a CPU.
    n : int
        Number of images (>= 1).
    seed : int
        Seed of the latent vectors; the same seed gives the same images.
    batch_size : int
        Images per forward pass (memory only; does not change the result).
    device : str
        Where to run the generator ("cpu", "cuda", ...).
    labels : int or sequence of int, optional
        Classes to draw, for a class-conditional generator only (and required
        there): one int for all ``n`` images, or ``n`` ints.  Image ``i`` has
        the same latent vector whatever its label.

    Returns
    -------
    np.ndarray
        ``float32 (n, H, W)`` in [-1, 1].
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"generate: n must be a positive integer; got {n!r}.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"generate: batch_size must be a positive integer; got {batch_size!r}.")
    state = load_checkpoint(checkpoint, map_location="cpu")
    model = build_generator(state).to(device)
    label_tensor = _label_tensor(labels, n, getattr(model, "num_classes", 0), checkpoint)
    rng = torch.Generator().manual_seed(seed)
    z = torch.randn(n, model.latent_dim, generator=rng)
    noise = model.draw_noise(n, generator=rng) if getattr(model, "noise_sizes", ()) else None
    out = np.empty((n, model.image_size, model.image_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, n, batch_size):
            z_batch = z[start : start + batch_size].to(device)
            labels_batch = None if label_tensor is None else label_tensor[start : start + batch_size].to(device)
            if noise is None:
                batch = call_with_labels(model, z_batch, labels_batch)  # b x 1 x H x W
            else:  # noise stages exist only in the unconditional generator
                batch = model(z_batch, [t[start : start + batch_size].to(device) for t in noise])
            out[start : start + len(batch)] = batch[:, 0].float().cpu().numpy()
    return out


def cached_generate(
    checkpoint: str | os.PathLike[str],
    n: int,
    *,
    seed: int = 0,
    labels: int | None = None,
    cache: str | os.PathLike[str],
) -> np.ndarray:
    """:func:`generate`, kept in ``<cache>.npy`` and reused while ``n``, ``seed`` and the checkpoint are unchanged.

    The stamp ``<cache>.json`` records the count, the seed, the checkpoint's
    file name and modification time, so a retrained or resumed generator, or
    another checkpoint (``best.pt``/``last.pt``), is sampled afresh.
    Both files are written atomically.

    Parameters
    ----------
    checkpoint : path
        The generator's checkpoint (``runs/<name>/checkpoints/last.pt``).
    n, seed, labels
        As in :func:`generate`.
    cache : path
        The cache's path without suffix, e.g. ``runs/quick/eval/generated``.

    Returns
    -------
    ndarray, shape (n, H, W), float32 in [-1, 1]
    """
    checkpoint, cache = Path(checkpoint), Path(cache)
    if not checkpoint.is_file():
        raise FileNotFoundError(f"cached_generate: no checkpoint {checkpoint}; train the generator first.")
    array_path, stamp_path = cache.with_name(cache.name + ".npy"), cache.with_name(cache.name + ".json")
    stamp = {"n": int(n), "seed": int(seed), "checkpoint": checkpoint.name,
             "checkpoint_mtime_ns": checkpoint.stat().st_mtime_ns}
    if array_path.is_file() and stamp_path.is_file() and json.loads(stamp_path.read_text()) == stamp:
        return check_image_set(np.load(array_path), name=str(array_path))
    images = check_image_set(generate(checkpoint, n, seed=seed, labels=labels), name=f"samples of {checkpoint}")
    atomic_save(array_path, lambda tmp: np.save(tmp, images))
    atomic_write_json(stamp_path, stamp)
    return images


def _label_tensor(labels: Any, n: int, num_classes: int, checkpoint: Any) -> torch.Tensor | None:
    """``labels`` as ``int64 (n,)`` for a conditional generator, ``None`` for an unconditional one; else a clear
    error."""
    if num_classes == 0:
        if labels is not None:
            raise ValueError(f"generate: {checkpoint} holds an unconditional generator; it takes no labels.")
        return None
    if labels is None:
        raise ValueError(f"generate: {checkpoint} holds a class-conditional generator ({num_classes} classes); "
                         f"pass labels= (an int in [0, {num_classes}) or {n} of them; --label on the command line).")
    values = np.full(n, labels) if np.ndim(labels) == 0 else np.asarray(labels)
    if values.shape != (n,) or not np.issubdtype(values.dtype, np.integer) \
            or values.min() < 0 or values.max() >= num_classes:
        raise ValueError(f"generate: labels must be one int or {n} ints in [0, {num_classes}); got {labels!r}.")
    return torch.from_numpy(values.astype(np.int64))


def save_images(images: np.ndarray, out: str | os.PathLike[str]) -> list[Path]:
    """Save ``images (n, H, W)`` in [-1, 1]: ``out`` ending in ``.npy`` gets the array, else one PNG per image.

    Returns the written paths.
    """
    out = Path(out)
    if out.suffix == ".npy":
        with atomic_path(out) as tmp:
            np.save(tmp, images.astype(np.float32))
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(to_uint8(images)):
        target = out / f"sample_{i:05d}.png"
        with atomic_path(target) as tmp:
            Image.fromarray(image).save(tmp, format="PNG")
        paths.append(target)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_lib.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True,
                        help="checkpoint file, e.g. runs/quick/checkpoints/last.pt; with --run: best or last")
    parser.add_argument("--run", default=None, help="run name under runs/: --checkpoint is then best or last")
    parser.add_argument("--n", type=int, required=True, help="number of images to draw")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latent vectors (default 0)")
    parser.add_argument("--out", required=True, help="a folder for PNG files, or a file name ending in .npy")
    parser.add_argument("--batch-size", type=int, default=256, help="images per forward pass (default 256)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:1, ...")
    parser.add_argument("--label", type=int, default=None, help="class to draw (class-conditional generators only)")
    args = parser.parse_args(argv)
    checkpoint = args.checkpoint
    if args.run is not None:
        which, checkpoint = resolve_checkpoint(run_paths(args.run), args.checkpoint)
        print(f"checkpoint: {which} ({checkpoint})")
    images = generate(checkpoint, args.n, seed=args.seed, batch_size=args.batch_size, device=args.device,
                      labels=args.label)
    paths = save_images(images, args.out)
    print(f"wrote {len(images)} image(s) to {paths[0] if len(paths) == 1 else Path(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
