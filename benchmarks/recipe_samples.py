"""Samples of several generators beside real training patches, with a magnified corner row: the README's picture.

Grids and checkerboards are easiest to see a few pixels wide, so the bottom
row magnifies the top-left 16 x 16 px of four images of each column without
smoothing (one image pixel = 8 x 8 screen pixels).  The columns are real
training patches of the quick profile (the data stage's cache or the embedded
mammograms) and one column per checkpoint, e.g. the 4-minute checkpoints that
``benchmarks/quality_vs_time.py`` keeps per recipe.

Usage::

    python benchmarks/recipe_samples.py --out docs/images/recipe_samples.png \\
        "thesis recipe, 4 min=runs/benchmarks/quality_vs_time/<folder>/thesis/4min.pt" \\
        "project recipe, 4 min=runs/benchmarks/quality_vs_time/<folder>/project/4min.pt"
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib import pyplot as plt

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from gan_lib.atomic import atomic_path  # noqa: E402
from gan_lib.data import data_config, prepare_dataset  # noqa: E402
from gan_lib.generate import generate  # noqa: E402

__all__ = ["sample_columns", "plot_columns", "main"]

#: Images per column (a 4 x 4 grid) and the magnified corner.
GRID, CORNER_PX, MAGNIFIED = 4, 16, 4


def sample_columns(checkpoints: dict[str, Path], real: np.ndarray, *, seed: int = 7) -> dict[str, np.ndarray]:
    """``{label: (16, H, W) images in [-1, 1]}``: 16 real patches (evenly spaced), then 16 samples per checkpoint."""
    picks = np.linspace(0, len(real) - 1, GRID * GRID).astype(int)
    columns = {"real training patches": real[picks]}
    for label, path in checkpoints.items():
        columns[label] = generate(path, GRID * GRID, seed=seed)
    return columns


def plot_columns(columns: dict[str, np.ndarray]) -> plt.Figure:
    """One column of 4 x 4 images per entry, and below each the top-left corners of its first four, magnified x8."""
    fig = plt.figure(figsize=(3.3 * len(columns), 4.6))
    outer = fig.add_gridspec(2, len(columns), height_ratios=[GRID, 1.1], hspace=0.15, wspace=0.06)
    for col, (label, images) in enumerate(columns.items()):
        grid = outer[0, col].subgridspec(GRID, GRID, wspace=0.03, hspace=0.03)
        for k in range(GRID * GRID):
            ax = fig.add_subplot(grid[k // GRID, k % GRID])
            ax.imshow(images[k], cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
            ax.axis("off")
            if k == 0:
                ax.set_title(label, fontsize=10, loc="left")
        corners = outer[1, col].subgridspec(1, MAGNIFIED, wspace=0.03)
        for k in range(MAGNIFIED):
            ax = fig.add_subplot(corners[0, k])
            ax.imshow(images[k, :CORNER_PX, :CORNER_PX], cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
            ax.axis("off")
            if k == 0:
                ax.set_title(f"top-left {CORNER_PX} x {CORNER_PX} px corners (x8)", fontsize=8, loc="left")
    return fig


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("columns", nargs="+", metavar="LABEL=CHECKPOINT", help="a column title and its checkpoint")
    parser.add_argument("--out", type=Path, required=True, help="PNG to write")
    parser.add_argument("--seed", type=int, default=7, help="latent seed of the samples")
    args = parser.parse_args(argv)
    checkpoints = {}
    for column in args.columns:
        label, sep, path = column.rpartition("=")
        if not sep or not Path(path).is_file():
            parser.error(f"{column!r}: expected LABEL=CHECKPOINT with an existing checkpoint file")
        checkpoints[label] = Path(path)
    real = prepare_dataset(data_config("quick")).images("train")
    fig = plot_columns(sample_columns(checkpoints, real, seed=args.seed))
    with atomic_path(args.out) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
