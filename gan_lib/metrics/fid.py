"""Fréchet Inception Distance with pytorch-fid and the standard TF-Inception weights (thesis X-H3).

FID is only comparable across papers when computed with the network ported
from TensorFlow's ``inception-2015-12-05`` (the file
``pt_inception-2015-12-05-6726825d.pth`` distributed with pytorch-fid) on its
2048-d pool features.  These machines cannot download it, and this module
never does: :func:`find_fid_weights` looks in an explicit path, the
``MAMMO_WGAN_FID_WEIGHTS`` environment variable and the torch hub cache, and
raises :class:`FIDWeightsNotFound` with instructions otherwise.  Nothing else
is ever computed under the name FID.

Image preparation (documented because FID depends on it):

1. model space [-1, 1] → ``uint8`` with :func:`gan_lib.imaging.to_uint8`, then
   ``/ 255`` to [0, 1] — exactly what pytorch-fid sees when it reads the same
   images saved as 8-bit PNGs, so ``python -m pytorch_fid dir_a dir_b`` on
   exported PNGs reproduces the numbers;
2. the grey channel is repeated to 3 channels (RGB);
3. pytorch-fid's ``InceptionV3(resize_input=True)`` resizes to 299×299 with
   bilinear interpolation (``align_corners=False``) and scales to [-1, 1].

KID (:mod:`gan_lib.metrics.kid`) and precision/recall
(:mod:`gan_lib.metrics.precision_recall`) use the same features.
"""
from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from pytorch_fid import inception as fid_inception
from pytorch_fid.fid_score import calculate_frechet_distance
from tqdm.auto import tqdm

from gan_lib.imaging import check_image_set, to_uint8
from gan_lib.metrics._features import check_feature_pair
from gan_lib.metrics.bootstrap import Estimate, normal_interval

__all__ = [
    "FID_WEIGHTS_FILENAME",
    "FID_WEIGHTS_URL",
    "FID_WEIGHTS_ENV",
    "FEATURE_DIM",
    "MIN_FID_IMAGES",
    "FIDWeightsNotFound",
    "TooFewImagesError",
    "find_fid_weights",
    "load_inception",
    "inception_features",
    "frechet_distance",
    "fid",
]

#: File name of the standard weights; ``6726825d`` is the first 8 hex digits of its SHA-256.
FID_WEIGHTS_FILENAME = "pt_inception-2015-12-05-6726825d.pth"
#: Where the file is published (by pytorch-fid's author); download it on a machine with internet access.
FID_WEIGHTS_URL = fid_inception.FID_WEIGHTS_URL
#: Environment variable naming the weights file (or a folder holding it).
FID_WEIGHTS_ENV = "MAMMO_WGAN_FID_WEIGHTS"
#: Dimension of the Inception pool3 features.
FEATURE_DIM = 2048
#: Fewest images per set for which FID is computed: below the feature dimension
#: the 2048×2048 covariance is rank-deficient and FID is strongly biased
#: (Heusel et al. 2017 recommend ≥ 10,000; Chong & Forsyth 2020 quantify the bias).
MIN_FID_IMAGES = FEATURE_DIM
_SHA256_PREFIX = FID_WEIGHTS_FILENAME.rsplit("-", 1)[1].split(".")[0]


class FIDWeightsNotFound(FileNotFoundError):
    """The standard FID Inception weights are not on this machine (they are never downloaded)."""


class TooFewImagesError(ValueError):
    """A set is too small for FID; the message says how many images are needed."""


def find_fid_weights(weights: str | os.PathLike[str] | None = None) -> Path:
    """Locate ``pt_inception-2015-12-05-6726825d.pth`` without touching the network.

    Looked for, in order: ``weights`` (a file, or a folder holding the file),
    the file or folder named by ``$MAMMO_WGAN_FID_WEIGHTS``, and the torch hub
    cache ``torch.hub.get_dir()/checkpoints/`` (where pytorch-fid itself would
    have stored a download).

    Parameters
    ----------
    weights : path, optional
        Explicit location, e.g. the notebooks' ``fid_weights`` parameter.

    Returns
    -------
    Path
        The weights file.

    Raises
    ------
    FIDWeightsNotFound
        Listing every place searched, where to obtain the file and where to put it.
    """
    candidates: list[Path] = []
    for source in (weights, os.environ.get(FID_WEIGHTS_ENV) or None):
        if source is not None:
            path = Path(source).expanduser()
            candidates.append(path / FID_WEIGHTS_FILENAME if path.is_dir() else path)
    hub_file = Path(torch.hub.get_dir()) / "checkpoints" / FID_WEIGHTS_FILENAME
    candidates.append(hub_file)
    for path in candidates:
        if path.is_file():
            return path
    searched = "\n".join(f"  - {p}" for p in candidates)
    raise FIDWeightsNotFound(
        f"FID needs the standard Inception weights file {FID_WEIGHTS_FILENAME} "
        f"(pytorch-fid's port of TensorFlow's inception-2015-12-05; '{_SHA256_PREFIX}' in its name is the start "
        f"of its SHA-256). It is never downloaded here. Searched:\n{searched}\n"
        f"Fix: on a machine with internet access download {FID_WEIGHTS_URL} and copy it to {hub_file} "
        f"(or anywhere, then pass its path as fid_weights=... or set {FID_WEIGHTS_ENV}=/path/to/{FID_WEIGHTS_FILENAME})."
    )


def load_inception(
    weights: str | os.PathLike[str] | None = None,
    *,
    device: str | torch.device = "cpu",
    check_hash: bool = True,
) -> fid_inception.InceptionV3:
    """Build pytorch-fid's ``InceptionV3`` (pool3 block, FID variant) from a local weights file.

    pytorch-fid's own builder fetches the weights by URL; here its loader is
    replaced, for the duration of the call, by one that reads the file found by
    :func:`find_fid_weights`, so the network is exactly pytorch-fid's and no
    download can happen.

    Parameters
    ----------
    weights : path, optional
        See :func:`find_fid_weights`.
    device : str or torch.device, keyword-only
        Where to run the network.
    check_hash : bool, keyword-only
        Verify that the file's SHA-256 starts with ``6726825d`` (as torch hub
        would).  Only tests that load a random stand-in switch it off; numbers
        from such a network are not FID.

    Returns
    -------
    pytorch_fid.inception.InceptionV3
        In eval mode, returning the 2048-d pool features.

    Raises
    ------
    FIDWeightsNotFound
        When the file is absent.
    ValueError
        When the file's hash does not match.
    """
    path = find_fid_weights(weights)
    if check_hash:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if not digest.startswith(_SHA256_PREFIX):
            raise ValueError(
                f"{path}: SHA-256 starts with {digest[:8]}, expected {_SHA256_PREFIX}; this is not the standard "
                f"{FID_WEIGHTS_FILENAME}. Download it again from {FID_WEIGHTS_URL}."
            )

    def load_local(url: str, *args: object, **kwargs: object) -> dict[str, torch.Tensor]:
        return torch.load(path, map_location="cpu", weights_only=True)

    with mock.patch.object(fid_inception, "load_state_dict_from_url", load_local):
        model = fid_inception.InceptionV3(
            [fid_inception.InceptionV3.BLOCK_INDEX_BY_DIM[FEATURE_DIM]],
            resize_input=True, normalize_input=True, use_fid_inception=True,
        )
    return model.eval().to(device)


@torch.no_grad()
def inception_features(
    images: np.ndarray,
    *,
    model: fid_inception.InceptionV3,
    batch_size: int = 50,
) -> np.ndarray:
    """Inception pool3 features of a set of grey images (preparation in the module docstring).

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1], any size (resized to 299×299 by the network).
    model : InceptionV3, keyword-only
        From :func:`load_inception`.
    batch_size : int, keyword-only
        Images per forward pass.

    Returns
    -------
    ndarray, shape (N, 2048), float64
    """
    images = check_image_set(images, name="images")
    device = next(model.parameters()).device
    features = np.empty((len(images), FEATURE_DIM), dtype=np.float64)
    starts = range(0, len(images), batch_size)
    for start in tqdm(starts, desc="Inception features", unit="batch", leave=False):
        batch = to_uint8(images[start : start + batch_size]).astype(np.float32) / 255.0
        x = torch.from_numpy(batch)[:, None].expand(-1, 3, -1, -1).to(device)
        features[start : start + len(batch)] = model(x)[0].flatten(1).cpu().double().numpy()
    return features


def frechet_distance(
    mu_a: np.ndarray, sigma_a: np.ndarray, mu_b: np.ndarray, sigma_b: np.ndarray
) -> float:
    """Fréchet distance between N(mu_a, sigma_a) and N(mu_b, sigma_b) (pytorch-fid's implementation).

    ``|mu_a - mu_b|² + tr(sigma_a + sigma_b - 2 (sigma_a sigma_b)^{1/2})``.

    Examples
    --------
    >>> round(frechet_distance(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2)), 6)
    4.0
    """
    with warnings.catch_warnings():
        # pytorch-fid 0.3.0 passes scipy.linalg.sqrtm's deprecated ``disp`` argument; harmless until SciPy 1.18.
        warnings.filterwarnings("ignore", message="The `disp` argument is deprecated", category=DeprecationWarning)
        return float(calculate_frechet_distance(mu_a, sigma_a, mu_b, sigma_b))


def fid(
    features: np.ndarray,
    reference_features: np.ndarray,
    *,
    min_images: int = MIN_FID_IMAGES,
    n_bootstrap: int = 10,
    seed: int = 0,
) -> Estimate:
    """FID between two sets of Inception features, with a bootstrap interval.

    Parameters
    ----------
    features, reference_features : ndarray, shape (N, D) and (M, D)
        From :func:`inception_features` (``D = 2048`` for FID proper).
    min_images : int, keyword-only
        Refuse sets smaller than this (default 2048, the feature dimension).
        Lower it only for exploration; the note of the result then says so.
    n_bootstrap : int, keyword-only
        Bootstrap replicates (both sets resampled with replacement); each costs
        one 2048×2048 matrix square root (~seconds), hence few replicates and a
        normal-approximation interval.
    seed : int, keyword-only
        Seed of the resampling.

    Returns
    -------
    Estimate
        ``n`` = N, ``n_reference`` = M.

    Raises
    ------
    TooFewImagesError
        When either set has fewer than ``min_images`` rows; says how many are needed.
    """
    a, b = check_feature_pair(features, reference_features)
    smallest = min(len(a), len(b))
    if smallest < max(min_images, 2):
        raise TooFewImagesError(
            f"FID needs at least {min_images} images in each set (more than the {a.shape[1]} feature dimensions, "
            f"so that the covariance has full rank; 10,000+ recommended); got {len(a)} and {len(b)}. "
            f"Generate or prepare at least {min_images - smallest} more, or use KID, which is unbiased for small sets."
        )
    note = "" if min_images >= MIN_FID_IMAGES else f"min_images lowered to {min_images}: biased, not comparable"
    value = _fid_of(a, b)
    rng = np.random.default_rng(seed)
    replicates = [
        _fid_of(a[rng.integers(0, len(a), len(a))], b[rng.integers(0, len(b), len(b))])
        for _ in tqdm(range(n_bootstrap), desc="FID bootstrap", leave=False)
    ]
    return normal_interval(value, np.array(replicates), n=len(a), n_reference=len(b), note=note)


def _fid_of(a: np.ndarray, b: np.ndarray) -> float:
    return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))

