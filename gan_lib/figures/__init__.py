"""Thesis figures and tables: functions that take data and return a matplotlib Figure.

One module per figure family; all share :mod:`gan_lib.figures.style` and are saved
with :func:`gan_lib.figures.save.save_figure` (PNG at 300 dpi + PDF, atomically).

========================================  ===========================================
Thesis item                               Function
========================================  ===========================================
Fig 4  real and generated images, mixed   :func:`grids.real_vs_generated_grid`
Fig 5  denoising results                  :func:`denoising.denoising_grid`
Fig 6  Sobel texture analysis             :func:`texture.sobel_figure`
Fig 7  GLCM feature distributions         :func:`texture.glcm_distributions`
Fig 8  three examples compared            :func:`grids.comparison_grid`
Training curves                           :func:`training.training_curves`
Quality during training, critic           :func:`training.quality_curves`, :func:`training.critic_diagnostics`
Power spectra and the blur ladder         :func:`spectra.spectra_figure`
Tables 1-2 (copied from the run)          :func:`tables.copy_run_table`
========================================  ===========================================
"""

from gan_lib.figures.denoising import denoising_grid
from gan_lib.figures.grids import comparison_grid, real_vs_generated_grid
from gan_lib.figures.manifest import FIGURE_FILES, render_readme, write_readme
from gan_lib.figures.save import save_csv, save_figure
from gan_lib.figures.spectra import spectra_figure
from gan_lib.figures.style import COLORS, thesis_style
from gan_lib.figures.tables import copy_run_table
from gan_lib.figures.texture import glcm_distributions, sobel_figure
from gan_lib.figures.training import critic_diagnostics, quality_curves, training_curves

__all__ = [
    "COLORS",
    "FIGURE_FILES",
    "comparison_grid",
    "critic_diagnostics",
    "denoising_grid",
    "copy_run_table",
    "glcm_distributions",
    "real_vs_generated_grid",
    "quality_curves",
    "render_readme",
    "save_csv",
    "save_figure",
    "sobel_figure",
    "spectra_figure",
    "thesis_style",
    "training_curves",
    "write_readme",
]
