"""Improved precision and recall (Kynkäänniemi et al. 2019): fidelity and coverage as two numbers.

Each set's manifold is approximated by the union of hyperspheres centred on
its feature vectors, each with the radius of the distance to that vector's
k-th nearest neighbour within the same set (k = 3 in the paper).

* **precision** — the fraction of generated samples that fall inside the real
  manifold: how many samples look real;
* **recall** — the fraction of real samples inside the generated manifold: how
  much of the real variety the generator covers.  Mode collapse shows as low
  recall even when precision is high — the diversity information FID mixes in.

Reference: T. Kynkäänniemi, T. Karras, S. Laine, J. Lehtinen, T. Aila,
"Improved Precision and Recall Metric for Assessing Generative Models",
NeurIPS 2019, arXiv:1904.06991.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.metrics import pairwise_distances_chunked
from sklearn.neighbors import NearestNeighbors

from gan_lib.metrics._features import check_feature_pair
from gan_lib.metrics.bootstrap import Estimate
from gan_lib.metrics.stats import proportion_estimate

__all__ = ["knn_radii", "manifold_coverage", "precision_recall"]


def knn_radii(features: np.ndarray, *, k: int = 3) -> np.ndarray:
    """Distance from each vector to its k-th nearest neighbour in the same set (itself excluded).

    Parameters
    ----------
    features : ndarray, shape (N, D)
        ``N > k``.
    k : int, keyword-only

    Returns
    -------
    ndarray, shape (N,)

    Examples
    --------
    >>> knn_radii(np.array([[0.0], [1.0], [3.0]]), k=1)
    array([1., 1., 2.])
    """
    # k + 1 neighbours because each point is its own nearest neighbour at distance 0.
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(features).kneighbors(features)
    return distances[:, k]


def manifold_coverage(queries: np.ndarray, support: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Whether each query lies within ``radii[j]`` of some ``support[j]`` (the k-NN manifold).

    Distances are computed in chunks (:func:`sklearn.metrics.pairwise_distances_chunked`),
    so memory stays bounded for thousands of vectors.

    Parameters
    ----------
    queries : ndarray, shape (N, D)
    support : ndarray, shape (M, D)
    radii : ndarray, shape (M,)

    Returns
    -------
    ndarray, shape (N,), bool
    """

    def reduce(chunk: np.ndarray, start: int) -> np.ndarray:
        return np.any(chunk <= radii[None, :], axis=1)

    return np.concatenate(list(pairwise_distances_chunked(queries, support, reduce_func=reduce)))


def precision_recall(features: np.ndarray, reference_features: np.ndarray, *, k: int = 3) -> dict[str, Estimate]:
    """Improved precision and recall of ``features`` (generated) against ``reference_features`` (real).

    Parameters
    ----------
    features : ndarray, shape (N, D)
        Generated (or held-out real) features.
    reference_features : ndarray, shape (M, D)
        Real training features.
    k : int, keyword-only
        Neighbourhood size of the manifold estimate (3 as in the paper).

    Returns
    -------
    dict
        ``{"precision": Estimate, "recall": Estimate}``.  Each interval is the
        Wilson score interval of the proportion *given the estimated manifolds*
        (it does not include the variability of the manifold itself).

    Raises
    ------
    ValueError
        When a set has ``k`` or fewer vectors, or the dimensions differ.
    """
    fake, real = check_feature_pair(features, reference_features, min_count=k + 1)
    inside_real = manifold_coverage(fake, real, knn_radii(real, k=k))
    inside_fake = manifold_coverage(real, fake, knn_radii(fake, k=k))
    return {
        "precision": _proportion(inside_real, len(fake), len(real), f"k={k}; share of generated inside real manifold"),
        "recall": _proportion(inside_fake, len(fake), len(real), f"k={k}; share of real inside generated manifold"),
    }


def _proportion(hits: np.ndarray, n: int, n_reference: int, note: str) -> Estimate:
    share = proportion_estimate(int(hits.sum()), len(hits), method="wilson")
    return dataclasses.replace(share, n=n, n_reference=n_reference, note=note)
