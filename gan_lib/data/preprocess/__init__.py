"""Small, pure preprocessing steps for one mammogram (thesis section X-A).

Each function takes an image first (a 2-D array ``(H, W)``), options
keyword-only, and returns a new array; none reads files or keeps state.
:func:`gan_lib.data.dataset.prepare_dataset` chains them in this order::

    downscale -> to_monochrome2 -> breast_mask -> [suppress_pectoral, MLO only]
    -> normalise_intensity -> remove_outside_mask -> flip_to_side
    -> (whole: crop_to_mask -> pad_to_square -> resize) | (patch: sample_patches)
    -> unit_to_model_range

Intensity conventions: raw pixels are whatever the file holds (``uint8``,
``uint16`` or float); after :func:`normalise_intensity` an image is
``float32`` in [0, 1] with 0 = background (dark), and
:func:`unit_to_model_range` maps that to the model space [-1, 1].

Modules, one concept each: ``_segmentation`` (breast mask, chest-wall side,
masking), ``_pectoral`` (MLO pectoral muscle), ``_intensity`` (photometric
convention, windowing, model range), ``_geometry`` (resampling, flip,
framing); ``_common`` holds the shared error and the 2-D check.  Import the
steps from here.
"""

from gan_lib.data.preprocess._common import NoBreastFoundError
from gan_lib.data.preprocess._geometry import bounding_box, crop_to_mask, downscale, flip_to_side, pad_to_square, resize
from gan_lib.data.preprocess._intensity import normalise_intensity, to_monochrome2, unit_to_model_range
from gan_lib.data.preprocess._pectoral import suppress_pectoral
from gan_lib.data.preprocess._segmentation import breast_mask, chest_wall_side, remove_outside_mask

__all__ = [
    "NoBreastFoundError",
    "downscale",
    "to_monochrome2",
    "breast_mask",
    "chest_wall_side",
    "suppress_pectoral",
    "normalise_intensity",
    "remove_outside_mask",
    "flip_to_side",
    "bounding_box",
    "crop_to_mask",
    "pad_to_square",
    "resize",
    "unit_to_model_range",
]
