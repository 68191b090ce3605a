"""Texture of real and generated mammograms: Sobel edges and GLCM features (thesis X-J, Figs 6–7, XI-A2).

Two families of per-image texture descriptors, each compared between sets as
*distributions* (two-sample Kolmogorov–Smirnov test and Wasserstein-1 distance
per feature), always next to the same comparison between real sets:

* **Sobel edges** (:func:`sobel_magnitude`, :func:`edge_density`,
  :func:`edge_feature_table`): :func:`skimage.filters.sobel` gradient magnitude
  of the image in [0, 1] intensity (so magnitudes are in [0, 1] too); per image
  the mean magnitude and the edge density — the share of tissue pixels whose
  magnitude exceeds one threshold shared by all sets.
* **GLCM** (:func:`glcm_properties`, :func:`glcm_feature_table`):
  :func:`skimage.feature.graycomatrix`/:func:`~skimage.feature.graycoprops` at
  distances (1, 2, 4) px and angles 0, π/4, π/2, 3π/4 (averaged over angles,
  i.e. rotation-invariant), symmetric, for contrast, dissimilarity,
  homogeneity, energy, correlation and ASM.

**Breast region.** Texture is measured only on tissue.  A pixel is tissue when
its model-space value exceeds ``TISSUE_THRESHOLD = -0.9`` (uint8 ≈ 13; the
background of the preprocessed mammograms is -1).  For the GLCM the tissue is
quantised to grey levels ``1 … levels-1`` and background gets the reserved
level 0; the co-occurrence counts of every pair that involves level 0 are
removed before :func:`~skimage.feature.graycoprops` normalises the matrix, so
background and tissue/background borders never contribute.  Images with less
than ``min_tissue_fraction`` tissue (default 0.5) are skipped and counted.
Contrast and dissimilarity are therefore in units of quantised grey levels
(``levels - 1`` tissue levels spanning [0, 255]).
"""

from gan_lib.texture._comparison import compare_distributions, texture_shift, texture_statistics
from gan_lib.texture._features import (
    GLCM_ANGLES,
    GLCM_DISTANCES,
    GLCM_PROPS,
    TISSUE_THRESHOLD,
    edge_density,
    edge_feature_table,
    glcm_feature_table,
    glcm_properties,
    quantise,
    sobel_magnitude,
    tissue_mask,
)

__all__ = [
    "TISSUE_THRESHOLD",
    "GLCM_PROPS",
    "GLCM_DISTANCES",
    "GLCM_ANGLES",
    "tissue_mask",
    "sobel_magnitude",
    "edge_density",
    "edge_feature_table",
    "quantise",
    "glcm_properties",
    "glcm_feature_table",
    "compare_distributions",
    "texture_shift",
    "texture_statistics",
]
