"""Tests for the automated readers (gan_lib.metrics.c2st): known answers on synthetic image sets."""

from __future__ import annotations

import numpy as np
import pytest

from gan_lib.metrics.c2st import (
    STATISTICS,
    c2st,
    hanley_mcneil_variance,
    image_statistics,
    statistics_reader,
)


def smooth_images(n: int, seed: int, size: int = 32) -> np.ndarray:
    """Smooth random textures in about [-0.6, 0.6] (blurred noise), one distribution for every seed."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    noise = gaussian_filter(rng.normal(size=(n, size, size)), sigma=(0, 2, 2), mode="wrap")
    return np.clip(noise * 2.0, -1, 1).astype(np.float32)


def checkerboard(images: np.ndarray, amplitude: float = 0.1) -> np.ndarray:
    size = images.shape[-1]
    pattern = np.indices((size, size)).sum(axis=0) % 2 * 2 - 1
    return np.clip(images + amplitude * pattern, -1, 1).astype(np.float32)


def framed(images: np.ndarray, value: float = 0.3) -> np.ndarray:
    out = images.copy()
    out[:, :2], out[:, -2:], out[:, :, :2], out[:, :, -2:] = (
        out[:, :2] + value,
        out[:, -2:] + value,
        out[:, :, :2] + value,
        out[:, :, -2:] + value,
    )
    return np.clip(out, -1, 1)


A, B = smooth_images(200, 0), smooth_images(200, 1)


def test_image_statistics_columns_react_to_their_artefact():
    base = image_statistics(A)
    assert base.shape == (200, len(STATISTICS)) and np.isfinite(base).all()
    column = dict(zip(STATISTICS, range(len(STATISTICS))))
    assert (
        image_statistics(framed(A))[:, column["border minus inner mean"]] > base[:, column["border minus inner mean"]]
    ).all()
    assert (
        image_statistics(checkerboard(A))[:, column["Nyquist energy (log)"]] > base[:, column["Nyquist energy (log)"]]
    ).all()
    assert (image_statistics(np.clip(A + 0.2, -1, 1))[:, column["mean"]] > base[:, column["mean"]]).all()


def test_statistics_reader_two_draws_of_one_distribution_are_within_chance():
    result = statistics_reader(A, B, seed=0)
    assert result.auc.ci_low <= 0.5 <= result.auc.ci_high
    assert abs(result.auc.value - 0.5) < 0.1
    assert result.auc.n == 200 and result.auc.n_reference == 200


@pytest.mark.parametrize(
    "artefact, telling",
    [
        (lambda x: np.clip(x + 0.3, -1, 1), "mean"),
        (checkerboard, "Nyquist energy (log)"),
        (framed, "border minus inner mean"),
    ],
)
def test_statistics_reader_finds_and_names_the_artefact(artefact, telling):
    result = statistics_reader(A, artefact(B), seed=0)
    assert result.auc.value > 0.95
    assert result.most_telling == telling and telling in result.auc.note


def test_c2st_two_draws_of_one_distribution_are_within_chance():
    result = c2st(A, B, seed=0, epochs=4)
    assert result.auc.ci_low <= 0.5 <= result.auc.ci_high
    assert abs(result.auc.value - 0.5) < 0.12


@pytest.mark.parametrize(
    "artefact",
    [
        lambda x: np.clip(x + 0.3, -1, 1),
        checkerboard,
        lambda x: np.clip(x + np.random.default_rng(5).normal(0, 0.2, x.shape), -1, 1),
    ],
    ids=["shifted mean", "checkerboard", "added noise"],
)
def test_c2st_tells_an_artefact_apart(artefact):
    result = c2st(A, artefact(B).astype(np.float32), seed=0, epochs=4)
    assert result.auc.value > 0.9 and result.auc.ci_high <= 1.0


def test_c2st_is_seeded():
    assert c2st(A[:60], B[:60], seed=3, epochs=2) == c2st(A[:60], B[:60], seed=3, epochs=2)


def test_readers_refuse_mismatched_or_tiny_sets():
    with pytest.raises(ValueError, match="one size"):
        c2st(A, smooth_images(10, 2, size=16))
    with pytest.raises(ValueError, match="real"):
        statistics_reader(A[:2], B)


def test_hanley_mcneil_variance_shrinks_with_sample_size_and_vanishes_at_perfect_separation():
    assert hanley_mcneil_variance(0.7, 400, 400) < hanley_mcneil_variance(0.7, 100, 100)
    assert hanley_mcneil_variance(1.0, 50, 50) == pytest.approx(0.0)
