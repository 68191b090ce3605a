"""Quantitative evaluation of generated image sets (thesis X-H, Table 1; issue 8's weight-free measures).

One module per concept, all on numpy sets ``(N, H, W)`` in [-1, 1] or on
feature arrays ``(N, D)``, each returning :class:`Estimate` objects (value,
95 % interval, sample sizes):

- :mod:`~gan_lib.metrics.pixel` — MSE, SSIM (nearest-real and random-pair protocols), MPV, MPVD;
- :mod:`~gan_lib.metrics.inception_weights` — the TF-Inception weights of FID (local only) in pytorch-fid's network;
- :mod:`~gan_lib.metrics.fid` — Inception features and FID;
- :mod:`~gan_lib.metrics.kid` — Kernel Inception Distance;
- :mod:`~gan_lib.metrics.precision_recall` — improved precision/recall (Kynkäänniemi et al. 2019);
- :mod:`~gan_lib.metrics.swd` — multi-scale sliced Wasserstein distance (Karras et al. 2018);
- :mod:`~gan_lib.metrics.diversity` — MS-SSIM and mean pairwise MS-SSIM within a set;
- :mod:`~gan_lib.metrics.spectral` — radial power spectra, spectral slope, fine-band power, a spectral
  two-sample reader and the blur ladder (readers that see blur);
- :mod:`~gan_lib.metrics.orientation` — the direction of fine detail against real images (a lattice, streaks);
- :mod:`~gan_lib.metrics.c2st` — automated readers: a CNN classifier two-sample test and a statistics reader;
- :mod:`~gan_lib.metrics.artifacts` — artefact statistics: border contrast, frame share, block-edge ratio;
- :mod:`~gan_lib.metrics.bootstrap` — the :class:`Estimate` type and interval helpers;
- :mod:`~gan_lib.metrics.table` — Table 1/Table 2 as DataFrames, CSV and LaTeX.
"""

from gan_lib.metrics.artifacts import block_edge_ratio, border_contrast, frame_share
from gan_lib.metrics.bootstrap import Estimate, not_computed
from gan_lib.metrics.c2st import ReaderResult, c2st, statistics_reader
from gan_lib.metrics.diversity import ms_ssim, ms_ssim_diversity
from gan_lib.metrics.fid import TooFewImagesError, fid, frechet_distance, inception_features
from gan_lib.metrics.inception_weights import FIDWeightsNotFound, find_fid_weights, load_inception
from gan_lib.metrics.kid import kid
from gan_lib.metrics.orientation import angular_fine_power, orientation_bias_db, orientation_bias_estimate
from gan_lib.metrics.pixel import (
    mean_pixel_values,
    mpv,
    mpvd,
    mse,
    nearest_neighbours,
    nearest_real_scores,
    random_pair_scores,
    ssim,
)
from gan_lib.metrics.precision_recall import precision_recall
from gan_lib.metrics.spectral import (
    blur_equivalent_sigma,
    blur_ladder,
    fine_band_estimate,
    fine_band_power_db,
    radial_power_spectrum,
    slope_estimate,
    spectral_reader_auc,
    spectral_slope,
)
from gan_lib.metrics.swd import SWDResult, swd
from gan_lib.metrics.table import TABLE1_COLUMNS, display_table, tidy_table, write_table

__all__ = [
    "Estimate",
    "not_computed",
    "ReaderResult",
    "c2st",
    "frame_share",
    "border_contrast",
    "block_edge_ratio",
    "statistics_reader",
    "ms_ssim",
    "ms_ssim_diversity",
    "FIDWeightsNotFound",
    "TooFewImagesError",
    "fid",
    "find_fid_weights",
    "frechet_distance",
    "inception_features",
    "load_inception",
    "kid",
    "mean_pixel_values",
    "mpv",
    "mpvd",
    "mse",
    "nearest_neighbours",
    "nearest_real_scores",
    "random_pair_scores",
    "ssim",
    "angular_fine_power",
    "orientation_bias_db",
    "orientation_bias_estimate",
    "precision_recall",
    "blur_equivalent_sigma",
    "blur_ladder",
    "fine_band_estimate",
    "fine_band_power_db",
    "radial_power_spectrum",
    "slope_estimate",
    "spectral_reader_auc",
    "spectral_slope",
    "SWDResult",
    "swd",
    "TABLE1_COLUMNS",
    "display_table",
    "tidy_table",
    "write_table",
]
