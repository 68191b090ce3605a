"""Stage 1 of the study: mammograms -> preprocessed, patient-split training sets (thesis section X-A).

Public API (contract in ``docs/ARCHITECTURE.md``)::

    config = data_config("quick", {"data_dir": None})  # DataConfig; None = embedded CBIS-DDSM examples
    data = prepare_dataset(config)                    # cached under data/processed/<key>/
    train = data.images("train")                      # float32 (N, H, W) in [-1, 1]: the fixed evaluation patches
    crops = data.crop_table("train")                  # every valid crop of the stored working images (training)

Modules: :mod:`~gan_lib.data.io` (files, decoding, metadata),
:mod:`~gan_lib.data.preprocess` (one function per step),
:mod:`~gan_lib.data.mammogram` (the chain for one scan),
:mod:`~gan_lib.data.sampling` (valid crop corners, patches / whole images),
:mod:`~gan_lib.data.working` (stored working images and their crop table),
:mod:`~gan_lib.data.preparation` (files prepared by a pool of workers, resumable),
:mod:`~gan_lib.data.split` (patient-level splits),
:mod:`~gan_lib.data.dataset` (``prepare_dataset`` and its cache),
:mod:`~gan_lib.data.embedded`.
"""

from gan_lib.data.dataset import CACHE_VERSION, PreparedDataset, load_prepared, prepare_dataset, resolve_data_dir
from gan_lib.data.embedded import embedded_data_dir
from gan_lib.data.io import DataFolderError, ImageReadError, discover_images, read_image
from gan_lib.data.mammogram import PreprocessedMammogram, preprocess_mammogram
from gan_lib.data.preparation import NoBreastInFileError
from gan_lib.data.preprocess import NoBreastFoundError
from gan_lib.data.settings import FULL, QUICK, DataConfig, data_config
from gan_lib.data.split import SPLITS, assign_splits, split_patients
from gan_lib.data.working import CropTable, read_mask

__all__ = [
    "CACHE_VERSION",
    "CropTable",
    "DataConfig",
    "DataFolderError",
    "FULL",
    "ImageReadError",
    "NoBreastFoundError",
    "NoBreastInFileError",
    "PreparedDataset",
    "PreprocessedMammogram",
    "QUICK",
    "SPLITS",
    "assign_splits",
    "data_config",
    "discover_images",
    "embedded_data_dir",
    "load_prepared",
    "prepare_dataset",
    "preprocess_mammogram",
    "read_image",
    "read_mask",
    "resolve_data_dir",
    "split_patients",
]
