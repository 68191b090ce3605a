"""RQ2 loop on tiny inputs: arms, seeds, budgets, output columns, resume, paired tests."""

import numpy as np
import pandas as pd
import pytest

from gan_lib.experiments.config import experiment_config
from gan_lib.experiments.labelled import LabelledSet, insert_lesions
from gan_lib.experiments.rq2 import ARMS, paired_tests, run_rq2, sample_budget, summarise_rq2, synthetic_images


def _labelled(n, seed, patient):
    rng = np.random.default_rng(seed)
    background = np.clip(rng.normal(-0.3, 0.15, (n, 16, 16)), -1, 1).astype(np.float32)
    images, labels, info = insert_lesions(
        background, seed=seed, kinds=("gaussian",), contrast=0.6, radius_fraction=(0.2, 0.25)
    )
    return LabelledSet(images, labels, np.full(n, patient), info)


@pytest.fixture(scope="module")
def task():
    train, test = _labelled(24, 0, "A"), _labelled(20, 1, "B")
    pools = {label: train.of_class(label)[::-1].copy() for label in (0, 1)}
    return train, test, pools


@pytest.fixture(scope="module")
def tiny_config():
    return experiment_config(
        "quick",
        {
            "budgets": (4, 0),
            "synthetic_ratios": (1.0,),
            "n_seeds": 2,
            "classifier_epochs": 1,
            "classifier_width": 2,
            "n_bootstrap": 20,
        },
    )


@pytest.fixture(scope="module")
def results(task, tiny_config, tmp_path_factory):
    train, test, pools = task
    cache = tmp_path_factory.mktemp("rq2") / "runs.csv"
    conditional_pools = {label: pool[::2].copy() for label, pool in pools.items()}
    return run_rq2(
        train,
        test,
        pools=pools,
        conditional_pools=conditional_pools,
        config=tiny_config,
        cache_path=cache,
        progress=False,
    ), cache


def test_run_rq2_has_one_row_per_arm_budget_seed(results):
    table, _ = results
    assert len(table) == len(ARMS) * 2 * 2
    assert set(table["arm"]) == set(ARMS)
    assert set(table["seed"]) == {0, 1} and set(table["budget"]) == {4, 0}
    for column in (
        "auc",
        "auc_ci_low",
        "auc_ci_high",
        "balanced_accuracy",
        "sensitivity_at_spec",
        "n_real",
        "n_synthetic",
    ):
        assert column in table.columns


def test_run_rq2_budget_and_ratio_set_the_training_sizes(results):
    table, _ = results
    small = table[table["budget"] == 4]
    assert (small["n_real"] == 8).all()
    assert (small.loc[small["arm"] == "real", "n_synthetic"] == 0).all()
    assert (small.loc[small["arm"] != "real", "n_synthetic"] == 8).all()


def test_run_rq2_resumes_from_its_cache(task, tiny_config, results):
    train, test, pools = task
    table, cache = results
    again = run_rq2(train, test, pools=None, config=tiny_config, cache_path=cache, progress=False)  # no pools needed
    pd.testing.assert_frame_equal(again, table)


def test_run_rq2_refuses_patient_overlap(task, tiny_config):
    train, _, pools = task
    with pytest.raises(ValueError, match="both train and test"):
        run_rq2(train, train, pools=pools, config=tiny_config, progress=False)


def test_summarise_rq2_gives_interval_per_cell(results):
    table, _ = results
    summary = summarise_rq2(table)
    assert len(summary) == len(ARMS) * 2
    assert (summary["n_seeds"] == 2).all()
    assert (summary["auc_ci_low"].fillna(-1) <= summary["auc_mean"] + 1e-12).all()


def test_paired_tests_pairs_on_budget_and_seed():
    rows = []
    for budget in (10, 20):
        for seed in range(5):
            rows.append({"arm": "real", "ratio": 0.0, "budget": budget, "seed": seed, "auc": 0.6 + 0.01 * seed})
            rows.append({"arm": "real+gan", "ratio": 1.0, "budget": budget, "seed": seed, "auc": 0.65 + 0.01 * seed})
    test = paired_tests(pd.DataFrame(rows))
    row = test.iloc[0]
    assert row["n_pairs"] == 10 and row["n_better"] == 10
    assert row["mean_difference"] == pytest.approx(0.05)
    assert row["p_value"] < 0.01


def test_sample_budget_takes_budget_per_class(task):
    train, _, _ = task
    part = sample_budget(train, 3, seed=0)
    assert np.bincount(part.labels).tolist() == [3, 3]
    assert len(sample_budget(train, 0, seed=0)) == len(train)


def test_synthetic_images_both_arm_mixes_augmented_and_generated(task):
    train, _, pools = task
    real = train.of_class(1)
    out = synthetic_images("real+both", real, 6, pool=pools[1], seed=0)
    assert out.shape == (6, 16, 16)
    from_pool = [any(np.array_equal(img, p) for p in pools[1]) for img in out]
    assert sum(from_pool) == 3


def test_synthetic_images_gan_arm_needs_a_pool(task):
    train, _, _ = task
    with pytest.raises(ValueError, match="generated pool"):
        synthetic_images("real+gan", train.of_class(0), 2, pool=None, seed=0)


def test_run_rq2_conditional_arm_draws_from_the_conditional_pool_only(task, tiny_config):
    train, test, pools = task
    config = experiment_config(
        "quick",
        {
            **{k: getattr(tiny_config, k) for k in ("classifier_epochs", "classifier_width", "n_bootstrap")},
            "budgets": (4,),
            "synthetic_ratios": (1.0,),
            "n_seeds": 1,
        },
    )
    # Without the conditional generator's pool, the per-class arm runs and the conditional arm is refused.
    assert len(run_rq2(train, test, pools=pools, config=config, arms=("real+gan",), progress=False)) == 1
    with pytest.raises(ValueError, match="needs a generated pool"):
        run_rq2(train, test, pools=pools, config=config, arms=("real+cgan",), progress=False)
    with pytest.raises(ValueError, match="needs a generated pool"):
        run_rq2(train, test, pools=None, conditional_pools=pools, config=config, arms=("real+gan",), progress=False)
