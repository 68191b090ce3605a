"""Train a WGAN-GP run from the command line (or a notebook) on a prepared dataset.

::

    python -m gan_lib.train --profile quick --run quick
    python -m gan_lib.train --profile full --run full --data /path/to/mammograms --resume
    python -m gan_lib.train --profile quick --run wide --generator_width=0.25 --steps=1000 --data.seed=1

``--key=value`` overrides a :class:`~gan_lib.training.TrainConfig` field
(``image_size`` also sets the data's); ``--data.key=value`` overrides a
:class:`~gan_lib.data.DataConfig` field.  Values are read as JSON where they
parse (``--betas=[0.5,0.9]``, ``--compile=true``) and as text otherwise;
unknown keys are refused.  The data are prepared (or loaded from the cache)
with :func:`gan_lib.data.prepare_dataset`, and the generator trains on its
``train`` split: fresh random crops of its working images in patch mode
(``--real_data=patches`` for the fixed patch set).

The same command runs data-parallel on N GPUs (or N CPU processes with
``--device=cpu``) under ``torchrun`` (docs/SCALING.md)::

    torchrun --standalone --nproc_per_node=4 -m gan_lib.train --profile full --run-name full --data /path/to/mammograms

``batch_size`` stays the global batch; rank 0 prepares the data cache while
the other ranks wait, then all train and only rank 0 writes the run folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any, Sequence

import torch

from .config import run_dir
from .data import DataConfig, data_config, prepare_dataset
from .training import TrainConfig, TrainResult, train, train_config_for_profile
from .training.distributed import init_distributed, torchrun_world

__all__ = ["resolve_configs", "run_training", "parse_overrides", "main"]


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``["--steps=10", "--data.seed=2"]`` -> ``{"steps": 10, "data.seed": 2}`` (JSON values where they parse)."""
    overrides: dict[str, Any] = {}
    for item in items:
        if not item.startswith("--") or "=" not in item:
            raise ValueError(f"override {item!r} must look like --key=value (e.g. --steps=500).")
        key, raw = item[2:].split("=", 1)
        try:
            overrides[key] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[key] = raw
    return overrides


def resolve_configs(profile: str, *, data_dir: str | None = None, overrides: dict[str, Any] | None = None):
    """The ``(DataConfig, TrainConfig)`` of ``profile`` with ``overrides`` (``data.``-prefixed keys go to the data).

    ``None`` values are ignored (papermill parameters left at ``None``).  The
    two image sizes must agree; ``image_size`` sets both.
    """

    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    data_over = {k[len("data.") :]: v for k, v in overrides.items() if k.startswith("data.")}
    train_over = {k: v for k, v in overrides.items() if not k.startswith("data.")}
    train_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    data_fields = {f.name for f in dataclasses.fields(DataConfig)}
    unknown = sorted(set(train_over) - train_fields) + sorted(f"data.{k}" for k in set(data_over) - data_fields)
    if unknown:
        raise ValueError(
            f"unknown setting(s) {unknown}; training settings are {sorted(train_fields)}, "
            f"data settings (prefix 'data.') are {sorted(data_fields)}."
        )
    if "image_size" in train_over:
        data_over.setdefault("image_size", train_over["image_size"])
    if data_dir is not None:
        data_over["data_dir"] = str(data_dir)
    data_cfg = data_config(profile, data_over)
    train_cfg = train_config_for_profile(profile, train_over)
    if data_cfg.image_size != train_cfg.image_size:
        raise ValueError(
            f"the data's image_size={data_cfg.image_size} differs from the generator's image_size="
            f"{train_cfg.image_size}; set both with --image_size=... (or image_size=... in the notebook)."
        )
    return data_cfg, train_cfg


def run_training(
    profile: str,
    run_name: str,
    *,
    data_dir: str | None = None,
    resume: bool = False,
    overrides: dict[str, Any] | None = None,
    progress: bool = True,
) -> TrainResult:
    """Prepare (or load) the data of ``profile`` and train run ``runs/<run_name>/`` on its ``train`` split.

    The ``heldout`` split (where the dataset has one) is passed to :func:`~gan_lib.training.train` for the
    evaluations' held-out numbers.  In patch mode with ``real_data="crops"`` (the default) every batch is fresh
    random crops of the training views' working images; otherwise the fixed
    set ``dataset.images("train")``.
    """
    data_cfg, train_cfg = resolve_configs(profile, data_dir=data_dir, overrides=overrides)
    world = init_distributed(train_cfg.device)
    if world.active and not world.is_main:
        torch.distributed.barrier()  # wait for rank 0 to fill the data cache, then read it
    dataset = prepare_dataset(data_cfg, progress=progress and world.is_main)
    if world.active and world.is_main:
        torch.distributed.barrier()
    crops = data_cfg.mode == "patch" and train_cfg.real_data == "crops"
    real = dataset.crop_table("train") if crops else dataset.images("train")
    try:  # real images the generator never trains on: the critic's held-out diagnostics (gan_lib.training.monitor)
        heldout = dataset.images("heldout")
    except ValueError:  # the dataset has no held-out view
        heldout = None
    return train(
        train_cfg, real, run_dir(run_name), resume=resume, data_config=data_cfg, progress=progress, heldout=heldout
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gan_lib.train",
        description="Train the hybrid MLP-CNN generator with WGAN-GP. Extra --key=value arguments override "
        "TrainConfig fields; --data.key=value overrides DataConfig fields.",
    )
    parser.add_argument(
        "--profile", choices=["quick", "full"], default="quick", help="settings profile (default quick)"
    )
    # --run-name is the spelling for torchrun, whose own parser rejects --run as an ambiguous --run-path.
    parser.add_argument("--run", "--run-name", dest="run", required=True, help="run name: outputs go to runs/<name>/")
    parser.add_argument("--data", default=None, help="folder of mammograms (default: the embedded CBIS-DDSM examples)")
    parser.add_argument("--resume", action="store_true", help="continue runs/<name>/checkpoints/last.pt if present")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args, extra = parser.parse_known_args(argv)
    try:
        overrides = parse_overrides(extra)
        result = run_training(
            args.profile,
            args.run,
            data_dir=args.data,
            resume=args.resume,
            overrides=overrides,
            progress=not args.no_progress,
        )
    except (ValueError, FileExistsError) as error:
        parser.error(str(error))
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
    if torchrun_world().is_main:
        print(f"run {result.run_dir}: step {result.step}, checkpoint {result.checkpoint}, log {result.log}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
