"""Sharing a trained generator: the portable model file, its model card, output formats and a medigan entry point.

- :mod:`~gan_lib.export.model_file` — ``model.safetensors`` (EMA weights + metadata), :func:`load_generator`;
- :mod:`~gan_lib.export.card` — ``model_card.json`` (medigan's model-template fields);
- :mod:`~gan_lib.export.card_text` — ``model_card.md``;
- :mod:`~gan_lib.export.formats` — PNG (8/16-bit), TIFF, DICOM, ``.npy`` and GIF writers;
- :mod:`~gan_lib.export.dicom` — DICOM Secondary Capture files marked synthetic;
- :mod:`~gan_lib.export.medigan` — ``generate(model_file, num_samples, output_path, save_images)``;
- :mod:`~gan_lib.export.cli` — ``python -m gan_lib.export --run NAME --out DIR``.
"""

from gan_lib.export.model_file import (
    INTENSITY,
    MODEL_FORMAT,
    export_generator,
    file_sha256,
    load_any_generator,
    load_generator,
    read_model_metadata,
)

__all__ = [
    "INTENSITY",
    "MODEL_FORMAT",
    "export_generator",
    "file_sha256",
    "load_any_generator",
    "load_generator",
    "read_model_metadata",
]
