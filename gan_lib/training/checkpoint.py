"""Training checkpoints: what they hold, atomic saving, and loading onto any device.

A checkpoint is a ``dict`` saved with ``torch.save`` holding::

    format            int, CHECKPOINT_FORMAT
    step              generator updates done
    elapsed_seconds   training wall time so far (all sessions)
    generator, critic             state_dicts
    generator_ema     state_dict of the generator's weight average (runs with ema_kimg > 0 only)
    opt_generator, opt_critic     Adam state_dicts
    generator_spec, critic_spec   {"name": registered builder, "kwargs": {...}} to rebuild the nets
    train_config, data_config     the resolved configs (dicts; data_config may be None)
    hardware          resolved execution settings (see gan_lib.training.hardware)
    rng               python / numpy / torch (CPU, CUDA) global states + the run's noise generator
    batcher           state of the real-image batcher (permutation, position, its generator)
    fixed_noise       (sample_count, latent_dim) latent vectors of the sample grids
    images_sha256     fingerprint of the training images
    world_size        processes that trained it (informational: a run resumes on any number)
    scaler_critic, scaler_generator   GradScaler states (fp16 runs only)

Everything is a tensor, number, string, list or dict, so it loads with
``torch.load(..., weights_only=True)``.
"""
from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..atomic import atomic_path
from ..models import get_model

__all__ = ["CHECKPOINT_FORMAT", "save_checkpoint", "load_checkpoint", "capture_rng", "restore_rng", "build_generator"]

CHECKPOINT_FORMAT = 1


def capture_rng(noise: torch.Generator) -> dict[str, Any]:
    """The global RNG states (python, numpy, torch CPU and CUDA) and the run's ``noise`` generator state."""
    np_state = np.random.get_state(legacy=False)
    state: dict[str, Any] = {
        "python": _python_state_to_tensor(random.getstate()),
        "numpy": {"key": torch.from_numpy(np_state["state"]["key"].astype(np.int64)), "pos": int(np_state["state"]["pos"]),
                  "has_gauss": int(np_state["has_gauss"]), "gauss": float(np_state["gauss"])},
        "torch": torch.get_rng_state(),
        "noise": noise.get_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any], noise: torch.Generator) -> None:
    """Inverse of :func:`capture_rng` (CUDA states only when this machine has the same number of GPUs)."""
    random.setstate(_python_state_from_tensor(state["python"]))
    np_state = state["numpy"]
    np.random.set_state({
        "bit_generator": "MT19937",
        "state": {"key": np_state["key"].numpy().astype(np.uint32), "pos": np_state["pos"]},
        "has_gauss": np_state["has_gauss"],
        "gauss": np_state["gauss"],
    })
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])
    noise.set_state(state["noise"])


def _python_state_to_tensor(state: tuple) -> dict[str, Any]:
    version, internal, gauss = state
    return {"version": version, "internal": torch.tensor(internal, dtype=torch.int64), "gauss": gauss}


def _python_state_from_tensor(state: dict[str, Any]) -> tuple:
    return (state["version"], tuple(int(v) for v in state["internal"].tolist()), state["gauss"])


def save_checkpoint(checkpoint: dict[str, Any], checkpoints_dir: str | os.PathLike[str], *, keep_step_copy: bool = True) -> Path:
    """Write ``checkpoint`` atomically to ``checkpoints_dir/last.pt`` (+ ``step_XXXXXX.pt``); return ``last.pt``.

    The step copy is a hard link to ``last.pt`` where the file system allows it
    (no extra disk space), else a copy; it is also put in place atomically.
    """
    folder = Path(checkpoints_dir)
    last = folder / "last.pt"
    with atomic_path(last) as tmp:
        torch.save(checkpoint, tmp)
    if keep_step_copy:
        with atomic_path(folder / f"step_{checkpoint['step']:06d}.pt") as tmp:
            tmp.unlink()
            try:
                os.link(last, tmp)
            except OSError:
                shutil.copyfile(last, tmp)
    return last


def load_checkpoint(path: str | os.PathLike[str], *, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint` onto ``map_location`` (a GPU run loads on a CPU).

    Raises ``FileNotFoundError`` / ``ValueError`` naming the path when it is
    missing or not a checkpoint of this project.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist; train a run first (python -m gan_lib.train ...).")
    checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a mammo-wgan checkpoint of format {CHECKPOINT_FORMAT}.")
    return checkpoint


def build_generator(checkpoint: dict[str, Any], *, ema: bool = True) -> nn.Module:
    """The generator of ``checkpoint`` rebuilt from its spec, weights loaded, in eval mode.

    With ``ema`` (the default) the weight average is loaded where the run kept
    one (``generator_ema``): it is the generator every stage samples from.
    ``ema=False`` gives the trained weights themselves.
    """
    spec = checkpoint["generator_spec"]
    model = get_model(spec["name"], **spec["kwargs"])
    model.load_state_dict(checkpoint["generator_ema" if ema and "generator_ema" in checkpoint else "generator"])
    return model.eval()
