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
    batcher           state of the real batches: TensorBatcher (permutation, position, its generator) or
                      CropSource ({"crop_batch": number of the next batch})
    fixed_noise       (sample_count, latent_dim) latent vectors of the sample grids
    images_sha256     fingerprint of the training images (a crop table's: sizes, corner tables, file sizes)
    world_size        processes that trained it (informational: a run resumes on any number)
    fixed_labels      (sample_count,) int64 classes of the sample grids (class-conditional runs only)
    scaler_critic, scaler_generator   GradScaler states (fp16 runs only)

:func:`make_checkpoint` builds this dict from a run's state and
:func:`restore_checkpoint` puts it back.  Everything is a tensor, number,
string, list or dict, so it loads with ``torch.load(..., weights_only=True)``.
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
from ..config import config_to_dict
from ..models import get_model
from .batches import TensorBatcher
from .config import TrainConfig
from .crops import CropSource
from .hardware import Hardware
from .state import TrainState

__all__ = [
    "CHECKPOINT_FORMAT",
    "network_specs",
    "make_checkpoint",
    "restore_checkpoint",
    "save_checkpoint",
    "load_checkpoint",
    "capture_rng",
    "restore_rng",
    "build_generator",
]

CHECKPOINT_FORMAT = 1


def network_specs(config: TrainConfig) -> dict[str, dict[str, Any]]:
    """``generator_spec`` and ``critic_spec``: the registered builder and keyword arguments of each network."""
    return {
        "generator_spec": {"name": config.generator, "kwargs": config.generator_kwargs()},
        "critic_spec": {"name": config.critic, "kwargs": config.critic_kwargs()},
    }


def make_checkpoint(
    state: TrainState,
    batches: TensorBatcher | CropSource,
    *,
    elapsed_seconds: float,
    config: TrainConfig,
    data_config: dict[str, Any] | None,
    hardware: Hardware,
    fixed_noise: torch.Tensor,
    fixed_labels: torch.Tensor | None,
    images_sha256: str,
    world_size: int,
) -> dict[str, Any]:
    """The checkpoint of a run at ``state.step``, in the schema of this module's docstring.

    Parameters
    ----------
    state : TrainState
        Networks, optimisers, loss scalers, noise generator and step; the
        global RNG states are captured along with ``state.noise``.
    batches : TensorBatcher or CropSource
        The real batches, whose position is saved.
    elapsed_seconds : float
        Training wall time so far, all sessions together, in seconds.
    config, data_config, hardware
        The run's train config, its data config as a dict (or None) and its
        resolved execution settings.
    fixed_noise : torch.Tensor
        ``(sample_count, latent_dim)`` latent vectors of the sample grids.
    fixed_labels : torch.Tensor or None
        ``(sample_count,)`` classes of the sample grids of a class-conditional run.
    images_sha256 : str
        Fingerprint of the training images (and labels).
    world_size : int
        Processes training the run.
    """
    return {
        "format": CHECKPOINT_FORMAT,
        "step": state.step,
        "elapsed_seconds": elapsed_seconds,
        "generator": state.generator.state_dict(),
        "critic": state.critic.state_dict(),
        **({"generator_ema": state.generator_ema.state_dict()} if state.generator_ema is not None else {}),
        "opt_generator": state.opt_generator.state_dict(),
        "opt_critic": state.opt_critic.state_dict(),
        **network_specs(config),
        "train_config": config_to_dict(config),
        "data_config": data_config,
        "hardware": hardware.to_dict(),
        "rng": capture_rng(state.noise),
        "batcher": batches.state_dict(),
        "fixed_noise": fixed_noise,
        "images_sha256": images_sha256,
        "world_size": world_size,
        **({"fixed_labels": fixed_labels} if fixed_labels is not None else {}),
        **(
            {"scaler_critic": state.scaler_critic.state_dict(), "scaler_generator": state.scaler_generator.state_dict()}
            if state.scaler_critic.is_enabled()
            else {}
        ),
    }


def restore_checkpoint(checkpoint: dict[str, Any], state: TrainState, batches: TensorBatcher | CropSource) -> None:
    """Put ``checkpoint`` back into ``state`` (its step too), the global RNGs and ``batches``.

    The inverse of :func:`make_checkpoint`; ``state`` must be built for the
    checkpoint's config (:func:`~gan_lib.training.state.build_state`).
    Loss-scaler states are loaded only where ``state`` scales (an fp16 run) and
    the checkpoint has them.  The remaining entries (``fixed_noise``,
    ``elapsed_seconds``, ...) are plain values for the caller to read.
    """
    # load_state_dict copies onto the parameters' device, so the CPU-loaded checkpoint serves any device.
    state.generator.load_state_dict(checkpoint["generator"])
    state.critic.load_state_dict(checkpoint["critic"])
    if state.generator_ema is not None:
        state.generator_ema.load_state_dict(checkpoint["generator_ema"])
    state.opt_generator.load_state_dict(checkpoint["opt_generator"])
    state.opt_critic.load_state_dict(checkpoint["opt_critic"])
    restore_rng(checkpoint["rng"], state.noise)
    if state.scaler_critic.is_enabled() and "scaler_critic" in checkpoint:
        state.scaler_critic.load_state_dict(checkpoint["scaler_critic"])
        state.scaler_generator.load_state_dict(checkpoint["scaler_generator"])
    batches.load_state_dict(checkpoint["batcher"])
    state.step = checkpoint["step"]


def capture_rng(noise: torch.Generator) -> dict[str, Any]:
    """The global RNG states (python, numpy, torch CPU and CUDA) and the run's ``noise`` generator state."""
    np_state = np.random.get_state(legacy=False)
    state: dict[str, Any] = {
        "python": _python_state_to_tensor(random.getstate()),
        "numpy": {
            "key": torch.from_numpy(np_state["state"]["key"].astype(np.int64)),
            "pos": int(np_state["state"]["pos"]),
            "has_gauss": int(np_state["has_gauss"]),
            "gauss": float(np_state["gauss"]),
        },
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
    np.random.set_state(
        {
            "bit_generator": "MT19937",
            "state": {"key": np_state["key"].numpy().astype(np.uint32), "pos": np_state["pos"]},
            "has_gauss": np_state["has_gauss"],
            "gauss": np_state["gauss"],
        }
    )
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])
    noise.set_state(state["noise"])


def _python_state_to_tensor(state: tuple) -> dict[str, Any]:
    version, internal, gauss = state
    return {"version": version, "internal": torch.tensor(internal, dtype=torch.int64), "gauss": gauss}


def _python_state_from_tensor(state: dict[str, Any]) -> tuple:
    return (state["version"], tuple(int(v) for v in state["internal"].tolist()), state["gauss"])


def save_checkpoint(
    checkpoint: dict[str, Any], checkpoints_dir: str | os.PathLike[str], *, keep_step_copy: bool = True
) -> Path:
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
