"""What every preprocessing step shares: the 2-D image check, the chest-wall sides and the no-breast error."""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["NoBreastFoundError", "Side"]

Side = Literal["left", "right"]


class NoBreastFoundError(ValueError):
    """Raised when an image holds no region that could be a breast."""


def _check_2d(image: np.ndarray, name: str = "image") -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(
            f"{name}: expected a single-channel 2-D array (H, W); got shape {image.shape}. "
            "Convert colour images to grey first."
        )
    return image
