"""Quality vs training time: the ablation ladder from the thesis recipe to the project's, per training minute.

A change to the training recipe is only better if the *samples* it reaches in
a given time are better.  This benchmark trains the ``quick`` training profile
(what ``make pipeline`` trains, on the embedded CBIS-DDSM patches) with a
ladder of recipes side by side, each with the project's trainer
(:func:`gan_lib.training.train_step`, execution settings resolved by the
trainer's own probe), the same seed, data and network sizes:

1. **thesis recipe** — ``recipe="thesis"``: transposed convolutions, zero padding, no augmentation, no EMA;
2. **+ nearest upsampling** — nearest-neighbour x2 + 3x3 conv instead of ``ConvTranspose2d``;
3. **+ reflect padding** — reflection padding in generator and critic;
4. **+ DiffAugment** — translation and cutout on every image the critic sees;
5. **+ EMA** — samples from the generator's weight average;
6. **+ n_critic 2, critic lr x2** — two critic updates per generator update at twice the critic learning rate
   (the project recipe until 2026-12-02);
7. **project recipe** — all of the above plus bilinear interpolation in the two finest upsampling stages
   (``recipe="project"``), which removes nearest-neighbour upsampling's block grid.

Each contender runs until its *training* wall-clock time (``time.perf_counter``
around set-up and every generator iteration — evaluation excluded) reaches
each budget mark (default 2, 5, 10 and 20 minutes).  Contenders take turns
mark by mark, so slow drifts in machine load affect all alike.  At each mark
the generator (its weight average where the recipe keeps one) is
checkpointed, and ``n_generated`` samples are evaluated against the training
patches (the reference set of Table 1):

- multi-scale SWD x 10^3 (:func:`gan_lib.metrics.swd`, Karras et al. 2018;
  lower is better), average over the pyramid levels;
- MS-SSIM diversity (:func:`gan_lib.metrics.ms_ssim_diversity`; mean pairwise
  MS-SSIM within the set; mode collapse shows as values far *above* the real sets');
- the two automated readers of :mod:`gan_lib.metrics.c2st`: the CNN
  classifier two-sample test and the statistics reader (ROC AUC; 0.5 means
  indistinguishable).

Beside them, computed once, the real-vs-real floors of Table 1: held-out views
of the training patient vs train (same patient) and the other patient's
patches vs train (other patient).  Sample sizes and evaluation settings are
those of the ``quick`` evaluation profile (:mod:`gan_lib.evaluation`), so the
numbers are comparable with Table 1 of a quick run.  The report adds, per
recipe, the first mark at which it reaches SWD <= 1.5 x the same-patient
floor and C2ST AUC <= 0.85 (:func:`time_to_quality`).

Resumable: every (contender, mark) keeps a checkpoint and a result file,
written atomically, in a folder named after the settings and the budget marks;
a rerun of the same command skips finished marks and continues training from
the last checkpoint, exactly.

Usage::

    python benchmarks/quality_vs_time.py                           # all 7 contenders, 2 5 10 20 min each (~4.5 h)
    python benchmarks/quality_vs_time.py --quick                   # budgets 0.5 1 2 min: a check that everything works
    python benchmarks/quality_vs_time.py --contenders thesis project --seed 1   # a second seed of the two ends
    python benchmarks/quality_vs_time.py --publish                 # also copy table and plot to benchmarks/results/

Writes ``runs/benchmarks/quality_vs_time/<budgets>_<key>/`` (checkpoints,
per-mark results, ``environment.json``, ``quality_vs_time.csv/.md/.png``);
``--publish`` copies the three files to ``benchmarks/results/`` (with the seed
in their names) for the README.
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
from train_step import ProjectDefaults

from gan_lib.atomic import atomic_path, atomic_write_json, atomic_write_text
from gan_lib.config import PROJECT_ROOT, RUNS_DIR, config_to_dict
from gan_lib.evaluation import EvaluationConfig, cap_real_split, evaluation_config
from gan_lib.figures.save import save_figure
from gan_lib.figures.style import COLORS, thesis_style
from gan_lib.generate import generate
from gan_lib.metrics import Estimate, ms_ssim_diversity, not_computed, swd
from gan_lib.metrics.c2st import c2st, statistics_reader
from gan_lib.pipeline import source_commit
from gan_lib.training import TrainConfig, train_config_for_profile
from gan_lib.training.checkpoint import CHECKPOINT_FORMAT, load_checkpoint
from gan_lib.training.recipes import recipe_label

__all__ = [
    "CONTENDERS", "FLOORS", "DEFAULT_BUDGETS", "QUICK_BUDGETS", "TARGETS", "budget_marks", "benchmark_folder",
    "contender_configs", "reference_sets", "evaluate_images", "real_floors", "Contender", "run_benchmark",
    "results_table", "time_to_quality", "markdown_report", "plot_quality", "main",
]

_DIFFAUGMENT = "translation,cutout"
#: The ablation ladder: label -> (file-name slug, training settings over the profile).  Each rung adds one change.
CONTENDERS: dict[str, tuple[str, dict[str, Any]]] = {
    "thesis recipe": ("thesis", {"recipe": "thesis"}),
    "+ nearest upsampling": ("nearest", {"recipe": "thesis", "upsample": "nearest"}),
    "+ reflect padding": ("reflect", {"recipe": "thesis", "upsample": "nearest", "padding_mode": "reflect"}),
    "+ DiffAugment": ("diffaugment", {"recipe": "thesis", "upsample": "nearest", "padding_mode": "reflect",
                                      "diffaugment": _DIFFAUGMENT}),
    "+ EMA": ("ema", {"recipe": "thesis", "upsample": "nearest", "padding_mode": "reflect",
                      "diffaugment": _DIFFAUGMENT, "ema_kimg": 10.0}),
    "+ n_critic 2, critic lr x2": ("ncritic2", {"recipe": "project", "bilinear_stages": 0}),
    "project recipe (+ bilinear finest 2 stages)": ("project", {"recipe": "project"}),
}
#: Time-to-quality thresholds: SWD at most this multiple of the same-patient floor, C2ST AUC at most this.
TARGETS: dict[str, float] = {"swd_over_floor": 1.5, "c2st_auc": 0.85}
#: Real-vs-real reference rows: set name -> label.  SWD rows compare with train; ``train`` has diversity only.
FLOORS: dict[str, str] = {
    "heldout": "real: held-out views vs train (same patient)",
    "test": "real: other patient vs train",
    "train": "real: train (within set)",
}
#: Budget marks in training minutes per trainer.
DEFAULT_BUDGETS: tuple[float, ...] = (2.0, 5.0, 10.0, 20.0)
QUICK_BUDGETS: tuple[float, ...] = (0.5, 1.0, 2.0)
#: Files written for the README (``--publish`` copies them to ``benchmarks/results/``).
OUTPUT_STEM = "quality_vs_time"
PUBLISH_DIR = PROJECT_ROOT / "benchmarks" / "results"
#: Bumped when the content of cached results changes meaning (invalidates old caches).
CACHE_VERSION = 3


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


def contender_configs(profile: str, slugs: Sequence[str] | None = None, **overrides: Any) -> dict[str, TrainConfig]:
    """The ``TrainConfig`` of each contender (all, or those whose slugs are given, in ladder order).

    ``overrides`` (e.g. ``seed``, ``image_size``) apply to every contender.

    Examples
    --------
    >>> {label: c.bilinear_stages for label, c in contender_configs("quick", ["thesis", "project"]).items()}
    {'thesis recipe': 0, 'project recipe (+ bilinear finest 2 stages)': 2}
    """
    known = [slug for slug, _ in CONTENDERS.values()]
    unknown = sorted(set(slugs or ()) - set(known))
    if unknown:
        raise ValueError(f"contenders: unknown {unknown}; choose from {known}.")
    return {label: train_config_for_profile(profile, {**settings, **overrides})
            for label, (slug, settings) in CONTENDERS.items() if slugs is None or slug in slugs}


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
    """SWD x 10^3 (average of the pyramid levels), C2ST and statistics-reader AUC vs ``train``; MS-SSIM diversity.

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
        ``"swd"``, ``"swd_<res>px"`` per pyramid level, ``"diversity"``, ``"c2st"`` and ``"statistics_reader"``,
        each an :class:`Estimate`.
    """
    if not np.all(np.isfinite(images)):
        reason = "generated images hold NaN/inf (training diverged)"
        return {"swd": not_computed(reason, n=len(images), n_reference=len(train)),
                "diversity": not_computed(reason, n=len(images)),
                "c2st": not_computed(reason, n=len(images), n_reference=len(train)),
                "statistics_reader": not_computed(reason, n=len(images), n_reference=len(train))}
    result = swd(images, train, max_images=config.swd_max_images, n_bootstrap=config.n_costly_bootstrap,
                 seed=config.seed)
    out = {"swd": result.average, **{f"swd_{res}px": est for res, est in result.levels.items()}}
    out["diversity"] = ms_ssim_diversity(images, max_pairs=config.diversity_pairs, seed=config.seed,
                                         n_resamples=config.n_resamples)
    out["c2st"] = c2st(train, images, seed=config.seed).auc
    out["statistics_reader"] = statistics_reader(train, images, seed=config.seed).auc
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
    """One recipe trained with the project's trainer, with its own clock, RNG and checkpoints.

    ``train_seconds`` accumulates ``time.perf_counter`` time of set-up (first
    construction, including the trainer's hardware probe) and of every
    generator iteration; ``cpu_seconds`` the process CPU time over the same
    intervals.  Each contender keeps a private copy of torch's global RNG
    state, so taking turns changes no contender's random stream.

    Parameters
    ----------
    name : str
        A label of :data:`CONTENDERS`.
    config : TrainConfig
        Its experiment (:func:`contender_configs`).
    images : ndarray, shape (N, H, W)
        Training images in [-1, 1].
    hardware : dict, optional
        Resolved execution settings from an earlier checkpoint (reused on
        resume instead of measuring again).
    """

    def __init__(self, name: str, config: TrainConfig, images: np.ndarray, *,
                 hardware: dict[str, Any] | None = None) -> None:
        if name not in CONTENDERS:
            raise ValueError(f"Contender: name must be one of {list(CONTENDERS)}; got {name!r}.")
        self.name, self.config = name, config
        outer_rng = torch.get_rng_state()
        started, cpu_started = time.perf_counter(), time.process_time()
        if hardware is not None:  # resume: the recorded choices, no new measurement
            config = dataclasses.replace(config, precision=hardware["precision"],
                                         memory_format=hardware["memory_format"], num_threads=hardware["num_threads"])
        self.runner = ProjectDefaults(config, images)
        self.threads = self.runner.threads
        self.hardware = hardware or self.runner.hardware.to_dict()
        self.train_seconds = time.perf_counter() - started
        self.cpu_seconds = time.process_time() - cpu_started
        self.rng_state = torch.get_rng_state()
        torch.set_rng_state(outer_rng)

    @property
    def steps(self) -> int:
        """Generator iterations trained so far."""
        return self.runner.state.step

    def _parts(self) -> dict[str, Any]:
        """Modules and optimisers by checkpoint key (the weight average where the recipe keeps one)."""
        s = self.runner.state
        parts = {"generator": s.generator, "critic": s.critic, "opt_generator": s.opt_generator,
                 "opt_critic": s.opt_critic}
        return {**parts, "generator_ema": s.generator_ema} if s.generator_ema is not None else parts

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
                bar.update(min(elapsed, bar.total - bar.n))
                bar.set_postfix_str(f"{self.steps} steps", refresh=False)
        finally:
            bar.close()
            self.rng_state = torch.get_rng_state()
            torch.set_rng_state(outer_rng)
            torch.set_num_threads(outer_threads)

    def checkpoint(self) -> dict[str, Any]:
        """Everything to evaluate (``gan_lib.generate.generate`` reads it) and to continue training."""
        return {
            "format": CHECKPOINT_FORMAT, "trainer": self.name, "step": self.steps,
            "train_seconds": self.train_seconds, "cpu_seconds": self.cpu_seconds,
            "generator_spec": {"name": self.config.generator, "kwargs": self.config.generator_kwargs()},
            "hardware": {**self.hardware, "reasons": list(self.hardware.get("reasons", []))},
            "torch_rng": self.rng_state,
            "load_avg_1min": os.getloadavg()[0],  # at the end of training to this mark, this benchmark included
            **{key: part.state_dict() for key, part in self._parts().items()},
            "noise": self.runner.state.noise.get_state(), "batcher": self.runner.batches.state_dict(),
        }

    @classmethod
    def resume(cls, checkpoint: dict[str, Any], config: TrainConfig, images: np.ndarray) -> "Contender":
        """Rebuild a contender from :meth:`checkpoint`'s dict; its clock continues from the recorded time."""
        contender = cls(checkpoint["trainer"], config, images, hardware=checkpoint["hardware"])
        for key, part in contender._parts().items():
            part.load_state_dict(checkpoint[key])
        contender.runner.state.noise.set_state(checkpoint["noise"])
        contender.runner.batches.load_state_dict(checkpoint["batcher"])
        contender.rng_state = checkpoint["torch_rng"]
        contender.runner.state.step = int(checkpoint["step"])
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
    configs: dict[str, TrainConfig],
    sets: dict[str, np.ndarray],
    *,
    marks: Sequence[float],
    eval_config: EvaluationConfig,
    folder: Path,
    progress: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Estimate]]]:
    """Train every contender to each budget mark, checkpoint, evaluate; skip what ``folder`` already holds.

    Parameters
    ----------
    configs : dict
        Contender label (of :data:`CONTENDERS`) -> its experiment (:func:`contender_configs`).
    sets : dict
        ``"train"`` (trained on and the reference), ``"heldout"`` and ``"test"`` real sets, float32
        ``(N, H, W)`` in [-1, 1] (already subsampled with :func:`reference_sets`).
    marks : sequence of float
        Budget marks in training minutes (see :func:`budget_marks`).
    eval_config : EvaluationConfig
        Sample sizes and bootstrap settings of the evaluation.
    folder : Path
        Cache folder (:func:`benchmark_folder`): ``floors.json`` and, per
        contender slug, ``<slug>/<mark>.pt`` and ``<slug>/<mark>.json``.
    progress : bool
        Show tqdm bars.

    Returns
    -------
    (records, floors)
        One record per (contender, mark), in mark order with the contenders
        taking turns, and the real-vs-real floors.
    """
    marks = budget_marks(marks)
    folder = Path(folder)
    floors_path = folder / "floors.json"
    if floors_path.exists():
        floors = {k: {m: _estimate(v) for m, v in d.items()} for k, d in _load_json(floors_path).items()}
    else:
        floors = real_floors(sets, eval_config)
        atomic_write_json(floors_path, {k: {m: _estimate_dict(v) for m, v in d.items()} for k, d in floors.items()})

    live: dict[str, Contender | None] = {name: None for name in configs}
    records = []
    outer = tqdm(total=len(marks) * len(configs), desc="quality vs time", unit="mark", disable=not progress)
    for index, mark in enumerate(marks):
        for name, config in configs.items():
            checkpoint_path = folder / CONTENDERS[name][0] / f"{_mark_name(mark)}.pt"
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
        path = folder / CONTENDERS[name][0] / f"{_mark_name(mark)}.pt"
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
        "trainer": state["trainer"], "recipe": recipe_label(config), "budget_min": mark,
        "train_min": state["train_seconds"] / 60, "cpu_min": state["cpu_seconds"] / 60, "generator_steps": steps,
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
#: Metric key in a record -> column prefix in the table.
_METRICS = {"swd": "swd", "diversity": "diversity", "c2st": "c2st", "statistics_reader": "stats_reader"}
TABLE_COLUMNS = [
    "trainer", "recipe", "budget_min", "train_min", "cpu_min", "generator_steps", "images_seen",
    *[f"{prefix}{suffix}" for prefix in _METRICS.values() for suffix in ("", "_ci_low", "_ci_high", "_n")],
    "n_reference", "threads", "precision", "memory_format", "load_avg_1min",
]


def results_table(records: Sequence[dict[str, Any]], floors: dict[str, dict[str, Estimate]]) -> pd.DataFrame:
    """One row per (contender, budget) and one per real-vs-real floor, with values, 95 % CIs and sizes.

    Parameters
    ----------
    records : sequence of dict
        From :func:`run_benchmark`: ``trainer``, ``recipe``, ``budget_min``, ``train_min``, ``cpu_min``,
        ``generator_steps``, ``images_seen``, ``threads``, ``precision``, ``memory_format``,
        ``load_avg_1min`` and ``metrics`` (:class:`Estimate` objects by :data:`_METRICS` key).
    floors : dict
        From :func:`real_floors`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`; contenders in :data:`CONTENDERS` order then budget, floors last
        (their training columns empty; ``train`` has diversity only).
    """
    rows = []
    for record in records:
        row = {k: record[k] for k in TABLE_COLUMNS if k in record}
        rows.append({**row, **_metric_columns(record["metrics"])})
    order = {name: i for i, name in enumerate(CONTENDERS)}
    rows.sort(key=lambda r: (order.get(r["trainer"], len(order)), r["budget_min"]))
    for split, label in FLOORS.items():
        if split in floors:
            rows.append({"trainer": label, **_metric_columns(floors[split])})
    table = pd.DataFrame(rows).reindex(columns=TABLE_COLUMNS)
    counts = ["generator_steps", "images_seen", "n_reference", "threads", *[f"{p}_n" for p in _METRICS.values()]]
    return table.astype({column: "Int64" for column in counts})  # integers; empty on rows without them


def _metric_columns(metrics: dict[str, Estimate]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, prefix in _METRICS.items():
        if key in metrics:
            e = metrics[key]
            out.update({prefix: e.value, f"{prefix}_ci_low": e.ci_low, f"{prefix}_ci_high": e.ci_high,
                        f"{prefix}_n": e.n})
            if e.n_reference is not None:
                out["n_reference"] = e.n_reference
    return out


def time_to_quality(table: pd.DataFrame) -> pd.DataFrame:
    """Per contender: the first budget mark with SWD <= 1.5 x the same-patient floor and C2ST AUC <= 0.85.

    Thresholds are :data:`TARGETS`; the floor is the ``heldout`` row's SWD.
    The resolution is that of the marks: "reached by 5 min" means not at the
    mark before.  ``minutes`` is the training time at that mark (NaN when never
    reached), ``ratio_to_thesis`` the thesis recipe's minutes over this one's.

    Returns
    -------
    pandas.DataFrame
        Columns ``trainer, minutes, budget_min, swd, c2st, ratio_to_thesis`` (one row per contender).
    """
    floor_rows = table[table["trainer"] == FLOORS["heldout"]]
    floor = floor_rows["swd"].iloc[0] if not floor_rows.empty else math.nan
    rows = []
    for name in CONTENDERS:
        part = table[table["trainer"] == name].sort_values("budget_min")
        if part.empty:
            continue
        reached = part[(part["swd"] <= TARGETS["swd_over_floor"] * floor) & (part["c2st"] <= TARGETS["c2st_auc"])]
        first = reached.iloc[0] if not reached.empty else None
        rows.append({"trainer": name, "minutes": first["train_min"] if first is not None else math.nan,
                     "budget_min": first["budget_min"] if first is not None else math.nan,
                     "swd": first["swd"] if first is not None else math.nan,
                     "c2st": first["c2st"] if first is not None else math.nan,
                     "last_budget_min": part["budget_min"].max()})
    out = pd.DataFrame(rows, columns=["trainer", "minutes", "budget_min", "swd", "c2st", "last_budget_min"])
    thesis = out.loc[out["trainer"] == "thesis recipe", "minutes"]
    out["ratio_to_thesis"] = (thesis.iloc[0] / out["minutes"]) if not thesis.empty else math.nan
    return out


def _with_ci(value: float, low: float, high: float) -> str:
    if pd.isna(value):
        return "—"
    return f"{value:.3g}" if pd.isna(low) else f"{value:.3g} [{low:.3g}, {high:.3g}]"


def _load_range(table: pd.DataFrame) -> str:
    loads = table["load_avg_1min"].dropna()
    return "n/a" if loads.empty else f"{loads.min():.1f}-{loads.max():.1f}"


def markdown_report(table: pd.DataFrame, environment: dict[str, Any]) -> str:
    """The table and the time to quality as GitHub markdown, preceded by what was run where."""
    lines = ["| recipe | budget (min) | trained (min) | steps | SWD x1e3 avg [95% CI] | MS-SSIM diversity [95% CI] "
             "| C2ST AUC [95% CI] | statistics-reader AUC [95% CI] |",
             "|---|---:|---:|---:|---|---|---|---|"]
    for row in table.itertuples(index=False):
        trained = pd.notna(row.budget_min)
        lines.append(
            f"| {row.trainer} | {f'{row.budget_min:g}' if trained else '—'} "
            f"| {f'{row.train_min:.3g}' if trained else '—'} | {row.generator_steps if trained else '—'} "
            + "".join(f"| {_with_ci(getattr(row, p), getattr(row, f'{p}_ci_low'), getattr(row, f'{p}_ci_high'))} "
                      for p in _METRICS.values()) + "|"
        )
    reach = time_to_quality(table)
    lines += ["", f"Time to quality (SWD <= {TARGETS['swd_over_floor']:g} x the same-patient floor and C2ST AUC <= "
              f"{TARGETS['c2st_auc']:g}; resolution: the budget marks):", "",
              "| recipe | reached at mark (min) | trained (min) | SWD | C2ST AUC | thesis minutes / these |",
              "|---|---:|---:|---:|---:|---:|"]
    for row in reach.itertuples(index=False):
        if pd.isna(row.minutes):
            lines.append(f"| {row.trainer} | not by {row.last_budget_min:g} | — | — | — | — |")
        else:
            ratio = "—" if pd.isna(row.ratio_to_thesis) else f"{row.ratio_to_thesis:.2g}x"
            lines.append(f"| {row.trainer} | {row.budget_min:g} | {row.minutes:.3g} | {row.swd:.3g} | {row.c2st:.2f} "
                         f"| {ratio} |")
    env, evaluation = environment, environment["evaluation"]
    sizes = table.dropna(subset=["swd_n"])
    n_train = env["set_sizes"]["train"]
    size_text = (f"{sizes.swd_n.iloc[0]} images per set vs {sizes.n_reference.iloc[0]} training images"
                 if not sizes.empty else "no SWD computed")
    hardware = "; ".join(f"{name}: {h.get('precision', '?')}, {h.get('memory_format', '?')}, "
                         f"{h.get('num_threads', '?')} thread(s)" for name, h in env["hardware"].items())
    header = [
        f"Quality vs training time, training profile `{env['train_profile']}` "
        f"({env['train']['image_size']} px, widths {env['train']['generator_width']}/{env['train']['critic_width']}, "
        f"batch {env['train']['batch_size']}; n_critic and the rest per recipe in environment.json), "
        f"seed {env['train']['seed']}; "
        f"budgets are training wall-clock minutes per contender (`time.perf_counter`, set-up included, "
        f"evaluation excluded), the contenders taking turns mark by mark.",
        "",
        f"Machine: {env['cpu']} ({env['cpu_count']} logical CPUs, torch CPU capability {env['capability']}), "
        f"torch {env['torch']}, Python {env['python']}; 1-minute load average at the marks "
        f"{_load_range(table)} (this benchmark's own threads included; per mark in the CSV). "
        f"Execution settings resolved by the trainer's probe: {hardware or 'n/a'}.",
        "",
        f"SWD x1e3: multi-scale sliced Wasserstein distance to the training patches, average over pyramid levels "
        f"(lower is better), {size_text} (train: {n_train}), 95% CI from {evaluation['n_costly_bootstrap']} "
        f"bootstrap replicates (normal approximation). Diversity: mean pairwise MS-SSIM within the set over "
        f"{evaluation['diversity_pairs']} random pairs (values far above the real sets' mean mode collapse). "
        f"C2ST: held-out ROC AUC of a small CNN telling the set from the training patches (3 half/half splits); "
        f"statistics reader: cross-validated logistic regression on 5 per-image statistics; 0.5 = "
        f"indistinguishable. Real rows: same-patient and other-patient floors.",
        "",
    ]
    return "\n".join(header + lines) + "\n"


#: Table columns of each plotted metric: (value, CI low, CI high).
_PLOTTED = {key: (key, f"{key}_ci_low", f"{key}_ci_high") for key in ("swd", "diversity", "c2st", "stats_reader")}
_YLABELS = {"swd": "SWD x1e3 vs train (lower is better)", "diversity": "MS-SSIM within set (diversity)",
            "c2st": "C2ST AUC (0.5 = indistinguishable)", "stats_reader": "statistics-reader AUC"}


def plot_quality(table: pd.DataFrame) -> plt.Figure:
    """SWD, diversity and both readers' AUC vs training minutes; floors as horizontal lines with CI bands.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`results_table`.

    Returns
    -------
    matplotlib Figure
        Four panels; error bars and bands are 95 % CIs.
    """
    trained = table[table["budget_min"].notna()]
    palette = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(CONTENDERS)))
    colours = dict(zip(CONTENDERS, palette))
    with thesis_style():
        fig, axes = plt.subplots(1, 4, figsize=(13, 3.5))
        for ax, metric in zip(axes, _PLOTTED):
            value, low, high = _PLOTTED[metric]
            for split, label in FLOORS.items():
                row = table[table["trainer"] == label]
                if row.empty or pd.isna(row[value].iloc[0]):
                    continue
                row = row.iloc[0]
                ax.axhline(row[value], color=COLORS[split], linestyle="--", linewidth=1, label=label)
                if pd.notna(row[low]):
                    ax.axhspan(row[low], row[high], color=COLORS[split], alpha=0.12, linewidth=0)
            for name in CONTENDERS:
                rows = trained[trained["trainer"] == name].sort_values("train_min")
                if rows.empty:
                    continue
                yerr = [(rows[value] - rows[low]).fillna(0), (rows[high] - rows[value]).fillna(0)]
                ax.errorbar(rows["train_min"], rows[value], yerr=yerr, marker="o", markersize=3.5, capsize=2,
                            linewidth=1.2, color=colours[name], label=name)
            ax.set_xlabel("training time [min, wall clock]")
            ax.set_ylabel(_YLABELS[metric])
            ax.set_xlim(left=0)
        legend: dict[str, Any] = {}
        for ax in axes:
            for handle, label in zip(*ax.get_legend_handles_labels()):
                legend.setdefault(label, handle)
        fig.legend(list(legend.values()), list(legend), loc="outside lower center", ncol=4, frameon=False)
    return fig


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------
def _environment(profile: str, config: TrainConfig, eval_config: EvaluationConfig, marks: Sequence[float],
                 sizes: dict[str, int]) -> dict[str, Any]:
    """What was run where; the CPU model and the contenders' resolved settings are added after training."""
    return {
        "train_profile": profile, "train": config_to_dict(config), "evaluation": config_to_dict(eval_config),
        "budgets_min": list(marks), "set_sizes": sizes, "cpu_count": os.cpu_count(),
        "capability": torch.backends.cpu.get_cpu_capability(), "torch": torch.__version__,
        "python": platform.python_version(), "commit": source_commit() or "unknown", "hardware": {},
    }


def _write_outputs(table: pd.DataFrame, markdown: str, folder: Path, stem: str) -> list[Path]:
    paths = [atomic_write_text(folder / f"{stem}.csv", table.to_csv(index=False)),
             atomic_write_text(folder / f"{stem}.md", markdown)]
    fig = plot_quality(table)
    paths += save_figure(fig, stem, directory=folder, formats=("png",), dpi=110)
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
                        help="training-time marks per contender in minutes "
                             f"(default {' '.join(map(str, DEFAULT_BUDGETS))})")
    parser.add_argument("--quick", action="store_true",
                        help=f"budgets {' '.join(map(str, QUICK_BUDGETS))} min: check that everything works")
    parser.add_argument("--contenders", nargs="+", default=None, metavar="SLUG",
                        help=f"a subset of the ladder (default all): {' '.join(s for s, _ in CONTENDERS.values())}")
    parser.add_argument("--train-profile", default="quick", choices=("quick", "full"),
                        help="data and training profile (default quick: what `make pipeline` trains)")
    parser.add_argument("--seed", type=int, default=0, help="training seed of every contender (default 0)")
    parser.add_argument("--out", type=Path, default=RUNS_DIR / "benchmarks" / OUTPUT_STEM,
                        help="cache root (default runs/benchmarks/quality_vs_time)")
    parser.add_argument("--publish", action="store_true",
                        help="also write quality_vs_time_seed<N>.csv/.md/.png to benchmarks/results/ (for the README)")
    args = parser.parse_args(argv)
    if args.quick and args.budgets_min is not None:
        parser.error("give either --quick or --budgets-min, not both")
    marks = budget_marks(QUICK_BUDGETS if args.quick else args.budgets_min or DEFAULT_BUDGETS)

    from gan_lib.data import data_config, prepare_dataset

    data_settings = data_config(args.train_profile)
    dataset = prepare_dataset(data_settings)
    configs = contender_configs(args.train_profile, args.contenders, seed=args.seed,
                                image_size=data_settings.image_size)
    eval_config = evaluation_config("quick")
    sets = reference_sets({split: dataset.images(split) for split in ("train", "heldout", "test")}, eval_config)
    settings = {"data": config_to_dict(data_settings), "evaluation": config_to_dict(eval_config),
                "contenders": {name: config_to_dict(c) for name, c in configs.items()}}
    folder = benchmark_folder(args.out, marks=marks, settings=settings)
    print(f"quality vs time: {list(configs)}, budgets {list(marks)} min each, results in {folder}", flush=True)

    environment = _environment(args.train_profile, next(iter(configs.values())), eval_config, marks,
                               {split: len(images) for split, images in sets.items()})
    environment["contenders"] = {name: config_to_dict(c) for name, c in configs.items()}
    records, floors = run_benchmark(configs, sets, marks=marks, eval_config=eval_config, folder=folder)
    for name in configs:
        stored = load_checkpoint(folder / CONTENDERS[name][0] / f"{_mark_name(marks[0])}.pt")["hardware"]
        environment["hardware"][name] = stored
    environment["cpu"] = next(iter(environment["hardware"].values())).get("processor", "unknown CPU")
    atomic_write_json(folder / "environment.json", environment)

    table = results_table(records, floors)
    markdown = markdown_report(table, environment)
    paths = _write_outputs(table, markdown, folder, f"{OUTPUT_STEM}_seed{args.seed}")
    if args.publish:
        paths += _publish(paths)
    print("\n" + markdown)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
