"""Data-parallel training (gan_lib.training.distributed) against one process with the same global batch.

The two-process run is a real ``torchrun`` launch (``python -m torch.distributed.run``)
of this file as its worker script, on CPU with the gloo backend; each rank
gets its own run folder so that "rank 1 writes nothing" can be checked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from gan_lib.training import TrainConfig, build_state, load_checkpoint, train, train_step
from gan_lib.training.batches import TensorBatcher
from gan_lib.training.distributed import SINGLE, Distributed
from gan_lib.training.run_hardware import probe_step_time
from gan_lib.training.state import parallelize

#: Tiny networks and images: two processes on a 2-core CPU finish in seconds.
CONFIG = dict(
    image_size=32,
    generator_width=0.125,
    critic_width=0.125,
    mlp_hidden=(16,),
    latent_dim=16,
    batch_size=8,
    steps=4,
    n_critic=2,
    device="cpu",
    precision="fp32",
    memory_format="contiguous",
    num_threads=1,
    log_every=2,
    sample_every=2,
    checkpoint_every=2,
    sample_count=4,
    flips=True,
    eval_every=2,
    eval_count=8,
    tensorboard="off",
)


def images(n: int = 24, size: int = 32) -> np.ndarray:
    """Smooth random images in [-1, 1], the same in every process."""
    rng = np.random.default_rng(0)
    base = rng.uniform(-1, 1, size=(n, size // 4, size // 4)).astype(np.float32)
    return np.kron(base, np.ones((4, 4), dtype=np.float32))


def run_torchrun(tmp: Path, *, nproc: int, config: dict) -> subprocess.CompletedProcess:
    """Launch this file under torchrun with ``nproc`` CPU processes; each trains into ``tmp/rank<R>``."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={nproc}",
        __file__,
        str(tmp),
        json.dumps(config),
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory) -> Path:
    """A 4-step, 2-process gloo run; returns the folder holding ``rank0/`` (and, if it misbehaved, ``rank1/``)."""
    tmp = tmp_path_factory.mktemp("ddp")
    result = run_torchrun(tmp, nproc=2, config=CONFIG)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return tmp


@pytest.fixture(scope="module")
def single_run(tmp_path_factory) -> Path:
    """The same experiment in this process, 6 steps (its step-4 checkpoint is the DDP run's counterpart)."""
    folder = tmp_path_factory.mktemp("single") / "run"
    train(TrainConfig(**{**CONFIG, "steps": 6}), images(), folder, progress=False)
    return folder


def assert_same_parameters(a: dict, b: dict, *, atol: float) -> None:
    for net in ("generator", "critic"):
        for name, tensor in a[net].items():
            if tensor.is_floating_point():
                torch.testing.assert_close(tensor, b[net][name], atol=atol, rtol=0, msg=f"{net}.{name}")


@pytest.mark.slow
def test_train_ddp_matches_single_process_with_same_global_batch(ddp_run, single_run):
    ddp = load_checkpoint(ddp_run / "rank0" / "checkpoints" / "last.pt")
    single = load_checkpoint(single_run / "checkpoints" / "step_000004.pt")
    assert ddp["step"] == single["step"] == 4 and ddp["world_size"] == 2
    # Only float summation order differs (per-shard means, then an all-reduce).
    assert_same_parameters(ddp, single, atol=1e-5)
    torch.testing.assert_close(ddp["rng"]["noise"], single["rng"]["noise"], atol=0, rtol=0)
    torch.testing.assert_close(ddp["batcher"]["order"], single["batcher"]["order"], atol=0, rtol=0)
    ddp_log = pd.read_csv(ddp_run / "rank0" / "train_log.csv").drop(columns="seconds")
    single_log = pd.read_csv(single_run / "train_log.csv").drop(columns="seconds").head(4)
    pd.testing.assert_frame_equal(ddp_log, single_log, atol=1e-4, rtol=1e-4)


@pytest.mark.slow
def test_train_ddp_writes_only_on_rank_zero(ddp_run):
    written = sorted(p.relative_to(ddp_run / "rank0").as_posix() for p in (ddp_run / "rank0").rglob("*") if p.is_file())
    assert {
        "config.json",
        "train_log.csv",
        "checkpoints/last.pt",
        "samples/step_000004.png",
        "metrics.jsonl",
        "checkpoints/best.pt",
    } <= set(written)
    assert not (ddp_run / "rank1").exists()


@pytest.mark.slow
def test_train_resumes_ddp_checkpoint_in_one_process(ddp_run, single_run, tmp_path):
    folder = tmp_path / "resumed"
    shutil.copytree(ddp_run / "rank0", folder)
    result = train(TrainConfig(**{**CONFIG, "steps": 6}), images(), folder, resume=True, progress=False)
    assert result.resumed_from == 4 and result.step == 6
    assert_same_parameters(
        load_checkpoint(folder / "checkpoints" / "last.pt"),
        load_checkpoint(single_run / "checkpoints" / "last.pt"),
        atol=1e-5,
    )


def test_distributed_local_batch_refuses_uneven_split():
    with pytest.raises(ValueError, match="batch_size=10 cannot be split evenly over 3 processes"):
        Distributed(rank=0, world_size=3).local_batch(10)


def test_tensor_batcher_shards_union_is_single_process_batch():
    data = torch.arange(20.0).view(20, 1, 1, 1)
    single = TensorBatcher(data, batch_size=8, flips=True, seed=3)
    shards = [
        TensorBatcher(data, batch_size=8, flips=True, seed=3, shard=Distributed(rank=r, world_size=2)) for r in range(2)
    ]
    for _ in range(5):  # crosses an epoch boundary (20 images, 8 per batch)
        torch.testing.assert_close(torch.cat([next(s) for s in shards]), next(single), atol=0, rtol=0)


def test_train_step_fp16_scales_gradient_penalty():
    config = TrainConfig(**{**CONFIG, "precision": "fp16"})
    state = parallelize(
        build_state(config, device="cpu", memory_format=torch.contiguous_format, precision="fp16"), SINGLE
    )
    batches = TensorBatcher(torch.from_numpy(images()).unsqueeze(1), batch_size=8, flips=False, seed=0)
    before = [p.detach().clone() for p in state.critic.parameters()]
    stats = train_step(state, batches, config=config, precision="fp16")
    assert state.scaler_critic.is_enabled() and torch.isfinite(stats).all()
    assert any(not torch.equal(a, b) for a, b in zip(before, state.critic.parameters()))


def test_hardware_probe_times_fp16_steps():
    # An explicit fp16 with memory_format="auto" makes the probe time fp16 steps: its state needs the scalers too.
    config = TrainConfig(**{**CONFIG, "precision": "fp16"})
    seconds = probe_step_time(config, images(), "cpu")("fp16", "contiguous")
    assert seconds > 0


def test_train_step_fp16_refuses_state_without_scaler():
    config = TrainConfig(**{**CONFIG, "precision": "fp16"})
    state = build_state(config, device="cpu", memory_format=torch.contiguous_format)
    batches = TensorBatcher(torch.from_numpy(images()).unsqueeze(1), batch_size=8, flips=False, seed=0)
    with pytest.raises(ValueError, match="needs gradient scaling"):
        train_step(state, batches, config=config, precision="fp16")


if __name__ == "__main__":  # torchrun worker: python -m torch.distributed.run ... test_distributed.py OUT CONFIG
    out, overrides = Path(sys.argv[1]), json.loads(sys.argv[2])
    train(TrainConfig(**overrides), images(), out / f"rank{os.environ['RANK']}", progress=False)
    torch.distributed.destroy_process_group()
