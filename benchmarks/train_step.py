"""Training-speed benchmark: a naive WGAN-GP step vs the project's trainer (``make benchmark``).

Measures generator iterations per second (each with ``n_critic = 5`` critic
updates) for

1. **naive reference** — a WGAN-GP loop as it is commonly written in thesis and
   tutorial code (kept here, clearly labelled, only as a yardstick):
   ``DataLoader(TensorDataset(...), shuffle=True)`` with per-sample collation,
   fp32, eager, default (contiguous) memory format, torch's default thread
   count, generator graph built during critic updates (``fake = G(z)`` without
   ``no_grad``), critic weight gradients computed during the generator update,
   and a ``.item()`` per loss per update for logging;
2. **project defaults** — :func:`gan_lib.training.train_step` with the
   settings ``TrainConfig``'s ``"auto"`` values resolve to on this machine
   (threads, precision and memory format by detection and measurement).

Two ablation rows separate the causes: the project's step with the naive
settings (fp32, contiguous, torch's default threads), and — when "auto" picks
a different thread count — the naive reference run with that thread count.
All use the same networks, batch and seed.  Timings alternate between the
two methods in rounds and report the median, so load from other processes
affects both alike.  A short training run of each from the same
initialisation compares their loss curves (the optimisation must be the same
algorithm, so the curves must agree within noise).

On a machine with CUDA every method runs on the GPU (``--device``): the naive
reference in fp32 eager, the project's step with what ``"auto"`` resolves to
there (bf16 or fp16 with loss scaling, channels_last, cuDNN autotuning), and
timings synchronise the GPU before reading the clock.

Usage::

    python benchmarks/train_step.py                 # 64 px batch 64 and 128 px batch 64, quick-profile widths
    python benchmarks/train_step.py --width 1.0     # thesis-sized networks (slow on a CPU)
    python benchmarks/train_step.py --device cuda --width 1.0 --sizes 64 128 256   # GPU table (benchmarks/gpu_check.sh)

Writes ``runs/benchmarks/train_step.csv`` and ``.md`` (atomically) and prints the table.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from typing import Callable

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

from gan_lib.atomic import atomic_write_text
from gan_lib.config import RUNS_DIR
from gan_lib.training import TrainConfig, build_state, prepare_run, train_step

#: torch's thread count before anything in this script changes it (one per core).
DEFAULT_THREADS = torch.get_num_threads()


# ----------------------------------------------------------------------------------------------
# (1) NAIVE REFERENCE — deliberately unoptimised, as commonly written; not used by the project.
# ----------------------------------------------------------------------------------------------
class NaiveReference:
    """A straightforward WGAN-GP generator iteration (the benchmark's yardstick)."""

    def __init__(self, config: TrainConfig, images: np.ndarray) -> None:
        self.config = config
        self.device = torch.device("cuda" if config.device.startswith("cuda") else "cpu")
        # same init as the project
        state = build_state(config, device=str(self.device), memory_format=torch.contiguous_format)
        self.G, self.D = state.generator, state.critic
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr, betas=config.betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=config.lr, betas=config.betas)
        dataset = TensorDataset(torch.from_numpy(images).unsqueeze(1))
        self.loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True, drop_last=True)
        self.batches = iter(self.loader)
        self.history: list[dict[str, float]] = []

    def next_real(self) -> torch.Tensor:
        try:
            (real,) = next(self.batches)
        except StopIteration:
            self.batches = iter(self.loader)
            (real,) = next(self.batches)
        real = real.to(self.device)
        flip = torch.rand(len(real), 1, 1, 1, device=self.device) < 0.5
        return torch.where(flip, real.flip(-1), real) if self.config.flips else real

    def step(self) -> None:
        c = self.config
        for _ in range(c.n_critic):
            real = self.next_real()
            z = torch.randn(c.batch_size, c.latent_dim, device=self.device)
            fake = self.G(z)
            d_real = self.D(real).mean()
            d_fake = self.D(fake).mean()
            alpha = torch.rand(c.batch_size, 1, 1, 1, device=self.device)
            interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            d_interp = self.D(interpolates)
            grads = torch.autograd.grad(
                outputs=d_interp,
                inputs=interpolates,
                grad_outputs=torch.ones_like(d_interp),
                create_graph=True,
                retain_graph=True,
            )[0]
            gp = c.gp_lambda * ((grads.view(c.batch_size, -1).norm(2, dim=1) - 1) ** 2).mean()
            d_loss = d_fake - d_real + gp
            self.opt_d.zero_grad()
            d_loss.backward()
            self.opt_d.step()
            record = {
                "critic_loss": d_loss.item(),
                "wasserstein": (d_real - d_fake).item(),
                "gradient_penalty": gp.item(),
            }
        z = torch.randn(c.batch_size, c.latent_dim, device=self.device)
        g_loss = -self.D(self.G(z)).mean()
        self.opt_g.zero_grad()
        g_loss.backward()
        self.opt_g.step()
        self.history.append({**record, "generator_loss": g_loss.item()})


# ----------------------------------------------------------------------------------------------
# (2) PROJECT DEFAULTS — gan_lib.training.train_step with the resolved "auto" settings.
# ----------------------------------------------------------------------------------------------
class ProjectDefaults:
    """The project's step, set up by the trainer's :func:`~gan_lib.training.prepare_run` (as ``train()`` sets a run
    up); ``fixed=True`` pins fp32, contiguous and torch's default threads (an ablation row)."""

    def __init__(self, config: TrainConfig, images: np.ndarray, *, fixed: bool = False) -> None:
        if fixed:
            config = dataclasses.replace(
                config, precision="fp32", memory_format="contiguous", num_threads=DEFAULT_THREADS
            )
        self.config = config
        run = prepare_run(config, images)  # cuDNN autotuning on CUDA is process-wide: all rows get it
        self.hardware, self.state, self.batches = run.hardware, run.state, run.batches
        self.stats: list[torch.Tensor] = []
        self.threads = torch.get_num_threads()

    def step(self) -> None:
        self.stats.append(train_step(self.state, self.batches, config=self.config, precision=self.hardware.precision))
        self.state.step += 1  # as gan_lib.training.train counts: the EMA ramp-up and the lazy penalty read it

    @property
    def history(self) -> list[dict[str, float]]:
        names = ("critic_loss", "generator_loss", "wasserstein", "gradient_penalty")
        return [dict(zip(names, s[:4].tolist())) for s in self.stats]


def _time(step: Callable[[], None], iterations: int, threads: int) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) per iteration over ``iterations`` calls with ``threads`` threads."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    sync = torch.cuda.synchronize if torch.cuda.is_initialized() else (lambda: None)
    try:
        sync()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(iterations):
            step()
        sync()  # GPU kernels run asynchronously: count them as finished
        return (time.perf_counter() - wall) / iterations, (time.process_time() - cpu) / iterations
    finally:
        torch.set_num_threads(previous)


def images_for(size: int, n: int = 512) -> np.ndarray:
    """Smooth random textures in [-1, 1] (the timing does not depend on content)."""
    rng = np.random.default_rng(0)
    noise = torch.from_numpy(rng.normal(size=(n, 1, size // 8, size // 8)).astype(np.float32))
    return torch.tanh(torch.nn.functional.interpolate(noise, size=(size, size), mode="bilinear"))[:, 0].numpy()


def _config(size: int, batch: int, width: float, device: str = "auto") -> TrainConfig:
    return TrainConfig(
        image_size=size,
        batch_size=batch,
        generator_width=width,
        critic_width=width,
        mlp_hidden=(max(16, round(1024 * width)),),
        device=device,
    )


def measure_speed(
    size: int, batch: int, width: float, iterations: int, rounds: int, device: str = "auto"
) -> list[dict]:
    """Median iterations/s of the three methods at one size, measured in alternating rounds."""
    config, images = _config(size, batch, width, device), images_for(size)
    runners = {
        "naive reference": (NaiveReference(config, images), DEFAULT_THREADS, "fp32, contiguous, DataLoader"),
        "project step, fixed settings": (
            ProjectDefaults(config, images, fixed=True),
            DEFAULT_THREADS,
            "fp32, contiguous, TensorBatcher",
        ),
    }
    project = ProjectDefaults(config, images)
    if project.hardware.num_threads != DEFAULT_THREADS:  # separate the thread choice from the code changes
        runners["naive reference, project's threads"] = (
            NaiveReference(config, images),
            project.hardware.num_threads,
            "fp32, contiguous, DataLoader",
        )
    runners["project defaults"] = (
        project,
        project.hardware.num_threads,
        f"{project.hardware.precision}, {project.hardware.memory_format}, TensorBatcher",
    )
    for runner, threads, _ in runners.values():
        _time(runner.step, 1, threads)  # warm-up
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, (runner, threads, _) in runners.items():
            times[name].append(_time(runner.step, iterations, threads))
    rows = []
    for name, (_, threads, settings) in runners.items():
        wall = statistics.median(t[0] for t in times[name])
        rows.append(
            {
                "image_size": size,
                "batch": batch,
                "method": name,
                "threads": threads,
                "settings": settings,
                "it_per_s": 1.0 / wall,
                "cpu_s_per_it": statistics.median(t[1] for t in times[name]),
            }
        )
    for row in rows:
        row["speedup_vs_naive"] = row["it_per_s"] / rows[0]["it_per_s"]
    return rows


def compare_quality(size: int, batch: int, width: float, steps: int, device: str = "auto") -> pd.DataFrame:
    """Loss curves of both methods over ``steps`` generator steps from the same initialisation."""
    config, images = _config(size, batch, width, device), images_for(size)
    curves = []
    for method, cls in (("naive reference", NaiveReference), ("project defaults", ProjectDefaults)):
        torch.manual_seed(config.seed)
        runner = cls(config, images)
        for _ in range(steps):
            runner.step()
        frame = pd.DataFrame(runner.history)
        frame["step"] = np.arange(1, steps + 1)
        frame["method"] = method
        curves.append(frame)
    return pd.concat(curves, ignore_index=True)


def to_markdown(frame: pd.DataFrame) -> str:
    """A GitHub-style markdown table (numbers with 3 significant digits)."""
    cells = [[f"{v:.3g}" if isinstance(v, float) else str(v) for v in row] for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--width", type=float, default=0.125, help="network width multiplier (quick profile: 0.125)")
    parser.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128], help="image sizes (default 64 128)")
    parser.add_argument("--iterations", type=int, default=3, help="generator iterations per timing round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating timing rounds per method")
    parser.add_argument("--quality-steps", type=int, default=60, help="steps of the loss-curve comparison (64 px)")
    parser.add_argument("--device", default="auto", help="auto (CUDA if present, else CPU), cpu or cuda")
    args = parser.parse_args()
    device = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")

    rows = []
    for size in args.sizes:
        rows += measure_speed(size, args.batch, args.width, args.iterations, args.rounds, device)
        print(pd.DataFrame(rows).to_string(index=False), flush=True)
    table = pd.DataFrame(rows)
    out = RUNS_DIR / "benchmarks"
    atomic_write_text(out / "train_step.csv", table.to_csv(index=False))

    summary = ""
    if args.quality_steps > 0:
        curves = compare_quality(args.sizes[0], args.batch, args.width, args.quality_steps, device)
        atomic_write_text(out / "train_step_quality.csv", curves.to_csv(index=False))
        tail = curves[curves["step"] > args.quality_steps // 2]
        quality = tail.groupby("method")[["wasserstein", "gradient_penalty", "generator_loss"]].agg(["mean", "std"])
        quality.columns = [f"{a} {b}" for a, b in quality.columns]
        summary = (
            f"\n\nLoss curves, steps {args.quality_steps // 2 + 1}-{args.quality_steps} "
            f"({args.sizes[0]} px, same initialisation; mean and std over steps):\n\n"
            f"{to_markdown(quality.reset_index())}"
        )
    header = (
        f"Generator iterations/s (each with n_critic=5 critic updates), width {args.width}, "
        f"median of {args.rounds} alternating rounds x {args.iterations} iterations; "
        + (
            f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}.\n\n"
            if device.startswith("cuda")
            else f"CPU: {torch.backends.cpu.get_cpu_capability()}, {DEFAULT_THREADS} torch threads by default.\n\n"
        )
    )
    markdown = header + to_markdown(table) + summary + "\n"
    atomic_write_text(out / "train_step.md", markdown)
    print("\n" + markdown)
    print(f"wrote {out / 'train_step.csv'} and {out / 'train_step.md'}")


if __name__ == "__main__":
    main()
