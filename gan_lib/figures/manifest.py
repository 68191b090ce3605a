"""The catalogue of ``figures/``: every file, what makes it, and ``figures/README.md`` rendered from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from gan_lib.atomic import atomic_write_text
from gan_lib.config import FIGURES_DIR

__all__ = ["FigureFile", "FIGURE_FILES", "render_readme", "write_readme"]


@dataclass(frozen=True)
class FigureFile:
    """One output of notebook 06: file stem, suffixes, thesis item, content and the function that draws it."""

    stem: str
    suffixes: tuple[str, ...]
    thesis_item: str
    content: str
    made_by: str
    source: str  # the run files (or gan_lib computation) the content comes from


#: Everything the pipeline writes into ``figures/``, in thesis order (notebook 06, plus notebook 05's spectra and
#: notebook 07's reader-study figure).
FIGURE_FILES: tuple[FigureFile, ...] = (
    FigureFile(
        "fig4_real_vs_generated",
        ("png", "pdf"),
        "Fig 4",
        "Shuffled grid of real and generated images, numbered cells only (a quiz).",
        "gan_lib.figures.grids.real_vs_generated_grid",
        "real training images + eval/generated.npy",
    ),
    FigureFile(
        "fig4_key",
        ("csv",),
        "Fig 4 key",
        "Which numbered cell of Fig 4 is real or generated, and its index in its set.",
        "gan_lib.figures.grids.real_vs_generated_grid",
        "as Fig 4",
    ),
    FigureFile(
        "fig5_denoising",
        ("png", "pdf"),
        "Fig 5",
        "Generated examples before/after each denoising method, with the removed component.",
        "gan_lib.figures.denoising.denoising_grid",
        "eval/generated.npy + eval/denoised_<method>.npy",
    ),
    FigureFile(
        "fig6_sobel",
        ("png", "pdf"),
        "Fig 6",
        "Sobel edge maps of real and generated images and the edge-magnitude distributions.",
        "gan_lib.figures.texture.sobel_figure",
        "Sobel maps via gan_lib.texture",
    ),
    FigureFile(
        "fig7_glcm",
        ("png", "pdf"),
        "Fig 7",
        "Per-image GLCM feature distributions, real vs generated, with KS and Wasserstein statistics.",
        "gan_lib.figures.texture.glcm_distributions",
        "GLCM features via gan_lib.texture",
    ),
    FigureFile(
        "fig8_comparison",
        ("png", "pdf"),
        "Fig 8",
        "Three generated examples: the image, its nearest real image, denoised version, Sobel edges.",
        "gan_lib.figures.grids.comparison_grid",
        "eval/ arrays + nearest neighbours via gan_lib.metrics",
    ),
    FigureFile(
        "fig_spectra",
        ("png", "pdf"),
        "Spectra (beyond the thesis)",
        "Mean radial power spectra of real (train, held-out, test), generated and the training set blurred "
        "by sigma 0.5-2 px, and each relative to train in dB: blur shows as a drop at high frequency.",
        "gan_lib.figures.spectra.spectra_figure (notebook 05)",
        "eval/generated.npy + real splits",
    ),
    FigureFile(
        "fig_training_curves",
        ("png", "pdf"),
        "Training curves",
        "Critic/generator losses, Wasserstein estimate and gradient penalty per generator step.",
        "gan_lib.figures.training.training_curves",
        "train_log.csv",
    ),
    FigureFile(
        "table1_metrics",
        ("csv", "tex"),
        "Table 1",
        "Evaluation metrics of the WGAN-GP model with sample sizes, CIs and real-vs-real references.",
        "gan_lib.figures.tables.copy_run_table",
        "copy of tables/table1_metrics.csv/.tex (notebook 04)",
    ),
    FigureFile(
        "table2_denoising",
        ("csv", "tex"),
        "Table 2",
        "MPV and MPVD (and texture cost) for each denoising method.",
        "gan_lib.figures.tables.copy_run_table",
        "copy of tables/table2_denoising.csv/.tex (notebook 03)",
    ),
    FigureFile(
        "reader_study_realism_SIMULATED",
        ("png",),
        "Reader study (X-I)",
        "Realism scores of real vs synthetic images. The _SIMULATED file comes from simulated readers "
        "(a demo, not data from people); with a real export the file has no suffix.",
        "notebooks/07_reader_study.ipynb",
        "a reader-study export (gan_lib.validation)",
    ),
)


def render_readme(
    *,
    run_name: str | None = None,
    commit: str | None = None,
    created: str | None = None,
    recipe: str | None = None,
    files: Iterable[FigureFile] = FIGURE_FILES,
) -> str:
    """Markdown for ``figures/README.md``.

    Without ``run_name`` it is the committed template (no figures yet); notebook
    06 renders it again with the run, its training recipe
    (:func:`gan_lib.training.recipes.recipe_label`), commit and time that
    produced the files.
    """
    if run_name is None:
        provenance = (
            "No figures have been generated in this checkout yet: `make pipeline` (or notebook "
            "`06_thesis_figures.ipynb` after a finished run) writes them and rewrites this file "
            "with the run and commit that produced them."
        )
    else:
        trained = f", training recipe `{recipe}`" if recipe else ""
        provenance = (
            f"Generated by `notebooks/06_thesis_figures.ipynb` from run `runs/{run_name}/`{trained} "
            f"(code commit `{commit or 'unknown: not a git checkout'}`) at {created or 'unknown time'}. "
            f"The run's `pipeline.json` and `config.json` hold its full settings."
        )
    lines = [
        "# figures/",
        "",
        "The thesis figures and tables, regenerated from a finished run by notebook `06_thesis_figures.ipynb` "
        "(`make pipeline` runs it after training and evaluation). Figures are PNG at 300 dpi plus vector PDF; "
        "tables are CSV (tidy: value, 95% CI, sample sizes) plus LaTeX (formatted estimates), copied unchanged "
        "from the run's `tables/`. Only this README is tracked by git.",
        "",
        provenance,
        "",
        "| File | Thesis | Content | Made by | From |",
        "|---|---|---|---|---|",
    ]
    for entry in files:
        names = ", ".join(f"`{entry.stem}.{suffix}`" for suffix in entry.suffixes)
        lines.append(f"| {names} | {entry.thesis_item} | {entry.content} | `{entry.made_by}` | {entry.source} |")
    return "\n".join(lines) + "\n"


def write_readme(directory: Path = FIGURES_DIR, **kwargs) -> Path:
    """Render :func:`render_readme` (``kwargs`` passed on) into ``<directory>/README.md`` atomically."""
    return atomic_write_text(Path(directory) / "README.md", render_readme(**kwargs))
