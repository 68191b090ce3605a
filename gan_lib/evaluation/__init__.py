"""Evaluation of a trained run: Table 1 (metrics), Table 2 (denoising) and texture statistics.

Glue between a run folder and the pure functions of :mod:`gan_lib.metrics`,
:mod:`gan_lib.denoise` and :mod:`gan_lib.texture`, shared by notebooks 03–06,
the pipeline and the benchmarks.  Every comparison is made against the real
**training** set and reported next to the same comparison for two real sets
(``docs/ARCHITECTURE.md``): held-out views of the training patient
(same-patient floor) and another patient's images (other-patient floor).

One module per concept; every public name is re-exported here, so callers
write ``from gan_lib import evaluation; evaluation.metrics_table(...)``:

- :mod:`~gan_lib.evaluation.config` — :class:`EvaluationConfig`, the :data:`QUICK` / :data:`FULL` profiles;
- :mod:`~gan_lib.evaluation.image_sets` — the generated set (cached in ``eval/``) and the real splits;
- :mod:`~gan_lib.evaluation.inception` — the Inception network with a note for the reader, its feature cache;
- :mod:`~gan_lib.evaluation.quality` — the sample-quality metrics by name (SWD, diversity, both readers);
- :mod:`~gan_lib.evaluation.table1` — Table 1, every metric vs train (notebook 04);
- :mod:`~gan_lib.evaluation.spectral_rows` — the spectral rows of Table 1 and RQ1 (slope, fine band, spectral
  reader, blur-equivalent sigma);
- :mod:`~gan_lib.evaluation.calibration` — every reader on the blur ladder, noise, a grid and the real floors
  (``python -m gan_lib.evaluation.calibration`` writes ``docs/results/readers.md``);
- :mod:`~gan_lib.evaluation.table2` — Table 2, the denoising methods (notebook 03);
- :mod:`~gan_lib.evaluation.texture_stats` — per-image texture features and their comparison (notebook 05);
- :mod:`~gan_lib.evaluation.memorisation_lines` — the memorisation audit (notebook 09) as Table 1 lines;
- :mod:`~gan_lib.evaluation.writers` — the tables and arrays written under ``runs/<name>/``;
- :mod:`~gan_lib.evaluation.folder_sets` — image sets read from folders (PNG, TIFF, DICOM) or ``.npy``;
- :mod:`~gan_lib.evaluation.compare_folders` — Table 1's metrics on two folders (``python -m gan_lib.metrics``).
"""

from .compare_folders import FOLDER_METRICS, compare_folders
from .config import FULL, QUICK, EvaluationConfig, evaluation_config
from .folder_sets import load_image_folder, to_model_space
from .image_sets import EvaluationSets, cap_real_split, load_evaluation_sets
from .inception import feature_cache_dir, load_inception_with_note
from .memorisation_lines import MEMORISATION_PREFIX, memorisation_rows
from .quality import QUALITY_METRICS, QUALITY_ROWS, quality_metrics, within_set_diversity
from .spectral_rows import ladder_values, spectral_rows, spectral_table
from .table1 import FEATURE_ROWS, metrics_table, nearest_train_scores
from .table2 import compare_denoisers
from .texture_stats import edge_threshold_of, texture_comparison, texture_features
from .writers import add_memorisation_to_table1, save_arrays, save_table1, save_table2, save_texture_stats

__all__ = [
    "EvaluationConfig",
    "QUICK",
    "FULL",
    "evaluation_config",
    "EvaluationSets",
    "load_evaluation_sets",
    "cap_real_split",
    "load_inception_with_note",
    "feature_cache_dir",
    "FEATURE_ROWS",
    "QUALITY_METRICS",
    "QUALITY_ROWS",
    "quality_metrics",
    "within_set_diversity",
    "nearest_train_scores",
    "metrics_table",
    "ladder_values",
    "spectral_rows",
    "spectral_table",
    "compare_denoisers",
    "texture_features",
    "edge_threshold_of",
    "texture_comparison",
    "MEMORISATION_PREFIX",
    "memorisation_rows",
    "save_arrays",
    "save_table1",
    "add_memorisation_to_table1",
    "save_table2",
    "save_texture_stats",
    "load_image_folder",
    "to_model_space",
    "FOLDER_METRICS",
    "compare_folders",
]
