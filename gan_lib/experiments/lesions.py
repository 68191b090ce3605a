"""Simulated lesions inserted into real breast-tissue patches (a labelled task for the embedded data).

The eight embedded mammograms carry no lesion outlines, so the labelled task of
the augmentation experiments is built the way virtual clinical trials (VCTs)
build theirs: a mathematically defined lesion is added to a *real* tissue
background, and a contrast knob sets how hard it is to see [1]_.  Three lesion
models are offered, each a **profile** in [0, 1] with a compact support (it is
exactly zero outside a known disc), so the tissue outside the lesion is left
untouched:

* ``"gaussian"`` — a round mass with a Gaussian radial profile, shifted and
  rescaled so it falls to exactly 0 at the support radius (3 sigma).  Smooth
  blob-like masses of this kind are the classic signal of detection studies in
  real mammographic backgrounds [2]_.
* ``"spiculated"`` — the same core with thin, tapering radial spicules, the
  appearance that makes a mass suspicious for malignancy; VCT mass models add
  spicules to a core in the same way [3]_, [4]_.
* ``"calcifications"`` — a cluster of small bright specks (each a compact
  paraboloid "disc" of radius 0.5-1.5 pixels at the patch's resolution) placed
  at random inside a cluster disc, as in calcification-detection studies that
  insert simulated clusters into real images [5]_.

Insertion is additive in the normalised intensity domain (model space [-1, 1]):
``out = clip(patch + contrast * profile, -1, 1)``.  Our images are windowed
log-exposure values, in which a thin extra attenuating object adds a nearly
constant amount, so the additive model is the usual projection-domain
approximation; ``contrast`` is the intensity added at the lesion centre in model
units (the full display range is 2.0).  Dense lesions are brighter than fat
(MONOCHROME2 after normalisation), hence a positive contrast.

References
----------
.. [1] Abadi E. et al., "Virtual clinical trials in medical imaging: a review",
   J. Med. Imaging 7(4):042805, 2020. doi:10.1117/1.JMI.7.4.042805
.. [2] Burgess A.E., Jacobson F.L., Judy P.F., "Human observer detection
   experiments with mammograms and power-law noise", Med. Phys. 28(4):419-437,
   2001. doi:10.1118/1.1355308
.. [3] de Sisternes L. et al., "A computational model to generate simulated
   three-dimensional breast masses", Med. Phys. 42(2):1098-1118, 2015.
   doi:10.1118/1.4905232
.. [4] Rashidnasab A. et al., "Simulation and assessment of realistic breast
   lesions using fractal growth models", Phys. Med. Biol. 58(16):5613-5627,
   2013. doi:10.1088/0031-9155/58/16/5613
.. [5] Warren L.M. et al., "Effect of image quality on calcification detection
   in digital mammography", Med. Phys. 39(6):3202-3213, 2012.
   doi:10.1118/1.4718571
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "LESION_KINDS",
    "LesionSpec",
    "gaussian_mass_profile",
    "spiculated_mass_profile",
    "calcification_cluster_profile",
    "lesion_profile",
    "insert_lesion",
    "random_lesion_spec",
]

#: The lesion models :func:`lesion_profile` knows.
LESION_KINDS = ("gaussian", "spiculated", "calcifications")


@dataclass(frozen=True)
class LesionSpec:
    """Where and what to insert; all lengths in pixels of the patch.

    ``center`` is ``(row, col)``; ``radius`` is the support radius of a mass
    core (3 sigma of its Gaussian) or of the calcification cluster disc;
    ``seed`` fixes the random parts (spicule angles, speck positions).
    """

    kind: str  # one of LESION_KINDS
    center: tuple[float, float]  # (row, col) in pixels
    radius: float  # support radius of the core / cluster, pixels
    contrast: float  # intensity added at the centre, model units ([-1, 1] range has width 2)
    seed: int = 0  # spicule angles / speck positions


def _grid(shape: tuple[int, int], center: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    return rows - center[0], cols - center[1]


def _check_shape_radius(shape: tuple[int, int], radius: float, name: str) -> None:
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"{name}: shape must be (H, W) with positive sizes; got {shape!r}.")
    if not np.isfinite(radius) or radius <= 0:
        raise ValueError(f"{name}: radius must be a positive number of pixels; got {radius!r}.")


def gaussian_mass_profile(shape: tuple[int, int], *, center: tuple[float, float], radius: float) -> np.ndarray:
    """A round mass: a Gaussian radial profile truncated to exactly zero at ``radius``.

    ``p(r) = (exp(-r^2 / 2 s^2) - e_R) / (1 - e_R)`` for ``r < radius`` and 0
    beyond, with ``s = radius / 3`` and ``e_R = exp(-4.5)`` (the Gaussian's value
    at ``radius``), so the profile is 1 at the centre, continuous, and has compact
    support.

    Parameters
    ----------
    shape : (H, W)
        Patch shape in pixels.
    center : (row, col)
        Lesion centre in pixels (sub-pixel values allowed).
    radius : float
        Support radius in pixels (> 0).

    Returns
    -------
    np.ndarray
        ``float64 (H, W)`` in [0, 1].

    Examples
    --------
    >>> p = gaussian_mass_profile((9, 9), center=(4, 4), radius=3)
    >>> float(p[4, 4]), float(p[4, 8]), float(p[0, 0])
    (1.0, 0.0, 0.0)
    """
    _check_shape_radius(shape, radius, "gaussian_mass_profile")
    dr, dc = _grid(shape, center)
    r2 = dr**2 + dc**2
    sigma = radius / 3.0
    edge = np.exp(-0.5 * (radius / sigma) ** 2)
    profile = (np.exp(-0.5 * r2 / sigma**2) - edge) / (1.0 - edge)
    return np.where(r2 < radius**2, np.clip(profile, 0.0, 1.0), 0.0)


def spiculated_mass_profile(
    shape: tuple[int, int],
    *,
    center: tuple[float, float],
    radius: float,
    n_spicules: int = 8,
    spicule_length: float = 1.5,
    spicule_width: float = 1.0,
    spicule_strength: float = 0.6,
    seed: int = 0,
) -> np.ndarray:
    """A spiculated mass: a Gaussian core plus thin radial spicules that taper to zero.

    Each spicule starts at the centre and runs at a random angle to
    ``radius * (1 + spicule_length)``; across it the intensity is a compact
    parabola ``1 - (d / spicule_width)^2`` (d = distance to the spicule's axis),
    and along it it falls linearly from ``spicule_strength`` to 0.  The profile is
    the pointwise maximum of core and spicules.

    Parameters
    ----------
    shape : (H, W)
        Patch shape in pixels.
    center : (row, col)
        Centre in pixels.
    radius : float
        Support radius of the core in pixels.
    n_spicules : int
        Number of spicules (>= 0).
    spicule_length : float
        Spicule reach beyond the core, as a multiple of ``radius``.
    spicule_width : float
        Half-width of a spicule in pixels.
    spicule_strength : float
        Spicule intensity where it leaves the centre, in (0, 1].
    seed : int
        Fixes the spicule angles.

    Returns
    -------
    np.ndarray
        ``float64 (H, W)`` in [0, 1], 1 at the centre, 0 beyond
        ``radius * (1 + spicule_length) + spicule_width``.
    """
    _check_shape_radius(shape, radius, "spiculated_mass_profile")
    if n_spicules < 0 or spicule_width <= 0 or not 0 < spicule_strength <= 1:
        raise ValueError(
            "spiculated_mass_profile: need n_spicules >= 0, spicule_width > 0 and 0 < spicule_strength <= 1; "
            f"got {n_spicules}, {spicule_width}, {spicule_strength}."
        )
    profile = gaussian_mass_profile(shape, center=center, radius=radius)
    dr, dc = _grid(shape, center)
    reach = radius * (1.0 + spicule_length)
    rng = np.random.default_rng(seed)
    # Evenly spread angles with a random jitter, so spicules do not bunch up.
    base = np.linspace(0.0, 2 * np.pi, n_spicules, endpoint=False)
    angles = (
        base + rng.uniform(0, 2 * np.pi) + rng.uniform(-0.3, 0.3, size=n_spicules) * (2 * np.pi / max(n_spicules, 1))
    )
    for angle in angles:
        ur, uc = np.sin(angle), np.cos(angle)
        along = dr * ur + dc * uc  # position along the axis, pixels
        across = np.abs(-dr * uc + dc * ur)  # distance to the axis, pixels
        inside = (along >= 0) & (along <= reach) & (across < spicule_width)
        taper = spicule_strength * (1.0 - along / reach)
        spicule = np.where(inside, taper * (1.0 - (across / spicule_width) ** 2), 0.0)
        profile = np.maximum(profile, spicule)
    return profile


def calcification_cluster_profile(
    shape: tuple[int, int],
    *,
    center: tuple[float, float],
    radius: float,
    n_specks: int = 6,
    speck_radius: tuple[float, float] = (0.5, 1.5),
    seed: int = 0,
) -> np.ndarray:
    """A microcalcification cluster: small bright specks scattered in a disc.

    Speck centres are drawn uniformly inside the disc of ``radius`` around
    ``center``; each speck is a compact paraboloid ``1 - (r / a)^2`` of radius
    ``a`` drawn uniformly from ``speck_radius``, sampled at 4 x 4 sub-pixels per
    pixel so sub-pixel specks are not lost.  The brightest speck is rescaled to a
    peak of exactly 1.

    Returns
    -------
    np.ndarray
        ``float64 (H, W)`` in [0, 1]; zero farther than ``radius + max(speck_radius)``
        from ``center``.
    """
    _check_shape_radius(shape, radius, "calcification_cluster_profile")
    lo, hi = speck_radius
    if n_specks < 1 or not 0 < lo <= hi:
        raise ValueError(
            f"calcification_cluster_profile: need n_specks >= 1 and 0 < speck_radius[0] <= speck_radius[1]; "
            f"got n_specks={n_specks}, speck_radius={speck_radius}."
        )
    rng = np.random.default_rng(seed)
    rho = radius * np.sqrt(rng.uniform(0, 1, n_specks))
    theta = rng.uniform(0, 2 * np.pi, n_specks)
    sizes = rng.uniform(lo, hi, n_specks)
    sub = 4
    offsets = (np.arange(sub) + 0.5) / sub - 0.5
    dr, dc = _grid(shape, center)
    profile = np.zeros(shape)
    for r0, c0, a in zip(rho * np.sin(theta), rho * np.cos(theta), sizes):
        speck = np.zeros(shape)
        for orow in offsets:
            for ocol in offsets:
                d2 = (dr + orow - r0) ** 2 + (dc + ocol - c0) ** 2
                speck += np.clip(1.0 - d2 / a**2, 0.0, None)
        profile = np.maximum(profile, speck / sub**2)
    peak = profile.max()
    return profile / peak if peak > 0 else profile


def lesion_profile(shape: tuple[int, int], spec: LesionSpec) -> np.ndarray:
    """The ``[0, 1]`` profile of ``spec`` on an ``(H, W)`` grid (dispatch on ``spec.kind``)."""
    if spec.kind == "gaussian":
        return gaussian_mass_profile(shape, center=spec.center, radius=spec.radius)
    if spec.kind == "spiculated":
        return spiculated_mass_profile(shape, center=spec.center, radius=spec.radius, seed=spec.seed)
    if spec.kind == "calcifications":
        return calcification_cluster_profile(shape, center=spec.center, radius=spec.radius, seed=spec.seed)
    raise ValueError(f"lesion kind must be one of {LESION_KINDS}; got {spec.kind!r}.")


def insert_lesion(patch: np.ndarray, spec: LesionSpec) -> np.ndarray:
    """Add the lesion ``spec`` to a tissue ``patch``: ``clip(patch + contrast * profile, -1, 1)``.

    Parameters
    ----------
    patch : np.ndarray
        ``(H, W)`` tissue patch in model space [-1, 1].
    spec : LesionSpec
        Lesion model, position, size and contrast.

    Returns
    -------
    np.ndarray
        ``float32 (H, W)`` in [-1, 1]; identical to ``patch`` wherever the
        profile is zero.

    Examples
    --------
    >>> patch = np.zeros((9, 9), dtype=np.float32)
    >>> out = insert_lesion(patch, LesionSpec("gaussian", center=(4, 4), radius=3, contrast=0.5))
    >>> float(out[4, 4]), float(out[0, 0])
    (0.5, 0.0)
    """
    patch = np.asarray(patch)
    if patch.ndim != 2:
        raise ValueError(f"insert_lesion: patch must be one (H, W) image; got shape {patch.shape}.")
    if not np.isfinite(spec.contrast):
        raise ValueError(f"insert_lesion: contrast must be finite; got {spec.contrast!r}.")
    profile = lesion_profile(patch.shape, spec)
    out = patch.astype(np.float64) + spec.contrast * profile
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def random_lesion_spec(
    shape: tuple[int, int],
    rng: np.random.Generator,
    *,
    kinds: tuple[str, ...] = LESION_KINDS,
    contrast: float = 0.3,
    radius_fraction: tuple[float, float] = (0.08, 0.16),
    margin_fraction: float = 0.25,
) -> LesionSpec:
    """Draw a lesion: kind uniformly from ``kinds``, centre in the central region, size as a fraction of the patch.

    The centre is uniform in ``[margin, size - margin]`` on each axis
    (``margin = margin_fraction * size``) so that the lesion lies inside the
    patch; the radius is uniform in ``radius_fraction * min(H, W)``.
    """
    unknown = sorted(set(kinds) - set(LESION_KINDS))
    if not kinds or unknown:
        raise ValueError(f"kinds must be a non-empty subset of {LESION_KINDS}; got {kinds!r}.")
    h, w = shape
    kind = str(rng.choice(list(kinds)))
    center = (
        float(rng.uniform(margin_fraction * h, (1 - margin_fraction) * h)),
        float(rng.uniform(margin_fraction * w, (1 - margin_fraction) * w)),
    )
    radius = float(rng.uniform(*radius_fraction) * min(h, w))
    return LesionSpec(
        kind=kind, center=center, radius=max(radius, 1.0), contrast=float(contrast), seed=int(rng.integers(2**31))
    )
