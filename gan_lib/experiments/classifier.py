"""A small CNN lesion classifier, its training loop and its evaluation with confidence intervals (RQ2).

The classifier is deliberately small (four conv blocks, ~25 k parameters) so
that the many arms x budgets x seeds of RQ2 fit on a CPU; what RQ2 measures is
the *difference* between training sets, not the best attainable accuracy.

Evaluation reports, on the held-out patient's images:

* ROC AUC, the Mann-Whitney statistic from mid-ranks
  (:func:`gan_lib.metrics.stats.rank_auc`, equal to ``sklearn.metrics.roc_auc_score``
  and vectorised over the bootstrap resamples);
* balanced accuracy at the 0.5 probability threshold;
* sensitivity at a fixed specificity (default 0.90): the largest true-positive
  rate whose false-positive rate is at most ``1 - specificity``, the operating
  point ``sklearn.metrics.roc_curve`` gives;

each with a stratified bootstrap 95 % confidence interval over test images
(positives and negatives resampled separately, so each replicate has both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.metrics import roc_curve
from torch import nn
from tqdm.auto import tqdm

from ..imaging import check_image_set
from ..metrics.stats import percentile_interval, rank_auc

__all__ = [
    "ClassifierConfig",
    "small_cnn",
    "train_classifier",
    "predict_proba",
    "sensitivity_at_specificity",
    "evaluate_predictions",
]


@dataclass(frozen=True)
class ClassifierConfig:
    """Training settings of the small CNN."""

    width: int = 16  # channels of the first conv block (doubled twice)
    epochs: int = 15  # passes over the training set
    batch_size: int = 32
    learning_rate: float = 2e-3  # AdamW
    weight_decay: float = 1e-4
    flips: bool = True  # random flips during training (cheap, label-preserving; used in every arm alike)
    num_threads: int = 1  # torch intra-op threads while training; a net this small gains nothing from more,
    # and on a busy CPU extra threads spin-wait (measured 1.1 s vs 4.6-19 s for one run on a loaded 2-core box)


def small_cnn(*, width: int = 16) -> nn.Module:
    """A four-block CNN for ``(B, 1, H, W)`` patches -> ``(B,)`` logits (any H, W >= 16).

    Blocks are conv3x3 - BatchNorm - ReLU - maxpool; global average pooling and
    a linear head give one logit per image.
    """
    if width < 1:
        raise ValueError(f"small_cnn: width must be >= 1; got {width}.")
    chans = [1, width, 2 * width, 4 * width, 4 * width]
    layers: list[nn.Module] = []
    for c_in, c_out in zip(chans[:-1], chans[1:]):
        layers += [
            nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        ]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(chans[-1], 1), nn.Flatten(0))


def _check_labels(labels: np.ndarray, n: int, name: str) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise ValueError(f"{name}: expected {n} labels (one per image); got shape {labels.shape}.")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f"{name}: labels must be 0 (no lesion / benign) or 1; got values {np.unique(labels)[:5]}.")
    return labels.astype(np.int64)


def train_classifier(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    config: ClassifierConfig = ClassifierConfig(),
    seed: int = 0,
    progress: bool = False,
) -> nn.Module:
    """Train :func:`small_cnn` with binary cross-entropy and return it in eval mode.

    Parameters
    ----------
    images : np.ndarray
        ``(N, H, W)`` in [-1, 1].
    labels : np.ndarray
        ``(N,)`` of 0/1; both classes must be present.
    config : ClassifierConfig
        Architecture width and optimisation settings.
    seed : int
        Seeds weight initialisation, batch order and flips.
    progress : bool
        Show a tqdm bar over epochs.
    """
    images = check_image_set(images, name="train_classifier: images")
    labels = _check_labels(labels, len(images), "train_classifier: labels")
    if len(np.unique(labels)) < 2:
        raise ValueError("train_classifier: the training set holds only one class; add images of the other class.")
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(config.num_threads)
    try:
        return _fit(images, labels, config=config, seed=seed, progress=progress)
    finally:
        torch.set_num_threads(previous_threads)


def _fit(images: np.ndarray, labels: np.ndarray, *, config: ClassifierConfig, seed: int, progress: bool) -> nn.Module:
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = small_cnn(width=config.width)
    # Balance the loss when classes are unequal (budgets can make them so).
    pos_weight = torch.tensor((labels == 0).sum() / max((labels == 1).sum(), 1), dtype=torch.float32)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    x_all = torch.from_numpy(images).unsqueeze(1)
    y_all = torch.from_numpy(labels.astype(np.float32))
    steps = config.epochs * -(-len(images) // config.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=config.learning_rate, total_steps=steps)
    model.train()
    for _ in tqdm(range(config.epochs), desc="classifier", disable=not progress, leave=False):
        order = torch.randperm(len(images), generator=gen)
        for start in range(0, len(order), config.batch_size):
            idx = order[start : start + config.batch_size]
            if len(idx) < 2:  # BatchNorm needs two samples
                continue
            x, y = x_all[idx], y_all[idx]
            if config.flips:
                flip_w = torch.rand(len(idx), generator=gen) < 0.5
                flip_h = torch.rand(len(idx), generator=gen) < 0.5
                x = torch.where(flip_w[:, None, None, None], x.flip(-1), x)
                x = torch.where(flip_h[:, None, None, None], x.flip(-2), x)
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimiser.step()
            scheduler.step()
    return model.eval()


@torch.no_grad()
def predict_proba(model: nn.Module, images: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """Lesion probabilities ``float64 (N,)`` in [0, 1] for an ``(N, H, W)`` set in [-1, 1]."""
    images = check_image_set(images, name="predict_proba: images")
    model.eval()
    out = [
        torch.sigmoid(model(torch.from_numpy(images[i : i + batch_size]).unsqueeze(1))).double().numpy()
        for i in range(0, len(images), batch_size)
    ]
    return np.concatenate(out)


def sensitivity_at_specificity(labels: np.ndarray, scores: np.ndarray, *, specificity: float = 0.9) -> float:
    """Largest true-positive rate whose false-positive rate is <= ``1 - specificity`` (ROC operating point).

    Examples
    --------
    >>> sensitivity_at_specificity(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]))
    1.0
    """
    if not 0 < specificity <= 1:
        raise ValueError(f"specificity must be in (0, 1]; got {specificity}.")
    fpr, tpr, _ = roc_curve(labels, scores, drop_intermediate=False)
    ok = fpr <= 1.0 - specificity + 1e-12
    return float(tpr[ok].max()) if ok.any() else 0.0


def _batched_metrics(pos: np.ndarray, neg: np.ndarray, specificity: float) -> dict[str, np.ndarray]:
    """The three metrics for ``B`` resampled test sets at once: ``pos (B, P)``, ``neg (B, M)`` scores.

    AUC is the Mann-Whitney statistic from mid-ranks (equal to ``roc_auc_score``);
    the sensitivity at specificity ``s`` counts positives scoring strictly above
    the ``k+1``-th largest negative, ``k = floor((1 - s) M)`` (the ROC operating
    point :func:`sensitivity_at_specificity` reads off ``roc_curve``).
    """
    n_neg = neg.shape[1]
    auc = rank_auc(pos, neg)
    balanced = 0.5 * ((pos >= 0.5).mean(axis=1) + (neg < 0.5).mean(axis=1))
    k = int(np.floor((1.0 - specificity) * n_neg + 1e-9))
    if k >= n_neg:
        sens = np.ones(len(pos))
    else:
        cut = -np.sort(-neg, axis=1)[:, k]
        sens = (pos > cut[:, None]).mean(axis=1)
    return {"auc": auc, "balanced_accuracy": balanced, "sensitivity_at_spec": sens}


def evaluate_predictions(
    labels: np.ndarray,
    scores: np.ndarray,
    *,
    specificity: float = 0.9,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, float]:
    """ROC AUC, balanced accuracy and sensitivity at ``specificity``, each with a stratified bootstrap CI.

    Parameters
    ----------
    labels : np.ndarray
        ``(N,)`` of 0/1, both classes present.
    scores : np.ndarray
        ``(N,)`` predicted probabilities of class 1.
    specificity : float
        Operating point for the sensitivity.
    n_bootstrap : int
        Bootstrap replicates (0 = no intervals; the ``_ci_low``/``_ci_high`` keys are NaN).
    confidence : float
        Two-sided level of the percentile intervals.
    seed : int
        Seeds the resampling.

    Returns
    -------
    dict
        ``auc``, ``auc_ci_low``, ``auc_ci_high``, ``balanced_accuracy`` (+ ``_ci_low``/``_ci_high``),
        ``sensitivity_at_spec`` (+ ``_ci_low``/``_ci_high``), ``n_test``, ``n_test_positive``.
    """
    labels = np.asarray(labels).astype(np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    if labels.shape != scores.shape or labels.ndim != 1:
        raise ValueError(f"evaluate_predictions: labels {labels.shape} and scores {scores.shape} must be equal 1-D.")
    if len(np.unique(labels)) < 2:
        raise ValueError("evaluate_predictions: the test set holds only one class; AUC is undefined.")
    pos_scores, neg_scores = scores[labels == 1], scores[labels == 0]
    point = {key: float(v[0]) for key, v in _batched_metrics(pos_scores[None], neg_scores[None], specificity).items()}
    rng = np.random.default_rng(seed)
    boot = (
        _batched_metrics(
            rng.choice(pos_scores, (n_bootstrap, len(pos_scores))),
            rng.choice(neg_scores, (n_bootstrap, len(neg_scores))),
            specificity,
        )
        if n_bootstrap > 0
        else None
    )
    out: dict[str, float] = {}
    for key, value in point.items():
        low, high = (float("nan"),) * 2 if boot is None else percentile_interval(boot[key], confidence=confidence)
        out.update({key: value, f"{key}_ci_low": low, f"{key}_ci_high": high})
    out["n_test"] = int(len(labels))
    out["n_test_positive"] = int(len(pos_scores))
    return out
