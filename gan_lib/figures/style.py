"""The one plotting style of every thesis figure.

Figures are built inside :func:`thesis_style`, a context manager that applies a
seaborn ``paper`` theme plus the few rcParams the thesis needs (serif-free fonts
sized for a printed A4 page, 300 dpi on save, no top/right spines, grey-scale
images without interpolation smoothing).  The same two colours mark real and
generated data in every figure (:data:`COLORS`), from seaborn's colour-blind
safe palette.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import matplotlib
import seaborn as sns

__all__ = ["COLORS", "IMAGE_KWARGS", "thesis_style", "image_axis"]

_PALETTE = sns.color_palette("colorblind")
#: Colour of each data source, identical in every figure.
COLORS: dict[str, tuple[float, float, float]] = {
    "real": _PALETTE[0],
    "train": _PALETTE[0],  # the real training set: "real" in figures with one real set
    "heldout": _PALETTE[2],
    "test": _PALETTE[4],
    "generated": _PALETTE[1],
    "denoised": _PALETTE[3],
}

#: ``imshow`` options for images in model space [-1, 1]: grey, no smoothing, fixed range.
IMAGE_KWARGS = {"cmap": "gray", "vmin": -1.0, "vmax": 1.0, "interpolation": "nearest"}

_RC = {
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "figure.titlesize": 10,
    "image.interpolation": "nearest",
    "pdf.fonttype": 42,  # embed TrueType so the PDF text stays editable in a thesis
}


@contextlib.contextmanager
def thesis_style() -> Iterator[None]:
    """Apply the thesis style for the figures created inside the ``with`` block.

    The previous matplotlib settings are restored on exit, so notebooks and
    other code are unaffected.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with thesis_style():
    ...     fig, ax = plt.subplots()
    >>> fig.get_dpi() == 100
    True
    """
    with matplotlib.rc_context():
        sns.set_theme(context="paper", style="ticks", palette="colorblind", rc=_RC)
        yield


def image_axis(ax: matplotlib.axes.Axes, image, *, title: str | None = None, **imshow_kwargs) -> None:
    """Show one model-space image ``(H, W)`` in [-1, 1] on ``ax`` without ticks or frame."""
    ax.imshow(image, **{**IMAGE_KWARGS, **imshow_kwargs})
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
