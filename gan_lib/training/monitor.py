"""Quality tracked during training: ``metrics.jsonl``, ``checkpoints/best.pt`` and the TensorBoard log.

Every ``TrainConfig.eval_every`` generator steps (and at the last step) the
:class:`Monitor` scores the sampling generator (the weight average
``generator_ema`` where the recipe keeps one, else the generator itself; in
eval mode, fp32) on fixed latent vectors against a fixed random subset of the
training images with :func:`~gan_lib.training.diagnostics.quality_numbers`,
adds the critic's :func:`~gan_lib.training.diagnostics.critic_numbers`, and
appends one JSON object per evaluation to ``metrics.jsonl`` (rewritten
atomically each time, so an interruption leaves the previous file).

**Which checkpoint is best.**  Each evaluation gets a *selection score*, the
mean of ``|SWD|``, ``|beta gap|`` and ``|fine-band dB|``, each divided by what
the real subset blurred by one pixel (Gaussian sigma 1) reads against itself
(:func:`~gan_lib.training.diagnostics.selection_score`): 0 is the real
subset, 1 is "on average as far off as a one-pixel blur".  The spectral
reader's AUC (it saturates at 1 for every generator trained so far) and
MS-SSIM (it measures collapse, not fidelity) are logged but not scored.  An
evaluation whose score is strictly lower than every earlier one of the run
becomes the best: the full checkpoint of that step is written to
``checkpoints/best.pt`` (schema of ``last.pt`` plus ``selection``: rule,
score, step and the record), and its record says ``"best": true``.  The score
is online (it never re-ranks the past), so best.pt always holds the weights
the rule picked.  The selection uses training images, so the picked
checkpoint's numbers against ``train`` are slightly optimistic; the held-out
floors of the evaluation notebooks are not affected.

**Resume.**  The fixed inputs are drawn from the run's seed with their own
random generators (the training's random state is never touched, nor are the
networks' weights, modes or gradients), so a resumed run repeats the
evaluations of an uninterrupted one exactly: records after the checkpoint
resumed from are dropped and recomputed, and best.pt is rewritten with the same
content.  Only rank 0 evaluates and writes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from typing import Any, Callable

import numpy as np
import torch

from ..atomic import atomic_write_text
from ..models import call_with_labels
from .config import TrainConfig
from .critic_view import make_critic_view
from .diagnostics import (
    SCORE_TERMS,
    critic_numbers,
    quality_numbers,
    selection_scales,
    selection_score,
)
from .losses import sobolev_dual_norm
from .run_folder import STAT_NAMES, RunFolder
from .state import TrainState
from .tensorboard import open_tensorboard

__all__ = ["Monitor", "SELECTION_RULE", "read_metrics", "evaluation_share"]

#: The rule of ``checkpoints/best.pt``, as recorded in ``config.json`` and in best.pt.
SELECTION_RULE = (
    "lowest selection score = mean over (" + ", ".join(SCORE_TERMS) + ") of |value| / the real "
    "subset blurred by sigma 1 px; strictly lower than every earlier evaluation"
)
_EVAL_SEED = 3  # offset of the fixed inputs' seeds from TrainConfig.seed (0-2 seed weights, noise and batches)


def read_metrics(path: Any) -> list[dict[str, Any]]:
    """The records of a ``metrics.jsonl`` (``[]`` if it does not exist)."""
    try:
        with open(path) as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return []


def evaluation_share(records: list[dict[str, Any]], settings: dict[str, Any]) -> tuple[float, float]:
    """``(evaluation seconds, run seconds)``: the time the evaluations took, the references of
    ``config.json``'s ``monitor`` section (``settings``) included, and the run's wall time including both
    (the last record's ``seconds``).  For a resumed run the references count once (the last session's).

    Examples
    --------
    >>> evaluation_share([{"eval_seconds": 1.0, "seconds": 50.0}, {"eval_seconds": 1.0, "seconds": 99.0}],
    ...                  {"seconds": 1.0})
    (3.0, 100.0)
    """
    if not records:
        return 0.0, 0.0
    reference = float(settings.get("seconds", 0.0))
    return sum(r["eval_seconds"] for r in records) + reference, records[-1]["seconds"] + reference


def _subset(images: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of at most ``count`` images drawn without replacement, in order."""
    return np.sort(rng.choice(len(images), count, replace=False)) if len(images) > count else np.arange(len(images))


class Monitor:
    """Evaluations, ``metrics.jsonl``, ``best.pt`` and the optional TensorBoard log of one training run.

    Parameters
    ----------
    folder : RunFolder
        The run folder (written only by rank 0, ``main``).
    config : TrainConfig
        ``eval_every`` (0 = no evaluations), ``eval_count``, ``seed``, ``gp_lambda``, ``tensorboard`` are used.
    images : np.ndarray
        ``(N, H, W)`` training images; the fixed real subset is ``eval_count`` of them.
    labels : np.ndarray, optional
        ``(N,)`` classes of a class-conditional run: the generated images get the real subset's classes.
    heldout : np.ndarray, optional
        ``(K, H, W)`` real images the run never trains on (notebook 02 passes the ``heldout`` split).
    main : bool
        Whether this process writes (rank 0).
    """

    def __init__(
        self,
        folder: RunFolder,
        config: TrainConfig,
        images: np.ndarray,
        *,
        labels: np.ndarray | None,
        heldout: np.ndarray | None,
        main: bool,
    ) -> None:
        self.folder, self.config, self.main = folder, config, main
        self.enabled = config.eval_every > 0 and main
        rng = np.random.default_rng(config.seed + _EVAL_SEED)
        index = _subset(images, config.eval_count, rng)
        self.real = images[index]
        self.labels = None if labels is None else torch.from_numpy(labels[index].astype(np.int64))
        self.heldout = None if heldout is None else heldout[_subset(heldout, config.eval_count, rng)]
        torch_rng = torch.Generator().manual_seed(config.seed + _EVAL_SEED)
        self.noise = torch.randn(len(self.real), config.latent_dim, generator=torch_rng)
        self.alpha = torch.rand(len(self.real), 1, 1, 1, generator=torch_rng)
        self.records: list[dict[str, Any]] = []
        self.scales: dict[str, float] = {}
        self.tensorboard = None
        # the critic sees images through the run's view and is penalised in its dual norm, as in training
        self.view = make_critic_view(
            config.penalty_norm,
            laplacian_scale=config.laplacian_scale,
            whitening_beta=config.whitening_beta,
            detail_scale=config.detail_scale,
        )
        self.dual_norm = (
            None
            if config.penalty_norm != "sobolev_fft"
            else functools.partial(sobolev_dual_norm, s=config.sobolev_s, c=config.sobolev_c)
        )

    def start(self, *, resumed_from: int | None) -> dict[str, Any]:
        """Load the records up to ``resumed_from`` (none for a new run), measure the references, open TensorBoard.

        Returns the ``monitor`` section of ``config.json``: settings, the
        selection rule and scales, the held-out floor (the quality numbers of
        the held-out subset against the real subset) and the seconds this took.
        """
        if not self.main:
            return {}
        self.tensorboard = open_tensorboard(
            self.config.tensorboard, self.folder.paths.tensorboard, resumed_from=resumed_from
        )
        if not self.enabled:
            return {"eval_every": 0}
        started = time.perf_counter()
        kept = read_metrics(self.folder.paths.metrics)
        self.records = [r for r in kept if resumed_from is not None and r["step"] <= resumed_from]
        self._write()
        self.scales = selection_scales(self.real, seed=self.config.seed)
        floor = (
            None
            if self.heldout is None or len(self.heldout) < 5
            else quality_numbers(self.heldout, self.real, seed=self.config.seed)
        )
        return {
            "eval_every": self.config.eval_every,
            "eval_count": len(self.real),
            "rule": SELECTION_RULE,
            "scales": self.scales,
            "heldout_floor": floor,
            "heldout_count": 0 if self.heldout is None else len(self.heldout),
            "heldout_sha256": None if self.heldout is None else hashlib.sha256(self.heldout.tobytes()).hexdigest(),
            "seconds": time.perf_counter() - started,
        }

    def due(self, step: int, *, is_last: bool) -> bool:
        """Whether ``step`` is an evaluation step (every ``eval_every`` steps and the last)."""
        return self.enabled and (step % self.config.eval_every == 0 or is_last)

    def evaluate(
        self, state: TrainState, step: int, *, seconds: float, save: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """Score the run at ``step``, append the record and write ``best.pt`` (``save()`` -> the checkpoint)
        when the score is the run's lowest so far; ``seconds`` is the training wall time so far."""
        started = time.perf_counter()
        device = next(state.critic.parameters()).device
        generated = self._generate(state, device)
        record: dict[str, Any] = {
            "step": step,
            "generator": "generator_ema" if state.generator_ema is not None else "generator",
        }
        record.update(quality_numbers(generated[:, 0].cpu().numpy(), self.real, seed=self.config.seed))
        record.update(
            critic_numbers(
                state.critic,
                torch.from_numpy(self.real[:, None]).to(device),
                generated,
                heldout=None if self.heldout is None else torch.from_numpy(self.heldout[:, None]).to(device),
                labels=None if self.labels is None else self.labels.to(device),
                gp_lambda=self.config.gp_lambda,
                alpha=self.alpha.to(device),
                chunk=self.config.batch_size,
                view=self.view,
                dual_norm=self.dual_norm,
            )
        )
        record["score"] = selection_score(record, self.scales)
        previous = [r["score"] for r in self.records if np.isfinite(r["score"])]
        record["best"] = bool(np.isfinite(record["score"]) and all(record["score"] < s for s in previous))
        record["eval_seconds"] = time.perf_counter() - started
        record["seconds"] = seconds + record["eval_seconds"]
        self.records.append(record)
        self._write()
        if record["best"]:
            self.folder.write_best(
                {
                    **save(),
                    "selection": {"rule": SELECTION_RULE, "score": record["score"], "step": step, "record": record},
                }
            )
        if self.tensorboard is not None:
            self.tensorboard.log_record(record)
        return record

    def log_stats(self, first_step: int, block: torch.Tensor) -> None:
        """Pass the logged training statistics ``(k, len(STAT_NAMES))`` of steps ``first_step...`` to TensorBoard."""
        if self.tensorboard is not None:
            self.tensorboard.log_stats(first_step, block, STAT_NAMES)

    def log_samples(self, step: int, images: torch.Tensor) -> None:
        """Pass a fixed-noise sample grid ``(n, 1, H, W)`` to TensorBoard."""
        if self.tensorboard is not None:
            self.tensorboard.log_samples(step, images)

    def close(self) -> None:
        if self.tensorboard is not None:
            self.tensorboard.close()

    def _generate(self, state: TrainState, device: torch.device) -> torch.Tensor:
        """The sampling generator's images ``(n, 1, H, W)`` (fp32, eval mode) of the fixed latent vectors."""
        model = state.generator_ema if state.generator_ema is not None else state.generator
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                labels = None if self.labels is None else self.labels.to(device)
                chunks = [
                    call_with_labels(model, z.to(device), None if labels is None else labels[i : i + len(z)])
                    for i, z in zip(range(0, len(self.noise), 256), self.noise.split(256))
                ]
        finally:
            model.train(was_training)
        return torch.cat(chunks).float().contiguous()

    def _write(self) -> None:
        """Rewrite ``metrics.jsonl`` with every record so far (atomic)."""
        text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in self.records)
        atomic_write_text(self.folder.paths.metrics, text)
