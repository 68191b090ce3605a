"""Tests of gan_lib.figures on small synthetic image sets and tables (no training needed)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from gan_lib.config import PROJECT_ROOT
from gan_lib.figures import (
    FIGURE_FILES,
    comparison_grid,
    copy_run_table,
    critic_diagnostics,
    denoising_grid,
    glcm_distributions,
    quality_curves,
    real_vs_generated_grid,
    render_readme,
    save_csv,
    save_figure,
    sobel_figure,
    spectra_figure,
    thesis_style,
    training_curves,
    write_readme,
)
from gan_lib.metrics import blur_ladder

RNG = np.random.default_rng(0)


def _images(n: int, size: int = 16, *, offset: float = 0.0) -> np.ndarray:
    return np.clip(RNG.uniform(-0.8, 0.8, (n, size, size)) + offset, -1, 1).astype(np.float32)


def _image_axes(fig) -> list:
    return [ax for ax in fig.axes if ax.get_images()]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_save_figure_writes_png_and_pdf(tmp_path):
    with thesis_style():
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
    paths = save_figure(fig, "demo", directory=tmp_path)
    assert [p.name for p in paths] == ["demo.png", "demo.pdf"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths[1].read_bytes()[:5] == b"%PDF-"
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_save_figure_png_has_300_dpi(tmp_path):
    from PIL import Image

    fig, _ = plt.subplots(figsize=(2, 1))
    png = save_figure(fig, "dpi", directory=tmp_path, formats=("png",))[0]
    assert Image.open(png).info["dpi"][0] == pytest.approx(300, abs=1)


def test_save_figure_rejects_name_with_suffix(tmp_path):
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="bare file stem"):
        save_figure(fig, "fig.png", directory=tmp_path)


def test_thesis_style_restores_previous_settings():
    before = matplotlib.rcParams["savefig.dpi"]
    with thesis_style():
        assert matplotlib.rcParams["savefig.dpi"] == 300
    assert matplotlib.rcParams["savefig.dpi"] == before


def test_real_vs_generated_grid_key_matches_grid(tmp_path):
    real, generated = _images(10, offset=-0.5), _images(10, offset=0.5)
    fig, key = real_vs_generated_grid(real, generated, n_rows=2, n_cols=4, seed=1)
    axes = _image_axes(fig)
    assert len(axes) == 8 and list(key["panel"]) == list(range(1, 9))
    assert sorted(key["source"].value_counts().items()) == [("generated", 4), ("real", 4)]
    for ax, row in zip(axes, key.itertuples()):
        shown = ax.get_images()[0].get_array()
        expected = (real if row.source == "real" else generated)[row.index]
        np.testing.assert_array_equal(shown, expected)
        assert ax.texts[0].get_text() == str(row.panel)
    path = save_csv(key, "fig4_key", directory=tmp_path)
    assert pd.read_csv(path).equals(key)


def test_real_vs_generated_grid_is_shuffled_by_seed():
    real, generated = _images(12), _images(12)
    _, key_a = real_vs_generated_grid(real, generated, n_rows=3, n_cols=4, seed=1)
    _, key_b = real_vs_generated_grid(real, generated, n_rows=3, n_cols=4, seed=2)
    assert not key_a["source"].equals(key_b["source"])
    assert list(key_a["source"]) != ["real"] * 6 + ["generated"] * 6


def test_real_vs_generated_grid_rejects_too_few_images():
    with pytest.raises(ValueError, match="generated: needs at least 4"):
        real_vs_generated_grid(_images(4), _images(3), n_rows=2, n_cols=4)


def test_real_vs_generated_grid_rejects_size_mismatch():
    with pytest.raises(ValueError, match="real images are \\(16, 16\\) but generated are \\(8, 8\\)"):
        real_vs_generated_grid(_images(4), _images(4, size=8), n_rows=2, n_cols=4)


def test_comparison_grid_has_three_rows_of_four_panels(tmp_path):
    gen = _images(3)
    fig = comparison_grid(
        gen,
        _images(3),
        _images(3),
        np.abs(_images(3)),
        denoise_method="nl-means",
        nearest_ssim=np.array([0.5, 0.6, 0.7]),
    )
    assert len(_image_axes(fig)) == 12
    assert [ax.get_title() for ax in fig.axes[:4]] == [
        "Generated",
        "Nearest real (MSE)",
        "Denoised (nl-means)",
        "Sobel edges",
    ]
    assert all(p.stat().st_size > 0 for p in save_figure(fig, "fig8_comparison", directory=tmp_path))


def test_comparison_grid_rejects_negative_edges():
    with pytest.raises(ValueError, match="edges must be finite, non-negative"):
        comparison_grid(_images(3), _images(3), _images(3), _images(3))


def test_comparison_grid_rejects_mismatched_examples():
    with pytest.raises(ValueError, match="nearest_real has shape \\(2, 16, 16\\)"):
        comparison_grid(_images(3), _images(2), _images(3), np.abs(_images(3)))


def test_denoising_grid_has_one_column_per_method_and_residual_rows(tmp_path):
    gen = _images(2)
    denoised = {"gaussian": gen * 0.5, "median": gen * 0.9, "tv": gen * 0.7}
    fig = denoising_grid(gen, denoised)
    assert len(_image_axes(fig)) == 2 * 4 + 2 * 3  # image rows: 1 + 3 methods; residual rows: 3 methods
    assert [ax.get_title() for ax in fig.axes[:4]] == ["Generated", "gaussian", "median", "tv"]
    residual = fig.axes[4 + 1].get_images()[0].get_array()
    np.testing.assert_allclose(residual, gen[0] - denoised["gaussian"][0], atol=1e-6)
    assert all(p.stat().st_size > 0 for p in save_figure(fig, "fig5_denoising", directory=tmp_path))


def test_denoising_grid_without_residuals():
    gen = _images(3)
    fig = denoising_grid(gen, {"gaussian": gen}, show_residuals=False)
    assert len(_image_axes(fig)) == 3 * 2


def test_denoising_grid_rejects_other_examples():
    with pytest.raises(ValueError, match=r"denoised\['median'\] has shape"):
        denoising_grid(_images(2), {"median": _images(3)})


def test_sobel_figure_panels_and_histogram(tmp_path):
    from skimage.filters import sobel

    real, gen = _images(4), _images(5)
    gen_edges = np.stack([sobel(x) for x in gen])
    fig = sobel_figure(real, np.stack([sobel(x) for x in real]), gen, gen_edges, generated_examples=[4, 0, 2])
    axes = _image_axes(fig)
    assert len(axes) == 4 * 3
    np.testing.assert_array_equal(axes[3 * 3].get_images()[0].get_array(), gen_edges[4])  # row 4, first column
    hist = [ax for ax in fig.axes if not ax.get_images()]
    assert len(hist) == 1 and [t.get_text() for t in hist[0].get_legend().get_texts()] == [
        "real (n=4 images)",
        "generated (n=5 images)",
    ]
    assert all(p.stat().st_size > 0 for p in save_figure(fig, "fig6_sobel", directory=tmp_path))


def test_sobel_figure_rejects_example_index_outside_set():
    with pytest.raises(ValueError, match="generated_examples=\\[0, 1, 5\\] indexes outside the set of 3"):
        sobel_figure(_images(3), np.abs(_images(3)), _images(3), np.abs(_images(3)), generated_examples=[0, 1, 5])


def test_sobel_figure_rejects_edge_maps_of_other_shape():
    with pytest.raises(ValueError, match="generated_edges has shape"):
        sobel_figure(_images(3), np.abs(_images(3)), _images(3), np.abs(_images(2)))


def _glcm_table() -> pd.DataFrame:
    n = 30
    return pd.DataFrame(
        {
            "source": ["real"] * n + ["generated"] * n,
            "contrast": np.r_[RNG.normal(5, 1, n), RNG.normal(7, 1, n)],
            "homogeneity": np.r_[RNG.uniform(0.3, 0.5, n), RNG.uniform(0.2, 0.4, n)],
            "energy": RNG.uniform(0, 1, 2 * n),
            "correlation": RNG.uniform(0, 1, 2 * n),
        }
    )


def test_glcm_distributions_one_panel_per_feature_with_stats(tmp_path):
    stats = pd.DataFrame({"ks_statistic": [0.6], "ks_pvalue": [1e-4], "wasserstein": [2.0]}, index=["contrast"])
    fig = glcm_distributions(_glcm_table(), stats=stats, n_cols=3)
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title() == "contrast\nKS D=0.60, p=0.0001; W1=2"
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["real\nn=30", "generated\nn=30"]
    assert all(p.stat().st_size > 0 for p in save_figure(fig, "fig7_glcm", directory=tmp_path))


def test_glcm_distributions_rejects_unknown_set_name():
    table = _glcm_table().replace({"source": {"generated": "fake"}})
    with pytest.raises(ValueError, match="unknown set name\\(s\\) \\['fake'\\]"):
        glcm_distributions(table)


def test_training_curves_three_panels(tmp_path):
    steps = np.arange(200)
    log = pd.DataFrame(
        {
            "step": steps,
            "critic_loss": -np.exp(-steps / 50),
            "generator_loss": RNG.normal(0, 1, 200),
            "wasserstein": np.exp(-steps / 50),
            "gradient_penalty": RNG.uniform(0.01, 1, 200),
        }
    )
    fig = training_curves(log)
    assert len(fig.axes) == 3 and fig.axes[2].get_yscale() == "log"
    assert len(fig.axes[0].lines) == 4  # raw + smoothed, critic and generator
    assert all(p.stat().st_size > 0 for p in save_figure(fig, "fig_training_curves", directory=tmp_path))


def test_training_curves_names_missing_columns():
    with pytest.raises(ValueError, match="lacks column\\(s\\) \\['gradient_penalty'\\]"):
        training_curves(pd.DataFrame(columns=["step", "critic_loss", "generator_loss", "wasserstein"]))


def _metrics(n: int = 5) -> pd.DataFrame:
    """Records shaped like metrics.jsonl (gan_lib.training.monitor), the held-out numbers missing."""
    from gan_lib.training.diagnostics import CRITIC_NAMES, QUALITY_NAMES

    frame = pd.DataFrame({name: RNG.normal(size=n) for name in (*QUALITY_NAMES, *CRITIC_NAMES, "score")})
    frame["w_heldout"] = frame["w_train_heldout"] = None
    return frame.assign(step=np.arange(1, n + 1) * 100, best=[True, True, False, True, False])


def test_quality_curves_draw_the_floor_and_the_best_step():
    fig = quality_curves(_metrics(), floor={"swd": 60.0, "beta_gap": -0.1})
    assert len(fig.axes) == 7
    assert len(fig.axes[0].lines) == 3  # curve, held-out floor, best step
    assert fig.axes[0].lines[-1].get_xdata()[0] == 400  # the last record flagged best
    assert len(fig.axes[4].lines) == 2  # no floor for the reader here


def test_quality_curves_of_a_run_from_before_the_orientation_column():
    fig = quality_curves(_metrics().drop(columns="orientation_db"))
    assert not fig.axes[3].lines and fig.axes[3].texts[0].get_text() == "not logged by this run"
    assert len(fig.axes[4].lines) == 2


def test_critic_diagnostics_skip_empty_heldout_columns():
    fig = critic_diagnostics(_metrics())
    assert len(fig.axes) == 5
    assert [line.get_label() for line in fig.axes[0].lines if not line.get_label().startswith("_")] == ["w_train"]


def test_quality_curves_name_what_is_missing():
    with pytest.raises(ValueError, match="eval_every > 0"):
        quality_curves(pd.DataFrame())


def test_copy_run_table_copies_csv_and_latex_unchanged(tmp_path):
    tables = tmp_path / "runs" / "q" / "tables"
    tables.mkdir(parents=True)
    (tables / "table1_metrics.csv").write_text("metric,comparison,value\nMSE,generated,0.5\n")
    (tables / "table1_metrics.tex").write_text("\\begin{table}\n\\end{table}\n")
    paths = copy_run_table(tables / "table1_metrics", "table1_metrics", directory=tmp_path / "figures")
    assert [p.name for p in paths] == ["table1_metrics.csv", "table1_metrics.tex"]
    for path in paths:
        assert path.read_bytes() == (tables / path.name).read_bytes()


def test_copy_run_table_names_the_notebook_when_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="table2_denoising.csv.*run notebook 03_denoising"):
        copy_run_table(
            tmp_path / "table2_denoising", "table2_denoising", directory=tmp_path, made_by="notebook 03_denoising"
        )


def test_readme_lists_every_figure_file(tmp_path):
    path = write_readme(tmp_path, run_name="quick", commit="abc123", created="2026-01-01", recipe="project")
    text = path.read_text()
    assert "runs/quick/" in text and "abc123" in text and "training recipe `project`" in text
    for entry in FIGURE_FILES:
        for suffix in entry.suffixes:
            assert f"`{entry.stem}.{suffix}`" in text


def test_committed_readme_is_the_rendered_template():
    committed = (PROJECT_ROOT / "figures" / "README.md").read_text()
    for entry in FIGURE_FILES:
        assert f"`{entry.stem}.{entry.suffixes[0]}`" in committed, (
            "figures/README.md is out of date: "
            "regenerate it with gan_lib.figures.write_readme(PROJECT_ROOT / 'figures')"
        )
    assert render_readme().splitlines()[0] == committed.splitlines()[0]


def test_spectra_figure_draws_every_set_and_rung_on_two_panels(tmp_path):
    rng = np.random.default_rng(0)
    train = rng.uniform(-0.5, 0.5, (6, 16, 16)).astype(np.float32)
    ladder = blur_ladder(train, sigmas=(0.5, 1.0))
    fig = spectra_figure({"train": train, "generated": ladder[1.0]}, ladder)
    left, right = fig.axes
    assert len(left.get_lines()) == 4 + 2 and len(right.get_lines()) == 4 + 1  # + band lines / the 0 dB line
    assert "generated (n=6)" in [text.get_text() for text in left.get_legend().get_texts()]
    save_figure(fig, "fig_spectra", directory=tmp_path)
    plt.close(fig)


def test_spectra_figure_needs_its_reference():
    with pytest.raises(ValueError, match="reference 'train'"):
        spectra_figure({"generated": np.zeros((2, 16, 16))}, {})
