"""The resumable loop of ``quality_vs_time.py``: contenders to each budget mark, checkpoints, evaluation.

Every (contender, mark) keeps a checkpoint (the trainer's schema) and a result
file, written atomically; a rerun skips finished marks and continues training
from the last checkpoint, exactly.  The quality rows are Table 1's
(:func:`gan_lib.evaluation.quality_metrics`), with its evaluation settings.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from quality_contender import Contender
from quality_ladder import CONTENDERS, budget_marks, mark_name
from tqdm.auto import tqdm

from gan_lib.atomic import atomic_path, atomic_write_json
from gan_lib.evaluation import EvaluationConfig, cap_real_split, quality_metrics, within_set_diversity
from gan_lib.generate import generate
from gan_lib.metrics import Estimate
from gan_lib.training import TrainConfig
from gan_lib.training.checkpoint import load_checkpoint
from gan_lib.training.recipes import recipe_label

__all__ = ["reference_sets", "real_floors", "run_benchmark"]


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


def real_floors(sets: dict[str, np.ndarray], config: EvaluationConfig) -> dict[str, dict[str, Estimate]]:
    """Real-vs-real reference values: Table 1's quality rows of ``heldout`` and ``test`` vs train; diversity of train.

    Returns
    -------
    dict
        ``{"heldout": {...}, "test": {...}, "train": {"diversity": ...}}``, as
        :func:`gan_lib.evaluation.quality_metrics` returns them.
    """
    floors = {split: quality_metrics(sets[split], sets["train"], config) for split in ("heldout", "test")}
    floors["train"] = {"diversity": within_set_diversity(sets["train"], config)}
    return floors


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
            checkpoint_path = folder / CONTENDERS[name][0] / f"{mark_name(mark)}.pt"
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
                atomic_write_json(result_path, _evaluate_checkpoint(checkpoint_path, mark, sets, eval_config, config))
            records.append(_record_from_json(_load_json(result_path)))
            outer.update(1)
    outer.close()
    return records, floors


def _latest_contender(
    name: str, earlier: Sequence[float], config: TrainConfig, train: np.ndarray, folder: Path
) -> Contender:
    """The contender at its latest stored earlier mark, or a fresh one."""
    for mark in reversed(earlier):
        path = folder / CONTENDERS[name][0] / f"{mark_name(mark)}.pt"
        if path.exists():
            return Contender(name, config, train, checkpoint=load_checkpoint(path))
    return Contender(name, config, train)


def _evaluate_checkpoint(
    path: Path, mark: float, sets: dict[str, np.ndarray], eval_config: EvaluationConfig, config: TrainConfig
) -> dict[str, Any]:
    """Generate ``n_generated`` images from a mark's checkpoint and evaluate them; JSON-ready record."""
    state = load_checkpoint(path)
    started = time.perf_counter()
    with torch.random.fork_rng(devices=[]):  # building the generator draws initial weights
        images = generate(path, eval_config.n_generated, seed=eval_config.seed)
    metrics = quality_metrics(images, sets["train"], eval_config)
    steps = int(state["step"])
    return {
        "trainer": state["benchmark"]["trainer"],
        "recipe": recipe_label(config),
        "budget_min": mark,
        "train_min": state["elapsed_seconds"] / 60,
        "cpu_min": state["benchmark"]["cpu_seconds"] / 60,
        "generator_steps": steps,
        "images_seen": steps * config.n_critic * config.batch_size,  # real images shown to the critic
        "threads": state["hardware"]["num_threads"],
        "precision": state["hardware"]["precision"],
        "memory_format": state["hardware"]["memory_format"],
        "load_avg_1min": state["benchmark"]["load_avg_1min"],
        "eval_seconds": time.perf_counter() - started,
        "metrics": {key: _estimate_dict(est) for key, est in metrics.items()},
    }


def _record_from_json(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "metrics": {k: _estimate(v) for k, v in data["metrics"].items()}}
