"""Quality vs training time: sample quality reached per training minute, naive reference vs project defaults.

A faster trainer is only better if the *samples* it reaches in a given time
are better.  This benchmark trains the default configuration (the ``quick``
training profile that ``make pipeline`` trains, on the embedded CBIS-DDSM
patches) with two trainers side by side, from the same initialisation and
seed, on the same data:

1. **naive reference** — ``benchmarks/train_step.py``'s ``NaiveReference``
   (fp32, eager, contiguous memory, ``DataLoader``, torch's default threads);
2. **project defaults** — ``train_step.py``'s ``ProjectDefaults``, i.e.
   :func:`gan_lib.training.train_step` with the settings ``TrainConfig``'s
   ``"auto"`` values resolve to on this machine (threads, precision, memory
   format by detection and measurement).

Each trainer runs until its *training* wall-clock time (``time.perf_counter``
around set-up and every generator iteration — evaluation excluded) reaches
each budget mark (default 5, 10 and 20 minutes).  The two trainers alternate
mark by mark, so slow drifts in machine load affect both alike.  At each mark
the generator is checkpointed and evaluated with the project's weight-free
measures against the training patches (the reference set of Table 1):

- multi-scale SWD x 10^3 (:func:`gan_lib.metrics.swd`, Karras et al. 2018;
  lower is better), average over the pyramid levels;
- MS-SSIM diversity (:func:`gan_lib.metrics.ms_ssim_diversity`; mean pairwise
  MS-SSIM within the set; mode collapse shows as values far *above* the real
  sets').

Beside them, computed once, the real-vs-real floors of Table 1: held-out views
of the training patient vs train (same patient) and the other patient's
patches vs train (other patient).  Sample sizes and evaluation settings are
those of the ``quick`` evaluation profile (:mod:`gan_lib.evaluation`), so the
numbers are comparable with Table 1 of a quick run.

Resumable: every (trainer, mark) keeps a checkpoint and a result file, written
atomically, in a folder named after the settings and the budget marks; a rerun
of the same command skips finished marks and continues training from the last
checkpoint (the naive reference restarts its ``DataLoader`` epoch there, so a
resumed naive curve is statistically, not bitwise, the same).

Usage::

    python benchmarks/quality_vs_time.py                    # budgets 5 10 20 min per trainer (about 45 min in all)
    python benchmarks/quality_vs_time.py --quick            # budgets 0.5 1 2 min: a check that everything works
    python benchmarks/quality_vs_time.py --publish          # also copy the table and plot to benchmarks/results/

Writes ``runs/benchmarks/quality_vs_time/<budgets>_<key>/`` (checkpoints,
per-mark results, ``environment.json``, ``quality_vs_time.csv/.md/.png``);
``--publish`` copies the three ``quality_vs_time.*`` files to
``benchmarks/results/`` for the README.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import platform
import shutil
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch
from matplotlib import pyplot as plt
from tqdm.auto import tqdm

from gan_lib.atomic import atomic_path, atomic_write_json, atomic_write_text
from gan_lib.config import PROJECT_ROOT, RUNS_DIR, config_to_dict
from gan_lib.evaluation import EvaluationConfig, cap_real_split, evaluation_config
from gan_lib.figures.save import save_figure
from gan_lib.figures.style import COLORS, thesis_style
from gan_lib.generate import generate
from gan_lib.metrics import Estimate, ms_ssim_diversity, not_computed, swd
from gan_lib.pipeline import source_commit
from gan_lib.training import TrainConfig, train_config_for_profile
from gan_lib.training.checkpoint import CHECKPOINT_FORMAT, load_checkpoint
from train_step import DEFAULT_THREADS, NaiveReference, ProjectDefaults

__all__ = [
    "TRAINERS", "FLOORS", "DEFAULT_BUDGETS", "QUICK_BUDGETS", "budget_marks", "benchmark_folder", "reference_sets",
    "evaluate_images", "real_floors", "Contender", "run_benchmark", "results_table", "markdown_report",
    "plot_quality", "main",
]

#: Trainer labels (as in ``benchmarks/train_step.py``'s table) -> file-name slug.
TRAINERS: dict[str, str] = {"naive reference": "naive", "project defaults": "project"}
#: Real-vs-real reference rows: set name -> label.  SWD rows compare with train; ``train`` has diversity only.
FLOORS: dict[str, str] = {
    "heldout": "real: held-out views vs train (same patient)",
    "test": "real: other patient vs train",
    "train": "real: train (within set)",
}
#: Budget marks in training minutes per trainer.
DEFAULT_BUDGETS: tuple[float, ...] = (5.0, 10.0, 20.0)
QUICK_BUDGETS: tuple[float, ...] = (0.5, 1.0, 2.0)
#: Files written for the README (``--publish`` copies them to ``benchmarks/results/``).
OUTPUT_STEM = "quality_vs_time"
PUBLISH_DIR = PROJECT_ROOT / "benchmarks" / "results"
#: Bumped when the content of cached results changes meaning (invalidates old caches).
CACHE_VERSION = 2


def budget_marks(minutes: Sequence[float]) -> tuple[float, ...]:
    """Validate budget marks in minutes and return them sorted ascending.

    Parameters
    ----------
    minutes : sequence of float
        Training-time marks per trainer, in minutes; each finite and > 0, no duplicates.

    Returns
    -------
    tuple of float
        Sorted ascending.

    Examples
    --------
    >>> budget_marks([10, 5, 20])
    (5.0, 10.0, 20.0)
    """
    marks = [float(m) for m in minutes]
    if not marks:
        raise ValueError("budgets: give at least one budget in minutes, e.g. --budgets-min 5 10 20.")
    bad = [m for m in marks if not (math.isfinite(m) and m > 0)]
    if bad:
        raise ValueError(f"budgets: every budget must be a finite number of minutes > 0; got {bad}.")
    if len(set(marks)) != len(marks):
        raise ValueError(f"budgets: each budget may appear once; got {marks}.")
    return tuple(sorted(marks))


def _mark_name(minutes: float) -> str:
    return f"{minutes:g}min"


def benchmark_folder(root: Path, *, marks: Sequence[float], settings: dict[str, Any]) -> Path:
    """The cache folder of one benchmark: ``root/<budgets>_<hash of settings and budgets>``.

    The budgets are part of the key, so timings measured by one command are
    never continued by a command with other budgets (e.g. ``--quick`` run
    while the machine was busy).
    """
    payload = json.dumps({**settings, "budgets_min": list(marks), "cache_version": CACHE_VERSION}, sort_keys=True)
    key = hashlib.sha256(payload.encode()).hexdigest()[:12]
    return Path(root) / f"budgets-{'-'.join(_mark_name(m) for m in marks)}_{key}"


def reference_sets(images: dict[str, np.ndarray], config: EvaluationConfig) -> dict[str, np.ndarray]:
    """The real sets of the evaluation, subsampled as ``gan_lib.evaluation.load_evaluation_sets`` does.

    Parameters
    ----------
    images : dict
        ``"train"``, ``"heldout"`` and ``"test"`` splits, float32 ``(N, H, W)`` in [-1, 1].
    config : EvaluationConfig
        ``train`` keeps at most ``max_real`` images, the compared real splits
        at most ``n_generated`` (SWD depends on the number of images, so every
        set compared with train has the generated set's size); ``seed`` draws
        the subsets.

    Returns
    -------
    dict
        The same keys, subsampled without replacement (order kept).
    """
    missing = sorted({"train", "heldout", "test"} - set(images))
    if missing:
        raise ValueError(f"reference_sets: images needs the splits train, heldout and test; missing {missing}.")
    rng = np.random.default_rng(config.seed)
    return {split: cap_real_split(images[split], split, config, rng) for split in ("train", "heldout", "test")}


def evaluate_images(images: np.ndarray, train: np.ndarray, config: EvaluationConfig) -> dict[str, Estimate]:
    """SWD x 10^3 (average of the pyramid levels) vs ``train`` and MS-SSIM diversity of one set.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Generated (or real) set in [-1, 1].  A set holding NaN/inf (a diverged
        generator) is reported as not computed, with the reason, instead of failing.
    train : ndarray, shape (M, H, W)
        The reference set.
    config : EvaluationConfig
        ``swd_max_images``, ``n_costly_bootstrap``, ``diversity_pairs``, ``n_resamples`` and ``seed``.

    Returns
    -------
    dict
        ``"swd"``, ``"swd_<res>px"`` per pyramid level and ``"diversity"``, each an :class:`Estimate`.
    """
    if not np.all(np.isfinite(images)):
        reason = "generated images hold NaN/inf (training diverged)"
        return {"swd": not_computed(reason, n=len(images), n_reference=len(train)),
                "diversity": not_computed(reason, n=len(images))}
    result = swd(images, train, max_images=config.swd_max_images, n_bootstrap=config.n_costly_bootstrap,
                 seed=config.seed)
    out = {"swd": result.average, **{f"swd_{res}px": est for res, est in result.levels.items()}}
    out["diversity"] = ms_ssim_diversity(images, max_pairs=config.diversity_pairs, seed=config.seed,
                                         n_resamples=config.n_resamples)
    return out


def real_floors(sets: dict[str, np.ndarray], config: EvaluationConfig) -> dict[str, dict[str, Estimate]]:
    """Real-vs-real reference values: SWD and diversity of ``heldout`` and ``test`` vs train; diversity of train.

    Returns
    -------
    dict
        ``{"heldout": {...}, "test": {...}, "train": {"diversity": ...}}`` as :func:`evaluate_images` returns.
    """
    floors = {split: evaluate_images(sets[split], sets["train"], config) for split in ("heldout", "test")}
    floors["train"] = {"diversity": ms_ssim_diversity(sets["train"], max_pairs=config.diversity_pairs,
                                                      seed=config.seed, n_resamples=config.n_resamples)}
    return floors


# ----------------------------------------------------------------------------------------------
# Trainers with a training clock and checkpoints
# ----------------------------------------------------------------------------------------------
class Contender:
    """One trainer (naive reference or project defaults) with its own clock, RNG and checkpoints.

    ``train_seconds`` accumulates ``time.perf_counter`` time of set-up (first
    construction, including the project's hardware probe) and of every
    generator iteration; ``cpu_seconds`` the process CPU time over the same
    intervals.  Each contender keeps a private copy of torch's global RNG
    state (the naive reference draws its noise and batch order from it), so
    alternating between the trainers changes neither's random stream.

    Parameters
    ----------
    name : {"naive reference", "project defaults"}
    config : TrainConfig
        The experiment; identical for both trainers.
    images : ndarray, shape (N, H, W)
        Training images in [-1, 1].
    hardware : dict, optional
        The project's resolved settings from an earlier checkpoint (reused
        on resume instead of measuring again).
    """

    def __init__(self, name: str, config: TrainConfig, images: np.ndarray, *,
                 hardware: dict[str, Any] | None = None) -> None:
        if name not in TRAINERS:
            raise ValueError(f"Contender: name must be one of {list(TRAINERS)}; got {name!r}.")
        self.name, self.config = name, config
        outer_rng = torch.get_rng_state()
        started, cpu_started = time.perf_counter(), time.process_time()
        if name == "naive reference":
            self.runner: NaiveReference | ProjectDefaults = NaiveReference(config, images)
            self.threads = DEFAULT_THREADS
            self.hardware = {"precision": "fp32", "memory_format": "contiguous", "num_threads": DEFAULT_THREADS,
                             "reasons": ["naive reference: fixed settings"]}
        else:
            if hardware is not None:  # resume: the recorded choices, no new measurement
                config = dataclasses.replace(config, precision=hardware["precision"],
                                             memory_format=hardware["memory_format"],
                                             num_threads=hardware["num_threads"])
            self.runner = ProjectDefaults(config, images)
            self.threads = self.runner.threads
            self.hardware = hardware or self.runner.hardware.to_dict()
        self.train_seconds = time.perf_counter() - started
        self.cpu_seconds = time.process_time() - cpu_started
        self.steps = 0
        self.rng_state = torch.get_rng_state()
        torch.set_rng_state(outer_rng)

    def _parts(self) -> dict[str, Any]:
        """Modules and optimisers by checkpoint key."""
        if isinstance(self.runner, NaiveReference):
            r = self.runner
            return {"generator": r.G, "critic": r.D, "opt_generator": r.opt_g, "opt_critic": r.opt_d}
        s = self.runner.state
        return {"generator": s.generator, "critic": s.critic, "opt_generator": s.opt_generator,
                "opt_critic": s.opt_critic}

    def train_until(self, seconds: float, *, progress: bool = True) -> None:
        """Run generator iterations until ``train_seconds >= seconds`` (overshoot: at most one iteration)."""
        outer_threads, outer_rng = torch.get_num_threads(), torch.get_rng_state()
        torch.set_num_threads(self.threads)
        torch.set_rng_state(self.rng_state)
        bar = tqdm(total=round(max(seconds - self.train_seconds, 0.0), 1), unit="s", leave=False,
                   disable=not progress, desc=f"train {self.name} to {seconds / 60:g} min",
                   bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s{postfix}")
        try:
            while self.train_seconds < seconds:
                wall, cpu = time.perf_counter(), time.process_time()
                self.runner.step()
                elapsed = time.perf_counter() - wall
                self.train_seconds += elapsed
                self.cpu_seconds += time.process_time() - cpu
                self.steps += 1
                bar.update(min(elapsed, bar.total - bar.n))
                bar.set_postfix_str(f"{self.steps} steps", refresh=False)
        finally:
            bar.close()
            self.rng_state = torch.get_rng_state()
            torch.set_rng_state(outer_rng)
            torch.set_num_threads(outer_threads)

    def checkpoint(self) -> dict[str, Any]:
        """Everything to evaluate (``gan_lib.generate.generate`` reads it) and to continue training."""
        state: dict[str, Any] = {
            "format": CHECKPOINT_FORMAT, "trainer": self.name, "step": self.steps,
            "train_seconds": self.train_seconds, "cpu_seconds": self.cpu_seconds,
            "generator_spec": {"name": self.config.generator, "kwargs": self.config.generator_kwargs()},
            "hardware": {**self.hardware, "reasons": list(self.hardware.get("reasons", []))},
            "torch_rng": self.rng_state,
            "load_avg_1min": os.getloadavg()[0],  # at the end of training to this mark, this benchmark included
            **{key: part.state_dict() for key, part in self._parts().items()},
        }
        if isinstance(self.runner, ProjectDefaults):
            state["noise"] = self.runner.state.noise.get_state()
            state["batcher"] = self.runner.batches.state_dict()
        return state

    @classmethod
    def resume(cls, checkpoint: dict[str, Any], config: TrainConfig, images: np.ndarray) -> "Contender":
        """Rebuild a contender from :meth:`checkpoint`'s dict; its clock continues from the recorded time."""
        contender = cls(checkpoint["trainer"], config, images, hardware=checkpoint["hardware"])
        for key, part in contender._parts().items():
            part.load_state_dict(checkpoint[key])
        if isinstance(contender.runner, ProjectDefaults):
            contender.runner.state.noise.set_state(checkpoint["noise"])
            contender.runner.batches.load_state_dict(checkpoint["batcher"])
        contender.rng_state = checkpoint["torch_rng"]
        contender.steps = int(checkpoint["step"])
        contender.train_seconds = float(checkpoint["train_seconds"])
        contender.cpu_seconds = float(checkpoint["cpu_seconds"])
        return contender


# ----------------------------------------------------------------------------------------------
# The benchmark loop (resumable)
# ----------------------------------------------------------------------------------------------
def _estimate_dict(estimate: Estimate) -> dict[str, Any]:
    return dataclasses.asdict(estimate)


def _estimate(values: dict[str, Any]) -> Estimate:
    return Estimate(**values)


def _load_json(path: Path) -> Any:
    return json.loads(path.read_text())


def run_benchmark(
    config: TrainConfig,
    sets: dict[str, np.ndarray],
    *,
    marks: Sequence[float],
    eval_config: EvaluationConfig,
    folder: Path,
    progress: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Estimate]]]:
    """Train both trainers to each budget mark, checkpoint, evaluate; skip what ``folder`` already holds.

    Parameters
    ----------
    config : TrainConfig
        The experiment both trainers run.
    sets : dict
        ``"train"`` (trained on and the reference), ``"heldout"`` and ``"test"`` real sets, float32
        ``(N, H, W)`` in [-1, 1] (already subsampled with :func:`reference_sets`).
    marks : sequence of float
        Budget marks in training minutes (see :func:`budget_marks`).
    eval_config : EvaluationConfig
        Sample sizes and bootstrap settings of the evaluation.
    folder : Path
        Cache folder (:func:`benchmark_folder`): ``floors.json`` and, per
        trainer slug, ``<slug>/<mark>.pt`` and ``<slug>/<mark>.json``.
    progress : bool
        Show tqdm bars.

    Returns
    -------
    (records, floors)
        One record per (trainer, mark), in mark order with the trainers
        alternating, and the real-vs-real floors.
    """
    marks = budget_marks(marks)
    folder = Path(folder)
    floors_path = folder / "floors.json"
    if floors_path.exists():
        floors = {k: {m: _estimate(v) for m, v in d.items()} for k, d in _load_json(floors_path).items()}
    else:
        floors = real_floors(sets, eval_config)
        atomic_write_json(floors_path, {k: {m: _estimate_dict(v) for m, v in d.items()} for k, d in floors.items()})

    live: dict[str, Contender | None] = {name: None for name in TRAINERS}
    records = []
    outer = tqdm(total=len(marks) * len(TRAINERS), desc="quality vs time", unit="mark", disable=not progress)
    for index, mark in enumerate(marks):
        for name, slug in TRAINERS.items():
            checkpoint_path = folder / slug / f"{_mark_name(mark)}.pt"
            result_path = checkpoint_path.with_suffix(".json")
            if not result_path.exists():
                if not checkpoint_path.exists():
                    contender = live[name]
                    if contender is None or contender.train_seconds > mark * 60:
                        contender = _latest_contender(name, marks[:index], config, sets["train"], folder)
                    contender.train_until(mark * 60, progress=progress)
                    live[name] = contender
                    with atomic_path(checkpoint_path) as tmp:
                        torch.save(contender.checkpoint(), tmp)
                else:
                    live[name] = None  # the stored checkpoint is newer than anything in memory
                atomic_write_json(result_path, _evaluate_checkpoint(checkpoint_path, mark, sets, eval_config,
                                                                    config))
            records.append(_record_from_json(_load_json(result_path)))
            outer.update(1)
    outer.close()
    return records, floors


def _latest_contender(name: str, earlier: Sequence[float], config: TrainConfig, train: np.ndarray,
                      folder: Path) -> Contender:
    """The contender at its latest stored earlier mark, or a fresh one."""
    for mark in reversed(earlier):
        path = folder / TRAINERS[name] / f"{_mark_name(mark)}.pt"
        if path.exists():
            return Contender.resume(load_checkpoint(path), config, train)
    return Contender(name, config, train)


def _evaluate_checkpoint(path: Path, mark: float, sets: dict[str, np.ndarray], eval_config: EvaluationConfig,
                         config: TrainConfig) -> dict[str, Any]:
    """Generate ``n_generated`` images from a mark's checkpoint and evaluate them; JSON-ready record."""
    state = load_checkpoint(path)
    started = time.perf_counter()
    with torch.random.fork_rng(devices=[]):  # building the generator draws initial weights
        images = generate(path, eval_config.n_generated, seed=eval_config.seed)
    metrics = evaluate_images(images, sets["train"], eval_config)
    steps = int(state["step"])
    return {
        "trainer": state["trainer"], "budget_min": mark, "train_min": state["train_seconds"] / 60,
        "cpu_min": state["cpu_seconds"] / 60, "generator_steps": steps,
        "images_seen": steps * config.n_critic * config.batch_size,  # real images shown to the critic
        "threads": state["hardware"]["num_threads"], "precision": state["hardware"]["precision"],
        "memory_format": state["hardware"]["memory_format"],
        "load_avg_1min": state["load_avg_1min"], "eval_seconds": time.perf_counter() - started,
        "metrics": {key: _estimate_dict(est) for key, est in metrics.items()},
    }


def _record_from_json(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "metrics": {k: _estimate(v) for k, v in data["metrics"].items()}}


# ----------------------------------------------------------------------------------------------
# Table, markdown and plot
# ----------------------------------------------------------------------------------------------
TABLE_COLUMNS = [
    "trainer", "budget_min", "train_min", "cpu_min", "generator_steps", "images_seen",
    "swd_avg", "swd_ci_low", "swd_ci_high", "swd_n", "swd_n_reference",
    "diversity", "diversity_ci_low", "diversity_ci_high", "diversity_n",
    "threads", "precision", "memory_format", "load_avg_1min",
]


def results_table(records: Sequence[dict[str, Any]], floors: dict[str, dict[str, Estimate]]) -> pd.DataFrame:
    """One row per (trainer, budget) and one per real-vs-real floor, with values, 95 % CIs and sizes.

    Parameters
    ----------
    records : sequence of dict
        From :func:`run_benchmark`: ``trainer``, ``budget_min``, ``train_min``, ``cpu_min``,
        ``generator_steps``, ``images_seen``, ``threads``, ``precision``, ``memory_format``,
        ``load_avg_1min`` and ``metrics`` (``"swd"``, ``"diversity"`` :class:`Estimate` objects).
    floors : dict
        From :func:`real_floors`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`; trainers sorted by ``TRAINERS`` order then budget, floors last
        (their training columns empty; ``train`` has no SWD).
    """
    rows = []
    for record in records:
        row = {k: record[k] for k in TABLE_COLUMNS if k in record}
        rows.append({**row, **_metric_columns(record["metrics"])})
    order = {name: i for i, name in enumerate(TRAINERS)}
    rows.sort(key=lambda r: (order.get(r["trainer"], len(order)), r["budget_min"]))
    for split, label in FLOORS.items():
        if split in floors:
            rows.append({"trainer": label, **_metric_columns(floors[split])})
    table = pd.DataFrame(rows).reindex(columns=TABLE_COLUMNS)
    counts = ["generator_steps", "images_seen", "swd_n", "swd_n_reference", "diversity_n", "threads"]
    return table.astype({column: "Int64" for column in counts})  # integers; empty on rows without them


def _metric_columns(metrics: dict[str, Estimate]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "swd" in metrics:
        s = metrics["swd"]
        out.update(swd_avg=s.value, swd_ci_low=s.ci_low, swd_ci_high=s.ci_high, swd_n=s.n,
                   swd_n_reference=s.n_reference)
    if "diversity" in metrics:
        d = metrics["diversity"]
        out.update(diversity=d.value, diversity_ci_low=d.ci_low, diversity_ci_high=d.ci_high, diversity_n=d.n)
    return out


def _with_ci(value: float, low: float, high: float) -> str:
    if pd.isna(value):
        return "—"
    return f"{value:.3g}" if pd.isna(low) else f"{value:.3g} [{low:.3g}, {high:.3g}]"


def _load_range(table: pd.DataFrame) -> str:
    loads = table["load_avg_1min"].dropna()
    return "n/a" if loads.empty else f"{loads.min():.1f}-{loads.max():.1f}"


def markdown_report(table: pd.DataFrame, environment: dict[str, Any]) -> str:
    """The table as GitHub markdown, preceded by what was run where (CPU, torch, threads, precision, sizes)."""
    lines = ["| trainer | budget (min) | trained (min) | steps | images seen | SWD x1e3 avg [95% CI] "
             "| MS-SSIM diversity [95% CI] |",
             "|---|---:|---:|---:|---:|---|---|"]
    for row in table.itertuples(index=False):
        trained = pd.notna(row.budget_min)
        lines.append(
            f"| {row.trainer} | {f'{row.budget_min:g}' if trained else '—'} "
            f"| {f'{row.train_min:.3g}' if trained else '—'} "
            f"| {row.generator_steps if trained else '—'} | {row.images_seen if trained else '—'} "
            f"| {_with_ci(row.swd_avg, row.swd_ci_low, row.swd_ci_high)} "
            f"| {_with_ci(row.diversity, row.diversity_ci_low, row.diversity_ci_high)} |"
        )
    env, evaluation = environment, environment["evaluation"]
    project = env["hardware"].get("project defaults", {})
    swd_sizes = table.dropna(subset=["swd_n"]).iloc[0] if table["swd_n"].notna().any() else None
    n_train = env["set_sizes"]["train"]
    sizes = (f"{swd_sizes.swd_n} images per set vs {swd_sizes.swd_n_reference} training images"
             + (f" (a random subset of {n_train})" if swd_sizes.swd_n_reference < n_train else "")
             if swd_sizes is not None else "no SWD computed")
    header = [
        f"Quality vs training time, training profile `{env['train_profile']}` "
        f"({env['train']['image_size']} px, widths {env['train']['generator_width']}/{env['train']['critic_width']}, "
        f"batch {env['train']['batch_size']}, n_critic {env['train']['n_critic']}), seed {env['train']['seed']}; "
        f"budgets are training wall-clock minutes per trainer (`time.perf_counter`, set-up included, "
        f"evaluation excluded).",
        "",
        f"Machine: {env['cpu']} ({env['cpu_count']} logical CPUs, torch CPU capability {env['capability']}), "
        f"torch {env['torch']}, Python {env['python']}; 1-minute load average at the marks "
        f"{_load_range(table)} (this benchmark's own threads included; per mark in the CSV; well above the trainer's thread count, "
        f"timings are distorted by other jobs). "
        f"Naive reference: fp32, contiguous, {env['default_threads']} threads. "
        f"Project defaults resolved to {project.get('precision', '?')}, {project.get('memory_format', '?')}, "
        f"{project.get('num_threads', '?')} thread(s): {'; '.join(project.get('reasons', [])) or 'n/a'}.",
        "",
        f"SWD x1e3: multi-scale sliced Wasserstein distance to the training patches, average over pyramid levels "
        f"(lower is better), {sizes}, 95% CI from {evaluation['n_costly_bootstrap']} bootstrap replicates "
        f"(normal approximation). Diversity: mean pairwise MS-SSIM within the set over {evaluation['diversity_pairs']} "
        f"random pairs per set ({evaluation['n_generated']} images; train {n_train}), percentile bootstrap over pairs; "
        f"the real sets give the target, "
        f"values far above it mean mode collapse. Real rows: same-patient and other-patient floors.",
        "",
    ]
    return "\n".join(header + lines) + "\n"


#: Line colour per trainer in the plot.
_TRAINER_COLORS = {"naive reference": (0.45, 0.45, 0.45), "project defaults": COLORS["generated"]}
#: Table columns of each plotted metric: (value, CI low, CI high).
_METRIC_COLUMNS = {"swd": ("swd_avg", "swd_ci_low", "swd_ci_high"),
                   "diversity": ("diversity", "diversity_ci_low", "diversity_ci_high")}


def plot_quality(table: pd.DataFrame) -> plt.Figure:
    """SWD and diversity vs training minutes, and SWD vs generator steps; floors as horizontal lines with CI bands.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`results_table`.

    Returns
    -------
    matplotlib Figure
        Three panels; error bars and bands are 95 % CIs.
    """
    trained = table[table["budget_min"].notna()]
    with thesis_style():
        fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.4))
        panels = [(axes[0], "train_min", "swd", "SWD x1e3 vs train (lower is better)"),
                  (axes[1], "train_min", "diversity", "MS-SSIM within set (diversity)"),
                  (axes[2], "generator_steps", "swd", "SWD x1e3 vs train (lower is better)")]
        for ax, x, metric, ylabel in panels:
            value, low, high = _METRIC_COLUMNS[metric]
            for split, label in FLOORS.items():
                row = table[table["trainer"] == label]
                if row.empty or pd.isna(row[value].iloc[0]):
                    continue
                row = row.iloc[0]
                ax.axhline(row[value], color=COLORS[split], linestyle="--", linewidth=1, label=label)
                if pd.notna(row[low]):
                    ax.axhspan(row[low], row[high], color=COLORS[split], alpha=0.12, linewidth=0)
            for name in TRAINERS:
                rows = trained[trained["trainer"] == name].sort_values(x)
                if rows.empty:
                    continue
                yerr = [(rows[value] - rows[low]).fillna(0), (rows[high] - rows[value]).fillna(0)]
                ax.errorbar(rows[x], rows[value], yerr=yerr, marker="o", markersize=3.5, capsize=2, linewidth=1.2,
                            color=_TRAINER_COLORS[name], label=name)
            ax.set_xlabel("training time [min, wall clock]" if x == "train_min" else "generator steps")
            ax.set_ylabel(ylabel)
            ax.set_xlim(left=0)
        legend: dict[str, Any] = {}
        for ax in axes[:2]:
            for handle, label in zip(*ax.get_legend_handles_labels()):
                legend.setdefault(label, handle)
        fig.legend(list(legend.values()), list(legend), loc="outside lower center", ncol=3, frameon=False)
    return fig


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------
def _environment(profile: str, config: TrainConfig, eval_config: EvaluationConfig, marks: Sequence[float],
                 sizes: dict[str, int]) -> dict[str, Any]:
    """What was run where; the CPU model and the trainers' resolved settings are added after training."""
    return {
        "train_profile": profile, "train": config_to_dict(config), "evaluation": config_to_dict(eval_config),
        "budgets_min": list(marks), "set_sizes": sizes, "cpu_count": os.cpu_count(),
        "capability": torch.backends.cpu.get_cpu_capability(), "torch": torch.__version__,
        "python": platform.python_version(), "default_threads": DEFAULT_THREADS, "commit": source_commit() or "unknown",
        "hardware": {},
    }


def _write_outputs(table: pd.DataFrame, markdown: str, folder: Path) -> list[Path]:
    paths = [atomic_write_text(folder / f"{OUTPUT_STEM}.csv", table.to_csv(index=False)),
             atomic_write_text(folder / f"{OUTPUT_STEM}.md", markdown)]
    fig = plot_quality(table)
    paths += save_figure(fig, OUTPUT_STEM, directory=folder, formats=("png",), dpi=110)
    plt.close(fig)
    return paths


def _publish(paths: Sequence[Path]) -> list[Path]:
    """Copy the written result files to ``PUBLISH_DIR`` (atomically each)."""
    published = []
    for path in paths:
        with atomic_path(PUBLISH_DIR / path.name) as tmp:
            shutil.copyfile(path, tmp)
        published.append(PUBLISH_DIR / path.name)
    return published


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budgets-min", type=float, nargs="+", default=None,
                        help=f"training-time marks per trainer in minutes (default {' '.join(map(str, DEFAULT_BUDGETS))})")
    parser.add_argument("--quick", action="store_true",
                        help=f"budgets {' '.join(map(str, QUICK_BUDGETS))} min: check that everything works")
    parser.add_argument("--train-profile", default="quick", choices=("quick", "full"),
                        help="data and training profile (default quick: what `make pipeline` trains)")
    parser.add_argument("--seed", type=int, default=0, help="training seed of both trainers (default 0)")
    parser.add_argument("--out", type=Path, default=RUNS_DIR / "benchmarks" / OUTPUT_STEM,
                        help="cache root (default runs/benchmarks/quality_vs_time)")
    parser.add_argument("--publish", action="store_true",
                        help="also write quality_vs_time.csv/.md/.png to benchmarks/results/ (for the README)")
    args = parser.parse_args(argv)
    if args.quick and args.budgets_min is not None:
        parser.error("give either --quick or --budgets-min, not both")
    marks = budget_marks(QUICK_BUDGETS if args.quick else args.budgets_min or DEFAULT_BUDGETS)

    from gan_lib.data import data_config, prepare_dataset

    data_settings = data_config(args.train_profile)
    dataset = prepare_dataset(data_settings)
    config = train_config_for_profile(args.train_profile, {"seed": args.seed, "image_size": data_settings.image_size})
    eval_config = evaluation_config("quick")
    sets = reference_sets({split: dataset.images(split) for split in ("train", "heldout", "test")}, eval_config)
    settings = {"data": config_to_dict(data_settings), "train": config_to_dict(config),
                "evaluation": config_to_dict(eval_config)}
    folder = benchmark_folder(args.out, marks=marks, settings=settings)
    print(f"quality vs time: budgets {list(marks)} min per trainer, results in {folder}", flush=True)

    environment = _environment(args.train_profile, config, eval_config, marks,
                               {split: len(images) for split, images in sets.items()})
    records, floors = run_benchmark(config, sets, marks=marks, eval_config=eval_config, folder=folder)
    for name in TRAINERS:
        stored = load_checkpoint(folder / TRAINERS[name] / f"{_mark_name(marks[0])}.pt")["hardware"]
        environment["hardware"][name] = stored
    environment["cpu"] = environment["hardware"]["project defaults"].get("processor", "unknown CPU")
    atomic_write_json(folder / "environment.json", environment)

    table = results_table(records, floors)
    markdown = markdown_report(table, environment)
    paths = _write_outputs(table, markdown, folder)
    if args.publish:
        paths += _publish(paths)
    print("\n" + markdown)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
